//! `GET /`: the catalogue listing, the busiest page of the shop, its product cards served from
//! a short-lived cache (`catalogue::cache`).

use std::{sync::Arc, time::Instant};

use actix_web::{Result, web};
use asiabill::Currency;
use askama::Template;
use serde::Deserialize;

use crate::{
    catalogue::{
        cache::{self, PageCache},
        listing::{self, Listing, ListingQuery, PER_PAGE},
    },
    i18n::Lang,
    money::format_price,
    web::{AppError, AppState, Layout, Page},
};

/// Query string of the listing.
#[derive(Debug, Deserialize)]
pub struct Params {
    category: Option<String>,
    q: Option<String>,
    page: Option<i64>,
}

/// A category pill.
pub struct CategoryView {
    /// Slug for the link.
    pub slug: String,
    /// Name in the page's language.
    pub name: String,
    /// True when it is the one being shown.
    pub active: bool,
}

/// A product card.
pub struct ProductCard {
    /// Product id.
    pub id: i64,
    /// Slug for the link.
    pub slug: String,
    /// Name in the page's language.
    pub name: String,
    /// Formatted price.
    pub price: String,
    /// Image URL.
    pub image_path: String,
    /// False when sold out.
    pub in_stock: bool,
}

/// The product cards of a listing page, rendered once for every shopper who sees them until
/// the cache entry holding them goes (escaping a dozen cards was the largest part of the page).
#[derive(Template)]
#[template(path = "catalogue/grid.html")]
struct Grid<'a> {
    products: &'a [ProductCard],
    in_stock: &'static str,
    sold_out: &'static str,
}

/// What a listing page shows in one language, ready to render.
pub struct Cards {
    /// The category pills.
    pub categories: Vec<CategoryView>,
    /// The product cards of this page as HTML, escaped when it was rendered.
    pub grid_html: String,
    /// True when this page has no product.
    pub empty: bool,
    /// Products matching, over all pages.
    pub total: i64,
}

impl Cards {
    fn new(
        found: Listing,
        query: &ListingQuery,
        lang: Lang,
        currency: Currency,
    ) -> Result<Cards, askama::Error> {
        let zh = lang == Lang::ZhCn;
        let pick = |en: String, zh_text: String| if zh { zh_text } else { en };
        let variants = &found.variants;
        let products: Vec<ProductCard> = found
            .products
            .into_iter()
            .map(|p| {
                // A product keeps the currency it was priced in, even if SHOP_CURRENCY
                // changed since.
                let price =
                    |minor| format_price(minor, Currency::parse(&p.currency).unwrap_or(currency));
                // A product sold with variants is priced and stocked by them.
                let (price, in_stock) = match variants.get(&p.id) {
                    Some(v) if v.low_minor != v.high_minor => (
                        lang.tr("product.from")
                            .replace("{price}", &price(v.low_minor)),
                        v.in_stock,
                    ),
                    Some(v) => (price(v.low_minor), v.in_stock),
                    None => (price(p.price_minor), p.stock > 0),
                };
                ProductCard {
                    id: p.id,
                    price,
                    name: pick(p.name_en, p.name_zh),
                    slug: p.slug,
                    image_path: p.image_path,
                    in_stock,
                }
            })
            .collect();
        let grid_html = Grid {
            products: &products,
            in_stock: lang.tr("product.in_stock"),
            sold_out: lang.tr("product.sold_out"),
        }
        .render()?;
        Ok(Cards {
            categories: found
                .categories
                .into_iter()
                .map(|c| CategoryView {
                    active: query.category.as_deref() == Some(c.slug.as_str()),
                    slug: c.slug,
                    name: pick(c.name_en, c.name_zh),
                })
                .collect(),
            grid_html,
            empty: products.is_empty(),
            total: found.total,
        })
    }
}

/// Listing pages without a search, by category, page and language tag. Searches are not
/// kept: their text is unbounded and rarely repeats.
pub type ListingCache = PageCache<(Option<String>, i64, &'static str), Cards>;

/// A listing cache as the shop runs it: [`cache::TTL`], 256 pages at most.
pub fn listing_cache() -> ListingCache {
    PageCache::new(cache::TTL, 256)
}

/// The cards for `query` in `lang`: a fresh cached copy, else loaded (and kept when the
/// listing has no search).
async fn cards(
    listings: &ListingCache,
    state: &AppState,
    query: &ListingQuery,
    lang: Lang,
) -> Result<Arc<Cards>, AppError> {
    let keep = query.search.as_deref().is_none_or(|s| s.trim().is_empty());
    let key = (query.category.clone(), query.page, lang.tag());
    if keep && let Some(cards) = listings.get(&key) {
        return Ok(cards);
    }
    let (loaded_at, generation) = (Instant::now(), cache::generation());
    let q = query.clone();
    let found = state.db.read(move |conn| listing::load(conn, &q)).await?;
    let cards = Cards::new(found, query, lang, state.settings.currency)?;
    let cards = Arc::new(cards);
    if keep {
        listings.insert(key, loaded_at, generation, cards.clone());
    }
    Ok(cards)
}

/// The catalogue page.
#[derive(Template)]
#[template(path = "catalogue/index.html")]
pub struct CataloguePage {
    layout: Layout,
    cards: Arc<Cards>,
    query: String,
    page: i64,
    total_pages: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    /// A page number past the last page: what to say and where the last page is.
    past_end: Option<PastEnd>,
}

/// What a page past the end of the list says instead of "no products".
pub struct PastEnd {
    /// How many pages there are, in a sentence.
    pub note: String,
    /// The last page.
    pub href: String,
}

/// Lists products, optionally of one category or matching a search.
pub async fn index(
    layout: Layout,
    state: web::Data<AppState>,
    listings: web::Data<ListingCache>,
    params: web::Query<Params>,
) -> Result<Page<CataloguePage>, AppError> {
    let params = params.into_inner();
    let query = ListingQuery {
        category: params.category.filter(|c| !c.is_empty()),
        search: params.q.clone(),
        page: params.page.unwrap_or(1).max(1),
    };
    let cards = cards(&listings, &state, &query, layout.language).await?;

    let total_pages = ((cards.total + PER_PAGE - 1) / PER_PAGE).max(1);
    let href = |page: i64| {
        let mut parts = Vec::new();
        if let Some(c) = &query.category {
            parts.push(format!("category={}", urlencode(c)));
        }
        if let Some(s) = query.search.as_deref().filter(|s| !s.is_empty()) {
            parts.push(format!("q={}", urlencode(s)));
        }
        parts.push(format!("page={page}"));
        format!("/?{}", parts.join("&"))
    };
    let page = query.page.min(total_pages);
    // An old link or a hand-typed `?page=` past the end still has products to show: say so and
    // point at them, rather than claim the category is empty.
    let past_end = (cards.empty && cards.total > 0).then(|| PastEnd {
        note: if total_pages == 1 {
            layout.tr("catalogue.past_end_one").to_owned()
        } else {
            layout
                .tr("catalogue.past_end")
                .replace("{pages}", &total_pages.to_string())
        },
        href: href(total_pages),
    });
    Ok(Page::new(CataloguePage {
        past_end,
        cards,
        query: query.search.clone().unwrap_or_default(),
        page,
        total_pages,
        prev_href: (page > 1).then(|| href(page - 1)),
        next_href: (page < total_pages).then(|| href(page + 1)),
        layout,
    }))
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
