//! Each check of the self-test: what it does through the shop's own code and what it takes to
//! pass. The checks share the orders they place ([`State`]), so the order paid on the hosted
//! page is the one returned to, queried, shipped and refunded, as a real order would be.

use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::Value;

use super::{
    Check, SelfTest, Verdict,
    shopper::{self, DECLINE, SUCCESS, THREE_DS, TestOrder},
};
use crate::{
    db::{
        DbError,
        models::PaymentAttempt,
        schema::{gateway_calls, payment_events, refunds, webhook_events},
    },
    payments::{
        AttemptStatus, Source, WebhookStatus,
        capture::{self, Done, Operation},
        gateway, query,
        refunds::{
            request::{self as refund_request, Requested},
            resolve,
        },
        start::{self, OnFile, Started},
        transactions,
    },
    shipping::{self, ShipmentInput, Upload},
};

/// What the checks found that later checks build on.
#[derive(Default)]
pub(super) struct State {
    /// Paid on the hosted page.
    hosted: Option<TestOrder>,
    /// AsiaBill's page for it.
    hosted_page: Option<String>,
    /// The signed return URL the hosted page sent the browser to.
    return_url: Option<String>,
    /// Paid in-site.
    insite: Option<TestOrder>,
    /// Declined, then paid with 3-D Secure.
    three_ds: Option<TestOrder>,
    /// The refund asked for.
    refund: Option<i64>,
}

/// Runs `check`; returns its verdict and the number of the order it acted on.
pub(super) async fn run(
    test: &SelfTest,
    state: &mut State,
    check: Check,
) -> (Verdict, Option<String>) {
    match check {
        Check::SessionToken => (session_token(test).await, None),
        Check::HostedRequest => hosted_request(test, state).await,
        Check::HostedSuccess => with_order(state.hosted.clone(), hosted_success(test, state)).await,
        Check::ForgedReturn => with_order(state.hosted.clone(), forged_return(test, state)).await,
        Check::SignedReturn => with_order(state.hosted.clone(), signed_return(test, state)).await,
        Check::Webhook => webhook(test, state).await,
        Check::InsiteRequest => insite_request(test, state).await,
        Check::Decline => decline(test, state).await,
        Check::ThreeDs => with_order(state.three_ds.clone(), three_ds(test, state)).await,
        Check::OrderQuery => order_query(test, state).await,
        Check::TransactionQuery => transaction_query(test, state).await,
        Check::Capture => capture(test, state).await,
        Check::Void => void(test, state).await,
        Check::Logistics => logistics(test, state).await,
        Check::Refund => refund(test, state).await,
        Check::RefundQuery => refund_query(test, state).await,
    }
}

async fn with_order(
    order: Option<TestOrder>,
    verdict: impl Future<Output = Verdict>,
) -> (Verdict, Option<String>) {
    (verdict.await, order.map(|o| o.number))
}

/// The success statuses of an attempt: paid on a sale gateway, authorized on a pre-auth one.
fn succeeded(attempt: &PaymentAttempt) -> bool {
    matches!(
        attempt.status,
        AttemptStatus::Paid | AttemptStatus::Authorized
    )
}

async fn session_token(test: &SelfTest) -> Verdict {
    match test.payments.gateway.session_token().await {
        Ok(token) if !token.session_token.is_empty() => Verdict::Pass(test.text(
            "admin.selftest.detail.session_token",
            &[
                ("env", test.settings.gateway.mode.as_str()),
                ("host", test.payments.gateway.environment().payment_url()),
            ],
        )),
        Ok(_) => Verdict::Fail(test.text("admin.selftest.detail.empty_token", &[])),
        Err(e) => Verdict::Fail(e.to_string()),
    }
}

