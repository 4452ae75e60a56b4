//! The integration self-test as the merchant meets it: the go-live page's button, the run's page
//! filling in, the orders it leaves behind; and `shop selftest` as CI runs it.

use std::{
    process::{Command, Stdio},
    time::Duration,
};

use asiabill_sandbox::Faults;
use asiabill_shop::db::schema::{orders, refunds, selftest_runs, shipments};
use diesel::prelude::*;

use crate::{
    admin_support::{Admin, admin},
    helpers::{TestApp, location, spawn_app, spawn_app_with},
};

/// Every check's `data-check` and `data-outcome`, in order, from a run's page.
fn rows(html: &str) -> Vec<(String, String)> {
    let page = scraper::Html::parse_document(html);
    let row = scraper::Selector::parse("tr[data-check]").expect("selector");
    page.select(&row)
        .map(|r| {
            let attr = |name| r.value().attr(name).expect("attribute").to_owned();
            (attr("data-check"), attr("data-outcome"))
        })
        .collect()
}

fn run_state(html: &str) -> String {
    let page = scraper::Html::parse_document(html);
    let state = scraper::Selector::parse("h1 + [data-run-state]").expect("selector");
    page.select(&state)
        .next()
        .and_then(|s| s.value().attr("data-run-state"))
        .expect("the run's state")
        .to_owned()
}

