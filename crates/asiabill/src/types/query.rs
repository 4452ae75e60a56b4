//! Queries on the OpenAPI: `GET /transactions` (list and per-order lookup),
//! `GET /orderInfo/{tradeNo}`, `GET /chargebacks`.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Page;
use crate::Error;
use crate::codes::{AuthStatus, TradeStatus};
use crate::currency::Money;
use crate::endpoint::{ApiCall, Endpoint, Host, HttpMethod, PathSegment};
use crate::wire::{self, T_LAYOUT, Text};

/// `GET /transactions`: transactions in a date window, optionally narrowed to one `tradeNo`
/// or `orderNo`, paged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransactionsQuery {
    /// `startTime`, sent as `yyyy-MM-ddTHH:mm:ss`.
    pub start_time: NaiveDateTime,
    /// `endTime`, same layout.
    pub end_time: NaiveDateTime,
    /// `pageIndex`, from 1.
    pub page_index: Option<u32>,
    /// `pageSize` (AsiaBill's example uses 1000).
    pub page_size: Option<u32>,
    /// `tradeNo`.
    pub trade_no: Option<String>,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `uploadGoodsFlag`; its values are not documented, so it is passed through as given.
    pub upload_goods_flag: Option<String>,
    /// `uploadLogisticsFlag`; passed through as given.
    pub upload_logistics_flag: Option<String>,
}

/// The whole calendar day `day`, `00:00:00` to `23:59:59`, as AsiaBill's plugins query it.
fn whole_day(day: NaiveDate) -> (NaiveDateTime, NaiveDateTime) {
    let last_second = NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a valid time");
    (day.and_time(NaiveTime::MIN), day.and_time(last_second))
}

impl TransactionsQuery {
    /// Every transaction between `start_time` and `end_time`.
    pub fn new(start_time: NaiveDateTime, end_time: NaiveDateTime) -> Self {
        TransactionsQuery {
            start_time,
            end_time,
            page_index: None,
            page_size: None,
            trade_no: None,
            order_no: None,
            upload_goods_flag: None,
            upload_logistics_flag: None,
        }
    }

    /// One transaction by `tradeNo`, searched on the whole day `day` (how AsiaBill's own
    /// plugins confirm a payment after the shopper returns).
    pub fn by_trade_no(trade_no: impl Into<String>, day: NaiveDate) -> Self {
        let (start, end) = whole_day(day);
        TransactionsQuery {
            trade_no: Some(trade_no.into()),
            ..TransactionsQuery::new(start, end)
        }
    }

    /// One transaction by `tradeNo`, searched from the day before `day` to the day after.
    ///
    /// `tradeDate` is in AsiaBill's own time zone, which the docs do not name, so a caller
    /// that knows only its own date of the payment widens the window by a day on each side.
    pub fn by_trade_no_near(trade_no: impl Into<String>, day: NaiveDate) -> Self {
        let (start, _) = whole_day(day.pred_opt().unwrap_or(day));
        let (_, end) = whole_day(day.succ_opt().unwrap_or(day));
        TransactionsQuery {
            trade_no: Some(trade_no.into()),
            ..TransactionsQuery::new(start, end)
        }
    }

    /// The transactions of one `orderNo`, searched from the day before `day` to the day after
    /// (as [`TransactionsQuery::by_trade_no_near`], for the same reason).
    pub fn by_order_no_near(order_no: impl Into<String>, day: NaiveDate) -> Self {
        let (start, _) = whole_day(day.pred_opt().unwrap_or(day));
        let (_, end) = whole_day(day.succ_opt().unwrap_or(day));
        TransactionsQuery {
            order_no: Some(order_no.into()),
            ..TransactionsQuery::new(start, end)
        }
    }

    /// The transactions of one `orderNo`, searched on the whole day `day`.
    pub fn by_order_no(order_no: impl Into<String>, day: NaiveDate) -> Self {
        let (start, end) = whole_day(day);
        TransactionsQuery {
            order_no: Some(order_no.into()),
            ..TransactionsQuery::new(start, end)
        }
    }
}

fn check_window(start: &NaiveDateTime, end: &NaiveDateTime) -> Result<(), Error> {
    if start > end {
        return Err(Error::InvalidRequest("startTime is after endTime".into()));
    }
    Ok(())
}

impl Endpoint for TransactionsQuery {
    type Data = TransactionPage;

