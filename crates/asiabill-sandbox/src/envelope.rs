//! The `{code, message, data}` reply every endpoint answers with, and the codes it uses.
//!
//! Business errors are HTTP 200 with a non-success `code` (section 4.5); only injected faults
//! answer 5xx. AsiaBill publishes no V2022-03 error table (section 17), so the simulator reuses
//! the legacy codes of section 15 where their meaning fits and adds its own otherwise:
//!
//! | code | meaning |
//! |---|---|
//! | `00000` | success (every endpoint except `/checkout/payment`) |
//! | `0000` | success of `/checkout/payment` |
//! | `I0006` | `gateway-no` missing or not a configured gateway (legacy range I0001–I0012) |
//! | `I0013` | `sign-info` missing or not the HMAC of the request (legacy "invalid signInfo") |
//! | `H0001` | `request-id` missing or longer than 64 characters |
//! | `H0002` | `request-time` missing, not epoch milliseconds, or more than 10 minutes off |
//! | `H0003` | `request-id` already used by this gateway within 30 minutes |
//! | `J0001` | body or query not acceptable: malformed JSON, a value of the wrong type, an unknown field or query key |
//! | `I0059` | a required field is missing or empty (legacy "property empty") |
//! | `I0060` | a field is too long or has a value outside its allowed set (legacy "property too long") |
//! | `I0020` | amount malformed, zero, or longer than 16 characters (legacy "amount incorrect") |
//! | `I0021` | amount has more decimals than its currency (legacy "decimals must be 0–2") |
//! | `I0023` | currency unknown or not settleable (legacy "currency incorrect") |
//! | `I0030` | card number not 12–19 digits or fails the Luhn check |
//! | `I0034` | card expiry month not `01`–`12` |
//! | `I0038` | card expiry year not 4 digits, in the past, or more than 10 years ahead |
//! | `I0041` | card security code not 3 or 4 digits |
//! | `I0061` | Duplicate Order: the `orderNo` is already paid on this gateway |
//! | `N0001` | no such customer on this gateway |
//! | `N0002` | no such payment method on this gateway, not attached to the given customer (a `Recurring` charge needs it attached), or detached and not attached again |
//! | `M0001` | `tokenType=Recurring` without an earlier successful `InitRecurring` charge of that payment method for that customer |
//! | `98` | no such transaction, refund batch or logistics record (legacy "no transaction record") |
//! | `13` | the transaction is not paid (or not captured), so it cannot be refunded (legacy) |
//! | `10` | `refundType` is not `1` or `2` (legacy "bad refund type") |
//! | `19` | a full refund (`refundType=1`) whose amount is not the whole refundable amount (legacy) |
//! | `25` | refund amount exceeds the refundable amount (legacy) |
//! | `20` | a partial refund of a local method refunded only in full, e.g. giropay (legacy "partial refund not supported") |
//! | `P0001` | `paymentMethod` neither `Credit Card` nor a local method the simulator knows |
//! | `P0002` | a refund of a local method that takes no refunds (paysafecard) |
//! | `A0002` | `authType` is not `1` (capture) or `2` (void) (legacy "type wrong") |
//! | `A0006` | capture or void of a transaction that is not an open authorization (legacy "not a pre-auth transaction") |
//! | `L0001` | logistics upload without `tradeNo` or `orderNo` |
//! | `T0001` | `sessionToken` unknown or expired (the JS SDK stand-in's card frame) |
//! | `T0002` | a card sent to the card frame's endpoint from a page on another origin |
//! | `S0014` | simulated system exception (only with an injected 5xx fault; HTTP 500) |

use actix_web::HttpResponse;
use serde::Serialize;

/// The success code of every endpoint but `/checkout/payment`.
pub const SUCCESS: &str = "00000";
/// The success code of `/checkout/payment` (four zeros, section 16.1).
pub const CHECKOUT_SUCCESS: &str = "0000";

