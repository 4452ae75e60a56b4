//! The admin's options, values, variants and gallery of a product (issue 22): created, edited,
//! reordered and deleted through the pages' forms, refused with the typed values kept, audited,
//! and each change seen at once (the catalogue cache is told).

use asiabill_shop::{
    catalogue::cache,
    db::schema::{
        audit_log, cart_items, order_lines, product_images, product_option_values, product_options,
        product_variant_values, product_variants, products,
    },
};
use diesel::prelude::*;

use crate::{
    admin_chinese::{english_words, visible_text},
    admin_pages::zh,
    admin_support::{Admin, admin},
    helpers::{TestApp, assert_is_redirect_to, location, spawn_app},
};

const KETTLE: &str = "gooseneck-kettle";

/// No locale key shows as itself (the admin stylesheet's name is the one `admin.` allowed).
fn assert_translated(page: &str) {
    for (at, _) in page.match_indices("admin.") {
        assert!(
            page[at..].starts_with("admin.css"),
            "untranslated key: {}",
            &page[at..(at + 40).min(page.len())]
        );
    }
}

fn variants_page(product: i64) -> String {
    format!("/admin/products/{product}/variants")
}

/// Posts to `path` and expects a 303 back to the product's variants page.
async fn ok(admin: &Admin, product: i64, path: &str, fields: &[(&str, &str)]) -> String {
    admin.post_then(path, fields, &variants_page(product)).await
}

/// Posts and expects `status`; returns the page answered.
async fn refused(admin: &Admin, path: &str, fields: &[(&str, &str)], status: u16) -> String {
    let r = admin.post(path, fields).await;
    let got = r.status().as_u16();
    let body = r.text().await.expect("body");
    assert_eq!(got, status, "POST {path}: {body}");
    body
}

/// The product's options' ids, in order.
fn option_ids(app: &TestApp, product: i64) -> Vec<i64> {
    product_options::table
        .filter(product_options::product_id.eq(product))
        .order((product_options::position, product_options::id))
        .select(product_options::id)
        .load(&mut app.db.get().expect("conn"))
        .expect("options")
}

/// An option's values' English names, in order.
fn value_names(app: &TestApp, option: i64) -> Vec<String> {
    product_option_values::table
        .filter(product_option_values::option_id.eq(option))
        .order((product_option_values::position, product_option_values::id))
        .select(product_option_values::value_en)
        .load(&mut app.db.get().expect("conn"))
        .expect("values")
}

fn value_id(app: &TestApp, option: i64, name: &str) -> i64 {
    product_option_values::table
        .filter(product_option_values::option_id.eq(option))
        .filter(product_option_values::value_en.eq(name))
        .select(product_option_values::id)
        .first(&mut app.db.get().expect("conn"))
        .expect("value")
}

/// The product's variants: (id, SKU, price, stock), in order.
fn variant_rows(app: &TestApp, product: i64) -> Vec<(i64, String, i64, i64)> {
    product_variants::table
        .filter(product_variants::product_id.eq(product))
        .order((product_variants::position, product_variants::id))
        .select((
            product_variants::id,
            product_variants::sku,
            product_variants::price_minor,
            product_variants::stock,
        ))
        .load(&mut app.db.get().expect("conn"))
        .expect("variants")
}

fn audit_actions(app: &TestApp, product: i64) -> Vec<String> {
    audit_log::table
        .filter(audit_log::target_type.eq("product"))
        .filter(audit_log::target_id.eq(product.to_string()))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut app.db.get().expect("conn"))
        .expect("audit log")
}

/// The kettle with options Grind (Whole bean, Espresso) and Bag size (250 g, 1 kg) and no
/// variants yet; returns the product's id and the options' ids.
async fn kettle_with_options(app: &TestApp, admin: &Admin) -> (i64, i64, i64) {
    let product = app.product_id(KETTLE);
    let options = format!("/admin/products/{product}/options");
    ok(
        admin,
        product,
        &options,
        &[
            ("name_en", "Grind"),
            ("name_zh", "研磨"),
            ("value_en", "Whole bean"),
            ("value_zh", "整豆"),
        ],
    )
    .await;
    ok(
        admin,
        product,
        &options,
        &[("name_en", "Bag size"), ("name_zh", "包装")],
    )
    .await;
    let ids = option_ids(app, product);
    let (grind, size) = (ids[0], ids[1]);
    for (option, en, zh) in [
        (grind, "Espresso", "意式"),
        (size, "250 g", "250 克"),
        (size, "1 kg", "1 公斤"),
    ] {
        ok(
            admin,
            product,
            &format!("/admin/products/{product}/options/{option}/values"),
            &[("value_en", en), ("value_zh", zh)],
        )
        .await;
    }
    (product, grind, size)
}

