//! Asking AsiaBill what became of a payment attempt, and reading the answer: the one path used
//! by the returnUrl's confirming query, the reconciler and the admin's "Sync from AsiaBill".
//!
//! Each caller decides when to ask and what to record; what is asked, which listed transaction
//! is the attempt's, and what it means for the attempt are decided here once.

use asiabill::{
    codes::{AuthStatus, OrderStatus},
    types::{Transaction, TransactionsQuery},
};
use chrono::NaiveDate;

use super::{AttemptStatus, start::success_status};
use crate::db::models::PaymentAttempt;

/// Lists AsiaBill's transactions for `attempt` around `day` — by `trade_no` when one is known,
/// else by the attempt's `orderNo` — and picks the attempt's own: same `orderNo`, and same
/// `tradeNo` when one was asked for. `Ok(None)` when AsiaBill lists none.
pub async fn ask(
    gateway: &asiabill::Client,
    attempt: &PaymentAttempt,
    trade_no: Option<&str>,
    day: NaiveDate,
) -> Result<Option<Transaction>, asiabill::Error> {
    let query = match trade_no {
        Some(trade_no) => TransactionsQuery::by_trade_no_near(trade_no, day),
        None => TransactionsQuery::by_order_no_near(&attempt.gateway_order_no, day),
    };
    let page = gateway.transactions(&query).await?;
    Ok(page.list.into_iter().find(|t| {
        t.order_no == attempt.gateway_order_no && trade_no.is_none_or(|n| t.trade_no == n)
    }))
}

/// What a transaction AsiaBill lists means for the attempt it was found for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// It is the attempt's, and puts it in this state.
    Status(AttemptStatus),
    /// Its amount or currency is not the attempt's: nothing may be applied from it.
    OtherAmount,
}

/// Reads `tx` for `attempt`.
pub fn read(attempt: &PaymentAttempt, tx: &Transaction) -> Reading {
    if attempt.is_for(&tx.trade_amount) {
        Reading::Status(status_of(attempt, tx))
    } else {
        Reading::OtherAmount
    }
}

/// The attempt state a queried transaction implies.
pub fn status_of(attempt: &PaymentAttempt, tx: &Transaction) -> AttemptStatus {
    match tx.trade_status {
        OrderStatus::Success => match tx.auth_status {
            Some(AuthStatus::Pending) => AttemptStatus::Authorized,
            Some(AuthStatus::Void) => AttemptStatus::Voided,
            Some(AuthStatus::Capture | AuthStatus::Sale) => AttemptStatus::Paid,
            _ => success_status(attempt),
        },
        OrderStatus::Fail => AttemptStatus::Failed,
        OrderStatus::Pending => AttemptStatus::Pending,
    }
}
