//! Several shops on one database: shared seed, shared first admin, shared session key.

use std::sync::Arc;

use asiabill_shop::db::schema::{admin_users, products};
use diesel::prelude::*;
use secrecy::ExposeSecret;

use crate::helpers::{TestDb, meta_csrf_token, spawn_app_on, spawn_app_with};

#[tokio::test]
async fn a_second_instance_on_the_same_database_neither_reseeds_nor_recreates_the_admin() {
    let test_db = Arc::new(TestDb::new());
    let first = spawn_app_on(test_db.clone(), |_| {}).await;
    let second = spawn_app_on(test_db.clone(), |_| {}).await;
    assert!(
        first.generated_admin.is_some(),
        "first start generates an admin"
    );
    assert!(second.generated_admin.is_none(), "and only the first");
    let mut conn = second.db.get().expect("conn");
    let count: i64 = products::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(count, 12);
    let admins: i64 = admin_users::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn the_generated_admin_can_be_verified_and_the_configured_one_is_used_when_given() {
    let app = spawn_app_with(|s| {
        s.shop_admin_email = Some("Owner@Example.com".into());
        s.shop_admin_password = Some("a long enough secret".into());
    })
    .await;
    assert!(
        app.generated_admin.is_none(),
        "nothing to print when the password was given"
    );
    let hash: String = admin_users::table
        .filter(admin_users::email.eq("owner@example.com"))
        .select(admin_users::password_hash)
        .first(&mut app.db.get().expect("conn"))
        .expect("configured admin exists");
    assert!(asiabill_shop::accounts::users::verify_password(
        &"a long enough secret".into(),
        &hash
    ));

    let generated = crate::helpers::spawn_app().await;
    let admin = generated.generated_admin.as_ref().expect("generated");
    let hash: String = admin_users::table
        .filter(admin_users::email.eq(&admin.email))
        .select(admin_users::password_hash)
        .first(&mut generated.db.get().expect("conn"))
        .expect("generated admin exists");
    assert!(asiabill_shop::accounts::users::verify_password(
        &admin.password,
        &hash
    ));
    assert!(
        !hash.contains(admin.password.expose_secret()),
        "stored hashed"
    );
}

#[tokio::test]
async fn instances_on_one_database_share_the_session_key() {
    let test_db = Arc::new(TestDb::new());
    let a = spawn_app_on(test_db.clone(), |_| {}).await;
    let b = spawn_app_on(test_db.clone(), |_| {}).await;
    // Cookies ignore ports, so one client carries A's session cookie to B.
    let on_a = a.get_html("/").await;
    let token_a = meta_csrf_token(&on_a).expect("token on A");
    let on_b = a
        .client
        .get(b.url("/"))
        .send()
        .await
        .expect("GET B")
        .text()
        .await
        .expect("body");
    let token_b = meta_csrf_token(&on_b).expect("token on B");
    assert_eq!(token_a, token_b, "B decrypted A's session cookie");

    let other_db = spawn_app_with(|_| {}).await;
    let on_c = a
        .client
        .get(other_db.url("/"))
        .send()
        .await
        .expect("GET C")
        .text()
        .await
        .expect("body");
    assert_ne!(
        meta_csrf_token(&on_c).expect("token on C"),
        token_a,
        "another database, another key"
    );
}

/// Two `shop serve` processes started together on a new SQLite file both find no migration
/// applied; only one may apply them (CI once failed with "table admin_users already exists").
/// Each thread has its own pool, so they race exactly as separate processes do.
#[test]
fn instances_migrating_one_new_sqlite_file_at_once_apply_each_migration_once() {
    use asiabill_shop::db::{Db, migrate};
    let alone = TestDb::sqlite();
    let db = Db::connect(&alone.url).expect("connect");
    let all = migrate::run_pending(&mut db.get().expect("conn")).expect("migrations");
    for _ in 0..10 {
        let test_db = TestDb::sqlite();
        let start = Arc::new(std::sync::Barrier::new(4));
        let runs: Vec<_> = (0..4)
            .map(|_| {
                let (url, start) = (test_db.url.clone(), start.clone());
                std::thread::spawn(move || {
                    let db = Db::connect(&url).expect("connect");
                    let mut conn = db.get().expect("conn");
                    start.wait();
                    migrate::run_pending(&mut conn)
                })
            })
            .collect();
        let applied: Vec<usize> = runs
            .into_iter()
            .map(|r| r.join().expect("thread").expect("migrations"))
            .collect();
        assert_eq!(
            applied.iter().sum::<usize>(),
            all,
            "each applied once: {applied:?}"
        );
        assert_eq!(applied.iter().filter(|&&n| n > 0).count(), 1, "{applied:?}");
    }
}