/// What AsiaBill answered a payment request, as a failed check says it.
fn started_wrongly(test: &SelfTest, started: &Started) -> String {
    match started {
        Started::Redirect(url) => test.text("admin.selftest.detail.redirected", &[("url", url)]),
        Started::Done => test.text("admin.selftest.detail.paid_at_once", &[]),
        Started::Pending => test.text("admin.selftest.detail.pending", &[]),
        Started::Declined(why) | Started::Refused(why) => {
            test.text("admin.selftest.detail.declined", &[("reason", why)])
        }
        Started::Unavailable => test.text("admin.selftest.detail.unavailable", &[]),
    }
}

async fn hosted_request(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let order = match test.place_order("hosted").await {
        Ok(order) => order,
        Err(e) => return (Verdict::Fail(e), None),
    };
    let number = Some(order.number.clone());
    let started = start::hosted(&test.payments, order.token.clone(), &test.shopper(), None).await;
    let url = match started {
        Ok(Started::Redirect(url)) => url,
        Ok(other) => return (Verdict::Fail(started_wrongly(test, &other)), number),
        Err(e) => return (Verdict::Fail(e.to_string()), number),
    };
    state.hosted = Some(order.clone());
    state.hosted_page = Some(url.clone());
    let fields = fields_sent(test, &order).await;
    let verdict = match fields {
        Ok(seen) => Verdict::Pass(test.text(
            "admin.selftest.detail.hosted_request",
            &[("url", &url), ("fields", &seen)],
        )),
        Err(missing) => Verdict::Fail(missing),
    };
    (verdict, number)
}

/// Whether the payment request of `order`'s latest attempt carried `callbackUrl`,
/// `goodsDetails` and `customerIp`, as the API log shows it: the words to show, or what was
/// missing. With the log off there is nothing to read, and the row says so.
async fn fields_sent(test: &SelfTest, order: &TestOrder) -> Result<String, String> {
    if test.settings.gateway.log_days == 0 {
        return Ok(test.text("admin.selftest.detail.log_off", &[]));
    }
    let attempt = test
        .latest_attempt(order)
        .await?
        .ok_or_else(|| "no payment attempt was recorded".to_owned())?;
    // The log is written by a task of its own, so the row may lag the answer a little.
    let deadline = Instant::now() + Duration::from_secs(5);
    let body = loop {
        let order_no = attempt.gateway_order_no.clone();
        let body: Option<String> = test
            .payments
            .db
            .run(move |conn| {
                gateway_calls::table
                    .filter(gateway_calls::order_no.eq(order_no))
                    .filter(gateway_calls::endpoint.eq_any(["checkout/payment", "confirmCharge"]))
                    .order(gateway_calls::id.desc())
                    .select(gateway_calls::request_body)
                    .first(conn)
                    .optional()
                    .map_err(DbError::from)
            })
            .await
            .map_err(|e| format!("database: {e}"))?;
        match body {
            Some(body) => break body,
            None if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            None => return Err(test.text("admin.selftest.detail.no_log_row", &[])),
        }
    };
    let json: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    let present = |name: &str| match json.get(name) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    // `goodsDetails` on the hosted page's request, `goodsDetail` on confirmCharge.
    let goods = present("goodsDetails") || present("goodsDetail");
    let missing: Vec<&str> = [
        ("callbackUrl", present("callbackUrl")),
        ("goodsDetails", goods),
        ("customerIp", present("customerIp")),
    ]
    .into_iter()
    .filter(|(_, there)| !there)
    .map(|(name, _)| name)
    .collect();
    if missing.is_empty() {
        Ok("callbackUrl, goodsDetails, customerIp".to_owned())
    } else {
        Err(test.text(
            "admin.selftest.detail.fields_missing",
            &[("fields", &missing.join(", "))],
        ))
    }
}

