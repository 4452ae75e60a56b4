//! Refunds asked for by an admin.
//!
//! The amount is reserved first, in one transaction with the refund row: a conditional update
//! (`refunded_minor + amount <= captured_minor`, see `CONTRACT.md`) that only one of several
//! concurrent requests can win for the last part of a payment. Only then is AsiaBill asked. A
//! refusal gives the amount back; a lost reply leaves the refund `unknown` (never retried, since
//! AsiaBill may have acted), to be settled by the refund webhook, found by its fixed
//! `merTrackNo`, or by an admin who checked with AsiaBill. An accepted refund is `requested`
//! until the webhook or a refund query settles it.

use asiabill::{Currency, Money, RefundType, types::RefundRequest};
use diesel::prelude::*;

use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::{NewRefund, Order, PaymentAttempt, Refund},
        now,
        schema::{orders, payment_attempts, refunds},
        write_transaction,
    },
    orders::{
        status::OrderStatus,
        timeline::{self, Event, Message},
    },
    payments::{AttemptStatus, Payments, RefundStatus, Source, disputes},
};

/// Why a refund was not even sent to AsiaBill.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// No order with that number.
    #[error("no such order")]
    NotFound,
    /// The order has no captured payment to refund.
    #[error("the order is {0}; only paid orders can be refunded")]
    NotRefundable(OrderStatus),
    /// A cardholder disputed the payment: the chargeback takes the money back already.
    #[error("the payment is disputed by chargeback {reference}; refunds are blocked")]
    Disputed {
        /// AsiaBill's reference of the chargeback.
        reference: String,
    },
    /// The order has no paid payment with that `orderNo`.
    #[error("the order has no paid payment {0}")]
    NoSuchPayment(String),
    /// More than what is left to refund.
    #[error("at most {refundable} minor units can still be refunded")]
    Exceeds {
        /// What is left, in minor units.
        refundable: i64,
    },
    /// The payment's local method refunds only the whole amount, or nothing at all.
    #[error("{method} refunds {rule}")]
    MethodRule {
        /// The method's name.
        method: &'static str,
        /// `whole` (only the full amount, once) or `none`.
        rule: &'static str,
    },
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for RefundError {
    fn from(e: diesel::result::Error) -> Self {
        RefundError::Db(e.into())
    }
}

/// What AsiaBill said to a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// Accepted; the outcome comes by webhook or refund query.
    Accepted {
        /// Our `merTrackNo`.
        mer_track_no: String,
    },
    /// Refused; the amount is refundable again.
    Refused {
        /// Our `merTrackNo`.
        mer_track_no: String,
        /// AsiaBill's words.
        message: String,
    },
    /// No usable reply: AsiaBill may or may not have taken it.
    Unknown {
        /// Our `merTrackNo`.
        mer_track_no: String,
    },
}

/// A refund row reserved and the values the request needs.
struct Reserved {
    refund: Refund,
    trade_no: String,
    /// The whole of the payment, nothing refunded from it before: AsiaBill's full refund.
    full: bool,
    number: String,
}

/// A payment of an order that refunds can go to: an attempt AsiaBill paid, with its `tradeNo`.
/// An order paid twice (two hosted pages both approved) has two, each refunded on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payment {
    /// The attempt's id.
    pub attempt_id: i64,
    /// Its gateway `orderNo`, which names it in forms.
    pub order_no: String,
    /// AsiaBill's transaction number.
    pub trade_no: String,
    /// What AsiaBill took, in minor units.
    pub captured_minor: i64,
    /// Refunded, or reserved for refunds in flight, in minor units.
    pub refunded_minor: i64,
}

impl Payment {
    /// What can still be refunded from this payment.
    pub fn left(&self) -> i64 {
        (self.captured_minor - self.refunded_minor).max(0)
    }
}

/// The order's paid payments, oldest first, each with what its refunds (all but the failed
/// ones) took from it.
pub fn payments(attempts: &[PaymentAttempt], refunds: &[Refund]) -> Vec<Payment> {
    attempts
        .iter()
        .filter(|a| a.status == AttemptStatus::Paid)
        .filter_map(|a| {
            let trade_no = a.trade_no.clone()?;
            let refunded_minor = refunds
                .iter()
                .filter(|r| r.attempt_id == a.id && r.status != RefundStatus::Failed)
                .map(|r| r.amount_minor)
                .sum();
            Some(Payment {
                attempt_id: a.id,
                order_no: a.gateway_order_no.clone(),
                trade_no,
                captured_minor: a.amount_minor,
                refunded_minor,
            })
        })
        .collect()
}

