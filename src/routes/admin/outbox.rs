//! `GET /admin/outbox` and `GET /admin/outbox/{id}`: the emails the shop wrote.

use actix_web::{HttpResponse, Result, http::header, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Frame, Pager, Tag, frame, pager, tag, when, when_opt};
use crate::{
    emails::outbox::{self, Email, PER_PAGE},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// An email in the list.
pub struct Row {
    id: i64,
    kind: String,
    to: String,
    subject: String,
    status: Tag,
    attempts: i64,
    last_error: String,
    created: String,
}

/// The outbox.
#[derive(Template)]
#[template(path = "admin/outbox/index.html")]
pub struct OutboxPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
    pager: Pager,
}

/// `?page=`.
#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
}

/// Lists emails, newest first.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "outbox");
    let page = query.page.unwrap_or(1).max(1);
    let (emails, total) = state.db.run(move |conn| outbox::page(conn, page)).await?;
    let lang = layout.language;
    let page = OutboxPage {
        rows: emails
            .into_iter()
            .map(|e| Row {
                id: e.id,
                kind: e.kind,
                to: e.to_address,
                subject: e.subject,
                status: tag(lang, e.status),
                attempts: e.attempts,
                last_error: e.last_error.unwrap_or_default(),
                created: when(e.created_at),
            })
            .collect(),
        pager: pager(page, total, PER_PAGE, "/admin/outbox?"),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// One email.
#[derive(Template)]
#[template(path = "admin/outbox/show.html")]
pub struct EmailPage {
    layout: Layout,
    frame: Frame,
    e: Email,
    status: Tag,
    created: String,
    sent: String,
}

/// The admin page's own policy: the shop's, with frames allowed from this site, for the
/// email's HTML (which the shop-wide policy would only let come from AsiaBill).
const PAGE_POLICY: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; \
     frame-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
     object-src 'none'";

/// The email's HTML may style itself inline (emails must) and show remote images, but runs no
/// script, submits nothing, and may only be framed by the admin page.
const EMAIL_POLICY: &str = "sandbox; default-src 'none'; style-src 'unsafe-inline'; \
     img-src https: data:; frame-ancestors 'self'";

/// Shows one email: its text, and its HTML in a sandboxed frame.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "outbox");
    let id = id.into_inner();
    let Some(e) = state.db.run(move |conn| outbox::one(conn, id)).await? else {
        return Err(AppError::NotFound);
    };
    let page = EmailPage {
        status: tag(layout.language, e.status),
        created: when(e.created_at),
        sent: when_opt(e.sent_at),
        e,
        layout,
        frame,
    };
    let mut response = Page::new(page).response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(PAGE_POLICY),
    );
    Ok(response)
}

/// The email's HTML body alone, for the frame of its page.
pub async fn html(
    _admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let Some(e) = state.db.run(move |conn| outbox::one(conn, id)).await? else {
        return Err(AppError::NotFound);
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CONTENT_SECURITY_POLICY, EMAIL_POLICY))
        .insert_header((header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .body(e.body_html))
}
