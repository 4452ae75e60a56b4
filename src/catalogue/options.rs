//! A product's options ("Grind", "Bag size") and their values ("Whole bean", "Espresso"), as
//! the merchant edits them.
//!
//! Every variant has exactly one value of each option, and the rules here keep it so: an option
//! added to a product that already has variants comes with a first value, which those variants
//! take; an option or a value that variants still use is not deleted (see
//! [`OptionError::InUse`]). The functions run inside the caller's transaction
//! ([`crate::catalogue::editing::change`]).

use diesel::prelude::*;
use serde::Deserialize;

use crate::catalogue::editing::FieldError;
use crate::db::{
    DbConnection, DbError,
    schema::{product_option_values, product_options, product_variant_values, product_variants},
};

/// Most options a product may have. Three keep the shopper's picker short and a variant's
/// name ("Espresso / 1 kg / Tin") readable in the cart, the order and the emails; it is also
/// what the larger hosted shops settled on.
pub const MAX_OPTIONS: usize = 3;
/// Most values an option may have: with [`MAX_OPTIONS`] and
/// [`crate::catalogue::variants::MAX_VARIANTS`] it bounds what one button press creates.
pub const MAX_VALUES: usize = 20;
/// Longest option name or value, in characters.
const MAX_NAME: usize = 60;

/// An option of a product.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_options)]
#[expect(missing_docs, reason = "fields mirror the product_options columns")]
pub struct ProductOption {
    pub id: i64,
    pub product_id: i64,
    pub name_en: String,
    pub name_zh: String,
    pub position: i64,
}

/// A value an option offers.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_option_values)]
#[expect(
    missing_docs,
    reason = "fields mirror the product_option_values columns"
)]
pub struct OptionValue {
    pub id: i64,
    pub option_id: i64,
    pub value_en: String,
    pub value_zh: String,
    pub position: i64,
}

/// An option with its values, both in display order.
pub type OptionWithValues = (ProductOption, Vec<OptionValue>);

/// The option form as typed: its names and, for a new option, its first value.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[expect(missing_docs, reason = "one field per form input")]
pub struct OptionInput {
    pub name_en: String,
    pub name_zh: String,
    pub value_en: String,
    pub value_zh: String,
}

/// The value form as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[expect(missing_docs, reason = "one field per form input")]
pub struct ValueInput {
    pub value_en: String,
    pub value_zh: String,
}

/// A name in both languages, checked: the English one is required and the Chinese one falls
/// back to it, as a product's name does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// In English.
    pub en: String,
    /// In Chinese.
    pub zh: String,
}

