//! The money paths: every way a payment or refund could be lost, doubled or aimed at the wrong
//! transaction, each closed (issue "Money paths"). Each test is named after the guarantee.

use std::time::Duration;

use asiabill::{
    Currency, Money,
    webhook::{
        ChargebackNotice, RefundEvent, RefundNotice, TransactionEvent, TransactionNotice,
        WebhookEvent,
    },
};
use asiabill_sandbox::Faults;
use asiabill_shop::{
    config::DatabaseUrl,
    db::{
        DbConnection,
        models::PaymentAttempt,
        schema::{chargebacks, orders, payment_attempts, payment_events, webhook_events},
    },
};
use diesel::{
    Connection, PgConnection, RunQueryDsl, SqliteConnection, connection::SimpleConnection,
    prelude::*, sql_query,
};

use crate::{
    admin_refunds::{decimal, refund, refund_rows},
    admin_support::{admin, order_by_number, order_by_token, paid_order},
    faults::{deliver_held, impatient, slow_gateway},
    helpers::{TestApp, location, spawn_app, spawn_app_with},
    payments::{eventually, order, signed_webhook, start_hosted},
};

fn attempts_of(app: &TestApp, order_id: i64) -> Vec<PaymentAttempt> {
    payment_attempts::table
        .filter(payment_attempts::order_id.eq(order_id))
        .order(payment_attempts::sequence)
        .select(PaymentAttempt::as_select())
        .load(&mut app.db.get().expect("conn"))
        .expect("attempts")
}

fn events_of_kind(app: &TestApp, kind: &str) -> Vec<String> {
    payment_events::table
        .filter(payment_events::kind.eq(kind))
        .order(payment_events::id)
        .select(payment_events::message)
        .load::<Option<String>>(&mut app.db.get().expect("conn"))
        .expect("events")
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

/// A signed `transaction.*` webhook for `attempt`, as AsiaBill sends it.
async fn transaction_webhook(
    app: &TestApp,
    attempt: &PaymentAttempt,
    event: TransactionEvent,
    trade_no: &str,
) -> reqwest::Response {
    let status = match event {
        TransactionEvent::Fail => asiabill::OrderStatus::Fail,
        TransactionEvent::Pending => asiabill::OrderStatus::Pending,
        _ => asiabill::OrderStatus::Success,
    };
    let body = WebhookEvent::Transaction {
        event,
        data: TransactionNotice {
            transaction_type: "Sale".into(),
            order_amount: usd(attempt.amount_minor),
            order_no: attempt.gateway_order_no.clone(),
            trade_no: trade_no.to_owned(),
            order_info: match event {
                TransactionEvent::Fail => "0005:Do not honor".into(),
                _ => "0000:Approved".into(),
            },
            order_status: status,
            remark: String::new(),
        },
    }
    .to_body();
    signed_webhook(app, std::str::from_utf8(&body).expect("utf-8")).await
}

// ---- 1. A chargeback disputes the order and blocks refunds ----------------------------------

#[tokio::test]
async fn a_chargeback_disputes_the_order_shows_its_amount_and_deadline_and_blocks_refunds() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let trade_no = attempts_of(&app, order.id)[0]
        .trade_no
        .clone()
        .expect("trade number");
    let sandbox = app.sandbox.as_ref().expect("sim");
    let chargeback = sandbox
        .raise_chargeback(&trade_no, Some("10.4 Fraud"), Some(usd(1234)))
        .expect("chargeback");
    eventually("the chargeback puts the order in dispute", || {
        order_by_number(&app, &number).disputed_at.is_some()
    })
    .await;

    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains(&format!("data-dispute=\"{}\"", chargeback.batch_no)),
        "the order page shows the dispute"
    );
    assert!(
        page.contains("<span data-dispute-amount>$12.34</span>"),
        "{page}"
    );
    let deadline = chargeback.reply_deadline.format("%Y-%m-%d").to_string();
    assert!(
        page.contains(&format!("<span data-dispute-deadline>{deadline}")),
        "the reply deadline is shown"
    );
    assert!(
        page.contains("data-refund-blocked=\"dispute\""),
        "no refund form while disputed"
    );
    assert!(
        page.contains("data-disputed>Disputed</span>"),
        "a badge by the status"
    );
    let list = admin.html("/admin/orders").await;
    assert!(
        list.contains("data-disputed>Disputed</span>"),
        "and in the orders list"
    );
    let listed = admin.html("/admin/chargebacks").await;
    assert!(listed.contains(&format!("href=\"/admin/orders/{number}\"")));
    assert!(
        listed.contains(&format!("<td data-reply-deadline>{deadline}")),
        "the chargebacks page shows the reply deadline"
    );

    let r = refund(&admin, &number, "5.00", "Goodwill").await;
    assert_eq!(r.status(), 409, "refused");
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Refunds are blocked while the payment is disputed"),
        "with the reason"
    );
    assert!(refund_rows(&app).is_empty(), "nothing reserved");
    assert!(sandbox.refunds().is_empty(), "nothing sent to AsiaBill");
    assert_eq!(order_by_number(&app, &number).refunded_minor, 0);
}

