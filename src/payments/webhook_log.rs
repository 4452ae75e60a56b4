//! The webhook log: every delivery received, as stored, reprocessing one that did not apply,
//! and dismissing one the merchant has dealt with.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    accounts::audit::{self, Actor, Target},
    db::{DbConnection, DbError, now, schema::webhook_events, write_transaction},
    i18n::Lang,
    orders::timeline,
    payments::{Payments, WebhookStatus, webhooks},
};

/// Deliveries per page.
pub const PER_PAGE: i64 = 50;

/// A stored delivery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_events)]
#[expect(missing_docs, reason = "fields mirror the webhook_events columns")]
pub struct Delivery {
    pub id: i64,
    pub request_id: String,
    pub request_time: String,
    pub gateway_no: String,
    pub version: Option<String>,
    pub headers: String,
    pub body: String,
    pub event_type: Option<String>,
    pub gateway_order_no: Option<String>,
    pub trade_no: Option<String>,
    pub signature_valid: bool,
    pub status: WebhookStatus,
    pub error: Option<String>,
    pub apply_attempts: i64,
    pub received_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
    pub dismissed_at: Option<NaiveDateTime>,
    pub dismissed_by: Option<String>,
    pub dismissal_note: Option<String>,
    pub deliveries: i64,
    pub last_delivered_at: Option<NaiveDateTime>,
    pub error_key: Option<String>,
    pub error_args: Option<String>,
}

impl Delivery {
    /// How it was handled, when not simply applied, in `lang` (the stored English when the
    /// note has no text key).
    pub fn note(&self, lang: Lang) -> Option<String> {
        self.error.as_deref().map(|english| {
            timeline::entry_text(
                lang,
                self.error_key.as_deref(),
                self.error_args.as_deref(),
                english,
            )
        })
    }
}

/// Longest dismissal note kept.
pub const NOTE_LIMIT: usize = 500;

/// The event type a delivery names: as parsed when its signature verified, else the body's
/// `type` field as received (a refused delivery is never parsed, but the merchant still wants
/// to know what it claimed to be).
pub fn type_as_received(event_type: Option<&str>, body: &str) -> Option<String> {
    if let Some(t) = event_type.filter(|t| !t.is_empty()) {
        return Some(t.to_owned());
    }
    serde_json::from_str::<serde_json::Value>(body)
        .ok()?
        .get("type")?
        .as_str()
        .map(|t| t.chars().take(64).collect::<String>())
        .filter(|t| !t.trim().is_empty())
}

impl Delivery {
    /// True when reprocessing may change something: the signature was good and applying it
    /// did not succeed (still `received` after a failure, or `flagged` for the merchant).
    pub fn reprocessable(&self) -> bool {
        self.signature_valid
            && matches!(
                self.status,
                WebhookStatus::Received | WebhookStatus::Flagged
            )
    }

    /// True when the delivery is in "Needs attention": refused, flagged, or not applied after a
    /// try, and not dismissed.
    pub fn needs_attention(&self) -> bool {
        self.dismissed_at.is_none()
            && (matches!(self.status, WebhookStatus::Failed | WebhookStatus::Flagged)
                || (self.status == WebhookStatus::Received && self.apply_attempts > 0))
    }

    /// The event type as received (see [`type_as_received`]).
    pub fn type_as_received(&self) -> Option<String> {
        type_as_received(self.event_type.as_deref(), &self.body)
    }

    /// The headers as name/value pairs (stored as a JSON list of pairs).
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        serde_json::from_str(&self.headers).unwrap_or_default()
    }

    /// The body, pretty-printed when it is JSON.
    pub fn pretty_body(&self) -> String {
        serde_json::from_str::<serde_json::Value>(&self.body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| self.body.clone())
    }
}

