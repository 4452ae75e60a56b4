//! Payments through AsiaBill: attempts and their states, the one transition function, starting
//! hosted and in-site payments, the browser return, webhooks, the one query-and-apply path, the
//! reconciler, capture and void, refunds, chargebacks, the transaction list and the go-live
//! checklist.

pub mod api_log;
pub mod attempts;
pub mod calls;
pub mod capture;
pub mod chargebacks;
pub mod disputes;
pub mod gateway;
pub mod golive;
pub mod merchant_charge;
pub mod methods;
pub mod query;
pub mod reconcile;
pub mod refunds;
pub mod rejected_webhooks;
pub mod returns;
pub mod start;
pub mod status;
pub mod transactions;
pub mod transition;
pub mod webhook_log;
pub mod webhooks;

use std::{sync::Arc, time::Duration};

use asiabill::Currency;

pub use status::{AttemptStatus, RefundStatus, TransactionType, WebhookStatus};

use crate::{
    config::{GatewaySettings, Settings},
    db::Db,
};

/// What the payment services work with: the database, the AsiaBill client, and the settings
/// that shape what is sent. Built once at start-up and cheap to clone; the web layer keeps one
/// in its state and the command-line tools build their own, so no payment code depends on the
/// web layer.
#[derive(Clone)]
pub struct Payments {
    /// The database pool.
    pub db: Db,
    /// The AsiaBill client for the configured environment and account.
    pub gateway: Arc<asiabill::Client>,
    /// The settings the payment code reads.
    pub settings: Arc<PaymentSettings>,
}

/// The slice of [`Settings`] the payment code reads.
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    /// The shop's public address, from which `callbackUrl` and `returnUrl` are made.
    pub public_url: String,
    /// The shop's currency.
    pub currency: Currency,
    /// The AsiaBill account, environment and its rules.
    pub gateway: GatewaySettings,
    /// How long an attempt or refund may stay undecided before the reconciler asks AsiaBill.
    pub reconcile_after: Duration,
    /// How long an unpaid order keeps its stock.
    pub reservation: Duration,
}

impl PaymentSettings {
    /// The AsiaBill gateway number payments are made on, as the attempts store it.
    pub fn gateway_no(&self) -> String {
        self.gateway.credentials.gateway_no().as_str().to_owned()
    }

    /// Takes the payment settings out of the shop's settings.
    pub fn from_settings(settings: &Settings) -> Self {
        PaymentSettings {
            public_url: settings.public_url.clone(),
            currency: settings.currency,
            gateway: settings.gateway.clone(),
            reconcile_after: settings.reconcile_after,
            reservation: settings.reservation,
        }
    }
}

impl Payments {
    /// The payment services over `db` and `gateway`, configured by `settings`.
    pub fn new(db: Db, gateway: Arc<asiabill::Client>, settings: &Settings) -> Self {
        Payments {
            db,
            gateway,
            settings: Arc::new(PaymentSettings::from_settings(settings)),
        }
    }
}

crate::text_enum! {
    /// Where a piece of news about a payment came from; written on every timeline event
    /// (`payment_events.source`).
    pub enum Source {
        /// The gateway's answer to our request.
        Api => "api",
        /// The shopper's browser coming back to the returnUrl.
        Return => "return",
        /// A webhook.
        Webhook => "webhook",
        /// Our query of the gateway.
        Query => "query",
        /// A merchant's action.
        Admin => "admin",
        /// The shop itself (expiry, superseding).
        System => "system",
    }
}
