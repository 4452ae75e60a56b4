//! Shipping rates as a shopper and a merchant meet them: the method a European order chose is
//! in its total, on its pages, in its email and in what AsiaBill is asked for; the free
//! threshold after the discount; a rate by weight; a method or a country the rates do not
//! serve is refused and nothing is placed; the demo's US orders ship free; the merchant's
//! zones and methods; the product's weight.

use asiabill_shop::db::schema::{email_outbox, orders, products, shipping_methods, shipping_zones};
use diesel::prelude::*;

use crate::{
    admin_records::post_product,
    admin_support::admin,
    gateway_calls::first_sent,
    helpers::{TestApp, location, spawn_app},
    payments::start_hosted,
};

fn token_of(response: &reqwest::Response) -> String {
    let to = location(response);
    assert!(to.starts_with("/orders/"), "an order was placed: {to}");
    to.trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token")
        .to_owned()
}

/// `(subtotal, discount, shipping, total, method)` of the order with page token `token`.
fn totals(app: &TestApp, token: &str) -> (i64, i64, i64, i64, Option<String>) {
    orders::table
        .filter(orders::access_token.eq(token))
        .select((
            orders::subtotal_minor,
            orders::discount_minor,
            orders::shipping_minor,
            orders::total_minor,
            orders::shipping_method,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

fn order_count(app: &TestApp) -> i64 {
    orders::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

/// The id of the demo method named `name` in zone `zone`.
fn method_id(app: &TestApp, zone: &str, name: &str) -> String {
    shipping_methods::table
        .inner_join(shipping_zones::table)
        .filter(shipping_zones::name.eq(zone))
        .filter(shipping_methods::name_en.eq(name))
        .select(shipping_methods::id)
        .first::<i64>(&mut app.db.get().expect("conn"))
        .expect("a demo method")
        .to_string()
}

/// A German address for the checkout form.
const TO_GERMANY: [(&str, &str); 4] = [
    ("billing_country", "DE"),
    ("billing_state", ""),
    ("billing_zip", "10115"),
    ("billing_city", "Berlin"),
];

/// A Japanese address for the checkout form.
const TO_JAPAN: [(&str, &str); 4] = [
    ("billing_country", "JP"),
    ("billing_state", ""),
    ("billing_zip", "100-0001"),
    ("billing_city", "Tokyo"),
];

fn with<'a>(base: &[(&'a str, &'a str)], more: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = base.to_vec();
    all.extend_from_slice(more);
    all
}

#[tokio::test]
async fn a_european_order_pays_its_shipping_in_the_total_pages_email_and_asiabill_request() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 1).await;
    // No method named: the zone's first, Europe's flat standard rate ($6.00 below $50).
    let token = token_of(&app.checkout("hosted", &TO_GERMANY).await);
    assert_eq!(
        totals(&app, &token),
        (1100, 0, 600, 1700, Some("Standard".to_owned()))
    );
    let tax: i64 = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::tax_minor)
        .first(&mut app.db.get().expect("conn"))
        .expect("tax");
    assert_eq!(
        tax, 176,
        "VAT is on the goods (19/119 of $11.00), not on shipping"
    );

    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        page.contains("data-shipping-method>Standard<") && page.contains("data-shipping>$6.00<"),
        "{page}"
    );
    assert!(page.contains("$17.00"), "{page}");
    let email: String = email_outbox::table
        .order(email_outbox::id)
        .select(email_outbox::body_text)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert!(
        email.contains("Shipping · Standard  $6.00") && email.contains("$17.00"),
        "{email}"
    );

    let number: String = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::number)
        .first(&mut app.db.get().expect("conn"))
        .expect("number");
    let admin = admin(&app).await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    assert!(
        page.contains("data-shipping-method translate=\"no\">Standard<")
            && page.contains("data-shipping>$6.00<"),
        "{page}"
    );

    start_hosted(&app, &token).await;
    let sent = first_sent(&app, "checkout/payment").await;
    assert_eq!(sent["orderAmount"], "17.00", "{sent}");
    let goods = sent["goodsDetails"].as_array().expect("goods");
    let shipping = goods.last().expect("a shipping line");
    assert_eq!(
        (&shipping["goodsTitle"], &shipping["goodsPrice"]),
        (&"Standard".into(), &"6.00".into()),
        "{sent}"
    );
    // Without a discount the goods add up to the amount charged.
    let cents = |v: &serde_json::Value| -> i64 {
        let text = v.as_str().expect("a decimal string");
        let (whole, frac) = text.split_once('.').expect("two decimals");
        whole.parse::<i64>().expect("whole") * 100 + frac.parse::<i64>().expect("cents")
    };
    let sum: i64 = goods
        .iter()
        .map(|g| {
            cents(&g["goodsPrice"])
                * g["goodsCount"]
                    .as_str()
                    .expect("count")
                    .parse::<i64>()
                    .expect("n")
        })
        .sum();
    assert_eq!(sum, 1700, "{sent}");
}

