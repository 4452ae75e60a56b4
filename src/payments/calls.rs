//! The AsiaBill traffic behind each payment, on the order's timeline: every call the shop made
//! (`sessionToken`, `confirmCharge`, `checkout/payment`, each query), every return of the
//! shopper's browser and every webhook, each with the attempt it belongs to. A reader of an
//! order follows the integration at work here; the transitions it caused sit beside it.

use super::Source;
use crate::{
    db::{DbConnection, DbError},
    orders::timeline::{self, Event, Message},
};

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
    /// What came of it, in a line; its `{endpoint}` is filled with [`Traffic::endpoint`].
    pub summary: Message,
    /// Anything worth keeping (the webhook's id, the answer's fields), as JSON.
    pub detail: Option<serde_json::Value>,
}

/// Writes `traffic` to the order's timeline.
pub fn record(conn: &mut DbConnection, traffic: &Traffic<'_>) -> Result<(), DbError> {
    timeline::record(conn, event(traffic))
}

/// [`record`] for a caller whose transaction holds the order's lock (`orders::lock`), or that
/// writes the entry alone, in no transaction (see `Event::held`).
pub fn record_held(conn: &mut DbConnection, traffic: &Traffic<'_>) -> Result<(), DbError> {
    timeline::record(conn, event(traffic).held())
}

fn event<'a>(traffic: &Traffic<'a>) -> Event<'a> {
    let mut event = Event::new(traffic.order_id, traffic.source, traffic.kind)
        .says(traffic.summary.clone().data("endpoint", traffic.endpoint));
    event.attempt_id = traffic.attempt_id;
    event.detail = traffic.detail.clone();
    event
}
