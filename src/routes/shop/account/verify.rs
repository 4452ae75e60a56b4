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

/// Uses the link, in a browser signed in to the account it was sent for: marks the email
/// verified and claims its guest orders, then goes to the account. Anywhere else the link is
/// left unused and the visitor is asked to sign in first: the mailbox's owner is not always the
/// account's (somebody may sign up with another person's address, and that person, or their
/// mail provider's link scanner, may open the link), and only the account's owner may take the
/// address's orders.
pub async fn confirm(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    token: web::Path<String>,
    signed_in: Option<SignedIn>,
) -> Result<HttpResponse, AppError> {
    let token = token.into_inner();
    let lang = layout.language;
    let Some(account) = signed_in else {
        flash::push(&session, "info", lang.tr("account.verify.sign_in_first"));
        let next: String =
            url::form_urlencoded::byte_serialize(format!("/account/verify/{token}").as_bytes())
                .collect();
        return Ok(see_other(&format!("/account/signin?next={next}")));
    };
    let shopper_id = account.shopper.id;
    let outcome = state
        .db
        .run(move |conn| {
            match tokens::peek(conn, &token, Purpose::VerifyEmail)? {
                Some(id) if id == shopper_id => {}
                Some(_) => return Ok::<_, DbError>(Err(())),
                None => return Ok(Ok(None)),
            }
            let Some(id) = tokens::consume(conn, &token, Purpose::VerifyEmail)? else {
                return Ok(Ok(None));
            };
            accounts::mark_verified(conn, id)?;
            let claimed = match accounts::find(conn, id)? {
                Some(shopper) => history::claim_guest_orders(conn, id, &shopper.email)?,
                None => 0,
            };
            Ok(Ok(Some(claimed)))
        })
        .await?;
    match outcome {
        Ok(Some(claimed)) => {
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
        Ok(None) => flash::push(&session, "error", lang.tr("account.verify.dead_link")),
        Err(()) => flash::push(&session, "error", lang.tr("account.verify.other_account")),
    }
    Ok(see_other("/account"))
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
