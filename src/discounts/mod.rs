//! Discount codes: a percentage or a fixed amount off an order's subtotal, with a minimum spend,
//! validity dates and usage limits, in all and per email.
//!
//! A use is taken when the order is placed, in the checkout's transaction: one conditional
//! update of the code's `used_count` (it only passes while a use is left, so concurrent
//! checkouts can never go past the limit; on PostgreSQL the row stays locked until the checkout
//! commits, which also makes the per-email count that follows exact), then one
//! `discount_redemptions` row for the order. The use goes with the order's stock: given back
//! when an unpaid order is cancelled or its authorization voided, taken again when a late
//! payment revives it (`payments::transition`), whatever the limit, as the stock is: the money
//! was taken at the discounted price.
//!
//! The discount is computed here once, on the server, and the same figure goes to the order,
//! the amount sent to AsiaBill and the emails. Refunds follow what was paid, since they are
//! bounded by the order's captured amount.

pub mod codes;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    schema::{discount_codes, discount_redemptions},
};

pub use codes::{Code, Kind};

/// Why a code was not applied: each is shown to the shopper next to the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No such code, or switched off by the merchant.
    #[error("unknown code")]
    Unknown,
    /// Before its first day.
    #[error("not valid yet")]
    NotYet,
    /// Past its last day.
    #[error("expired")]
    Expired,
    /// The subtotal is below the code's minimum (in minor units).
    #[error("needs a subtotal of at least {0}")]
    BelowMinimum(i64),
    /// Every use of the code is taken.
    #[error("used up")]
    UsedUp,
    /// This email used it as many times as it may.
    #[error("already used with this email")]
    UsedByEmail,
}

impl Refusal {
    /// The locale key of the message shown.
    pub fn key(self) -> &'static str {
        match self {
            Refusal::Unknown => "checkout.discount.unknown",
            Refusal::NotYet => "checkout.discount.not_yet",
            Refusal::Expired => "checkout.discount.expired",
            Refusal::BelowMinimum(_) => "checkout.discount.minimum",
            Refusal::UsedUp => "checkout.discount.used_up",
            Refusal::UsedByEmail => "checkout.discount.used_by_email",
        }
    }
}

/// Why a checkout's code was not taken.
#[derive(Debug, thiserror::Error)]
pub enum ClaimError {
    /// The shopper's code does not apply.
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ClaimError {
    fn from(e: diesel::result::Error) -> Self {
        ClaimError::Db(e.into())
    }
}

/// A use of a code taken for an order about to be placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    /// The code's row.
    pub code_id: i64,
    /// The code as stored (upper case).
    pub code: String,
    /// What it takes off, in minor units.
    pub amount_minor: i64,
}

/// The order's discount code and what it took off (`−$2.00`), for every place that shows the
/// order's totals; `price` formats minor units in the order's currency.
pub fn shown(
    order: &crate::db::models::Order,
    price: &dyn Fn(i64) -> String,
) -> Option<(String, String)> {
    order
        .discount_code
        .as_ref()
        .filter(|_| order.discount_minor > 0)
        .map(|code| (code.clone(), format!("−{}", price(order.discount_minor))))
}

/// The code as shoppers may type it: trimmed, upper case.
pub fn normalize(code: &str) -> String {
    code.trim().to_uppercase()
}

/// What `code` would take off a subtotal of `subtotal` in `currency` at `at`, for the checkout
/// page's summary before the order is placed: the code as stored and the amount, or `None`
/// when it does not apply. Nothing is taken: the usage limits are checked by [`claim`] when the
/// order is placed, which may still refuse it.
pub fn preview(
    conn: &mut DbConnection,
    code: &str,
    subtotal: i64,
    currency: &str,
    at: NaiveDateTime,
) -> Result<Option<(String, i64)>, DbError> {
    Ok(codes::by_code(conn, &normalize(code))?
        .filter(|c| c.active && c.currency == currency)
        .filter(|c| c.applies(subtotal, at).is_ok())
        .map(|c| {
            let amount = c.discount(subtotal);
            (c.code, amount)
        }))
}

