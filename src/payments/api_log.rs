//! The AsiaBill API log: every request the shop sent to AsiaBill and its answer, as an engineer
//! studying the integration reads them first (admin → "Gateway calls").
//!
//! The `asiabill` client tells [`Recorder`] of each exchange; the row is built at once (the
//! bodies' personal data masked: names, emails, phones, addresses, IP addresses, and card data
//! should a call ever carry any) and written by a task of its own, so that a slow database never
//! holds up a payment. Headers are kept as sent: they carry the signature, never the sign key.
//! Rows older than `ASIABILL_LOG_DAYS` are purged by a daily job.

use std::{sync::Arc, time::Duration};

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use serde_json::Value;

use crate::{
    db::{
        Db, DbConnection, DbError, now,
        schema::{gateway_calls, payment_attempts},
    },
    jobs::{self, NewJob},
};

/// Job kind of the daily purge.
pub const PURGE_JOB: &str = "gateway_calls.purge";
/// Rows shown per page of the log.
pub const PER_PAGE: i64 = 50;

/// Body fields that hold personal data, masked in the log.
const PERSONAL: [&str; 24] = [
    "email",
    "firstName",
    "lastName",
    "phone",
    "address",
    "line1",
    "line2",
    "city",
    "state",
    "zip",
    "postalCode",
    "shipAddress",
    "shipCity",
    "shipFirstName",
    "shipLastName",
    "shipPhone",
    "shipState",
    "shipZip",
    "customerIp",
    "cardNo",
    "cardSecurityCode",
    "cardExpireMonth",
    "cardExpireYear",
    "cardHolder",
];

/// `value` with every personal field masked, at any depth.
pub fn masked(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if PERSONAL.contains(&k.as_str()) {
                        mask_value(&k, &v)
                    } else {
                        masked(v)
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(masked).collect()),
        other => other,
    }
}

fn mask_value(key: &str, value: &Value) -> Value {
    let Some(text) = value.as_str() else {
        return match value {
            Value::Null => Value::Null,
            _ => Value::String("***".into()),
        };
    };
    if text.is_empty() {
        return Value::String(String::new());
    }
    let shown = match key {
        // Enough to tell two cards apart, as receipts do.
        "cardNo" => format!(
            "••••{}",
            text.chars()
                .rev()
                .take(4)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<String>()
        ),
        "cardSecurityCode" | "cardExpireMonth" | "cardExpireYear" => "***".to_owned(),
        // The first letter tells a reader which of two shoppers it was, nothing more.
        _ => {
            let first: String = text.chars().take(1).collect();
            format!("{first}***")
        }
    };
    Value::String(shown)
}

/// A body as the log keeps it: JSON with personal data masked, or a note for anything else.
fn body_text(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        return String::new();
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(json) => serde_json::to_string_pretty(&masked(json)).unwrap_or_default(),
        Err(_) => format!("({} bytes, not JSON: not kept)", bytes.len()),
    }
}

/// The endpoint as AsiaBill names it: the path after the API version.
fn endpoint_of(url: &str) -> String {
    let path = url.split('?').next().unwrap_or(url);
    match path.split_once("/V2022-03/") {
        Some((_, rest)) => rest.to_owned(),
        None => path.rsplit('/').next().unwrap_or(path).to_owned(),
    }
}

