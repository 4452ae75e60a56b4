//! Identifiers in AsiaBill's shapes (section 11.3).

use chrono::{DateTime, Utc};
use rand::Rng;

fn digits(n: usize) -> String {
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(b'0' + rng.random_range(0..10u8)))
        .collect()
}

fn hex_upper(n: usize) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut rng = rand::rng();
    (0..n)
        .map(|_| char::from(HEX[rng.random_range(0..16usize)]))
        .collect()
}

/// `tradeNo`: `yyyyMMddHHmmss` + 8 random digits, 22 digits in all.
pub(crate) fn trade_no(now: DateTime<Utc>) -> String {
    format!("{}{}", now.format("%Y%m%d%H%M%S"), digits(8))
}

/// `cus_` + 19 digits.
pub(crate) fn customer_id() -> String {
    format!("cus_1{}", digits(18))
}

/// `pm_` + 19 digits.
pub(crate) fn payment_method_id() -> String {
    format!("pm_1{}", digits(18))
}

/// An opaque token for a session, a hosted page or a 3DS challenge.
pub(crate) fn token() -> String {
    hex_upper(32).to_ascii_lowercase()
}

/// A `request-id` in the shape AsiaBill's SDK uses: uppercase, UUID-shaped.
pub(crate) fn request_id() -> String {
    let h = hex_upper(32);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A number in `0..1`, for the fault rates.
pub(crate) fn chance(rate: f64) -> bool {
    rate > 0.0 && rand::rng().random::<f64>() < rate
}

/// Milliseconds since the Unix epoch, as sent in `request-time`.
pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let t = trade_no(Utc::now());
        assert_eq!(t.len(), 22);
        assert!(t.bytes().all(|b| b.is_ascii_digit()));
        assert_eq!(customer_id().len(), 4 + 19);
        assert_eq!(payment_method_id().len(), 3 + 19);
        assert_eq!(request_id().len(), 36);
    }
}
