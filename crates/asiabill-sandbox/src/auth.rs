//! The checks every API request passes before it is processed (sections 4.1–4.3): a known
//! `gateway-no`, a `request-id` not seen in the last 30 minutes, a `request-time` within 10
//! minutes, and a `sign-info` that is the HMAC of `header . path . query . body` over the raw
//! body bytes.

use actix_web::HttpRequest;
use asiabill::signing::{SignedParts, verify_hex};

use crate::Sandbox;
use crate::config::Account;
use crate::envelope::{Rejection, codes};

/// A request header's trimmed value, if present and not empty.
pub(crate) fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The query as URL-decoded `(key, value)` pairs, in the order sent.
pub(crate) fn query_pairs(req: &HttpRequest) -> Vec<(String, String)> {
    form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The values of the URL path placeholders (`{customerId}` …) of the matched route.
fn path_values(req: &HttpRequest) -> Vec<String> {
    req.match_info().iter().map(|(_, v)| v.to_owned()).collect()
}

/// The account of the `gateway-no` header, if it names one.
pub(crate) fn caller_account(sandbox: &Sandbox, req: &HttpRequest) -> Option<Account> {
    header(req, "gateway-no").and_then(|g| sandbox.config().account(g).cloned())
}

/// Runs every check and returns the calling account, or why the request is refused.
pub(crate) fn authenticate(
    sandbox: &Sandbox,
    req: &HttpRequest,
    body: &[u8],
) -> Result<Account, Rejection> {
    let gateway_no = header(req, "gateway-no")
        .ok_or_else(|| Rejection::new(codes::UNKNOWN_GATEWAY, "gateway-no header is missing"))?;
    let account = sandbox
        .config()
        .account(gateway_no)
        .cloned()
        .ok_or_else(|| {
            Rejection::new(
                codes::UNKNOWN_GATEWAY,
                format!("gateway-no {gateway_no} is not a known gateway"),
            )
        })?;

    let request_id = header(req, "request-id")
        .ok_or_else(|| Rejection::new(codes::BAD_REQUEST_ID, "request-id header is missing"))?;
    if request_id.len() > 64 {
        return Err(Rejection::new(
            codes::BAD_REQUEST_ID,
            "request-id must be at most 64 characters",
        ));
    }

    let request_time = header(req, "request-time")
        .ok_or_else(|| Rejection::new(codes::BAD_REQUEST_TIME, "request-time header is missing"))?;
    let sent_ms: i64 = request_time
        .parse()
        .ok()
        .filter(|_| request_time.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| {
            Rejection::new(
                codes::BAD_REQUEST_TIME,
                "request-time must be epoch milliseconds",
            )
        })?;
    let tolerance_ms =
        i64::try_from(sandbox.config().request_time_tolerance.as_millis()).unwrap_or(i64::MAX);
    if crate::ids::now_ms().abs_diff(sent_ms) > tolerance_ms.unsigned_abs() {
        return Err(Rejection::new(
            codes::BAD_REQUEST_TIME,
            "request-time is more than 10 minutes away from the gateway's clock",
        ));
    }

    let sign_info = header(req, "sign-info")
        .ok_or_else(|| Rejection::new(codes::BAD_SIGNATURE, "sign-info header is missing"))?;
    let parts = SignedParts {
        header: SignedParts::header(gateway_no, request_id, request_time, None),
        path: SignedParts::path(&path_values(req)),
        query: SignedParts::query(&query_pairs(req)),
        body,
    };
    if !verify_hex(&account.sign_key, &parts.message(), sign_info) {
        return Err(Rejection::new(
            codes::BAD_SIGNATURE,
            "sign-info is not the signature of this request",
        ));
    }

    if !sandbox.remember_request_id(gateway_no, request_id) {
        return Err(Rejection::new(
            codes::REPEATED_REQUEST_ID,
            "request-id was already used within the last 30 minutes",
        ));
    }
    Ok(account)
}
