//! `POST /admin/orders/bulk-ship`: the orders list's bulk action. A CSV of
//! `order_number,lc_code,tracking_number,tracking_url` rows is uploaded (`multipart/form-data`);
//! each row is shipped through `shipping::ship`, which uploads its tracking to AsiaBill, and a
//! result page says row by row what happened.

use actix_multipart::form::{MultipartForm, MultipartFormConfig, bytes::Bytes, text::Text};
use actix_web::{HttpRequest, HttpResponse, Result, http::StatusCode, web};
use askama::Template;

use super::view::{Frame, frame};
use crate::{
    accounts::audit,
    shipping::{
        Upload,
        bulk::{self, FileError, Outcome},
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminUser, check_csrf},
    },
};

/// The largest file accepted (500 rows of the longest fields fit in far less).
const FILE_LIMIT: usize = 512 * 1024;

/// The bulk form as the browser posts it.
#[derive(MultipartForm)]
pub struct BulkUpload {
    csrf_token: Option<Text<String>>,
    file: Option<Bytes>,
    /// The orders ticked on the list; none ships every row.
    selected: Vec<Text<String>>,
}

/// The limits of the bulk form, kept in memory.
pub fn upload_config() -> MultipartFormConfig {
    MultipartFormConfig::default()
        .total_limit(FILE_LIMIT)
        .memory_limit(FILE_LIMIT)
}

/// One row of the result.
pub struct ResultRow {
    line: u64,
    number: String,
    /// `shipped`, `upload_failed`, `not_found`, `not_paid`, `bad_row`, `failed`,
    /// `not_selected` or `no_row`.
    outcome: &'static str,
    /// What happened, in the admin's words.
    said: String,
}

/// The result page.
#[derive(Template)]
#[template(path = "admin/orders/bulk_result.html")]
pub struct BulkResultPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<ResultRow>,
    shipped: usize,
    /// Why the file was not read at all.
    file_error: Option<String>,
}

fn row(layout: &Layout, r: bulk::RowResult) -> ResultRow {
    let (outcome, said) = match r.outcome {
        Outcome::Shipped(Upload::Uploaded) => {
            ("shipped", layout.tr("admin.bulk.shipped").to_owned())
        }
        Outcome::Shipped(Upload::Failed(why)) => (
            "upload_failed",
            layout
                .tr("admin.bulk.upload_failed")
                .replace("{message}", &why),
        ),
        Outcome::NotFound => ("not_found", layout.tr("admin.bulk.not_found").to_owned()),
        Outcome::NotPaid(status) => (
            "not_paid",
            layout
                .tr("admin.bulk.not_paid")
                .replace("{status}", layout.tr(&format!("admin.state.{status}"))),
        ),
        Outcome::BadRow(key) => (
            "bad_row",
            format!("{} {}", layout.tr("admin.bulk.bad_row"), layout.tr(key)),
        ),
        Outcome::Failed(why) => (
            "failed",
            layout.tr("admin.bulk.failed").replace("{message}", &why),
        ),
        Outcome::NotSelected => (
            "not_selected",
            layout.tr("admin.bulk.not_selected").to_owned(),
        ),
        Outcome::NoRow => ("no_row", layout.tr("admin.bulk.no_row").to_owned()),
    };
    ResultRow {
        line: r.line,
        number: r.order_number,
        outcome,
        said,
    }
}

/// Ships the orders of the uploaded CSV and shows what happened to each row.
pub async fn submit(
    req: HttpRequest,
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    upload: Result<MultipartForm<BulkUpload>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    let upload = upload.map(MultipartForm::into_inner).map_err(|e| {
        if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(e.to_string())
        }
    })?;
    // The CSRF token first: nothing else of a forged form is looked at.
    let token = upload
        .csrf_token
        .as_ref()
        .map(|t| t.0.as_str())
        .unwrap_or_default();
    check_csrf(&req, &admin, token)?;
    let file = upload.file.map(|f| f.data.to_vec()).unwrap_or_default();
    let selected: Vec<String> = upload.selected.into_iter().map(|t| t.0).collect();
    let actor = admin.actor();
    let frame = frame(&mut layout, &admin, "orders");
    let (rows, file_error, status) =
        match bulk::ship_all(&state.payments, &actor, &file, &selected).await {
            Ok(results) => (results, None, StatusCode::OK),
            Err(e) => {
                let key = match e {
                    FileError::Empty => "admin.bulk.error_empty",
                    FileError::TooMany => "admin.bulk.error_too_many",
                };
                let said = layout.tr(key).replace("{max}", &bulk::MAX_ROWS.to_string());
                (Vec::new(), Some(said), StatusCode::UNPROCESSABLE_ENTITY)
            }
        };
    let shipped = rows
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Shipped(_)))
        .count();
    let summary = serde_json::json!({
        "rows": rows.len(),
        "shipped": shipped,
        "results": rows
            .iter()
            .map(|r| serde_json::json!({ "line": r.line, "order": r.order_number, "outcome": format!("{:?}", r.outcome) }))
            .collect::<Vec<_>>(),
    });
    state
        .db
        .run(move |conn| audit::record(conn, &actor, "orders.bulk_ship", None, Some(summary)))
        .await?;
    let rows = rows.into_iter().map(|r| row(&layout, r)).collect();
    let page = BulkResultPage {
        rows,
        shipped,
        file_error,
        layout,
        frame,
    };
    Ok(Page::new(page).status(status).into())
}
