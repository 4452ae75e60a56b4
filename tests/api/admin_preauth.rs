//! Capture and void on the simulator's pre-authorization gateway (12246004).

use asiabill_sandbox::{AuthStatus, Faults};
use asiabill_shop::db::{
    now,
    schema::{payment_attempts, payment_events, webhook_events},
};
use diesel::prelude::*;

use crate::{
    admin_support::{admin, order_by_number, paid_order, preauth_app, preauth_app_with},
    faults::{carried_out, impatient, slow_gateway},
    helpers::TestApp,
    payments::eventually,
};

fn authorize_calls(app: &TestApp) -> usize {
    app.sandbox
        .as_ref()
        .expect("sim")
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/AuthorizeInterface"))
        .count()
}

fn attempt_status(app: &TestApp, number: &str) -> String {
    payment_attempts::table
        .filter(payment_attempts::gateway_order_no.like(format!("{number}-%")))
        .order(payment_attempts::sequence.desc())
        .select(payment_attempts::status)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt")
}

#[tokio::test]
async fn capture_takes_the_money_and_the_webhook_changes_nothing_more() {
    let app = preauth_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.captured_minor),
        ("authorized", 0)
    );
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("data-action=\"capture\">"),
        "capture offered, enabled"
    );
    assert!(
        page.contains("data-action=\"void\">"),
        "void offered, enabled"
    );
    assert!(
        page.contains("Nothing to refund"),
        "nothing captured to refund yet"
    );

    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/capture"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("Payment captured."), "flash");
    let order = order_by_number(&app, &number);
    assert_eq!(order.status.as_str(), "paid");
    assert_eq!(order.captured_minor, order.total_minor);
    assert_eq!(attempt_status(&app, &number), "paid");
    assert_eq!(authorize_calls(&app), 1);
    let captured_body = app
        .sandbox
        .as_ref()
        .expect("sim")
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/AuthorizeInterface"))
        .expect("request")
        .body;
    assert!(
        captured_body.contains("\"authType\":\"1\""),
        "{captured_body}"
    );

    eventually("the pre-authorized.captured webhook is applied", || {
        webhook_events::table
            .filter(webhook_events::event_type.eq("pre-authorized.captured"))
            .filter(webhook_events::status.eq("applied"))
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            == 1
    })
    .await;
    // The answer and the webhook race; whichever comes first moves the attempt, once.
    let sources: Vec<String> = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .select(payment_events::source)
        .load(&mut app.db.get().expect("conn"))
        .expect("events");
    assert_eq!(sources.len(), 1, "applied once: {sources:?}");
    assert!(
        matches!(sources[0].as_str(), "admin" | "webhook"),
        "{sources:?}"
    );
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("data-action=\"capture\" disabled"),
        "nothing left to capture"
    );
    assert!(page.contains("No open authorization"));
}

#[tokio::test]
async fn void_releases_the_authorization_and_capture_after_void_is_refused() {
    let app = preauth_app().await;
    let admin = admin(&app).await;
    let before = app.stock("gooseneck-kettle");
    let number = paid_order(&app).await;
    assert_eq!(app.stock("gooseneck-kettle"), before - 1);
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/void"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("Authorization voided"), "flash");
    assert_eq!(order_by_number(&app, &number).status.as_str(), "cancelled");
    assert_eq!(attempt_status(&app, &number), "voided");
    assert_eq!(app.stock("gooseneck-kettle"), before, "stock released");
    assert!(page.contains("data-action=\"capture\" disabled"));
    assert_eq!(authorize_calls(&app), 1);

    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/capture"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains("No open authorization"),
        "refused with the reason"
    );
    assert_eq!(authorize_calls(&app), 1, "not even sent to AsiaBill");
    assert_eq!(order_by_number(&app, &number).status.as_str(), "cancelled");
}

#[tokio::test]
async fn past_the_capture_deadline_only_void_is_offered() {
    let app = preauth_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    diesel::update(payment_attempts::table)
        .set(payment_attempts::capture_deadline.eq(Some(now() - chrono::Duration::hours(1))))
        .execute(&mut app.db.get().expect("conn"))
        .expect("lapse");
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-action=\"capture\" disabled"));
    assert!(page.contains("The capture deadline (ASIABILL_CAPTURE_DAYS) has passed"));
    assert!(page.contains("data-action=\"void\">"));
    let dashboard = admin.html("/admin").await;
    assert!(
        dashboard.contains(&format!("href=\"/admin/orders/{number}\"")),
        "listed as near its deadline"
    );
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/capture"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("has passed"));
    assert_eq!(authorize_calls(&app), 0);
    admin
        .post_then(
            &format!("/admin/orders/{number}/void"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert_eq!(order_by_number(&app, &number).status.as_str(), "cancelled");
}

/// AsiaBill's `authStatus` for the order's payment, as the simulator holds it.
fn auth_status_at_asiabill(app: &TestApp) -> AuthStatus {
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox.transactions()[0].auth_status
}

#[tokio::test]
async fn a_timed_out_capture_changes_nothing_until_a_sync_finds_it_done() {
    let app = preauth_app_with(impatient).await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    // AsiaBill answers too late, and its webhook is lost: only a query can tell.
    let lost_webhooks = Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    };
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..slow_gateway()
    });
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/capture"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("No usable answer from AsiaBill."), "flash");
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.captured_minor),
        ("authorized", 0),
        "nothing half-applied"
    );
    assert_eq!(attempt_status(&app, &number), "authorized");
    // A sync while AsiaBill is still slow says so and changes nothing.
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/sync"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains("AsiaBill could not be asked: AsiaBill did not answer within the timeout"),
        "flash"
    );
    assert_eq!(attempt_status(&app, &number), "authorized");
    sandbox.set_faults(lost_webhooks);

    eventually("AsiaBill captures late", || {
        carried_out(&app, "/AuthorizeInterface") == 1
    })
    .await;
    assert_eq!(auth_status_at_asiabill(&app), AuthStatus::Capture);
    assert_eq!(order_by_number(&app, &number).status.as_str(), "authorized");
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/sync"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("authorized → paid"), "flash");
    let order = order_by_number(&app, &number);
    assert_eq!(order.status.as_str(), "paid");
    assert_eq!(order.captured_minor, order.total_minor);
    assert_eq!(authorize_calls(&app), 1, "the capture was sent once");
}

#[tokio::test]
async fn a_timed_out_void_keeps_the_stock_until_its_late_webhook_releases_it() {
    let app = preauth_app_with(impatient).await;
    let admin = admin(&app).await;
    let before = app.stock("gooseneck-kettle");
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox.set_faults(slow_gateway());
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/void"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    sandbox.set_faults(Faults::default());
    assert!(page.contains("No usable answer from AsiaBill."), "flash");
    assert_eq!(order_by_number(&app, &number).status.as_str(), "authorized");
    assert_eq!(attempt_status(&app, &number), "authorized");
    assert_eq!(
        app.stock("gooseneck-kettle"),
        before - 1,
        "stock still held"
    );

    eventually(
        "AsiaBill voids late and its webhook cancels the order",
        || order_by_number(&app, &number).status.as_str() == "cancelled",
    )
    .await;
    assert_eq!(auth_status_at_asiabill(&app), AuthStatus::Void);
    assert_eq!(attempt_status(&app, &number), "voided");
    assert_eq!(app.stock("gooseneck-kettle"), before, "stock released");
    assert_eq!(authorize_calls(&app), 1, "the void was sent once");
}
