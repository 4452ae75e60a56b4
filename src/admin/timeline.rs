//! Entries an admin's actions add to an order's payment timeline (`payment_events`, source
//! `admin` unless the news came from a query).

use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, now, schema::payment_events},
    payments::Source,
};

/// One timeline entry.
#[derive(Debug, Clone)]
pub struct Note<'a> {
    /// The order.
    pub order_id: i64,
    /// The payment attempt, if the entry is about one.
    pub attempt_id: Option<i64>,
    /// The refund, if the entry is about one.
    pub refund_id: Option<i64>,
    /// Where the news came from.
    pub source: Source,
    /// Short machine-readable code (`refund_requested`, `capture_refused`…).
    pub kind: &'a str,
    /// What happened, in words.
    pub message: String,
    /// The gateway's answer or other detail, as JSON.
    pub detail: Option<serde_json::Value>,
    /// The admin's email.
    pub actor: &'a str,
}

/// Writes `note` to the timeline.
pub fn write(conn: &mut DbConnection, note: Note<'_>) -> Result<(), DbError> {
    diesel::insert_into(payment_events::table)
        .values((
            payment_events::order_id.eq(note.order_id),
            payment_events::attempt_id.eq(note.attempt_id),
            payment_events::refund_id.eq(note.refund_id),
            payment_events::source.eq(note.source.as_str()),
            payment_events::kind.eq(note.kind),
            payment_events::message.eq(Some(note.message)),
            payment_events::detail.eq(note.detail.map(|d| d.to_string())),
            payment_events::actor.eq(Some(note.actor)),
            payment_events::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
