//! Opening a payment attempt: each has its own gateway `orderNo` (`{order number}-{sequence}`),
//! and an order has at most one open attempt.

use diesel::prelude::*;

use super::{
    AttemptStatus, Source, TransactionType,
    transition::{self, Effects, Outcome},
};
use crate::{
    db::{
        DbConnection, DbError,
        models::{NewPaymentAttempt, Order, PaymentAttempt},
        now,
        schema::{orders, payment_attempts},
        write_transaction,
    },
    orders::{checkout::PaymentMode, status::OrderStatus, timeline::Message},
};

/// Why no attempt was opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// The order is not awaiting payment (paid, cancelled, …).
    #[error("order is {0}, not awaiting payment")]
    NotPayable(OrderStatus),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for OpenError {
    fn from(e: diesel::result::Error) -> Self {
        OpenError::Db(e.into())
    }
}

/// Records on a new attempt the card it charges and what goes with it (the account's
/// `customerId`, the `tokenType`, whether to save the card once paid), before AsiaBill is asked.
pub fn record_card(
    conn: &mut DbConnection,
    attempt: &mut PaymentAttempt,
    payment_method_id: &str,
    on_file: &crate::payments::start::OnFile,
) -> Result<(), DbError> {
    let token_type = on_file.token_type.map(|t| t.as_str().to_owned());
    diesel::update(payment_attempts::table.find(attempt.id))
        .set((
            payment_attempts::customer_payment_method_id.eq(Some(payment_method_id)),
            payment_attempts::customer_id.eq(on_file.customer_id.as_deref()),
            payment_attempts::token_type.eq(token_type.as_deref()),
            payment_attempts::save_card.eq(on_file.save_card),
        ))
        .execute(conn)?;
    attempt.customer_payment_method_id = Some(payment_method_id.to_owned());
    attempt.customer_id.clone_from(&on_file.customer_id);
    attempt.token_type = token_type;
    attempt.save_card = on_file.save_card;
    Ok(())
}

/// Records on a new attempt the local payment method it is paid with (AsiaBill's word).
pub fn record_method(
    conn: &mut DbConnection,
    attempt: &mut PaymentAttempt,
    word: &str,
) -> Result<(), DbError> {
    diesel::update(payment_attempts::table.find(attempt.id))
        .set(payment_attempts::payment_method.eq(Some(word)))
        .execute(conn)?;
    attempt.payment_method = Some(word.to_owned());
    Ok(())
}

/// Opens a new attempt for `order_id`. Older open attempts are cancelled first (the shopper
/// chose to pay again); should one of them succeed after all, the transition function applies
/// it and flags the double payment.
pub fn open(
    conn: &mut DbConnection,
    order_id: i64,
    mode: PaymentMode,
    gateway_no: &str,
    preauth: bool,
    effects: &Effects,
) -> Result<(Order, PaymentAttempt), OpenError> {
    write_transaction(conn, |conn| {
        crate::orders::lock(conn, order_id)?;
        let order: Order = orders::table
            .find(order_id)
            .select(Order::as_select())
            .first(conn)?;
        if order.status != OrderStatus::PendingPayment {
            return Err(OpenError::NotPayable(order.status));
        }
        let earlier: Vec<PaymentAttempt> = payment_attempts::table
            .filter(payment_attempts::order_id.eq(order_id))
            .order(payment_attempts::sequence)
            .select(PaymentAttempt::as_select())
            .load(conn)?;
        for old in earlier.iter().filter(|a| a.status.is_open()) {
            let outcome = Outcome {
                message: Some("Superseded by a new payment attempt".into()),
                note: Some(Message::new("timeline.superseded")),
                ..Outcome::to(AttemptStatus::Cancelled)
            };
            // Read under the order's lock, which this transaction holds.
            transition::apply_locked(conn, old, &outcome, Source::System, effects)?;
        }
        let sequence = earlier.iter().map(|a| a.sequence).max().unwrap_or(0) + 1;
        let at = now();
        let gateway_order_no = format!("{}-{sequence}", order.number);
        let row = NewPaymentAttempt {
            order_id,
            sequence,
            gateway_order_no: &gateway_order_no,
            mode,
            status: AttemptStatus::Created,
            transaction_type: if preauth {
                TransactionType::Authorization
            } else {
                TransactionType::Sale
            },
            gateway_no,
            amount_minor: order.total_minor,
            currency: &order.currency,
            query_count: 0,
            created_at: at,
            updated_at: at,
        };
        // The new row as inserted, in the same statement; on the backend's own connection, since
        // the multi-backend one cannot return a `Selectable` struct.
        let attempt = crate::on_backend!(conn, |c| diesel::insert_into(payment_attempts::table)
            .values(&row)
            .returning(PaymentAttempt::as_returning())
            .get_result(c))?;
        Ok((order, attempt))
    })
}

/// Attempt `id` as it is now.
pub fn by_id(conn: &mut DbConnection, id: i64) -> Result<PaymentAttempt, DbError> {
    Ok(payment_attempts::table
        .find(id)
        .select(PaymentAttempt::as_select())
        .first(conn)?)
}

/// The attempt whose gateway `orderNo` is `order_no`.
pub fn by_order_no(
    conn: &mut DbConnection,
    order_no: &str,
) -> Result<Option<PaymentAttempt>, DbError> {
    Ok(payment_attempts::table
        .filter(payment_attempts::gateway_order_no.eq(order_no))
        .select(PaymentAttempt::as_select())
        .first(conn)
        .optional()?)
}

/// The attempt with AsiaBill transaction number `trade_no`.
pub fn by_trade_no(
    conn: &mut DbConnection,
    trade_no: &str,
) -> Result<Option<PaymentAttempt>, DbError> {
    Ok(payment_attempts::table
        .filter(payment_attempts::trade_no.eq(trade_no))
        .select(PaymentAttempt::as_select())
        .first(conn)
        .optional()?)
}
