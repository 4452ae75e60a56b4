//! The catalogue listing: categories, search over names, categories and descriptions, pages.

use std::collections::HashMap;

use diesel::prelude::*;

use super::offer::{self, OnSale};
use crate::db::{
    DbConnection, DbError,
    schema::{categories, products},
};

/// Products per listing page.
pub const PER_PAGE: i64 = 12;

diesel::define_sql_function! {
    /// SQL `lower()`, so that search ignores case on PostgreSQL as it does on SQLite.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Search words beyond this many are ignored: each adds a condition to the query.
const MAX_SEARCH_WORDS: usize = 8;

/// A category as the listing shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = categories)]
#[expect(missing_docs, reason = "fields mirror the categories columns")]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
}

/// A product as a listing card shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
#[expect(missing_docs, reason = "fields mirror the products columns")]
pub struct ProductSummary {
    pub id: i64,
    pub slug: String,
    pub name_en: String,
    pub name_zh: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: i64,
    pub image_path: String,
}

/// What a search compares the words with.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = products)]
struct SearchText {
    id: i64,
    category_id: i64,
    name_en: String,
    name_zh: String,
    description_en: String,
    description_zh: String,
}

/// What the shopper asked for.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// A category slug.
    pub category: Option<String>,
    /// Words to find in product names, category names and descriptions (either language).
    pub search: Option<String>,
    /// 1-based page number.
    pub page: i64,
}

/// One page of the catalogue.
#[derive(Debug)]
pub struct Listing {
    /// All categories, in display order.
    pub categories: Vec<Category>,
    /// The products of this page.
    pub products: Vec<ProductSummary>,
    /// Products matching the query, over all pages.
    pub total: i64,
    /// For the products of this page sold with variants: their prices and stock state, which
    /// stand for the product's own.
    pub variants: HashMap<i64, OnSale>,
}

/// Escapes `%`, `_` and `\` so that search text matches literally inside a `LIKE` pattern.
fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for ch in text.to_lowercase().chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    pattern
}

/// Loads one page of active products for `query`.
///
/// A search keeps the products where every word of it appears (ignoring case) in the name, the
/// category's name or the description, in either language, and ranks them by where the words
/// were found: a product named for what the shopper typed comes before one that is merely in
/// that category, which comes before one that only mentions it.
pub fn load(conn: &mut DbConnection, query: &ListingQuery) -> Result<Listing, DbError> {
    let categories = categories::table
        .order((categories::position.asc(), categories::id.asc()))
        .select(Category::as_select())
        .load(conn)?;
    let category_id = query
        .category
        .as_deref()
        .and_then(|slug| categories.iter().find(|c| c.slug == slug).map(|c| c.id));
    let words = search_words(query.search.as_deref().unwrap_or_default());
    let page = query.page.max(1);
    let offset = (page - 1).saturating_mul(PER_PAGE);

    let filtered = || {
        let mut q = products::table
            .filter(products::active.eq(true))
            .into_boxed();
        if let Some(id) = category_id {
            q = q.filter(products::category_id.eq(id));
        }
        for word in &words {
            let pattern = like_pattern(word);
            // Category names are few and already loaded: matched here, with Unicode-aware
            // lower-casing, rather than by a join.
            let in_categories: Vec<i64> = categories
                .iter()
                .filter(|c| category_matches(c, word))
                .map(|c| c.id)
                .collect();
            q = q.filter(
                lower(products::name_en)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(products::name_zh).like(pattern.clone()).escape('\\'))
                    .or(lower(products::description_en)
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(lower(products::description_zh).like(pattern).escape('\\'))
                    .or(products::category_id.eq_any(in_categories)),
            );
        }
        q
    };

    if words.is_empty() {
        let total: i64 = filtered().count().get_result(conn)?;
        let products = filtered()
            .order((products::category_id.asc(), products::id.asc()))
            .limit(PER_PAGE)
            .offset(offset)
            .select(ProductSummary::as_select())
            .load(conn)?;
        let variants = on_sale(conn, &products)?;
        return Ok(Listing {
            categories,
            products,
            total,
            variants,
        });
    }

    // Ranked in Rust: the matches of one search are a part of the catalogue, and ranking by
    // where each word was found stays the same on both backends without full-text search.
    let mut found: Vec<SearchText> = filtered().select(SearchText::as_select()).load(conn)?;
    found.sort_by_cached_key(|p| {
        let category = categories.iter().find(|c| c.id == p.category_id);
        (
            std::cmp::Reverse(rank(p, category, &words)),
            p.category_id,
            p.id,
        )
    });
    let total = i64::try_from(found.len()).unwrap_or(i64::MAX);
    let ids: Vec<i64> = found
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(PER_PAGE).unwrap_or(usize::MAX))
        .map(|p| p.id)
        .collect();
    let mut products = products::table
        .filter(products::id.eq_any(&ids))
        .select(ProductSummary::as_select())
        .load(conn)?;
    products.sort_by_key(|p| ids.iter().position(|id| *id == p.id));
    let variants = on_sale(conn, &products)?;
    Ok(Listing {
        categories,
        products,
        total,
        variants,
    })
}

