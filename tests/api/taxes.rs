//! Taxes as a shopper and a merchant meet them: included in the prices (the default) the total
//! is unchanged and the tax is shown; added to them, AsiaBill charges the total with the tax;
//! a region's rate wins over its country's; the discount is taxed as paid; the merchant's form.

use asiabill_shop::db::schema::{email_outbox, order_lines, orders};
use diesel::prelude::*;

use crate::{
    admin_support::admin,
    gateway_calls::first_sent,
    helpers::{TestApp, location, spawn_app, spawn_app_with},
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

/// `(subtotal, discount, tax, total)` of the order with page token `token`.
fn totals(app: &TestApp, token: &str) -> (i64, i64, i64, i64) {
    orders::table
        .filter(orders::access_token.eq(token))
        .select((
            orders::subtotal_minor,
            orders::discount_minor,
            orders::tax_minor,
            orders::total_minor,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

/// A German address for the checkout form.
const TO_GERMANY: [(&str, &str); 4] = [
    ("billing_country", "DE"),
    ("billing_state", ""),
    ("billing_zip", "10115"),
    ("billing_city", "Berlin"),
];

#[tokio::test]
async fn prices_including_tax_keep_the_total_and_show_the_tax_in_it() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    let token = token_of(&app.checkout("insite", &TO_GERMANY).await);
    // $54.00 holds 19% VAT: 54.00 × 19 / 119 = 8.62.
    assert_eq!(totals(&app, &token), (5400, 0, 862, 5400));
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(page.contains("VAT 19% included"), "{page}");
    assert!(page.contains("data-tax>$8.62<"), "{page}");
    assert!(
        page.contains("data-line-tax>tax $8.62<"),
        "per line: {page}"
    );
    let email: String = email_outbox::table
        .order(email_outbox::id)
        .select(email_outbox::body_text)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    assert!(
        email.contains("VAT 19% included") && email.contains("$8.62"),
        "{email}"
    );

    // No rate for Oregon: no tax.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let token = token_of(&app.checkout("insite", &[]).await);
    assert_eq!(totals(&app, &token), (5400, 0, 0, 5400));
    assert!(
        !app.get_html(&format!("/orders/{token}"))
            .await
            .contains("data-tax>")
    );
}

#[tokio::test]
async fn prices_excluding_tax_add_it_and_asiabill_charges_the_total_with_it() {
    let app = spawn_app_with(|s| s.shop_prices_include_tax = Some("false".into())).await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    // Washington's own rate (6.5%) applies, not the United States' (none).
    let r = app
        .checkout(
            "hosted",
            &[
                ("billing_state", "WA"),
                ("billing_city", "Seattle"),
                ("billing_zip", "98101"),
            ],
        )
        .await;
    let token = token_of(&r);
    assert_eq!(totals(&app, &token), (5400, 0, 351, 5751));
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(
        page.contains("Sales tax 6.5%") && page.contains("$57.51"),
        "{page}"
    );

    start_hosted(&app, &token).await;
    let sent = first_sent(&app, "checkout/payment").await;
    assert_eq!(sent["orderAmount"], "57.51", "{sent}");
    let goods = sent["goodsDetails"].as_array().expect("goods");
    assert_eq!(
        goods.last().expect("a tax line")["goodsTitle"],
        "Sales tax",
        "{sent}"
    );
    assert_eq!(
        goods.last().expect("a tax line")["goodsPrice"],
        "3.51",
        "{sent}"
    );
}

#[tokio::test]
async fn the_discount_is_taxed_as_paid_line_by_line() {
    let app = spawn_app().await;
    app.add_to_cart("gooseneck-kettle", 1).await;
    app.add_to_cart("earl-grey", 1).await;
    let mut fields = TO_GERMANY.to_vec();
    fields.push(("discount_code", "WELCOME10"));
    let token = token_of(&app.checkout("insite", &fields).await);
    // $65.00 less 10% is $58.50; its share per line is $5.40 and $1.10, so the VAT included is
    // 19/119 of $48.60 (7.76) and of $9.90 (1.58).
    let (subtotal, discount, tax, total) = totals(&app, &token);
    assert_eq!((subtotal, discount, total), (6500, 650, 5850));
    let id: i64 = orders::table
        .filter(orders::access_token.eq(&token))
        .select(orders::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("id");
    let mut line_taxes: Vec<i64> = order_lines::table
        .filter(order_lines::order_id.eq(id))
        .select(order_lines::tax_minor)
        .load(&mut app.db.get().expect("conn"))
        .expect("lines");
    line_taxes.sort_unstable();
    assert_eq!(line_taxes, vec![158, 776]);
    assert_eq!(tax, 934, "the order's tax is its lines'");
}

#[tokio::test]
async fn the_merchant_adds_replaces_and_removes_rates() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let page = admin.html("/admin/taxes").await;
    assert!(
        page.contains("data-rate=\"US-WA\"") && page.contains("data-rate=\"DE\""),
        "{page}"
    );

    let r = admin
        .post(
            "/admin/taxes",
            &[("country", "XX"), ("name", ""), ("rate", "7.255")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("page");
    for message in [
        "A two-letter country code.",
        "1 to 40 characters.",
        "A percentage from 0 to 100, at most two decimals.",
    ] {
        assert!(page.contains(message), "{message}");
    }

    // Replacing Germany's rate changes new orders only.
    app.add_to_cart("gooseneck-kettle", 1).await;
    let before = token_of(&app.checkout("insite", &TO_GERMANY).await);
    let r = admin
        .post(
            "/admin/taxes",
            &[("country", "de"), ("name", "MwSt"), ("rate", "7")],
        )
        .await;
    assert_eq!(r.status(), 303);
    app.add_to_cart("gooseneck-kettle", 1).await;
    let after = token_of(&app.checkout("insite", &TO_GERMANY).await);
    assert_eq!(totals(&app, &before).2, 862);
    assert_eq!(totals(&app, &after).2, 353, "54.00 × 7 / 107");
    assert!(
        app.get_html(&format!("/orders/{before}"))
            .await
            .contains("VAT 19% included")
    );

    let page = admin.html("/admin/taxes").await;
    assert!(
        page.contains("MwSt") && !page.contains(">VAT</td><td class=\"num\">19%"),
        "{page}"
    );
    let id: i64 = asiabill_shop::db::schema::tax_rates::table
        .filter(asiabill_shop::db::schema::tax_rates::country.eq("DE"))
        .select(asiabill_shop::db::schema::tax_rates::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("id");
    let r = admin.post(&format!("/admin/taxes/{id}/remove"), &[]).await;
    assert_eq!(r.status(), 303);
    app.add_to_cart("gooseneck-kettle", 1).await;
    let untaxed = token_of(&app.checkout("insite", &TO_GERMANY).await);
    assert_eq!(totals(&app, &untaxed).2, 0);
}
