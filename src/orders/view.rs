//! Everything the order page shows, loaded in one go.

use diesel::prelude::*;

use crate::{
    accounts::audit::{self, Entry},
    db::{
        DbConnection, DbError,
        models::{Order, OrderLine, PaymentAttempt, PaymentEvent, Refund, Shipment},
        schema::{order_lines, orders, payment_attempts, payment_events, refunds, shipments},
    },
    i18n::Lang,
    payments::disputes::{self, Dispute},
};

/// An order with its lines, payment attempts, shipments and refunds.
#[derive(Debug, Clone)]
pub struct OrderDetails {
    /// The order row.
    pub order: Order,
    /// What was bought.
    pub lines: Vec<OrderLine>,
    /// Payment attempts, oldest first.
    pub attempts: Vec<PaymentAttempt>,
    /// Shipments, oldest first.
    pub shipments: Vec<Shipment>,
    /// Refunds, oldest first.
    pub refunds: Vec<Refund>,
}

impl OrderDetails {
    /// The most recent payment attempt.
    pub fn latest_attempt(&self) -> Option<&PaymentAttempt> {
        self.attempts.last()
    }
}

/// True when `token` has the shape of an order page token: 64 hex characters. Anything else
/// cannot match, so the query is skipped.
fn may_be_token(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The order whose page token is `token`, or `None`.
pub fn by_token(conn: &mut DbConnection, token: &str) -> Result<Option<OrderDetails>, DbError> {
    if !may_be_token(token) {
        return Ok(None);
    }
    let Some(order) = orders::table
        .filter(orders::access_token.eq(token))
        .select(Order::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    load(conn, order).map(Some)
}

/// The id of the order whose page token is `token`, or `None`: for a caller that reads the
/// order itself afterwards (under its lock), and so needs nothing else of it here.
pub fn id_by_token(conn: &mut DbConnection, token: &str) -> Result<Option<i64>, DbError> {
    if !may_be_token(token) {
        return Ok(None);
    }
    Ok(orders::table
        .filter(orders::access_token.eq(token))
        .select(orders::id)
        .first(conn)
        .optional()?)
}

/// The lines of order `order_id`, in the order they were added.
pub fn lines(conn: &mut DbConnection, order_id: i64) -> Result<Vec<OrderLine>, DbError> {
    Ok(order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order(order_lines::id)
        .select(OrderLine::as_select())
        .load(conn)?)
}

/// The order numbered `number`, or `None`.
pub fn by_number(conn: &mut DbConnection, number: &str) -> Result<Option<OrderDetails>, DbError> {
    let Some(order) = orders::table
        .filter(orders::number.eq(number))
        .select(Order::as_select())
        .first(conn)
        .optional()?
    else {
        return Ok(None);
    };
    load(conn, order).map(Some)
}

fn load(conn: &mut DbConnection, order: Order) -> Result<OrderDetails, DbError> {
    let lines = lines(conn, order.id)?;
    let attempts = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order.id))
        .order(payment_attempts::sequence)
        .select(PaymentAttempt::as_select())
        .load(conn)?;
    let shipments = shipments::table
        .filter(shipments::order_id.eq(order.id))
        .order(shipments::id)
        .select(Shipment::as_select())
        .load(conn)?;
    let refunds = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .order(refunds::sequence)
        .select(Refund::as_select())
        .load(conn)?;
    Ok(OrderDetails {
        order,
        lines,
        attempts,
        shipments,
        refunds,
    })
}

/// The currency of order `number`; `None` when there is no such order.
pub fn currency_of(conn: &mut DbConnection, number: &str) -> Result<Option<String>, DbError> {
    Ok(orders::table
        .filter(orders::number.eq(number))
        .select(orders::currency)
        .first::<String>(conn)
        .optional()?)
}

/// An order with everything its admin page shows.
pub struct AdminOrder {
    /// The order, its lines, attempts, refunds and shipments.
    pub details: OrderDetails,
    /// Its payment timeline, oldest first.
    pub events: Vec<PaymentEvent>,
    /// Admin actions on it, newest first.
    pub audit: Vec<Entry>,
    /// The carrier status of its shipments as last queried.
    pub tracking: Vec<TrackingRow>,
    /// Its chargeback, when a cardholder disputed the payment.
    pub dispute: Option<Dispute>,
}

/// A shipment's carrier status as last queried: id, status, when.
pub type TrackingRow = (i64, Option<String>, Option<chrono::NaiveDateTime>);

/// Order `number` with everything its admin page shows: its timeline, the admin actions on it,
/// its shipments' carrier status and its chargeback; `None` when there is no such order.
pub fn for_admin(conn: &mut DbConnection, number: &str) -> Result<Option<AdminOrder>, DbError> {
    let Some(d) = by_number(conn, number)? else {
        return Ok(None);
    };
    let events = payment_events::table
        .filter(payment_events::order_id.eq(d.order.id))
        .order(payment_events::id)
        .select(PaymentEvent::as_select())
        .load(conn)?;
    let audit = audit::for_target(conn, "order", &d.order.number)?;
    let tracking = shipments::table
        .filter(shipments::order_id.eq(d.order.id))
        .select((
            shipments::id,
            shipments::tracking_status,
            shipments::tracking_checked_at,
        ))
        .load(conn)?;
    let dispute = disputes::of_order(conn, d.order.id)?;
    Ok(Some(AdminOrder {
        details: d,
        events,
        audit,
        tracking,
        dispute,
    }))
}

/// Which of an order's two addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressOf {
    /// Where the card's bill goes.
    Billing,
    /// Where the parcel goes.
    Shipping,
}

/// An order's address as the order page, the admin and the emails print it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedAddress {
    /// The full name.
    pub name: String,
    /// The street; the city, state and postcode; the country's name.
    pub lines: Vec<String>,
}

impl PrintedAddress {
    /// The name and the lines, one string each.
    pub fn all_lines(&self) -> Vec<String> {
        std::iter::once(self.name.clone())
            .chain(self.lines.iter().cloned())
            .collect()
    }
}

/// Order `order`'s billing or shipping address, the country named in `lang`.
pub fn printed_address(order: &Order, which: AddressOf, lang: Lang) -> PrintedAddress {
    let o = order;
    let (first, last, line, city, state, zip, country) = match which {
        AddressOf::Billing => (
            &o.billing_first_name,
            &o.billing_last_name,
            &o.billing_address,
            &o.billing_city,
            o.billing_state.as_deref(),
            &o.billing_zip,
            &o.billing_country,
        ),
        AddressOf::Shipping => (
            &o.shipping_first_name,
            &o.shipping_last_name,
            &o.shipping_address,
            &o.shipping_city,
            o.shipping_state.as_deref(),
            &o.shipping_zip,
            &o.shipping_country,
        ),
    };
    print_address(first, last, line, city, state, zip, country, lang)
}

/// An address printed from its parts, the country named in `lang`: the one formatter for
/// orders, emails and the shopper's saved addresses.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of an address, in the order they are printed"
)]
pub fn print_address(
    first: &str,
    last: &str,
    line: &str,
    city: &str,
    state: Option<&str>,
    zip: &str,
    country: &str,
    lang: Lang,
) -> PrintedAddress {
    let region = match state {
        Some(s) => format!("{city}, {s} {zip}"),
        None => format!("{city} {zip}"),
    };
    PrintedAddress {
        name: format!("{first} {last}"),
        lines: vec![
            line.to_owned(),
            region,
            crate::domain::country::name(country, lang).to_owned(),
        ],
    }
}
