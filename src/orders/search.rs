//! Finding orders: filters by state, payment state, dates and a search over order number, email,
//! customer names and AsiaBill `tradeNo`; pages of them, or all of them as CSV (one row per
//! order, or one per order line).

use chrono::{NaiveDate, NaiveTime};
use diesel::prelude::*;

use super::status::OrderStatus;
use crate::{
    db::{
        DbConnection, DbError,
        models::{Order, OrderLine},
        schema::{order_lines, orders, payment_attempts},
    },
    payments::AttemptStatus,
};

/// Orders per page.
pub const PER_PAGE: i64 = 50;
/// Most rows a CSV export holds.
pub const EXPORT_LIMIT: i64 = 10_000;

diesel::define_sql_function! {
    /// SQL `lower()`, for case-blind email search on PostgreSQL as on SQLite.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// The filters, already checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// `orders.status`.
    pub status: Option<OrderStatus>,
    /// A payment attempt of the order has this state.
    pub payment: Option<AttemptStatus>,
    /// Placed on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Placed on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// Order number, email or a customer's name (part of either), or `tradeNo`.
    pub search: Option<String>,
    /// A payment attempt of the order used this local method.
    pub method: Option<&'static crate::payments::methods::Method>,
}

impl Filters {
    /// Reads the query parameters, dropping values that are not valid.
    pub fn read(
        status: Option<&str>,
        payment: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        search: Option<&str>,
    ) -> Self {
        let day =
            |v: Option<&str>| v.and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok());
        Filters {
            status: status.and_then(|s| s.parse().ok()),
            payment: payment.and_then(|s| s.parse().ok()),
            from: day(from),
            to: day(to),
            search: search
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| s.chars().take(100).collect()),
            method: None,
        }
    }

    /// Adds the local-method filter (`?method=`, a method's key); an unknown one is dropped.
    pub fn with_method(mut self, method: Option<&str>) -> Self {
        self.method = method.and_then(crate::payments::methods::find);
        self
    }

    /// True when the date range is the wrong way round (from after to): it matches nothing,
    /// and the list says why.
    pub fn inverted(&self) -> bool {
        matches!((self.from, self.to), (Some(from), Some(to)) if from > to)
    }

    /// The filters as a query string (without `?`), for links that keep them.
    pub fn query_string(&self) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let pairs = [
            ("status", self.status.map(|s| s.as_str().to_owned())),
            ("payment", self.payment.map(|s| s.as_str().to_owned())),
            ("method", self.method.map(|m| m.key.to_owned())),
            ("from", self.from.map(|d| d.to_string())),
            ("to", self.to.map(|d| d.to_string())),
            ("q", self.search.clone()),
        ];
        for (k, v) in pairs {
            if let Some(v) = v {
                q.append_pair(k, &v);
            }
        }
        q.finish()
    }
}

/// `text` as a case-insensitive `LIKE` pattern (backslash escapes) matching it anywhere.
pub(crate) fn like_pattern(text: &str) -> String {
    let mut pattern = String::from("%");
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// How each of `order_ids` was paid: AsiaBill's `paymentMethod` word of its successful attempt
/// (`Credit Card` for a card), for the orders that have one.
pub fn paid_methods(
    conn: &mut DbConnection,
    order_ids: &[i64],
) -> Result<std::collections::HashMap<i64, String>, DbError> {
    let rows: Vec<(i64, Option<String>)> = payment_attempts::table
        .filter(payment_attempts::order_id.eq_any(order_ids))
        .filter(payment_attempts::status.eq_any([AttemptStatus::Paid, AttemptStatus::Authorized]))
        .order(payment_attempts::sequence)
        .select((payment_attempts::order_id, payment_attempts::payment_method))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, method)| {
            (
                id,
                method.unwrap_or_else(|| asiabill::types::CREDIT_CARD.to_owned()),
            )
        })
        .collect())
}

