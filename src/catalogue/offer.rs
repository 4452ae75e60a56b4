//! What a product with options sells: its options and their values, its variants (one per
//! combination offered, each with its own SKU, price, stock, weight and image), how a variant
//! is named from its values (the gallery is [`super::gallery`]).
//!
//! A product with no variants is sold from its own row, as before variants existed; once it
//! has one, every cart line, order line and stock reservation names a variant and the
//! product's own price and stock are not used.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    schema::{product_option_values, product_options, product_variant_values, product_variants},
};

/// What separates the values of a variant's name (`Espresso / 1 kg`).
pub const NAME_SEPARATOR: &str = " / ";

/// One value an option offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionValue {
    /// Its id (`product_option_values.id`), what the product page's picker posts.
    pub id: i64,
    /// In English.
    pub value_en: String,
    /// In Chinese.
    pub value_zh: String,
}

impl OptionValue {
    /// The value in the shopper's language.
    pub fn label(&self, chinese: bool) -> &str {
        if chinese {
            &self.value_zh
        } else {
            &self.value_en
        }
    }
}

/// An option of a product (`Grind`), with its values in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductOption {
    /// Its id.
    pub id: i64,
    /// Its name in English.
    pub name_en: String,
    /// Its name in Chinese.
    pub name_zh: String,
    /// Its values, in display order.
    pub values: Vec<OptionValue>,
}

impl ProductOption {
    /// The name in the shopper's language.
    pub fn name(&self, chinese: bool) -> &str {
        if chinese {
            &self.name_zh
        } else {
            &self.name_en
        }
    }
}

/// A variant: one combination of option values, sold with its own SKU, price and stock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variant {
    /// Its id.
    pub id: i64,
    /// Its stock-keeping unit.
    pub sku: String,
    /// Unit price in minor units of the product's currency.
    pub price_minor: i64,
    /// Units on sale.
    pub stock: i64,
    /// Shipping weight of a unit; `None`: the product's.
    pub weight_grams: Option<i64>,
    /// Its image; `None`: the product's main image.
    pub image_path: Option<String>,
    /// Offered when true.
    pub active: bool,
    /// Its option values' ids, one per option.
    pub value_ids: Vec<i64>,
}

impl Variant {
    /// Whether a shopper may put it in the cart now.
    pub fn on_sale(&self) -> bool {
        self.active && self.stock > 0
    }
}

/// A product's options and variants, in display order; both empty for a product sold
/// without variants.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variants {
    /// The options, in display order.
    pub options: Vec<ProductOption>,
    /// Every variant, active or not, in display order.
    pub variants: Vec<Variant>,
}

impl Variants {
    /// Product `product_id`'s options and variants.
    pub fn load(conn: &mut DbConnection, product_id: i64) -> Result<Variants, DbError> {
        let options: Vec<(i64, String, String)> = product_options::table
            .filter(product_options::product_id.eq(product_id))
            .order((product_options::position, product_options::id))
            .select((
                product_options::id,
                product_options::name_en,
                product_options::name_zh,
            ))
            .load(conn)?;
        let option_ids: Vec<i64> = options.iter().map(|o| o.0).collect();
        let values: Vec<(i64, i64, String, String)> = product_option_values::table
            .filter(product_option_values::option_id.eq_any(&option_ids))
            .order((product_option_values::position, product_option_values::id))
            .select((
                product_option_values::option_id,
                product_option_values::id,
                product_option_values::value_en,
                product_option_values::value_zh,
            ))
            .load(conn)?;
        let options = options
            .into_iter()
            .map(|(id, name_en, name_zh)| ProductOption {
                id,
                name_en,
                name_zh,
                values: values
                    .iter()
                    .filter(|v| v.0 == id)
                    .map(|(_, value_id, en, zh)| OptionValue {
                        id: *value_id,
                        value_en: en.clone(),
                        value_zh: zh.clone(),
                    })
                    .collect(),
            })
            .collect();
        type Row = (i64, String, i64, i64, Option<i64>, Option<String>, bool);
        let rows: Vec<Row> = product_variants::table
            .filter(product_variants::product_id.eq(product_id))
            .order((product_variants::position, product_variants::id))
            .select((
                product_variants::id,
                product_variants::sku,
                product_variants::price_minor,
                product_variants::stock,
                product_variants::weight_grams,
                product_variants::image_path,
                product_variants::active,
            ))
            .load(conn)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let links: Vec<(i64, i64)> = product_variant_values::table
            .filter(product_variant_values::variant_id.eq_any(&ids))
            .select((
                product_variant_values::variant_id,
                product_variant_values::option_value_id,
            ))
            .load(conn)?;
        let variants = rows
            .into_iter()
            .map(
                |(id, sku, price_minor, stock, weight_grams, image_path, active)| Variant {
                    id,
                    sku,
                    price_minor,
                    stock,
                    weight_grams,
                    image_path,
                    active,
                    value_ids: links.iter().filter(|l| l.0 == id).map(|l| l.1).collect(),
                },
            )
            .collect();
        Ok(Variants { options, variants })
    }