/// The payment a refund of order `order_id` goes to: the one named by its `orderNo`, or, when
/// none is named, the latest one with something left. Refuses a disputed order and an amount
/// above what the payment has left.
fn choose(
    conn: &mut DbConnection,
    order: &Order,
    amount: i64,
    transaction: Option<&str>,
) -> Result<Payment, RefundError> {
    if order.disputed_at.is_some() {
        let reference = disputes::of_order(conn, order.id)?
            .map(|d| d.reference)
            .unwrap_or_default();
        return Err(RefundError::Disputed { reference });
    }
    if !OrderStatus::REFUNDABLE.contains(&order.status) {
        return Err(RefundError::NotRefundable(order.status));
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
    let payments = payments(&attempts, &refunds);
    let payment = match transaction.filter(|t| !t.is_empty()) {
        Some(order_no) => payments
            .into_iter()
            .find(|p| p.order_no == order_no)
            .ok_or_else(|| RefundError::NoSuchPayment(order_no.to_owned()))?,
        None => payments
            .iter()
            .rev()
            .find(|p| p.left() > 0)
            .or(payments.last())
            .cloned()
            .ok_or(RefundError::NotRefundable(order.status))?,
    };
    if amount > payment.left() {
        return Err(RefundError::Exceeds {
            refundable: payment.left(),
        });
    }
    // A local method's own rule, checked before AsiaBill is asked (which would refuse too).
    let method = attempts
        .iter()
        .find(|a| a.id == payment.attempt_id)
        .and_then(|a| a.payment_method.as_deref())
        .and_then(crate::payments::methods::find);
    if let Some(m) = method {
        use crate::payments::methods::Refunds;
        match m.refunds {
            Refunds::Partial => {}
            Refunds::FullOnly
                if amount == payment.captured_minor && payment.refunded_minor == 0 => {}
            Refunds::FullOnly => {
                return Err(RefundError::MethodRule {
                    method: m.name_en,
                    rule: "whole",
                });
            }
            Refunds::None => {
                return Err(RefundError::MethodRule {
                    method: m.name_en,
                    rule: "none",
                });
            }
        }
    }
    Ok(payment)
}

/// What a refund would do, for the admin to confirm before anything is reserved or sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The payment it goes to.
    pub payment: Payment,
    /// The amount, in minor units.
    pub amount_minor: i64,
    /// The order's currency.
    pub currency: String,
}

/// Checks a refund of `amount` of order `number` without reserving it.
pub async fn preview(
    payments: &Payments,
    number: &str,
    amount: i64,
    transaction: Option<&str>,
) -> Result<Preview, RefundError> {
    let (number, transaction) = (number.to_owned(), transaction.map(str::to_owned));
    payments
        .db
        .run(move |conn| {
            let order: Order = orders::table
                .filter(orders::number.eq(&number))
                .select(Order::as_select())
                .first(conn)
                .optional()?
                .ok_or(RefundError::NotFound)?;
            let payment = choose(conn, &order, amount, transaction.as_deref())?;
            Ok(Preview {
                payment,
                amount_minor: amount,
                currency: order.currency,
            })
        })
        .await
}

