//! Postal addresses as AsiaBill takes them (section 11.5 of the API notes).

use super::country;

/// A checked postal address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// Given name, 1–50 characters.
    pub first_name: String,
    /// Family name, 1–50 characters.
    pub last_name: String,
    /// Street and number, 2–100 characters.
    pub line: String,
    /// City, 1–100 characters.
    pub city: String,
    /// State or province code, required for the US and Canada.
    pub state: Option<String>,
    /// Postal code, 2–50 characters.
    pub zip: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: String,
}

/// The text of an address as typed, before checking.
#[derive(Debug, Clone, Default)]
pub struct AddressInput<'a> {
    /// Given name.
    pub first_name: &'a str,
    /// Family name.
    pub last_name: &'a str,
    /// Street and number.
    pub line: &'a str,
    /// City.
    pub city: &'a str,
    /// State or province.
    pub state: &'a str,
    /// Postal code.
    pub zip: &'a str,
    /// Country code.
    pub country: &'a str,
}

/// A field's problem, as a locale key with an optional number for `{n}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Problem {
    /// Locale key of the message.
    pub key: &'static str,
    /// The limit the message names, if any.
    pub n: Option<usize>,
}

impl Problem {
    const fn new(key: &'static str) -> Self {
        Problem { key, n: None }
    }
}

/// Checks a length in characters, after trimming.
pub fn length(value: &str, min: usize, max: usize) -> Result<String, Problem> {
    let value = value.trim();
    let count = value.chars().count();
    if count == 0 {
        Err(Problem::new("form.required"))
    } else if count < min {
        Err(Problem {
            key: "form.too_short",
            n: Some(min),
        })
    } else if count > max {
        Err(Problem {
            key: "form.too_long",
            n: Some(max),
        })
    } else if value.chars().any(char::is_control) {
        Err(Problem::new("form.invalid"))
    } else {
        Ok(value.to_owned())
    }
}

impl AddressInput<'_> {
    /// Checks every field; problems are keyed by the field's suffix (`first_name`, `state`, …).
    pub fn check(&self) -> Result<Address, Vec<(&'static str, Problem)>> {
        let mut problems = Vec::new();
        let mut take = |field: &'static str, r: Result<String, Problem>| match r {
            Ok(v) => Some(v),
            Err(p) => {
                problems.push((field, p));
                None
            }
        };
        let first_name = take("first_name", length(self.first_name, 1, 50));
        let last_name = take("last_name", length(self.last_name, 1, 50));
        let line = take("address", length(self.line, 2, 100));
        let city = take("city", length(self.city, 1, 100));
        let zip = take("zip", length(self.zip, 2, 50));
        let code = self.country.trim().to_ascii_uppercase();
        let country = take(
            "country",
            if code.is_empty() {
                Err(Problem::new("form.required"))
            } else if country::is_code(&code) {
                Ok(code.clone())
            } else {
                Err(Problem::new("form.country"))
            },
        );
        let state_text = self.state.trim();
        let state = if country::needs_state(&code) {
            // ISO 3166-2 subdivision codes for the US and Canada are two letters.
            if state_text.is_empty() {
                take("state", Err(Problem::new("form.state_required"))).map(Some)
            } else if state_text.len() == 2 && state_text.chars().all(|c| c.is_ascii_alphabetic()) {
                Some(Some(state_text.to_ascii_uppercase()))
            } else {
                take("state", Err(Problem::new("form.state_code"))).map(Some)
            }
        } else if state_text.is_empty() {
            Some(None)
        } else {
            take("state", length(state_text, 1, 50)).map(Some)
        };
        match (first_name, last_name, line, city, state, zip, country) {
            (
                Some(first_name),
                Some(last_name),
                Some(line),
                Some(city),
                Some(state),
                Some(zip),
                Some(country),
            ) if problems.is_empty() => Ok(Address {
                first_name,
                last_name,
                line,
                city,
                state,
                zip,
                country,
            }),
            _ => Err(problems),
        }
    }
}

/// Checks a phone number: 2–50 characters of digits, spaces and `+-()`, with some digits.
pub fn phone(value: &str) -> Result<String, Problem> {
    let value = length(value, 2, 50)?;
    let allowed = value
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if allowed && value.chars().filter(char::is_ascii_digit).count() >= 2 {
        Ok(value)
    } else {
        Err(Problem::new("form.phone"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(country: &'a str, state: &'a str) -> AddressInput<'a> {
        AddressInput {
            first_name: "Ana",
            last_name: "Lima",
            line: "1 Harbour Street",
            city: "Portland",
            state,
            zip: "97201",
            country,
        }
    }

    #[test]
    fn us_and_canada_need_a_two_letter_state() {
        assert_eq!(
            input("US", "or").check().expect("valid").state.as_deref(),
            Some("OR")
        );
        let problems = input("US", "").check().expect_err("state missing");
        assert_eq!(problems, [("state", Problem::new("form.state_required"))]);
        assert!(input("CA", "Ontario").check().is_err());
        assert_eq!(input("gb", "").check().expect("valid").country, "GB");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let bad = AddressInput {
            country: "XX",
            ..Default::default()
        };
        let fields: Vec<&str> = bad.check().expect_err("bad").iter().map(|p| p.0).collect();
        assert_eq!(
            fields,
            [
                "first_name",
                "last_name",
                "address",
                "city",
                "zip",
                "country"
            ]
        );
    }

    #[test]
    fn phones_and_lengths() {
        assert!(phone("+1 (503) 555-0100").is_ok());
        assert_eq!(phone("call me"), Err(Problem::new("form.phone")));
        assert_eq!(
            length(&"x".repeat(51), 1, 50),
            Err(Problem {
                key: "form.too_long",
                n: Some(50)
            })
        );
        assert_eq!(length("  ", 1, 50), Err(Problem::new("form.required")));
    }
}