/// Takes a use of `code` for an order of `subtotal` by `email` in `currency`, inside the
/// checkout's transaction (a refusal rolls it back with the rest). The order's row comes after:
/// [`record`] ties the use to it.
pub fn claim(
    conn: &mut DbConnection,
    code: &str,
    email: &str,
    subtotal: i64,
    currency: &str,
    at: NaiveDateTime,
) -> Result<Claimed, ClaimError> {
    let found = codes::by_code(conn, &normalize(code))?
        .filter(|c| c.active && c.currency == currency)
        .ok_or(Refusal::Unknown)?;
    found.applies(subtotal, at)?;
    let taken = diesel::update(
        discount_codes::table
            .filter(discount_codes::id.eq(found.id))
            .filter(discount_codes::active.eq(true))
            .filter(
                discount_codes::max_uses
                    .is_null()
                    .or(discount_codes::used_count.lt(discount_codes::max_uses.assume_not_null())),
            ),
    )
    .set((
        discount_codes::used_count.eq(discount_codes::used_count + 1),
        discount_codes::updated_at.eq(at),
    ))
    .execute(conn)?;
    if taken != 1 {
        return Err(Refusal::UsedUp.into());
    }
    if let Some(limit) = found.max_uses_per_email {
        let used: i64 = discount_redemptions::table
            .filter(discount_redemptions::code_id.eq(found.id))
            .filter(discount_redemptions::email.eq(email))
            .count()
            .get_result(conn)?;
        if used >= limit {
            return Err(Refusal::UsedByEmail.into());
        }
    }
    Ok(Claimed {
        code_id: found.id,
        amount_minor: found.discount(subtotal),
        code: found.code,
    })
}

/// Ties a use taken by [`claim`] to the order placed with it.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    order_id: i64,
    email: &str,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(discount_redemptions::table)
        .values((
            discount_redemptions::code_id.eq(claimed.code_id),
            discount_redemptions::order_id.eq(order_id),
            discount_redemptions::email.eq(email),
            discount_redemptions::amount_minor.eq(claimed.amount_minor),
            discount_redemptions::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives back the use order `order_id` holds, if any (its unpaid order was cancelled). Called
/// before its stock is released, so that every path takes the code's row before the products'
/// rows, as the checkout does.
pub fn release(conn: &mut DbConnection, order_id: i64) -> Result<(), DbError> {
    let code_id: Option<i64> = diesel::delete(
        discount_redemptions::table.filter(discount_redemptions::order_id.eq(order_id)),
    )
    .returning(discount_redemptions::code_id)
    .get_result(conn)
    .optional()?;
    if let Some(code_id) = code_id {
        diesel::update(discount_codes::table.find(code_id))
            .set(discount_codes::used_count.eq(discount_codes::used_count - 1))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes the use again for an order a late payment revived, whatever the limit: the shopper
/// paid the discounted price. Nothing when the order had no code or still holds its use.
pub fn retake(conn: &mut DbConnection, order_id: i64, at: NaiveDateTime) -> Result<(), DbError> {
    use crate::db::schema::orders;
    let (code, email, amount): (Option<String>, String, i64) = orders::table
        .find(order_id)
        .select((orders::discount_code, orders::email, orders::discount_minor))
        .first(conn)?;
    let Some(code) = code else {
        return Ok(());
    };
    let held: i64 = discount_redemptions::table
        .filter(discount_redemptions::order_id.eq(order_id))
        .count()
        .get_result(conn)?;
    if held > 0 {
        return Ok(());
    }
    let Some(found) = codes::by_code(conn, &code)? else {
        return Ok(());
    };
    diesel::update(discount_codes::table.find(found.id))
        .set(discount_codes::used_count.eq(discount_codes::used_count + 1))
        .execute(conn)?;
    record(
        conn,
        &Claimed {
            code_id: found.id,
            code: found.code,
            amount_minor: amount,
        },
        order_id,
        &email,
        at,
    )
}