fn reserve(
    conn: &mut DbConnection,
    actor: &Actor,
    number: &str,
    amount: i64,
    transaction: Option<&str>,
    reason: &str,
    cancels_order: bool,
) -> Result<Reserved, RefundError> {
    write_transaction(conn, |conn| {
        let order: Order = orders::table
            .filter(orders::number.eq(number))
            .select(Order::as_select())
            .first(conn)
            .optional()?
            .ok_or(RefundError::NotFound)?;
        crate::orders::lock(conn, order.id)?;
        // Read again under the lock: a refund or a payment just committed changes the answer.
        let order: Order = orders::table
            .find(order.id)
            .select(Order::as_select())
            .first(conn)?;
        let payment = choose(conn, &order, amount, transaction)?;
        let at = now();
        let won = diesel::update(
            orders::table
                .filter(orders::id.eq(order.id))
                .filter(orders::status.eq_any(OrderStatus::REFUNDABLE))
                .filter((orders::refunded_minor + amount).le(orders::captured_minor)),
        )
        .set((
            orders::refunded_minor.eq(orders::refunded_minor + amount),
            orders::updated_at.eq(at),
        ))
        .execute(conn)?;
        if won != 1 {
            let (captured, refunded): (i64, i64) = orders::table
                .find(order.id)
                .select((orders::captured_minor, orders::refunded_minor))
                .first(conn)?;
            return Err(RefundError::Exceeds {
                refundable: (captured - refunded).max(0),
            });
        }
        let sequences: Vec<i64> = refunds::table
            .filter(refunds::order_id.eq(order.id))
            .select(refunds::sequence)
            .load(conn)?;
        let sequence = sequences.into_iter().max().unwrap_or(0) + 1;
        let mer_track_no = format!("{}-R{sequence}", order.number);
        let id: i64 = diesel::insert_into(refunds::table)
            .values(NewRefund {
                order_id: order.id,
                attempt_id: payment.attempt_id,
                sequence,
                mer_track_no: &mer_track_no,
                amount_minor: amount,
                currency: &order.currency,
                reason,
                status: RefundStatus::Reserved,
                requested_by: actor.user_id,
                created_at: at,
                updated_at: at,
                cancels_order,
            })
            .returning(refunds::id)
            .get_result(conn)?;
        let refund: Refund = refunds::table
            .find(id)
            .select(Refund::as_select())
            .first(conn)?;
        let shown = shown(amount, &order.currency);
        timeline::record(
            conn,
            Event {
                order_id: order.id,
                attempt_id: Some(payment.attempt_id),
                refund_id: Some(id),
                source: Source::Admin,
                kind: "refund_reserved",
                message: Some(
                    Message::new("timeline.refund_asked")
                        .data("number", &mer_track_no)
                        .data("amount", &shown)
                        .data("reason", reason),
                ),
                detail: None,
                actor: Some(&actor.email),
                from: None,
                to: None,
                at: None,
                held: false,
            },
        )?;
        audit::record(
            conn,
            actor,
            "refund.request",
            Some(Target {
                kind: "order",
                id: &order.number,
            }),
            Some(serde_json::json!({
                "merTrackNo": mer_track_no,
                "amount_minor": amount,
                "currency": order.currency,
                "reason": reason,
            })),
        )?;
        Ok(Reserved {
            refund,
            full: amount == payment.captured_minor && payment.refunded_minor == 0,
            trade_no: payment.trade_no,
            number: order.number,
        })
    })
}

fn shown(minor: i64, currency: &str) -> String {
    match Currency::parse(currency) {
        Ok(c) => format!("{} {currency}", Money::new(minor, c).to_gateway_string()),
        Err(_) => format!("{minor} minor units of {currency}"),
    }
}

/// Asks AsiaBill to refund `amount` minor units of order `number`, from the payment whose
/// gateway `orderNo` is `transaction` (or, when `None`, the latest with something left).
pub async fn request(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    amount: i64,
    transaction: Option<&str>,
    reason: &str,
) -> Result<Requested, RefundError> {
    send(payments, actor, number, amount, transaction, reason, false).await
}

/// [`request`] for "cancel and refund": the same checks and reservation, the refund marked so
/// that its success cancels the order once nothing is left (`settle` releases the stock then,
/// not now, so that a refund AsiaBill refuses leaves a paid order with its stock sold).
pub async fn request_to_cancel(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    amount: i64,
    transaction: Option<&str>,
    reason: &str,
) -> Result<Requested, RefundError> {
    send(payments, actor, number, amount, transaction, reason, true).await
}

async fn send(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    amount: i64,
    transaction: Option<&str>,
    reason: &str,
    cancels_order: bool,
) -> Result<Requested, RefundError> {
    let reason = reason.trim().chars().take(500).collect::<String>();
    let reason = if reason.is_empty() {
        "Refund requested by the merchant".to_owned()
    } else {
        reason
    };
    let reserved = {
        let (actor, number, reason) = (actor.clone(), number.to_owned(), reason.clone());
        let transaction = transaction.map(str::to_owned);
        payments
            .db
            .run(move |conn| {
                reserve(
                    conn,
                    &actor,
                    &number,
                    amount,
                    transaction.as_deref(),
                    &reason,
                    cancels_order,
                )
            })
            .await?
    };
    let refund = &reserved.refund;
    let currency = Currency::parse(&refund.currency).unwrap_or(payments.settings.currency);
    let request = RefundRequest {
        trade_no: reserved.trade_no.clone(),
        refund_type: if reserved.full {
            RefundType::Full
        } else {
            RefundType::Partial
        },
        refund_amount: Money::new(amount, currency),
        refund_reason: reason,
        mer_track_no: Some(refund.mer_track_no.clone()),
        remark: Some(reserved.number.clone()),
    };
    let answer = payments.gateway.refund(&request).await;
    let (refund, email) = (refund.clone(), actor.email.clone());
    let outcome = payments
        .db
        .run(move |conn| record_answer(conn, &refund, answer, &email))
        .await?;
    Ok(outcome)
}

