//! Paying for an order: the payment page (`GET /orders/{token}/pay`), starting a payment
//! (`POST /orders/{token}/pay`), AsiaBill's browser return and its webhook.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use crate::{
    i18n::Lang,
    money::format_price,
    orders::{checkout::PaymentMode, status::OrderStatus, view},
    payments::{
        AttemptStatus,
        returns::{self, Returned},
        start::{self, Shopper, StartError, Started},
        webhooks::{self, Reply},
    },
    web::{
        AppError, AppState, Layout, Page, extract::client_ip::client_ip, extract::forms::CsrfForm,
        flash, layout::language_of, render::see_other,
    },
};

/// The payment page.
#[derive(Template)]
#[template(path = "orders/pay.html")]
pub struct PayPage {
    layout: Layout,
    token: String,
    number: String,
    total: String,
    lines: Vec<(String, i64, String)>,
    mode: &'static str,
    /// The `sessionToken` for the in-site fields, or `None` when AsiaBill could not give one.
    session_token: Option<String>,
    js_sdk_url: String,
    /// Billing details for `confirmPaymentMethod`, as JSON.
    billing_json: String,
    /// Why the last failed attempt failed, in the shopper's words, when one did.
    failed_reason: Option<&'static str>,
}

/// `?mode=` on the payment page.
#[derive(Deserialize)]
pub struct PayQuery {
    mode: Option<String>,
}

/// Shows the payment choices; the in-site card fields get a fresh session token each time.
pub async fn page(
    layout: Layout,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<PayQuery>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let lookup = token.clone();
    let details = state
        .db
        .run(move |conn| view::by_token(conn, &lookup))
        .await?;
    let Some(details) = details else {
        return Err(AppError::NotFound);
    };
    let order = &details.order;
    if order.status != OrderStatus::PendingPayment {
        return Ok(see_other(&format!("/orders/{token}")));
    }
    let session_token = start::session_token(&state.payments, order.id).await?;
    let currency = Currency::parse(&order.currency).unwrap_or(state.settings.currency);
    let billing = serde_json::json!({
        "address": {
            "city": order.billing_city,
            "country": order.billing_country,
            "line1": order.billing_address,
            "line2": "",
            "postalCode": order.billing_zip,
            "state": order.billing_state.clone().unwrap_or_default(),
        },
        "email": order.email,
        "firstName": order.billing_first_name,
        "lastName": order.billing_last_name,
        "phone": order.phone,
    });
    let mode = match query.mode.as_deref().map(str::parse) {
        Some(Ok(PaymentMode::Hosted)) => "hosted",
        _ => "insite",
    };
    let page = PayPage {
        token: token.clone(),
        number: order.number.clone(),
        total: format_price(order.total_minor, currency),
        lines: details
            .lines
            .iter()
            .map(|l| {
                (
                    l.name.clone(),
                    l.quantity,
                    format_price(l.line_total_minor, currency),
                )
            })
            .collect(),
        mode,
        session_token,
        js_sdk_url: state.settings.gateway.environment.js_sdk_url(),
        billing_json: billing.to_string(),
        failed_reason: details
            .attempts
            .iter()
            .filter(|a| a.status == AttemptStatus::Failed)
            .max_by_key(|a| (a.created_at, a.id))
            .map(|a| {
                layout
                    .language
                    .shopper_reason(a.gateway_message.as_deref().unwrap_or_default())
            }),
        layout,
    };
    Ok(Page::new(page).into())
}

/// The payment form: `mode=hosted`, or `mode=insite` with the SDK's `customerPaymentMethodId`.
#[derive(Deserialize)]
pub struct PayForm {
    mode: String,
    #[serde(default, rename = "customerPaymentMethodId")]
    customer_payment_method_id: String,
}

/// Starts the payment and sends the shopper where AsiaBill's answer says.
pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<PayForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let lang = language_of(&req);
    let shopper = Shopper {
        ip: client_ip(&req, &state.settings.trusted_proxies),
        user_agent: req
            .headers()
            .get("User-Agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    };
    let pay_page = format!("/orders/{token}/pay");
    let started = match form.0.mode.parse().ok() {
        Some(PaymentMode::Hosted) => start::hosted(&state.payments, token.clone(), &shopper).await,
        Some(PaymentMode::InSite) => {
            let pm = form.0.customer_payment_method_id.trim();
            if !(pm.starts_with("pm_") && pm.len() <= 64) {
                flash::push(&session, "error", lang.tr("pay.card_missing"));
                return Ok(see_other(&pay_page));
            }
            start::insite(&state.payments, token.clone(), pm, &shopper).await
        }
        None => return Err(AppError::BadRequest("unknown payment mode".to_owned())),
    };
    let started = match started {
        Ok(s) => s,
        Err(StartError::NotFound) => return Err(AppError::NotFound),
        Err(StartError::NotPayable(_)) => return Ok(see_other(&format!("/orders/{token}"))),
        Err(StartError::Db(e)) => return Err(e.into()),
    };
    Ok(match started {
        Started::Redirect(url) => see_other(&url),
        Started::Done => {
            flash::push(&session, "success", lang.tr("pay.succeeded"));
            see_other(&format!("/orders/{token}"))
        }
        Started::Pending => see_other(&format!("/orders/{token}")),
        Started::Declined(reason) => {
            flash::push(&session, "error", declined(lang, &reason));
            see_other(&pay_page)
        }
        Started::Refused(message) => {
            flash::push(
                &session,
                "error",
                format!("{} {message}", lang.tr("pay.refused")),
            );
            see_other(&pay_page)
        }
        Started::Unavailable => {
            flash::push(&session, "error", lang.tr("pay.unavailable"));
            see_other(&pay_page)
        }
    })
}

/// The flash after a decline: AsiaBill's reason in the shopper's words, never its raw code.
fn declined(lang: Lang, reason: &str) -> String {
    format!(
        "{} {}",
        lang.tr("pay.declined"),
        lang.shopper_reason(reason)
    )
}

/// `GET /payment/asiabill/return`.
pub async fn asiabill_return(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = language_of(&req);
    let returned = returns::handle(&state.payments, req.query_string()).await?;
    Ok(match returned {
        Returned::Paid { token } => {
            flash::push(&session, "success", lang.tr("pay.succeeded"));
            see_other(&format!("/orders/{token}"))
        }
        Returned::Failed { token, reason } => {
            flash::push(&session, "error", declined(lang, &reason));
            see_other(&format!("/orders/{token}/pay"))
        }
        Returned::Pending { token } => see_other(&format!("/orders/{token}")),
        Returned::Rejected(why) => {
            tracing::warn!(why, "returnUrl rejected; nothing changed");
            return Err(AppError::BadRequest(why.to_string()));
        }
    })
}

/// `POST /payment/asiabill/webhook`: answers `success` only once the event is stored and
/// applied (or flagged).
pub async fn asiabill_webhook(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> HttpResponse {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    match webhooks::receive(&state.payments, headers, body.to_vec()).await {
        Reply::Success => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body(asiabill::webhook::ACKNOWLEDGEMENT),
        Reply::Unauthorized => HttpResponse::Unauthorized()
            .json(serde_json::json!({ "error": "webhook signature, gateway or time refused" })),
        Reply::Retry => HttpResponse::ServiceUnavailable()
            .json(serde_json::json!({ "error": "not stored or not applied; retry" })),
    }
}
