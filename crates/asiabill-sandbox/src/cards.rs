//! Test cards (section 3.3) and the checks a card must pass to be tokenised.

use chrono::Datelike;
use serde::{Deserialize, Serialize};

use crate::envelope::{Rejection, codes};

/// Approved (`4242 4242 4242 4242` and any other valid card).
pub const CARD_SUCCESS: &str = "4242424242424242";
/// Declined with `orderInfo` `Decline`.
pub const CARD_DECLINE: &str = "4000000000009995";
/// Asks for 3-D Secure: `confirmCharge` answers `pending` with a `redirectUrl`.
pub const CARD_THREE_DS: &str = "4000002500003155";

/// What happens when a card is charged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardBehaviour {
    /// Approved at once.
    Approve,
    /// Declined at once.
    Decline,
    /// Approved or declined after a 3-D Secure challenge.
    Challenge,
}

impl CardBehaviour {
    /// The behaviour of `card_no`: the two special test cards, otherwise approval.
    pub fn of(card_no: &str) -> Self {
        match card_no {
            CARD_DECLINE => CardBehaviour::Decline,
            CARD_THREE_DS => CardBehaviour::Challenge,
            _ => CardBehaviour::Approve,
        }
    }
}

/// The `card` object of `/payment_methods` and of the hosted page.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CardInput {
    /// Card number, digits only.
    pub card_no: String,
    /// Two-digit month.
    pub card_expire_month: String,
    /// Four-digit year.
    pub card_expire_year: String,
    /// CVV.
    pub card_security_code: String,
    /// Issuing bank, sent by the JS SDK; ignored.
    #[serde(default)]
    pub issuing_bank: Option<String>,
}

impl std::fmt::Debug for CardInput {
    // Card data never reaches a log, not even a debug print.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardInput")
            .field("card_no", &mask_digits(&self.card_no))
            .finish_non_exhaustive()
    }
}

/// A card that passed the checks: what may be kept of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedCard {
    /// Card brand.
    pub brand: &'static str,
    /// First six digits.
    pub first6: String,
    /// Last four digits.
    pub last4: String,
    /// Expiry month.
    pub exp_month: String,
    /// Expiry year.
    pub exp_year: String,
    /// How it behaves when charged.
    pub behaviour: CardBehaviour,
}

impl CheckedCard {
    /// `first6***last4`.
    pub fn mask(&self) -> String {
        format!("{}***{}", self.first6, self.last4)
    }
}

fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 {
                let d2 = d * 2;
                if d2 > 9 { d2 - 9 } else { d2 }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

fn brand(card_no: &str) -> &'static str {
    match card_no.as_bytes() {
        [b'4', ..] => "Visa",
        [b'5', b'1'..=b'5', ..] | [b'2', ..] => "MasterCard",
        [b'3', b'4' | b'7', ..] => "AMEX",
        [b'3', b'5', ..] => "JCB",
        [b'6', ..] => "Discover",
        _ => "Unknown",
    }
}

/// Checks number, expiry and CVV as AsiaBill's legacy rules do (section 3.3).
pub fn check(card: &CardInput) -> Result<CheckedCard, Rejection> {
    let no = card.card_no.trim();
    check_number(no)?;
    let month = card.card_expire_month.trim();
    let month_number = check_month(month)?;
    let year = card.card_expire_year.trim();
    check_year(year, Some(month_number))?;
    check_security_code(card.card_security_code.trim())?;
    Ok(CheckedCard {
        brand: brand(no),
        first6: no[..6].to_owned(),
        last4: no[no.len() - 4..].to_owned(),
        exp_month: month.to_owned(),
        exp_year: year.to_owned(),
        behaviour: CardBehaviour::of(no),
    })
}

