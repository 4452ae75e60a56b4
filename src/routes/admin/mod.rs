//! The merchant's pages under `/admin`. Every page and action takes an
//! [`crate::web::extract::auth::AdminUser`] or [`crate::web::extract::auth::AdminForm`], so anonymous requests
//! are sent to the login page.

pub mod bulk_ship;
pub mod chargebacks;
pub mod customers;
pub mod dashboard;
pub mod discounts;
pub mod gallery;
pub mod gateway_calls;
pub mod golive;
pub mod login;
pub mod order_actions;
pub mod order_manage;
pub mod orders;
pub mod outbox;
pub mod product_options;
pub mod products;
pub mod refunds;
pub mod selftest;
pub mod shipping_rates;
pub mod taxes;
pub mod transactions;
pub mod variants;
pub mod view;
pub mod webhooks;

use actix_web::web::{self, get, post};

/// Registers the admin routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/admin")
            .route("", get().to(dashboard::show))
            .route("/", get().to(dashboard::show))
            .route("/login", get().to(login::page))
            .route("/login", post().to(login::submit))
            .route("/logout", post().to(login::logout))
            .route("/orders", get().to(orders::index))
            .route("/orders.csv", get().to(orders::export))
            .route("/order-lines.csv", get().to(orders::export_lines))
            .service(
                web::resource("/orders/bulk-ship")
                    .app_data(bulk_ship::upload_config())
                    .route(post().to(bulk_ship::submit)),
            )
            .route("/orders/{number}", get().to(orders::show))
            .route("/orders/{number}/refunds", post().to(order_actions::refund))
            .route(
                "/orders/{number}/capture",
                post().to(order_actions::capture),
            )
            .route("/orders/{number}/void", post().to(order_actions::void))
            .route("/orders/{number}/charge", post().to(order_actions::charge))
            .route("/orders/{number}/sync", post().to(order_actions::sync))
            .route("/orders/{number}/notes", post().to(order_manage::add_note))
            .route(
                "/orders/{number}/cancel",
                post().to(order_manage::cancel_unpaid),
            )
            .route(
                "/orders/{number}/cancel-refund",
                post().to(order_manage::cancel_refund),
            )
            .route(
                "/orders/{number}/emails/{id}/resend",
                post().to(order_manage::resend_email),
            )
            .route("/customers", get().to(customers::index))
            .route("/customers/{email}", get().to(customers::show))
            .route("/orders/{number}/shipments", post().to(order_actions::ship))
            .route(
                "/orders/{number}/shipments/{id}/upload",
                post().to(order_actions::retry_upload),
            )
            .route(
                "/orders/{number}/shipments/{id}/status",
                post().to(order_actions::tracking_status),
            )
            .route("/refunds", get().to(refunds::index))
            .route("/refunds/{id}/query", post().to(refunds::query))
            .route("/refunds/{id}/mark", post().to(refunds::mark))
            .route("/transactions", get().to(transactions::index))
            .route("/webhooks", get().to(webhooks::index))
            .route("/webhooks/{id}", get().to(webhooks::show))
            .route("/webhooks/{id}/reprocess", post().to(webhooks::reprocess))
            .route("/webhooks/{id}/dismiss", post().to(webhooks::dismiss))
            .route("/chargebacks", get().to(chargebacks::index))
            .route("/gateway-calls", get().to(gateway_calls::index))
            .route("/gateway-calls/{id}", get().to(gateway_calls::show))
            .route("/products", get().to(products::index))
            .route("/products/new", get().to(products::new))
            .service(
                web::resource("/products")
                    .app_data(products::upload_config())
                    .route(post().to(products::create)),
            )
            .route("/products/{id}", get().to(products::edit))
            .service(
                web::resource("/products/{id}")
                    .app_data(products::upload_config())
                    .route(post().to(products::update)),
            )
            .route("/products/{id}/visibility", post().to(products::visibility))
            .route("/products/{id}/variants", get().to(variants::show))
            .route(
                "/products/{id}/variants/generate",
                post().to(variants::create_missing),
            )
            .route(
                "/products/{id}/variants/{variant}",
                post().to(variants::update),
            )
            .route(
                "/products/{id}/variants/{variant}/remove",
                post().to(variants::remove),
            )
            .route(
                "/products/{id}/options",
                post().to(product_options::add_option),
            )
            .route(
                "/products/{id}/options/{option}",
                post().to(product_options::rename_option),
            )
            .route(
                "/products/{id}/options/{option}/move",
                post().to(product_options::move_option),
            )
            .route(
                "/products/{id}/options/{option}/remove",
                post().to(product_options::remove_option),
            )
            .route(
                "/products/{id}/options/{option}/values",
                post().to(product_options::add_value),
            )
            .route(
                "/products/{id}/values/{value}",
                post().to(product_options::rename_value),
            )
            .route(
                "/products/{id}/values/{value}/move",
                post().to(product_options::move_value),
            )
            .route(
                "/products/{id}/values/{value}/remove",
                post().to(product_options::remove_value),
            )
            .route("/products/{id}/images", get().to(gallery::show))
            .route("/products/{id}/images", post().to(gallery::add))
            .route(
                "/products/{id}/images/{image}/move",
                post().to(gallery::move_image),
            )
            .route(
                "/products/{id}/images/{image}/remove",
                post().to(gallery::remove),
            )
            .route("/discounts", get().to(discounts::index))
            .route("/discounts", post().to(discounts::create))
            .route("/discounts/{id}/active", post().to(discounts::set_active))
            .route("/taxes", get().to(taxes::index))
            .route("/taxes", post().to(taxes::save))
            .route("/taxes/{id}/remove", post().to(taxes::remove))
            .route("/shipping", get().to(shipping_rates::index))
            .route("/shipping/zones/new", get().to(shipping_rates::new_zone))
            .route("/shipping/zones", post().to(shipping_rates::create_zone))
            .route("/shipping/zones/{id}", get().to(shipping_rates::edit_zone))
            .route(
                "/shipping/zones/{id}",
                post().to(shipping_rates::update_zone),
            )
            .route(
                "/shipping/zones/{id}/remove",
                post().to(shipping_rates::remove_zone),
            )
            .route(
                "/shipping/methods/new",
                get().to(shipping_rates::new_method),
            )
            .route(
                "/shipping/methods",
                post().to(shipping_rates::create_method),
            )
            .route(
                "/shipping/methods/{id}",
                get().to(shipping_rates::edit_method),
            )
            .route(
                "/shipping/methods/{id}",
                post().to(shipping_rates::update_method),
            )
            .route(
                "/shipping/methods/{id}/remove",
                post().to(shipping_rates::remove_method),
            )
            .route("/outbox", get().to(outbox::index))
            .route("/outbox/{id}", get().to(outbox::show))
            .route("/outbox/{id}/html", get().to(outbox::html))
            .route("/go-live", get().to(golive::show))
            .route("/go-live/selftest", post().to(selftest::start))
            .route("/go-live/selftest/{id}", get().to(selftest::show)),
    );
}
