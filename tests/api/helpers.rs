//! The test harness: fresh databases, a spawned shop, and a cookie-keeping HTTP client.

use std::{
    path::{Path, PathBuf},
    sync::atomic::{AtomicU32, Ordering},
    time::Duration,
};

use asiabill_shop::{
    config::{DatabaseUrl, RawSettings, Settings},
    db::{Db, DbConnection, migrate},
    startup::{Application, GeneratedAdmin},
};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, sql_query, sql_types::Text};
use sha2::{Digest, Sha256};

/// A database of its own for one test: a SQLite file in a temporary folder, or, when
/// `TEST_DATABASE_URL` is a PostgreSQL URL, a uniquely named PostgreSQL database cloned from a
/// migrated template and dropped when this value is dropped.
pub struct TestDb {
    pub url: DatabaseUrl,
    postgres: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL server URL the suite runs against, if any.
pub fn postgres_server() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres://") || u.starts_with("postgresql://"))
}

impl TestDb {
    pub fn new() -> TestDb {
        match postgres_server() {
            Some(server) => TestDb::postgres(&server),
            None => TestDb::sqlite(),
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        TestDb {
            url: DatabaseUrl::Sqlite(dir.path().join("shop.db")),
            postgres: None,
            _dir: Some(dir),
        }
    }

    pub fn postgres(server: &str) -> TestDb {
        let template = ensure_template(server);
        let name = unique_name("shop_test");
        let mut admin = PgConnection::establish(server)
            .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL refused: {e}"));
        // Cloning fails while another session is connected to the template; that only lasts
        // as long as another test process creates it, so wait a little.
        let mut tries = 0;
        loop {
            match sql_query(format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .execute(&mut admin)
            {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    eprintln!("retrying clone of {template}: {e}");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot create test database {name}: {e}"),
            }
        }
        TestDb {
            url: DatabaseUrl::parse(&database_url(server, &name)).expect("test URL"),
            postgres: Some((server.to_owned(), name)),
            _dir: None,
        }
    }

    /// A pool on this database, migrated.
    pub fn connect(&self) -> Db {
        let db = Db::connect(&self.url).expect("connect to the test database");
        migrate::run_pending(&mut db.get().expect("connection")).expect("migrate");
        db
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((server, name)) = &self.postgres
            && let Ok(mut admin) = PgConnection::establish(server)
        {
            let _ = sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin);
        }
    }
}

fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        rand_suffix()
    )
}

fn rand_suffix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{nanos:08x}")
}

/// `server` with its database name replaced by `name`.
fn database_url(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).expect("TEST_DATABASE_URL is a URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

#[derive(QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = Text)]
    #[expect(dead_code, reason = "only the row's presence matters")]
    datname: String,
}