/// A card number: 12–19 digits passing the Luhn check.
pub(crate) fn check_number(no: &str) -> Result<(), Rejection> {
    if no.is_empty() {
        return Err(Rejection::missing("card.cardNo"));
    }
    if !(12..=19).contains(&no.len()) || !no.bytes().all(|b| b.is_ascii_digit()) || !luhn_valid(no)
    {
        return Err(Rejection::new(
            codes::BAD_CARD_NUMBER,
            "card.cardNo is not a valid card number",
        ));
    }
    Ok(())
}

/// An expiry month, two digits from `01` to `12`; answers it as a number.
pub(crate) fn check_month(month: &str) -> Result<u32, Rejection> {
    month
        .parse::<u32>()
        .ok()
        .filter(|m| month.len() == 2 && (1..=12).contains(m))
        .ok_or_else(|| {
            Rejection::new(
                codes::BAD_EXPIRY_MONTH,
                "card.cardExpireMonth must be two digits from 01 to 12",
            )
        })
}

/// An expiry year: four digits, at most 10 years ahead, and with `month` (when known) not in
/// the past.
pub(crate) fn check_year(year: &str, month: Option<u32>) -> Result<(), Rejection> {
    let now = chrono::Utc::now();
    let (this_year, this_month) = (now.year(), now.month());
    let ok = year.len() == 4
        && year.parse::<i32>().is_ok_and(|y| {
            let not_expired =
                y > this_year || (y == this_year && month.is_none_or(|m| m >= this_month));
            not_expired && y <= this_year + 10
        });
    if ok {
        Ok(())
    } else {
        Err(Rejection::new(
            codes::BAD_EXPIRY_YEAR,
            "card.cardExpireYear must be four digits, not expired and at most 10 years ahead",
        ))
    }
}

/// A security code: 3 digits (4 on American Express).
pub(crate) fn check_security_code(cvv: &str) -> Result<(), Rejection> {
    if (3..=4).contains(&cvv.len()) && cvv.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Rejection::new(
            codes::BAD_CVV,
            "card.cardSecurityCode must be 3 digits",
        ))
    }
}

/// Replaces all but the last four characters with `*`.
pub(crate) fn mask_digits(value: &str) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 4 < n { '*' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(no: &str) -> CardInput {
        CardInput {
            card_no: no.to_owned(),
            card_expire_month: "12".to_owned(),
            card_expire_year: (chrono::Utc::now().year() + 2).to_string(),
            card_security_code: "123".to_owned(),
            issuing_bank: None,
        }
    }

    #[test]
    fn test_cards_are_valid_and_behave() {
        for (no, behaviour) in [
            (CARD_SUCCESS, CardBehaviour::Approve),
            (CARD_DECLINE, CardBehaviour::Decline),
            (CARD_THREE_DS, CardBehaviour::Challenge),
            ("5333302221254276", CardBehaviour::Approve),
        ] {
            let checked = check(&card(no)).expect(no);
            assert_eq!(checked.behaviour, behaviour);
        }
        assert_eq!(
            check(&card(CARD_THREE_DS)).expect("3ds").mask(),
            "400000***3155"
        );
    }

    #[test]
    fn bad_cards_are_refused() {
        assert_eq!(
            check(&card("4242424242424241")).map_err(|r| r.code),
            Err(codes::BAD_CARD_NUMBER)
        );
        let mut c = card(CARD_SUCCESS);
        c.card_expire_month = "13".to_owned();
        assert_eq!(check(&c).map_err(|r| r.code), Err(codes::BAD_EXPIRY_MONTH));
        let mut c = card(CARD_SUCCESS);
        c.card_expire_year = "2020".to_owned();
        assert_eq!(check(&c).map_err(|r| r.code), Err(codes::BAD_EXPIRY_YEAR));
        let mut c = card(CARD_SUCCESS);
        c.card_security_code = "12".to_owned();
        assert_eq!(check(&c).map_err(|r| r.code), Err(codes::BAD_CVV));
        assert_eq!(mask_digits("4242424242424242"), "************4242");
    }
}
