//! Webhooks (`callbackUrl`, section 10): verify the signature over the headers and the raw
//! body, check freshness, and parse the body into a typed event.
//!
//! Nothing is parsed before the signature and the clock check pass, so a caller never holds
//! data that did not come from AsiaBill.

use std::time::{Duration, SystemTime};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::codes::OrderStatus;
use crate::currency::Money;
use crate::endpoint::{RequestStamp, epoch_ms};
use crate::signing::{SignedParts, hmac_hex, verify_hex};
use crate::wire::{self, SPACE_LAYOUT, Text};
use crate::{API_VERSION, Credentials};

/// The oldest `request-time` accepted by default: 10 minutes, as AsiaBill's own plugin checks.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(600);

/// The body a merchant replies with to acknowledge a webhook; anything else makes AsiaBill
/// retry.
pub const ACKNOWLEDGEMENT: &str = "success";

/// Where webhook headers are read from. Names are asked for in lowercase; implementations
/// for lists of pairs compare names without regard to ASCII case, as HTTP does.
pub trait HeaderSource {
    /// The first value of the header `name`, if present.
    fn header(&self, name: &str) -> Option<String>;
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for [(K, V)] {
    fn header(&self, name: &str) -> Option<String> {
        self.iter()
            .find(|(k, _)| k.as_ref().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_ref().to_owned())
    }
}

impl<K: AsRef<str>, V: AsRef<str>> HeaderSource for Vec<(K, V)> {
    fn header(&self, name: &str) -> Option<String> {
        self.as_slice().header(name)
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> HeaderSource for [(K, V); N] {
    fn header(&self, name: &str) -> Option<String> {
        self.as_slice().header(name)
    }
}

/// Adapts a lookup function, e.g. over a web framework's header map:
/// `HeaderFn(|name| req.headers().get(name)?.to_str().ok().map(str::to_owned))`.
pub struct HeaderFn<F>(pub F);

impl<F: Fn(&str) -> Option<String>> HeaderSource for HeaderFn<F> {
    fn header(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }
}

/// Why a webhook was refused. Reply with anything but `success` (AsiaBill then retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// A required header is absent or empty.
    #[error("webhook header `{0}` is missing")]
    MissingHeader(&'static str),
    /// `gateway-no` is not this merchant's gateway number.
    #[error("webhook is for gateway `{0}`, not ours")]
    WrongGateway(String),
    /// `sign-info` does not match the headers and body.
    #[error("webhook signature does not match")]
    BadSignature,
    /// `request-time` is not a number of milliseconds.
    #[error("webhook request-time `{0}` is not epoch milliseconds")]
    BadRequestTime(String),
    /// `request-time` is further from now than the tolerance.
    #[error("webhook request-time is {age_ms} ms from now, beyond the tolerance")]
    Stale {
        /// Now minus `request-time`, in milliseconds (negative: from the future).
        age_ms: i64,
    },
    /// `version` is not `V2022-03`, whose body format this crate reads.
    #[error("webhook version `{0}` is not supported")]
    UnsupportedVersion(String),
    /// The signed body is not the documented JSON.
    #[error("webhook body is malformed: {0}")]
    Malformed(String),
}

/// A webhook that passed every check.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedWebhook {
    /// `request-id`: new on every delivery attempt, so keep it for the record but deduplicate
    /// on the body.
    pub request_id: String,
    /// `request-time`, epoch milliseconds.
    pub request_time_ms: u64,
    /// The event.
    pub event: WebhookEvent,
}

/// Checks a webhook and returns its event.
///
/// In order: the five headers are present; `gateway-no` is this merchant's; `sign-info` is the
/// HMAC of `gateway-no + request-id + request-time + version` `.` body, computed with the
/// merchant's configured gateway number as AsiaBill's SDK does, compared in constant time
/// and without regard to case; `request-time` is within `tolerance` of `now` in either
/// direction (a future-dated signature would otherwise stay valid beyond the window);
/// `version` is `V2022-03`; and the body parses.
pub fn verify_webhook<H: HeaderSource + ?Sized>(
    credentials: &Credentials,
    headers: &H,
    raw_body: &[u8],
    now: SystemTime,
    tolerance: Duration,
) -> Result<VerifiedWebhook, WebhookError> {
    let required = |name: &'static str| {
        headers
            .header(name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .ok_or(WebhookError::MissingHeader(name))
    };
    let gateway_no = required("gateway-no")?;
    let request_id = required("request-id")?;
    let request_time = required("request-time")?;
    let version = required("version")?;
    let sign_info = required("sign-info")?;

    let ours = credentials.gateway_no().as_str();
    if gateway_no != ours {
        return Err(WebhookError::WrongGateway(gateway_no));
    }
    let parts = SignedParts {
        header: SignedParts::header(ours, &request_id, &request_time, Some(&version)),
        body: raw_body,
        ..SignedParts::default()
    };
    if !verify_hex(credentials.sign_key(), &parts.message(), &sign_info) {
        return Err(WebhookError::BadSignature);
    }
    let request_time_ms: u64 = request_time
        .parse()
        .map_err(|_| WebhookError::BadRequestTime(request_time.clone()))?;
    let age_ms = i128::from(epoch_ms(now)) - i128::from(request_time_ms);
    if age_ms.unsigned_abs() > tolerance.as_millis() {
        return Err(WebhookError::Stale {
            age_ms: i64::try_from(age_ms).unwrap_or(i64::MAX),
        });
    }
    if version != API_VERSION {
        return Err(WebhookError::UnsupportedVersion(version));
    }
    Ok(VerifiedWebhook {
        request_id,
        request_time_ms,
        event: WebhookEvent::from_verified_body(raw_body)?,
    })
}

/// The headers AsiaBill sends with `body`, signed with uppercase hex as AsiaBill does: for a
/// simulator, or to test a webhook endpoint.
pub fn webhook_headers(
    credentials: &Credentials,
    stamp: &RequestStamp,
    body: &[u8],
) -> Vec<(&'static str, String)> {
    let gateway_no = credentials.gateway_no().as_str();
    let time = stamp.request_time_ms.to_string();
    let parts = SignedParts {
        header: SignedParts::header(gateway_no, &stamp.request_id, &time, Some(API_VERSION)),
        body,
        ..SignedParts::default()
    };
    let signature = hmac_hex(credentials.sign_key(), &parts.message()).to_ascii_uppercase();
    vec![
        ("content-type", "application/json".to_owned()),
        ("gateway-no", gateway_no.to_owned()),
        ("request-id", stamp.request_id.clone()),
        ("request-time", time),
        ("version", API_VERSION.to_owned()),
        ("sign-info", signature),
    ]
}

/// `transaction.*`: what happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransactionEvent {
    /// `transaction.success`.
    Success,
    /// `transaction.fail`.
    Fail,
    /// `transaction.pending`.
    Pending,
    /// `transaction.clear`: settled.
    Clear,
}

/// `pre-authorized.*`: what happened to an authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PreAuthEvent {
    /// `pre-authorized.captured`.
    Captured,
    /// `pre-authorized.void`.
    Void,
}

