//! `/console`: what the simulator saw and did, for a demo audience and a developer. Recent
//! transactions (with their payment method) with the API requests that mention them and their
//! checklist flags, customers and their saved cards (never a full number), refunds,
//! chargebacks, logistics, webhook events and every delivery attempt with the merchant's
//! reply; buttons to resend a webhook, settle a pending payment, raise a chargeback and move a
//! shipment; and the fault switches, local payments held pending among them. Every form
//! carries a per-instance token so that another site cannot make a visitor's browser press
//! these buttons.

use std::collections::HashMap;
use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use asiabill::currency::Money;
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use super::text::Lang;
use super::{Chrome, Framing, render, see_other, show_amount};
use crate::faults::Faults;
use crate::recording::RecordedRequest;
use crate::state::{Customer, OrderStatus, PaymentFlow, PaymentMethod, Transaction};
use crate::webhooks::DeliveryOutcome;
use crate::{LOGISTICS_STATUSES, Sandbox};

/// The console's address.
pub(crate) const PATH: &str = "/console";
/// How many of the newest rows each table shows.
const ROWS: usize = 200;
/// How much of a webhook reply is shown.
const REPLY_CHARS: usize = 300;

#[derive(Template)]
#[template(path = "console.html")]
struct ConsolePage {
    chrome: Chrome,
    csrf: String,
    notice: Option<String>,
    error: Option<String>,
    transactions: Vec<TransactionRow>,
    customers: Vec<CustomerRow>,
    payment_methods: Vec<PaymentMethodRow>,
    refunds: Vec<Row>,
    chargebacks: Vec<Row>,
    logistics: Vec<LogisticsRow>,
    events: Vec<EventRow>,
    deliveries: Vec<DeliveryRow>,
    faults: FaultsView,
    logistics_statuses: &'static [&'static str],
}

struct TransactionRow {
    created: String,
    trade_no: String,
    order_no: String,
    gateway_no: String,
    flow: &'static str,
    /// `paymentMethod`, e.g. `Credit Card` or `ideal`.
    payment_method: String,
    amount: String,
    status: &'static str,
    auth_status: &'static str,
    order_info: String,
    card: String,
    flags: Vec<&'static str>,
    requests: Vec<RequestRow>,
    pending: bool,
    paid: bool,
}

struct RequestRow {
    at: String,
    method: String,
    target: String,
    code: String,
    accepted: bool,
    body: String,
}

struct CustomerRow {
    created: String,
    customer_id: String,
    gateway_no: String,
    email: String,
    name: String,
    /// Its attached methods, e.g. `pm_… Visa 4242`.
    methods: Vec<String>,
}

/// A saved card: brand, last four digits and expiry only.
struct PaymentMethodRow {
    created: String,
    id: String,
    gateway_no: String,
    brand: String,
    last4: String,
    expiry: String,
    /// The attached customer's id, or empty.
    customer_id: String,
    detached: bool,
    /// The customer a successful `InitRecurring` charge was for, or empty.
    recurring_customer_id: String,
}

/// A plain row of cells (refunds, chargebacks).
struct Row {
    cells: Vec<String>,
}

struct LogisticsRow {
    trade_no: String,
    tracking_no: String,
    carrier: String,
    status: String,
    uploaded: String,
}

struct EventRow {
    id: u64,
    event_type: String,
    trade_no: String,
    url: String,
    created: String,
    attempts: usize,
    last: String,
}

struct DeliveryRow {
    at: String,
    event_id: u64,
    event_type: String,
    attempt: u32,
    duplicate: bool,
    url: String,
    status: String,
    outcome: &'static str,
    acknowledged: bool,
    reply: String,
}

