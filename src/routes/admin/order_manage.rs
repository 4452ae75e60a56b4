//! The order page's management actions: `POST /admin/orders/{number}/notes`, `/cancel`,
//! `/cancel-refund` (a confirmation page first, then the refunds) and
//! `/emails/{id}/resend`.
//!
//! Each answers with a 303 back to the order page and a flash message saying what happened, as
//! the payment actions in `order_actions.rs` do.

use actix_session::Session;
use actix_web::{HttpResponse, Result, http::StatusCode, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use super::view::{Empty, Frame, frame};
use crate::{
    accounts::audit::{self, Target},
    db::{DbError, schema::orders},
    emails::outbox,
    money::{amount, format_price},
    orders::{
        cancel::{self, CancelError, RefundPlan},
        notes::{self, NoteError, NoteKind},
    },
    payments::refunds::request::{RefundError, Requested},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminForm, flash, render::see_other},
};

fn order_url(number: &str) -> String {
    format!("/admin/orders/{number}")
}

/// The note form.
#[derive(Deserialize)]
pub struct NotePost {
    #[serde(default)]
    body: String,
    /// `internal` or `customer`.
    #[serde(default)]
    kind: String,
}

/// Adds a note; one to the customer is emailed to the shopper.
pub async fn add_note(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<NotePost>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let AdminForm { admin, form } = post;
    let back = see_other(&format!("{}#notes", order_url(&number)));
    let Ok(kind) = form.kind.parse::<NoteKind>() else {
        return Err(AppError::BadRequest("unknown kind of note".into()));
    };
    let (actor, lookup, public_url) = (
        admin.actor(),
        number.clone(),
        state.settings.public_url.clone(),
    );
    let added = state
        .db
        .run(move |conn| notes::add(conn, &actor, &lookup, kind, &form.body, &public_url))
        .await;
    match added {
        Ok(_) => flash::push(
            &session,
            "success",
            layout.tr(&format!("admin.notes.added_{kind}")),
        ),
        Err(NoteError::NotFound) => return Err(AppError::NotFound),
        Err(NoteError::Length) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.notes.error_length")
                .replace("{max}", &notes::MAX_CHARS.to_string()),
        ),
        Err(NoteError::Db(e)) => return Err(e.into()),
    }
    Ok(back)
}

/// Cancels an order awaiting payment and releases its stock.
pub async fn cancel_unpaid(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let (actor, lookup) = (post.admin.actor(), number.clone());
    let done = state
        .db
        .run(move |conn| cancel::cancel_unpaid(conn, &actor, &lookup))
        .await;
    match done {
        Ok(()) => flash::push(&session, "success", layout.tr("admin.cancel.done")),
        Err(CancelError::PaymentInFlight) => {
            flash::push(&session, "error", layout.tr("admin.cancel.in_flight"));
        }
        Err(CancelError::NotUnpaid(status)) => flash::push(
            &session,
            "error",
            layout
                .tr("admin.cancel.not_unpaid")
                .replace("{status}", layout.tr(&format!("admin.state.{status}"))),
        ),
        Err(CancelError::NotFound) => return Err(AppError::NotFound),
        Err(CancelError::Db(e)) => return Err(e.into()),
        // The unpaid cancel refuses in none of the refund's ways.
        Err(e) => return Err(AppError::internal(e)),
    }
    Ok(see_other(&order_url(&number)))
}

/// The cancel-and-refund form: nothing but the CSRF token at first; the confirmation page
/// sends back the amount it named, the reason and `confirmed=yes`.
#[derive(Deserialize)]
pub struct CancelRefundPost {
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirmed: String,
}

/// A payment the cancel will refund, as the confirmation page names it.
pub struct PlannedRefund {
    order_no: String,
    trade_no: String,
    amount: String,
}

/// The step between the button and AsiaBill: the amount to be refunded and the payments it
/// comes from, with a button to send it and a way back.
#[derive(Template)]
#[template(path = "admin/orders/cancel_refund_confirm.html")]
struct CancelRefundConfirmPage {
    layout: Layout,
    frame: Frame,
    number: String,
    amount: String,
    amount_input: String,
    refunds: Vec<PlannedRefund>,
    /// Set when the page is shown again because what is left changed.
    changed: bool,
}

fn confirm_page(
    layout: Layout,
    admin: &crate::web::extract::auth::AdminUser,
    number: String,
    plan: &RefundPlan,
    currency: Currency,
    changed: bool,
) -> HttpResponse {
    let mut layout = layout;
    let frame = frame(&mut layout, admin, "orders");
    let page = CancelRefundConfirmPage {
        layout,
        frame,
        number,
        amount: format_price(plan.total, currency),
        amount_input: amount::input_value(plan.total, currency),
        refunds: plan
            .payments
            .iter()
            .map(|p| PlannedRefund {
                order_no: p.order_no.clone(),
                trade_no: p.trade_no.clone(),
                amount: format_price(p.left(), currency),
            })
            .collect(),
        changed,
    };
    let status = if changed {
        StatusCode::CONFLICT
    } else {
        StatusCode::OK
    };
    Page::new(page).status(status).into()
}

