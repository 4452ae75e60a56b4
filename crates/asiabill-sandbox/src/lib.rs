//! An offline simulator of the AsiaBill V2022-03 sandbox.
//!
//! It speaks the protocol of `shared/docs/asiabill-api.md` on one port: the payment API under
//! `/V2022-03/...` and the OpenAPI under `/openApi/V2022-03/...` (`/AuthorizeInterface` on
//! both), with AsiaBill's headers, signatures, envelope, codes, test cards and webhooks; and
//! what the shopper's browser sees: the hosted payment page (`/checkout/pay/{token}`), the
//! pages of local payment methods (`/local/{token}`), the 3-D Secure page (`/threeds/{id}`),
//! the JS SDK stand-in (`/static/v3/js/AsiabillPayment.min.js`) with its card frame, and the
//! console (`/console`).
//! State is in memory. Error codes are listed in [`envelope`].
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use asiabill_sandbox::{Config, Sandbox};
//! let sandbox = Sandbox::new(Config::with_time_factor(0.001));
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let server = sandbox.serve(listener)?;
//! tokio::spawn(server);
//! // ... drive it over HTTP, then read `sandbox.requests()`, `sandbox.transactions()` ...
//! # Ok(()) }
//! ```

use std::net::TcpListener;

use actix_web::dev::Server;

mod api;
mod auth;
pub mod cards;
pub mod config;
pub mod envelope;
pub mod faults;
mod ids;
pub mod local;
mod pages;
mod payments;
pub mod recording;
pub mod return_url;
mod routes;
mod sandbox;
pub mod state;
pub mod webhooks;
pub mod wire;

pub use cards::{CardBehaviour, CardInput};
pub use config::{Account, Config, SettlementMode};
pub use envelope::Rejection;
pub use faults::Faults;
pub use local::{
    CREDIT_CARD, LOCAL_METHODS, LocalFamily, LocalMethod, RefundRule, TEST_BANKS, local_method,
};
pub use payments::{Completion, Outcome, PaymentStep};
pub use recording::{RecordedRequest, Verdict};
pub use return_url::{ReturnParams, signed_return_url};
pub use routes::{DEFAULT_CHARGEBACK_REASON, LOGISTICS_STATUSES, NewPaymentMethod};
pub use sandbox::Sandbox;
pub use state::{
    AuthStatus, Chargeback, ChecklistFlag, Customer, Logistics, OrderStatus, PaymentFlow,
    PaymentMethod, Refund, RefundStatus, TokenType, Transaction,
};
pub use webhooks::{DeliveryOutcome, WebhookDelivery, WebhookEvent};

/// Path prefix of the hosted payment page: `redirectUrl` of `/checkout/payment` is
/// `{base}/checkout/pay/{token}` (see [`Sandbox::hosted_session`]).
pub const HOSTED_PAGE_PREFIX: &str = "/checkout/pay/";
/// Path prefix of the local payment pages: `redirectUrl` of `/checkout/payment` with a local
/// `paymentMethod` is `{base}/local/{token}` (see [`Sandbox::answer_local`]).
pub const LOCAL_PAGE_PREFIX: &str = "/local/";
/// Path prefix of the 3-D Secure page: `redirectUrl` of a 3DS `/confirmCharge` is
/// `{base}/threeds/{id}` (see [`Sandbox::challenge`]).
pub const THREE_DS_PAGE_PREFIX: &str = "/threeds/";

/// Starts a simulator with the default configuration on an already bound listener and returns
/// the running server, which the caller awaits or spawns. Binding first lets tests use port 0.
pub fn serve(listener: TcpListener) -> std::io::Result<Server> {
    Sandbox::new(Config::default()).serve(listener)
}
