//! The merchant's pages under `/admin`.

use actix_web::web;

/// Registers the admin routes.
pub fn configure(_cfg: &mut web::ServiceConfig) {}
