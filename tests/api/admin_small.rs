//! Small admin defects: the product URL's label and its category, customer names in the order
//! search, inverted date ranges, order numbers in the transactions filter, the lines export.

use asiabill_shop::db::schema::{order_lines, orders, products};
use diesel::prelude::*;

use crate::{
    admin_records::post_product,
    admin_support::{admin, order_by_number, order_by_token, paid_order},
    helpers::spawn_app,
    payments::order,
};

#[tokio::test]
async fn a_new_product_names_its_url_field_and_asks_for_a_category() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let page = admin.html("/admin/products/new").await;
    assert!(
        page.contains("URL (slug)"),
        "the slug field says what it is"
    );
    assert!(!page.contains(">Address<"));
    assert!(
        page.contains("<option value=\"\" selected>Choose a category…</option>"),
        "no category chosen for the merchant"
    );
    let before: i64 = products::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    let r = post_product(
        &admin,
        "/admin/products",
        &[
            ("category_id", ""),
            ("slug", "new-thing"),
            ("sku", "NEW-1"),
            ("name_en", "New thing"),
            ("name_zh", ""),
            ("description_en", "A thing."),
            ("description_zh", ""),
            ("price", "9.50"),
            ("stock", "3"),
            ("active", "on"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.expect("body");
    assert!(page.contains("Choose a category."), "a clear error");
    let after: i64 = products::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(before, after, "not created in some default category");
    let chinese = admin
        .client
        .get(admin.url("/admin/products/new"))
        .header("Accept-Language", "zh-CN")
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(chinese.contains("网址路径（slug）") && chinese.contains("请选择分类…"));
}

#[tokio::test]
async fn the_order_search_finds_customer_names_and_an_inverted_range_says_so() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let other = order_by_token(&app, &order(&app).await).number;
    diesel::update(orders::table.filter(orders::number.eq(&other)))
        .set((
            orders::billing_first_name.eq("Bo"),
            orders::billing_last_name.eq("Chen"),
            orders::shipping_first_name.eq("Mei"),
            orders::shipping_last_name.eq("Wong"),
        ))
        .execute(&mut app.db.get().expect("conn"))
        .expect("rename");
    let shows = |page: &str, n: &str| page.contains(&format!("data-order=\"{n}\""));
    for (q, first, second) in [
        ("ana lima", true, false),
        ("Lima", true, false),
        ("chen", false, true),
        ("mei wong", false, true),
        ("Wong", false, true),
    ] {
        let page = admin
            .html(&format!("/admin/orders?q={}", q.replace(' ', "+")))
            .await;
        assert_eq!(
            (shows(&page, &number), shows(&page, &other)),
            (first, second),
            "search {q}"
        );
    }
    let page = admin
        .html("/admin/orders?from=2026-12-10&to=2026-12-01")
        .await;
    assert!(
        page.contains("data-range-error"),
        "a message, not just nothing"
    );
    assert!(page.contains("The “From” date is after the “To” date"));
    let fine = admin
        .html("/admin/orders?from=2026-12-01&to=2026-12-10")
        .await;
    assert!(!fine.contains("data-range-error"));
}

#[tokio::test]
async fn the_transactions_filter_takes_an_order_number() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let _other = paid_order(&app).await;
    let page = admin
        .html(&format!("/admin/transactions?order_no={number}"))
        .await;
    assert!(
        page.contains(&format!("<code>{number}-1</code>")),
        "the order's attempt"
    );
    assert!(
        !page.contains(&format!("<code>{_other}-1</code>")),
        "only it"
    );
    assert!(page.contains("data-differing>0<"));
    let lower = admin
        .html(&format!(
            "/admin/transactions?order_no={}",
            number.to_lowercase()
        ))
        .await;
    assert!(lower.contains(&format!("<code>{number}-1</code>")));
    let exact = admin
        .html(&format!("/admin/transactions?order_no={number}-1"))
        .await;
    assert!(exact.contains(&format!("<code>{number}-1</code>")));
    let inverted = admin
        .html("/admin/transactions?from=2026-12-10&to=2026-12-01")
        .await;
    assert!(
        inverted.contains("The “From” date is after the “To” date; showing 2026-12-01 only."),
        "said, not silently narrowed"
    );
}

#[tokio::test]
async fn the_lines_export_has_one_row_per_order_line() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let page = admin.html("/admin/orders?status=paid").await;
    assert!(
        page.contains("href=\"/admin/order-lines.csv?status=paid\""),
        "beside the orders CSV"
    );
    let order = order_by_number(&app, &number);
    let (sku, name, quantity, unit, total): (String, String, i64, i64, i64) = order_lines::table
        .filter(order_lines::order_id.eq(order.id))
        .select((
            order_lines::sku,
            order_lines::name,
            order_lines::quantity,
            order_lines::unit_price_minor,
            order_lines::line_total_minor,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("line");
    let r = admin.get("/admin/order-lines.csv?status=paid").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("order-lines-")
    );
    let csv = r.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "number,sku,name,quantity,unit_price,line_total,currency,tax,variant"
    );
    assert_eq!(lines.len(), 2, "{csv}");
    let money = |m: i64| format!("{}.{:02}", m / 100, m % 100);
    assert_eq!(
        lines[1],
        format!(
            "{number},{sku},{name},{quantity},{},{},USD,0.00,",
            money(unit),
            money(total)
        )
    );
}
