//! Prometheus metrics: what the shop counts and times, and the listener that serves them at
//! `/metrics` on `SHOP_METRICS_BIND` (README, "Metrics").
//!
//! Figures are recorded through the `metrics` crate's global recorder, which is installed the
//! first time a shop with `SHOP_METRICS_BIND` is built and shared by every shop of the process
//! after it (the tests build many). Until then the recording functions below cost a check of
//! an empty global and nothing more, so a shop without metrics pays nothing for them.
//!
//! Counters and histograms are recorded where things happen; the gauges (job queue, database
//! pool) are read from the shop when `/metrics` is asked for, so they are as fresh as the scrape
//! and cost nothing in between.
//!
//! Labels are kept to small fixed sets: the route's pattern (never the path, which may hold an
//! order's access token), AsiaBill's endpoint without its ids, job kinds, outcome words.

use std::{
    borrow::Cow,
    collections::BTreeMap,
    net::TcpListener,
    sync::OnceLock,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use ::metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge};
use actix_web::{
    App, HttpResponse, HttpServer,
    body::MessageBody,
    dev::{Server, ServiceRequest, ServiceResponse},
    http::{Method, StatusCode},
    middleware::Next,
    web,
};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::{
    db::Db,
    jobs::{self, Depth},
    payments::reconcile::Report,
};

/// Requests served, by `method`, `route` (the pattern, such as `/orders/{token}/pay`) and
/// `status`.
pub const HTTP_REQUESTS: &str = "shop_http_requests_total";
/// Time from a request's arrival to its response's head, by `method` and `route`.
pub const HTTP_DURATION: &str = "shop_http_request_duration_seconds";
/// Payment attempts decided, by `mode` and `outcome`.
pub const PAYMENT_ATTEMPTS: &str = "shop_payment_attempts_total";
/// Webhook deliveries, by `outcome`.
pub const WEBHOOKS: &str = "shop_webhooks_total";
/// From AsiaBill's `request-time` to the webhook applied.
pub const WEBHOOK_LAG: &str = "shop_webhook_lag_seconds";
/// Reconciliation passes, by `result`.
pub const RECONCILER_PASSES: &str = "shop_reconciler_passes_total";
/// Attempts the reconciler asked AsiaBill about.
pub const RECONCILER_ATTEMPTS_CHECKED: &str = "shop_reconciler_attempts_checked_total";
/// Attempts whose state a reconciler's query changed.
pub const RECONCILER_ATTEMPTS_SETTLED: &str = "shop_reconciler_attempts_settled_total";
/// Refunds the reconciler asked AsiaBill about.
pub const RECONCILER_REFUNDS_CHECKED: &str = "shop_reconciler_refunds_checked_total";
/// Refunds a reconciler's query settled.
pub const RECONCILER_REFUNDS_SETTLED: &str = "shop_reconciler_refunds_settled_total";
/// Jobs in the table by `kind` and `state`, read at each scrape.
pub const JOBS: &str = "shop_jobs";
/// Job runs that succeeded, by `kind`.
pub const JOBS_COMPLETED: &str = "shop_jobs_completed_total";
/// Job runs that failed (to be retried or given up), by `kind`.
pub const JOBS_FAILURES: &str = "shop_jobs_failures_total";
/// AsiaBill API calls, from sending to the end of the answer, by `endpoint`.
pub const GATEWAY_DURATION: &str = "shop_gateway_call_duration_seconds";
/// AsiaBill API calls without a usable HTTP answer, by `endpoint` and `error`.
pub const GATEWAY_ERRORS: &str = "shop_gateway_call_errors_total";
/// Connections the database pool holds, read at each scrape.
pub const DB_POOL_CONNECTIONS: &str = "shop_db_pool_connections";
/// Of those, the idle ones.
pub const DB_POOL_IDLE: &str = "shop_db_pool_idle_connections";
/// The most connections the pool opens.
pub const DB_POOL_MAX: &str = "shop_db_pool_max_connections";
/// Scrapes whose figures read from the database could not be read.
pub const SCRAPE_ERRORS: &str = "shop_metrics_scrape_errors_total";

