//! A product's variants as the merchant edits them: created for each combination of option
//! values not yet covered, each with its own SKU, price, stock, weight, image and visibility.
//!
//! A variant has exactly one value of each option, and no two variants of a product are the
//! same combination: variants are only created by [`create_missing`], which makes the
//! combinations no variant covers yet, and [`crate::catalogue::options`] keeps options and
//! values from changing under them. The functions run inside the caller's transaction
//! ([`crate::catalogue::editing::change`]).

use std::collections::{HashMap, HashSet};

use asiabill::Currency;
use diesel::prelude::*;
use serde::Deserialize;

use crate::catalogue::editing::{self, FieldError, MAX_STOCK, MAX_WEIGHT_GRAMS};
use crate::catalogue::options;
use crate::db::{
    DbConnection, DbError, now,
    schema::{product_variant_values, product_variants, products},
};
use crate::money::amount;

/// Most variants a product may have: with three options of many values the combinations
/// multiply fast, and a picker or an admin table of hundreds helps no one.
pub const MAX_VARIANTS: usize = 100;
/// Longest SKU, as for products.
const MAX_SKU: usize = 40;

/// A variant row.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_variants)]
#[expect(missing_docs, reason = "fields mirror the product_variants columns")]
pub struct Variant {
    pub id: i64,
    pub product_id: i64,
    pub sku: String,
    pub price_minor: i64,
    pub stock: i64,
    pub weight_grams: Option<i64>,
    pub image_path: Option<String>,
    pub active: bool,
    pub position: i64,
}

/// A variant with the ids of its option values.
pub type VariantWithValues = (Variant, Vec<i64>);

/// Every combination of one value of each option, in the options' order, the first option
/// varying slowest (as a shopper reads a table of them); none when there is no option or an
/// option has no value.
pub fn combinations(options: &[Vec<i64>]) -> Vec<Vec<i64>> {
    if options.is_empty() {
        return Vec::new();
    }
    options.iter().fold(vec![Vec::new()], |partial, values| {
        partial
            .iter()
            .flat_map(|head| {
                values.iter().map(move |v| {
                    let mut next = head.clone();
                    next.push(*v);
                    next
                })
            })
            .collect()
    })
}

/// The combinations of `options` that none of `existing` (each a variant's value ids, in any
/// order) covers.
pub fn missing(options: &[Vec<i64>], existing: &[Vec<i64>]) -> Vec<Vec<i64>> {
    let covered: HashSet<Vec<i64>> = existing
        .iter()
        .map(|values| {
            let mut sorted = values.clone();
            sorted.sort_unstable();
            sorted
        })
        .collect();
    combinations(options)
        .into_iter()
        .filter(|combination| {
            let mut sorted = combination.clone();
            sorted.sort_unstable();
            !covered.contains(&sorted)
        })
        .collect()
}

/// A value's part of a suggested SKU: its English name in upper-case ASCII letters and digits,
/// other characters as single dashes (`"1 kg"` → `1-KG`); a value with no such character
/// (`"大"`) is named by its id (`V12`), which is unique.
pub fn sku_part(value_en: &str, value_id: i64) -> String {
    let mut part = String::new();
    for c in value_en.chars() {
        if c.is_ascii_alphanumeric() {
            part.push(c.to_ascii_uppercase());
        } else if !part.is_empty() && !part.ends_with('-') {
            part.push('-');
        }
    }
    let part = part.trim_end_matches('-');
    if part.is_empty() {
        format!("V{value_id}")
    } else {
        part.to_owned()
    }
}