/// `refund.*`: the outcome of a refund application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundEvent {
    /// `refund.success`.
    Success,
    /// `refund.fail`.
    Fail,
}

/// A webhook's event, by its `type`.
#[derive(Debug, Clone, PartialEq)]
pub enum WebhookEvent {
    /// `transaction.success|fail|pending|clear`.
    Transaction {
        /// Which one.
        event: TransactionEvent,
        /// Its `data`.
        data: TransactionNotice,
    },
    /// `pre-authorized.captured|void`.
    PreAuthorized {
        /// Which one.
        event: PreAuthEvent,
        /// Its `data`.
        data: PreAuthNotice,
    },
    /// `refund.success|fail`.
    Refund {
        /// Which one.
        event: RefundEvent,
        /// Its `data`.
        data: RefundNotice,
    },
    /// `chargeback.success`: a dispute was received.
    Chargeback(ChargebackNotice),
    /// A `type` this crate does not know, signed by AsiaBill all the same. Kept rather than
    /// refused so that a new event type does not make AsiaBill retry for 17 hours; the caller
    /// decides (typically: store, acknowledge, flag).
    Unknown {
        /// The `type` as received.
        event_type: String,
        /// The `data` as received.
        data: Value,
    },
}

const TRANSACTION_TYPES: [(&str, TransactionEvent); 4] = [
    ("transaction.success", TransactionEvent::Success),
    ("transaction.fail", TransactionEvent::Fail),
    ("transaction.pending", TransactionEvent::Pending),
    ("transaction.clear", TransactionEvent::Clear),
];
const PRE_AUTH_TYPES: [(&str, PreAuthEvent); 2] = [
    ("pre-authorized.captured", PreAuthEvent::Captured),
    ("pre-authorized.void", PreAuthEvent::Void),
];
const REFUND_TYPES: [(&str, RefundEvent); 2] = [
    ("refund.success", RefundEvent::Success),
    ("refund.fail", RefundEvent::Fail),
];
const CHARGEBACK_TYPE: &str = "chargeback.success";