/// The name of a PostgreSQL database holding the current migrations, created once per schema:
/// the name carries a hash of the migration files, so a changed schema gets a new template.
fn ensure_template(server: &str) -> String {
    let name = format!("shop_tpl_{}", migrations_hash());
    let mut admin = PgConnection::establish(server)
        .unwrap_or_else(|e| panic!("TEST_DATABASE_URL is set but PostgreSQL refused: {e}"));
    // Test binaries may run in parallel: one creates the template, the others wait.
    sql_query("SELECT pg_advisory_lock(7310)")
        .execute(&mut admin)
        .expect("lock");
    let exists = !sql_query("SELECT datname FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(&name)
        .load::<DatabaseName>(&mut admin)
        .expect("list databases")
        .is_empty();
    if !exists {
        let building = format!("{name}_building");
        sql_query(format!(
            "DROP DATABASE IF EXISTS \"{building}\" WITH (FORCE)"
        ))
        .execute(&mut admin)
        .expect("drop a half-built template");
        sql_query(format!("CREATE DATABASE \"{building}\""))
            .execute(&mut admin)
            .expect("create template");
        {
            let mut conn = DbConnection::Pg(
                PgConnection::establish(&database_url(server, &building)).expect("template"),
            );
            migrate::run_pending(&mut conn).expect("migrate template");
        }
        sql_query(format!(
            "ALTER DATABASE \"{building}\" RENAME TO \"{name}\""
        ))
        .execute(&mut admin)
        .expect("publish template");
    }
    sql_query("SELECT pg_advisory_unlock(7310)")
        .execute(&mut admin)
        .expect("unlock");
    name
}

fn migrations_hash() -> String {
    fn walk(dir: &Path, files: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("migrations folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                walk(&path, files);
            } else {
                files.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hasher = Sha256::new();
    for f in files {
        hasher.update(
            f.strip_prefix(&root)
                .expect("inside")
                .to_string_lossy()
                .as_bytes(),
        );
        hasher.update(std::fs::read(&f).expect("read migration"));
    }
    hex::encode(&hasher.finalize()[..6])
}

/// Settings for a test shop on `db`: ports chosen by the OS, the simulator in-process.
pub fn test_settings(db: &TestDb) -> RawSettings {
    let database_url = match &db.url {
        DatabaseUrl::Sqlite(path) => path.to_string_lossy().into_owned(),
        DatabaseUrl::Postgres(url) => {
            use secrecy::ExposeSecret;
            url.expose_secret().to_owned()
        }
    };
    RawSettings {
        database_url: Some(database_url),
        shop_bind: Some("127.0.0.1:0".into()),
        sandbox_bind: Some("127.0.0.1:0".into()),
        sandbox_time_factor: Some("0.001".into()),
        ..RawSettings::default()
    }
}

/// A running shop and a client that keeps cookies and does not follow redirects.
pub struct TestApp {
    pub address: String,
    pub settings: Settings,
    pub db: Db,
    pub client: reqwest::Client,
    pub generated_admin: Option<GeneratedAdmin>,
    /// The in-process simulator, when the shop started one.
    pub sandbox: Option<asiabill_sandbox::Sandbox>,
    /// Keeps the database until the app is dropped.
    pub _db_guard: std::sync::Arc<TestDb>,
}

/// A shop on a fresh database with default test settings.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A shop on a fresh database, with settings adjusted by `adjust`.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut RawSettings)) -> TestApp {
    spawn_app_on(std::sync::Arc::new(TestDb::new()), adjust).await
}

/// A shop on an existing test database (several instances on one database).
pub async fn spawn_app_on(
    test_db: std::sync::Arc<TestDb>,
    adjust: impl FnOnce(&mut RawSettings),
) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        asiabill_shop::telemetry::init();
    }
    let mut raw = test_settings(&test_db);
    adjust(&mut raw);
    let settings = raw.validate().expect("test settings are valid");
    let (app, generated_admin) = Application::build(settings).await.expect("build the shop");
    let port = app.port();
    let settings = (*app.state().settings).clone();
    let db = app.state().db.clone();
    let sandbox = app.sandbox().cloned();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        settings,
        db,
        client: client(),
        generated_admin,
        sandbox,
        _db_guard: test_db,
    }
}

/// An HTTP client that keeps cookies and shows redirects instead of following them.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_html(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.expect("body")
    }
}

/// Asserts a 303 (or other redirect) to `location`.
pub fn assert_is_redirect_to(response: &reqwest::Response, location: &str) {
    assert!(
        response.status().is_redirection(),
        "expected a redirect, got {}",
        response.status()
    );
    assert_eq!(
        response
            .headers()
            .get("Location")
            .and_then(|v| v.to_str().ok()),
        Some(location)
    );
}

