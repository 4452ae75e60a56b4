//! Webhook events and their delivery to the merchant's `callbackUrl` (section 10).
//!
//! A body is compact JSON `{"data":{…},"type":"…"}` with string values, `/` written `\/` so that
//! PHP's re-encoding in the official SDK reproduces the signed bytes. Each attempt is signed
//! afresh (new `request-id`, current `request-time`): `sign-info` is the uppercase HMAC of
//! `gateway-no + request-id + request-time + version . body`. A reply other than HTTP 2xx with
//! body `success` (any case) is retried on [`WEBHOOK_RETRY_SCHEDULE`] times the time factor.

use std::time::Duration;

use asiabill::signing::{SignedParts, hmac_hex};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::Sandbox;
use crate::config::WEBHOOK_RETRY_SCHEDULE;
use crate::envelope::{Rejection, codes};

/// An event the simulator emitted.
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    /// Its id, in emission order from 1; [`Sandbox::resend_webhook`] takes it.
    pub id: u64,
    /// `type`, e.g. `transaction.success`.
    pub event_type: String,
    /// The transaction it concerns.
    pub trade_no: String,
    /// Its gateway.
    pub gateway_no: String,
    /// The exact body every attempt sends.
    pub body: String,
    /// The transaction's `callbackUrl`; without one nothing is delivered.
    pub url: Option<String>,
    /// When it was emitted.
    pub created_at: DateTime<Utc>,
}

/// How one delivery attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// The merchant replied `success`.
    Acknowledged,
    /// Another reply, an error status, or no reply (connection refused, timeout).
    Failed,
    /// Not sent: the drop fault swallowed the event.
    Dropped,
}

/// One delivery attempt of an event.
#[derive(Debug, Clone)]
pub struct WebhookDelivery {
    /// The event delivered.
    pub event_id: u64,
    /// `type` of the event.
    pub event_type: String,
    /// 1 for the first attempt, 2 for the first retry…; a duplicate repeats its number.
    pub attempt: u32,
    /// Whether this is a copy sent by the duplicate fault.
    pub duplicate: bool,
    /// Where it went.
    pub url: String,
    /// `request-id` header.
    pub request_id: String,
    /// `request-time` header.
    pub request_time: String,
    /// `sign-info` header.
    pub sign_info: String,
    /// The body sent.
    pub body: String,
    /// HTTP status of the reply, if one came.
    pub status: Option<u16>,
    /// Reply body, or the transport error.
    pub reply: String,
    /// Result.
    pub outcome: DeliveryOutcome,
    /// When it was attempted.
    pub at: DateTime<Utc>,
}

#[derive(Default)]
pub(crate) struct WebhookLog {
    pub events: Vec<WebhookEvent>,
    pub deliveries: std::collections::VecDeque<WebhookDelivery>,
    pub held: Vec<WebhookEvent>,
}

impl WebhookLog {
    /// Keeps `delivery`, forgetting the oldest beyond `capacity`.
    pub fn record_within(&mut self, capacity: usize, delivery: WebhookDelivery) {
        if self.deliveries.len() >= capacity {
            self.deliveries.pop_front();
        }
        self.deliveries.push_back(delivery);
    }
}

#[derive(Serialize)]
struct Body<'a, D: Serialize> {
    data: &'a D,
    #[serde(rename = "type")]
    event_type: &'a str,
}

/// The exact body of an event: compact JSON with `/` escaped as PHP's `json_encode` does.
pub(crate) fn event_body<D: Serialize>(event_type: &str, data: &D) -> String {
    let json = serde_json::to_string(&Body { data, event_type }).unwrap_or_default();
    // `/` can only occur inside JSON strings, so this escapes exactly what PHP escapes.
    json.replace('/', "\\/")
}

/// `data` of `transaction.*` events (section 10.3). The documented example has no payment
/// method; the simulator adds `paymentMethod`, the request field's name, so that a shop can
/// tell a local payment's notice from a card's (the docs are silent on this).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TransactionData {
    pub transaction_type: String,
    pub order_amount: String,
    pub order_no: String,
    pub trade_no: String,
    pub order_currency: String,
    pub order_info: String,
    pub order_status: String,
    pub remark: String,
    pub payment_method: String,
}

