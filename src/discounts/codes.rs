//! The codes themselves: what each takes off, when it applies, and the merchant's list and form.

use asiabill::Currency;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use super::Refusal;
use crate::{
    db::{DbConnection, DbError, schema::discount_codes},
    money::amount,
};

crate::text_enum! {
    /// What a code takes off.
    pub enum Kind {
        /// A whole percentage of the subtotal, rounded down to the minor unit.
        Percent => "percent",
        /// A fixed amount, never more than the subtotal.
        Fixed => "fixed",
    }
}

/// A discount code as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = discount_codes)]
#[expect(missing_docs, reason = "fields mirror the discount_codes columns")]
pub struct Code {
    pub id: i64,
    pub code: String,
    pub kind: Kind,
    pub amount: i64,
    pub currency: String,
    pub min_subtotal_minor: i64,
    pub starts_at: Option<NaiveDateTime>,
    pub ends_at: Option<NaiveDateTime>,
    pub max_uses: Option<i64>,
    pub max_uses_per_email: Option<i64>,
    pub used_count: i64,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl Code {
    /// What it takes off `subtotal`, in minor units: never less than nothing, and never the
    /// whole subtotal: one minor unit is always left to pay, since AsiaBill charges no zero
    /// amount and an order must be paid to be shipped.
    pub fn discount(&self, subtotal: i64) -> i64 {
        let off = match self.kind {
            // i128: a large subtotal times a percentage must not overflow.
            Kind::Percent => i64::try_from(i128::from(subtotal) * i128::from(self.amount) / 100)
                .unwrap_or(subtotal),
            Kind::Fixed => self.amount,
        };
        off.clamp(0, (subtotal - 1).max(0))
    }

    /// Whether it applies to `subtotal` at `at` (the limits are checked when a use is taken).
    pub fn applies(&self, subtotal: i64, at: NaiveDateTime) -> Result<(), Refusal> {
        if self.starts_at.is_some_and(|s| at < s) {
            return Err(Refusal::NotYet);
        }
        if self.ends_at.is_some_and(|e| at >= e) {
            return Err(Refusal::Expired);
        }
        if subtotal < self.min_subtotal_minor {
            return Err(Refusal::BelowMinimum(self.min_subtotal_minor));
        }
        Ok(())
    }
}

/// The code spelled `code` (upper case).
pub fn by_code(conn: &mut DbConnection, code: &str) -> Result<Option<Code>, DbError> {
    Ok(discount_codes::table
        .filter(discount_codes::code.eq(code))
        .select(Code::as_select())
        .first(conn)
        .optional()?)
}

/// Every code, newest first.
pub fn all(conn: &mut DbConnection) -> Result<Vec<Code>, DbError> {
    Ok(discount_codes::table
        .order(discount_codes::id.desc())
        .select(Code::as_select())
        .load(conn)?)
}

/// The merchant's form, as posted: text, so that a bad value can be shown back.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct CodeInput {
    pub code: String,
    /// `percent` or `fixed`.
    pub kind: String,
    /// Whole percent, or an amount in the shop's currency (`5.00`).
    pub amount: String,
    pub min_subtotal: String,
    /// `YYYY-MM-DD`, the first day it applies (UTC).
    pub starts_on: String,
    /// `YYYY-MM-DD`, the last day it applies (UTC).
    pub ends_on: String,
    pub max_uses: String,
    pub max_uses_per_email: String,
}

/// A checked form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    code: String,
    kind: Kind,
    amount: i64,
    min_subtotal_minor: i64,
    starts_at: Option<NaiveDateTime>,
    ends_at: Option<NaiveDateTime>,
    max_uses: Option<i64>,
    max_uses_per_email: Option<i64>,
}

/// Problems by field name, as locale keys.
pub type Problems = Vec<(&'static str, &'static str)>;

fn optional_count(text: &str) -> Result<Option<i64>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(n) if n >= 1 => Ok(Some(n)),
        _ => Err(()),
    }
}

fn optional_day(text: &str) -> Result<Option<NaiveDate>, ()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| ())
}

