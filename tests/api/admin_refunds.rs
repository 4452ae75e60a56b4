//! Refunds from the order page: reserved before AsiaBill is asked, never more than captured
//! (even posted at once), settled by webhook, by query, or by hand when the reply was lost.

use asiabill_sandbox::{Faults, RefundStatus};
use asiabill_shop::db::{
    models::Refund,
    schema::{email_outbox, refunds},
};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin, order_by_number, paid_order},
    faults::{carried_out, deliver_held, impatient, reconcile_pass, slow_gateway},
    helpers::{TestApp, location, spawn_app, spawn_app_with},
    payments::eventually,
};

pub fn refund_rows(app: &TestApp) -> Vec<Refund> {
    refunds::table
        .order(refunds::id)
        .select(Refund::as_select())
        .load(&mut app.db.get().expect("conn"))
        .expect("refunds")
}

pub fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

pub async fn refund(admin: &Admin, number: &str, amount: &str, reason: &str) -> reqwest::Response {
    admin.refund(number, amount, reason, None).await
}

#[tokio::test]
async fn partial_then_full_refunds_are_requested_and_settled_by_the_webhook() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    assert!(captured > 1000);
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("name=\"amount\" type=\"text\" inputmode=\"decimal\" value=\"\""),
        "the amount is empty until the admin types one"
    );

    let r = refund(&admin, &number, "10.00", "Damaged in transit").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains(&format!("Refund {number}-R1 requested")),
        "flash"
    );
    eventually("the first refund settles", || {
        refund_rows(&app)
            .first()
            .is_some_and(|r| r.status.as_str() == "succeeded")
    })
    .await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("partially_refunded", 1000)
    );

    let rest = decimal(captured - 1000);
    let r = refund(&admin, &number, &rest, "").await;
    assert_eq!(r.status(), 303);
    eventually("the order is refunded", || {
        order_by_number(&app, &number).status.as_str() == "refunded"
    })
    .await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("Nothing to refund"),
        "no refund form once all is refunded"
    );
    assert_eq!(page.matches("data-refund-status=\"succeeded\"").count(), 2);

    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    let tracks: Vec<&str> = at_gateway.iter().map(|r| r.mer_track_no.as_str()).collect();
    assert_eq!(tracks, [format!("{number}-R1"), format!("{number}-R2")]);
    assert_eq!(at_gateway[0].refund_type, "2", "partial");
    assert_eq!(at_gateway[0].reason, "Damaged in transit");
    assert_eq!(at_gateway[1].refund_type, "2");
    eventually("both refund emails are queued", || {
        email_outbox::table
            .filter(email_outbox::kind.eq("refunded"))
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            == 2
    })
    .await;
}

#[tokio::test]
async fn a_whole_refund_is_sent_as_a_full_refund() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    let r = refund(
        &admin,
        &number,
        &decimal(captured),
        "Cancelled by the customer",
    )
    .await;
    assert_eq!(r.status(), 303);
    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(at_gateway[0].refund_type, "1");
    assert_eq!(at_gateway[0].amount.minor(), captured);
}

#[tokio::test]
async fn ten_refunds_posted_at_once_never_exceed_what_was_captured() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    let share = captured / 5;
    assert!(share * 6 > captured, "exactly five shares fit");
    let amount = decimal(share);
    // Webhooks held back, so that no refund settles (and the order turns "refunded") while the
    // posts race: every loser then meets the reservation, not the order's new state.
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    let mut posts = tokio::task::JoinSet::new();
    for i in 0..10 {
        let (client, url, csrf, amount) = (
            admin.client.clone(),
            admin.url(&format!("/admin/orders/{number}/refunds")),
            admin.csrf.clone(),
            amount.clone(),
        );
        posts.spawn(async move {
            client
                .post(url)
                .form(&[
                    ("csrf_token", csrf.as_str()),
                    ("amount", amount.as_str()),
                    ("reason", &format!("admin {i}")),
                    // Ten admins who each confirmed at the same moment.
                    ("confirmed", "yes"),
                ])
                .send()
                .await
                .expect("POST")
                .status()
                .as_u16()
        });
    }
    let mut statuses = Vec::new();
    while let Some(status) = posts.join_next().await {
        statuses.push(status.expect("task"));
    }
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 303, 303, 303, 303, 409, 409, 409, 409, 409]);
    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    assert_eq!(
        at_gateway.len(),
        5,
        "only the refunds that fit reached AsiaBill"
    );
    assert_eq!(
        at_gateway.iter().map(|r| r.amount.minor()).sum::<i64>(),
        share * 5
    );
    let rows = refund_rows(&app);
    assert_eq!(rows.len(), 5);
    let mut tracks: Vec<String> = rows.iter().map(|r| r.mer_track_no.clone()).collect();
    tracks.sort();
    tracks.dedup();
    assert_eq!(tracks.len(), 5, "each refund has its own merTrackNo");
    let order = order_by_number(&app, &number);
    assert_eq!(order.refunded_minor, share * 5);
    assert!(order.refunded_minor <= order.captured_minor);
}

