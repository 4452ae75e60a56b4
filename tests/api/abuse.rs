//! What an anonymous client can make the shop keep or do: refused webhooks leave bounded
//! evidence, checkouts are limited per IP address and per email address, idle carts go.

use asiabill::Currency;
use asiabill_shop::{
    cart,
    db::{
        now,
        schema::{cart_items, carts, jobs, orders, payment_attempts, webhook_events},
    },
    payments::rejected_webhooks::{BODY_BYTES, KEPT},
};
use diesel::prelude::*;

use crate::{
    admin_support::admin,
    helpers::{TestApp, csrf_token, hidden_field, location, spawn_app, spawn_app_with},
    payments::{eventually, order, order_status, signed_webhook, start_hosted},
};

/// Posts `body` to the webhook with headers that look right and a signature that is not.
async fn forged_webhook(app: &TestApp, body: String) -> reqwest::Response {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_millis()
        .to_string();
    app.client
        .post(app.url("/payment/asiabill/webhook"))
        .header("gateway-no", "12246002")
        .header("request-id", "FORGED")
        .header("request-time", now_ms)
        .header("version", "V2022-03")
        .header("sign-info", "00".repeat(32))
        .body(body)
        .send()
        .await
        .expect("post")
}

#[tokio::test]
async fn a_flood_of_forged_webhooks_keeps_bounded_evidence_and_a_genuine_one_still_applies() {
    let app = spawn_app().await;
    let token = order(&app).await;
    start_hosted(&app, &token).await;

    // 600 distinct bodies of 32 KiB each: 19 MiB, had every one been kept whole.
    let pad = "x".repeat(32 * 1024);
    for chunk in (0..600).collect::<Vec<u32>>().chunks(20) {
        let posts = chunk.iter().map(|i| {
            forged_webhook(
                &app,
                format!(r#"{{"type":"transaction.success","n":{i},"pad":"{pad}"}}"#),
            )
        });
        for r in futures_util::future::join_all(posts).await {
            assert_eq!(r.status(), 401);
        }
    }
    let mut conn = app.db.get().expect("conn");
    let kept: Vec<String> = webhook_events::table
        .filter(webhook_events::signature_valid.eq(false))
        .select(webhook_events::body)
        .load(&mut conn)
        .expect("refused rows");
    assert_eq!(
        kept.len(),
        usize::try_from(KEPT).expect("small"),
        "only the latest are kept"
    );
    let longest = kept.iter().map(String::len).max().unwrap_or_default();
    assert!(
        longest < BODY_BYTES + 100,
        "bodies are cut short: {longest} bytes"
    );
    assert!(
        kept.iter().any(|b| b.contains(r#""n":599"#)),
        "the newest refused delivery is among those kept"
    );

    // The genuine success for the order, first forged (same body, bad signature), then signed.
    let (order_no, amount): (String, i64) = payment_attempts::table
        .select((
            payment_attempts::gateway_order_no,
            payment_attempts::amount_minor,
        ))
        .first(&mut conn)
        .expect("attempt");
    let body = format!(
        r#"{{"data":{{"transactionType":"Sale","orderAmount":"{}.{:02}","orderNo":"{order_no}","tradeNo":"2026112512000033333333","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""}},"type":"transaction.success"}}"#,
        amount / 100,
        amount % 100
    );
    assert_eq!(forged_webhook(&app, body.clone()).await.status(), 401);
    assert_eq!(order_status(&app), "pending_payment");
    let r = signed_webhook(&app, &body).await;
    assert_eq!(r.status(), 200);
    assert_eq!(order_status(&app), "paid");
    let applied: (String, String) = webhook_events::table
        .filter(webhook_events::signature_valid.eq(true))
        .select((webhook_events::status, webhook_events::body))
        .first(&mut conn)
        .expect("genuine row");
    assert_eq!(applied, ("applied".to_owned(), body));

    // The merchant still sees refused deliveries, and how many there were in all.
    let admin = admin(&app).await;
    let log = admin.html("/admin/webhooks").await;
    assert!(log.contains(">Invalid</span>"), "refused rows listed");
    assert!(
        log.contains("601 in all") && log.contains(&format!("latest {KEPT} are kept")),
        "{log}"
    );
}

/// Fills in the checkout form for `email` and posts it, as a client at `ip` behind the trusted
/// proxy when one is given; returns the form's idempotency key and the response.
async fn checkout_as(app: &TestApp, email: &str, ip: Option<&str>) -> (String, reqwest::Response) {
    let page = app.get_html("/checkout").await;
    let csrf = csrf_token(&page).expect("csrf");
    let key = hidden_field(&page, "idempotency_key").expect("key");
    let r = post_checkout(app, &csrf, &key, email, ip).await;
    (key, r)
}

async fn post_checkout(
    app: &TestApp,
    csrf: &str,
    key: &str,
    email: &str,
    ip: Option<&str>,
) -> reqwest::Response {
    let fields = [
        ("csrf_token", csrf),
        ("idempotency_key", key),
        ("email", email),
        ("phone", "+1 503 555 0100"),
        ("billing_first_name", "Ana"),
        ("billing_last_name", "Lima"),
        ("billing_address", "7 Quay Lane"),
        ("billing_city", "Portland"),
        ("billing_state", "OR"),
        ("billing_zip", "97201"),
        ("billing_country", "US"),
        ("shipping_same", "on"),
        ("payment_mode", "hosted"),
    ];
    let mut request = app.client.post(app.url("/checkout")).form(&fields);
    if let Some(ip) = ip {
        request = request.header("X-Forwarded-For", ip);
    }
    request.send().await.expect("POST /checkout")
}

fn order_count(app: &TestApp) -> i64 {
    orders::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

#[tokio::test]
async fn checkouts_from_one_ip_address_beyond_the_hourly_limit_are_refused_keeping_the_form() {
    let app = spawn_app_with(|s| s.shop_checkouts_per_ip_per_hour = Some("3".into())).await;
    let mut last = None;
    for n in 0..3 {
        app.add_to_cart("earl-grey", 1).await;
        let (key, r) = checkout_as(&app, &format!("shopper{n}@example.com"), None).await;
        assert_eq!(r.status(), 303, "order {n} is within the limit");
        last = Some((key, location(&r)));
    }
    app.add_to_cart("earl-grey", 1).await;
    let stock = app.stock("earl-grey");
    let (_, r) = checkout_as(&app, "fourth@example.com", None).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    let page = r.text().await.expect("body");
    assert!(
        page.contains("Many orders have been placed from your network"),
        "{page}"
    );
    assert!(
        page.contains("fourth@example.com") && page.contains("7 Quay Lane"),
        "what the shopper typed is kept"
    );
    assert_eq!(order_count(&app), 3);
    assert_eq!(app.stock("earl-grey"), stock, "nothing reserved");
    assert!(
        app.get_html("/cart").await.contains("Earl Grey"),
        "the cart is kept"
    );

    // Posting an earlier form again finds its order: a reload is not a new checkout.
    let (key, placed) = last.expect("three orders");
    let page = app.get_html("/checkout").await;
    let csrf = csrf_token(&page).expect("csrf");
    let again = post_checkout(&app, &csrf, &key, "shopper2@example.com", None).await;
    assert_eq!(again.status(), 303);
    assert_eq!(location(&again), placed);
    assert_eq!(order_count(&app), 3);

    // The same refusal, in Chinese.
    app.get("/lang/zh-CN").await;
    let (_, r) = checkout_as(&app, "fourth@example.com", None).await;
    assert_eq!(r.status(), 429);
    assert!(r.text().await.expect("body").contains("订单过多"));
}

#[tokio::test]
async fn checkouts_for_one_email_address_from_many_ip_addresses_are_limited_per_hour() {
    let app = spawn_app_with(|s| {
        s.shop_trusted_proxies = Some("127.0.0.1".into());
        s.shop_checkouts_per_email_per_hour = Some("2".into());
    })
    .await;
    for ip in ["203.0.113.1", "203.0.113.2"] {
        app.add_to_cart("earl-grey", 1).await;
        let (_, r) = checkout_as(&app, "Target@Example.com", Some(ip)).await;
        assert_eq!(r.status(), 303, "from {ip}");
    }
    app.add_to_cart("earl-grey", 1).await;
    let (_, r) = checkout_as(&app, "target@example.com", Some("203.0.113.3")).await;
    assert_eq!(
        r.status(),
        429,
        "the address counts, whatever its case or the IP"
    );
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("with this email address in the last hour")
    );
    let (_, r) = checkout_as(&app, "someone.else@example.com", Some("203.0.113.3")).await;
    assert_eq!(r.status(), 303, "another address is not held back");
    let ips: Vec<String> = orders::table
        .order(orders::id)
        .select(orders::customer_ip)
        .load(&mut app.db.get().expect("conn"))
        .expect("ips");
    assert_eq!(ips, ["203.0.113.1", "203.0.113.2", "203.0.113.3"]);
}

#[tokio::test]
async fn the_purge_job_deletes_carts_idle_for_thirty_days_and_keeps_younger_ones() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 2).await;
    let usd = Currency::parse("USD").expect("USD");
    let mut conn = app.db.get().expect("conn");
    let younger = cart::add(&mut conn, None, app.product_id("ceramic-mug"), 1, usd).expect("cart");
    let older: i64 = carts::table
        .filter(carts::id.ne(younger))
        .select(carts::id)
        .first(&mut conn)
        .expect("the shopper's cart");
    for (cart_id, days) in [(older, 31), (younger, 29)] {
        let at = now() - chrono::TimeDelta::days(days);
        diesel::update(carts::table.find(cart_id))
            .set((carts::created_at.eq(at), carts::updated_at.eq(at)))
            .execute(&mut conn)
            .expect("age the cart");
        diesel::update(cart_items::table.filter(cart_items::cart_id.eq(cart_id)))
            .set((cart_items::created_at.eq(at), cart_items::updated_at.eq(at)))
            .execute(&mut conn)
            .expect("age its lines");
    }
    let due = diesel::update(jobs::table.filter(jobs::kind.eq("carts.purge")))
        .set(jobs::run_at.eq(now()))
        .execute(&mut conn)
        .expect("due now");
    assert_eq!(due, 1, "the shop scheduled the purge when it started");
    drop(conn);
    let carts_left = || -> Vec<i64> {
        carts::table
            .order(carts::id)
            .select(carts::id)
            .load(&mut app.db.get().expect("conn"))
            .expect("carts")
    };
    eventually("the idle cart is purged", || carts_left() == [younger]).await;
    let lines: Vec<i64> = cart_items::table
        .select(cart_items::cart_id)
        .load(&mut app.db.get().expect("conn"))
        .expect("lines");
    assert_eq!(lines, [younger], "the purged cart's lines went with it");

    // The shopper whose cart went finds an empty one and can fill it again.
    assert!(!app.get_html("/cart").await.contains("Earl Grey"));
    app.add_to_cart("earl-grey", 1).await;
    assert!(app.get_html("/cart").await.contains("Earl Grey"));
}
