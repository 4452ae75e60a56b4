//! `GET /admin/orders` (with filters), `GET /admin/orders.csv`, `GET /admin/order-lines.csv`,
//! `GET /admin/orders/{number}`.

use actix_web::{HttpResponse, Result, http::StatusCode, http::header, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use super::view::{Choice, Frame, Pager, Tag, choices, frame, pager, price, tag, when, when_opt};
use crate::{
    accounts::audit,
    db::{DbError, models::Order, now},
    emails::outbox,
    i18n::Lang,
    money::amount,
    orders::{
        export, notes,
        search::{self, EXPORT_LIMIT, Filters, PER_PAGE},
        status::{FulfilmentStatus, OrderStatus},
        timeline,
        view::{self, AddressOf, AdminOrder, OrderDetails},
    },
    payments::{
        AttemptStatus, RefundStatus, TransactionType,
        capture::{self, Operation},
        merchant_charge,
        refunds::request as refunds,
    },
    shipping::LogisticsStatus,
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// The list's query parameters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    status: Option<String>,
    payment: Option<String>,
    method: Option<String>,
    from: Option<String>,
    to: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

impl ListQuery {
    fn filters(&self) -> Filters {
        Filters::read(
            self.status.as_deref(),
            self.payment.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
            self.q.as_deref(),
        )
        .with_method(self.method.as_deref())
    }
}

/// An order in the list.
pub struct OrderRow {
    number: String,
    placed: String,
    email: String,
    name: String,
    status: Tag,
    fulfilment: Tag,
    total: String,
    refunded: Option<String>,
    /// A chargeback disputes the payment.
    disputed: bool,
    /// AsiaBill took more than the order's total: a double charge to refund.
    paid_twice: bool,
}

/// The orders list.
#[derive(Template)]
#[template(path = "admin/orders/index.html")]
pub struct OrdersPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<OrderRow>,
    total: i64,
    statuses: Vec<Choice>,
    payments: Vec<Choice>,
    /// The local payment methods, to filter by.
    methods: Vec<Choice>,
    from: String,
    to: String,
    q: String,
    export_href: String,
    lines_href: String,
    /// Why nothing can match, when the dates are the wrong way round.
    range_error: Option<String>,
    pager: Pager,
}

/// Lists orders.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "orders");
    let filters = query.filters();
    let page = query.page.unwrap_or(1).max(1);
    let lookup = filters.clone();
    let (found, total) = state
        .db
        .run(move |conn| search::page(conn, &lookup, page, PER_PAGE))
        .await?;
    let (lang, shop) = (layout.language, state.settings.currency);
    let qs = filters.query_string();
    let base = if qs.is_empty() {
        "/admin/orders?".to_owned()
    } else {
        format!("/admin/orders?{qs}&")
    };
    let page = OrdersPage {
        rows: found.iter().map(|o| order_row(lang, shop, o)).collect(),
        total,
        statuses: choices(
            lang,
            OrderStatus::WORDS,
            filters.status.map(OrderStatus::as_str),
        ),
        payments: choices(
            lang,
            AttemptStatus::WORDS,
            filters.payment.map(AttemptStatus::as_str),
        ),
        methods: crate::payments::methods::ALL
            .iter()
            .map(|m| Choice {
                value: m.key,
                text: m.name(lang).to_owned(),
                selected: filters.method.is_some_and(|f| f.key == m.key),
            })
            .collect(),
        from: filters.from.map(|d| d.to_string()).unwrap_or_default(),
        to: filters.to.map(|d| d.to_string()).unwrap_or_default(),
        q: filters.search.clone().unwrap_or_default(),
        export_href: if qs.is_empty() {
            "/admin/orders.csv".to_owned()
        } else {
            format!("/admin/orders.csv?{qs}")
        },
        lines_href: if qs.is_empty() {
            "/admin/order-lines.csv".to_owned()
        } else {
            format!("/admin/order-lines.csv?{qs}")
        },
        range_error: filters
            .inverted()
            .then(|| layout.tr("admin.orders.range_inverted").to_owned()),
        pager: pager(page, total, PER_PAGE, &base),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

fn order_row(lang: Lang, shop: Currency, o: &Order) -> OrderRow {
    OrderRow {
        number: o.number.clone(),
        placed: when(o.created_at),
        email: o.email.clone(),
        name: format!("{} {}", o.billing_first_name, o.billing_last_name),
        status: tag(lang, o.status),
        fulfilment: tag(lang, o.fulfilment_status),
        total: price(o.total_minor, &o.currency, shop),
        refunded: (o.refunded_minor > 0).then(|| price(o.refunded_minor, &o.currency, shop)),
        disputed: o.disputed_at.is_some(),
        paid_twice: o.captured_minor > o.total_minor + o.extra_charged_minor,
    }
}

/// The orders matching the filters as CSV.
pub async fn export(
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filters = query.filters();
    let actor = admin.actor();
    let (found, methods) = state
        .db
        .run(move |conn| {
            let (found, _) = search::page(conn, &filters, 1, EXPORT_LIMIT)?;
            let ids: Vec<i64> = found.iter().map(|o| o.id).collect();
            let methods = search::paid_methods(conn, &ids)?;
            audit::record(
                conn,
                &actor,
                "orders.export",
                None,
                Some(serde_json::json!({ "filters": filters.query_string(), "rows": found.len() })),
            )?;
            Ok::<_, DbError>((found, methods))
        })
        .await?;
    let shop = state.settings.currency;
    let body = export::orders_csv(
        &found,
        |minor, code| amount::input_value(minor, Currency::parse(code).unwrap_or(shop)),
        |o| methods.get(&o.id).cloned().unwrap_or_default(),
    )
    .map_err(AppError::internal)?;
    Ok(csv_download("orders", body))
}

/// The lines of the orders matching the filters as CSV, one row per order line.
pub async fn export_lines(
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let filters = query.filters();
    let actor = admin.actor();
    let lines = state
        .db
        .run(move |conn| {
            let (found, _) = search::page(conn, &filters, 1, EXPORT_LIMIT)?;
            let lines = search::lines_of(conn, &found)?;
            audit::record(
                conn,
                &actor,
                "orders.export_lines",
                None,
                Some(serde_json::json!({
                    "filters": filters.query_string(),
                    "orders": found.len(),
                    "rows": lines.len(),
                })),
            )?;
            Ok::<_, DbError>(lines)
        })
        .await?;
    let shop = state.settings.currency;
    let body = export::lines_csv(&lines, |minor, code| {
        amount::input_value(minor, Currency::parse(code).unwrap_or(shop))
    })
    .map_err(AppError::internal)?;
    Ok(csv_download("order-lines", body))
}

/// A CSV attachment named after `what` and the time.
fn csv_download(what: &str, body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{what}-{}.csv\"",
                now().format("%Y%m%d-%H%M%S")
            ),
        ))
        .body(body)
}

