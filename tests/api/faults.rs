//! Faults: the gateway failing or answering too late, the same webhook arriving fifty times at
//! once, the database refusing a webhook.

use std::time::Duration;

use asiabill_sandbox::{Faults, OrderStatus, Verdict};
use asiabill_shop::{
    config::RawSettings,
    db::schema::{payment_attempts, payment_events, webhook_events},
    payments::reconcile,
};
use diesel::prelude::*;

use crate::{
    helpers::{TestApp, location, spawn_app, spawn_app_with},
    payments::{
        SUCCESS, attempt_statuses, completed_return, eventually, follow_return, order,
        order_status, pay_insite, pay_on_hosted_page, signed_webhook, start_hosted,
    },
};

fn failing_gateway() -> Faults {
    Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    }
}

/// Settings of a shop that gives up on AsiaBill after half a second, well before a
/// [`slow_gateway`] answers.
pub fn impatient(settings: &mut RawSettings) {
    settings.asiabill_timeout_seconds = Some("0.5".into());
}

/// A gateway that answers every API call two seconds late. It still carries each call out once
/// the delay has passed, after an [`impatient`] shop gave up, as AsiaBill itself would.
pub fn slow_gateway() -> Faults {
    Faults {
        api_latency: Duration::from_secs(2),
        ..Faults::default()
    }
}

/// Turns the faults off and has the simulator deliver again its webhook of `event_type` whose
/// first delivery was dropped, as AsiaBill's retry would.
pub fn deliver_held(sandbox: &asiabill_sandbox::Sandbox, event_type: &str) {
    sandbox.set_faults(Faults::default());
    let event = sandbox
        .webhook_events()
        .into_iter()
        .find(|e| e.event_type == event_type)
        .expect("the held event");
    sandbox.resend_webhook(event.id).expect("resend");
}

/// How many calls to a path ending in `path` the simulator has carried out.
pub fn carried_out(app: &TestApp, path: &str) -> usize {
    app.sandbox
        .as_ref()
        .expect("sim")
        .requests()
        .iter()
        .filter(|r| r.path.ends_with(path) && matches!(r.verdict, Verdict::Accepted { .. }))
        .count()
}

/// One reconciliation pass, as `shop reconcile` runs it.
pub async fn reconcile_pass(app: &TestApp) -> reconcile::Report {
    let state = asiabill_shop::startup::command_payments(app.settings.clone())
        .await
        .expect("state");
    reconcile::pass(&state).await.expect("pass")
}

/// Runs reconciliation passes until `done` holds (the shop's own passes run too: whichever
/// pass settles it, the result is the same).
pub async fn reconciled(app: &TestApp, what: &str, done: impl Fn() -> bool) {
    for _ in 0..40 {
        reconcile_pass(app).await;
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("not reconciled: {what}");
}

#[tokio::test]
async fn a_gateway_5xx_on_hosted_checkout_says_so_and_charges_nothing() {
    let app = spawn_app().await;
    let token = order(&app).await;
    app.sandbox
        .as_ref()
        .expect("sim")
        .set_faults(failing_gateway());
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("card fields are unavailable"),
        "no session token: in-site off"
    );
    let csrf = crate::helpers::csrf_token(&page).expect("csrf");
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[("csrf_token", &csrf), ("mode", "hosted")],
        )
        .await;
    assert_eq!(location(&r), format!("/orders/{token}/pay"));
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("could not reach the payment provider"),
        "clear message"
    );
    assert_eq!(
        attempt_statuses(&app),
        ["cancelled"],
        "nothing half-applied"
    );
    app.sandbox
        .as_ref()
        .expect("sim")
        .set_faults(Faults::default());
    let url = start_hosted(&app, &token).await;
    assert!(
        url.contains("/checkout/pay/"),
        "works again once AsiaBill is back"
    );
}

#[tokio::test]
async fn a_gateway_5xx_on_confirm_charge_leaves_the_attempt_for_the_reconciler() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let pm = crate::payments::tokenise(&app, SUCCESS).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = crate::helpers::csrf_token(&page).expect("csrf");
    app.sandbox
        .as_ref()
        .expect("sim")
        .set_faults(failing_gateway());
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[
                ("csrf_token", &csrf),
                ("mode", "insite"),
                ("customerPaymentMethodId", &pm),
            ],
        )
        .await;
    assert_eq!(
        location(&r),
        format!("/orders/{token}"),
        "the order page waits"
    );
    assert_eq!(
        attempt_statuses(&app),
        ["pending"],
        "charged or not: only a query can tell"
    );
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("waiting for the payment result"));
}