/// The SKU suggested for a new variant: the product's SKU and its values' parts joined by
/// dashes, cut to the SKU limit, and, when `taken` says another product or variant has it,
/// followed by `-2`, `-3`… until it is free.
pub fn suggest_sku(product_sku: &str, parts: &[String], taken: impl Fn(&str) -> bool) -> String {
    let base = std::iter::once(product_sku)
        .chain(parts.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("-");
    let cut = |text: &str, room: usize| -> String {
        text.chars()
            .take(room)
            .collect::<String>()
            .trim_end_matches('-')
            .to_owned()
    };
    let first = cut(&base, MAX_SKU);
    if !taken(&first) {
        return first;
    }
    (2_u32..)
        .map(|n| {
            let suffix = format!("-{n}");
            format!("{}{suffix}", cut(&base, MAX_SKU - suffix.len()))
        })
        .find(|candidate| !taken(candidate))
        .unwrap_or(first)
}

/// The product's variants with their values' ids, in display order.
pub fn list(conn: &mut DbConnection, product_id: i64) -> Result<Vec<VariantWithValues>, DbError> {
    let variants: Vec<Variant> = product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .order((product_variants::position, product_variants::id))
        .select(Variant::as_select())
        .load(conn)?;
    let ids: Vec<i64> = variants.iter().map(|v| v.id).collect();
    let links: Vec<(i64, i64)> = product_variant_values::table
        .filter(product_variant_values::variant_id.eq_any(&ids))
        .select((
            product_variant_values::variant_id,
            product_variant_values::option_value_id,
        ))
        .load(conn)?;
    let mut values: HashMap<i64, Vec<i64>> = HashMap::new();
    for (variant, value) in links {
        values.entry(variant).or_default().push(value);
    }
    Ok(variants
        .into_iter()
        .map(|v| {
            let mine = values.remove(&v.id).unwrap_or_default();
            (v, mine)
        })
        .collect())
}

/// How many variants each product has and their stock together, by product id (products
/// without variants are absent).
pub fn totals(conn: &mut DbConnection) -> Result<HashMap<i64, (i64, i64)>, DbError> {
    // Summed here rather than by SQL `SUM`, which PostgreSQL types as NUMERIC, a type the
    // two-backend connection cannot read.
    let rows: Vec<(i64, i64)> = product_variants::table
        .select((product_variants::product_id, product_variants::stock))
        .load(conn)?;
    let mut totals: HashMap<i64, (i64, i64)> = HashMap::new();
    for (product, stock) in rows {
        let entry = totals.entry(product).or_default();
        entry.0 += 1;
        entry.1 += stock;
    }
    Ok(totals)
}

/// Why variants were not created or changed.
#[derive(Debug, thiserror::Error)]
pub enum VariantError {
    /// No such product, or no such variant of it.
    #[error("no such variant")]
    NotFound,
    /// The product has no option yet.
    #[error("no options")]
    NoOptions,
    /// An option has no value yet: its English name.
    #[error("option {0} has no value")]
    EmptyOption(String),
    /// The combinations would make more than [`MAX_VARIANTS`] variants: how many.
    #[error("{0} variants would be too many")]
    TooMany(usize),
    /// Another variant or a product has this SKU.
    #[error("the SKU is taken")]
    SkuTaken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for VariantError {
    fn from(e: diesel::result::Error) -> Self {
        VariantError::Db(e.into())
    }
}

/// Every SKU of the shop, products' and variants' alike. Loaded whole: a shop's catalogue is
/// thousands of rows at most, and suggesting several SKUs then costs one query, not one each.
fn all_skus(conn: &mut DbConnection) -> Result<HashSet<String>, DbError> {
    let mut skus: HashSet<String> = products::table
        .select(products::sku)
        .load::<String>(conn)?
        .into_iter()
        .collect();
    skus.extend(
        product_variants::table
            .select(product_variants::sku)
            .load::<String>(conn)?,
    );
    Ok(skus)
}

/// Creates a variant for each combination of the product's option values that no variant
/// covers yet, at the product's price, with no stock, the product's weight and image, offered;
/// returns the new variants' SKUs (none when every combination is covered).
pub fn create_missing(
    conn: &mut DbConnection,
    product_id: i64,
) -> Result<Vec<String>, VariantError> {
    // Touching the product first: on PostgreSQL its row lock makes a second admin pressing the
    // button at the same moment wait, then find the combinations covered (SQLite's write
    // transaction already serialises them).
    let at = now();
    let touched = diesel::update(products::table.find(product_id))
        .set(products::updated_at.eq(at))
        .execute(conn)?;
    if touched == 0 {
        return Err(VariantError::NotFound);
    }
    let (product_sku, price_minor): (String, i64) = products::table
        .find(product_id)
        .select((products::sku, products::price_minor))
        .first(conn)?;
    let options = options::list(conn, product_id)?;
    if options.is_empty() {
        return Err(VariantError::NoOptions);
    }
    if let Some((empty, _)) = options.iter().find(|(_, values)| values.is_empty()) {
        return Err(VariantError::EmptyOption(empty.name_en.clone()));
    }
    let value_ids: Vec<Vec<i64>> = options
        .iter()
        .map(|(_, values)| values.iter().map(|v| v.id).collect())
        .collect();
    let existing = list(conn, product_id)?;
    let existing_values: Vec<Vec<i64>> = existing.iter().map(|(_, v)| v.clone()).collect();
    let wanted = missing(&value_ids, &existing_values);
    if existing.len() + wanted.len() > MAX_VARIANTS {
        return Err(VariantError::TooMany(existing.len() + wanted.len()));
    }
    let parts: HashMap<i64, String> = options
        .iter()
        .flat_map(|(_, values)| values.iter().map(|v| (v.id, sku_part(&v.value_en, v.id))))
        .collect();
    let mut skus = all_skus(conn)?;
    let first_position = existing
        .iter()
        .map(|(v, _)| v.position + 1)
        .max()
        .unwrap_or(0);
    let mut created = Vec::new();
    for (position, combination) in (first_position..).zip(wanted) {
        let named: Vec<String> = combination
            .iter()
            .filter_map(|id| parts.get(id).cloned())
            .collect();
        let sku = suggest_sku(&product_sku, &named, |s| skus.contains(s));
        let variant_id: i64 = diesel::insert_into(product_variants::table)
            .values((
                product_variants::product_id.eq(product_id),
                product_variants::sku.eq(&sku),
                product_variants::price_minor.eq(price_minor),
                product_variants::stock.eq(0_i64),
                product_variants::active.eq(true),
                product_variants::position.eq(position),
                product_variants::created_at.eq(at),
                product_variants::updated_at.eq(at),
            ))
            .returning(product_variants::id)
            .get_result(conn)?;
        for value_id in combination {
            diesel::insert_into(product_variant_values::table)
                .values((
                    product_variant_values::variant_id.eq(variant_id),
                    product_variant_values::option_value_id.eq(value_id),
                ))
                .execute(conn)?;
        }
        skus.insert(sku.clone());
        created.push(sku);
    }
    Ok(created)
}

/// A variant's form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct VariantInput {
    /// Stock-keeping unit.
    pub sku: String,
    /// Decimal amount in the shop's currency (`12.50`).
    pub price: String,
    /// Whole units.
    pub stock: String,
    /// Grams; empty: the product's weight.
    pub weight: String,
    /// `/static/…`; empty: the product's main image.
    pub image_path: String,
    /// Present (`on`) when offered.
    pub active: Option<String>,
}

/// A variant's checked values, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedVariant {
    sku: String,
    price_minor: i64,
    stock: i64,
    weight_grams: Option<i64>,
    image_path: Option<String>,
    active: bool,
}

