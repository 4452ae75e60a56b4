//! The audit log: who did what to which object, when, from where.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError, now, schema::audit_log};

/// Who acted.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The admin account, when known (a failed login may name no account).
    pub user_id: Option<i64>,
    /// The admin's email, kept even if the account is deleted later.
    pub email: String,
    /// The request's IP address.
    pub ip: String,
}

/// What was acted on: a kind of object and its identifier (an order number, a product id…).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// `order`, `refund`, `product`, `webhook`, `admin_user`…
    pub kind: &'a str,
    /// Its identifier as people read it.
    pub id: &'a str,
}

/// Writes one entry; callers run it in the same transaction as the change it records, where
/// there is one.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    target: Option<Target<'_>>,
    detail: Option<serde_json::Value>,
) -> Result<(), DbError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::admin_user_id.eq(actor.user_id),
            audit_log::actor.eq(&actor.email),
            audit_log::action.eq(action),
            audit_log::target_type.eq(target.map(|t| t.kind)),
            audit_log::target_id.eq(target.map(|t| t.id)),
            audit_log::detail.eq(detail.map(|d| d.to_string())),
            audit_log::ip.eq(Some(&actor.ip)),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// One entry as the admin pages list it.
#[derive(Debug, Clone, Queryable)]
pub struct Entry {
    /// Who.
    pub actor: String,
    /// What.
    pub action: String,
    /// Kind of object.
    pub target_type: Option<String>,
    /// Which object.
    pub target_id: Option<String>,
    /// Details, JSON.
    pub detail: Option<String>,
    /// From where.
    pub ip: Option<String>,
    /// When.
    pub created_at: NaiveDateTime,
}

/// The entries about one object, newest first.
pub fn for_target(conn: &mut DbConnection, kind: &str, id: &str) -> Result<Vec<Entry>, DbError> {
    Ok(audit_log::table
        .filter(audit_log::target_type.eq(kind))
        .filter(audit_log::target_id.eq(id))
        .order(audit_log::id.desc())
        .limit(200)
        .select((
            audit_log::actor,
            audit_log::action,
            audit_log::target_type,
            audit_log::target_id,
            audit_log::detail,
            audit_log::ip,
            audit_log::created_at,
        ))
        .load(conn)?)
}
