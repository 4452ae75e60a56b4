//! The 3-D Secure page behind `/confirmCharge`'s `redirectUrl`, over HTTP.

use serde_json::json;

use crate::helpers::*;

/// A 3DS charge, answering the path of its challenge page and its tradeNo.
async fn challenge(app: &TestApp, extra: serde_json::Value) -> (String, String) {
    let reply = app.charge("4000002500003155", GATEWAY, extra).await;
    reply.assert_code("00000");
    assert_eq!(reply.data()["orderStatus"], "pending");
    let redirect = reply.data()["redirectUrl"].as_str().expect("redirectUrl");
    let path = redirect.strip_prefix(&app.base).expect("on the simulator");
    assert!(path.starts_with("/threeds/"), "{path}");
    (
        path.to_owned(),
        reply.data()["tradeNo"]
            .as_str()
            .expect("tradeNo")
            .to_owned(),
    )
}

#[tokio::test]
async fn authenticating_returns_signed_success_and_sends_the_webhook() {
    let app = spawn().await;
    let (path, trade_no) = challenge(&app, json!({})).await;
    let page = app.get_page(&path).await;
    assert_eq!(page.status, 200);
    for expected in [
        "3-D Secure authentication",
        "7.00 USD",
        "400000***3155",
        r#"value="authenticate""#,
        r#"value="fail""#,
        "shop.test",
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }
    let location = app
        .post_form(&path, &[("result", "authenticate")])
        .await
        .see_other();
    assert!(
        location.starts_with("http://shop.test/payment/asiabill/return?attempt=1&"),
        "{location}"
    );
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "success");
    assert_eq!(params["orderInfo"], "Transaction Approved");
    assert_eq!(params["tradeNo"], trade_no);
    assert_eq!(params["gatewayNo"], GATEWAY);
    assert_eq!(params["merNo"], "12246");
    let hook = app.hooks.event(&trade_no, "transaction.success").await;
    assert!(webhook_signature_ok(&hook));
    // The challenge is closed.
    assert_eq!(app.get_page(&path).await.status, 404);
    assert_eq!(
        app.post_form(&path, &[("result", "authenticate")])
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn failing_returns_signed_fail_and_sends_the_webhook() {
    let app = spawn().await;
    let (path, trade_no) = challenge(&app, json!({})).await;
    let location = app
        .post_form(&path, &[("result", "fail")])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "fail");
    assert_eq!(params["orderInfo"], "3DS Authentication Failed");
    let hook = app.hooks.event(&trade_no, "transaction.fail").await;
    assert_eq!(hook.json()["data"]["orderStatus"], "fail");
}

#[tokio::test]
async fn without_a_return_url_the_page_says_how_it_ended() {
    let app = spawn().await;
    let (path, trade_no) = challenge(&app, json!({"returnUrl": null})).await;
    let page = app
        .post_form(&format!("{path}?lang=zh-CN"), &[("result", "authenticate")])
        .await;
    assert_eq!(page.status, 200);
    assert!(page.html.contains("支付成功"), "{}", page.html);
    assert!(page.html.contains("您可以关闭此窗口。"));
    app.hooks.event(&trade_no, "transaction.success").await;
}

#[tokio::test]
async fn a_bad_answer_or_unknown_challenge_is_refused() {
    let app = spawn().await;
    let (path, trade_no) = challenge(&app, json!({})).await;
    assert_eq!(
        app.post_form(&path, &[("result", "maybe")]).await.status,
        400
    );
    assert_eq!(
        app.sandbox
            .transaction(&trade_no)
            .expect("tx")
            .status
            .as_str(),
        "pending"
    );
    assert_eq!(app.get_page("/threeds/unknown").await.status, 404);
    let missing = app.get_page("/threeds/unknown?lang=zh-CN").await;
    assert!(missing.html.contains("此验证已结束或不存在。"));
}
