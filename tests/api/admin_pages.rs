//! Every admin page, in English and Chinese; the dashboard, order list with filters and CSV, the
//! order page's timeline, the outbox and the go-live checklist.

use asiabill_shop::db::schema::{
    audit_log, email_outbox, payment_attempts, products, webhook_events,
};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin, order_by_number, order_by_token, paid_order},
    helpers::{TestApp, spawn_app},
    payments::order,
};

/// A text key shows itself when it has no translation: no page may show one.
fn assert_translated(path: &str, page: &str) {
    for (at, _) in page.match_indices("admin.") {
        assert!(
            page[at..].starts_with("admin.css"),
            "untranslated key on {path}: {}",
            &page[at..(at + 40).min(page.len())]
        );
    }
}

/// Page `path` as an admin reading Chinese sees it.
pub async fn zh(admin: &Admin, path: &str) -> String {
    let r = admin
        .client
        .get(admin.url(path))
        .header("Accept-Language", "zh-CN,zh;q=0.9")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200, "GET {path} in Chinese");
    r.text().await.expect("body")
}

/// Ships order `number` and refunds 1.00 of it, so that its page has every section filled.
pub async fn ship_and_refund(admin: &Admin, number: &str) {
    admin
        .post_then(
            &format!("/admin/orders/{number}/shipments"),
            &[
                ("lc_code", "UPS"),
                ("tracking_number", "1Z999AA10123456784"),
                ("tracking_url", "https://www.ups.com/track"),
            ],
            &format!("/admin/orders/{number}"),
        )
        .await;
    admin.refund(number, "1.00", "goodwill", None).await;
}

/// Every admin page, with order `number` and the first webhook, email and product as the ones
/// shown on their own pages.
pub fn every_admin_page(app: &TestApp, number: &str) -> Vec<String> {
    let mut conn = app.db.get().expect("conn");
    let webhook: i64 = webhook_events::table
        .select(webhook_events::id)
        .first(&mut conn)
        .expect("a webhook arrived");
    let email: i64 = email_outbox::table
        .select(email_outbox::id)
        .first(&mut conn)
        .expect("an email");
    let product: i64 = products::table
        .select(products::id)
        .first(&mut conn)
        .expect("a product");
    let call: i64 = asiabill_shop::db::schema::gateway_calls::table
        .select(asiabill_shop::db::schema::gateway_calls::id)
        .first(&mut conn)
        .expect("a call to AsiaBill was logged");
    vec![
        "/admin".to_owned(),
        "/admin/orders".to_owned(),
        format!("/admin/orders/{number}"),
        "/admin/refunds".to_owned(),
        "/admin/transactions".to_owned(),
        "/admin/webhooks".to_owned(),
        format!("/admin/webhooks/{webhook}"),
        "/admin/chargebacks".to_owned(),
        "/admin/products".to_owned(),
        "/admin/products/new".to_owned(),
        format!("/admin/products/{product}"),
        "/admin/outbox".to_owned(),
        format!("/admin/outbox/{email}"),
        "/admin/go-live".to_owned(),
        "/admin/shipping".to_owned(),
        "/admin/shipping/zones/new".to_owned(),
        "/admin/shipping/methods/new".to_owned(),
        "/admin/gateway-calls".to_owned(),
        format!("/admin/gateway-calls/{call}"),
    ]
}

#[tokio::test]
async fn every_admin_page_renders_in_english_and_in_chinese() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    ship_and_refund(&admin, &number).await;
    let pages = every_admin_page(&app, &number);
    for path in &pages {
        let page = admin.html(path).await;
        assert!(page.contains("class=\"admin-shell\""), "{path}");
        assert!(page.contains("/static/css/admin.css"), "{path}");
        assert!(page.contains("data-admin-email"), "{path}");
        assert!(
            page.contains("env-banner--local"),
            "the test banner on {path}"
        );
        assert!(
            !page.contains("cart-link"),
            "no cart in the admin area: {path}"
        );
        assert_translated(path, &page);
        let chinese = zh(&admin, path).await;
        assert!(
            chinese.contains("lang=\"zh-CN\"") && chinese.contains("退出登录"),
            "{path}"
        );
        assert_translated(path, &chinese);
    }
    for missing in [
        "/admin/orders/A99999",
        "/admin/webhooks/99999",
        "/admin/outbox/99999",
        "/admin/products/99999",
    ] {
        assert_eq!(admin.get(missing).await.status(), 404, "{missing}");
    }
}