impl CheckedVariant {
    /// The SKU, for the audit log.
    pub fn sku(&self) -> &str {
        &self.sku
    }

    /// What the audit log keeps of the change.
    pub fn audit_detail(&self) -> serde_json::Value {
        serde_json::json!({
            "sku": self.sku,
            "price_minor": self.price_minor,
            "stock": self.stock,
            "weight_grams": self.weight_grams,
            "image_path": self.image_path,
            "active": self.active,
        })
    }
}

impl VariantInput {
    /// The form filled from a variant.
    pub fn of(v: &Variant, currency: Currency) -> Self {
        VariantInput {
            sku: v.sku.clone(),
            price: amount::input_value(v.price_minor, currency),
            stock: v.stock.to_string(),
            weight: v.weight_grams.map(|w| w.to_string()).unwrap_or_default(),
            image_path: v.image_path.clone().unwrap_or_default(),
            active: v.active.then(|| "on".to_owned()),
        }
    }

    /// True when the form says the variant is offered.
    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }

    /// Checks the form; the messages are the product form's where the rule is the same.
    pub fn check(&self, currency: Currency) -> Result<CheckedVariant, Vec<FieldError>> {
        let mut errors = Vec::new();
        let sku = self.sku.trim().to_owned();
        if sku.is_empty() || sku.chars().count() > MAX_SKU || sku.contains(char::is_whitespace) {
            errors.push(("sku", "admin.products.error_sku"));
        }
        let price = amount::parse(&self.price, currency).ok();
        if price.is_none() {
            errors.push(("price", "admin.products.error_price"));
        }
        let stock = self
            .stock
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|s| (0..=MAX_STOCK).contains(s));
        if stock.is_none() {
            errors.push(("stock", "admin.products.error_stock"));
        }
        let weight = match self.weight.trim() {
            "" => Some(None),
            text => text
                .parse::<i64>()
                .ok()
                .filter(|w| (0..=MAX_WEIGHT_GRAMS).contains(w))
                .map(Some),
        };
        if weight.is_none() {
            errors.push(("weight", "admin.products.error_weight"));
        }
        let image_path = match self.image_path.trim() {
            "" => Some(None),
            typed => match editing::check_image_path(typed) {
                Ok(path) => Some(Some(path)),
                Err(key) => {
                    errors.push(("image_path", key));
                    None
                }
            },
        };
        match (price, stock, weight, image_path) {
            (Some(price_minor), Some(stock), Some(weight_grams), Some(image_path))
                if errors.is_empty() =>
            {
                Ok(CheckedVariant {
                    sku,
                    price_minor,
                    stock,
                    weight_grams,
                    image_path,
                    active: self.is_active(),
                })
            }
            _ => Err(errors),
        }
    }
}

