//! `/checkout/payment` (hosted) and the library functions its page will call.

use asiabill_sandbox::{CardInput, ChecklistFlag, OrderStatus, PaymentFlow, PaymentStep};
use serde_json::json;

use crate::helpers::*;

fn card(no: &str) -> CardInput {
    CardInput {
        card_no: no.to_owned(),
        card_expire_month: "12".to_owned(),
        card_expire_year: future_year(),
        card_security_code: "123".to_owned(),
        issuing_bank: None,
    }
}

async fn hosted(app: &TestApp) -> (String, String) {
    let r = app
        .post("/V2022-03/checkout/payment", &checkout_body(&app.hooks.url))
        .await;
    r.assert_code("0000");
    let redirect = r.data()["redirectUrl"]
        .as_str()
        .expect("redirect")
        .to_owned();
    let prefix = format!("{}/checkout/pay/", app.base);
    assert!(redirect.starts_with(&prefix), "{redirect}");
    (
        redirect[prefix.len()..].to_owned(),
        r.data()["tradeNo"].as_str().expect("tradeNo").to_owned(),
    )
}

#[tokio::test]
async fn a_hosted_checkout_answers_0000_and_keeps_its_session() {
    let app = spawn().await;
    let r = app
        .post("/V2022-03/checkout/payment", &checkout_body(&app.hooks.url))
        .await;
    r.assert_code("0000");
    assert_eq!(r.data()["orderStatus"], "pending");
    assert_eq!(r.data()["orderAmount"], "19.99");
    assert_eq!(r.data()["remark"], "hosted");
    let redirect = r.data()["redirectUrl"].as_str().expect("redirect");
    let token = redirect.rsplit('/').next().expect("token");
    let session = app.sandbox.hosted_session(token).expect("session");
    assert_eq!(session.flow, PaymentFlow::Hosted);
    assert_eq!(
        session.billing_address.as_ref().map(|b| b.zip.as_str()),
        Some("73301")
    );
    assert_eq!(
        session
            .delivery_address
            .as_ref()
            .map(|d| d.ship_city.as_str()),
        Some("Austin")
    );
    assert_eq!(session.goods.len(), 1);
    assert_eq!(
        session.callback_url.as_deref(),
        Some(app.hooks.url.as_str())
    );
    assert_eq!(
        session.return_url.as_deref(),
        Some("http://shop.test/payment/asiabill/return")
    );
    assert!(
        session.flags.is_empty(),
        "customerIp is not required for hosted"
    );
}

#[tokio::test]
async fn paying_on_the_hosted_page_completes_with_a_return_url_and_webhook() {
    let app = spawn().await;
    let (token, trade_no) = hosted(&app).await;
    let step = app
        .sandbox
        .pay_hosted(&token, &card("4242424242424242"))
        .expect("pays");
    let PaymentStep::Completed(done) = step else {
        panic!("no 3DS for 4242");
    };
    assert_eq!(done.transaction.status, OrderStatus::Success);
    let url = done.return_url.expect("returnUrl");
    assert!(
        url.contains("orderStatus=success") && url.contains("signInfo="),
        "{url}"
    );
    assert_eq!(app.sandbox.return_url(&trade_no), Some(url));
    let hooks = app.hooks.for_trade(&trade_no, 1).await;
    assert_eq!(hooks[0].event_type(), "transaction.success");
    assert!(
        app.sandbox
            .pay_hosted(&token, &card("4242424242424242"))
            .is_err()
    );
}

#[tokio::test]
async fn the_hosted_page_handles_decline_3ds_cancel_and_bad_cards() {
    let app = spawn().await;
    let (token, _) = hosted(&app).await;
    assert_eq!(
        app.sandbox
            .pay_hosted(&token, &card("4242424242424241"))
            .map(|_| ())
            .map_err(|r| r.code),
        Err("I0030")
    );
    let PaymentStep::Completed(done) = app
        .sandbox
        .pay_hosted(&token, &card("4000000000009995"))
        .expect("pays")
    else {
        panic!("declines are immediate");
    };
    assert_eq!(done.transaction.status, OrderStatus::Fail);

    let (token, _) = hosted(&app).await;
    let PaymentStep::Challenge { challenge_id, .. } = app
        .sandbox
        .pay_hosted(&token, &card("4000002500003155"))
        .expect("pays")
    else {
        panic!("3155 asks for 3DS");
    };
    let done = app
        .sandbox
        .complete_challenge(&challenge_id, true)
        .expect("done");
    assert_eq!(done.transaction.status, OrderStatus::Success);
    assert_eq!(
        done.transaction.mask_card_no.as_deref(),
        Some("400000***3155")
    );

    let (token, trade_no) = hosted(&app).await;
    let done = app.sandbox.cancel_hosted(&token).expect("cancels");
    assert_eq!(done.transaction.status, OrderStatus::Fail);
    assert_eq!(done.transaction.order_info, "E0008:Customer Cancel");
    assert_eq!(
        app.hooks.for_trade(&trade_no, 1).await[0].event_type(),
        "transaction.fail"
    );
}

#[tokio::test]
async fn hosted_checks_and_flags() {
    let app = spawn().await;
    let mut body = checkout_body(&app.hooks.url);
    body.as_object_mut().expect("object").remove("returnUrl");
    app.post("/V2022-03/checkout/payment", &body)
        .await
        .assert_code("I0059");
    let mut body = checkout_body(&app.hooks.url);
    body["orderAmount"] = json!("1.999");
    app.post("/V2022-03/checkout/payment", &body)
        .await
        .assert_code("I0021");
    let mut body = checkout_body(&app.hooks.url);
    body["billingAddress"]["postalCode"] = json!("73301");
    app.post("/V2022-03/checkout/payment", &body)
        .await
        .assert_code("J0001");

    let mut body = checkout_body(&app.hooks.url);
    merge(
        &mut body,
        json!({"callbackUrl": null, "goodsDetails": null}),
    );
    let r = app.post("/V2022-03/checkout/payment", &body).await;
    r.assert_code("0000");
    let tx = app
        .sandbox
        .transaction(r.data()["tradeNo"].as_str().expect("tradeNo"))
        .expect("tx");
    assert!(tx.has_flag(ChecklistFlag::MissingCallbackUrl));
    assert!(tx.has_flag(ChecklistFlag::MissingGoodsDetails));
    assert!(!tx.has_flag(ChecklistFlag::MissingCustomerIp));

    // A paid hosted order is a duplicate too.
    let (token, _) = hosted(&app).await;
    let order_no = app.sandbox.hosted_session(&token).expect("s").order_no;
    app.sandbox
        .pay_hosted(&token, &card("4242424242424242"))
        .expect("pays");
    let mut body = checkout_body(&app.hooks.url);
    body["orderNo"] = json!(order_no);
    app.post("/V2022-03/checkout/payment", &body)
        .await
        .assert_code("I0061");
}
