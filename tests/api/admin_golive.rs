//! The go-live checklist counts what happened: returns received, queries made, captures and
//! voids of authorizations.

use asiabill_shop::db::schema::{orders, webhook_events};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin, order_by_token, paid_order, preauth_app},
    helpers::{TestApp, spawn_app},
    payments::{
        SUCCESS, completed_return, eventually, follow_return, order, pay_on_hosted_page,
        start_hosted,
    },
};

/// The checklist item numbered `n` as shown: its state and its facts (label, value).
async fn item(admin: &Admin, n: u8) -> (String, Vec<(String, String)>) {
    let page = scraper::Html::parse_document(&admin.html("/admin/go-live").await);
    let selector = |css: &str| scraper::Selector::parse(css).expect("a CSS selector");
    let item = page
        .select(&selector(&format!(r#"li[data-item="{n}"][data-state]"#)))
        .next()
        .unwrap_or_else(|| panic!("item {n} on the page"));
    let state = item.value().attr("data-state").expect("state").to_owned();
    let text = |e: scraper::ElementRef| e.text().collect::<String>();
    let (labels, values) = (selector("dt"), selector("dd code.wrap"));
    let facts = item
        .select(&labels)
        .map(text)
        .zip(item.select(&values).map(text))
        .collect();
    (state, facts)
}

fn fact<'a>(facts: &'a [(String, String)], label: &str) -> &'a str {
    facts
        .iter()
        .find(|(l, _)| l == label)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{label} in {facts:?}"))
}

fn status_of(app: &TestApp, token: &str) -> String {
    orders::table
        .filter(orders::access_token.eq(token))
        .select(orders::status)
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

#[tokio::test]
async fn a_hosted_return_counts_even_when_the_webhook_got_there_first() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (state, facts) = item(&admin, 6).await;
    assert_eq!(
        (state.as_str(), fact(&facts, "Returns received")),
        ("warn", "0")
    );
    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    // The webhook settles the attempt before the browser comes back: the return changes
    // nothing, and it still happened.
    eventually("the webhook pays the order", || {
        status_of(&app, &token) == "paid"
    })
    .await;
    let r = follow_return(&app, &return_url).await;
    assert_eq!(r.status(), 303);
    let (state, facts) = item(&admin, 6).await;
    assert_eq!(
        (state.as_str(), fact(&facts, "Returns received")),
        ("ok", "1")
    );
    let number = order_by_token(&app, &token).number;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("data-event=\"return_visit\"")
            && page.contains("returnUrl: signature verified; success"),
        "on the timeline"
    );
}

#[tokio::test]
async fn a_sync_and_a_transactions_query_are_counted() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let (state, facts) = item(&admin, 11).await;
    assert_eq!(state, "warn");
    assert_eq!(fact(&facts, "Queries by order (sync, reconciler)"), "0");
    assert_eq!(
        fact(&facts, "Transaction lists asked (transactions page)"),
        "0"
    );
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/sync"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains("AsiaBill confirms: already paid"),
        "an unchanged sync is on the timeline"
    );
    let (state, facts) = item(&admin, 11).await;
    assert_eq!(state, "ok");
    assert_eq!(fact(&facts, "Queries by order (sync, reconciler)"), "1");
    admin.html("/admin/transactions").await;
    let (_, facts) = item(&admin, 11).await;
    assert_eq!(
        fact(&facts, "Transaction lists asked (transactions page)"),
        "1"
    );
}

#[tokio::test]
async fn pre_authorization_is_done_only_after_a_capture_or_a_void() {
    let app = preauth_app().await;
    let admin = admin(&app).await;
    let (state, _) = item(&admin, 10).await;
    assert_eq!(state, "warn", "pre-authorization set up, never tried");
    let number = paid_order(&app).await;
    let (state, facts) = item(&admin, 10).await;
    assert_eq!(state, "warn", "authorized, not captured: {facts:?}");
    assert_eq!(fact(&facts, "Authorizations seen"), "1");
    assert_eq!(
        fact(&facts, "Captures seen (authorizations later paid)"),
        "0"
    );
    admin
        .post_then(
            &format!("/admin/orders/{number}/capture"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    let (state, facts) = item(&admin, 10).await;
    assert_eq!(state, "ok");
    assert_eq!(
        fact(&facts, "Captures seen (authorizations later paid)"),
        "1"
    );
    assert_eq!(fact(&facts, "Voids seen"), "0");
}

#[tokio::test]
async fn pre_authorization_on_a_shop_that_only_sells_is_not_used_rather_than_done() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    paid_order(&app).await;
    eventually("the webhook arrives", || {
        webhook_events::table
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            > 0
    })
    .await;
    let (state, facts) = item(&admin, 10).await;
    assert_eq!(state, "not_used", "{facts:?}");
    assert_eq!(fact(&facts, "Authorizations seen"), "0");
    assert!(
        admin
            .html("/admin/go-live")
            .await
            .contains(">Not used</span>"),
        "said in words"
    );
}
