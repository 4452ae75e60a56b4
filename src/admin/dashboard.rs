//! The dashboard's figures: orders and revenue, payments by state, and what needs the
//! merchant's attention.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::{dsl::count_star, prelude::*};

use crate::db::{
    DbConnection, DbError,
    schema::{chargebacks, orders, payment_attempts, payment_events, refunds, webhook_events},
};

/// Days the chart and the "recent" figures cover.
pub const DAYS: i64 = 30;
/// An authorization this close to its capture deadline needs attention.
pub const DEADLINE_WARNING: Duration = Duration::days(2);
/// Items listed per kind of attention.
const LISTED: i64 = 10;

/// Orders placed and money taken over a period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    /// Orders placed.
    pub orders: i64,
    /// Money captured on orders paid in the period, in minor units.
    pub revenue: i64,
}

/// Something the merchant should look at.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where to look (an admin page).
    pub href: String,
    /// What it is.
    pub label: String,
    /// Details.
    pub note: String,
    /// When.
    pub at: NaiveDateTime,
}

/// What needs attention, by kind.
#[derive(Debug, Clone, Default)]
pub struct Attention {
    /// Amounts AsiaBill reported that are not the attempt's.
    pub mismatches: Vec<Item>,
    /// Webhooks refused, flagged, or not applied yet after a try.
    pub webhooks: Vec<Item>,
    /// Authorizations close to (or past) their capture deadline.
    pub expiring: Vec<Item>,
    /// Chargebacks.
    pub chargebacks: Vec<Item>,
    /// Refunds whose outcome is unknown.
    pub unknown_refunds: Vec<Item>,
}

impl Attention {
    /// True when nothing needs attention.
    pub fn is_empty(&self) -> bool {
        self.mismatches.is_empty()
            && self.webhooks.is_empty()
            && self.expiring.is_empty()
            && self.chargebacks.is_empty()
            && self.unknown_refunds.is_empty()
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Today (UTC).
    pub today: Totals,
    /// The last [`DAYS`] days, today included.
    pub recent: Totals,
    /// Revenue per day, oldest first, [`DAYS`] entries.
    pub daily: Vec<(NaiveDate, i64)>,
    /// Payment attempts of the period by state.
    pub payments: Vec<(String, i64)>,
    /// What needs attention.
    pub attention: Attention,
}

/// Loads the dashboard as of `at`.
pub fn load(conn: &mut DbConnection, at: NaiveDateTime) -> Result<Dashboard, DbError> {
    let today = at.date();
    let first = today - Duration::days(DAYS - 1);
    let since = first.and_time(chrono::NaiveTime::MIN);
    let placed: Vec<NaiveDateTime> = orders::table
        .filter(orders::created_at.ge(since))
        .select(orders::created_at)
        .load(conn)?;
    let paid: Vec<(Option<NaiveDateTime>, i64)> = orders::table
        .filter(orders::paid_at.ge(since))
        .select((orders::paid_at, orders::captured_minor))
        .load(conn)?;
    let mut daily: Vec<(NaiveDate, i64)> =
        (0..DAYS).map(|i| (first + Duration::days(i), 0)).collect();
    for (when, amount) in &paid {
        if let Some(day) = when.map(|w| w.date())
            && let Some(slot) = daily.iter_mut().find(|(d, _)| *d == day)
        {
            slot.1 += amount;
        }
    }
    let today_revenue = daily.last().map_or(0, |(_, r)| *r);
    let payments: Vec<(String, i64)> = payment_attempts::table
        .filter(payment_attempts::created_at.ge(since))
        .group_by(payment_attempts::status)
        .select((payment_attempts::status, count_star()))
        .order(payment_attempts::status)
        .load(conn)?;
    Ok(Dashboard {
        today: Totals {
            orders: placed.iter().filter(|t| t.date() == today).count() as i64,
            revenue: today_revenue,
        },
        recent: Totals {
            orders: placed.len() as i64,
            revenue: daily.iter().map(|(_, r)| r).sum(),
        },
        daily,
        payments,
        attention: attention(conn, at)?,
    })
}

fn attention(conn: &mut DbConnection, at: NaiveDateTime) -> Result<Attention, DbError> {
    let mismatches = payment_events::table
        .inner_join(orders::table)
        .filter(payment_events::kind.eq("amount_mismatch"))
        .order(payment_events::id.desc())
        .limit(LISTED)
        .select((
            orders::number,
            payment_events::message,
            payment_events::created_at,
        ))
        .load::<(String, Option<String>, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(number, message, at)| Item {
            href: format!("/admin/orders/{number}"),
            label: number,
            note: message.unwrap_or_default(),
            at,
        })
        .collect();
    let webhooks = webhook_events::table
        .filter(
            webhook_events::status
                .eq_any(["failed", "flagged"])
                .or(webhook_events::status
                    .eq("received")
                    .and(webhook_events::apply_attempts.gt(0))),
        )
        .order(webhook_events::id.desc())
        .limit(LISTED)
        .select((
            webhook_events::id,
            webhook_events::event_type,
            webhook_events::status,
            webhook_events::error,
            webhook_events::received_at,
        ))
        .load::<(i64, Option<String>, String, Option<String>, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(id, kind, status, error, at)| Item {
            href: format!("/admin/webhooks/{id}"),
            label: format!("#{id} {}", kind.unwrap_or_else(|| "?".into())),
            note: format!("{status}: {}", error.unwrap_or_default()),
            at,
        })
        .collect();
    let expiring = payment_attempts::table
        .inner_join(orders::table)
        .filter(payment_attempts::status.eq("authorized"))
        .filter(payment_attempts::capture_deadline.le(at + DEADLINE_WARNING))
        .order(payment_attempts::capture_deadline)
        .limit(LISTED)
        .select((
            orders::number,
            payment_attempts::gateway_order_no,
            payment_attempts::capture_deadline,
        ))
        .load::<(String, String, Option<NaiveDateTime>)>(conn)?
        .into_iter()
        .map(|(number, order_no, deadline)| Item {
            href: format!("/admin/orders/{number}"),
            label: number,
            note: order_no,
            at: deadline.unwrap_or(at),
        })
        .collect();
    let chargebacks = chargebacks::table
        .left_join(orders::table)
        .order(chargebacks::id.desc())
        .limit(LISTED)
        .select((
            orders::number.nullable(),
            chargebacks::trade_no,
            chargebacks::reason,
            chargebacks::received_at,
        ))
        .load::<(Option<String>, String, Option<String>, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(number, trade_no, reason, at)| Item {
            href: "/admin/chargebacks".to_owned(),
            label: number.unwrap_or(trade_no),
            note: reason.unwrap_or_default(),
            at,
        })
        .collect();
    let unknown_refunds = refunds::table
        .inner_join(orders::table)
        .filter(refunds::status.eq("unknown"))
        .order(refunds::id.desc())
        .limit(LISTED)
        .select((orders::number, refunds::mer_track_no, refunds::created_at))
        .load::<(String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(number, track, at)| Item {
            href: format!("/admin/orders/{number}"),
            label: track,
            note: number,
            at,
        })
        .collect();
    Ok(Attention {
        mismatches,
        webhooks,
        expiring,
        chargebacks,
        unknown_refunds,
    })
}

/// A bar of the revenue chart, in the SVG's coordinates.
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left edge.
    pub x: i64,
    /// Top edge.
    pub y: i64,
    /// Width.
    pub width: i64,
    /// Height.
    pub height: i64,
    /// The day, `MM-DD`.
    pub day: String,
    /// Whether the day is labelled under the axis.
    pub labelled: bool,
    /// The amount, formatted.
    pub amount: String,
}

