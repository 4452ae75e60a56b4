//! `GET /account/signin`, `POST /account/signin`, `POST /account/signout`.
//!
//! Sign-in attempts are counted as the admin's are (`accounts::throttle`), before the password
//! is checked, under a key of their own (`shopper:` and the email) so that a shopper's and an
//! admin's attempts on one address are counted apart; the address counter is shared, since a
//! guesser's address is a guesser's address whichever login it tries.

use actix_session::Session;
use actix_web::{
    HttpRequest, HttpResponse,
    http::{StatusCode, header},
    web,
};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::{next_or, secure, sign_in_and_go};
use crate::{
    accounts::{
        throttle::{self, Claim},
        users,
    },
    db::{DbError, now},
    shoppers::{
        accounts::{self, Shopper},
        history, sessions,
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::{
            client_ip::client_ip,
            forms::CsrfForm,
            shopper::{self, SignedIn},
        },
        flash,
        render::{self, see_other},
    },
};

/// The sign-in page.
#[derive(Template)]
#[template(path = "account/signin.html")]
pub struct SignInPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

/// `?next=`.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Shows the form; a signed-in shopper goes on to `next`.
pub async fn page(
    layout: Layout,
    signed_in: Option<SignedIn>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = next_or(query.next.as_deref(), "/account");
    if signed_in.is_some() {
        return see_other(&next);
    }
    Page::new(SignInPage {
        layout,
        email: String::new(),
        next,
        error: None,
    })
    .into()
}

/// The posted form.
#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// The throttle's key for a shopper's email.
fn throttle_key(email: &str) -> String {
    format!("shopper:{email}")
}

/// Counts the attempt, checks the password, and signs in (claiming the guest orders of a
/// verified email placed since the last sign-in); or says what went wrong.
pub async fn submit(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    form: CsrfForm<SignInForm>,
) -> Result<HttpResponse, AppError> {
    let f = form.0;
    let email: String = f.email.trim().to_lowercase().chars().take(200).collect();
    let next = next_or(f.next.as_deref(), "/account");
    let ip = client_ip(&req, &state.settings.trusted_proxies);

    let (key, key_ip, who) = (throttle_key(&email), ip.clone(), email.clone());
    let (claim, account) = state
        .db
        .run(move |conn| {
            let claim = throttle::claim(conn, &key, &key_ip, now())?;
            let account = match claim {
                Claim::Refused(_) => None,
                Claim::Granted(_) => accounts::for_sign_in(conn, &who)?,
            };
            Ok::<_, DbError>((claim, account))
        })
        .await?;
    let slots = match claim {
        Claim::Refused(until) => return Ok(too_many(layout, next, email, until)),
        Claim::Granted(slots) => slots,
    };
    let password = SecretString::from(f.password);
    let hash = account
        .as_ref()
        .map_or_else(users::decoy_hash, |(_, h)| h.clone());
    let verified = web::block(move || accounts::verify(&password, &hash)).await?;
    let Some((shopper, _)) = account.filter(|_| verified) else {
        let (key, key_ip) = (throttle_key(&email), ip.clone());
        let locked = state
            .db
            .run(move |conn| throttle::record_failure(conn, &key, &key_ip, slots, now()))
            .await?;
        tracing::warn!(client.ip = %ip, "shopper sign-in failed");
        if let Some(until) = locked {
            return Ok(too_many(layout, next, email, until));
        }
        let error = Some(layout.tr("account.signin.wrong").to_owned());
        return Ok(Page::new(SignInPage {
            layout,
            email,
            next,
            error,
        })
        .status(StatusCode::OK)
        .into());
    };
    let lang = layout.language;
    let key = throttle_key(&email);
    let Shopper {
        id,
        email: account_email,
        email_verified_at,
        ..
    } = shopper;
    let response = sign_in_and_go(&req, &state, id, &next, move |conn| {
        throttle::record_success(conn, &key, &ip)?;
        accounts::set_locale(conn, id, lang)?;
        if email_verified_at.is_some() {
            history::claim_guest_orders(conn, id, &account_email)?;
        }
        Ok(())
    })
    .await?;
    tracing::info!(shopper.id = id, "shopper signed in");
    flash::push(&session, "success", lang.tr("account.signin.done"));
    Ok(response)
}

/// 429 with the time sign-ins are possible again, in words and in `Retry-After`.
fn too_many(
    layout: Layout,
    next: String,
    email: String,
    until: chrono::NaiveDateTime,
) -> HttpResponse {
    let (seconds, minutes) = throttle::wait_until(until);
    let error = Some(
        layout
            .tr("account.signin.throttled")
            .replace("{minutes}", &minutes.to_string()),
    );
    let mut response: HttpResponse = Page::new(SignInPage {
        layout,
        next,
        email,
        error,
    })
    .status(StatusCode::TOO_MANY_REQUESTS)
    .into();
    render::set_retry_after(&mut response, seconds.unsigned_abs());
    response
}

/// The sign-out form carries only the CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Ends the session everywhere and goes back to the catalogue.
pub async fn signout(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: Option<SignedIn>,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    if let Some(s) = signed_in {
        state
            .db
            .run(move |conn| sessions::delete(conn, s.session_id))
            .await?;
    }
    flash::push(&session, "info", layout.tr("account.signout.done"));
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/"))
        .cookie(shopper::removal_cookie(secure(&state)))
        .finish())
}