#[tokio::test]
async fn bad_amounts_are_shown_next_to_the_field() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    for (amount, status, message) in [
        (
            "ten",
            422,
            "Enter an amount like 12.50 (at most 2 decimals).",
        ),
        ("12.345", 422, "Enter an amount like 12.50"),
        ("0.00", 422, "The amount must be more than zero."),
        ("99999.00", 409, "More than what is left to refund"),
    ] {
        let r = refund(&admin, &number, amount, "x").await;
        assert_eq!(r.status(), status, "{amount}");
        let page = r.text().await.expect("body");
        assert!(
            page.contains("class=\"field-error\" id=\"field-amount-error\""),
            "{amount}"
        );
        assert!(page.contains(message), "{amount}: {message}");
        assert!(
            page.contains(&format!("value=\"{amount}\"")),
            "what was typed is kept"
        );
    }
    assert!(refund_rows(&app).is_empty());
    assert!(app.sandbox.as_ref().expect("sim").refunds().is_empty());
}

#[tokio::test]
async fn a_refund_that_fails_at_asiabill_gives_the_amount_back() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    // The simulator accepts a refund whose reason is FAIL, then fails it by webhook.
    let r = refund(&admin, &number, "5.00", "FAIL").await;
    assert_eq!(r.status(), 303);
    eventually("the refund fails", || {
        refund_rows(&app)
            .first()
            .is_some_and(|r| r.status.as_str() == "failed")
    })
    .await;
    let order = order_by_number(&app, &number);
    assert_eq!((order.status.as_str(), order.refunded_minor), ("paid", 0));
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-refund-status=\"failed\""));
    assert!(
        page.contains("data-event=\"refund_failed\""),
        "on the timeline"
    );
}

#[tokio::test]
async fn a_lost_reply_leaves_the_refund_unknown_until_an_admin_settles_it() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox.set_faults(Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    });
    let r = refund(&admin, &number, "5.00", "Lost reply").await;
    assert_eq!(r.status(), 303);
    sandbox.set_faults(Faults::default());
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("It is marked unknown"), "flash");
    let first = refund_rows(&app).remove(0);
    assert_eq!(first.status.as_str(), "unknown");
    assert_eq!(
        order_by_number(&app, &number).refunded_minor,
        500,
        "still reserved"
    );
    let dashboard = admin.html("/admin").await;
    assert!(
        dashboard.contains(&first.mer_track_no),
        "on the dashboard's attention list"
    );
    assert_eq!(sandbox.refunds().len(), 0, "never retried on its own");

    // Checked at AsiaBill: it did not happen.
    admin
        .post_then(
            &format!("/admin/refunds/{}/mark", first.id),
            &[
                ("outcome", "failed"),
                ("back", &format!("/admin/orders/{number}")),
            ],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert_eq!(refund_rows(&app)[0].status.as_str(), "failed");
    assert_eq!(order_by_number(&app, &number).refunded_minor, 0);
    // A settled refund cannot be marked again.
    let page = admin
        .post_then(
            &format!("/admin/refunds/{}/mark", first.id),
            &[("outcome", "succeeded")],
            "/admin/refunds",
        )
        .await;
    assert!(
        page.contains("only refunds with an unknown outcome"),
        "{page}"
    );

    // Another lost reply, which AsiaBill did carry out.
    sandbox.set_faults(Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    });
    refund(&admin, &number, "7.00", "Lost again").await;
    sandbox.set_faults(Faults::default());
    let second = refund_rows(&app).remove(1);
    assert_eq!(second.status.as_str(), "unknown");
    admin
        .post_then(
            &format!("/admin/refunds/{}/mark", second.id),
            &[("outcome", "succeeded")],
            "/admin/refunds",
        )
        .await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("partially_refunded", 700)
    );
}

