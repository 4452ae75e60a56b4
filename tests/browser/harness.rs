//! What every browser scenario needs: chromedriver and a Chromium session, a shop on a fresh
//! database with its simulator, polling helpers for the page, the captured log, the database dump
//! and the check that no typed card data reached either.

use std::{
    io::Write,
    panic::AssertUnwindSafe,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use asiabill_shop::{config::RawSettings, db::Db, startup::Application};
use diesel::{
    Connection, QueryableByName, RunQueryDsl, SqliteConnection, sql_query,
    sql_types::{Nullable, Text},
};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element, wd::Capabilities};
use futures_util::FutureExt;
use hyper_util::client::legacy::connect::HttpConnector;

/// How long a step waits for the page to show what it expects.
pub const WAIT: Duration = Duration::from_secs(10);
/// How often a waiting step looks again.
const POLL: Duration = Duration::from_millis(50);
/// A whole scenario never takes longer than this (a hung page fails instead of hanging CI).
const SCENARIO_LIMIT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// Running a scenario

/// A running shop and a browser pointed at it.
pub struct Ctx {
    pub shop: Shop,
    pub browser: Browser,
}

/// Runs one scenario: a fresh shop (settings adjusted by `adjust`), a fresh chromedriver and
/// Chromium, `body`, then the card-data check. On failure it saves a screenshot and the page
/// source, prints the end of the log, and fails the test. Skips (returns) when chromedriver is
/// missing, unless `CI` is set.
pub async fn scenario(
    name: &str,
    adjust: impl FnOnce(&mut RawSettings),
    body: impl AsyncFnOnce(&Ctx),
) {
    let Some(chromedriver) = chromedriver_or_skip(name) else {
        return;
    };
    let logs = captured_logs();
    let shop = spawn_shop(adjust).await;
    let driver = Driver::start(&chromedriver).await;
    let profile = tempfile::tempdir().expect("Chromium profile folder");
    let client = new_session(&driver.url, profile.path()).await;
    let ctx = Ctx {
        browser: Browser {
            client,
            shop_url: shop.address.clone(),
        },
        shop,
    };

    let run = async {
        body(&ctx).await;
        assert_no_card_data(&ctx.shop, logs);
    };
    let outcome = AssertUnwindSafe(tokio::time::timeout(SCENARIO_LIMIT, run))
        .catch_unwind()
        .await;
    let failed = !matches!(outcome, Ok(Ok(())));
    if failed {
        save_evidence(&ctx.browser, name).await;
        print_log_tail(logs, 60);
    }
    let _ = ctx.browser.client.clone().close().await;
    drop(driver);
    drop(profile);
    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(_)) => panic!("scenario {name} did not finish within {SCENARIO_LIMIT:?}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Where screenshots of failed scenarios go.
fn screenshot_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/browser-screenshots")
}

async fn save_evidence(browser: &Browser, name: &str) {
    let dir = screenshot_dir();
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("[{name}] cannot create {}: {e}", dir.display());
        return;
    }
    // The page source is the current frame's; leave the card frame first.
    let _ = browser.client.enter_parent_frame().await;
    if let Ok(url) = browser.client.current_url().await {
        eprintln!("[{name}] last page: {url}");
    }
    match browser.client.screenshot().await {
        Ok(png) => {
            let path = dir.join(format!("{name}.png"));
            match std::fs::write(&path, png) {
                Ok(()) => eprintln!("[{name}] screenshot: {}", path.display()),
                Err(e) => eprintln!("[{name}] cannot write {}: {e}", path.display()),
            }
        }
        Err(e) => eprintln!("[{name}] no screenshot: {e}"),
    }
    if let Ok(html) = browser.client.source().await {
        let _ = std::fs::write(dir.join(format!("{name}.html")), html);
    }
}

// ---------------------------------------------------------------------------------------------
// chromedriver and Chromium

fn chromedriver_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMEDRIVER") {
        return Some(PathBuf::from(path)).filter(|p| p.is_file());
    }
    let in_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("chromedriver"))
            .find(|p| p.is_file())
    });
    in_path.or_else(|| Some(PathBuf::from("/usr/bin/chromedriver")).filter(|p| p.is_file()))
}

