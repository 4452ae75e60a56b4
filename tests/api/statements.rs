//! The payment path's inserts stay prepared on PostgreSQL: parsed and planned once per
//! connection, not on every webhook (`src/db/models.rs` says why).

use asiabill_shop::{
    db::{DbConnection, models::NewWebhookEvent, now, schema::webhook_events},
    payments::WebhookStatus,
};
use diesel::{QueryableByName, RunQueryDsl, sql_query, sql_types::Text};

use crate::helpers::{TestDb, postgres_server};

#[derive(QueryableByName)]
struct Prepared {
    #[diesel(sql_type = Text)]
    statement: String,
}

fn event<'a>(sha: &'a str, event_type: Option<&'a str>) -> NewWebhookEvent<'a> {
    NewWebhookEvent {
        body_sha256: sha,
        request_id: sha,
        request_time: "2026-12-07T00:00:00Z",
        gateway_no: "12345678",
        version: None,
        headers: "[]",
        body: "{}",
        event_type,
        gateway_order_no: None,
        trade_no: None,
        signature_valid: true,
        status: WebhookStatus::Received,
        error: None,
        apply_attempts: 0,
        applied_at: None,
        received_at: now(),
    }
}

// A statement diesel does not cache is sent unnamed and never shows in the session's
// `pg_prepared_statements`; the view is PostgreSQL's, so on SQLite there is nothing to observe.
#[test]
fn a_webhook_row_is_inserted_by_one_prepared_statement_whichever_fields_are_empty() {
    if postgres_server().is_none() {
        eprintln!("SQLite: PostgreSQL's prepared statements are not observable here; skipped");
        return;
    }
    let db = TestDb::new();
    let pool = db.connect();
    let mut conn = pool.get().expect("connection");
    let conn: &mut DbConnection = &mut conn;
    for (sha, event_type) in [("a", None), ("b", Some("transaction.pending"))] {
        diesel::insert_into(webhook_events::table)
            .values(event(sha, event_type))
            .execute(conn)
            .expect("insert a webhook row");
    }
    let DbConnection::Pg(pg) = conn else {
        panic!("a PostgreSQL connection")
    };
    let inserts: Vec<String> = sql_query("SELECT statement FROM pg_prepared_statements")
        .load::<Prepared>(pg)
        .expect("the session's prepared statements")
        .into_iter()
        .map(|p| p.statement)
        .filter(|s| s.starts_with(r#"INSERT INTO "webhook_events""#))
        .collect();
    assert_eq!(inserts.len(), 1, "{inserts:?}");
    assert!(!inserts[0].contains("DEFAULT"), "{inserts:?}");
}
