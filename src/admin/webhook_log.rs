//! The webhook log: every delivery received, as stored, and reprocessing one that did not apply.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::audit::{self, Actor, Target};
use crate::{
    db::{DbConnection, DbError, schema::webhook_events},
    payments::webhooks,
    web::AppState,
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
    pub status: String,
    pub error: Option<String>,
    pub apply_attempts: i64,
    pub received_at: NaiveDateTime,
    pub applied_at: Option<NaiveDateTime>,
}

impl Delivery {
    /// True when reprocessing may change something: the signature was good and applying it
    /// did not succeed (still `received` after a failure, or `flagged` for the merchant).
    pub fn reprocessable(&self) -> bool {
        self.signature_valid && matches!(self.status.as_str(), "received" | "flagged")
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
    status: Option<&str>,
    page: i64,
) -> Result<(Vec<Delivery>, i64), DbError> {
    let filtered = || {
        let mut q = webhook_events::table.into_boxed();
        if let Some(s) = status {
            q = q.filter(webhook_events::status.eq(s.to_owned()));
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
    state: &AppState,
    actor: &Actor,
    id: i64,
) -> Result<Option<Delivery>, DbError> {
    let Some(before) = state.db.run(move |conn| one(conn, id)).await? else {
        return Ok(None);
    };
    if before.reprocessable() {
        webhooks::reapply(state, id).await?;
    }
    let actor = actor.clone();
    let was = before.status.clone();
    state
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
                    "after": after.as_ref().map(|d| d.status.clone()),
                })),
            )?;
            Ok(after)
        })
        .await
}
