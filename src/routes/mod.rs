//! Request handlers, one module per area.

pub mod catalogue;
pub mod health;
pub mod lang;

use actix_web::web;

/// Registers every shop route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/lang/{tag}", web::get().to(lang::switch))
        .route("/", web::get().to(catalogue::index));
}
