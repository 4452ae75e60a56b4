//! The signed-in shopper: [`SignedIn`] admits a request only with a live shopper session, and
//! sends anyone else to the sign-in page (coming back afterwards). Pages that serve guests too
//! take `Option<SignedIn>`.

use actix_web::{
    FromRequest, HttpRequest,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    dev::Payload,
    http::Method,
    web,
};
use futures_util::future::LocalBoxFuture;

use crate::{
    shoppers::{accounts::Shopper, sessions},
    web::{AppError, AppState, render},
};

/// The shopper behind a request.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The session row.
    pub session_id: i64,
    /// The account.
    pub shopper: Shopper,
}

/// True for a `next` that stays on this site and does not lead back into the sign-in pages.
pub fn safe_next(next: &str) -> bool {
    render::is_local_path(next)
        && !next.starts_with("/account/signin")
        && !next.starts_with("/admin")
}

/// The sign-in page's address, coming back to this request's page when it was a page view.
pub fn signin_location(req: &HttpRequest) -> String {
    let here = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_owned(),
    };
    if req.method() == Method::GET && safe_next(&here) {
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        format!("/account/signin?next={next}")
    } else {
        "/account/signin".to_owned()
    }
}

/// The session cookie for `token`: HttpOnly, SameSite=Lax (a link from an email or another site
/// to the shop arrives signed in; a cross-site form post does not carry it), Secure when the shop
/// is served over https, for the whole site (the checkout and the payment page read it), and
/// kept for the session's absolute lifetime.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    let mut cookie = Cookie::build(sessions::COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    cookie.set_max_age(CookieDuration::seconds(sessions::ABSOLUTE.num_seconds()));
    cookie
}

/// A cookie that removes the session cookie.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), secure);
    cookie.set_max_age(CookieDuration::ZERO);
    cookie
}

fn to_signin(req: &HttpRequest, had_cookie: bool, secure: bool) -> actix_web::Error {
    let stale = had_cookie.then(|| session_cookie(String::new(), secure));
    render::refuse_to(&signin_location(req), stale, "shopper sign-in required")
}

async fn authenticate(req: HttpRequest) -> Result<SignedIn, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no application state")))?;
    let secure = state.settings.public_url.starts_with("https://");
    let Some(token) = req.cookie(sessions::COOKIE).map(|c| c.value().to_owned()) else {
        return Err(to_signin(&req, false, secure));
    };
    let found = state
        .db
        .run(move |conn| sessions::find(conn, &token))
        .await
        .map_err(AppError::from)?;
    match found {
        Some((session_id, shopper)) => Ok(SignedIn {
            session_id,
            shopper,
        }),
        None => Err(to_signin(&req, true, secure)),
    }
}

impl FromRequest for SignedIn {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_the_shop() {
        assert!(safe_next("/account"));
        assert!(safe_next("/checkout"));
        assert!(!safe_next("https://evil.example/"));
        assert!(!safe_next("//evil.example/"));
        assert!(!safe_next("/account/signin?next=/account"));
        assert!(!safe_next("/admin"));
    }
}
