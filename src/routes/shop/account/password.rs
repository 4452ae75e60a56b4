//! A forgotten password: `GET/POST /account/forgot` sends a one-time link, and
//! `GET/POST /account/reset/{token}` sets a new password with it.
//!
//! The "forgot" form answers the same whether or not the email has an account, so it does not
//! tell who shops here. A reset ends every session of the account (whoever knew the old
//! password is signed out), proves the email (so it also verifies it), and signs the shopper in.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use secrecy::SecretString;
use serde::Deserialize;

use super::sign_in_and_go;
use crate::{
    db::DbError,
    domain::address::Problem,
    routes::shop::checkout::Errors,
    shoppers::{
        accounts::{self, checked_email, password_problem},
        history, sessions,
        tokens::{self, Purpose},
    },
    web::{AppError, AppState, Layout, Page, extract::forms::CsrfForm, flash},
};

/// The "forgot your password" page, before and after the form is sent.
#[derive(Template)]
#[template(path = "account/forgot.html")]
pub struct ForgotPage {
    layout: Layout,
    email: String,
    sent: bool,
    error: Option<String>,
}

/// Shows the form.
pub async fn forgot_page(layout: Layout) -> HttpResponse {
    Page::new(ForgotPage {
        layout,
        email: String::new(),
        sent: false,
        error: None,
    })
    .into()
}

/// The posted "forgot" form.
#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// Sends a reset link when the email has an account (and has not had too many lately); says the
/// same either way.
pub async fn forgot(
    layout: Layout,
    state: web::Data<AppState>,
    form: CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    let Some(email) = checked_email(&form.0.email) else {
        let error = Some(layout.tr("form.email").to_owned());
        return Ok(Page::new(ForgotPage {
            layout,
            email: form.0.email,
            sent: false,
            error,
        })
        .status(StatusCode::UNPROCESSABLE_ENTITY)
        .into());
    };
    let public_url = state.settings.public_url.clone();
    let who = email.clone();
    state
        .db
        .run(move |conn| {
            if let Some((shopper, _)) = accounts::for_sign_in(conn, &who)? {
                tokens::send_link(conn, &shopper, Purpose::ResetPassword, &public_url)?;
            }
            Ok::<_, DbError>(())
        })
        .await?;
    Ok(Page::new(ForgotPage {
        layout,
        email,
        sent: true,
        error: None,
    })
    .into())
}

/// The "choose a new password" page, or the news that its link no longer works.
#[derive(Template)]
#[template(path = "account/reset.html")]
pub struct ResetPage {
    layout: Layout,
    token: String,
    live: bool,
    errors: Errors,
}

async fn is_live(state: &AppState, token: &str) -> Result<bool, AppError> {
    let token = token.to_owned();
    Ok(state
        .db
        .run(move |conn| tokens::peek(conn, &token, Purpose::ResetPassword))
        .await?
        .is_some())
}

/// Shows the form when the link is live; 410 when it is used, expired or unknown.
pub async fn reset_page(
    layout: Layout,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let live = is_live(&state, &token).await?;
    let lang = layout.language;
    let status = if live {
        StatusCode::OK
    } else {
        StatusCode::GONE
    };
    Ok(Page::new(ResetPage {
        layout,
        token,
        live,
        errors: Errors::of([], lang),
    })
    .status(status)
    .into())
}

/// The posted new password.
#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_again: String,
}

/// Sets the new password with a live link, ends the account's other sessions and signs in.
pub async fn reset(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    form: CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let f = form.0;
    let lang = layout.language;
    let mut problems = Vec::new();
    if let Some(p) = password_problem(&f.password) {
        problems.push(("password", p));
    } else if f.password != f.password_again {
        problems.push((
            "password_again",
            Problem {
                key: "account.problem.password_again",
                n: None,
            },
        ));
    }
    if !problems.is_empty() {
        let live = is_live(&state, &token).await?;
        return Ok(Page::new(ResetPage {
            layout,
            token,
            live,
            errors: Errors::of(problems, lang),
        })
        .status(StatusCode::UNPROCESSABLE_ENTITY)
        .into());
    }
    let password = SecretString::from(f.password);
    let hash = web::block(move || accounts::hash(&password))
        .await?
        .map_err(AppError::internal)?;
    let used = state
        .db
        .run(move |conn| {
            let Some(id) = tokens::consume(conn, &token, Purpose::ResetPassword)? else {
                return Ok::<_, DbError>(None);
            };
            accounts::set_password(conn, id, &hash)?;
            sessions::delete_all(conn, id)?;
            Ok(Some(id))
        })
        .await?;
    let Some(id) = used else {
        return Ok(Page::new(ResetPage {
            layout,
            token: String::new(),
            live: false,
            errors: Errors::of([], lang),
        })
        .status(StatusCode::GONE)
        .into());
    };
    tracing::info!(shopper.id = id, "shopper password reset");
    flash::push(&session, "success", lang.tr("account.reset.done"));
    sign_in_and_go(&req, &state, id, "/account", move |conn| {
        // The link reached the account's mailbox: the address is the shopper's.
        accounts::mark_verified(conn, id)?;
        if let Some(shopper) = accounts::find(conn, id)? {
            history::claim_guest_orders(conn, id, &shopper.email)?;
        }
        Ok(())
    })
    .await
}
