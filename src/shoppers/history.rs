//! The orders of an account: listing them, and claiming the guest orders of a verified email.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, schema::orders},
    orders::status::OrderStatus,
};

/// Orders shown per page of "My orders".
pub const PAGE: i64 = 50;

/// An order as the account's list shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
pub struct PastOrder {
    /// Human number.
    pub number: String,
    /// The token of its page.
    pub access_token: String,
    /// Where it stands.
    pub status: OrderStatus,
    /// Total in minor units.
    pub total_minor: i64,
    /// Currency code.
    pub currency: String,
    /// When it was placed.
    pub created_at: NaiveDateTime,
}

/// The account's newest orders, newest first (at most [`PAGE`]), and how many there are.
pub fn list(conn: &mut DbConnection, shopper_id: i64) -> Result<(Vec<PastOrder>, i64), DbError> {
    let rows = orders::table
        .filter(orders::shopper_id.eq(shopper_id))
        .order((orders::created_at.desc(), orders::id.desc()))
        .limit(PAGE)
        .select(PastOrder::as_select())
        .load(conn)?;
    let total = orders::table
        .filter(orders::shopper_id.eq(shopper_id))
        .count()
        .get_result(conn)?;
    Ok((rows, total))
}

/// Gives the account every guest order placed with `email` (which the caller knows is the
/// account's verified address); returns how many it took. Orders of another account stay
/// theirs.
pub fn claim_guest_orders(
    conn: &mut DbConnection,
    shopper_id: i64,
    email: &str,
) -> Result<usize, DbError> {
    Ok(diesel::update(
        orders::table
            .filter(orders::email.eq(email))
            .filter(orders::shopper_id.is_null()),
    )
    .set(orders::shopper_id.eq(Some(shopper_id)))
    .execute(conn)?)
}

/// Records that the order was placed by the signed-in account.
pub fn attach(conn: &mut DbConnection, order_id: i64, shopper_id: i64) -> Result<(), DbError> {
    diesel::update(
        orders::table
            .find(order_id)
            .filter(orders::shopper_id.is_null()),
    )
    .set(orders::shopper_id.eq(Some(shopper_id)))
    .execute(conn)?;
    Ok(())
}