fn lookup<T: Copy>(table: &[(&'static str, T)], event_type: &str) -> Option<T> {
    table
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(event_type))
        .map(|(_, value)| *value)
}

fn name_of<T: Copy + PartialEq>(table: &[(&'static str, T)], value: T) -> &'static str {
    table
        .iter()
        .find(|(_, v)| *v == value)
        .map_or("", |(name, _)| name)
}

#[derive(Deserialize)]
struct RawBody {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    data: Value,
}

#[derive(Serialize)]
struct BodyOut<'a, T: Serialize> {
    data: &'a T,
    #[serde(rename = "type")]
    event_type: &'a str,
}

impl WebhookEvent {
    /// Parses a webhook body without checking any signature: only for a body that was verified
    /// when it arrived and stored since (re-applying it later, when its `request-time` is long
    /// stale). Never call it on a body straight from the network; use [`verify_webhook`].
    pub fn from_verified_body(body: &[u8]) -> Result<Self, WebhookError> {
        fn data<T: serde::de::DeserializeOwned>(
            event_type: &str,
            value: Value,
        ) -> Result<T, WebhookError> {
            serde_json::from_value(value)
                .map_err(|e| WebhookError::Malformed(format!("{event_type}: {e}")))
        }
        let RawBody {
            event_type,
            data: value,
        } = serde_json::from_slice(body).map_err(|e| WebhookError::Malformed(e.to_string()))?;
        let t = event_type.trim();
        Ok(if let Some(event) = lookup(&TRANSACTION_TYPES, t) {
            WebhookEvent::Transaction {
                event,
                data: data(t, value)?,
            }
        } else if let Some(event) = lookup(&PRE_AUTH_TYPES, t) {
            WebhookEvent::PreAuthorized {
                event,
                data: data(t, value)?,
            }
        } else if let Some(event) = lookup(&REFUND_TYPES, t) {
            WebhookEvent::Refund {
                event,
                data: data(t, value)?,
            }
        } else if t.eq_ignore_ascii_case(CHARGEBACK_TYPE) {
            WebhookEvent::Chargeback(data(t, value)?)
        } else {
            WebhookEvent::Unknown {
                event_type,
                data: value,
            }
        })
    }

    /// The `type`, e.g. `transaction.success`.
    pub fn event_type(&self) -> &str {
        match self {
            WebhookEvent::Transaction { event, .. } => name_of(&TRANSACTION_TYPES, *event),
            WebhookEvent::PreAuthorized { event, .. } => name_of(&PRE_AUTH_TYPES, *event),
            WebhookEvent::Refund { event, .. } => name_of(&REFUND_TYPES, *event),
            WebhookEvent::Chargeback(_) => CHARGEBACK_TYPE,
            WebhookEvent::Unknown { event_type, .. } => event_type,
        }
    }

    /// The body AsiaBill would send for this event: compact JSON, `data` then `type`, string
    /// scalars, keys in the order of AsiaBill's examples. For simulators; sign it with
    /// [`webhook_headers`].
    pub fn to_body(&self) -> Vec<u8> {
        fn body<T: Serialize>(data: &T, event_type: &str) -> Vec<u8> {
            serde_json::to_vec(&BodyOut { data, event_type })
                .expect("webhook bodies are plain JSON objects, which always serialize")
        }
        let event_type = self.event_type();
        match self {
            WebhookEvent::Transaction { data, .. } => body(data, event_type),
            WebhookEvent::PreAuthorized { data, .. } => body(data, event_type),
            WebhookEvent::Refund { data, .. } => body(data, event_type),
            WebhookEvent::Chargeback(data) => body(data, event_type),
            WebhookEvent::Unknown { data, .. } => body(data, event_type),
        }
    }
}

/// `data` of `transaction.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TransactionWire", into = "TransactionWire")]
pub struct TransactionNotice {
    /// `transactionType`, e.g. `Sale`.
    pub transaction_type: String,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `orderNo`.
    pub order_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `orderInfo`, e.g. `Transaction Approved`.
    pub order_info: String,
    /// `orderStatus`.
    pub order_status: OrderStatus,
    /// `remark`: echo of the request's remark.
    pub remark: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionWire {
    #[serde(default)]
    transaction_type: String,
    order_amount: Text,
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    order_currency: String,
    #[serde(default)]
    order_info: String,
    order_status: OrderStatus,
    #[serde(default)]
    remark: String,
}

impl TryFrom<TransactionWire> for TransactionNotice {
    type Error = String;

    fn try_from(w: TransactionWire) -> Result<Self, String> {
        Ok(TransactionNotice {
            order_amount: wire::money(&w.order_amount.0, &w.order_currency)?,
            transaction_type: w.transaction_type,
            order_no: w.order_no,
            trade_no: w.trade_no,
            order_info: w.order_info,
            order_status: w.order_status,
            remark: w.remark,
        })
    }
}

impl From<TransactionNotice> for TransactionWire {
    fn from(n: TransactionNotice) -> Self {
        TransactionWire {
            transaction_type: n.transaction_type,
            order_amount: Text(n.order_amount.to_gateway_string()),
            order_no: n.order_no,
            trade_no: n.trade_no,
            order_currency: n.order_amount.currency().code().to_owned(),
            order_info: n.order_info,
            order_status: n.order_status,
            remark: n.remark,
        }
    }
}

/// `data` of `pre-authorized.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "PreAuthWire", into = "PreAuthWire")]
pub struct PreAuthNotice {
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `orderNo`.
    pub order_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `orderStatus`.
    pub order_status: OrderStatus,
    /// `operationResult`, e.g. `Success`.
    pub operation_result: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PreAuthWire {
    order_amount: Text,
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    order_currency: String,
    order_status: OrderStatus,
    #[serde(default)]
    operation_result: String,
}

impl TryFrom<PreAuthWire> for PreAuthNotice {
    type Error = String;

    fn try_from(w: PreAuthWire) -> Result<Self, String> {
        Ok(PreAuthNotice {
            order_amount: wire::money(&w.order_amount.0, &w.order_currency)?,
            order_no: w.order_no,
            trade_no: w.trade_no,
            order_status: w.order_status,
            operation_result: w.operation_result,
        })
    }
}

impl From<PreAuthNotice> for PreAuthWire {
    fn from(n: PreAuthNotice) -> Self {
        PreAuthWire {
            order_amount: Text(n.order_amount.to_gateway_string()),
            order_no: n.order_no,
            trade_no: n.trade_no,
            order_currency: n.order_amount.currency().code().to_owned(),
            order_status: n.order_status,
            operation_result: n.operation_result,
        }
    }
}

/// `data` of `refund.*`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RefundWire", into = "RefundWire")]
pub struct RefundNotice {
    /// `reason`.
    pub reason: String,
    /// `amount` and `currency`: the refund.
    pub amount: Money,
    /// `batchNo`: the refund's id.
    pub batch_no: String,
    /// `orderAmount` and `orderCurrency`: the original payment.
    pub order_amount: Money,
    /// `orderNo`.
    pub order_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `noticeDate`, in AsiaBill's local time.
    pub notice_date: Option<NaiveDateTime>,
    /// `merTrackNo`: the merchant's refund reference, when one was sent.
    pub mer_track_no: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RefundWire {
    #[serde(default)]
    reason: String,
    amount: Text,
    #[serde(with = "wire::text")]
    batch_no: String,
    order_amount: Text,
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    order_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notice_date: Option<String>,
    currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mer_track_no: Option<String>,
}

impl TryFrom<RefundWire> for RefundNotice {
    type Error = String;

    fn try_from(w: RefundWire) -> Result<Self, String> {
        Ok(RefundNotice {
            amount: wire::money(&w.amount.0, &w.currency)?,
            order_amount: wire::money(&w.order_amount.0, &w.order_currency)?,
            notice_date: wire::optional_date_time(w.notice_date.as_deref())?,
            reason: w.reason,
            batch_no: w.batch_no,
            order_no: w.order_no,
            trade_no: w.trade_no,
            mer_track_no: wire::non_empty(w.mer_track_no),
        })
    }
}

impl From<RefundNotice> for RefundWire {
    fn from(n: RefundNotice) -> Self {
        RefundWire {
            reason: n.reason,
            amount: Text(n.amount.to_gateway_string()),
            batch_no: n.batch_no,
            order_amount: Text(n.order_amount.to_gateway_string()),
            order_no: n.order_no,
            trade_no: n.trade_no,
            order_currency: n.order_amount.currency().code().to_owned(),
            notice_date: n.notice_date.map(|d| d.format(SPACE_LAYOUT).to_string()),
            currency: n.amount.currency().code().to_owned(),
            mer_track_no: n.mer_track_no,
        }
    }
}

/// `data` of `chargeback.success`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ChargebackWire", into = "ChargebackWire")]
pub struct ChargebackNotice {
    /// `chargebackInfo.replyDeadline`: answer the dispute before this.
    pub reply_deadline: Option<NaiveDateTime>,
    /// `chargebackInfo.cpdDate`.
    pub cpd_date: Option<NaiveDateTime>,
    /// `reason`, e.g. `D4755-Non-Receipt of Goods or Services`.
    pub reason: String,
    /// `amount` and `currency`: the disputed amount.
    pub amount: Money,
    /// `batchNo`.
    pub batch_no: String,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `orderNo`.
    pub order_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `noticeDate`.
    pub notice_date: Option<NaiveDateTime>,
}

#[derive(Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ChargebackInfoWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reply_deadline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cpd_date: Option<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChargebackWire {
    #[serde(default)]
    chargeback_info: ChargebackInfoWire,
    #[serde(default)]
    reason: String,
    amount: Text,
    #[serde(with = "wire::text")]
    batch_no: String,
    order_amount: Text,
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    order_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    notice_date: Option<String>,
    currency: String,
}

impl TryFrom<ChargebackWire> for ChargebackNotice {
    type Error = String;

    fn try_from(w: ChargebackWire) -> Result<Self, String> {
        Ok(ChargebackNotice {
            reply_deadline: wire::optional_date_time(w.chargeback_info.reply_deadline.as_deref())?,
            cpd_date: wire::optional_date_time(w.chargeback_info.cpd_date.as_deref())?,
            amount: wire::money(&w.amount.0, &w.currency)?,
            order_amount: wire::money(&w.order_amount.0, &w.order_currency)?,
            notice_date: wire::optional_date_time(w.notice_date.as_deref())?,
            reason: w.reason,
            batch_no: w.batch_no,
            order_no: w.order_no,
            trade_no: w.trade_no,
        })
    }
}

impl From<ChargebackNotice> for ChargebackWire {
    fn from(n: ChargebackNotice) -> Self {
        let date = |d: Option<NaiveDateTime>| d.map(|d| d.format(SPACE_LAYOUT).to_string());
        ChargebackWire {
            chargeback_info: ChargebackInfoWire {
                reply_deadline: date(n.reply_deadline),
                cpd_date: date(n.cpd_date),
            },
            reason: n.reason,
            amount: Text(n.amount.to_gateway_string()),
            batch_no: n.batch_no,
            order_amount: Text(n.order_amount.to_gateway_string()),
            order_no: n.order_no,
            trade_no: n.trade_no,
            order_currency: n.order_amount.currency().code().to_owned(),
            notice_date: date(n.notice_date),
            currency: n.amount.currency().code().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Section 4.4's webhook vector.
    const BODY: &str = r#"{"data":{"transactionType":"Sale","orderAmount":"7.00","orderNo":"php-sdk-2022082212000012345678","tradeNo":"2022082212000112345678","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;
    const SIGNATURE: &str = "4DEAD063BD55CB8E5E80358A5F3D6A501971E68F9B6109B0AFA44446CCCF5293";
    const TIME_MS: u64 = 1_651_888_520_935;

    fn headers() -> Vec<(&'static str, String)> {
        vec![
            ("Gateway-No", "12246002".into()),
            ("Request-Id", "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718".into()),
            ("Request-Time", TIME_MS.to_string()),
            ("Version", "V2022-03".into()),
            ("Sign-Info", SIGNATURE.into()),
        ]
    }

    fn at(ms: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
    }

    #[test]
    fn vector_webhook_verifies_and_parses() {
        let verified = verify_webhook(
            &Credentials::public_test_account(),
            &headers(),
            BODY.as_bytes(),
            at(TIME_MS + 1_000),
            DEFAULT_TOLERANCE,
        )
        .expect("the documented vector verifies");
        assert_eq!(verified.request_id, "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718");
        let WebhookEvent::Transaction { event, data } = &verified.event else {
            panic!("not a transaction event: {:?}", verified.event);
        };
        assert_eq!(*event, TransactionEvent::Success);
        assert_eq!(data.order_amount.minor(), 700);
        assert_eq!(data.order_amount.currency().code(), "USD");
        assert_eq!(data.order_status, OrderStatus::Success);
        assert_eq!(data.trade_no, "2022082212000112345678");
    }

    #[test]
    fn vector_webhook_is_reproduced_by_the_sending_side() {
        let stamp = RequestStamp {
            request_id: "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718".into(),
            request_time_ms: TIME_MS,
        };
        let event = WebhookEvent::from_verified_body(BODY.as_bytes()).expect("parses");
        let body = event.to_body();
        assert_eq!(std::str::from_utf8(&body).expect("utf-8"), BODY);
        let sent = webhook_headers(&Credentials::public_test_account(), &stamp, &body);
        assert!(sent.contains(&("sign-info", SIGNATURE.to_owned())));
    }
}