/// Checks a pair of typed names; `fields` names the English and Chinese inputs for the errors.
fn names(
    en: &str,
    zh: &str,
    fields: (&'static str, &'static str),
) -> Result<Names, Vec<FieldError>> {
    let (en, zh) = (en.trim(), zh.trim());
    let mut errors = Vec::new();
    if en.is_empty() || en.chars().count() > MAX_NAME {
        errors.push((fields.0, "admin.variants.error_name"));
    }
    if zh.chars().count() > MAX_NAME {
        errors.push((fields.1, "admin.variants.error_name"));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let zh = if zh.is_empty() { en } else { zh };
    Ok(Names {
        en: en.to_owned(),
        zh: zh.to_owned(),
    })
}

impl OptionInput {
    /// The option's names, checked.
    pub fn names(&self) -> Result<Names, Vec<FieldError>> {
        names(&self.name_en, &self.name_zh, ("name_en", "name_zh"))
    }

    /// The names and the first value (`None` when left empty), checked.
    pub fn check(&self) -> Result<(Names, Option<Names>), Vec<FieldError>> {
        let option = self.names();
        let first = if self.value_en.trim().is_empty() && self.value_zh.trim().is_empty() {
            Ok(None)
        } else {
            names(&self.value_en, &self.value_zh, ("value_en", "value_zh")).map(Some)
        };
        match (option, first) {
            (Ok(option), Ok(first)) => Ok((option, first)),
            (option, first) => Err(option
                .err()
                .into_iter()
                .chain(first.err())
                .flatten()
                .collect()),
        }
    }
}

impl ValueInput {
    /// The value's names, checked.
    pub fn check(&self) -> Result<Names, Vec<FieldError>> {
        names(&self.value_en, &self.value_zh, ("value_en", "value_zh"))
    }
}

/// Why an option or a value was not changed.
#[derive(Debug, thiserror::Error)]
pub enum OptionError {
    /// No such option or value on this product.
    #[error("no such option or value")]
    NotFound,
    /// The product has [`MAX_OPTIONS`] options already.
    #[error("too many options")]
    TooManyOptions,
    /// The option has [`MAX_VALUES`] values already.
    #[error("too many values")]
    TooManyValues,
    /// Another option of the product, or another value of the option, has this English name.
    #[error("the name is taken")]
    NameTaken,
    /// The product has variants, and a new option needs a value for them.
    #[error("a first value is needed for the existing variants")]
    FirstValueNeeded,
    /// Variants use it: their SKUs. Deleting it would leave them without a value of an
    /// option, or (an option gone) make two of them the same combination, so the merchant
    /// deletes those variants first, on purpose; deleting them here would also empty the
    /// shoppers' carts of them without a word.
    #[error("used by variants {0:?}")]
    InUse(Vec<String>),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for OptionError {
    fn from(e: diesel::result::Error) -> Self {
        OptionError::Db(e.into())
    }
}

impl OptionError {
    /// The form field and locale key of a refusal the merchant can correct in the form;
    /// `None` for the others: [`OptionError::TooManyOptions`] (the page then has no form to add
    /// one), [`OptionError::InUse`] (which names variants), [`OptionError::NotFound`] and
    /// [`OptionError::Db`].
    pub fn problem(&self, name_field: &'static str) -> Option<FieldError> {
        match self {
            OptionError::TooManyValues => {
                Some((name_field, "admin.variants.error_too_many_values"))
            }
            OptionError::NameTaken => Some((name_field, "admin.variants.error_name_taken")),
            OptionError::FirstValueNeeded => Some(("value_en", "admin.variants.error_first_value")),
            OptionError::TooManyOptions
            | OptionError::NotFound
            | OptionError::InUse(_)
            | OptionError::Db(_) => None,
        }
    }
}

/// The product's options with their values, in display order.
pub fn list(conn: &mut DbConnection, product_id: i64) -> Result<Vec<OptionWithValues>, DbError> {
    let options: Vec<ProductOption> = product_options::table
        .filter(product_options::product_id.eq(product_id))
        .order((product_options::position, product_options::id))
        .select(ProductOption::as_select())
        .load(conn)?;
    let ids: Vec<i64> = options.iter().map(|o| o.id).collect();
    let values: Vec<OptionValue> = product_option_values::table
        .filter(product_option_values::option_id.eq_any(&ids))
        .order((product_option_values::position, product_option_values::id))
        .select(OptionValue::as_select())
        .load(conn)?;
    Ok(options
        .into_iter()
        .map(|o| {
            let mine = values
                .iter()
                .filter(|v| v.option_id == o.id)
                .cloned()
                .collect();
            (o, mine)
        })
        .collect())
}

fn option_of(
    conn: &mut DbConnection,
    product_id: i64,
    option_id: i64,
) -> Result<ProductOption, OptionError> {
    product_options::table
        .find(option_id)
        .filter(product_options::product_id.eq(product_id))
        .select(ProductOption::as_select())
        .first(conn)
        .optional()?
        .ok_or(OptionError::NotFound)
}

fn value_of(
    conn: &mut DbConnection,
    product_id: i64,
    value_id: i64,
) -> Result<OptionValue, OptionError> {
    product_option_values::table
        .inner_join(product_options::table)
        .filter(product_option_values::id.eq(value_id))
        .filter(product_options::product_id.eq(product_id))
        .select(OptionValue::as_select())
        .first(conn)
        .optional()?
        .ok_or(OptionError::NotFound)
}

/// Case-insensitive: "Size" and "size" side by side would puzzle the shopper.
fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

fn option_name_taken(
    conn: &mut DbConnection,
    product_id: i64,
    name: &str,
    except: i64,
) -> Result<bool, DbError> {
    let names: Vec<String> = product_options::table
        .filter(product_options::product_id.eq(product_id))
        .filter(product_options::id.ne(except))
        .select(product_options::name_en)
        .load(conn)?;
    Ok(names.iter().any(|n| same_name(n, name)))
}

fn value_name_taken(
    conn: &mut DbConnection,
    option_id: i64,
    name: &str,
    except: i64,
) -> Result<bool, DbError> {
    let names: Vec<String> = product_option_values::table
        .filter(product_option_values::option_id.eq(option_id))
        .filter(product_option_values::id.ne(except))
        .select(product_option_values::value_en)
        .load(conn)?;
    Ok(names.iter().any(|n| same_name(n, name)))
}

fn variant_ids(conn: &mut DbConnection, product_id: i64) -> Result<Vec<i64>, DbError> {
    Ok(product_variants::table
        .filter(product_variants::product_id.eq(product_id))
        .order((product_variants::position, product_variants::id))
        .select(product_variants::id)
        .load(conn)?)
}

/// Adds an option (with its first value when given) after the product's others; the
/// product's variants, if any, take that first value. Returns the option's id.
pub fn add_option(
    conn: &mut DbConnection,
    product_id: i64,
    names: &Names,
    first: Option<&Names>,
) -> Result<i64, OptionError> {
    let positions: Vec<i64> = product_options::table
        .filter(product_options::product_id.eq(product_id))
        .select(product_options::position)
        .load(conn)?;
    if positions.len() >= MAX_OPTIONS {
        return Err(OptionError::TooManyOptions);
    }
    if option_name_taken(conn, product_id, &names.en, 0)? {
        return Err(OptionError::NameTaken);
    }
    let variants = variant_ids(conn, product_id)?;
    if !variants.is_empty() && first.is_none() {
        return Err(OptionError::FirstValueNeeded);
    }
    let option_id: i64 = diesel::insert_into(product_options::table)
        .values((
            product_options::product_id.eq(product_id),
            product_options::name_en.eq(&names.en),
            product_options::name_zh.eq(&names.zh),
            product_options::position.eq(positions.iter().max().map_or(0, |p| p + 1)),
        ))
        .returning(product_options::id)
        .get_result(conn)?;
    if let Some(first) = first {
        let value_id = insert_value(conn, option_id, first, 0)?;
        for variant_id in variants {
            diesel::insert_into(product_variant_values::table)
                .values((
                    product_variant_values::variant_id.eq(variant_id),
                    product_variant_values::option_value_id.eq(value_id),
                ))
                .execute(conn)?;
        }
    }
    Ok(option_id)
}

fn insert_value(
    conn: &mut DbConnection,
    option_id: i64,
    names: &Names,
    position: i64,
) -> Result<i64, DbError> {
    Ok(diesel::insert_into(product_option_values::table)
        .values((
            product_option_values::option_id.eq(option_id),
            product_option_values::value_en.eq(&names.en),
            product_option_values::value_zh.eq(&names.zh),
            product_option_values::position.eq(position),
        ))
        .returning(product_option_values::id)
        .get_result(conn)?)
}

/// Renames option `option_id` of the product.
pub fn rename_option(
    conn: &mut DbConnection,
    product_id: i64,
    option_id: i64,
    names: &Names,
) -> Result<(), OptionError> {
    option_of(conn, product_id, option_id)?;
    if option_name_taken(conn, product_id, &names.en, option_id)? {
        return Err(OptionError::NameTaken);
    }
    diesel::update(product_options::table.find(option_id))
        .set((
            product_options::name_en.eq(&names.en),
            product_options::name_zh.eq(&names.zh),
        ))
        .execute(conn)?;
    Ok(())
}

/// `ids` in their order with `id` moved one place earlier (`up`) or later; `None` when `id`
/// is not there or is already at that end.
pub fn moved(ids: &[i64], id: i64, up: bool) -> Option<Vec<i64>> {
    let at = ids.iter().position(|i| *i == id)?;
    let other = if up { at.checked_sub(1)? } else { at + 1 };
    if other >= ids.len() {
        return None;
    }
    let mut order = ids.to_vec();
    order.swap(at, other);
    Some(order)
}

/// Moves option `option_id` one place up or down among the product's options; the order of
/// the options is the order of the shopper's picker and of the words in a variant's name.
/// Returns false when it was already at that end.
pub fn move_option(
    conn: &mut DbConnection,
    product_id: i64,
    option_id: i64,
    up: bool,
) -> Result<bool, OptionError> {
    option_of(conn, product_id, option_id)?;
    let ids: Vec<i64> = product_options::table
        .filter(product_options::product_id.eq(product_id))
        .order((product_options::position, product_options::id))
        .select(product_options::id)
        .load(conn)?;
    let Some(order) = moved(&ids, option_id, up) else {
        return Ok(false);
    };
    // Renumbered from 0 rather than two positions swapped: positions of older rows may tie.
    for (position, id) in (0_i64..).zip(order) {
        diesel::update(product_options::table.find(id))
            .set(product_options::position.eq(position))
            .execute(conn)?;
    }
    Ok(true)
}

/// The SKUs of the variants that use any of `value_ids`, in display order.
fn skus_using(conn: &mut DbConnection, value_ids: &[i64]) -> Result<Vec<String>, DbError> {
    let mut skus: Vec<String> = product_variants::table
        .inner_join(product_variant_values::table)
        .filter(product_variant_values::option_value_id.eq_any(value_ids))
        .order((product_variants::position, product_variants::id))
        .select(product_variants::sku)
        .load(conn)?;
    skus.dedup();
    Ok(skus)
}

/// Deletes option `option_id` and its values, unless variants use it. Returns its English
/// name, for the audit log.
pub fn remove_option(
    conn: &mut DbConnection,
    product_id: i64,
    option_id: i64,
) -> Result<String, OptionError> {
    let option = option_of(conn, product_id, option_id)?;
    let values: Vec<i64> = product_option_values::table
        .filter(product_option_values::option_id.eq(option_id))
        .select(product_option_values::id)
        .load(conn)?;
    let users = skus_using(conn, &values)?;
    if !users.is_empty() {
        return Err(OptionError::InUse(users));
    }
    diesel::delete(product_options::table.find(option_id)).execute(conn)?;
    Ok(option.name_en)
}

/// Adds a value at the end of option `option_id`. Returns its id.
pub fn add_value(
    conn: &mut DbConnection,
    product_id: i64,
    option_id: i64,
    names: &Names,
) -> Result<i64, OptionError> {
    option_of(conn, product_id, option_id)?;
    let positions: Vec<i64> = product_option_values::table
        .filter(product_option_values::option_id.eq(option_id))
        .select(product_option_values::position)
        .load(conn)?;
    if positions.len() >= MAX_VALUES {
        return Err(OptionError::TooManyValues);
    }
    if value_name_taken(conn, option_id, &names.en, 0)? {
        return Err(OptionError::NameTaken);
    }
    let position = positions.iter().max().map_or(0, |p| p + 1);
    Ok(insert_value(conn, option_id, names, position)?)
}

/// Renames value `value_id` of one of the product's options.
pub fn rename_value(
    conn: &mut DbConnection,
    product_id: i64,
    value_id: i64,
    names: &Names,
) -> Result<(), OptionError> {
    let value = value_of(conn, product_id, value_id)?;
    if value_name_taken(conn, value.option_id, &names.en, value_id)? {
        return Err(OptionError::NameTaken);
    }
    diesel::update(product_option_values::table.find(value_id))
        .set((
            product_option_values::value_en.eq(&names.en),
            product_option_values::value_zh.eq(&names.zh),
        ))
        .execute(conn)?;
    Ok(())
}

/// Moves value `value_id` one place up or down within its option. Returns false when it was
/// already at that end.
pub fn move_value(
    conn: &mut DbConnection,
    product_id: i64,
    value_id: i64,
    up: bool,
) -> Result<bool, OptionError> {
    let value = value_of(conn, product_id, value_id)?;
    let ids: Vec<i64> = product_option_values::table
        .filter(product_option_values::option_id.eq(value.option_id))
        .order((product_option_values::position, product_option_values::id))
        .select(product_option_values::id)
        .load(conn)?;
    let Some(order) = moved(&ids, value_id, up) else {
        return Ok(false);
    };
    for (position, id) in (0_i64..).zip(order) {
        diesel::update(product_option_values::table.find(id))
            .set(product_option_values::position.eq(position))
            .execute(conn)?;
    }
    Ok(true)
}

/// Deletes value `value_id`, unless variants use it. Returns its English name, for the audit
/// log.
pub fn remove_value(
    conn: &mut DbConnection,
    product_id: i64,
    value_id: i64,
) -> Result<String, OptionError> {
    let value = value_of(conn, product_id, value_id)?;
    let users = skus_using(conn, &[value_id])?;
    if !users.is_empty() {
        return Err(OptionError::InUse(users));
    }
    diesel::delete(product_option_values::table.find(value_id)).execute(conn)?;
    Ok(value.value_en)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_required_in_english_and_fall_back_in_chinese() {
        let input = OptionInput {
            name_en: " Grind ".into(),
            ..OptionInput::default()
        };
        let (names, first) = input.check().expect("valid");
        assert_eq!((names.en.as_str(), names.zh.as_str()), ("Grind", "Grind"));
        assert_eq!(first, None);
        let bad = OptionInput {
            name_en: " ".into(),
            value_zh: "磨".repeat(61),
            ..OptionInput::default()
        };
        let fields: Vec<&str> = bad
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["name_en", "value_en", "value_zh"]);
        let value = ValueInput {
            value_en: "Espresso".into(),
            value_zh: "意式".into(),
        };
        assert_eq!(value.check().expect("valid").zh, "意式");
    }

    #[test]
    fn the_limits_said_are_the_limits_kept() {
        use crate::i18n::Lang;
        for lang in [Lang::En, Lang::ZhCn] {
            let options = lang.tr("admin.variants.error_too_many_options");
            assert!(options.contains(&MAX_OPTIONS.to_string()), "{options}");
            let values = lang.tr("admin.variants.error_too_many_values");
            assert!(values.contains(&MAX_VALUES.to_string()), "{values}");
            let images = lang.tr("admin.gallery.error_full");
            let max = crate::catalogue::gallery::MAX_IMAGES.to_string();
            assert!(images.contains(&max), "{images}");
        }
    }

    #[test]
    fn moving_swaps_with_the_neighbour_and_stops_at_the_ends() {
        assert_eq!(moved(&[4, 5, 6], 5, true), Some(vec![5, 4, 6]));
        assert_eq!(moved(&[4, 5, 6], 5, false), Some(vec![4, 6, 5]));
        assert_eq!(moved(&[4, 5, 6], 4, true), None);
        assert_eq!(moved(&[4, 5, 6], 6, false), None);
        assert_eq!(moved(&[4, 5, 6], 7, false), None);
    }
}