#[tokio::test]
async fn a_timed_out_refund_is_unknown_never_sent_again_and_settled_by_its_late_webhook() {
    let app = spawn_app_with(|s| {
        impatient(s);
        s.reconcile_after_seconds = Some("1".into());
    })
    .await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let captured = order_by_number(&app, &number).captured_minor;
    let sandbox = app.sandbox.as_ref().expect("sim");
    // AsiaBill answers too late, and its refund webhook is lost for now.
    let lost_webhooks = Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    };
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..slow_gateway()
    });
    let r = refund(&admin, &number, &decimal(captured), "Timed out").await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    sandbox.set_faults(lost_webhooks);
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("It is marked unknown"), "flash");
    let first = refund_rows(&app).remove(0);
    assert_eq!(first.status.as_str(), "unknown");
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("paid", captured),
        "still paid, the amount reserved"
    );
    // Asking again is refused while the first one may have been taken.
    let again = refund(&admin, &number, &decimal(captured), "Timed out").await;
    assert_eq!(again.status(), 409);
    assert_eq!(refund_rows(&app).len(), 1);

    eventually("AsiaBill takes the refund late", || {
        sandbox.refunds().len() == 1
    })
    .await;
    eventually("and settles it, its webhook lost", || {
        sandbox
            .webhook_events()
            .iter()
            .any(|e| e.event_type == "refund.success")
    })
    .await;
    // The reconciler has no batch number to ask about and never sends a refund.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let report = reconcile_pass(&app).await;
    assert_eq!(report.refunds_checked, 0, "{report:?}");
    assert_eq!(refund_rows(&app)[0].status.as_str(), "unknown");
    assert_eq!(sandbox.refunds().len(), 1);
    let sent = sandbox
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/refund"))
        .count();
    assert_eq!(sent, 1, "sent to AsiaBill once");

    // AsiaBill delivers the webhook after all: it settles the refund by its merTrackNo.
    deliver_held(sandbox, "refund.success");
    eventually("the late webhook settles the refund", || {
        refund_rows(&app)[0].status.as_str() == "succeeded"
    })
    .await;
    let settled = refund_rows(&app).remove(0);
    assert_eq!(settled.mer_track_no, format!("{number}-R1"));
    assert_eq!(
        settled.batch_no.as_deref(),
        Some(sandbox.refunds()[0].batch_no.as_str())
    );
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("refunded", captured)
    );
    assert_eq!(carried_out(&app, "/refund"), 1, "refunded once");
}

#[tokio::test]
async fn the_refunds_page_lists_refunds_and_queries_asiabill() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let sandbox = app.sandbox.as_ref().expect("sim");
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    let captured = order_by_number(&app, &number).captured_minor;
    refund(&admin, &number, &decimal(captured), "Returned").await;
    let listed = admin.html("/admin/refunds").await;
    assert!(listed.contains(&format!("{number}-R1")));
    assert!(
        listed.contains("data-refund-status=\"requested\""),
        "requested until settled"
    );
    assert!(listed.contains("Query AsiaBill"));
    let filtered = admin.html("/admin/refunds?status=failed").await;
    assert!(!filtered.contains(&format!("{number}-R1")));

    eventually("AsiaBill settles the refund (its webhook is lost)", || {
        sandbox
            .refunds()
            .first()
            .is_some_and(|r| r.status == RefundStatus::Success)
    })
    .await;
    let id = refund_rows(&app)[0].id;
    let page = admin
        .post_then(&format!("/admin/refunds/{id}/query"), &[], "/admin/refunds")
        .await;
    assert!(
        page.contains(&format!("AsiaBill says refund {number}-R1 succeeded.")),
        "{page}"
    );
    assert_eq!(refund_rows(&app)[0].status.as_str(), "succeeded");
    assert_eq!(order_by_number(&app, &number).status.as_str(), "refunded");
    let queried = sandbox
        .requests()
        .iter()
        .filter(|r| r.path.contains("/refund/"))
        .count();
    assert_eq!(queried, 1, "one refund_query");
}

