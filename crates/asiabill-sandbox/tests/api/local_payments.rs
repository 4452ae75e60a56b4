//! Local payment methods through the hosted flow: each family's page and outcome, the
//! local-pending switch, abandonment, unknown methods and the methods' refund rules.

use std::time::Duration;

use asiabill_sandbox::Faults;
use serde_json::{Value, json};

use crate::helpers::*;

const RETURN: &str = "http://shop.test/payment/asiabill/return?attempt=L1";

/// A hosted checkout paid with `method`, answering the path of its page and its tradeNo.
async fn local_checkout(app: &TestApp, method: &str, amount: &str) -> (String, String) {
    let mut body = checkout_body(&app.hooks.url);
    body["paymentMethod"] = json!(method);
    body["orderAmount"] = json!(amount);
    body["goodsDetails"] = json!([{"goodsTitle": "Mug", "goodsCount": "1", "goodsPrice": amount}]);
    body["returnUrl"] = json!(RETURN);
    let r = app.post("/V2022-03/checkout/payment", &body).await;
    r.assert_code("0000");
    let redirect = r.data()["redirectUrl"].as_str().expect("redirectUrl");
    let path = redirect
        .strip_prefix(&app.base)
        .expect("redirectUrl on the simulator")
        .to_owned();
    (
        path,
        r.data()["tradeNo"].as_str().expect("tradeNo").to_owned(),
    )
}

async fn order_info(app: &TestApp, trade_no: &str) -> Value {
    let path = format!("/openApi/V2022-03/orderInfo/{trade_no}");
    let reply = app.send(Req::get(&path).path_values(&[trade_no])).await;
    reply.assert_code("00000");
    reply.data().clone()
}

async fn listed(app: &TestApp, trade_no: &str) -> Value {
    let reply = app
        .send(Req::get("/openApi/V2022-03/transactions").query(&[("tradeNo", trade_no)]))
        .await;
    reply.assert_code("00000");
    reply.data()["list"][0].clone()
}

fn refund(trade_no: &str, refund_type: &str, amount: &str) -> Value {
    json!({
        "refundAmount": amount, "refundReason": "returned",
        "refundType": refund_type, "tradeNo": trade_no
    })
}

