//! ISO 4217 currencies as AsiaBill accepts them, and amounts in integer minor units.
//!
//! AsiaBill takes amounts as decimal strings in major units with at most two decimals, and
//! integers for zero-decimal currencies (`"100"` for JPY). Shops keep money as integer minor
//! units; this module is the one place that converts between the two.

use std::fmt;

/// A currency AsiaBill can settle: an ISO 4217 code with 0 or 2 decimals.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    decimals: u8,
}

/// Why a currency code or an amount was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CurrencyError {
    /// Not an ISO 4217 code this crate knows.
    #[error("`{0}` is not a known ISO 4217 currency code")]
    Unknown(String),
    /// A real currency with three decimals, which AsiaBill cannot take.
    #[error("{code} has {decimals} decimals; AsiaBill accepts currencies with 0 to 2")]
    TooManyDecimals {
        /// The currency code.
        code: String,
        /// Its ISO 4217 minor-unit exponent.
        decimals: u8,
    },
    /// A decimal amount string that is malformed or has more decimals than its currency.
    #[error("`{amount}` is not a valid {code} amount")]
    BadAmount {
        /// The text received.
        amount: String,
        /// The currency it was read in.
        code: &'static str,
    },
}

/// ISO 4217 codes with a minor-unit exponent other than 2. Every other known code has 2.
const ODD_EXPONENTS: &[(&str, u8)] = &[
    ("BIF", 0),
    ("CLP", 0),
    ("DJF", 0),
    ("GNF", 0),
    ("ISK", 0),
    ("JPY", 0),
    ("KMF", 0),
    ("KRW", 0),
    ("PYG", 0),
    ("RWF", 0),
    ("UGX", 0),
    ("UYI", 0),
    ("VND", 0),
    ("VUV", 0),
    ("XAF", 0),
    ("XOF", 0),
    ("XPF", 0),
    ("BHD", 3),
    ("IQD", 3),
    ("JOD", 3),
    ("KWD", 3),
    ("LYD", 3),
    ("OMR", 3),
    ("TND", 3),
    ("CLF", 4),
    ("UYW", 4),
];

/// ISO 4217 codes with two decimals.
const TWO_DECIMALS: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR",
    "ZMW", "ZWG",
];

impl Currency {
    /// Looks up an ISO 4217 code (case-insensitive), refusing codes AsiaBill cannot settle.
    pub fn parse(code: &str) -> Result<Self, CurrencyError> {
        let upper = code.trim().to_ascii_uppercase();
        if let Some(&(code, decimals)) = ODD_EXPONENTS.iter().find(|(c, _)| *c == upper) {
            if decimals > 2 {
                return Err(CurrencyError::TooManyDecimals {
                    code: code.to_owned(),
                    decimals,
                });
            }
            return Ok(Currency { code, decimals });
        }
        TWO_DECIMALS
            .iter()
            .find(|c| **c == upper)
            .map(|code| Currency { code, decimals: 2 })
            .ok_or(CurrencyError::Unknown(code.to_owned()))
    }

    /// The three-letter code, e.g. `USD`.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Number of decimals of the minor unit: 2 for USD, 0 for JPY.
    pub fn decimals(&self) -> u8 {
        self.decimals
    }

    fn scale(&self) -> i64 {
        10_i64.pow(u32::from(self.decimals))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// An amount in integer minor units of a currency (cents for USD, yen for JPY).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// The amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The decimal string AsiaBill expects: `"7.00"` for 700 USD cents, `"100"` for 100 JPY.
    pub fn to_gateway_string(&self) -> String {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        match self.currency.decimals {
            0 => format!("{sign}{abs}"),
            d => {
                let scale = 10_u64.pow(u32::from(d));
                let width = usize::from(d);
                format!("{sign}{}.{:0width$}", abs / scale, abs % scale)
            }
        }
    }

    /// Reads an AsiaBill decimal string in `currency`. Fewer decimals than the currency has are
    /// accepted (`"7"`, `"7.5"` for USD); more are refused, as is anything but digits and one dot.
    pub fn parse_gateway_string(amount: &str, currency: Currency) -> Result<Self, CurrencyError> {
        let bad = || CurrencyError::BadAmount {
            amount: amount.to_owned(),
            code: currency.code,
        };
        let (whole, frac) = match amount.split_once('.') {
            Some((w, f)) => (w, f),
            None => (amount, ""),
        };
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || !digits_only(whole)
            || !digits_only(frac)
            || frac.len() > usize::from(currency.decimals)
            || (amount.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let mut frac_minor: i64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len()..usize::from(currency.decimals) {
            frac_minor *= 10;
        }
        whole
            .checked_mul(currency.scale())
            .and_then(|w| w.checked_add(frac_minor))
            .map(|minor| Money { minor, currency })
            .ok_or_else(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("usd").expect("USD")
    }

    #[test]
    fn exponents_follow_iso_4217() {
        assert_eq!(usd().decimals(), 2);
        assert_eq!(Currency::parse("JPY").expect("JPY").decimals(), 0);
        assert!(matches!(
            Currency::parse("KWD"),
            Err(CurrencyError::TooManyDecimals { decimals: 3, .. })
        ));
        assert!(matches!(
            Currency::parse("XYZ"),
            Err(CurrencyError::Unknown(_))
        ));
    }

    #[test]
    fn gateway_strings_round_trip() {
        let jpy = Currency::parse("JPY").expect("JPY");
        assert_eq!(Money::new(700, usd()).to_gateway_string(), "7.00");
        assert_eq!(Money::new(19413, usd()).to_gateway_string(), "194.13");
        assert_eq!(Money::new(5, usd()).to_gateway_string(), "0.05");
        assert_eq!(Money::new(100, jpy).to_gateway_string(), "100");
        for (text, minor) in [("7.00", 700), ("7.5", 750), ("7", 700), ("0.05", 5)] {
            assert_eq!(
                Money::parse_gateway_string(text, usd()).map(|m| m.minor()),
                Ok(minor),
                "{text}"
            );
        }
        assert_eq!(
            Money::parse_gateway_string("100", jpy).map(|m| m.minor()),
            Ok(100)
        );
    }

    #[test]
    fn malformed_amounts_are_refused() {
        let jpy = Currency::parse("JPY").expect("JPY");
        for bad in ["7.001", "-1.00", "1e3", "", ".5", "7.", " 7.00", "1,00"] {
            assert!(Money::parse_gateway_string(bad, usd()).is_err(), "{bad}");
        }
        assert!(Money::parse_gateway_string("100.5", jpy).is_err());
        assert!(Money::parse_gateway_string("99999999999999999999", usd()).is_err());
    }
}
