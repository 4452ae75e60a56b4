//! Taxes: rates by country or by a country's region, and the tax of an order's lines.
//!
//! Prices are entered including tax or excluding it (`SHOP_PRICES_INCLUDE_TAX`, default true).
//! Included, the tax is the part of each price the rate accounts for and the total does not
//! change; excluded, it is added to the total, and so to the amount AsiaBill charges. Either
//! way it is computed once, when the order is placed, on each line after its share of the
//! discount, and kept on the order with its rate: a later change of rates or of the setting
//! never alters a placed order. Shipping is not taxed here.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{DbConnection, DbError, schema::tax_rates};

/// A tax rate.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = tax_rates)]
#[expect(missing_docs, reason = "fields mirror the tax_rates columns")]
pub struct Rate {
    pub id: i64,
    pub country: String,
    pub region: String,
    pub name: String,
    pub rate_bp: i64,
    pub created_at: NaiveDateTime,
}

impl Rate {
    /// `19%`, `6.5%`.
    pub fn percent(&self) -> String {
        percent(self.rate_bp)
    }
}

/// Basis points as a percentage for people: `1900` is `19%`, `650` is `6.5%`.
pub fn percent(rate_bp: i64) -> String {
    let whole = rate_bp / 100;
    let rest = rate_bp % 100;
    if rest == 0 {
        format!("{whole}%")
    } else {
        format!("{whole}.{}%", format!("{rest:02}").trim_end_matches('0'))
    }
}

/// The rate for an address in `country` and `region`: the region's when it has one, else the
/// country's, else none.
pub fn rate_for(
    conn: &mut DbConnection,
    country: &str,
    region: Option<&str>,
) -> Result<Option<Rate>, DbError> {
    let region = region.unwrap_or_default();
    let mut found: Vec<Rate> = tax_rates::table
        .filter(tax_rates::country.eq(country))
        .filter(tax_rates::region.eq(region).or(tax_rates::region.eq("")))
        .select(Rate::as_select())
        .load(conn)?;
    // The region's own rate sorts first.
    found.sort_by_key(|r| r.region.is_empty());
    Ok(found.into_iter().next())
}

/// The order's tax as its totals show it: its label (`VAT 19% included`) and amount, in
/// `lang`; none when the order carries no tax.
pub fn shown(
    order: &crate::db::models::Order,
    price: &dyn Fn(i64) -> String,
    lang: crate::i18n::Lang,
) -> Option<(String, String)> {
    if order.tax_minor <= 0 {
        return None;
    }
    let key = if order.prices_include_tax {
        "order.tax_included"
    } else {
        "order.tax_added"
    };
    let label = lang
        .tr(key)
        .replace("{name}", order.tax_name.as_deref().unwrap_or_default())
        .replace("{rate}", &percent(order.tax_rate_bp));
    Some((label, price(order.tax_minor)))
}

/// A line's tax as shown under its total; none when it has none.
pub fn line_shown(
    tax_minor: i64,
    price: &dyn Fn(i64) -> String,
    lang: crate::i18n::Lang,
) -> Option<String> {
    (tax_minor > 0).then(|| format!("{} {}", lang.tr("order.line_tax"), price(tax_minor)))
}

/// `a * b / c` rounded half up, without overflow for any amounts a shop sees.
fn mul_div_round(a: i64, b: i64, c: i64) -> i64 {
    let (a, b, c) = (i128::from(a), i128::from(b), i128::from(c));
    i64::try_from((a * b + c / 2) / c).unwrap_or(i64::MAX)
}

/// Each line's share of `discount`, in proportion to its total; the shares add up to the
/// discount exactly (the remainder goes to the largest lines first).
pub fn discount_shares(line_totals: &[i64], discount: i64) -> Vec<i64> {
    let sum: i64 = line_totals.iter().sum();
    if sum <= 0 || discount <= 0 {
        return vec![0; line_totals.len()];
    }
    let mut shares: Vec<i64> = line_totals
        .iter()
        .map(|t| {
            i64::try_from(i128::from(*t) * i128::from(discount) / i128::from(sum)).unwrap_or(0)
        })
        .collect();
    let mut left = discount - shares.iter().sum::<i64>();
    let mut by_size: Vec<usize> = (0..line_totals.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(line_totals[i]));
    for i in by_size.into_iter().cycle() {
        if left <= 0 {
            break;
        }
        shares[i] += 1;
        left -= 1;
    }
    shares
}

/// The tax of each line at `rate_bp`, each line's total reduced by its share of `discount`:
/// the part of it the rate accounts for when prices include tax, or the rate of it when they
/// do not.
pub fn line_taxes(line_totals: &[i64], discount: i64, rate_bp: i64, included: bool) -> Vec<i64> {
    if rate_bp <= 0 {
        return vec![0; line_totals.len()];
    }
    discount_shares(line_totals, discount)
        .into_iter()
        .zip(line_totals)
        .map(|(share, total)| {
            let taxed = (total - share).max(0);
            if included {
                mul_div_round(taxed, rate_bp, 10_000 + rate_bp)
            } else {
                mul_div_round(taxed, rate_bp, 10_000)
            }
        })
        .collect()
}