/// The `orderNo` and `tradeNo` an exchange named: in the request body, the query string, the
/// path of `/orderInfo/{tradeNo}`, or the answer.
fn numbers(url: &str, request: &[u8], response: Option<&[u8]>) -> (Option<String>, Option<String>) {
    let field = |bytes: &[u8], name: &str| {
        serde_json::from_slice::<Value>(bytes).ok().and_then(|v| {
            v.get(name)
                .or_else(|| v.get("data").and_then(|d| d.get(name)))
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
    };
    let query = |name: &str| {
        url.split_once('?').and_then(|(_, q)| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
                .filter(|v| !v.is_empty())
        })
    };
    let path_trade = url
        .split('?')
        .next()
        .and_then(|p| p.split_once("/orderInfo/"))
        .map(|(_, t)| t.to_owned());
    let order_no = field(request, "orderNo")
        .or_else(|| query("orderNo"))
        .or_else(|| response.and_then(|r| field(r, "orderNo")));
    let trade_no = field(request, "tradeNo")
        .or_else(|| query("tradeNo"))
        .or(path_trade)
        .or_else(|| response.and_then(|r| field(r, "tradeNo")));
    (order_no, trade_no)
}

/// A row of the log.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = gateway_calls, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the gateway_calls columns")]
pub struct Call {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub method: String,
    pub endpoint: String,
    pub url: String,
    pub request_headers: String,
    pub request_body: String,
    pub status: Option<i64>,
    pub response_body: Option<String>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub order_no: Option<String>,
    pub trade_no: Option<String>,
}

impl Call {
    /// The request headers as (name, value) pairs.
    pub fn headers(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.request_headers).unwrap_or_default()
    }
}

/// The row an exchange is logged as.
pub fn row_of(exchange: &asiabill::Exchange<'_>) -> Call {
    let headers: Vec<(&str, &str)> = exchange
        .request_headers
        .iter()
        .map(|(n, v)| (*n, v.as_str()))
        .collect();
    let (order_no, trade_no) = numbers(exchange.url, exchange.request_body, exchange.response_body);
    Call {
        id: 0,
        created_at: now(),
        method: exchange.method.to_owned(),
        endpoint: endpoint_of(exchange.url),
        url: exchange.url.to_owned(),
        request_headers: serde_json::to_string(&headers).unwrap_or_default(),
        request_body: body_text(exchange.request_body),
        status: exchange.status.map(i64::from),
        response_body: exchange.response_body.map(body_text),
        error: exchange.error.map(ToString::to_string),
        duration_ms: i64::try_from(exchange.duration.as_millis()).unwrap_or(i64::MAX),
        order_no,
        trade_no,
    }
}

/// Writes each exchange of the client it observes to the log.
#[derive(Clone)]
pub struct Recorder {
    db: Db,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Recorder")
    }
}

impl Recorder {
    /// A recorder writing to `db`.
    pub fn new(db: Db) -> Arc<Self> {
        Arc::new(Recorder { db })
    }
}

impl asiabill::Observer for Recorder {
    fn exchanged(&self, exchange: &asiabill::Exchange<'_>) {
        let row = row_of(exchange);
        let db = self.db.clone();
        // Outside a runtime (never in the shop) the row is dropped rather than block a caller.
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        runtime.spawn(async move {
            let written = db
                .run(move |conn| {
                    diesel::insert_into(gateway_calls::table)
                        .values(&row)
                        .execute(conn)
                        .map_err(DbError::from)
                })
                .await;
            if let Err(e) = written {
                tracing::warn!(error = %e, "could not write an AsiaBill call to the API log");
            }
        });
    }
}

