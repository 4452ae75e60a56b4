//! `GET /chargebacks` (section 6.6), and raising one from code or the console.

use actix_web::{HttpRequest, HttpResponse, web};
use asiabill::currency::Money;
use chrono::{Duration, Utc};
use serde::Serialize;

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::state::{Chargeback, OrderStatus};
use crate::webhooks::{ChargebackData, ChargebackInfo, NOTICE_DATE, event_body};
use crate::wire::Paged;

/// A chargeback as the API shows it: the fields of the `chargeback.success` webhook
/// (section 10.4), flattened.
#[derive(Serialize, Clone)]
#[serde(rename_all = "camelCase")]
struct ChargebackView {
    batch_no: String,
    trade_no: String,
    order_no: String,
    amount: String,
    currency: String,
    reason: String,
    cpd_date: String,
    reply_deadline: String,
    order_amount: String,
    order_currency: String,
    notice_date: String,
}

impl From<&Chargeback> for ChargebackView {
    fn from(c: &Chargeback) -> Self {
        ChargebackView {
            batch_no: c.batch_no.clone(),
            trade_no: c.trade_no.clone(),
            order_no: c.order_no.clone(),
            amount: c.amount.to_gateway_string(),
            currency: c.amount.currency().code().to_owned(),
            reason: c.reason.clone(),
            cpd_date: c.cpd_date.format(NOTICE_DATE).to_string(),
            reply_deadline: c.reply_deadline.format(NOTICE_DATE).to_string(),
            order_amount: c.order_amount.to_gateway_string(),
            order_currency: c.order_amount.currency().code().to_owned(),
            notice_date: c.notice_date.format(NOTICE_DATE).to_string(),
        }
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
            "orderNo",
            "tradeNo",
            "pageIndex",
            "pageSize",
        ])?;
        let (page_index, page_size) = super::paging(&query)?;
        let start = super::time_bound(&query, "startTime")?;
        let end = super::time_bound(&query, "endTime")?;
        let field = |k: &str| query.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
        let (trade_no, order_no) = (field("tradeNo"), field("orderNo"));
        let all: Vec<ChargebackView> = call
            .sandbox
            .state()
            .chargebacks
            .iter()
            .filter(|c| c.gateway_no == call.account.gateway_no)
            .filter(|c| super::within(c.notice_date, start, end))
            .filter(|c| trade_no.is_none_or(|n| n == c.trade_no))
            .filter(|c| order_no.is_none_or(|n| n == c.order_no))
            .map(ChargebackView::from)
            .collect();
        Ok(Paged::of(&all, page_index, page_size))
    })
    .await
}

/// The reason given when none is.
pub const DEFAULT_CHARGEBACK_REASON: &str = "D4755-Non-Receipt of Goods or Services";

impl Sandbox {
    /// Raises a chargeback on the paid transaction `trade_no` for `amount` (the whole amount
    /// when `None`), stores it and sends `chargeback.success`.
    pub fn raise_chargeback(
        &self,
        trade_no: &str,
        reason: Option<&str>,
        amount: Option<Money>,
    ) -> Result<Chargeback, Rejection> {
        let (chargeback, event) = {
            let mut state = self.state();
            let tx = state
                .transactions
                .iter()
                .find(|t| t.trade_no == trade_no)
                .cloned()
                .ok_or_else(|| {
                    Rejection::new(codes::NO_RECORD, format!("no transaction {trade_no}"))
                })?;
            if tx.status != OrderStatus::Success {
                return Err(Rejection::new(
                    codes::NOT_REFUNDABLE,
                    format!("transaction {trade_no} is not paid"),
                ));
            }
            let amount = amount.unwrap_or(tx.amount);
            if amount.currency() != tx.amount.currency()
                || amount.minor() <= 0
                || amount.minor() > tx.amount.minor()
            {
                return Err(Rejection::new(
                    codes::BAD_AMOUNT,
                    "a chargeback is at most the transaction's amount, in its currency",
                ));
            }
            let now = Utc::now();
            let chargeback = Chargeback {
                batch_no: state.batch_no(),
                trade_no: tx.trade_no.clone(),
                order_no: tx.order_no.clone(),
                gateway_no: tx.gateway_no.clone(),
                order_amount: tx.amount,
                amount,
                reason: reason.unwrap_or(DEFAULT_CHARGEBACK_REASON).to_owned(),
                cpd_date: now,
                reply_deadline: now + Duration::days(14),
                notice_date: now,
            };
            state.chargebacks.push(chargeback.clone());
            let view = ChargebackView::from(&chargeback);
            let data = ChargebackData {
                chargeback_info: ChargebackInfo {
                    reply_deadline: view.reply_deadline,
                    cpd_date: view.cpd_date,
                },
                reason: view.reason,
                amount: view.amount,
                batch_no: view.batch_no,
                order_amount: view.order_amount,
                order_no: view.order_no,
                trade_no: view.trade_no,
                order_currency: view.order_currency,
                notice_date: view.notice_date,
                currency: view.currency,
            };
            let event_type = "chargeback.success";
            let event = self.event(&tx, event_type, event_body(event_type, &data));
            (chargeback, event)
        };
        self.emit(event);
        Ok(chargeback)
    }
}
