//! Addresses a shopper keeps, the first of which (or the one marked default) fills the checkout
//! form. Each query is limited to the account's own rows, so an id from another account finds
//! nothing.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, now, schema::shopper_addresses, write_transaction},
    domain::address::Address,
};

/// Addresses one account may keep.
pub const LIMIT: i64 = 20;

/// A saved address.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shopper_addresses)]
#[expect(missing_docs, reason = "fields mirror the shopper_addresses columns")]
pub struct SavedAddress {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub address: String,
    pub city: String,
    pub state: Option<String>,
    pub zip: String,
    pub country: String,
    pub phone: String,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
}

/// The account's addresses, the default first, then the newest.
pub fn list(conn: &mut DbConnection, shopper_id: i64) -> Result<Vec<SavedAddress>, DbError> {
    Ok(shopper_addresses::table
        .filter(shopper_addresses::shopper_id.eq(shopper_id))
        .order((
            shopper_addresses::is_default.desc(),
            shopper_addresses::id.desc(),
        ))
        .select(SavedAddress::as_select())
        .load(conn)?)
}

/// The address the checkout form starts with: the default, else the newest.
pub fn preferred(
    conn: &mut DbConnection,
    shopper_id: i64,
) -> Result<Option<SavedAddress>, DbError> {
    Ok(list(conn, shopper_id)?.into_iter().next())
}

/// Why an address was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The account has [`LIMIT`] addresses already.
    #[error("at most {LIMIT} addresses")]
    Full,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for SaveError {
    fn from(e: diesel::result::Error) -> Self {
        SaveError::Db(e.into())
    }
}

/// Saves a checked address; the account's first becomes its default. An address the account
/// already has (same fields) is not saved twice. Returns the row's id.
pub fn save(
    conn: &mut DbConnection,
    shopper_id: i64,
    address: &Address,
    phone: &str,
) -> Result<i64, SaveError> {
    write_transaction(conn, |conn| {
        let existing: Option<i64> = shopper_addresses::table
            .filter(shopper_addresses::shopper_id.eq(shopper_id))
            .filter(shopper_addresses::first_name.eq(&address.first_name))
            .filter(shopper_addresses::last_name.eq(&address.last_name))
            .filter(shopper_addresses::address.eq(&address.line))
            .filter(shopper_addresses::city.eq(&address.city))
            .filter(shopper_addresses::zip.eq(&address.zip))
            .filter(shopper_addresses::country.eq(&address.country))
            .filter(shopper_addresses::phone.eq(phone))
            .select(shopper_addresses::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let count: i64 = shopper_addresses::table
            .filter(shopper_addresses::shopper_id.eq(shopper_id))
            .count()
            .get_result(conn)?;
        if count >= LIMIT {
            return Err(SaveError::Full);
        }
        Ok(diesel::insert_into(shopper_addresses::table)
            .values((
                shopper_addresses::shopper_id.eq(shopper_id),
                shopper_addresses::first_name.eq(&address.first_name),
                shopper_addresses::last_name.eq(&address.last_name),
                shopper_addresses::address.eq(&address.line),
                shopper_addresses::city.eq(&address.city),
                shopper_addresses::state.eq(address.state.as_deref()),
                shopper_addresses::zip.eq(&address.zip),
                shopper_addresses::country.eq(&address.country),
                shopper_addresses::phone.eq(phone),
                shopper_addresses::is_default.eq(count == 0),
                shopper_addresses::created_at.eq(now()),
            ))
            .returning(shopper_addresses::id)
            .get_result(conn)?)
    })
}

/// Deletes the account's address `id`; false when the account has no such address. When it
/// was the default, the newest remaining one becomes the default.
pub fn delete(conn: &mut DbConnection, shopper_id: i64, id: i64) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        let deleted = diesel::delete(
            shopper_addresses::table
                .filter(shopper_addresses::id.eq(id))
                .filter(shopper_addresses::shopper_id.eq(shopper_id)),
        )
        .execute(conn)?;
        if deleted == 0 {
            return Ok(false);
        }
        let has_default: bool = diesel::select(diesel::dsl::exists(
            shopper_addresses::table
                .filter(shopper_addresses::shopper_id.eq(shopper_id))
                .filter(shopper_addresses::is_default.eq(true)),
        ))
        .get_result(conn)?;
        if !has_default && let Some(newest) = list(conn, shopper_id)?.first() {
            set_default_row(conn, shopper_id, newest.id)?;
        }
        Ok(true)
    })
}

/// Makes the account's address `id` its default; false when the account has no such address.
pub fn set_default(conn: &mut DbConnection, shopper_id: i64, id: i64) -> Result<bool, DbError> {
    write_transaction(conn, |conn| set_default_row(conn, shopper_id, id))
}

fn set_default_row(conn: &mut DbConnection, shopper_id: i64, id: i64) -> Result<bool, DbError> {
    let owned: bool = diesel::select(diesel::dsl::exists(
        shopper_addresses::table
            .filter(shopper_addresses::id.eq(id))
            .filter(shopper_addresses::shopper_id.eq(shopper_id)),
    ))
    .get_result(conn)?;
    if !owned {
        return Ok(false);
    }
    diesel::update(shopper_addresses::table.filter(shopper_addresses::shopper_id.eq(shopper_id)))
        .set(shopper_addresses::is_default.eq(shopper_addresses::id.eq(id)))
        .execute(conn)?;
    Ok(true)
}
