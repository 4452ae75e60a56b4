//! The demo catalogue: twelve products in three categories (one sold in variants, with a
//! gallery), with a discount code, tax rates and shipping zones, seeded into an empty database.

use asiabill::Currency;
use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError, now,
    schema::{
        categories, discount_codes, product_images, product_option_values, product_options,
        product_variant_values, product_variants, products, tax_rates,
    },
    write_transaction,
};

struct SeedCategory {
    slug: &'static str,
    name_en: &'static str,
    name_zh: &'static str,
}

struct SeedProduct {
    category: &'static str,
    slug: &'static str,
    name_en: &'static str,
    name_zh: &'static str,
    description_en: &'static str,
    description_zh: &'static str,
    /// Price in US cents; other currencies get a rounded equivalent.
    usd_cents: i64,
    stock: i64,
    /// Shipping weight of one unit, packed.
    weight_grams: i64,
}

const CATEGORIES: &[SeedCategory] = &[
    SeedCategory {
        slug: "coffee",
        name_en: "Coffee",
        name_zh: "咖啡",
    },
    SeedCategory {
        slug: "tea",
        name_en: "Tea",
        name_zh: "茶",
    },
    SeedCategory {
        slug: "brewing-gear",
        name_en: "Brewing gear",
        name_zh: "冲煮器具",
    },
];

