//! The merchant's cancels: an order awaiting payment (through the expiry's own path, so a
//! payment in flight at AsiaBill is never cancelled under it), and a paid order cancelled and
//! refunded in one step.
//!
//! A paid order keeps its place in the refund state machine: "cancel and refund" asks for a
//! full refund of what is left through `payments::refunds::request` (its checks: no refund
//! during a chargeback, never above what was captured) with the refund marked `cancels_order`.
//! Only when AsiaBill reports that refund succeeded, and the order is wholly refunded, is it
//! marked cancelled and its stock released ([`after_refund`], called by the settlement). A
//! refund AsiaBill refuses, or one still undecided, leaves the order paid with its stock sold.

use diesel::prelude::*;

use super::{
    expire::{self, Canceller, Expiry},
    status::{self, Change, FulfilmentStatus, OrderStatus},
    timeline::{self, Event, Message},
};
use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::{Order, PaymentAttempt, Refund},
        now,
        schema::{orders, payment_attempts, payment_events, refunds},
        write_transaction,
    },
    payments::{
        Payments, RefundStatus, Source,
        refunds::request::{self as refund, Payment, RefundError, Requested},
    },
};

/// Why an order was not cancelled.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// No order with that number.
    #[error("no such order")]
    NotFound,
    /// Only an order awaiting payment is cancelled this way.
    #[error("the order is {0}, not awaiting payment")]
    NotUnpaid(OrderStatus),
    /// A payment of it is in flight at AsiaBill, which may yet take the money.
    #[error("a payment is in flight at AsiaBill")]
    PaymentInFlight,
    /// The order was shipped: its goods are not coming back to the shelf.
    #[error("the order was shipped")]
    Shipped,
    /// The refund is refused before anything is sent (a chargeback, nothing left, a method's
    /// rule).
    #[error(transparent)]
    Refund(RefundError),
    /// What is left to refund changed since the admin confirmed another amount.
    #[error("{left} minor units are left now, not what was confirmed")]
    Changed {
        /// What is left now.
        left: i64,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CancelError {
    fn from(e: diesel::result::Error) -> Self {
        CancelError::Db(e.into())
    }
}

impl From<RefundError> for CancelError {
    fn from(e: RefundError) -> Self {
        match e {
            RefundError::NotFound => CancelError::NotFound,
            RefundError::Db(e) => CancelError::Db(e),
            other => CancelError::Refund(other),
        }
    }
}

fn order_by_number(conn: &mut DbConnection, number: &str) -> Result<Order, CancelError> {
    orders::table
        .filter(orders::number.eq(number))
        .select(Order::as_select())
        .first(conn)
        .optional()?
        .ok_or(CancelError::NotFound)
}

/// Cancels unpaid order `number` for `actor` and releases its stock; refused while a payment
/// of it is in flight at AsiaBill.
pub fn cancel_unpaid(
    conn: &mut DbConnection,
    actor: &Actor,
    number: &str,
) -> Result<(), CancelError> {
    let order = order_by_number(conn, number)?;
    if order.status != OrderStatus::PendingPayment {
        return Err(CancelError::NotUnpaid(order.status));
    }
    match expire::cancel_unpaid(
        conn,
        order.id,
        Canceller::Admin {
            actor: &actor.email,
        },
    )? {
        Expiry::Cancelled => {}
        Expiry::PaymentInFlight => return Err(CancelError::PaymentInFlight),
        Expiry::Nothing => {
            // Paid or cancelled between the look above and the cancel's own, under the lock.
            let now_status = order_by_number(conn, number)?.status;
            return Err(CancelError::NotUnpaid(now_status));
        }
    }
    audit::record(
        conn,
        actor,
        "order.cancel",
        Some(Target {
            kind: "order",
            id: number,
        }),
        None,
    )?;
    Ok(())
}

/// What "cancel and refund" would refund: every paid payment's remainder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundPlan {
    /// The payments with something left, each refunded in full of what it has left.
    pub payments: Vec<Payment>,
    /// The whole amount, in minor units.
    pub total: i64,
    /// The order's currency.
    pub currency: String,
}

/// The payments of paid order `number` with something left to refund.
fn payments_left(
    conn: &mut DbConnection,
    number: &str,
) -> Result<(Order, Vec<Payment>), CancelError> {
    let order = order_by_number(conn, number)?;
    if order.fulfilment_status == FulfilmentStatus::Shipped {
        return Err(CancelError::Shipped);
    }
    let attempts: Vec<PaymentAttempt> = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order.id))
        .order(payment_attempts::sequence)
        .select(PaymentAttempt::as_select())
        .load(conn)?;
    let refunds: Vec<Refund> = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .select(Refund::as_select())
        .load(conn)?;
    let left = refund::payments(&attempts, &refunds)
        .into_iter()
        .filter(|p| p.left() > 0)
        .collect();
    Ok((order, left))
}