#[tokio::test]
async fn the_free_threshold_counts_the_subtotal_after_the_discount() {
    let app = spawn_app().await;
    // $54.00 reaches Europe's $50.00: free.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let token = token_of(&app.checkout("insite", &TO_GERMANY).await);
    assert_eq!(
        totals(&app, &token),
        (5400, 0, 0, 5400, Some("Standard".to_owned()))
    );
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("data-shipping>Free<"), "{page}");

    // Less 10% it is $48.60, below the threshold: $6.00.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let fields = with(&TO_GERMANY, &[("discount_code", "WELCOME10")]);
    let token = token_of(&app.checkout("insite", &fields).await);
    assert_eq!(
        totals(&app, &token),
        (5400, 540, 600, 5460, Some("Standard".to_owned()))
    );
}

#[tokio::test]
async fn express_by_weight_is_priced_for_each_kilogram_started() {
    let app = spawn_app().await;
    // 1100 g and 450 g: 1.55 kg is two kilograms started, $12.00 + 2 × $4.00.
    app.add_to_cart("gooseneck-kettle", 1).await;
    app.add_to_cart("ceramic-mug", 1).await;
    let express = method_id(&app, "Europe", "Express");
    // The page for a German address offers Europe's methods, priced for this cart.
    let csrf = app.csrf().await;
    let quote = app
        .post_form(
            "/checkout",
            &with(
                &TO_GERMANY,
                &[
                    ("csrf_token", &csrf),
                    ("shipping_same", "on"),
                    ("quote", "Show shipping options"),
                ],
            ),
        )
        .await;
    assert_eq!(quote.status(), 200);
    let page = quote.text().await.expect("page");
    assert!(
        page.contains(&format!("data-shipping-price=\"{express}\">$20.00<")),
        "{page}"
    );
    assert!(page.contains("Methods for Germany"), "{page}");
    assert!(
        !page.contains("Standard (free)"),
        "only the zone of the address: {page}"
    );
    assert_eq!(order_count(&app), 0, "a quote places nothing");

    let fields = with(&TO_GERMANY, &[("shipping_method", &express)]);
    let token = token_of(&app.checkout("insite", &fields).await);
    assert_eq!(
        totals(&app, &token),
        (7050, 0, 2000, 9050, Some("Express".to_owned()))
    );
}