#[tokio::test]
async fn a_qr_page_shows_a_code_whose_scan_url_completes_the_payment() {
    let app = spawn().await;
    let (path, trade_no) = local_checkout(&app, "alipay", "19.99").await;
    assert!(path.starts_with("/local/"), "{path}");
    let token = path.trim_start_matches("/local/");
    let page = app.get_page(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.header("x-frame-options"), "DENY");
    let scan_url = format!("{}/local/{token}/scan", app.base);
    for expected in [
        r#"id="local-payment""#,
        r#"data-payment-method="Alipay""#,
        r#"data-family="qr""#,
        "Alipay",
        "19.99 USD",
        app.sandbox
            .transaction(&trade_no)
            .expect("tx")
            .order_no
            .as_str(),
        r#"id="qr-code""#,
        "<svg",
        r#"id="qr-image""#,
        &format!(r#"data-scan-url="{scan_url}""#),
        &format!(r#"id="scan-button" href="{scan_url}""#),
        "Scan with phone (simulate)",
        r#"id="cancel-button""#,
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }
    assert!(!page.html.contains("<?xml"), "inline SVG in HTML");
    assert!(!page.html.contains(r#"name="cardNo""#), "no card form");
    // The card page of a local checkout leads to its own page.
    assert_eq!(
        app.get_page(&format!("/checkout/pay/{token}"))
            .await
            .see_other(),
        format!("{path}?lang=en")
    );

    // The phone opens the scan URL: approved, the browser goes back signed.
    let location = app.get_page(&scan_url).await.see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "success");
    assert_eq!(params["orderInfo"], "Transaction Approved");
    assert_eq!(params["tradeNo"], trade_no);
    assert_eq!(params["maskCardNo"], "");
    assert_eq!(params["attempt"], "L1");
    let hook = app.hooks.event(&trade_no, "transaction.success").await;
    assert!(webhook_signature_ok(&hook));
    assert_eq!(hook.json()["data"]["paymentMethod"], "Alipay");
    assert_eq!(listed(&app, &trade_no).await["paymentMethod"], "Alipay");

    // A second scan changes nothing: the page says it is finished.
    let again = app.get_page(&scan_url).await.see_other();
    assert!(again.starts_with(&path), "{again}");
    let finished = app.get_page(&again).await;
    assert!(finished.html.contains("This payment is finished"));
    assert_eq!(app.hooks.for_trade_now(&trade_no).len(), 1);
}

#[tokio::test]
async fn a_bank_page_offers_banks_and_approves() {
    let app = spawn().await;
    let (path, trade_no) = local_checkout(&app, "IDEAL", "25.00").await;
    let page = app.get_page(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    for expected in [
        r#"data-payment-method="ideal""#,
        r#"data-family="bank""#,
        "iDEAL",
        "25.00 USD",
        r#"id="bank-select""#,
        r#"data-bank="ING""#,
        r#"id="approve-button""#,
        r#"id="cancel-button""#,
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }
    let location = app
        .post_form(&path, &[("bank", "ING"), ("action", "approve")])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "success");
    let hook = app.hooks.event(&trade_no, "transaction.success").await;
    assert_eq!(hook.json()["data"]["paymentMethod"], "ideal");
    assert_eq!(order_info(&app, &trade_no).await["tradeStatus"], "success");
}

#[tokio::test]
async fn a_redirect_page_declines_and_cancels() {
    let app = spawn().await;
    let (path, trade_no) = local_checkout(&app, "klarna", "30.00").await;
    let page = app.get_page(&path).await;
    assert_eq!(page.status, 200, "{}", page.html);
    for expected in [
        r#"data-family="redirect""#,
        "You are at Klarna",
        r#"id="approve-button""#,
        r#"id="decline-button""#,
        r#"id="cancel-button""#,
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }
    let location = app
        .post_form(&path, &[("action", "decline")])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "fail");
    assert_eq!(params["orderInfo"], "Decline");
    app.hooks.event(&trade_no, "transaction.fail").await;

    // Cancel ends it as the card page's cancel does.
    let (path, trade_no) = local_checkout(&app, "bcmc", "30.00").await;
    let location = app
        .post_form(&path, &[("action", "cancel")])
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "fail");
    assert_eq!(params["orderInfo"], "E0008:Customer Cancel");
    app.hooks.event(&trade_no, "transaction.fail").await;
}

#[tokio::test]
async fn with_the_switch_an_approval_stays_pending_then_succeeds() {
    let app = spawn().await;
    app.sandbox.set_faults(Faults {
        local_pending_minutes: Some(10),
        ..Faults::default()
    });
    let (path, trade_no) = local_checkout(&app, "WeChatPay", "12.00").await;
    let token = path.trim_start_matches("/local/");
    let location = app
        .get_page(&format!("/local/{token}/scan"))
        .await
        .see_other();
    let params = verified_return(&location);
    assert_eq!(params["orderStatus"], "pending");
    assert_eq!(listed(&app, &trade_no).await["tradeStatus"], "pending");
    let pending = app.hooks.event(&trade_no, "transaction.pending").await;
    assert_eq!(pending.json()["data"]["paymentMethod"], "WeChatPay");
    // Held: the page no longer takes an answer.
    assert!(
        app.get_page(&path)
            .await
            .html
            .contains("This payment is finished")
    );
    // Ten minutes times 0.001 is 600 ms.
    app.hooks.event(&trade_no, "transaction.success").await;
    assert_eq!(order_info(&app, &trade_no).await["tradeStatus"], "success");
    assert_eq!(listed(&app, &trade_no).await["tradeStatus"], "success");
}

#[tokio::test]
async fn an_abandoned_local_payment_stays_pending() {
    let app = spawn().await;
    let (path, trade_no) = local_checkout(&app, "p24", "9.00").await;
    assert_eq!(app.get_page(&path).await.status, 200);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.hooks.for_trade_now(&trade_no).is_empty());
    let info = order_info(&app, &trade_no).await;
    assert_eq!(info["tradeStatus"], "pending");
    assert_eq!(info["paymentMethod"], "p24");
}

