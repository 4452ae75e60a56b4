//! Local payment methods (Alipay, iDEAL, Klarna, …) through AsiaBill's hosted page: which are
//! offered where, what is sent, and the refund rules of each.

use asiabill_shop::db::schema::payment_attempts;
use diesel::prelude::*;

use crate::{
    helpers::{TestApp, csrf_token, location, spawn_app, spawn_app_with},
    payments::order,
};

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
