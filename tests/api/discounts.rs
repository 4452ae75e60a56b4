//! Discount codes as a shopper and a merchant meet them: the code's share off the order, the
//! same amount charged at AsiaBill, each refusal shown in the form, the limits under concurrent
//! checkouts, a cancelled order giving its use back, and refunds bounded by what was paid.

use asiabill_shop::{
    db::schema::{discount_codes, email_outbox, orders},
    orders::expire,
};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin},
    gateway_calls::first_sent,
    helpers::{TestApp, location, spawn_app},
    payments::{SUCCESS, completed_return, follow_return, pay_on_hosted_page, start_hosted},
};

/// `(subtotal, discount, total, code)` of the order with page token `token`.
fn totals(app: &TestApp, token: &str) -> (i64, i64, i64, Option<String>) {
    orders::table
        .filter(orders::access_token.eq(token))
        .select((
            orders::subtotal_minor,
            orders::discount_minor,
            orders::total_minor,
            orders::discount_code,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

fn token_of(response: &reqwest::Response) -> String {
    let to = location(response);
    assert!(to.starts_with("/orders/"), "an order was placed: {to}");
    to.trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned()
}

fn orders_placed(app: &TestApp) -> i64 {
    orders::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

fn used(app: &TestApp, code: &str) -> i64 {
    discount_codes::table
        .filter(discount_codes::code.eq(code))
        .select(discount_codes::used_count)
        .first(&mut app.db.get().expect("conn"))
        .expect("code")
}

/// Creates a code through the admin's form; returns the answer.
async fn create_code(admin: &Admin, fields: &[(&str, &str)]) -> reqwest::Response {
    admin.post("/admin/discounts", fields).await
}

#[tokio::test]
async fn a_code_takes_its_share_off_and_asiabill_charges_the_same_total() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    // Typed in lower case with spaces, as shoppers do.
    let r = app
        .checkout("hosted", &[("discount_code", " welcome10 ")])
        .await;
    let token = token_of(&r);
    let (subtotal, discount, total, code) = totals(&app, &token);
    assert_eq!((subtotal, discount, total), (5400, 540, 4860));
    assert_eq!(code.as_deref(), Some("WELCOME10"));

    // The order page shows it before paying.
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("data-discount-code>WELCOME10<"), "{page}");
    assert!(page.contains("−$5.40") && page.contains("$48.60"), "{page}");

    // What AsiaBill is asked to charge is the discounted total.
    let hosted = start_hosted(&app, &token).await;
    let sent = first_sent(&app, "checkout/payment").await;
    assert_eq!(sent["orderAmount"], "48.60", "{sent}");
    let step = pay_on_hosted_page(&app, &hosted, SUCCESS).await;
    follow_return(&app, &completed_return(step)).await;
    let captured: i64 = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::captured_minor)
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    assert_eq!(captured, 4860);

    // The confirmation email names the code and the amount off.
    let text: String = email_outbox::table
        .order(email_outbox::id)
        .select(email_outbox::body_text)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert!(
        text.contains("WELCOME10") && text.contains("−$5.40"),
        "{text}"
    );

    // A refund is bounded by what was paid, not by the list price.
    let admin = admin(&app).await;
    let number: String = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("number");
    let refused = admin.refund(&number, "54.00", "too much", None).await;
    assert_ne!(refused.status(), 303, "more than was paid is refused");
    let taken = admin.refund(&number, "48.60", "all of it", None).await;
    assert_eq!(taken.status(), 303);
}

#[tokio::test]
async fn each_refusal_is_shown_next_to_the_field_and_no_order_is_placed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let r = create_code(
        &admin,
        &[
            ("code", "LATER"),
            ("kind", "fixed"),
            ("amount", "5.00"),
            ("starts_on", "2999-01-01"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let r = create_code(
        &admin,
        &[
            ("code", "GONE"),
            ("kind", "percent"),
            ("amount", "20"),
            ("starts_on", "2020-01-01"),
            ("ends_on", "2020-12-31"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);

    app.add_to_cart("earl-grey", 1).await; // $11.00, below WELCOME10's $30
    for (code, message) in [
        ("NOSUCH", "There is no such code."),
        ("LATER", "This code is not valid yet."),
        ("GONE", "This code has expired."),
        (
            "WELCOME10",
            "This code needs a subtotal of at least $30.00.",
        ),
    ] {
        let r = app.checkout("insite", &[("discount_code", code)]).await;
        assert_eq!(r.status(), 422, "{code}");
        let page = r.text().await.expect("page");
        assert!(page.contains(message), "{code}: {page}");
        assert!(
            page.contains(&format!("value=\"{code}\"")),
            "the code is kept"
        );
        assert!(
            page.contains("value=\"Portland\""),
            "the rest of the form is kept"
        );
    }
    assert_eq!(orders_placed(&app), 0);

    // A code the merchant switched off is no code at all.
    let id: i64 = discount_codes::table
        .filter(discount_codes::code.eq("WELCOME10"))
        .select(discount_codes::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("id");
    let r = admin
        .post(
            &format!("/admin/discounts/{id}/active"),
            &[("active", "false")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.add_to_cart("gooseneck-kettle", 1).await;
    let r = app
        .checkout("insite", &[("discount_code", "WELCOME10")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("There is no such code.")
    );
}

#[tokio::test]
async fn the_merchants_form_says_what_is_wrong_and_refuses_a_second_code_of_the_same_name() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let r = create_code(
        &admin,
        &[
            ("code", "x"),
            ("kind", "percent"),
            ("amount", "150"),
            ("max_uses", "0"),
        ],
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    for message in [
        "3–32 letters, digits, - or _.",
        "A whole percent from 1 to 100.",
        "A whole number, at least 1, or empty for no limit.",
    ] {
        assert!(page.contains(message), "{message}: {page}");
    }
    let r = create_code(
        &admin,
        &[("code", "welcome10"), ("kind", "fixed"), ("amount", "1")],
    )
    .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("A code with this name exists.")
    );
    let list = admin.html("/admin/discounts").await;
    assert!(list.contains("data-code=\"WELCOME10\""), "{list}");
}

#[tokio::test]
async fn a_limited_code_is_used_exactly_as_often_as_it_may_be_under_concurrent_checkouts() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let r = create_code(
        &admin,
        &[
            ("code", "THREE"),
            ("kind", "fixed"),
            ("amount", "2.00"),
            ("max_uses", "3"),
        ],
    )
    .await;
    assert_eq!(r.status(), 303);
    let shoppers: Vec<TestApp> = (0..8).map(|_| app.another_browser()).collect();
    for s in &shoppers {
        s.add_to_cart("ceramic-mug", 1).await;
    }
    let answers = futures_util::future::join_all(shoppers.iter().enumerate().map(|(i, s)| {
        let email = format!("shopper{i}@example.com");
        async move {
            s.checkout("insite", &[("discount_code", "THREE"), ("email", &email)])
                .await
                .status()
                .as_u16()
        }
    }))
    .await;
    let placed = answers.iter().filter(|s| **s == 303).count();
    let refused = answers.iter().filter(|s| **s == 422).count();
    assert_eq!((placed, refused), (3, 5), "{answers:?}");
    assert_eq!(used(&app, "THREE"), 3);
    let discounted: i64 = orders::table
        .filter(orders::discount_code.eq("THREE"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(discounted, 3);
}

#[tokio::test]
async fn one_use_per_email_and_a_cancelled_order_gives_its_use_back() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    let first = token_of(
        &app.checkout("insite", &[("discount_code", "WELCOME10")])
            .await,
    );
    assert_eq!(used(&app, "WELCOME10"), 1);

    // The same email again: refused; another email: taken.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let r = app
        .checkout("insite", &[("discount_code", "WELCOME10")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("This code was already used with this email address.")
    );
    let r = app
        .checkout(
            "insite",
            &[("discount_code", "WELCOME10"), ("email", "bea@example.com")],
        )
        .await;
    token_of(&r);
    assert_eq!(used(&app, "WELCOME10"), 2);

    // The first order is never paid: once it expires, its email may use the code again.
    let mut conn = app.db.get().expect("conn");
    let id: i64 = orders::table
        .filter(orders::access_token.eq(&first))
        .select(orders::id)
        .first(&mut conn)
        .expect("id");
    diesel::update(orders::table.find(id))
        .set(orders::reservation_expires_at.eq(Some(
            chrono::Utc::now().naive_utc() - chrono::TimeDelta::minutes(1),
        )))
        .execute(&mut conn)
        .expect("past");
    expire::expire(&mut conn, id).expect("expire");
    drop(conn);
    assert_eq!(used(&app, "WELCOME10"), 1);
    app.add_to_cart("gooseneck-kettle", 1).await;
    let again = token_of(
        &app.checkout("insite", &[("discount_code", "WELCOME10")])
            .await,
    );
    assert_eq!(totals(&app, &again).1, 540);
}
