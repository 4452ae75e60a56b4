//! The JS SDK stand-in over HTTP: the script's API surface, the card frame, and the endpoint
//! the frame tokenises cards with. (A browser drives the script itself in a later suite.)

use std::time::Duration;

use asiabill_sandbox::Config;
use serde_json::{Value, json};

use crate::helpers::*;

const MERCHANT: &str = "http://127.0.0.1:9";

fn frame_submission(token: &str, card_no: &str) -> Value {
    let mut body = card_body(card_no);
    body["token"] = json!(token);
    body["customerId"] = json!("");
    body
}

async fn submit(app: &TestApp, body: &Value) -> (u16, Value) {
    let response = app
        .browser
        .post(format!("{}/static/v3/elements/payment_method", app.base))
        .json(body)
        .send()
        .await
        .expect("sent");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON answer"))
}

#[tokio::test]
async fn the_script_exposes_the_real_sdk_api() {
    let app = spawn().await;
    let script = app.get_page("/static/v3/js/AsiabillPayment.min.js").await;
    assert_eq!(script.status, 200);
    assert!(
        script
            .header("content-type")
            .starts_with("application/javascript")
    );
    for name in [
        "window.AsiabillPay = AsiabillPay",
        "prototype.elementInit = function (name, options)",
        "\"payment_steps\"",
        "options.formId",
        "options.formWrapperId",
        "options.frameId",
        "options.layout",
        "layout.pageMode",
        "style.frameMaxHeight",
        "prototype.confirmPaymentMethod = function (args)",
        "args.apikey",
        "args.trnxDetail",
        "billingDetail",
        "customerPaymentMethodId",
        "new CustomEvent(\"getErrorMessage\", { detail: { errorMessage: message } })",
        "document.currentScript",
        "/static/v3/elements/card",
        "event.origin !== SANDBOX_ORIGIN",
        "event.source !== this.frame.contentWindow",
    ] {
        assert!(script.html.contains(name), "the script lacks {name}");
    }
    let frame_script = app.get_page("/static/v3/elements/card.js").await;
    assert_eq!(frame_script.status, 200);
    for name in [
        "asiabill:ready",
        "asiabill:result",
        "asiabill:error",
        "event.origin !== parentOrigin",
        "/static/v3/elements/payment_method",
    ] {
        assert!(frame_script.html.contains(name), "card.js lacks {name}");
    }
    assert_eq!(
        app.get_page("/static/v3/elements/card.css").await.status,
        200
    );
}