/// A page's time: a millisecond to ten seconds.
const HTTP_BUCKETS: [f64; 13] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// An AsiaBill call: card networks make charges slow, and the client waits up to 600 s.
const GATEWAY_BUCKETS: [f64; 12] = [
    0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];
/// A webhook's lag: AsiaBill's retries of one event are signed afresh, so this is one
/// delivery's trip and the two clocks' difference; the tolerance is ten minutes.
const LAG_BUCKETS: [f64; 12] = [
    0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 600.0,
];

/// How often histogram samples are folded into their buckets when nobody scrapes: the samples
/// wait in a queue until then, which must not grow for as long as the shop runs unscraped.
const UPKEEP: Duration = Duration::from_secs(5);

static RECORDER: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();

/// The process's Prometheus recorder, installed on the first call: a process has one global
/// recorder, and every shop built in it afterwards records into the same one.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    RECORDER
        .get_or_init(build)
        .clone()
        .map_err(|e| anyhow::anyhow!("cannot install the metrics recorder: {e}"))
}

fn build() -> Result<PrometheusHandle, String> {
    let buckets = [
        (HTTP_DURATION, &HTTP_BUCKETS[..]),
        (GATEWAY_DURATION, &GATEWAY_BUCKETS[..]),
        (WEBHOOK_LAG, &LAG_BUCKETS[..]),
    ];
    let mut builder = PrometheusBuilder::new();
    for (name, bounds) in buckets {
        builder = builder
            .set_buckets_for_metric(Matcher::Full(name.to_owned()), bounds)
            .map_err(|e| e.to_string())?;
    }
    let recorder = builder.build_recorder();
    let handle = recorder.handle();
    ::metrics::set_global_recorder(recorder).map_err(|e| e.to_string())?;
    describe();
    let upkeep = handle.clone();
    // A thread rather than a task: the recorder outlives any one runtime (each test has its
    // own), and the work is a few microseconds every few seconds.
    std::thread::Builder::new()
        .name("metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(UPKEEP);
                upkeep.run_upkeep();
            }
        })
        .map_err(|e| format!("cannot start the upkeep thread: {e}"))?;
    Ok(handle)
}

/// The `# HELP` lines.
fn describe() {
    describe_counter!(
        HTTP_REQUESTS,
        "HTTP requests served, by route pattern and status"
    );
    describe_histogram!(
        HTTP_DURATION,
        Unit::Seconds,
        "time to answer an HTTP request, by route pattern"
    );
    describe_counter!(
        PAYMENT_ATTEMPTS,
        "payment attempts decided, by mode and the state they reached"
    );
    describe_counter!(WEBHOOKS, "AsiaBill webhook deliveries, by outcome");
    describe_histogram!(
        WEBHOOK_LAG,
        Unit::Seconds,
        "from a webhook's request-time to the shop having applied it"
    );
    describe_counter!(RECONCILER_PASSES, "reconciliation passes, by result");
    describe_counter!(
        RECONCILER_ATTEMPTS_CHECKED,
        "attempts the reconciler queried"
    );
    describe_counter!(
        RECONCILER_ATTEMPTS_SETTLED,
        "attempts a reconciler query moved"
    );
    describe_counter!(RECONCILER_REFUNDS_CHECKED, "refunds the reconciler queried");
    describe_counter!(
        RECONCILER_REFUNDS_SETTLED,
        "refunds a reconciler query settled"
    );
    describe_gauge!(
        JOBS,
        "jobs by kind and state (due, scheduled, running, failed), at the scrape"
    );
    describe_counter!(JOBS_COMPLETED, "job runs that succeeded, by kind");
    describe_counter!(JOBS_FAILURES, "job runs that failed, by kind");
    describe_histogram!(
        GATEWAY_DURATION,
        Unit::Seconds,
        "AsiaBill API call time, by endpoint"
    );
    describe_counter!(
        GATEWAY_ERRORS,
        "AsiaBill API calls without a usable HTTP answer, by endpoint and error"
    );
    describe_gauge!(DB_POOL_CONNECTIONS, "connections held by the database pool");
    describe_gauge!(DB_POOL_IDLE, "idle connections of the database pool");
    describe_gauge!(DB_POOL_MAX, "most connections the database pool opens");
    describe_counter!(
        SCRAPE_ERRORS,
        "scrapes whose database figures could not be read"
    );
}

