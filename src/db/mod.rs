//! The database: one connection type over SQLite and PostgreSQL, a pool, migrations, and the
//! helpers that make transactions behave the same on both.

pub mod batch;
mod connection;
mod handover;
pub mod migrate;
pub mod models;
pub mod prepared;
pub mod schema;
pub mod secrets;
mod sqlite_fast;
pub mod text_enum;

use std::time::Duration;

use diesel::{
    connection::{AnsiTransactionManager, SimpleConnection, TransactionManager},
    prelude::*,
    r2d2::{self, ManageConnection, R2D2Connection},
};

pub use connection::DbConnection;

use crate::config::DatabaseUrl;

/// A pooled connection.
pub type PooledConnection = r2d2::PooledConnection<Manager>;

/// Everything that can go wrong talking to the database.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// No connection could be had from the pool in time (database down or saturated).
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    /// Migrations could not be applied.
    #[error("database migration failed: {0}")]
    Migration(String),
    /// A document stored with the change (an email) could not be rendered, so the whole
    /// transaction is rolled back rather than committed without it.
    #[error("could not render {0}")]
    Render(String),
    /// The blocking task running the query panicked or was cancelled.
    #[error("database task did not complete: {0}")]
    Task(#[from] tokio::task::JoinError),
    /// A read or write was dropped before it finished: the process is stopping, or it (or a
    /// write committed with it) panicked.
    #[error("the database work was abandoned before it finished")]
    Abandoned,
    /// The transaction that carried a write (with others, see [`Db::write`]) failed to commit.
    #[error("the transaction could not be committed: {0}")]
    Commit(String),
    /// The statement that carried this request's work with other requests' failed (see
    /// [`batch`]); nothing of it was written.
    #[error("the batched statement failed: {0}")]
    Batch(String),
    /// A database thread (SQLite's readers and writer) could not be started.
    #[error("could not start a database thread: {0}")]
    Thread(std::io::Error),
}

impl DbError {
    /// True when the row the query wanted to add was already there (a unique index refused it),
    /// which is how both backends report "already seen" without `ON CONFLICT`.
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            DbError::Query(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// Opens connections for the pool, choosing the backend from the configured URL.
///
/// Diesel's derived `MultiConnection::establish` tries each backend in turn, so an unreachable
/// PostgreSQL URL would fall through to SQLite and create a file named after the URL; choosing
/// here gives the real error instead.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres(url) => {
                use secrecy::ExposeSecret;
                let mut conn = PgConnection::establish(url.expose_secret())
                    .map_err(r2d2::Error::ConnectionError)?;
                // As SQLite's busy timeout: a statement that waits this long for a lock fails
                // instead of holding its request (and a pooled connection) indefinitely. The
                // webhook then answers 503 and AsiaBill delivers it again.
                conn.batch_execute("SET lock_timeout = '5s'")
                    .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Pg(conn))
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())
                    .map_err(r2d2::Error::ConnectionError)?;
                // WAL lets readers proceed while one writer commits; the busy timeout makes a
                // second writer wait for the lock instead of failing at once. The WAL is copied
                // back into the database (a checkpoint, with an fsync) by the commit that
                // crosses `wal_autocheckpoint` pages, on that commit's thread: every 10,000 pages
                // rather than SQLite's 1,000, the pages written over and over (index leaves,
                // the tail of a table) are copied once instead of ten times; the file is cut
                // back to 64 MiB after a checkpoint.
                // The busy timeout first: a new connection opened while another one writes
                // must wait for the lock in the PRAGMAs below too, not fail at once (the pool
                // then answers a request with an error).
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA foreign_keys = ON;
                     PRAGMA wal_autocheckpoint = 10000;
                     PRAGMA journal_size_limit = 67108864;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        // A connection handed back while a panic unwinds may sit inside a transaction.
        std::thread::panicking() || conn.is_broken()
    }
}

/// The shop's database: a pool of connections and the backend it speaks.
#[derive(Clone)]
pub struct Db {
    pool: r2d2::Pool<Manager>,
    postgres: bool,
    /// SQLite only: the reader and writer threads of [`Db::read`] and [`Db::write`], with
    /// connections of their own (shared by the clones of this handle).
    sqlite: Option<sqlite_fast::SqliteFast>,
}

