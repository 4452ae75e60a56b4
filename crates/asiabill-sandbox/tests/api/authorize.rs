//! Pre-authorization on gateway 12246004, `/AuthorizeInterface` capture and void on both hosts.

use asiabill_sandbox::AuthStatus;
use serde_json::json;

use crate::helpers::*;

async fn authorization(app: &TestApp) -> String {
    let r = app
        .charge("4242424242424242", PREAUTH_GATEWAY, json!({}))
        .await;
    r.assert_code("00000");
    assert_eq!(r.data()["orderStatus"], "success");
    let trade_no = r.data()["tradeNo"].as_str().expect("tradeNo").to_owned();
    assert_eq!(
        app.sandbox.transaction(&trade_no).expect("tx").auth_status,
        AuthStatus::Pending
    );
    trade_no
}

fn authorize(path: &str, auth_type: &str, trade_no: &str) -> Req {
    Req::post(
        path,
        &json!({"authType": auth_type, "tradeNo": trade_no, "operator": "admin", "remark": "r"}),
    )
    .gateway(Some(PREAUTH_GATEWAY))
}

#[tokio::test]
async fn an_authorization_is_captured() {
    let app = spawn().await;
    let trade_no = authorization(&app).await;
    let listed = app
        .send(
            Req::get("/openApi/V2022-03/transactions")
                .query(&[("tradeNo", &trade_no)])
                .gateway(Some(PREAUTH_GATEWAY)),
        )
        .await;
    assert_eq!(listed.data()["list"][0]["authStatus"], "pending");

    let r = app
        .send(authorize("/V2022-03/AuthorizeInterface", "1", &trade_no))
        .await;
    r.assert_code("00000");
    assert_eq!(r.data()["tradeNo"], trade_no);
    assert_eq!(r.data()["orderStatus"], "success");
    assert!(r.data()["orderNo"].is_string());
    assert_eq!(
        app.sandbox.transaction(&trade_no).expect("tx").auth_status,
        AuthStatus::Capture
    );
    let authorized = app.hooks.event(&trade_no, "transaction.success").await;
    assert_eq!(
        authorized.json()["data"]["transactionType"],
        "Authorization"
    );
    let captured = app.hooks.event(&trade_no, "pre-authorized.captured").await;
    assert_eq!(captured.json()["data"]["operationResult"], "Success");
    assert_eq!(captured.json()["data"]["orderStatus"], "success");
    assert!(webhook_signature_ok(&captured));
    // Captured: no second capture, no void.
    app.send(authorize("/V2022-03/AuthorizeInterface", "1", &trade_no))
        .await
        .assert_code("A0006");
    app.send(authorize("/V2022-03/AuthorizeInterface", "2", &trade_no))
        .await
        .assert_code("A0006");
}

#[tokio::test]
async fn an_authorization_is_voided_through_the_openapi_host() {
    let app = spawn().await;
    let trade_no = authorization(&app).await;
    app.send(authorize(
        "/openApi/V2022-03/AuthorizeInterface",
        "2",
        &trade_no,
    ))
    .await
    .assert_code("00000");
    assert_eq!(
        app.sandbox.transaction(&trade_no).expect("tx").auth_status,
        AuthStatus::Void
    );
    app.hooks.event(&trade_no, "pre-authorized.void").await;
    // A voided authorization cannot be refunded.
    app.send(
        Req::post(
            "/openApi/V2022-03/refund",
            &json!({"tradeNo": trade_no, "refundType": "2", "refundAmount": "1.00", "refundReason": "x"}),
        )
        .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("13");
}

#[tokio::test]
async fn capture_and_void_need_an_open_authorization() {
    let app = spawn().await;
    let sale = app.paid_sale("7.00").await;
    app.send(authorize("/V2022-03/AuthorizeInterface", "1", &sale).gateway(Some(GATEWAY)))
        .await
        .assert_code("A0006");
    let declined = app
        .charge("4000000000009995", PREAUTH_GATEWAY, json!({}))
        .await;
    let declined = declined.data()["tradeNo"].as_str().expect("tradeNo");
    app.send(authorize("/V2022-03/AuthorizeInterface", "2", declined))
        .await
        .assert_code("A0006");
    let trade_no = authorization(&app).await;
    app.send(authorize("/V2022-03/AuthorizeInterface", "3", &trade_no))
        .await
        .assert_code("A0002");
    app.send(authorize(
        "/V2022-03/AuthorizeInterface",
        "1",
        "2022051812003332818907",
    ))
    .await
    .assert_code("98");
    app.send(
        Req::post(
            "/V2022-03/AuthorizeInterface",
            &json!({"tradeNo": trade_no}),
        )
        .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("I0059");
    // An open authorization is not refundable before capture.
    app.send(
        Req::post(
            "/openApi/V2022-03/refund",
            &json!({"tradeNo": trade_no, "refundType": "2", "refundAmount": "1.00", "refundReason": "x"}),
        )
        .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("13");
}