/// `data` of `pre-authorized.*` events (section 10.3).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PreAuthData {
    pub order_amount: String,
    pub order_no: String,
    pub trade_no: String,
    pub order_currency: String,
    pub order_status: String,
    pub operation_result: String,
}

/// `data` of `refund.*` events (section 10.4).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RefundData {
    pub reason: String,
    pub amount: String,
    pub batch_no: String,
    pub mer_track_no: String,
    pub order_amount: String,
    pub order_no: String,
    pub trade_no: String,
    pub order_currency: String,
    pub notice_date: String,
    pub currency: String,
}

/// `chargebackInfo` of `chargeback.success`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargebackInfo {
    pub reply_deadline: String,
    pub cpd_date: String,
}

/// `data` of `chargeback.success` (section 10.4).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargebackData {
    pub chargeback_info: ChargebackInfo,
    pub reason: String,
    pub amount: String,
    pub batch_no: String,
    pub order_amount: String,
    pub order_no: String,
    pub trade_no: String,
    pub order_currency: String,
    pub notice_date: String,
    pub currency: String,
}

/// Date-time format of `noticeDate`, `cpdDate` and `replyDeadline`.
pub(crate) const NOTICE_DATE: &str = "%Y-%m-%d %H:%M:%S";

impl Sandbox {
    /// Records an event and sends it, subject to the webhook faults.
    pub(crate) fn emit(&self, event: WebhookEvent) {
        let faults = self.faults();
        let dropped = event.url.is_some() && crate::ids::chance(faults.drop_webhook_rate);
        let mut to_hold_timer = false;
        let mut release = Vec::new();
        {
            let mut log = self.webhook_log();
            log.events.push(event.clone());
            let Some(url) = event.url.clone() else {
                return;
            };
            if dropped {
                log.record_within(
                    self.config().log_capacity,
                    WebhookDelivery {
                        event_id: event.id,
                        event_type: event.event_type.clone(),
                        attempt: 1,
                        duplicate: false,
                        url,
                        request_id: String::new(),
                        request_time: String::new(),
                        sign_info: String::new(),
                        body: event.body.clone(),
                        status: None,
                        reply: "dropped by fault".to_owned(),
                        outcome: DeliveryOutcome::Dropped,
                        at: Utc::now(),
                    },
                );
                return;
            }
            if faults.out_of_order_webhooks {
                log.held.push(event.clone());
                if log.held.len() >= 2 {
                    release = std::mem::take(&mut log.held);
                } else {
                    to_hold_timer = true;
                }
            }
        }
        if !faults.out_of_order_webhooks {
            self.spawn(deliver_from(self.clone(), event, 1));
        } else if !release.is_empty() {
            release.reverse();
            self.spawn(release_in_order(self.clone(), release));
        } else if to_hold_timer {
            let sandbox = self.clone();
            let wait = self.config().scaled(self.config().reorder_window);
            self.spawn(async move {
                tokio::time::sleep(wait).await;
                sandbox.release_held();
            });
        }
    }

    /// Sends the event `event_id` again, from its first attempt (the console's "resend").
    pub fn resend_webhook(&self, event_id: u64) -> Result<(), Rejection> {
        let event = self
            .webhook_log()
            .events
            .iter()
            .find(|e| e.id == event_id)
            .cloned()
            .ok_or_else(|| {
                Rejection::new(codes::NO_RECORD, format!("no webhook event {event_id}"))
            })?;
        if event.url.is_none() {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                "the transaction has no callbackUrl",
            ));
        }
        self.spawn(deliver_from(self.clone(), event, 1));
        Ok(())
    }

    /// Sends every held event, newest first.
    pub(crate) fn release_held(&self) {
        let mut held = std::mem::take(&mut self.webhook_log().held);
        if !held.is_empty() {
            held.reverse();
            self.spawn(release_in_order(self.clone(), held));
        }
    }

    /// Starts `task` on the current Tokio runtime; outside one, it cannot run and is logged.
    pub(crate) fn spawn<F>(&self, task: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(task);
            }
            Err(_) => {
                tracing::error!("asiabill-sandbox: no Tokio runtime to run a background task")
            }
        }
    }
}

