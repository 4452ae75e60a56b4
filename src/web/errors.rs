//! Error pages: every 4xx/5xx that is not already a page or JSON becomes a friendly page in the
//! shopper's language. Details go to the log, never to the browser.

use actix_web::{
    HttpResponse, Result,
    dev::ServiceResponse,
    http::{StatusCode, header},
    middleware::{ErrorHandlerResponse, ErrorHandlers},
};
use askama::Template;

use super::Layout;

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Layout around the page.
    pub layout: Layout,
    /// HTTP status.
    pub status: u16,
    /// Heading.
    pub title: String,
    /// Explanation.
    pub message: String,
}

/// The middleware that turns bare error responses into pages.
pub fn handlers<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new()
        .default_handler_client(render)
        .default_handler_server(render)
}

fn render<B>(res: ServiceResponse<B>) -> Result<ErrorHandlerResponse<B>> {
    let already_shaped = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html") || ct.starts_with("application/json"));
    if already_shaped {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let status = res.status();
    if status.is_server_error() {
        tracing::error!(
            http.status = status.as_u16(),
            http.path = ?super::request_span::logged_path(res.request().path()),
            error = ?res.response().error(),
            "request failed"
        );
    }
    let (req, _) = res.into_parts();
    let page = page_for(Layout::minimal(&req), status);
    let response = render_page(&page, status);
    Ok(ErrorHandlerResponse::Response(
        ServiceResponse::new(req, response).map_into_right_body(),
    ))
}

/// The page for `status`, with text in the layout's language.
pub fn page_for(layout: Layout, status: StatusCode) -> ErrorPage {
    let key = match status.as_u16() {
        404 | 405 => "not_found",
        403 => "forbidden",
        400..=499 => "bad_request",
        _ => "server",
    };
    let title = layout.tr(&format!("error.{key}.title")).to_owned();
    let message = layout.tr(&format!("error.{key}.message")).to_owned();
    ErrorPage {
        layout,
        status: status.as_u16(),
        title,
        message,
    }
}

/// Renders an error page as a response with `status`.
pub fn render_page(page: &ErrorPage, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "error page failed to render");
            HttpResponse::build(status)
                .content_type("text/plain; charset=utf-8")
                .body(status.canonical_reason().unwrap_or("error"))
        }
    }
}
