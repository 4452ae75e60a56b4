//! `/refund` and `/refund/{batchNo}`: asynchronous outcome by webhook, and the amount rules.

use asiabill_sandbox::RefundStatus;
use serde_json::{Value, json};

use crate::helpers::*;

fn refund(trade_no: &str, refund_type: &str, amount: &str, reason: &str) -> Value {
    json!({
        "merTrackNo": "A1-R1", "refundAmount": amount, "refundReason": reason,
        "refundType": refund_type, "remark": "Order A1", "tradeNo": trade_no
    })
}

async fn query(app: &TestApp, batch_no: &str) -> Reply {
    let path = format!("/openApi/V2022-03/refund/{batch_no}");
    app.send(Req::get(&path).path_values(&[batch_no])).await
}

#[tokio::test]
async fn a_refund_is_pending_then_succeeds_by_webhook() {
    let app = spawn().await;
    let trade_no = app.paid_sale("10.00").await;
    let r = app
        .post(
            "/openApi/V2022-03/refund",
            &refund(&trade_no, "2", "4.00", "damaged"),
        )
        .await;
    r.assert_code("00000");
    let batch_no = r.data()["batchNo"].as_str().expect("batchNo").to_owned();
    assert!(batch_no.bytes().all(|b| b.is_ascii_digit()), "{batch_no}");
    assert_eq!(r.data()["refundStatus"], "pending");

    let hook = &app.hooks.event(&trade_no, "refund.success").await;
    let data = &hook.json()["data"];
    assert_eq!(data["batchNo"], batch_no);
    assert_eq!(data["merTrackNo"], "A1-R1");
    assert_eq!(data["amount"], "4.00");
    assert_eq!(data["currency"], "USD");
    assert_eq!(data["orderAmount"], "10.00");
    assert!(webhook_signature_ok(hook));

    let q = query(&app, &batch_no).await;
    q.assert_code("00000");
    assert_eq!(q.data()["refundStatus"], "success");
    assert_eq!(q.data()["tradeNo"], trade_no);
    assert_eq!(q.data()["merTrackNo"], "A1-R1");
    assert_eq!(q.data()["amount"], "4.00");
    assert_eq!(q.data()["currency"], "USD");

    // 6.00 left: a full refund must be exactly that.
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "1", "5.00", "x"),
    )
    .await
    .assert_code("19");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "2", "6.01", "x"),
    )
    .await
    .assert_code("25");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "1", "6.00", "x"),
    )
    .await
    .assert_code("00000");
}

#[tokio::test]
async fn a_refund_with_reason_fail_fails() {
    let app = spawn().await;
    let trade_no = app.paid_sale("10.00").await;
    let r = app
        .post(
            "/openApi/V2022-03/refund",
            &refund(&trade_no, "1", "10.00", "FAIL"),
        )
        .await;
    r.assert_code("00000");
    let batch_no = r.data()["batchNo"].as_str().expect("batchNo").to_owned();
    let hook = app.hooks.event(&trade_no, "refund.fail").await;
    assert_eq!(hook.json()["data"]["merTrackNo"], "A1-R1");
    assert_eq!(query(&app, &batch_no).await.data()["refundStatus"], "fail");
    // The failed amount is refundable again.
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "1", "10.00", "again"),
    )
    .await
    .assert_code("00000");
}

#[tokio::test]
async fn pending_refunds_count_against_the_refundable_amount() {
    let mut config = fast_config();
    config.refund_settle_delay = std::time::Duration::from_secs(3600);
    let app = spawn_with(config).await;
    let trade_no = app.paid_sale("10.00").await;
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "2", "7.00", "x"),
    )
    .await
    .assert_code("00000");
    let r = app
        .post(
            "/openApi/V2022-03/refund",
            &refund(&trade_no, "2", "3.01", "x"),
        )
        .await;
    r.assert_code("25");
    assert!(r.raw.contains("3.00"), "{}", r.raw);
    assert_eq!(app.sandbox.refunds()[0].status, RefundStatus::Pending);
}

#[tokio::test]
async fn refund_rejections() {
    let app = spawn().await;
    let trade_no = app.paid_sale("10.00").await;
    let declined = app.charge("4000000000009995", GATEWAY, json!({})).await;
    let declined = declined.data()["tradeNo"].as_str().expect("tradeNo");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(declined, "2", "1.00", "x"),
    )
    .await
    .assert_code("13");
    app.post(
        "/openApi/V2022-03/refund",
        &refund("2022051812003332818907", "2", "1.00", "x"),
    )
    .await
    .assert_code("98");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "3", "1.00", "x"),
    )
    .await
    .assert_code("10");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "2", "10.01", "x"),
    )
    .await
    .assert_code("25");
    app.post(
        "/openApi/V2022-03/refund",
        &refund(&trade_no, "2", "1.005", "x"),
    )
    .await
    .assert_code("I0021");
    let mut body = refund(&trade_no, "2", "1.00", "x");
    body.as_object_mut().expect("obj").remove("refundAmount");
    app.post("/openApi/V2022-03/refund", &body)
        .await
        .assert_code("I0059");
    query(&app, "1").await.assert_code("98");
}