/// The wait after attempt `attempt` (1-based) before the next one, if any is left.
fn retry_delay(sandbox: &Sandbox, attempt: u32) -> Option<Duration> {
    let index = usize::try_from(attempt).ok()?.checked_sub(1)?;
    WEBHOOK_RETRY_SCHEDULE
        .get(index)
        .map(|d| sandbox.config().scaled(*d))
}

/// Delivers `event` starting at attempt `attempt`, retrying on the schedule.
async fn deliver_from(sandbox: Sandbox, event: WebhookEvent, mut attempt: u32) {
    loop {
        if attempt > 1 {
            let Some(wait) = retry_delay(&sandbox, attempt - 1) else {
                return;
            };
            tokio::time::sleep(wait).await;
        }
        if send(&sandbox, &event, attempt, false).await {
            if sandbox.faults().duplicate_webhooks {
                send(&sandbox, &event, attempt, true).await;
            }
            return;
        }
        if retry_delay(&sandbox, attempt).is_none() {
            return;
        }
        attempt += 1;
    }
}

/// First attempts of `events` one after the other, in the order given; retries run apart.
async fn release_in_order(sandbox: Sandbox, events: Vec<WebhookEvent>) {
    for event in events {
        if send(&sandbox, &event, 1, false).await {
            if sandbox.faults().duplicate_webhooks {
                send(&sandbox, &event, 1, true).await;
            }
        } else {
            sandbox.spawn(deliver_from(sandbox.clone(), event, 2));
        }
    }
}

/// One signed attempt; true when the merchant acknowledged it.
async fn send(sandbox: &Sandbox, event: &WebhookEvent, attempt: u32, duplicate: bool) -> bool {
    let Some(url) = event.url.clone() else {
        return false;
    };
    let Some(account) = sandbox.config().account(&event.gateway_no).cloned() else {
        return false;
    };
    let request_id = crate::ids::request_id();
    let request_time = crate::ids::now_ms().to_string();
    let parts = SignedParts {
        header: SignedParts::header(
            &account.gateway_no,
            &request_id,
            &request_time,
            Some(asiabill::API_VERSION),
        ),
        body: event.body.as_bytes(),
        ..Default::default()
    };
    let sign_info = hmac_hex(&account.sign_key, &parts.message()).to_ascii_uppercase();
    let result = sandbox
        .http()
        .post(&url)
        .header("Content-Type", "application/json")
        .header("gateway-no", &account.gateway_no)
        .header("request-id", &request_id)
        .header("request-time", &request_time)
        .header("version", asiabill::API_VERSION)
        .header("sign-info", &sign_info)
        .timeout(sandbox.config().webhook_timeout)
        .body(event.body.clone())
        .send()
        .await;
    let (status, reply) = match result {
        Ok(response) => {
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            (Some(status), text)
        }
        Err(e) => (None, e.to_string()),
    };
    let acknowledged =
        status.is_some_and(|s| s.is_success()) && reply.trim().eq_ignore_ascii_case("success");
    let capacity = sandbox.config().log_capacity;
    sandbox.webhook_log().record_within(
        capacity,
        WebhookDelivery {
            event_id: event.id,
            event_type: event.event_type.clone(),
            attempt,
            duplicate,
            url,
            request_id,
            request_time,
            sign_info,
            body: event.body.clone(),
            status: status.map(|s| s.as_u16()),
            reply,
            outcome: if acknowledged {
                DeliveryOutcome::Acknowledged
            } else {
                DeliveryOutcome::Failed
            },
            at: Utc::now(),
        },
    );
    acknowledged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_compact_and_escape_slashes() {
        let data = TransactionData {
            transaction_type: "Sale".to_owned(),
            order_amount: "7.00".to_owned(),
            order_no: "A1/1".to_owned(),
            trade_no: "1".to_owned(),
            order_currency: "USD".to_owned(),
            order_info: "Transaction Approved".to_owned(),
            order_status: "success".to_owned(),
            remark: String::new(),
            payment_method: "Credit Card".to_owned(),
        };
        assert_eq!(
            event_body("transaction.success", &data),
            r#"{"data":{"transactionType":"Sale","orderAmount":"7.00","orderNo":"A1\/1","tradeNo":"1","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":"","paymentMethod":"Credit Card"},"type":"transaction.success"}"#
        );
    }
}
