//! Integration tests: the shop over real HTTP, on a real database (SQLite by default,
//! PostgreSQL when `TEST_DATABASE_URL` names one), with the simulator on its own port.

mod abuse;
mod accounts;
mod admin_auth;
mod admin_chinese;
mod admin_golive;
mod admin_pages;
mod admin_preauth;
mod admin_records;
mod admin_refunds;
mod admin_shipping;
mod admin_small;
mod admin_support;
mod admin_webhooks;
mod cards;
mod catalogue;
mod checkout;
mod cli;
mod compose;
mod emails;
mod faults;
mod health;
mod helpers;
mod instances;
mod jobs;
mod local_methods;
mod model;
mod money_paths;
mod payments;
mod processes;
mod reasons;
mod schema;
mod security;
mod storefront;
mod timeline;
mod transactions;