    /// True when the product is sold without variants.
    pub fn is_empty(&self) -> bool {
        self.variants.is_empty()
    }

    /// The variant `id`, if it is one of these.
    pub fn get(&self, id: i64) -> Option<&Variant> {
        self.variants.iter().find(|v| v.id == id)
    }

    /// `variant`'s name: its values in their options' order, joined by [`NAME_SEPARATOR`].
    pub fn name(&self, variant: &Variant, chinese: bool) -> String {
        self.options
            .iter()
            .filter_map(|o| {
                o.values
                    .iter()
                    .find(|v| variant.value_ids.contains(&v.id))
                    .map(|v| v.label(chinese))
            })
            .collect::<Vec<_>>()
            .join(NAME_SEPARATOR)
    }

    /// The variant that is exactly the values `chosen` (one per option, in any order), if
    /// the product has one.
    pub fn matching(&self, chosen: &[i64]) -> Option<&Variant> {
        let mut wanted = chosen.to_vec();
        wanted.sort_unstable();
        wanted.dedup();
        self.variants.iter().find(|v| {
            let mut has = v.value_ids.clone();
            has.sort_unstable();
            has == wanted
        })
    }

    /// The variant a product page shows before the shopper chooses: the first on sale, else
    /// the first offered, else the first.
    pub fn default_variant(&self) -> Option<&Variant> {
        self.variants
            .iter()
            .find(|v| v.on_sale())
            .or_else(|| self.variants.iter().find(|v| v.active))
            .or_else(|| self.variants.first())
    }

    /// The lowest and highest prices of the variants offered, `None` when none is.
    pub fn price_range(&self) -> Option<(i64, i64)> {
        let prices = self
            .variants
            .iter()
            .filter(|v| v.active)
            .map(|v| v.price_minor);
        let low = prices.clone().min()?;
        Some((low, prices.max().unwrap_or(low)))
    }
}

/// What a listing card says of a product with variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnSale {
    /// The lowest price of its variants offered.
    pub low_minor: i64,
    /// The highest.
    pub high_minor: i64,
    /// Whether any variant offered has stock.
    pub in_stock: bool,
}

/// For those of `product_ids` that have variants offered: their price range and stock state,
/// in one query.
pub fn on_sale(
    conn: &mut DbConnection,
    product_ids: &[i64],
) -> Result<HashMap<i64, OnSale>, DbError> {
    use diesel::dsl::{max, min};
    /// A product, its lowest and highest price and its largest stock.
    type Row = (i64, Option<i64>, Option<i64>, Option<i64>);
    let rows: Vec<Row> = product_variants::table
        .filter(product_variants::product_id.eq_any(product_ids))
        .filter(product_variants::active.eq(true))
        .group_by(product_variants::product_id)
        .select((
            product_variants::product_id,
            min(product_variants::price_minor),
            max(product_variants::price_minor),
            max(product_variants::stock),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, low, high, stock)| {
            let low = low?;
            Some((
                id,
                OnSale {
                    low_minor: low,
                    high_minor: high.unwrap_or(low),
                    in_stock: stock.unwrap_or(0) > 0,
                },
            ))
        })
        .collect())
}