fn sku_taken(conn: &mut DbConnection, sku: &str, variant_id: i64) -> Result<bool, DbError> {
    let variants: i64 = product_variants::table
        .filter(product_variants::sku.eq(sku))
        .filter(product_variants::id.ne(variant_id))
        .count()
        .get_result(conn)?;
    let products: i64 = products::table
        .filter(products::sku.eq(sku))
        .count()
        .get_result(conn)?;
    Ok(variants + products > 0)
}

/// Saves variant `variant_id` of the product.
pub fn update(
    conn: &mut DbConnection,
    product_id: i64,
    variant_id: i64,
    c: &CheckedVariant,
) -> Result<(), VariantError> {
    if sku_taken(conn, &c.sku, variant_id)? {
        return Err(VariantError::SkuTaken);
    }
    let changed = diesel::update(
        product_variants::table
            .find(variant_id)
            .filter(product_variants::product_id.eq(product_id)),
    )
    .set((
        product_variants::sku.eq(&c.sku),
        product_variants::price_minor.eq(c.price_minor),
        product_variants::stock.eq(c.stock),
        product_variants::weight_grams.eq(c.weight_grams),
        product_variants::image_path.eq(c.image_path.as_deref()),
        product_variants::active.eq(c.active),
        product_variants::updated_at.eq(now()),
    ))
    .execute(conn)
    .map_err(DbError::from);
    match changed {
        Ok(0) => Err(VariantError::NotFound),
        Ok(_) => Ok(()),
        // Another admin took the SKU between the check and the write.
        Err(e) if e.is_unique_violation() => Err(VariantError::SkuTaken),
        Err(e) => Err(e.into()),
    }
}

