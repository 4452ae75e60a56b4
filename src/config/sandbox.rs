//! `SANDBOX_BIND` and `SANDBOX_TIME_FACTOR`: the AsiaBill simulator the shop may run in-process.

use std::net::SocketAddr;

use super::{RawSettings, check, socket, text};

/// The checked simulator settings.
pub(super) struct Sandbox {
    /// `SANDBOX_BIND`.
    pub(super) bind: SocketAddr,
    /// `SANDBOX_TIME_FACTOR`.
    pub(super) time_factor: f64,
}

/// The simulator settings; each bad value is added to `problems`.
pub(super) fn from_raw(raw: &RawSettings, problems: &mut Vec<String>) -> Option<Sandbox> {
    let bind = check(
        problems,
        "SANDBOX_BIND",
        socket(text(&raw.sandbox_bind).unwrap_or("127.0.0.1:8081")),
    );
    let time_factor = check(
        problems,
        "SANDBOX_TIME_FACTOR",
        time_factor(text(&raw.sandbox_time_factor).unwrap_or("1.0")),
    );
    Some(Sandbox {
        bind: bind?,
        time_factor: time_factor?,
    })
}

fn time_factor(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err("must be a number greater than 0 (tests use 0.001)".into()),
    }
}
