//! Variants (issue 22 part 1), as a shopper and a merchant meet them: the product page's
//! picker, price, stock and gallery; a cart line per variant; the refusals; stock reserved
//! from the variant and given back; the variant's name and SKU on the order page, in the
//! email, in AsiaBill's `goodsDetails` and in the lines CSV; low stock counted per variant.
//! The demo's Colombia Huila is sold by grind and bag size.

use asiabill_shop::{
    db::schema::{email_outbox, orders, product_option_values, product_variants},
    orders::expire::{self, Expiry},
};
use diesel::prelude::*;

use crate::{
    admin_support::{admin, order_by_token},
    gateway_calls::first_sent,
    helpers::{TestApp, assert_is_redirect_to, location, spawn_app},
    payments::start_hosted,
};

const HUILA: &str = "colombia-huila";

/// The id of the variant with `sku`.
fn variant(app: &TestApp, sku: &str) -> i64 {
    product_variants::table
        .filter(product_variants::sku.eq(sku))
        .select(product_variants::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("variant")
}

/// The stock of the variant with `sku`.
fn variant_stock(app: &TestApp, sku: &str) -> i64 {
    product_variants::table
        .filter(product_variants::sku.eq(sku))
        .select(product_variants::stock)
        .first(&mut app.db.get().expect("conn"))
        .expect("variant")
}

/// Sets the stock and the state of the variant with `sku`, as the merchant would.
fn set_variant(app: &TestApp, sku: &str, stock: i64, active: bool) {
    diesel::update(product_variants::table.filter(product_variants::sku.eq(sku)))
        .set((
            product_variants::stock.eq(stock),
            product_variants::active.eq(active),
        ))
        .execute(&mut app.db.get().expect("conn"))
        .expect("variant");
    // As every change to the catalogue does, so that the pages show it at once.
    asiabill_shop::catalogue::cache::changed();
}

/// The id of the option value named `value` in English.
fn value(app: &TestApp, value: &str) -> String {
    product_option_values::table
        .filter(product_option_values::value_en.eq(value))
        .select(product_option_values::id)
        .first::<i64>(&mut app.db.get().expect("conn"))
        .expect("value")
        .to_string()
}

/// Posts the add-to-cart form with `fields` besides the token; returns the answer.
async fn add(app: &TestApp, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = app.csrf().await;
    let mut all = vec![("csrf_token", token.as_str())];
    all.extend_from_slice(fields);
    app.post_form("/cart/items", &all).await
}

/// Adds `quantity` of the variant `sku` of the Huila, by its id.
async fn add_variant(app: &TestApp, sku: &str, quantity: &str) -> reqwest::Response {
    let product = app.product_id(HUILA).to_string();
    let variant = variant(app, sku).to_string();
    add(
        app,
        &[
            ("product_id", &product),
            ("variant_id", &variant),
            ("quantity", quantity),
        ],
    )
    .await
}

/// The page token of the order a checkout answered with.
fn token_of(response: &reqwest::Response) -> String {
    let to = location(response);
    assert!(to.starts_with("/orders/"), "an order was placed: {to}");
    to.trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned()
}

#[tokio::test]
async fn the_product_page_offers_the_options_shows_the_chosen_variant_and_the_gallery() {
    let app = spawn_app().await;
    let page = app.get_html(&format!("/products/{HUILA}")).await;
    for shown in [
        "data-option=\"Grind\"",
        "data-option=\"Bag size\"",
        ">Whole bean<",
        ">Filter<",
        ">Espresso<",
        ">250 g<",
        ">1 kg<",
        "data-from-price>From $16.00<",
        // The first variant on sale is shown before any choice.
        "data-price>$16.00<",
        "data-sku>HCT-HUILA-WB-250<",
        "src=\"/static/images/products/colombia-huila.svg\"",
        // The gallery, after the main image.
        "src=\"/static/images/products/colombia-huila-farm.svg\"",
        "src=\"/static/images/products/colombia-huila-cup.svg\"",
        "alt=\"The farm on the slopes of Huila\"",
        // Every variant offered, with its price.
        "Espresso / 1 kg</a> · <span class=\"price\">$54.00</span>",
    ] {
        assert!(page.contains(shown), "{shown} missing: {page}");
    }

    // A variant chosen by link: its price, SKU, image, and its values selected in the picker.
    let espresso_kg = variant(&app, "HCT-HUILA-ES-1KG");
    let page = app
        .get_html(&format!("/products/{HUILA}?variant={espresso_kg}"))
        .await;
    assert!(page.contains("data-price>$54.00<"), "{page}");
    assert!(page.contains("data-sku>HCT-HUILA-ES-1KG<"));
    assert!(page.contains("<strong>Espresso / 1 kg</strong>"));
    assert!(
        page.contains(
            "src=\"/static/images/products/colombia-huila-1kg.svg\" alt=\"Colombia Huila\""
        ),
        "the variant's own image"
    );
    for value in ["Espresso", "1 kg"] {
        let id = self::value(&app, value);
        assert!(
            page.contains(&format!("<option value=\"{id}\" selected>{value}</option>")),
            "{value} selected"
        );
    }
    // A variant id that is not this product's shows the first on sale, not an error.
    let page = app
        .get_html(&format!("/products/{HUILA}?variant=999999"))
        .await;
    assert!(page.contains("data-price>$16.00<"));

    // The listing prices the product from its cheapest variant.
    let listing = app.get_html("/?category=coffee").await;
    assert!(listing.contains("From $16.00"), "{listing}");

    // In Chinese: the options, values and variant names too.
    app.get("/lang/zh-CN").await;
    let page = app
        .get_html(&format!("/products/{HUILA}?variant={espresso_kg}"))
        .await;
    for shown in [
        "研磨方式",
        "包装规格",
        "<strong>意式研磨 / 1 公斤</strong>",
        "$16.00 起",
    ] {
        assert!(page.contains(shown), "{shown} missing: {page}");
    }
}

#[tokio::test]
async fn two_variants_of_one_product_make_two_lines_with_their_names_and_prices() {
    let app = spawn_app().await;
    let product = app.product_id(HUILA).to_string();
    // Chosen with the page's selects (one `option` per option), as a browser without
    // JavaScript posts them.
    let (espresso, kilo) = (value(&app, "Espresso"), value(&app, "1 kg"));
    let r = add(
        &app,
        &[
            ("product_id", &product),
            ("option", &espresso),
            ("option", &kilo),
            ("quantity", "1"),
        ],
    )
    .await;
    assert_is_redirect_to(&r, "/cart");
    // Chosen by id, twice: one line of two.
    assert_is_redirect_to(&add_variant(&app, "HCT-HUILA-WB-250", "1").await, "/cart");
    assert_is_redirect_to(&add_variant(&app, "HCT-HUILA-WB-250", "1").await, "/cart");

    let cart = app.get_html("/cart").await;
    assert_eq!(cart.matches("data-item-id=").count(), 2, "{cart}");
    assert!(cart.contains("data-variant>Espresso / 1 kg<"), "{cart}");
    assert!(cart.contains("data-variant>Whole bean / 250 g<"));
    assert!(
        cart.contains("$54.00") && cart.contains("$32.00"),
        "2 × 16.00"
    );
    assert!(cart.contains("$86.00"), "54.00 + 32.00");
    assert!(
        cart.contains(&format!(
            "href=\"/products/{HUILA}?variant={}\"",
            variant(&app, "HCT-HUILA-ES-1KG")
        )),
        "each line links to its variant"
    );

    // The checkout's summary names the variant too.
    let checkout = app.get_html("/checkout").await;
    assert!(
        checkout.contains("Colombia Huila — Espresso / 1 kg"),
        "{checkout}"
    );
}

#[tokio::test]
async fn a_product_with_variants_needs_a_choice_of_its_own_and_refusals_lose_nothing() {
    let app = spawn_app().await;
    app.add_to_cart("ceramic-mug", 1).await;
    let product = app.product_id(HUILA).to_string();
    let kettle = app.product_id("gooseneck-kettle").to_string();
    let huila_variant = variant(&app, "HCT-HUILA-FI-250").to_string();
    let (filter, espresso) = (value(&app, "Filter"), value(&app, "Espresso"));

    let refused = [
        (
            vec![("product_id", product.as_str()), ("quantity", "1")],
            "Please choose an option (such as grind and bag size) before adding this product.",
        ),
        (
            // Another product's variant.
            vec![
                ("product_id", kettle.as_str()),
                ("variant_id", huila_variant.as_str()),
            ],
            "That choice is not available for this product.",
        ),
        (
            vec![("product_id", product.as_str()), ("variant_id", "999999")],
            "That choice is not available for this product.",
        ),
        (
            // Two values of one option: no variant is that.
            vec![
                ("product_id", product.as_str()),
                ("option", filter.as_str()),
                ("option", espresso.as_str()),
            ],
            "That choice is not available for this product.",
        ),
    ];
    for (fields, message) in refused {
        let r = add(&app, &fields).await;
        assert_eq!(r.status(), 303, "{fields:?}");
        let cart = app.get_html("/cart").await;
        assert!(cart.contains(message), "{fields:?}: {cart}");
        assert_eq!(
            cart.matches("data-item-id=").count(),
            1,
            "the mug is still there alone"
        );
    }
    let r = add(&app, &[("product_id", &product), ("variant_id", "x")]).await;
    assert_eq!(r.status(), 400, "not a number");

    // Refused from the product page, the shopper is sent back to the variant refused.
    let token = app.csrf().await;
    let page_url = app.url(&format!("/products/{HUILA}"));
    let r = app
        .client
        .post(app.url("/cart/items"))
        .header("Referer", &page_url)
        .form(&[
            ("csrf_token", token.as_str()),
            ("product_id", product.as_str()),
            ("variant_id", huila_variant.as_str()),
            ("quantity", "11"),
        ])
        .send()
        .await
        .expect("POST");
    assert_is_redirect_to(&r, &format!("/products/{HUILA}?variant={huila_variant}"));
}

#[tokio::test]
async fn a_sold_out_or_withdrawn_variant_cannot_be_added() {
    let app = spawn_app().await;
    set_variant(&app, "HCT-HUILA-ES-250", 0, true);
    let sold_out = variant(&app, "HCT-HUILA-ES-250");
    let page = app
        .get_html(&format!("/products/{HUILA}?variant={sold_out}"))
        .await;
    assert!(page.contains("stock--out\">Sold out"), "{page}");
    assert!(page.contains("This choice is sold out. Please choose another."));
    add_variant(&app, "HCT-HUILA-ES-250", "1").await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Sorry, this product is sold out."), "{cart}");
    assert!(cart.contains("Your cart is empty."));

    set_variant(&app, "HCT-HUILA-ES-1KG", 5, false);
    add_variant(&app, "HCT-HUILA-ES-1KG", "1").await;
    let cart = app.get_html("/cart").await;
    assert!(
        cart.contains("That choice is not available for this product."),
        "{cart}"
    );
    let page = app.get_html(&format!("/products/{HUILA}")).await;
    assert!(
        !page.contains("HCT-HUILA-ES-1KG") && !page.contains("Espresso / 1 kg"),
        "a withdrawn variant is not offered"
    );

    // In the cart before it sold out: the checkout refuses it by name and places nothing.
    add_variant(&app, "HCT-HUILA-FI-1KG", "2").await;
    set_variant(&app, "HCT-HUILA-FI-1KG", 1, true);
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Only 1 left in stock."), "{cart}");
    app.checkout("hosted", &[]).await;
    let placed: i64 = orders::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(placed, 0);
    assert_eq!(variant_stock(&app, "HCT-HUILA-FI-1KG"), 1);
}

#[tokio::test]
async fn stock_is_reserved_from_the_variant_and_given_back_on_expiry_and_cancel() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let sku = "HCT-HUILA-ES-1KG";
    let (before, product_before) = (variant_stock(&app, sku), app.stock(HUILA));

    add_variant(&app, sku, "3").await;
    let token = token_of(&app.checkout("hosted", &[]).await);
    assert_eq!(
        variant_stock(&app, sku),
        before - 3,
        "taken from the variant"
    );
    assert_eq!(
        app.stock(HUILA),
        product_before,
        "not from the product's row"
    );
    let page = app
        .get_html(&format!("/products/{HUILA}?variant={}", variant(&app, sku)))
        .await;
    assert!(
        page.contains("only 5 left"),
        "the page sees it at once: {page}"
    );

    // Expiry gives it back to the variant.
    let order = order_by_token(&app, &token);
    let mut conn = app.db.get().expect("conn");
    diesel::update(orders::table.find(order.id))
        .set(orders::reservation_expires_at.eq(Some(
            asiabill_shop::db::now() - chrono::Duration::seconds(1),
        )))
        .execute(&mut conn)
        .expect("age the order");
    assert_eq!(
        expire::expire(&mut conn, order.id).expect("expire"),
        Expiry::Cancelled
    );
    assert_eq!(variant_stock(&app, sku), before);
    assert_eq!(app.stock(HUILA), product_before);

    // So does the merchant's cancel.
    add_variant(&app, sku, "1").await;
    let token = token_of(&app.checkout("hosted", &[]).await);
    assert_eq!(variant_stock(&app, sku), before - 1);
    let number = order_by_token(&app, &token).number;
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/cancel"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(page.contains("Order cancelled; its items are back on sale."));
    assert_eq!(variant_stock(&app, sku), before);
    assert_eq!(app.stock(HUILA), product_before);
}

