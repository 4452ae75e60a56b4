//! The catalogue listing: categories, search by name, pages.

use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError,
    schema::{categories, products},
};

/// Products per listing page.
pub const PER_PAGE: i64 = 12;

diesel::define_sql_function! {
    /// SQL `lower()`, so that name search ignores case on PostgreSQL as it does on SQLite.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

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

/// What the shopper asked for.
#[derive(Debug, Clone, Default)]
pub struct ListingQuery {
    /// A category slug.
    pub category: Option<String>,
    /// Text to find in product names (either language).
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
pub fn load(conn: &mut DbConnection, query: &ListingQuery) -> Result<Listing, DbError> {
    let categories = categories::table
        .order((categories::position.asc(), categories::id.asc()))
        .select(Category::as_select())
        .load(conn)?;
    let category_id = query
        .category
        .as_deref()
        .and_then(|slug| categories.iter().find(|c| c.slug == slug).map(|c| c.id));

    let filtered = || {
        let mut q = products::table
            .filter(products::active.eq(true))
            .into_boxed();
        if let Some(id) = category_id {
            q = q.filter(products::category_id.eq(id));
        }
        if let Some(text) = query
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let pattern = like_pattern(text);
            q = q.filter(
                lower(products::name_en)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(lower(products::name_zh).like(pattern).escape('\\')),
            );
        }
        q
    };

    let total: i64 = filtered().count().get_result(conn)?;
    let page = query.page.max(1);
    let products = filtered()
        .order((products::category_id.asc(), products::id.asc()))
        .limit(PER_PAGE)
        .offset((page - 1).saturating_mul(PER_PAGE))
        .select(ProductSummary::as_select())
        .load(conn)?;
    Ok(Listing {
        categories,
        products,
        total,
    })
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_in_search_text_match_literally() {
        assert_eq!(like_pattern("Tea"), "%tea%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
