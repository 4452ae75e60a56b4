//! `/confirmCharge`: the three test cards, 3DS completion, hold-pending, the field checks,
//! duplicate orders and checklist flags.

use std::collections::HashMap;

use asiabill_sandbox::{ChecklistFlag, OrderStatus};
use serde_json::{Value, json};

use crate::helpers::*;

#[tokio::test]
async fn card_4242_succeeds_with_a_webhook() {
    let app = spawn().await;
    let r = app.charge("4242424242424242", GATEWAY, json!({})).await;
    r.assert_code("00000");
    let d = r.data();
    assert_eq!(d["orderStatus"], "success");
    assert_eq!(d["orderInfo"], "Transaction Approved");
    assert_eq!(d["redirectUrl"], "");
    assert_eq!(d["maskCardNo"], "424242***4242");
    assert_eq!(d["orderAmount"], "7.00");
    assert_eq!(d["orderCurrency"], "USD");
    assert_eq!(d["remark"], "test");
    let trade_no = d["tradeNo"].as_str().expect("tradeNo");
    assert_eq!(trade_no.len(), 22);
    assert!(trade_no.bytes().all(|b| b.is_ascii_digit()));

    let hooks = app.hooks.for_trade(trade_no, 1).await;
    assert_eq!(hooks[0].event_type(), "transaction.success");
    assert_eq!(hooks[0].json()["data"]["orderStatus"], "success");
    assert_eq!(hooks[0].json()["data"]["transactionType"], "Sale");
    assert!(webhook_signature_ok(&hooks[0]));
}

#[tokio::test]
async fn card_9995_fails_with_a_webhook() {
    let app = spawn().await;
    let r = app.charge("4000000000009995", GATEWAY, json!({})).await;
    r.assert_code("00000");
    assert_eq!(r.data()["orderStatus"], "fail");
    assert_eq!(r.data()["orderInfo"], "Decline");
    let trade_no = r.data()["tradeNo"].as_str().expect("tradeNo");
    let hooks = app.hooks.for_trade(trade_no, 1).await;
    assert_eq!(hooks[0].event_type(), "transaction.fail");
    assert_eq!(hooks[0].json()["data"]["orderInfo"], "Decline");
}

fn return_params(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').expect("query").1;
    query
        .split('&')
        .map(|pair| {
            let (k, v) = pair.split_once('=').expect("k=v");
            let decode = |s: &str| {
                let s = s.replace('+', " ");
                let bytes = s.as_bytes();
                let mut out = Vec::new();
                let mut i = 0;
                while i < bytes.len() {
                    if bytes[i] == b'%' {
                        out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
                        i += 3;
                    } else {
                        out.push(bytes[i]);
                        i += 1;
                    }
                }
                String::from_utf8(out).expect("utf8")
            };
            (decode(k), decode(v))
        })
        .collect()
}

/// Verifies a returnUrl as section 9 says: the 11 keys sorted, values concatenated.
fn return_signature_ok(params: &HashMap<String, String>) -> bool {
    let keys = [
        "code",
        "gatewayNo",
        "maskCardNo",
        "merNo",
        "message",
        "orderAmount",
        "orderCurrency",
        "orderInfo",
        "orderNo",
        "orderStatus",
        "tradeNo",
    ];
    let message: String = keys.iter().map(|k| params[*k].as_str()).collect();
    params["signInfo"] == hmac_hex(KEY, message.as_bytes()).to_uppercase()
}

