//! The server side of the JS SDK stand-in (section 12): the card frame the script embeds in
//! the merchant's page, and the endpoint the frame tokenises the card with. The card number
//! goes from the frame to this endpoint on the simulator's own origin; the merchant's page
//! only ever receives the `pm_…` id.
//!
//! AsiaBill's real wire protocol between its script and its servers is not public (section
//! 17); this one is the simulator's own and is described in the README.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::text::{Lang, Text};
use super::{Framing, render};
use crate::Sandbox;
use crate::api::{base_url, parse_json};
use crate::cards::CardInput;
use crate::envelope::{Rejection, codes};
use crate::routes::NewPaymentMethod;
use crate::wire::BillingDetail;

/// Where merchants load the script from, as on AsiaBill's payment hosts.
pub(crate) const SDK_PATH: &str = "/static/v3/js/AsiabillPayment.min.js";
/// The card frame: `?token=…&origin=…&mode=inner|block&lang=…`.
pub(crate) const FRAME_PATH: &str = "/static/v3/elements/card";
/// Where the card frame sends the card.
pub(crate) const PAYMENT_METHOD_PATH: &str = "/static/v3/elements/payment_method";

/// The browser SDK's success code (section 16.1).
const SDK_SUCCESS: &str = "0";

#[derive(Deserialize)]
pub(crate) struct FrameQuery {
    #[serde(default)]
    token: String,
    #[serde(default)]
    origin: String,
    #[serde(default)]
    mode: String,
}

#[derive(Template)]
#[template(path = "card_frame.html")]
struct CardFrame {
    lang: &'static str,
    t: &'static Text,
    mode: &'static str,
    parent_origin: String,
    token: String,
    /// `0` when the token is good, else the error code the script reports.
    code: &'static str,
    message: &'static str,
}

/// `GET /static/v3/elements/card`: the card inputs, framed by the page at `origin` only. An
/// unknown or expired token gives a frame that reports the error instead of card inputs.
pub(crate) async fn card_frame(
    req: HttpRequest,
    query: web::Query<FrameQuery>,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let Some(origin) = web_origin(&query.origin) else {
        return HttpResponse::BadRequest()
            .content_type("text/plain; charset=utf-8")
            .body("origin must be the http(s) origin of the page embedding the card frame");
    };
    let lang = Lang::of(&req);
    let t = lang.text();
    let valid = sandbox.session_token_gateway(&query.token).is_some();
    let page = CardFrame {
        lang: lang.code(),
        t,
        mode: if query.mode == "block" {
            "block"
        } else {
            "inner"
        },
        parent_origin: origin.clone(),
        token: query.token.clone(),
        code: if valid {
            SDK_SUCCESS
        } else {
            codes::BAD_SESSION_TOKEN
        },
        message: if valid { "" } else { t.err_session },
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::FORBIDDEN
    };
    render(status, &page, Framing::Origin(origin))
}

/// `origin` when it is an http(s) origin (scheme, host, optional port, nothing else), the only
/// shape allowed into the frame's content policy and `postMessage` target.
fn web_origin(origin: &str) -> Option<String> {
    let rest = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))?;
    let (host, port) = if rest.starts_with('[') {
        let end = rest.find(']')?;
        let after = &rest[end + 1..];
        let port = if after.is_empty() {
            None
        } else {
            Some(after.strip_prefix(':')?)
        };
        (&rest[..=end], port)
    } else {
        match rest.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !v6.is_empty()
            && v6
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        !host.is_empty()
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    (host_ok && port_ok).then(|| origin.to_owned())
}

/// What the card frame posts: the token, the card from its own inputs, and the billing
/// details and customer the merchant's page handed to `confirmPaymentMethod`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct FrameSubmission {
    token: String,
    card: CardInput,
    #[serde(default)]
    billing_detail: BillingDetail,
    #[serde(default)]
    customer_id: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created {
    customer_payment_method_id: String,
}

/// The answer in the shape `confirmPaymentMethod` resolves with under `data`.
#[derive(Serialize)]
struct Reply {
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<Created>,
}

fn reply(status: StatusCode, body: Reply) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

fn refused(status: StatusCode, rejection: Rejection) -> HttpResponse {
    reply(
        status,
        Reply {
            code: rejection.code,
            message: rejection.message,
            data: None,
        },
    )
}

/// `POST /static/v3/elements/payment_method`: tokenises the card for the gateway the session
/// token was issued to. Only the card frame calls it: a JSON body (which a page on another
/// origin cannot send without a CORS preflight, never granted) and, when the browser says
/// where the call comes from, the simulator's own origin.
pub(crate) async fn payment_method(
    req: HttpRequest,
    body: web::Bytes,
    sandbox: web::Data<Sandbox>,
) -> HttpResponse {
    let own = base_url(&req);
    let foreign = req
        .headers()
        .get(header::ORIGIN)
        .is_some_and(|o| o.as_bytes() != own.as_bytes());
    if foreign {
        return refused(
            StatusCode::FORBIDDEN,
            Rejection::new(
                codes::FOREIGN_ORIGIN,
                "only the card frame may send cards here",
            ),
        );
    }
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    if !json {
        return refused(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Rejection::new(codes::MALFORMED, "the body must be application/json"),
        );
    }
    let submission: FrameSubmission = match parse_json(&body) {
        Ok(s) => s,
        Err(rejection) => return refused(StatusCode::BAD_REQUEST, rejection),
    };
    let Some(gateway_no) = sandbox.session_token_gateway(&submission.token) else {
        return refused(
            StatusCode::UNAUTHORIZED,
            Rejection::new(
                codes::BAD_SESSION_TOKEN,
                "sessionToken is unknown or expired",
            ),
        );
    };
    let new = NewPaymentMethod {
        billing_detail: submission.billing_detail,
        card: submission.card,
        customer_id: submission.customer_id,
    };
    match sandbox.create_payment_method(&gateway_no, new) {
        Ok(id) => reply(
            StatusCode::OK,
            Reply {
                code: SDK_SUCCESS,
                message: "success".to_owned(),
                data: Some(Created {
                    customer_payment_method_id: id,
                }),
            },
        ),
        Err(rejection) => refused(StatusCode::UNPROCESSABLE_ENTITY, rejection),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_web_origins_are_accepted() {
        for good in [
            "http://127.0.0.1:8080",
            "https://shop.example",
            "http://localhost",
            "http://[::1]:3000",
            "http://[::1]",
        ] {
            assert_eq!(web_origin(good).as_deref(), Some(good), "{good}");
        }
        for bad in [
            "",
            "null",
            "file://",
            "http://",
            "http://shop.example/",
            "http://shop.example:80a",
            "https://shop.example; script-src *",
            "javascript:alert(1)",
            "http://a b",
        ] {
            assert_eq!(web_origin(bad), None, "{bad}");
        }
    }
}
