//! Payments against the in-process simulator over real HTTP: hosted and in-site with each test
//! card, 3-D Secure, returns, webhooks in every order, reconciliation, forgeries.

use std::time::Duration;

use asiabill::types::{Address, Card, ContactDetails, PaymentMethodRequest};
use asiabill_sandbox::{CardInput, Faults, PaymentStep};
use asiabill_shop::{
    db::schema::{email_outbox, orders, payment_attempts, payment_events, webhook_events},
    payments::reconcile,
};
use diesel::prelude::*;
use secrecy::SecretString;

use crate::helpers::{TestApp, location, spawn_app, spawn_app_with};

pub const SUCCESS: &str = "4242424242424242";
pub const DECLINE: &str = "4000000000009995";
pub const THREE_DS: &str = "4000002500003155";

/// Puts a kettle in the cart and checks out; returns the order's page token.
pub async fn order(app: &TestApp) -> String {
    app.add_to_cart("gooseneck-kettle", 1).await;
    let to = location(&app.checkout("hosted", &[]).await);
    to.trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned()
}

fn pay_form_token(html: &str) -> String {
    crate::helpers::csrf_token(html).expect("csrf on pay page")
}

/// Starts a hosted payment; returns the simulator's page URL.
pub async fn start_hosted(app: &TestApp, token: &str) -> String {
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = pay_form_token(&page);
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[("csrf_token", &csrf), ("mode", "hosted")],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let url = location(&r);
    assert!(url.contains("/checkout/pay/"), "to AsiaBill's page: {url}");
    url
}

fn card(number: &str) -> CardInput {
    CardInput {
        card_no: number.into(),
        card_expire_month: "12".into(),
        card_expire_year: "2030".into(),
        card_security_code: "123".into(),
        issuing_bank: None,
    }
}

/// Pays on the simulator's hosted page as a shopper would, and returns where the browser goes.
pub async fn pay_on_hosted_page(app: &TestApp, page_url: &str, number: &str) -> PaymentStep {
    let hosted_token = page_url
        .rsplit('/')
        .next()
        .expect("token")
        .split('?')
        .next()
        .expect("t");
    app.sandbox
        .as_ref()
        .expect("simulator")
        .pay_hosted(hosted_token, &card(number))
        .expect("card accepted by the form")
}

/// Follows the signed return URL to the shop, like the browser does.
pub async fn follow_return(app: &TestApp, return_url: &str) -> reqwest::Response {
    app.client.get(return_url).send().await.expect("return")
}

/// The return URL of a completed payment.
pub fn completed_return(step: PaymentStep) -> String {
    match step {
        PaymentStep::Completed(c) => c.return_url.expect("a returnUrl was sent"),
        PaymentStep::Challenge { .. } => panic!("unexpected 3-D Secure challenge"),
    }
}

/// Tokenises a card through `/payment_methods`, as the JS SDK's iframe does.
pub async fn tokenise(app: &TestApp, number: &str) -> String {
    let client = asiabill_shop::payments::gateway::client(&app.settings).expect("client");
    tokenise_with(&client, number).await
}

/// Tokenises a card with `client` (pointed at whichever simulator the test runs).
pub async fn tokenise_with(client: &asiabill::Client, number: &str) -> String {
    let request = PaymentMethodRequest {
        billing_detail: ContactDetails {
            address: Address {
                line1: "1 Harbour Street".into(),
                line2: None,
                city: "Portland".into(),
                country: "US".into(),
                state: "OR".into(),
                postal_code: "97201".into(),
            },
            email: Some("ana@example.com".into()),
            first_name: "Ana".into(),
            last_name: "Lima".into(),
            phone: "5035550100".into(),
        },
        card: Card {
            card_no: SecretString::from(number),
            card_expire_month: "12".into(),
            card_expire_year: "2030".into(),
            card_security_code: SecretString::from("123"),
            issuing_bank: None,
        },
        customer_id: None,
    };
    client
        .create_payment_method(&request)
        .await
        .expect("payment method")
        .customer_payment_method_id
}

/// Pays in-site with `number`; returns the shop's response.
pub async fn pay_insite(app: &TestApp, token: &str, number: &str) -> reqwest::Response {
    let pm = tokenise(app, number).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("data-session-token=\""),
        "in-site fields offered"
    );
    let csrf = pay_form_token(&page);
    app.post_form(
        &format!("/orders/{token}/pay"),
        &[
            ("csrf_token", &csrf),
            ("mode", "insite"),
            ("customerPaymentMethodId", &pm),
        ],
    )
    .await
}

