//! Orders: the checkout form, placing an order from the cart, its states and their one writer
//! ([`status`]), the timeline, reading one back (by its secret token, or for the admin), the
//! admin's search and CSV export, releasing the stock of orders left unpaid, the merchant's
//! cancels, and order notes.

pub mod cancel;
pub mod checkout;
pub mod create;
pub mod expire;
pub mod export;
pub mod notes;
pub mod search;
pub mod status;
pub mod timeline;
pub mod view;

use diesel::prelude::*;
use rand::RngCore;

use crate::db::{DbConnection, DbError, schema::orders};

/// A random 256-bit token in hex: the order page's address, which only the shopper knows.
pub fn new_access_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The order number shown to people: `A` and a number from the row id, so it is short, unique
/// and never reused.
pub fn number_for(id: i64) -> String {
    format!("A{}", 10_000 + id)
}

/// Takes order `order_id`'s row lock for the rest of the caller's transaction.
///
/// Every change that reads an order and then decides from what it read (a payment landing, an
/// expiry, a refund settling) takes this first, so two of them for one order queue up instead of
/// both deciding from the same old state: two attempts paid together then see each other and
/// flag the double payment, and an expiry racing a late success cannot release stock the
/// success keeps. On PostgreSQL it is `SELECT … FOR NO KEY UPDATE`, the lock an update of the
/// row takes (so inserts that name the order in a foreign key are not held up), as one prepared
/// statement: the no-op `UPDATE` it replaces was parsed afresh each time and wrote a new version
/// of the row. SQLite's `BEGIN IMMEDIATE` already serialises every writer, so there it costs
/// nothing.
pub fn lock(conn: &mut DbConnection, order_id: i64) -> Result<(), DbError> {
    if let DbConnection::Pg(pg) = conn {
        orders::table
            .find(order_id)
            .select(orders::id)
            .for_no_key_update()
            .load::<i64>(pg)?;
    }
    Ok(())
}
