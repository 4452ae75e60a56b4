//! Entries an admin's actions add to an order's timeline (source `admin` unless the news came
//! from a query).

use crate::{
    db::{DbConnection, DbError},
    orders::timeline::{self, Event, Message},
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
    pub message: Message,
    /// The gateway's answer or other detail, as JSON.
    pub detail: Option<serde_json::Value>,
    /// The admin's email.
    pub actor: &'a str,
}

/// Writes `note` to the timeline.
pub fn write(conn: &mut DbConnection, note: Note<'_>) -> Result<(), DbError> {
    let mut event = Event::new(note.order_id, note.source, note.kind)
        .says(note.message)
        .by(note.actor);
    event.attempt_id = note.attempt_id;
    event.refund_id = note.refund_id;
    event.detail = note.detail;
    timeline::record(conn, event)
}
