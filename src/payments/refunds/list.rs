//! The refunds as the merchant lists them: every refund with its order's number, newest first,
//! optionally of one state, a page at a time.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::{
        DbConnection, DbError,
        schema::{orders, refunds},
    },
    payments::RefundStatus,
};

/// One refund in the list.
#[derive(Debug, Queryable)]
pub struct Listed {
    /// Its id.
    pub id: i64,
    /// Its order's number.
    pub number: String,
    /// The shop's `merTrackNo` for it.
    pub mer_track_no: String,
    /// AsiaBill's batch number, once AsiaBill accepted it.
    pub batch_no: Option<String>,
    /// The amount, in minor units of `currency`.
    pub amount_minor: i64,
    /// Its currency.
    pub currency: String,
    /// Where it stands.
    pub status: RefundStatus,
    /// The reason the merchant gave.
    pub reason: String,
    /// AsiaBill's last word on it.
    pub gateway_message: Option<String>,
    /// When it was asked for.
    pub created_at: NaiveDateTime,
    /// When it was settled.
    pub settled_at: Option<NaiveDateTime>,
}

/// Page `page` (from 1) of `per_page` refunds, newest first, of state `status` when given; and
/// how many there are in all.
pub fn page(
    conn: &mut DbConnection,
    status: Option<RefundStatus>,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Listed>, i64), DbError> {
    let filtered = || {
        let mut q = refunds::table.inner_join(orders::table).into_boxed();
        if let Some(s) = status {
            q = q.filter(refunds::status.eq(s));
        }
        q
    };
    let total = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(refunds::id.desc())
        .limit(per_page)
        .offset((page.max(1) - 1).saturating_mul(per_page))
        .select((
            refunds::id,
            orders::number,
            refunds::mer_track_no,
            refunds::batch_no,
            refunds::amount_minor,
            refunds::currency,
            refunds::status,
            refunds::reason,
            refunds::gateway_message,
            refunds::created_at,
            refunds::settled_at,
        ))
        .load(conn)?;
    Ok((rows, total))
}
