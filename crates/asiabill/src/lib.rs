//! A typed client for the AsiaBill V2022-03 card payment API.
//!
//! This crate knows nothing about any particular shop: it holds the gateway's facts (hosts,
//! credentials, currencies, signing, endpoints, webhooks, returns) so that a storefront can
//! depend on it and copy it whole. Every fact comes from `shared/docs/asiabill-api.md`; where
//! that document marks a gap the choice made is written next to the code that makes it.
//!
//! - [`Client`] has one async method per endpoint, with typed requests and answers in
//!   [`types`]; amounts are [`Money`] (integer minor units), converted to AsiaBill's decimal
//!   strings only inside this crate.
//! - [`webhook::verify_webhook`] and [`returns::verify_return`] check AsiaBill's signatures and
//!   return typed, parsed values.
//! - [`signing`] and [`endpoint`] are the layers below, public so that the signature can be
//!   checked against the documented vectors and reused by a simulator.
//!
//! See the crate's README for a short example of each flow.

pub mod client;
pub mod codes;
pub mod credentials;
pub mod currency;
pub mod endpoint;
pub mod environment;
pub mod error;
pub mod reasons;
pub mod returns;
pub mod signing;
pub mod types;
pub mod webhook;
mod wire;

pub use client::{Client, ClientConfig, Exchange, Observer};
pub use codes::{
    AuthStatus, AuthType, IsMobile, LogisticsStatus, OrderStatus, RefundType, ResultCode,
    TokenType, TradeStatus,
};
pub use credentials::{Credentials, CredentialsError, GatewayNo};
pub use currency::{Currency, CurrencyError, Money};
pub use endpoint::{Endpoint, RequestStamp};
pub use environment::{Environment, EnvironmentError};
pub use error::Error;
pub use returns::{ReturnError, ReturnParams, VerifiedReturn, verify_return};
pub use webhook::{VerifiedWebhook, WebhookError, WebhookEvent, verify_webhook};

/// The API version every V2022-03 path starts with and every webhook carries in `version`.
pub const API_VERSION: &str = "V2022-03";

/// The README's examples, compiled as doctests so that they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