/// [`offer::on_sale`] for the products of a page.
fn on_sale(
    conn: &mut DbConnection,
    products: &[ProductSummary],
) -> Result<HashMap<i64, OnSale>, DbError> {
    let ids: Vec<i64> = products.iter().map(|p| p.id).collect();
    offer::on_sale(conn, &ids)
}

/// The words of a search, lower-cased, each once; at most [`MAX_SEARCH_WORDS`].
fn search_words(text: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for word in text.split_whitespace().map(str::to_lowercase) {
        if !words.contains(&word) && words.len() < MAX_SEARCH_WORDS {
            words.push(word);
        }
    }
    words
}

fn category_matches(category: &Category, word: &str) -> bool {
    category.name_en.to_lowercase().contains(word) || category.name_zh.to_lowercase().contains(word)
}

/// How well a product matches: the number of words found in its name, then in its category's
/// name, then in its description; compared in that order.
fn rank(
    product: &SearchText,
    category: Option<&Category>,
    words: &[String],
) -> (usize, usize, usize) {
    let count = |texts: &[&str]| {
        let texts: Vec<String> = texts.iter().map(|t| t.to_lowercase()).collect();
        words
            .iter()
            .filter(|w| texts.iter().any(|t| t.contains(w.as_str())))
            .count()
    };
    (
        count(&[&product.name_en, &product.name_zh]),
        category.map_or(0, |c| {
            words.iter().filter(|w| category_matches(c, w)).count()
        }),
        count(&[&product.description_en, &product.description_zh]),
    )
}

/// One product as its page shows it, with its category.
#[derive(Queryable)]
pub struct ProductDetail {
    /// Its id.
    pub id: i64,
    /// Name in English.
    pub name_en: String,
    /// Name in Chinese.
    pub name_zh: String,
    /// Description in English.
    pub description_en: String,
    /// Description in Chinese.
    pub description_zh: String,
    /// Price in minor units of `currency`.
    pub price_minor: i64,
    /// The currency it is priced in.
    pub currency: String,
    /// Units on sale.
    pub stock: i64,
    /// Its image, under `/static`.
    pub image_path: String,
    /// Its category's slug.
    pub category_slug: String,
    /// Its category's name in English.
    pub category_en: String,
    /// Its category's name in Chinese.
    pub category_zh: String,
}

/// The active product whose slug is `slug`, with its category; `None` when there is none.
pub fn product(conn: &mut DbConnection, slug: &str) -> Result<Option<ProductDetail>, DbError> {
    let query = products::table
        .inner_join(categories::table)
        .filter(products::slug.eq(slug))
        .filter(products::active.eq(true))
        .select((
            products::id,
            products::name_en,
            products::name_zh,
            products::description_en,
            products::description_zh,
            products::price_minor,
            products::currency,
            products::stock,
            products::image_path,
            categories::slug,
            categories::name_en,
            categories::name_zh,
        ));
    // The slug is unique, so no `LIMIT`: SQLite re-plans a statement whose `LIMIT` is
    // a bound value every time it runs (diesel's `.first()` binds it).
    crate::on_backend!(conn, |c| query.load::<ProductDetail>(c))
        .map(|rows| rows.into_iter().next())
        .map_err(DbError::from)
}

#[cfg(test)]
mod tests {
    use super::{like_pattern, search_words};

    #[test]
    fn wildcards_in_search_text_match_literally() {
        assert_eq!(like_pattern("Tea"), "%tea%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn a_search_is_its_distinct_lower_cased_words() {
        assert_eq!(search_words("  Oolong   TEA oolong "), ["oolong", "tea"]);
        assert!(search_words(" \t ").is_empty());
        assert_eq!(search_words("a b c d e f g h i j").len(), 8);
    }
}