/// Presses "Run the self-test" and follows the run's page until it ends; returns the last page.
async fn run_from_the_go_live_page(admin: &Admin) -> String {
    let go_live = admin.html("/admin/go-live").await;
    assert!(
        go_live.contains("action=\"/admin/go-live/selftest\""),
        "the button is offered"
    );
    let r = admin.post("/admin/go-live/selftest", &[]).await;
    assert_eq!(r.status(), 303);
    let run_page = location(&r);
    assert!(
        run_page.starts_with("/admin/go-live/selftest/"),
        "{run_page}"
    );
    let deadline = std::time::Instant::now() + Duration::from_secs(90);
    loop {
        let html = admin.html(&run_page).await;
        if run_state(&html) != "running" {
            assert!(
                !html.contains("http-equiv=\"refresh\""),
                "an ended run stops reloading"
            );
            return html;
        }
        assert!(
            html.contains("http-equiv=\"refresh\""),
            "a running run reloads itself"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "the run did not end: {html}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

const ALL: [&str; 16] = [
    "session_token",
    "hosted_request",
    "hosted_success",
    "forged_return",
    "signed_return",
    "insite_request",
    "webhook",
    "decline",
    "three_ds",
    "order_query",
    "transaction_query",
    "capture",
    "void",
    "logistics",
    "refund",
    "refund_query",
];

fn count(app: &TestApp, email: &str) -> i64 {
    orders::table
        .filter(orders::email.eq(email))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count")
}

#[tokio::test]
async fn the_button_runs_every_checklist_item_on_the_simulator_and_shows_each_row() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let html = run_from_the_go_live_page(&admin).await;
    assert_eq!(run_state(&html), "passed", "{html}");
    let rows = rows(&html);
    let checks: Vec<&str> = rows.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(checks, ALL, "every check, in order");
    for (check, outcome) in &rows {
        let expected = if check == "capture" || check == "void" {
            "skipped" // a sale gateway: said so, not failed
        } else {
            "passed"
        };
        assert_eq!(outcome, expected, "{check}: {html}");
    }
    assert!(
        html.contains("ASIABILL_PREAUTH=true"),
        "the skip says how to test them"
    );
    // Each row links to the gateway calls of its order.
    assert!(html.contains("/admin/gateway-calls?q=A1"), "{html}");

    // What it did is there to see, as a merchant's own order would be.
    let mut conn = app.db.get().expect("conn");
    assert_eq!(
        count(&app, "selftest@example.com"),
        3,
        "hosted, in-site, declined then 3DS"
    );
    let shipped: i64 = shipments::table
        .count()
        .get_result(&mut conn)
        .expect("shipments");
    assert_eq!(shipped, 1);
    let refunded: i64 = refunds::table
        .count()
        .get_result(&mut conn)
        .expect("refunds");
    assert_eq!(refunded, 1);

    // The hosted order's gateway calls include those naming only its tradeNo.
    let calls = admin.html("/admin/gateway-calls?q=A10001").await;
    for endpoint in ["checkout/payment", "logistics", "refund", "orderInfo"] {
        assert!(
            calls.contains(&format!("data-endpoint=\"{endpoint}")),
            "{endpoint}: {calls}"
        );
    }

    // The go-live page shows the latest run.
    let go_live = admin.html("/admin/go-live").await;
    assert!(go_live.contains("data-check=\"refund_query\""), "{go_live}");
    assert!(go_live.contains("data-run-state=\"passed\""));
}

#[tokio::test]
async fn on_the_pre_authorization_gateway_capture_and_void_run_too() {
    let app = spawn_app_with(|s| {
        s.asiabill_gateway_no = Some("12246004".into());
        s.asiabill_sign_key = Some("12H4567r".into());
        s.asiabill_preauth = Some("true".into());
    })
    .await;
    let admin = admin(&app).await;
    let html = run_from_the_go_live_page(&admin).await;
    assert_eq!(run_state(&html), "passed", "{html}");
    for (check, outcome) in rows(&html) {
        assert_eq!(outcome, "passed", "{check}: {html}");
    }
}

#[tokio::test]
async fn a_webhook_that_never_comes_fails_its_row_and_the_run() {
    let app = spawn_app().await;
    let sandbox = app.sandbox.as_ref().expect("simulator");
    sandbox.set_faults(Faults {
        drop_webhook_rate: 1.0,
        ..sandbox.faults()
    });
    let admin = admin(&app).await;
    let html = run_from_the_go_live_page(&admin).await;
    assert_eq!(run_state(&html), "failed");
    let rows = rows(&html);
    let webhook = rows.iter().find(|(c, _)| c == "webhook").expect("row");
    assert_eq!(webhook.1, "failed", "{html}");
    assert!(
        html.contains("no webhook in 30 s"),
        "says what was not seen"
    );
    // The rest still ran.
    assert_eq!(rows.len(), ALL.len());
}

#[tokio::test]
async fn a_second_press_while_a_run_is_under_way_shows_that_run() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let first = location(&admin.post("/admin/go-live/selftest", &[]).await);
    let second = admin.post("/admin/go-live/selftest", &[]).await;
    let runs: i64 = selftest_runs::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("runs");
    // Either the first was still running (refused, sent to it) or it had already ended.
    if runs == 1 {
        assert_eq!(location(&second), first);
    }
    // Let the runs end before the shop stops.
    let _ = run_from_the_go_live_page(&admin).await;
}

#[tokio::test]
async fn a_live_shop_offers_no_self_test_and_refuses_one() {
    let app = spawn_app_with(|s| {
        s.asiabill_env = Some("live".into());
        s.asiabill_gateway_no = Some("12999001".into());
        s.asiabill_sign_key = Some("a-live-key".into());
        s.shop_public_url = Some("https://shop.example.com".into());
    })
    .await;
    let admin = admin(&app).await;
    let page = admin.html("/admin/go-live").await;
    assert!(page.contains("data-selftest-refused"), "{page}");
    assert!(!page.contains("action=\"/admin/go-live/selftest\""));
    let r = admin.post("/admin/go-live/selftest", &[]).await;
    assert_eq!(location(&r), "/admin/go-live");
    let runs: i64 = selftest_runs::table
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("runs");
    assert_eq!(runs, 0);
    assert_eq!(count(&app, "selftest@example.com"), 0);
}

/// `shop selftest` on a fresh SQLite database, ports chosen by the OS.
fn shop_selftest(db: &std::path::Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shop"));
    cmd.arg("selftest")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", db)
        .env("SHOP_BIND", "127.0.0.1:0")
        .env("SANDBOX_BIND", "127.0.0.1:0")
        .env("RUST_LOG", "error")
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run shop selftest")
}

#[test]
fn shop_selftest_prints_the_table_and_exits_zero_when_every_check_passes() {
    let dir = tempfile::tempdir().expect("dir");
    let out = shop_selftest(&dir.path().join("shop.db"), &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("PASSED") || l.starts_with("SKIPPED") || l.starts_with("FAILED"))
        .collect();
    assert_eq!(lines.len(), ALL.len(), "{stdout}");
    assert!(
        stdout.contains("Refund query")
            && stdout.contains("Webhook to callbackUrl answered success"),
        "{stdout}"
    );
    assert!(
        stdout.contains("all 16 checks passed or were skipped"),
        "{stdout}"
    );
}

#[test]
fn shop_selftest_refuses_a_live_shop_before_it_starts() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("shop.db");
    let out = shop_selftest(
        &db,
        &[
            ("ASIABILL_ENV", "live"),
            ("ASIABILL_GATEWAY_NO", "12999001"),
            ("ASIABILL_SIGN_KEY", "a-live-key"),
            ("SHOP_PUBLIC_URL", "https://shop.example.com"),
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("never runs with ASIABILL_ENV=live"), "{err}");
    assert!(!db.exists(), "nothing was started: not even the database");
}