#[tokio::test]
async fn card_3155_asks_for_3ds_then_returns_signed() {
    let app = spawn().await;
    let r = app.charge("4000002500003155", GATEWAY, json!({})).await;
    r.assert_code("00000");
    assert_eq!(r.data()["orderStatus"], "pending");
    assert_eq!(r.data()["maskCardNo"], "400000***3155");
    let redirect = r.data()["redirectUrl"]
        .as_str()
        .expect("redirect")
        .to_owned();
    let prefix = format!("{}/threeds/", app.base);
    assert!(redirect.starts_with(&prefix), "{redirect}");
    let challenge = &redirect[prefix.len()..];
    let trade_no = r.data()["tradeNo"].as_str().expect("tradeNo").to_owned();
    assert_eq!(
        app.sandbox.challenge(challenge).map(|t| t.trade_no),
        Some(trade_no.clone())
    );

    let done = app
        .sandbox
        .complete_challenge(challenge, true)
        .expect("completes");
    assert_eq!(done.transaction.status, OrderStatus::Success);
    let url = done.return_url.expect("returnUrl");
    assert!(
        url.starts_with("http://shop.test/payment/asiabill/return?attempt=1&"),
        "{url}"
    );
    let params = return_params(&url);
    assert!(return_signature_ok(&params), "{url}");
    assert_eq!(params["orderStatus"], "success");
    assert_eq!(params["maskCardNo"], "400000***3155");
    assert_eq!(params["merNo"], "12246");
    assert_eq!(params["gatewayNo"], GATEWAY);
    assert_eq!(params["tradeNo"], trade_no);
    assert_eq!(params["attempt"], "1");

    let hooks = app.hooks.for_trade(&trade_no, 1).await;
    assert_eq!(hooks[0].event_type(), "transaction.success");
    assert!(
        app.sandbox.challenge(challenge).is_none(),
        "a challenge is used once"
    );
    assert!(app.sandbox.complete_challenge(challenge, true).is_err());
}

#[tokio::test]
async fn a_failed_3ds_challenge_fails_the_payment() {
    let app = spawn().await;
    let r = app.charge("4000002500003155", GATEWAY, json!({})).await;
    let redirect = r.data()["redirectUrl"]
        .as_str()
        .expect("redirect")
        .to_owned();
    let challenge = redirect.rsplit('/').next().expect("id");
    let done = app
        .sandbox
        .complete_challenge(challenge, false)
        .expect("completes");
    assert_eq!(done.transaction.status, OrderStatus::Fail);
    let params = return_params(&done.return_url.expect("url"));
    assert_eq!(params["orderStatus"], "fail");
    assert!(return_signature_ok(&params));
    let trade_no = r.data()["tradeNo"].as_str().expect("tradeNo");
    assert_eq!(
        app.hooks.for_trade(trade_no, 1).await[0].event_type(),
        "transaction.fail"
    );
}

#[tokio::test]
async fn hold_pending_settles_after_the_delay() {
    let app = spawn().await;
    app.sandbox.set_hold_pending(true);
    let r = app.charge("4242424242424242", GATEWAY, json!({})).await;
    r.assert_code("00000");
    assert_eq!(r.data()["orderStatus"], "pending");
    let trade_no = r.data()["tradeNo"].as_str().expect("tradeNo").to_owned();
    app.hooks.event(&trade_no, "transaction.pending").await;
    app.hooks.event(&trade_no, "transaction.success").await;
    let types: Vec<String> = app
        .sandbox
        .webhook_events()
        .into_iter()
        .map(|e| e.event_type)
        .collect();
    assert_eq!(types, ["transaction.pending", "transaction.success"]);
    let tx = app.sandbox.transaction(&trade_no).expect("tx");
    assert_eq!(tx.status, OrderStatus::Success);
    // Declines are not held.
    let r = app.charge("4000000000009995", GATEWAY, json!({})).await;
    assert_eq!(r.data()["orderStatus"], "fail");
    app.sandbox.set_hold_pending(false);
    let r = app.charge("4242424242424242", GATEWAY, json!({})).await;
    assert_eq!(r.data()["orderStatus"], "success");
}

