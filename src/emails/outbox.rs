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