async fn create_missing(admin: &Admin, product: i64) -> String {
    ok(
        admin,
        product,
        &format!("/admin/products/{product}/variants/generate"),
        &[],
    )
    .await
}

#[tokio::test]
async fn options_and_values_are_added_and_the_missing_variants_created_once() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let product = app.product_id(KETTLE);
    let page = admin.html(&variants_page(product)).await;
    assert!(page.contains("data-no-variants"), "no variants yet");
    let generate = format!("/admin/products/{product}/variants/generate");
    let page = refused(&admin, &generate, &[], 409).await;
    assert!(page.contains("Add an option with its values first."));

    // A name is required; a refused form keeps what was typed.
    let options = format!("/admin/products/{product}/options");
    let page = refused(
        &admin,
        &options,
        &[
            ("name_en", " "),
            ("name_zh", "研磨"),
            ("value_en", "Filter"),
        ],
        422,
    )
    .await;
    assert!(page.contains("1 to 60 characters."));
    assert!(page.contains("value=\"研磨\"") && page.contains("value=\"Filter\""));

    let (_, grind, size) = kettle_with_options(&app, &admin).await;
    let page = refused(
        &admin,
        &options,
        &[("name_en", "grind"), ("name_zh", "又一个")],
        409,
    )
    .await;
    assert!(page.contains("Another option of this product, or another value of this option"));
    assert!(page.contains("value=\"又一个\""), "typed value kept");
    let page = refused(
        &admin,
        &format!("/admin/products/{product}/options/{size}/values"),
        &[("value_en", "1 KG")],
        409,
    )
    .await;
    assert!(page.contains("Another option of this product, or another value of this option"));

    let page = admin.html(&variants_page(product)).await;
    assert!(page.contains("data-option=\"Grind\"") && page.contains("data-option=\"Bag size\""));
    for value in ["Whole bean", "Espresso", "250 g", "1 kg"] {
        assert!(page.contains(&format!("data-value=\"{value}\"")), "{value}");
    }
    assert!(page.contains("data-missing=\"4\""));
    let chinese = zh(&admin, &variants_page(product)).await;
    assert!(chinese.contains("研磨") && chinese.contains("整豆") && chinese.contains("1 公斤"));

    let before = cache::generation();
    let page = create_missing(&admin, product).await;
    assert!(cache::generation() > before, "the shop's cache is told");
    assert!(page.contains("4 variants created."), "{page}");
    let price: i64 = products::table
        .find(product)
        .select(products::price_minor)
        .first(&mut app.db.get().expect("conn"))
        .expect("price");
    let rows = variant_rows(&app, product);
    let skus: Vec<&str> = rows.iter().map(|(_, sku, ..)| sku.as_str()).collect();
    assert_eq!(
        skus,
        [
            "HCT-GOOSENECK-KETTLE-WHOLE-BEAN-250-G",
            "HCT-GOOSENECK-KETTLE-WHOLE-BEAN-1-KG",
            "HCT-GOOSENECK-KETTLE-ESPRESSO-250-G",
            "HCT-GOOSENECK-KETTLE-ESPRESSO-1-KG",
        ]
    );
    assert!(rows.iter().all(|(_, _, p, s)| (*p, *s) == (price, 0)));
    for (id, ..) in &rows {
        let values: i64 = product_variant_values::table
            .filter(product_variant_values::variant_id.eq(id))
            .count()
            .get_result(&mut app.db.get().expect("conn"))
            .expect("count");
        assert_eq!(values, 2, "one value of each option");
    }
    assert!(page.contains("Whole bean / 250 g") && page.contains("Espresso / 1 kg"));

    let page = create_missing(&admin, product).await;
    assert!(page.contains("Every combination has a variant already"));
    assert_eq!(variant_rows(&app, product).len(), 4, "no duplicates");

    // A new value adds only its combinations; a new option needs a value for the variants.
    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/options/{grind}/values"),
        &[("value_en", "Filter"), ("value_zh", "滤泡")],
    )
    .await;
    let page = create_missing(&admin, product).await;
    assert!(page.contains("2 variants created."));
    assert_eq!(variant_rows(&app, product).len(), 6);
    let page = refused(&admin, &options, &[("name_en", "Roast")], 409).await;
    assert!(page.contains("The product has variants: give the value they take"));
    assert!(page.contains("value=\"Roast\""));
    ok(
        &admin,
        product,
        &options,
        &[
            ("name_en", "Roast"),
            ("value_en", "Medium"),
            ("value_zh", "中焙"),
        ],
    )
    .await;
    let taken: i64 = product_variant_values::table
        .inner_join(product_option_values::table)
        .filter(product_option_values::value_en.eq("Medium"))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(taken, 6, "every variant took the new option's first value");
    let page = admin.html(&variants_page(product)).await;
    assert!(page.contains("data-options-full"), "three options at most");
    let page = refused(
        &admin,
        &options,
        &[("name_en", "Colour"), ("value_en", "Red")],
        409,
    )
    .await;
    assert!(page.contains("A product has at most 3 options."));

    let list = admin.html("/admin/products").await;
    assert!(list.contains("6 variants") && list.contains("data-variant-stock=\"0\""));
    let actions = audit_actions(&app, product);
    for action in [
        "product_option.create",
        "product_option_value.create",
        "product_variant.create",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "product_variant.create")
            .count(),
        2,
        "the press that created nothing is not logged"
    );
}