/// Every rate, by country then region.
pub fn all(conn: &mut DbConnection) -> Result<Vec<Rate>, DbError> {
    Ok(tax_rates::table
        .order((tax_rates::country, tax_rates::region))
        .select(Rate::as_select())
        .load(conn)?)
}

/// The merchant's form for a rate, as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
#[expect(
    missing_docs,
    reason = "fields are the form's inputs, named as in the template"
)]
pub struct RateInput {
    pub country: String,
    pub region: String,
    pub name: String,
    /// A percentage: `19`, `6.5`.
    pub rate: String,
}

/// A checked rate form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRate {
    country: String,
    region: String,
    name: String,
    rate_bp: i64,
}

/// Basis points from a percentage typed with at most two decimals, from 0 to 100.
fn basis_points(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = format!("{fraction:0<2}").parse().ok()?;
    let bp = whole.checked_mul(100)?.checked_add(fraction)?;
    (0..=10_000).contains(&bp).then_some(bp)
}

impl RateInput {
    /// The rate the form describes, or its problems as (field, locale key).
    pub fn check(&self) -> Result<NewRate, Vec<(&'static str, &'static str)>> {
        let mut problems = Vec::new();
        let country = self.country.trim().to_uppercase();
        if !crate::domain::country::is_code(&country) {
            problems.push(("country", "admin.taxes.error_country"));
        }
        let region = self.region.trim().to_uppercase();
        if region.chars().count() > 10 || !region.chars().all(|c| c.is_ascii_alphanumeric()) {
            problems.push(("region", "admin.taxes.error_region"));
        }
        let name = self.name.trim().to_owned();
        if !(1..=40).contains(&name.chars().count()) {
            problems.push(("name", "admin.taxes.error_name"));
        }
        let rate_bp = basis_points(&self.rate);
        if rate_bp.is_none() {
            problems.push(("rate", "admin.taxes.error_rate"));
        }
        match rate_bp {
            Some(rate_bp) if problems.is_empty() => Ok(NewRate {
                country,
                region,
                name,
                rate_bp,
            }),
            _ => Err(problems),
        }
    }
}

/// Adds `new`, or replaces the rate of the same country and region; returns its id.
pub fn save(conn: &mut DbConnection, new: &NewRate, at: NaiveDateTime) -> Result<i64, DbError> {
    crate::db::write_transaction(conn, |conn| {
        diesel::delete(
            tax_rates::table
                .filter(tax_rates::country.eq(&new.country))
                .filter(tax_rates::region.eq(&new.region)),
        )
        .execute(conn)?;
        Ok(diesel::insert_into(tax_rates::table)
            .values((
                tax_rates::country.eq(&new.country),
                tax_rates::region.eq(&new.region),
                tax_rates::name.eq(&new.name),
                tax_rates::rate_bp.eq(new.rate_bp),
                tax_rates::created_at.eq(at),
            ))
            .returning(tax_rates::id)
            .get_result::<i64>(conn)?)
    })
}

/// Removes rate `id`; false when there was none.
pub fn remove(conn: &mut DbConnection, id: i64) -> Result<bool, DbError> {
    Ok(diesel::delete(tax_rates::table.find(id)).execute(conn)? == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_of_a_discount_add_up_to_it() {
        assert_eq!(discount_shares(&[5400, 1100], 650), vec![540, 110]);
        assert_eq!(discount_shares(&[100, 100, 100], 100), vec![34, 33, 33]);
        assert_eq!(discount_shares(&[100], 0), vec![0]);
        for (lines, discount) in [(vec![333, 667, 1], 101), (vec![7, 11, 13], 30)] {
            assert_eq!(
                discount_shares(&lines, discount).iter().sum::<i64>(),
                discount
            );
        }
    }

    #[test]
    fn included_tax_is_the_part_the_rate_accounts_for_and_excluded_tax_is_added() {
        // €119 at 19% included holds €19; €100 at 19% excluded adds €19.
        assert_eq!(line_taxes(&[11_900], 0, 1900, true), vec![1900]);
        assert_eq!(line_taxes(&[10_000], 0, 1900, false), vec![1900]);
        // After a discount of 10%: on what is paid.
        assert_eq!(line_taxes(&[10_000], 1000, 1900, false), vec![1710]);
        assert_eq!(line_taxes(&[10_000], 0, 0, true), vec![0]);
    }

    #[test]
    fn percentages_are_read_and_shown_to_the_hundredth() {
        assert_eq!(basis_points("19"), Some(1900));
        assert_eq!(basis_points("6.5%"), Some(650));
        assert_eq!(basis_points("7.25"), Some(725));
        assert_eq!(basis_points("7.255"), None);
        assert_eq!(basis_points("101"), None);
        assert_eq!(basis_points("-1"), None);
        assert_eq!(percent(1900), "19%");
        assert_eq!(percent(650), "6.5%");
        assert_eq!(percent(725), "7.25%");
    }
}