/// The error codes the simulator answers with; see the table in this module's documentation.
pub mod codes {
    /// `gateway-no` missing or unknown.
    pub const UNKNOWN_GATEWAY: &str = "I0006";
    /// `sign-info` missing or wrong.
    pub const BAD_SIGNATURE: &str = "I0013";
    /// `request-id` missing or too long.
    pub const BAD_REQUEST_ID: &str = "H0001";
    /// `request-time` missing, malformed or skewed.
    pub const BAD_REQUEST_TIME: &str = "H0002";
    /// `request-id` reused.
    pub const REPEATED_REQUEST_ID: &str = "H0003";
    /// Malformed body or query.
    pub const MALFORMED: &str = "J0001";
    /// Required field missing or empty.
    pub const MISSING_FIELD: &str = "I0059";
    /// Field too long or value not allowed.
    pub const BAD_FIELD: &str = "I0060";
    /// Amount malformed.
    pub const BAD_AMOUNT: &str = "I0020";
    /// Amount with too many decimals.
    pub const TOO_MANY_DECIMALS: &str = "I0021";
    /// Currency unknown.
    pub const BAD_CURRENCY: &str = "I0023";
    /// Card number invalid.
    pub const BAD_CARD_NUMBER: &str = "I0030";
    /// Expiry month invalid.
    pub const BAD_EXPIRY_MONTH: &str = "I0034";
    /// Expiry year invalid or expired.
    pub const BAD_EXPIRY_YEAR: &str = "I0038";
    /// CVV invalid.
    pub const BAD_CVV: &str = "I0041";
    /// `orderNo` already paid.
    pub const DUPLICATE_ORDER: &str = "I0061";
    /// Unknown customer.
    pub const NO_CUSTOMER: &str = "N0001";
    /// Unknown payment method, attached to another customer, or detached.
    pub const NO_PAYMENT_METHOD: &str = "N0002";
    /// `Recurring` charge with no successful `InitRecurring` before it.
    pub const NO_INIT_RECURRING: &str = "M0001";
    /// Unknown transaction, refund or logistics record.
    pub const NO_RECORD: &str = "98";
    /// Transaction not refundable.
    pub const NOT_REFUNDABLE: &str = "13";
    /// Bad `refundType`.
    pub const BAD_REFUND_TYPE: &str = "10";
    /// Full refund of a partial amount.
    pub const REFUND_TYPE_MISMATCH: &str = "19";
    /// Refund above the refundable amount.
    pub const EXCEEDS_REFUNDABLE: &str = "25";
    /// Partial refund of a method refunded only in full.
    pub const PARTIAL_REFUND_NOT_SUPPORTED: &str = "20";
    /// `paymentMethod` unknown.
    pub const UNKNOWN_PAYMENT_METHOD: &str = "P0001";
    /// Refund of a method that takes none.
    pub const METHOD_TAKES_NO_REFUNDS: &str = "P0002";
    /// Bad `authType`.
    pub const BAD_AUTH_TYPE: &str = "A0002";
    /// Not an open authorization.
    pub const NOT_OPEN_AUTHORIZATION: &str = "A0006";
    /// Logistics upload naming no transaction.
    pub const NO_TRANSACTION_REFERENCE: &str = "L0001";
    /// Session token unknown or expired (JS SDK stand-in).
    pub const BAD_SESSION_TOKEN: &str = "T0001";
    /// Card sent to the card frame's endpoint from another origin (JS SDK stand-in).
    pub const FOREIGN_ORIGIN: &str = "T0002";
    /// Injected system fault.
    pub const SYSTEM_ERROR: &str = "S0014";
}

/// Why a request was refused: the envelope `code` and `message` it is answered with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// One of [`codes`].
    pub code: &'static str,
    /// What was wrong, for a person.
    pub message: String,
}

impl Rejection {
    /// A rejection with `code` and `message`.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Rejection {
            code,
            message: message.into(),
        }
    }

    /// A required field missing or empty.
    pub fn missing(field: &str) -> Self {
        Rejection::new(codes::MISSING_FIELD, format!("{field} is required"))
    }
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for Rejection {}

/// The reply body.
#[derive(Serialize)]
pub(crate) struct Envelope<T: Serialize> {
    pub code: &'static str,
    pub message: String,
    pub data: Option<T>,
}

impl<T: Serialize> Envelope<T> {
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing plain structs of strings cannot fail; a fallback keeps `unwrap` out.
        serde_json::to_vec(self).unwrap_or_else(|_| {
            br#"{"code":"S0014","message":"reply could not be encoded","data":null}"#.to_vec()
        })
    }
}

/// The envelope of a rejection.
pub(crate) fn rejection_body(rejection: &Rejection) -> Vec<u8> {
    Envelope::<()> {
        code: rejection.code,
        message: rejection.message.clone(),
        data: None,
    }
    .to_bytes()
}

/// The HTTP 500 an injected fault answers with.
pub(crate) fn fault_response() -> HttpResponse {
    let body = Envelope::<()> {
        code: codes::SYSTEM_ERROR,
        message: "System exception (simulated fault)".to_owned(),
        data: None,
    }
    .to_bytes();
    HttpResponse::InternalServerError()
        .content_type("application/json;charset=UTF-8")
        .body(body)
}
