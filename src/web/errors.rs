//! Errors at the web edge. A handler returns [`AppError`] for what stops it (not found,
//! forbidden, a form that cannot be processed, a conflict, or an internal failure), and every
//! 4xx/5xx that is not already a page or JSON becomes a friendly page in the shopper's language.
//! Details go to the log, never to the browser.

use actix_web::{
    HttpResponse, ResponseError, Result,
    dev::ServiceResponse,
    error::BlockingError,
    http::{StatusCode, header},
    middleware::{ErrorHandlerResponse, ErrorHandlers},
};
use askama::Template;

use super::Layout;
use crate::db::DbError;

/// Why a request could not be answered as asked. Each becomes a bare response with its status,
/// which the error-page middleware ([`handlers`]) dresses as a page in the visitor's language.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Nothing is there (or the visitor may not know it is).
    #[error("not found")]
    NotFound,
    /// The visitor may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The request is malformed: no form of ours sends it.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body is over the limit of the form it was sent to.
    #[error("body too large")]
    TooLarge,
    /// The request was understood but its content cannot be processed.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// The request contradicts the current state of what it is about.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Something failed that the visitor cannot fix: logged with its causes, never shown.
    #[error("internal error: {0:#}")]
    Internal(anyhow::Error),
}

impl AppError {
    /// An internal failure from any error, kept with its chain of causes for the log.
    pub fn internal(e: impl Into<anyhow::Error>) -> Self {
        AppError::Internal(e.into())
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        // Bare on purpose: the error-page middleware renders the page, in the visitor's
        // language, and logs internal failures with the request's path.
        HttpResponse::build(self.status_code()).finish()
    }
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> Self {
        AppError::internal(e)
    }
}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        AppError::internal(DbError::from(e))
    }
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::internal(e)
    }
}

impl From<actix_session::SessionInsertError> for AppError {
    fn from(e: actix_session::SessionInsertError) -> Self {
        AppError::internal(anyhow::anyhow!("the session could not be written: {e}"))
    }
}

impl From<BlockingError> for AppError {
    fn from(e: BlockingError) -> Self {
        AppError::internal(anyhow::anyhow!("blocking task failed: {e}"))
    }
}

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
        // An internal AppError is logged with its whole chain of causes, on one line.
        let cause = res
            .response()
            .error()
            .map(|e| match e.as_error::<AppError>() {
                Some(app) => format!("{app}"),
                None => format!("{e:?}"),
            });
        tracing::error!(
            http.status = status.as_u16(),
            http.path = ?super::request_span::logged_path(res.request().path()),
            error = cause.as_deref().unwrap_or("(none)"),
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
