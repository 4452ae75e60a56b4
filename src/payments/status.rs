//! The stored states of payments: of an attempt (with its mode and transaction type), of a
//! refund and of a webhook delivery. Each is kept as a word in a `TEXT` column (see
//! [`text_enum!`](crate::text_enum)).

crate::text_enum! {
    /// Payment attempt states, as stored in `payment_attempts.status`.
    pub enum AttemptStatus {
        /// Created here; the gateway has not been asked yet, or did not answer.
        Created => "created",
        /// The gateway has it and has not decided.
        Pending => "pending",
        /// The shopper must authenticate (3-D Secure).
        RequiresAction => "requires_action",
        /// Authorized, to be captured or voided (pre-authorization gateways).
        Authorized => "authorized",
        /// Money taken.
        Paid => "paid",
        /// Declined or abandoned at the gateway.
        Failed => "failed",
        /// An authorization released.
        Voided => "voided",
        /// Given up on by the shop (superseded by a newer attempt, or never reached the gateway).
        Cancelled => "cancelled",
    }
}

impl AttemptStatus {
    /// The states in which the gateway may still take the money without anyone doing anything.
    pub const OPEN: [AttemptStatus; 3] = [
        AttemptStatus::Created,
        AttemptStatus::Pending,
        AttemptStatus::RequiresAction,
    ];

    /// True while the gateway may still take the money without anyone doing anything.
    pub fn is_open(self) -> bool {
        AttemptStatus::OPEN.contains(&self)
    }

    /// True when the attempt took the money or holds it (paid, or authorized for capture).
    pub fn is_success(self) -> bool {
        matches!(self, AttemptStatus::Paid | AttemptStatus::Authorized)
    }
}

crate::text_enum! {
    /// Whether an attempt takes the money at once or authorizes it for a later capture, as
    /// stored in `payment_attempts.transaction_type`.
    pub enum TransactionType {
        /// Money taken at once.
        Sale => "sale",
        /// Authorized, to be captured or voided.
        Authorization => "authorization",
    }
}

crate::text_enum! {
    /// Refund states, as stored in `refunds.status`.
    pub enum RefundStatus {
        /// The amount is held here; AsiaBill has not been asked yet.
        Reserved => "reserved",
        /// AsiaBill accepted the request and has not decided.
        Requested => "requested",
        /// The money went back.
        Succeeded => "succeeded",
        /// Refused; the amount is free to refund again.
        Failed => "failed",
        /// The request's fate is not known (no answer): only AsiaBill can tell.
        Unknown => "unknown",
    }
}

impl RefundStatus {
    /// The states in which the refund still holds its amount and awaits a verdict.
    pub const OPEN: [RefundStatus; 3] = [
        RefundStatus::Reserved,
        RefundStatus::Requested,
        RefundStatus::Unknown,
    ];
}

crate::text_enum! {
    /// What applying a webhook delivery did, as stored in `webhook_events.status`.
    pub enum WebhookStatus {
        /// Stored, not applied yet (or applying it failed and it will be tried again).
        Received => "received",
        /// Applied to our records.
        Applied => "applied",
        /// Nothing to apply.
        Ignored => "ignored",
        /// Needs the merchant.
        Flagged => "flagged",
        /// Refused: the signature, gateway or time did not check out.
        Failed => "failed",
    }
}

impl WebhookStatus {
    /// True once the delivery has been dealt with (applied, ignored or flagged): a repeat of it
    /// is acknowledged and changes nothing.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            WebhookStatus::Applied | WebhookStatus::Ignored | WebhookStatus::Flagged
        )
    }
}