async fn hosted_success(test: &SelfTest, state: &mut State) -> Verdict {
    let Some(page) = state.hosted_page.clone() else {
        return Verdict::Skip(test.text("admin.selftest.detail.needs_hosted", &[]));
    };
    if !test.simulator() {
        return Verdict::Skip(test.text(
            "admin.selftest.detail.needs_shopper_hosted",
            &[("url", &page)],
        ));
    }
    let next = match test.pay_on_hosted_page(&page, SUCCESS).await {
        Ok(next) => next,
        Err(e) => return Verdict::Fail(e),
    };
    let return_url = gateway::return_url(&test.payments.settings.public_url);
    if next.starts_with(&return_url) {
        state.return_url = Some(next);
        Verdict::Pass(test.text("admin.selftest.detail.hosted_success", &[]))
    } else {
        Verdict::Fail(test.text("admin.selftest.detail.not_returned", &[("url", &next)]))
    }
}

/// How many times the shop took a return for `attempt` on its timeline.
async fn returns_seen(test: &SelfTest, attempt_id: i64) -> Result<i64, String> {
    test.payments
        .db
        .run(move |conn| {
            payment_events::table
                .filter(payment_events::attempt_id.eq(attempt_id))
                .filter(payment_events::source.eq(Source::Return))
                .count()
                .get_result(conn)
                .map_err(DbError::from)
        })
        .await
        .map_err(|e| format!("database: {e}"))
}

async fn forged_return(test: &SelfTest, state: &mut State) -> Verdict {
    let Some(order) = state.hosted.clone() else {
        return Verdict::Skip(test.text("admin.selftest.detail.needs_hosted", &[]));
    };
    let attempt = match test.latest_attempt(&order).await {
        Ok(Some(a)) => a,
        Ok(None) => return Verdict::Fail("no payment attempt was recorded".into()),
        Err(e) => return Verdict::Fail(e),
    };
    // The real return with its signature changed; without one (AsiaBill's own page), a
    // success return for the attempt made up here.
    let url = match &state.return_url {
        Some(real) => shopper::forged(real),
        None => shopper::forged(&format!(
            "{}?orderNo={}&orderAmount={}&orderCurrency={}&code=0000&orderStatus=success&signInfo=x",
            gateway::return_url(&test.payments.settings.public_url),
            attempt.gateway_order_no,
            asiabill::Money::new(
                attempt.amount_minor,
                asiabill::Currency::parse(&attempt.currency).unwrap_or(test.settings.currency),
            )
            .to_gateway_string(),
            attempt.currency,
        )),
    };
    let Some(url) = url else {
        return Verdict::Fail(test.text("admin.selftest.detail.unsigned_return", &[]));
    };
    let before = match returns_seen(test, attempt.id).await {
        Ok(n) => n,
        Err(e) => return Verdict::Fail(e),
    };
    let (status, _) = match test.follow_return(&url).await {
        Ok(answer) => answer,
        Err(e) => return Verdict::Fail(e),
    };
    let after = match returns_seen(test, attempt.id).await {
        Ok(n) => n,
        Err(e) => return Verdict::Fail(e),
    };
    if status == 400 && after == before {
        Verdict::Pass(test.text("admin.selftest.detail.forged_refused", &[]))
    } else {
        Verdict::Fail(test.text(
            "admin.selftest.detail.forged_taken",
            &[("status", &status.to_string())],
        ))
    }
}

async fn signed_return(test: &SelfTest, state: &mut State) -> Verdict {
    let (Some(order), Some(url)) = (state.hosted.clone(), state.return_url.clone()) else {
        return Verdict::Skip(test.text("admin.selftest.detail.needs_return", &[]));
    };
    match settle_by_return(test, &order, &url).await {
        Ok(attempt) => Verdict::Pass(test.text(
            "admin.selftest.detail.return_paid",
            &[("status", attempt.status.as_str())],
        )),
        Err(e) => Verdict::Fail(e),
    }
}

