//! `/console` over HTTP: what it lists and what its buttons do.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn the_console_lists_transactions_requests_flags_refunds_and_webhooks() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    let flagged = app
        .charge(
            "4242424242424242",
            GATEWAY,
            json!({"customerIp": null, "goodsDetails": null}),
        )
        .await;
    let flagged = flagged.data()["tradeNo"]
        .as_str()
        .expect("tradeNo")
        .to_owned();
    app.post(
        "/openApi/V2022-03/refund",
        &json!({"tradeNo": trade_no, "refundType": "2", "refundAmount": "2.00",
                "refundReason": "broken", "merTrackNo": "R-CONSOLE-1"}),
    )
    .await
    .assert_code("00000");
    app.hooks.event(&trade_no, "transaction.success").await;

    let page = app.get_page("/console").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-frame-options"), "DENY");
    for expected in [
        trade_no.as_str(),
        flagged.as_str(),
        "missing_customer_ip",
        "missing_goods_details",
        "/V2022-03/confirmCharge",
        "R-CONSOLE-1",
        "2.00 USD",
        "transaction.success",
        "acknowledged",
        "SUCCESS",
        r#"action="/console/faults""#,
        &format!(r#"action="/console/transactions/{trade_no}/chargeback""#),
    ] {
        assert!(page.html.contains(expected), "console lacks {expected}");
    }
    // Card numbers appear masked only.
    assert!(!page.html.contains("4242424242424242"));
    assert!(page.html.contains("424242***4242"));
}

#[tokio::test]
async fn forms_without_the_console_token_are_refused() {
    let app = spawn().await;
    let refused = app
        .post_form(
            "/console/faults",
            &[("csrf", "guess"), ("hold_pending", "on")],
        )
        .await;
    assert_eq!(refused.status, 403);
    assert!(!app.sandbox.hold_pending());
    assert_eq!(app.post_form("/console/faults", &[]).await.status, 403);
}

#[tokio::test]
async fn the_fault_form_sets_the_switches() {
    let app = spawn().await;
    let csrf = app.get_page("/console").await.csrf();
    let location = app
        .post_form(
            "/console/faults",
            &[
                ("csrf", &csrf),
                ("api_latency_ms", "5"),
                ("server_error_rate", "0.25"),
                ("drop_webhook_rate", "0.5"),
                ("duplicate_webhooks", "on"),
                ("hold_pending", "on"),
            ],
        )
        .await
        .see_other();
    assert!(location.starts_with("/console?notice="), "{location}");
    let faults = app.sandbox.faults();
    assert_eq!(faults.api_latency, Duration::from_millis(5));
    assert_eq!(faults.server_error_rate, 0.25);
    assert_eq!(faults.drop_webhook_rate, 0.5);
    assert!(faults.duplicate_webhooks);
    assert!(!faults.out_of_order_webhooks);
    assert!(app.sandbox.hold_pending());
    let page = app.get_page(&location).await;
    assert!(page.html.contains("Faults updated."));
    assert!(
        page.html
            .contains(r#"name="hold_pending" type="checkbox" checked"#)
    );

    let location = app
        .post_form(
            "/console/faults",
            &[("csrf", &csrf), ("server_error_rate", "2")],
        )
        .await
        .see_other();
    assert!(location.starts_with("/console?error="), "{location}");
    assert_eq!(app.sandbox.faults().server_error_rate, 0.25, "unchanged");
    let location = app
        .post_form("/console/faults", &[("csrf", &csrf)])
        .await
        .see_other();
    assert!(location.contains("notice="));
    assert_eq!(app.sandbox.faults(), asiabill_sandbox::Faults::default());
    assert!(!app.sandbox.hold_pending());
}

#[tokio::test]
async fn resend_delivers_a_webhook_again() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    app.hooks.for_trade(&trade_no, 1).await;
    let event = app
        .sandbox
        .webhook_events()
        .into_iter()
        .find(|e| e.trade_no == trade_no)
        .expect("event");
    let csrf = app.get_page("/console").await.csrf();
    let location = app
        .post_form(
            &format!("/console/webhooks/{}/resend", event.id),
            &[("csrf", &csrf)],
        )
        .await
        .see_other();
    assert!(location.contains("notice="), "{location}");
    let both = app.hooks.for_trade(&trade_no, 2).await;
    assert_eq!(both[0].body, both[1].body);
    let location = app
        .post_form("/console/webhooks/999/resend", &[("csrf", &csrf)])
        .await
        .see_other();
    assert!(location.contains("error="), "{location}");
}