#[tokio::test]
async fn a_gateway_timeout_on_hosted_checkout_says_so_and_the_late_page_charges_nothing() {
    let app = spawn_app_with(impatient).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    let token = order(&app).await;
    let pay = format!("/orders/{token}/pay");
    sandbox.set_faults(slow_gateway());
    let page = app.get_html(&pay).await;
    assert!(
        page.contains("card fields are unavailable"),
        "the session token timed out too"
    );
    let csrf = crate::helpers::csrf_token(&page).expect("csrf");
    let r = app
        .post_form(&pay, &[("csrf_token", &csrf), ("mode", "hosted")])
        .await;
    assert_eq!(location(&r), pay);
    sandbox.set_faults(Faults::default());
    let page = app.get_html(&pay).await;
    assert!(
        page.contains("could not reach the payment provider. Nothing was charged"),
        "clear message"
    );
    assert_eq!(attempt_statuses(&app), ["cancelled"]);
    // AsiaBill opened the page after all; nobody was sent to it, so nothing can be paid on it.
    eventually("AsiaBill opens the late page", || {
        carried_out(&app, "/checkout/payment") == 1
    })
    .await;
    assert_eq!(
        (attempt_statuses(&app), order_status(&app)),
        (vec!["cancelled".to_owned()], "pending_payment".to_owned()),
        "nothing half-applied"
    );
    let url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &url, SUCCESS).await);
    follow_return(&app, &return_url).await;
    assert_eq!(order_status(&app), "paid", "works once AsiaBill is back");
    assert_eq!(attempt_statuses(&app), ["cancelled", "paid"]);
    let charged = sandbox
        .transactions()
        .iter()
        .filter(|t| t.status == OrderStatus::Success)
        .count();
    assert_eq!(charged, 1, "only the second page took money");
}

#[tokio::test]
async fn a_gateway_timeout_on_confirm_charge_is_settled_by_the_reconciler_without_charging_twice() {
    let app = spawn_app_with(|s| {
        impatient(s);
        s.reconcile_after_seconds = Some("1".into());
    })
    .await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    let token = order(&app).await;
    let pm = crate::payments::tokenise(&app, SUCCESS).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = crate::helpers::csrf_token(&page).expect("csrf");
    // The late charge's webhook is lost as well: only a query can tell what happened.
    let lost_webhooks = Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    };
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..slow_gateway()
    });
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[
                ("csrf_token", &csrf),
                ("mode", "insite"),
                ("customerPaymentMethodId", &pm),
            ],
        )
        .await;
    sandbox.set_faults(lost_webhooks);
    assert_eq!(
        location(&r),
        format!("/orders/{token}"),
        "the order page waits"
    );
    assert_eq!(
        (attempt_statuses(&app), order_status(&app)),
        (vec!["pending".to_owned()], "pending_payment".to_owned()),
        "charged or not: only a query can tell"
    );
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("waiting for the payment result"));
    eventually("AsiaBill charges the card late", || {
        carried_out(&app, "/confirmCharge") == 1
    })
    .await;
    reconciled(&app, "the late charge is found", || {
        order_status(&app) == "paid"
    })
    .await;
    let source: String = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .select(payment_events::source)
        .first(&mut app.db.get().expect("conn"))
        .expect("event");
    assert_eq!(source, "query");
    assert_eq!(attempt_statuses(&app), ["paid"]);
    let charges = sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/confirmCharge"))
        .count();
    assert_eq!(charges, 1, "the charge was never sent again");
}

#[tokio::test]
async fn a_gateway_timeout_on_the_return_query_waits_and_the_reconciler_settles_it() {
    let app = spawn_app_with(|s| {
        impatient(s);
        s.reconcile_after_seconds = Some("1".into());
    })
    .await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    let lost_webhooks = Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    };
    sandbox.set_faults(lost_webhooks.clone());
    let token = order(&app).await;
    let url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &url, SUCCESS).await);
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..slow_gateway()
    });
    let r = follow_return(&app, &return_url).await;
    assert_eq!(
        location(&r),
        format!("/orders/{token}"),
        "the order page waits"
    );
    assert_eq!(
        (attempt_statuses(&app), order_status(&app)),
        (vec!["pending".to_owned()], "pending_payment".to_owned()),
        "a signed success is not believed without its query"
    );
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("waiting for the payment result"));
    // Due for the reconciler, whose queries time out too: nothing changes, nothing fails.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let report = reconcile_pass(&app).await;
    assert_eq!(report.attempts_settled, 0, "{report:?}");
    assert_eq!(attempt_statuses(&app), ["pending"]);
    sandbox.set_faults(lost_webhooks);
    reconciled(&app, "the payment is confirmed", || {
        order_status(&app) == "paid"
    })
    .await;
    assert_eq!(attempt_statuses(&app), ["paid"]);
}

