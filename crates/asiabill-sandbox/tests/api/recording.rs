//! The request log: every request with headers, body and verdict; card data redacted.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn every_request_is_recorded_with_its_verdict() {
    let app = spawn().await;
    app.post("/V2022-03/payment_methods", &card_body("4000000000009995"))
        .await
        .assert_code("00000");
    app.send(Req::post("/V2022-03/customers", &json!({})).sign(Sign::Missing))
        .await
        .assert_code("I0013");
    let log = app.sandbox.requests();
    assert_eq!(log.len(), 2);
    let first = &log[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.path, "/V2022-03/payment_methods");
    assert!(first.verdict.is_accepted());
    assert_eq!(first.verdict.code(), "00000");
    assert_eq!(first.header("gateway-no"), Some(GATEWAY));
    assert!(first.header("sign-info").is_some());
    assert!(!first.body.contains("4000000000009995"), "{}", first.body);
    assert!(first.body.contains("************9995"), "{}", first.body);
    assert!(!first.body.contains("\"123\""), "{}", first.body);
    assert!(first.body.contains("Austin"));
    let second = &log[1];
    assert_eq!(second.verdict.code(), "I0013");
    assert!(!second.verdict.is_accepted());

    app.send(Req::get("/openApi/V2022-03/transactions").query(&[("orderNo", "A 1")]))
        .await
        .assert_code("00000");
    let last = app.sandbox.requests().pop().expect("recorded");
    assert_eq!(last.query, "orderNo=A%201");
}
