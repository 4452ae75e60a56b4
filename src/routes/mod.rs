//! Request handlers: the shopper's pages (`shop`), the merchant's (`admin`), and the health
//! checks. A handler parses its input, calls one function of a business module and maps the
//! result to a page, a redirect or an error.

pub mod admin;
pub mod health;
pub mod shop;

use actix_web::web;

use shop::{account, cart, catalogue, checkout, lang, orders, payment, products};

/// Registers every shop route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.configure(admin::configure);
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
        .route("/account", web::get().to(account::home::show))
        .route("/account/signup", web::get().to(account::signup::page))
        .route("/account/signup", web::post().to(account::signup::submit))
        .route("/account/signin", web::get().to(account::signin::page))
        .route("/account/signin", web::post().to(account::signin::submit))
        .route("/account/signout", web::post().to(account::signin::signout))
        .route("/account/verify", web::post().to(account::verify::resend))
        .route(
            "/account/verify/{token}",
            web::get().to(account::verify::confirm),
        )
        .route(
            "/account/forgot",
            web::get().to(account::password::forgot_page),
        )
        .route("/account/forgot", web::post().to(account::password::forgot))
        .route(
            "/account/reset/{token}",
            web::get().to(account::password::reset_page),
        )
        .route(
            "/account/reset/{token}",
            web::post().to(account::password::reset),
        )
        .route(
            "/account/addresses",
            web::post().to(account::addresses::add),
        )
        .route(
            "/account/addresses/{id}/default",
            web::post().to(account::addresses::make_default),
        )
        .route(
            "/account/addresses/{id}/delete",
            web::post().to(account::addresses::delete),
        )
        .route(
            "/account/cards/{id}/delete",
            web::post().to(account::cards::delete),
        )
        .route(
            "/account/cards/{id}/default",
            web::post().to(account::cards::make_default),
        )
        .route("/orders/{token}", web::get().to(orders::show))
        .route(
            "/orders/{token}/restore-cart",
            web::post().to(orders::restore_cart),
        )
        .route("/orders/{token}/pay", web::get().to(payment::page))
        .route("/orders/{token}/pay", web::post().to(payment::submit))
        .route(
            "/payment/asiabill/return",
            web::get().to(payment::asiabill_return),
        )
        .service(
            web::resource("/payment/asiabill/webhook")
                // AsiaBill's bodies are small; anything larger is not a webhook.
                .app_data(web::PayloadConfig::new(64 * 1024))
                .route(web::post().to(payment::asiabill_webhook)),
        );
}
