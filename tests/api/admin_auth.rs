//! Admin login, sessions in the database, throttling, CSRF, and the redirect of anonymous
//! requests.

use std::sync::Arc;

use asiabill_shop::db::{
    now,
    schema::{admin_sessions, admin_users, audit_log, login_throttles},
};
use diesel::prelude::*;
use reqwest::cookie::Jar;
use secrecy::ExposeSecret;

use crate::{
    admin_support::{admin, client_with},
    helpers::{TestApp, csrf_token, location, meta_csrf_token, spawn_app, spawn_app_on},
};

const GET_ROUTES: [&str; 17] = [
    "/admin/orders",
    "/admin/orders.csv",
    "/admin/order-lines.csv",
    "/admin/orders/A10001",
    "/admin/refunds",
    "/admin/transactions",
    "/admin/webhooks",
    "/admin/webhooks/1",
    "/admin/chargebacks",
    "/admin/products",
    "/admin/products/new",
    "/admin/products/1",
    "/admin/outbox",
    "/admin/outbox/1",
    "/admin/outbox/1/html",
    "/admin/go-live",
    "/admin/orders?status=paid&q=a",
];

const POST_ROUTES: [&str; 16] = [
    "/admin/logout",
    "/admin/orders/A10001/refunds",
    "/admin/orders/A10001/capture",
    "/admin/orders/A10001/void",
    "/admin/orders/A10001/shipments",
    "/admin/orders/A10001/sync",
    "/admin/orders/A10001/shipments/1/upload",
    "/admin/orders/A10001/shipments/1/status",
    "/admin/refunds/1/query",
    "/admin/refunds/1/mark",
    "/admin/webhooks/1/reprocess",
    "/admin/webhooks/1/dismiss",
    "/admin/products",
    "/admin/products/1",
    "/admin/products/1/visibility",
    "/admin/products/1/visibility?x=1",
];

#[tokio::test]
async fn anonymous_requests_to_every_admin_route_go_to_the_login_page() {
    let app = spawn_app().await;
    let r = app.get("/admin").await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/admin/login".to_owned())
    );
    for path in GET_ROUTES {
        let r = app.get(path).await;
        let encoded: String = url::form_urlencoded::byte_serialize(path.as_bytes()).collect();
        assert_eq!(r.status(), 303, "GET {path}");
        assert_eq!(
            location(&r),
            format!("/admin/login?next={encoded}"),
            "GET {path}"
        );
    }
    let token = app.csrf().await;
    for path in POST_ROUTES {
        let r = app
            .post_form(path, &[("csrf_token", &token), ("amount", "1.00")])
            .await;
        assert_eq!(r.status(), 303, "POST {path}");
        assert_eq!(location(&r), "/admin/login", "POST {path}");
    }
    // A stale or forged cookie is no better, and is cleared.
    let jar = Arc::new(Jar::default());
    jar.add_cookie_str(
        &format!("admin_session={}; Path=/admin", "ab".repeat(32)),
        &app.address.parse().expect("url"),
    );
    let r = client_with(jar)
        .get(app.url("/admin/orders"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 303);
    let cleared = r.headers()["set-cookie"].to_str().expect("ascii");
    assert!(cleared.starts_with("admin_session=;"), "{cleared}");
}

fn admin_credentials(app: &TestApp) -> (String, String) {
    let generated = app
        .generated_admin
        .as_ref()
        .expect("a generated first admin");
    (
        generated.email.clone(),
        generated.password.expose_secret().to_owned(),
    )
}

async fn login(app: &TestApp, email: &str, password: &str, next: &str) -> reqwest::Response {
    let page = app.get_html("/admin/login").await;
    let token = csrf_token(&page).expect("csrf on the login form");
    app.post_form(
        "/admin/login",
        &[
            ("csrf_token", &token),
            ("email", email),
            ("password", password),
            ("next", next),
        ],
    )
    .await
}

