//! What the admin tests share: a logged-in admin client, paid and authorized orders.

use std::sync::Arc;

use asiabill_shop::{
    accounts::sessions,
    config::RawSettings,
    db::{
        models::Order,
        schema::{admin_users, orders},
    },
};
use diesel::prelude::*;
use reqwest::cookie::Jar;

use crate::{
    helpers::{TestApp, csrf_token, location, spawn_app_with},
    payments::{SUCCESS, order, pay_insite},
};

/// A browser logged in to the admin area (its own cookies, apart from the shopper's).
pub struct Admin {
    pub address: String,
    pub client: reqwest::Client,
    pub csrf: String,
}

/// A client whose cookie jar is `jar`, not following redirects.
pub fn client_with(jar: Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(jar)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// Logs the first admin in by opening a session in the database (skipping Argon2, which is
/// slow in debug builds; the login form itself is tested in `admin_auth`).
pub async fn admin(app: &TestApp) -> Admin {
    let mut conn = app.db.get().expect("conn");
    let user_id: i64 = admin_users::table
        .order(admin_users::id)
        .select(admin_users::id)
        .first(&mut conn)
        .expect("the first admin");
    let token = sessions::create(&mut conn, user_id, "127.0.0.1", Some("tests")).expect("session");
    let jar = Arc::new(Jar::default());
    let url: reqwest::Url = app.address.parse().expect("url");
    jar.add_cookie_str(&format!("admin_session={token}; Path=/admin"), &url);
    let mut admin = Admin {
        address: app.address.clone(),
        client: client_with(jar),
        csrf: String::new(),
    };
    let page = admin.html("/admin").await;
    admin.csrf = csrf_token(&page).expect("csrf on the admin page");
    admin
}

impl Admin {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// A page that must answer 200.
    pub async fn html(&self, path: &str) -> String {
        let r = self.get(path).await;
        let status = r.status();
        let body = r.text().await.expect("body");
        assert_eq!(status, 200, "GET {path}: {body}");
        body
    }

    /// Posts a form with this session's CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let mut all = vec![("csrf_token", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a form as given (no token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Asks for a refund through the order page's form and confirms it on the confirmation
    /// page, as an admin does; returns the answer to the confirmation, or the form's own
    /// answer when it refused at once (a wrong amount, nothing left, a dispute).
    pub async fn refund(
        &self,
        number: &str,
        amount: &str,
        reason: &str,
        transaction: Option<&str>,
    ) -> reqwest::Response {
        let path = format!("/admin/orders/{number}/refunds");
        let mut fields = vec![("amount", amount), ("reason", reason)];
        fields.extend(transaction.map(|t| ("transaction", t)));
        let first = self.post(&path, &fields).await;
        if first.status() != 200 {
            return first;
        }
        let page = first.text().await.expect("confirmation page");
        assert!(
            page.contains("data-refund-confirm"),
            "a confirmation step: {page}"
        );
        assert_eq!(
            crate::helpers::hidden_field(&page, "confirmed").as_deref(),
            Some("yes")
        );
        let chosen = crate::helpers::hidden_field(&page, "transaction").expect("payment named");
        let typed = crate::helpers::hidden_field(&page, "amount").expect("amount kept");
        self.post(
            &path,
            &[
                ("amount", typed.as_str()),
                ("reason", reason),
                ("transaction", chosen.as_str()),
                ("confirmed", "yes"),
            ],
        )
        .await
    }

    /// Posts and expects a 303 back to `to`; returns the page there.
    pub async fn post_then(&self, path: &str, fields: &[(&str, &str)], to: &str) -> String {
        let r = self.post(path, fields).await;
        let status = r.status();
        let back = location(&r);
        assert_eq!(
            (status.as_u16(), back.as_str()),
            (303, to),
            "POST {path}: {}",
            r.text().await.unwrap_or_default()
        );
        self.html(to).await
    }
}

/// The order with page token `token`.
pub fn order_by_token(app: &TestApp, token: &str) -> Order {
    orders::table
        .filter(orders::access_token.eq(token))
        .select(Order::as_select())
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

/// The order numbered `number`, as stored now.
pub fn order_by_number(app: &TestApp, number: &str) -> Order {
    orders::table
        .filter(orders::number.eq(number))
        .select(Order::as_select())
        .first(&mut app.db.get().expect("conn"))
        .expect("order")
}

/// Places an order and pays it in-site with the success card; returns its number.
pub async fn paid_order(app: &TestApp) -> String {
    let token = order(app).await;
    let r = pay_insite(app, &token, SUCCESS).await;
    let (status, to) = (r.status(), location(&r));
    let body = if to.is_empty() {
        r.text().await.unwrap_or_default()
    } else {
        String::new()
    };
    assert_eq!(
        to,
        format!("/orders/{token}"),
        "paid at once ({status}): {body}"
    );
    order_by_token(app, &token).number
}

/// A shop on the simulator's pre-authorization gateway: payments are authorized, to be
/// captured or voided.
pub async fn preauth_app() -> TestApp {
    preauth_app_with(|_| {}).await
}

/// [`preauth_app`] with further settings adjusted by `adjust`.
pub async fn preauth_app_with(adjust: impl FnOnce(&mut RawSettings)) -> TestApp {
    spawn_app_with(|s| {
        s.asiabill_gateway_no = Some("12246004".into());
        s.asiabill_sign_key = Some("12H4567r".into());
        s.asiabill_preauth = Some("true".into());
        adjust(s);
    })
    .await
}