#[tokio::test]
async fn the_order_page_email_goods_details_and_lines_csv_name_the_variant_and_its_sku() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    add_variant(&app, "HCT-HUILA-ES-1KG", "1").await;
    app.add_to_cart("ceramic-mug", 1).await;
    let token = token_of(&app.checkout("hosted", &[]).await);
    let full = "Colombia Huila — Espresso / 1 kg";

    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains(full), "{page}");
    assert!(page.contains("Harbour Stoneware Mug"));

    let body: String = email_outbox::table
        .filter(email_outbox::kind.eq("order_received"))
        .select(email_outbox::body_text)
        .first(&mut app.db.get().expect("conn"))
        .expect("the order's email");
    assert!(body.contains(&format!("1 × {full}")), "{body}");

    let number = order_by_token(&app, &token).number;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains(&format!(
            "<code>HCT-HUILA-ES-1KG</code></td><td>{full}</td>"
        )),
        "{page}"
    );

    // AsiaBill's goods: the variant in the title with its SKU (goods carry no SKU field).
    start_hosted(&app, &token).await;
    let sent = first_sent(&app, "checkout/payment").await;
    let goods = sent["goodsDetails"].as_array().expect("goods");
    assert_eq!(
        goods[0]["goodsTitle"],
        format!("{full} (SKU HCT-HUILA-ES-1KG)"),
        "{sent}"
    );
    assert_eq!(goods[0]["goodsPrice"], "54.00");
    assert_eq!(goods[1]["goodsTitle"], "Harbour Stoneware Mug", "unchanged");

    let csv = admin
        .get("/admin/order-lines.csv")
        .await
        .text()
        .await
        .expect("csv");
    let mut rows = csv.lines();
    assert!(
        rows.next().is_some_and(|h| h.ends_with(",tax,variant")),
        "{csv}"
    );
    assert!(
        csv.contains(&format!(
            "{number},HCT-HUILA-ES-1KG,Colombia Huila,1,54.00,54.00,USD,0.00,Espresso / 1 kg"
        )),
        "{csv}"
    );
    assert!(
        csv.contains(&format!("{number},ceramic-mug,Harbour Stoneware Mug,1,")),
        "a line without a variant keeps the product's slug: {csv}"
    );
}