#[tokio::test]
async fn variants_are_edited_and_bad_input_comes_back_as_typed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (product, _, _) = kettle_with_options(&app, &admin).await;
    create_missing(&admin, product).await;
    let rows = variant_rows(&app, product);
    let (first, second) = (rows[0].0, rows[1].0);
    let first_path = format!("/admin/products/{product}/variants/{first}");
    let second_path = format!("/admin/products/{product}/variants/{second}");

    let before = cache::generation();
    let page = ok(
        &admin,
        product,
        &first_path,
        &[
            ("sku", "KETTLE-WB-250"),
            ("price", "18.50"),
            ("stock", "7"),
            ("weight", "900"),
            ("image_path", "/static/images/logo.svg"),
            ("active", "on"),
        ],
    )
    .await;
    assert!(cache::generation() > before, "the shop's cache is told");
    assert!(page.contains("Variant KETTLE-WB-250 saved."));
    assert!(page.contains("data-variant=\"KETTLE-WB-250\"") && page.contains("value=\"18.50\""));
    let (price, stock, weight, image, active): (i64, i64, Option<i64>, Option<String>, bool) =
        product_variants::table
            .find(first)
            .select((
                product_variants::price_minor,
                product_variants::stock,
                product_variants::weight_grams,
                product_variants::image_path,
                product_variants::active,
            ))
            .first(&mut app.db.get().expect("conn"))
            .expect("variant");
    assert_eq!(
        (price, stock, weight, image.as_deref(), active),
        (1850, 7, Some(900), Some("/static/images/logo.svg"), true)
    );
    // Empty weight and image fall back to the product's; no `active` hides it.
    ok(
        &admin,
        product,
        &second_path,
        &[("sku", "KETTLE-WB-1KG"), ("price", "30"), ("stock", "2")],
    )
    .await;
    let (weight, image, active): (Option<i64>, Option<String>, bool) = product_variants::table
        .find(second)
        .select((
            product_variants::weight_grams,
            product_variants::image_path,
            product_variants::active,
        ))
        .first(&mut app.db.get().expect("conn"))
        .expect("variant");
    assert_eq!((weight, image, active), (None, None, false));
    let list = admin.html("/admin/products").await;
    assert!(
        list.contains("data-variant-stock=\"9\""),
        "7 + 2 across variants"
    );

    // Refused, each with what was typed kept and nothing stored.
    let page = refused(
        &admin,
        &second_path,
        &[("sku", "KETTLE-WB-250"), ("price", "19.00"), ("stock", "3")],
        409,
    )
    .await;
    assert!(page.contains("Another variant or product has this SKU."));
    assert!(page.contains("value=\"19.00\"") && page.contains("value=\"3\""));
    let page = refused(
        &admin,
        &second_path,
        &[
            ("sku", "HCT-CERAMIC-MUG"),
            ("price", "19.00"),
            ("stock", "3"),
        ],
        409,
    )
    .await;
    assert!(
        page.contains("Another variant or product has this SKU."),
        "a product's SKU is taken too"
    );
    let page = refused(
        &admin,
        &second_path,
        &[("sku", "KETTLE-NEW"), ("price", "12,50"), ("stock", "4")],
        422,
    )
    .await;
    assert!(page.contains("A price above zero, like 12.50."));
    assert!(page.contains("value=\"12,50\"") && page.contains("value=\"KETTLE-NEW\""));
    let page = refused(
        &admin,
        &second_path,
        &[
            ("sku", "KETTLE-NEW"),
            ("price", "12"),
            ("stock", "4"),
            ("image_path", "/static/images/nothing.png"),
        ],
        422,
    )
    .await;
    assert!(page.contains("There is no image at this path."));
    let rows = variant_rows(&app, product);
    assert_eq!(
        (rows[1].1.as_str(), rows[1].2, rows[1].3),
        ("KETTLE-WB-1KG", 3000, 2),
        "nothing refused was stored"
    );

    // The product form refuses a variant's SKU as it refuses another product's.
    let category: i64 = products::table
        .find(product)
        .select(products::category_id)
        .first(&mut app.db.get().expect("conn"))
        .expect("category");
    let category = category.to_string();
    let r = crate::admin_records::post_product(
        &admin,
        &format!("/admin/products/{product}"),
        &[
            ("category_id", category.as_str()),
            ("slug", KETTLE),
            ("sku", "KETTLE-WB-250"),
            ("name_en", "Gooseneck kettle"),
            ("price", "40"),
            ("stock", "1"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status(), 409);
    let page = r.text().await.expect("body");
    assert!(page.contains("Another product or a variant has this SKU."));

    // Another product's variant is not reachable through this product.
    let mug = app.product_id("ceramic-mug");
    let r = admin
        .post(
            &format!("/admin/products/{mug}/variants/{first}"),
            &[("sku", "X-1"), ("price", "1"), ("stock", "1")],
        )
        .await;
    assert_eq!(r.status(), 404);

    // The shop's page of the product still answers after every change.
    let shop = app.get_html(&format!("/products/{KETTLE}")).await;
    assert!(shop.contains("Gooseneck"));
    let actions = audit_actions(&app, product);
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "product_variant.update")
            .count(),
        2,
        "refusals are not logged: {actions:?}"
    );
}

