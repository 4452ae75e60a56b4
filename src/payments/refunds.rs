//! Refund outcomes, from the refund webhook or a refund query. (Requesting refunds is the
//! admin's; this module settles them.)

use asiabill::Money;
use diesel::prelude::*;

use super::{Source, transition::Effects};
use crate::{
    db::{
        DbConnection, DbError,
        models::{Order, Refund},
        now,
        schema::{orders, payment_attempts, payment_events, refunds},
    },
    emails::{self, EmailKind, Subject},
    orders::status,
};

/// What AsiaBill says about a refund.
#[derive(Debug, Clone)]
pub struct RefundNews {
    /// Our `merTrackNo`, when AsiaBill echoes it.
    pub mer_track_no: Option<String>,
    /// The payment's `tradeNo`.
    pub trade_no: String,
    /// The refunded amount.
    pub amount: Money,
    /// AsiaBill's refund batch number.
    pub batch_no: Option<String>,
    /// True for success, false for failure.
    pub succeeded: bool,
    /// AsiaBill's words, if any.
    pub message: Option<String>,
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundApplied {
    /// The refund was settled.
    Settled,
    /// It was settled already.
    Unchanged,
    /// No refund of ours matches: flag it for the merchant.
    NotFound,
}

/// Statuses a refund may be settled from.
const OPEN: [&str; 3] = ["reserved", "requested", "unknown"];

/// Settles the refund the news is about: matched on `merTrackNo`, else on the payment's
/// `tradeNo` and the amount. Must run inside a transaction.
pub fn apply(
    conn: &mut DbConnection,
    news: &RefundNews,
    source: Source,
    effects: &Effects,
) -> Result<RefundApplied, DbError> {
    let by_track = match news.mer_track_no.as_deref().filter(|t| !t.is_empty()) {
        Some(track) => refunds::table
            .filter(refunds::mer_track_no.eq(track))
            .select(Refund::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    let refund = match by_track {
        Some(r) => Some(r),
        None => refunds::table
            .inner_join(payment_attempts::table)
            .filter(payment_attempts::trade_no.eq(&news.trade_no))
            .filter(refunds::amount_minor.eq(news.amount.minor()))
            .filter(refunds::currency.eq(news.amount.currency().code()))
            .filter(refunds::status.eq_any(OPEN))
            .order(refunds::id)
            .select(Refund::as_select())
            .first(conn)
            .optional()?,
    };
    let Some(refund) = refund else {
        return Ok(RefundApplied::NotFound);
    };
    let to = if news.succeeded {
        "succeeded"
    } else {
        "failed"
    };
    let at = now();
    let moved = diesel::update(
        refunds::table
            .filter(refunds::id.eq(refund.id))
            .filter(refunds::status.eq_any(OPEN)),
    )
    .set((
        refunds::status.eq(to),
        refunds::batch_no.eq(news.batch_no.clone().or(refund.batch_no.clone())),
        refunds::gateway_message.eq(news.message.clone().or(refund.gateway_message.clone())),
        refunds::settled_at.eq(Some(at)),
        refunds::updated_at.eq(at),
    ))
    .execute(conn)?;
    if moved != 1 {
        return Ok(RefundApplied::Unchanged);
    }
    let order: Order = orders::table
        .find(refund.order_id)
        .select(Order::as_select())
        .first(conn)?;
    if news.succeeded {
        let fully = order.refunded_minor >= order.captured_minor;
        diesel::update(orders::table.find(order.id))
            .set((
                orders::status.eq(if fully {
                    status::REFUNDED
                } else {
                    status::PARTIALLY_REFUNDED
                }),
                orders::updated_at.eq(at),
            ))
            .execute(conn)?;
        emails::queue(
            conn,
            EmailKind::Refunded,
            order.id,
            Subject::Refund(refund.id),
            &effects.public_url,
        )?;
    } else {
        // The amount was reserved when the refund was requested; give it back.
        diesel::update(orders::table.find(order.id))
            .set((
                orders::refunded_minor.eq(orders::refunded_minor - refund.amount_minor),
                orders::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    diesel::insert_into(payment_events::table)
        .values((
            payment_events::order_id.eq(order.id),
            payment_events::attempt_id.eq(Some(refund.attempt_id)),
            payment_events::refund_id.eq(Some(refund.id)),
            payment_events::source.eq(source.as_str()),
            payment_events::kind.eq(format!("refund_{to}")),
            payment_events::from_status.eq(Some(refund.status.clone())),
            payment_events::to_status.eq(Some(to)),
            payment_events::message.eq(Some(format!(
                "Refund {} of {} {}{}",
                refund.mer_track_no,
                news.amount.to_gateway_string(),
                news.amount.currency().code(),
                news.message
                    .as_deref()
                    .map(|m| format!(": {m}"))
                    .unwrap_or_default()
            ))),
            payment_events::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(RefundApplied::Settled)
}
