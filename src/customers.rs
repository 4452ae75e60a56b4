//! The merchant's customer list: everybody who placed an order, by email, with how many orders,
//! what they paid and when they last ordered; those with a shopper account are marked.
//!
//! Customers are not a table of their own: guest checkout stays, so an email is a customer, and
//! the figures are read from the orders each time (one grouped query, the same on SQLite and
//! PostgreSQL).

use chrono::NaiveDateTime;
use diesel::{
    prelude::*,
    sql_query,
    sql_types::{BigInt, Text, Timestamp},
};

use crate::db::{
    DbConnection, DbError,
    models::Order,
    schema::{orders, shoppers},
};

/// Customers per page.
pub const PER_PAGE: i64 = 50;
/// Orders listed on a customer's page.
const ORDERS_LISTED: i64 = 200;

/// One customer in the list.
#[derive(Debug, Clone, QueryableByName)]
pub struct Customer {
    /// The email the orders were placed with.
    #[diesel(sql_type = Text)]
    pub email: String,
    /// Orders placed.
    #[diesel(sql_type = BigInt)]
    pub orders: i64,
    /// What AsiaBill took for them less what was refunded, in minor units of the shop's
    /// currency.
    #[diesel(sql_type = BigInt)]
    pub paid_minor: i64,
    /// When the latest order was placed (UTC).
    #[diesel(sql_type = Timestamp)]
    pub last_order: NaiveDateTime,
    /// 1 when a shopper account has this email, else 0.
    #[diesel(sql_type = BigInt)]
    pub accounts: i64,
}

impl Customer {
    /// True when a shopper account has this email.
    pub fn has_account(&self) -> bool {
        self.accounts > 0
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One page of customers whose email contains `search` (all when empty), the latest to order
/// first, and how many match.
pub fn page(
    conn: &mut DbConnection,
    search: &str,
    page: i64,
) -> Result<(Vec<Customer>, i64), DbError> {
    let pattern = crate::orders::search::like_pattern(search.trim());
    let total = sql_query(
        "SELECT CAST(COUNT(DISTINCT email) AS BIGINT) AS n FROM orders \
         WHERE lower(email) LIKE $1 ESCAPE '\\'",
    )
    .bind::<Text, _>(&pattern)
    .get_result::<Count>(conn)?
    .n;
    let rows = sql_query(
        "SELECT o.email AS email, CAST(COUNT(*) AS BIGINT) AS orders, \
         CAST(COALESCE(SUM(o.captured_minor - o.refunded_minor), 0) AS BIGINT) AS paid_minor, \
         MAX(o.created_at) AS last_order, \
         CAST((SELECT COUNT(*) FROM shoppers s WHERE s.email = lower(o.email)) AS BIGINT) AS accounts \
         FROM orders o WHERE lower(o.email) LIKE $1 ESCAPE '\\' \
         GROUP BY o.email ORDER BY MAX(o.created_at) DESC, o.email LIMIT $2 OFFSET $3",
    )
    .bind::<Text, _>(&pattern)
    .bind::<BigInt, _>(PER_PAGE)
    .bind::<BigInt, _>((page.max(1) - 1).saturating_mul(PER_PAGE))
    .load::<Customer>(conn)?;
    Ok((rows, total))
}

/// The shopper account of a customer, when there is one.
#[derive(Debug, Clone, Queryable)]
pub struct Account {
    /// The name given at sign-up.
    pub name: String,
    /// When the email was verified.
    pub verified_at: Option<NaiveDateTime>,
    /// When the account was opened.
    pub created_at: NaiveDateTime,
}

/// One customer: their orders and account.
#[derive(Debug, Clone)]
pub struct CustomerOrders {
    /// Every order placed with the email, newest first (at most 200).
    pub orders: Vec<Order>,
    /// The shopper account with that email, when there is one.
    pub account: Option<Account>,
}

/// A customer's orders and account; `None` when no order has that email.
pub fn one(conn: &mut DbConnection, email: &str) -> Result<Option<CustomerOrders>, DbError> {
    let placed: Vec<Order> = orders::table
        .filter(orders::email.eq(email))
        .order(orders::id.desc())
        .limit(ORDERS_LISTED)
        .select(Order::as_select())
        .load(conn)?;
    if placed.is_empty() {
        return Ok(None);
    }
    let account = shoppers::table
        .filter(shoppers::email.eq(email.to_lowercase()))
        .select((
            shoppers::name,
            shoppers::email_verified_at,
            shoppers::created_at,
        ))
        .first::<Account>(conn)
        .optional()?;
    Ok(Some(CustomerOrders {
        orders: placed,
        account,
    }))
}