#[tokio::test]
async fn settle_ends_a_pending_payment_either_way() {
    let app = spawn().await;
    let csrf = app.get_page("/console").await.csrf();
    // A payment held pending settles at once with the button, not after the hold.
    app.sandbox.set_hold_pending(true);
    let held = app
        .charge("4242424242424242", GATEWAY, json!({}))
        .await
        .data()["tradeNo"]
        .as_str()
        .expect("tradeNo")
        .to_owned();
    app.sandbox.set_hold_pending(false);
    let page = app.get_page("/console").await;
    assert!(
        page.html
            .contains(&format!("/console/transactions/{held}/settle"))
    );
    app.post_form(
        &format!("/console/transactions/{held}/settle"),
        &[("csrf", &csrf), ("outcome", "success")],
    )
    .await
    .see_other();
    assert_eq!(
        app.sandbox.transaction(&held).expect("tx").status.as_str(),
        "success"
    );

    // A hosted checkout nobody paid can be declined from the console.
    let (_, hosted) = app
        .hosted_checkout("http://shop.test/payment/asiabill/return")
        .await;
    let location = app
        .post_form(
            &format!("/console/transactions/{hosted}/settle"),
            &[("csrf", &csrf), ("outcome", "fail")],
        )
        .await
        .see_other();
    assert!(location.contains("settled"), "{location}");
    assert_eq!(
        app.hooks.event(&hosted, "transaction.fail").await.json()["data"]["orderInfo"],
        "Decline"
    );
    // Settling something not pending is an error message, not a change.
    let location = app
        .post_form(
            &format!("/console/transactions/{hosted}/settle"),
            &[("csrf", &csrf), ("outcome", "success")],
        )
        .await
        .see_other();
    assert!(location.contains("error="), "{location}");
}

#[tokio::test]
async fn a_chargeback_can_be_raised_and_a_shipment_moved() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    let csrf = app.get_page("/console").await.csrf();
    let location = app
        .post_form(
            &format!("/console/transactions/{trade_no}/chargeback"),
            &[("csrf", &csrf), ("amount", "5.00"), ("reason", "")],
        )
        .await
        .see_other();
    assert!(location.contains("notice="), "{location}");
    let chargebacks = app.sandbox.chargebacks();
    assert_eq!(chargebacks.len(), 1);
    assert_eq!(chargebacks[0].amount.to_gateway_string(), "5.00");
    assert_eq!(
        chargebacks[0].reason,
        asiabill_sandbox::DEFAULT_CHARGEBACK_REASON
    );
    let hook = app.hooks.event(&trade_no, "chargeback.success").await;
    assert_eq!(hook.json()["data"]["amount"], "5.00");
    let page = app.get_page("/console").await;
    assert!(page.html.contains(&chargebacks[0].batch_no));

    let location = app
        .post_form(
            &format!("/console/transactions/{trade_no}/chargeback"),
            &[("csrf", &csrf), ("amount", "70.00")],
        )
        .await
        .see_other();
    assert!(location.contains("error="), "{location}");

    app.post(
        "/openApi/V2022-03/logistics",
        &json!({"tradeNo": trade_no, "trackingNo": "1Z999", "trackingWeb": "https://ups.example",
                "lcCode": "UPS"}),
    )
    .await
    .assert_code("00000");
    let location = app
        .post_form(
            &format!("/console/logistics/{trade_no}/status"),
            &[("csrf", &csrf), ("status", "Delivered")],
        )
        .await
        .see_other();
    assert!(location.contains("notice="), "{location}");
    assert_eq!(app.sandbox.logistics()[0].status, "Delivered");
}
