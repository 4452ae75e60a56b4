//! Several processes: a separately running `shop sandbox`, two `shop serve` instances on one
//! database, a shop restarted mid-checkout and a shop killed between the gateway call and the
//! commit (the `after_gateway_call` failpoint).

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use asiabill::{ClientConfig, Credentials, Environment};
use asiabill_shop::{
    config::DatabaseUrl,
    db::schema::{jobs, orders, payment_attempts, payment_events},
};
use diesel::prelude::*;
use secrecy::ExposeSecret;

use crate::helpers::{TestDb, client, csrf_token, hidden_field, meta_csrf_token};

/// A child process killed when dropped.
struct Proc {
    child: Child,
    log: PathBuf,
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Proc {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn spawn(args: &[&str], env: &[(&str, String)], name: &str) -> Proc {
    let dir = std::env::temp_dir().join(format!("shop-procs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("log dir");
    let log = dir.join(format!("{name}-{}.log", free_port()));
    let file = std::fs::File::create(&log).expect("log file");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shop"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "info")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(file.try_clone().expect("log"))
        .stderr(file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    Proc {
        child: cmd.spawn().expect("spawn shop"),
        log,
    }
}

async fn wait_until_up(url: &str, proc: &mut Proc) {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if http
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        if let Ok(Some(status)) = proc.child.try_wait() {
            panic!("process exited with {status}:\n{}", proc.log());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{url} did not come up:\n{}", proc.log());
}

async fn start_sandbox() -> (Proc, String) {
    let port = free_port();
    let mut proc = spawn(
        &["sandbox", "--bind", &format!("127.0.0.1:{port}")],
        &[("SANDBOX_TIME_FACTOR", "0.001".into())],
        "sandbox",
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&format!("{base}/"), &mut proc).await;
    (proc, base)
}

fn database_url(db: &TestDb) -> String {
    match &db.url {
        DatabaseUrl::Sqlite(p) => p.to_string_lossy().into_owned(),
        DatabaseUrl::Postgres(u) => u.expose_secret().to_owned(),
    }
}

async fn start_shop(
    db: &TestDb,
    sandbox: &str,
    port: u16,
    extra: &[(&str, String)],
) -> (Proc, String) {
    let mut env = vec![
        ("DATABASE_URL", database_url(db)),
        ("SHOP_BIND", format!("127.0.0.1:{port}")),
        ("ASIABILL_BASE_URL", sandbox.to_owned()),
        ("RECONCILE_AFTER_SECONDS", "1".into()),
        (
            "SHOP_SESSION_KEY",
            "a test session key that is long enough".into(),
        ),
        ("SHOP_ADMIN_EMAIL", "ops@example.com".into()),
        ("SHOP_ADMIN_PASSWORD", "a long enough secret".into()),
    ];
    env.extend(extra.iter().cloned());
    let mut proc = spawn(&["serve"], &env, "shop");
    let base = format!("http://127.0.0.1:{port}");
    wait_until_up(&format!("{base}/healthz"), &mut proc).await;
    (proc, base)
}

/// Sets the separately running simulator's fault switches through its console.
async fn drop_webhooks(sandbox: &str, drop: bool) {
    let http = client();
    let console = http
        .get(format!("{sandbox}/console"))
        .send()
        .await
        .expect("console");
    let html = console.text().await.expect("html");
    let csrf = hidden_field(&html, "csrf").expect("console token");
    let rate = if drop { "1" } else { "0" };
    let r = http
        .post(format!("{sandbox}/console/faults"))
        .form(&[("csrf", csrf.as_str()), ("drop_webhook_rate", rate)])
        .send()
        .await
        .expect("faults");
    assert!(
        r.status().is_redirection() || r.status().is_success(),
        "{}",
        r.status()
    );
}

/// A shopper on one shop: cart, checkout, and the payment page's CSRF token.
struct Shopper {
    http: reqwest::Client,
    base: String,
}

impl Shopper {
    fn new(base: &str) -> Self {
        Shopper {
            http: client(),
            base: base.to_owned(),
        }
    }

    async fn html(&self, path: &str) -> String {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.text().await.expect("body")
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("POST")
    }

    /// Puts a mug in the cart and checks out; returns the order token.
    async fn place_order(&self) -> String {
        let product = self.html("/products/ceramic-mug").await;
        let csrf = meta_csrf_token(&product).expect("csrf");
        let id = hidden_field(&product, "product_id").expect("product id");
        let r = self
            .post(
                "/cart/items",
                &[
                    ("csrf_token", &csrf),
                    ("product_id", &id),
                    ("quantity", "1"),
                ],
            )
            .await;
        assert!(r.status().is_redirection());
        let checkout = self.html("/checkout").await;
        let key = hidden_field(&checkout, "idempotency_key").expect("key");
        let r = self
            .post(
                "/checkout",
                &[
                    ("csrf_token", &csrf),
                    ("idempotency_key", &key),
                    ("email", "multi@example.com"),
                    ("phone", "5550100"),
                    ("billing_first_name", "Multi"),
                    ("billing_last_name", "Instance"),
                    ("billing_address", "2 Harbour Street"),
                    ("billing_city", "Portland"),
                    ("billing_state", "OR"),
                    ("billing_zip", "97201"),
                    ("billing_country", "US"),
                    ("shipping_same", "on"),
                    ("payment_mode", "insite"),
                ],
            )
            .await;
        let to = crate::helpers::location(&r);
        to.trim_start_matches("/orders/")
            .split('/')
            .next()
            .expect("token")
            .to_owned()
    }

    /// Pays in-site with the success card (tokenised at the simulator, as the iframe does).
    async fn pay(&self, token: &str, sandbox: &str) -> reqwest::Result<reqwest::Response> {
        let pm = tokenise(sandbox).await;
        let page = self.html(&format!("/orders/{token}/pay")).await;
        let csrf = csrf_token(&page).expect("csrf");
        self.http
            .post(format!("{}/orders/{token}/pay", self.base))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("mode", "insite"),
                ("customerPaymentMethodId", &pm),
            ])
            .send()
            .await
    }
}

async fn tokenise(sandbox: &str) -> String {
    let client = asiabill::Client::new(
        Environment::custom(sandbox).expect("url"),
        Credentials::public_test_account(),
        ClientConfig::default(),
    )
    .expect("client");
    crate::payments::tokenise_with(&client, crate::payments::SUCCESS).await
}

async fn wait_for(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..400 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for: {what}");
}

#[tokio::test]
async fn two_instances_on_one_database_share_the_work_and_every_order_ends_right() {
    let test_db = TestDb::new();
    let (_sandbox, sandbox) = start_sandbox().await;
    // Both start at once: migrations, seed and first admin must happen once.
    let (a, b) = tokio::join!(
        start_shop(&test_db, &sandbox, free_port(), &[]),
        start_shop(&test_db, &sandbox, free_port(), &[])
    );
    let ((_pa, a), (_pb, b)) = (a, b);
    let db = test_db.connect();

    // Half the orders get their webhooks; the other half only the reconciler can settle.
    let mut tokens = Vec::new();
    for (i, base) in [&a, &b, &a, &b, &a, &b].into_iter().enumerate() {
        drop_webhooks(&sandbox, i >= 2 && i % 2 == 0).await;
        let shopper = Shopper::new(base);
        let token = shopper.place_order().await;
        let r = shopper.pay(&token, &sandbox).await.expect("pay");
        assert!(r.status().is_redirection(), "{}", r.status());
        tokens.push(token);
    }
    drop_webhooks(&sandbox, false).await;
    wait_for("every order paid", || {
        let paid: i64 = orders::table
            .filter(orders::status.eq("paid"))
            .count()
            .get_result(&mut db.get().expect("conn"))
            .expect("count");
        paid == 6
    })
    .await;
    let mut conn = db.get().expect("conn");
    let products: i64 = asiabill_shop::db::schema::products::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(products, 12, "seeded once");
    let paid_events: i64 = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(paid_events, 6, "one transition per order");
    let failed_jobs: i64 = jobs::table
        .filter(jobs::status.eq("failed"))
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(failed_jobs, 0);
}

#[tokio::test]
async fn a_shop_killed_after_the_gateway_call_is_brought_right_by_the_reconciler() {
    let test_db = TestDb::new();
    let (_sandbox, sandbox) = start_sandbox().await;
    let port = free_port();
    let (mut doomed, base) = start_shop(
        &test_db,
        &sandbox,
        port,
        &[("SHOP_FAILPOINT", "after_gateway_call".into())],
    )
    .await;
    // No webhook may rescue it: only the reconciler of the restarted shop.
    drop_webhooks(&sandbox, true).await;
    let shopper = Shopper::new(&base);
    let token = shopper.place_order().await;
    let paid = shopper.pay(&token, &sandbox).await;
    assert!(
        paid.is_err() || paid.is_ok_and(|r| r.status().is_server_error()),
        "the shop died"
    );
    let exit = doomed.child.wait().expect("exit");
    assert!(!exit.success(), "aborted at the failpoint");
    assert!(doomed.log().contains("failpoint after_gateway_call"));

    let db = test_db.connect();
    let status: String = payment_attempts::table
        .select(payment_attempts::status)
        .first(&mut db.get().expect("conn"))
        .expect("attempt");
    assert_eq!(status, "created", "the answer was never recorded");

    let (_restarted, _) = start_shop(&test_db, &sandbox, port, &[]).await;
    wait_for("the reconciler settles the order", || {
        let status: String = orders::table
            .select(orders::status)
            .first(&mut db.get().expect("conn"))
            .expect("order");
        status == "paid"
    })
    .await;
    let source: String = payment_events::table
        .filter(payment_events::kind.eq("payment_paid"))
        .select(payment_events::source)
        .first(&mut db.get().expect("conn"))
        .expect("event");
    assert_eq!(source, "query");
}

#[tokio::test]
async fn a_shop_restarted_in_the_middle_of_a_checkout_lets_the_shopper_finish() {
    let test_db = TestDb::new();
    let (_sandbox, sandbox) = start_sandbox().await;
    let port = free_port();
    let (first, base) = start_shop(&test_db, &sandbox, port, &[]).await;
    let shopper = Shopper::new(&base);
    let token = shopper.place_order().await;
    drop(first); // killed between checkout and payment
    let (_second, _) = start_shop(&test_db, &sandbox, port, &[]).await;
    let r = shopper
        .pay(&token, &sandbox)
        .await
        .expect("pay on the restarted shop");
    assert_eq!(crate::helpers::location(&r), format!("/orders/{token}"));
    let db = test_db.connect();
    let status: String = orders::table
        .select(orders::status)
        .first(&mut db.get().expect("conn"))
        .expect("order");
    assert_eq!(status, "paid");
}
