//! A typed client for the AsiaBill V2022-03 card payment API.
//!
//! This crate knows nothing about any particular shop: it holds the gateway's facts (hosts,
//! credentials, currencies, signing) so that a storefront can depend on it and copy it whole.
//! Every fact comes from `shared/docs/asiabill-api.md`; where that document marks a gap the
//! choice made is written next to the code that makes it.

pub mod credentials;
pub mod currency;
pub mod environment;
pub mod signing;

pub use credentials::{Credentials, CredentialsError, GatewayNo};
pub use currency::{Currency, CurrencyError, Money};
pub use environment::{Environment, EnvironmentError};

/// The API version every V2022-03 path starts with and every webhook carries in `version`.
pub const API_VERSION: &str = "V2022-03";
