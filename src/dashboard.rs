//! The dashboard's figures: orders and revenue, payments by state, and what needs the
//! merchant's attention.

use chrono::{Duration, NaiveDate, NaiveDateTime};
use diesel::{dsl::count_star, prelude::*};

use crate::db::{
    DbConnection, DbError,
    schema::{
        chargebacks, orders, payment_attempts, payment_events, product_variants, products, refunds,
        webhook_events,
    },
};
use crate::payments::{AttemptStatus, RefundStatus, WebhookStatus, webhook_log::Delivery};

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
    /// Money captured in the period (double charges included: AsiaBill took them), in minor
    /// units.
    pub captured: i64,
    /// Refunds settled in the period, in minor units.
    pub refunded: i64,
    /// What the shop keeps: `captured` minus `refunded`.
    pub revenue: i64,
}

/// Money in and out on one day, in minor units.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Day {
    captured: i64,
    refunded: i64,
}

/// Something the merchant should look at.
#[derive(Debug, Clone)]
pub struct Item {
    /// Where to look (an admin page).
    pub href: String,
    /// What it is.
    pub label: String,
    /// Details, in English.
    pub note: String,
    /// The details' timeline text key and arguments, when they come from the timeline (see
    /// `orders::timeline::entry_text`), so they read in the admin's language.
    pub note_key: Option<(String, Option<String>)>,
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
    /// Orders AsiaBill charged twice (a second successful transaction for one attempt).
    pub double_charges: Vec<Item>,
}

impl Attention {
    /// True when nothing needs attention.
    pub fn is_empty(&self) -> bool {
        self.mismatches.is_empty()
            && self.webhooks.is_empty()
            && self.expiring.is_empty()
            && self.chargebacks.is_empty()
            && self.unknown_refunds.is_empty()
            && self.double_charges.is_empty()
    }
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// Today (UTC).
    pub today: Totals,
    /// The last [`DAYS`] days, today included.
    pub recent: Totals,
    /// Net revenue per day, oldest first, [`DAYS`] entries.
    pub daily: Vec<(NaiveDate, i64)>,
    /// Payment attempts of the period by state.
    pub payments: Vec<(AttemptStatus, i64)>,
    /// What needs attention.
    pub attention: Attention,
}

/// Products listed at most under "low stock".
const LOW_STOCK_LISTED: i64 = 50;

/// A product on sale (or a variant of one) whose stock is at or below the low-stock
/// threshold.
#[derive(Debug, Clone, Queryable)]
pub struct LowStock {
    /// The product's id, for the link to its edit page.
    pub id: i64,
    /// Its SKU (the variant's, for a variant).
    pub sku: String,
    /// Its English name (a variant's follows its product's).
    pub name_en: String,
    /// Its Chinese name.
    pub name_zh: String,
    /// Units left.
    pub stock: i64,
}

