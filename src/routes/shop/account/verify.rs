//! `GET /account/verify/{token}` (the emailed link) and `POST /account/verify` (send it again).
//!
//! Verifying the email is what gives the account the guest orders placed with that address:
//! before it, anyone could sign up with somebody else's email.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::{
    db::DbError,
    shoppers::{
        accounts, history,
        tokens::{self, Purpose},
    },
    web::{
        AppError, AppState, Layout,
        extract::{forms::CsrfForm, shopper::SignedIn},
        flash,
        render::see_other,
    },
};

/// Uses the link: marks the email verified and claims its guest orders, then goes to the
/// account (or to sign-in, when this browser is not signed in).
pub async fn confirm(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let outcome = state
        .db
        .run(move |conn| {
            let Some(id) = tokens::consume(conn, &token, Purpose::VerifyEmail)? else {
                return Ok::<_, DbError>(None);
            };
            accounts::mark_verified(conn, id)?;
            let claimed = match accounts::find(conn, id)? {
                Some(shopper) => history::claim_guest_orders(conn, id, &shopper.email)?,
                None => 0,
            };
            Ok(Some(claimed))
        })
        .await?;
    let lang = layout.language;
    match outcome {
        Some(claimed) => {
            let mut message = lang.tr("account.verify.done").to_owned();
            if claimed > 0 {
                message.push(' ');
                message.push_str(
                    &lang
                        .tr("account.verify.claimed")
                        .replace("{count}", &claimed.to_string()),
                );
            }
            flash::push(&session, "success", message);
        }
        None => flash::push(&session, "error", lang.tr("account.verify.dead_link")),
    }
    let location = if layout.signed_in {
        "/account"
    } else {
        "/account/signin"
    };
    Ok(see_other(location))
}

/// The resend form carries only the CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Sends the verification link again (within the hourly limit).
pub async fn resend(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    signed_in: SignedIn,
    _form: CsrfForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let shopper = signed_in.shopper;
    if shopper.verified() {
        return Ok(see_other("/account"));
    }
    let public_url = state.settings.public_url.clone();
    let sent = state
        .db
        .run(move |conn| tokens::send_link(conn, &shopper, Purpose::VerifyEmail, &public_url))
        .await?;
    let lang = layout.language;
    if sent {
        flash::push(&session, "success", lang.tr("account.verify.sent"));
    } else {
        flash::push(&session, "error", lang.tr("account.verify.too_many"));
    }
    Ok(see_other("/account"))
}