/// Middleware: counts and times every request by its route's pattern and its status. Only
/// wrapped around the shop when metrics are on.
pub async fn record_request(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    // The pattern, never the path: an order's path holds its access token, and every order
    // would be a series of its own.
    let route = req
        .match_pattern()
        .map_or(Cow::Borrowed("unmatched"), Cow::Owned);
    let method = method_label(req.method());
    let response = next.call(req).await;
    let status = match &response {
        Ok(response) => response.status(),
        Err(error) => error.as_response_error().status_code(),
    };
    let elapsed = started.elapsed().as_secs_f64();
    ::metrics::histogram!(HTTP_DURATION, "method" => method, "route" => route.clone())
        .record(elapsed);
    counter!(
        HTTP_REQUESTS,
        "method" => method,
        "route" => route,
        "status" => status_label(status)
    )
    .increment(1);
    response
}

/// The method as a label: anything unusual counts as `other`, so that a client inventing
/// methods cannot add series.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::HEAD => "HEAD",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// The status code as a label, without an allocation for the usual ones.
fn status_label(status: StatusCode) -> Cow<'static, str> {
    match status.as_u16() {
        200 => Cow::Borrowed("200"),
        303 => Cow::Borrowed("303"),
        304 => Cow::Borrowed("304"),
        404 => Cow::Borrowed("404"),
        code => Cow::Owned(code.to_string()),
    }
}

/// An attempt reached a decided state (`outcome`: `paid`, `authorized`, `failed`, `voided`,
/// `cancelled`); `mode` is `hosted`, `insite` or `merchant_charge`.
pub fn payment_attempt_decided(mode: &'static str, outcome: &'static str) {
    counter!(PAYMENT_ATTEMPTS, "mode" => mode, "outcome" => outcome).increment(1);
}

/// A webhook delivery ended with `outcome`; `applied_after`, for one applied now, is its
/// `request-time` in epoch milliseconds.
pub fn webhook(outcome: &'static str, applied_after: Option<u64>) {
    counter!(WEBHOOKS, "outcome" => outcome).increment(1);
    if let Some(request_time_ms) = applied_after {
        ::metrics::histogram!(WEBHOOK_LAG).record(lag_seconds(request_time_ms, SystemTime::now()));
    }
}

/// Seconds from `request_time_ms` to `now`; a sender's clock ahead of ours counts as no lag.
fn lag_seconds(request_time_ms: u64, now: SystemTime) -> f64 {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Duration::from_millis(now_ms.saturating_sub(request_time_ms)).as_secs_f64()
}

/// One reconciliation pass ended: its report, or `None` when it failed part way.
pub fn reconciler_pass(report: Option<&Report>) {
    let Some(report) = report else {
        counter!(RECONCILER_PASSES, "result" => "failed").increment(1);
        return;
    };
    counter!(RECONCILER_PASSES, "result" => "ok").increment(1);
    for (name, count) in [
        (RECONCILER_ATTEMPTS_CHECKED, report.attempts_checked),
        (RECONCILER_ATTEMPTS_SETTLED, report.attempts_settled),
        (RECONCILER_REFUNDS_CHECKED, report.refunds_checked),
        (RECONCILER_REFUNDS_SETTLED, report.refunds_settled),
    ] {
        counter!(name).increment(u64::try_from(count).unwrap_or(u64::MAX));
    }
}

/// A run of a job of `kind` ended; `failed` when it will be retried or was given up.
pub fn job_ran(kind: &str, failed: bool) {
    let name = if failed {
        JOBS_FAILURES
    } else {
        JOBS_COMPLETED
    };
    counter!(name, "kind" => kind.to_owned()).increment(1);
}

/// Times each AsiaBill call and counts those that got no usable answer, by endpoint.
#[derive(Debug, Default)]
pub struct GatewayCalls;

