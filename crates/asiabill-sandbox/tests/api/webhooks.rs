//! Webhook format, signature, retries on the scaled schedule, and resending.

use std::time::Duration;

use asiabill_sandbox::{Config, DeliveryOutcome};
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn webhooks_are_signed_compact_json_with_string_values() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    let hook = app.hooks.event(&trade_no, "transaction.success").await;
    assert!(webhook_signature_ok(&hook));
    assert_eq!(hook.header("gateway-no"), GATEWAY);
    assert_eq!(hook.header("version"), "V2022-03");
    assert!(hook.header("content-type").starts_with("application/json"));
    let sign = hook.header("sign-info");
    assert_eq!(sign, sign.to_uppercase(), "uppercase hex");
    let sent: i64 = hook.header("request-time").parse().expect("ms");
    assert!((now_ms() - sent).abs() < 60_000);
    assert!(!hook.header("request-id").is_empty());

    let body: Value = hook.json();
    assert!(
        !hook.body.contains('\n') && !hook.body.contains("\": ") && !hook.body.contains(", \""),
        "compact: {}",
        hook.body
    );
    assert!(
        hook.body
            .starts_with(r#"{"data":{"transactionType":"Sale","orderAmount":"7.00","#),
        "{}",
        hook.body
    );
    assert!(hook.body.ends_with(r#""type":"transaction.success"}"#));
    for (k, v) in body["data"].as_object().expect("data") {
        assert!(v.is_string(), "{k} is {v}");
    }
    eventually("the attempt recorded", || {
        !app.sandbox.webhook_deliveries().is_empty()
    })
    .await;
    let deliveries = app.sandbox.webhook_deliveries();
    assert_eq!(deliveries[0].outcome, DeliveryOutcome::Acknowledged);
    assert_eq!(deliveries[0].reply, "SUCCESS");
}

#[tokio::test]
async fn a_refused_webhook_is_retried_and_signed_afresh() {
    let app = spawn().await;
    app.hooks.fail_next(3);
    let trade_no = app.paid_sale("7.00").await;
    let hooks = app.hooks.for_trade(&trade_no, 4).await;
    assert_eq!(hooks.len(), 4);
    let ids: std::collections::HashSet<&str> =
        hooks.iter().map(|h| h.header("request-id")).collect();
    assert_eq!(ids.len(), 4, "a new request-id per attempt");
    assert!(hooks.iter().all(webhook_signature_ok));
    assert!(
        hooks.iter().all(|h| h.body == hooks[0].body),
        "same body every time"
    );
    // 15 s, 15 s, 30 s at a time factor of 0.001.
    let gaps: Vec<Duration> = hooks.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (gap, min_ms) in gaps.iter().zip([15, 15, 30]) {
        assert!(*gap >= Duration::from_millis(min_ms - 2), "{gaps:?}");
    }

    eventually("the last attempt recorded", || {
        app.sandbox.webhook_deliveries().len() == 4
    })
    .await;
    let attempts = app.sandbox.webhook_deliveries();
    assert_eq!(
        attempts.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2, 3, 4]
    );
    assert_eq!(
        attempts
            .iter()
            .map(|a| a.outcome.clone())
            .collect::<Vec<_>>(),
        vec![
            DeliveryOutcome::Failed,
            DeliveryOutcome::Failed,
            DeliveryOutcome::Failed,
            DeliveryOutcome::Acknowledged
        ]
    );
    assert_eq!(attempts[0].reply, "fail");
    assert_eq!(attempts[0].status, Some(200));
}

#[tokio::test]
async fn retries_stop_after_fifteen_attempts() {
    let app = spawn_with(Config {
        time_factor: 0.00001,
        ..Config::default()
    })
    .await;
    app.hooks.fail_next(1000);
    let trade_no = app.paid_sale("7.00").await;
    app.hooks.for_trade(&trade_no, 15).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.hooks.for_trade(&trade_no, 15).await.len(), 15);
    eventually("15 attempts recorded", || {
        app.sandbox.webhook_deliveries().len() == 15
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_endpoint_counts_as_a_failed_attempt() {
    let app = spawn().await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        format!("http://{}/hook", l.local_addr().expect("addr"))
    };
    app.charge("4242424242424242", GATEWAY, json!({"callbackUrl": dead}))
        .await;
    eventually("two failed attempts", || {
        app.sandbox.webhook_deliveries().len() >= 2
    })
    .await;
    let first = &app.sandbox.webhook_deliveries()[0];
    assert_eq!(first.outcome, DeliveryOutcome::Failed);
    assert_eq!(first.status, None);
}

#[tokio::test]
async fn an_event_can_be_resent() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    app.hooks.for_trade(&trade_no, 1).await;
    let event = app.sandbox.webhook_events()[0].clone();
    assert_eq!(event.event_type, "transaction.success");
    app.sandbox.resend_webhook(event.id).expect("resent");
    let hooks = app.hooks.for_trade(&trade_no, 2).await;
    assert_eq!(hooks[0].body, hooks[1].body);
    assert_ne!(hooks[0].header("request-id"), hooks[1].header("request-id"));
    assert!(app.sandbox.resend_webhook(9999).is_err());
}

#[tokio::test]
async fn without_a_callback_url_nothing_is_delivered() {
    let app = spawn().await;
    let r = app
        .charge("4242424242424242", GATEWAY, json!({"callbackUrl": null}))
        .await;
    r.assert_code("00000");
    assert_eq!(app.sandbox.webhook_events().len(), 1);
    assert!(app.sandbox.webhook_events()[0].url.is_none());
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(app.sandbox.webhook_deliveries().is_empty());
    assert!(app.hooks.received().is_empty());
}