#[tokio::test]
async fn the_card_frame_is_framable_by_the_merchant_page_only() {
    let app = spawn().await;
    let token = app.session_token(GATEWAY).await;
    let page = app
        .get_page(&format!(
            "/static/v3/elements/card?token={token}&origin={}&mode=block&lang=zh-CN",
            encode(MERCHANT)
        ))
        .await;
    assert_eq!(page.status, 200, "{}", page.html);
    assert_eq!(page.header("x-frame-options"), "");
    assert!(
        page.header("content-security-policy")
            .contains(&format!("frame-ancestors {MERCHANT}")),
        "{}",
        page.header("content-security-policy")
    );
    for expected in [
        r#"id="ab-card-number""#,
        r#"id="ab-card-month""#,
        r#"id="ab-card-year""#,
        r#"id="ab-card-cvv""#,
        &format!(r#"data-parent-origin="{MERCHANT}""#),
        r#"data-code="0""#,
        "ab-card--block",
        "卡号",
        "/static/v3/elements/card.js",
    ] {
        assert!(page.html.contains(expected), "missing {expected}");
    }

    let bad_origin = app
        .get_page(&format!(
            "/static/v3/elements/card?token={token}&origin={}",
            encode("http://x.test; script-src *")
        ))
        .await;
    assert_eq!(bad_origin.status, 400);
}

#[tokio::test]
async fn an_unknown_token_gives_a_frame_that_reports_it() {
    let app = spawn().await;
    let page = app
        .get_page(&format!(
            "/static/v3/elements/card?token=nope&origin={}",
            encode(MERCHANT)
        ))
        .await;
    assert_eq!(page.status, 403);
    assert!(page.html.contains(r#"data-code="T0001""#));
    assert!(page.html.contains("This payment session has expired."));
    assert!(!page.html.contains("ab-card-number"));
    let (status, reply) = submit(&app, &frame_submission("nope", "4242424242424242")).await;
    assert_eq!(status, 401);
    assert_eq!(reply["code"], "T0001");
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let config = Config {
        session_token_validity: Duration::from_millis(150),
        ..fast_config()
    };
    let app = spawn_with(config).await;
    let token = app.session_token(GATEWAY).await;
    let (status, _) = submit(&app, &frame_submission(&token, "4242424242424242")).await;
    assert_eq!(status, 200, "valid at first");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, reply) = submit(&app, &frame_submission(&token, "4242424242424242")).await;
    assert_eq!(status, 401);
    assert_eq!(reply["code"], "T0001");
    let frame = app
        .get_page(&format!(
            "/static/v3/elements/card?token={token}&origin={}",
            encode(MERCHANT)
        ))
        .await;
    assert_eq!(frame.status, 403);
}

#[tokio::test]
async fn a_valid_token_creates_a_payment_method_the_merchant_can_charge() {
    let app = spawn().await;
    let token = app.session_token(GATEWAY).await;
    let (status, reply) = submit(&app, &frame_submission(&token, "4242424242424242")).await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["code"], "0");
    let pm = reply["data"]["customerPaymentMethodId"]
        .as_str()
        .expect("pm id")
        .to_owned();
    assert!(pm.starts_with("pm_"));
    let stored = app
        .sandbox
        .payment_methods()
        .into_iter()
        .find(|p| p.id == pm)
        .expect("stored");
    assert_eq!(stored.gateway_no, GATEWAY);
    assert_eq!(stored.mask(), "424242***4242");

    // The merchant's server charges it, knowing only the id.
    let mut body = charge_body(&pm, &app.hooks.url);
    body["orderAmount"] = json!("3.00");
    let charged = app.post("/V2022-03/confirmCharge", &body).await;
    charged.assert_code("00000");
    assert_eq!(charged.data()["orderStatus"], "success");
    // The card number never reached any recorded request.
    assert!(
        app.sandbox
            .requests()
            .iter()
            .all(|r| !r.body.contains("4242424242424242"))
    );
    // A token of the pre-authorization gateway makes methods for that gateway.
    let token = app.session_token(PREAUTH_GATEWAY).await;
    let (_, reply) = submit(&app, &frame_submission(&token, "4242424242424242")).await;
    let pm = reply["data"]["customerPaymentMethodId"]
        .as_str()
        .expect("id");
    assert!(
        app.sandbox
            .payment_methods()
            .iter()
            .any(|p| p.id == pm && p.gateway_no == PREAUTH_GATEWAY)
    );
}

#[tokio::test]
async fn bad_cards_and_foreign_callers_are_refused() {
    let app = spawn().await;
    let token = app.session_token(GATEWAY).await;
    let (status, reply) = submit(&app, &frame_submission(&token, "4242424242424241")).await;
    assert_eq!(status, 422);
    assert_eq!(reply["code"], "I0030");
    let mut body = frame_submission(&token, "4242424242424242");
    body["card"]["cardSecurityCode"] = json!("1");
    assert_eq!(submit(&app, &body).await.1["code"], "I0041");
    let mut body = frame_submission(&token, "4242424242424242");
    body["billingDetail"]["firstName"] = json!("");
    assert_eq!(submit(&app, &body).await.1["code"], "I0059");
    let mut body = frame_submission(&token, "4242424242424242");
    body["cardNumber"] = json!("x");
    let (status, reply) = submit(&app, &body).await;
    assert_eq!((status, reply["code"].as_str()), (400, Some("J0001")));

    let url = format!("{}/static/v3/elements/payment_method", app.base);
    let body = frame_submission(&token, "4242424242424242");
    let foreign = app
        .browser
        .post(&url)
        .header("origin", MERCHANT)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(foreign.status().as_u16(), 403);
    let reply: Value = foreign.json().await.expect("json");
    assert_eq!(reply["code"], "T0002");
    let same_origin = app
        .browser
        .post(&url)
        .header("origin", &app.base)
        .json(&body)
        .send()
        .await
        .expect("sent");
    assert_eq!(same_origin.status().as_u16(), 200);
    let as_text = app
        .browser
        .post(&url)
        .header("content-type", "text/plain")
        .body(body.to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(as_text.status().as_u16(), 415);
}