impl asiabill::Observer for GatewayCalls {
    fn exchanged(&self, exchange: &asiabill::Exchange<'_>) {
        let endpoint = exchange.endpoint.to_owned();
        ::metrics::histogram!(GATEWAY_DURATION, "endpoint" => endpoint.clone())
            .record(exchange.duration.as_secs_f64());
        let error = match (exchange.error, exchange.status) {
            (Some(asiabill::Error::Timeout(_)), _) => "timeout",
            (Some(asiabill::Error::Connect(_)), _) => "connect",
            (Some(_), _) => "transport",
            // AsiaBill's SDK treats any other status as a failed exchange; refusals come back
            // as 200 with a code, and are answers, not errors of the call.
            (None, Some(status)) if status != 200 => "http_status",
            (None, _) => return,
        };
        counter!(GATEWAY_ERRORS, "endpoint" => endpoint, "error" => error).increment(1);
    }
}

/// What `/metrics` reads from the shop at each scrape.
#[derive(Clone)]
pub struct Scraped {
    /// The shop's database: its pool and its jobs table.
    pub db: Db,
    /// The job kinds this shop runs: each is shown, at zero when it has no jobs.
    pub job_kinds: Vec<&'static str>,
}

/// Serves `GET /metrics` on `listener`, on one worker of its own, apart from the shop's.
///
/// Signals are left to the shop's server: the caller stops this one when that one stops.
pub fn serve(
    listener: TcpListener,
    handle: PrometheusHandle,
    scraped: Scraped,
) -> std::io::Result<Server> {
    let handle = web::Data::new(handle);
    let scraped = web::Data::new(scraped);
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(handle.clone())
            .app_data(scraped.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}

async fn scrape(handle: web::Data<PrometheusHandle>, scraped: web::Data<Scraped>) -> HttpResponse {
    // The gauges are the process's, and a process may hold several shops (the tests): one
    // scrape at a time, so that each renders the figures it just read.
    static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = ONE_AT_A_TIME.lock().await;
    read_gauges(&scraped).await;
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(handle.render())
}

/// Sets the job and pool gauges from the shop's database.
async fn read_gauges(scraped: &Scraped) {
    let pool = scraped.db.pool_use();
    gauge!(DB_POOL_CONNECTIONS).set(f64::from(pool.connections));
    gauge!(DB_POOL_IDLE).set(f64::from(pool.idle));
    gauge!(DB_POOL_MAX).set(f64::from(pool.max));
    let depth = scraped
        .db
        .run(|conn| jobs::depth(conn, crate::db::now()))
        .await;
    match depth {
        Ok(depth) => set_job_gauges(&scraped.job_kinds, depth),
        Err(e) => {
            tracing::warn!(error = %e, "metrics: the job queue could not be read");
            counter!(SCRAPE_ERRORS).increment(1);
        }
    }
}

fn set_job_gauges(kinds: &[&'static str], depth: Vec<Depth>) {
    let mut by_kind: BTreeMap<String, Depth> = kinds
        .iter()
        .map(|k| ((*k).to_owned(), Depth::default()))
        .collect();
    for d in depth {
        by_kind.insert(d.kind.clone(), d);
    }
    for (kind, d) in by_kind {
        for (state, count) in [
            ("due", d.due),
            ("scheduled", d.scheduled),
            ("running", d.running),
            ("failed", d.failed),
        ] {
            // Counts of rows: far below the integers an f64 holds exactly.
            gauge!(JOBS, "kind" => kind.clone(), "state" => state).set(count as f64);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_is_seconds_since_request_time_and_never_negative() {
        let now = UNIX_EPOCH + Duration::from_millis(1_700_000_002_500);
        assert!((lag_seconds(1_700_000_000_000, now) - 2.5).abs() < 1e-9);
        assert!(lag_seconds(1_700_000_009_000, now).abs() < f64::EPSILON);
    }

    #[test]
    fn unusual_methods_and_statuses_stay_few_labels() {
        assert_eq!(method_label(&Method::GET), "GET");
        let invented = Method::from_bytes(b"BREW").expect("a method token");
        assert_eq!(method_label(&invented), "other");
        assert_eq!(status_label(StatusCode::OK), "200");
        assert_eq!(status_label(StatusCode::SERVICE_UNAVAILABLE), "503");
    }

    #[test]
    fn installing_twice_gives_the_same_recorder() {
        let first = install().expect("installed");
        let second = install().expect("installed again");
        counter!("shop_test_installed_total").increment(1);
        assert!(first.render().contains("shop_test_installed_total"));
        assert!(second.render().contains("shop_test_installed_total"));
    }
}