#[tokio::test]
async fn an_unknown_payment_method_is_refused() {
    let app = spawn().await;
    let mut body = checkout_body(&app.hooks.url);
    body["paymentMethod"] = json!("directpay");
    let r = app.post("/V2022-03/checkout/payment", &body).await;
    r.assert_code("P0001");
    let message = r.json["message"].as_str().unwrap_or_default();
    assert!(message.contains("directpay"), "{message}");
    assert!(app.sandbox.transactions().is_empty());
    // Credit Card in any case is still the card page.
    body["paymentMethod"] = json!("credit card");
    body["orderNo"] = json!(order_no());
    let r = app.post("/V2022-03/checkout/payment", &body).await;
    r.assert_code("0000");
    assert!(
        r.data()["redirectUrl"]
            .as_str()
            .is_some_and(|u| u.contains("/checkout/pay/"))
    );
}

/// A local payment approved from code, answering its tradeNo.
async fn paid_local(app: &TestApp, method: &str, amount: &str) -> String {
    let (path, trade_no) = local_checkout(app, method, amount).await;
    let token = path.trim_start_matches("/local/");
    let done = app
        .sandbox
        .answer_local(token, asiabill_sandbox::Outcome::Approve)
        .expect("approved");
    assert_eq!(done.transaction.status.as_str(), "success");
    trade_no
}

#[tokio::test]
async fn refunds_follow_the_methods_rules() {
    let app = spawn().await;
    let refund_path = "/openApi/V2022-03/refund";

    let giropay = paid_local(&app, "giropay", "10.00").await;
    let r = app.post(refund_path, &refund(&giropay, "2", "4.00")).await;
    r.assert_code("20");
    assert!(r.raw.contains("giropay payments are refunded only in full"));
    app.post(refund_path, &refund(&giropay, "1", "10.00"))
        .await
        .assert_code("00000");

    let paysafecard = paid_local(&app, "paysafecard", "10.00").await;
    for (refund_type, amount) in [("1", "10.00"), ("2", "1.00")] {
        let r = app
            .post(refund_path, &refund(&paysafecard, refund_type, amount))
            .await;
        r.assert_code("P0002");
        assert!(r.raw.contains("paysafecard payments cannot be refunded"));
    }

    let ideal = paid_local(&app, "ideal", "10.00").await;
    app.post(refund_path, &refund(&ideal, "2", "4.00"))
        .await
        .assert_code("00000");
    app.hooks.event(&ideal, "refund.success").await;
}

#[tokio::test]
async fn the_console_lists_payment_methods_and_sets_the_switch() {
    let app = spawn().await;
    let (_, trade_no) = local_checkout(&app, "KakaoPay", "8.00").await;
    let console = app.get_page("/console").await;
    assert!(
        console.html.contains(
            r#"<span class="sb-payment-method" data-payment-method="KAKAOPAY">KAKAOPAY</span>"#
        ),
        "{}",
        console.html
    );
    assert!(console.html.contains(&trade_no));
    let csrf = console.csrf();
    let back = app
        .post_form(
            "/console/faults",
            &[("csrf", csrf.as_str()), ("local_pending_minutes", "3")],
        )
        .await
        .see_other();
    assert!(back.contains("notice="), "{back}");
    assert_eq!(app.sandbox.faults().local_pending_minutes, Some(3));
    app.post_form(
        "/console/faults",
        &[("csrf", csrf.as_str()), ("local_pending_minutes", "")],
    )
    .await
    .see_other();
    assert_eq!(app.sandbox.faults().local_pending_minutes, None);
    app.sandbox.set_local_pending_minutes(Some(1));
    assert_eq!(app.sandbox.faults().local_pending_minutes, Some(1));
}
