//! `GET /admin/chargebacks`.

use actix_web::{HttpResponse, Result, web};
use askama::Template;

use super::view::{Frame, frame, price, when, when_opt};
use crate::{
    payments::chargebacks,
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// A chargeback as listed.
pub struct Row {
    order_number: Option<String>,
    trade_no: String,
    reference: String,
    amount: String,
    reason: String,
    /// Its status in the admin's language, or as stored when the shop has no word for it.
    status: String,
    received: String,
    deadline: String,
}

/// The chargebacks page.
#[derive(Template)]
#[template(path = "admin/chargebacks.html")]
pub struct ChargebacksPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
}

/// Lists chargebacks, newest first.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "chargebacks");
    let shop = state.settings.currency;
    let rows = state
        .db
        .run(|conn| chargebacks::latest(conn, 500))
        .await?
        .into_iter()
        .map(|c| Row {
            order_number: c.order_number,
            trade_no: c.trade_no,
            reference: c.reference,
            amount: price(c.amount_minor, &c.currency, shop),
            reason: c.reason.unwrap_or_default(),
            status: {
                let key = format!("admin.state.{}", c.status);
                if layout.language.has(&key) {
                    layout.language.tr(&key).to_owned()
                } else {
                    c.status
                }
            },
            received: when(c.received_at),
            deadline: when_opt(c.reply_deadline),
        })
        .collect();
    let page = ChargebacksPage {
        rows,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
