//! Everything the order page shows, loaded in one go.

use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    models::{Order, OrderLine, PaymentAttempt, Refund, Shipment},
    schema::{order_lines, orders, payment_attempts, refunds, shipments},
};

/// An order with its lines, payment attempts, shipments and refunds.
#[derive(Debug, Clone)]
pub struct OrderDetails {
    /// The order row.
    pub order: Order,
    /// What was bought.
    pub lines: Vec<OrderLine>,
    /// Payment attempts, oldest first.
    pub attempts: Vec<PaymentAttempt>,
    /// Shipments, oldest first.
    pub shipments: Vec<Shipment>,
    /// Refunds, oldest first.
    pub refunds: Vec<Refund>,
}

impl OrderDetails {
    /// The most recent payment attempt.
    pub fn latest_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempts.last()
    }
}

/// The order whose page token is `token`, or `None`.
pub fn by_token(conn: &mut DbConnection, token: &str) -> Result<Option<OrderDetails>, DbError> {
    // Tokens are 64 hex characters; anything else cannot match, so skip the query.
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let Some(order) = orders::table
        .filter(orders::access_token.eq(token))
        .select(Order::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    load(conn, order).map(Some)
}

/// The order numbered `number`, or `None`.
pub fn by_number(conn: &mut DbConnection, number: &str) -> Result<Option<OrderDetails>, DbError> {
    let Some(order) = orders::table
        .filter(orders::number.eq(number))
        .select(Order::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    load(conn, order).map(Some)
}

fn load(conn: &mut DbConnection, order: Order) -> Result<OrderDetails, DbError> {
    let lines = order_lines::table
        .filter(order_lines::order_id.eq(order.id))
        .order(order_lines::id)
        .select(OrderLine::as_select())
        .load(conn)?;
    let attempts = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order.id))
        .order(payment_attempts::sequence)
        .select(PaymentAttempt::as_select())
        .load(conn)?;
    let shipments = shipments::table
        .filter(shipments::order_id.eq(order.id))
        .order(shipments::id)
        .select(Shipment::as_select())
        .load(conn)?;
    let refunds = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .order(refunds::sequence)
        .select(Refund::as_select())
        .load(conn)?;
    Ok(OrderDetails {
        order,
        lines,
        attempts,
        shipments,
        refunds,
    })
}