/// One page of orders matching `filters`, newest first, and how many match in all.
pub fn page(
    conn: &mut DbConnection,
    filters: &Filters,
    page: i64,
    per_page: i64,
) -> Result<(Vec<Order>, i64), DbError> {
    let filtered = || {
        let mut q = orders::table.into_boxed();
        if let Some(status) = filters.status {
            q = q.filter(orders::status.eq(status));
        }
        if let Some(payment) = filters.payment {
            q = q.filter(
                orders::id.eq_any(
                    payment_attempts::table
                        .filter(payment_attempts::status.eq(payment))
                        .select(payment_attempts::order_id),
                ),
            );
        }
        if let Some(method) = filters.method {
            q = q.filter(
                orders::id.eq_any(
                    payment_attempts::table
                        .filter(payment_attempts::payment_method.eq(method.word))
                        .select(payment_attempts::order_id),
                ),
            );
        }
        if let Some(from) = filters.from {
            q = q.filter(orders::created_at.ge(from.and_time(NaiveTime::MIN)));
        }
        if let Some(to) = filters.to.and_then(|d| d.succ_opt()) {
            q = q.filter(orders::created_at.lt(to.and_time(NaiveTime::MIN)));
        }
        if let Some(text) = &filters.search {
            let pattern = like_pattern(text);
            let billing_name = orders::billing_first_name
                .concat(" ")
                .concat(orders::billing_last_name);
            let shipping_name = orders::shipping_first_name
                .concat(" ")
                .concat(orders::shipping_last_name);
            q = q.filter(
                orders::number
                    .eq(text.to_uppercase())
                    .or(lower(orders::email).like(pattern.clone()).escape('\\'))
                    // A whole name ("Ana Lima") as well as either part of it, on the billing and
                    // on the shipping address.
                    .or(lower(billing_name).like(pattern.clone()).escape('\\'))
                    .or(lower(shipping_name).like(pattern).escape('\\'))
                    .or(orders::id.eq_any(
                        payment_attempts::table
                            .filter(payment_attempts::trade_no.eq(text.clone()))
                            .select(payment_attempts::order_id),
                    )),
            );
        }
        q
    };
    let total: i64 = filtered().count().get_result(conn)?;
    let rows = filtered()
        .order(orders::id.desc())
        .limit(per_page)
        .offset((page.max(1) - 1).saturating_mul(per_page))
        .select(Order::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// The lines of `orders`, order by order, each with its order's number.
pub fn lines_of(
    conn: &mut DbConnection,
    orders: &[Order],
) -> Result<Vec<(String, OrderLine)>, DbError> {
    let ids: Vec<i64> = orders.iter().map(|o| o.id).collect();
    let mut lines: Vec<OrderLine> = Vec::new();
    // In chunks: a query names at most a few hundred ids (SQLite limits bound parameters).
    for chunk in ids.chunks(500) {
        lines.extend(
            order_lines::table
                .filter(order_lines::order_id.eq_any(chunk))
                .select(OrderLine::as_select())
                .load(conn)?,
        );
    }
    let mut rows = Vec::with_capacity(lines.len());
    for order in orders {
        for line in lines.iter().filter(|l| l.order_id == order.id) {
            rows.push((order.number.clone(), line.clone()));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_the_wrong_way_round_is_noticed() {
        let f = Filters::read(None, None, Some("2026-12-10"), Some("2026-12-01"), None);
        assert!(f.inverted());
        let f = Filters::read(None, None, Some("2026-12-01"), Some("2026-12-01"), None);
        assert!(!f.inverted());
        assert!(!Filters::read(None, None, Some("2026-12-10"), None, None).inverted());
    }

    #[test]
    fn unknown_filter_values_are_dropped() {
        let f = Filters::read(
            Some("paid"),
            Some("bogus"),
            Some("2026-11-01"),
            Some("x"),
            Some(" a@b "),
        );
        assert_eq!(f.status, Some(OrderStatus::Paid));
        assert_eq!(f.payment, None);
        assert_eq!(f.from, NaiveDate::from_ymd_opt(2026, 11, 1));
        assert_eq!(f.to, None);
        assert_eq!(f.search.as_deref(), Some("a@b"));
        assert_eq!(f.query_string(), "status=paid&from=2026-11-01&q=a%40b");
    }
}