/// A payment attempt on the order page.
pub struct AttemptView {
    order_no: String,
    mode: String,
    kind: String,
    status: Tag,
    amount: String,
    trade_no: String,
    card: String,
    gateway: String,
    created: String,
    decided: String,
    deadline: Option<String>,
}

/// A refund on the order page.
pub struct RefundView {
    id: i64,
    mer_track_no: String,
    batch_no: String,
    amount: String,
    status: Tag,
    reason: String,
    message: String,
    requested: String,
    settled: String,
    unknown: bool,
}

/// A shipment on the order page.
pub struct ShipmentView {
    id: i64,
    carrier: String,
    tracking_number: String,
    tracking_url: String,
    upload: Tag,
    message: String,
    uploaded: String,
    tracking_status: Option<String>,
    checked: String,
    can_retry: bool,
    can_query: bool,
}

/// One timeline entry.
pub struct EventView {
    at: String,
    source: Tag,
    kind: String,
    /// The gateway `orderNo` of the attempt it belongs to, if any.
    attempt: String,
    /// The stored webhook it came from, for a link to it.
    webhook: Option<i64>,
    change: String,
    message: String,
    actor: String,
    detail: Option<String>,
}

/// An audit entry.
pub struct AuditView {
    at: String,
    actor: String,
    action: String,
    detail: String,
}

/// What the refund form shows.
#[derive(Default)]
pub struct RefundForm {
    /// The amount typed; empty at first, so that nothing is refunded by a click alone.
    pub amount: String,
    /// The reason typed.
    pub reason: String,
    /// The gateway `orderNo` of the payment chosen.
    pub transaction: String,
    /// What is wrong with the amount.
    pub amount_error: Option<String>,
}

