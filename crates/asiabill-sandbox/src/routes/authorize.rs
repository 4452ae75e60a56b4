//! `POST /AuthorizeInterface` (section 5.8): capture (`authType=1`) or void (`authType=2`) of an
//! open authorization; webhook `pre-authorized.captured` or `pre-authorized.void`.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::state::{AuthStatus, OrderStatus};
use crate::webhooks::{PreAuthData, event_body};
use crate::wire::{max_len, optional_len, require};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Authorize {
    auth_type: String,
    trade_no: String,
    operator: Option<String>,
    remark: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct AuthorizeReply {
    trade_no: String,
    order_no: String,
    order_status: String,
    order_info: String,
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let a: Authorize = call.json()?;
        require(&a.auth_type, "authType")?;
        require(&a.trade_no, "tradeNo")?;
        max_len(&a.trade_no, "tradeNo", 64)?;
        optional_len(a.operator.as_deref(), "operator", 20)?;
        optional_len(a.remark.as_deref(), "remark", 500)?;
        let (auth_status, event_type, info) = match a.auth_type.as_str() {
            "1" => (
                AuthStatus::Capture,
                "pre-authorized.captured",
                "Capture Approved",
            ),
            "2" => (AuthStatus::Void, "pre-authorized.void", "Void Approved"),
            _ => {
                return Err(Rejection::new(
                    codes::BAD_AUTH_TYPE,
                    "authType must be 1 (capture) or 2 (void)",
                ));
            }
        };
        let sandbox = call.sandbox;
        let (reply, event) = {
            let mut state = sandbox.state();
            let tx = state
                .transactions
                .iter_mut()
                .find(|t| t.trade_no == a.trade_no && t.gateway_no == call.account.gateway_no)
                .ok_or_else(|| {
                    Rejection::new(codes::NO_RECORD, format!("no transaction {}", a.trade_no))
                })?;
            if tx.status != OrderStatus::Success || tx.auth_status != AuthStatus::Pending {
                return Err(Rejection::new(
                    codes::NOT_OPEN_AUTHORIZATION,
                    format!(
                        "transaction {} is not an open authorization (status {}, authStatus {})",
                        tx.trade_no,
                        tx.status.as_str(),
                        tx.auth_status.as_str()
                    ),
                ));
            }
            tx.auth_status = auth_status;
            let data = PreAuthData {
                order_amount: tx.amount.to_gateway_string(),
                order_no: tx.order_no.clone(),
                trade_no: tx.trade_no.clone(),
                order_currency: tx.amount.currency().code().to_owned(),
                order_status: "success".to_owned(),
                operation_result: "Success".to_owned(),
            };
            let event = sandbox.event(tx, event_type, event_body(event_type, &data));
            let reply = AuthorizeReply {
                trade_no: tx.trade_no.clone(),
                order_no: tx.order_no.clone(),
                order_status: "success".to_owned(),
                order_info: info.to_owned(),
            };
            (reply, event)
        };
        sandbox.emit(event);
        Ok(reply)
    })
    .await
}
