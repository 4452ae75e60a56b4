//! `POST /refund` (section 6.3) and `GET /refund/{batchNo}` (section 6.4).
//!
//! A refund is accepted at once (`00000` with `data.batchNo`, `refundStatus` `pending`) and
//! settled after the configured delay with a `refund.success` webhook, or `refund.fail` when
//! `refundReason` is `FAIL` (a simulator convention). A local method's refund rule is
//! enforced first (see [`crate::local`]): giropay and KakaoPay refund only in full,
//! paysafecard not at all.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::local::RefundRule;
use crate::state::{Refund, RefundStatus, Transaction};
use crate::webhooks::{NOTICE_DATE, RefundData, event_body};
use crate::wire::{max_len, optional_len, parse_amount, require};

/// The refund reason that makes a refund fail.
pub(crate) const FAILING_REASON: &str = "FAIL";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ApplyRefund {
    trade_no: String,
    refund_type: String,
    refund_amount: String,
    refund_reason: String,
    mer_track_no: Option<String>,
    remark: Option<String>,
}

/// A refund as the API shows it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RefundView {
    batch_no: String,
    trade_no: String,
    mer_track_no: String,
    amount: String,
    currency: String,
    refund_type: String,
    refund_reason: String,
    refund_status: String,
    apply_date: String,
}

impl From<&Refund> for RefundView {
    fn from(r: &Refund) -> Self {
        RefundView {
            batch_no: r.batch_no.clone(),
            trade_no: r.trade_no.clone(),
            mer_track_no: r.mer_track_no.clone(),
            amount: r.amount.to_gateway_string(),
            currency: r.amount.currency().code().to_owned(),
            refund_type: r.refund_type.clone(),
            refund_reason: r.reason.clone(),
            refund_status: r.status.as_str().to_owned(),
            apply_date: r.created_at.format(NOTICE_DATE).to_string(),
        }
    }
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let r: ApplyRefund = call.json()?;
        require(&r.trade_no, "tradeNo")?;
        require(&r.refund_type, "refundType")?;
        require(&r.refund_reason, "refundReason")?;
        max_len(&r.refund_reason, "refundReason", 500)?;
        optional_len(r.mer_track_no.as_deref(), "merTrackNo", 64)?;
        optional_len(r.remark.as_deref(), "remark", 500)?;
        if r.refund_type != "1" && r.refund_type != "2" {
            return Err(Rejection::new(
                codes::BAD_REFUND_TYPE,
                "refundType must be 1 (full) or 2 (partial)",
            ));
        }
        let sandbox = call.sandbox;
        let refund = {
            let mut state = sandbox.state();
            let tx = state
                .transaction(&call.account.gateway_no, &r.trade_no)
                .ok_or_else(|| {
                    Rejection::new(codes::NO_RECORD, format!("no transaction {}", r.trade_no))
                })?;
            let amount = parse_amount(&r.refund_amount, tx.amount.currency(), "refundAmount")?;
            let captured = tx.captured_minor();
            if captured == 0 {
                return Err(Rejection::new(
                    codes::NOT_REFUNDABLE,
                    format!(
                        "transaction {} is not paid or not captured (status {}, authStatus {})",
                        tx.trade_no,
                        tx.status.as_str(),
                        tx.auth_status.as_str()
                    ),
                ));
            }
            check_method_rule(tx, &r.refund_type, amount.minor())?;
            let refundable =
                captured - tx.refunded_minor - state.pending_refunds_minor(&tx.trade_no);
            let currency = tx.amount.currency();
            let shown = |minor| asiabill::currency::Money::new(minor, currency).to_gateway_string();
            if amount.minor() > refundable {
                return Err(Rejection::new(
                    codes::EXCEEDS_REFUNDABLE,
                    format!(
                        "refundAmount {} exceeds the refundable amount {}",
                        r.refund_amount,
                        shown(refundable)
                    ),
                ));
            }
            if r.refund_type == "1" && amount.minor() != refundable {
                return Err(Rejection::new(
                    codes::REFUND_TYPE_MISMATCH,
                    format!(
                        "a full refund must be the whole refundable amount {}",
                        shown(refundable)
                    ),
                ));
            }
            let refund = Refund {
                batch_no: state.batch_no(),
                trade_no: r.trade_no.clone(),
                gateway_no: call.account.gateway_no.clone(),
                mer_track_no: r.mer_track_no.clone().unwrap_or_default(),
                amount,
                refund_type: r.refund_type.clone(),
                reason: r.refund_reason.clone(),
                remark: r.remark.clone().unwrap_or_default(),
                status: RefundStatus::Pending,
                created_at: Utc::now(),
            };
            state.refunds.push(refund.clone());
            refund
        };
        let view = RefundView::from(&refund);
        let later = sandbox.clone();
        let wait = sandbox
            .config()
            .scaled(sandbox.config().refund_settle_delay);
        sandbox.spawn(async move {
            tokio::time::sleep(wait).await;
            later.settle_refund(&refund.batch_no);
        });
        Ok(view)
    })
    .await
}

