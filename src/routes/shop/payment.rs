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
        start::{self, OnFile, Shopper, StartError, Started},
        webhooks::{self, Reply},
    },
    shoppers::cards,
    web::{
        AppError, AppState, Layout, Page,
        extract::{client_ip::client_ip, forms::CsrfForm, shopper::SignedIn},
        flash,
        layout::language_of,
        render::see_other,
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
    /// The signed-in shopper's own order: the in-site form offers to save the card.
    can_save_card: bool,
    /// The account's saved cards (id, "Visa •••• 4242"), each a one-click payment.
    saved_cards: Vec<(i64, String)>,
    /// The local methods that serve this order's currency and billing country.
    methods: Vec<MethodChoice>,
    /// The method chosen at checkout, shown first.
    chosen_method: String,
}

/// A local payment method on the payment page.
pub struct MethodChoice {
    /// Its key, posted as `method`.
    pub key: &'static str,
    /// Its name in the page's language.
    pub name: &'static str,
    /// Its logo.
    pub logo: String,
}

/// The enabled local methods that serve an order in `currency` billed in `country`.
pub fn methods_for(
    state: &AppState,
    currency: &str,
    country: &str,
) -> Vec<&'static crate::payments::methods::Method> {
    state
        .settings
        .gateway
        .payment_methods
        .iter()
        .copied()
        .filter(|m| m.serves(currency, country))
        .collect()
}

/// `?mode=` (and `?method=` for a local method chosen at checkout) on the payment page.
#[derive(Deserialize)]
pub struct PayQuery {
    mode: Option<String>,
    method: Option<String>,
}

/// Shows the payment choices; the in-site card fields get a fresh session token each time.
pub async fn page(
    layout: Layout,
    state: web::Data<AppState>,
    token: web::Path<String>,
    query: web::Query<PayQuery>,
    signed_in: Option<SignedIn>,
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
    let account = signed_in
        .map(|s| s.shopper)
        .filter(|s| order.shopper_id == Some(s.id));
    let saved_cards = match &account {
        Some(shopper) => {
            let id = shopper.id;
            state
                .db
                .run(move |conn| cards::list(conn, id))
                .await?
                .into_iter()
                .map(|c| (c.id, c.label()))
                .collect()
        }
        None => Vec::new(),
    };
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
        can_save_card: account.is_some(),
        saved_cards,
        methods: methods_for(&state, &order.currency, &order.billing_country)
            .into_iter()
            .map(|m| MethodChoice {
                key: m.key,
                name: m.name(layout.language),
                logo: m.logo(),
            })
            .collect(),
        chosen_method: query.method.clone().unwrap_or_default(),
        layout,
    };
    Ok(Page::new(page).into())
}

/// The payment form: `mode=hosted`; `mode=insite` with the SDK's `customerPaymentMethodId`
/// (and `save_card=on` to keep the card); or `mode=saved` with a saved card's `card` id.
#[derive(Deserialize)]
pub struct PayForm {
    mode: String,
    #[serde(default, rename = "customerPaymentMethodId")]
    customer_payment_method_id: String,
    #[serde(default)]
    save_card: Option<String>,
    #[serde(default)]
    card: Option<i64>,
    /// A local method's key, with `mode=hosted`.
    #[serde(default)]
    method: Option<String>,
}

/// Starts the payment and sends the shopper where AsiaBill's answer says.
pub async fn submit(
    req: HttpRequest,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    signed_in: Option<SignedIn>,
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
    let form = form.0;
    if form.mode == "saved" {
        return pay_with_saved_card(
            &state, &session, lang, token, form.card, signed_in, &shopper,
        )
        .await;
    }
    let started = match form.mode.parse().ok() {
        Some(PaymentMode::Hosted) => {
            let method = match form.method.as_deref().filter(|m| !m.is_empty()) {
                None => None,
                Some(key) => match offered(&state, &token, key).await? {
                    Some(method) => Some(method),
                    None => {
                        return Err(AppError::BadRequest(format!(
                            "payment method {key} is not offered for this order"
                        )));
                    }
                },
            };
            start::hosted(&state.payments, token.clone(), &shopper, method).await
        }
        Some(PaymentMode::InSite) => {
            let pm = form.customer_payment_method_id.trim();
            if !(pm.starts_with("pm_") && pm.len() <= 64) {
                flash::push(&session, "error", lang.tr("pay.card_missing"));
                return Ok(see_other(&pay_page));
            }
            let wants_saved = form.save_card.as_deref().is_some_and(|v| !v.is_empty());
            let on_file = match signed_in.filter(|_| wants_saved) {
                Some(account) => saving(&state, &session, lang, &token, &account).await?,
                None => OnFile::default(),
            };
            start::insite(&state.payments, token.clone(), pm, &shopper, &on_file).await
        }
        None => return Err(AppError::BadRequest("unknown payment mode".to_owned())),
    };
    answer(&session, lang, &token, started)
}

