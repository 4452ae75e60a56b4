//! Saved cards over HTTP against the simulator: saving a card while paying (save-after-pay with
//! `InitRecurring`), paying the next order with one click, removing a card, and a card AsiaBill
//! no longer holds.

use asiabill_shop::db::schema::{payment_attempts, saved_cards, shoppers};
use diesel::prelude::*;

use crate::{
    accounts::sign_up,
    helpers::{TestApp, client, csrf_token, location, spawn_app},
    payments::{SUCCESS, eventually, order, order_status, tokenise},
};

/// Pays the order in-site with a new card, ticking "save this card" when `save`.
async fn pay_new_card(app: &TestApp, token: &str, save: bool) -> reqwest::Response {
    let pm = tokenise(app, SUCCESS).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = csrf_token(&page).expect("csrf");
    let mut fields = vec![
        ("csrf_token", csrf.as_str()),
        ("mode", "insite"),
        ("customerPaymentMethodId", pm.as_str()),
    ];
    if save {
        fields.push(("save_card", "on"));
    }
    app.post_form(&format!("/orders/{token}/pay"), &fields)
        .await
}

fn saved(app: &TestApp) -> Vec<(i64, String, String, String, bool)> {
    saved_cards::table
        .order(saved_cards::id)
        .select((
            saved_cards::id,
            saved_cards::payment_method_id,
            saved_cards::brand,
            saved_cards::last4,
            saved_cards::recurring,
        ))
        .load(&mut app.db.get().expect("conn"))
        .expect("cards")
}

fn newest_attempt(app: &TestApp) -> (Option<String>, Option<String>, Option<String>, bool) {
    payment_attempts::table
        .order(payment_attempts::id.desc())
        .select((
            payment_attempts::customer_payment_method_id,
            payment_attempts::customer_id,
            payment_attempts::token_type,
            payment_attempts::save_card,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt")
}

/// A signed-in shopper (the app's own client) whose first order was paid with a saved card;
/// answers the saved card's row id.
async fn shopper_with_a_saved_card(app: &TestApp) -> i64 {
    sign_up(app, &app.client, "ana@example.com").await;
    let token = order(app).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("name=\"save_card\""),
        "the save box is offered"
    );
    let r = pay_new_card(app, &token, true).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(app), "paid");
    eventually("the card is saved", || saved(app).len() == 1).await;
    saved(app)[0].0
}