/// The products and variants on sale with `threshold` units or fewer left, the emptiest first
/// (`SHOP_LOW_STOCK`). Hidden products and variants are left out: nobody is buying them. A
/// product sold with variants is counted by its variants, its own row's stock being unused.
pub fn low_stock(conn: &mut DbConnection, threshold: i64) -> Result<Vec<LowStock>, DbError> {
    let mut low: Vec<LowStock> = products::table
        .filter(products::active.eq(true))
        .filter(products::stock.le(threshold))
        .filter(diesel::dsl::not(products::id.eq_any(
            product_variants::table.select(product_variants::product_id),
        )))
        .order((products::stock, products::sku))
        .limit(LOW_STOCK_LISTED)
        .select((
            products::id,
            products::sku,
            products::name_en,
            products::name_zh,
            products::stock,
        ))
        .load(conn)?;
    let variants: Vec<(i64, i64, String, String, String, i64)> = product_variants::table
        .inner_join(products::table)
        .filter(products::active.eq(true))
        .filter(product_variants::active.eq(true))
        .filter(product_variants::stock.le(threshold))
        .order((product_variants::stock, product_variants::sku))
        .limit(LOW_STOCK_LISTED)
        .select((
            product_variants::id,
            products::id,
            product_variants::sku,
            products::name_en,
            products::name_zh,
            product_variants::stock,
        ))
        .load(conn)?;
    let ids: Vec<i64> = variants.iter().map(|v| v.0).collect();
    let names = crate::catalogue::offer::names(conn, &ids)?;
    low.extend(
        variants
            .into_iter()
            .map(|(variant_id, id, sku, name_en, name_zh, stock)| {
                let (en, zh) = names.get(&variant_id).cloned().unwrap_or_default();
                LowStock {
                    id,
                    sku,
                    name_en: crate::cart::full_name(&name_en, &en),
                    name_zh: crate::cart::full_name(&name_zh, &zh),
                    stock,
                }
            }),
    );
    low.sort_by(|a, b| (a.stock, &a.sku).cmp(&(b.stock, &b.sku)));
    low.truncate(usize::try_from(LOW_STOCK_LISTED).unwrap_or(usize::MAX));
    Ok(low)
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
    let doubled = double_charges(conn, since)?;
    let refunded: Vec<(Option<NaiveDateTime>, i64)> = refunds::table
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .filter(refunds::settled_at.ge(since))
        .select((refunds::settled_at, refunds::amount_minor))
        .load(conn)?;
    let mut days: Vec<(NaiveDate, Day)> = (0..DAYS)
        .map(|i| (first + Duration::days(i), Day::default()))
        .collect();
    let slot = |when: Option<NaiveDateTime>| {
        when.and_then(|w| days.iter().position(|(d, _)| *d == w.date()))
    };
    // An order's `captured_minor` already counts every second payment AsiaBill took for it
    // (the transition adds it when it flags the double payment): not added again here.
    let mut moves: Vec<(usize, i64, i64)> = Vec::new();
    for &(when, amount) in &paid {
        if let Some(i) = slot(when) {
            moves.push((i, amount, 0));
        }
    }
    for (when, amount) in &refunded {
        if let Some(i) = slot(*when) {
            moves.push((i, 0, *amount));
        }
    }
    for (i, captured, refunded) in moves {
        days[i].1.captured += captured;
        days[i].1.refunded += refunded;
    }
    let totals = |orders: i64, picked: &[(NaiveDate, Day)]| {
        let captured = picked.iter().map(|(_, d)| d.captured).sum::<i64>();
        let refunded = picked.iter().map(|(_, d)| d.refunded).sum::<i64>();
        Totals {
            orders,
            captured,
            refunded,
            revenue: captured - refunded,
        }
    };
    let today_totals = totals(
        placed.iter().filter(|t| t.date() == today).count() as i64,
        &days[days.len().saturating_sub(1)..],
    );
    let recent_totals = totals(placed.len() as i64, &days);
    let daily = days
        .iter()
        .map(|(d, m)| (*d, m.captured - m.refunded))
        .collect();
    let payments: Vec<(AttemptStatus, i64)> = payment_attempts::table
        .filter(payment_attempts::created_at.ge(since))
        .group_by(payment_attempts::status)
        .select((payment_attempts::status, count_star()))
        .order(payment_attempts::status)
        .load(conn)?;
    Ok(Dashboard {
        today: today_totals,
        recent: recent_totals,
        daily,
        payments,
        attention: attention(conn, at, &doubled)?,
    })
}

/// A second successful transaction AsiaBill reported for one attempt.
#[derive(Debug, Clone)]
struct DoubleCharge {
    number: String,
    message: String,
    key: Option<(String, Option<String>)>,
    at: NaiveDateTime,
}

/// The double charges reported since `since`, newest first. The return and the webhook may both
/// report the same second transaction: one charge is counted once per attempt and message.
fn double_charges(
    conn: &mut DbConnection,
    since: NaiveDateTime,
) -> Result<Vec<DoubleCharge>, DbError> {
    let rows = payment_events::table
        .inner_join(orders::table)
        .inner_join(payment_attempts::table)
        .filter(payment_events::kind.eq("double_payment"))
        .filter(payment_events::created_at.ge(since))
        .order(payment_events::id.desc())
        .select((
            payment_attempts::id,
            orders::number,
            payment_events::message,
            payment_events::message_key,
            payment_events::message_args,
            payment_events::created_at,
        ))
        .load::<(
            i64,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            NaiveDateTime,
        )>(conn)?;
    let mut seen = std::collections::HashSet::new();
    Ok(rows
        .into_iter()
        .filter(|(attempt, _, message, ..)| seen.insert((*attempt, message.clone())))
        .map(|(_, number, message, key, args, at)| DoubleCharge {
            number,
            message: message.unwrap_or_default(),
            key: key.map(|k| (k, args)),
            at,
        })
        .collect())
}

