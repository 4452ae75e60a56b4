//! `GET /products/{slug}`: one product.

use actix_web::{HttpResponse, Result, error::ErrorInternalServerError, http::StatusCode, web};
use asiabill::Currency;
use askama::Template;
use diesel::prelude::*;

use crate::{
    cart::MAX_PER_LINE,
    db::{
        DbError,
        schema::{categories, products},
    },
    i18n::Lang,
    money::format_price,
    web::{AppState, Layout, render},
};

/// The product page.
#[derive(Template)]
#[template(path = "product/show.html")]
pub struct ProductPage {
    layout: Layout,
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
    slug: web::Path<String>,
) -> Result<HttpResponse> {
    let slug = slug.into_inner();
    let row: Option<Row> = state
        .db
        .run(move |conn| {
            products::table
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
                ))
                .first(conn)
                .optional()
                .map_err(DbError::from)
        })
        .await
        .map_err(ErrorInternalServerError)?;
    let Some(row) = row else {
        return Ok(HttpResponse::NotFound().finish());
    };
    let zh = layout.language == Lang::ZhCn;
    let pick = |en: String, zh_text: String| if zh { zh_text } else { en };
    let currency = Currency::parse(&row.currency).unwrap_or(state.settings.currency);
    let page = ProductPage {
        id: row.id,
        name: pick(row.name_en, row.name_zh),
        description: pick(row.description_en, row.description_zh),
        category_name: pick(row.category_en, row.category_zh),
        category_slug: row.category_slug,
        price: format_price(row.price_minor, currency),
        image_path: row.image_path,
        stock: row.stock,
        max_quantity: row.stock.clamp(0, MAX_PER_LINE),
        layout,
    };
    Ok(render::html(&page, StatusCode::OK))
}
