use std::{sync::mpsc, time::Duration};

use diesel::{RunQueryDsl, connection::SimpleConnection, sql_query};
use tokio::sync::oneshot;

use crate::{
    config::DatabaseUrl,
    db::{Db, DbError},
};

fn sqlite_db() -> (tempfile::TempDir, Db) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("shop.db"))).expect("connect");
    (dir, db)
}

/// A closure for [`Db::read`] or [`Db::write`] that runs a statement, then says it started and
/// waits for an answer that only a task of the test's runtime sends once it hears that. The
/// runtime has one thread: run there, the closure would wait in vain.
fn waits_for_the_runtime() -> (
    impl FnOnce(&mut crate::db::DbConnection) -> Result<bool, DbError> + Send + 'static,
    tokio::task::JoinHandle<()>,
) {
    let (started, heard) = oneshot::channel::<()>();
    let (answer, answered) = mpsc::channel::<()>();
    let task = tokio::spawn(async move {
        if heard.await.is_ok() {
            let _ = answer.send(());
        }
    });
    let closure = move |conn: &mut crate::db::DbConnection| {
        conn.batch_execute("SELECT 1")?;
        let _ = started.send(());
        Ok(answered.recv_timeout(Duration::from_secs(5)).is_ok())
    };
    (closure, task)
}

#[tokio::test(flavor = "current_thread")]
async fn sqlite_reads_never_run_on_the_async_worker() {
    let (_dir, db) = sqlite_db();
    let (read, task) = waits_for_the_runtime();
    let answered = db.read(read).await.expect("read");
    assert!(answered, "the read ran on the runtime's only thread");
    task.await.expect("task");
}

#[tokio::test(flavor = "current_thread")]
async fn sqlite_writes_never_run_on_the_async_worker() {
    let (_dir, db) = sqlite_db();
    let (write, task) = waits_for_the_runtime();
    let answered = db.write(write).await.expect("write");
    assert!(answered, "the write ran on the runtime's only thread");
    task.await.expect("task");
}

#[tokio::test(flavor = "current_thread")]
async fn a_read_that_panics_is_abandoned_and_the_reads_after_it_run() {
    let (_dir, db) = sqlite_db();
    let panicked = db
        .read(|_| -> Result<(), DbError> { panic!("a bug in a read") })
        .await;
    assert!(matches!(panicked, Err(DbError::Abandoned)), "{panicked:?}");
    let read = db
        .read(|conn| conn.batch_execute("SELECT 1").map_err(DbError::from))
        .await;
    assert!(read.is_ok(), "{read:?}");
}

/// Reads and writes queued together are answered each with its own result, whether the batch
/// is run on the reader threads or committed on the writer thread.
#[tokio::test(flavor = "current_thread")]
async fn reads_and_writes_queued_together_each_get_their_own_answer() {
    use diesel::sql_types::BigInt;

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }

    let (_dir, db) = sqlite_db();
    db.write(|conn| {
        sql_query("CREATE TABLE t (n BIGINT NOT NULL)")
            .execute(conn)
            .map_err(DbError::from)
    })
    .await
    .expect("table");
    let writes = (0..10_i64).map(|n| {
        let db = db.clone();
        async move {
            db.write(move |conn| {
                sql_query(format!("INSERT INTO t (n) VALUES ({n})")).execute(conn)?;
                if n % 2 == 0 {
                    Err(DbError::Migration(format!("write {n} refused")))
                } else {
                    Ok(n)
                }
            })
            .await
        }
    });
    let outcomes = futures_util::future::join_all(writes).await;
    for (n, outcome) in (0_i64..).zip(&outcomes) {
        match outcome {
            Ok(m) => assert_eq!(*m, n),
            Err(e) => assert!(n % 2 == 0, "write {n}: {e}"),
        }
    }
    let reads = (0..10_i64).map(|n| {
        let db = db.clone();
        async move {
            db.read(move |conn| {
                sql_query(format!("SELECT count(*) + {n} AS n FROM t"))
                    .get_result::<Count>(conn)
                    .map(|c| c.n)
                    .map_err(DbError::from)
            })
            .await
        }
    });
    let counts = futures_util::future::join_all(reads).await;
    for (n, count) in (0_i64..).zip(counts) {
        assert_eq!(
            count.expect("read"),
            5 + n,
            "the five accepted rows, read {n}"
        );
    }
}