#[tokio::test]
async fn a_refund_is_sent_only_after_its_confirmation_names_the_amount_and_payment() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let trade_no: Option<String> = asiabill_shop::db::schema::payment_attempts::table
        .select(asiabill_shop::db::schema::payment_attempts::trade_no)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    let trade_no = trade_no.expect("trade number");
    let r = admin
        .post(
            &format!("/admin/orders/{number}/refunds"),
            &[("amount", "2.50"), ("reason", "Scratched")],
        )
        .await;
    assert_eq!(r.status(), 200, "a confirmation page, not a refund");
    let page = r.text().await.expect("page");
    assert!(
        page.contains("<strong data-confirm-amount>$2.50</strong>"),
        "{page}"
    );
    assert!(page.contains(&format!("<code data-confirm-order-no>{number}-1</code>")));
    assert!(page.contains(&format!("<code data-confirm-trade-no>{trade_no}</code>")));
    assert!(refund_rows(&app).is_empty(), "nothing reserved yet");
    assert!(
        app.sandbox.as_ref().expect("sim").refunds().is_empty(),
        "nothing sent yet"
    );

    let r = admin.refund(&number, "2.50", "Scratched", None).await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(at_gateway[0].amount.minor(), 250);
    assert_eq!(at_gateway[0].trade_no, trade_no);
}

#[tokio::test]
async fn a_doubly_paid_order_shows_both_payments_and_refunds_the_duplicate_in_one_click() {
    use asiabill_shop::db::{models::PaymentAttempt, schema::payment_attempts};
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let token = crate::payments::order(&app).await;
    // Two hosted pages of one order, both paid: the shopper paid in two tabs.
    let first = crate::payments::start_hosted(&app, &token).await;
    let second = crate::payments::start_hosted(&app, &token).await;
    for page in [&first, &second] {
        crate::payments::pay_on_hosted_page(&app, page, crate::payments::SUCCESS).await;
    }
    let attempts = || -> Vec<PaymentAttempt> {
        payment_attempts::table
            .order(payment_attempts::sequence)
            .select(PaymentAttempt::as_select())
            .load(&mut app.db.get().expect("conn"))
            .expect("attempts")
    };
    eventually("AsiaBill's webhooks report both payments", || {
        attempts().iter().all(|a| a.status.as_str() == "paid")
    })
    .await;
    let order = crate::admin_support::order_by_token(&app, &token);
    let number = order.number.clone();
    assert_eq!(order.captured_minor, 2 * order.total_minor, "both counted");

    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("data-double-charge="), "a banner: {page}");
    assert!(page.contains("data-paid-twice>"), "a badge by the status");
    let list = admin.html("/admin/orders").await;
    assert!(list.contains("data-paid-twice>"), "and in the orders list");
    assert_eq!(
        page.matches("<tr data-payment=").count(),
        2,
        "both payments listed"
    );
    let duplicate = attempts()
        .into_iter()
        .find(|a| page.contains(&format!("data-double-charge=\"{}\"", a.gateway_order_no)))
        .expect("the banner names one payment");
    let duplicate_trade = duplicate.trade_no.clone().expect("trade number");
    // One click on "refund the duplicate", then the confirmation.
    let amount = crate::helpers::hidden_field(&page, "amount").expect("banner amount");
    assert_eq!(amount, decimal(order.total_minor));
    let r = admin
        .refund(
            &number,
            &amount,
            "Duplicate payment",
            Some(&duplicate.gateway_order_no),
        )
        .await;
    assert_eq!(location(&r), format!("/admin/orders/{number}"));
    let at_gateway = app.sandbox.as_ref().expect("sim").refunds();
    assert_eq!(at_gateway.len(), 1);
    assert_eq!(
        at_gateway[0].trade_no, duplicate_trade,
        "the duplicate refunded"
    );
    assert_eq!(
        at_gateway[0].refund_type, "1",
        "all of that payment: a full refund"
    );
    eventually("the refund settles", || {
        refund_rows(&app)
            .first()
            .is_some_and(|r| r.status.as_str() == "succeeded")
    })
    .await;
    let order = order_by_number(&app, &number);
    assert_eq!(
        (order.status.as_str(), order.refunded_minor),
        ("partially_refunded", order.total_minor),
        "the order keeps the one payment it needs"
    );
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        !page.contains("data-double-charge="),
        "nothing left to refund twice"
    );
}
