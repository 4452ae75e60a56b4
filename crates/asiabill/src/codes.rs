//! AsiaBill's result codes and status words as enums (sections 5, 6 and 15.1 of the API notes).
//!
//! Status words are read without regard to ASCII case: the documented spelling is lowercase
//! (`success`), and accepting `Success` costs nothing while refusing it would strand a payment.
//! Any other word is refused, so a new status becomes a visible protocol error rather than a
//! guess about whether money moved.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The `code` of a response envelope or a returnUrl.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResultCode {
    /// `0000` or `00000`. AsiaBill's docs say `00000`, its own code checks checkout/payment and
    /// refunds against `0000`, and the returnUrl carries `0000`; both mean success (section 16.1).
    Success,
    /// Any other code: the request was refused; the envelope's `message` says why.
    Failure(String),
}

impl ResultCode {
    /// Classifies a code as received.
    pub fn parse(code: &str) -> Self {
        match code.trim() {
            "0000" | "00000" => ResultCode::Success,
            other => ResultCode::Failure(other.to_owned()),
        }
    }

    /// True for `0000` and `00000`.
    pub fn is_success(&self) -> bool {
        matches!(self, ResultCode::Success)
    }

    /// The code as text; success is written `0000`, the spelling the returnUrl uses.
    pub fn as_str(&self) -> &str {
        match self {
            ResultCode::Success => "0000",
            ResultCode::Failure(code) => code,
        }
    }
}

impl fmt::Display for ResultCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Declares an enum over a closed set of AsiaBill words, with `as_str`, `parse`, `Display`
/// and serde both ways. Parsing ignores ASCII case (see the module comment).
macro_rules! gateway_words {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+ }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vmeta])* $variant, )+ }

        impl $name {
            /// The word as AsiaBill writes it.
            pub fn as_str(&self) -> &'static str {
                match self { $( $name::$variant => $word, )+ }
            }

            /// Reads the word, ignoring ASCII case; `None` for any other text.
            pub fn parse(text: &str) -> Option<Self> {
                let text = text.trim();
                $( if text.eq_ignore_ascii_case($word) { return Some($name::$variant); } )+
                None
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = String::deserialize(d)?;
                $name::parse(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        concat!("unknown ", stringify!($name), " `{}`"),
                        text
                    ))
                })
            }
        }
    };
}

gateway_words! {
    /// `orderStatus` of a payment, and `tradeStatus` of a listed transaction.
    pub enum OrderStatus {
        /// Paid (or authorized, for a pre-authorization gateway).
        Success = "success",
        /// Declined or cancelled; `orderInfo` says why.
        Fail = "fail",
        /// Not final yet: awaiting 3-D Secure, a local payment, or review.
        Pending = "pending",
    }
}

/// `tradeStatus` in transaction queries uses the same three words as `orderStatus`.
pub type TradeStatus = OrderStatus;

gateway_words! {
    /// `authStatus` of a listed transaction: where a pre-authorization stands.
    pub enum AuthStatus {
        /// An ordinary sale, not a pre-authorization.
        Sale = "sale",
        /// An authorization awaiting capture or void.
        Pending = "pending",
        /// A captured authorization.
        Capture = "capture",
        /// A voided authorization.
        Void = "void",
    }
}

gateway_words! {
    /// `authType` of `/AuthorizeInterface`.
    pub enum AuthType {
        /// `1`: complete (capture) the authorization.
        Capture = "1",
        /// `2`: cancel (void) the authorization.
        Void = "2",
    }
}

gateway_words! {
    /// `refundType` of `/refund`.
    pub enum RefundType {
        /// `1`: refund the whole transaction.
        Full = "1",
        /// `2`: refund part of it.
        Partial = "2",
    }
}

gateway_words! {
    /// `tokenType` of `/confirmCharge`, for saved-card subscriptions (section 7.3).
    ///
    /// Its two words come from one community source (a Laravel package's README, "LAR" in the
    /// API notes) beside AsiaBill's recurring guide; AsiaBill's own PHP demo sends the field
    /// empty, and no official SDK sets it. Treat it as the best available reading, not as a
    /// confirmed contract.
    pub enum TokenType {
        /// The first charge of a subscription; 3-D Secure is expected.
        InitRecurring = "InitRecurring",
        /// A later charge of the same subscription.
        Recurring = "Recurring",
    }
}