/// Refuses a refund that the method of `tx` does not take: any refund of a method without
/// refunds, and anything but one refund of the whole amount of a method refunded only in full.
fn check_method_rule(tx: &Transaction, refund_type: &str, minor: i64) -> Result<(), Rejection> {
    let Some(method) = tx.local_method() else {
        return Ok(());
    };
    match method.refunds {
        RefundRule::Partial => Ok(()),
        RefundRule::NoRefunds => Err(Rejection::new(
            codes::METHOD_TAKES_NO_REFUNDS,
            format!(
                "{} payments cannot be refunded: the method takes no refunds",
                method.name
            ),
        )),
        RefundRule::FullOnly if refund_type != "1" || minor != tx.captured_minor() => {
            Err(Rejection::new(
                codes::PARTIAL_REFUND_NOT_SUPPORTED,
                format!(
                    "{} payments are refunded only in full: refundType 1 with refundAmount {}",
                    method.name,
                    tx.amount.to_gateway_string()
                ),
            ))
        }
        RefundRule::FullOnly => Ok(()),
    }
}

pub(crate) async fn get(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let batch_no = call.path("batchNo");
        let state = call.sandbox.state();
        state
            .refunds
            .iter()
            .find(|r| r.batch_no == batch_no && r.gateway_no == call.account.gateway_no)
            .map(RefundView::from)
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, format!("no refund batch {batch_no}")))
    })
    .await
}

impl Sandbox {
    /// Settles a pending refund: success, or failure when its reason is `FAIL`; then its webhook.
    pub(crate) fn settle_refund(&self, batch_no: &str) {
        let event = {
            let mut state = self.state();
            let Some(i) = state
                .refunds
                .iter()
                .position(|r| r.batch_no == batch_no && r.status == RefundStatus::Pending)
            else {
                return;
            };
            let fails = state.refunds[i].reason.trim() == FAILING_REASON;
            state.refunds[i].status = if fails {
                RefundStatus::Fail
            } else {
                RefundStatus::Success
            };
            let refund = state.refunds[i].clone();
            let Some(tx) = state.transaction_mut(&refund.trade_no) else {
                return;
            };
            if !fails {
                tx.refunded_minor += refund.amount.minor();
            }
            let event_type = if fails {
                "refund.fail"
            } else {
                "refund.success"
            };
            let data = RefundData {
                reason: refund.reason.clone(),
                amount: refund.amount.to_gateway_string(),
                batch_no: refund.batch_no.clone(),
                mer_track_no: refund.mer_track_no.clone(),
                order_amount: tx.amount.to_gateway_string(),
                order_no: tx.order_no.clone(),
                trade_no: tx.trade_no.clone(),
                order_currency: tx.amount.currency().code().to_owned(),
                notice_date: Utc::now().format(NOTICE_DATE).to_string(),
                currency: refund.amount.currency().code().to_owned(),
            };
            let tx = tx.clone();
            self.event(&tx, event_type, event_body(event_type, &data))
        };
        self.emit(event);
    }
}
