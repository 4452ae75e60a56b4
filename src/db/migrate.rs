//! Embedded migrations, one folder per backend with the same schema.

use diesel::{RunQueryDsl, sql_query};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use super::{DbConnection, DbError};

const SQLITE: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
const POSTGRES: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
const MIGRATION_LOCK: i64 = 0x5348_4f50; // "SHOP"

/// Applies every pending migration and returns how many ran.
///
/// Instances that start at the same moment must not both apply a migration: on PostgreSQL an
/// advisory lock serialises them; on SQLite the whole run is one `BEGIN IMMEDIATE` transaction
/// (diesel turns each migration's own transaction into a savepoint), because with a deferred
/// one both processes read "nothing applied" before either commits, and the second then fails
/// with "table already exists".
pub fn run_pending(conn: &mut DbConnection) -> Result<usize, DbError> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| DbError::Migration(e.to_string());
    match conn {
        DbConnection::Sqlite(c) => c.immediate_transaction(|c| {
            c.run_pending_migrations(SQLITE)
                .map(|v| v.len())
                .map_err(failed)
        }),
        DbConnection::Pg(c) => {
            sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})")).execute(c)?;
            let applied = c.run_pending_migrations(POSTGRES).map(|v| v.len());
            sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})")).execute(c)?;
            applied.map_err(failed)
        }
    }
}
