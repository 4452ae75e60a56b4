//! `GET /payment/asiabill/return`: the shopper's browser coming back from AsiaBill.
//!
//! The URL is never trusted alone: its signature must verify, its order number, amount and
//! currency must be the attempt's, and a success is confirmed with a transactions query before
//! the order is treated as paid.

use asiabill::{OrderStatus, returns::verify_return, types::Transaction};
use diesel::prelude::*;

use super::{
    AttemptStatus, Source, calls,
    query::{self, Reading},
    start::effects,
    transition::{self, Outcome},
};
use crate::{
    db::{
        DbError,
        models::PaymentAttempt,
        schema::{orders, payment_attempts},
        write_transaction,
    },
    orders::timeline::{self, Event, Message},
    payments::Payments,
};

/// Where the browser goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Returned {
    /// Paid or authorized: the order page.
    Paid {
        /// The order's page token.
        token: String,
    },
    /// Declined or cancelled: back to payment, with AsiaBill's reason.
    Failed {
        /// The order's page token.
        token: String,
        /// `orderInfo`.
        reason: String,
    },
    /// Not decided yet: the order page, which waits.
    Pending {
        /// The order's page token.
        token: String,
    },
    /// Refused: bad signature, unknown attempt, or amounts that do not match. Nothing changed.
    Rejected(&'static str),
}

/// Handles one return.
pub async fn handle(payments: &Payments, raw_query: &str) -> Result<Returned, DbError> {
    let verified = match verify_return(&payments.settings.gateway.credentials, raw_query) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "returnUrl refused");
            return Ok(Returned::Rejected("signature"));
        }
    };
    let params = verified.params;
    let order_no = params.order_no.clone();
    let found = payments
        .db
        // The attempt and its order's page token in one statement.
        .run(move |conn| {
            Ok::<_, DbError>(
                payment_attempts::table
                    .inner_join(orders::table)
                    .filter(payment_attempts::gateway_order_no.eq(&order_no))
                    .select((PaymentAttempt::as_select(), orders::access_token))
                    .first::<(PaymentAttempt, String)>(conn)
                    .optional()?,
            )
        })
        .await?;
    let Some((attempt, token)) = found else {
        tracing::warn!(order_no = %params.order_no, "returnUrl for an unknown attempt");
        return Ok(Returned::Rejected("unknown"));
    };
    if !attempt.is_for(&params.order_amount) {
        let note = Message::new("timeline.return_mismatch")
            .data("amount", params.order_amount.to_gateway_string())
            .data("currency", params.order_amount.currency().code())
            .data("order_no", &attempt.gateway_order_no);
        let flagged = Event::new(attempt.order_id, Source::Return, "amount_mismatch")
            .attempt(attempt.id)
            .says(note);
        payments
            .db
            .run(move |conn| timeline::record(conn, flagged))
            .await?;
        return Ok(Returned::Rejected("mismatch"));
    }
    let detail = serde_json::json!({
        "orderStatus": params.order_status.as_str(),
        "orderInfo": params.order_info,
        "tradeNo": params.trade_no,
    });
    let base = Outcome {
        trade_no: Some(params.trade_no.clone()),
        masked_card: params.mask_card_no.clone(),
        message: Some(params.order_info.clone()),
        detail: Some(detail),
        ..Outcome::default()
    };
    let visit = calls::Traffic {
        order_id: attempt.order_id,
        attempt_id: Some(attempt.id),
        source: Source::Return,
        kind: calls::RETURN,
        endpoint: "returnUrl",
        summary: Message::new("timeline.return_visit")
            .data("status", params.order_status.as_str())
            .data("info", &params.order_info)
            .data("trade_no", &params.trade_no),
        detail: None,
    };
    // A signed success is believed only once a transactions query confirms it.
    let confirmed = match params.order_status {
        OrderStatus::Success => Some(confirm(payments, &attempt, &params.trade_no).await),
        _ => None,
    };
    let confirming = confirmed.as_ref().map(|found| match found {
        Some((_, tx)) => Message::new("timeline.return_confirmed")
            .data("status", tx.trade_status.as_str())
            .data("info", &tx.trade_info)
            .data("trade_no", &tx.trade_no),
        None => Message::new("timeline.return_unconfirmed").data("trade_no", &params.trade_no),
    });
    let (outcome, returned) = match params.order_status {
        OrderStatus::Success => match confirmed.flatten() {
            Some((status, tx)) => (
                Outcome {
                    status: Some(status),
                    message: Some(format!("{} (confirmed by query)", tx.trade_info)),
                    note: Some(
                        Message::new("timeline.confirmed_by_query").data("info", &tx.trade_info),
                    ),
                    ..base
                },
                match status {
                    AttemptStatus::Paid | AttemptStatus::Authorized => Returned::Paid {
                        token: token.clone(),
                    },
                    AttemptStatus::Failed => Returned::Failed {
                        token: token.clone(),
                        reason: tx.trade_info,
                    },
                    _ => Returned::Pending {
                        token: token.clone(),
                    },
                },
            ),
            // Signed success, but the query did not (yet) confirm it: wait for the webhook or
            // the reconciler rather than call it paid.
            None => (
                Outcome {
                    status: Some(AttemptStatus::Pending),
                    ..base
                },
                Returned::Pending {
                    token: token.clone(),
                },
            ),
        },
        OrderStatus::Fail => (
            Outcome {
                status: Some(AttemptStatus::Failed),
                ..base
            },
            Returned::Failed {
                token: token.clone(),
                reason: params.order_info.clone(),
            },
        ),
        OrderStatus::Pending => (
            Outcome {
                status: Some(AttemptStatus::Pending),
                ..base
            },
            Returned::Pending {
                token: token.clone(),
            },
        ),
    };
    let effects = effects(payments);
    let (attempt_id, order_id) = (attempt.id, attempt.order_id);
    let query = confirming.map(|summary| calls::Traffic {
        source: Source::Query,
        kind: calls::CALL,
        endpoint: "transactions",
        summary,
        ..visit.clone()
    });
    let applied = payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                crate::orders::lock(conn, order_id)?;
                calls::record_held(conn, &visit)?;
                if let Some(query) = &query {
                    calls::record_held(conn, query)?;
                }
                transition::apply_held(conn, attempt_id, &outcome, Source::Return, &effects)
            })
        })
        .await?;
    // A return that arrives after the webhook settled the attempt sends the shopper to what is
    // true now, not to what the URL says.
    if let transition::Applied::Refused { current, .. } = applied {
        return Ok(match current {
            AttemptStatus::Paid | AttemptStatus::Authorized => Returned::Paid { token },
            AttemptStatus::Failed | AttemptStatus::Cancelled | AttemptStatus::Voided => {
                Returned::Failed {
                    token,
                    reason: params.order_info,
                }
            }
            _ => Returned::Pending { token },
        });
    }
    Ok(returned)
}

/// Asks AsiaBill about `trade_no`; returns the attempt state it implies and the transaction.
pub async fn confirm(
    payments: &Payments,
    attempt: &PaymentAttempt,
    trade_no: &str,
) -> Option<(AttemptStatus, Transaction)> {
    let day = chrono::Utc::now().date_naive();
    let tx = match query::ask(&payments.gateway, attempt, Some(trade_no), day).await {
        Ok(found) => found?,
        Err(e) => {
            tracing::warn!(error = %e, "could not confirm a payment by query");
            return None;
        }
    };
    match query::read(attempt, &tx) {
        Reading::Status(status) => Some((status, tx)),
        Reading::OtherAmount => None,
    }
}
