//! `/metrics` on `SHOP_METRICS_BIND`: read over HTTP after a checkout, a payment and its
//! webhook; absent when the setting is unset.
//!
//! The recorder is the process's, shared by every shop the tests build, and tests run side by
//! side: counters are compared before and after (they only grow), never as absolute values.

use std::collections::BTreeMap;

use asiabill_shop::{db::schema::webhook_events, startup::Application};
use diesel::prelude::*;

use crate::{
    helpers::{TestApp, TestDb, location, spawn_app_with, test_settings},
    payments::{SUCCESS, completed_return, eventually, order, pay_on_hosted_page, start_hosted},
};

/// A shop serving metrics on a port of its own.
async fn metered_app() -> TestApp {
    spawn_app_with(|s| s.shop_metrics_bind = Some("127.0.0.1:0".into())).await
}

/// One series of the text format: its name and labels.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Series {
    name: String,
    labels: BTreeMap<String, String>,
}

/// The figures of a scrape.
struct Scrape {
    text: String,
    series: Vec<(Series, f64)>,
}

impl Scrape {
    /// The sum of the series named `name` that carry every label of `labels`, or `None` when
    /// there is no such series.
    fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let matching: Vec<f64> = self
            .series
            .iter()
            .filter(|(s, _)| {
                s.name == name
                    && labels
                        .iter()
                        .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .map(|(_, v)| *v)
            .collect();
        (!matching.is_empty()).then(|| matching.iter().sum())
    }

    /// How much `name` with `labels` grew since `before` (a series absent before counts from 0).
    fn grew(&self, before: &Scrape, name: &str, labels: &[(&str, &str)]) -> f64 {
        let now = self
            .value(name, labels)
            .unwrap_or_else(|| panic!("no {name} {labels:?} in\n{}", self.text));
        now - before.value(name, labels).unwrap_or(0.0)
    }
}

/// Reads `line` of the text format: `name{k="v",…} value`.
fn parse_line(line: &str) -> Option<(Series, f64)> {
    let (series, value) = line.rsplit_once(' ')?;
    let value = value.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        Some((name, rest)) => (name, rest.strip_suffix('}')?),
        None => (series, ""),
    };
    let labels = labels
        .split("\",")
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once("=\"")?;
            Some((k.to_owned(), v.trim_end_matches('"').to_owned()))
        })
        .collect::<Option<BTreeMap<_, _>>>()?;
    Some((
        Series {
            name: name.to_owned(),
            labels,
        },
        value,
    ))
}

