//! The shopper's account pages: sign up, sign in and out, the emailed links (verify the
//! address, reset the password), and "My account" with its orders and addresses. The rules
//! live in `crate::shoppers`; these handlers read forms and choose pages.

pub mod addresses;
pub mod cards;
pub mod home;
pub mod password;
pub mod signin;
pub mod signup;
pub mod verify;

use actix_web::{HttpRequest, HttpResponse, http::header};

use crate::{
    db::DbError,
    shoppers::sessions,
    web::{
        AppError, AppState,
        extract::{client_ip::client_ip, shopper},
    },
};

/// True when the shop is served over https, so cookies are marked `Secure`.
fn secure(state: &AppState) -> bool {
    state.settings.public_url.starts_with("https://")
}

/// `?next=` kept if it stays on the shop, else `default`.
fn next_or(next: Option<&str>, default: &str) -> String {
    next.filter(|n| shopper::safe_next(n))
        .unwrap_or(default)
        .to_owned()
}

/// Starts a session for the account and sends the browser to `location` with its cookie. Runs
/// `also` in the same database call (claiming orders, marking the email verified).
async fn sign_in_and_go(
    req: &HttpRequest,
    state: &AppState,
    shopper_id: i64,
    location: &str,
    also: impl FnOnce(&mut crate::db::DbConnection) -> Result<(), DbError> + Send + 'static,
) -> Result<HttpResponse, AppError> {
    crate::web::csrf::rotate(&actix_session::SessionExt::get_session(req));
    let ip = client_ip(req, &state.settings.trusted_proxies);
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let token = state
        .db
        .run(move |conn| {
            also(conn)?;
            sessions::create(conn, shopper_id, &ip, user_agent.as_deref())
        })
        .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .cookie(shopper::session_cookie(token, secure(state)))
        .finish())
}
