//! Chargebacks AsiaBill reported (`chargeback.success` webhooks), with their orders.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    schema::{chargebacks, orders},
};

/// A chargeback as the list shows it.
#[derive(Debug, Clone, Queryable)]
pub struct Listed {
    /// The order number, when the payment was matched.
    pub order_number: Option<String>,
    /// AsiaBill's `tradeNo`.
    pub trade_no: String,
    /// AsiaBill's reference.
    pub reference: String,
    /// Disputed amount, minor units.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// The reason given.
    pub reason: Option<String>,
    /// AsiaBill's status word.
    pub status: String,
    /// Details (reply deadline).
    pub detail: Option<String>,
    /// When it arrived.
    pub received_at: NaiveDateTime,
    /// Answer before this, as AsiaBill gives it.
    pub reply_deadline: Option<NaiveDateTime>,
}

/// The latest chargebacks, newest first.
pub fn latest(conn: &mut DbConnection, limit: i64) -> Result<Vec<Listed>, DbError> {
    Ok(chargebacks::table
        .left_join(orders::table)
        .order(chargebacks::id.desc())
        .limit(limit)
        .select((
            orders::number.nullable(),
            chargebacks::trade_no,
            chargebacks::gateway_reference,
            chargebacks::amount_minor,
            chargebacks::currency,
            chargebacks::reason,
            chargebacks::status,
            chargebacks::detail,
            chargebacks::received_at,
            chargebacks::reply_deadline,
        ))
        .load(conn)?)
}
