//! `GET /admin/gateway-calls` (the AsiaBill API log, filterable by order number or `tradeNo`)
//! and `GET /admin/gateway-calls/{id}` (one call: headers with the signature, bodies with
//! personal data masked).

use actix_web::{HttpResponse, Result, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Frame, Pager, frame, pager, when};
use crate::{
    payments::api_log::{self, Call, PER_PAGE},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// `?q=` (an order number, an attempt's `orderNo` or a `tradeNo`) and `?page=`.
#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

/// A call as listed.
pub struct Row {
    id: i64,
    time: String,
    method: String,
    endpoint: String,
    status: String,
    ok: bool,
    duration_ms: i64,
    order_no: String,
    /// The shop's order number (the `orderNo` without its attempt sequence).
    order_number: String,
    trade_no: String,
}

/// The log page.
#[derive(Template)]
#[template(path = "admin/gateway_calls/index.html")]
pub struct CallsPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
    total: i64,
    q: String,
    retention_days: u64,
    pager: Pager,
}

/// The order number an attempt's `orderNo` (`A10001-2`) belongs to.
fn order_number(order_no: &str) -> String {
    order_no
        .rsplit_once('-')
        .map_or(order_no, |(number, _)| number)
        .to_owned()
}

fn status_text(call: &Call) -> (String, bool) {
    match (call.status, &call.error) {
        (Some(s), _) => (s.to_string(), s == 200),
        (None, Some(_)) => ("—".to_owned(), false),
        (None, None) => (String::new(), false),
    }
}

/// Lists the calls, newest first.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "gateway-calls");
    let q: String = query
        .q
        .as_deref()
        .unwrap_or_default()
        .trim()
        .chars()
        .take(60)
        .collect();
    let page = query.page.unwrap_or(1).max(1);
    let filter = Some(q.clone()).filter(|q| !q.is_empty());
    let (calls, total) = state
        .db
        .run(move |conn| api_log::page(conn, filter.as_deref(), page))
        .await?;
    let rows = calls
        .iter()
        .map(|c| {
            let (status, ok) = status_text(c);
            let order_no = c.order_no.clone().unwrap_or_default();
            Row {
                id: c.id,
                time: when(c.created_at),
                method: c.method.clone(),
                endpoint: c.endpoint.clone(),
                status,
                ok,
                duration_ms: c.duration_ms,
                order_number: order_number(&order_no),
                order_no,
                trade_no: c.trade_no.clone().unwrap_or_default(),
            }
        })
        .collect();
    let base = if q.is_empty() {
        "/admin/gateway-calls?".to_owned()
    } else {
        let encoded: String = url::form_urlencoded::byte_serialize(q.as_bytes()).collect();
        format!("/admin/gateway-calls?q={encoded}&")
    };
    let page = CallsPage {
        rows,
        total,
        pager: pager(page, total, PER_PAGE, &base),
        q,
        retention_days: state.settings.gateway.log_days,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// One call.
#[derive(Template)]
#[template(path = "admin/gateway_calls/show.html")]
pub struct CallPage {
    layout: Layout,
    frame: Frame,
    call: Call,
    headers: Vec<(String, String)>,
    time: String,
    status: String,
    order_number: String,
}

/// Shows call `id`.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "gateway-calls");
    let id = id.into_inner();
    let Some(call) = state.db.run(move |conn| api_log::one(conn, id)).await? else {
        return Err(AppError::NotFound);
    };
    let (status, _) = status_text(&call);
    let page = CallPage {
        headers: call.headers(),
        time: when(call.created_at),
        status,
        order_number: order_number(call.order_no.as_deref().unwrap_or_default()),
        call,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempts_order_no_names_its_order() {
        assert_eq!(order_number("A10001-2"), "A10001");
        assert_eq!(order_number("A10001"), "A10001");
    }
}