const PRODUCTS: &[SeedProduct] = &[
    SeedProduct {
        category: "coffee",
        slug: "ethiopia-yirgacheffe",
        name_en: "Ethiopia Yirgacheffe",
        name_zh: "埃塞俄比亚耶加雪菲",
        description_en: "Washed heirloom coffee with jasmine, bergamot and lemon notes. Light roast, 250 g whole beans.",
        description_zh: "水洗原生种咖啡，带有茉莉、佛手柑与柠檬风味。浅度烘焙，250 克咖啡豆。",
        usd_cents: 1850,
        stock: 40,
        weight_grams: 270,
    },
    SeedProduct {
        category: "coffee",
        slug: "colombia-huila",
        name_en: "Colombia Huila",
        name_zh: "哥伦比亚慧兰",
        description_en: "Caramel sweetness and red apple from the slopes of Huila. Medium roast, as whole beans or ground for filter or espresso, in 250 g and 1 kg bags.",
        description_zh: "来自慧兰山坡的焦糖甜感与红苹果风味。中度烘焙，可选咖啡豆或手冲、意式研磨，250 克与 1 公斤装。",
        usd_cents: 1600,
        // Sold in variants (`VARIANTS`), which hold the stock: the product's own is unused.
        stock: 0,
        weight_grams: 270,
    },
    SeedProduct {
        category: "coffee",
        slug: "espresso-blend",
        name_en: "Harbour Espresso Blend",
        name_zh: "港湾意式拼配",
        description_en: "Chocolate and hazelnut, built for milk drinks. Medium-dark roast, 500 g.",
        description_zh: "巧克力与榛果风味，适合制作奶咖。中深烘焙，500 克。",
        usd_cents: 2400,
        stock: 60,
        weight_grams: 520,
    },
    SeedProduct {
        category: "coffee",
        slug: "decaf-swiss-water",
        name_en: "Swiss Water Decaf",
        name_zh: "瑞士水处理低因咖啡",
        description_en: "Chemical-free decaffeinated Brazilian coffee, round and nutty. 250 g.",
        description_zh: "无化学溶剂的巴西低因咖啡，圆润坚果风味。250 克。",
        usd_cents: 1500,
        stock: 3,
        weight_grams: 270,
    },
    SeedProduct {
        category: "tea",
        slug: "sencha-green",
        name_en: "Shizuoka Sencha",
        name_zh: "静冈煎茶",
        description_en: "Steamed Japanese green tea, grassy and sweet. 100 g loose leaf.",
        description_zh: "日本蒸青绿茶，清新甘甜。100 克散茶。",
        usd_cents: 1400,
        stock: 35,
        weight_grams: 120,
    },
    SeedProduct {
        category: "tea",
        slug: "earl-grey",
        name_en: "Earl Grey Supreme",
        name_zh: "特级伯爵红茶",
        description_en: "Ceylon black tea with Calabrian bergamot and cornflower. 100 g.",
        description_zh: "锡兰红茶搭配卡拉布里亚佛手柑与矢车菊。100 克。",
        usd_cents: 1100,
        stock: 50,
        weight_grams: 120,
    },
    SeedProduct {
        category: "tea",
        slug: "jasmine-pearls",
        name_en: "Jasmine Dragon Pearls",
        name_zh: "茉莉龙珠",
        description_en: "Hand-rolled green tea scented seven times with fresh jasmine. 50 g.",
        description_zh: "手工揉捻绿茶，以鲜茉莉七次窨制。50 克。",
        usd_cents: 1950,
        stock: 25,
        weight_grams: 70,
    },
    SeedProduct {
        category: "tea",
        slug: "oolong-tieguanyin",
        name_en: "Anxi Tieguanyin Oolong",
        name_zh: "安溪铁观音",
        description_en: "Lightly oxidised oolong with orchid aroma; brews many times. 100 g.",
        description_zh: "轻发酵乌龙茶，兰花香气，耐冲泡。100 克。",
        usd_cents: 2250,
        stock: 0,
        weight_grams: 120,
    },
    SeedProduct {
        category: "brewing-gear",
        slug: "pour-over-dripper",
        name_en: "Ceramic Pour-over Dripper",
        name_zh: "陶瓷手冲滤杯",
        description_en: "Size 02 cone dripper in matte white porcelain.",
        description_zh: "02 号锥形滤杯，哑光白瓷。",
        usd_cents: 2800,
        stock: 20,
        weight_grams: 400,
    },
    SeedProduct {
        category: "brewing-gear",
        slug: "gooseneck-kettle",
        name_en: "Gooseneck Kettle 900 ml",
        name_zh: "鹅颈手冲壶 900 毫升",
        description_en: "Stainless steel kettle with a thermometer and precise spout, for all hobs.",
        description_zh: "不锈钢手冲壶，附温度计，出水精准，适用各类炉具。",
        usd_cents: 5400,
        stock: 12,
        weight_grams: 1100,
    },
    SeedProduct {
        category: "brewing-gear",
        slug: "ceramic-mug",
        name_en: "Harbour Stoneware Mug",
        name_zh: "港湾粗陶马克杯",
        description_en: "Hand-glazed 350 ml mug; dishwasher safe.",
        description_zh: "手工施釉 350 毫升马克杯，可用洗碗机清洗。",
        usd_cents: 1650,
        stock: 80,
        weight_grams: 450,
    },
    SeedProduct {
        category: "brewing-gear",
        slug: "hand-grinder",
        name_en: "Conical Burr Hand Grinder",
        name_zh: "锥刀手摇磨豆机",
        description_en: "Steel conical burrs with 40 click settings, from espresso to cold brew.",
        description_zh: "不锈钢锥形磨芯，40 档调节，从意式到冷萃皆宜。",
        usd_cents: 8900,
        stock: 8,
        weight_grams: 700,
    },
];

/// Rough rates from USD for demo prices in a few common shop currencies; any other currency
/// takes the USD figure in its own units.
fn demo_price(usd_cents: i64, currency: Currency) -> i64 {
    let per_usd = match currency.code() {
        "EUR" => 0.92,
        "GBP" => 0.79,
        "JPY" => 150.0,
        "CNY" => 7.2,
        "HKD" => 7.8,
        "KRW" => 1350.0,
        "AUD" => 1.5,
        "CAD" => 1.36,
        "SGD" => 1.34,
        _ => 1.0,
    };
    #[expect(clippy::cast_precision_loss, reason = "demo prices are far below 2^52")]
    let major = usd_cents as f64 / 100.0 * per_usd;
    #[expect(
        clippy::cast_possible_truncation,
        reason = "rounded, small and positive"
    )]
    match currency.decimals() {
        // Whole yen or won, rounded to tens, as shops there price.
        0 => ((major / 10.0).round() * 10.0) as i64,
        _ => ((major * 10.0).round() * 10.0) as i64,
    }
}

