//! The simulator driven over real HTTP, with signatures computed independently.

mod authorize;
mod checkout;
mod confirm_charge;
mod customers;
mod faults;
mod helpers;
mod logistics_chargebacks;
mod payment_methods;
mod recording;
mod refund;
mod rejections;
mod signing;
mod transactions;
mod webhooks;
