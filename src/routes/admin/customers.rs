//! `GET /admin/customers` (searchable, paged) and `GET /admin/customers/{email}`: the customers
//! by email, from their orders, and one customer's orders.

use actix_web::{HttpResponse, Result, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Frame, Pager, Tag, frame, pager, price, tag, when, when_opt};
use crate::{
    customers::{self, PER_PAGE},
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// The list's query parameters.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    q: Option<String>,
    page: Option<i64>,
}

/// A customer in the list.
pub struct CustomerRow {
    email: String,
    href: String,
    orders: i64,
    paid: String,
    last_order: String,
    account: bool,
}

/// The customer list.
#[derive(Template)]
#[template(path = "admin/customers/index.html")]
pub struct CustomersPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<CustomerRow>,
    total: i64,
    q: String,
    pager: Pager,
}

/// The address of a customer's page.
fn customer_href(email: &str) -> String {
    format!(
        "/admin/customers/{}",
        url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    )
}

/// Lists customers.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "customers");
    let q = query.q.clone().unwrap_or_default().trim().to_owned();
    let page = query.page.unwrap_or(1).max(1);
    let search = q.clone();
    let (found, total) = state
        .db
        .run(move |conn| customers::page(conn, &search, page))
        .await?;
    let shop = state.settings.currency;
    let base = if q.is_empty() {
        "/admin/customers?".to_owned()
    } else {
        format!(
            "/admin/customers?q={}&",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        )
    };
    let page = CustomersPage {
        rows: found
            .into_iter()
            .map(|c| CustomerRow {
                href: customer_href(&c.email),
                orders: c.orders,
                paid: price(c.paid_minor, shop.code(), shop),
                last_order: when(c.last_order),
                account: c.has_account(),
                email: c.email,
            })
            .collect(),
        total,
        q,
        pager: pager(page, total, PER_PAGE, &base),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// An order on a customer's page.
pub struct CustomerOrder {
    number: String,
    placed: String,
    status: Tag,
    fulfilment: Tag,
    total: String,
}

/// One customer's page.
#[derive(Template)]
#[template(path = "admin/customers/show.html")]
pub struct CustomerPage {
    layout: Layout,
    frame: Frame,
    email: String,
    /// The account's name and when it was verified, when the customer has one.
    account: Option<(String, String)>,
    orders: Vec<CustomerOrder>,
    paid: String,
}

/// Shows one customer: the account (when there is one) and every order.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    email: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "customers");
    let email = email.into_inner();
    let lookup = email.clone();
    let Some(customers::CustomerOrders { orders, account }) = state
        .db
        .run(move |conn| customers::one(conn, &lookup))
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let (shop, lang) = (state.settings.currency, layout.language);
    let paid = orders
        .iter()
        .map(|o| o.captured_minor - o.refunded_minor)
        .sum();
    let page = CustomerPage {
        account: account.map(|a| (a.name, when_opt(a.verified_at))),
        orders: orders
            .iter()
            .map(|o| CustomerOrder {
                number: o.number.clone(),
                placed: when(o.created_at),
                status: tag(lang, o.status),
                fulfilment: tag(lang, o.fulfilment_status),
                total: price(o.total_minor, &o.currency, shop),
            })
            .collect(),
        paid: price(paid, shop.code(), shop),
        email,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
