//! Local payment methods offered beside cards: paid on AsiaBill's hosted page with a
//! `paymentMethod` other than `Credit Card` (API notes §5.6, §11.6).
//!
//! The words are those AsiaBill's official plugins send (§11.6: WooCommerce, Magento and
//! OpenCart plugins). Which currencies and countries each method takes is not in AsiaBill's
//! notes; the table below follows each method's own published coverage (the scheme's site, or
//! the method pages of large acquirers such as Adyen and Stripe), as of 2026. Refund rules are
//! likewise the methods' public behaviour: the simulator enforces the same table, and AsiaBill
//! remains the authority in production.

use crate::i18n::Lang;

/// How the shopper pays on the method's page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A QR code scanned with the method's phone app (Alipay, WeChat Pay).
    Qr,
    /// A choice of bank, then the bank's approval (iDEAL, P24).
    Bank,
    /// A redirect to the method's own site to approve (Klarna, Bancontact, …).
    Redirect,
}

/// What a method allows to be refunded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refunds {
    /// Any amount up to what was paid, in one or several refunds.
    Partial,
    /// Only the whole amount, once.
    FullOnly,
    /// None: the merchant settles with the shopper another way.
    None,
}

/// A local payment method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Method {
    /// AsiaBill's `paymentMethod` word.
    pub word: &'static str,
    /// Short key for settings, forms and locale keys (`alipay`, `ideal`, …).
    pub key: &'static str,
    /// Its name in English.
    pub name_en: &'static str,
    /// Its name in Chinese.
    pub name_zh: &'static str,
    /// How the shopper pays.
    pub family: Family,
    /// Currencies it takes (ISO 4217).
    pub currencies: &'static [&'static str],
    /// Billing countries it serves (ISO 3166-1); empty for any.
    pub countries: &'static [&'static str],
    /// What may be refunded.
    pub refunds: Refunds,
}

impl Method {
    /// Its name in `lang`.
    pub fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.name_en,
            Lang::ZhCn => self.name_zh,
        }
    }

    /// Its logo under `/static/images/methods/`.
    pub fn logo(&self) -> String {
        format!("/static/images/methods/{}.svg", self.key)
    }

    /// True when the method takes `currency` from a shopper billed in `country`.
    pub fn serves(&self, currency: &str, country: &str) -> bool {
        self.currencies.contains(&currency)
            && (self.countries.is_empty() || self.countries.contains(&country))
    }
}

const ANY: &[&str] = &[];

