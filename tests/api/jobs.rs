//! The job runner on the configured database: leases, retries, back-off, competing runners.

use std::{
    collections::HashMap,
    sync::{Arc, Barrier, Mutex},
    time::Duration,
};

use asiabill_shop::{
    db::{Db, schema},
    jobs::{self, Backoff, JobFailure, NewJob, Registry, Runner, RunnerConfig},
};
use diesel::prelude::*;

use crate::helpers::TestDb;

fn config(owner: &str) -> RunnerConfig {
    RunnerConfig {
        owner: owner.to_owned(),
        lease: Duration::from_secs(30),
        poll: Duration::from_millis(10),
        batch: 4,
        backoff: Backoff {
            base: Duration::from_millis(1),
            max: Duration::from_millis(5),
        },
    }
}

fn enqueue(db: &Db, job: NewJob) -> i64 {
    jobs::enqueue(&mut db.get().expect("conn"), &job)
        .expect("enqueue")
        .expect("not a duplicate")
}

fn row(db: &Db, id: i64) -> jobs::Job {
    schema::jobs::table
        .find(id)
        .select(jobs::Job::as_select())
        .first(&mut db.get().expect("conn"))
        .expect("job row")
}

/// Runs `runner` until no job of its kinds is due or leased, waiting out back-off delays.
async fn drain(runner: &Runner, db: &Db) {
    for _ in 0..500 {
        runner.run_once().await.expect("poll");
        let open: i64 = schema::jobs::table
            .filter(schema::jobs::status.eq_any(["pending", "running"]))
            .count()
            .get_result(&mut db.get().expect("conn"))
            .expect("count");
        if open == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("jobs still open after draining");
}

#[tokio::test]
async fn a_failing_job_is_retried_with_its_error_recorded_until_it_succeeds() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let tries = Arc::new(Mutex::new(0));
    let mut registry = Registry::default();
    let counter = tries.clone();
    registry.register("flaky", move |_job| {
        let counter = counter.clone();
        async move {
            let mut n = counter.lock().expect("lock");
            *n += 1;
            if *n < 3 {
                Err(JobFailure::Retry(format!("gateway timeout #{n}")))
            } else {
                Ok(())
            }
        }
    });
    let id = enqueue(
        &db,
        NewJob::new("flaky", serde_json::json!({"order": "A10001"})),
    );
    let runner = Runner::new(db.clone(), registry, config("r1"));
    drain(&runner, &db).await;

    let job = row(&db, id);
    assert_eq!(job.status.as_str(), "done");
    assert_eq!(job.attempts, 3);
    assert_eq!(job.last_error.as_deref(), Some("gateway timeout #2"));
    assert!(job.lease_owner.is_none() && job.lease_until.is_none());
    assert!(job.finished_at.is_some());
}

#[tokio::test]
async fn a_job_gives_up_after_max_attempts_and_permanent_errors_stop_at_once() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let mut registry = Registry::default();
    registry.register("always_fails", |_job| async {
        Err(JobFailure::Retry("smtp refused".into()))
    });
    registry.register("malformed", |job| async move {
        serde_json::from_str::<u64>(&job.payload)
            .map(|_| ())
            .map_err(|e| JobFailure::Permanent(format!("bad payload: {e}")))
    });
    let retried = enqueue(
        &db,
        NewJob::new("always_fails", serde_json::json!({})).max_attempts(4),
    );
    let permanent = enqueue(&db, NewJob::new("malformed", serde_json::json!({"x": 1})));
    let runner = Runner::new(db.clone(), registry, config("r1"));
    drain(&runner, &db).await;

    let job = row(&db, retried);
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 4));
    assert_eq!(job.last_error.as_deref(), Some("smtp refused"));
    let job = row(&db, permanent);
    assert_eq!((job.status.as_str(), job.attempts), ("failed", 1));
    assert!(
        job.last_error
            .unwrap_or_default()
            .starts_with("bad payload")
    );
}

#[tokio::test]
async fn retries_wait_for_their_back_off() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let mut registry = Registry::default();
    registry.register("slow_retry", |_job| async {
        Err(JobFailure::Retry("later".into()))
    });
    let id = enqueue(&db, NewJob::new("slow_retry", serde_json::json!({})));
    let mut cfg = config("r1");
    cfg.backoff = Backoff {
        base: Duration::from_secs(60),
        max: Duration::from_secs(60),
    };
    let runner = Runner::new(db.clone(), registry, cfg);
    assert_eq!(runner.run_once().await.expect("poll"), 1);
    assert_eq!(
        runner.run_once().await.expect("poll"),
        0,
        "not due again yet"
    );
    let job = row(&db, id);
    assert_eq!(job.status.as_str(), "pending");
    let wait = job.run_at - job.updated_at;
    assert!(
        wait >= chrono::Duration::seconds(59),
        "retry scheduled {wait} later"
    );
}

