//! asiabill-shop: a server-rendered storefront that is the reference integration of the
//! AsiaBill card gateway. `main.rs` only calls [`cli::run`]; everything else lives here so that
//! tests can build the application in-process.

pub mod admin;
pub mod cart;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod emails;
pub mod failpoint;
pub mod i18n;
pub mod jobs;
pub mod money;
pub mod orders;
pub mod payments;
pub mod routes;
pub mod startup;
pub mod telemetry;
pub mod web;