#[tokio::test]
async fn a_method_or_a_country_the_rates_do_not_serve_is_refused_and_nothing_is_placed() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 2).await;
    // The United States' express method, for a German address.
    let us_express = method_id(&app, "United States", "Express");
    let fields = with(&TO_GERMANY, &[("shipping_method", &us_express)]);
    let r = app.checkout("insite", &fields).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("This shipping method does not deliver to your shipping country."),
        "{page}"
    );
    let r = app
        .checkout("insite", &with(&TO_GERMANY, &[("shipping_method", "x")]))
        .await;
    assert_eq!(r.status(), 422, "not a method at all");
    assert_eq!(order_count(&app), 0);
    assert_eq!(app.stock("earl-grey"), 50, "nothing reserved");

    // Without the rest of the world, Japan is not shipped to.
    let admin = admin(&app).await;
    let rest: i64 = shipping_zones::table
        .filter(shipping_zones::countries.eq(""))
        .select(shipping_zones::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("the rest of the world");
    let r = admin
        .post(&format!("/admin/shipping/zones/{rest}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = app.checkout("insite", &TO_JAPAN).await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("Sorry, we do not ship to this country."),
        "{page}"
    );
    assert!(page.contains("Sorry, we do not ship to Japan."), "{page}");
    assert_eq!(order_count(&app), 0);
    assert_eq!(app.stock("earl-grey"), 50);
    // The cart is kept: the same cart checks out to Germany.
    let token = token_of(&app.checkout("insite", &TO_GERMANY).await);
    assert_eq!(totals(&app, &token).2, 600);
}

/// The cart cannot know the shipping yet (no country, no method): it says so rather than
/// "Free", which a shopper shipping to Europe would not be charged.
#[tokio::test]
async fn the_cart_leaves_shipping_to_the_checkout_rather_than_calling_it_free() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    let cart = app.get_html("/cart").await;
    assert!(cart.contains("Calculated at checkout"), "{cart}");
    assert!(!cart.contains("<dd>Free</dd>"), "{cart}");
}

#[tokio::test]
async fn the_checkout_prices_shipping_after_the_code_typed_as_the_order_will() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    let standard = method_id(&app, "Europe", "Standard");
    // "Show shipping options" with the code typed: $54.00 less 10% is under Europe's $50.00,
    // so Standard is not free, and the summary says what the order will charge.
    let quote = with(
        &TO_GERMANY,
        &[("discount_code", "welcome10"), ("quote", "Show")],
    );
    let response = app.checkout("insite", &quote).await;
    assert_eq!(response.status(), 200, "the page again, nothing placed");
    let page = response.text().await.expect("page");
    assert_eq!(order_count(&app), 0);
    for shown in [
        format!("data-shipping-price=\"{standard}\">$6.00<"),
        "data-summary-discount-code>WELCOME10<".to_owned(),
        "data-summary-discount>−$5.40<".to_owned(),
        "data-summary-shipping>$6.00<".to_owned(),
        "totals__grand\">$54.60<".to_owned(),
    ] {
        assert!(page.contains(&shown), "{shown}: {page}");
    }
    // A code that does not apply changes nothing on the page (placing says why).
    let quote = with(&TO_GERMANY, &[("discount_code", "NOPE"), ("quote", "Show")]);
    let page = app
        .checkout("insite", &quote)
        .await
        .text()
        .await
        .expect("page");
    assert!(!page.contains("data-summary-discount"), "{page}");
    assert!(page.contains("data-summary-shipping>Free<"), "{page}");

    // Placed as quoted: the same $54.60.
    let fields = with(
        &TO_GERMANY,
        &[
            ("discount_code", "WELCOME10"),
            ("shipping_method", &standard),
        ],
    );
    let token = token_of(&app.checkout("insite", &fields).await);
    assert_eq!(
        totals(&app, &token),
        (5400, 540, 600, 5460, Some("Standard".to_owned()))
    );
}