/// Follows the signed return of `order`'s payment to the shop; the attempt once the shop sent
/// the browser to the order page with it paid or authorized.
async fn settle_by_return(
    test: &SelfTest,
    order: &TestOrder,
    url: &str,
) -> Result<PaymentAttempt, String> {
    let (status, location) = test.follow_return(url).await?;
    let order_page = format!("/orders/{}", order.token);
    if status != 303 || location.as_deref() != Some(order_page.as_str()) {
        return Err(test.text(
            "admin.selftest.detail.return_refused",
            &[
                ("status", &status.to_string()),
                ("location", location.as_deref().unwrap_or("-")),
            ],
        ));
    }
    match test.latest_attempt(order).await? {
        Some(attempt) if succeeded(&attempt) => Ok(attempt),
        Some(attempt) => Err(test.text(
            "admin.selftest.detail.attempt_is",
            &[("status", attempt.status.as_str())],
        )),
        None => Err("no payment attempt was recorded".into()),
    }
}

/// The orders of this run that AsiaBill paid, hosted first.
async fn paid_orders(test: &SelfTest, state: &State) -> Vec<(TestOrder, PaymentAttempt)> {
    let mut paid = Vec::new();
    for order in [&state.hosted, &state.insite, &state.three_ds]
        .into_iter()
        .flatten()
    {
        if let Ok(Some(attempt)) = test.latest_attempt(order).await
            && succeeded(&attempt)
        {
            paid.push((order.clone(), attempt));
        }
    }
    paid
}

/// A webhook as stored: its event type, the `orderNo` it names, and how applying it went.
type Delivery = (Option<String>, Option<String>, String);