// ---- 10. A second notice for one chargeback --------------------------------------------------

#[tokio::test]
async fn a_second_notice_for_one_chargeback_is_acknowledged_and_recorded_once() {
    let app = spawn_app().await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let attempt = attempts_of(&app, order.id).remove(0);
    let notice = |day: u32| {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, day)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("date");
        WebhookEvent::Chargeback(ChargebackNotice {
            reply_deadline: Some(at + chrono::Duration::days(14)),
            cpd_date: Some(at),
            reason: "13.1 Merchandise not received".into(),
            amount: usd(attempt.amount_minor),
            batch_no: "880011".into(),
            order_amount: usd(attempt.amount_minor),
            order_no: attempt.gateway_order_no.clone(),
            trade_no: attempt.trade_no.clone().expect("trade number"),
            notice_date: Some(at),
        })
        .to_body()
    };
    // Two notices of one chargeback (the notice date differs, so the bodies do too).
    for day in [20, 21] {
        let body = notice(day);
        let r = signed_webhook(&app, std::str::from_utf8(&body).expect("utf-8")).await;
        assert_eq!(r.status(), 200, "notice of day {day} is acknowledged");
        assert_eq!(r.text().await.expect("body"), "success");
    }
    let rows: i64 = chargebacks::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(rows, 1, "one chargeback");
    let statuses: Vec<String> = webhook_events::table
        .filter(webhook_events::event_type.eq("chargeback.success"))
        .select(webhook_events::status)
        .load(&mut app.db.get().expect("conn"))
        .expect("webhooks");
    assert_eq!(statuses, ["applied", "applied"]);
    assert_eq!(
        events_of_kind(&app, "chargeback").len(),
        1,
        "one timeline entry"
    );
    assert!(order_by_number(&app, &number).disputed_at.is_some());
}

// ---- 2. AsiaBill's late word beats a verdict given by hand ----------------------------------

