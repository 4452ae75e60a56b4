//! asiabill-shop: a server-rendered storefront that is the reference integration of the
//! AsiaBill card gateway. `main.rs` only calls [`cli::run`]; everything else lives here so that
//! tests can build the application in-process.
//!
//! The modules are business areas (`catalogue`, `cart`, `orders`, `payments`, `shipping`,
//! `accounts`, `emails`); `routes` holds the thin HTTP handlers over them and `web` what every
//! handler shares. `docs/architecture.md` maps AsiaBill's checklist onto these files.

pub mod accounts;
pub mod cart;
pub mod catalogue;
pub mod cli;
pub mod config;
pub mod customers;
pub mod dashboard;
pub mod db;
pub mod discounts;
pub mod domain;
pub mod emails;
pub mod failpoint;
pub mod i18n;
pub mod jobs;
pub mod money;
pub mod orders;
pub mod payments;
pub mod routes;
pub mod selftest;
pub mod shipping;
pub mod shoppers;
pub mod startup;
pub mod taxes;
pub mod telemetry;
pub mod web;