async fn webhook(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let paid = paid_orders(test, state).await;
    let Some((first, _)) = paid.first() else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_payment", &[])),
            None,
        );
    };
    let number = Some(first.number.clone());
    let order_nos: Vec<String> = paid
        .iter()
        .map(|(_, a)| a.gateway_order_no.clone())
        .collect();
    // The simulator delivers within seconds; AsiaBill's sandbox may take longer.
    let wait = if test.simulator() { 30 } else { 120 };
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let nos = order_nos.clone();
        let seen: Result<Vec<Delivery>, DbError> = test
            .payments
            .db
            .run(move |conn| {
                webhook_events::table
                    .filter(webhook_events::gateway_order_no.eq_any(nos))
                    .filter(webhook_events::signature_valid.eq(true))
                    .order(webhook_events::id)
                    .select((
                        webhook_events::event_type,
                        webhook_events::gateway_order_no,
                        webhook_events::status,
                    ))
                    .load(conn)
                    .map_err(DbError::from)
            })
            .await;
        let seen = match seen {
            Ok(seen) => seen,
            Err(e) => return (Verdict::Fail(format!("database: {e}")), number),
        };
        let answered = seen.iter().find(|(_, _, status)| {
            status == WebhookStatus::Applied.as_str() || status == WebhookStatus::Ignored.as_str()
        });
        if let Some((event, order_no, _)) = answered {
            return (
                Verdict::Pass(test.text(
                    "admin.selftest.detail.webhook",
                    &[
                        ("event", event.as_deref().unwrap_or("-")),
                        ("order_no", order_no.as_deref().unwrap_or("-")),
                        (
                            "url",
                            &gateway::callback_url(&test.payments.settings.public_url),
                        ),
                    ],
                )),
                number,
            );
        }
        if let Some((event, _, status)) = seen.first()
            && (status == WebhookStatus::Flagged.as_str()
                || status == WebhookStatus::Failed.as_str())
        {
            return (
                Verdict::Fail(test.text(
                    "admin.selftest.detail.webhook_not_applied",
                    &[
                        ("event", event.as_deref().unwrap_or("-")),
                        ("status", status),
                    ],
                )),
                number,
            );
        }
        if Instant::now() >= deadline {
            return (
                Verdict::Fail(test.text(
                    "admin.selftest.detail.no_webhook",
                    &[
                        ("seconds", &wait.to_string()),
                        (
                            "url",
                            &gateway::callback_url(&test.payments.settings.public_url),
                        ),
                    ],
                )),
                number,
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Tokenises `card` and charges it in-site on `order`.
async fn pay_insite(test: &SelfTest, order: &TestOrder, card: &str) -> Result<Started, String> {
    let payment_method = test.tokenise(card).await?;
    start::insite(
        &test.payments,
        order.token.clone(),
        &payment_method,
        &test.shopper(),
        &OnFile::default(),
    )
    .await
    .map_err(|e| e.to_string())
}

async fn insite_request(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let order = match test.place_order("insite").await {
        Ok(order) => order,
        Err(e) => return (Verdict::Fail(e), None),
    };
    let number = Some(order.number.clone());
    let verdict = match pay_insite(test, &order, SUCCESS).await {
        Ok(Started::Done | Started::Pending) => {
            state.insite = Some(order.clone());
            match fields_sent(test, &order).await {
                Ok(seen) => {
                    let status = match test.latest_attempt(&order).await {
                        Ok(Some(a)) => a.status.as_str().to_owned(),
                        _ => "-".to_owned(),
                    };
                    Verdict::Pass(test.text(
                        "admin.selftest.detail.insite",
                        &[("status", &status), ("fields", &seen)],
                    ))
                }
                Err(missing) => Verdict::Fail(missing),
            }
        }
        Ok(other) => Verdict::Fail(started_wrongly(test, &other)),
        Err(e) => Verdict::Fail(e),
    };
    (verdict, number)
}

async fn decline(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let order = match test.place_order("insite").await {
        Ok(order) => order,
        Err(e) => return (Verdict::Fail(e), None),
    };
    let number = Some(order.number.clone());
    state.three_ds = Some(order.clone());
    let verdict = match pay_insite(test, &order, DECLINE).await {
        Ok(Started::Declined(reason)) => {
            Verdict::Pass(test.text("admin.selftest.detail.declined_ok", &[("reason", &reason)]))
        }
        Ok(other) => Verdict::Fail(started_wrongly(test, &other)),
        Err(e) => Verdict::Fail(e),
    };
    (verdict, number)
}

async fn three_ds(test: &SelfTest, state: &mut State) -> Verdict {
    let Some(order) = state.three_ds.clone() else {
        return Verdict::Skip(test.text("admin.selftest.detail.needs_order", &[]));
    };
    // Paid again on the order just declined, as the shopper would after a decline.
    let challenge = match pay_insite(test, &order, THREE_DS).await {
        Ok(Started::Redirect(url)) => url,
        Ok(other) => return Verdict::Fail(started_wrongly(test, &other)),
        Err(e) => return Verdict::Fail(e),
    };
    if !test.simulator() {
        return Verdict::Skip(test.text(
            "admin.selftest.detail.needs_shopper_3ds",
            &[("url", &challenge)],
        ));
    }
    let back = match test
        .post_page(&challenge, &[("result", "authenticate")])
        .await
    {
        Ok(url) => url,
        Err(e) => return Verdict::Fail(e),
    };
    match settle_by_return(test, &order, &back).await {
        Ok(attempt) => Verdict::Pass(test.text(
            "admin.selftest.detail.three_ds",
            &[("status", attempt.status.as_str())],
        )),
        Err(e) => Verdict::Fail(e),
    }
}

async fn order_query(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let Some((order, _)) = paid_orders(test, state).await.into_iter().next() else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_payment", &[])),
            None,
        );
    };
    let number = Some(order.number.clone());
    let verdict = match transactions::sync(&test.payments, &test.actor, &order.number).await {
        Ok(Some(synced)) if !synced.is_empty() => {
            let said: Vec<String> = synced
                .iter()
                .map(|s| format!("{}: {}", s.order_no, s.result.render(test.lang)))
                .collect();
            match test.latest_attempt(&order).await {
                Ok(Some(attempt)) if succeeded(&attempt) => Verdict::Pass(said.join("; ")),
                Ok(Some(attempt)) => Verdict::Fail(test.text(
                    "admin.selftest.detail.attempt_is",
                    &[("status", attempt.status.as_str())],
                )),
                Ok(None) => Verdict::Fail("no payment attempt was recorded".into()),
                Err(e) => Verdict::Fail(e),
            }
        }
        Ok(_) => Verdict::Fail(test.text("admin.selftest.detail.not_known", &[])),
        Err(e) => Verdict::Fail(format!("database: {e}")),
    };
    (verdict, number)
}

