//! `POST /logistics` and `GET /logistics/{tradeNo}` (section 6.5): tracking uploads.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::state::Logistics;
use crate::wire::{max_len, non_blank, optional_len, require};

/// The `logisticsStatus` values AsiaBill reports.
pub const LOGISTICS_STATUSES: [&str; 10] = [
    "Pending",
    "NotFound",
    "InfoReceived",
    "InTransit",
    "ArrivedDelivery",
    "Delivering",
    "Delivered",
    "Exception",
    "DeliveryFailure",
    "Return",
];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Upload {
    tracking_no: String,
    tracking_web: String,
    lc_code: Option<String>,
    trade_no: Option<String>,
    order_no: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct UploadReply {
    trade_no: String,
    status: String,
    description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogisticsView {
    trade_no: String,
    tracking_no: String,
    tracking_web: String,
    tb_lc_code: String,
    logistics_status: String,
}

fn length_between(value: &str, field: &str, min: usize, max: usize) -> Result<(), Rejection> {
    require(value, field)?;
    if value.chars().count() < min {
        return Err(Rejection::new(
            codes::BAD_FIELD,
            format!("{field} must be at least {min} characters"),
        ));
    }
    max_len(value, field, max)
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let u: Upload = call.json()?;
        length_between(&u.tracking_no, "trackingNo", 2, 50)?;
        length_between(&u.tracking_web, "trackingWeb", 2, 200)?;
        optional_len(u.lc_code.as_deref(), "lcCode", 50)?;
        optional_len(u.trade_no.as_deref(), "tradeNo", 64)?;
        optional_len(u.order_no.as_deref(), "orderNo", 64)?;
        let trade_no = non_blank(u.trade_no.as_ref());
        let order_no = non_blank(u.order_no.as_ref());
        if trade_no.is_none() && order_no.is_none() {
            return Err(Rejection::new(
                codes::NO_TRANSACTION_REFERENCE,
                "tradeNo or orderNo is required",
            ));
        }
        let gateway_no = &call.account.gateway_no;
        let mut state = call.sandbox.state();
        // By orderNo, the paid transaction of that order (the latest if several).
        let tx = state
            .transactions
            .iter()
            .rev()
            .filter(|t| &t.gateway_no == gateway_no)
            .filter(|t| trade_no.as_ref().is_none_or(|n| *n == t.trade_no))
            .filter(|t| order_no.as_ref().is_none_or(|n| *n == t.order_no))
            .find(|t| trade_no.is_some() || t.is_paid())
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, "no such transaction"))?;
        let record = Logistics {
            trade_no: tx.trade_no.clone(),
            gateway_no: gateway_no.clone(),
            tracking_no: u.tracking_no.trim().to_owned(),
            tracking_web: u.tracking_web.trim().to_owned(),
            lc_code: u.lc_code.unwrap_or_default(),
            status: "Pending".to_owned(),
            uploaded_at: Utc::now(),
        };
        let reply = UploadReply {
            trade_no: record.trade_no.clone(),
            status: "success".to_owned(),
            description: "uploadSuccess".to_owned(),
        };
        state.logistics.retain(|l| l.trade_no != record.trade_no);
        state.logistics.push(record);
        Ok(reply)
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
        state
            .logistics
            .iter()
            .find(|l| l.trade_no == trade_no && l.gateway_no == call.account.gateway_no)
            .map(|l| LogisticsView {
                trade_no: l.trade_no.clone(),
                tracking_no: l.tracking_no.clone(),
                tracking_web: l.tracking_web.clone(),
                tb_lc_code: l.lc_code.clone(),
                logistics_status: l.status.clone(),
            })
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, format!("no logistics for {trade_no}")))
    })
    .await
}

impl Sandbox {
    /// Moves an uploaded shipment to `status` (one of [`LOGISTICS_STATUSES`]), as the carrier
    /// would.
    pub fn set_logistics_status(&self, trade_no: &str, status: &str) -> Result<(), Rejection> {
        if !LOGISTICS_STATUSES.contains(&status) {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                format!("{status} is not a logistics status"),
            ));
        }
        let mut state = self.state();
        let record = state
            .logistics
            .iter_mut()
            .find(|l| l.trade_no == trade_no)
            .ok_or_else(|| {
                Rejection::new(codes::NO_RECORD, format!("no logistics for {trade_no}"))
            })?;
        status.clone_into(&mut record.status);
        Ok(())
    }
}