/// Why the cancel-and-refund is refused, as a flash message.
fn refused(layout: &Layout, e: &CancelError) -> String {
    match e {
        CancelError::Shipped => layout.tr("admin.cancel.shipped").to_owned(),
        CancelError::Refund(RefundError::Disputed { .. }) => {
            layout.tr("admin.order.dispute_blocks_refunds").to_owned()
        }
        CancelError::Refund(RefundError::MethodRule { method, rule }) => layout
            .tr(&format!("admin.order.refund_rule_{rule}"))
            .replace("{method}", method),
        _ => layout.tr("admin.cancel.not_refundable").to_owned(),
    }
}

/// Cancels a paid order and refunds what is left, after a confirmation page naming the
/// amount; the order is cancelled and restocked once AsiaBill reports the refund done.
pub async fn cancel_refund(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    number: web::Path<String>,
    post: AdminForm<CancelRefundPost>,
) -> Result<HttpResponse, AppError> {
    let number = number.into_inner();
    let AdminForm { admin, form } = post;
    let lookup = number.clone();
    let currency = state
        .db
        .run(move |conn| crate::orders::view::currency_of(conn, &lookup))
        .await?
        .ok_or(AppError::NotFound)?;
    let currency = Currency::parse(&currency).unwrap_or(state.settings.currency);
    let plan = match cancel::plan(&state.payments, &number).await {
        Ok(plan) => plan,
        Err(CancelError::NotFound) => return Err(AppError::NotFound),
        Err(CancelError::Db(e)) => return Err(e.into()),
        Err(e) => {
            flash::push(&session, "error", refused(&layout, &e));
            return Ok(see_other(&order_url(&number)));
        }
    };
    if form.confirmed != "yes" {
        // Nothing is reserved or sent before the admin has seen the amount.
        return Ok(confirm_page(layout, &admin, number, &plan, currency, false));
    }
    let Ok(confirmed) = amount::parse(&form.amount, currency) else {
        return Ok(confirm_page(layout, &admin, number, &plan, currency, true));
    };
    let asked = match cancel::cancel_and_refund(
        &state.payments,
        &admin.actor(),
        &number,
        confirmed,
        &form.reason,
    )
    .await
    {
        Ok(asked) => asked,
        Err(CancelError::Changed { .. }) => {
            return Ok(confirm_page(layout, &admin, number, &plan, currency, true));
        }
        Err(CancelError::NotFound) => return Err(AppError::NotFound),
        Err(CancelError::Db(e)) => return Err(e.into()),
        Err(e) => {
            flash::push(&session, "error", refused(&layout, &e));
            return Ok(see_other(&order_url(&number)));
        }
    };
    for a in asked {
        let price = format_price(a.payment.left(), currency);
        let (kind, message) = match a.answer {
            Ok(Requested::Accepted { mer_track_no }) => (
                "success",
                layout
                    .tr("admin.cancel.refund_accepted")
                    .replace("{track}", &mer_track_no)
                    .replace("{amount}", &price),
            ),
            Ok(Requested::Refused {
                mer_track_no,
                message,
            }) => (
                "error",
                layout
                    .tr("admin.order.refund_refused")
                    .replace("{track}", &mer_track_no)
                    .replace("{message}", &message),
            ),
            Ok(Requested::Unknown { mer_track_no }) => (
                "info",
                layout
                    .tr("admin.order.refund_unknown")
                    .replace("{track}", &mer_track_no),
            ),
            Err(e) => ("error", refused(&layout, &CancelError::Refund(e))),
        };
        flash::push(&session, kind, message);
    }
    Ok(see_other(&order_url(&number)))
}

/// Queues a copy of one of the order's emails.
pub async fn resend_email(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(String, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (number, id) = path.into_inner();
    let (actor, lookup) = (post.admin.actor(), number.clone());
    let queued = state
        .db
        .run(move |conn| {
            use diesel::prelude::*;
            crate::db::write_transaction(conn, |conn| {
                let Some(order_id) = orders::table
                    .filter(orders::number.eq(&lookup))
                    .select(orders::id)
                    .first::<i64>(conn)
                    .optional()?
                else {
                    return Ok(false);
                };
                if !outbox::resend(conn, order_id, id)? {
                    return Ok(false);
                }
                audit::record(
                    conn,
                    &actor,
                    "email.resend",
                    Some(Target {
                        kind: "order",
                        id: &lookup,
                    }),
                    Some(serde_json::json!({ "outbox_id": id })),
                )?;
                Ok::<_, DbError>(true)
            })
        })
        .await?;
    if !queued {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.order_emails.resent"));
    Ok(see_other(&format!("{}#emails", order_url(&number))))
}