pub fn order_status(app: &TestApp) -> String {
    orders::table
        .select(orders::status)
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

pub fn attempt_statuses(app: &TestApp) -> Vec<String> {
    payment_attempts::table
        .order(payment_attempts::sequence)
        .select(payment_attempts::status)
        .load(&mut app.db.get().expect("conn"))
        .expect("attempts")
}

/// Waits until `check` holds (webhooks and jobs run in the background).
///
/// The budget is generous because it only costs time when the test is failing anyway: a CI
/// machine busy with other work delivers a webhook in seconds, not milliseconds.
pub async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("timed out after 20 s waiting for: {what}");
}

fn email_kinds(app: &TestApp) -> Vec<String> {
    email_outbox::table
        .order(email_outbox::id)
        .select(email_outbox::kind)
        .load(&mut app.db.get().expect("conn"))
        .expect("emails")
}

#[tokio::test]
async fn hosted_success_card_pays_the_order() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    assert!(return_url.starts_with(&format!("{}/payment/asiabill/return?", app.address)));
    let r = follow_return(&app, &return_url).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("Your payment went through."), "flash");
    assert!(page.contains("Paid"));
    assert!(page.contains("424242***4242"), "masked card shown");
    assert_eq!(order_status(&app), "paid");
    eventually("webhook applied", || {
        webhook_events::table
            .filter(webhook_events::status.eq("applied"))
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            >= 1
    })
    .await;
    assert_eq!(
        email_kinds(&app),
        ["order_received", "payment_succeeded"],
        "each email once"
    );
}

#[tokio::test]
async fn hosted_decline_then_pay_again_in_site() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, DECLINE).await);
    let r = follow_return(&app, &return_url).await;
    assert_eq!(
        location(&r),
        format!("/orders/{token}/pay"),
        "back to payment"
    );
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("Your payment did not go through:"),
        "reason shown"
    );
    assert!(page.contains("Your last attempt did not go through:"));
    assert_eq!(order_status(&app), "pending_payment");

    let r = pay_insite(&app, &token, SUCCESS).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
    assert_eq!(attempt_statuses(&app), ["failed", "paid"]);
    let numbers: Vec<String> = payment_attempts::table
        .order(payment_attempts::sequence)
        .select(payment_attempts::gateway_order_no)
        .load(&mut app.db.get().expect("conn"))
        .expect("numbers");
    assert!(
        numbers[0].ends_with("-1") && numbers[1].ends_with("-2"),
        "{numbers:?}"
    );
}

#[tokio::test]
async fn insite_decline_shows_the_reason_and_keeps_the_stock() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let stock = app.stock("gooseneck-kettle");
    let r = pay_insite(&app, &token, DECLINE).await;
    assert_eq!(location(&r), format!("/orders/{token}/pay"));
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(page.contains("Your payment did not go through:"));
    assert_eq!(attempt_statuses(&app), ["failed"]);
    assert_eq!(
        app.stock("gooseneck-kettle"),
        stock,
        "reservation kept for pay-again"
    );
    let kinds = email_kinds(&app);
    assert!(kinds.contains(&"payment_failed".to_owned()), "{kinds:?}");
}

async fn insite_three_ds(app: &TestApp, token: &str, authenticate: bool) -> reqwest::Response {
    let r = pay_insite(app, token, THREE_DS).await;
    let challenge_url = location(&r);
    assert!(
        challenge_url.contains("/threeds/"),
        "to 3-D Secure: {challenge_url}"
    );
    assert_eq!(attempt_statuses(app), ["requires_action"]);
    let id = challenge_url
        .rsplit('/')
        .next()
        .expect("id")
        .split('?')
        .next()
        .expect("id");
    let completion = app
        .sandbox
        .as_ref()
        .expect("simulator")
        .complete_challenge(id, authenticate)
        .expect("challenge");
    follow_return(app, &completion.return_url.expect("returnUrl")).await
}

#[tokio::test]
async fn insite_three_d_secure_authenticated_pays() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let r = insite_three_ds(&app, &token, true).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
}

#[tokio::test]
async fn insite_three_d_secure_failed_goes_back_to_payment() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let r = insite_three_ds(&app, &token, false).await;
    assert_eq!(location(&r), format!("/orders/{token}/pay"));
    assert_eq!(order_status(&app), "pending_payment");
    assert_eq!(attempt_statuses(&app), ["failed"]);
}

