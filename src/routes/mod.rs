//! Request handlers, one module per area.

pub mod cart;
pub mod catalogue;
pub mod checkout;
pub mod health;
pub mod lang;
pub mod orders;
pub mod products;

use actix_web::web;

/// Registers every shop route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/lang/{tag}", web::get().to(lang::switch))
        .route("/", web::get().to(catalogue::index))
        .route("/products/{slug}", web::get().to(products::show))
        .route("/cart", web::get().to(cart::show))
        .route("/cart/items", web::post().to(cart::add))
        .route("/cart/items/{id}", web::post().to(cart::update))
        .route("/checkout", web::get().to(checkout::show))
        .route("/checkout", web::post().to(checkout::submit))
        .route("/orders/{token}", web::get().to(orders::show))
        .route(
            "/orders/{token}/restore-cart",
            web::post().to(orders::restore_cart),
        );
}