/// What the shipment form shows.
#[derive(Default)]
pub struct ShipForm {
    /// Carrier code typed.
    pub lc_code: String,
    /// Tracking number typed.
    pub tracking_number: String,
    /// Tracking website typed.
    pub tracking_url: String,
    /// Errors by field.
    pub errors: Vec<(&'static str, String)>,
}

impl ShipForm {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A capture or void button: enabled, or why not.
pub struct ActionButton {
    action: &'static str,
    label: &'static str,
    blocked: Option<&'static str>,
}

/// The order page.
#[derive(Template)]
#[template(path = "admin/orders/show.html")]
pub struct OrderPage {
    layout: Layout,
    frame: Frame,
    number: String,
    placed: String,
    status: Tag,
    fulfilment: Tag,
    email: String,
    phone: String,
    locale: String,
    customer_ip: String,
    lines: Vec<(String, String, i64, String, String, Option<String>)>,
    subtotal: String,
    discount: Option<(String, String)>,
    tax: Option<(String, String)>,
    shipping: String,
    /// The shipping method's name, as the shopper chose it.
    shipping_method: Option<String>,
    total: String,
    captured: String,
    refunded: String,
    refundable: String,
    billing: Vec<String>,
    delivery: Vec<String>,
    attempts: Vec<AttemptView>,
    refunds: Vec<RefundView>,
    shipments: Vec<ShipmentView>,
    events: Vec<EventView>,
    audit: Vec<AuditView>,
    can_refund: bool,
    dispute: Option<DisputeView>,
    refund_form: RefundForm,
    /// Set when AsiaBill took more than one payment for the order: the one to refund.
    duplicate: Option<DuplicateView>,
    /// Every paid payment, with what was refunded from each.
    payments: Vec<PaymentView>,
    preauthorized: bool,
    buttons: Vec<ActionButton>,
    can_ship: bool,
    ship_form: ShipForm,
    currency_code: String,
    /// What merchant-initiated charges added after the order was paid, when any did.
    extra_charged: Option<String>,
    /// The account's cards that may be charged by the merchant (`tokenType=Recurring`), when
    /// the order may take an extra charge.
    charge_cards: Vec<(i64, String)>,
    /// The extra-charge form's key: posted twice, it charges once.
    charge_key: String,
    /// The refund rules of the local methods the order was paid with, when they limit refunds.
    refund_rules: Vec<String>,
    /// Notes, internal and to the customer, oldest first.
    notes: Vec<NoteView>,
    /// The order's emails in the outbox, each with a button to send it again.
    emails: Vec<OrderEmailView>,
    /// Awaiting payment: the merchant may cancel it.
    can_cancel: bool,
    /// Paid, not shipped, something left to refund and no chargeback: "cancel and refund".
    can_cancel_refund: bool,
    /// Cancelled by "cancel and refund": wholly refunded, its stock back on sale.
    cancelled_after_refund: bool,
}

/// A note on the order page.
pub struct NoteView {
    kind: &'static str,
    body: String,
    author: String,
    at: String,
}

/// One of the order's emails on its page.
pub struct OrderEmailView {
    id: i64,
    kind: String,
    to: String,
    subject: String,
    status: Tag,
    at: String,
}

/// A paid payment of the order, with its own captured and refunded amounts.
pub struct PaymentView {
    order_no: String,
    trade_no: String,
    captured: String,
    refunded: String,
    left: String,
}

/// The second payment of a doubly paid order, ready to be refunded in one click.
pub struct DuplicateView {
    count: usize,
    taken: String,
    total: String,
    order_no: String,
    trade_no: String,
    amount: String,
    amount_input: String,
}

/// An order's chargeback as its page shows it.
pub struct DisputeView {
    reference: String,
    amount: String,
    reason: String,
    deadline: String,
}

/// Forms to show filled in (after a refused post), or `None` for fresh ones.
#[derive(Default)]
pub struct Forms {
    /// The refund form.
    pub refund: Option<RefundForm>,
    /// The shipment form.
    pub ship: Option<ShipForm>,
}

fn button(d: &OrderDetails, operation: Operation, at: chrono::NaiveDateTime) -> ActionButton {
    ActionButton {
        action: operation.as_str(),
        label: match operation {
            Operation::Capture => "admin.order.capture",
            Operation::Void => "admin.order.void",
        },
        blocked: capture::allowed(&d.attempts, operation, at)
            .err()
            .map(capture::Blocked::key),
    }
}

/// AsiaBill's raw code and message of an attempt, and for a failed one what it means.
fn gateway_says(lang: Lang, a: &crate::db::models::PaymentAttempt) -> String {
    let raw = [a.gateway_code.as_deref(), a.gateway_message.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    if a.status != AttemptStatus::Failed {
        return raw;
    }
    let meaning = lang.merchant_reason(a.gateway_message.as_deref().unwrap_or_default());
    format!("{raw} — {meaning}")
}

/// Builds the order page.
pub fn order_page(
    mut layout: Layout,
    admin: &AdminUser,
    shop: Currency,
    loaded: AdminOrder,
    forms: Forms,
) -> OrderPage {
    let AdminOrder {
        details: d,
        events,
        audit,
        tracking,
        dispute,
    } = loaded;
    let frame = frame(&mut layout, admin, "orders");
    let lang = layout.language;
    let o = &d.order;
    let currency = Currency::parse(&o.currency).unwrap_or(shop);
    let money = |minor: i64| crate::money::format_price(minor, currency);
    let left = (o.captured_minor - o.refunded_minor).max(0);
    // A disputed payment is not refunded: the chargeback already takes the money back.
    let can_refund =
        OrderStatus::REFUNDABLE.contains(&o.status) && left > 0 && o.disputed_at.is_none();
    let paid = refunds::payments(&d.attempts, &d.refunds);
    let payment_views = paid
        .iter()
        .map(|p| PaymentView {
            order_no: p.order_no.clone(),
            trade_no: p.trade_no.clone(),
            captured: money(p.captured_minor),
            refunded: money(p.refunded_minor),
            left: money(p.left()),
        })
        .collect();
    // More than one paid payment of the order means the shopper was charged twice: the newest
    // one with something left is the duplicate (the order was settled by the first). The
    // merchant's own charges of the saved card are not payments of the order.
    let merchant_charges: Vec<i64> = d
        .attempts
        .iter()
        .filter(|a| a.is_merchant_charge())
        .map(|a| a.id)
        .collect();
    let order_payments: Vec<_> = paid
        .iter()
        .filter(|p| !merchant_charges.contains(&p.attempt_id))
        .collect();
    let duplicate = (order_payments.len() > 1)
        .then(|| order_payments.iter().skip(1).rev().find(|p| p.left() > 0))
        .flatten()
        .map(|p| DuplicateView {
            count: order_payments.len(),
            taken: money(order_payments.iter().map(|p| p.captured_minor).sum()),
            total: money(o.total_minor),
            order_no: p.order_no.clone(),
            trade_no: p.trade_no.clone(),
            amount: money(p.left()),
            amount_input: amount::input_value(p.left(), currency),
        });
    let dispute = dispute.map(|c| DisputeView {
        reference: c.reference,
        amount: price(c.amount_minor, &c.currency, shop),
        reason: c.reason.unwrap_or_default(),
        deadline: when_opt(c.reply_deadline),
    });
    let at = now();
    let can_cancel_refund = can_refund && o.fulfilment_status == FulfilmentStatus::Unfulfilled;
    let attempts = d
        .attempts
        .iter()
        .map(|a| AttemptView {
            order_no: a.gateway_order_no.clone(),
            mode: match (
                a.is_merchant_charge(),
                a.payment_method
                    .as_deref()
                    .and_then(crate::payments::methods::find),
            ) {
                (true, _) => lang.tr("admin.order.mode_merchant").to_owned(),
                (false, Some(method)) => format!(
                    "{} · {}",
                    lang.tr(&format!("admin.order.mode_{}", a.mode)),
                    method.name(lang)
                ),
                (false, None) => lang.tr(&format!("admin.order.mode_{}", a.mode)).to_owned(),
            },
            kind: lang
                .tr(&format!("admin.order.kind_{}", a.transaction_type))
                .to_owned(),
            status: tag(lang, a.status),
            amount: price(a.amount_minor, &a.currency, shop),
            trade_no: a.trade_no.clone().unwrap_or_default(),
            card: a.masked_card.clone().unwrap_or_default(),
            gateway: gateway_says(lang, a),
            created: when(a.created_at),
            decided: when_opt(a.paid_at.or(a.voided_at).or(a.authorized_at)),
            deadline: (a.status == AttemptStatus::Authorized).then(|| when_opt(a.capture_deadline)),
        })
        .collect();
    let refunds = d
        .refunds
        .iter()
        .map(|r| RefundView {
            id: r.id,
            mer_track_no: r.mer_track_no.clone(),
            batch_no: r.batch_no.clone().unwrap_or_default(),
            amount: price(r.amount_minor, &r.currency, shop),
            status: tag(lang, r.status),
            reason: r.reason.clone(),
            message: r.gateway_message.clone().unwrap_or_default(),
            requested: when(r.created_at),
            settled: when_opt(r.settled_at),
            unknown: r.status == RefundStatus::Unknown,
        })
        .collect();
    let shipments = d
        .shipments
        .iter()
        .map(|s| {
            let (status, checked) = tracking
                .iter()
                .find(|(id, _, _)| *id == s.id)
                .map_or((None, None), |(_, st, at)| (st.clone(), *at));
            ShipmentView {
                id: s.id,
                carrier: s.carrier.clone(),
                tracking_number: s.tracking_number.clone(),
                tracking_url: s.tracking_url.clone().unwrap_or_default(),
                upload: tag(lang, s.logistics_status),
                message: s.logistics_message.clone().unwrap_or_default(),
                uploaded: when_opt(s.uploaded_at),
                tracking_status: status,
                checked: when_opt(checked),
                can_retry: s.logistics_status != LogisticsStatus::Uploaded,
                can_query: s.logistics_status == LogisticsStatus::Uploaded,
            }
        })
        .collect();
    let events = events
        .into_iter()
        .map(|e| EventView {
            at: when(e.created_at),
            source: tag(lang, format!("source_{}", e.source).as_str()),
            attempt: e
                .attempt_id
                .and_then(|id| d.attempts.iter().find(|a| a.id == id))
                .map(|a| a.gateway_order_no.clone())
                .unwrap_or_default(),
            webhook: e
                .detail
                .as_deref()
                .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                .and_then(|v| v.get("webhook_id").and_then(serde_json::Value::as_i64)),
            kind: e.kind,
            change: {
                let word = |status: &str| lang.tr(&format!("timeline.state.{status}"));
                match (&e.from_status, &e.to_status) {
                    (Some(f), Some(t)) => format!("{} → {}", word(f), word(t)),
                    (None, Some(t)) => format!("→ {}", word(t)),
                    _ => String::new(),
                }
            },
            message: timeline::entry_text(
                lang,
                e.message_key.as_deref(),
                e.message_args.as_deref(),
                e.message.as_deref().unwrap_or_default(),
            ),
            actor: e.actor.unwrap_or_default(),
            detail: e.detail.map(|d| {
                serde_json::from_str::<serde_json::Value>(&d)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or(d)
            }),
        })
        .collect();
    let audit = audit
        .into_iter()
        .map(|e| AuditView {
            at: when(e.created_at),
            actor: e.actor,
            action: e.action,
            detail: e.detail.unwrap_or_default(),
        })
        .collect();
    OrderPage {
        number: o.number.clone(),
        placed: when(o.created_at),
        status: tag(lang, o.status),
        fulfilment: tag(lang, o.fulfilment_status),
        email: o.email.clone(),
        phone: o.phone.clone(),
        locale: o.locale.clone(),
        customer_ip: o.customer_ip.clone(),
        lines: d
            .lines
            .iter()
            .map(|l| {
                (
                    l.sku.clone(),
                    l.full_name(),
                    l.quantity,
                    money(l.unit_price_minor),
                    money(l.line_total_minor),
                    crate::taxes::line_shown(l.tax_minor, &money, lang),
                )
            })
            .collect(),
        subtotal: money(o.subtotal_minor),
        discount: crate::discounts::shown(o, &money),
        tax: crate::taxes::shown(o, &money, lang),
        shipping: money(o.shipping_minor),
        shipping_method: o.shipping_method.clone(),
        total: money(o.total_minor),
        captured: money(o.captured_minor),
        refunded: money(o.refunded_minor),
        refundable: money(left),
        billing: view::printed_address(o, AddressOf::Billing, lang).all_lines(),
        delivery: view::printed_address(o, AddressOf::Shipping, lang).all_lines(),
        attempts,
        refunds,
        shipments,
        events,
        audit,
        can_refund,
        dispute,
        refund_form: forms.refund.unwrap_or_default(),
        duplicate,
        payments: payment_views,
        preauthorized: d
            .attempts
            .iter()
            .any(|a| a.transaction_type == TransactionType::Authorization && a.trade_no.is_some()),
        buttons: vec![
            button(&d, Operation::Capture, at),
            button(&d, Operation::Void, at),
        ],
        can_ship: OrderStatus::SHIPPABLE.contains(&o.status),
        ship_form: forms.ship.unwrap_or_default(),
        currency_code: currency.code().to_owned(),
        extra_charged: (o.extra_charged_minor > 0).then(|| money(o.extra_charged_minor)),
        charge_cards: Vec::new(),
        charge_key: crate::orders::new_access_token(),
        refund_rules: d
            .attempts
            .iter()
            .filter(|a| a.status.is_success())
            .filter_map(|a| a.payment_method.as_deref())
            .filter_map(crate::payments::methods::find)
            .filter_map(|m| {
                let rule = match m.refunds {
                    crate::payments::methods::Refunds::Partial => return None,
                    crate::payments::methods::Refunds::FullOnly => "whole",
                    crate::payments::methods::Refunds::None => "none",
                };
                Some(
                    lang.tr(&format!("admin.order.refund_rule_{rule}"))
                        .replace("{method}", m.name(lang)),
                )
            })
            .collect(),
        notes: Vec::new(),
        emails: Vec::new(),
        can_cancel: o.status == OrderStatus::PendingPayment,
        can_cancel_refund,
        cancelled_after_refund: o.status == OrderStatus::Refunded && o.cancelled_at.is_some(),
        layout,
        frame,
    }
}

/// Loads order `number` with everything its admin page shows; `None` when there is none.
async fn load(state: &AppState, number: String) -> Result<Option<AdminOrder>, DbError> {
    state
        .db
        .run(move |conn| view::for_admin(conn, &number))
        .await
}

/// Renders order `number` with `forms`, answering `status`; 404 when there is no such order.
pub async fn render_order(
    layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    number: String,
    forms: Forms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let Some(loaded) = load(state, number).await? else {
        return Err(AppError::NotFound);
    };
    let order = &loaded.details.order;
    // Extra charges need a paid sale (not a pre-authorization), no open chargeback, and a card
    // the shopper saved with InitRecurring.
    let chargeable = OrderStatus::REFUNDABLE.contains(&order.status)
        && order.disputed_at.is_none()
        && order.shopper_id.is_some()
        && !state.settings.gateway.preauth;
    let order_id = order.id;
    let charge_cards = if chargeable {
        state
            .db
            .run(move |conn| merchant_charge::cards_for_order(conn, order_id))
            .await?
    } else {
        Vec::new()
    };
    let (notes, emails) = state
        .db
        .run(move |conn| {
            Ok::<_, DbError>((
                notes::of_order(conn, order_id, false)?,
                outbox::of_order(conn, order_id)?,
            ))
        })
        .await?;
    let lang = layout.language;
    let mut page = order_page(layout, admin, state.settings.currency, loaded, forms);
    page.charge_cards = charge_cards;
    page.notes = notes
        .into_iter()
        .map(|n| NoteView {
            kind: n.kind.as_str(),
            body: n.body,
            author: n.author,
            at: when(n.created_at),
        })
        .collect();
    page.emails = emails
        .into_iter()
        .map(|e| OrderEmailView {
            id: e.id,
            kind: e.kind,
            to: e.to_address,
            subject: e.subject,
            status: tag(lang, e.status),
            at: when(e.created_at),
        })
        .collect();
    Ok(Page::new(page).status(status).into())
}

/// Shows one order.
pub async fn show(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    number: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    render_order(
        layout,
        &admin,
        &state,
        number.into_inner(),
        Forms::default(),
        StatusCode::OK,
    )
    .await
}
