//! Web security: CSRF on every state-changing route, cookie attributes, security headers on
//! every response, no caching of personal pages, escaping, body limits.

use crate::{
    admin_support::{admin, order_by_token},
    helpers::{location, spawn_app, spawn_app_with},
    payments::order,
};

#[tokio::test]
async fn every_state_changing_route_refuses_a_missing_csrf_token() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let _ = app.csrf().await;
    let routes = [
        "/cart/items".to_owned(),
        "/cart/items/1".to_owned(),
        "/checkout".to_owned(),
        format!("/orders/{token}/restore-cart"),
        format!("/orders/{token}/pay"),
    ];
    for route in &routes {
        let r = app
            .post_form(route, &[("quantity", "1"), ("mode", "hosted")])
            .await;
        assert_eq!(r.status(), 403, "POST {route} without csrf_token");
    }
    // The webhook is the one exception: it is signed instead (and refuses an unsigned body).
    let r = app
        .post_form("/payment/asiabill/webhook", &[("x", "y")])
        .await;
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_lax_and_secure_only_over_https() {
    let app = spawn_app().await;
    let r = app.get("/").await;
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("shop_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");

    let https = spawn_app_with(|s| {
        s.shop_public_url = Some("https://shop.example".into());
        // A test gateway behind a public address is refused unless meant.
        s.shop_allow_test_gateway = Some("true".into());
    })
    .await;
    let r = https.get("/").await;
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.contains("Secure"), "{cookie}");
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .expect("ascii")
            .contains("max-age=")
    );
}

#[tokio::test]
async fn security_headers_are_on_pages_errors_and_static_files() {
    let app = spawn_app().await;
    let gateway = app.settings.gateway.environment.payment_url().to_owned();
    for path in [
        "/",
        "/no/such/page",
        "/static/css/shop.css",
        "/healthz",
        "/?page=x",
    ] {
        let r = app.get(path).await;
        let h = r.headers();
        let csp = h["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains(&format!("script-src 'self' {gateway}")),
            "{path}: {csp}"
        );
        assert!(
            csp.contains(&format!("frame-src {gateway}")),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert!(h.contains_key("referrer-policy"), "{path}");
        assert!(
            !h.contains_key("strict-transport-security"),
            "no HSTS over http"
        );
    }
}

#[tokio::test]
async fn admin_and_order_pages_tell_every_cache_not_to_store_them() {
    let app = spawn_app().await;
    let token = order(&app).await;
    let number = order_by_token(&app, &token).number;
    let assert_no_store = |path: &str, r: &reqwest::Response| {
        assert_eq!(
            r.headers()
                .get("cache-control")
                .and_then(|v| v.to_str().ok()),
            Some("no-store"),
            "{path} ({})",
            r.status()
        );
    };
    for path in [format!("/orders/{token}"), format!("/orders/{token}/pay")] {
        let r = app.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_no_store(&path, &r);
    }
    // Anonymous: the login page, and the redirect to it.
    for path in ["/admin/login", "/admin/orders"] {
        assert_no_store(path, &app.get(path).await);
    }
    let admin = admin(&app).await;
    for path in [
        "/admin".to_owned(),
        "/admin/orders".to_owned(),
        format!("/admin/orders/{number}"),
        "/admin/orders.csv".to_owned(),
        "/admin/outbox".to_owned(),
        "/admin/no-such-page".to_owned(),
    ] {
        assert_no_store(&path, &admin.get(&path).await);
    }
}

#[tokio::test]
async fn script_in_a_form_field_is_shown_escaped_everywhere() {
    let app = spawn_app().await;
    app.add_to_cart("earl-grey", 1).await;
    let payload = "<script>alert('x')</script>";
    let r = app
        .checkout(
            "hosted",
            &[
                ("billing_first_name", payload),
                ("billing_address", "1 <b>Bold</b> Street"),
            ],
        )
        .await;
    let to = location(&r);
    let token = to
        .trim_start_matches("/orders/")
        .split('/')
        .next()
        .expect("token");
    let page = app.get_html(&format!("/orders/{token}")).await;
    assert!(!page.contains(payload), "raw script echoed");
    assert!(!page.contains("<b>Bold</b>"));
    assert!(
        page.contains("&#60;script&#62;") || page.contains("&lt;script&gt;"),
        "escaped"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let csrf = app.csrf().await;
    let big = "x".repeat(200 * 1024);
    let r = app
        .post_form(
            "/checkout",
            &[("csrf_token", csrf.as_str()), ("email", big.as_str())],
        )
        .await;
    assert_eq!(r.status(), 413, "checkout form");
    let r = app
        .client
        .post(app.url("/payment/asiabill/webhook"))
        .body(big)
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), 413, "webhook");
}