fn chromedriver_or_skip(name: &str) -> Option<PathBuf> {
    let found = chromedriver_binary();
    if found.is_none() {
        let why = "chromedriver not found (apt-get install chromium chromium-driver, or set CHROMEDRIVER)";
        if std::env::var_os("CI").is_some() {
            panic!("browser tests are mandatory in CI: {why}");
        }
        eprintln!("skipping browser scenario {name}: {why}");
    }
    found
}

/// A chromedriver process of one scenario, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    async fn start(binary: &Path) -> Driver {
        let status_client = reqwest::Client::builder()
            .timeout(Duration::from_secs(2))
            .build()
            .expect("HTTP client");
        let mut last_error = String::new();
        for _ in 0..3 {
            let port = free_port();
            let mut child = Command::new(binary)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            let url = format!("http://127.0.0.1:{port}");
            let deadline = Instant::now() + WAIT;
            while Instant::now() < deadline {
                if let Ok(Some(status)) = child.try_wait() {
                    last_error = format!("chromedriver exited with {status}");
                    break;
                }
                match status_client.get(format!("{url}/status")).send().await {
                    Ok(r) if r.status().is_success() => return Driver { child, url },
                    Ok(r) => last_error = format!("/status answered {}", r.status()),
                    Err(e) => last_error = e.to_string(),
                }
                tokio::time::sleep(POLL).await;
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("chromedriver did not come up: {last_error}");
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

fn chromium_binary() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROME_BIN") {
        return Some(PathBuf::from(path));
    }
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

async fn new_session(driver_url: &str, profile: &Path) -> Client {
    let mut options = serde_json::json!({
        "args": [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            // Phones overlay their scrollbars: without this a 390 px window lays pages out
            // 375 px wide, and overflow up to the scrollbar's width goes unseen.
            "--hide-scrollbars",
            "--window-size=1280,1000",
            format!("--user-data-dir={}", profile.display()),
        ],
    });
    if let Some(binary) = chromium_binary() {
        options["binary"] = binary.to_string_lossy().into_owned().into();
    }
    let mut capabilities = Capabilities::new();
    capabilities.insert("goog:chromeOptions".into(), options);
    ClientBuilder::new(HttpConnector::new())
        .capabilities(capabilities)
        .connect(driver_url)
        .await
        .unwrap_or_else(|e| panic!("cannot open a Chromium session through {driver_url}: {e}"))
}

// ---------------------------------------------------------------------------------------------
// The shop

/// A shop on a fresh SQLite database, with its simulator in-process.
pub struct Shop {
    pub address: String,
    pub db: Db,
    pub db_path: PathBuf,
    pub sandbox: asiabill_sandbox::Sandbox,
    _dir: tempfile::TempDir,
}

/// Starts a shop: both ports chosen by the OS, the simulator's clock sped up.
pub async fn spawn_shop(adjust: impl FnOnce(&mut RawSettings)) -> Shop {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("shop.db");
    let mut raw = RawSettings {
        database_url: Some(db_path.to_string_lossy().into_owned()),
        shop_bind: Some("127.0.0.1:0".into()),
        sandbox_bind: Some("127.0.0.1:0".into()),
        sandbox_time_factor: Some("0.001".into()),
        ..RawSettings::default()
    };
    adjust(&mut raw);
    let settings = raw.validate().expect("test settings are valid");
    let (app, _generated_admin) = Application::build(settings).await.expect("build the shop");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.state().db.clone();
    let sandbox = app
        .sandbox()
        .cloned()
        .expect("the shop runs its simulator in-process");
    tokio::spawn(app.run_until_stopped());
    Shop {
        address,
        db,
        db_path,
        sandbox,
        _dir: dir,
    }
}

impl Shop {
    /// `orders.status` of the order with page token `token`.
    pub fn order_status(&self, token: &str) -> String {
        use asiabill_shop::db::schema::orders;
        use diesel::prelude::*;
        orders::table
            .filter(orders::access_token.eq(token))
            .select(orders::status)
            .first(&mut self.db.get().expect("connection"))
            .expect("the order")
    }

    /// `product_variants.stock` of the variant with SKU `sku`.
    pub fn variant_stock(&self, sku: &str) -> i64 {
        use asiabill_shop::db::schema::product_variants;
        use diesel::prelude::*;
        product_variants::table
            .filter(product_variants::sku.eq(sku))
            .select(product_variants::stock)
            .first(&mut self.db.get().expect("connection"))
            .unwrap_or_else(|e| panic!("the variant {sku}: {e}"))
    }

    /// Statuses of the order's payment attempts, oldest first.
    pub fn attempt_statuses(&self, token: &str) -> Vec<String> {
        use asiabill_shop::db::schema::{orders, payment_attempts};
        use diesel::prelude::*;
        payment_attempts::table
            .inner_join(orders::table)
            .filter(orders::access_token.eq(token))
            .order(payment_attempts::sequence)
            .select(payment_attempts::status)
            .load(&mut self.db.get().expect("connection"))
            .expect("attempts")
    }
}

// ---------------------------------------------------------------------------------------------
// The browser

/// A Chromium session and the shop it shops at.
pub struct Browser {
    pub client: Client,
    shop_url: String,
}

impl Browser {
    /// Opens `path` of the shop.
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.shop_url);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// The current page's URL.
    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("current URL")
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + WAIT;
        loop {
            let last = match self.client.find(Locator::Css(css)).await {
                Ok(e) => return e,
                Err(e) => e.to_string(),
            };
            if Instant::now() >= deadline {
                panic!(
                    "no element {css} on {} after {WAIT:?}: {last}",
                    self.url_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Clicks the element matching `css` (retrying while it is not yet clickable).
    pub async fn click(&self, css: &str) {
        let deadline = Instant::now() + WAIT;
        loop {
            let result = self.find(css).await.click().await;
            match result {
                Ok(()) => return,
                Err(e) if Instant::now() >= deadline => {
                    panic!("cannot click {css} on {}: {e}", self.url_text().await)
                }
                Err(_) => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Replaces the value of the input matching `css` with `text`, typed key by key.
    pub async fn fill(&self, css: &str, text: &str) {
        let input = self.find(css).await;
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        input
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Chooses the option with value `value` of the select matching `css`.
    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("cannot choose {value} in {css}: {e}"));
    }

    /// Chooses the option showing `label` in the select matching `css`, as a person picks it
    /// from the list.
    pub async fn choose(&self, css: &str, label: &str) {
        self.find(css)
            .await
            .select_by_label(label)
            .await
            .unwrap_or_else(|e| panic!("cannot choose {label:?} in {css}: {e}"));
    }

    /// Waits until the text of the element matching `css` contains `needle`; returns that text.
    pub async fn wait_for_text(&self, css: &str, needle: &str) -> String {
        let mut seen = String::from("(no such element)");
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(e) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = e.text().await
            {
                if text.contains(needle) {
                    return text;
                }
                seen = text;
            }
            if Instant::now() >= deadline {
                panic!(
                    "{css} on {} never said {needle:?} within {WAIT:?}; it said {seen:?}",
                    self.url_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the text of one of the elements matching `css` contains `needle`; returns
    /// that element's text.
    pub async fn wait_for_text_in_any(&self, css: &str, needle: &str) -> String {
        let mut seen = Vec::new();
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(found) = self.client.find_all(Locator::Css(css)).await {
                seen.clear();
                for e in found {
                    if let Ok(text) = e.text().await {
                        if text.contains(needle) {
                            return text;
                        }
                        seen.push(text);
                    }
                }
            }
            if Instant::now() >= deadline {
                panic!(
                    "no {css} on {} said {needle:?} within {WAIT:?}; they said {seen:?}",
                    self.url_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the page's URL satisfies `ok`; `what` names the expectation.
    pub async fn wait_for_url(&self, what: &str, ok: impl Fn(&url::Url) -> bool) -> url::Url {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(url) = self.client.current_url().await
                && ok(&url)
            {
                return url;
            }
            if Instant::now() >= deadline {
                panic!(
                    "never reached {what} within {WAIT:?}; stayed on {}",
                    self.url_text().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until the page is the shop's `path`.
    pub async fn wait_for_shop_path(&self, path: &str) -> url::Url {
        let origin = self.shop_url.clone();
        self.wait_for_url(&format!("{origin}{path}"), |u| {
            u.as_str().starts_with(&origin) && u.path() == path
        })
        .await
    }

    /// Whether the page's URL is on the shop.
    pub fn is_shop(&self, url: &url::Url) -> bool {
        url.as_str().starts_with(&self.shop_url)
    }

    /// Sizes the window so that the page's viewport is `width` × `height` CSS pixels, as on a
    /// phone (390 wide) or a laptop (1366). Only a resize after start-up goes below Chromium's
    /// 500 px minimum window width.
    pub async fn set_viewport(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("cannot resize the window to {width}×{height}: {e}"));
        let inner = self
            .client
            .execute("return window.innerWidth", vec![])
            .await
            .expect("window.innerWidth");
        assert_eq!(
            inner.as_u64(),
            Some(u64::from(width)),
            "the viewport is {width} px wide"
        );
    }

    /// Fails when the current page (or frame) is wider than the viewport, i.e. scrolls
    /// sideways; names the element reaching furthest right. `what` names the page.
    pub async fn assert_no_horizontal_overflow(&self, what: &str) {
        let seen = self
            .client
            .execute(
                r##"
                const doc = document.documentElement;
                let widest = "", right = 0;
                for (const e of document.body.querySelectorAll("*")) {
                  const r = e.getBoundingClientRect();
                  if (r.width > 0 && r.right > right) {
                    right = r.right;
                    widest = e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                      (typeof e.className === "string" && e.className ? "." + e.className.trim().split(/\s+/).join(".") : "");
                  }
                }
                return [doc.scrollWidth, window.innerWidth, widest, Math.round(right)];
                "##,
                vec![],
            )
            .await
            .expect("page widths");
        let scroll = seen[0].as_f64().unwrap_or(f64::MAX);
        let inner = seen[1].as_f64().unwrap_or(0.0);
        assert!(
            scroll <= inner,
            "{what} on {} is {scroll} px wide in a {inner} px viewport; furthest right: {} at {} px",
            self.url_text().await,
            seen[2],
            seen[3]
        );
    }

    /// Fails unless every element matching `css` (at least one) shows whole from left to right
    /// without scrolling: inside the viewport, inside every ancestor that clips or scrolls
    /// sideways, inside the closest ancestor matching `within` (a card it must not spill out
    /// of), and with no content hidden in a sideways scroll of its own.
    pub async fn assert_not_cut_off(&self, css: &str, within: &str) {
        let problems = self
            .client
            .execute(
                r##"
                const [css, within] = arguments;
                const found = [...document.querySelectorAll(css)];
                if (found.length === 0) return ["nothing matches"];
                const problems = [];
                const inner = (e) => e.getBoundingClientRect().left + e.clientLeft + e.clientWidth + 0.5;
                found.forEach((e, i) => {
                  const r = e.getBoundingClientRect();
                  const name = "#" + (i + 1) + " (" + e.textContent.trim().slice(0, 40) + ")";
                  if (r.width === 0 || r.height === 0) problems.push(name + " is not shown");
                  if (r.right > window.innerWidth + 0.5)
                    problems.push(name + " ends at " + r.right + " px, past the viewport's " + window.innerWidth);
                  if (e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible")
                    problems.push(name + " scrolls sideways: " + e.scrollWidth + " px in " + e.clientWidth);
                  for (let a = e.parentElement; a && a !== document.documentElement; a = a.parentElement) {
                    if (getComputedStyle(a).overflowX !== "visible" && r.right > inner(a))
                      problems.push(name + " ends at " + r.right + " px, hidden by the scroll box " + a.className + " ending at " + inner(a));
                  }
                  const card = e.parentElement && e.parentElement.closest(within);
                  if (!card) problems.push(name + " is not inside " + within);
                  else if (r.right > card.getBoundingClientRect().right + 0.5)
                    problems.push(name + " ends at " + r.right + " px, outside its " + within + " ending at " + card.getBoundingClientRect().right);
                });
                return problems;
                "##,
                vec![css.into(), within.into()],
            )
            .await
            .expect("element geometry");
        let problems = problems.as_array().cloned().unwrap_or_default();
        assert!(
            problems.is_empty(),
            "{css} is cut off on {}: {problems:?}",
            self.url_text().await
        );
    }

    /// Switches into the iframe matching `css`, waiting for it.
    pub async fn enter_frame(&self, css: &str) {
        self.find(css)
            .await
            .enter_frame()
            .await
            .unwrap_or_else(|e| panic!("cannot switch into the frame {css}: {e}"));
    }

    /// Switches back to the page around the current frame.
    pub async fn leave_frame(&self) {
        self.client
            .enter_parent_frame()
            .await
            .expect("switch to the parent frame");
    }

    async fn url_text(&self) -> String {
        match self.client.current_url().await {
            Ok(u) => u.to_string(),
            Err(e) => format!("(URL unknown: {e})"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Card data typed, the log, the database, and the check that they never meet

/// Card numbers and CVVs typed into the browser by any scenario of this process.
fn typed() -> &'static Mutex<Vec<String>> {
    static TYPED: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    TYPED.get_or_init(Mutex::default)
}

/// Remembers card data about to be typed, for the leak check.
pub fn remember_typed(number: &str, cvv: &str) {
    let mut typed = typed().lock().expect("typed lock");
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    for secret in [number.to_owned(), digits, cvv.to_owned()] {
        if !secret.is_empty() && !typed.contains(&secret) {
            typed.push(secret);
        }
    }
}

/// The log buffer: every tracing event of this process (the shop's, and the simulator's,
/// which runs in-process), at debug level and above (trace for the AsiaBill crates), with
/// request spans logged as they close. The WebDriver client's own crates are left out: their
/// requests carry the keys typed.
fn captured_logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = buffer.clone();
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(
                "debug,asiabill_shop=trace,asiabill=trace,asiabill_sandbox=trace,\
                 fantoccini=off,webdriver=off,hyper=off,hyper_util=off,h2=off,mio=off",
            ))
            .with_writer(move || LogWriter(writer.clone()))
            .with_ansi(false)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .try_init()
            .expect("the browser tests install the only log subscriber");
        buffer
    })
}

struct LogWriter(Arc<Mutex<Vec<u8>>>);

impl Write for LogWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .map_err(|_| std::io::Error::other("log buffer poisoned"))?
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn log_text(logs: &Arc<Mutex<Vec<u8>>>) -> String {
    String::from_utf8_lossy(&logs.lock().expect("log lock")).into_owned()
}

fn print_log_tail(logs: &Arc<Mutex<Vec<u8>>>, lines: usize) {
    let text = log_text(logs);
    let all: Vec<&str> = text.lines().collect();
    let tail = &all[all.len().saturating_sub(lines)..];
    eprintln!("--- last {} log lines ---\n{}", tail.len(), tail.join("\n"));
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Value {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

/// Every value of every column of every table of the SQLite database at `path`, as text, one
/// `table.column: value` a line.
pub fn dump_database(path: &Path) -> String {
    let mut conn = SqliteConnection::establish(&path.to_string_lossy()).expect("open the shop.db");
    sql_query("PRAGMA busy_timeout = 5000")
        .execute(&mut conn)
        .expect("busy timeout");
    let tables: Vec<Name> = sql_query("SELECT name FROM sqlite_master WHERE type = 'table'")
        .load(&mut conn)
        .expect("tables");
    let mut dump = String::new();
    for table in tables {
        let t = table.name.replace('"', "\"\"");
        let columns: Vec<Name> = sql_query(format!(
            "SELECT name FROM pragma_table_info('{}')",
            table.name.replace('\'', "''")
        ))
        .load(&mut conn)
        .expect("columns");
        for column in columns {
            let c = column.name.replace('"', "\"\"");
            let values: Vec<Value> =
                sql_query(format!("SELECT CAST(\"{c}\" AS TEXT) AS v FROM \"{t}\""))
                    .load(&mut conn)
                    .expect("values");
            for value in values.into_iter().filter_map(|v| v.v) {
                dump.push_str(&format!("{}.{}: {value}\n", table.name, column.name));
            }
        }
    }
    dump
}

/// The raw bytes of the database files (main file, WAL, journal): deleted rows linger there.
fn raw_database(path: &Path) -> String {
    let mut bytes = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        let file = PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(b) = std::fs::read(&file) {
            bytes.extend_from_slice(&b);
            bytes.push(0);
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Where `secret` occurs in `haystack` as a whole value, with a little context, or `None`.
///
/// A whole value has, right before and right after it, neither a letter or digit nor one of
/// `-._:` — the characters that join parts of UUIDs, timestamps, decimals and identifiers, in
/// which a four-digit CVV turns up by chance (a request id's `…-8267-…`, `time.busy=8267µs`).
/// A leaked CVV stands alone: `"cardSecurityCode":"8267"`, `cvv=8267&`, `: 8267\n`.
fn find_token(haystack: &str, secret: &str) -> Option<String> {
    let joins = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || "-._:".contains(c));
    let mut from = 0;
    while let Some(at) = haystack[from..].find(secret).map(|i| i + from) {
        let end = at + secret.len();
        let before = haystack[..at].chars().next_back();
        let after = haystack[end..].chars().next();
        if !joins(before) && !joins(after) {
            let mut start = at.saturating_sub(80);
            while !haystack.is_char_boundary(start) {
                start -= 1;
            }
            let mut stop = (end + 80).min(haystack.len());
            while !haystack.is_char_boundary(stop) {
                stop += 1;
            }
            return Some(haystack[start..stop].to_owned());
        }
        from = end;
    }
    None
}

/// Fails when the log (so far) or this shop's database holds a card number or CVV typed by
/// any scenario of this process. Card numbers are also looked for in the raw database files;
/// CVVs, short as they are, only in the dump (as whole tokens).
pub fn assert_no_card_data(shop: &Shop, logs: &Arc<Mutex<Vec<u8>>>) {
    let secrets = typed().lock().expect("typed lock").clone();
    assert!(!secrets.is_empty(), "the scenario typed no card data");
    let log = log_text(logs);
    assert!(
        log.lines().count() > 10,
        "the log capture saw almost nothing:\n{log}"
    );
    let dump = dump_database(&shop.db_path);
    assert!(
        dump.contains("orders.status: "),
        "the dump holds the orders"
    );
    let raw = raw_database(&shop.db_path);
    for secret in &secrets {
        if let Some(context) = find_token(&log, secret) {
            panic!("typed card data {secret:?} is in the shop's log: …{context}…");
        }
        if let Some(context) = find_token(&dump, secret) {
            panic!("typed card data {secret:?} is in the shop's database: …{context}…");
        }
        if secret.len() >= 12
            && let Some(context) = find_token(&raw, secret)
        {
            panic!("typed card number {secret:?} is in the database files: …{context:?}…");
        }
    }
}

#[test]
fn find_token_wants_whole_values() {
    for leaked in [
        "cvv=7319&x",
        "7319",
        r#"{"cardSecurityCode":"7319"}"#,
        "orders.phone: 7319\n",
        "card 4242 4242 4242 4242 typed",
    ] {
        let secret = if leaked.contains("4242") {
            "4242 4242 4242 4242"
        } else {
            "7319"
        };
        assert!(find_token(leaked, secret).is_some(), "{leaked}");
    }
    for chance in [
        "port 57319",
        "73190 a7319 7319b",
        "request_id=2a804fa2-33e1-48bf-7319-5d09d9fcdc25",
        "time.busy=7319µs",
        "at 2026-11-25T18:49:00.731900Z",
        "amount 17.3190",
        "pm_7319",
    ] {
        assert!(find_token(chance, "7319").is_none(), "{chance}");
    }
}