#[tokio::test]
async fn options_and_values_in_use_are_kept_and_deleting_a_variant_empties_carts_not_orders() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (product, grind, size) = kettle_with_options(&app, &admin).await;
    create_missing(&admin, product).await;
    let rows = variant_rows(&app, product);
    let espresso = value_id(&app, grind, "Espresso");

    let page = refused(
        &admin,
        &format!("/admin/products/{product}/values/{espresso}/remove"),
        &[],
        409,
    )
    .await;
    assert!(page.contains(
        "Variants use it: HCT-GOOSENECK-KETTLE-ESPRESSO-250-G, HCT-GOOSENECK-KETTLE-ESPRESSO-1-KG. Delete those variants first."
    ));
    let page = refused(
        &admin,
        &format!("/admin/products/{product}/options/{size}/remove"),
        &[],
        409,
    )
    .await;
    assert!(page.contains("Variants use it: HCT-GOOSENECK-KETTLE-WHOLE-BEAN-250-G"));
    assert_eq!(option_ids(&app, product).len(), 2, "nothing deleted");
    assert_eq!(value_names(&app, grind).len(), 2);

    // A shopper's cart holds one variant; an order sold another. A product with variants is
    // added as one of them.
    let (sold, carted) = (rows[2].0, rows[3].0);
    // Created variants start with no stock.
    diesel::update(product_variants::table.filter(product_variants::id.eq_any([sold, carted])))
        .set(product_variants::stock.eq(5))
        .execute(&mut app.db.get().expect("conn"))
        .expect("stock");
    let add_variant = |variant: i64| {
        let app = &app;
        async move {
            let token = app.csrf().await;
            let response = app
                .post_form(
                    "/cart/items",
                    &[
                        ("csrf_token", token.as_str()),
                        ("product_id", &product.to_string()),
                        ("variant_id", &variant.to_string()),
                        ("quantity", "1"),
                    ],
                )
                .await;
            assert_is_redirect_to(&response, "/cart");
        }
    };
    add_variant(sold).await;
    let placed = app.checkout("hosted", &[]).await;
    assert_eq!(placed.status(), 303, "order placed");
    add_variant(carted).await;
    let mut conn = app.db.get().expect("conn");
    diesel::update(order_lines::table)
        .set((
            order_lines::variant_id.eq(sold),
            order_lines::variant_name.eq("Espresso / 250 g"),
        ))
        .execute(&mut conn)
        .expect("order line names the variant");
    diesel::update(cart_items::table)
        .set(cart_items::variant_id.eq(carted))
        .execute(&mut conn)
        .expect("cart line names the variant");
    drop(conn);
    for variant in [sold, carted] {
        ok(
            &admin,
            product,
            &format!("/admin/products/{product}/variants/{variant}/remove"),
            &[],
        )
        .await;
    }
    let mut conn = app.db.get().expect("conn");
    let carted_lines: i64 = cart_items::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert_eq!(carted_lines, 0, "the cart line went with its variant");
    let (variant, name): (Option<i64>, String) = order_lines::table
        .select((order_lines::variant_id, order_lines::variant_name))
        .first(&mut conn)
        .expect("order line");
    assert_eq!((variant, name.as_str()), (None, "Espresso / 250 g"));
    drop(conn);

    // Once no variant uses it, the value goes; then the option once its variants are gone.
    let page = ok(
        &admin,
        product,
        &format!("/admin/products/{product}/values/{espresso}/remove"),
        &[],
    )
    .await;
    assert!(page.contains("Value deleted.") && !page.contains("data-value=\"Espresso\""));
    for (id, ..) in variant_rows(&app, product) {
        ok(
            &admin,
            product,
            &format!("/admin/products/{product}/variants/{id}/remove"),
            &[],
        )
        .await;
    }
    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/options/{size}/remove"),
        &[],
    )
    .await;
    assert_eq!(option_ids(&app, product), [grind]);
    let gone: i64 = product_option_values::table
        .filter(product_option_values::option_id.eq(size))
        .count()
        .get_result(&mut app.db.get().expect("conn"))
        .expect("count");
    assert_eq!(gone, 0, "its values went with it");
    let actions = audit_actions(&app, product);
    for action in [
        "product_variant.remove",
        "product_option_value.remove",
        "product_option.remove",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn options_and_values_are_renamed_and_reordered() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (product, grind, size) = kettle_with_options(&app, &admin).await;
    create_missing(&admin, product).await;

    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/options/{grind}"),
        &[("name_en", "Grind size"), ("name_zh", "研磨度")],
    )
    .await;
    let page = refused(
        &admin,
        &format!("/admin/products/{product}/options/{grind}"),
        &[("name_en", "Bag size"), ("name_zh", "包装二")],
        409,
    )
    .await;
    assert!(page.contains("value=\"包装二\""), "typed kept");
    let one_kg = value_id(&app, size, "1 kg");
    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/values/{one_kg}"),
        &[("value_en", "1 kilo"), ("value_zh", "一公斤")],
    )
    .await;
    let page = refused(
        &admin,
        &format!("/admin/products/{product}/values/{one_kg}"),
        &[("value_en", ""), ("value_zh", "没有")],
        422,
    )
    .await;
    assert!(page.contains("value=\"没有\"") && page.contains("1 to 60 characters."));

    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/options/{grind}/move"),
        &[("direction", "down")],
    )
    .await;
    assert_eq!(option_ids(&app, product), [size, grind]);
    ok(
        &admin,
        product,
        &format!("/admin/products/{product}/values/{one_kg}/move"),
        &[("direction", "up")],
    )
    .await;
    assert_eq!(value_names(&app, size), ["1 kilo", "250 g"]);
    let r = admin
        .post(
            &format!("/admin/products/{product}/values/{one_kg}/move"),
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(r.status(), 400);

    let page = admin.html(&variants_page(product)).await;
    let (bag, grind_at) = (
        page.find("data-option=\"Bag size\"").expect("bag size"),
        page.find("data-option=\"Grind size\"").expect("grind"),
    );
    assert!(bag < grind_at, "options in their new order");
    assert!(
        page.contains("1 kilo / Whole bean"),
        "variant names follow the options' order"
    );
    let chinese = zh(&admin, &variants_page(product)).await;
    assert!(chinese.contains("研磨度") && chinese.contains("一公斤 / 整豆"));
    assert_translated(&chinese);
    let data = [
        "admin@example.com",
        "Gooseneck",
        "Kettle",
        "Whole",
        "bean",
        "kilo",
        "Bag",
        "size",
    ];
    let english = english_words(&visible_text(&chinese), &data);
    assert!(
        english.is_empty(),
        "English on the Chinese page: {english:?}"
    );

    // Another product's option is not reachable through this product.
    let mug = app.product_id("ceramic-mug");
    let r = admin
        .post(
            &format!("/admin/products/{mug}/options/{grind}/remove"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
    let actions = audit_actions(&app, product);
    for action in [
        "product_option.update",
        "product_option.move",
        "product_option_value.update",
        "product_option_value.move",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test]
async fn gallery_pictures_are_added_reordered_and_removed() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let product = app.product_id(KETTLE);
    let gallery = format!("/admin/products/{product}/images");
    let page = admin.html(&gallery).await;
    assert!(page.contains("data-no-images"));
    assert!(
        admin
            .html(&format!("/admin/products/{product}"))
            .await
            .contains(&gallery),
        "linked from the product's page"
    );

    for (path, status, message) in [
        (
            "/static/images/nothing.png",
            422,
            "There is no image at this path.",
        ),
        ("/static/../Cargo.toml", 422, "A path under /static/"),
        ("https://example.com/x.png", 422, "A path under /static/"),
    ] {
        let page = refused(
            &admin,
            &gallery,
            &[("path", path), ("alt_en", "Side view"), ("alt_zh", "侧面")],
            status,
        )
        .await;
        assert!(page.contains(message), "{path}");
        assert!(page.contains("value=\"Side view\"") && page.contains("value=\"侧面\""));
    }
    let before = cache::generation();
    let mug_picture = "/static/images/products/ceramic-mug.svg";
    for (path, alt) in [
        ("/static/images/products/gooseneck-kettle.svg", "Side view"),
        (mug_picture, "With a mug"),
    ] {
        admin
            .post_then(
                &gallery,
                &[("path", path), ("alt_en", alt), ("alt_zh", "图")],
                &gallery,
            )
            .await;
    }
    assert!(cache::generation() > before, "the shop's cache is told");
    let ids: Vec<(i64, String)> = product_images::table
        .filter(product_images::product_id.eq(product))
        .order((product_images::position, product_images::id))
        .select((product_images::id, product_images::alt_en))
        .load(&mut app.db.get().expect("conn"))
        .expect("images");
    assert_eq!(ids.len(), 2);
    let second = ids[1].0;
    let page = admin
        .post_then(
            &format!("{gallery}/{second}/move"),
            &[("direction", "up")],
            &gallery,
        )
        .await;
    let mug_at = page
        .find(&format!("data-image=\"{mug_picture}\""))
        .expect("mug");
    let kettle_at = page
        .find("data-image=\"/static/images/products/gooseneck-kettle.svg\"")
        .expect("kettle");
    assert!(mug_at < kettle_at, "moved up");
    let page = admin
        .post_then(&format!("{gallery}/{second}/remove"), &[], &gallery)
        .await;
    assert!(!page.contains(&format!("data-image=\"{mug_picture}\"")));
    let left: Vec<String> = product_images::table
        .filter(product_images::product_id.eq(product))
        .select(product_images::path)
        .load(&mut app.db.get().expect("conn"))
        .expect("images");
    assert_eq!(left, ["/static/images/products/gooseneck-kettle.svg"]);
    let r = admin.post(&format!("{gallery}/{second}/remove"), &[]).await;
    assert_eq!(r.status(), 404, "already gone");
    let chinese = zh(&admin, &gallery).await;
    assert_translated(&chinese);
    assert!(chinese.contains("图库"));

    let actions = audit_actions(&app, product);
    let gallery_actions: Vec<&str> = actions
        .iter()
        .map(String::as_str)
        .filter(|a| a.starts_with("product_image."))
        .collect();
    assert_eq!(
        gallery_actions,
        [
            "product_image.add",
            "product_image.add",
            "product_image.move",
            "product_image.remove"
        ]
    );
}

#[tokio::test]
async fn the_forms_need_an_admin_and_the_token() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let product = app.product_id(KETTLE);
    let options = format!("/admin/products/{product}/options");
    let anonymous = app.get(&variants_page(product)).await;
    assert_eq!(anonymous.status(), 303);
    assert!(location(&anonymous).starts_with("/admin/login"));
    let forged = admin
        .post_raw(&options, &[("csrf_token", "forged"), ("name_en", "Grind")])
        .await;
    assert_eq!(forged.status(), 403);
    let missing = admin.post_raw(&options, &[("name_en", "Grind")]).await;
    assert_eq!(missing.status(), 403);
    assert!(option_ids(&app, product).is_empty());
    assert_eq!(
        admin.get("/admin/products/99999/variants").await.status(),
        404
    );
    assert_eq!(
        admin.get("/admin/products/99999/images").await.status(),
        404
    );
}