#[tokio::test]
async fn every_payment_request_carried_the_checklist_fields() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    follow_return(
        &app,
        &completed_return(pay_on_hosted_page(&app, &page_url, DECLINE).await),
    )
    .await;
    pay_insite(&app, &token, SUCCESS).await;
    let sandbox = app.sandbox.as_ref().expect("simulator");
    let transactions = sandbox.transactions();
    assert_eq!(transactions.len(), 2);
    for tx in transactions {
        assert!(
            tx.flags.is_empty(),
            "checklist flags on {}: {:?}",
            tx.order_no,
            tx.flags
        );
    }
    let bodies: Vec<String> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/checkout/payment") || r.path.ends_with("/confirmCharge"))
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    for body in &bodies {
        for field in [
            "\"callbackUrl\"",
            "\"goodsDetails\"",
            "\"customerIp\"",
            "\"returnUrl\"",
        ] {
            assert!(body.contains(field), "{field} missing in {body}");
        }
    }
}

#[tokio::test]
async fn a_forged_or_tampered_return_url_changes_nothing() {
    let app = spawn_app().await;
    // The decline's own webhook held back: the forged return is the only news of the attempt,
    // so "nothing applied" cannot be undone by the genuine webhook landing first under load.
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Default::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let genuine = completed_return(pay_on_hosted_page(&app, &page_url, DECLINE).await);
    // Turn the decline into a success without re-signing.
    let forged = genuine.replace("orderStatus=fail", "orderStatus=success");
    assert_ne!(forged, genuine);
    let r = follow_return(&app, &forged).await;
    assert_eq!(r.status(), 400);
    assert_eq!(attempt_statuses(&app), ["pending"], "nothing applied");
    let unsigned = format!(
        "{}/payment/asiabill/return?orderNo=x&orderStatus=success",
        app.address
    );
    assert_eq!(follow_return(&app, &unsigned).await.status(), 400);
    assert_eq!(order_status(&app), "pending_payment");
}

#[tokio::test]
async fn a_forged_webhook_is_refused_with_401_and_stored_as_rejected() {
    let app = spawn_app().await;
    let body = r#"{"data":{"transactionType":"Sale","orderAmount":"54.00","orderNo":"A10001-1","tradeNo":"2026112512000012345678","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_millis()
        .to_string();
    let r = app
        .client
        .post(app.url("/payment/asiabill/webhook"))
        .header("gateway-no", "12246002")
        .header("request-id", "FORGED-0001")
        .header("request-time", now_ms)
        .header("version", "V2022-03")
        .header("sign-info", "00".repeat(32))
        .body(body)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 401);
    let (status, valid): (String, bool) = webhook_events::table
        .select((webhook_events::status, webhook_events::signature_valid))
        .first(&mut app.db.get().expect("conn"))
        .expect("stored");
    assert_eq!((status.as_str(), valid), ("failed", false));
}

#[tokio::test]
async fn webhook_before_return_and_return_before_webhook_agree() {
    // Webhook first: the simulator delivers it while the shopper is still on its page.
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    eventually("webhook paid the order", || order_status(&app) == "paid").await;
    let r = follow_return(&app, &return_url).await;
    assert_eq!(
        location(&r),
        format!("/orders/{token}"),
        "late return still lands on the order"
    );
    let paid_events: i64 = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(paid_events, 1, "one transition, whoever came first");

    // Return first: webhooks dropped, so only the return (confirmed by query) can pay it.
    let app = spawn_app().await;
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Default::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    let r = follow_return(&app, &return_url).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
}

#[tokio::test]
async fn duplicated_and_reordered_webhooks_apply_each_transition_once() {
    let app = spawn_app().await;
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        duplicate_webhooks: true,
        out_of_order_webhooks: true,
        ..Default::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let declined = completed_return(pay_on_hosted_page(&app, &page_url, DECLINE).await);
    follow_return(&app, &declined).await;
    let r = pay_insite(&app, &token, SUCCESS).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    // Let every copy arrive.
    tokio::time::sleep(Duration::from_millis(800)).await;
    app.sandbox
        .as_ref()
        .expect("sim")
        .set_faults(Default::default());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(order_status(&app), "paid");
    let mut conn = app.db.get().expect("conn");
    let kinds: Vec<String> = payment_events::table
        .filter(payment_events::kind.like("payment_%"))
        .order(payment_events::id)
        .select(payment_events::kind)
        .load(&mut conn)
        .expect("events");
    assert_eq!(
        kinds.iter().filter(|k| *k == "payment_paid").count(),
        1,
        "{kinds:?}"
    );
    assert_eq!(
        kinds.iter().filter(|k| *k == "payment_failed").count(),
        1,
        "{kinds:?}"
    );
    let emails = email_kinds(&app);
    assert_eq!(
        emails.iter().filter(|k| *k == "payment_succeeded").count(),
        1,
        "{emails:?}"
    );
    assert_eq!(
        emails.iter().filter(|k| *k == "payment_failed").count(),
        1,
        "{emails:?}"
    );
}

