//! `write_transaction` on the configured backend: concurrent read-then-write transactions all
//! commit, none fails with "database is locked".

use std::sync::{Arc, Barrier};

use asiabill_shop::db::{DbError, schema::products, write_transaction};
use diesel::prelude::*;

use crate::helpers::spawn_app;

#[tokio::test]
async fn concurrent_write_transactions_all_commit() {
    let app = spawn_app().await;
    let db = app.db.clone();
    let product_id: i64 = products::table
        .select(products::id)
        .order(products::id)
        .first(&mut db.get().expect("conn"))
        .expect("a product");
    let before: i64 = products::table
        .find(product_id)
        .select(products::stock)
        .first(&mut db.get().expect("conn"))
        .expect("stock");
    let (threads, rounds) = (6, 15);
    let barrier = Arc::new(Barrier::new(threads));
    std::thread::scope(|s| {
        for _ in 0..threads {
            let (db, barrier) = (db.clone(), barrier.clone());
            s.spawn(move || {
                let mut conn = db.get().expect("conn");
                barrier.wait();
                for _ in 0..rounds {
                    write_transaction(&mut conn, |conn| {
                        // A read first: on SQLite a deferred transaction would now hold a read
                        // lock and fail to upgrade it while another writer commits.
                        let _: i64 = products::table
                            .find(product_id)
                            .select(products::stock)
                            .first(conn)?;
                        diesel::update(products::table.find(product_id))
                            .set(products::stock.eq(products::stock + 1))
                            .execute(conn)?;
                        Ok::<_, DbError>(())
                    })
                    .expect("transaction commits");
                }
            });
        }
    });
    let after: i64 = products::table
        .find(product_id)
        .select(products::stock)
        .first(&mut db.get().expect("conn"))
        .expect("stock");
    assert_eq!(
        after - before,
        i64::try_from(threads * rounds).expect("small")
    );
}

#[tokio::test]
async fn a_failed_write_transaction_rolls_back() {
    let app = spawn_app().await;
    let mut conn = app.db.get().expect("conn");
    let result = write_transaction(&mut conn, |conn| {
        diesel::update(products::table)
            .set(products::stock.eq(999))
            .execute(conn)?;
        Err::<(), _>(DbError::Migration("business rule refused".into()))
    });
    assert!(result.is_err());
    let changed: i64 = products::table
        .filter(products::stock.eq(999))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(changed, 0);
}