#[tokio::test]
async fn asiabills_late_refund_success_wins_over_a_refund_marked_failed_by_hand() {
    let app = spawn_app_with(impatient).await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    let sandbox = app.sandbox.as_ref().expect("sim");
    // AsiaBill answers too late, takes the refund, and its webhook is held back.
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..slow_gateway()
    });
    let r = refund(&admin, &number, &decimal(captured), "Timed out").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    eventually("AsiaBill settles the refund, its webhook lost", || {
        sandbox
            .webhook_events()
            .iter()
            .any(|e| e.event_type == "refund.success")
    })
    .await;
    // The merchant, wrongly, marks it failed: the amount becomes refundable again.
    let first = refund_rows(&app).remove(0);
    assert_eq!(first.status.as_str(), "unknown");
    admin
        .post_then(
            &format!("/admin/refunds/{}/mark", first.id),
            &[("outcome", "failed")],
            "/admin/refunds",
        )
        .await;
    assert_eq!(order_by_number(&app, &number).refunded_minor, 0);

    // AsiaBill's webhook arrives after all.
    deliver_held(sandbox, "refund.success");
    eventually("AsiaBill's word replaces the merchant's", || {
        refund_rows(&app)[0].status.as_str() == "succeeded"
    })
    .await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("refunded", captured),
        "the refundable amount follows"
    );
    let (status, note): (String, Option<String>) = webhook_events::table
        .filter(webhook_events::event_type.eq("refund.success"))
        .select((webhook_events::status, webhook_events::error))
        .first(&mut app.db.get().expect("conn"))
        .expect("stored");
    assert_eq!(status, "flagged", "flagged in the webhook log");
    assert!(
        note.as_deref()
            .unwrap_or_default()
            .contains("marked by hand"),
        "{note:?}"
    );
    let overridden = events_of_kind(&app, "refund_overridden");
    assert_eq!(overridden.len(), 1, "on the order's timeline");
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-event=\"refund_overridden\""));
    // Nothing is left to refund, so no second refund can double it.
    let again = refund(&admin, &number, &decimal(captured), "Again").await;
    assert_eq!(location(&again), format!("/admin/orders/{number}"));
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("Nothing to refund"), "refused, and said so");
    assert_eq!(refund_rows(&app).len(), 1, "no second refund");
    assert_eq!(sandbox.refunds().len(), 1, "AsiaBill refunded once");
}

// ---- 3. Stale or refused news never re-points an attempt ------------------------------------

#[tokio::test]
async fn a_late_decline_never_repoints_the_paid_attempt_and_refunds_go_to_the_paid_transaction() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let paid = attempts_of(&app, order.id).remove(0);
    let paid_trade = paid.trade_no.clone().expect("trade number");
    // A declined first try of the same orderNo, reported after the success.
    let r = transaction_webhook(
        &app,
        &paid,
        TransactionEvent::Fail,
        "2026120300000000000001",
    )
    .await;
    assert_eq!(r.status(), 200);
    let after = attempts_of(&app, order.id).remove(0);
    assert_eq!(after.status.as_str(), "paid");
    assert_eq!(
        after.trade_no.as_deref(),
        Some(paid_trade.as_str()),
        "still the paid transaction"
    );
    assert_eq!(
        after.gateway_message, paid.gateway_message,
        "its words kept"
    );
    assert_eq!(events_of_kind(&app, "transition_refused").len(), 1);

    // A second success under another tradeNo: a second charge, flagged, not re-pointed.
    let r = transaction_webhook(
        &app,
        &paid,
        TransactionEvent::Success,
        "2026120300000000000002",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        attempts_of(&app, order.id)[0].trade_no.as_deref(),
        Some(paid_trade.as_str())
    );
    let doubles = events_of_kind(&app, "double_payment");
    assert_eq!(doubles.len(), 1, "{doubles:?}");
    assert!(doubles[0].contains("2026120300000000000002"));

    // The refund goes to the transaction that was paid.
    let r = refund(&admin, &number, "3.00", "Partial").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    assert_eq!(at_gateway.len(), 1, "AsiaBill took the refund");
    assert_eq!(at_gateway[0].trade_no, paid_trade);
}

// ---- 8. Status follows settled refunds only --------------------------------------------------