/// Every local method the shop knows.
pub const ALL: [Method; 9] = [
    Method {
        word: "Alipay",
        key: "alipay",
        name_en: "Alipay",
        name_zh: "支付宝",
        family: Family::Qr,
        currencies: &[
            "CNY", "USD", "EUR", "GBP", "HKD", "JPY", "AUD", "CAD", "SGD",
        ],
        countries: ANY,
        refunds: Refunds::Partial,
    },
    Method {
        word: "WeChatPay",
        key: "wechatpay",
        name_en: "WeChat Pay",
        name_zh: "微信支付",
        family: Family::Qr,
        currencies: &["CNY", "USD", "EUR", "GBP", "HKD", "JPY", "AUD", "CAD"],
        countries: ANY,
        refunds: Refunds::Partial,
    },
    Method {
        word: "ideal",
        key: "ideal",
        name_en: "iDEAL",
        name_zh: "iDEAL",
        family: Family::Bank,
        currencies: &["EUR"],
        countries: &["NL"],
        refunds: Refunds::Partial,
    },
    Method {
        word: "p24",
        key: "p24",
        name_en: "Przelewy24",
        name_zh: "Przelewy24",
        family: Family::Bank,
        currencies: &["EUR", "PLN"],
        countries: &["PL"],
        refunds: Refunds::Partial,
    },
    Method {
        word: "klarna",
        key: "klarna",
        name_en: "Klarna",
        name_zh: "Klarna",
        family: Family::Redirect,
        currencies: &["EUR", "USD", "GBP", "SEK", "NOK", "DKK", "CHF"],
        countries: &[
            "AT", "BE", "CH", "DE", "DK", "ES", "FI", "FR", "GB", "IT", "NL", "NO", "SE", "US",
        ],
        refunds: Refunds::Partial,
    },
    Method {
        word: "bcmc",
        key: "bcmc",
        name_en: "Bancontact",
        name_zh: "Bancontact",
        family: Family::Redirect,
        currencies: &["EUR"],
        countries: &["BE"],
        refunds: Refunds::Partial,
    },
    Method {
        word: "giropay",
        key: "giropay",
        name_en: "giropay",
        name_zh: "giropay",
        family: Family::Redirect,
        currencies: &["EUR"],
        countries: &["DE"],
        refunds: Refunds::FullOnly,
    },
    Method {
        word: "KAKAOPAY",
        key: "kakaopay",
        name_en: "KakaoPay",
        name_zh: "KakaoPay",
        family: Family::Redirect,
        currencies: &["KRW", "USD"],
        countries: &["KR"],
        refunds: Refunds::FullOnly,
    },
    Method {
        word: "paysafecard",
        key: "paysafecard",
        name_en: "paysafecard",
        name_zh: "paysafecard",
        family: Family::Redirect,
        currencies: &["EUR", "USD", "GBP", "CHF", "PLN", "SEK"],
        countries: ANY,
        refunds: Refunds::None,
    },
];

/// The method named by `name`: its key (`wechatpay`) or AsiaBill's word (`WeChatPay`), in any
/// case.
pub fn find(name: &str) -> Option<&'static Method> {
    let name = name.trim();
    ALL.iter()
        .find(|m| m.key.eq_ignore_ascii_case(name) || m.word.eq_ignore_ascii_case(name))
}

/// Reads `ASIABILL_PAYMENT_METHODS`: a comma-separated list of method keys or words. Every
/// unknown name is reported at once.
pub fn parse_list(text: &str) -> Result<Vec<&'static Method>, String> {
    let mut methods: Vec<&'static Method> = Vec::new();
    let mut unknown = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match find(name) {
            Some(m) if !methods.contains(&m) => methods.push(m),
            Some(_) => {}
            None => unknown.push(name.to_owned()),
        }
    }
    if unknown.is_empty() {
        Ok(methods)
    } else {
        let known: Vec<&str> = ALL.iter().map(|m| m.key).collect();
        Err(format!(
            "unknown payment method {} (known: {})",
            unknown.join(", "),
            known.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn methods_are_found_by_key_or_word_in_any_case() {
        assert_eq!(find("WECHATPAY").map(|m| m.word), Some("WeChatPay"));
        assert_eq!(find(" ideal ").map(|m| m.key), Some("ideal"));
        assert_eq!(find("bcmc").map(|m| m.name_en), Some("Bancontact"));
        assert!(find("Credit Card").is_none());
    }

    #[test]
    fn the_setting_lists_methods_once_and_names_every_unknown_one() {
        let list = parse_list("alipay, iDEAL,alipay,,klarna").expect("valid");
        let keys: Vec<&str> = list.iter().map(|m| m.key).collect();
        assert_eq!(keys, ["alipay", "ideal", "klarna"]);
        let error = parse_list("alipay, bitcoin, cash").expect_err("unknown");
        assert!(error.contains("bitcoin, cash"), "{error}");
    }

    #[test]
    fn a_method_serves_its_currencies_and_countries_only() {
        let ideal = find("ideal").expect("ideal");
        assert!(ideal.serves("EUR", "NL"));
        assert!(!ideal.serves("USD", "NL"));
        assert!(!ideal.serves("EUR", "DE"));
        let alipay = find("alipay").expect("alipay");
        assert!(alipay.serves("USD", "US"), "any country");
    }
}
