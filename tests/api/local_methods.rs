//! Local payment methods (Alipay, iDEAL, Klarna, …) through AsiaBill's hosted page: which are
//! offered where, what is sent, and the refund rules of each.

use std::time::Duration;

use asiabill_sandbox::Faults;
use asiabill_shop::{
    db::schema::{orders, payment_attempts},
    orders::expire::{self, Expiry},
};
use diesel::prelude::*;

use crate::{
    faults::reconcile_pass,
    helpers::{TestApp, csrf_token, location, spawn_app, spawn_app_with},
    payments::{eventually, follow_return, order, order_status},
};

/// An order billed in `country` (the app's currency), its page token.
async fn order_from(app: &TestApp, country: &str, state: &str, zip: &str) -> String {
    app.add_to_cart("gooseneck-kettle", 1).await;
    let to = location(
        &app.checkout(
            "hosted",
            &[
                ("billing_country", country),
                ("billing_state", state),
                ("billing_zip", zip),
            ],
        )
        .await,
    );
    to.trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned()
}

/// The simulator's page the shop sent the shopper to, and its token.
fn local_page(r: &reqwest::Response) -> (String, String) {
    let to = location(r);
    assert!(to.contains("/local/"), "to the method's page: {to}");
    let token = to.rsplit('/').next().expect("token").to_owned();
    (to, token)
}

/// The method's page at the simulator, as the shopper's browser gets it.
async fn method_page(app: &TestApp, url: &str) -> String {
    let r = app
        .client
        .get(url)
        .send()
        .await
        .expect("GET the method's page");
    assert_eq!(r.status(), 200, "{url}");
    r.text().await.expect("page")
}

/// The shopper's answer on the method's page (`approve`, `decline`, `cancel`), followed back to
/// the shop as the browser does.
async fn answer(app: &TestApp, page: &str, action: &str, bank: Option<&str>) -> reqwest::Response {
    let mut form = vec![("action", action)];
    form.extend(bank.map(|b| ("bank", b)));
    let r = app
        .client
        .post(page)
        .form(&form)
        .send()
        .await
        .expect("answer");
    assert_eq!(r.status(), 303, "the method's page sends the shopper back");
    follow_return(app, &location(&r)).await
}

/// Posts the payment page's form for local method `key`.
pub async fn pay_with_method(app: &TestApp, token: &str, key: &str) -> reqwest::Response {
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = csrf_token(&page).expect("csrf");
    app.post_form(
        &format!("/orders/{token}/pay"),
        &[("csrf_token", &csrf), ("mode", "hosted"), ("method", key)],
    )
    .await
}

fn methods_offered(page: &str) -> Vec<String> {
    let selector = scraper::Selector::parse("button[data-method]").expect("selector");
    scraper::Html::parse_document(page)
        .select(&selector)
        .filter_map(|b| b.value().attr("data-method").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn the_payment_page_offers_the_methods_that_serve_the_order_and_sends_the_chosen_one() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    // A US order in USD: the methods for any country that take dollars, and Klarna (US).
    assert_eq!(
        methods_offered(&page),
        ["alipay", "wechatpay", "klarna", "paysafecard"]
    );
    assert!(page.contains("/static/images/methods/alipay.svg"));

    // iDEAL serves euros in the Netherlands only: refused for this order.
    let r = pay_with_method(&app, &token, "ideal").await;
    assert_eq!(r.status(), 400);

    let r = pay_with_method(&app, &token, "alipay").await;
    let to = location(&r);
    assert!(
        to.contains("/checkout/pay/") || to.contains("/local/"),
        "to AsiaBill: {to}"
    );
    let method: Option<String> = payment_attempts::table
        .order(payment_attempts::id.desc())
        .select(payment_attempts::payment_method)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    assert_eq!(method.as_deref(), Some("Alipay"));
    let sent = app
        .sandbox
        .as_ref()
        .expect("simulator")
        .transactions()
        .into_iter()
        .last()
        .expect("a transaction at AsiaBill");
    assert_eq!(sent.payment_method.as_deref(), Some("Alipay"));

    // While AsiaBill has not decided, the order page explains the wait in the method's name.
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("Waiting for Alipay to confirm your payment"));
}

