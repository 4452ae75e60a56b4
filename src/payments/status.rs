//! The states of a payment attempt, as stored in `payment_attempts.status`.

/// Payment attempt states, as stored in `payment_attempts.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStatus {
    /// Created here; the gateway has not been asked yet, or did not answer.
    Created,
    /// The gateway has it and has not decided.
    Pending,
    /// The shopper must authenticate (3-D Secure).
    RequiresAction,
    /// Authorized, to be captured or voided (pre-authorization gateways).
    Authorized,
    /// Money taken.
    Paid,
    /// Declined or abandoned at the gateway.
    Failed,
    /// An authorization released.
    Voided,
    /// Given up on by the shop (superseded by a newer attempt, or never reached the gateway).
    Cancelled,
}

impl AttemptStatus {
    /// The stored word.
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptStatus::Created => "created",
            AttemptStatus::Pending => "pending",
            AttemptStatus::RequiresAction => "requires_action",
            AttemptStatus::Authorized => "authorized",
            AttemptStatus::Paid => "paid",
            AttemptStatus::Failed => "failed",
            AttemptStatus::Voided => "voided",
            AttemptStatus::Cancelled => "cancelled",
        }
    }

    /// Reads a stored word.
    pub fn parse(word: &str) -> Option<Self> {
        Some(match word {
            "created" => AttemptStatus::Created,
            "pending" => AttemptStatus::Pending,
            "requires_action" => AttemptStatus::RequiresAction,
            "authorized" => AttemptStatus::Authorized,
            "paid" => AttemptStatus::Paid,
            "failed" => AttemptStatus::Failed,
            "voided" => AttemptStatus::Voided,
            "cancelled" => AttemptStatus::Cancelled,
            _ => return None,
        })
    }

    /// True while the gateway may still take the money without anyone doing anything.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            AttemptStatus::Created | AttemptStatus::Pending | AttemptStatus::RequiresAction
        )
    }
}