/// A product the demo sells in variants: its options (each a name and values, in English and
/// Chinese), every combination offered, and its gallery.
struct SeedVariants {
    slug: &'static str,
    options: &'static [SeedOption],
    variants: &'static [SeedVariant],
    /// Gallery images under `static/images/products/`, with their English and Chinese text.
    gallery: &'static [(&'static str, &'static str, &'static str)],
}

struct SeedOption {
    name_en: &'static str,
    name_zh: &'static str,
    values: &'static [(&'static str, &'static str)],
}

struct SeedVariant {
    /// The index of its value in each option, in the options' order.
    values: &'static [usize],
    sku: &'static str,
    usd_cents: i64,
    stock: i64,
    weight_grams: i64,
    /// Its image under `static/images/products/`; `None`: the product's.
    image: Option<&'static str>,
}

/// The 1 kg bags weigh more, cost more and have a picture of their own.
const VARIANTS: &[SeedVariants] = &[SeedVariants {
    slug: "colombia-huila",
    options: &[
        SeedOption {
            name_en: "Grind",
            name_zh: "研磨方式",
            values: &[
                ("Whole bean", "咖啡豆"),
                ("Filter", "手冲研磨"),
                ("Espresso", "意式研磨"),
            ],
        },
        SeedOption {
            name_en: "Bag size",
            name_zh: "包装规格",
            values: &[("250 g", "250 克"), ("1 kg", "1 公斤")],
        },
    ],
    variants: &[
        SeedVariant {
            values: &[0, 0],
            sku: "HCT-HUILA-WB-250",
            usd_cents: 1600,
            stock: 30,
            weight_grams: 270,
            image: None,
        },
        SeedVariant {
            values: &[1, 0],
            sku: "HCT-HUILA-FI-250",
            usd_cents: 1650,
            stock: 20,
            weight_grams: 270,
            image: None,
        },
        SeedVariant {
            values: &[2, 0],
            sku: "HCT-HUILA-ES-250",
            usd_cents: 1650,
            stock: 18,
            weight_grams: 270,
            image: None,
        },
        SeedVariant {
            values: &[0, 1],
            sku: "HCT-HUILA-WB-1KG",
            usd_cents: 5200,
            stock: 12,
            weight_grams: 1050,
            image: Some("colombia-huila-1kg.svg"),
        },
        SeedVariant {
            values: &[1, 1],
            sku: "HCT-HUILA-FI-1KG",
            usd_cents: 5400,
            stock: 9,
            weight_grams: 1050,
            image: Some("colombia-huila-1kg.svg"),
        },
        SeedVariant {
            values: &[2, 1],
            sku: "HCT-HUILA-ES-1KG",
            usd_cents: 5400,
            stock: 8,
            weight_grams: 1050,
            image: Some("colombia-huila-1kg.svg"),
        },
    ],
    gallery: &[
        (
            "colombia-huila-farm.svg",
            "The farm on the slopes of Huila",
            "慧兰山坡上的咖啡农场",
        ),
        (
            "colombia-huila-cup.svg",
            "A cup of Colombia Huila",
            "一杯哥伦比亚慧兰咖啡",
        ),
    ],
}];

/// Public path of a demo image.
fn image_path(file: &str) -> String {
    format!("/static/images/products/{file}")
}

