//! Serde helpers for AsiaBill's loosely typed JSON: amounts and ids that arrive as strings or
//! numbers, `yes`/`no` flags, and its two date-time layouts. Crate-internal: callers only see
//! the typed values these produce.

use chrono::NaiveDateTime;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::currency::{Currency, Money};

/// A JSON scalar that AsiaBill writes as a string in one place and a number in another
/// (section 16.10: schema examples show numbers, curl examples strings).
#[derive(Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Number(serde_json::Number),
}

impl Scalar {
    fn into_text(self) -> String {
        match self {
            Scalar::Text(text) => text,
            Scalar::Number(number) => number.to_string(),
        }
    }
}

/// Text that may arrive as a JSON string or number; always written back as a string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Scalar::deserialize(d).map(|s| Text(s.into_text()))
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text(text.to_owned())
    }
}

/// A count (page number, total) that may arrive as a number or a numeric string.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Count(pub u64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = Scalar::deserialize(d)?.into_text();
        text.trim()
            .parse()
            .map(Count)
            .map_err(|_| serde::de::Error::custom(format!("`{text}` is not a count")))
    }
}

impl Serialize for Count {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(self.0)
    }
}

/// Reads an amount echoed by AsiaBill in the currency it names.
///
/// Tolerant of what a response may contain but a request never would: zeros beyond the
/// currency's decimals (`"100.00"` JPY) are dropped, and numbers arrive already turned into
/// their shortest decimal text. Anything else that [`Money::parse_gateway_string`] refuses is
/// an error, as is a currency AsiaBill cannot settle.
pub(crate) fn money(amount: &str, currency: &str) -> Result<Money, String> {
    let currency = Currency::parse(currency).map_err(|e| e.to_string())?;
    let amount = amount.trim();
    let trimmed = match amount.split_once('.') {
        Some((whole, frac)) if frac.len() > usize::from(currency.decimals()) => {
            let kept = frac.trim_end_matches('0');
            let kept = &frac[..kept.len().max(usize::from(currency.decimals()))];
            if kept.is_empty() {
                whole.to_owned()
            } else {
                format!("{whole}.{kept}")
            }
        }
        _ => amount.to_owned(),
    };
    Money::parse_gateway_string(&trimmed, currency).map_err(|e| e.to_string())
}

/// `yyyy-MM-ddTHH:mm:ss`, the layout of query parameters and `tradeDate`.
pub(crate) const T_LAYOUT: &str = "%Y-%m-%dT%H:%M:%S";
/// `yyyy-MM-dd HH:mm:ss`, the layout of webhook dates (`noticeDate`, `cpdDate`).
pub(crate) const SPACE_LAYOUT: &str = "%Y-%m-%d %H:%M:%S";

/// Reads a date-time in either of AsiaBill's two layouts.
pub(crate) fn date_time(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, T_LAYOUT)
        .or_else(|_| NaiveDateTime::parse_from_str(text, SPACE_LAYOUT))
        .map_err(|_| format!("`{text}` is not a date-time"))
}

/// Reads an optional date-time; an empty string counts as absent.
pub(crate) fn optional_date_time(text: Option<&str>) -> Result<Option<NaiveDateTime>, String> {
    match text.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => date_time(text).map(Some),
    }
}

/// Reads a `yes`/`no` flag.
pub(crate) fn yes_no(text: &str) -> Result<bool, String> {
    match text.trim() {
        t if t.eq_ignore_ascii_case("yes") => Ok(true),
        t if t.eq_ignore_ascii_case("no") => Ok(false),
        other => Err(format!("`{other}` is neither yes nor no")),
    }
}

/// Writes a flag as `yes`/`no`.
pub(crate) fn yes_no_text(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// An empty string means "none" in AsiaBill's answers (e.g. `redirectUrl`).
pub(crate) fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.trim().is_empty())
}

/// `#[serde(deserialize_with = "null_as_empty", default)]` for a list AsiaBill may write as
/// `null` when it is empty.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(d).map(Option::unwrap_or_default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_tolerate_numbers_and_extra_zeros() {
        assert_eq!(money("7.00", "USD").map(|m| m.minor()), Ok(700));
        assert_eq!(money("100.00", "JPY").map(|m| m.minor()), Ok(100));
        assert_eq!(money("7.500", "usd").map(|m| m.minor()), Ok(750));
        assert_eq!(money("7.0", "USD").map(|m| m.minor()), Ok(700));
        assert!(money("7.001", "USD").is_err());
        assert!(money("100.5", "JPY").is_err());
        assert!(money("1.000", "KWD").is_err());
        assert!(money("abc", "USD").is_err());
    }

    #[test]
    fn scalars_become_text() {
        let t: Text = serde_json::from_str("63.65").expect("number");
        assert_eq!(t.0, "63.65");
        let t: Text = serde_json::from_str("\"452541\"").expect("string");
        assert_eq!(t.0, "452541");
        let c: Count = serde_json::from_str("\"12\"").expect("numeric string");
        assert_eq!(c.0, 12);
    }

    #[test]
    fn both_date_layouts_parse() {
        let a = date_time("2022-04-26 17:47:18").expect("space");
        let b = date_time("2022-04-26T17:47:18").expect("T");
        assert_eq!(a, b);
        assert!(date_time("26/04/2022").is_err());
    }
}

/// `#[serde(with = "text")]` for a `String` that may arrive as a JSON number (ids such as
/// `tradeNo` and `batchNo`); written back as a string.
pub(crate) mod text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Text;

    pub fn serialize<S: Serializer>(value: &str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Text::deserialize(d).map(|t| t.0)
    }
}

/// `#[serde(with = "opt_text", default)]`: like [`text`] for an optional field; `null` and
/// absence both read as `None`.
pub(crate) mod opt_text {
    use serde::{Deserialize, Deserializer, Serializer};

    use super::Text;

    pub fn serialize<S: Serializer>(value: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => s.serialize_str(v),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<Text>::deserialize(d).map(|t| t.map(|t| t.0))
    }
}
