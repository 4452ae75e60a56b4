//! `GET /admin/webhooks`, `GET /admin/webhooks/{id}`, `POST /admin/webhooks/{id}/reprocess`,
//! `POST /admin/webhooks/{id}/dismiss`.

use actix_session::Session;
use actix_web::{HttpResponse, Result, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Choice, Empty, Frame, Pager, Tag, choices, frame, pager, tag, when, when_opt};
use crate::{
    db::{DbError, now},
    payments::{
        WebhookStatus, rejected_webhooks,
        webhook_log::{self, Delivery, Dismissed, NOTE_LIMIT, PER_PAGE},
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash, render,
    },
};

/// A delivery in the list.
pub struct Row {
    id: i64,
    received: String,
    event_type: String,
    order_no: String,
    trade_no: String,
    signature_valid: bool,
    status: Tag,
    error: String,
    /// Deliveries of this body.
    deliveries: i64,
    /// "Delivered N times", when AsiaBill sent it more than once.
    delivered: Option<String>,
    /// Dismissed from "Needs attention".
    resolved: bool,
}

/// The webhook log.
#[derive(Template)]
#[template(path = "admin/webhooks/index.html")]
pub struct WebhooksPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
    pills: Vec<Choice>,
    all_active: bool,
    pager: Pager,
    /// How many deliveries were refused, when any were: only the latest stay in the list.
    refused: Option<String>,
}

/// `?status=&page=`.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<i64>,
}

/// Lists deliveries, newest first.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "webhooks");
    let status: Option<WebhookStatus> = query.status.as_deref().and_then(|s| s.parse().ok());
    let page = query.page.unwrap_or(1).max(1);
    let filter = status;
    let (rows, total, refused) = state
        .db
        .run(move |conn| {
            let (rows, total) = webhook_log::page(conn, filter, page)?;
            let refused = rejected_webhooks::totals(conn, now())?;
            Ok::<_, DbError>((rows, total, refused))
        })
        .await?;
    let lang = layout.language;
    let refused = (refused.all > 0).then(|| {
        layout
            .tr("admin.webhooks.refused")
            .replace("{today}", &refused.today.to_string())
            .replace("{all}", &refused.all.to_string())
            .replace("{kept}", &rejected_webhooks::KEPT.to_string())
            .replace("{bytes}", &rejected_webhooks::BODY_BYTES.to_string())
    });
    let base = match &status {
        Some(s) => format!("/admin/webhooks?status={s}&"),
        None => "/admin/webhooks?".to_owned(),
    };
    let page = WebhooksPage {
        rows: rows
            .into_iter()
            .map(|d| Row {
                error: d.note(lang).unwrap_or_default(),
                id: d.id,
                received: when(d.received_at),
                event_type: d.type_as_received().unwrap_or_else(|| "—".into()),
                deliveries: d.deliveries,
                delivered: (d.deliveries > 1).then(|| {
                    lang.tr("admin.webhooks.delivered_times")
                        .replace("{count}", &d.deliveries.to_string())
                }),
                resolved: d.dismissed_at.is_some(),
                order_no: d.gateway_order_no.unwrap_or_default(),
                trade_no: d.trade_no.unwrap_or_default(),
                signature_valid: d.signature_valid,
                status: tag(lang, d.status),
            })
            .collect(),
        pills: choices(
            lang,
            WebhookStatus::WORDS,
            status.map(WebhookStatus::as_str),
        ),
        all_active: status.is_none(),
        pager: pager(page, total, PER_PAGE, &base),
        refused,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// One delivery.
#[derive(Template)]
#[template(path = "admin/webhooks/show.html")]
pub struct WebhookPage {
    layout: Layout,
    frame: Frame,
    d: Delivery,
    status: Tag,
    received: String,
    applied: String,
    headers: Vec<(String, String)>,
    body: String,
    reprocessable: bool,
    event_type: String,
    dismissable: bool,
    dismissed: Option<String>,
    last_delivered: Option<String>,
    note_limit: usize,
    /// How it was handled, in the admin's language.
    note: Option<String>,
}

/// Shows one delivery with its headers and body.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "webhooks");
    let id = id.into_inner();
    let Some(d) = state.db.run(move |conn| webhook_log::one(conn, id)).await? else {
        return Err(AppError::NotFound);
    };
    let page = WebhookPage {
        status: tag(layout.language, d.status),
        received: when(d.received_at),
        applied: when_opt(d.applied_at),
        headers: d.header_pairs(),
        body: d.pretty_body(),
        reprocessable: d.reprocessable(),
        event_type: d.type_as_received().unwrap_or_else(|| "—".into()),
        dismissable: d.needs_attention(),
        dismissed: d.dismissed_at.map(|at| {
            layout
                .tr("admin.webhooks.dismissed_by")
                .replace("{at}", &when(at))
                .replace("{who}", d.dismissed_by.as_deref().unwrap_or("?"))
        }),
        last_delivered: d.last_delivered_at.map(when),
        note_limit: NOTE_LIMIT,
        note: d.note(layout.language),
        d,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// Applies a delivery again.
pub async fn reprocess(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let after = webhook_log::reprocess(&state.payments, &post.admin.actor(), id).await?;
    let Some(after) = after else {
        return Err(AppError::NotFound);
    };
    let word = layout.tr(&format!("admin.state.{}", after.status));
    flash::push(
        &session,
        if after.status == WebhookStatus::Applied {
            "success"
        } else {
            "info"
        },
        layout
            .tr("admin.webhooks.reprocessed")
            .replace("{status}", word),
    );
    Ok(render::see_other(&format!("/admin/webhooks/{id}")))
}

/// `note=`: why the delivery needs no more attention.
#[derive(Deserialize)]
pub struct DismissForm {
    note: String,
}

/// Dismisses a delivery from "Needs attention" with a note; it stays in the log, resolved.
pub async fn dismiss(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<DismissForm>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = post.admin.actor();
    let note = post.form.note.clone();
    let done = state
        .db
        .run(move |conn| webhook_log::dismiss(conn, &actor, id, &note))
        .await?;
    let (level, key) = match done {
        Dismissed::NotFound => return Err(AppError::NotFound),
        Dismissed::Done => ("success", "admin.webhooks.dismissed"),
        Dismissed::NotNeeded => ("info", "admin.webhooks.dismiss_not_needed"),
        Dismissed::BadNote => ("error", "admin.webhooks.dismiss_note_needed"),
    };
    flash::push(
        &session,
        level,
        layout.tr(key).replace("{limit}", &NOTE_LIMIT.to_string()),
    );
    Ok(render::see_other(&format!("/admin/webhooks/{id}")))
}
