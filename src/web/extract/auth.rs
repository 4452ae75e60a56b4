//! Who is asking: the [`AdminUser`] extractor, which admits a request only with a live admin
//! session, and [`AdminForm`], which also checks the session's CSRF token on a posted form.
//!
//! Every admin page and action takes one of them, so none can forget the check. A request
//! without a live session is redirected to `/admin/login` (with `next` for a page, so the admin
//! comes back to it).
//!
//! CSRF: forms behind the login carry the admin session's own `csrf_token` (stored with the
//! session in the database), not the cookie session's; only the login form, which has no admin
//! session yet, uses the shop's [`crate::web::extract::forms::CsrfForm`].

use actix_web::{
    FromRequest, HttpRequest,
    cookie::{Cookie, SameSite, time::Duration as CookieDuration},
    dev::Payload,
    error,
    http::Method,
    web,
};
use futures_util::future::LocalBoxFuture;
use serde::{Deserialize, de::DeserializeOwned};
use subtle::ConstantTimeEq;

use crate::accounts::{audit::Actor, sessions};
use crate::web::{AppError, AppState, extract::client_ip::client_ip, render};

/// Largest admin form body (product forms with an image are read separately).
const FORM_LIMIT: usize = 64 * 1024;

/// The admin behind a request.
#[derive(Debug, Clone)]
pub struct AdminUser {
    /// The session row.
    pub session_id: i64,
    /// The admin account.
    pub id: i64,
    /// The admin's email.
    pub email: String,
    /// The token this session's forms carry.
    pub csrf_token: String,
    /// The request's IP address.
    pub ip: String,
}

impl AdminUser {
    /// The admin as the audit log records them.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: Some(self.id),
            email: self.email.clone(),
            ip: self.ip.clone(),
        }
    }

    /// True when `submitted` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, submitted: &str) -> bool {
        !self.csrf_token.is_empty()
            && bool::from(self.csrf_token.as_bytes().ct_eq(submitted.as_bytes()))
    }
}

/// True for a `next` that stays inside the admin area of this site.
pub fn safe_next(next: &str) -> bool {
    next.starts_with("/admin") && !next.starts_with("/admin/login") && render::is_local_path(next)
}

/// The login page's address, coming back to this request's page when it was a page view.
fn login_location(req: &HttpRequest) -> String {
    let here = match req.uri().query() {
        Some(q) => format!("{}?{q}", req.path()),
        None => req.path().to_owned(),
    };
    if req.method() == Method::GET && here != "/admin" && safe_next(&here) {
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        format!("/admin/login?next={next}")
    } else {
        "/admin/login".to_owned()
    }
}

/// The session cookie for `token`: HttpOnly, SameSite=Strict, Secure when the shop is served
/// over https, limited to `/admin`.
pub fn session_cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build(sessions::COOKIE, token)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .finish()
}

/// A cookie that removes the session cookie.
pub fn removal_cookie(secure: bool) -> Cookie<'static> {
    let mut cookie = session_cookie(String::new(), secure);
    cookie.set_max_age(CookieDuration::ZERO);
    cookie
}

fn to_login(req: &HttpRequest, had_cookie: bool, secure: bool) -> actix_web::Error {
    let stale = had_cookie.then(|| session_cookie(String::new(), secure));
    render::refuse_to(&login_location(req), stale, "admin login required")
}

async fn authenticate(req: HttpRequest) -> Result<AdminUser, actix_web::Error> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("no application state")))?;
    let secure = state.settings.public_url.starts_with("https://");
    let Some(token) = req.cookie(sessions::COOKIE).map(|c| c.value().to_owned()) else {
        return Err(to_login(&req, false, secure));
    };
    let found = state
        .db
        .run(move |conn| sessions::find(conn, &token))
        .await
        .map_err(AppError::from)?;
    let Some(session) = found else {
        return Err(to_login(&req, true, secure));
    };
    Ok(AdminUser {
        session_id: session.id,
        id: session.user_id,
        email: session.email,
        csrf_token: session.csrf_token,
        ip: client_ip(&req, &state.settings.trusted_proxies),
    })
}

impl FromRequest for AdminUser {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        Box::pin(authenticate(req.clone()))
    }
}

/// A URL-encoded form posted by a logged-in admin with this session's CSRF token.
///
/// Without a session: redirect to the login page. With a missing or wrong token: 403, before the
/// handler runs. A body that does not parse as `T`: 400.
pub struct AdminForm<T> {
    /// The admin who posted it.
    pub admin: AdminUser,
    /// The form.
    pub form: T,
}

#[derive(Deserialize)]
struct TokenOnly {
    #[serde(default)]
    csrf_token: String,
}

/// Checks a posted body's `csrf_token` against the admin session's.
pub fn check_csrf(req: &HttpRequest, admin: &AdminUser, token: &str) -> Result<(), AppError> {
    if admin.csrf_matches(token) {
        Ok(())
    } else {
        tracing::warn!(
            http.path = req.path(),
            admin.email = %admin.email,
            "admin form refused: CSRF token missing or wrong"
        );
        Err(AppError::Forbidden)
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for AdminForm<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let admin = authenticate(req.clone()).await?;
            let bytes = body.await?;
            if bytes.len() > FORM_LIMIT {
                return Err(error::ErrorPayloadTooLarge("form too large"));
            }
            let token = serde_urlencoded::from_bytes::<TokenOnly>(&bytes)
                .map(|t| t.csrf_token)
                .unwrap_or_default();
            check_csrf(&req, &admin, &token)?;
            let form = serde_urlencoded::from_bytes::<T>(&bytes)
                .map_err(|e| error::ErrorBadRequest(format!("form does not parse: {e}")))?;
            Ok(AdminForm { admin, form })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_in_the_admin_area() {
        assert!(safe_next("/admin/orders?status=paid"));
        assert!(!safe_next("https://evil.example/admin"));
        assert!(!safe_next("//evil.example/admin"));
        assert!(!safe_next("/admin//evil"));
        assert!(!safe_next("/admin\\..\\x"));
        assert!(!safe_next("/cart"));
        assert!(!safe_next("/admin/login?next=/admin"));
    }
}