async fn scrape(app: &TestApp) -> Scrape {
    let bind = app.settings.metrics_bind.expect("metrics are on");
    let response = reqwest::get(format!("http://{bind}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(response.status(), 200);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.expect("body");
    let series = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| parse_line(l).unwrap_or_else(|| panic!("not the text format: {l}")))
        .collect();
    Scrape { text, series }
}

#[tokio::test]
async fn a_checkout_paid_on_the_hosted_page_and_its_webhook_show_on_metrics() {
    let app = metered_app().await;
    let before = scrape(&app).await;

    let token = order(&app).await;
    let page_url = start_hosted(&app, &token).await;
    let return_url = completed_return(pay_on_hosted_page(&app, &page_url, SUCCESS).await);
    let r = app.client.get(&return_url).send().await.expect("return");
    assert_eq!(location(&r), format!("/orders/{token}"));
    eventually("webhook applied", || {
        webhook_events::table
            .filter(webhook_events::status.eq("applied"))
            .count()
            .get_result::<i64>(&mut app.db.get().expect("conn"))
            .expect("count")
            >= 1
    })
    .await;
    let after = scrape(&app).await;

    // Requests by route pattern and status; an order's token never shows.
    let checkout = [
        ("method", "POST"),
        ("route", "/checkout"),
        ("status", "303"),
    ];
    assert!(after.grew(&before, "shop_http_requests_total", &checkout) >= 1.0);
    let pay = [("method", "POST"), ("route", "/orders/{token}/pay")];
    assert!(after.grew(&before, "shop_http_requests_total", &pay) >= 1.0);
    assert!(
        !after.text.contains(&token),
        "the order's token is no label"
    );
    let timed = [("route", "/checkout"), ("le", "+Inf")];
    assert!(after.grew(&before, "shop_http_request_duration_seconds_bucket", &timed) >= 1.0);

    // The attempt's decision, the webhook and its lag.
    let paid = [("mode", "hosted"), ("outcome", "paid")];
    assert!(after.grew(&before, "shop_payment_attempts_total", &paid) >= 1.0);
    let applied = [("outcome", "applied")];
    assert!(after.grew(&before, "shop_webhooks_total", &applied) >= 1.0);
    assert!(after.grew(&before, "shop_webhook_lag_seconds_count", &[]) >= 1.0);
    let within_tolerance = [("le", "600")];
    assert!(after.value("shop_webhook_lag_seconds_bucket", &within_tolerance) >= Some(1.0));

    // The AsiaBill calls by endpoint, without their ids.
    for endpoint in ["sessionToken", "checkout/payment"] {
        let calls = [("endpoint", endpoint)];
        assert!(
            after.grew(&before, "shop_gateway_call_duration_seconds_count", &calls) >= 1.0,
            "{endpoint}"
        );
    }
    assert!(
        after
            .series
            .iter()
            .filter(|(s, _)| s.name.starts_with("shop_gateway_call"))
            .all(|(s, _)| !s.labels["endpoint"].chars().any(|c| c.is_ascii_digit())),
        "no order or transaction number in an endpoint label"
    );

    // Read at the scrape: the job queue (every kind shown) and the pool.
    let reconcile = [("kind", "payments.reconcile"), ("state", "scheduled")];
    assert!(after.value("shop_jobs", &reconcile) >= Some(1.0));
    let emails = [("kind", "emails.send"), ("state", "failed")];
    assert!(
        after.value("shop_jobs", &emails).is_some(),
        "{}",
        after.text
    );
    let max = if app.db.is_postgres() { 16.0 } else { 8.0 };
    assert_eq!(after.value("shop_db_pool_max_connections", &[]), Some(max));
    let open = after
        .value("shop_db_pool_connections", &[])
        .expect("pool connections");
    let idle = after
        .value("shop_db_pool_idle_connections", &[])
        .expect("idle connections");
    assert!(
        idle <= open && open <= max,
        "{idle} idle of {open} of {max}"
    );
    assert!(
        after
            .text
            .contains("# TYPE shop_http_request_duration_seconds histogram")
    );
}

#[tokio::test]
async fn many_shops_in_one_process_share_the_recorder_and_each_serves_its_figures() {
    let first = metered_app().await;
    let second = metered_app().await;
    assert_ne!(first.settings.metrics_bind, second.settings.metrics_bind);
    let before = scrape(&first).await;
    assert_eq!(second.get("/healthz").await.status(), 200);
    let after = scrape(&first).await;
    let health = [("route", "/healthz"), ("status", "200")];
    assert!(after.grew(&before, "shop_http_requests_total", &health) >= 1.0);
    let missing = [("route", "unmatched"), ("status", "404")];
    assert_eq!(second.get("/no/such/page").await.status(), 404);
    assert!(
        scrape(&second)
            .await
            .grew(&after, "shop_http_requests_total", &missing)
            >= 1.0
    );
}

#[tokio::test]
async fn without_a_metrics_bind_nothing_listens_and_the_shop_has_no_metrics_page() {
    let db = std::sync::Arc::new(TestDb::new());
    let settings = test_settings(&db).validate().expect("settings");
    assert_eq!(settings.metrics_bind, None, "off by default");
    let (app, _) = Application::build(settings).await.expect("build the shop");
    assert_eq!(app.metrics_port(), None);
    assert_eq!(app.state().settings.metrics_bind, None);
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let response = reqwest::get(format!("{address}/metrics"))
        .await
        .expect("GET /metrics");
    assert_eq!(
        response.status(),
        404,
        "metrics are never on the shop's port"
    );
}

#[test]
fn the_text_format_is_read_into_series() {
    let (series, value) = parse_line(
        r#"shop_http_requests_total{method="GET",route="/orders/{token}",status="200"} 3"#,
    )
    .expect("a line");
    assert_eq!(series.name, "shop_http_requests_total");
    assert_eq!(series.labels["route"], "/orders/{token}");
    assert_eq!(series.labels["status"], "200");
    assert!((value - 3.0).abs() < f64::EPSILON);
    let (bare, value) = parse_line("shop_db_pool_connections 2").expect("a bare line");
    assert!(bare.labels.is_empty());
    assert!((value - 2.0).abs() < f64::EPSILON);
}
