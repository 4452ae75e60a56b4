//! The simulator driven over real HTTP, with signatures computed independently.

mod authorize;
mod checkout;
mod confirm_charge;
mod console;
mod customers;
mod elements;
mod faults;
mod helpers;
mod hosted_page;
mod local_payments;
mod logistics_chargebacks;
mod payment_methods;
mod recording;
mod recurring;
mod refund;
mod rejections;
mod signing;
mod threeds_page;
mod transactions;
mod webhooks;
