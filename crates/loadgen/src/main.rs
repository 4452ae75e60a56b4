//! Load generator for the shop's benchmarks; see `bench/README.md`.
//!
//! It starts the AsiaBill simulator in this process (the gateway is "the outside world": it
//! shares the load generator's core, not the shop's), starts a `shop serve` on a fresh SQLite
//! database (and PostgreSQL with `--postgres`) pinned to its own core, times its start-up, runs
//! the scenarios and prints a table with each page's throughput as a share of `/healthz`
//! measured in the same run, then the targets with PASS or FAIL.
//!
//! With `--instances N` (PostgreSQL only), the PostgreSQL run starts N shops on the same
//! database, as a deployment behind a load balancer would run them, and spreads the virtual
//! users over them.

mod html;
mod http;
mod scenarios;
mod shop;
mod stats;

use std::{
    path::PathBuf,
    process::{Command, ExitCode},
    sync::Arc,
    time::Duration,
};

use anyhow::{Context, anyhow};
use asiabill_sandbox::{Config as SandboxConfig, Sandbox};
use clap::{CommandFactory, Parser, error::ErrorKind};

use crate::{
    scenarios::{Ctx, Plan},
    shop::{BenchDb, ShopOptions, ShopProcess},
    stats::{Memory, Report, Summary},
};

/// Set in the re-executed, pinned copy of this process.
const PINNED_ENV: &str = "LOADGEN_PINNED";

/// Benchmarks the shop: page speed as a share of /healthz, webhook intake, complete checkouts,
/// memory and start-up time.
#[derive(Debug, Parser)]
#[command(version)]
struct Args {
    /// The `shop` binary to start (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/shop")]
    shop: PathBuf,
    /// Also run every scenario on PostgreSQL: a server URL whose user may create databases; a
    /// database of the run's own is created and dropped.
    #[arg(long, value_name = "URL")]
    postgres: Option<String>,
    /// Skip SQLite (with `--postgres`, run PostgreSQL only).
    #[arg(long)]
    no_sqlite: bool,
    /// Shop processes on the one PostgreSQL database (needs `--postgres` and `--no-sqlite`):
    /// the first migrates and seeds, the others start after it; virtual user `i` talks to
    /// instance `i % N`, webhooks go to each in turn, and every instance is pinned to the
    /// shop's core.
    #[arg(long, default_value_t = 1, value_name = "N")]
    instances: usize,
    /// Benchmark an already running shop at this URL instead: page scenarios only (its
    /// gateway is not this process's simulator, so no webhooks or checkouts).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Measured time of each scenario (`10s`, `500ms`).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    duration: Duration,
    /// Unmeasured time before each measurement.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    warmup: Duration,
    /// Connections (virtual users) for the page scenarios.
    #[arg(long, default_value_t = 64)]
    concurrency: usize,
    /// Concurrent deliveries for the webhook scenario.
    #[arg(long, default_value_t = 32)]
    webhook_concurrency: usize,
    /// Payment attempts the webhooks are spread over.
    #[arg(long, default_value_t = 64)]
    webhook_attempts: usize,
    /// Concurrent shoppers for the checkout scenario.
    #[arg(long, default_value_t = 32)]
    checkout_concurrency: usize,
    /// Start-ups on the existing database to time (the median is reported).
    #[arg(long, default_value_t = 5)]
    starts: usize,
    /// Scenarios to run, comma-separated (healthz, catalogue, product, cart, webhooks,
    /// checkouts).
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "healthz,catalogue,product,cart,webhooks,checkouts"
    )]
    scenarios: Vec<String>,
    /// Send `Accept-Encoding: gzip` as a browser would (the shop then compresses pages).
    #[arg(long)]
    gzip: bool,
    /// Do not pin the shop and the load generator to separate cores.
    #[arg(long)]
    no_pin: bool,
    /// Core for the load generator (and the simulator).
    #[arg(long, default_value_t = 0)]
    loadgen_cpu: usize,
    /// Core for the shop.
    #[arg(long, default_value_t = 1)]
    shop_cpu: usize,
    /// `RUST_LOG` for the shop.
    #[arg(long, default_value = "info")]
    rust_log: String,
    /// More environment for the shop, `NAME=VALUE` (repeatable), e.g. a setting to compare.
    #[arg(long = "shop-env", value_name = "NAME=VALUE", value_parser = parse_env)]
    shop_env: Vec<(String, String)>,
    /// A 2-second run with a few users, to prove the bench works (CI); debug binaries will do.
    #[arg(long)]
    smoke: bool,
    /// Exit non-zero when a target is missed (by default only errors do).
    #[arg(long)]
    check_targets: bool,
    /// Also write the machine line, the tables and the target check to this Markdown file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Keep the run's folder (database, shop logs) instead of removing it.
    #[arg(long)]
    keep: bool,
}