/// The query of [`names`]: each variant's option values, in its options' order.
macro_rules! names_query {
    ($ids:expr) => {
        product_variant_values::table
            .inner_join(product_option_values::table.inner_join(product_options::table))
            .filter(product_variant_values::variant_id.eq_any($ids))
            .order((
                product_variant_values::variant_id,
                product_options::position,
                product_options::id,
            ))
            .select((
                product_variant_values::variant_id,
                product_option_values::value_en,
                product_option_values::value_zh,
            ))
    };
}

/// The English and Chinese names of variants `ids`, by id (for the cart's lines, and pages
/// that list variants of several products, such as the dashboard's low stock).
pub fn names(
    conn: &mut DbConnection,
    ids: &[i64],
) -> Result<HashMap<i64, (String, String)>, DbError> {
    let rows = crate::on_backend!(conn, |c| names_query!(ids).load(c))?;
    Ok(joined(rows))
}

/// [`names`] on PostgreSQL's own connection (the cart's batched writes).
pub fn names_pg(
    pg: &mut diesel::PgConnection,
    ids: &[i64],
) -> QueryResult<HashMap<i64, (String, String)>> {
    Ok(joined(names_query!(ids).load(pg)?))
}

fn joined(rows: Vec<(i64, String, String)>) -> HashMap<i64, (String, String)> {
    let mut by_id: HashMap<i64, (Vec<String>, Vec<String>)> = HashMap::new();
    for (id, en, zh) in rows {
        let entry = by_id.entry(id).or_default();
        entry.0.push(en);
        entry.1.push(zh);
    }
    by_id
        .into_iter()
        .map(|(id, (en, zh))| (id, (en.join(NAME_SEPARATOR), zh.join(NAME_SEPARATOR))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(id: i64, en: &str) -> OptionValue {
        OptionValue {
            id,
            value_en: en.to_owned(),
            value_zh: format!("{en}-zh"),
        }
    }

    fn variant(id: i64, price: i64, stock: i64, active: bool, values: &[i64]) -> Variant {
        Variant {
            id,
            sku: format!("SKU-{id}"),
            price_minor: price,
            stock,
            weight_grams: None,
            image_path: None,
            active,
            value_ids: values.to_vec(),
        }
    }

    fn coffee() -> Variants {
        Variants {
            options: vec![
                ProductOption {
                    id: 1,
                    name_en: "Grind".into(),
                    name_zh: "研磨".into(),
                    values: vec![value(10, "Whole bean"), value(11, "Espresso")],
                },
                ProductOption {
                    id: 2,
                    name_en: "Bag size".into(),
                    name_zh: "规格".into(),
                    values: vec![value(20, "250 g"), value(21, "1 kg")],
                },
            ],
            variants: vec![
                variant(100, 1600, 0, true, &[20, 10]),
                variant(101, 5200, 4, true, &[21, 11]),
                variant(102, 1700, 9, false, &[20, 11]),
            ],
        }
    }

    #[test]
    fn a_variant_is_named_by_its_values_in_option_order() {
        let v = coffee();
        let espresso_kg = v.get(101).expect("variant");
        assert_eq!(v.name(espresso_kg, false), "Espresso / 1 kg");
        assert_eq!(v.name(espresso_kg, true), "Espresso-zh / 1 kg-zh");
    }

    #[test]
    fn the_chosen_values_find_their_variant_in_any_order() {
        let v = coffee();
        assert_eq!(v.matching(&[11, 21]).map(|x| x.id), Some(101));
        assert_eq!(v.matching(&[21, 11, 21]).map(|x| x.id), Some(101));
        assert_eq!(v.matching(&[10, 21]), None, "a combination not offered");
        assert_eq!(v.matching(&[11]), None, "one option left unchosen");
    }

    #[test]
    fn the_page_first_shows_a_variant_on_sale_and_offered_prices_range() {
        let v = coffee();
        assert_eq!(v.default_variant().map(|x| x.id), Some(101));
        assert_eq!(
            v.price_range(),
            Some((1600, 5200)),
            "the inactive one left out"
        );
        assert_eq!(Variants::default().price_range(), None);
        assert!(Variants::default().default_variant().is_none());
    }
}