/// Seeds the options, variants and gallery of `product`.
fn seed_variants(
    conn: &mut DbConnection,
    product: &SeedVariants,
    currency: Currency,
    at: chrono::NaiveDateTime,
) -> Result<(), DbError> {
    let product_id: i64 = products::table
        .filter(products::slug.eq(product.slug))
        .select(products::id)
        .first(conn)?;
    // The ids of each option's values, by option then value.
    let mut value_ids: Vec<Vec<i64>> = Vec::new();
    for (position, o) in (0_i64..).zip(product.options) {
        let option_id: i64 = diesel::insert_into(product_options::table)
            .values((
                product_options::product_id.eq(product_id),
                product_options::name_en.eq(o.name_en),
                product_options::name_zh.eq(o.name_zh),
                product_options::position.eq(position),
            ))
            .returning(product_options::id)
            .get_result(conn)?;
        let mut ids = Vec::new();
        for (position, (en, zh)) in (0_i64..).zip(o.values) {
            ids.push(
                diesel::insert_into(product_option_values::table)
                    .values((
                        product_option_values::option_id.eq(option_id),
                        product_option_values::value_en.eq(en),
                        product_option_values::value_zh.eq(zh),
                        product_option_values::position.eq(position),
                    ))
                    .returning(product_option_values::id)
                    .get_result(conn)?,
            );
        }
        value_ids.push(ids);
    }
    for (position, v) in (0_i64..).zip(product.variants) {
        let variant_id: i64 = diesel::insert_into(product_variants::table)
            .values((
                product_variants::product_id.eq(product_id),
                product_variants::sku.eq(v.sku),
                product_variants::price_minor.eq(demo_price(v.usd_cents, currency)),
                product_variants::stock.eq(v.stock),
                product_variants::weight_grams.eq(Some(v.weight_grams)),
                product_variants::image_path.eq(v.image.map(image_path)),
                product_variants::active.eq(true),
                product_variants::position.eq(position),
                product_variants::created_at.eq(at),
                product_variants::updated_at.eq(at),
            ))
            .returning(product_variants::id)
            .get_result(conn)?;
        for (option, &value) in v.values.iter().enumerate() {
            let Some(&value_id) = value_ids.get(option).and_then(|ids| ids.get(value)) else {
                continue;
            };
            diesel::insert_into(product_variant_values::table)
                .values((
                    product_variant_values::variant_id.eq(variant_id),
                    product_variant_values::option_value_id.eq(value_id),
                ))
                .execute(conn)?;
        }
    }
    for (position, (file, alt_en, alt_zh)) in (0_i64..).zip(product.gallery) {
        diesel::insert_into(product_images::table)
            .values((
                product_images::product_id.eq(product_id),
                product_images::path.eq(image_path(file)),
                product_images::alt_en.eq(alt_en),
                product_images::alt_zh.eq(alt_zh),
                product_images::position.eq(position),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The demo discount code the seed creates.
pub const DEMO_CODE: &str = "WELCOME10";

/// Seeds the demo catalogue, its discount code, tax rates and shipping zones when there are no
/// products yet; returns how many products were added.
///
/// Two instances may start together on one database: the unique slugs let one seed win, and
/// the other sees products already there (or its transaction is refused and nothing is lost).
pub fn seed_if_empty(conn: &mut DbConnection, currency: Currency) -> Result<usize, DbError> {
    let result = write_transaction(conn, |conn| {
        let existing: i64 = products::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(0);
        }
        let at = now();
        for (position, c) in (0_i64..).zip(CATEGORIES) {
            diesel::insert_into(categories::table)
                .values((
                    categories::slug.eq(c.slug),
                    categories::name_en.eq(c.name_en),
                    categories::name_zh.eq(c.name_zh),
                    categories::position.eq(position),
                    categories::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        for p in PRODUCTS {
            let category_id: i64 = categories::table
                .filter(categories::slug.eq(p.category))
                .select(categories::id)
                .first(conn)?;
            diesel::insert_into(products::table)
                .values((
                    products::category_id.eq(category_id),
                    products::slug.eq(p.slug),
                    products::sku.eq(format!("HCT-{}", p.slug.to_uppercase())),
                    products::name_en.eq(p.name_en),
                    products::name_zh.eq(p.name_zh),
                    products::description_en.eq(p.description_en),
                    products::description_zh.eq(p.description_zh),
                    products::price_minor.eq(demo_price(p.usd_cents, currency)),
                    products::currency.eq(currency.code()),
                    products::stock.eq(p.stock),
                    products::weight_grams.eq(p.weight_grams),
                    products::image_path.eq(format!("/static/images/products/{}.svg", p.slug)),
                    products::active.eq(true),
                    products::created_at.eq(at),
                    products::updated_at.eq(at),
                ))
                .execute(conn)?;
        }
        for product in VARIANTS {
            seed_variants(conn, product, currency, at)?;
        }
        // The demo's discount code: 10% off a subtotal of at least $30 (or its equivalent),
        // once per email, shown in the README's walk-through.
        diesel::insert_into(discount_codes::table)
            .values((
                discount_codes::code.eq(DEMO_CODE),
                discount_codes::kind.eq(crate::discounts::Kind::Percent),
                discount_codes::amount.eq(10),
                discount_codes::currency.eq(currency.code()),
                discount_codes::min_subtotal_minor.eq(demo_price(3000, currency)),
                discount_codes::max_uses_per_email.eq(Some(1)),
                discount_codes::used_count.eq(0),
                discount_codes::active.eq(true),
                discount_codes::created_at.eq(at),
                discount_codes::updated_at.eq(at),
            ))
            .execute(conn)?;
        // The demo's tax rates: VAT in Germany and the United Kingdom, and a US state's sales
        // tax, to show a region's rate beside its country's (other US states have none here).
        for (country, region, name, rate_bp) in [
            ("DE", "", "VAT", 1900),
            ("GB", "", "VAT", 2000),
            ("US", "WA", "Sales tax", 650),
        ] {
            diesel::insert_into(tax_rates::table)
                .values((
                    tax_rates::country.eq(country),
                    tax_rates::region.eq(region),
                    tax_rates::name.eq(name),
                    tax_rates::rate_bp.eq(rate_bp),
                    tax_rates::created_at.eq(at),
                ))
                .execute(conn)?;
        }
        // The demo's shipping zones: free standard shipping in the United States (so a US
        // order's total is its goods), Europe's flat and weight-based rates, and the rest of
        // the world's (see `shipping::rates::DEMO_ZONES`).
        crate::shipping::rates::seed_demo(conn, currency, &|usd| demo_price(usd, currency), at)?;
        Ok::<_, DbError>(PRODUCTS.len())
    });
    match result {
        Err(e) if e.is_unique_violation() => Ok(0),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_prices_suit_the_currency() {
        let usd = Currency::parse("USD").expect("USD");
        let jpy = Currency::parse("JPY").expect("JPY");
        assert_eq!(demo_price(1850, usd), 1850);
        assert_eq!(demo_price(1850, jpy), 2780);
        assert!(
            PRODUCTS
                .iter()
                .all(|p| demo_price(p.usd_cents, jpy) % 10 == 0)
        );
    }

    #[test]
    fn every_product_has_an_image_and_a_known_category() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        assert!(PRODUCTS.len() >= 12);
        for p in PRODUCTS {
            assert!(
                CATEGORIES.iter().any(|c| c.slug == p.category),
                "{}",
                p.slug
            );
            let image = root.join(format!("static/images/products/{}.svg", p.slug));
            assert!(image.is_file(), "missing {}", image.display());
        }
    }

    #[test]
    fn every_variant_is_one_value_of_each_option_with_its_own_sku_and_images_exist() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut skus = std::collections::HashSet::new();
        for product in VARIANTS {
            assert!(PRODUCTS.iter().any(|p| p.slug == product.slug));
            for v in product.variants {
                assert_eq!(v.values.len(), product.options.len(), "{}", v.sku);
                for (option, &value) in product.options.iter().zip(v.values) {
                    assert!(value < option.values.len(), "{}", v.sku);
                }
                assert!(skus.insert(v.sku), "SKU {} twice", v.sku);
            }
            let files = product
                .variants
                .iter()
                .filter_map(|v| v.image)
                .chain(product.gallery.iter().map(|g| g.0));
            for file in files {
                let image = root.join("static/images/products").join(file);
                assert!(image.is_file(), "missing {}", image.display());
            }
        }
    }
}