#[tokio::test]
async fn a_card_saved_while_paying_pays_the_next_order_with_one_click() {
    let app = spawn_app().await;
    let card_id = shopper_with_a_saved_card(&app).await;

    // AsiaBill holds the card, attached to the account's customer; the first charge was the
    // InitRecurring one, so the card may be charged by the merchant later.
    let customer: Option<String> = shoppers::table
        .select(shoppers::asiabill_customer_id)
        .first(&mut app.db.get().expect("conn"))
        .expect("shopper");
    let customer = customer.expect("an AsiaBill customer was created");
    let (pm, sent_customer, token_type, save) = newest_attempt(&app);
    assert_eq!(sent_customer.as_deref(), Some(customer.as_str()));
    assert_eq!(token_type.as_deref(), Some("InitRecurring"));
    assert!(save);
    let sandbox = app.sandbox.as_ref().expect("simulator");
    let method = sandbox
        .payment_methods()
        .into_iter()
        .find(|m| Some(&m.id) == pm.as_ref())
        .expect("the method at AsiaBill");
    assert_eq!(method.customer_id.as_deref(), Some(customer.as_str()));
    assert_eq!(
        method.recurring_customer_id.as_deref(),
        Some(customer.as_str())
    );
    let (_, stored_pm, brand, last4, recurring) = saved(&app).remove(0);
    assert_eq!(Some(stored_pm), pm);
    assert_eq!((brand.as_str(), last4.as_str()), ("Visa", "4242"));
    assert!(recurring);

    // The account lists it; the next order offers it as a one-click payment.
    let home = app.get_html("/account").await;
    assert!(home.contains("Visa •••• 4242"), "listed in My cards");
    let token = order(&app).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(page.contains(&format!("data-saved-card=\"{card_id}\"")));
    let csrf = csrf_token(&page).expect("csrf");
    let id = card_id.to_string();
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[("csrf_token", &csrf), ("mode", "saved"), ("card", &id)],
        )
        .await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    let (pm2, customer2, token_type2, save2) = newest_attempt(&app);
    assert_eq!(pm2, pm, "the saved card was charged");
    assert_eq!(customer2.as_deref(), Some(customer.as_str()));
    assert_eq!(
        token_type2, None,
        "a shopper paying is not a merchant-initiated charge"
    );
    assert!(!save2);
    let paid: i64 = asiabill_shop::db::schema::orders::table
        .filter(asiabill_shop::db::schema::orders::status.eq("paid"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(paid, 2);

    // Another account cannot pay with Ana's card, even knowing its id.
    let eve = client();
    sign_up(&app, &eve, "eve@example.com").await;
    let html = eve
        .get(app.url("/"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let csrf = crate::helpers::meta_csrf_token(&html).expect("csrf");
    let product = app.product_id("gooseneck-kettle").to_string();
    eve.post(app.url("/cart/items"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("product_id", &product),
            ("quantity", "1"),
        ])
        .send()
        .await
        .expect("add");
    let page = eve
        .get(app.url("/checkout"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let key = crate::helpers::hidden_field(&page, "idempotency_key").expect("key");
    let r = eve
        .post(app.url("/checkout"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("idempotency_key", key.as_str()),
            ("email", "eve@example.com"),
            ("phone", "+1 503 555 0101"),
            ("billing_first_name", "Eve"),
            ("billing_last_name", "Stone"),
            ("billing_address", "2 Harbour Street"),
            ("billing_city", "Portland"),
            ("billing_state", "OR"),
            ("billing_zip", "97201"),
            ("billing_country", "US"),
            ("shipping_same", "on"),
            ("payment_mode", "insite"),
        ])
        .send()
        .await
        .expect("checkout");
    let pay = location(&r);
    let eve_token = pay
        .trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned();
    let r = eve
        .post(app.url(&format!("/orders/{eve_token}/pay")))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("mode", "saved"),
            ("card", &id),
        ])
        .send()
        .await
        .expect("pay");
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn a_guest_is_not_offered_to_save_a_card_and_a_posted_save_box_saves_nothing() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(!page.contains("name=\"save_card\""));
    let r = pay_new_card(&app, &token, true).await;
    assert_eq!(location(&r), format!("/orders/{token}"));
    assert_eq!(order_status(&app), "paid");
    let (_, customer, token_type, save) = newest_attempt(&app);
    assert_eq!((customer, token_type, save), (None, None, false));
    assert!(
        app.sandbox
            .as_ref()
            .expect("simulator")
            .customers()
            .is_empty(),
        "no AsiaBill customer for a guest"
    );
}

#[tokio::test]
async fn removing_a_card_detaches_it_at_asiabill() {
    let app = spawn_app().await;
    let card_id = shopper_with_a_saved_card(&app).await;
    let csrf = csrf_token(&app.get_html("/account").await).expect("csrf");
    let r = app
        .post_form(
            &format!("/account/cards/{card_id}/delete"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(location(&r), "/account#cards");
    assert!(saved(&app).is_empty());
    let methods = app.sandbox.as_ref().expect("simulator").payment_methods();
    assert!(
        methods
            .iter()
            .all(|m| m.customer_id.is_none() && m.detached)
    );
    let home = app.get_html("/account").await;
    assert!(home.contains("The card is removed"));
}

#[tokio::test]
async fn a_card_asiabill_no_longer_holds_is_dropped_with_a_message() {
    let app = spawn_app().await;
    let card_id = shopper_with_a_saved_card(&app).await;
    // Removed at AsiaBill behind the shop's back (by AsiaBill, or another integration).
    let (pm, _, _, _) = newest_attempt(&app);
    let gateway = asiabill_shop::payments::gateway::client(&app.settings).expect("client");
    gateway
        .detach_payment_method(&pm.expect("pm"))
        .await
        .expect("detach");

    // Paying with it: AsiaBill refuses, the card leaves the account, the shopper is told.
    let token = order(&app).await;
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    let csrf = csrf_token(&page).expect("csrf");
    let id = card_id.to_string();
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[("csrf_token", &csrf), ("mode", "saved"), ("card", &id)],
        )
        .await;
    assert_eq!(location(&r), format!("/orders/{token}/pay"));
    let page = app.get_html(&format!("/orders/{token}/pay")).await;
    assert!(
        page.contains("Visa •••• 4242 is no longer on file with AsiaBill"),
        "the shopper is told"
    );
    assert!(!page.contains("data-saved-card"));
    assert!(saved(&app).is_empty());
}

#[tokio::test]
async fn my_cards_drops_a_card_asiabill_no_longer_lists() {
    let app = spawn_app().await;
    shopper_with_a_saved_card(&app).await;
    let (pm, _, _, _) = newest_attempt(&app);
    let gateway = asiabill_shop::payments::gateway::client(&app.settings).expect("client");
    gateway
        .detach_payment_method(&pm.expect("pm"))
        .await
        .expect("detach");
    let home = app.get_html("/account").await;
    assert!(home.contains("data-card-dropped"));
    assert!(home.contains("Visa •••• 4242 is no longer on file with AsiaBill"));
    assert!(saved(&app).is_empty());
}
