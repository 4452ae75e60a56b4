//! An order's states, as stored in `orders.status` and `orders.fulfilment_status`, and
//! [`set`], the one code that changes `orders.status`.

use chrono::NaiveDateTime;
use diesel::{
    backend::Backend,
    prelude::*,
    query_builder::AstPass,
    serialize::ToSql,
    sql_types::{BigInt, Bool, Text, Timestamp},
};

use crate::db::{DbConnection, DbError, schema::orders};

crate::text_enum! {
    /// Order states, as stored in `orders.status`.
    pub enum OrderStatus {
        /// Placed, not yet paid.
        PendingPayment => "pending_payment",
        /// Paid in full.
        Paid => "paid",
        /// Card authorized, waiting for capture.
        Authorized => "authorized",
        /// Part of the payment refunded.
        PartiallyRefunded => "partially_refunded",
        /// The whole payment refunded.
        Refunded => "refunded",
        /// Cancelled; its stock is back on sale.
        Cancelled => "cancelled",
    }
}

impl OrderStatus {
    /// The states in which money was captured and may be refunded.
    pub const REFUNDABLE: [OrderStatus; 2] = [OrderStatus::Paid, OrderStatus::PartiallyRefunded];

    /// The states in which money was captured (some of it perhaps refunded since).
    pub const CAPTURED: [OrderStatus; 3] = [
        OrderStatus::Paid,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Refunded,
    ];

    /// The states in which the order may be shipped: paid (some perhaps refunded) or
    /// authorized.
    pub const SHIPPABLE: [OrderStatus; 3] = [
        OrderStatus::Paid,
        OrderStatus::PartiallyRefunded,
        OrderStatus::Authorized,
    ];
}

crate::text_enum! {
    /// Whether the order has been sent, as stored in `orders.fulfilment_status`.
    pub enum FulfilmentStatus {
        /// Not sent yet.
        Unfulfilled => "unfulfilled",
        /// A shipment went out.
        Shipped => "shipped",
    }
}

/// A change of an order's status, with the columns that change with it and the state it must
/// be in for the change to apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A payment went through, whatever the order's state (the caller has decided it applies):
    /// `to` is paid (with `captured_minor` taken) or authorized; the reservation ends and the
    /// stock counts as sold again.
    Paid {
        /// [`OrderStatus::Paid`] or [`OrderStatus::Authorized`].
        to: OrderStatus,
        /// What the payment took (0 for an authorization).
        captured_minor: i64,
    },
    /// Still unpaid, its stock not yet released and its reservation over by the time given to
    /// [`set`]: cancelled, the stock to be released by the caller.
    Expired,
    /// Still unpaid and its stock not yet released, cancelled by the merchant before its
    /// reservation ended: cancelled, the stock to be released by the caller.
    CancelledUnpaid,
    /// Wholly refunded by "cancel and refund" and its stock not yet released: it stays
    /// refunded (the refund state machine still owns its status) and is marked cancelled, the
    /// stock to be released by the caller.
    RefundedCancelled,
    /// Still authorized and its stock not yet released, the authorization voided: cancelled,
    /// the stock to be released by the caller.
    Voided,
    /// The captured order's refunds settled into `to` (paid, partially or wholly refunded).
    Refunds(OrderStatus),
}

/// Applies `change` to order `order_id` at `at`; true when the order's row changed (false when
/// it was not in the state the change requires). The only writer of `orders.status` after the
/// order is placed.
///
/// The conditional changes ([`Change::Expired`], [`Change::CancelledUnpaid`],
/// [`Change::RefundedCancelled`], [`Change::Voided`]) are one conditional
/// update, so of two runs racing, only the one whose update won goes on to release the stock.
pub fn set(
    conn: &mut DbConnection,
    order_id: i64,
    change: Change,
    at: NaiveDateTime,
) -> Result<bool, DbError> {
    let this = orders::table.filter(orders::id.eq(order_id));
    // What every cancelling change writes; each guards it with the state it requires.
    let cancelled = || {
        (
            orders::status.eq(OrderStatus::Cancelled),
            orders::stock_released.eq(true),
            orders::cancelled_at.eq(Some(at)),
            orders::updated_at.eq(at),
        )
    };
    let changed = match change {
        Change::Paid { to, captured_minor } => {
            let paid = MarkPaid {
                id: order_id,
                to: to.as_str(),
                captured_minor,
                at,
            };
            crate::on_backend!(conn, |c| paid.execute(c))?
        }
        Change::Expired => diesel::update(
            this.filter(orders::status.eq(OrderStatus::PendingPayment))
                .filter(orders::stock_released.eq(false))
                .filter(orders::reservation_expires_at.le(at)),
        )
        .set(cancelled())
        .execute(conn)?,
        Change::CancelledUnpaid => diesel::update(
            this.filter(orders::status.eq(OrderStatus::PendingPayment))
                .filter(orders::stock_released.eq(false)),
        )
        .set(cancelled())
        .execute(conn)?,
        Change::RefundedCancelled => diesel::update(
            this.filter(orders::status.eq(OrderStatus::Refunded))
                .filter(orders::stock_released.eq(false)),
        )
        .set((
            orders::stock_released.eq(true),
            orders::cancelled_at.eq(Some(at)),
            orders::updated_at.eq(at),
        ))
        .execute(conn)?,
        Change::Voided => diesel::update(
            this.filter(orders::status.eq(OrderStatus::Authorized))
                .filter(orders::stock_released.eq(false)),
        )
        .set(cancelled())
        .execute(conn)?,
        Change::Refunds(to) => diesel::update(this)
            .set((orders::status.eq(to), orders::updated_at.eq(at)))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// [`Change::Paid`]'s update, written out so that it stays prepared (see
/// [`crate::db::prepared`]): every paid order makes it.
struct MarkPaid<'a> {
    id: i64,
    to: &'a str,
    captured_minor: i64,
    at: NaiveDateTime,
}

impl MarkPaid<'_> {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend + diesel::sql_types::HasSqlType<Bool>,
        i64: ToSql<BigInt, DB>,
        str: ToSql<Text, DB>,
        bool: ToSql<Bool, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
    {
        out.push_sql("UPDATE orders SET status = ");
        out.push_bind_param::<Text, _>(self.to)?;
        out.push_sql(", captured_minor = ");
        out.push_bind_param::<BigInt, _>(&self.captured_minor)?;
        out.push_sql(", paid_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", reservation_expires_at = NULL, stock_released = ");
        // Literal booleans are spelled differently on the two backends; a bound one is not.
        out.push_bind_param::<Bool, _>(&false)?;
        out.push_sql(", cancelled_at = NULL, updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        Ok(())
    }
}

crate::prepared_statement!(MarkPaid);
