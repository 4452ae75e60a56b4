//! The email outbox as the merchant reads it.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError, schema::email_outbox};

/// Emails per page.
pub const PER_PAGE: i64 = 50;

/// An outbox email.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
#[expect(missing_docs, reason = "fields mirror the email_outbox columns")]
pub struct Email {
    pub id: i64,
    pub order_id: Option<i64>,
    pub kind: String,
    pub locale: String,
    pub to_address: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: super::OutboxStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// One page of emails, newest first, and the total.
pub fn page(conn: &mut DbConnection, page: i64) -> Result<(Vec<Email>, i64), DbError> {
    let total = email_outbox::table.count().get_result(conn)?;
    let rows = email_outbox::table
        .order(email_outbox::id.desc())
        .limit(PER_PAGE)
        .offset((page.max(1) - 1).saturating_mul(PER_PAGE))
        .select(Email::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// One email.
pub fn one(conn: &mut DbConnection, id: i64) -> Result<Option<Email>, DbError> {
    Ok(email_outbox::table
        .find(id)
        .select(Email::as_select())
        .first(conn)
        .optional()?)
}

/// The emails of order `order_id`, oldest first.
pub fn of_order(conn: &mut DbConnection, order_id: i64) -> Result<Vec<Email>, DbError> {
    Ok(email_outbox::table
        .filter(email_outbox::order_id.eq(order_id))
        .order(email_outbox::id)
        .select(Email::as_select())
        .load(conn)?)
}

/// Queues a copy of email `id` of order `order_id` (the same words, to the same address) with
/// a job to send it: a shopper who lost an email gets it again. The copy has a key of its own,
/// so it is never taken for the original by the outbox's deduplication. False when the order
/// has no such email.
pub fn resend(conn: &mut DbConnection, order_id: i64, id: i64) -> Result<bool, DbError> {
    let Some(original) = email_outbox::table
        .find(id)
        .filter(email_outbox::order_id.eq(order_id))
        .select((Email::as_select(), email_outbox::dedupe_key))
        .first::<(Email, String)>(conn)
        .optional()?
    else {
        return Ok(false);
    };
    let (email, key) = original;
    let copy = super::render::Rendered {
        lang: crate::i18n::Lang::from_tag(&email.locale).unwrap_or_default(),
        to: email.to_address,
        subject: email.subject,
        text: email.body_text,
        html: email.body_html,
    };
    let key = format!("{key}:resend:{}", crate::orders::new_access_token());
    super::store(conn, Some(order_id), &key, &email.kind, &copy)?;
    Ok(true)
}