#[tokio::test]
async fn login_opens_a_database_session_and_logout_ends_it_on_every_instance() {
    let app = spawn_app().await;
    let other = spawn_app_on(app._db_guard.clone(), |_| {}).await;
    let (email, password) = admin_credentials(&app);

    let page = app.get_html("/admin/login?next=/admin/orders").await;
    assert!(page.contains("Admin login") && page.contains("name=\"next\" value=\"/admin/orders\""));

    let r = login(&app, &email, "not the password", "/admin/orders").await;
    assert_eq!(r.status(), 200);
    assert!(
        r.text()
            .await
            .expect("body")
            .contains("Wrong email or password.")
    );

    let r = login(&app, &email.to_uppercase(), &password, "/admin/orders").await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/admin/orders");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(cookie.starts_with("admin_session="), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http in tests: {cookie}");
    let token = cookie["admin_session=".len()..cookie.find(';').expect(";")].to_owned();
    let stored: Vec<String> = admin_sessions::table
        .select(admin_sessions::token_hash)
        .load(&mut app.db.get().expect("conn"))
        .expect("sessions");
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token, "only the hash is stored");

    let orders = app.get_html("/admin/orders").await;
    assert!(orders.contains(&email), "the admin is named on the page");
    // The same cookie works on a second instance: the session lives in the database.
    let jar = Arc::new(Jar::default());
    jar.add_cookie_str(
        &format!("admin_session={token}; Path=/admin"),
        &other.address.parse().expect("url"),
    );
    let elsewhere = client_with(jar);
    let r = elsewhere
        .get(other.url("/admin"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 200);
    let r = app.get("/admin/login").await;
    assert_eq!(location(&r), "/admin", "a logged-in admin skips the form");

    let csrf = csrf_token(&orders).expect("csrf for logout");
    let r = app
        .post_form("/admin/logout", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/admin/login".to_owned())
    );
    let sessions: i64 = admin_sessions::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(sessions, 0);
    let r = elsewhere
        .get(other.url("/admin"))
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status(), 303, "logged out on the other instance too");
    assert_eq!(app.get("/admin").await.status(), 303);

    let actions: Vec<String> = audit_log::table
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.db.get().expect("conn"))
        .expect("audit");
    assert_eq!(
        actions,
        ["admin.login_failed", "admin.login", "admin.logout"]
    );
}

#[tokio::test]
async fn next_only_leads_inside_the_admin_area() {
    let app = spawn_app().await;
    let (email, password) = admin_credentials(&app);
    let page = app.get_html("/admin/login?next=//evil.example").await;
    assert!(page.contains("name=\"next\" value=\"/admin\""));
    let r = login(&app, &email, &password, "https://evil.example/admin").await;
    assert_eq!(location(&r), "/admin");
}

