//! The shop under test: its database (a fresh SQLite file, or a PostgreSQL database of its own),
//! its process (spawned, pinned, timed to readiness, measured, stopped).

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow, bail};
use diesel::{Connection, PgConnection, RunQueryDsl, SqliteConnection, sql_query};

use crate::http::Browser;

/// Stock given to every product that has some, so that thousands of checkouts never run out.
pub const BENCH_STOCK: i64 = 10_000_000;

/// How to start the shop.
#[derive(Debug, Clone)]
pub struct ShopOptions {
    /// The `shop` binary.
    pub binary: PathBuf,
    /// The core to pin it to with `taskset`, if any.
    pub cpu: Option<usize>,
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `ASIABILL_BASE_URL`: the simulator.
    pub sandbox_url: String,
    /// The port to listen on.
    pub port: u16,
    /// Working folder (logs go here; no `shop.toml` is read from the checkout).
    pub workdir: PathBuf,
    /// `RUST_LOG`.
    pub rust_log: String,
    /// More environment (`--shop-env`).
    pub env: Vec<(String, String)>,
}

/// A running `shop serve`, killed when dropped.
pub struct ShopProcess {
    child: Child,
    /// `http://127.0.0.1:port`.
    pub base: String,
    log: PathBuf,
}

impl Drop for ShopProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// True when `taskset` can be run.
pub fn have_taskset() -> bool {
    Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl ShopProcess {
    /// Spawns `shop serve` and waits for `/readyz` to answer 200; returns the time from the
    /// spawn to that answer.
    pub async fn start(opts: &ShopOptions) -> anyhow::Result<(ShopProcess, Duration)> {
        std::fs::create_dir_all(&opts.workdir)?;
        let log = opts.workdir.join(format!("shop-{}.log", opts.port));
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)?;
        let mut cmd = match opts.cpu {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.arg("-c").arg(cpu.to_string()).arg(&opts.binary);
                c
            }
            None => Command::new(&opts.binary),
        };
        // Everything but the port is the same for every instance on one database (`--instances`),
        // so that they behave as one shop: the session key is given explicitly (a cookie signed
        // by one is read by the other; left unset, each would read the one kept in the
        // database, but the bench names its own), and the gateway is the same simulator with
        // the same (default, public test) account, whose key also signs the bench's webhooks.
        // `SHOP_PUBLIC_URL` is left to follow from `SHOP_BIND`, so each instance's return and
        // callback URLs point at itself.
        cmd.arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &opts.database_url)
            .env("SHOP_BIND", format!("127.0.0.1:{}", opts.port))
            .env("ASIABILL_BASE_URL", &opts.sandbox_url)
            .env(
                "SHOP_SESSION_KEY",
                "a benchmark session key that is long enough",
            )
            .env("SHOP_ADMIN_EMAIL", "bench@example.com")
            .env("SHOP_ADMIN_PASSWORD", "a long enough benchmark secret")
            // Every simulated shopper comes from 127.0.0.1 with one email address.
            .env("SHOP_CHECKOUTS_PER_IP_PER_HOUR", "0")
            .env("SHOP_CHECKOUTS_PER_EMAIL_PER_HOUR", "0")
            .env("RUST_LOG", &opts.rust_log)
            .envs(opts.env.iter().map(|(k, v)| (k, v)))
            .current_dir(&opts.workdir)
            .stdin(Stdio::null())
            .stdout(file.try_clone()?)
            .stderr(file);
        let started = Instant::now();
        let child = cmd
            .spawn()
            .with_context(|| format!("spawning {}", opts.binary.display()))?;
        let mut shop = ShopProcess {
            child,
            base: format!("http://127.0.0.1:{}", opts.port),
            log,
        };
        let ready = format!("{}/readyz", shop.base);
        loop {
            // A fresh connection each time, as a load balancer's probe would.
            let mut probe = Browser::new(None);
            if probe.get(&ready).await.is_ok_and(|r| r.status == 200) {
                return Ok((shop, started.elapsed()));
            }
            if let Some(status) = shop.child.try_wait()? {
                bail!("shop exited with {status}:\n{}", shop.log_tail());
            }
            if started.elapsed() > Duration::from_secs(120) {
                bail!("shop not ready after 120 s:\n{}", shop.log_tail());
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `VmRSS` and `VmHWM` in KiB, from `/proc/<pid>/status`.
    pub fn memory_kib(&self) -> (Option<u64>, Option<u64>) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// The end of the shop's log.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }

    /// Lines of the log that are warnings or errors (how many, and the first few).
    pub fn log_problems(&self) -> (usize, Vec<String>) {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let bad: Vec<String> = text
            .lines()
            .filter(|l| l.contains(" WARN ") || l.contains(" ERROR "))
            .map(str::to_owned)
            .collect();
        let first = bad.iter().take(3).cloned().collect();
        (bad.len(), first)
    }

    /// Stops the shop with SIGTERM (graceful), then SIGKILL after 10 s.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid().to_string())
            .status();
        for _ in 0..1000 {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}

/// A port nobody listens on right now.
pub fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// The benchmark's database.
pub enum BenchDb {
    /// A SQLite file in the run's folder.
    Sqlite(PathBuf),
    /// A PostgreSQL database created for the run and dropped after it.
    Postgres {
        /// The server URL given (`--postgres`).
        server: String,
        /// The database's name.
        name: String,
        /// Its URL.
        url: String,
    },
}

impl BenchDb {
    /// A fresh SQLite database file in `dir`.
    pub fn sqlite(dir: &Path) -> BenchDb {
        BenchDb::Sqlite(dir.join("shop.db"))
    }

    /// Creates a database of its own on the PostgreSQL `server`.
    pub fn postgres(server: &str) -> anyhow::Result<BenchDb> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let name = format!("shop_bench_{}_{nanos:08x}", std::process::id());
        let mut admin = PgConnection::establish(server)
            .with_context(|| format!("connecting to PostgreSQL at {server}"))?;
        sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin)?;
        let mut url = url::Url::parse(server)?;
        url.set_path(&format!("/{name}"));
        Ok(BenchDb::Postgres {
            server: server.to_owned(),
            name,
            url: url.to_string(),
        })
    }

    /// `DATABASE_URL` for the shop.
    pub fn url(&self) -> String {
        match self {
            BenchDb::Sqlite(p) => p.to_string_lossy().into_owned(),
            BenchDb::Postgres { url, .. } => url.clone(),
        }
    }

    /// Gives every product and variant that has stock [`BENCH_STOCK`] units, while the shop is
    /// stopped; returns how many products.
    pub fn fill_stock(&self) -> anyhow::Result<usize> {
        let products = format!("UPDATE products SET stock = {BENCH_STOCK} WHERE stock > 0");
        let variants = format!("UPDATE product_variants SET stock = {BENCH_STOCK} WHERE stock > 0");
        // A shop from before variants (a baseline built for comparison) has no such table.
        let has_variants = "SELECT 1 AS one FROM product_variants LIMIT 1";
        fn fill<C: diesel::Connection>(
            conn: &mut C,
            products: String,
            variants: String,
            has_variants: &str,
        ) -> anyhow::Result<usize>
        where
            diesel::query_builder::SqlQuery: diesel::query_dsl::methods::ExecuteDsl<C>,
        {
            let n = sql_query(products).execute(conn)?;
            if sql_query(has_variants).execute(conn).is_ok() {
                sql_query(variants).execute(conn)?;
            }
            Ok(n)
        }
        match self {
            BenchDb::Sqlite(p) => {
                let mut conn = SqliteConnection::establish(&p.to_string_lossy())?;
                fill(&mut conn, products, variants, has_variants)
            }
            BenchDb::Postgres { url, .. } => {
                let mut conn = PgConnection::establish(url)?;
                fill(&mut conn, products, variants, has_variants)
            }
        }
    }

    /// Drops the PostgreSQL database (nothing for SQLite: its folder goes with the run).
    pub fn drop_database(&self) -> anyhow::Result<()> {
        if let BenchDb::Postgres { server, name, .. } = self {
            let mut admin = PgConnection::establish(server)?;
            sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut admin)
                .map_err(|e| anyhow!("dropping {name}: {e}"))?;
        }
        Ok(())
    }
}
