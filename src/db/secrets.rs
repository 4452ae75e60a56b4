//! Secrets generated once and kept in the database.

use diesel::prelude::*;
use rand::RngCore;

use super::{DbConnection, DbError, now, schema::app_secrets};

/// The secret called `name`, generated (64 random bytes, hex) the first time it is asked for.
///
/// Two instances starting together may both generate one; the primary key lets only the first
/// insert stand, and both then read that one.
pub fn get_or_create(conn: &mut DbConnection, name: &str) -> Result<String, DbError> {
    let existing = app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first::<String>(conn)
        .optional()?;
    if let Some(value) = existing {
        return Ok(value);
    }
    let mut bytes = [0_u8; 64];
    rand::rng().fill_bytes(&mut bytes);
    let inserted = diesel::insert_into(app_secrets::table)
        .values((
            app_secrets::name.eq(name),
            app_secrets::value.eq(hex::encode(bytes)),
            app_secrets::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(DbError::from);
    match inserted {
        Ok(_) => {}
        Err(e) if e.is_unique_violation() => {}
        Err(e) => return Err(e),
    }
    Ok(app_secrets::table
        .find(name)
        .select(app_secrets::value)
        .first(conn)?)
}
