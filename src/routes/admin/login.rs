//! `GET /admin/login`, `POST /admin/login`, `POST /admin/logout`.
//!
//! The login form is protected by the shop's cookie-session CSRF token (there is no admin
//! session yet); logout by the admin session's own token.

use super::view::Empty;
use actix_web::{
    HttpRequest, HttpResponse, Result,
    http::{StatusCode, header},
    web,
};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use crate::{
    accounts::{
        audit::{self, Actor},
        sessions,
        throttle::{self, Claim},
        users,
    },
    db::{DbError, now},
    web::{
        AppError, AppState, Layout, Page,
        extract::{
            auth::{self, AdminForm, AdminUser},
            client_ip::client_ip,
            forms::CsrfForm,
        },
        render,
    },
};

/// The login page.
#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    layout: Layout,
    next: String,
    email: String,
    error: Option<String>,
}

/// `?next=` on the login page.
#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

fn next_or_home(next: Option<&str>) -> String {
    next.filter(|n| auth::safe_next(n))
        .unwrap_or("/admin")
        .to_owned()
}

/// Shows the login form, or goes to the admin area when already logged in.
pub async fn page(
    mut layout: Layout,
    admin: Option<AdminUser>,
    query: web::Query<NextQuery>,
) -> HttpResponse {
    let next = next_or_home(query.next.as_deref());
    if admin.is_some() {
        return render::see_other(&next);
    }
    layout.is_admin = true;
    Page::new(LoginPage {
        layout,
        next,
        email: String::new(),
        error: None,
    })
    .status(StatusCode::OK)
    .into()
}

/// The posted login form.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Counts the attempt, then checks the password: logs in, or reports the failure.
pub async fn submit(
    req: HttpRequest,
    mut layout: Layout,
    state: web::Data<AppState>,
    form: CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    layout.is_admin = true;
    let form = form.0;
    let email: String = form.email.trim().to_lowercase().chars().take(200).collect();
    let next = next_or_home(form.next.as_deref());
    let ip = client_ip(&req, &state.settings.trusted_proxies);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);

    // The attempt is counted before the password is checked, so that a burst of parallel
    // guesses gets no more than the limit through to Argon2.
    let (who, key_ip) = (email.clone(), ip.clone());
    let (claim, account) = state
        .db
        .run(move |conn| {
            let claim = throttle::claim(conn, &who, &key_ip, now())?;
            let account: Option<(i64, String)> = match claim {
                Claim::Refused(_) => None,
                Claim::Granted(_) => users::active_by_email(conn, &who)?,
            };
            Ok::<_, DbError>((claim, account))
        })
        .await?;
    let slots = match claim {
        Claim::Refused(until) => return Ok(too_many(layout, next, email, until)),
        Claim::Granted(slots) => slots,
    };

    let password = SecretString::from(form.password);
    let hash = account
        .as_ref()
        .map_or_else(users::decoy_hash, |(_, h)| h.clone());
    let verified = web::block(move || users::verify_password(&password, &hash)).await?;
    let actor = Actor {
        user_id: account.as_ref().map(|(id, _)| *id),
        email: email.clone(),
        ip: ip.clone(),
    };

    let Some((user_id, _)) = account.filter(|_| verified) else {
        let (who, key_ip) = (email.clone(), ip.clone());
        let locked = state
            .db
            .run(move |conn| {
                let locked = throttle::record_failure(conn, &who, &key_ip, slots, now())?;
                audit::record(conn, &actor, "admin.login_failed", None, None)?;
                Ok::<_, DbError>(locked)
            })
            .await?;
        tracing::warn!(admin.email = %email, client.ip = %ip, "admin login failed");
        if let Some(until) = locked {
            return Ok(too_many(layout, next, email, until));
        }
        let error = Some(layout.tr("admin.login.wrong").to_owned());
        return Ok(Page::new(LoginPage {
            layout,
            next,
            email,
            error,
        })
        .status(StatusCode::OK)
        .into());
    };

    let token = state
        .db
        .run(move |conn| {
            throttle::record_success(conn, &actor.email, &actor.ip)?;
            let token = sessions::create(conn, user_id, &actor.ip, user_agent.as_deref())?;
            audit::record(conn, &actor, "admin.login", None, None)?;
            Ok::<_, DbError>(token)
        })
        .await?;
    tracing::info!(admin.email = %email, "admin logged in");
    let secure = state.settings.public_url.starts_with("https://");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, next))
        .cookie(auth::session_cookie(token, secure))
        .finish())
}

/// 429 with the time logins are allowed again, in words and in `Retry-After`.
fn too_many(
    layout: Layout,
    next: String,
    email: String,
    until: chrono::NaiveDateTime,
) -> HttpResponse {
    let (seconds, minutes) = throttle::wait_until(until);
    let error = Some(
        layout
            .tr("admin.login.throttled")
            .replace("{minutes}", &minutes.to_string())
            .replace("{time}", &until.format("%H:%M UTC").to_string()),
    );
    let mut response: HttpResponse = Page::new(LoginPage {
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

/// Ends the session everywhere and goes back to the login page.
pub async fn logout(
    state: web::Data<AppState>,
    form: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let admin = form.admin;
    let actor = admin.actor();
    state
        .db
        .run(move |conn| {
            sessions::delete(conn, admin.session_id)?;
            audit::record(conn, &actor, "admin.logout", None, None)
        })
        .await?;
    let secure = state.settings.public_url.starts_with("https://");
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, "/admin/login"))
        .cookie(auth::removal_cookie(secure))
        .finish())
}