/// One page of deliveries, newest first, optionally only those in `status`; and the total.
pub fn page(
    conn: &mut DbConnection,
    status: Option<WebhookStatus>,
    page: i64,
) -> Result<(Vec<Delivery>, i64), DbError> {
    let filtered = || {
        let mut q = webhook_events::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(webhook_events::status.eq(s));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(webhook_events::id.desc())
        .limit(PER_PAGE)
        .offset((page.max(1) - 1).saturating_mul(PER_PAGE))
        .select(Delivery::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// One delivery.
pub fn one(conn: &mut DbConnection, id: i64) -> Result<Option<Delivery>, DbError> {
    Ok(webhook_events::table
        .find(id)
        .select(Delivery::as_select())
        .first(conn)
        .optional()?)
}

/// Applies delivery `id` again and returns it as it stands afterwards; `None` when there is no
/// such delivery. A delivery that cannot be reprocessed is returned unchanged.
pub async fn reprocess(
    payments: &Payments,
    actor: &Actor,
    id: i64,
) -> Result<Option<Delivery>, DbError> {
    let Some(before) = payments.db.run(move |conn| one(conn, id)).await? else {
        return Ok(None);
    };
    if before.reprocessable() {
        webhooks::reapply(payments, id).await?;
    }
    let actor = actor.clone();
    let was = before.status;
    payments
        .db
        .run(move |conn| {
            let after = one(conn, id)?;
            audit::record(
                conn,
                &actor,
                "webhook.reprocess",
                Some(Target {
                    kind: "webhook",
                    id: &id.to_string(),
                }),
                Some(serde_json::json!({
                    "before": was,
                    "after": after.as_ref().map(|d| d.status),
                })),
            )?;
            Ok(after)
        })
        .await
}

/// What a dismissal did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dismissed {
    /// Dismissed now.
    Done,
    /// Nothing to dismiss: applied, ignored, or dismissed already.
    NotNeeded,
    /// The note is empty or too long.
    BadNote,
    /// No such delivery.
    NotFound,
}

/// Dismisses delivery `id` from "Needs attention" with the admin's `note`, audited; the row
/// stays in the log, marked resolved.
pub fn dismiss(
    conn: &mut DbConnection,
    actor: &Actor,
    id: i64,
    note: &str,
) -> Result<Dismissed, DbError> {
    let note = note.trim();
    if note.is_empty() || note.chars().count() > NOTE_LIMIT {
        return Ok(Dismissed::BadNote);
    }
    write_transaction(conn, |conn| {
        let Some(delivery) = one(conn, id)? else {
            return Ok(Dismissed::NotFound);
        };
        if !delivery.needs_attention() {
            return Ok(Dismissed::NotNeeded);
        }
        // Conditional on not being dismissed yet, so two admins at once record one dismissal.
        let changed = diesel::update(
            webhook_events::table
                .find(id)
                .filter(webhook_events::dismissed_at.is_null()),
        )
        .set((
            webhook_events::dismissed_at.eq(Some(now())),
            webhook_events::dismissed_by.eq(Some(&actor.email)),
            webhook_events::dismissal_note.eq(Some(note)),
        ))
        .execute(conn)?;
        if changed == 0 {
            return Ok(Dismissed::NotNeeded);
        }
        audit::record(
            conn,
            actor,
            "webhook.dismiss",
            Some(Target {
                kind: "webhook",
                id: &id.to_string(),
            }),
            Some(serde_json::json!({ "status": delivery.status, "note": note })),
        )?;
        Ok(Dismissed::Done)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_is_the_parsed_one_else_the_bodys_as_received() {
        assert_eq!(
            type_as_received(Some("refund.success"), "{}").as_deref(),
            Some("refund.success")
        );
        assert_eq!(
            type_as_received(None, r#"{"type":"chargeback.success","data":{}}"#).as_deref(),
            Some("chargeback.success")
        );
        assert_eq!(type_as_received(None, "{\"data\":{}}"), None);
        assert_eq!(type_as_received(None, "not json, cut sho"), None);
    }
}
