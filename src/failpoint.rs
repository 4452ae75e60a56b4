//! Failpoints for crash tests: `SHOP_FAILPOINT=<name>` makes the process abort at the named
//! point, as a power cut would. Inert unless the variable is set (it is read once).

use std::sync::LazyLock;

static ARMED: LazyLock<Option<String>> = LazyLock::new(|| {
    std::env::var("SHOP_FAILPOINT")
        .ok()
        .filter(|v| !v.is_empty())
});

/// Aborts the process when `SHOP_FAILPOINT` names `point`.
///
/// Points: `after_gateway_call` (AsiaBill has answered a payment request; nothing recorded yet).
pub fn hit(point: &str) {
    if ARMED.as_deref() == Some(point) {
        eprintln!("failpoint {point}: aborting");
        std::process::abort();
    }
}