#[tokio::test]
async fn the_demo_ships_us_orders_free_and_lists_every_zone_before_the_country_is_known() {
    let app = spawn_app().await;
    app.add_to_cart("ceramic-mug", 2).await;
    let page = app.get_html("/checkout").await;
    for zone in ["United States", "Europe", "Rest of the world"] {
        assert!(page.contains(zone), "{zone}: {page}");
    }
    assert!(
        !page.contains("name=\"shipping_method\" value=\"1\" checked"),
        "none chosen before the country is known"
    );
    let chinese = app
        .client
        .get(app.url("/checkout"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("page");
    assert!(
        chinese.contains("配送方式") && chinese.contains("标准配送（免运费）"),
        "{chinese}"
    );

    // The form as every earlier test posts it, with no method: the US zone's first, free.
    let token = token_of(&app.checkout("hosted", &[]).await);
    assert_eq!(
        totals(&app, &token),
        (3300, 0, 0, 3300, Some("Standard (free)".to_owned()))
    );
    start_hosted(&app, &token).await;
    let sent = first_sent(&app, "checkout/payment").await;
    assert_eq!(sent["orderAmount"], "33.00");
    assert_eq!(
        sent["goodsDetails"].as_array().map(Vec::len),
        Some(1),
        "no shipping line for free shipping: {sent}"
    );

    // With no zones at all, shipping is free everywhere and no method is named.
    diesel::delete(shipping_methods::table)
        .execute(&mut app.db.get().expect("conn"))
        .expect("methods");
    diesel::delete(shipping_zones::table)
        .execute(&mut app.db.get().expect("conn"))
        .expect("zones");
    app.add_to_cart("ceramic-mug", 1).await;
    let page = app.get_html("/checkout").await;
    assert!(!page.contains("data-shipping-methods"), "{page}");
    let token = token_of(&app.checkout("hosted", &TO_JAPAN).await);
    assert_eq!(totals(&app, &token), (1650, 0, 0, 1650, None));
}

#[tokio::test]
async fn the_merchant_creates_edits_and_removes_zones_and_methods() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let page = admin.html("/admin/shipping").await;
    assert!(
        page.contains("data-zone=\"Europe\"") && page.contains("$12.00 + $4.00/kg"),
        "{page}"
    );
    assert!(page.contains("href=\"/admin/shipping\""), "in the nav");
    let chinese = admin
        .client
        .get(admin.url("/admin/shipping"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("page");
    assert!(
        chinese.contains("运费设置") && chinese.contains("按重量"),
        "{chinese}"
    );

    // Clear errors beside the fields.
    let r = admin
        .post(
            "/admin/shipping/zones",
            &[("name", ""), ("countries", "CN, XX"), ("position", "")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    assert!(
        page.contains("1 to 60 characters.")
            && page.contains("Two-letter ISO country codes separated by commas."),
        "{page}"
    );
    let r = admin
        .post(
            "/admin/shipping/zones",
            &[("name", "Asia"), ("countries", "CN, DE")],
        )
        .await;
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("A country listed is already in another zone")
    );
    let r = admin
        .post(
            "/admin/shipping/zones",
            &[("name", "Asia"), ("countries", "")],
        )
        .await;
    assert_eq!(r.status(), 409, "one rest of the world");
    let r = admin.post("/admin/shipping/zones", &[]).await;
    assert_eq!(r.status(), 422);

    let r = admin
        .post(
            "/admin/shipping/zones",
            &[("name", "Asia"), ("countries", "cn jp")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let asia: i64 = shipping_zones::table
        .filter(shipping_zones::name.eq("Asia"))
        .select(shipping_zones::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("created");
    let asia_id = asia.to_string();
    let r = admin
        .post(
            "/admin/shipping/methods",
            &[
                ("zone_id", &asia_id),
                ("name_en", "Asia Post"),
                ("name_zh", "亚洲邮政"),
                ("kind", "weight"),
                ("base", "1.234"),
                ("per_kg", ""),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("An amount such as 6 or 6.50")
    );
    let r = admin
        .post(
            "/admin/shipping/methods",
            &[
                ("zone_id", &asia_id),
                ("name_en", "Asia Post"),
                ("name_zh", "亚洲邮政"),
                ("kind", "flat"),
                ("base", "9"),
                ("free_over", "200"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let method: i64 = shipping_methods::table
        .filter(shipping_methods::name_en.eq("Asia Post"))
        .select(shipping_methods::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("created");

    // Japan now ships with Asia's method, not the rest of the world's.
    app.add_to_cart("hand-grinder", 1).await;
    let token = token_of(&app.checkout("insite", &TO_JAPAN).await);
    assert_eq!(
        totals(&app, &token),
        (8900, 0, 900, 9800, Some("Asia Post".to_owned()))
    );

    // Edited: the form shows it, the change applies to new orders only.
    let form = admin
        .html(&format!("/admin/shipping/methods/{method}"))
        .await;
    assert!(form.contains("value=\"9.00\""), "{form}");
    let r = admin
        .post(
            &format!("/admin/shipping/methods/{method}"),
            &[
                ("zone_id", &asia_id),
                ("name_en", "Asia Post"),
                ("kind", "flat"),
                ("base", "7.50"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(admin.html("/admin/shipping").await.contains("$7.50"));
    assert_eq!(
        totals(&app, &token).2,
        900,
        "a placed order keeps its amount"
    );
    let r = admin
        .post(
            &format!("/admin/shipping/zones/{asia}"),
            &[("name", "East Asia"), ("countries", "CN,JP,KR")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert!(
        admin
            .html(&format!("/admin/shipping/zones/{asia}"))
            .await
            .contains("CN, JP, KR")
    );

    // Removed: the method, then the zone (with any method left).
    let r = admin
        .post(&format!("/admin/shipping/methods/{method}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let r = admin
        .post(&format!("/admin/shipping/zones/{asia}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let page = admin.html("/admin/shipping").await;
    assert!(!page.contains("East Asia") && !page.contains("Asia Post"));
    let r = admin
        .post(&format!("/admin/shipping/zones/{asia}/remove"), &[])
        .await;
    assert_eq!(r.status(), 404);
    // Without the CSRF token nothing changes.
    let r = admin
        .client
        .post(admin.url("/admin/shipping/zones"))
        .form(&[("name", "Nowhere"), ("countries", "AU")])
        .send()
        .await
        .expect("POST");
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn the_product_form_sets_the_weight_the_rates_use() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let id = app.product_id("earl-grey");
    let form = admin.html(&format!("/admin/products/{id}")).await;
    assert!(
        form.contains("name=\"weight\"") && form.contains("value=\"120\""),
        "{form}"
    );
    let category: i64 = products::table
        .find(id)
        .select(products::category_id)
        .first(&mut app.db.get().expect("conn"))
        .expect("category");
    let category = category.to_string();
    let mut fields = vec![
        ("category_id", category.as_str()),
        ("slug", "earl-grey"),
        ("sku", "HCT-EARL-GREY"),
        ("name_en", "Earl Grey Supreme"),
        ("name_zh", "特级伯爵红茶"),
        ("description_en", "Tea."),
        ("description_zh", ""),
        ("price", "11.00"),
        ("stock", "50"),
        ("active", "on"),
        ("weight", "heavy"),
    ];
    let path = format!("/admin/products/{id}");
    let r = post_product(&admin, &path, &fields, None).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .expect("page")
            .contains("A whole number of grams")
    );
    fields.retain(|(k, _)| *k != "weight");
    fields.push(("weight", "2600"));
    let r = post_product(&admin, &path, &fields, None).await;
    assert_eq!(r.status(), 303);
    let weight: i64 = products::table
        .find(id)
        .select(products::weight_grams)
        .first(&mut app.db.get().expect("conn"))
        .expect("weight");
    assert_eq!(weight, 2600);

    // 2.6 kg is three kilograms started by Europe's express: $12.00 + 3 × $4.00.
    app.add_to_cart("earl-grey", 1).await;
    let express = method_id(&app, "Europe", "Express");
    let fields = with(&TO_GERMANY, &[("shipping_method", &express)]);
    let token = token_of(&app.checkout("insite", &fields).await);
    assert_eq!(totals(&app, &token).2, 2400);
}