#[tokio::test]
async fn a_failed_refund_beside_a_settled_one_leaves_its_amount_refundable() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    let half = captured / 2;
    let sandbox = app.sandbox.as_ref().expect("sim");
    // Both refunds in flight at once: their webhooks held back.
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    assert_eq!(
        refund(&admin, &number, &decimal(half), "First half")
            .await
            .status(),
        303
    );
    assert_eq!(
        refund(&admin, &number, &decimal(captured - half), "FAIL")
            .await
            .status(),
        303
    );
    eventually("AsiaBill settles both", || {
        sandbox
            .webhook_events()
            .iter()
            .filter(|e| e.event_type.starts_with("refund."))
            .count()
            == 2
    })
    .await;
    sandbox.set_faults(Faults::default());
    let by_type = |t: &str| {
        sandbox
            .webhook_events()
            .into_iter()
            .find(|e| e.event_type == t)
            .expect("event")
            .id
    };
    sandbox
        .resend_webhook(by_type("refund.success"))
        .expect("resend");
    eventually("the first settles", || {
        refund_rows(&app)[0].status.as_str() == "succeeded"
    })
    .await;
    assert_eq!(
        order_by_number(&app, &number).status.as_str(),
        "partially_refunded",
        "half refunded; the other half is still in flight"
    );
    sandbox
        .resend_webhook(by_type("refund.fail"))
        .expect("resend");
    eventually("the second fails", || {
        refund_rows(&app)[1].status.as_str() == "failed"
    })
    .await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("partially_refunded", half)
    );
    // The failed half can still be refunded.
    let r = refund(&admin, &number, &decimal(captured - half), "Second try").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    eventually("the order is refunded", || {
        order_by_number(&app, &number).status.as_str() == "refunded"
    })
    .await;
    assert_eq!(order_by_number(&app, &number).refunded_minor, captured);
}

// ---- 11. Refund news must match the refund ---------------------------------------------------