#[tokio::test]
async fn fifty_concurrent_deliveries_of_one_webhook_apply_once() {
    let app = spawn_app().await;
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    let token = order(&app).await;
    let r = pay_insite(&app, &token, SUCCESS).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    // The payment went through the API already; now the same success webhook, fifty times.
    let (order_no, trade_no): (String, Option<String>) = payment_attempts::table
        .select((
            payment_attempts::gateway_order_no,
            payment_attempts::trade_no,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    let body = format!(
        r#"{{"data":{{"transactionType":"Sale","orderAmount":"54.00","orderNo":"{order_no}","tradeNo":"{}","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""}},"type":"transaction.success"}}"#,
        trade_no.expect("trade no")
    );
    let replies =
        futures_util::future::join_all((0..50).map(|_| signed_webhook(&app, &body))).await;
    for r in replies {
        assert_eq!(r.status(), 200);
        assert_eq!(r.text().await.expect("body"), "success");
    }
    let mut conn = app.db.get().expect("conn");
    let stored: i64 = webhook_events::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(stored, 1, "deduplicated on the body");
    let paid: i64 = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(paid, 1);
    assert_eq!(order_status(&app), "paid");
}

#[tokio::test]
async fn a_webhook_that_finds_the_database_locked_is_not_acknowledged_and_its_retry_applies() {
    use asiabill_shop::db::DbConnection;
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    // Hold a lock past the shop's 5-second lock wait while AsiaBill delivers: SQLite's write
    // lock, or PostgreSQL's exclusive lock on the table webhooks are stored in.
    let db = app.db.clone();
    let (locked_tx, locked_rx) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = db.get().expect("conn");
        let lock: &[&str] = match &mut *conn {
            DbConnection::Sqlite(_) => &["BEGIN EXCLUSIVE"],
            DbConnection::Pg(_) => &[
                "BEGIN",
                "LOCK TABLE webhook_events IN ACCESS EXCLUSIVE MODE",
            ],
        };
        for statement in lock {
            diesel::sql_query(*statement)
                .execute(&mut *conn)
                .expect("lock");
        }
        locked_tx.send(()).expect("signal");
        std::thread::sleep(std::time::Duration::from_millis(6_500));
        diesel::sql_query("ROLLBACK")
            .execute(&mut *conn)
            .expect("unlock");
    });
    locked_rx.recv().expect("locked");
    let sandbox = app.sandbox.clone().expect("sim");
    crate::payments::pay_on_hosted_page(&app, &page_url, SUCCESS).await;
    eventually("the first delivery is refused", || {
        sandbox
            .webhook_deliveries()
            .iter()
            .any(|d| d.status == Some(503))
    })
    .await;
    holder.join().expect("holder");
    eventually("a retry applies it", || order_status(&app) == "paid").await;
}

#[tokio::test]
async fn every_webhook_delivered_five_more_times_changes_nothing_more() {
    let app = spawn_app().await;
    let sandbox = app.sandbox.clone().expect("sim");
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    crate::payments::pay_on_hosted_page(&app, &page_url, SUCCESS).await;
    eventually("the webhook paid the order", || {
        order_status(&app) == "paid"
    })
    .await;
    let events = sandbox.webhook_events();
    assert!(!events.is_empty());
    for event in &events {
        for _ in 0..5 {
            sandbox.resend_webhook(event.id).expect("resend");
        }
    }
    eventually("every resend acknowledged", || {
        sandbox
            .webhook_deliveries()
            .iter()
            .filter(|d| d.status == Some(200))
            .count()
            >= events.len() * 6
    })
    .await;
    let mut conn = app.db.get().expect("conn");
    let paid: i64 = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(paid, 1);
    let emails: i64 = asiabill_shop::db::schema::email_outbox::table
        .filter(asiabill_shop::db::schema::email_outbox::kind.eq("payment_succeeded"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(emails, 1);
}
