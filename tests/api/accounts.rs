//! Shopper accounts over HTTP: sign-up, the emailed links (verify, reset), sign-in with its
//! throttle, "My account" with its orders, and saved addresses filling the checkout.

use asiabill_shop::db::schema::{email_outbox, orders, shopper_addresses};
use diesel::prelude::*;

use crate::{
    helpers::{TestApp, assert_is_redirect_to, client, csrf_token, location, spawn_app},
    payments::order,
};

const PASSWORD: &str = "harbour-blend-42";

/// The path of the newest emailed link of `kind` sent to `to` (`/account/verify/…`), read from
/// the outbox as the shopper would read it in the email.
fn emailed_link(app: &TestApp, kind: &str, to: &str) -> String {
    let body: String = email_outbox::table
        .filter(email_outbox::kind.eq(kind))
        .filter(email_outbox::to_address.eq(to))
        .order(email_outbox::id.desc())
        .select(email_outbox::body_text)
        .first(&mut app.db.get().expect("conn"))
        .unwrap_or_else(|e| panic!("no {kind} email to {to}: {e}"));
    let start = body.find("/account/").expect("a link in the email");
    let path: String = body[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert_eq!(path.rsplit('/').next().map(str::len), Some(64), "{path}");
    path
}

fn emails_of_kind(app: &TestApp, kind: &str) -> i64 {
    email_outbox::table
        .filter(email_outbox::kind.eq(kind))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

async fn form_token(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let html = client
        .get(app.url(path))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    csrf_token(&html)
        .or_else(|| crate::helpers::meta_csrf_token(&html))
        .unwrap_or_else(|| panic!("no csrf token on {path}"))
}

pub(crate) async fn sign_up(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
) -> reqwest::Response {
    let token = form_token(app, client, "/account/signup").await;
    client
        .post(app.url("/account/signup"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("name", "Ana"),
            ("password", PASSWORD),
            ("password_again", PASSWORD),
        ])
        .send()
        .await
        .expect("POST signup")
}

/// Signs in with the tests' password (for other test modules).
pub(crate) async fn sign_in_for_tests(app: &TestApp, client: &reqwest::Client, email: &str) {
    let r = sign_in(app, client, email, PASSWORD).await;
    assert!(r.status().is_redirection(), "signed in");
}

async fn sign_in(
    app: &TestApp,
    client: &reqwest::Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = form_token(app, client, "/account/signin").await;
    client
        .post(app.url("/account/signin"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .expect("POST signin")
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> (u16, String) {
    let r = client.get(app.url(path)).send().await.expect("GET");
    let status = r.status().as_u16();
    (status, r.text().await.expect("body"))
}

pub(crate) fn order_number(app: &TestApp, token: &str) -> String {
    orders::table
        .filter(orders::access_token.eq(token))
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

#[tokio::test]
async fn a_verified_account_sees_its_guest_orders_and_an_unverified_one_does_not() {
    let app = spawn_app().await;
    // A guest order first, with the email the account will have.
    let guest = order_number(&app, &order(&app).await);

    let shopper = client();
    let r = sign_up(&app, &shopper, "ana@example.com").await;
    assert_is_redirect_to(&r, "/account");
    assert!(
        r.headers().get_all("set-cookie").iter().any(|c| c
            .to_str()
            .is_ok_and(|c| c.starts_with("shopper_session=")
                && c.contains("HttpOnly")
                && c.contains("SameSite=Lax"))),
        "a session cookie, HttpOnly and SameSite"
    );
    let (status, home) = page(&app, &shopper, "/account").await;
    assert_eq!(status, 200);
    assert!(home.contains("My account") && home.contains("ana@example.com"));
    assert!(
        home.contains("data-verified=\"no\""),
        "asks to confirm the email"
    );
    assert!(
        !home.contains(&guest),
        "an unverified sign-up with this address sees none of its guest orders"
    );

    // The link in the email verifies the address and brings the guest order in.
    let link = emailed_link(&app, "verify_email", "ana@example.com");
    let r = shopper.get(app.url(&link)).send().await.expect("GET link");
    assert_is_redirect_to(&r, "/account");
    let (_, home) = page(&app, &shopper, "/account").await;
    assert!(home.contains(&guest), "the guest order is in the account");
    assert!(home.contains("1 earlier orders placed with it are now in your account"));
    assert!(!home.contains("data-verified=\"no\""));

    // A link works once.
    let r = shopper
        .get(app.url(&link))
        .send()
        .await
        .expect("GET link again");
    assert_is_redirect_to(&r, "/account");
    let (_, home) = page(&app, &shopper, "/account").await;
    assert!(home.contains("This confirmation link no longer works"));

    // A second account cannot take the address.
    let other = client();
    let r = sign_up(&app, &other, "Ana@Example.com").await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.expect("body").contains("already exists"));

    // Signed out, the account page asks to sign in and comes back to it.
    let token = form_token(&app, &shopper, "/account").await;
    let r = shopper
        .post(app.url("/account/signout"))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("signout");
    assert_is_redirect_to(&r, "/");
    let r = shopper.get(app.url("/account")).send().await.expect("GET");
    assert_is_redirect_to(&r, "/account/signin?next=%2Faccount");
    assert_eq!(
        r.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );

    // Wrong password: the same words whether the account exists or not.
    let r = sign_in(&app, &shopper, "ana@example.com", "not the password").await;
    assert_eq!(r.status(), 200);
    let wrong = r.text().await.expect("body");
    assert!(wrong.contains("The email or the password is not right."));
    let r = sign_in(&app, &shopper, "nobody@example.com", "not the password").await;
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("The email or the password is not right.")
    );

    let r = sign_in(&app, &shopper, "ANA@example.com", PASSWORD).await;
    assert_is_redirect_to(&r, "/account");
    let (status, home) = page(&app, &shopper, "/account").await;
    assert_eq!(status, 200);
    assert!(home.contains(&guest));
}

#[tokio::test]
async fn guest_orders_placed_after_verification_join_at_the_next_sign_in() {
    let app = spawn_app().await;
    let shopper = client();
    sign_up(&app, &shopper, "ana@example.com").await;
    let link = emailed_link(&app, "verify_email", "ana@example.com");
    shopper.get(app.url(&link)).send().await.expect("verify");

    // Placed as a guest (another browser), after the account was verified.
    let later = order_number(&app, &order(&app).await);
    let (_, home) = page(&app, &shopper, "/account").await;
    assert!(!home.contains(&later));

    let fresh = client();
    let r = sign_in(&app, &fresh, "ana@example.com", PASSWORD).await;
    assert_is_redirect_to(&r, "/account");
    let (_, home) = page(&app, &fresh, "/account").await;
    assert!(home.contains(&later), "claimed at sign-in");
}

#[tokio::test]
async fn a_reset_link_works_once_signs_out_everywhere_and_replaces_the_password() {
    let app = spawn_app().await;
    let laptop = client();
    sign_up(&app, &laptop, "ana@example.com").await;
    assert_eq!(page(&app, &laptop, "/account").await.0, 200);

    // The form answers the same for an address without an account, and sends nothing then.
    let anyone = client();
    for email in ["nobody@example.com", "ana@example.com"] {
        let token = form_token(&app, &anyone, "/account/forgot").await;
        let r = anyone
            .post(app.url("/account/forgot"))
            .form(&[("csrf_token", token.as_str()), ("email", email)])
            .send()
            .await
            .expect("forgot");
        assert_eq!(r.status(), 200);
        let html = r.text().await.expect("body");
        assert!(html.contains("data-forgot=\"sent\""), "{email}");
        assert!(html.contains(&format!("If an account exists for {email}")));
    }
    assert_eq!(emails_of_kind(&app, "reset_password"), 1);

    let link = emailed_link(&app, "reset_password", "ana@example.com");
    let phone = client();
    let (status, form) = page(&app, &phone, &link).await;
    assert_eq!(status, 200);
    let token = csrf_token(&form).expect("csrf");
    let r = phone
        .post(app.url(&link))
        .form(&[
            ("csrf_token", token.as_str()),
            ("password", "short"),
            ("password_again", "short"),
        ])
        .send()
        .await
        .expect("reset");
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("at least 8 characters")
    );
    let r = phone
        .post(app.url(&link))
        .form(&[
            ("csrf_token", token.as_str()),
            ("password", "a brand new one"),
            ("password_again", "a brand new one"),
        ])
        .send()
        .await
        .expect("reset");
    assert_is_redirect_to(&r, "/account");
    assert_eq!(page(&app, &phone, "/account").await.0, 200, "signed in");

    // The laptop's session ended; the old password no longer works, the new one does.
    let r = laptop.get(app.url("/account")).send().await.expect("GET");
    assert_is_redirect_to(&r, "/account/signin?next=%2Faccount");
    let r = sign_in(&app, &laptop, "ana@example.com", PASSWORD).await;
    assert_eq!(r.status(), 200, "the old password is refused");
    let r = sign_in(&app, &laptop, "ana@example.com", "a brand new one").await;
    assert_is_redirect_to(&r, "/account");

    // The link is spent; the reset also verified the email (it reached the mailbox).
    let (status, html) = page(&app, &anyone, &link).await;
    assert_eq!(status, 410);
    assert!(html.contains("data-reset=\"dead\""));
    let (_, home) = page(&app, &laptop, "/account").await;
    assert!(!home.contains("data-verified=\"no\""));
}

#[tokio::test]
async fn reset_links_are_limited_per_hour() {
    let app = spawn_app().await;
    sign_up(&app, &client(), "ana@example.com").await;
    let anyone = client();
    for _ in 0..5 {
        let token = form_token(&app, &anyone, "/account/forgot").await;
        let r = anyone
            .post(app.url("/account/forgot"))
            .form(&[("csrf_token", token.as_str()), ("email", "ana@example.com")])
            .send()
            .await
            .expect("forgot");
        assert_eq!(r.status(), 200);
    }
    assert_eq!(emails_of_kind(&app, "reset_password"), 3);
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_the_right_password_waits_too() {
    let app = spawn_app().await;
    sign_up(&app, &client(), "ana@example.com").await;
    let guesser = client();
    for _ in 0..4 {
        let r = sign_in(&app, &guesser, "ana@example.com", "guess guess").await;
        assert_eq!(r.status(), 200);
    }
    let r = sign_in(&app, &guesser, "ana@example.com", "guess guess").await;
    assert_eq!(r.status(), 429, "the fifth failure locks the account");
    assert!(r.headers().get("retry-after").is_some());
    let r = sign_in(&app, &client(), "ana@example.com", PASSWORD).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.expect("body").contains("Too many attempts"));
}

#[tokio::test]
async fn saved_addresses_fill_the_checkout_and_stay_with_their_account() {
    let app = spawn_app().await;
    let ana = client();
    sign_up(&app, &ana, "ana@example.com").await;

    // A bad address is shown back with its problems; a good one is saved as the default.
    let token = form_token(&app, &ana, "/account").await;
    let address = |zip: &'static str| {
        vec![
            ("csrf_token", token.clone()),
            ("address_first_name", "Ana".to_owned()),
            ("address_last_name", "Lima".to_owned()),
            ("address_address", "7 Quay Road".to_owned()),
            ("address_city", "Portland".to_owned()),
            ("address_state", "OR".to_owned()),
            ("address_zip", zip.to_owned()),
            ("address_country", "US".to_owned()),
            ("phone", "+1 503 555 0199".to_owned()),
        ]
    };
    let r = ana
        .post(app.url("/account/addresses"))
        .form(&address(""))
        .send()
        .await
        .expect("add");
    assert_eq!(r.status(), 422);
    let html = r.text().await.expect("body");
    assert!(html.contains("7 Quay Road"), "the typed fields are kept");
    let r = ana
        .post(app.url("/account/addresses"))
        .form(&address("97209"))
        .send()
        .await
        .expect("add");
    assert_is_redirect_to(&r, "/account#addresses");
    let (_, home) = page(&app, &ana, "/account").await;
    assert!(home.contains("7 Quay Road") && home.contains("data-default"));

    // The checkout starts from the account's email and its default address.
    let token = form_token(&app, &ana, "/").await;
    let id = app.product_id("gooseneck-kettle").to_string();
    ana.post(app.url("/cart/items"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("product_id", &id),
            ("quantity", "1"),
        ])
        .send()
        .await
        .expect("add to cart");
    let (_, checkout) = page(&app, &ana, "/checkout").await;
    let value = |name: &str| {
        crate::helpers::first_attribute(&checkout, &format!(r#"input[name="{name}"]"#), "value")
    };
    assert_eq!(value("email").as_deref(), Some("ana@example.com"));
    assert_eq!(value("billing_address").as_deref(), Some("7 Quay Road"));
    assert_eq!(value("billing_zip").as_deref(), Some("97209"));
    assert_eq!(value("phone").as_deref(), Some("+1 503 555 0199"));

    // Placed signed in (not yet verified): the order is the account's; a new address ticked
    // "save" joins the account's list.
    let token = csrf_token(&checkout).expect("csrf");
    let key = crate::helpers::hidden_field(&checkout, "idempotency_key").expect("key");
    let r = ana
        .post(app.url("/checkout"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("idempotency_key", key.as_str()),
            ("email", "ana@example.com"),
            ("phone", "+1 503 555 0199"),
            ("billing_first_name", "Ana"),
            ("billing_last_name", "Lima"),
            ("billing_address", "12 Pier Lane"),
            ("billing_city", "Portland"),
            ("billing_state", "OR"),
            ("billing_zip", "97210"),
            ("billing_country", "US"),
            ("shipping_same", "on"),
            ("save_address", "on"),
            ("payment_mode", "hosted"),
        ])
        .send()
        .await
        .expect("checkout");
    let to = location(&r);
    assert!(to.starts_with("/orders/"), "{to}");
    let token = to
        .trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token");
    let number = order_number(&app, token);
    let (_, home) = page(&app, &ana, "/account").await;
    assert!(home.contains(&number), "the signed-in order is listed");
    assert!(
        home.contains("12 Pier Lane"),
        "the ticked address was saved"
    );

    // Another account can neither change nor delete Ana's addresses.
    let theirs: i64 = shopper_addresses::table
        .select(shopper_addresses::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("an address");
    let eve = client();
    sign_up(&app, &eve, "eve@example.com").await;
    let token = form_token(&app, &eve, "/account").await;
    for action in ["delete", "default"] {
        let r = eve
            .post(app.url(&format!("/account/addresses/{theirs}/{action}")))
            .form(&[("csrf_token", token.as_str())])
            .send()
            .await
            .expect("post");
        assert_eq!(r.status(), 404, "{action}");
    }
    let left: i64 = shopper_addresses::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(left, 2);

    // Ana deletes her default: the other becomes the default.
    let token = form_token(&app, &ana, "/account").await;
    let r = ana
        .post(app.url(&format!("/account/addresses/{theirs}/delete")))
        .form(&[("csrf_token", token.as_str())])
        .send()
        .await
        .expect("delete");
    assert_is_redirect_to(&r, "/account#addresses");
    let (_, home) = page(&app, &ana, "/account").await;
    assert!(!home.contains("7 Quay Road") && home.contains("12 Pier Lane"));
    assert!(home.contains("data-default"));
}

#[tokio::test]
async fn the_account_pages_and_emails_speak_chinese() {
    let app = spawn_app().await;
    let zh = client();
    zh.get(app.url("/lang/zh-CN")).send().await.expect("lang");
    let (status, html) = page(&app, &zh, "/account/signin").await;
    assert_eq!(status, 200);
    assert!(html.contains("忘记密码？"));
    let r = sign_up(&app, &zh, "li@example.com").await;
    assert_is_redirect_to(&r, "/account");
    let (_, home) = page(&app, &zh, "/account").await;
    assert!(home.contains("我的订单") && home.contains("我的地址"));
    let subject: String = email_outbox::table
        .filter(email_outbox::kind.eq("verify_email"))
        .select(email_outbox::subject)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert_eq!(subject, "请确认您的邮箱地址");
}

#[tokio::test]
async fn account_forms_without_the_csrf_token_are_refused() {
    let app = spawn_app().await;
    let r = app
        .post_form(
            "/account/signup",
            &[
                ("email", "ana@example.com"),
                ("name", "Ana"),
                ("password", PASSWORD),
                ("password_again", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let count: i64 = asiabill_shop::db::schema::shoppers::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_reset_link_posted_twice_at_once_changes_the_password_once() {
    let app = spawn_app().await;
    sign_up(&app, &client(), "ana@example.com").await;
    let anyone = client();
    let token = form_token(&app, &anyone, "/account/forgot").await;
    anyone
        .post(app.url("/account/forgot"))
        .form(&[("csrf_token", token.as_str()), ("email", "ana@example.com")])
        .send()
        .await
        .expect("forgot");
    let link = emailed_link(&app, "reset_password", "ana@example.com");
    let (a, b) = (client(), client());
    let (ta, tb) = (
        form_token(&app, &a, &link).await,
        form_token(&app, &b, &link).await,
    );
    let post = |c: &reqwest::Client, token: String, password: &'static str| {
        c.post(app.url(&link))
            .form(&[
                ("csrf_token", token),
                ("password", password.to_owned()),
                ("password_again", password.to_owned()),
            ])
            .send()
    };
    let (ra, rb) = tokio::join!(
        post(&a, ta, "first new one"),
        post(&b, tb, "second new one")
    );
    let mut statuses = [
        ra.expect("a").status().as_u16(),
        rb.expect("b").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [303, 410], "one reset, one spent link");
    let first = sign_in(&app, &client(), "ana@example.com", "first new one").await;
    let second = sign_in(&app, &client(), "ana@example.com", "second new one").await;
    let worked = [first, second]
        .iter()
        .filter(|r| r.status().is_redirection())
        .count();
    assert_eq!(
        worked, 1,
        "exactly one of the two passwords is the account's"
    );
}

#[tokio::test]
async fn a_verify_link_opened_by_the_mailbox_owner_does_not_hand_orders_to_whoever_signed_up() {
    let app = spawn_app().await;
    // The mailbox's owner shops as a guest.
    let guest = order_number(&app, &order(&app).await);
    // Somebody else signs up with that address.
    let intruder = client();
    sign_up(&app, &intruder, "ana@example.com").await;
    let link = emailed_link(&app, "verify_email", "ana@example.com");

    // The owner (or their mail provider's link scanner) opens the link: it is not used.
    let owner = client();
    let r = owner.get(app.url(&link)).send().await.expect("GET link");
    assert!(
        location(&r).starts_with("/account/signin?next="),
        "asks to sign in to the account first"
    );
    let (_, home) = page(&app, &intruder, "/account").await;
    assert!(home.contains("data-verified=\"no\""), "still unverified");
    assert!(!home.contains(&guest), "the guest order stays the guest's");

    // Only a browser signed in to the account itself can use it.
    let r = intruder.get(app.url(&link)).send().await.expect("GET link");
    assert_is_redirect_to(&r, "/account");
}

#[tokio::test]
async fn signing_in_gives_the_browser_a_new_form_token_and_keeps_its_cart() {
    let app = spawn_app().await;
    sign_up(&app, &client(), "ana@example.com").await;
    app.add_to_cart("gooseneck-kettle", 2).await;
    let before = form_token(&app, &app.client, "/").await;
    let r = sign_in(&app, &app.client, "ana@example.com", PASSWORD).await;
    assert_is_redirect_to(&r, "/account");
    let after = form_token(&app, &app.client, "/").await;
    assert_ne!(
        before, after,
        "a token known before sign-in is worth nothing after"
    );
    let cart = app.get_html("/cart").await;
    assert!(
        cart.contains("/products/gooseneck-kettle"),
        "the cart is kept"
    );
}
