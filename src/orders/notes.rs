//! Notes on an order: internal ones, which only admins read, and notes to the customer, which
//! are emailed to the shopper (through the outbox) and shown on the order's own page.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::timeline::{self, Event, Message};
use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError, now,
        schema::{order_notes, orders},
        write_transaction,
    },
    emails::{self, EmailKind, Subject},
    payments::Source,
};

/// The longest note accepted, in characters.
pub const MAX_CHARS: usize = 2000;

crate::text_enum! {
    /// Who a note is for, as stored in `order_notes.kind`.
    pub enum NoteKind {
        /// Admins only.
        Internal => "internal",
        /// The shopper: emailed, and shown on the order page.
        Customer => "customer",
    }
}

/// A note as the pages list it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_notes)]
pub struct Note {
    /// Its id.
    pub id: i64,
    /// Who it is for.
    pub kind: NoteKind,
    /// What the admin wrote.
    pub body: String,
    /// The admin's email.
    pub author: String,
    /// When (UTC).
    pub created_at: NaiveDateTime,
}

/// Why a note was not added.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    /// No order with that number.
    #[error("no such order")]
    NotFound,
    /// Empty, or longer than [`MAX_CHARS`].
    #[error("a note has 1 to {MAX_CHARS} characters")]
    Length,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for NoteError {
    fn from(e: diesel::result::Error) -> Self {
        NoteError::Db(e.into())
    }
}

/// Adds a note of `kind` to order `number`, written by `actor`; a note to the customer is
/// queued for email in the same transaction, so that a note is never saved without its email
/// or emailed without being saved. Returns the note's id.
pub fn add(
    conn: &mut DbConnection,
    actor: &Actor,
    number: &str,
    kind: NoteKind,
    body: &str,
    public_url: &str,
) -> Result<i64, NoteError> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_CHARS {
        return Err(NoteError::Length);
    }
    write_transaction(conn, |conn| {
        let order_id: i64 = orders::table
            .filter(orders::number.eq(number))
            .select(orders::id)
            .first(conn)
            .optional()?
            .ok_or(NoteError::NotFound)?;
        let at = now();
        let id: i64 = diesel::insert_into(order_notes::table)
            .values((
                order_notes::order_id.eq(order_id),
                order_notes::kind.eq(kind),
                order_notes::body.eq(body),
                order_notes::author.eq(&actor.email),
                order_notes::admin_user_id.eq(actor.user_id),
                order_notes::created_at.eq(at),
            ))
            .returning(order_notes::id)
            .get_result(conn)?;
        if kind == NoteKind::Customer {
            emails::queue(
                conn,
                EmailKind::CustomerNote,
                order_id,
                Subject::Note(id),
                public_url,
            )?;
        }
        let mut event = Event::new(order_id, Source::Admin, "note_added")
            .says(Message::new(&format!("timeline.note_{kind}")).data("actor", &actor.email))
            .at(at);
        event.actor = Some(&actor.email);
        timeline::record(conn, event)?;
        audit::record(
            conn,
            actor,
            "order.note",
            Some(Target {
                kind: "order",
                id: number,
            }),
            Some(serde_json::json!({ "note": id, "kind": kind.as_str() })),
        )?;
        Ok(id)
    })
}

/// The notes of order `order_id`, oldest first; only those to the customer when
/// `customer_only` (the shopper's page).
pub fn of_order(
    conn: &mut DbConnection,
    order_id: i64,
    customer_only: bool,
) -> Result<Vec<Note>, DbError> {
    let mut query = order_notes::table
        .filter(order_notes::order_id.eq(order_id))
        .order(order_notes::id)
        .select(Note::as_select())
        .into_boxed();
    if customer_only {
        query = query.filter(order_notes::kind.eq(NoteKind::Customer));
    }
    Ok(query.load(conn)?)
}

/// The body of note `id`, for its email.
pub fn body(conn: &mut DbConnection, id: i64) -> Result<String, DbError> {
    Ok(order_notes::table
        .find(id)
        .select(order_notes::body)
        .first(conn)?)
}
