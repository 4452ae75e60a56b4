//! AsiaBill's failure reasons as people see them: a sentence in the shopper's language on the
//! payment and order pages, the raw code and message (and their meaning) on the admin page.

use crate::{
    admin_support::{admin, order_by_token},
    helpers::{TestApp, location, spawn_app},
    payments::{DECLINE, follow_return, order, pay_insite, start_hosted},
};

/// What a shopper is told of a decline and of a cancellation, in English and in Chinese.
const DECLINED: [(&str, &str); 2] = [
    ("en", "Your bank declined the payment."),
    ("zh-CN", "您的银行拒绝了这笔付款"),
];
const CANCELLED: [(&str, &str); 2] = [
    ("en", "You cancelled the payment on the payment page."),
    ("zh-CN", "您在支付页面取消了付款"),
];

/// A shop whose shopper reads `lang`, with an order awaiting payment; returns its token.
async fn shopper_in(lang: &str) -> (TestApp, String) {
    let app = spawn_app().await;
    assert!(
        app.get(&format!("/lang/{lang}"))
            .await
            .status()
            .is_redirection()
    );
    let token = order(&app).await;
    (app, token)
}

/// Cancels on the simulator's hosted page, as the shopper's "Cancel" button does, and follows
/// AsiaBill's return to the shop.
async fn cancel_on_hosted_page(app: &TestApp, token: &str) -> reqwest::Response {
    let page_url = start_hosted(app, token).await;
    let hosted = page_url
        .rsplit('/')
        .next()
        .and_then(|t| t.split('?').next())
        .expect("hosted token");
    let done = app
        .sandbox
        .as_ref()
        .expect("simulator")
        .cancel_hosted(hosted)
        .expect("cancelled");
    follow_return(app, &done.return_url.expect("a returnUrl was sent")).await
}

fn assert_no_raw_reason(page: &str, what: &str) {
    for raw in ["Decline<", "Decline ", "E0008", "Customer Cancel"] {
        assert!(!page.contains(raw), "{what}: raw {raw:?} shown");
    }
}

#[tokio::test]
async fn a_declined_payment_is_explained_in_the_shoppers_language() {
    for (lang, sentence) in DECLINED {
        let (app, token) = shopper_in(lang).await;
        let r = pay_insite(&app, &token, DECLINE).await;
        assert_eq!(location(&r), format!("/orders/{token}/pay"));

        let pay = app.get_html(&format!("/orders/{token}/pay")).await;
        assert!(pay.contains(sentence), "{lang}: the flash explains");
        assert!(
            pay.contains("data-failure-reason"),
            "{lang}: the pay-again note says why"
        );
        assert_eq!(pay.matches(sentence).count(), 2, "{lang}: flash and note");
        assert_no_raw_reason(&pay, lang);

        let page = app.get_html(&format!("/orders/{token}")).await;
        assert!(page.contains(sentence), "{lang}: the order page explains");
        assert_no_raw_reason(&page, lang);
    }
}

#[tokio::test]
async fn a_cancelled_hosted_payment_is_explained_in_the_shoppers_language() {
    for (lang, sentence) in CANCELLED {
        let (app, token) = shopper_in(lang).await;
        let r = cancel_on_hosted_page(&app, &token).await;
        assert_eq!(location(&r), format!("/orders/{token}/pay"));

        let pay = app.get_html(&format!("/orders/{token}/pay")).await;
        assert!(pay.contains(sentence), "{lang}: the flash explains");
        assert_no_raw_reason(&pay, lang);
        let page = app.get_html(&format!("/orders/{token}")).await;
        assert!(page.contains(sentence), "{lang}: the order page explains");
        assert_no_raw_reason(&page, lang);
    }
}

#[tokio::test]
async fn the_admin_order_page_keeps_the_raw_code_beside_its_meaning() {
    let (app, token) = shopper_in("en").await;
    cancel_on_hosted_page(&app, &token).await;
    let number = order_by_token(&app, &token).number;
    let page = admin(&app)
        .await
        .html(&format!("/admin/orders/{number}"))
        .await;
    assert!(
        page.contains("E0008:Customer Cancel"),
        "raw code and message"
    );
    assert!(
        page.contains("The shopper cancelled on AsiaBill&#39;s payment page")
            || page.contains("The shopper cancelled on AsiaBill&#x27;s payment page")
            || page.contains("The shopper cancelled on AsiaBill's payment page"),
        "what it means, for the merchant"
    );
}
