//! What every API endpoint does around its own work: injected faults, authentication, the
//! envelope, the signed reply headers and the request log.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};
use asiabill::signing::{SignedParts, hmac_hex};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Sandbox;
use crate::auth::{authenticate, caller_account, header, query_pairs};
use crate::config::Account;
use crate::envelope::{
    CHECKOUT_SUCCESS, Envelope, Rejection, SUCCESS, codes, fault_response, rejection_body,
};
use crate::recording::{RecordedRequest, Verdict, redact_body};

/// Which success code an endpoint answers with.
#[derive(Clone, Copy)]
pub(crate) enum Success {
    /// `00000`.
    Standard,
    /// `0000` (`/checkout/payment`).
    Checkout,
}

/// An authenticated request, as a handler sees it.
pub(crate) struct Call<'a> {
    pub sandbox: &'a Sandbox,
    pub account: &'a Account,
    pub req: &'a HttpRequest,
    pub body: &'a [u8],
}

impl Call<'_> {
    /// The body read as `T`; a missing required field, an unknown field or a wrong type is a
    /// rejection with its own code.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Rejection> {
        parse_json(self.body)
    }

    /// The URL-decoded query; a key outside `allowed` is refused.
    pub fn query(&self, allowed: &[&str]) -> Result<HashMap<String, String>, Rejection> {
        let mut out = HashMap::new();
        for (k, v) in query_pairs(self.req) {
            if !allowed.contains(&k.as_str()) {
                return Err(Rejection::new(
                    codes::MALFORMED,
                    format!("unknown query parameter {k}"),
                ));
            }
            out.insert(k, v);
        }
        Ok(out)
    }

    /// The value of the path placeholder `name`.
    pub fn path(&self, name: &str) -> String {
        self.req
            .match_info()
            .get(name)
            .unwrap_or_default()
            .to_owned()
    }

    /// The simulator's own base URL as the caller reached it, e.g. `http://127.0.0.1:8081`.
    pub fn base_url(&self) -> String {
        base_url(self.req)
    }
}

/// The simulator's own base URL (its origin) as `req` reached it, e.g. `http://127.0.0.1:8081`.
pub(crate) fn base_url(req: &HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// `body` read as `T`; a missing required field, an unknown field or a wrong type is a
/// rejection with its own code.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(body).map_err(|e| {
        let text = e.to_string();
        let field = text.split('`').nth(1).unwrap_or_default();
        if text.starts_with("missing field") {
            Rejection::missing(field)
        } else if text.starts_with("unknown field") {
            Rejection::new(codes::MALFORMED, format!("unknown field {field}"))
        } else {
            Rejection::new(codes::MALFORMED, format!("body is not acceptable: {text}"))
        }
    })
}

/// Answers one API request: applies the faults in force, authenticates it, runs `work`, wraps
/// the result in the envelope, signs the reply and records the exchange.
pub(crate) async fn run<T, F>(
    req: HttpRequest,
    body: web::Bytes,
    sandbox: web::Data<Sandbox>,
    success: Success,
    work: F,
) -> HttpResponse
where
    T: Serialize,
    F: FnOnce(&Call<'_>) -> Result<T, Rejection>,
{
    let faults = sandbox.faults();
    if !faults.api_latency.is_zero() {
        tokio::time::sleep(faults.api_latency).await;
    }
    if crate::ids::chance(faults.server_error_rate) {
        sandbox.record(record(&req, &body, Verdict::Fault { status: 500 }));
        return fault_response();
    }

    let (reply, verdict) = match authenticate(&sandbox, &req, &body) {
        Ok(account) => {
            let call = Call {
                sandbox: &sandbox,
                account: &account,
                req: &req,
                body: &body,
            };
            match work(&call) {
                Ok(data) => {
                    let code = match success {
                        Success::Standard => SUCCESS,
                        Success::Checkout => CHECKOUT_SUCCESS,
                    };
                    let envelope = Envelope {
                        code,
                        message: "success".to_owned(),
                        data: Some(data),
                    };
                    (
                        envelope.to_bytes(),
                        Verdict::Accepted {
                            code: code.to_owned(),
                        },
                    )
                }
                Err(rejection) => rejected(rejection),
            }
        }
        Err(rejection) => rejected(rejection),
    };
    if let Verdict::Rejected { code, message } = &verdict {
        tracing::debug!(path = req.path(), code, message, "sandbox request rejected");
    }
    sandbox.record(record(&req, &body, verdict));
    respond(&sandbox, &req, reply)
}

fn rejected(rejection: Rejection) -> (Vec<u8>, Verdict) {
    (
        rejection_body(&rejection),
        Verdict::Rejected {
            code: rejection.code.to_owned(),
            message: rejection.message,
        },
    )
}

/// The reply with AsiaBill's response headers; `sign-info` is the uppercase HMAC of
/// `gateway-no + response-id + response-time . body` (section 4.5), sent when the gateway is known.
fn respond(sandbox: &Sandbox, req: &HttpRequest, body: Vec<u8>) -> HttpResponse {
    let mut reply = HttpResponse::Ok();
    reply.content_type("application/json;charset=UTF-8");
    if let Some(account) = caller_account(sandbox, req) {
        let response_id = header(req, "request-id").unwrap_or_default().to_owned();
        let response_time = crate::ids::now_ms().to_string();
        let parts = SignedParts {
            header: SignedParts::header(&account.gateway_no, &response_id, &response_time, None),
            body: &body,
            ..Default::default()
        };
        let sign = hmac_hex(&account.sign_key, &parts.message()).to_ascii_uppercase();
        reply
            .insert_header(("gateway-no", account.gateway_no.as_str()))
            .insert_header(("response-id", response_id))
            .insert_header(("response-time", response_time))
            .insert_header(("sign-info", sign));
    }
    reply.body(body)
}

fn record(req: &HttpRequest, body: &[u8], verdict: Verdict) -> RecordedRequest {
    RecordedRequest {
        at: chrono::Utc::now(),
        method: req.method().to_string(),
        path: req.path().to_owned(),
        query: req.query_string().to_owned(),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: redact_body(body),
        verdict,
    }
}