/// The local method `key` when it is enabled and serves order `token`'s currency and billing
/// country.
async fn offered(
    state: &AppState,
    token: &str,
    key: &str,
) -> Result<Option<&'static crate::payments::methods::Method>, AppError> {
    let lookup = token.to_owned();
    let Some(details) = state
        .db
        .run(move |conn| view::by_token(conn, &lookup))
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let o = &details.order;
    Ok(methods_for(state, &o.currency, &o.billing_country)
        .into_iter()
        .find(|m| m.key == key))
}

/// What to do with the card when the shopper ticked "save this card": the account's AsiaBill
/// customer (created the first time) and `InitRecurring`, so that the merchant may charge the
/// card again later. Only for the account's own order; when AsiaBill cannot create the customer
/// the payment goes on without saving, and the shopper is told.
async fn saving(
    state: &AppState,
    session: &Session,
    lang: Lang,
    token: &str,
    account: &SignedIn,
) -> Result<OnFile, AppError> {
    let lookup = token.to_owned();
    let owner = state
        .db
        .run(move |conn| view::by_token(conn, &lookup))
        .await?
        .and_then(|d| d.order.shopper_id);
    if owner != Some(account.shopper.id) {
        return Ok(OnFile::default());
    }
    match cards::customer_for(&state.payments, &account.shopper).await {
        Ok(customer_id) => Ok(OnFile {
            customer_id: Some(customer_id),
            token_type: Some(asiabill::TokenType::InitRecurring),
            save_card: true,
        }),
        Err(e) => {
            tracing::warn!(error = %e, "no AsiaBill customer; the card is not saved");
            flash::push(session, "info", lang.tr("pay.card_not_saved"));
            Ok(OnFile::default())
        }
    }
}

/// One-click payment with a card saved in the signed-in shopper's account: `confirmCharge`
/// with its `customerPaymentMethodId` and the account's `customerId` (3-D Secure may still be
/// asked). A card AsiaBill no longer holds is removed from the account, and the shopper told.
async fn pay_with_saved_card(
    state: &AppState,
    session: &Session,
    lang: Lang,
    token: String,
    card_id: Option<i64>,
    signed_in: Option<SignedIn>,
    shopper: &Shopper,
) -> Result<HttpResponse, AppError> {
    let (Some(account), Some(card_id)) = (signed_in, card_id) else {
        return Err(AppError::BadRequest(
            "a saved card needs a signed-in account".into(),
        ));
    };
    let shopper_id = account.shopper.id;
    let lookup = token.clone();
    let (card, owner) = state
        .db
        .run(move |conn| {
            let card = cards::owned(conn, shopper_id, card_id)?;
            let owner = view::by_token(conn, &lookup)?.and_then(|d| d.order.shopper_id);
            Ok::<_, crate::db::DbError>((card, owner))
        })
        .await?;
    let (Some(card), Some(customer_id), true) = (
        card,
        account.shopper.asiabill_customer_id.clone(),
        owner == Some(shopper_id),
    ) else {
        return Err(AppError::NotFound);
    };
    let on_file = OnFile {
        customer_id: Some(customer_id),
        ..OnFile::default()
    };
    let started = start::insite(
        &state.payments,
        token.clone(),
        &card.payment_method_id,
        shopper,
        &on_file,
    )
    .await;
    if let Ok(Started::Refused(_)) = &started {
        let (kept, gone, _) = cards::checked_list(&state.payments, &account.shopper).await?;
        if gone.iter().any(|c| c.id == card.id) && !kept.iter().any(|c| c.id == card.id) {
            let message = lang.tr("pay.card_gone").replace("{card}", &card.label());
            flash::push(session, "error", message);
            return Ok(see_other(&format!("/orders/{token}/pay")));
        }
    }
    answer(session, lang, &token, started)
}

/// Where AsiaBill's answer sends the shopper, with the flash that explains it.
fn answer(
    session: &Session,
    lang: Lang,
    token: &str,
    started: Result<Started, StartError>,
) -> Result<HttpResponse, AppError> {
    let pay_page = format!("/orders/{token}/pay");
    let started = match started {
        Ok(s) => s,
        Err(StartError::NotFound) => return Err(AppError::NotFound),
        Err(StartError::NotPayable(_)) => return Ok(see_other(&format!("/orders/{token}"))),
        Err(StartError::Db(e)) => return Err(e.into()),
    };
    Ok(match started {
        Started::Redirect(url) => see_other(&url),
        Started::Done => {
            flash::push(session, "success", lang.tr("pay.succeeded"));
            see_other(&format!("/orders/{token}"))
        }
        Started::Pending => see_other(&format!("/orders/{token}")),
        Started::Declined(reason) => {
            flash::push(session, "error", declined(lang, &reason));
            see_other(&pay_page)
        }
        Started::Refused(message) => {
            flash::push(
                session,
                "error",
                format!("{} {message}", lang.tr("pay.refused")),
            );
            see_other(&pay_page)
        }
        Started::Unavailable => {
            flash::push(session, "error", lang.tr("pay.unavailable"));
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
