//! Refunds: [`request`] reserves the amount and asks AsiaBill; [`settle`] applies AsiaBill's
//! verdict, however it arrives (webhook, refund query, reconciler); [`resolve`] is the admin's
//! way to get a verdict for a refund whose outcome is unknown; [`list`] is the merchant's list
//! of them.

pub mod list;
pub mod request;
pub mod resolve;
pub mod settle;

pub use settle::{RefundApplied, RefundNews, apply, follow_settled_refunds};
