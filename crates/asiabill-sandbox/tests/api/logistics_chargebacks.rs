//! `/logistics` and `/chargebacks`.

use asiabill_sandbox::Sandbox;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn tracking_is_uploaded_and_queried() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    let r = app
        .post(
            "/openApi/V2022-03/logistics",
            &json!({"trackingNo": "1Z999", "trackingWeb": "https://ups.example/track", "lcCode": "UPS", "tradeNo": trade_no}),
        )
        .await;
    r.assert_code("00000");
    assert_eq!(
        r.data(),
        &json!({"tradeNo": trade_no, "status": "success", "description": "uploadSuccess"})
    );

    let path = format!("/openApi/V2022-03/logistics/{trade_no}");
    let q = app.send(Req::get(&path).path_values(&[&trade_no])).await;
    q.assert_code("00000");
    assert_eq!(q.data()["trackingNo"], "1Z999");
    assert_eq!(q.data()["trackingWeb"], "https://ups.example/track");
    assert_eq!(q.data()["tbLcCode"], "UPS");
    assert_eq!(q.data()["logisticsStatus"], "Pending");

    app.sandbox
        .set_logistics_status(&trade_no, "InTransit")
        .expect("status");
    assert!(app.sandbox.set_logistics_status(&trade_no, "Lost").is_err());
    let q = app.send(Req::get(&path).path_values(&[&trade_no])).await;
    assert_eq!(q.data()["logisticsStatus"], "InTransit");

    let listed = app
        .send(Req::get("/openApi/V2022-03/transactions").query(&[("uploadLogisticsFlag", "yes")]))
        .await;
    assert_eq!(listed.data()["page"]["total"], 1);
    assert_eq!(listed.data()["list"][0]["isUploadReceipt"], "yes");
    assert_eq!(
        listed.data()["list"][0]["logistics"]["logisticsStatus"],
        "InTransit"
    );
}

#[tokio::test]
async fn tracking_by_order_number_and_rejections() {
    let app = spawn().await;
    let trade_no = app.paid_sale("7.00").await;
    let order_no = app.sandbox.transaction(&trade_no).expect("tx").order_no;
    let r = app
        .post(
            "/openApi/V2022-03/logistics",
            &json!({"trackingNo": "LX1", "trackingWeb": "https://post.example", "orderNo": order_no}),
        )
        .await;
    r.assert_code("00000");
    assert_eq!(r.data()["tradeNo"], trade_no);
    assert_eq!(app.sandbox.logistics().len(), 1);

    app.post(
        "/openApi/V2022-03/logistics",
        &json!({"trackingNo": "LX1", "trackingWeb": "https://post.example"}),
    )
    .await
    .assert_code("L0001");
    app.post(
        "/openApi/V2022-03/logistics",
        &json!({"trackingNo": "LX1", "trackingWeb": "https://post.example", "tradeNo": "2022051812003332818907"}),
    )
    .await
    .assert_code("98");
    app.post(
        "/openApi/V2022-03/logistics",
        &json!({"trackingNo": "L", "trackingWeb": "https://post.example", "tradeNo": trade_no}),
    )
    .await
    .assert_code("I0060");
    app.post(
        "/openApi/V2022-03/logistics",
        &json!({"trackingWeb": "https://post.example", "tradeNo": trade_no}),
    )
    .await
    .assert_code("I0059");
    let unknown = "2022051812003332818907";
    app.send(Req::get(&format!("/openApi/V2022-03/logistics/{unknown}")).path_values(&[unknown]))
        .await
        .assert_code("98");
}

#[tokio::test]
async fn a_chargeback_is_raised_notified_and_listed() {
    let app = spawn().await;
    let trade_no = app.paid_sale("244.56").await;
    let chargeback = app
        .sandbox
        .raise_chargeback(&trade_no, None, None)
        .expect("raised");
    let hook = app.hooks.event(&trade_no, "chargeback.success").await;
    assert!(webhook_signature_ok(&hook));
    let data = &hook.json()["data"];
    assert_eq!(data["batchNo"], chargeback.batch_no);
    assert_eq!(data["amount"], "244.56");
    assert_eq!(data["orderAmount"], "244.56");
    assert_eq!(data["reason"], "D4755-Non-Receipt of Goods or Services");
    assert!(data["chargebackInfo"]["replyDeadline"].is_string());
    assert!(data["chargebackInfo"]["cpdDate"].is_string());

    let r = app
        .send(Req::get("/openApi/V2022-03/chargebacks").query(&[
            ("tradeNo", &trade_no),
            ("pageIndex", "1"),
            ("pageSize", "10"),
        ]))
        .await;
    r.assert_code("00000");
    assert_eq!(r.data()["page"]["total"], 1);
    let item = &r.data()["list"][0];
    for field in [
        "batchNo",
        "amount",
        "currency",
        "reason",
        "cpdDate",
        "replyDeadline",
        "orderNo",
        "tradeNo",
        "orderAmount",
        "orderCurrency",
        "noticeDate",
    ] {
        assert!(item[field].is_string(), "{field} in {item}");
    }
    let other = app
        .send(Req::get("/openApi/V2022-03/chargebacks").gateway(Some(PREAUTH_GATEWAY)))
        .await;
    assert_eq!(other.data()["page"]["total"], 0);

    let declined = app.charge("4000000000009995", GATEWAY, json!({})).await;
    let declined = declined.data()["tradeNo"].as_str().expect("tradeNo");
    assert!(app.sandbox.raise_chargeback(declined, None, None).is_err());
    assert_eq!(Sandbox::chargebacks(&app.sandbox).len(), 1);
}
