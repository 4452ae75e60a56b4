//! Checkout: validation, order creation, stock reservation, idempotency, order page, expiry.

use asiabill_shop::{
    db::schema::{email_outbox, jobs, order_lines, orders},
    orders::expire::{self, Expiry},
};
use diesel::prelude::*;

use crate::helpers::{location, spawn_app, spawn_app_with};

/// Moves an order's reservation into the past rather than waiting for it.
fn age_reservation(conn: &mut asiabill_shop::db::DbConnection, order_id: i64) {
    diesel::update(orders::table.find(order_id))
        .set(orders::reservation_expires_at.eq(Some(
            asiabill_shop::db::now() - chrono::Duration::seconds(1),
        )))
        .execute(conn)
        .expect("age the order");
}

fn order_count(app: &crate::helpers::TestApp) -> i64 {
    orders::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

#[tokio::test]
async fn checkout_creates_the_order_reserves_stock_and_moves_to_payment() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 2).await;
    let before = app.stock("gooseneck-kettle");
    let response = app.checkout("hosted", &[]).await;
    assert_eq!(response.status(), 303);
    let to = location(&response);
    let token = to
        .strip_prefix("/orders/")
        .and_then(|rest| rest.strip_suffix("/pay?mode=hosted"))
        .unwrap_or_else(|| panic!("unexpected redirect {to}"));
    assert_eq!(token.len(), 64, "a 256-bit token");
    assert_eq!(app.stock("gooseneck-kettle"), before - 2, "stock reserved");

    let mut conn = app.db.get().expect("conn");
    let (number, status, total, email, state): (String, String, i64, String, Option<String>) =
        orders::table
            .filter(orders::access_token.eq(token))
            .select((
                orders::number,
                orders::status,
                orders::total_minor,
                orders::email,
                orders::billing_state,
            ))
            .first(&mut conn)
            .expect("order");
    assert!(number.starts_with('A'), "{number}");
    assert_eq!((status.as_str(), total), ("pending_payment", 10_800));
    assert_eq!(
        (email.as_str(), state.as_deref()),
        ("ana@example.com", Some("OR"))
    );
    let lines: Vec<(String, i64, i64)> = order_lines::table
        .select((
            order_lines::name,
            order_lines::unit_price_minor,
            order_lines::quantity,
        ))
        .load(&mut conn)
        .expect("lines");
    assert_eq!(lines, [("Gooseneck Kettle 900 ml".to_owned(), 5_400, 2)]);

    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains(&number));
    assert!(page.contains("Awaiting payment"));
    assert!(page.contains("$108.00"));
    assert!(page.contains("1 Harbour Street"));
    assert!(page.contains("Pay now"));

    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Your cart is empty."), "the cart was emptied");

    let (kind, to_address, subject): (String, String, String) = email_outbox::table
        .select((
            email_outbox::kind,
            email_outbox::to_address,
            email_outbox::subject,
        ))
        .first(&mut conn)
        .expect("order email queued");
    assert_eq!(kind, "order_received");
    assert_eq!(to_address, "ana@example.com");
    assert!(subject.contains(&number));
    let expiry_jobs: i64 = jobs::table
        .filter(jobs::kind.eq("orders.expire"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(expiry_jobs, 1);
}

#[tokio::test]
async fn validation_errors_keep_every_field_and_sit_beside_their_field() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 1).await;
    let response = app
        .checkout(
            "insite",
            &[
                ("email", "not-an-email"),
                ("billing_state", ""),
                ("billing_city", "Portland<script>"),
                ("billing_zip", "9"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let html = response.text().await.expect("body");
    assert!(html.contains("Please enter a valid email address."));
    assert!(html.contains("A state or province is required for this country."));
    assert!(html.contains("Please enter at least 2 characters."));
    assert!(html.contains("value=\"not-an-email\""), "typed value kept");
    assert!(
        html.contains("value=\"Portland&lt;script&gt;\"")
            || html.contains("Portland&#60;script&#62;"),
        "kept, escaped"
    );
    assert!(!html.contains("Portland<script>"));
    assert!(html.contains("value=\"Lima\""));
    assert!(html.contains("value=\"insite\" checked"));
    let email_error = html
        .find("Please enter a valid email address.")
        .expect("email error");
    let email_input = html.find("name=\"email\"").expect("email input");
    assert!(
        email_error > email_input && email_error - email_input < 600,
        "message next to its field"
    );
    assert_eq!(order_count(&app), 0);
}

#[tokio::test]
async fn a_re_posted_or_double_clicked_form_creates_one_order() {
    let app = spawn_app().await;
    app.add_to_cart("hand-grinder", 1).await;
    let page = app.get_html("/checkout").await;
    let token = crate::helpers::csrf_token(&page).expect("csrf");
    let key = crate::helpers::hidden_field(&page, "idempotency_key").expect("key");
    let fields = [
        ("csrf_token", token.as_str()),
        ("idempotency_key", key.as_str()),
        ("email", "li@example.cn"),
        ("phone", "13800138000"),
        ("billing_first_name", "Wei"),
        ("billing_last_name", "Li"),
        ("billing_address", "88 Century Avenue"),
        ("billing_city", "Shanghai"),
        ("billing_zip", "200120"),
        ("billing_country", "CN"),
        ("shipping_same", "on"),
        ("payment_mode", "insite"),
    ];
    let (a, b) = tokio::join!(
        app.post_form("/checkout", &fields),
        app.post_form("/checkout", &fields)
    );
    let again = app.post_form("/checkout", &fields).await;
    assert_eq!(a.status(), 303);
    assert_eq!(b.status(), 303);
    assert_eq!(again.status(), 303);
    assert_eq!(location(&a), location(&b));
    assert_eq!(location(&a), location(&again));
    assert_eq!(order_count(&app), 1);
    assert_eq!(app.stock("hand-grinder"), 7, "reserved once");
}

#[tokio::test]
async fn prices_and_quantities_posted_by_the_browser_are_ignored() {
    let app = spawn_app().await;
    app.add_to_cart("ceramic-mug", 2).await;
    let response = app
        .checkout(
            "hosted",
            &[
                ("total_minor", "1"),
                ("price", "0.01"),
                ("quantity", "50"),
                ("subtotal_minor", "1"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (total, subtotal): (i64, i64) = orders::table
        .select((orders::total_minor, orders::subtotal_minor))
        .first(&mut app.db.get().expect("conn"))
        .expect("order");
    assert_eq!(
        (total, subtotal),
        (3_300, 3_300),
        "2 × 16.50 from the catalogue"
    );
}

#[tokio::test]
async fn the_last_unit_cannot_be_sold_twice() {
    let app = spawn_app().await;
    let other = app.another_browser();
    app.add_to_cart("decaf-swiss-water", 3).await;
    other.add_to_cart("decaf-swiss-water", 3).await;
    let first = app.checkout("hosted", &[]).await;
    assert_eq!(first.status(), 303);
    let second = other.checkout("hosted", &[]).await;
    assert_eq!(second.status(), 409);
    let html = second.text().await.expect("body");
    assert!(
        html.contains("sold out while you were checking out"),
        "{html}"
    );
    assert_eq!(app.stock("decaf-swiss-water"), 0);
    assert_eq!(order_count(&app), 1);
}

#[tokio::test]
async fn pages_show_the_last_unit_sold_and_given_back_at_once() {
    // The listing and the product page are served from a short-lived cache: a sale or a
    // release in this shop must still show on the very next view.
    let app = spawn_app().await;
    let product = app.get_html("/products/decaf-swiss-water").await;
    assert!(product.contains("In stock"), "cached while in stock");
    let sold_out_cards = |html: &str| html.matches("is-sold-out").count();
    let sold_out_before = sold_out_cards(&app.get_html("/").await);

    app.add_to_cart("decaf-swiss-water", 3).await;
    assert_eq!(app.checkout("hosted", &[]).await.status(), 303);
    assert_eq!(app.stock("decaf-swiss-water"), 0);
    let product = app.get_html("/products/decaf-swiss-water").await;
    assert!(product.contains("Sold out"), "not the cached page");
    assert_eq!(
        sold_out_cards(&app.get_html("/").await),
        sold_out_before + 1,
        "the listing's card too"
    );

    let order_id: i64 = orders::table
        .select(orders::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("id");
    let mut conn = app.db.get().expect("conn");
    age_reservation(&mut conn, order_id);
    assert_eq!(
        expire::expire(&mut conn, order_id).expect("expire"),
        Expiry::Cancelled
    );
    let product = app.get_html("/products/decaf-swiss-water").await;
    assert!(product.contains("In stock"), "released stock shows at once");
}

#[tokio::test]
async fn an_empty_cart_cannot_check_out() {
    let app = spawn_app().await;
    let response = app.get("/checkout").await;
    assert_eq!(location(&response), "/cart");
}

#[tokio::test]
async fn order_tokens_cannot_be_guessed() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 1).await;
    let to = location(&app.checkout("hosted", &[]).await);
    let token = to
        .trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned();
    assert_eq!(app.get(&format!("/orders/{token}")).await.status(), 200);
    let mut flipped = token.clone().into_bytes();
    flipped[10] = if flipped[10] == b'a' { b'b' } else { b'a' };
    let flipped = String::from_utf8(flipped).expect("ascii");
    let number: String = orders::table
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("number");
    for guess in [flipped.as_str(), &token[..32], number.as_str(), "1"] {
        assert_eq!(
            app.get(&format!("/orders/{guess}")).await.status(),
            404,
            "{guess}"
        );
    }
    // The client resolves `/orders/../admin` to `/admin`, which shows nothing without a login.
    let r = app.get("/orders/../admin").await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/admin/login".to_owned())
    );
}

#[tokio::test]
async fn an_unpaid_order_expires_releases_its_stock_and_can_go_back_in_the_cart() {
    let app = spawn_app_with(|s| s.shop_reservation_minutes = Some("1".into())).await;
    app.add_to_cart("jasmine-pearls", 2).await;
    let before = app.stock("jasmine-pearls");
    let to = location(&app.checkout("hosted", &[]).await);
    let token = to
        .trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned();
    assert_eq!(app.stock("jasmine-pearls"), before - 2);
    let order_id: i64 = orders::table
        .select(orders::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("id");

    let mut conn = app.db.get().expect("conn");
    assert_eq!(
        expire::expire(&mut conn, order_id).expect("expire"),
        Expiry::Nothing,
        "not due yet"
    );
    age_reservation(&mut conn, order_id);
    assert_eq!(
        expire::expire(&mut conn, order_id).expect("expire"),
        Expiry::Cancelled
    );
    assert_eq!(
        expire::expire(&mut conn, order_id).expect("again"),
        Expiry::Nothing,
        "idempotent"
    );
    assert_eq!(app.stock("jasmine-pearls"), before, "stock released once");

    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("Cancelled"));
    assert!(page.contains("not paid in time"));
    assert!(!page.contains("Pay now"));
    let csrf = crate::helpers::csrf_token(&page).expect("restore form");
    let r = app
        .post_form(
            &format!("/orders/{token}/restore-cart"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(location(&r), "/cart");
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("The items are back in your cart."));
    assert!(cart.contains("Jasmine Dragon Pearls"));
}

#[tokio::test]
async fn the_expiry_job_runs_inside_serve() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 1).await;
    app.checkout("hosted", &[]).await;
    let mut conn = app.db.get().expect("conn");
    diesel::update(orders::table)
        .set(orders::reservation_expires_at.eq(Some(asiabill_shop::db::now())))
        .execute(&mut conn)
        .expect("age");
    diesel::update(jobs::table.filter(jobs::kind.eq("orders.expire")))
        .set(jobs::run_at.eq(asiabill_shop::db::now()))
        .execute(&mut conn)
        .expect("due now");
    for _ in 0..100 {
        let status: String = orders::table
            .select(orders::status)
            .first(&mut conn)
            .expect("status");
        if status == "cancelled" {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the runner inside serve did not cancel the expired order");
}

#[tokio::test]
async fn checkout_in_chinese_sends_chinese_emails() {
    let app = spawn_app().await;
    app.get("/lang/zh-CN").await;
    app.add_to_cart("sencha-green", 1).await;
    let page = app.get_html("/checkout").await;
    assert!(page.contains("账单地址"));
    assert!(page.contains("美国"));
    app.checkout("insite", &[]).await;
    let (subject, body): (String, String) = email_outbox::table
        .select((email_outbox::subject, email_outbox::body_text))
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert!(subject.contains("我们已收到您的订单"), "{subject}");
    assert!(body.contains("静冈煎茶"), "{body}");
    assert!(
        body.contains(&app.settings.public_url),
        "link to the order page"
    );
}