/// Checks "cancel and refund" of order `number` without reserving or sending anything: each
/// payment's refund goes through the refund's own checks (a chargeback, the order's state, a
/// local method's rule).
pub async fn plan(payments: &Payments, number: &str) -> Result<RefundPlan, CancelError> {
    let lookup = number.to_owned();
    let (order, left) = payments
        .db
        .run(move |conn| payments_left(conn, &lookup))
        .await?;
    if left.is_empty() {
        // Nothing left (or never paid): the refund's own check names why, a chargeback first.
        refund::preview(payments, number, 1, None).await?;
        return Err(CancelError::Refund(RefundError::NotRefundable(
            order.status,
        )));
    }
    for p in &left {
        refund::preview(payments, number, p.left(), Some(&p.order_no)).await?;
    }
    Ok(RefundPlan {
        total: left.iter().map(Payment::left).sum(),
        payments: left,
        currency: order.currency,
    })
}

/// One refund "cancel and refund" asked for, and AsiaBill's answer.
#[derive(Debug)]
pub struct Asked {
    /// The payment refunded.
    pub payment: Payment,
    /// What AsiaBill said, or why it was not sent.
    pub answer: Result<Requested, RefundError>,
}

/// Cancels paid order `number` and refunds what is left in full, once the admin confirmed
/// `confirmed` minor units (refused when what is left is no longer that amount). The order is
/// cancelled and restocked when the refunds succeed (see the module's words).
pub async fn cancel_and_refund(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    confirmed: i64,
    reason: &str,
) -> Result<Vec<Asked>, CancelError> {
    let plan = plan(payments, number).await?;
    if plan.total != confirmed {
        return Err(CancelError::Changed { left: plan.total });
    }
    let reason = match reason.trim() {
        "" => "Order cancelled by the merchant".to_owned(),
        given => given.to_owned(),
    };
    {
        let (actor, number, plan, reason) = (
            actor.clone(),
            number.to_owned(),
            plan.clone(),
            reason.clone(),
        );
        payments
            .db
            .run(move |conn| {
                write_transaction(conn, |conn| {
                    let order = order_by_number(conn, &number)?;
                    let mut event = Event::new(order.id, Source::Admin, "order_cancel_requested")
                        .says(
                            Message::new("timeline.order_cancel_refund")
                                .data("actor", &actor.email)
                                .data("amount", shown(plan.total, &plan.currency)),
                        );
                    event.actor = Some(&actor.email);
                    timeline::record(conn, event)?;
                    audit::record(
                        conn,
                        &actor,
                        "order.cancel_refund",
                        Some(Target {
                            kind: "order",
                            id: &number,
                        }),
                        Some(serde_json::json!({
                            "amount_minor": plan.total,
                            "currency": plan.currency,
                            "reason": reason,
                        })),
                    )?;
                    Ok::<_, CancelError>(())
                })
            })
            .await?;
    }
    let mut asked = Vec::with_capacity(plan.payments.len());
    for payment in plan.payments {
        let answer = refund::request_to_cancel(
            payments,
            actor,
            number,
            payment.left(),
            Some(&payment.order_no),
            &reason,
        )
        .await;
        if let Err(RefundError::Db(e)) = answer {
            return Err(CancelError::Db(e));
        }
        asked.push(Asked { payment, answer });
    }
    Ok(asked)
}

/// True when the merchant cancelled order `order_id` (rather than its reservation expiring).
pub fn by_merchant(conn: &mut DbConnection, order_id: i64) -> Result<bool, DbError> {
    let cancels: i64 = payment_events::table
        .filter(payment_events::order_id.eq(order_id))
        .filter(payment_events::kind.eq("order_cancelled"))
        .filter(payment_events::source.eq(Source::Admin))
        .count()
        .get_result(conn)?;
    Ok(cancels > 0)
}

/// Called by the refund settlement, under the order's lock, whenever a refund succeeded: when
/// one of the order's succeeded refunds came from "cancel and refund" and the order is now
/// wholly refunded (and was not shipped meanwhile), marks it cancelled and puts its stock back.
/// Any refund may be the one that completes it (another refund still in flight when the
/// cancel's own settled). True when it did.
pub fn after_refund(
    conn: &mut DbConnection,
    order_id: i64,
    source: Source,
) -> Result<bool, DbError> {
    let cancelling: i64 = refunds::table
        .filter(refunds::order_id.eq(order_id))
        .filter(refunds::cancels_order.eq(true))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .count()
        .get_result(conn)?;
    if cancelling == 0 {
        return Ok(false);
    }
    let shipped: FulfilmentStatus = orders::table
        .find(order_id)
        .select(orders::fulfilment_status)
        .first(conn)?;
    if shipped == FulfilmentStatus::Shipped {
        return Ok(false);
    }
    let at = now();
    if !status::set(conn, order_id, Change::RefundedCancelled, at)? {
        return Ok(false);
    }
    crate::payments::transition::release_stock(conn, order_id)?;
    timeline::record(
        conn,
        Event::new(order_id, source, "order_cancelled")
            .held()
            .says(Message::new("timeline.order_cancelled_refunded"))
            .at(at),
    )?;
    Ok(true)
}

fn shown(minor: i64, currency: &str) -> String {
    match asiabill::Currency::parse(currency) {
        Ok(c) => crate::money::format_price(minor, c),
        Err(_) => format!("{minor} minor units of {currency}"),
    }
}
