//! What a handler takes from a request before it runs: the signed-in admin or shopper, a
//! CSRF-checked form, the client's IP address.

pub mod auth;
pub mod client_ip;
pub mod forms;
pub mod shopper;