gateway_words! {
    /// `isMobile`: the kind of device the shopper pays from.
    pub enum IsMobile {
        /// `0`: a desktop web browser (AsiaBill's default).
        Web = "0",
        /// `1`: a mobile browser (h5).
        H5 = "1",
        /// `2`: a mobile app using AsiaBill's SDK.
        App = "2",
        /// `3`: a mini-app.
        MiniApp = "3",
    }
}

/// `logisticsStatus` of an uploaded tracking number.
///
/// Unlike payment statuses this is informational, so a word not in the documented list is kept
/// as [`LogisticsStatus::Other`] instead of failing the whole query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LogisticsStatus {
    /// `Pending`.
    Pending,
    /// `NotFound`.
    NotFound,
    /// `InfoReceived`.
    InfoReceived,
    /// `InTransit`.
    InTransit,
    /// `ArrivedDelivery`.
    ArrivedDelivery,
    /// `Delivering`.
    Delivering,
    /// `Delivered`.
    Delivered,
    /// `Exception`.
    Exception,
    /// `DeliveryFailure`.
    DeliveryFailure,
    /// `Return`.
    Return,
    /// A word not in the documented list, as received.
    Other(String),
}

const LOGISTICS_WORDS: [(&str, LogisticsStatus); 10] = [
    ("Pending", LogisticsStatus::Pending),
    ("NotFound", LogisticsStatus::NotFound),
    ("InfoReceived", LogisticsStatus::InfoReceived),
    ("InTransit", LogisticsStatus::InTransit),
    ("ArrivedDelivery", LogisticsStatus::ArrivedDelivery),
    ("Delivering", LogisticsStatus::Delivering),
    ("Delivered", LogisticsStatus::Delivered),
    ("Exception", LogisticsStatus::Exception),
    ("DeliveryFailure", LogisticsStatus::DeliveryFailure),
    ("Return", LogisticsStatus::Return),
];

impl LogisticsStatus {
    /// Reads the word, ignoring ASCII case; other words become [`LogisticsStatus::Other`].
    pub fn parse(text: &str) -> Self {
        LOGISTICS_WORDS
            .iter()
            .find(|(word, _)| word.eq_ignore_ascii_case(text.trim()))
            .map(|(_, status)| status.clone())
            .unwrap_or_else(|| LogisticsStatus::Other(text.to_owned()))
    }

    /// The word as AsiaBill writes it.
    pub fn as_str(&self) -> &str {
        match self {
            LogisticsStatus::Other(word) => word,
            known => LOGISTICS_WORDS
                .iter()
                .find(|(_, status)| status == known)
                .map_or("", |(word, _)| word),
        }
    }
}

impl fmt::Display for LogisticsStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for LogisticsStatus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for LogisticsStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(|text| LogisticsStatus::parse(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_success_spellings_succeed() {
        assert!(ResultCode::parse("0000").is_success());
        assert!(ResultCode::parse("00000").is_success());
        assert_eq!(
            ResultCode::parse("10001"),
            ResultCode::Failure("10001".into())
        );
        assert!(!ResultCode::parse("0").is_success());
    }

    #[test]
    fn words_parse_and_print() {
        assert_eq!(OrderStatus::parse("success"), Some(OrderStatus::Success));
        assert_eq!(OrderStatus::parse("Pending"), Some(OrderStatus::Pending));
        assert_eq!(OrderStatus::parse("1"), None);
        assert_eq!(AuthType::Void.as_str(), "2");
        assert_eq!(AuthStatus::parse("capture"), Some(AuthStatus::Capture));
        assert_eq!(
            LogisticsStatus::parse("InTransit"),
            LogisticsStatus::InTransit
        );
        assert_eq!(LogisticsStatus::InTransit.as_str(), "InTransit");
        assert_eq!(
            LogisticsStatus::parse("Lost"),
            LogisticsStatus::Other("Lost".into())
        );
    }

    #[test]
    fn unknown_status_is_a_serde_error() {
        assert!(serde_json::from_str::<OrderStatus>("\"paid\"").is_err());
        assert_eq!(
            serde_json::from_str::<OrderStatus>("\"fail\"").ok(),
            Some(OrderStatus::Fail)
        );
    }
}