#[tokio::test]
async fn low_stock_alerts_count_variants() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    set_variant(&app, "HCT-HUILA-FI-1KG", 2, true);
    let page = admin.html("/admin").await;
    assert!(
        page.contains("data-low-stock=\"HCT-HUILA-FI-1KG\""),
        "{page}"
    );
    assert!(page.contains("Colombia Huila — Filter / 1 kg"));
    assert!(
        !page.contains("data-low-stock=\"HCT-COLOMBIA-HUILA\""),
        "the product's own row, unused, is not an alert"
    );
    // A withdrawn variant is nobody's concern.
    set_variant(&app, "HCT-HUILA-FI-1KG", 2, false);
    let page = admin.html("/admin").await;
    assert!(!page.contains("HCT-HUILA-FI-1KG"));
}

#[tokio::test]
async fn many_shoppers_adding_variants_at_once_each_get_what_they_would_alone() {
    use asiabill::Currency;
    use asiabill_shop::cart::{CartError, Carts, Wanted};

    let app = spawn_app().await;
    let usd = Currency::parse("USD").expect("USD");
    let (huila, mug) = (app.product_id(HUILA), app.product_id("ceramic-mug"));
    let (small, big) = (
        variant(&app, "HCT-HUILA-WB-250"),
        variant(&app, "HCT-HUILA-ES-1KG"),
    );
    let store = Carts::new(app.db.clone());
    let mut carts = Vec::new();
    for _ in 0..6 {
        carts.push(store.add(None, mug, 1, usd).await.expect("cart"));
    }
    // Joined, every add is queued before any runs: one batch on PostgreSQL.
    let mut adds = Vec::new();
    for (i, &cart) in carts.iter().enumerate() {
        adds.push((cart, Wanted::variant(huila, small), 2, Ok(())));
        adds.push((cart, Wanted::variant(huila, big), 1, Ok(())));
        adds.push((cart, Wanted::product(huila), 1, Err("choose")));
        adds.push((cart, Wanted::variant(mug, small), 1, Err("unknown")));
        if i == 0 {
            // The same variant twice in one batch: both count.
            adds.push((cart, Wanted::variant(huila, big), 2, Ok(())));
        }
    }
    let outcomes = futures_util::future::join_all(adds.iter().map(|&(cart, wanted, qty, _)| {
        let store = store.clone();
        async move { store.add(Some(cart), wanted, qty, usd).await }
    }))
    .await;
    for (outcome, (cart, wanted, _, expected)) in outcomes.iter().zip(&adds) {
        match expected {
            Ok(()) => assert_eq!(outcome.as_ref().ok(), Some(cart), "{wanted:?}"),
            Err("choose") => assert!(
                matches!(outcome, Err(CartError::ChooseVariant)),
                "{outcome:?}"
            ),
            Err(_) => assert!(
                matches!(outcome, Err(CartError::UnknownVariant)),
                "{outcome:?}"
            ),
        }
    }
    for (i, &cart) in carts.iter().enumerate() {
        let lines = store.lines(cart).await.expect("lines");
        let seen: Vec<(String, i64, i64)> = lines
            .iter()
            .map(|l| (l.variant_name_en.clone(), l.quantity, l.unit_price_minor))
            .collect();
        let kilos = if i == 0 { 3 } else { 1 };
        assert_eq!(
            seen,
            vec![
                (String::new(), 1, 1650),
                ("Whole bean / 250 g".to_owned(), 2, 1600),
                ("Espresso / 1 kg".to_owned(), kilos, 5400),
            ],
            "cart {i}"
        );
        assert_eq!(lines[2].sku, "HCT-HUILA-ES-1KG");
        assert_eq!(lines[2].weight_grams, 1050, "the variant's weight");
        assert_eq!(lines[1].variant_name_zh, "咖啡豆 / 250 克");
    }
}
