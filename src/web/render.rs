//! Turning a page into a response with a chosen status (askama_web covers plain 200 pages).

use actix_web::{
    HttpResponse,
    http::{StatusCode, header},
};
use askama::Template;

/// Renders `page` as an HTML response with `status`; a template error is logged and becomes a
/// bare 500, which the error-page middleware then dresses.
pub fn html<T: Template>(page: &T, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A 303 See Other to `location`: the answer to a form post, so that reloading the next page
/// does not post again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}