async fn transaction_query(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let Some((order, attempt)) = paid_orders(test, state).await.into_iter().next() else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_payment", &[])),
            None,
        );
    };
    let number = Some(order.number.clone());
    let day = attempt.created_at.date();
    let verdict = match query::ask(&test.payments.gateway, &attempt, None, day).await {
        Ok(Some(tx)) if Some(&tx.trade_no) == attempt.trade_no.as_ref() => {
            let amount = tx.trade_amount.minor() == attempt.amount_minor
                && tx.trade_amount.currency().code() == attempt.currency;
            if amount {
                Verdict::Pass(test.text(
                    "admin.selftest.detail.listed",
                    &[
                        ("trade_no", &tx.trade_no),
                        ("status", tx.trade_status.as_str()),
                        ("amount", &tx.trade_amount.to_gateway_string()),
                        ("currency", tx.trade_amount.currency().code()),
                    ],
                ))
            } else {
                Verdict::Fail(test.text(
                    "admin.selftest.detail.amount_differs",
                    &[("amount", &tx.trade_amount.to_gateway_string())],
                ))
            }
        }
        Ok(Some(tx)) => Verdict::Fail(test.text(
            "admin.selftest.detail.other_trade",
            &[("trade_no", &tx.trade_no)],
        )),
        Ok(None) => Verdict::Fail(test.text("admin.selftest.detail.not_known", &[])),
        Err(e) => Verdict::Fail(e.to_string()),
    };
    (verdict, number)
}

/// The orders of this run whose payment is an authorization still open.
async fn authorized_orders(test: &SelfTest, state: &State) -> Vec<TestOrder> {
    paid_orders(test, state)
        .await
        .into_iter()
        .filter(|(_, a)| a.status == AttemptStatus::Authorized)
        .map(|(o, _)| o)
        .collect()
}

async fn authorization(
    test: &SelfTest,
    order: &TestOrder,
    operation: Operation,
) -> (Verdict, Option<String>) {
    let number = Some(order.number.clone());
    let verdict = match capture::run(&test.payments, &test.actor, &order.number, operation).await {
        Ok(Done::Succeeded) => Verdict::Pass(test.text("admin.selftest.detail.done", &[])),
        Ok(Done::Pending) => Verdict::Pass(test.text("admin.selftest.detail.pending_webhook", &[])),
        Ok(Done::Refused(why) | Done::Unknown(why)) => Verdict::Fail(why),
        Err(e) => Verdict::Fail(e.to_string()),
    };
    (verdict, number)
}

fn sells_outright(test: &SelfTest) -> Verdict {
    let key = if test.simulator() {
        "admin.selftest.detail.sale_gateway_local"
    } else {
        "admin.selftest.detail.sale_gateway"
    };
    Verdict::Skip(test.text(key, &[]))
}

async fn capture(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    if !test.settings.gateway.preauth {
        return (sells_outright(test), None);
    }
    match authorized_orders(test, state).await.first() {
        Some(order) => authorization(test, order, Operation::Capture).await,
        None => (
            Verdict::Fail(test.text("admin.selftest.detail.no_authorization", &[])),
            None,
        ),
    }
}

async fn void(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    if !test.settings.gateway.preauth {
        return (sells_outright(test), None);
    }
    // The capture above took the first; the next still open is voided.
    match authorized_orders(test, state).await.first() {
        Some(order) => authorization(test, order, Operation::Void).await,
        None if test.simulator() => (
            Verdict::Fail(test.text("admin.selftest.detail.no_authorization", &[])),
            None,
        ),
        None => (
            Verdict::Skip(test.text("admin.selftest.detail.no_second_authorization", &[])),
            None,
        ),
    }
}

/// The order shipped and refunded: the first of the run whose payment was taken (captured, on
/// a pre-authorization gateway).
async fn taken_order(test: &SelfTest, state: &State) -> Option<(TestOrder, PaymentAttempt)> {
    paid_orders(test, state)
        .await
        .into_iter()
        .find(|(_, a)| a.status == AttemptStatus::Paid)
}