#[tokio::test]
async fn the_dashboard_counts_orders_and_revenue_and_draws_the_chart() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let page = admin.html("/admin").await;
    assert!(page.contains("data-stat=\"today-orders\">0<"));
    assert!(page.contains("Nothing needs attention."));
    let number = paid_order(&app).await;
    order(&app).await;
    let total = order_by_number(&app, &number).total_minor;
    let shown = format!("${}.{:02}", total / 100, total % 100);
    let page = admin.html("/admin").await;
    assert!(
        page.contains("data-stat=\"today-orders\">2<"),
        "both orders placed today"
    );
    assert!(
        page.contains(&format!("data-stat=\"today-revenue\">{shown}<")),
        "{shown}"
    );
    assert!(page.contains(&format!("data-stat=\"recent-revenue\">{shown}<")));
    assert!(
        page.contains("<svg class=\"revenue-chart\""),
        "inline chart"
    );
    assert_eq!(
        page.matches("class=\"revenue-chart__bar\"").count(),
        30,
        "one bar a day"
    );
    assert!(!page.contains("<script"), "no script, no CDN");
    assert!(page.contains(">Paid</span>"), "payments by status");
}

#[tokio::test]
async fn orders_are_filtered_searched_and_exported() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let paid = paid_order(&app).await;
    let pending = order_by_token(&app, &order(&app).await).number;
    let trade_no: Option<String> = payment_attempts::table
        .select(payment_attempts::trade_no)
        .first(&mut app.db.get().expect("conn"))
        .expect("attempt");
    let trade_no = trade_no.expect("trade number");
    let shows = |page: &str, number: &str| page.contains(&format!("data-order=\"{number}\""));

    let all = admin.html("/admin/orders").await;
    assert!(shows(&all, &paid) && shows(&all, &pending));
    let only_paid = admin.html("/admin/orders?status=paid").await;
    assert!(shows(&only_paid, &paid) && !shows(&only_paid, &pending));
    assert!(
        only_paid.contains("<option value=\"paid\" selected>"),
        "the filter is kept"
    );
    let unpaid = admin.html("/admin/orders?payment=paid").await;
    assert!(shows(&unpaid, &paid) && !shows(&unpaid, &pending));
    let by_number = admin
        .html(&format!("/admin/orders?q={}", pending.to_lowercase()))
        .await;
    assert!(shows(&by_number, &pending) && !shows(&by_number, &paid));
    let by_trade = admin.html(&format!("/admin/orders?q={trade_no}")).await;
    assert!(shows(&by_trade, &paid) && !shows(&by_trade, &pending));
    let by_email = admin.html("/admin/orders?q=ANA@example").await;
    assert!(shows(&by_email, &paid) && shows(&by_email, &pending));
    let tomorrow = (chrono::Utc::now().date_naive() + chrono::Duration::days(1)).to_string();
    let later = admin.html(&format!("/admin/orders?from={tomorrow}")).await;
    assert!(!shows(&later, &paid) && later.contains("data-count>0<"));
    let today = chrono::Utc::now().date_naive().to_string();
    let window = admin
        .html(&format!(
            "/admin/orders?from={today}&to={today}&status=paid"
        ))
        .await;
    assert!(shows(&window, &paid));
    assert!(
        window.contains("href=\"/admin/orders.csv?status=paid&#38;from="),
        "export keeps the filters"
    );

    let r = admin.get("/admin/orders.csv?status=paid").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/csv")
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("attachment")
    );
    let csv = r.text().await.expect("body");
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("number,placed_at,status"), "{csv}");
    assert_eq!(lines.len(), 2, "{csv}");
    let total = order_by_number(&app, &paid).total_minor;
    assert!(lines[1].starts_with(&format!("{paid},")));
    assert!(
        lines[1].contains(&format!(
            ",paid,unfulfilled,ana@example.com,Ana Lima,US,USD,{}.{:02},",
            total / 100,
            total % 100
        )),
        "{}",
        lines[1]
    );
    let exported: i64 = audit_log::table
        .filter(audit_log::action.eq("orders.export"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(exported, 1, "the export is audited");
}

#[tokio::test]
async fn the_order_page_shows_lines_addresses_attempts_and_the_whole_timeline() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let page = admin.html(&format!("/admin/orders/{number}")).await;
    for expected in [
        "data-order-status=\"paid\"",
        "Gooseneck",
        "1 Harbour Street",
        "Portland, OR 97201",
        "ana@example.com",
        &format!("data-attempt=\"{number}-1\""),
        "data-attempt-status=\"paid\"",
        "424242***4242",
        "data-event=\"payment_paid\"",
        "Sync from AsiaBill",
    ] {
        assert!(page.contains(expected), "{expected}");
    }
    let page = admin
        .post_then(
            &format!("/admin/orders/{number}/sync"),
            &[],
            &format!("/admin/orders/{number}"),
        )
        .await;
    assert!(
        page.contains(&format!("Synced from AsiaBill: {number}-1: already paid")),
        "flash"
    );
    assert!(
        page.contains("<code>order.sync</code>"),
        "in the order's admin actions"
    );
}

