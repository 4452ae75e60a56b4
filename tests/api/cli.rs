//! The `shop` binary as an operator meets it.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use asiabill_shop::db::schema::admin_users;
use diesel::prelude::*;

use crate::helpers::TestDb;

/// Runs `shop` with a clean environment plus `env`, and `stdin` on its standard input.
fn shop(args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shop"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run shop");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn database_url(db: &TestDb) -> String {
    match &db.url {
        asiabill_shop::config::DatabaseUrl::Sqlite(p) => p.to_string_lossy().into_owned(),
        asiabill_shop::config::DatabaseUrl::Postgres(u) => {
            use secrecy::ExposeSecret;
            u.expose_secret().to_owned()
        }
    }
}

#[test]
fn help_is_available_for_every_command() {
    let top = shop(&["--help"], &[], None);
    assert!(top.status.success());
    let out = text(&top.stdout);
    for sub in ["serve", "migrate", "sandbox", "reconcile", "admin"] {
        assert!(out.contains(sub), "{sub} missing from --help:\n{out}");
    }
    for args in [
        &["serve", "--help"][..],
        &["migrate", "--help"],
        &["sandbox", "--help"],
        &["reconcile", "--help"],
        &["admin", "--help"],
        &["admin", "create-user", "--help"],
    ] {
        let o = shop(args, &[], None);
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    }
    assert!(text(&shop(&["sandbox", "--help"], &[], None).stdout).contains("--bind"));
    assert!(text(&shop(&["admin", "create-user", "--help"], &[], None).stdout).contains("--email"));
}

#[test]
fn bad_settings_stop_the_shop_with_one_message_each() {
    let out = shop(
        &["migrate"],
        &[
            ("SHOP_CURRENCY", "KWD"),
            ("ASIABILL_ENV", "live"),
            ("ASIABILL_GATEWAY_NO", "12246002"),
            ("ASIABILL_SIGN_KEY", "12H4567r"),
            ("SHOP_PUBLIC_URL", "http://shop.example.com"),
            ("ASIABILL_TIMEOUT_SECONDS", "0"),
        ],
        None,
    );
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(err.contains("ASIABILL_TIMEOUT_SECONDS is `0`"), "{err}");
    assert!(
        err.contains("SHOP_CURRENCY") && err.contains("KWD has 3 decimals"),
        "{err}"
    );
    assert!(err.contains("public test account"), "{err}");
    assert!(
        err.contains("SHOP_PUBLIC_URL") && err.contains("https"),
        "{err}"
    );
}

#[test]
fn shop_toml_is_read_and_the_environment_wins() {
    let dir = tempfile::tempdir().expect("dir");
    std::fs::write(
        dir.path().join("shop.toml"),
        "shop_currency = \"KWD\"\nshop_reservation_minutes = 0\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("migrate")
        .env_clear()
        .env("SHOP_CURRENCY", "EUR")
        .env("DATABASE_URL", dir.path().join("x.db"))
        .current_dir(dir.path())
        .output()
        .expect("run");
    let err = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("SHOP_RESERVATION_MINUTES"),
        "file value read: {err}"
    );
    assert!(
        !err.contains("KWD"),
        "environment wins over the file: {err}"
    );

    std::fs::write(dir.path().join("shop.toml"), "shop_curency = \"EUR\"\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("migrate")
        .env_clear()
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("shop_curency"),
        "a typo is named"
    );
}

#[test]
fn migrate_then_create_an_admin_from_standard_input() {
    let db = TestDb::new();
    let url = database_url(&db);
    let out = shop(&["migrate"], &[("DATABASE_URL", &url)], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("migration(s) applied"));

    let out = shop(
        &["admin", "create-user", "--email", "Ops@Example.com"],
        &[("DATABASE_URL", &url)],
        Some("a strong passphrase\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let again = shop(
        &["admin", "create-user", "--email", "ops@example.com"],
        &[
            ("DATABASE_URL", &url),
            ("SHOP_ADMIN_PASSWORD", "another passphrase"),
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("already exists"));

    let short = shop(
        &["admin", "create-user", "--email", "x@example.com"],
        &[("DATABASE_URL", &url)],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(text(&short.stderr).contains("at least 10"));

    let conn_db = db.connect();
    let emails: Vec<String> = admin_users::table
        .select(admin_users::email)
        .load(&mut conn_db.get().expect("conn"))
        .expect("emails");
    assert_eq!(emails, ["ops@example.com"]);
}

#[test]
fn a_postgres_url_that_does_not_answer_is_reported_not_mistaken_for_a_file() {
    let dir = tempfile::tempdir().expect("dir");
    let out = Command::new(env!("CARGO_BIN_EXE_shop"))
        .arg("migrate")
        .env_clear()
        .env("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .current_dir(dir.path())
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot open the database")
            || text(&out.stderr).contains("database")
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no stray SQLite file"
    );
}

#[test]
fn reconcile_runs_one_pass_and_reports_it() {
    let db = TestDb::new();
    let out = shop(
        &["reconcile"],
        &[
            ("DATABASE_URL", &database_url(&db)),
            ("ASIABILL_BASE_URL", "http://127.0.0.1:9"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 attempt(s) checked, 0 settled; 0 refund(s) checked"),
        "{}",
        text(&out.stdout)
    );
}

/// Runs `shop serve` with `env`; returns its exit status and standard error, or `None` when it
/// was still serving after `seconds` (then it is stopped).
fn serve_briefly(env: &[(&str, &str)], seconds: u64) -> Option<(std::process::ExitStatus, String)> {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("shop.db");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shop"));
    cmd.arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &db)
        .env("SANDBOX_BIND", "127.0.0.1:0")
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("run shop");
    for _ in 0..seconds * 10 {
        if let Some(status) = child.try_wait().expect("wait") {
            let mut err = String::new();
            std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut err)
                .expect("read");
            return Some((status, err));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

#[test]
fn a_test_gateway_on_a_public_address_does_not_start_unless_allowed() {
    for (env, setting, exposed) in [
        ("local", "SHOP_BIND", ("SHOP_BIND", "0.0.0.0:0")),
        (
            "sandbox",
            "SHOP_PUBLIC_URL",
            ("SHOP_PUBLIC_URL", "https://shop.example.com"),
        ),
    ] {
        let (status, err) = serve_briefly(&[("ASIABILL_ENV", env), exposed], 30)
            .unwrap_or_else(|| panic!("ASIABILL_ENV={env} with {exposed:?} kept serving"));
        assert!(!status.success(), "{err}");
        assert!(
            err.contains(setting) && err.contains("SHOP_ALLOW_TEST_GATEWAY=true"),
            "{err}"
        );
    }
    assert!(
        serve_briefly(
            &[
                ("SHOP_BIND", "0.0.0.0:0"),
                ("SHOP_ALLOW_TEST_GATEWAY", "true")
            ],
            3
        )
        .is_none(),
        "allowed on purpose, the shop serves"
    );
    assert!(
        serve_briefly(&[("SHOP_BIND", "127.0.0.1:0")], 3).is_none(),
        "loopback needs no setting"
    );
}