/// One page of the log, newest first, and how many rows match: all, or those of one order
/// (its attempts' `orderNo`s are the order number and a sequence) or one `tradeNo`.
pub fn page(
    conn: &mut DbConnection,
    filter: Option<&str>,
    page: i64,
) -> Result<(Vec<Call>, i64), DbError> {
    // Calls about a payment after it was made (refund, logistics, capture, void) name only its
    // `tradeNo`; an order number finds them through its attempts' trade numbers.
    let trade_nos: Vec<String> = match filter {
        Some(f) => payment_attempts::table
            .filter(
                payment_attempts::gateway_order_no
                    .eq(f.to_owned())
                    .or(payment_attempts::gateway_order_no.like(format!("{f}-%"))),
            )
            .filter(payment_attempts::trade_no.is_not_null())
            .select(payment_attempts::trade_no.assume_not_null())
            .load(conn)?,
        None => Vec::new(),
    };
    let filtered = || {
        let mut q = gateway_calls::table.into_boxed();
        if let Some(f) = filter {
            q = q.filter(
                gateway_calls::order_no
                    .eq(f.to_owned())
                    .or(gateway_calls::order_no.like(format!("{f}-%")))
                    .or(gateway_calls::trade_no.eq(f.to_owned()))
                    .or(gateway_calls::trade_no.eq_any(trade_nos.clone())),
            );
        }
        q
    };
    let rows = filtered()
        .order(gateway_calls::id.desc())
        .offset((page.max(1) - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .select(Call::as_select())
        .load(conn)?;
    let total = filtered().count().get_result(conn)?;
    Ok((rows, total))
}

/// Row `id`.
pub fn one(conn: &mut DbConnection, id: i64) -> Result<Option<Call>, DbError> {
    Ok(gateway_calls::table
        .find(id)
        .select(Call::as_select())
        .first(conn)
        .optional()?)
}

/// Deletes the rows older than `days` days (none kept when `days` is 0).
pub fn purge(conn: &mut DbConnection, days: u64, at: NaiveDateTime) -> Result<usize, DbError> {
    let keep = TimeDelta::days(i64::try_from(days).unwrap_or(i64::MAX / 86_400));
    Ok(
        diesel::delete(gateway_calls::table.filter(gateway_calls::created_at.lt(at - keep)))
            .execute(conn)?,
    )
}

/// Queues the next daily purge (one per day, however many instances ask).
pub fn schedule_purge(conn: &mut DbConnection, at: NaiveDateTime) -> Result<(), DbError> {
    const DAY: Duration = Duration::from_secs(24 * 60 * 60);
    let secs = i64::try_from(DAY.as_secs()).unwrap_or(i64::MAX);
    let bucket = at.and_utc().timestamp() / secs + 1;
    let run_at = chrono::DateTime::from_timestamp(bucket * secs, 0).map_or(at, |t| t.naive_utc());
    jobs::enqueue(
        conn,
        &NewJob::new(PURGE_JOB, serde_json::json!({ "day": bucket }))
            .dedupe(format!("{PURGE_JOB}:{bucket}"))
            .run_at(run_at)
            .max_attempts(3),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_masked_at_any_depth_and_the_rest_kept() {
        let body = serde_json::json!({
            "orderNo": "A10001-1",
            "customerIp": "203.0.113.7",
            "billingAddress": { "email": "ana@example.com", "firstName": "Ana", "city": "Portland" },
            "goodsDetails": [{ "goodsTitle": "Kettle", "goodsPrice": "45.00" }],
            "card": { "cardNo": "4242424242424242", "cardSecurityCode": "123" }
        });
        let text = masked(body).to_string();
        for secret in [
            "203.0.113.7",
            "ana@example.com",
            "Portland",
            "4242424242424242",
            "\"123\"",
        ] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        for kept in ["A10001-1", "Kettle", "45.00", "a***", "A***", "••••4242"] {
            assert!(text.contains(kept), "{kept} missing from {text}");
        }
    }

    #[test]
    fn the_endpoint_and_the_numbers_are_read_from_the_exchange() {
        let url = "http://127.0.0.1:8081/V2022-03/transactions?orderNo=A10001-1&startTime=x";
        assert_eq!(endpoint_of(url), "transactions");
        assert_eq!(numbers(url, b"", None).0.as_deref(), Some("A10001-1"));
        let info = "http://h/openApi/V2022-03/orderInfo/2026120700000000000001";
        assert_eq!(endpoint_of(info), "orderInfo/2026120700000000000001");
        assert_eq!(
            numbers(info, b"", None).1.as_deref(),
            Some("2026120700000000000001")
        );
        let answer = br#"{"code":"00000","data":{"orderNo":"A1-2","tradeNo":"T9"}}"#;
        assert_eq!(
            numbers("http://h/V2022-03/confirmCharge", b"{}", Some(answer)),
            (Some("A1-2".into()), Some("T9".into()))
        );
    }
}
