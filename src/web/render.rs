//! Turning a page into a response ([`Page`]), a redirect, and the cache policy of the area a
//! page belongs to.

use actix_web::{
    Error, HttpRequest, HttpResponse, Responder,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{
        StatusCode,
        header::{self, HeaderValue},
    },
    middleware::Next,
};
use askama::Template;

/// An HTML page as a response: its status (200 unless [`Page::status`] says otherwise),
/// `text/html; charset=utf-8`, and `Cache-Control: private, no-cache`, since every page carries
/// the visitor's cart, language or session in its layout and must never be served to another
/// visitor from a shared cache. (Admin and order pages are `no-store` on top of that:
/// [`no_store_on_private_pages`].) A template that fails to render is logged and becomes a bare
/// 500, which the error-page middleware then dresses.
pub struct Page<T> {
    template: T,
    status: StatusCode,
}

impl<T: Template> Page<T> {
    /// `template` as a 200 page.
    pub fn new(template: T) -> Self {
        Page {
            template,
            status: StatusCode::OK,
        }
    }

    /// The same page answered with `status` (a form shown again with its errors, say).
    pub fn status(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    /// The response.
    pub fn response(self) -> HttpResponse {
        match self.template.render() {
            Ok(body) => HttpResponse::build(self.status)
                .content_type("text/html; charset=utf-8")
                .insert_header((header::CACHE_CONTROL, "private, no-cache"))
                .body(body),
            Err(e) => {
                tracing::error!(error = %e, "template failed to render");
                HttpResponse::InternalServerError().finish()
            }
        }
    }
}

impl<T: Template> Responder for Page<T> {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse {
        self.response()
    }
}

impl<T: Template> From<Page<T>> for HttpResponse {
    fn from(page: Page<T>) -> Self {
        page.response()
    }
}

/// A 303 See Other to `location`: the answer to a form post, so that reloading the next page
/// does not post again.
/// Refuses a request before its handler runs with a 303 to `location` (a sign-in page),
/// removing `stale`, a session cookie that no longer opens a session, on the way.
pub fn refuse_to(
    location: &str,
    stale: Option<actix_web::cookie::Cookie<'static>>,
    why: &'static str,
) -> Error {
    let mut response = HttpResponse::SeeOther();
    response.insert_header((header::LOCATION, location));
    if let Some(mut cookie) = stale {
        cookie.set_max_age(actix_web::cookie::time::Duration::ZERO);
        response.cookie(cookie);
    }
    actix_web::error::InternalError::from_response(why, response.finish()).into()
}

/// Sets `Retry-After` (seconds) on a 429 or 503 answer.
pub fn set_retry_after(response: &mut HttpResponse, seconds: u64) {
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
}

/// A 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// True for a redirect target that stays on this site: a path from the root with no `//` or
/// `\` (browsers read `//host` and `/\host` as another site) and no control characters.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
}

/// True for the paths whose answers belong to one person: the admin area, the order pages
/// (whoever holds an order's link sees its address and payment) and the shopper's account.
fn is_private(path: &str) -> bool {
    path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/orders/")
        || path == "/account"
        || path.starts_with("/account/")
}

/// Middleware: every answer under a private path, page, redirect, export or error alike, goes
/// out with `Cache-Control: no-store`, so that neither a shared proxy nor the browser's history
/// keeps a copy for the next person at that machine. One place, so a new admin or order page
/// cannot forget it.
pub async fn no_store_on_private_pages(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let private = is_private(req.path());
    let mut response = next.call(req).await?;
    if private {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_from_the_root_of_this_site_are_local() {
        for local in ["/", "/cart", "/?category=tea", "/products/mug"] {
            assert!(is_local_path(local), "{local}");
        }
        for foreign in [
            "//evil.example/",
            "/\\evil.example/",
            "/\\/evil.example",
            "https://evil.example/",
            "evil.example",
            "/a//b",
            "/\tevil",
            "",
        ] {
            assert!(!is_local_path(foreign), "{foreign:?}");
        }
    }

    #[test]
    fn admin_and_order_paths_are_private_and_the_shop_is_not() {
        for private in ["/admin", "/admin/login", "/orders/abc", "/orders/abc/pay"] {
            assert!(is_private(private), "{private}");
        }
        for public in ["/", "/administrator", "/cart", "/products/mug", "/orders"] {
            assert!(!is_private(public), "{public}");
        }
    }
}
