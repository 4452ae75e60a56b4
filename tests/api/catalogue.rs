use crate::helpers::{assert_is_redirect_to, spawn_app, spawn_app_with};

#[tokio::test]
async fn home_lists_the_seeded_catalogue_under_the_test_banner() {
    let app = spawn_app().await;
    let html = app.get_html("/").await;
    for name in [
        "Ethiopia Yirgacheffe",
        "Earl Grey Supreme",
        "Conical Burr Hand Grinder",
        "Harbour Stoneware Mug",
    ] {
        assert!(html.contains(name), "{name} missing");
    }
    assert_eq!(html.matches("data-product-id=").count(), 12);
    assert!(html.contains("$18.50"));
    assert!(
        html.contains("Sold out"),
        "the oolong is seeded with no stock"
    );
    assert!(
        html.contains("offline AsiaBill sandbox simulator"),
        "banner missing"
    );
    assert!(html.contains("/static/css/shop.css"));
    assert!(html.contains("/static/images/products/earl-grey.svg"));
}

#[tokio::test]
async fn categories_and_search_narrow_the_listing() {
    let app = spawn_app().await;
    let tea = app.get_html("/?category=tea").await;
    assert!(tea.contains("Jasmine Dragon Pearls"));
    assert!(!tea.contains("Colombia Huila"));
    assert_eq!(tea.matches("data-product-id=").count(), 4);

    let search = app.get_html("/?q=GREY").await;
    assert!(search.contains("Earl Grey Supreme"));
    assert_eq!(search.matches("data-product-id=").count(), 1);

    let chinese = app.get_html("/?q=%E8%8C%89%E8%8E%89").await; // 茉莉
    assert!(
        chinese.contains("Jasmine Dragon Pearls"),
        "searches Chinese names too"
    );

    let wildcard = app.get_html("/?q=%25").await; // a lone % matches nothing literally
    assert_eq!(wildcard.matches("data-product-id=").count(), 0);
    assert!(wildcard.contains("No products match your search"));
}

#[tokio::test]
async fn product_images_and_styles_are_served() {
    let app = spawn_app().await;
    let css = app.get("/static/css/shop.css").await;
    assert_eq!(css.status(), 200);
    let image = app.get("/static/images/products/hand-grinder.svg").await;
    assert_eq!(image.status(), 200);
    assert!(
        image.headers()["content-type"]
            .to_str()
            .unwrap_or_default()
            .starts_with("image/svg")
    );
}

#[tokio::test]
async fn the_language_switch_returns_to_the_page_and_speaks_chinese() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/lang/zh-CN"))
        .header("Referer", app.url("/?category=tea"))
        .send()
        .await
        .expect("switch");
    assert_is_redirect_to(&response, "/?category=tea");

    let html = app.get_html("/").await;
    assert!(html.contains("<html lang=\"zh-CN\""), "html lang");
    assert!(html.contains("埃塞俄比亚耶加雪菲"));
    assert!(html.contains("购物车"));
    assert!(
        html.contains("离线的 AsiaBill 沙箱模拟器"),
        "banner in Chinese"
    );

    let back = app.get("/lang/en").await;
    assert_is_redirect_to(&back, "/");
    assert!(app.get_html("/").await.contains("Ethiopia Yirgacheffe"));
}

#[tokio::test]
async fn the_language_switch_never_redirects_off_site() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/lang/en"))
        .header("Referer", "https://evil.example/phish")
        .send()
        .await
        .expect("switch");
    assert_is_redirect_to(&response, "/");
    assert_eq!(app.get("/lang/fr").await.status(), 404);
}

#[tokio::test]
async fn the_language_switch_never_redirects_to_a_path_that_names_another_site() {
    let app = spawn_app().await;
    // Each Referer is on this host, but its path alone in `Location` would lead elsewhere.
    for referer in [
        app.url("//evil.example/"),
        app.url("//evil.example/phish?x=1"),
        app.url("/\\evil.example/"),
        app.url("/\\/evil.example/"),
        app.url("///evil.example/"),
    ] {
        let response = app
            .client
            .get(app.url("/lang/en"))
            .header("Referer", &referer)
            .send()
            .await
            .expect("switch");
        assert_is_redirect_to(&response, "/");
    }
    let response = app
        .client
        .get(app.url("/lang/en"))
        .header("Referer", app.url("/cart"))
        .send()
        .await
        .expect("switch");
    assert_is_redirect_to(&response, "/cart");
}

