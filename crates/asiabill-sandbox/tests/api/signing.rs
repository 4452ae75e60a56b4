//! The section 4.4 vectors, with this test suite's own HMAC code, and the server's acceptance
//! of every signed shape (header only, path, query, body).

use serde_json::json;

use crate::helpers::*;

const RID: &str = "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718";
const RTIME: &str = "1651888520935";

fn header() -> String {
    format!("{GATEWAY}{RID}{RTIME}")
}

#[test]
fn section_4_4_vectors() {
    assert_eq!(
        hmac_hex(KEY, string_to_sign(&header(), &[], &[], "").as_bytes()),
        "b475d4f26eba7ef3ad4a3f7fa929fae3682f9462d8b6bf5f5b5c75e3a494c976"
    );
    let query = [
        ("startTime", "2022-05-01T00:00:00"),
        ("endTime", "2022-05-01T23:59:59"),
        ("tradeNo", "2022051812003332818907"),
    ];
    assert_eq!(
        hmac_hex(KEY, string_to_sign(&header(), &[], &query, "").as_bytes()),
        "eca5691c89e734d7bfa4e5a64fd96fbe4ceef5e886391a71367e8bb2aeb9c955"
    );
    assert_eq!(
        hmac_hex(
            KEY,
            string_to_sign(&header(), &["2022051812003332818907"], &[], "").as_bytes()
        ),
        "47cf1182a27c345e0c314fdbec2032e41618b0eb393f619324d0de1a94c56a6c"
    );
    let refund = r#"{"merTrackNo":"R1001","refundAmount":"1.00","refundReason":"test","refundType":"2","remark":"Order #1001","tradeNo":"2022051812003332818907"}"#;
    assert_eq!(
        hmac_hex(KEY, string_to_sign(&header(), &[], &[], refund).as_bytes()),
        "cc015e9c1d462a7eea7852dc00d1fbf6072cbcfeb5ab9919e955ee3c448bebb6"
    );
    let webhook = r#"{"data":{"transactionType":"Sale","orderAmount":"7.00","orderNo":"php-sdk-2022082212000012345678","tradeNo":"2022082212000112345678","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;
    assert_eq!(
        hmac_hex(KEY, format!("{}V2022-03.{webhook}", header()).as_bytes()).to_uppercase(),
        "4DEAD063BD55CB8E5E80358A5F3D6A501971E68F9B6109B0AFA44446CCCF5293"
    );
    let ret = "000012246002424242***424212246Success7.00USDTransaction Approvedphp-sdk-2022082212000012345678success2022082212000112345678";
    assert_eq!(
        hmac_hex(KEY, ret.as_bytes()).to_uppercase(),
        "9B9A3097D5F82BB01EE8F80938206D54E8E3A5C58A56B75B5C6DF579B2003001"
    );
}

#[tokio::test]
async fn the_vector_shapes_are_accepted_live() {
    let app = spawn().await;
    // Header only.
    app.send(Req::post("/V2022-03/sessionToken", &json!(null)).body(""))
        .await
        .assert_code("00000");
    // Query with characters that must be URL-encoded, signed raw and sorted by key.
    app.send(Req::get("/openApi/V2022-03/transactions").query(&[
        ("startTime", "2022-05-01T00:00:00"),
        ("endTime", "2022-05-01T23:59:59"),
        ("tradeNo", "2022051812003332818907"),
    ]))
    .await
    .assert_code("00000");
    // Path placeholder.
    app.send(
        Req::get("/openApi/V2022-03/orderInfo/2022051812003332818907")
            .path_values(&["2022051812003332818907"]),
    )
    .await
    .assert_code("98");
    // Body, signed over the raw bytes even when not canonical JSON (PHP escapes `/`).
    let raw = r#"{ "merTrackNo":"R1001", "refundAmount":"1.00","refundReason":"test\/x","refundType":"2","remark":"Order #1001","tradeNo":"2022051812003332818907"}"#;
    app.send(Req::new(reqwest::Method::POST, "/openApi/V2022-03/refund").body(raw))
        .await
        .assert_code("98");
}

#[tokio::test]
async fn signatures_are_case_insensitive_and_replies_are_signed() {
    let app = spawn().await;
    let req = Req::post("/V2022-03/sessionToken", &json!(null))
        .body("")
        .sign(Sign::Upper);
    let request_id = req.request_id.clone().expect("id");
    let reply = app.send(req).await;
    reply.assert_code("00000");
    assert!(
        !reply.data()["sessionToken"]
            .as_str()
            .unwrap_or_default()
            .is_empty()
    );
    assert_eq!(reply.header("gateway-no"), GATEWAY);
    assert_eq!(reply.header("response-id"), request_id);
    let message = format!(
        "{GATEWAY}{request_id}{}.{}",
        reply.header("response-time"),
        reply.raw
    );
    assert_eq!(
        reply.header("sign-info"),
        hmac_hex(KEY, message.as_bytes()).to_uppercase()
    );
}
