//! Refunds: `POST /refund` (apply; the outcome comes later by webhook) and
//! `GET /refund/{batchNo}` (query).

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{check_amount, check_len};
use crate::Error;
use crate::codes::RefundType;
use crate::currency::Money;
use crate::endpoint::{ApiCall, Endpoint, Host, HttpMethod, PathSegment};
use crate::wire;

/// `POST /refund`: ask for a full or partial refund of a transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    /// `tradeNo` of the transaction.
    pub trade_no: String,
    /// `refundType`: full or partial.
    pub refund_type: RefundType,
    /// `refundAmount`, in the transaction's currency (only the decimal string is sent).
    pub refund_amount: Money,
    /// `refundReason`.
    pub refund_reason: String,
    /// `merTrackNo`: the merchant's own refund reference, echoed in the webhook.
    pub mer_track_no: Option<String>,
    /// `remark`.
    pub remark: Option<String>,
}

impl Serialize for RefundRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Keys in ASCII order, the order of the signature vector in section 4.4.
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            mer_track_no: Option<&'a str>,
            refund_amount: String,
            refund_reason: &'a str,
            refund_type: RefundType,
            #[serde(skip_serializing_if = "Option::is_none")]
            remark: Option<&'a str>,
            trade_no: &'a str,
        }
        Wire {
            mer_track_no: self.mer_track_no.as_deref(),
            refund_amount: self.refund_amount.to_gateway_string(),
            refund_reason: &self.refund_reason,
            refund_type: self.refund_type,
            remark: self.remark.as_deref(),
            trade_no: &self.trade_no,
        }
        .serialize(s)
    }
}

impl Endpoint for RefundRequest {
    type Data = RefundResponse;

    fn call(&self) -> Result<ApiCall, Error> {
        check_len("tradeNo", &self.trade_no, 1, 64)?;
        check_amount("refundAmount", &self.refund_amount)?;
        if let Some(remark) = &self.remark {
            check_len("remark", remark, 0, 500)?;
        }
        ApiCall::post_json(Host::OpenApi, vec![PathSegment::Fixed("refund")], self)
    }
}

/// The answer of `/refund`: the application was accepted; `refund.success` or `refund.fail`
/// follows by webhook.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefundResponse {
    /// `batchNo`: AsiaBill's refund id, for [`RefundQueryRequest`].
    #[serde(with = "wire::text")]
    pub batch_no: String,
}

/// `GET /refund/{batchNo}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundQueryRequest {
    /// `batchNo` from [`RefundResponse`] or the refund webhook.
    pub batch_no: String,
}

impl Endpoint for RefundQueryRequest {
    type Data = RefundDetails;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("refund"),
                PathSegment::Param(self.batch_no.clone()),
            ],
        ))
    }
}

/// Where a refund stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundStatus {
    /// `success`.
    Success,
    /// `fail` or `failed`.
    Fail,
    /// `pending` or `processing`.
    Pending,
    /// Any other word, as received.
    Other(String),
}

impl RefundStatus {
    /// Reads a status word, ignoring ASCII case.
    pub fn parse(text: &str) -> Self {
        let text = text.trim();
        let is = |word: &str| text.eq_ignore_ascii_case(word);
        if is("success") {
            RefundStatus::Success
        } else if is("fail") || is("failed") {
            RefundStatus::Fail
        } else if is("pending") || is("processing") {
            RefundStatus::Pending
        } else {
            RefundStatus::Other(text.to_owned())
        }
    }
}

/// The answer of `/refund/{batchNo}`.
///
/// AsiaBill does not document this answer (section 6.4 names only `batchNo`, an amount and
/// `refundStatus`), so it is read leniently: every field is optional, the first present of
/// each list of keys wins, and the whole `data` is kept in `raw`. Keys read: `batchNo`;
/// `tradeNo`; `orderNo`; `merTrackNo`; `refundStatus` or `status`; `refundAmount` or
/// `amount`, with `currency`, `refundCurrency` or `orderCurrency`.
#[derive(Debug, Clone, PartialEq)]
pub struct RefundDetails {
    /// `batchNo`.
    pub batch_no: Option<String>,
    /// `tradeNo`.
    pub trade_no: Option<String>,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `merTrackNo`.
    pub mer_track_no: Option<String>,
    /// `refundStatus` (or `status`).
    pub refund_status: Option<RefundStatus>,
    /// `refundAmount` (or `amount`) in its currency; `None` when either is missing.
    pub refund_amount: Option<Money>,
    /// The whole `data` as received.
    pub raw: Value,
}

fn first_text(data: &Value, keys: &[&str]) -> Option<String> {
    keys.iter()
        .filter_map(|k| data.get(k))
        .find_map(|v| match v {
            Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
}

impl TryFrom<Value> for RefundDetails {
    type Error = String;

    fn try_from(data: Value) -> Result<Self, String> {
        if !data.is_object() {
            return Err("refund details are not a JSON object".into());
        }
        let amount = first_text(&data, &["refundAmount", "amount"]);
        let currency = first_text(&data, &["currency", "refundCurrency", "orderCurrency"]);
        let refund_amount = match (amount, currency) {
            (Some(amount), Some(currency)) => Some(wire::money(&amount, &currency)?),
            _ => None,
        };
        Ok(RefundDetails {
            batch_no: first_text(&data, &["batchNo"]),
            trade_no: first_text(&data, &["tradeNo"]),
            order_no: first_text(&data, &["orderNo"]),
            mer_track_no: first_text(&data, &["merTrackNo"]),
            refund_status: first_text(&data, &["refundStatus", "status"])
                .map(|s| RefundStatus::parse(&s)),
            refund_amount,
            raw: data,
        })
    }
}

impl<'de> Deserialize<'de> for RefundDetails {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for RefundDetails {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}