impl CodeInput {
    /// The code the form describes, or every problem with it.
    pub fn check(&self, currency: Currency) -> Result<NewCode, Problems> {
        let mut problems = Problems::new();
        let code = super::normalize(&self.code);
        let code_ok = (3..=32).contains(&code.chars().count())
            && code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !code_ok {
            problems.push(("code", "admin.discounts.error_code"));
        }
        let kind = self.kind.parse::<Kind>().ok();
        let amount = match kind {
            Some(Kind::Percent) => match self.amount.trim().parse::<i64>() {
                Ok(p) if (1..=100).contains(&p) => Some(p),
                _ => {
                    problems.push(("amount", "admin.discounts.error_percent"));
                    None
                }
            },
            Some(Kind::Fixed) => match amount::parse(&self.amount, currency) {
                Ok(minor) if minor > 0 => Some(minor),
                _ => {
                    problems.push(("amount", "admin.discounts.error_amount"));
                    None
                }
            },
            None => {
                problems.push(("kind", "admin.discounts.error_kind"));
                None
            }
        };
        let min_subtotal_minor = if self.min_subtotal.trim().is_empty() {
            Some(0)
        } else {
            match amount::parse(&self.min_subtotal, currency) {
                Ok(minor) if minor >= 0 => Some(minor),
                _ => {
                    problems.push(("min_subtotal", "admin.discounts.error_amount"));
                    None
                }
            }
        };
        let starts = optional_day(&self.starts_on)
            .inspect_err(|()| problems.push(("starts_on", "admin.discounts.error_date")))
            .ok();
        let ends = optional_day(&self.ends_on)
            .inspect_err(|()| problems.push(("ends_on", "admin.discounts.error_date")))
            .ok();
        if let (Some(Some(s)), Some(Some(e))) = (starts, ends)
            && e < s
        {
            problems.push(("ends_on", "admin.discounts.error_dates"));
        }
        let max_uses = optional_count(&self.max_uses)
            .inspect_err(|()| problems.push(("max_uses", "admin.discounts.error_count")))
            .ok();
        let max_uses_per_email = optional_count(&self.max_uses_per_email)
            .inspect_err(|()| problems.push(("max_uses_per_email", "admin.discounts.error_count")))
            .ok();
        match (
            kind,
            amount,
            min_subtotal_minor,
            starts,
            ends,
            max_uses,
            max_uses_per_email,
        ) {
            (
                Some(kind),
                Some(amount),
                Some(min_subtotal_minor),
                Some(starts),
                Some(ends),
                Some(max_uses),
                Some(max_uses_per_email),
            ) if problems.is_empty() => Ok(NewCode {
                code,
                kind,
                amount,
                min_subtotal_minor,
                starts_at: starts.and_then(|d| d.and_hms_opt(0, 0, 0)),
                // The last day is included: valid until the start of the next.
                ends_at: ends
                    .and_then(|d| d.succ_opt())
                    .and_then(|d| d.and_hms_opt(0, 0, 0)),
                max_uses,
                max_uses_per_email,
            }),
            _ => Err(problems),
        }
    }
}

/// Why a code was not created.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    /// Another code is spelled the same.
    #[error("a code with this name exists")]
    Taken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CreateError {
    fn from(e: diesel::result::Error) -> Self {
        CreateError::Db(e.into())
    }
}

/// Creates `new` in `currency`; returns its id.
pub fn create(
    conn: &mut DbConnection,
    new: &NewCode,
    currency: Currency,
    at: NaiveDateTime,
) -> Result<i64, CreateError> {
    let inserted = diesel::insert_into(discount_codes::table)
        .values((
            discount_codes::code.eq(&new.code),
            discount_codes::kind.eq(new.kind),
            discount_codes::amount.eq(new.amount),
            discount_codes::currency.eq(currency.code()),
            discount_codes::min_subtotal_minor.eq(new.min_subtotal_minor),
            discount_codes::starts_at.eq(new.starts_at),
            discount_codes::ends_at.eq(new.ends_at),
            discount_codes::max_uses.eq(new.max_uses),
            discount_codes::max_uses_per_email.eq(new.max_uses_per_email),
            discount_codes::used_count.eq(0),
            discount_codes::active.eq(true),
            discount_codes::created_at.eq(at),
            discount_codes::updated_at.eq(at),
        ))
        .returning(discount_codes::id)
        .get_result::<i64>(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if e.is_unique_violation() => Err(CreateError::Taken),
        Err(e) => Err(CreateError::Db(e)),
    }
}

/// Switches code `id` on or off; false when there is no such code.
pub fn set_active(
    conn: &mut DbConnection,
    id: i64,
    active: bool,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(discount_codes::table.find(id))
        .set((
            discount_codes::active.eq(active),
            discount_codes::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(kind: Kind, amount: i64) -> Code {
        let at = NaiveDate::from_ymd_opt(2026, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("date");
        Code {
            id: 1,
            code: "X".into(),
            kind,
            amount,
            currency: "USD".into(),
            min_subtotal_minor: 0,
            starts_at: None,
            ends_at: None,
            max_uses: None,
            max_uses_per_email: None,
            used_count: 0,
            active: true,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_discount_is_rounded_down_and_never_above_the_subtotal() {
        assert_eq!(code(Kind::Percent, 10).discount(1999), 199);
        assert_eq!(
            code(Kind::Percent, 100).discount(1999),
            1998,
            "one cent left to pay"
        );
        assert_eq!(code(Kind::Fixed, 500).discount(1999), 500);
        assert_eq!(code(Kind::Fixed, 5000).discount(1999), 1998);
        assert_eq!(code(Kind::Fixed, 5000).discount(0), 0);
        assert_eq!(code(Kind::Percent, 50).discount(i64::MAX), i64::MAX / 2);
    }

    #[test]
    fn the_form_takes_the_last_day_whole_and_refuses_bad_values() {
        let input = CodeInput {
            code: " spring-10 ".into(),
            kind: "percent".into(),
            amount: "10".into(),
            ends_on: "2026-03-31".into(),
            ..CodeInput::default()
        };
        let new = input
            .check(Currency::parse("USD").expect("usd"))
            .expect("valid");
        assert_eq!(new.code, "SPRING-10");
        assert_eq!(
            new.ends_at.map(|e| e.to_string()),
            Some("2026-04-01 00:00:00".into())
        );
        let bad = CodeInput {
            code: "x".into(),
            kind: "percent".into(),
            amount: "150".into(),
            max_uses: "0".into(),
            ..CodeInput::default()
        };
        let problems = bad
            .check(Currency::parse("USD").expect("usd"))
            .expect_err("bad");
        let fields: Vec<&str> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["code", "amount", "max_uses"]);
    }
}
