//! The AsiaBill traffic behind each payment, on the order's timeline: every call the shop made
//! (`sessionToken`, `confirmCharge`, `checkout/payment`, each query), every return of the
//! shopper's browser and every webhook, each with the attempt it belongs to. A reader of an
//! order follows the integration at work here; the transitions it caused sit beside it.

use diesel::prelude::*;

use super::Source;
use crate::db::{DbConnection, DbError, now, schema::payment_events};

/// Timeline kind of a call the shop made to AsiaBill.
pub const CALL: &str = "gateway_call";
/// Timeline kind of the shopper's browser coming back on the `returnUrl`.
pub const RETURN: &str = "return_visit";
/// Timeline kind of a webhook applied to the order; its detail names the stored webhook.
pub const WEBHOOK: &str = "webhook_received";

/// One piece of AsiaBill traffic.
#[derive(Debug, Clone)]
pub struct Traffic<'a> {
    /// The order it concerns.
    pub order_id: i64,
    /// The attempt it concerns, when there is one yet.
    pub attempt_id: Option<i64>,
    /// Who spoke: `api` for our calls, `return`, `webhook`, `query`.
    pub source: Source,
    /// [`CALL`], [`RETURN`] or [`WEBHOOK`].
    pub kind: &'static str,
    /// The endpoint or channel, as AsiaBill names it (`confirmCharge`, `returnUrl`, …).
    pub endpoint: &'a str,
    /// What came of it, in a line.
    pub summary: String,
    /// Anything worth keeping (the webhook's id, the answer's fields), as JSON.
    pub detail: Option<serde_json::Value>,
}

/// Writes `traffic` to the order's timeline.
pub fn record(conn: &mut DbConnection, traffic: &Traffic<'_>) -> Result<(), DbError> {
    diesel::insert_into(payment_events::table)
        .values((
            payment_events::order_id.eq(traffic.order_id),
            payment_events::attempt_id.eq(traffic.attempt_id),
            payment_events::source.eq(traffic.source.as_str()),
            payment_events::kind.eq(traffic.kind),
            payment_events::message.eq(Some(format!("{}: {}", traffic.endpoint, traffic.summary))),
            payment_events::detail.eq(traffic.detail.as_ref().map(ToString::to_string)),
            payment_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