/// Deletes variant `variant_id` of the product: the carts holding it lose that line, and the
/// order lines that sold it keep their copy of its name (the database's `ON DELETE` rules).
/// Returns its SKU, or `None` when there is no such variant.
pub fn remove(
    conn: &mut DbConnection,
    product_id: i64,
    variant_id: i64,
) -> Result<Option<String>, DbError> {
    let sku: Option<String> = product_variants::table
        .find(variant_id)
        .filter(product_variants::product_id.eq(product_id))
        .select(product_variants::sku)
        .first(conn)
        .optional()?;
    if sku.is_some() {
        diesel::delete(product_variants::table.find(variant_id)).execute(conn)?;
    }
    Ok(sku)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_are_the_cross_product_in_option_order() {
        let all = combinations(&[vec![1, 2], vec![10, 20, 30]]);
        assert_eq!(
            all,
            [
                vec![1, 10],
                vec![1, 20],
                vec![1, 30],
                vec![2, 10],
                vec![2, 20],
                vec![2, 30]
            ]
        );
        assert_eq!(combinations(&[vec![1, 2], vec![3], vec![4, 5]]).len(), 4);
        assert!(combinations(&[]).is_empty());
        assert!(combinations(&[vec![1], vec![]]).is_empty());
    }

    #[test]
    fn only_uncovered_combinations_are_missing() {
        let options = [vec![1, 2], vec![10, 20]];
        // A variant's values may come back in any order.
        let existing = [vec![10, 1], vec![2, 20]];
        assert_eq!(missing(&options, &existing), [vec![1, 20], vec![2, 10]]);
        let all = combinations(&options);
        assert!(
            missing(&options, &all).is_empty(),
            "a second press adds none"
        );
    }

    #[test]
    fn sku_parts_are_upper_case_words() {
        assert_eq!(sku_part("1 kg", 3), "1-KG");
        assert_eq!(sku_part("  Whole bean! ", 3), "WHOLE-BEAN");
        assert_eq!(sku_part("Café crème", 3), "CAF-CR-ME");
        assert_eq!(sku_part("大", 12), "V12");
    }

    #[test]
    fn suggested_skus_are_free_and_short_enough() {
        let parts = ["ESPRESSO".to_owned(), "1-KG".to_owned()];
        let none = |_: &str| false;
        assert_eq!(
            suggest_sku("HCT-BEANS", &parts, none),
            "HCT-BEANS-ESPRESSO-1-KG"
        );
        let taken = ["HCT-BEANS-ESPRESSO-1-KG", "HCT-BEANS-ESPRESSO-1-KG-2"];
        assert_eq!(
            suggest_sku("HCT-BEANS", &parts, |s| taken.contains(&s)),
            "HCT-BEANS-ESPRESSO-1-KG-3"
        );
        let long = suggest_sku("HCT-A-VERY-LONG-PRODUCT-SKU-INDEED", &parts, none);
        assert_eq!(long, "HCT-A-VERY-LONG-PRODUCT-SKU-INDEED-ESPRE");
        assert_eq!(long.chars().count(), MAX_SKU);
        let long_taken = suggest_sku("HCT-A-VERY-LONG-PRODUCT-SKU-INDEED", &parts, |s| s == long);
        assert_eq!(long_taken, "HCT-A-VERY-LONG-PRODUCT-SKU-INDEED-ESP-2");
    }

    #[test]
    fn the_variant_form_is_checked_field_by_field() {
        let usd = Currency::parse("USD").expect("USD");
        let good = VariantInput {
            sku: " BEANS-1KG ".into(),
            price: "18.50".into(),
            stock: "4".into(),
            active: Some("on".into()),
            ..VariantInput::default()
        };
        let checked = good.check(usd).expect("valid");
        assert_eq!(
            (checked.sku(), checked.price_minor, checked.weight_grams),
            ("BEANS-1KG", 1850, None)
        );
        let bad = VariantInput {
            sku: "A B".into(),
            price: "18,50".into(),
            stock: "-1".into(),
            weight: "heavy".into(),
            image_path: "/etc/passwd".into(),
            active: None,
        };
        let fields: Vec<&str> = bad
            .check(usd)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["sku", "price", "stock", "weight", "image_path"]);
    }
}