#[tokio::test]
async fn only_the_configured_methods_are_offered_and_checkout_can_choose_one() {
    let app = spawn_app_with(|s| s.asiabill_payment_methods = Some("WeChatPay".into())).await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    let page = app.get_html("/checkout").await;
    assert!(page.contains("value=\"wechatpay\""));
    assert!(!page.contains("value=\"alipay\""));
    let r = app.checkout("wechatpay", &[]).await;
    let to = location(&r);
    assert!(to.ends_with("/pay?mode=hosted&method=wechatpay"), "{to}");
    let page = app.get_html(&to).await;
    assert_eq!(methods_offered(&page), ["wechatpay"]);
}

#[tokio::test]
async fn an_unknown_method_in_the_settings_stops_the_shop_with_its_name() {
    let mut raw = crate::helpers::test_settings(&crate::helpers::TestDb::new());
    raw.asiabill_payment_methods = Some("alipay, bitcoin".into());
    let problems = raw.validate().expect_err("refused");
    let text = format!("{problems:?}");
    assert!(
        text.contains("ASIABILL_PAYMENT_METHODS") && text.contains("bitcoin"),
        "{text}"
    );
}

#[tokio::test]
async fn alipay_is_paid_by_scanning_the_qr_code() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "alipay").await);
    let page = method_page(&app, &page_url).await;
    assert!(
        page.contains("<svg") && page.contains("id=\"qr-image\""),
        "a real QR image"
    );
    let scan =
        crate::helpers::first_attribute(&page, "#qr-code", "data-scan-url").expect("scan URL");
    // The phone opens the URL in the code; the shopper's browser is sent back by AsiaBill.
    let r = app.client.get(&scan).send().await.expect("scan");
    let back = follow_return(&app, &location(&r)).await;
    assert_eq!(location(&back), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
}

#[tokio::test]
async fn ideal_is_paid_at_the_chosen_bank_in_euros_from_the_netherlands() {
    let app = spawn_app_with(|s| s.shop_currency = Some("EUR".into())).await;
    let token = order_from(&app, "NL", "", "1011 AB").await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "ideal").await);
    let page = method_page(&app, &page_url).await;
    assert!(page.contains("data-bank"), "a bank chooser");
    let back = answer(&app, &page_url, "approve", Some("ING")).await;
    assert_eq!(location(&back), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
}

#[tokio::test]
async fn a_declined_klarna_payment_comes_back_to_the_payment_page_with_the_reason() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "klarna").await);
    let back = answer(&app, &page_url, "decline", None).await;
    assert_eq!(location(&back), format!("/orders/{token}/pay"));
    assert_eq!(order_status(&app), "pending_payment");
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(page.contains("data-failure-reason"));
}

#[tokio::test]
async fn a_pending_wechat_payment_is_settled_by_its_webhook_without_the_shopper() {
    let app = spawn_app().await;
    let sandbox = app.sandbox.clone().expect("simulator");
    sandbox.set_local_pending_minutes(Some(1));
    let token = order(&app).await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "wechatpay").await);
    let back = answer(&app, &page_url, "approve", None).await;
    assert_eq!(location(&back), format!("/orders/{token}"));
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("data-waiting-local") && page.contains("WeChat Pay"));
    eventually("the webhook settles the payment", || {
        order_status(&app) == "paid"
    })
    .await;
}