/// Chart size.
pub const CHART_WIDTH: i64 = 720;
/// Chart height, bars included, labels excluded.
pub const CHART_HEIGHT: i64 = 180;

/// Lays out `daily` as bars; `format` shows an amount.
pub fn bars(daily: &[(NaiveDate, i64)], format: impl Fn(i64) -> String) -> Vec<Bar> {
    let top = daily.iter().map(|(_, r)| *r).max().unwrap_or(0).max(1);
    let count = i64::try_from(daily.len()).unwrap_or(1).max(1);
    let slot = CHART_WIDTH / count;
    daily
        .iter()
        .enumerate()
        .map(|(i, (day, amount))| {
            let i = i64::try_from(i).unwrap_or(0);
            let height = (amount * (CHART_HEIGHT - 10) / top).max(i64::from(*amount > 0));
            Bar {
                x: i * slot + 2,
                y: CHART_HEIGHT - height,
                width: (slot - 4).max(1),
                height,
                day: day.format("%m-%d").to_string(),
                labelled: i % 5 == 0 || i == count - 1,
                amount: format(*amount),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_day() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 1).expect("date");
        let daily = [
            (d, 0),
            (d + Duration::days(1), 500),
            (d + Duration::days(2), 1000),
        ];
        let b = bars(&daily, |m| m.to_string());
        assert_eq!(b.len(), 3);
        assert_eq!(b[0].height, 0);
        assert_eq!(b[2].height, CHART_HEIGHT - 10);
        assert_eq!(b[1].height, (CHART_HEIGHT - 10) / 2);
        assert_eq!(b[2].y + b[2].height, CHART_HEIGHT);
        assert_eq!(b[1].amount, "500");
    }
}