fn attention(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    doubled: &[DoubleCharge],
) -> Result<Attention, DbError> {
    let mismatches = payment_events::table
        .inner_join(orders::table)
        .filter(payment_events::kind.eq("amount_mismatch"))
        .order(payment_events::id.desc())
        .limit(LISTED)
        .select((
            orders::number,
            payment_events::message,
            payment_events::message_key,
            payment_events::message_args,
            payment_events::created_at,
        ))
        .load::<(
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            NaiveDateTime,
        )>(conn)?
        .into_iter()
        .map(|(number, message, key, args, at)| Item {
            href: format!("/admin/orders/{number}"),
            label: number,
            note: message.unwrap_or_default(),
            note_key: key.map(|k| (k, args)),
            at,
        })
        .collect();
    // Same rule as `Delivery::needs_attention`, in SQL; a dismissed one is resolved.
    let webhooks = webhook_events::table
        .filter(webhook_events::dismissed_at.is_null())
        .filter(
            webhook_events::status
                .eq_any([WebhookStatus::Failed, WebhookStatus::Flagged])
                .or(webhook_events::status
                    .eq(WebhookStatus::Received)
                    .and(webhook_events::apply_attempts.gt(0))),
        )
        .order(webhook_events::id.desc())
        .limit(LISTED)
        .select(Delivery::as_select())
        .load::<Delivery>(conn)?
        .into_iter()
        .map(|d| Item {
            href: format!("/admin/webhooks/{}", d.id),
            label: match d.type_as_received() {
                Some(kind) => format!("#{} {kind}", d.id),
                None => format!("#{}", d.id),
            },
            note: format!("{}: {}", d.status, d.error.clone().unwrap_or_default()),
            note_key: d.error_key.clone().map(|k| (k, d.error_args.clone())),
            at: d.received_at,
        })
        .collect();
    let expiring = payment_attempts::table
        .inner_join(orders::table)
        .filter(payment_attempts::status.eq(AttemptStatus::Authorized))
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
            note_key: None,
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
            note_key: None,
            at,
        })
        .collect();
    let unknown_refunds = refunds::table
        .inner_join(orders::table)
        .filter(refunds::status.eq(RefundStatus::Unknown))
        .order(refunds::id.desc())
        .limit(LISTED)
        .select((orders::number, refunds::mer_track_no, refunds::created_at))
        .load::<(String, String, NaiveDateTime)>(conn)?
        .into_iter()
        .map(|(number, track, at)| Item {
            href: format!("/admin/orders/{number}"),
            label: track,
            note: number,
            note_key: None,
            at,
        })
        .collect();
    let double_charges = doubled
        .iter()
        .take(LISTED as usize)
        .map(|d| Item {
            href: format!("/admin/orders/{}", d.number),
            label: d.number.clone(),
            note: d.message.clone(),
            note_key: d.key.clone(),
            at: d.at,
        })
        .collect();
    Ok(Attention {
        mismatches,
        webhooks,
        expiring,
        chargebacks,
        unknown_refunds,
        double_charges,
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
            // A day whose refunds exceed its takings draws no bar; its label still says so.
            let amount = *amount;
            let height = (amount.max(0) * (CHART_HEIGHT - 10) / top).max(i64::from(amount > 0));
            Bar {
                x: i * slot + 2,
                y: CHART_HEIGHT - height,
                width: (slot - 4).max(1),
                height,
                day: day.format("%m-%d").to_string(),
                labelled: i % 5 == 0 || i == count - 1,
                amount: format(amount),
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