impl Db {
    /// Builds the pool and opens a first connection, so a wrong URL fails here and not on the
    /// first page view. SQLite's folder is created when missing.
    pub fn connect(url: &DatabaseUrl) -> Result<Self, DbError> {
        if let DatabaseUrl::Sqlite(path) = url
            && let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| {
                DbError::Migration(format!("cannot create folder {}: {e}", dir.display()))
            })?;
        }
        let size = if url.is_postgres() { 16 } else { 8 };
        let pool = r2d2::Pool::builder()
            .max_size(size)
            // No idle connections kept in reserve: r2d2 opens those on a background thread, and a
            // process that exits while libpq is connecting there crashes (seen with `shop migrate`).
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(5))
            .test_on_check_out(false)
            .build(Manager { url: url.clone() })?;
        // SQLite's database threads keep their connections open (the crash at exit noted
        // above is libpq's).
        let sqlite = match url {
            DatabaseUrl::Sqlite(_) => Some(sqlite_fast::SqliteFast::start(url)?),
            DatabaseUrl::Postgres(_) => None,
        };
        Ok(Db {
            pool,
            postgres: url.is_postgres(),
            sqlite,
        })
    }

    /// True on PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres
    }

    /// How much of the pool is in use now (for metrics). On SQLite the reader and writer
    /// threads' own connections are not the pool's, and not counted.
    pub fn pool_use(&self) -> PoolUse {
        let state = self.pool.state();
        PoolUse {
            connections: state.connections,
            idle: state.idle_connections,
            max: self.pool.max_size(),
        }
    }

    /// A batcher running `B`'s batches, on PostgreSQL, where a round trip costs more than a
    /// short query's work ([`batch`] says why); `None` on SQLite, where a statement costs no
    /// round trip and [`Db::read`] and [`Db::write`] already hand work over in batches.
    pub fn batcher<B: batch::Batch>(&self) -> Option<std::sync::Arc<batch::Batcher<B>>> {
        self.postgres
            .then(|| batch::Batcher::new(self.pool.clone()))
    }

    /// A connection for synchronous code (start-up, commands, tests).
    pub fn get(&self) -> Result<PooledConnection, DbError> {
        Ok(self.pool.get()?)
    }

    /// Runs blocking database work on tokio's blocking pool, so request handlers never block
    /// the executor.
    pub async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = pool.get().map_err(DbError::from)?;
            f(&mut conn)
        })
        .await
        .map_err(DbError::from)?
    }

    /// Runs a short read off the async worker: on SQLite on a reader thread, handed over with
    /// the reads queued beside it; on PostgreSQL as [`Db::run`] does.
    ///
    /// On SQLite, handing each query to the blocking pool and waking the request's task again
    /// cost two thread switches, more than an indexed read itself; handed over together, reads
    /// pay them once a batch (the `sqlite_fast` module says how). Only for small indexed reads
    /// on the request path: a slow one holds up the reads of its batch.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + Send + 'static,
    {
        match &self.sqlite {
            Some(sqlite) => sqlite.read(f).await,
            None => self.run(f).await,
        }
    }

    /// Runs a short write on the request path (the cart) and answers once it is committed.
    ///
    /// On SQLite, `body` runs in a write transaction (as [`write_transaction`] does), and
    /// writes that arrive together share it, each in a savepoint of its own, and one commit, on
    /// the writer thread (the `sqlite_fast` module says why and how). On PostgreSQL, `body`
    /// runs with no transaction around it, each of its statements committed on its own: a
    /// `BEGIN` and a `COMMIT` were two of an add's six round trips. So `body` must be right
    /// statement by statement, as the cart's writes are: each decides from one read and writes
    /// with one statement guarded by what it read.
    pub async fn write<T, E, F>(&self, body: F) -> Result<T, E>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<DbError> + From<diesel::result::Error> + Send + 'static,
    {
        match &self.sqlite {
            Some(sqlite) => sqlite.write(body).await,
            None => self.run(body).await,
        }
    }
}

/// The pool's connections at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// Open connections, in use or idle.
    pub connections: u32,
    /// Open connections no one is using.
    pub idle: u32,
    /// The most the pool opens.
    pub max: u32,
}

/// Runs `$body` with `$c` bound to the backend's own connection (`SqliteConnection` or
/// `PgConnection`), so that a query written once is compiled for each backend.
///
/// Through [`DbConnection`], diesel writes every query's SQL out before it can look the
/// statement up in its cache; on the backend's own connection a query of a fixed shape is found
/// by its type alone. Worth it on the hottest reads, where writing the SQL out cost more than
/// running the statement.
#[macro_export]
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Sqlite($c) => $body,
            $crate::db::DbConnection::Pg($c) => $body,
        }
    };
}

/// Runs `f` in a transaction that takes the write lock at its start.
///
/// On SQLite a deferred transaction that reads and then writes can fail with "database is
/// locked" without waiting, when another writer got in between; `BEGIN IMMEDIATE` waits for the
/// lock (up to the busy timeout) before reading. PostgreSQL takes row locks as it goes, so a
/// plain `BEGIN` is right there.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    begin_write(conn)?;
    finish_transaction(conn, f)
}

/// Begins [`write_transaction`]'s transaction: `BEGIN IMMEDIATE` on SQLite, `BEGIN` on
/// PostgreSQL.
fn begin_write(conn: &mut DbConnection) -> QueryResult<()> {
    match conn {
        DbConnection::Sqlite(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, "BEGIN IMMEDIATE")
        }
        DbConnection::Pg(inner) => AnsiTransactionManager::begin_transaction(inner),
    }
}

/// Runs `f` in the transaction just begun on `conn`, then commits, or rolls back on an error.
fn finish_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(e) => {
            Manager::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// The current time as stored in the database: UTC without an offset, cut to microseconds so
/// that SQLite (nanoseconds) and PostgreSQL (microseconds) hold the same value.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}