    fn call(&self) -> Result<ApiCall, Error> {
        check_window(&self.start_time, &self.end_time)?;
        Ok(ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![PathSegment::Fixed("transactions")],
        )
        .query_opt(
            "startTime",
            Some(self.start_time.format(T_LAYOUT).to_string()),
        )
        .query_opt("endTime", Some(self.end_time.format(T_LAYOUT).to_string()))
        .query_opt("pageIndex", self.page_index.map(|n| n.to_string()))
        .query_opt("pageSize", self.page_size.map(|n| n.to_string()))
        .query_opt("tradeNo", self.trade_no.clone())
        .query_opt("orderNo", self.order_no.clone())
        .query_opt("uploadGoodsFlag", self.upload_goods_flag.clone())
        .query_opt("uploadLogisticsFlag", self.upload_logistics_flag.clone()))
    }
}

/// The answer of `/transactions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransactionPage {
    /// `page`.
    #[serde(default)]
    pub page: Page,
    /// `list`; `null` reads as empty.
    #[serde(default, deserialize_with = "wire::null_as_empty")]
    pub list: Vec<Transaction>,
}

/// One transaction as `/transactions` lists it (and, by assumption, as `/orderInfo` returns it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TransactionWire", into = "TransactionWire")]
pub struct Transaction {
    /// `orderNo`.
    pub order_no: String,
    /// `tradeNo`.
    pub trade_no: String,
    /// `tradeDate`, in AsiaBill's local time.
    pub trade_date: NaiveDateTime,
    /// `tradeAmount` and `tradeCurrency`.
    pub trade_amount: Money,
    /// `sourceWebSite`.
    pub source_web_site: Option<String>,
    /// `authStatus`; `None` when absent or empty.
    pub auth_status: Option<AuthStatus>,
    /// `isUploadReceipt`: whether tracking was uploaded.
    pub is_upload_receipt: Option<bool>,
    /// `isUploadGoods`.
    pub is_upload_goods: Option<bool>,
    /// `tradeStatus`.
    pub trade_status: TradeStatus,
    /// `tradeInfo`: the status text, e.g. `Transaction Approved`.
    pub trade_info: String,
    /// `goods`, whose shape is only sketched in the docs; kept as received.
    pub goods: Option<Value>,
    /// `logistics`, whose shape is only sketched in the docs; kept as received.
    pub logistics: Option<Value>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct TransactionWire {
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    trade_date: String,
    trade_amount: Text,
    trade_currency: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    source_web_site: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_upload_receipt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    is_upload_goods: Option<String>,
    trade_status: TradeStatus,
    #[serde(default)]
    trade_info: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    goods: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    logistics: Option<Value>,
}

fn optional_yes_no(text: Option<String>) -> Result<Option<bool>, String> {
    wire::non_empty(text).map(|t| wire::yes_no(&t)).transpose()
}

impl TryFrom<TransactionWire> for Transaction {
    type Error = String;

    fn try_from(w: TransactionWire) -> Result<Self, String> {
        let auth_status = wire::non_empty(w.auth_status)
            .map(|t| AuthStatus::parse(&t).ok_or(format!("unknown authStatus `{t}`")))
            .transpose()?;
        Ok(Transaction {
            trade_date: wire::date_time(&w.trade_date)?,
            trade_amount: wire::money(&w.trade_amount.0, &w.trade_currency)?,
            auth_status,
            is_upload_receipt: optional_yes_no(w.is_upload_receipt)?,
            is_upload_goods: optional_yes_no(w.is_upload_goods)?,
            order_no: w.order_no,
            trade_no: w.trade_no,
            source_web_site: w.source_web_site,
            trade_status: w.trade_status,
            trade_info: w.trade_info,
            goods: w.goods,
            logistics: w.logistics,
        })
    }
}

impl From<Transaction> for TransactionWire {
    fn from(t: Transaction) -> Self {
        TransactionWire {
            order_no: t.order_no,
            trade_no: t.trade_no,
            trade_date: t.trade_date.format(T_LAYOUT).to_string(),
            trade_amount: Text(t.trade_amount.to_gateway_string()),
            trade_currency: t.trade_amount.currency().code().to_owned(),
            source_web_site: t.source_web_site,
            auth_status: t.auth_status.map(|s| s.as_str().to_owned()),
            is_upload_receipt: t.is_upload_receipt.map(|f| wire::yes_no_text(f).to_owned()),
            is_upload_goods: t.is_upload_goods.map(|f| wire::yes_no_text(f).to_owned()),
            trade_status: t.trade_status,
            trade_info: t.trade_info,
            goods: t.goods,
            logistics: t.logistics,
        }
    }
}

/// `GET /orderInfo/{tradeNo}`: one transaction. Its answer is not documented; this crate
/// assumes the item shape of `/transactions` (section 6.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInfoRequest {
    /// `tradeNo`.
    pub trade_no: String,
}

