//! The local payment methods the simulator knows (sections 5.6 and 11.6), by the
//! `paymentMethod` word AsiaBill's plugins send to `/checkout/payment`. A local method is paid
//! on a page of its family instead of the card form, and refunded by its own rule.
//!
//! The families and refund rules are the simulator's own, taken from each method's public
//! behaviour (a wallet QR code, a bank chooser, a redirect to the provider; giropay and
//! KakaoPay refunding only in full, paysafecard not at all): AsiaBill's "Local payment" page
//! was not captured (section 17). The shop keeps the same table.

/// The `paymentMethod` of a card payment, and the default when none is sent.
pub const CREDIT_CARD: &str = "Credit Card";

/// How the shopper pays with a local method: which page the hosted flow shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalFamily {
    /// A wallet app scans a QR code (Alipay, WeChat Pay).
    Qr,
    /// The shopper picks a bank and approves in its online banking (iDEAL, P24).
    Bank,
    /// The shopper is sent to the provider's site and approves there (Klarna, Bancontact…).
    Redirect,
}

impl LocalFamily {
    /// A stable lowercase name, used in the pages' `data-family` attribute.
    pub fn as_str(self) -> &'static str {
        match self {
            LocalFamily::Qr => "qr",
            LocalFamily::Bank => "bank",
            LocalFamily::Redirect => "redirect",
        }
    }
}

/// Which refunds a local method takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundRule {
    /// Any amount up to what is refundable, in as many refunds as wanted.
    Partial,
    /// Only one refund of the whole amount.
    FullOnly,
    /// None at all.
    NoRefunds,
}

impl RefundRule {
    /// A stable snake_case name, e.g. `full_only`.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundRule::Partial => "partial",
            RefundRule::FullOnly => "full_only",
            RefundRule::NoRefunds => "no_refunds",
        }
    }
}

/// A local payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalMethod {
    /// The `paymentMethod` word as AsiaBill's plugins spell it (section 11.6), e.g. `ideal`.
    pub word: &'static str,
    /// The name shoppers know it by, e.g. `iDEAL`.
    pub name: &'static str,
    /// Which page pays it.
    pub family: LocalFamily,
    /// Which refunds it takes.
    pub refunds: RefundRule,
}

/// Every local method the simulator knows.
pub const LOCAL_METHODS: [LocalMethod; 9] = [
    method("Alipay", "Alipay", LocalFamily::Qr, RefundRule::Partial),
    method(
        "WeChatPay",
        "WeChat Pay",
        LocalFamily::Qr,
        RefundRule::Partial,
    ),
    method("ideal", "iDEAL", LocalFamily::Bank, RefundRule::Partial),
    method("p24", "Przelewy24", LocalFamily::Bank, RefundRule::Partial),
    method(
        "klarna",
        "Klarna",
        LocalFamily::Redirect,
        RefundRule::Partial,
    ),
    method(
        "bcmc",
        "Bancontact",
        LocalFamily::Redirect,
        RefundRule::Partial,
    ),
    method(
        "giropay",
        "giropay",
        LocalFamily::Redirect,
        RefundRule::FullOnly,
    ),
    method(
        "KAKAOPAY",
        "KakaoPay",
        LocalFamily::Redirect,
        RefundRule::FullOnly,
    ),
    method(
        "paysafecard",
        "paysafecard",
        LocalFamily::Redirect,
        RefundRule::NoRefunds,
    ),
];

const fn method(
    word: &'static str,
    name: &'static str,
    family: LocalFamily,
    refunds: RefundRule,
) -> LocalMethod {
    LocalMethod {
        word,
        name,
        family,
        refunds,
    }
}

/// The local method `word` names, ignoring case and surrounding blanks (plugins disagree on
/// case: `KAKAOPAY` beside `ideal`).
pub fn local_method(word: &str) -> Option<&'static LocalMethod> {
    let word = word.trim();
    LOCAL_METHODS
        .iter()
        .find(|m| m.word.eq_ignore_ascii_case(word))
}

/// The test banks of the bank chooser: names only, any of them approves.
pub const TEST_BANKS: [&str; 4] = ["ABN AMRO", "ING", "Rabobank", "PKO Bank Polski"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_match_in_any_case() {
        assert_eq!(local_method("alipay").map(|m| m.word), Some("Alipay"));
        assert_eq!(local_method(" KakaoPay ").map(|m| m.word), Some("KAKAOPAY"));
        assert_eq!(
            local_method("IDEAL").map(|m| m.family),
            Some(LocalFamily::Bank)
        );
        assert_eq!(local_method("Credit Card"), None);
        assert_eq!(local_method("directpay"), None);
    }
}
