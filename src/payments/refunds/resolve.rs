//! Settling a refund whose outcome is unknown or still awaited, from the admin's side: marked by
//! an admin who checked with AsiaBill, or by asking AsiaBill (`refund query`) for its verdict.
//! Both end in [`super::settle::apply`], as the refund webhook does.

use asiabill::{Currency, Money, types::RefundStatus as GatewayRefundStatus};
use diesel::prelude::*;

use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::Refund,
        schema::{payment_attempts, refunds},
        write_transaction,
    },
    orders::timeline::{self, Event, Message},
    payments::{
        Payments, RefundStatus, Source,
        refunds::{RefundApplied, RefundNews, settle},
        start::effects,
    },
};

/// Why a refund could not be settled by hand or by query.
#[derive(Debug, thiserror::Error)]
pub enum SettleError {
    /// No such refund.
    #[error("no such refund")]
    NotFound,
    /// Only refunds whose outcome is unknown are settled by hand.
    #[error("the refund is {0}")]
    NotOpen(RefundStatus),
    /// The refund has no batch number to query.
    #[error("the refund has no AsiaBill batch number")]
    NoBatch,
    /// AsiaBill could not be asked.
    #[error("AsiaBill could not be asked: {0}")]
    Gateway(String),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SettleError {
    fn from(e: diesel::result::Error) -> Self {
        SettleError::Db(e.into())
    }
}

fn news_for(
    conn: &mut DbConnection,
    refund: &Refund,
    succeeded: bool,
    currency: Currency,
) -> Result<RefundNews, DbError> {
    let trade_no: Option<String> = payment_attempts::table
        .find(refund.attempt_id)
        .select(payment_attempts::trade_no)
        .first(conn)?;
    Ok(RefundNews {
        mer_track_no: Some(refund.mer_track_no.clone()),
        trade_no: trade_no.unwrap_or_default(),
        amount: Money::new(
            refund.amount_minor,
            Currency::parse(&refund.currency).unwrap_or(currency),
        ),
        batch_no: refund.batch_no.clone(),
        succeeded,
        message: None,
        marked_by: None,
    })
}

/// Settles a refund whose outcome is `unknown`, after the admin checked with AsiaBill.
pub async fn mark(
    payments: &Payments,
    actor: &Actor,
    refund_id: i64,
    succeeded: bool,
) -> Result<Refund, SettleError> {
    let effects = effects(payments);
    let currency = payments.settings.currency;
    let actor = actor.clone();
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let refund: Refund = refunds::table
                    .find(refund_id)
                    .select(Refund::as_select())
                    .first(conn)
                    .optional()?
                    .ok_or(SettleError::NotFound)?;
                if refund.status != RefundStatus::Unknown {
                    return Err(SettleError::NotOpen(refund.status));
                }
                let mut news = news_for(conn, &refund, succeeded, currency)?;
                news.marked_by = Some(actor.email.clone());
                settle::apply(conn, &news, Source::Admin, &effects)?;
                audit::record(
                    conn,
                    &actor,
                    if succeeded {
                        "refund.mark_succeeded"
                    } else {
                        "refund.mark_failed"
                    },
                    Some(Target {
                        kind: "refund",
                        id: &refund.mer_track_no,
                    }),
                    None,
                )?;
                Ok(refund)
            })
        })
        .await
}

/// What a refund query found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Queried {
    /// AsiaBill says it succeeded or failed; the refund is settled accordingly (if it was not).
    Settled {
        /// True for success.
        succeeded: bool,
    },
    /// AsiaBill has not decided; its word for the payments.
    Pending(String),
}

/// Asks AsiaBill about a refund (`refund_query`) and settles it when AsiaBill has decided.
pub async fn query(
    payments: &Payments,
    actor: &Actor,
    refund_id: i64,
) -> Result<(Refund, Queried), SettleError> {
    let refund: Refund = payments
        .db
        .run(move |conn| {
            refunds::table
                .find(refund_id)
                .select(Refund::as_select())
                .first(conn)
                .optional()
                .map_err(DbError::from)
        })
        .await?
        .ok_or(SettleError::NotFound)?;
    let batch_no = refund.batch_no.clone().ok_or(SettleError::NoBatch)?;
    let details = payments
        .gateway
        .refund_query(&batch_no)
        .await
        .map_err(|e| SettleError::Gateway(e.to_string()))?;
    let verdict = match &details.refund_status {
        Some(GatewayRefundStatus::Success) => Queried::Settled { succeeded: true },
        Some(GatewayRefundStatus::Fail) => Queried::Settled { succeeded: false },
        Some(GatewayRefundStatus::Pending) => Queried::Pending("pending".into()),
        Some(GatewayRefundStatus::Other(word)) => Queried::Pending(word.clone()),
        None => Queried::Pending("?".into()),
    };
    let effects = effects(payments);
    let currency = payments.settings.currency;
    let (actor, settled_refund, found) = (actor.clone(), refund.clone(), verdict.clone());
    let raw = details.raw.clone();
    let details = details.clone();
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                if let Queried::Settled { succeeded } = found {
                    let news = news_for(conn, &settled_refund, succeeded, currency)?
                        .as_queried(&details);
                    match settle::apply(conn, &news, Source::Query, &effects)? {
                        RefundApplied::NotFound => {
                            tracing::warn!(refund = %settled_refund.mer_track_no, "queried refund not matched");
                        }
                        RefundApplied::Mismatch(note) | RefundApplied::Overridden(note) => {
                            tracing::warn!(refund = %settled_refund.mer_track_no, note = %note.english(), "queried refund flagged");
                        }
                        RefundApplied::Settled | RefundApplied::Unchanged => {}
                    }
                }
                timeline::record(
                    conn,
                    Event {
                        order_id: settled_refund.order_id,
                        attempt_id: Some(settled_refund.attempt_id),
                        refund_id: Some(settled_refund.id),
                        source: Source::Query,
                        kind: "refund_queried",
                        message: Some( Message::new("timeline.refund_queried")
                            .data("number", &settled_refund.mer_track_no)
                            .data("batch", &batch_no)),
                        detail: Some(raw),
                        actor: Some(&actor.email),
                        from: None,
                        to: None,
                        at: None,
                        held: false,
                    },
                )?;
                audit::record(
                    conn,
                    &actor,
                    "refund.query",
                    Some(Target {
                        kind: "refund",
                        id: &settled_refund.mer_track_no,
                    }),
                    None,
                )?;
                Ok::<_, DbError>(())
            })
        })
        .await?;
    Ok((refund, verdict))
}