#[tokio::test]
async fn a_pending_payment_whose_webhooks_are_lost_is_settled_by_the_reconciler() {
    let app = spawn_app_with(|s| s.reconcile_after_seconds = Some("1".into())).await;
    let sandbox = app.sandbox.clone().expect("simulator");
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        local_pending_minutes: Some(1),
        ..Default::default()
    });
    let token = order(&app).await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "alipay").await);
    answer(&app, &page_url, "approve", None).await;
    assert_eq!(order_status(&app), "pending_payment");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let mut settled = false;
    for _ in 0..20 {
        reconcile_pass(&app).await;
        if order_status(&app) == "paid" {
            settled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(settled, "the reconciler found the success");
}

#[tokio::test]
async fn an_abandoned_method_page_lets_the_reservation_expire_and_the_stock_return() {
    let app = spawn_app_with(|s| s.reconcile_after_seconds = Some("1".into())).await;
    let before = app.stock("gooseneck-kettle");
    let token = order(&app).await;
    assert_eq!(app.stock("gooseneck-kettle"), before - 1);
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "klarna").await);
    // The shopper looks at the page and leaves.
    app.client.get(&page_url).send().await.expect("GET");
    let order_id: i64 = orders::table
        .select(orders::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    {
        // Long after: the reservation is over and the attempt is older than it.
        let mut conn = app.db.get().expect("conn");
        let long_ago = asiabill_shop::db::now() - chrono::Duration::hours(2);
        diesel::update(orders::table.find(order_id))
            .set(orders::reservation_expires_at.eq(Some(long_ago)))
            .execute(&mut conn)
            .expect("age the order");
        diesel::update(payment_attempts::table)
            .set(payment_attempts::created_at.eq(long_ago))
            .execute(&mut conn)
            .expect("age the attempt");
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    reconcile_pass(&app).await;
    let mut conn = app.db.get().expect("conn");
    assert_eq!(
        expire::expire(&mut conn, order_id).expect("expire"),
        Expiry::Cancelled
    );
    assert_eq!(app.stock("gooseneck-kettle"), before, "the stock is back");
    drop(conn);

    // The shopper comes back to the page days later and approves, and the webhook is lost: the
    // reconciler still watches the given-up attempt, and the payment is not lost.
    let sandbox = app.sandbox.clone().expect("simulator");
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..Default::default()
    });
    let sim_token = page_url.rsplit('/').next().expect("token");
    sandbox
        .answer_local(sim_token, asiabill_sandbox::Outcome::Approve)
        .expect("approved late");
    let mut paid = false;
    for _ in 0..30 {
        tokio::time::sleep(Duration::from_millis(300)).await;
        reconcile_pass(&app).await;
        if order_status(&app) == "paid" {
            paid = true;
            break;
        }
    }
    assert!(paid, "the late payment is applied to the cancelled order");
}

#[tokio::test]
async fn each_method_refunds_as_its_rule_allows() {
    let app = spawn_app_with(|s| s.shop_currency = Some("EUR".into())).await;
    let admin = crate::admin_support::admin(&app).await;
    // giropay: the whole payment only.
    let token = order_from(&app, "DE", "", "10115").await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "giropay").await);
    answer(&app, &page_url, "approve", None).await;
    let number: String = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    let r = admin.refund(&number, "1.00", "part", None).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("giropay refunds only the whole payment")
    );
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("· giropay"), "the payment names its method");
    assert!(
        page.contains("data-refund-rule"),
        "the rule is explained before a refund is asked"
    );
    let transactions = admin.html("/admin/transactions").await;
    assert!(
        transactions.contains("giropay"),
        "the transactions page names the method"
    );
    let total: i64 = orders::table
        .filter(orders::number.eq(&number))
        .select(orders::total_minor)
        .first(&mut app.db.get().expect("conn"))
        .expect("total");
    let whole = format!("{}.{:02}", total / 100, total % 100);
    let r = admin.refund(&number, &whole, "all", None).await;
    assert_eq!(r.status(), 303, "the whole payment may be refunded");

    // paysafecard: no refunds at all.
    let token = order_from(&app, "DE", "", "10115").await;
    let (page_url, _) = local_page(&pay_with_method(&app, &token, "paysafecard").await);
    answer(&app, &page_url, "approve", None).await;
    let number: String = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    let r = admin.refund(&number, &whole, "all", None).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("paysafecard payments cannot be refunded")
    );

    // The orders list filters by method; the CSV names it.
    let list = admin.html("/admin/orders?method=paysafecard").await;
    assert!(list.contains(&number));
    let csv = admin
        .get("/admin/orders.csv")
        .await
        .text()
        .await
        .expect("csv");
    assert!(
        csv.lines()
            .next()
            .is_some_and(|h| h.split(',').any(|column| column == "payment_method"))
    );
    assert!(
        csv.contains(",giropay") && csv.contains(",paysafecard"),
        "{csv}"
    );
}
