//! `GET /admin/transactions`: AsiaBill's transaction list for a date window (or one `tradeNo` or
//! `orderNo`) beside the shop's payment attempts, with the differences flagged.

use actix_web::{HttpResponse, Result, web};
use askama::Template;
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::view::{Frame, Tag, frame, price, tag, when};
use crate::{
    db::now,
    i18n::Lang,
    payments::transactions::{self, Difference, Search},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// Longest window asked of AsiaBill at once.
const MAX_DAYS: i64 = 31;

/// `?from=&to=&trade_no=&order_no=`.
#[derive(Deserialize)]
pub struct TransactionsQuery {
    from: Option<String>,
    to: Option<String>,
    trade_no: Option<String>,
    order_no: Option<String>,
}

/// The local method an attempt was paid with, if any.
fn local_method(
    attempt: &crate::db::models::PaymentAttempt,
) -> Option<&'static crate::payments::methods::Method> {
    attempt
        .payment_method
        .as_deref()
        .and_then(crate::payments::methods::find)
}

/// One line of the comparison as shown.
pub struct LineView {
    trade_no: String,
    order_no: String,
    date: String,
    asiabill_status: String,
    asiabill_amount: String,
    order_number: Option<String>,
    /// How the shopper paid, as the shop recorded it: a local method's name (a brand, left
    /// untranslated), or the word for a card; empty without an attempt.
    method: String,
    /// True when `method` is a local method's name.
    method_is_brand: bool,
    shop_status: Option<Tag>,
    shop_amount: String,
    differences: Vec<String>,
}

/// The transactions page.
#[derive(Template)]
#[template(path = "admin/transactions.html")]
pub struct TransactionsPage {
    layout: Layout,
    frame: Frame,
    from: String,
    to: String,
    trade_no: String,
    order_no: String,
    lines: Vec<LineView>,
    differing: usize,
    error: Option<String>,
    /// Why the window shown is not the one asked for.
    range_note: Option<String>,
}

fn day(v: Option<&str>) -> Option<NaiveDate> {
    v.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
}

fn text(v: Option<&String>) -> Option<String> {
    v.map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.len() <= 64)
}

fn describe(lang: Lang, d: &Difference) -> String {
    match d {
        Difference::UnknownToShop => lang.tr("admin.transactions.unknown_to_shop").to_owned(),
        Difference::MissingAtAsiaBill => lang.tr("admin.transactions.missing").to_owned(),
        Difference::Status { asiabill, shop } => lang
            .tr("admin.transactions.status_differs")
            .replace("{asiabill}", asiabill.as_str())
            .replace("{shop}", shop.as_str()),
        Difference::Amount { asiabill, shop } => lang
            .tr("admin.transactions.amount_differs")
            .replace("{asiabill}", &asiabill.to_string())
            .replace("{shop}", &shop.to_string()),
    }
}

/// Shows the comparison (today's by default).
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<TransactionsQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "transactions");
    let today = now().date();
    let to = day(query.to.as_deref()).unwrap_or(today);
    let asked_from = day(query.from.as_deref());
    let from = asked_from
        .unwrap_or(to)
        .max(to - Duration::days(MAX_DAYS - 1))
        .min(to);
    // A window the wrong way round is not asked of AsiaBill as typed: say what is shown instead.
    let range_note = asked_from.filter(|f| *f > to).map(|_| {
        layout
            .tr("admin.transactions.range_inverted")
            .replace("{day}", &to.to_string())
    });
    let search = Search {
        from,
        to,
        trade_no: text(query.trade_no.as_ref()),
        order_no: text(query.order_no.as_ref()),
    };
    let (lang, shop) = (layout.language, state.settings.currency);
    let (lines, error) =
        match transactions::compare(&state.payments, &admin.actor(), search.clone()).await {
            Ok(lines) => (lines, None),
            Err(e) => (
                Vec::new(),
                Some(
                    layout
                        .tr("admin.transactions.failed")
                        .replace("{message}", &e),
                ),
            ),
        };
    let lines: Vec<LineView> = lines
        .into_iter()
        .map(|l| {
            let tx = l.transaction.as_ref();
            let attempt = l.attempt.as_ref();
            LineView {
                trade_no: tx
                    .map(|t| t.trade_no.clone())
                    .or_else(|| attempt.and_then(|a| a.trade_no.clone()))
                    .unwrap_or_default(),
                order_no: tx
                    .map(|t| t.order_no.clone())
                    .or_else(|| attempt.map(|a| a.gateway_order_no.clone()))
                    .unwrap_or_default(),
                date: tx
                    .map(|t| when(t.trade_date))
                    .or_else(|| attempt.map(|a| when(a.created_at)))
                    .unwrap_or_default(),
                asiabill_status: tx
                    .map(|t| {
                        let auth = t
                            .auth_status
                            .map(|a| format!(" · {}", a.as_str()))
                            .unwrap_or_default();
                        format!("{}{auth}", t.trade_status.as_str())
                    })
                    .unwrap_or_else(|| "—".to_owned()),
                asiabill_amount: tx
                    .map(|t| {
                        format!(
                            "{} {}",
                            t.trade_amount.to_gateway_string(),
                            t.trade_amount.currency().code()
                        )
                    })
                    .unwrap_or_default(),
                order_number: l.order_number.clone(),
                method: attempt
                    .map(|a| match local_method(a) {
                        Some(m) => m.name(lang).to_owned(),
                        None => lang.tr("admin.transactions.card").to_owned(),
                    })
                    .unwrap_or_default(),
                method_is_brand: attempt.and_then(local_method).is_some(),
                shop_status: attempt.map(|a| tag(lang, a.status)),
                shop_amount: attempt
                    .map(|a| price(a.amount_minor, &a.currency, shop))
                    .unwrap_or_default(),
                differences: l.differences.iter().map(|d| describe(lang, d)).collect(),
            }
        })
        .collect();
    let page = TransactionsPage {
        from: from.to_string(),
        to: to.to_string(),
        trade_no: search.trade_no.unwrap_or_default(),
        order_no: search.order_no.unwrap_or_default(),
        differing: lines.iter().filter(|l| !l.differences.is_empty()).count(),
        lines,
        error,
        range_note,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