#[tokio::test]
async fn required_fields_amounts_and_currencies_are_checked() {
    let app = spawn().await;
    let pm = app.payment_method("4242424242424242", GATEWAY).await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({"orderNo": null}), "I0059"),
        (json!({"orderNo": ""}), "I0059"),
        (json!({"orderAmount": null}), "I0059"),
        (json!({"orderCurrency": null}), "I0059"),
        (json!({"customerPaymentMethodId": null}), "I0059"),
        (json!({"orderAmount": "7.001"}), "I0021"),
        (
            json!({"orderAmount": "100.5", "orderCurrency": "JPY"}),
            "I0021",
        ),
        (json!({"orderAmount": "7,00"}), "I0020"),
        (json!({"orderAmount": "0.00"}), "I0020"),
        (json!({"orderAmount": 7.0}), "J0001"),
        (json!({"orderCurrency": "XYZ"}), "I0023"),
        (
            json!({"orderCurrency": "KWD", "orderAmount": "1.000"}),
            "I0023",
        ),
        (json!({"orderNo": "x".repeat(51)}), "I0060"),
        (json!({"platform": "woocommerce"}), "I0060"),
        (json!({"isMobile": "7"}), "I0060"),
        (json!({"tokenType": "Recurring"}), "I0059"),
        (json!({"tokenType": "Monthly"}), "I0060"),
        (
            json!({"customerPaymentMethodId": "pm_1000000000000000000"}),
            "N0002",
        ),
        (json!({"customerId": "cus_1000000000000000000"}), "N0001"),
        (json!({"callbakUrl": "http://shop.test/hook"}), "J0001"),
        (
            json!({"goodsDetails": [{"goodsTitle": "Mug", "goodsCount": "one", "goodsPrice": "1"}]}),
            "I0060",
        ),
    ];
    for (extra, code) in cases {
        let mut body = charge_body(&pm, &app.hooks.url);
        merge(&mut body, extra.clone());
        let r = app.post("/V2022-03/confirmCharge", &body).await;
        assert_eq!(r.code(), code, "{extra} → {}", r.raw);
    }
    let mut body = charge_body(&pm, &app.hooks.url);
    merge(
        &mut body,
        json!({"orderAmount": "100", "orderCurrency": "JPY"}),
    );
    app.post("/V2022-03/confirmCharge", &body)
        .await
        .assert_code("00000");
    assert!(app.sandbox.transactions().len() == 1);
}

#[tokio::test]
async fn a_paid_order_number_is_a_duplicate_but_a_failed_one_may_be_retried() {
    let app = spawn().await;
    let order = order_no();
    let r = app
        .charge("4000000000009995", GATEWAY, json!({"orderNo": order}))
        .await;
    assert_eq!(r.data()["orderStatus"], "fail");
    let r = app
        .charge("4242424242424242", GATEWAY, json!({"orderNo": order}))
        .await;
    assert_eq!(r.data()["orderStatus"], "success");
    let r = app
        .charge("4242424242424242", GATEWAY, json!({"orderNo": order}))
        .await;
    r.assert_code("I0061");
    assert!(r.raw.contains("Duplicate Order"));
    // Another gateway has its own order numbers.
    app.charge(
        "4242424242424242",
        PREAUTH_GATEWAY,
        json!({"orderNo": order}),
    )
    .await
    .assert_code("00000");
}

#[tokio::test]
async fn concurrent_charges_of_one_order_pay_it_once() {
    let app = spawn().await;
    let pm = app.payment_method("4242424242424242", GATEWAY).await;
    let order = order_no();
    let mut body = charge_body(&pm, &app.hooks.url);
    body["orderNo"] = json!(order);
    let replies =
        futures_util::future::join_all((0..12).map(|_| app.post("/V2022-03/confirmCharge", &body)))
            .await;
    let codes: Vec<&str> = replies.iter().map(|r| r.code()).collect();
    assert_eq!(
        codes.iter().filter(|c| **c == "00000").count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == "I0061").count(),
        11,
        "{codes:?}"
    );
}

#[tokio::test]
async fn missing_checklist_fields_are_flagged() {
    let app = spawn().await;
    let r = app
        .charge(
            "4242424242424242",
            GATEWAY,
            json!({"callbackUrl": null, "goodsDetails": null, "customerIp": null}),
        )
        .await;
    r.assert_code("00000");
    let tx = app
        .sandbox
        .transaction(r.data()["tradeNo"].as_str().expect("tradeNo"))
        .expect("tx");
    for flag in [
        ChecklistFlag::MissingCallbackUrl,
        ChecklistFlag::MissingGoodsDetails,
        ChecklistFlag::MissingCustomerIp,
    ] {
        assert!(tx.has_flag(flag), "{}", flag.as_str());
    }
    let r = app.charge("4242424242424242", GATEWAY, json!({})).await;
    let tx = app
        .sandbox
        .transaction(r.data()["tradeNo"].as_str().expect("tradeNo"))
        .expect("tx");
    assert!(tx.flags.is_empty());
    // No callbackUrl, no webhook delivery.
    assert!(
        app.sandbox
            .webhook_deliveries()
            .iter()
            .all(|d| d.url == app.hooks.url)
    );
}
