//! `GET /products/{slug}`: one product, served from a short-lived cache (`catalogue::cache`).

use std::{sync::Arc, time::Instant};

use actix_web::{HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;
use diesel::prelude::*;

use crate::{
    cart::MAX_PER_LINE,
    catalogue::cache::{self, PageCache},
    db::{
        DbError,
        schema::{categories, products},
    },
    i18n::Lang,
    money::format_price,
    web::{AppError, AppState, Layout, Page},
};

/// What a product page shows in one language, ready to render.
pub struct ProductView {
    id: i64,
    name: String,
    description: String,
    category_name: String,
    category_slug: String,
    price: String,
    image_path: String,
    stock: i64,
    max_quantity: i64,
}

/// Product pages by slug and language tag (only products that exist are kept).
pub type ProductCache = PageCache<(String, &'static str), ProductView>;

/// A product cache as the shop runs it: [`cache::TTL`], 1,024 pages at most.
pub fn product_cache() -> ProductCache {
    PageCache::new(cache::TTL, 1024)
}

/// The product page.
#[derive(Template)]
#[template(path = "product/show.html")]
pub struct ProductPage {
    layout: Layout,
    product: Arc<ProductView>,
}

#[derive(Queryable)]
struct Row {
    id: i64,
    name_en: String,
    name_zh: String,
    description_en: String,
    description_zh: String,
    price_minor: i64,
    currency: String,
    stock: i64,
    image_path: String,
    category_slug: String,
    category_en: String,
    category_zh: String,
}

/// Shows a product, or 404.
pub async fn show(
    layout: Layout,
    state: web::Data<AppState>,
    products_cache: web::Data<ProductCache>,
    slug: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let key = (slug.into_inner(), layout.language.tag());
    if let Some(product) = products_cache.get(&key) {
        return Ok(Page::new(ProductPage { layout, product }).into());
    }
    let (loaded_at, generation) = (Instant::now(), cache::generation());
    let slug = key.0.clone();
    let row: Option<Row> = state
        .db
        .read(move |conn| {
            let query = products::table
                .inner_join(categories::table)
                .filter(products::slug.eq(&slug))
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
            crate::on_backend!(conn, |c| query.load::<Row>(c))
                .map(|rows| rows.into_iter().next())
                .map_err(DbError::from)
        })
        .await?;
    let Some(row) = row else {
        return Err(AppError::NotFound);
    };
    let zh = layout.language == Lang::ZhCn;
    let pick = |en: String, zh_text: String| if zh { zh_text } else { en };
    let currency = Currency::parse(&row.currency).unwrap_or(state.settings.currency);
    let product = Arc::new(ProductView {
        id: row.id,
        name: pick(row.name_en, row.name_zh),
        description: pick(row.description_en, row.description_zh),
        category_name: pick(row.category_en, row.category_zh),
        category_slug: row.category_slug,
        price: format_price(row.price_minor, currency),
        image_path: row.image_path,
        stock: row.stock,
        max_quantity: row.stock.clamp(0, MAX_PER_LINE),
    });
    products_cache.insert(key, loaded_at, generation, product.clone());
    let page = ProductPage { layout, product };
    Ok(Page::new(page).into())
}
