//! `GET /orders/{token}`: the order's own page, reachable only with its secret token; and
//! `POST /orders/{token}/restore-cart`, which puts a cancelled order's items back in the cart.

use actix_session::Session;
use actix_web::{HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use crate::{
    db::DbError,
    money::format_price,
    orders::{
        cancel, expire, notes,
        status::OrderStatus,
        view::{self, AddressOf, OrderDetails, PrintedAddress},
    },
    payments::AttemptStatus,
    web::{
        AppError, AppState, Layout, Page, extract::forms::CsrfForm, flash, layout::CART_ID,
        render::see_other,
    },
};

/// A line of the order.
pub struct LineView {
    /// Name as bought.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Formatted unit price.
    pub unit_price: String,
    /// Formatted line total.
    pub total: String,
    /// Its tax, when it has any.
    pub tax: Option<String>,
}

/// A shipment with its tracking.
pub struct ShipmentView {
    /// Carrier name.
    pub carrier: String,
    /// Tracking number.
    pub tracking_number: String,
    /// Tracking page, when known.
    pub tracking_url: Option<String>,
    /// Date shipped.
    pub date: String,
}

/// A refund.
pub struct RefundView {
    /// Formatted amount.
    pub amount: String,
    /// Translated state.
    pub status: String,
    /// Date requested.
    pub date: String,
}

/// The order page.
#[derive(Template)]
#[template(path = "orders/show.html")]
pub struct OrderPage {
    layout: Layout,
    token: String,
    number: String,
    placed: String,
    status_key: String,
    status_text: String,
    payment_text: Option<String>,
    /// What the last failed attempt's reason means, in the shopper's words.
    failure_reason: Option<&'static str>,
    masked_card: Option<String>,
    lines: Vec<LineView>,
    subtotal: String,
    discount: Option<(String, String)>,
    tax: Option<(String, String)>,
    /// The shipping method's name, as chosen, and the amount (`Free` when nothing).
    shipping: (Option<String>, String),
    total: String,
    refunded: Option<String>,
    billing: PrintedAddress,
    shipping_address: PrintedAddress,
    email: String,
    shipments: Vec<ShipmentView>,
    refunds: Vec<RefundView>,
    /// The page reloads itself while a payment is being decided.
    refresh: bool,
    /// While waiting on a local method: its name, for the words that explain the wait.
    waiting_on: Option<&'static str>,
    /// "Pay now" / "Pay again" is offered.
    can_pay: bool,
    /// A failed attempt exists, so the offer reads "pay again".
    paid_before_failed: bool,
    /// The order was cancelled; its items can go back in the cart.
    can_restore: bool,
    /// The merchant's notes to the shopper: (date, words), oldest first.
    messages: Vec<(String, String)>,
    /// Cancelled by the merchant rather than by the reservation's expiry.
    cancelled_by_shop: bool,
}

/// Shows the order; an unknown token is a plain 404, the same as any other missing page.
pub async fn show(
    layout: Layout,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let found = state
        .db
        .run(move |conn| {
            let Some(details) = view::by_token(conn, &token)? else {
                return Ok(None);
            };
            // Only the notes to the customer: internal ones never reach the shopper's page.
            let notes = notes::of_order(conn, details.order.id, true)?;
            let by_shop = details.order.status == OrderStatus::Cancelled
                && cancel::by_merchant(conn, details.order.id)?;
            Ok::<_, DbError>(Some((details, notes, by_shop)))
        })
        .await?;
    let Some((details, notes, cancelled_by_shop)) = found else {
        return Err(AppError::NotFound);
    };
    let mut page = order_page(layout, &details, state.settings.currency);
    page.cancelled_by_shop = cancelled_by_shop;
    page.messages = notes
        .into_iter()
        .map(|n| (n.created_at.format("%Y-%m-%d").to_string(), n.body))
        .collect();
    Ok(Page::new(page).into())
}

fn order_page(layout: Layout, d: &OrderDetails, shop_currency: Currency) -> OrderPage {
    let o = &d.order;
    let lang = layout.language;
    let currency = Currency::parse(&o.currency).unwrap_or(shop_currency);
    let price = |minor: i64| format_price(minor, currency);
    let latest = d.latest_attempt();
    let attempt_status = latest.map(|a| a.status);
    let awaiting = matches!(
        attempt_status,
        Some(AttemptStatus::Pending | AttemptStatus::RequiresAction)
    );
    let refresh = o.status == OrderStatus::PendingPayment && awaiting;
    let can_pay = o.status == OrderStatus::PendingPayment && !awaiting;
    OrderPage {
        token: o.access_token.clone(),
        number: o.number.clone(),
        placed: o.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        status_key: o.status.as_str().to_owned(),
        status_text: lang.tr(&format!("order.status.{}", o.status)).to_owned(),
        payment_text: attempt_status.map(|s| lang.tr(&format!("payment.status.{s}")).to_owned()),
        failure_reason: latest
            .filter(|a| a.status == AttemptStatus::Failed)
            .map(|a| lang.shopper_reason(a.gateway_message.as_deref().unwrap_or_default())),
        masked_card: latest.and_then(|a| a.masked_card.clone()),
        lines: d
            .lines
            .iter()
            .map(|l| LineView {
                name: l.full_name(),
                quantity: l.quantity,
                unit_price: price(l.unit_price_minor),
                total: price(l.line_total_minor),
                tax: crate::taxes::line_shown(l.tax_minor, &price, lang),
            })
            .collect(),
        subtotal: price(o.subtotal_minor),
        discount: crate::discounts::shown(o, &price),
        tax: crate::taxes::shown(o, &price, lang),
        shipping: crate::shipping::rates::shown(o, &price, lang),
        total: price(o.total_minor),
        refunded: (o.refunded_minor > 0).then(|| price(o.refunded_minor)),
        billing: view::printed_address(o, AddressOf::Billing, lang),
        shipping_address: view::printed_address(o, AddressOf::Shipping, lang),
        email: o.email.clone(),
        shipments: d
            .shipments
            .iter()
            .map(|s| ShipmentView {
                carrier: s.carrier.clone(),
                tracking_number: s.tracking_number.clone(),
                tracking_url: s.tracking_url.clone(),
                date: s.created_at.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        refunds: d
            .refunds
            .iter()
            .map(|r| RefundView {
                amount: price(r.amount_minor),
                status: lang.tr(&format!("refund.status.{}", r.status)).to_owned(),
                date: r.created_at.format("%Y-%m-%d").to_string(),
            })
            .collect(),
        refresh,
        waiting_on: latest
            .and_then(|a| a.payment_method.as_deref())
            .and_then(crate::payments::methods::find)
            .filter(|_| refresh)
            .map(|m| m.name(lang)),
        can_pay,
        paid_before_failed: d.attempts.iter().any(|a| a.status == AttemptStatus::Failed),
        can_restore: o.status == OrderStatus::Cancelled,
        messages: Vec::new(),
        cancelled_by_shop: false,
        layout,
    }
}

/// `POST /orders/{token}/restore-cart` carries only the CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Puts a cancelled order's items back in the cart, as far as stock allows.
pub async fn restore_cart(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let cart_id = session.get::<i64>(CART_ID).ok().flatten();
    let currency = state.settings.currency;
    let restored = state
        .db
        .run(move |conn| {
            let Some(details) = view::by_token(conn, &token)? else {
                return Ok::<_, DbError>(None);
            };
            if details.order.status != OrderStatus::Cancelled {
                return Ok(Some((cart_id, 0, false)));
            }
            let (cart, skipped) =
                expire::restore_to_cart(conn, details.order.id, cart_id, currency)?;
            Ok(Some((cart, skipped, true)))
        })
        .await?;
    let Some((cart, skipped, done)) = restored else {
        return Err(AppError::NotFound);
    };
    if let Some(cart) = cart {
        session.insert(CART_ID, cart)?;
    }
    let message = match (done, skipped) {
        (false, _) => layout.tr("order.restore_not_cancelled").to_owned(),
        (true, 0) => layout.tr("order.restored").to_owned(),
        (true, n) => layout
            .tr("order.restored_partly")
            .replace("{n}", &n.to_string()),
    };
    flash::push(
        &session,
        if skipped == 0 && done {
            "success"
        } else {
            "info"
        },
        message,
    );
    Ok(see_other("/cart"))
}
