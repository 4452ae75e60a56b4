//! Emails to shoppers: rendered into the outbox in the same transaction as the change they
//! report, then sent by a job through SMTP when `SMTP_URL` is set (otherwise they stay in the
//! outbox for the admin to read).

pub mod account;
pub mod outbox;
mod render;
pub mod send;

use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, models::NewOutboxEmail, now, schema::email_outbox},
    jobs::{self, NewJob},
};

/// Job kind that sends one outbox email.
pub const SEND_JOB: &str = "emails.send";

crate::text_enum! {
    /// Where an outbox email stands, as stored in `email_outbox.status`.
    pub enum OutboxStatus {
        /// Waiting to be sent (or sent again after a failure).
        Pending => "pending",
        /// Handed to the SMTP server.
        Sent => "sent",
        /// Given up on.
        Failed => "failed",
    }
}

/// The emails the shop sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// The order was placed.
    OrderReceived,
    /// Its payment went through.
    PaymentSucceeded,
    /// A payment attempt failed.
    PaymentFailed,
    /// A shipment was sent, with tracking.
    Shipped,
    /// Money was refunded.
    Refunded,
    /// The merchant charged the shopper's saved card an extra amount for the order.
    ExtraCharge,
    /// The merchant wrote the shopper a note about the order.
    CustomerNote,
}

impl EmailKind {
    /// The name stored in `email_outbox.kind` and used in locale keys.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::OrderReceived => "order_received",
            EmailKind::PaymentSucceeded => "payment_succeeded",
            EmailKind::PaymentFailed => "payment_failed",
            EmailKind::Shipped => "shipped",
            EmailKind::Refunded => "refunded",
            EmailKind::ExtraCharge => "extra_charge",
            EmailKind::CustomerNote => "customer_note",
        }
    }
}

/// What an email is about beyond its order: the attempt that failed, the shipment, the refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// Only the order.
    Order,
    /// A payment attempt (its id).
    Attempt(i64),
    /// A shipment (its id).
    Shipment(i64),
    /// A refund (its id).
    Refund(i64),
    /// A note to the customer (its id).
    Note(i64),
}

/// Renders an email for order `order_id` in the order's language and adds it to the outbox,
/// with a job to send it. Each (kind, order, subject) is queued once, however often this is
/// called, so a duplicated webhook never sends a second email.
pub fn queue(
    conn: &mut DbConnection,
    kind: EmailKind,
    order_id: i64,
    subject: Subject,
    public_url: &str,
) -> Result<(), DbError> {
    let dedupe_key = match subject {
        Subject::Order => format!("{}:{order_id}", kind.as_str()),
        Subject::Attempt(id) => format!("{}:{order_id}:attempt:{id}", kind.as_str()),
        Subject::Shipment(id) => format!("{}:{order_id}:shipment:{id}", kind.as_str()),
        Subject::Refund(id) => format!("{}:{order_id}:refund:{id}", kind.as_str()),
        Subject::Note(id) => format!("{}:{order_id}:note:{id}", kind.as_str()),
    };
    let email = render::render(conn, kind, order_id, subject, public_url)?;
    store(conn, Some(order_id), &dedupe_key, kind.as_str(), &email)
}

/// Adds a rendered email to the outbox with a job to send it, unless an email was queued under
/// `dedupe_key` before.
fn store(
    conn: &mut DbConnection,
    order_id: Option<i64>,
    dedupe_key: &str,
    kind: &str,
    email: &render::Rendered,
) -> Result<(), DbError> {
    // An email already queued under the key is not queued twice. `ON CONFLICT` rather than a
    // look first: one round trip fewer for every email, and no unique violation to abort the
    // caller's transaction on PostgreSQL when two transactions queue the same one.
    let insert = diesel::insert_into(email_outbox::table)
        .values(NewOutboxEmail {
            order_id,
            dedupe_key,
            kind,
            locale: email.lang.tag(),
            to_address: &email.to,
            subject: &email.subject,
            body_text: &email.text,
            body_html: &email.html,
            status: OutboxStatus::Pending,
            attempts: 0,
            created_at: now(),
        })
        .on_conflict(email_outbox::dedupe_key)
        .do_nothing()
        .returning(email_outbox::id);
    let queued: Option<i64> = crate::on_backend!(conn, |c| insert.get_result::<i64>(c).optional())?;
    let Some(id) = queued else {
        return Ok(());
    };
    jobs::enqueue(
        conn,
        &NewJob::new(SEND_JOB, serde_json::json!({ "outbox_id": id }))
            .dedupe(format!("{SEND_JOB}:{id}")),
    )?;
    Ok(())
}
