//! The data every page's layout needs, gathered once per request.

use actix_session::SessionExt;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::future::LocalBoxFuture;

use super::{AppState, csrf, flash};
use crate::i18n::Lang;

pub use super::flash::Flash;

/// The session key holding the shopper's cart id.
pub const CART_ID: &str = "cart_id";
/// The cookie holding the chosen language.
pub const LANG_COOKIE: &str = "lang";

/// What `base.html` renders around every page.
pub struct Layout {
    /// `en` or `zh-CN`.
    pub lang: &'static str,
    /// The language as a type, for handlers.
    pub language: Lang,
    /// Items in the cart, for the header badge.
    pub cart_count: i64,
    /// The test environment's name, or `None` in production.
    pub banner: Option<&'static str>,
    /// Messages queued by the previous request.
    pub flashes: Vec<Flash>,
    /// The request path, for links that come back here.
    pub path: String,
    /// True on admin pages.
    pub is_admin: bool,
    /// The session's CSRF token, for forms.
    pub csrf_token: String,
    /// True when the request carries a shopper session cookie: the header then links to "My
    /// account" rather than "Sign in". Only the cookie is looked at, so that no page pays a
    /// query for it; the account pages check the session itself.
    pub signed_in: bool,
}

impl Layout {
    /// The UI text for `key` in the page's language.
    pub fn tr(&self, key: &str) -> &'static str {
        self.language.tr(key)
    }

    /// A layout that needs neither the session nor the database: for error pages, which must
    /// render even when those are what failed.
    pub fn minimal(req: &HttpRequest) -> Self {
        let language = language_of(req);
        Layout {
            lang: language.tag(),
            language,
            cart_count: 0,
            banner: req
                .app_data::<web::Data<AppState>>()
                .and_then(|s| s.settings.banner()),
            flashes: Vec::new(),
            path: req.path().to_owned(),
            is_admin: req.path().starts_with("/admin"),
            csrf_token: String::new(),
            signed_in: req.cookie(crate::shoppers::sessions::COOKIE).is_some(),
        }
    }

    /// Everything but the header's cart count, which stays 0 for the caller to fill in: the
    /// cart page loads the lines anyway, and summing them spares a second query.
    pub fn without_cart_count(req: &HttpRequest) -> Self {
        let mut layout = Layout::minimal(req);
        let session = req.get_session();
        layout.flashes = flash::take(&session);
        layout.csrf_token = csrf::token(&session);
        layout
    }
}

/// The language of a request: the `lang` cookie, else `Accept-Language`, else English.
pub fn language_of(req: &HttpRequest) -> Lang {
    req.cookie(LANG_COOKIE)
        .and_then(|c| Lang::from_tag(c.value()))
        .unwrap_or_else(|| {
            req.headers()
                .get(actix_web::http::header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .map(Lang::from_accept_language)
                .unwrap_or_default()
        })
}

impl FromRequest for Layout {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let mut layout = Layout::without_cart_count(&req);
            let cart_id = req.get_session().get::<i64>(CART_ID).ok().flatten();
            if let (Some(cart_id), Some(state)) = (cart_id, req.app_data::<web::Data<AppState>>()) {
                layout.cart_count = state
                    .carts
                    .count(cart_id)
                    .await
                    .map_err(super::AppError::from)?;
            }
            Ok(layout)
        })
    }
}