impl Endpoint for OrderInfoRequest {
    type Data = Transaction;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("orderInfo"),
                PathSegment::Param(self.trade_no.clone()),
            ],
        ))
    }
}

/// `GET /chargebacks`: disputes in a date window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargebacksQuery {
    /// `startTime`, sent as `yyyy-MM-ddTHH:mm:ss`.
    pub start_time: NaiveDateTime,
    /// `endTime`.
    pub end_time: NaiveDateTime,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `tradeNo`.
    pub trade_no: Option<String>,
    /// `pageIndex`, from 1.
    pub page_index: Option<u32>,
    /// `pageSize`.
    pub page_size: Option<u32>,
}

impl ChargebacksQuery {
    /// Every chargeback between `start_time` and `end_time`.
    pub fn new(start_time: NaiveDateTime, end_time: NaiveDateTime) -> Self {
        ChargebacksQuery {
            start_time,
            end_time,
            order_no: None,
            trade_no: None,
            page_index: None,
            page_size: None,
        }
    }
}

impl Endpoint for ChargebacksQuery {
    type Data = ChargebackPage;

    fn call(&self) -> Result<ApiCall, Error> {
        check_window(&self.start_time, &self.end_time)?;
        Ok(ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![PathSegment::Fixed("chargebacks")],
        )
        .query_opt(
            "startTime",
            Some(self.start_time.format(T_LAYOUT).to_string()),
        )
        .query_opt("endTime", Some(self.end_time.format(T_LAYOUT).to_string()))
        .query_opt("orderNo", self.order_no.clone())
        .query_opt("tradeNo", self.trade_no.clone())
        .query_opt("pageIndex", self.page_index.map(|n| n.to_string()))
        .query_opt("pageSize", self.page_size.map(|n| n.to_string())))
    }
}

/// The answer of `/chargebacks`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChargebackPage {
    /// `page`.
    #[serde(default)]
    pub page: Page,
    /// `list`; `null` reads as empty.
    #[serde(default, deserialize_with = "wire::null_as_empty")]
    pub list: Vec<Chargeback>,
}

/// One listed chargeback.
///
/// The item's fields are not documented (section 6.6); they are read by the names of the
/// `chargeback.success` webhook, every one optional, and dates are accepted either at the top
/// level or inside `chargebackInfo` as the webhook nests them. The item is kept whole in `raw`.
#[derive(Debug, Clone, PartialEq)]
pub struct Chargeback {
    /// `batchNo`.
    pub batch_no: Option<String>,
    /// `tradeNo`.
    pub trade_no: Option<String>,
    /// `orderNo`.
    pub order_no: Option<String>,
    /// `amount` and `currency`: the disputed amount.
    pub amount: Option<Money>,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Option<Money>,
    /// `reason`, e.g. `D4755-Non-Receipt of Goods or Services`.
    pub reason: Option<String>,
    /// `cpdDate`.
    pub cpd_date: Option<NaiveDateTime>,
    /// `replyDeadline`: answer the dispute before this.
    pub reply_deadline: Option<NaiveDateTime>,
    /// `noticeDate`.
    pub notice_date: Option<NaiveDateTime>,
    /// The item as received.
    pub raw: Value,
}

impl TryFrom<Value> for Chargeback {
    type Error = String;

    fn try_from(raw: Value) -> Result<Self, String> {
        let nested = raw.get("chargebackInfo").cloned().unwrap_or(Value::Null);
        let text = |key: &str| -> Option<String> {
            [raw.get(key), nested.get(key)]
                .into_iter()
                .flatten()
                .find_map(|v| match v {
                    Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
        };
        let money = |amount: &str, currency: &str| -> Result<Option<Money>, String> {
            match (text(amount), text(currency)) {
                (Some(a), Some(c)) => wire::money(&a, &c).map(Some),
                _ => Ok(None),
            }
        };
        let date = |key: &str| wire::optional_date_time(text(key).as_deref());
        Ok(Chargeback {
            batch_no: text("batchNo"),
            trade_no: text("tradeNo"),
            order_no: text("orderNo"),
            amount: money("amount", "currency")?,
            order_amount: money("orderAmount", "orderCurrency")?,
            reason: text("reason"),
            cpd_date: date("cpdDate")?,
            reply_deadline: date("replyDeadline")?,
            notice_date: date("noticeDate")?,
            raw,
        })
    }
}

impl<'de> Deserialize<'de> for Chargeback {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Value::deserialize(d)?
            .try_into()
            .map_err(serde::de::Error::custom)
    }
}

impl Serialize for Chargeback {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.raw.serialize(s)
    }
}
