//! Cancelling orders left unpaid, and putting their items back in a cart.

use asiabill::Currency;
use diesel::prelude::*;

use super::{
    status::{self, Change, OrderStatus},
    timeline::{self, Event, Message},
};
use crate::{
    cart::{self, CartError},
    db::{
        DbConnection, DbError, now,
        schema::{order_lines, payment_attempts},
        write_transaction,
    },
    payments::{AttemptStatus, Source},
};

/// What an expiry run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    /// Cancelled and its stock released.
    Cancelled,
    /// A payment is in flight at the gateway; try again later.
    PaymentInFlight,
    /// Nothing to do: paid, already cancelled, or not due yet.
    Nothing,
}

/// Who cancels an unpaid order, and so which condition the change needs and how the timeline
/// names it.
#[derive(Debug, Clone, Copy)]
pub enum Canceller<'a> {
    /// The reservation expired (the job, or an instance that noticed it).
    Expiry,
    /// A merchant, before the reservation ended.
    Admin {
        /// The admin's email, named on the timeline.
        actor: &'a str,
    },
}

/// Cancels order `order_id` if it is still unpaid and its reservation has expired, giving its
/// stock back. Safe to run twice or on two instances: the status change is conditional, and
/// the stock is released only by the run whose update won.
pub fn expire(conn: &mut DbConnection, order_id: i64) -> Result<Expiry, DbError> {
    cancel_unpaid(conn, order_id, Canceller::Expiry)
}

/// Cancels unpaid order `order_id` for `by` and gives its stock back, unless a payment of it is
/// in flight at the gateway (AsiaBill may yet take the money: cancelling then would release
/// stock under an order about to be paid). The expiry and the merchant's cancel share this, so
/// both keep the same guarantees against a late success.
pub fn cancel_unpaid(
    conn: &mut DbConnection,
    order_id: i64,
    by: Canceller<'_>,
) -> Result<Expiry, DbError> {
    write_transaction(conn, |conn| {
        // Locked before the in-flight check: a late success for this order waits until the
        // cancel has decided, then finds the order cancelled and takes the stock back, instead
        // of both deciding from "pending" and the stock being released under a paid order.
        super::lock(conn, order_id)?;
        let in_flight: i64 = payment_attempts::table
            .filter(payment_attempts::order_id.eq(order_id))
            .filter(payment_attempts::status.eq_any(AttemptStatus::OPEN))
            .count()
            .get_result(conn)?;
        if in_flight > 0 {
            return Ok(Expiry::PaymentInFlight);
        }
        let at = now();
        let (change, source, message, actor) = match by {
            Canceller::Expiry => (
                Change::Expired,
                Source::System,
                Message::new("timeline.order_expired"),
                None,
            ),
            Canceller::Admin { actor } => (
                Change::CancelledUnpaid,
                Source::Admin,
                Message::new("timeline.order_cancelled_by").data("actor", actor),
                Some(actor),
            ),
        };
        if !status::set(conn, order_id, change, at)? {
            return Ok(Expiry::Nothing);
        }
        crate::payments::transition::release_stock(conn, order_id)?;
        let mut event = Event::new(order_id, source, "order_cancelled")
            .held()
            .change(
                Some(OrderStatus::PendingPayment.as_str()),
                Some(OrderStatus::Cancelled.as_str()),
            )
            .says(message)
            .at(at);
        event.actor = actor;
        timeline::record(conn, event)?;
        Ok(Expiry::Cancelled)
    })
}

/// Puts the products of a cancelled order back into a cart, as far as stock allows; returns the
/// cart id and how many lines could not be added.
pub fn restore_to_cart(
    conn: &mut DbConnection,
    order_id: i64,
    cart_id: Option<i64>,
    currency: Currency,
) -> Result<(Option<i64>, usize), DbError> {
    let lines: Vec<(Option<i64>, Option<i64>, String, i64)> = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .select((
            order_lines::product_id,
            order_lines::variant_id,
            order_lines::variant_name,
            order_lines::quantity,
        ))
        .load(conn)?;
    let mut cart_id = cart_id;
    let mut skipped = 0;
    for (product_id, variant_id, variant_name, quantity) in lines {
        // A line whose variant was deleted since names no variant but had one.
        let wanted = match (product_id, variant_id) {
            (Some(product_id), Some(variant_id)) => cart::Wanted::variant(product_id, variant_id),
            (Some(product_id), None) if variant_name.is_empty() => {
                cart::Wanted::product(product_id)
            }
            _ => {
                skipped += 1;
                continue;
            }
        };
        match cart::add(conn, cart_id, wanted, quantity, currency) {
            Ok(id) => cart_id = Some(id),
            Err(CartError::Db(e)) => return Err(e),
            Err(_) => skipped += 1,
        }
    }
    Ok((cart_id, skipped))
}