#[tokio::test]
async fn refund_news_for_another_amount_or_payment_is_flagged_not_applied() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    let attempt = attempts_of(&app, order.id).remove(0);
    let trade_no = attempt.trade_no.clone().expect("trade number");
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    assert_eq!(
        refund(&admin, &number, "4.00", "Partial").await.status(),
        303
    );
    let track = format!("{number}-R1");
    let news = |amount: Money, trade_no: &str| {
        WebhookEvent::Refund {
            event: RefundEvent::Success,
            data: RefundNotice {
                reason: String::new(),
                amount,
                batch_no: "770001".into(),
                order_amount: usd(attempt.amount_minor),
                order_no: attempt.gateway_order_no.clone(),
                trade_no: trade_no.to_owned(),
                notice_date: None,
                mer_track_no: Some(track.clone()),
            },
        }
        .to_body()
    };
    let jpy = Money::new(400, Currency::parse("JPY").expect("JPY"));
    for body in [
        news(usd(40_000), &trade_no),
        news(jpy, &trade_no),
        news(usd(400), "2026120300000000000009"),
    ] {
        let r = signed_webhook(&app, std::str::from_utf8(&body).expect("utf-8")).await;
        assert_eq!(r.status(), 200, "acknowledged: AsiaBill need not retry");
    }
    assert_eq!(
        refund_rows(&app)[0].status.as_str(),
        "requested",
        "none applied"
    );
    let statuses: Vec<String> = webhook_events::table
        .filter(webhook_events::event_type.eq("refund.success"))
        .select(webhook_events::status)
        .load(&mut app.db.get().expect("conn"))
        .expect("webhooks");
    assert_eq!(statuses, ["flagged", "flagged", "flagged"]);
    assert_eq!(events_of_kind(&app, "refund_mismatch").len(), 3);
    let order = order_by_number(&app, &number);
    assert_eq!((order.status.as_str(), order.refunded_minor), ("paid", 400));

    // The true news still settles it.
    let r = signed_webhook(
        &app,
        std::str::from_utf8(&news(usd(400), &trade_no)).expect("utf-8"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(refund_rows(&app)[0].status.as_str(), "succeeded");
    assert_eq!(
        order_by_number(&app, &number).status.as_str(),
        "partially_refunded"
    );
}

// ---- 4. Order-level races ---------------------------------------------------------------------

/// A connection of the test's own that holds the order's row lock (PostgreSQL) or SQLite's
/// write lock until dropped, so the shop's transactions queue up behind it at once.
struct Holder {
    conn: DbConnection,
    /// PostgreSQL only: a second connection that watches the first's waiters (a transaction
    /// sees the activity statistics as they were when it first looked, so the holder cannot).
    watcher: Option<PgConnection>,
}

impl Holder {
    fn lock_order(app: &TestApp, order_id: i64) -> Holder {
        let mut conn = match &app._db_guard.url {
            DatabaseUrl::Sqlite(path) => DbConnection::Sqlite(
                SqliteConnection::establish(&path.to_string_lossy()).expect("sqlite"),
            ),
            DatabaseUrl::Postgres(url) => {
                use secrecy::ExposeSecret;
                DbConnection::Pg(PgConnection::establish(url.expose_secret()).expect("pg"))
            }
        };
        let watcher = match &app._db_guard.url {
            DatabaseUrl::Postgres(url) => {
                use secrecy::ExposeSecret;
                Some(PgConnection::establish(url.expose_secret()).expect("pg"))
            }
            DatabaseUrl::Sqlite(_) => None,
        };
        // `FOR NO KEY UPDATE` is the lock an ordinary UPDATE takes: a transaction that only
        // reads the order, or inserts rows that reference it, goes past it, as it would past
        // any other writer of the order.
        let sql = match conn {
            DbConnection::Sqlite(_) => "BEGIN IMMEDIATE".to_owned(),
            DbConnection::Pg(_) => {
                format!("BEGIN; SELECT id FROM orders WHERE id = {order_id} FOR NO KEY UPDATE")
            }
        };
        conn.batch_execute(&sql).expect("lock");
        Holder { conn, watcher }
    }

    /// A connection of the test's own inside a transaction that has locked nothing yet
    /// (PostgreSQL), or that holds SQLite's write lock.
    fn begin(app: &TestApp) -> Holder {
        let mut holder = Holder::lock_order(app, 0);
        if let DbConnection::Pg(_) = holder.conn {
            // Order 0 does not exist: the transaction is open and holds no lock.
            holder.conn.batch_execute("SELECT 1").expect("open");
        }
        holder
    }

    /// Waits until `n` other transactions are queued behind the lock (PostgreSQL), or a
    /// moment (SQLite, whose waiters poll and cannot be counted).
    async fn wait_for_waiters(&mut self, n: i64) {
        #[derive(QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let Some(watcher) = self.watcher.as_mut() else {
            tokio::time::sleep(Duration::from_millis(400)).await;
            return;
        };
        for _ in 0..80 {
            let waiting = sql_query(
                "SELECT count(*)::bigint AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND wait_event_type = 'Lock'",
            )
            .get_result::<Waiting>(watcher)
            .expect("pg_stat_activity");
            if waiting.n >= n {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{n} transactions never queued behind the order's lock");
    }

    fn release(mut self) {
        self.conn.batch_execute("COMMIT").expect("commit");
    }
}

/// A timeline entry written for an attempt while a webhook re-points that attempt at its
/// `tradeNo` (a unique key): the entry's insert share-locks the attempt's row, the transition
/// needs it exclusively. Unless every writer takes the order's lock before either, each waits
/// for the other and PostgreSQL aborts one ("deadlock detected": the in-site payment's 500 and
/// the reconciler's failed pass seen under load in CI).
#[tokio::test]
async fn a_timeline_entry_and_a_transition_of_the_same_attempt_never_deadlock() {
    use asiabill_shop::{
        orders::timeline::{self, Event},
        payments::Source,
    };
    let app = spawn_app().await;
    let token = order(&app).await;
    start_hosted(&app, &token).await;
    let order = order_by_token(&app, &token);
    let attempt = attempts_of(&app, order.id).remove(0);
    let mut holder = Holder::begin(&app);
    timeline::record(
        &mut holder.conn,
        Event::new(order.id, Source::System, "test_note").attempt(attempt.id),
    )
    .expect("an entry while nothing else runs");
    let (status, ()) = tokio::join!(
        transaction_webhook(
            &app,
            &attempt,
            TransactionEvent::Success,
            "2026120300000000000301"
        )
        .then_status(),
        async {
            holder.wait_for_waiters(1).await;
            // What a transition does next in the same transaction: the order's lock. Taken
            // after the webhook's, this would wait for it while the webhook waits for the
            // entry's share lock.
            asiabill_shop::orders::lock(&mut holder.conn, order.id).expect("no deadlock");
            holder.release();
        }
    );
    assert_eq!(status, 200, "the webhook was applied, not aborted");
    let attempt = attempts_of(&app, order.id).remove(0);
    assert_eq!(attempt.status.as_str(), "paid");
    assert_eq!(attempt.trade_no.as_deref(), Some("2026120300000000000301"));
}

/// An order with two attempts, each with a hosted page: the first superseded by the second.
async fn order_with_two_attempts(app: &TestApp) -> (String, Vec<PaymentAttempt>) {
    let token = order(app).await;
    start_hosted(app, &token).await;
    start_hosted(app, &token).await;
    let order = order_by_token(app, &token);
    let attempts = attempts_of(app, order.id);
    assert_eq!(attempts.len(), 2);
    (token, attempts)
}

#[tokio::test]
async fn two_attempts_of_one_order_paid_at_once_flag_the_double_payment() {
    let app = spawn_app().await;
    let (token, attempts) = order_with_two_attempts(&app).await;
    let order = order_by_token(&app, &token);
    let mut holder = Holder::lock_order(&app, order.id);
    let (first, second, ()) = tokio::join!(
        transaction_webhook(
            &app,
            &attempts[0],
            TransactionEvent::Success,
            "2026120300000000000100"
        )
        .then_status(),
        transaction_webhook(
            &app,
            &attempts[1],
            TransactionEvent::Success,
            "2026120300000000000101"
        )
        .then_status(),
        async {
            holder.wait_for_waiters(2).await;
            holder.release();
        }
    );
    let statuses = [first, second];
    assert_eq!(statuses, [200, 200]);
    let order = order_by_token(&app, &token);
    assert_eq!(order.status.as_str(), "paid");
    assert_eq!(
        order.captured_minor,
        2 * order.total_minor,
        "AsiaBill took both, and the order counts both"
    );
    let statuses: Vec<String> = attempts_of(&app, order.id)
        .into_iter()
        .map(|a| a.status.to_string())
        .collect();
    assert_eq!(statuses, ["paid", "paid"], "AsiaBill took both");
    assert_eq!(
        events_of_kind(&app, "double_payment").len(),
        1,
        "the second payment is flagged for a refund"
    );
    assert_eq!(events_of_kind(&app, "payment_paid").len(), 2);
}

/// Runs the expiry of `order_id` on a connection of the shop's pool, off the test's thread.
fn expire_in_background(
    app: &TestApp,
    order_id: i64,
) -> tokio::task::JoinHandle<asiabill_shop::orders::expire::Expiry> {
    let db = app.db.clone();
    tokio::task::spawn_blocking(move || {
        asiabill_shop::orders::expire::expire(&mut db.get().expect("conn"), order_id)
            .expect("expire")
    })
}

/// An order whose only attempt was declined and whose reservation is over: due to expire,
/// and open to a late success.
async fn declined_order_due_to_expire(app: &TestApp) -> (String, PaymentAttempt) {
    let token = order(app).await;
    start_hosted(app, &token).await;
    let order = order_by_token(app, &token);
    let attempt = attempts_of(app, order.id).remove(0);
    let r = transaction_webhook(
        app,
        &attempt,
        TransactionEvent::Fail,
        "2026120300000000000200",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(attempts_of(app, order.id)[0].status.as_str(), "failed");
    diesel::update(orders::table.find(order.id))
        .set(orders::reservation_expires_at.eq(Some(
            asiabill_shop::db::now() - chrono::Duration::minutes(1),
        )))
        .execute(&mut app.db.get().expect("conn"))
        .expect("age the reservation");
    (token, attempt)
}

#[tokio::test]
async fn an_expiry_racing_a_late_success_never_oversells_whichever_goes_first() {
    for expiry_first in [true, false] {
        let app = spawn_app().await;
        let stock_before = app.stock("gooseneck-kettle");
        let (token, attempt) = declined_order_due_to_expire(&app).await;
        let order_id = order_by_token(&app, &token).id;
        assert_eq!(app.stock("gooseneck-kettle"), stock_before - 1, "reserved");
        let mut holder = Holder::lock_order(&app, order_id);
        let late_success = || {
            transaction_webhook(
                &app,
                &attempt,
                TransactionEvent::Success,
                "2026120300000000000201",
            )
            .then_status()
        };
        let (status, expiry) = if expiry_first {
            let expiry = expire_in_background(&app, order_id);
            holder.wait_for_waiters(1).await;
            let (status, ()) = tokio::join!(late_success(), async {
                holder.wait_for_waiters(2).await;
                holder.release();
            });
            (status, expiry.await.expect("expiry"))
        } else {
            let (status, expiry) = tokio::join!(late_success(), async {
                holder.wait_for_waiters(1).await;
                let expiry = expire_in_background(&app, order_id);
                holder.wait_for_waiters(2).await;
                holder.release();
                expiry.await.expect("expiry")
            });
            (status, expiry)
        };
        assert_eq!(status, 200);
        let order = order_by_token(&app, &token);
        assert_eq!(
            order.status.as_str(),
            "paid",
            "expiry first: {expiry_first}"
        );
        assert_eq!(
            app.stock("gooseneck-kettle"),
            stock_before - 1,
            "the paid order keeps its unit, never sold twice (expiry first: {expiry_first}, {expiry:?})"
        );
        assert!(!order.stock_released);
        if expiry_first && matches!(app._db_guard.url, DatabaseUrl::Postgres(_)) {
            // PostgreSQL queues the two in the order they asked: the expiry cancels, and the
            // success then takes the stock back and says so.
            assert_eq!(
                expiry,
                asiabill_shop::orders::expire::Expiry::Cancelled,
                "the expiry went first"
            );
            assert_eq!(events_of_kind(&app, "paid_after_cancel").len(), 1);
        }
    }
}

/// The status of a response, once it arrives.
trait ThenStatus {
    async fn then_status(self) -> u16;
}

impl<F: std::future::Future<Output = reqwest::Response>> ThenStatus for F {
    async fn then_status(self) -> u16 {
        self.await.status().as_u16()
    }
}

#[test]
fn an_attempt_matches_money_only_in_its_own_currency() {
    let attempt_json = |currency: &str| PaymentAttempt {
        id: 1,
        order_id: 1,
        sequence: 1,
        gateway_order_no: "A10001-1".into(),
        mode: asiabill_shop::orders::checkout::PaymentMode::Hosted,
        status: asiabill_shop::payments::AttemptStatus::Pending,
        transaction_type: asiabill_shop::payments::TransactionType::Sale,
        gateway_no: "12246002".into(),
        amount_minor: 1000,
        currency: currency.into(),
        trade_no: None,
        masked_card: None,
        card_brand: None,
        gateway_code: None,
        gateway_message: None,
        redirect_url: None,
        customer_payment_method_id: None,
        authorized_at: None,
        paid_at: None,
        capture_deadline: None,
        voided_at: None,
        last_queried_at: None,
        query_count: 0,
        created_at: asiabill_shop::db::now(),
        updated_at: asiabill_shop::db::now(),
        customer_id: None,
        token_type: None,
        save_card: false,
        payment_method: None,
    };
    let usd_attempt = attempt_json("USD");
    assert!(usd_attempt.is_for(&usd(1000)));
    assert!(!usd_attempt.is_for(&usd(1001)));
    assert!(!usd_attempt.is_for(&Money::new(1000, Currency::parse("EUR").expect("EUR"))));
    assert!(
        !attempt_json("???").is_for(&usd(1000)),
        "an unknown stored currency matches nothing"
    );
}