#[tokio::test]
async fn zero_decimal_currency_prices_in_whole_units() {
    let app = spawn_app_with(|s| s.shop_currency = Some("JPY".into())).await;
    let html = app.get_html("/").await;
    assert!(
        html.contains("¥2,780"),
        "Ethiopia at 18.50 USD becomes ¥2,780"
    );
    assert!(!html.contains("$"), "no dollar prices");
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_that_leaks_nothing() {
    let app = spawn_app().await;
    let response = app.get("/no/such/page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.expect("body");
    assert!(html.contains("Page not found"));
    assert!(html.contains("Back to the shop"));
    assert!(
        html.contains("offline AsiaBill sandbox simulator"),
        "banner on error pages"
    );
}

#[tokio::test]
async fn a_malformed_query_string_is_a_400_page_not_a_crash() {
    let app = spawn_app().await;
    let response = app.get("/?page=abc").await;
    assert_eq!(response.status(), 400);
    let html = response.text().await.expect("body");
    assert!(html.contains("Request not understood"));
    assert!(
        !html.contains("invalid digit"),
        "parser details stay in the log"
    );
}

#[tokio::test]
async fn a_server_error_is_a_friendly_500_page_without_internals() {
    use diesel::RunQueryDsl;
    let app = spawn_app().await;
    // Break the catalogue's query the way a bad deploy would.
    diesel::sql_query("ALTER TABLE products RENAME TO products_gone")
        .execute(&mut app.db.get().expect("conn"))
        .expect("rename");
    let response = app.get("/").await;
    assert_eq!(response.status(), 500);
    let html = response.text().await.expect("body");
    assert!(html.contains("Something went wrong"));
    for internal in ["products", "SQL", "diesel", "relation", "no such table"] {
        assert!(!html.contains(internal), "{internal} leaked");
    }
}

#[tokio::test]
async fn the_catalogue_pages_through_many_products() {
    use asiabill_shop::db::{now, schema::products};
    use diesel::prelude::*;
    let app = spawn_app().await;
    let mut conn = app.db.get().expect("conn");
    for i in 0..15 {
        diesel::insert_into(products::table)
            .values((
                products::category_id.eq(1),
                products::slug.eq(format!("sampler-{i}")),
                products::sku.eq(format!("SAMPLER-{i}")),
                products::name_en.eq(format!("Sampler {i:02}")),
                products::name_zh.eq(format!("试饮装 {i:02}")),
                products::description_en.eq("A sampler."),
                products::description_zh.eq("试饮装。"),
                products::price_minor.eq(500),
                products::currency.eq("USD"),
                products::stock.eq(5),
                products::image_path.eq("/static/images/products/espresso-blend.svg"),
                products::active.eq(true),
                products::created_at.eq(now()),
                products::updated_at.eq(now()),
            ))
            .execute(&mut conn)
            .expect("product");
    }
    let first = app.get_html("/").await;
    assert_eq!(first.matches("data-product-id=").count(), 12);
    assert!(first.contains("href=\"/?page=2\""), "next link");
    let third = app.get_html("/?page=3").await;
    assert_eq!(
        third.matches("data-product-id=").count(),
        3,
        "27 products: 12 + 12 + 3"
    );
    assert!(third.contains("href=\"/?page=2\""), "previous link");
    let coffee = app.get_html("/?category=coffee&q=sampler").await;
    assert_eq!(coffee.matches("data-product-id=").count(), 12);
    let coffee = coffee.replace("&#38;", "&amp;");
    assert!(
        coffee.contains("category=coffee&amp;q=sampler&amp;page=2"),
        "filters kept in links"
    );
}

/// Adds an active product to the category `category` (a slug).
fn add_product(app: &crate::helpers::TestApp, category: &str, slug: &str, names: [&str; 4]) {
    use asiabill_shop::db::{
        now,
        schema::{categories, products},
    };
    use diesel::prelude::*;
    let mut conn = app.db.get().expect("conn");
    let category_id: i64 = categories::table
        .filter(categories::slug.eq(category))
        .select(categories::id)
        .first(&mut conn)
        .expect("category");
    let [name_en, name_zh, description_en, description_zh] = names;
    diesel::insert_into(products::table)
        .values((
            products::category_id.eq(category_id),
            products::slug.eq(slug),
            products::sku.eq(slug.to_uppercase()),
            products::name_en.eq(name_en),
            products::name_zh.eq(name_zh),
            products::description_en.eq(description_en),
            products::description_zh.eq(description_zh),
            products::price_minor.eq(900),
            products::currency.eq("USD"),
            products::stock.eq(5),
            products::image_path.eq("/static/images/products/ceramic-mug.svg"),
            products::active.eq(true),
            products::created_at.eq(now()),
            products::updated_at.eq(now()),
        ))
        .execute(&mut conn)
        .expect("product");
}

/// The products a listing page shows, in the order shown (each card's name).
fn shown(html: &str, names: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = names
        .iter()
        .filter_map(|n| html.find(&format!(">{n}<")).map(|at| (at, (*n).to_owned())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, n)| n).collect()
}

#[tokio::test]
async fn search_matches_every_word_in_names_categories_and_descriptions_ranked() {
    let app = spawn_app().await;
    // A gear product named for tea, and one named for coffee that mentions tea nowhere.
    add_product(
        &app,
        "brewing-gear",
        "tea-towel",
        [
            "Linen Tea Towel",
            "亚麻茶巾",
            "Dries teapots, cups and coffee gear.",
            "擦干茶壶、杯子与咖啡器具。",
        ],
    );
    add_product(
        &app,
        "brewing-gear",
        "coffee-scoop",
        [
            "Coffee Measuring Scoop",
            "咖啡量勺",
            "Stainless steel, one scoop per cup.",
            "不锈钢，一杯一勺。",
        ],
    );
    let all = [
        "Ethiopia Yirgacheffe",
        "Colombia Huila",
        "Harbour Espresso Blend",
        "Swiss Water Decaf",
        "Shizuoka Sencha",
        "Earl Grey Supreme",
        "Jasmine Dragon Pearls",
        "Anxi Tieguanyin Oolong",
        "Ceramic Pour-over Dripper",
        "Gooseneck Kettle 900 ml",
        "Harbour Stoneware Mug",
        "Conical Burr Hand Grinder",
        "Linen Tea Towel",
        "Coffee Measuring Scoop",
    ];

    // Named for it, then in the category (with the word in the description first), then
    // only mentioned in the description.
    let coffee = app.get_html("/?q=coffee").await;
    assert_eq!(
        shown(&coffee, &all),
        [
            "Coffee Measuring Scoop",
            "Ethiopia Yirgacheffe",
            "Swiss Water Decaf",
            "Colombia Huila",
            "Harbour Espresso Blend",
            "Linen Tea Towel",
        ]
    );
    assert_eq!(coffee.matches("data-product-id=").count(), 6);

    let tea = app.get_html("/?q=TEA").await;
    assert_eq!(
        shown(&tea, &all),
        [
            "Linen Tea Towel",
            "Shizuoka Sencha",
            "Earl Grey Supreme",
            "Jasmine Dragon Pearls",
            "Anxi Tieguanyin Oolong",
        ]
    );

    // Every word must match somewhere: "oolong" is only the Tieguanyin's.
    let oolong = app.get_html("/?q=oolong+tea").await;
    assert_eq!(shown(&oolong, &all), ["Anxi Tieguanyin Oolong"]);
    assert_eq!(oolong.matches("data-product-id=").count(), 1);

    // 茶 is in two tea names and the towel's, and it is the tea category's name.
    let cha = app.get_html("/?q=%E8%8C%B6").await;
    assert_eq!(
        shown(&cha, &all),
        [
            "Shizuoka Sencha",
            "Earl Grey Supreme",
            "Linen Tea Towel",
            "Jasmine Dragon Pearls",
            "Anxi Tieguanyin Oolong",
        ]
    );

    let nothing = app.get_html("/?q=oolong+coffee").await;
    assert!(nothing.contains("No products match your search"));
}

#[tokio::test]
async fn a_page_past_the_end_says_so_and_links_to_the_last_page() {
    let app = spawn_app().await;
    let html = app.get_html("/?category=tea&page=2").await;
    assert!(html.contains("This page is past the end of the list"));
    assert!(
        !html.contains("There are no products in this category"),
        "the category has products"
    );
    let html = html.replace("&#38;", "&amp;");
    assert!(
        html.contains("href=\"/?category=tea&amp;page=1\">Go to the last page"),
        "links to the last page"
    );

    let zh = app
        .client
        .get(app.url("/lang/zh-CN"))
        .send()
        .await
        .expect("switch");
    assert!(zh.status().is_redirection());
    let html = app.get_html("/?q=tea&page=9").await;
    assert!(html.contains("这一页已超出列表末尾"));
    assert!(html.contains("前往最后一页"));
}