/// The value of the first hidden `csrf_token` field of a page.
pub fn csrf_token(html: &str) -> Option<String> {
    first_attribute(html, r#"[name="csrf_token"]"#, "value")
}

/// The `attribute` of the first element of `html` that `selector` (CSS) matches.
pub fn first_attribute(html: &str, selector: &str, attribute: &str) -> Option<String> {
    let selector = scraper::Selector::parse(selector)
        .unwrap_or_else(|e| panic!("`{selector}` is not a CSS selector: {e}"));
    scraper::Html::parse_document(html)
        .select(&selector)
        .next()?
        .value()
        .attr(attribute)
        .map(str::to_owned)
}

#[test]
fn csrf_token_is_read_from_either_attribute_order() {
    let a = r#"<form><input type="hidden" name="csrf_token" value="abc123"></form>"#;
    let b = r#"<input value="x9" type="hidden" name="csrf_token"/>"#;
    assert_eq!(csrf_token(a).as_deref(), Some("abc123"));
    assert_eq!(csrf_token(b).as_deref(), Some("x9"));
    assert_eq!(csrf_token("<p>no form</p>"), None);
}

/// The session's CSRF token as the layout publishes it in `<meta name="csrf-token">`.
pub fn meta_csrf_token(html: &str) -> Option<String> {
    first_attribute(html, r#"meta[name="csrf-token"]"#, "content")
}

impl TestApp {
    /// Posts a URL-encoded form (the caller includes `csrf_token` when it wants one).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("POST")
    }

    /// Another shopper on the same shop: a browser of its own (cookies, cart).
    pub fn another_browser(&self) -> TestApp {
        TestApp {
            address: self.address.clone(),
            settings: self.settings.clone(),
            db: self.db.clone(),
            client: client(),
            generated_admin: None,
            sandbox: self.sandbox.clone(),
            _db_guard: self._db_guard.clone(),
        }
    }

    /// The session's CSRF token, read from any page.
    pub async fn csrf(&self) -> String {
        meta_csrf_token(&self.get_html("/").await).expect("csrf meta")
    }

    /// The id of the product with `slug`.
    pub fn product_id(&self, slug: &str) -> i64 {
        use asiabill_shop::db::schema::products;
        use diesel::prelude::*;
        products::table
            .filter(products::slug.eq(slug))
            .select(products::id)
            .first(&mut self.db.get().expect("conn"))
            .expect("product")
    }

    /// The stock of the product with `slug`.
    pub fn stock(&self, slug: &str) -> i64 {
        use asiabill_shop::db::schema::products;
        use diesel::prelude::*;
        products::table
            .filter(products::slug.eq(slug))
            .select(products::stock)
            .first(&mut self.db.get().expect("conn"))
            .expect("product")
    }

    /// Adds `quantity` of `slug` to the cart and checks it was accepted.
    pub async fn add_to_cart(&self, slug: &str, quantity: i64) {
        let token = self.csrf().await;
        let id = self.product_id(slug).to_string();
        let q = quantity.to_string();
        let response = self
            .post_form(
                "/cart/items",
                &[
                    ("csrf_token", &token),
                    ("product_id", &id),
                    ("quantity", &q),
                ],
            )
            .await;
        assert_is_redirect_to(&response, "/cart");
    }

    /// Fills the checkout form with a valid US address and posts it; returns the response.
    pub async fn checkout(&self, mode: &str, adjust: &[(&str, &str)]) -> reqwest::Response {
        let page = self.get_html("/checkout").await;
        let token = csrf_token(&page).expect("csrf field on checkout");
        let key = hidden_field(&page, "idempotency_key").expect("idempotency key");
        let mut fields: Vec<(String, String)> = [
            ("csrf_token", token.as_str()),
            ("idempotency_key", key.as_str()),
            ("email", "ana@example.com"),
            ("phone", "+1 503 555 0100"),
            ("billing_first_name", "Ana"),
            ("billing_last_name", "Lima"),
            ("billing_address", "1 Harbour Street"),
            ("billing_city", "Portland"),
            ("billing_state", "OR"),
            ("billing_zip", "97201"),
            ("billing_country", "US"),
            ("shipping_same", "on"),
            ("payment_mode", mode),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
        for (k, v) in adjust {
            fields.retain(|(name, _)| name != k);
            if !v.is_empty() || !k.starts_with('-') {
                fields.push(((*k).to_owned(), (*v).to_owned()));
            }
        }
        self.client
            .post(self.url("/checkout"))
            .form(&fields)
            .send()
            .await
            .expect("POST /checkout")
    }
}

/// The value of the hidden input named `name`.
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    first_attribute(
        html,
        &format!(r#"input[type="hidden"][name="{name}"]"#),
        "value",
    )
}

/// The `Location` header of a redirect.
pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("Location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}