#[tokio::test]
async fn a_lost_webhook_and_a_lost_return_are_recovered_by_the_reconciler() {
    let app = spawn_app_with(|s| s.reconcile_after_seconds = Some("1".into())).await;
    let sandbox = app.sandbox.clone().expect("sim");
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Default::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    // The shopper pays and closes the tab: no return, no webhook.
    pay_on_hosted_page(&app, &page_url, SUCCESS).await;
    assert_eq!(order_status(&app), "pending_payment");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let state = command_payments(&app).await;
    let report = reconcile::pass(&state).await.expect("pass");
    assert_eq!(report.attempts_settled, 1, "{report:?}");
    assert_eq!(order_status(&app), "paid");
    let source: String = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .select(payment_events::source)
        .first(&mut app.db.get().expect("conn"))
        .expect("event");
    assert_eq!(source, "query");
    let again = reconcile::pass(&state).await.expect("pass");
    assert_eq!(
        again.attempts_checked, 0,
        "settled attempts are not queried again"
    );
}

async fn command_payments(app: &TestApp) -> asiabill_shop::payments::Payments {
    asiabill_shop::startup::command_payments(app.settings.clone())
        .await
        .expect("state")
}

#[tokio::test]
async fn an_amount_mismatch_in_a_webhook_is_flagged_not_applied() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let order_no: String = payment_attempts::table
        .select(payment_attempts::gateway_order_no)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    let body = format!(
        r#"{{"data":{{"transactionType":"Sale","orderAmount":"0.01","orderNo":"{order_no}","tradeNo":"2026112512000099999999","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""}},"type":"transaction.success"}}"#
    );
    let r = signed_webhook(&app, &body).await;
    assert_eq!(r.status(), 200, "flagged events are acknowledged");
    assert_eq!(r.text().await.expect("body"), "success");
    assert_eq!(order_status(&app), "pending_payment");
    let (status, error): (String, Option<String>) = webhook_events::table
        .select((webhook_events::status, webhook_events::error))
        .first(&mut app.db.get().expect("conn"))
        .expect("stored");
    assert_eq!(status, "flagged");
    assert!(error.unwrap_or_default().contains("amount mismatch"));
    let flagged: i64 = payment_events::table
        .filter(payment_events::kind.eq("amount_mismatch"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(flagged, 1);
    drop(page_url);
}

/// Posts `body` to the shop's webhook signed as AsiaBill signs it.
pub async fn signed_webhook(app: &TestApp, body: &str) -> reqwest::Response {
    let stamp = asiabill::endpoint::RequestStamp::fresh();
    let headers = asiabill::webhook::webhook_headers(
        &app.settings.gateway.credentials,
        &stamp,
        body.as_bytes(),
    );
    let mut request = app.client.post(app.url("/payment/asiabill/webhook"));
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(body.to_owned()).send().await.expect("post")
}

#[tokio::test]
async fn two_concurrent_returns_for_one_attempt_apply_once() {
    let app = spawn_app().await;
    app.sandbox.as_ref().expect("sim").set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Default::default()
    });
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    let (a, b) = tokio::join!(
        follow_return(&app, &return_url),
        follow_return(&app, &return_url)
    );
    assert_eq!(location(&a), format!("/orders/{token}"));
    assert_eq!(location(&b), format!("/orders/{token}"));
    let paid: i64 = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(paid, 1);
    assert_eq!(
        email_kinds(&app)
            .iter()
            .filter(|k| *k == "payment_succeeded")
            .count(),
        1
    );
}

#[tokio::test]
async fn hosted_three_d_secure_card_is_challenged_then_paid() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let challenge_id = match pay_on_hosted_page(&app, &page_url, THREE_DS).await {
        PaymentStep::Challenge { challenge_id, .. } => challenge_id,
        PaymentStep::Completed(_) => panic!("3155 must be challenged"),
    };
    let completion = app
        .sandbox
        .as_ref()
        .expect("simulator")
        .complete_challenge(&challenge_id, true)
        .expect("challenge");
    let r = follow_return(&app, &completion.return_url.expect("returnUrl")).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
    assert_eq!(attempt_statuses(&app), ["paid"]);
}
