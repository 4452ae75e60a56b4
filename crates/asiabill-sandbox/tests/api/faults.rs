//! Each fault switch: latency, 5xx, dropped, duplicated and out-of-order webhooks.

use std::time::{Duration, Instant};

use asiabill_sandbox::{DeliveryOutcome, Faults, Verdict};
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn api_latency_delays_replies() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        api_latency: Duration::from_millis(200),
        ..Faults::default()
    });
    let started = Instant::now();
    app.post("/V2022-03/customers", &json!({}))
        .await
        .assert_code("00000");
    assert!(started.elapsed() >= Duration::from_millis(200));
    app.sandbox.set_faults(Faults::default());
    let started = Instant::now();
    app.post("/V2022-03/customers", &json!({}))
        .await
        .assert_code("00000");
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn a_server_error_rate_answers_500_without_processing() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        server_error_rate: 1.0,
        ..Faults::default()
    });
    let r = app.post("/V2022-03/customers", &json!({})).await;
    assert_eq!(r.status, 500);
    assert_eq!(r.code(), "S0014");
    assert!(app.sandbox.customers().is_empty());
    assert_eq!(
        app.sandbox.requests().last().map(|r| r.verdict.clone()),
        Some(Verdict::Fault { status: 500 })
    );
    app.sandbox.set_faults(Faults::default());
    app.post("/V2022-03/customers", &json!({}))
        .await
        .assert_code("00000");
}

#[tokio::test]
async fn dropped_webhooks_never_arrive() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Faults::default()
    });
    let trade_no = app.paid_sale("7.00").await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(app.hooks.received().is_empty());
    let deliveries = app.sandbox.webhook_deliveries();
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Dropped);
    // The payment itself happened; a query finds it.
    let path = format!("/openApi/V2022-03/orderInfo/{trade_no}");
    let q = app.send(Req::get(&path).path_values(&[&trade_no])).await;
    assert_eq!(q.data()["tradeStatus"], "success");
}

#[tokio::test]
async fn duplicated_webhooks_arrive_twice_signed_afresh() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        duplicate_webhooks: true,
        ..Faults::default()
    });
    let trade_no = app.paid_sale("7.00").await;
    let hooks = app.hooks.for_trade(&trade_no, 2).await;
    assert_eq!(hooks[0].body, hooks[1].body);
    assert_ne!(hooks[0].header("request-id"), hooks[1].header("request-id"));
    assert!(hooks.iter().all(webhook_signature_ok));
    eventually("both recorded", || {
        app.sandbox.webhook_deliveries().len() == 2
    })
    .await;
    assert!(app.sandbox.webhook_deliveries()[1].duplicate);
}

#[tokio::test]
async fn out_of_order_webhooks_arrive_newest_first() {
    let app = spawn_with(asiabill_sandbox::Config {
        reorder_window: Duration::from_secs(3600),
        ..fast_config()
    })
    .await;
    app.sandbox.set_faults(Faults {
        out_of_order_webhooks: true,
        ..Faults::default()
    });
    let trade_no = app.paid_sale("10.00").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(app.hooks.received().is_empty(), "held until overtaken");
    app.post(
        "/openApi/V2022-03/refund",
        &json!({"tradeNo": trade_no, "refundType": "2", "refundAmount": "1.00", "refundReason": "x", "merTrackNo": "R1"}),
    )
    .await
    .assert_code("00000");
    let hooks = app.hooks.for_trade(&trade_no, 2).await;
    assert_eq!(hooks[0].event_type(), "refund.success");
    assert_eq!(hooks[1].event_type(), "transaction.success");

    // A lone held event goes out when the switch is turned off.
    let second = app.paid_sale("5.00").await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(app.hooks.for_trade_now(&second).is_empty());
    app.sandbox.set_faults(Faults::default());
    app.hooks.event(&second, "transaction.success").await;
}

#[tokio::test]
async fn a_lone_held_webhook_goes_out_after_the_reorder_window() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        out_of_order_webhooks: true,
        ..Faults::default()
    });
    let trade_no = app.paid_sale("5.00").await;
    app.hooks.event(&trade_no, "transaction.success").await;
}