async fn logistics(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let Some((order, _)) = taken_order(test, state).await else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_payment", &[])),
            None,
        );
    };
    let number = Some(order.number.clone());
    let input = ShipmentInput {
        lc_code: "DHL".into(),
        tracking_number: format!("ST{}", order.number.replace('-', "")),
        tracking_url: "https://www.dhl.com/track".into(),
    };
    let input = match input.validate() {
        Ok(input) => input,
        Err(errors) => return (Verdict::Fail(format!("{errors:?}")), number),
    };
    let tracking = input.tracking_number.clone();
    let verdict = match shipping::ship(&test.payments, &test.actor, &order.number, input).await {
        Ok((_, Upload::Uploaded)) => {
            Verdict::Pass(test.text("admin.selftest.detail.uploaded", &[("tracking", &tracking)]))
        }
        Ok((_, Upload::Failed(why))) => Verdict::Fail(why),
        Err(e) => Verdict::Fail(e.to_string()),
    };
    (verdict, number)
}

async fn refund(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let Some((order, attempt)) = taken_order(test, state).await else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_payment", &[])),
            None,
        );
    };
    let number = Some(order.number.clone());
    let reason = test.text("admin.selftest.refund_reason", &[]);
    let asked = refund_request::request(
        &test.payments,
        &test.actor,
        &order.number,
        attempt.amount_minor,
        None,
        &reason,
    )
    .await;
    let verdict = match asked {
        Ok(Requested::Accepted { mer_track_no }) => {
            let track = mer_track_no.clone();
            let id = test
                .payments
                .db
                .run(move |conn| {
                    refunds::table
                        .filter(refunds::mer_track_no.eq(track))
                        .select(refunds::id)
                        .first::<i64>(conn)
                        .optional()
                        .map_err(DbError::from)
                })
                .await;
            match id {
                Ok(Some(id)) => {
                    state.refund = Some(id);
                    Verdict::Pass(test.text(
                        "admin.selftest.detail.refund",
                        &[
                            ("mer_track_no", &mer_track_no),
                            (
                                "amount",
                                &crate::money::format_price(
                                    attempt.amount_minor,
                                    test.settings.currency,
                                ),
                            ),
                        ],
                    ))
                }
                Ok(None) => Verdict::Fail("the refund row is missing".into()),
                Err(e) => Verdict::Fail(format!("database: {e}")),
            }
        }
        Ok(Requested::Refused { message, .. }) => Verdict::Fail(message),
        Ok(Requested::Unknown { .. }) => {
            Verdict::Fail(test.text("admin.selftest.detail.unavailable", &[]))
        }
        Err(e) => Verdict::Fail(e.to_string()),
    };
    (verdict, number)
}

async fn refund_query(test: &SelfTest, state: &mut State) -> (Verdict, Option<String>) {
    let Some(id) = state.refund else {
        return (
            Verdict::Skip(test.text("admin.selftest.detail.needs_refund", &[])),
            None,
        );
    };
    let verdict = match resolve::query(&test.payments, &test.actor, id).await {
        Ok((_, resolve::Queried::Settled { succeeded: true })) => {
            Verdict::Pass(test.text("admin.selftest.detail.refund_succeeded", &[]))
        }
        Ok((_, resolve::Queried::Pending(word))) => {
            Verdict::Pass(test.text("admin.selftest.detail.refund_pending", &[("status", &word)]))
        }
        Ok((_, resolve::Queried::Settled { succeeded: false })) => {
            Verdict::Fail(test.text("admin.selftest.detail.refund_failed", &[]))
        }
        Err(e) => Verdict::Fail(e.to_string()),
    };
    let number = taken_order(test, state)
        .await
        .map(|(o, _)| o.number)
        .or_else(|| state.hosted.as_ref().map(|o| o.number.clone()));
    (verdict, number)
}
