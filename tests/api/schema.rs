//! The two migration folders must build the same schema.

use std::collections::BTreeMap;

use asiabill_shop::db::DbConnection;
use diesel::{
    QueryableByName, RunQueryDsl, sql_query,
    sql_types::{BigInt, Text},
};

use crate::helpers::{TestDb, postgres_server};

#[derive(QueryableByName, Debug)]
struct Column {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = BigInt)]
    nullable: i64,
}

#[derive(QueryableByName, Debug)]
struct Index {
    #[diesel(sql_type = Text)]
    name: String,
}

type Shape = BTreeMap<String, Vec<(String, bool)>>;

fn columns(conn: &mut DbConnection) -> Shape {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT m.name AS table_name, p.name AS column_name,
                    CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable
             FROM sqlite_master m JOIN pragma_table_info(m.name) p
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
               AND m.name <> '__diesel_schema_migrations'
             ORDER BY m.name, p.cid"
        }
        DbConnection::Pg(_) => {
            "SELECT table_name::text AS table_name, column_name::text AS column_name,
                    CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END::bigint AS nullable
             FROM information_schema.columns
             WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations'
             ORDER BY table_name, ordinal_position"
        }
    };
    let mut shape = Shape::new();
    for c in sql_query(sql).load::<Column>(conn).expect("columns") {
        shape
            .entry(c.table_name)
            .or_default()
            .push((c.column_name, c.nullable == 1));
    }
    shape
}

fn indexes(conn: &mut DbConnection) -> Vec<String> {
    let sql = match conn {
        DbConnection::Sqlite(_) => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name"
        }
        DbConnection::Pg(_) => {
            "SELECT indexname::text AS name FROM pg_indexes
             WHERE schemaname = 'public' AND indexname NOT LIKE '%_pkey' ORDER BY indexname"
        }
    };
    sql_query(sql)
        .load::<Index>(conn)
        .expect("indexes")
        .into_iter()
        .map(|i| i.name)
        .collect()
}

#[test]
fn both_backends_have_the_same_tables_columns_and_indexes() {
    let Some(server) = postgres_server() else {
        eprintln!("skipped: set TEST_DATABASE_URL to a PostgreSQL URL to compare the backends");
        return;
    };
    let sqlite = TestDb::sqlite();
    let pg = TestDb::postgres(&server);
    let (sdb, pdb) = (sqlite.connect(), pg.connect());
    let (mut s, mut p) = (sdb.get().expect("sqlite"), pdb.get().expect("pg"));
    let (s_cols, p_cols) = (columns(&mut s), columns(&mut p));
    assert!(s_cols.len() >= 19, "{:?}", s_cols.keys());
    assert_eq!(s_cols, p_cols);
    assert_eq!(indexes(&mut s), indexes(&mut p));
}

#[test]
fn the_configured_backend_has_every_table_the_shop_needs() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let tables: Vec<String> = columns(&mut db.get().expect("conn")).into_keys().collect();
    for needed in [
        "categories",
        "products",
        "carts",
        "cart_items",
        "orders",
        "order_lines",
        "payment_attempts",
        "payment_events",
        "webhook_events",
        "webhook_rejections",
        "refunds",
        "shipments",
        "chargebacks",
        "admin_users",
        "admin_sessions",
        "login_throttles",
        "audit_log",
        "email_outbox",
        "jobs",
        "app_secrets",
    ] {
        assert!(
            tables.iter().any(|t| t == needed),
            "{needed} missing from {tables:?}"
        );
    }
}
