//! Logging set-up: readable lines on stderr, filtered by `RUST_LOG` (default `info`); and
//! [`metrics`], the Prometheus figures served on `SHOP_METRICS_BIND`.

pub mod metrics;

use tracing_subscriber::{EnvFilter, fmt};

/// Installs the global subscriber; a second call (tests) is a no-op.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_server=warn"));
    // Colours only for a person at a terminal: escape codes in a log file are noise, and
    // formatting them costs time on every request span.
    let _ = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false)
        .try_init();
}