struct FaultsView {
    api_latency_ms: u128,
    server_error_rate: f64,
    drop_webhook_rate: f64,
    duplicate_webhooks: bool,
    out_of_order_webhooks: bool,
    hold_pending: bool,
    /// Minutes, or empty when local payments are not held.
    local_pending_minutes: String,
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// The numbers a request names: its path segments, `tradeNo`/`orderNo` in its query and its
/// JSON body. A transaction's requests are those naming its `tradeNo` or `orderNo`.
fn named_numbers(request: &RecordedRequest) -> Vec<String> {
    let mut names: Vec<String> = request
        .path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    names.extend(
        form_urlencoded::parse(request.query.as_bytes())
            .filter(|(k, _)| k == "tradeNo" || k == "orderNo")
            .map(|(_, v)| v.into_owned()),
    );
    if let Ok(Value::Object(body)) = serde_json::from_str::<Value>(&request.body) {
        for key in ["tradeNo", "orderNo"] {
            if let Some(Value::String(v)) = body.get(key) {
                names.push(v.clone());
            }
        }
    }
    names
}

fn transaction_rows(sandbox: &Sandbox) -> Vec<TransactionRow> {
    let requests = sandbox.requests();
    let mut by_number: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, request) in requests.iter().enumerate() {
        for name in named_numbers(request) {
            let list = by_number.entry(name).or_default();
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    let row = |tx: &Transaction| {
        let mut indices: Vec<usize> = [&tx.trade_no, &tx.order_no]
            .iter()
            .filter_map(|n| by_number.get(n.as_str()))
            .flatten()
            .copied()
            .collect();
        indices.sort_unstable();
        indices.dedup();
        TransactionRow {
            created: when(tx.created_at),
            trade_no: tx.trade_no.clone(),
            order_no: tx.order_no.clone(),
            gateway_no: tx.gateway_no.clone(),
            flow: match tx.flow {
                PaymentFlow::InSite => "in-site",
                PaymentFlow::Hosted => "hosted",
            },
            payment_method: tx.payment_method_word().to_owned(),
            amount: show_amount(&tx.amount),
            status: tx.status.as_str(),
            auth_status: tx.auth_status.as_str(),
            order_info: tx.order_info.clone(),
            card: tx.mask_card_no.clone().unwrap_or_default(),
            flags: tx.flags.iter().map(|f| f.as_str()).collect(),
            requests: indices
                .into_iter()
                .filter_map(|i| requests.get(i))
                .map(|r| RequestRow {
                    at: when(r.at),
                    method: r.method.clone(),
                    target: if r.query.is_empty() {
                        r.path.clone()
                    } else {
                        format!("{}?{}", r.path, r.query)
                    },
                    code: r.verdict.code().to_owned(),
                    accepted: r.verdict.is_accepted(),
                    body: r.body.clone(),
                })
                .collect(),
            pending: tx.status == OrderStatus::Pending,
            paid: tx.status == OrderStatus::Success,
        }
    };
    sandbox
        .transactions()
        .iter()
        .rev()
        .take(ROWS)
        .map(row)
        .collect()
}

fn customer_rows(customers: &[Customer], methods: &[PaymentMethod]) -> Vec<CustomerRow> {
    customers
        .iter()
        .rev()
        .take(ROWS)
        .map(|c| CustomerRow {
            created: when(c.created),
            customer_id: c.customer_id.clone(),
            gateway_no: c.gateway_no.clone(),
            email: c.email.clone(),
            name: format!("{} {}", c.first_name, c.last_name)
                .trim()
                .to_owned(),
            methods: methods
                .iter()
                .filter(|p| {
                    p.gateway_no == c.gateway_no && p.customer_id.as_ref() == Some(&c.customer_id)
                })
                .map(|p| format!("{} {} {}", p.id, p.brand, p.last4))
                .collect(),
        })
        .collect()
}

fn payment_method_rows(methods: &[PaymentMethod]) -> Vec<PaymentMethodRow> {
    methods
        .iter()
        .rev()
        .take(ROWS)
        .map(|p| PaymentMethodRow {
            created: when(p.created),
            id: p.id.clone(),
            gateway_no: p.gateway_no.clone(),
            brand: p.brand.clone(),
            last4: p.last4.clone(),
            expiry: format!("{}/{}", p.exp_month, p.exp_year),
            customer_id: p.customer_id.clone().unwrap_or_default(),
            detached: p.detached,
            recurring_customer_id: p.recurring_customer_id.clone().unwrap_or_default(),
        })
        .collect()
}

fn event_rows(sandbox: &Sandbox) -> (Vec<EventRow>, Vec<DeliveryRow>) {
    let deliveries = sandbox.webhook_deliveries();
    let outcome = |o: &DeliveryOutcome| match o {
        DeliveryOutcome::Acknowledged => "acknowledged",
        DeliveryOutcome::Failed => "failed",
        DeliveryOutcome::Dropped => "dropped",
    };
    let events = sandbox
        .webhook_events()
        .iter()
        .rev()
        .take(ROWS)
        .map(|e| {
            let mine: Vec<_> = deliveries.iter().filter(|d| d.event_id == e.id).collect();
            EventRow {
                id: e.id,
                event_type: e.event_type.clone(),
                trade_no: e.trade_no.clone(),
                url: e.url.clone().unwrap_or_default(),
                created: when(e.created_at),
                attempts: mine.len(),
                last: mine.last().map_or_else(String::new, |d| {
                    let status = d
                        .status
                        .map_or_else(|| "no reply".to_owned(), |s| s.to_string());
                    format!("{status} {}", outcome(&d.outcome))
                }),
            }
        })
        .collect();
    let deliveries = deliveries
        .iter()
        .rev()
        .take(ROWS)
        .map(|d| DeliveryRow {
            at: when(d.at),
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            attempt: d.attempt,
            duplicate: d.duplicate,
            url: d.url.clone(),
            status: d.status.map_or_else(String::new, |s| s.to_string()),
            outcome: outcome(&d.outcome),
            acknowledged: d.outcome == DeliveryOutcome::Acknowledged,
            reply: d.reply.chars().take(REPLY_CHARS).collect(),
        })
        .collect();
    (events, deliveries)
}

#[derive(Deserialize)]
pub(crate) struct Notice {
    notice: Option<String>,
    error: Option<String>,
}

/// `GET /console`.
pub(crate) async fn show(query: web::Query<Notice>, sandbox: web::Data<Sandbox>) -> HttpResponse {
    let faults = sandbox.faults();
    let (events, deliveries) = event_rows(&sandbox);
    let methods = sandbox.payment_methods();
    let page = ConsolePage {
        chrome: Chrome {
            t: Lang::En.text(),
            lang: Lang::En.code(),
            languages: false,
        },
        csrf: sandbox.console_token().to_owned(),
        notice: query.notice.clone(),
        error: query.error.clone(),
        transactions: transaction_rows(&sandbox),
        customers: customer_rows(&sandbox.customers(), &methods),
        payment_methods: payment_method_rows(&methods),
        refunds: sandbox
            .refunds()
            .iter()
            .rev()
            .take(ROWS)
            .map(|r| Row {
                cells: vec![
                    when(r.created_at),
                    r.batch_no.clone(),
                    r.trade_no.clone(),
                    r.mer_track_no.clone(),
                    show_amount(&r.amount),
                    if r.refund_type == "1" {
                        "full"
                    } else {
                        "partial"
                    }
                    .to_owned(),
                    r.reason.clone(),
                    r.status.as_str().to_owned(),
                ],
            })
            .collect(),
        chargebacks: sandbox
            .chargebacks()
            .iter()
            .rev()
            .take(ROWS)
            .map(|c| Row {
                cells: vec![
                    when(c.notice_date),
                    c.batch_no.clone(),
                    c.trade_no.clone(),
                    c.order_no.clone(),
                    show_amount(&c.amount),
                    c.reason.clone(),
                    when(c.reply_deadline),
                ],
            })
            .collect(),
        logistics: sandbox
            .logistics()
            .iter()
            .rev()
            .take(ROWS)
            .map(|l| LogisticsRow {
                trade_no: l.trade_no.clone(),
                tracking_no: l.tracking_no.clone(),
                carrier: l.lc_code.clone(),
                status: l.status.clone(),
                uploaded: when(l.uploaded_at),
            })
            .collect(),
        events,
        deliveries,
        faults: FaultsView {
            api_latency_ms: faults.api_latency.as_millis(),
            server_error_rate: faults.server_error_rate,
            drop_webhook_rate: faults.drop_webhook_rate,
            duplicate_webhooks: faults.duplicate_webhooks,
            out_of_order_webhooks: faults.out_of_order_webhooks,
            hold_pending: sandbox.hold_pending(),
            local_pending_minutes: faults
                .local_pending_minutes
                .map_or_else(String::new, |m| m.to_string()),
        },
        logistics_statuses: &LOGISTICS_STATUSES,
    };
    render(StatusCode::OK, &page, Framing::Deny)
}

/// Back to the console with a message.
fn back(result: Result<String, String>) -> HttpResponse {
    let mut query = form_urlencoded::Serializer::new(String::new());
    match result {
        Ok(notice) => query.append_pair("notice", &notice),
        Err(error) => query.append_pair("error", &error),
    };
    see_other(&format!("{PATH}?{}", query.finish()))
}

/// The answer to a console form that does not carry this instance's token.
fn forged() -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body("This console form is stale or was not served by this simulator: reload /console.")
}

fn genuine(sandbox: &Sandbox, csrf: &str) -> bool {
    csrf.as_bytes() == sandbox.console_token().as_bytes()
}

/// A form with only the token.
#[derive(Deserialize)]
pub(crate) struct Plain {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/webhooks/{id}/resend`.
pub(crate) async fn resend_webhook(
    id: web::Path<String>,
    form: web::Form<Plain>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    if !genuine(&sandbox, &form.csrf) {
        return forged();
    }
    let result = id
        .parse::<u64>()
        .map_err(|_| format!("{id} is not a webhook event"))
        .and_then(|event_id| {
            sandbox
                .resend_webhook(event_id)
                .map(|()| format!("Webhook event {event_id} is being delivered again."))
                .map_err(|r| r.to_string())
        });
    back(result)
}

/// The settle form.
#[derive(Deserialize)]
pub(crate) struct Settle {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    outcome: String,
}

/// `POST /console/transactions/{tradeNo}/settle` with `outcome=success|fail`.
pub(crate) async fn settle(
    trade_no: web::Path<String>,
    form: web::Form<Settle>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    if !genuine(&sandbox, &form.csrf) {
        return forged();
    }
    let approve = match form.outcome.as_str() {
        "success" => true,
        "fail" => false,
        other => return back(Err(format!("{other} is not success or fail"))),
    };
    back(
        sandbox
            .settle_pending(&trade_no, approve)
            .map(|done| {
                format!(
                    "Transaction {trade_no} settled: {}.",
                    done.transaction.status.as_str()
                )
            })
            .map_err(|r| r.to_string()),
    )
}

/// The chargeback form: both fields optional.
#[derive(Deserialize)]
pub(crate) struct RaiseChargeback {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    amount: String,
}

/// `POST /console/transactions/{tradeNo}/chargeback`.
pub(crate) async fn chargeback(
    trade_no: web::Path<String>,
    form: web::Form<RaiseChargeback>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    if !genuine(&sandbox, &form.csrf) {
        return forged();
    }
    let Some(tx) = sandbox.transaction(&trade_no) else {
        return back(Err(format!("no transaction {trade_no}")));
    };
    let amount = match form.amount.trim() {
        "" => None,
        text => match Money::parse_gateway_string(text, tx.amount.currency()) {
            Ok(amount) => Some(amount),
            Err(e) => return back(Err(format!("amount {text}: {e}"))),
        },
    };
    let reason = Some(form.reason.trim()).filter(|r| !r.is_empty());
    back(
        sandbox
            .raise_chargeback(&trade_no, reason, amount)
            .map(|c| format!("Chargeback {} raised on {trade_no}.", c.batch_no))
            .map_err(|r| r.to_string()),
    )
}

/// The logistics form.
#[derive(Deserialize)]
pub(crate) struct LogisticsStatus {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

/// `POST /console/logistics/{tradeNo}/status`.
pub(crate) async fn logistics_status(
    trade_no: web::Path<String>,
    form: web::Form<LogisticsStatus>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    if !genuine(&sandbox, &form.csrf) {
        return forged();
    }
    back(
        sandbox
            .set_logistics_status(&trade_no, &form.status)
            .map(|()| format!("Shipment of {trade_no} is now {}.", form.status))
            .map_err(|r| r.to_string()),
    )
}

/// The fault form; an unticked box is absent.
#[derive(Deserialize)]
pub(crate) struct FaultsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    api_latency_ms: String,
    #[serde(default)]
    server_error_rate: String,
    #[serde(default)]
    drop_webhook_rate: String,
    duplicate_webhooks: Option<String>,
    out_of_order_webhooks: Option<String>,
    hold_pending: Option<String>,
    #[serde(default)]
    local_pending_minutes: String,
}

fn rate(text: &str, name: &str) -> Result<f64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(0.0);
    }
    text.parse::<f64>()
        .ok()
        .filter(|r| (0.0..=1.0).contains(r))
        .ok_or_else(|| format!("{name} must be a number from 0 to 1, not {text}"))
}

/// The local-pending minutes: empty is off, else whole minutes up to a day.
fn minutes(text: &str) -> Result<Option<u32>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<u32>()
        .ok()
        .filter(|m| *m <= 1440)
        .map(Some)
        .ok_or_else(|| {
            format!("local pending minutes must be whole minutes up to 1440, not {text}")
        })
}

impl FaultsForm {
    fn read(&self) -> Result<(Faults, bool), String> {
        let latency = self.api_latency_ms.trim();
        let api_latency = if latency.is_empty() {
            Duration::ZERO
        } else {
            latency
                .parse::<u64>()
                .ok()
                .filter(|ms| *ms <= 60_000)
                .map(Duration::from_millis)
                .ok_or_else(|| {
                    format!("latency must be whole milliseconds up to 60000, not {latency}")
                })?
        };
        Ok((
            Faults {
                api_latency,
                server_error_rate: rate(&self.server_error_rate, "5xx rate")?,
                drop_webhook_rate: rate(&self.drop_webhook_rate, "drop rate")?,
                duplicate_webhooks: self.duplicate_webhooks.is_some(),
                out_of_order_webhooks: self.out_of_order_webhooks.is_some(),
                local_pending_minutes: minutes(&self.local_pending_minutes)?,
            },
            self.hold_pending.is_some(),
        ))
    }
}

/// `POST /console/faults`.
pub(crate) async fn faults(
    req: HttpRequest,
    form: web::Form<FaultsForm>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    if !genuine(&sandbox, &form.csrf) {
        return forged();
    }
    back(form.read().map(|(faults, hold_pending)| {
        tracing::info!(
            http.peer = req.peer_addr().map(|a| a.to_string()).unwrap_or_default(),
            faults = ?faults,
            hold_pending,
            "asiabill-sandbox: faults set from the console"
        );
        sandbox.set_faults(faults);
        sandbox.set_hold_pending(hold_pending);
        "Faults updated.".to_owned()
    }))
}
