//! `GET /admin/refunds`, `POST /admin/refunds/{id}/query` ("query AsiaBill") and
//! `POST /admin/refunds/{id}/mark` (settle a refund whose outcome is unknown).

use actix_session::Session;
use actix_web::{HttpResponse, Result, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Choice, Frame, Pager, Tag, choices, frame, pager, price, tag, when, when_opt};
use crate::{
    payments::{
        RefundStatus,
        refunds::{
            list,
            resolve::{self, Queried, SettleError},
        },
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser, safe_next},
        flash, render,
    },
};

const PER_PAGE: i64 = 50;

/// A refund in the list.
pub struct Row {
    id: i64,
    number: String,
    mer_track_no: String,
    batch_no: String,
    amount: String,
    status: Tag,
    reason: String,
    message: String,
    requested: String,
    settled: String,
    can_query: bool,
    unknown: bool,
}

/// The refunds page.
#[derive(Template)]
#[template(path = "admin/refunds.html")]
pub struct RefundsPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
    pills: Vec<Choice>,
    all_active: bool,
    pager: Pager,
}

/// `?status=&page=`.
#[derive(Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    page: Option<i64>,
}

/// Lists every refund, newest first.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "refunds");
    let status: Option<RefundStatus> = query.status.as_deref().and_then(|s| s.parse().ok());
    let page = query.page.unwrap_or(1).max(1);
    let (rows, total) = state
        .db
        .run(move |conn| list::page(conn, status, page, PER_PAGE))
        .await?;
    let (lang, shop) = (layout.language, state.settings.currency);
    let base = match &status {
        Some(s) => format!("/admin/refunds?status={s}&"),
        None => "/admin/refunds?".to_owned(),
    };
    let page = RefundsPage {
        rows: rows
            .into_iter()
            .map(|r| Row {
                id: r.id,
                number: r.number,
                mer_track_no: r.mer_track_no,
                can_query: r.batch_no.is_some() && r.status != RefundStatus::Reserved,
                batch_no: r.batch_no.unwrap_or_default(),
                amount: price(r.amount_minor, &r.currency, shop),
                unknown: r.status == RefundStatus::Unknown,
                status: tag(lang, r.status),
                reason: r.reason,
                message: r.gateway_message.unwrap_or_default(),
                requested: when(r.created_at),
                settled: when_opt(r.settled_at),
            })
            .collect(),
        pills: choices(lang, RefundStatus::WORDS, status.map(RefundStatus::as_str)),
        all_active: status.is_none(),
        pager: pager(page, total, PER_PAGE, &base),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// A refund action's form: where to go back to.
#[derive(Deserialize)]
pub struct ActionPost {
    #[serde(default)]
    back: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
}

fn back(post: &ActionPost) -> String {
    post.back
        .clone()
        .filter(|b| safe_next(b))
        .unwrap_or_else(|| "/admin/refunds".to_owned())
}

fn settle_error(layout: &Layout, e: SettleError) -> Result<String, AppError> {
    Ok(match e {
        SettleError::NotFound => return Err(AppError::NotFound),
        SettleError::NotOpen(status) => layout
            .tr("admin.refunds.not_open")
            .replace("{status}", layout.tr(&format!("admin.state.{status}"))),
        SettleError::NoBatch => layout.tr("admin.refunds.no_batch").to_owned(),
        SettleError::Gateway(why) => layout
            .tr("admin.refunds.query_failed")
            .replace("{message}", &why),
        SettleError::Db(e) => return Err(e.into()),
    })
}

/// Asks AsiaBill about a refund and settles it when AsiaBill has decided.
pub async fn query(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<ActionPost>,
) -> Result<HttpResponse, AppError> {
    let to = back(&post.form);
    match resolve::query(&state.payments, &post.admin.actor(), id.into_inner()).await {
        Ok((refund, Queried::Settled { succeeded })) => flash::push(
            &session,
            if succeeded { "success" } else { "error" },
            layout
                .tr(if succeeded {
                    "admin.refunds.query_succeeded"
                } else {
                    "admin.refunds.query_failed_refund"
                })
                .replace("{track}", &refund.mer_track_no),
        ),
        Ok((refund, Queried::Pending(word))) => flash::push(
            &session,
            "info",
            layout
                .tr("admin.refunds.query_pending")
                .replace("{track}", &refund.mer_track_no)
                .replace("{status}", &word),
        ),
        Err(e) => {
            let message = settle_error(&layout, e)?;
            flash::push(&session, "error", message);
        }
    }
    Ok(render::see_other(&to))
}

/// Settles a refund whose outcome is unknown, as the admin found it at AsiaBill.
pub async fn mark(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<ActionPost>,
) -> Result<HttpResponse, AppError> {
    let to = back(&post.form);
    let succeeded = match post.form.outcome.as_deref().map(str::parse) {
        Some(Ok(RefundStatus::Succeeded)) => true,
        Some(Ok(RefundStatus::Failed)) => false,
        _ => {
            return Err(AppError::BadRequest(
                "outcome must be succeeded or failed".to_owned(),
            ));
        }
    };
    match resolve::mark(
        &state.payments,
        &post.admin.actor(),
        id.into_inner(),
        succeeded,
    )
    .await
    {
        Ok(refund) => flash::push(
            &session,
            "success",
            layout
                .tr("admin.refunds.marked")
                .replace("{track}", &refund.mer_track_no),
        ),
        Err(e) => {
            let message = settle_error(&layout, e)?;
            flash::push(&session, "error", message);
        }
    }
    Ok(render::see_other(&to))
}
