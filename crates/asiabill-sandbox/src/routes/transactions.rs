//! `GET /transactions` (section 6.1) and `GET /orderInfo/{tradeNo}` (section 6.2, answered
//! with one item of the list's shape).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::state::{Logistics, Transaction};
use crate::wire::Paged;

/// `goods` of an item: the first `goodsDetails` line (the documented shape is one object).
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct GoodsView {
    goods_name: String,
    goods_num: String,
    goods_price: String,
}

/// `logistics` of an item.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct LogisticsView {
    lc_code: String,
    tracking_no: String,
    tracking_web: String,
    logistics_status: String,
}

/// One transaction as the OpenAPI shows it; `tradeAmount` is a number (section 6.1). The
/// documented item has no payment method; `paymentMethod` (the request field's name) is the
/// simulator's addition, since the docs are silent.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct TransactionView {
    order_no: String,
    trade_no: String,
    trade_date: String,
    trade_amount: f64,
    trade_currency: String,
    source_web_site: String,
    auth_status: String,
    is_upload_receipt: String,
    is_upload_goods: String,
    trade_status: String,
    trade_info: String,
    payment_method: String,
    goods: Option<GoodsView>,
    logistics: Option<LogisticsView>,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn view(tx: &Transaction, logistics: Option<&Logistics>) -> TransactionView {
    let scale = 10_f64.powi(i32::from(tx.amount.currency().decimals()));
    // Amounts are at most 16 characters, well inside f64's exact integer range.
    #[expect(clippy::cast_precision_loss, reason = "amounts are far below 2^53")]
    let trade_amount = tx.amount.minor() as f64 / scale;
    TransactionView {
        order_no: tx.order_no.clone(),
        trade_no: tx.trade_no.clone(),
        trade_date: tx.created_at.format(super::TRADE_DATE).to_string(),
        trade_amount,
        trade_currency: tx.amount.currency().code().to_owned(),
        source_web_site: tx.web_site.clone().unwrap_or_default(),
        auth_status: tx.auth_status.as_str().to_owned(),
        is_upload_receipt: yes_no(logistics.is_some()),
        is_upload_goods: yes_no(!tx.goods.is_empty()),
        trade_status: tx.status.as_str().to_owned(),
        trade_info: tx.order_info.clone(),
        payment_method: tx.payment_method_word().to_owned(),
        goods: tx.goods.first().map(|g| GoodsView {
            goods_name: g.goods_title.clone(),
            goods_num: g.goods_count.clone(),
            goods_price: g.goods_price.clone(),
        }),
        logistics: logistics.map(|l| LogisticsView {
            lc_code: l.lc_code.clone(),
            tracking_no: l.tracking_no.clone(),
            tracking_web: l.tracking_web.clone(),
            logistics_status: l.status.clone(),
        }),
    }
}

fn flag(
    query: &std::collections::HashMap<String, String>,
    key: &str,
) -> Result<Option<bool>, Rejection> {
    match query.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some("yes" | "1" | "true") => Ok(Some(true)),
        Some("no" | "0" | "false") => Ok(Some(false)),
        Some(_) => Err(Rejection::new(
            codes::BAD_FIELD,
            format!("{key} must be yes or no"),
        )),
    }
}

pub(crate) async fn list(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let query = call.query(&[
            "startTime",
            "endTime",
            "pageIndex",
            "pageSize",
            "tradeNo",
            "orderNo",
            "uploadGoodsFlag",
            "uploadLogisticsFlag",
        ])?;
        let (page_index, page_size) = super::paging(&query)?;
        let start = super::time_bound(&query, "startTime")?;
        let end = super::time_bound(&query, "endTime")?;
        let goods_flag = flag(&query, "uploadGoodsFlag")?;
        let logistics_flag = flag(&query, "uploadLogisticsFlag")?;
        let field = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let (trade_no, order_no) = (field("tradeNo"), field("orderNo"));
        let state = call.sandbox.state();
        let all: Vec<TransactionView> = state
            .transactions
            .iter()
            .filter(|t| t.gateway_no == call.account.gateway_no)
            .filter(|t| super::within(t.created_at, start, end))
            .filter(|t| trade_no.is_none_or(|n| n == t.trade_no))
            .filter(|t| order_no.is_none_or(|n| n == t.order_no))
            .map(|t| view(t, state.logistics.iter().find(|l| l.trade_no == t.trade_no)))
            .filter(|v| goods_flag.is_none_or(|f| (v.is_upload_goods == "yes") == f))
            .filter(|v| logistics_flag.is_none_or(|f| (v.is_upload_receipt == "yes") == f))
            .collect();
        Ok(Paged::of(&all, page_index, page_size))
    })
    .await
}

pub(crate) async fn get(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let trade_no = call.path("tradeNo");
        let state = call.sandbox.state();
        let tx = state
            .transaction(&call.account.gateway_no, &trade_no)
            .ok_or_else(|| {
                Rejection::new(codes::NO_RECORD, format!("no transaction {trade_no}"))
            })?;
        Ok(view(
            tx,
            state.logistics.iter().find(|l| l.trade_no == tx.trade_no),
        ))
    })
    .await
}
