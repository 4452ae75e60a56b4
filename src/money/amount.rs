//! Amounts typed by an admin, read strictly in the currency's decimals.

use asiabill::{Currency, Money};

/// Why a typed amount was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountError {
    /// Not a plain decimal number with at most the currency's decimals.
    Malformed,
    /// Zero.
    Zero,
}

/// Reads `text` (`"12.50"`, `"12"`; `"1,234.50"` and a leading currency sign are refused) as
/// minor units of `currency`.
pub fn parse(text: &str, currency: Currency) -> Result<i64, AmountError> {
    let minor = Money::parse_gateway_string(text.trim(), currency)
        .map_err(|_| AmountError::Malformed)?
        .minor();
    if minor == 0 {
        return Err(AmountError::Zero);
    }
    Ok(minor)
}

/// `minor` units of `currency` as an admin types them back (`"12.50"`, `"1200"`).
pub fn input_value(minor: i64, currency: Currency) -> String {
    Money::new(minor, currency).to_gateway_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_follow_the_currency_decimals() {
        let usd = Currency::parse("USD").expect("USD");
        let jpy = Currency::parse("JPY").expect("JPY");
        assert_eq!(parse(" 12.5 ", usd), Ok(1250));
        assert_eq!(parse("12.345", usd), Err(AmountError::Malformed));
        assert_eq!(parse("$12", usd), Err(AmountError::Malformed));
        assert_eq!(parse("0.00", usd), Err(AmountError::Zero));
        assert_eq!(parse("1200", jpy), Ok(1200));
        assert_eq!(parse("12.5", jpy), Err(AmountError::Malformed));
        assert_eq!(input_value(1250, usd), "12.50");
    }
}
