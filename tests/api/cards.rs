//! Saved cards over HTTP against the simulator: saving a card while paying (save-after-pay with
//! `InitRecurring`), paying the next order with one click, removing a card, and a card AsiaBill
//! no longer holds.

use asiabill_shop::db::schema::{payment_attempts, saved_cards, shoppers};
use diesel::prelude::*;

use crate::{
    accounts::sign_up,
    helpers::{TestApp, client, csrf_token, location, spawn_app},
    payments::{SUCCESS, THREE_DS, eventually, follow_return, order, order_status, tokenise},
};

/// Puts a kettle in `client`'s cart and posts the checkout form for `email`, paying by `mode`;
/// answers the shop's response (a 303 to the payment page).
async fn check_out_as(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    mode: &str,
) -> reqwest::Response {
    let html = client
        .get(app.url("/"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let csrf = crate::helpers::meta_csrf_token(&html).expect("csrf");
    let product = app.product_id("gooseneck-kettle").to_string();
    client
        .post(app.url("/cart/items"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("product_id", &product),
            ("quantity", "1"),
        ])
        .send()
        .await
        .expect("add to cart");
    let page = client
        .get(app.url("/checkout"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    let key = crate::helpers::hidden_field(&page, "idempotency_key").expect("key");
    client
        .post(app.url("/checkout"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("idempotency_key", key.as_str()),
            ("email", email),
            ("phone", "+1 503 555 0100"),
            ("billing_first_name", "Ana"),
            ("billing_last_name", "Lima"),
            ("billing_address", "1 Harbour Street"),
            ("billing_city", "Portland"),
            ("billing_state", "OR"),
            ("billing_zip", "97201"),
            ("billing_country", "US"),
            ("shipping_same", "on"),
            ("payment_mode", mode),
        ])
        .send()
        .await
        .expect("checkout")
}

/// Pays the order in-site with a new card, ticking "save this card" when `save`.
async fn pay_new_card(app: &TestApp, token: &str, save: bool) -> reqwest::Response {
    pay_new_card_numbered(app, token, save, SUCCESS).await
}

/// As [`pay_new_card`], with the card `number`.
async fn pay_new_card_numbered(
    app: &TestApp,
    token: &str,
    save: bool,
    number: &str,
) -> reqwest::Response {
    let pm = tokenise(app, number).await;
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
    let csrf = {
        let html = eve
            .get(app.url("/"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        crate::helpers::meta_csrf_token(&html).expect("csrf")
    };
    let r = check_out_as(&app, &eve, "eve@example.com", "insite").await;
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

/// Completes the simulator's 3-D Secure challenge that `r` redirected to, and follows the
/// return to the shop.
async fn authenticate(app: &TestApp, r: &reqwest::Response) -> reqwest::Response {
    let challenge = location(r);
    assert!(
        challenge.contains("/threeds/"),
        "to 3-D Secure: {challenge}"
    );
    let id = challenge
        .rsplit('/')
        .next()
        .and_then(|id| id.split('?').next())
        .expect("id");
    let done = app
        .sandbox
        .as_ref()
        .expect("simulator")
        .complete_challenge(id, true)
        .expect("challenge");
    follow_return(app, &done.return_url.expect("returnUrl")).await
}

#[tokio::test]
async fn a_three_d_secure_card_is_saved_after_its_challenge_and_challenged_again_when_reused() {
    let app = spawn_app().await;
    sign_up(&app, &app.client, "ana@example.com").await;
    let token = order(&app).await;
    let r = pay_new_card_numbered(&app, &token, true, THREE_DS).await;
    let back = authenticate(&app, &r).await;
    assert_eq!(location(&back), format!("/orders/{token}"));
    eventually("the card is saved after the challenge", || {
        saved(&app).len() == 1
    })
    .await;
    let card_id = saved(&app)[0].0.to_string();

    let token = order(&app).await;
    let csrf = csrf_token(&app.get_html(&format!("/orders/{token}/pay")).await).expect("csrf");
    let r = app
        .post_form(
            &format!("/orders/{token}/pay"),
            &[("csrf_token", &csrf), ("mode", "saved"), ("card", &card_id)],
        )
        .await;
    let back = authenticate(&app, &r).await;
    assert_eq!(location(&back), format!("/orders/{token}"));
    let status: String = asiabill_shop::db::schema::orders::table
        .filter(asiabill_shop::db::schema::orders::access_token.eq(&token))
        .select(asiabill_shop::db::schema::orders::status)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    assert_eq!(status, "paid");
}

fn order_row(app: &TestApp, number: &str) -> (String, i64, i64, i64) {
    use asiabill_shop::db::schema::orders;
    orders::table
        .filter(orders::number.eq(number))
        .select((
            orders::status,
            orders::total_minor,
            orders::captured_minor,
            orders::extra_charged_minor,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

fn first_order_number(app: &TestApp) -> String {
    use asiabill_shop::db::schema::orders;
    orders::table
        .order(orders::id)
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

#[tokio::test]
async fn the_merchant_charges_the_saved_card_once_per_form_and_may_refund_it() {
    let app = spawn_app().await;
    let card_id = shopper_with_a_saved_card(&app).await.to_string();
    let number = first_order_number(&app);
    let (_, total, captured, _) = order_row(&app, &number);
    assert_eq!(captured, total);
    let admin = crate::admin_support::admin(&app).await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("Charge the saved card") && page.contains("Visa •••• 4242"));
    let key = crate::helpers::hidden_field(&page, "key").expect("the form's key");

    // A surcharge of 5.00, posted twice with one form: charged once.
    let to = format!("/admin/orders/{number}#charge");
    let fields = [
        ("card", card_id.as_str()),
        ("amount", "5.00"),
        ("reason", "Express shipping surcharge"),
        ("key", key.as_str()),
    ];
    let path = format!("/admin/orders/{number}/charge");
    let r = admin.post(&path, &fields).await;
    assert_eq!(location(&r), to);
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("The saved card was charged $5.00."), "{page}");
    let r = admin.post(&path, &fields).await;
    assert_eq!(location(&r), to);
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("This form was sent already"));
    assert!(page.contains("data-extra-charged"));
    assert!(
        !page.contains("Paid twice"),
        "an extra charge is not a double payment"
    );
    let (status, total2, captured, extra) = order_row(&app, &number);
    assert_eq!((status.as_str(), total2), ("paid", total));
    assert_eq!((captured, extra), (total + 500, 500));

    // At AsiaBill: one Recurring charge of 5.00 for the account's customer, goods line named.
    let sandbox = app.sandbox.as_ref().expect("simulator");
    let recurring: Vec<_> = sandbox
        .transactions()
        .into_iter()
        .filter(|t| {
            t.token_type
                .is_some_and(|t| t == asiabill_sandbox::TokenType::Recurring)
        })
        .collect();
    assert_eq!(recurring.len(), 1, "charged once");
    assert_eq!(recurring[0].amount.minor(), 500);
    assert_eq!(
        recurring[0].goods[0].goods_title,
        "Express shipping surcharge"
    );
    let (_, _, token_type, _) = newest_attempt(&app);
    assert_eq!(token_type.as_deref(), Some("Recurring"));

    // Refundable like any payment: the surcharge alone, from its own payment.
    let order_no = format!("{number}-2");
    let r = admin
        .refund(&number, "5.00", "surcharge waived", Some(&order_no))
        .await;
    assert_eq!(r.status(), 303);
    eventually("the surcharge refund settles", || {
        order_row(&app, &number).0 == "partially_refunded"
    })
    .await;

    // The shopper is told of the charge, with its amount.
    let (to, body): (String, String) = asiabill_shop::db::schema::email_outbox::table
        .filter(asiabill_shop::db::schema::email_outbox::kind.eq("extra_charge"))
        .select((
            asiabill_shop::db::schema::email_outbox::to_address,
            asiabill_shop::db::schema::email_outbox::body_text,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("a receipt of the extra charge");
    assert_eq!(to, "ana@example.com");
    assert!(body.contains("$5.00"), "{body}");

    // No failure email about the merchant's charge.
    let failed_emails: i64 = asiabill_shop::db::schema::email_outbox::table
        .filter(asiabill_shop::db::schema::email_outbox::kind.eq("payment_failed"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(failed_emails, 0);
}

#[tokio::test]
async fn no_extra_charge_without_a_recurring_card_of_the_orders_account() {
    let app = spawn_app().await;
    // A guest order: no account, no card, no form.
    let token = order(&app).await;
    pay_new_card(&app, &token, false).await;
    let number = first_order_number(&app);
    let admin = crate::admin_support::admin(&app).await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(!page.contains("Charge the saved card"));

    // Another account's card, posted by hand: refused, nothing charged.
    let other = client();
    sign_up(&app, &other, "eve@example.com").await;
    let r = admin
        .post(
            &format!("/admin/orders/{number}/charge"),
            &[
                ("card", "1"),
                ("amount", "5.00"),
                ("reason", "surcharge"),
                ("key", "k-1"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/admin/orders/{number}#charge"));
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("This order cannot take an extra charge now"));
    let sandbox = app.sandbox.as_ref().expect("simulator");
    assert!(
        sandbox
            .transactions()
            .iter()
            .all(|t| t.token_type.is_none())
    );
}

#[tokio::test]
async fn a_claimed_guest_order_cannot_be_charged_on_the_accounts_saved_card() {
    let app = spawn_app().await;
    let card_id = shopper_with_a_saved_card(&app).await.to_string();
    // Verified, so that guest orders with this email join the account.
    let link = {
        use asiabill_shop::db::schema::email_outbox;
        let body: String = email_outbox::table
            .filter(email_outbox::kind.eq("verify_email"))
            .select(email_outbox::body_text)
            .first(&mut app.db.get().expect("conn"))
            .expect("email");
        let start = body.find("/account/verify/").expect("link");
        body[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect::<String>()
    };
    app.get(&link).await;
    // A guest order with the same email, paid with another card, joins the account.
    check_out_as(&app, &client(), "ana@example.com", "hosted").await;
    use asiabill_shop::db::schema::orders;
    let number: String = orders::table
        .order(orders::id.desc())
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    {
        // Paid (by whatever means) and claimed by the account.
        let mut conn = app.db.get().expect("conn");
        diesel::update(orders::table.filter(orders::number.eq(&number)))
            .set(orders::status.eq("paid"))
            .execute(&mut conn)
            .expect("paid");
    }
    let fresh = client();
    crate::accounts::sign_in_for_tests(&app, &fresh, "ana@example.com").await;
    let owner: Option<i64> = orders::table
        .filter(orders::number.eq(&number))
        .select(orders::shopper_id)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    assert!(owner.is_some(), "the guest order joined the account");

    let admin = crate::admin_support::admin(&app).await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(!page.contains("Charge the saved card"), "not offered");
    admin
        .post(
            &format!("/admin/orders/{number}/charge"),
            &[
                ("card", &card_id),
                ("amount", "5.00"),
                ("reason", "x"),
                ("key", "k-claimed"),
            ],
        )
        .await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(page.contains("This order cannot take an extra charge now"));
    let sandbox = app.sandbox.as_ref().expect("simulator");
    assert!(
        sandbox
            .transactions()
            .iter()
            .all(|t| t.token_type != Some(asiabill_sandbox::TokenType::Recurring)),
        "nothing charged"
    );
}
