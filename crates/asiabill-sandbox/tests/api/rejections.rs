//! Every authentication rejection, each with its code in the documented envelope.

use serde_json::json;

use crate::helpers::*;

fn token_req() -> Req {
    Req::new(reqwest::Method::POST, "/V2022-03/sessionToken")
}

#[tokio::test]
async fn a_missing_or_wrong_signature_is_refused() {
    let app = spawn().await;
    let r = app.send(token_req().sign(Sign::Missing)).await;
    r.assert_code("I0013");
    assert!(r.json["data"].is_null());
    assert!(!r.json["message"].as_str().unwrap_or_default().is_empty());
    app.send(token_req().sign(Sign::Value("00".repeat(32))))
        .await
        .assert_code("I0013");
    app.send(token_req().sign(Sign::Value("not hex".to_owned())))
        .await
        .assert_code("I0013");
    // Right gateway, wrong key.
    app.send(token_req().key("12345678"))
        .await
        .assert_code("I0013");
}

#[tokio::test]
async fn the_signature_covers_body_path_and_query() {
    let app = spawn().await;
    // Body changed after signing.
    let mut req = Req::post("/V2022-03/customers", &json!({"email": "a@b.c"}));
    let sig = req.signature();
    req.body = json!({"email": "x@b.c"}).to_string();
    app.send(req.sign(Sign::Value(sig)))
        .await
        .assert_code("I0013");
    // Path value not signed.
    app.send(Req::get("/V2022-03/customers/cus_1000000000000000001"))
        .await
        .assert_code("I0013");
    // Query signed in the order sent instead of sorted by key.
    let req = Req::get("/openApi/V2022-03/transactions")
        .query(&[("tradeNo", "1"), ("endTime", "2022-05-01T23:59:59")]);
    let header = format!(
        "{GATEWAY}{}{}",
        req.request_id.clone().expect("id"),
        req.request_time.clone().expect("time")
    );
    let unsorted = hmac_hex(KEY, format!("{header}.12022-05-01T23:59:59").as_bytes());
    app.send(req.clone().sign(Sign::Value(unsorted)))
        .await
        .assert_code("I0013");
    app.send(req.request_id(Some(&request_id())))
        .await
        .assert_code("00000");
}

#[tokio::test]
async fn an_unknown_or_missing_gateway_is_refused() {
    let app = spawn().await;
    let r = app.send(token_req().gateway(Some("99999001"))).await;
    r.assert_code("I0006");
    assert!(r.header("sign-info").is_empty(), "no key to sign with");
    app.send(token_req().gateway(None))
        .await
        .assert_code("I0006");
}

#[tokio::test]
async fn request_time_must_be_within_ten_minutes() {
    let app = spawn().await;
    let eleven = 11 * 60 * 1000;
    for time in [now_ms() - eleven, now_ms() + eleven] {
        app.send(token_req().request_time(Some(&time.to_string())))
            .await
            .assert_code("H0002");
    }
    app.send(token_req().request_time(Some(&(now_ms() - 9 * 60 * 1000).to_string())))
        .await
        .assert_code("00000");
    app.send(token_req().request_time(Some("2022-05-01T00:00:00")))
        .await
        .assert_code("H0002");
    app.send(token_req().request_time(None))
        .await
        .assert_code("H0002");
}

#[tokio::test]
async fn a_request_id_cannot_be_reused() {
    let app = spawn().await;
    let id = request_id();
    app.send(token_req().request_id(Some(&id)))
        .await
        .assert_code("00000");
    let again = app.send(token_req().request_id(Some(&id))).await;
    again.assert_code("H0003");
    // The other gateway has its own request-ids.
    app.send(
        token_req()
            .request_id(Some(&id))
            .gateway(Some(PREAUTH_GATEWAY)),
    )
    .await
    .assert_code("00000");
    app.send(token_req().request_id(None))
        .await
        .assert_code("H0001");
    app.send(token_req().request_id(Some(&"X".repeat(65))))
        .await
        .assert_code("H0001");
}

#[tokio::test]
async fn malformed_bodies_are_refused() {
    let app = spawn().await;
    app.send(Req::new(reqwest::Method::POST, "/V2022-03/customers").body("{not json"))
        .await
        .assert_code("J0001");
    let r = app
        .post("/V2022-03/customers", &json!({"emial": "a@b.c"}))
        .await;
    r.assert_code("J0001");
    assert!(r.raw.contains("emial"), "{}", r.raw);
    app.post("/V2022-03/customers", &json!({"email": 5}))
        .await
        .assert_code("J0001");
}