#[tokio::test]
async fn two_runners_competing_run_every_job_exactly_once() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let runs: Arc<Mutex<HashMap<i64, Vec<String>>>> = Arc::default();
    let registry_for = |owner: &'static str| {
        let runs = runs.clone();
        let mut registry = Registry::default();
        registry.register("count", move |job| {
            let runs = runs.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(2)).await;
                runs.lock()
                    .expect("lock")
                    .entry(job.id)
                    .or_default()
                    .push(owner.to_owned());
                Ok(())
            }
        });
        registry
    };
    let ids: Vec<i64> = (0..40)
        .map(|i| enqueue(&db, NewJob::new("count", serde_json::json!({ "n": i }))))
        .collect();
    let a = Runner::new(db.clone(), registry_for("a"), config("a"));
    let b = Runner::new(db.clone(), registry_for("b"), config("b"));
    let (da, dbb) = (db.clone(), db.clone());
    tokio::join!(drain(&a, &da), drain(&b, &dbb));

    let runs = runs.lock().expect("lock");
    for id in &ids {
        let owners = runs.get(id).map(Vec::as_slice).unwrap_or_default();
        assert_eq!(owners.len(), 1, "job {id} ran {owners:?}");
        assert_eq!(row(&db, *id).status.as_str(), "done");
    }
    let by_a = runs.values().filter(|o| o[0] == "a").count();
    eprintln!("runner a ran {by_a} of {}, runner b the rest", ids.len());
}

#[tokio::test]
async fn of_many_simultaneous_claims_exactly_one_wins() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    for round in 0..10 {
        let id = enqueue(
            &db,
            NewJob::new("race", serde_json::json!({ "round": round })),
        );
        let barrier = Arc::new(Barrier::new(4));
        let winners: Vec<bool> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let (db, barrier) = (db.clone(), barrier.clone());
                    s.spawn(move || {
                        let mut conn = db.get().expect("conn");
                        barrier.wait();
                        jobs::claim(&mut conn, id, &format!("t{t}"), Duration::from_secs(30))
                            .expect("claim")
                            .is_some()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        assert_eq!(
            winners.iter().filter(|w| **w).count(),
            1,
            "round {round}: {winners:?}"
        );
    }
}

#[tokio::test]
async fn an_expired_lease_lets_another_runner_take_over_and_the_first_cannot_finish() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let id = enqueue(&db, NewJob::new("crashy", serde_json::json!({})));
    let mut conn = db.get().expect("conn");
    let first = jobs::claim(&mut conn, id, "dead", Duration::from_millis(50)).expect("claim");
    assert!(first.is_some());
    assert!(
        jobs::claim(&mut conn, id, "other", Duration::from_secs(30))
            .expect("claim")
            .is_none(),
        "lease still held"
    );
    std::thread::sleep(Duration::from_millis(80));
    let second = jobs::claim(&mut conn, id, "other", Duration::from_secs(30))
        .expect("claim")
        .expect("expired lease is claimable");
    assert_eq!(second.attempts, 2);
    assert!(
        !jobs::complete(&mut conn, id, "dead").expect("complete"),
        "lost lease"
    );
    assert!(jobs::complete(&mut conn, id, "other").expect("complete"));
    assert_eq!(row(&db, id).status.as_str(), "done");
}

#[tokio::test]
async fn a_dedupe_key_adds_a_job_only_once() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let mut conn = db.get().expect("conn");
    let job = NewJob::new("email", serde_json::json!({})).dedupe("order-confirmation:A10001");
    assert!(jobs::enqueue(&mut conn, &job).expect("first").is_some());
    assert!(jobs::enqueue(&mut conn, &job).expect("second").is_none());
}

#[tokio::test]
async fn a_runner_leaves_kinds_it_does_not_know() {
    let test_db = TestDb::new();
    let db = test_db.connect();
    let id = enqueue(
        &db,
        NewJob::new("from_a_newer_version", serde_json::json!({})),
    );
    let mut registry = Registry::default();
    registry.register("known", |_job| async { Ok(()) });
    let runner = Runner::new(db.clone(), registry, config("old"));
    assert_eq!(runner.run_once().await.expect("poll"), 0);
    let job = row(&db, id);
    assert_eq!((job.status.as_str(), job.attempts), ("pending", 0));
}
