//! Orders: placing one from the cart, reading it back by its secret token, and releasing the
//! stock of orders left unpaid.

pub mod checkout;
pub mod create;
pub mod expire;
pub mod view;

use rand::RngCore;

/// Order states, as stored in `orders.status`.
pub mod status {
    /// Placed, not yet paid.
    pub const PENDING_PAYMENT: &str = "pending_payment";
    /// Paid in full.
    pub const PAID: &str = "paid";
    /// Card authorized, waiting for capture.
    pub const AUTHORIZED: &str = "authorized";
    /// Part of the payment refunded.
    pub const PARTIALLY_REFUNDED: &str = "partially_refunded";
    /// The whole payment refunded.
    pub const REFUNDED: &str = "refunded";
    /// Cancelled; its stock is back on sale.
    pub const CANCELLED: &str = "cancelled";
}

/// A random 256-bit token in hex: the order page's address, which only the shopper knows.
pub fn new_access_token() -> String {
    let mut bytes = [0_u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The order number shown to people: `A` and a number from the row id, so it is short, unique
/// and never reused.
pub fn number_for(id: i64) -> String {
    format!("A{}", 10_000 + id)
}