#[tokio::test]
async fn the_outbox_lists_emails_and_shows_one() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let number = paid_order(&app).await;
    let page = admin.html("/admin/outbox").await;
    assert!(page.contains("data-email=\"order_received\""));
    assert!(page.contains("data-email=\"payment_succeeded\""));
    let id: i64 = email_outbox::table
        .filter(email_outbox::kind.eq("order_received"))
        .select(email_outbox::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("email");
    let page = admin.html(&format!("/admin/outbox/{id}")).await;
    assert!(page.contains(&number));
    assert!(page.contains("ana@example.com"));
    assert!(
        page.contains(&format!(
            "<iframe class=\"email-preview\" sandbox=\"\" src=\"/admin/outbox/{id}/html\""
        )),
        "HTML kept apart"
    );
    let r = admin.get(&format!("/admin/outbox/{id}/html")).await;
    assert_eq!(r.status(), 200);
    let policy = r.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(policy.starts_with("sandbox;") && policy.contains("frame-ancestors 'self'"));
    assert_eq!(r.headers()["x-frame-options"], "SAMEORIGIN");
    assert!(r.text().await.expect("body").contains(&number));
}

#[tokio::test]
async fn the_go_live_page_walks_the_checklist_with_the_live_state() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let page = admin.html("/admin/go-live").await;
    assert_eq!(page.matches("class=\"checklist__item ").count(), 12);
    assert!(page.contains("ASIABILL_ENV=local"));
    assert!(
        page.contains(&format!("{}/payment/asiabill/webhook", app.address)),
        "callbackUrl"
    );
    assert!(
        page.contains(&format!("{}/payment/asiabill/return", app.address)),
        "returnUrl"
    );
    assert!(
        page.contains("/static/v3/js/AsiabillPayment.min.js"),
        "JS SDK"
    );
    assert!(
        page.contains("data-item=\"9\" data-state=\"warn\""),
        "not live yet"
    );
    assert!(
        page.contains("data-item=\"3\" data-state=\"warn\""),
        "no test payments yet"
    );
    assert!(
        page.contains("data-item=\"8\" data-state=\"warn\""),
        "no webhook yet"
    );
    paid_order(&app).await;
    crate::payments::eventually("the payment webhook arrives", || {
        webhook_events::table
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            > 0
    })
    .await;
    let page = admin.html("/admin/go-live").await;
    assert!(
        page.contains("data-item=\"8\" data-state=\"ok\""),
        "a verified webhook"
    );
    assert!(page.contains("signature valid"));
    let chinese = zh(&admin, "/admin/go-live").await;
    assert!(chinese.contains("上线检查"));
}
