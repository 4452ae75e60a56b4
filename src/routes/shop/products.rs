//! `GET /products/{slug}`: one product, served from a short-lived cache (`catalogue::cache`).
//! A product sold with variants shows a picker (one select per option, posted with the cart
//! form, so it works without JavaScript), every variant offered with its price and stock, and
//! the variant chosen (`?variant=ID`, else the first on sale) with its price, stock and image.

use std::{sync::Arc, time::Instant};

use crate::{
    cart::MAX_PER_LINE,
    catalogue::{
        cache::{self, PageCache},
        listing,
        offer::Variants,
    },
    i18n::Lang,
    money::format_price,
    web::{AppError, AppState, Layout, Page},
};
use actix_web::{HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

/// What a product page shows in one language, ready to render.
pub struct ProductView {
    id: i64,
    slug: String,
    name: String,
    description: String,
    category_name: String,
    category_slug: String,
    price: String,
    image_path: String,
    stock: i64,
    /// "From $16.00" when its variants differ in price.
    from_price: Option<String>,
    /// Its options, for the picker.
    options: Vec<OptionView>,
    /// Its variants on offer, in order.
    variants: Vec<VariantView>,
    /// Its gallery after the main image: path and alternative text.
    gallery: Vec<(String, String)>,
}

/// An option of the picker.
struct OptionView {
    id: i64,
    name: String,
    /// Value id and label, in order.
    values: Vec<(i64, String)>,
}

/// A variant on offer, as the page shows it.
pub struct VariantView {
    id: i64,
    name: String,
    sku: String,
    price: String,
    stock: i64,
    image_path: String,
    value_ids: Vec<i64>,
}

/// Product pages by slug and language tag (only products that exist are kept).
pub type ProductCache = PageCache<(String, &'static str), ProductView>;

/// A product cache as the shop runs it: [`cache::TTL`], 1,024 pages at most.
pub fn product_cache() -> ProductCache {
    PageCache::new(cache::TTL, 1024)
}

/// Query string of a product page.
#[derive(Debug, Deserialize)]
pub struct Params {
    /// The variant to show; anything else than one of the product's on offer shows the first
    /// on sale.
    variant: Option<String>,
}

/// One value of a picker's select.
struct Choice {
    id: i64,
    label: String,
    selected: bool,
}

/// A select of the picker: an option and its values, the shown variant's selected.
struct Picker {
    id: i64,
    name: String,
    choices: Vec<Choice>,
}

/// What the page shows as chosen: the product itself, or one of its variants.
struct Shown {
    /// The variant shown, when the product has them.
    variant: Option<usize>,
    price: String,
    stock: i64,
    image_path: String,
    max_quantity: i64,
}

/// The product page.
#[derive(Template)]
#[template(path = "product/show.html")]
pub struct ProductPage {
    layout: Layout,
    product: Arc<ProductView>,
    shown: Shown,
    pickers: Vec<Picker>,
}

impl ProductPage {
    fn new(layout: Layout, product: Arc<ProductView>, asked: Option<i64>) -> Self {
        let p = &product;
        let index = asked
            .and_then(|id| p.variants.iter().position(|v| v.id == id))
            .or_else(|| p.variants.iter().position(|v| v.stock > 0))
            .or(if p.variants.is_empty() { None } else { Some(0) });
        let shown = match index.and_then(|i| p.variants.get(i)) {
            Some(v) => Shown {
                variant: index,
                price: v.price.clone(),
                stock: v.stock,
                image_path: v.image_path.clone(),
                // The picker may post any variant offered, so the field allows what the one
                // with most stock has (the server refuses more than the chosen one has, and
                // says so); at least 1, so that the form stays for choosing another variant
                // when this one is sold out.
                max_quantity: p
                    .variants
                    .iter()
                    .map(|v| v.stock)
                    .max()
                    .unwrap_or(v.stock)
                    .clamp(1, MAX_PER_LINE),
            },
            None => Shown {
                variant: None,
                price: p.price.clone(),
                stock: p.stock,
                image_path: p.image_path.clone(),
                max_quantity: p.stock.clamp(0, MAX_PER_LINE),
            },
        };
        let chosen: &[i64] = index
            .and_then(|i| p.variants.get(i))
            .map_or(&[], |v| &v.value_ids);
        let pickers = p
            .options
            .iter()
            .map(|o| Picker {
                id: o.id,
                name: o.name.clone(),
                choices: o
                    .values
                    .iter()
                    .map(|(id, label)| Choice {
                        id: *id,
                        label: label.clone(),
                        selected: chosen.contains(id),
                    })
                    .collect(),
            })
            .collect();
        ProductPage {
            layout,
            product,
            shown,
            pickers,
        }
    }

    /// The variant shown, if any.
    fn variant(&self) -> Option<&VariantView> {
        self.shown
            .variant
            .and_then(|i| self.product.variants.get(i))
    }

    /// Whether the variant `id` is the one shown.
    fn is_shown(&self, id: &i64) -> bool {
        self.variant().is_some_and(|v| v.id == *id)
    }

    /// Whether the add-to-cart form is shown: something is in stock to choose.
    fn can_add(&self) -> bool {
        self.shown.stock > 0 || self.product.variants.iter().any(|v| v.stock > 0)
    }
}

/// Shows a product, or 404.
pub async fn show(
    layout: Layout,
    state: web::Data<AppState>,
    products_cache: web::Data<ProductCache>,
    slug: web::Path<String>,
    params: web::Query<Params>,
) -> Result<HttpResponse, AppError> {
    let asked = params.variant.as_deref().and_then(|v| v.parse().ok());
    let key = (slug.into_inner(), layout.language.tag());
    if let Some(product) = products_cache.get(&key) {
        return Ok(Page::new(ProductPage::new(layout, product, asked)).into());
    }
    let (loaded_at, generation) = (Instant::now(), cache::generation());
    let slug = key.0.clone();
    let loaded = state
        .db
        .read(move |conn| {
            let Some(row) = listing::product(conn, &slug)? else {
                return Ok(None);
            };
            let variants = Variants::load(conn, row.id)?;
            let gallery = crate::catalogue::gallery::list(conn, row.id)?;
            Ok::<_, crate::db::DbError>(Some((row, variants, gallery)))
        })
        .await?;
    let Some((row, variants, gallery)) = loaded else {
        return Err(AppError::NotFound);
    };
    let zh = layout.language == Lang::ZhCn;
    let pick = |en: String, zh_text: String| if zh { zh_text } else { en };
    let currency = Currency::parse(&row.currency).unwrap_or(state.settings.currency);
    let from_price = variants
        .price_range()
        .filter(|(low, high)| low != high)
        .map(|(low, _)| {
            layout
                .tr("product.from")
                .replace("{price}", &format_price(low, currency))
        });
    let product = Arc::new(ProductView {
        id: row.id,
        slug: key.0.clone(),
        options: variants
            .options
            .iter()
            .map(|o| OptionView {
                id: o.id,
                name: o.name(zh).to_owned(),
                values: o
                    .values
                    .iter()
                    .map(|v| (v.id, v.label(zh).to_owned()))
                    .collect(),
            })
            .collect(),
        variants: variants
            .variants
            .iter()
            .filter(|v| v.active)
            .map(|v| VariantView {
                id: v.id,
                name: variants.name(v, zh),
                sku: v.sku.clone(),
                price: format_price(v.price_minor, currency),
                stock: v.stock,
                image_path: v
                    .image_path
                    .clone()
                    .unwrap_or_else(|| row.image_path.clone()),
                value_ids: v.value_ids.clone(),
            })
            .collect(),
        gallery: gallery
            .into_iter()
            .map(|g| {
                let alt = pick(g.alt_en, g.alt_zh);
                (g.path, alt)
            })
            .collect(),
        from_price,
        name: pick(row.name_en, row.name_zh),
        description: pick(row.description_en, row.description_zh),
        category_name: pick(row.category_en, row.category_zh),
        category_slug: row.category_slug,
        price: format_price(row.price_minor, currency),
        image_path: row.image_path,
        stock: row.stock,
    });
    products_cache.insert(key, loaded_at, generation, product.clone());
    Ok(Page::new(ProductPage::new(layout, product, asked)).into())
}
