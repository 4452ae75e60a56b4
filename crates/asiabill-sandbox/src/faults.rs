//! Fault switches, set from code ([`crate::Sandbox::set_faults`]) so that shops can test their
//! handling of a slow, failing or misbehaving gateway.

use std::time::Duration;

/// The faults in force. [`Faults::default`] is a well-behaved gateway.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// Added before every API reply (not scaled by the time factor).
    pub api_latency: Duration,
    /// Share of API requests, from 0 to 1, answered HTTP 500 (`S0014`) without being processed.
    pub server_error_rate: f64,
    /// Share of webhook events, from 0 to 1, never delivered at all (no attempt, no retry).
    pub drop_webhook_rate: f64,
    /// Every acknowledged webhook is delivered a second time, with the same body, signed afresh.
    pub duplicate_webhooks: bool,
    /// Webhook events are held back and released newest first: a held event is released when a
    /// later one overtakes it, when the switch is turned off, or after the reorder window.
    pub out_of_order_webhooks: bool,
    /// Local payments (Alipay, iDEAL, Klarna… see [`crate::local`]) stay pending for this many
    /// minutes, times the time factor, once the shopper approves: the shopper returns with
    /// `pending` (webhook `transaction.pending`), then the payment succeeds (webhook
    /// `transaction.success`), as a slow wallet or bank confirms. `None`: approved at once.
    pub local_pending_minutes: Option<u32>,
}