#[tokio::test]
async fn failed_logins_lock_the_account_with_429_and_a_retry_time() {
    let app = spawn_app().await;
    let (email, password) = admin_credentials(&app);
    for attempt in 1..=4 {
        let r = login(&app, &email, "wrong password!", "/admin").await;
        assert_eq!(r.status(), 200, "attempt {attempt}");
    }
    let r = login(&app, &email, "wrong password!", "/admin").await;
    assert_eq!(r.status(), 429, "the fifth failure locks the account");
    let r = login(&app, &email, &password, "/admin").await;
    assert_eq!(r.status(), 429, "even the right password waits");
    let retry: i64 = r.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((800..=900).contains(&retry), "{retry}");
    let body = r.text().await.expect("body");
    assert!(
        body.contains("Too many failed logins. Try again in 15 minutes"),
        "{body}"
    );
    let (failures, locked): (i64, Option<chrono::NaiveDateTime>) = login_throttles::table
        .filter(login_throttles::scope.eq("account"))
        .select((login_throttles::failures, login_throttles::locked_until))
        .first(&mut app.db.get().expect("conn"))
        .expect("counter");
    assert_eq!(failures, 5);
    assert!(locked.is_some_and(|t| t > now()));

    // The lock over, the right password gets in and the account's counter is cleared.
    diesel::update(login_throttles::table)
        .set(login_throttles::locked_until.eq(Some(now() - chrono::Duration::seconds(1))))
        .execute(&mut app.db.get().expect("conn"))
        .expect("unlock");
    let r = login(&app, &email, &password, "/admin").await;
    assert_eq!(r.status(), 303);
    let accounts: i64 = login_throttles::table
        .filter(login_throttles::scope.eq("account"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(accounts, 0);
}

#[tokio::test]
async fn a_burst_of_parallel_wrong_passwords_gets_only_the_limit_checked_then_the_account_locks() {
    let app = spawn_app().await;
    let (email, password) = admin_credentials(&app);
    let token = csrf_token(&app.get_html("/admin/login").await).expect("csrf on the login form");
    let guesses = (0..20).map(|i| {
        let guess = format!("wrong password {i}");
        let fields = [
            ("csrf_token", token.as_str()),
            ("email", email.as_str()),
            ("password", guess.as_str()),
            ("next", "/admin"),
        ];
        let sent = app
            .client
            .post(app.url("/admin/login"))
            .form(&fields)
            .send();
        async move {
            let r = sent.await.expect("POST");
            let status = r.status().as_u16();
            (status, r.text().await.expect("body"))
        }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let wrong = answers
        .iter()
        .filter(|(status, body)| *status == 200 && body.contains("Wrong email or password."))
        .count();
    let throttled = answers.iter().filter(|(status, _)| *status == 429).count();
    // The first four checked are told "wrong"; the fifth locks the account; the other fifteen
    // never reach the password check.
    assert_eq!((wrong, throttled), (4, 16), "{answers:?}");
    let checked: i64 = audit_log::table
        .filter(audit_log::action.eq("admin.login_failed"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(
        checked, 5,
        "only the limit's worth of passwords were checked"
    );

    let r = login(&app, &email, &password, "/admin").await;
    assert_eq!(
        r.status(),
        429,
        "the account is locked, even for the right password"
    );
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn failed_logins_from_one_address_lock_every_account_from_it() {
    let app = spawn_app().await;
    let (email, password) = admin_credentials(&app);
    // Nineteen failures with other emails already counted against this address.
    diesel::insert_into(login_throttles::table)
        .values((
            login_throttles::scope.eq("ip"),
            login_throttles::key.eq("127.0.0.1"),
            login_throttles::failures.eq(19),
            login_throttles::window_started_at.eq(now()),
            login_throttles::updated_at.eq(now()),
        ))
        .execute(&mut app.db.get().expect("conn"))
        .expect("counter");
    let r = login(&app, "nobody@example.com", "whatever123", "/admin").await;
    assert_eq!(r.status(), 429, "the twentieth failure locks the address");
    let r = login(&app, &email, &password, "/admin").await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn an_idle_or_disabled_session_ends() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    assert_eq!(admin.get("/admin/orders").await.status(), 200);
    diesel::update(admin_sessions::table)
        .set(admin_sessions::expires_at.eq(now() - chrono::Duration::seconds(1)))
        .execute(&mut app.db.get().expect("conn"))
        .expect("expire");
    let r = admin.get("/admin/orders").await;
    assert_eq!(r.status(), 303, "expired");

    let admin = crate::admin_support::admin(&app).await;
    diesel::update(admin_users::table)
        .set(admin_users::disabled.eq(true))
        .execute(&mut app.db.get().expect("conn"))
        .expect("disable");
    assert_eq!(admin.get("/admin").await.status(), 303, "disabled account");
}

fn multipart(boundary: &str, fields: &[(&str, &str)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    body
}

#[tokio::test]
async fn every_admin_form_needs_the_admin_sessions_csrf_token() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let shop_token = meta_csrf_token(&app.get_html("/").await).expect("shop token");
    for path in POST_ROUTES {
        for token in ["", "0123", shop_token.as_str()] {
            let r = admin
                .post_raw(path, &[("csrf_token", token), ("outcome", "failed")])
                .await;
            let expected = if path.starts_with("/admin/products/1") || path == "/admin/products" {
                // The product form is multipart: a URL-encoded body is not even read.
                [400, 403]
            } else {
                [403, 403]
            };
            assert!(
                expected.contains(&r.status().as_u16()),
                "POST {path} with token {token:?}: {}",
                r.status()
            );
        }
    }
    for path in ["/admin/products", "/admin/products/1"] {
        let r = admin
            .client
            .post(admin.url(path))
            .header("content-type", "multipart/form-data; boundary=XyZ")
            .body(multipart(
                "XyZ",
                &[("csrf_token", "nope"), ("name_en", "x")],
            ))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), 403, "multipart POST {path}");
    }
    // The login form is guarded by the shop's own session token.
    let r = app
        .post_form("/admin/login", &[("email", "a@b.c"), ("password", "x")])
        .await;
    assert_eq!(r.status(), 403);
    let audited: i64 = audit_log::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(audited, 0, "nothing was done");
}