/// `NAME=VALUE`.
fn parse_env(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .ok_or_else(|| format!("expected NAME=VALUE, got {text:?}"))
}

/// `10s`, `250ms`, `1.5s` or a plain number of seconds.
fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let (number, scale) = if let Some(n) = t.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1.0)
    } else {
        (t, 1.0)
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .and_then(|n| Duration::try_from_secs_f64(n * scale).ok())
        .ok_or_else(|| format!("not a duration: {text:?} (try 10s or 500ms)"))
}

/// Why these arguments cannot run, if they cannot.
fn refusal(args: &Args) -> Option<String> {
    if args.instances == 0 {
        return Some("--instances must be at least 1".into());
    }
    if args.instances == 1 {
        return None;
    }
    if args.url.is_some() {
        return Some(format!(
            "--instances {} starts shops of its own; it cannot be used with --url",
            args.instances
        ));
    }
    if args.postgres.is_none() || !args.no_sqlite {
        // Each instance would open the file on its own, with its own writer and group commit:
        // not a deployment SQLite supports.
        return Some(format!(
            "--instances {}: SQLite is one process's database, so several instances run on \
             PostgreSQL only; pass --postgres URL --no-sqlite",
            args.instances
        ));
    }
    None
}

fn main() -> ExitCode {
    let mut args = Args::parse();
    if let Some(why) = refusal(&args) {
        Args::command()
            .error(ErrorKind::ArgumentConflict, why)
            .exit();
    }
    // The shop runs in the run's own folder, so a relative path would not find it there.
    if let Ok(absolute) = args.shop.canonicalize() {
        args.shop = absolute;
    }
    if args.smoke {
        // Seven scenarios in about two seconds.
        args.duration = Duration::from_millis(250);
        args.warmup = Duration::ZERO;
        args.concurrency = args.concurrency.min(4);
        args.webhook_concurrency = args.webhook_concurrency.min(4);
        args.webhook_attempts = args.webhook_attempts.min(4);
        args.checkout_concurrency = args.checkout_concurrency.min(4);
        args.starts = args.starts.min(1);
    }
    // In the pinned copy, the cores the machine has come from the copy that pinned it.
    let pinned_cores = std::env::var(PINNED_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let cores =
        pinned_cores.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pin = !args.no_pin && cores >= 2 && shop::have_taskset();
    if pin && pinned_cores.is_none() {
        return reexec_pinned(args.loadgen_cpu, cores);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: cannot start tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args, pin, cores)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("loadgen: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs this same command again under `taskset -c cpu`, so that the load generator, its
/// threads and the simulator stay on one core.
fn reexec_pinned(cpu: usize, cores: usize) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("loadgen: cannot find myself to pin: {e}");
            return ExitCode::FAILURE;
        }
    };
    let status = Command::new("taskset")
        .arg("-c")
        .arg(cpu.to_string())
        .arg(exe)
        .args(std::env::args_os().skip(1))
        .env(PINNED_ENV, cores.to_string())
        .status();
    match status {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(u8::try_from(s.code().unwrap_or(1)).unwrap_or(1)),
        Err(e) => {
            eprintln!("loadgen: taskset failed: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The machine, as the results table names it.
fn machine(cores: usize) -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or("unknown CPU", str::trim)
        .to_owned();
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let mem_gib = meminfo
        .lines()
        .find(|l| l.starts_with("MemTotal:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kib| kib.parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0 / 1024.0);
    let commit = Command::new("git")
        .args(["rev-parse", "--short", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".into());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .is_some_and(|o| !o.stdout.is_empty());
    format!(
        "{} · commit {commit}{} · {cores} cores ({model}) · {mem_gib:.0} GiB",
        chrono::Utc::now().format("%Y-%m-%d %H:%M UTC"),
        if dirty { " + local changes" } else { "" }
    )
}

async fn run(args: Args, pin: bool, cores: usize) -> anyhow::Result<bool> {
    let machine = machine(cores);
    println!("loadgen · {machine}");
    println!(
        "pinning: {}",
        if pin && args.instances > 1 {
            format!(
                "load generator and simulator on core {}, all {} shop instances on core {}",
                args.loadgen_cpu, args.instances, args.shop_cpu
            )
        } else if pin {
            format!(
                "load generator and simulator on core {}, shop on core {}",
                args.loadgen_cpu, args.shop_cpu
            )
        } else {
            "off (fewer than 2 cores, no taskset, or --no-pin)".into()
        }
    );
    let mut reports = Vec::new();
    if let Some(url) = &args.url {
        let base = url.trim_end_matches('/').to_owned();
        let ctx = Arc::new(Ctx::new(vec![base], encoding(&args), None).await?);
        let mut report = Report {
            backend: format!("running shop at {url}"),
            ..Report::default()
        };
        page_scenarios(&args, &ctx, &Meter::new(&[]), &mut report).await?;
        finish(&mut report);
        reports.push(report);
    } else {
        if !args.shop.exists() {
            return Err(anyhow!(
                "{} not found: build it (cargo build --release) or pass --shop",
                args.shop.display()
            ));
        }
        if !args.no_sqlite {
            reports.push(backend(&args, pin, None).await?);
        }
        if let Some(server) = &args.postgres {
            reports.push(backend(&args, pin, Some(server)).await?);
        }
    }

    let mut md = format!("Run: {machine}\n\n");
    let mut ok = true;
    for r in &reports {
        let mut targets = r.target_table();
        if args.smoke {
            targets.push_str(
                "\n(smoke run: a few users for a quarter of a second each, maybe a debug build; \
                 the targets mean nothing here, only errors fail it)\n",
            );
        }
        println!("\n{}\n{targets}", r.table());
        md.push_str(&format!("{}\n{targets}\n", r.table()));
        ok &= r.scenarios.iter().all(|s| s.errors == 0 && s.ops > 0);
        if args.check_targets {
            ok &= r.targets().iter().all(|(_, _, pass)| *pass);
        }
    }
    if let Some(path) = &args.markdown {
        std::fs::write(path, md).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ok)
}

fn encoding(args: &Args) -> Option<&'static str> {
    args.gzip.then_some("gzip")
}

fn wants(args: &Args, scenario: &str) -> bool {
    args.scenarios.iter().any(|s| s == scenario)
}

fn plan(args: &Args, users: usize) -> Plan {
    Plan {
        users: users.max(1),
        warmup: args.warmup,
        duration: args.duration,
    }
}

/// Measures the CPU the shop (every instance of it) and this process use during a scenario.
struct Meter {
    shop_pids: Vec<String>,
    ticks: f64,
}

/// CPU seconds of each shop instance and of this process at one instant.
struct Reading {
    at: std::time::Instant,
    shops: Vec<Option<f64>>,
    me: Option<f64>,
}

impl Reading {
    /// The shop's CPU seconds: the sum over its instances, known when every one's is (none
    /// without a shop of ours).
    fn shop(&self) -> Option<f64> {
        if self.shops.is_empty() {
            return None;
        }
        self.shops.iter().copied().sum()
    }
}

impl Meter {
    fn new(shop_pids: &[u32]) -> Meter {
        let ticks = Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
            .unwrap_or(100.0);
        Meter {
            shop_pids: shop_pids.iter().map(u32::to_string).collect(),
            ticks,
        }
    }

    fn read(&self) -> Reading {
        Reading {
            at: std::time::Instant::now(),
            shops: self
                .shop_pids
                .iter()
                .map(|p| stats::cpu_seconds(p, self.ticks))
                .collect(),
            me: stats::cpu_seconds("self", self.ticks),
        }
    }

    /// Fills in the CPU shares of `s` since `before`: the shop's is the sum over its
    /// instances (with several, each one's is kept too).
    fn finish(&self, before: &Reading, s: &mut Summary) {
        let now = self.read();
        let wall = now.at.duration_since(before.at).as_secs_f64();
        if wall > 0.0 {
            s.shop_cpu = now.shop().zip(before.shop()).map(|(a, b)| (a - b) / wall);
            s.gen_cpu = now.me.zip(before.me).map(|(a, b)| (a - b) / wall);
            if now.shops.len() > 1 {
                s.shop_cpu_each = now
                    .shops
                    .iter()
                    .zip(&before.shops)
                    .filter_map(|(a, b)| Some((a.as_ref()? - b.as_ref()?) / wall))
                    .collect();
            }
        }
    }
}

/// `/healthz`, catalogue, product, cart, then `/healthz` again: the ratio's denominator is
/// the mean of the two `/healthz` runs, which brackets the pages in time.
async fn page_scenarios(
    args: &Args,
    ctx: &Arc<Ctx>,
    meter: &Meter,
    report: &mut Report,
) -> anyhow::Result<()> {
    let pages = plan(args, args.concurrency);
    let mut say = |before: Reading, mut s: Summary| {
        meter.finish(&before, &mut s);
        eprintln!(
            "  {:<14} {:>9.0}/s  p50 {:>7.2} ms  p99 {:>7.2} ms  shop {:>5.0} µs/op  errors {}{}",
            s.name,
            s.rate(),
            s.p50.as_secs_f64() * 1000.0,
            s.p99.as_secs_f64() * 1000.0,
            s.shop_us_per_op().unwrap_or(0.0),
            s.errors,
            s.shop_cpu_per_instance()
        );
        report.scenarios.push(s);
    };
    let healthz = wants(args, "healthz");
    if healthz {
        let before = meter.read();
        say(
            before,
            scenarios::pages(ctx, "/healthz", vec!["/healthz".into()], pages).await?,
        );
    }
    if wants(args, "catalogue") {
        let before = meter.read();
        say(
            before,
            scenarios::pages(ctx, "catalogue", vec!["/".into()], pages).await?,
        );
    }
    if wants(args, "product") {
        let paths = ctx
            .products
            .iter()
            .map(|p| format!("/products/{}", p.slug))
            .collect();
        let before = meter.read();
        say(
            before,
            scenarios::pages(ctx, "product", paths, pages).await?,
        );
    }
    if wants(args, "cart") {
        let before = meter.read();
        say(before, scenarios::cart(ctx, pages).await?);
    }
    if healthz {
        let before = meter.read();
        say(
            before,
            scenarios::pages(ctx, "/healthz again", vec!["/healthz".into()], pages).await?,
        );
    }
    Ok(())
}

/// The `/healthz` baseline: the mean of its runs.
fn finish(report: &mut Report) {
    let runs: Vec<f64> = report
        .scenarios
        .iter()
        .filter(|s| s.name.starts_with("/healthz"))
        .map(Summary::rate)
        .collect();
    if !runs.is_empty() {
        report.healthz_rps = runs.iter().sum::<f64>() / runs.len() as f64;
    }
}

/// Every scenario against a shop on one backend, paying through a simulator of its own (a
/// fresh database numbers its orders from 1 again, and AsiaBill refuses an order number it was
/// already paid for).
async fn backend(args: &Args, pin: bool, postgres: Option<&str>) -> anyhow::Result<Report> {
    // The simulator, as AsiaBill: fast retries (0.001) so that a refused delivery is retried
    // within the run instead of 15 s later.
    let sandbox = Sandbox::new(SandboxConfig {
        log_capacity: 1_000_000,
        ..SandboxConfig::with_time_factor(0.001)
    });
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let sandbox_url = format!("http://127.0.0.1:{}", listener.local_addr()?.port());
    let server = sandbox.serve(listener)?;
    let handle = server.handle();
    tokio::spawn(server);
    let report = backend_with(args, pin, &sandbox, &sandbox_url, postgres).await;
    handle.stop(false).await;
    report
}

async fn backend_with(
    args: &Args,
    pin: bool,
    sandbox: &Sandbox,
    sandbox_url: &str,
    postgres: Option<&str>,
) -> anyhow::Result<Report> {
    let dir = std::env::temp_dir().join(format!(
        "shop-bench-{}-{}",
        std::process::id(),
        if postgres.is_some() {
            "postgres"
        } else {
            "sqlite"
        }
    ));
    std::fs::create_dir_all(&dir)?;
    let db = match postgres {
        Some(server) => BenchDb::postgres(server)?,
        None => BenchDb::sqlite(&dir),
    };
    let name = match postgres {
        Some(_) if args.instances > 1 => format!("PostgreSQL, {} instances", args.instances),
        Some(_) => "PostgreSQL".to_owned(),
        None => "SQLite".to_owned(),
    };
    let name = name.as_str();
    eprintln!("{name}: starting the shop ({})", args.shop.display());
    let result = backend_on(args, pin, sandbox, sandbox_url, &db, &dir, name).await;
    let dropped = db.drop_database();
    if !args.keep {
        let _ = std::fs::remove_dir_all(&dir);
    } else {
        eprintln!("{name}: kept {}", dir.display());
    }
    let report = result?;
    dropped?;
    Ok(report)
}

async fn backend_on(
    args: &Args,
    pin: bool,
    sandbox: &Sandbox,
    sandbox_url: &str,
    db: &BenchDb,
    dir: &std::path::Path,
    name: &str,
) -> anyhow::Result<Report> {
    let opts = ShopOptions {
        binary: args.shop.clone(),
        cpu: pin.then_some(args.shop_cpu),
        database_url: db.url(),
        sandbox_url: sandbox_url.to_owned(),
        port: shop::free_port()?,
        workdir: dir.to_path_buf(),
        rust_log: args.rust_log.clone(),
        env: args.shop_env.clone(),
    };
    let mut report = Report {
        backend: name.to_owned(),
        ..Report::default()
    };
    let (first, took) = ShopProcess::start(&opts).await?;
    report.first_start = Some(took);
    first.stop().await?;
    db.fill_stock()?;
    let mut running = None;
    for _ in 0..args.starts.max(1) {
        if let Some(shop) = running.take() {
            ShopProcess::stop(shop).await?;
        }
        let (shop, took) = ShopProcess::start(&opts).await?;
        report.restarts.push(took);
        running = Some(shop);
    }
    let shop = running.ok_or_else(|| anyhow!("the shop did not start"))?;
    eprintln!(
        "{name}: shop pid {} ready in {:.0} ms; running scenarios",
        shop.pid(),
        report.start_median().unwrap_or_default().as_secs_f64() * 1000.0
    );
    // More instances on the same database, once the first has migrated and seeded it: each on
    // a port of its own (its `SHOP_PUBLIC_URL` follows from it) and pinned to the same core,
    // with the same settings, session key and gateway account as the first (`ShopOptions`),
    // so that together they behave as one shop.
    let mut shops = vec![shop];
    for _ in 1..args.instances {
        let opts = ShopOptions {
            port: shop::free_port()?,
            ..opts.clone()
        };
        let (other, took) = ShopProcess::start(&opts).await?;
        eprintln!(
            "{name}: instance {} (pid {}, {}) ready in {:.0} ms",
            shops.len() + 1,
            other.pid(),
            other.base,
            took.as_secs_f64() * 1000.0
        );
        report.other_starts.push(took);
        shops.push(other);
    }

    let bases = shops.iter().map(|s| s.base.clone()).collect();
    let ctx = Arc::new(Ctx::new(bases, encoding(args), Some(sandbox.clone())).await?);
    let pids: Vec<u32> = shops.iter().map(ShopProcess::pid).collect();
    let meter = Meter::new(&pids);
    page_scenarios(args, &ctx, &meter, &mut report).await?;
    if wants(args, "webhooks") {
        let before = meter.read();
        let mut s = scenarios::webhooks(
            &ctx,
            plan(args, args.webhook_concurrency),
            args.webhook_attempts,
        )
        .await?;
        meter.finish(&before, &mut s);
        eprintln!(
            "  webhooks   {:>9.0}/s  errors {}{}",
            s.rate(),
            s.errors,
            s.shop_cpu_per_instance()
        );
        report.scenarios.push(s);
    }
    if wants(args, "checkouts") {
        let before = meter.read();
        let mut s = scenarios::checkouts(&ctx, plan(args, args.checkout_concurrency)).await?;
        meter.finish(&before, &mut s);
        eprintln!(
            "  checkouts  {:>9.1}/s  errors {}{}",
            s.rate(),
            s.errors,
            s.shop_cpu_per_instance()
        );
        report.scenarios.push(s);
    }
    finish(&mut report);
    report.memory = shops
        .iter()
        .map(|shop| {
            let (rss_kib, hwm_kib) = shop.memory_kib();
            Memory { rss_kib, hwm_kib }
        })
        .collect();
    let several = shops.len() > 1;
    for (i, shop) in shops.iter().enumerate() {
        let (problems, first_problems) = shop.log_problems();
        if problems > 0 {
            let who = if several {
                format!("instance {} ({})", i + 1, shop.base)
            } else {
                "the shop".to_owned()
            };
            eprintln!("{name}: {who} logged {problems} warnings or errors, first:");
            for l in first_problems {
                eprintln!("  {l}");
            }
        }
    }
    for shop in shops {
        shop.stop().await?;
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use clap::Parser;

    use super::{Args, parse_duration, refusal};

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("1.5"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn several_instances_need_postgres_alone() {
        let refused = |line: &[&str]| {
            let args = Args::try_parse_from([&["loadgen"], line].concat()).expect("parses");
            refusal(&args)
        };
        assert_eq!(refused(&[]), None);
        assert_eq!(refused(&["--instances", "1"]), None);
        let pg = "postgres://postgres@127.0.0.1/postgres";
        assert_eq!(
            refused(&["--postgres", pg, "--no-sqlite", "--instances", "2"]),
            None
        );
        for line in [
            &["--instances", "2"][..],
            &["--postgres", pg, "--instances", "2"],
            &["--no-sqlite", "--instances", "2"],
        ] {
            assert!(
                refused(line).is_some_and(|why| why.contains("SQLite is one process's database")),
                "{line:?}"
            );
        }
        assert!(refused(&["--url", "http://127.0.0.1:8080", "--instances", "2"]).is_some());
        assert!(refused(&["--instances", "0"]).is_some());
    }
}
