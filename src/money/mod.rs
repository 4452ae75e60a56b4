//! Money as people read and type it: prices shown to shoppers, and amounts an admin types
//! ([`amount`]). Amounts stay integer minor units everywhere else.

pub mod amount;

use asiabill::{Currency, Money};

/// Formats `minor` units of `currency` for display: `$18.50`, `¥2,400`, `€9.00`, or
/// `CHF 12.00` for a currency without a well-known symbol.
pub fn format_price(minor: i64, currency: Currency) -> String {
    let text = Money::new(minor, currency).to_gateway_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (whole, frac) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    let number = match frac {
        Some(f) => format!("{grouped}.{f}"),
        None => grouped,
    };
    match symbol(currency.code()) {
        Some(sym) => format!("{sign}{sym}{number}"),
        None => format!("{sign}{} {number}", currency.code()),
    }
}

fn symbol(code: &str) -> Option<&'static str> {
    Some(match code {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" | "CNY" => "¥",
        "KRW" => "₩",
        "HKD" => "HK$",
        "AUD" => "A$",
        "CAD" => "C$",
        "SGD" => "S$",
        "INR" => "₹",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).expect("known currency")
    }

    #[test]
    fn prices_read_naturally() {
        assert_eq!(format_price(1850, cur("USD")), "$18.50");
        assert_eq!(format_price(2400, cur("JPY")), "¥2,400");
        assert_eq!(format_price(123_456_789, cur("EUR")), "€1,234,567.89");
        assert_eq!(format_price(5, cur("CHF")), "CHF 0.05");
        assert_eq!(format_price(-250, cur("GBP")), "-£2.50");
    }
}