fn record_answer(
    conn: &mut DbConnection,
    refund: &Refund,
    answer: Result<asiabill::types::RefundResponse, asiabill::Error>,
    actor: &str,
) -> Result<Requested, DbError> {
    let mer_track_no = refund.mer_track_no.clone();
    let note = |kind, message: Message, detail| Event {
        order_id: refund.order_id,
        attempt_id: Some(refund.attempt_id),
        refund_id: Some(refund.id),
        source: Source::Api,
        kind,
        message: Some(message),
        detail,
        actor: Some(actor),
        from: None,
        to: None,
        at: None,
        held: false,
    };
    let reserved = refunds::table
        .filter(refunds::id.eq(refund.id))
        .filter(refunds::status.eq(RefundStatus::Reserved));
    write_transaction(conn, |conn| {
        // The order's lock before the refund's row, in the order every settlement takes them.
        crate::orders::lock(conn, refund.order_id)?;
        match answer {
            Ok(accepted) => {
                // The webhook may have settled it already; the batch number is kept either way.
                diesel::update(
                    refunds::table
                        .filter(refunds::id.eq(refund.id))
                        .filter(refunds::batch_no.is_null()),
                )
                .set(refunds::batch_no.eq(Some(&accepted.batch_no)))
                .execute(conn)?;
                diesel::update(reserved)
                    .set((
                        refunds::status.eq(RefundStatus::Requested),
                        refunds::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                timeline::record(
                    conn,
                    note(
                        "refund_requested",
                        Message::new("timeline.refund_accepted")
                            .data("number", &mer_track_no)
                            .data("batch", &accepted.batch_no),
                        Some(serde_json::json!({ "batchNo": accepted.batch_no })),
                    ),
                )?;
                Ok(Requested::Accepted { mer_track_no })
            }
            Err(e) if e.outcome_unknown() => {
                diesel::update(reserved)
                    .set((
                        refunds::status.eq(RefundStatus::Unknown),
                        refunds::gateway_message.eq(Some(e.to_string())),
                        refunds::updated_at.eq(now()),
                    ))
                    .execute(conn)?;
                timeline::record(
                    conn,
                    note(
                        "refund_unknown",
                        Message::new("timeline.refund_no_answer")
                            .data("number", &mer_track_no)
                            .data("error", &e),
                        None,
                    ),
                )?;
                Ok(Requested::Unknown { mer_track_no })
            }
            Err(e) => {
                let (code, message) = match e {
                    asiabill::Error::Business { code, message } => (Some(code), message),
                    other => (None, other.to_string()),
                };
                let at = now();
                let moved = diesel::update(reserved)
                    .set((
                        refunds::status.eq(RefundStatus::Failed),
                        refunds::gateway_code.eq(&code),
                        refunds::gateway_message.eq(Some(&message)),
                        refunds::updated_at.eq(at),
                        refunds::settled_at.eq(Some(at)),
                    ))
                    .execute(conn)?;
                if moved == 1 {
                    diesel::update(orders::table.find(refund.order_id))
                        .set((
                            orders::refunded_minor.eq(orders::refunded_minor - refund.amount_minor),
                            orders::updated_at.eq(at),
                        ))
                        .execute(conn)?;
                }
                timeline::record(
                    conn,
                    note(
                        "refund_refused",
                        Message::new("timeline.refund_refused")
                            .data("number", &mer_track_no)
                            .data("words", &message),
                        Some(serde_json::json!({ "code": code, "message": message })),
                    ),
                )?;
                Ok(Requested::Refused {
                    mer_track_no,
                    message,
                })
            }
        }
    })
}
