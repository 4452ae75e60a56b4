//! Products as the merchant edits them: checking the form, saving, hiding, and storing an
//! uploaded image under `static/images/uploads/`, which the shop serves at
//! `/static/images/uploads/`.

use std::path::PathBuf;

use asiabill::Currency;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{
    DbConnection, DbError, now,
    schema::{categories, product_variants, products},
};
use crate::money::amount::{self, AmountError};

/// Largest image accepted.
pub const MAX_IMAGE_BYTES: usize = 2 * 1024 * 1024;
/// Largest stock a form may set.
pub const MAX_STOCK: i64 = 1_000_000;
/// Largest weight a form may set, in grams (a tonne: no parcel weighs more).
pub const MAX_WEIGHT_GRAMS: i64 = 1_000_000;
/// The picture of a product created without an image.
pub const PLACEHOLDER_IMAGE: &str = "/static/images/logo.svg";

/// A product row as the admin pages show it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products)]
#[expect(missing_docs, reason = "fields mirror the products columns")]
pub struct Product {
    pub id: i64,
    pub category_id: i64,
    pub slug: String,
    pub sku: String,
    pub name_en: String,
    pub name_zh: String,
    pub description_en: String,
    pub description_zh: String,
    pub price_minor: i64,
    pub currency: String,
    pub stock: i64,
    pub image_path: String,
    pub active: bool,
    pub updated_at: NaiveDateTime,
    pub weight_grams: i64,
}

/// The form as typed.
#[derive(Debug, Clone, Default)]
#[expect(
    missing_docs,
    reason = "one field per form input, named as the columns"
)]
pub struct ProductForm {
    pub category_id: String,
    pub slug: String,
    pub sku: String,
    pub name_en: String,
    pub name_zh: String,
    pub description_en: String,
    pub description_zh: String,
    pub price: String,
    pub stock: String,
    /// Grams; empty reads as 0.
    pub weight: String,
    pub active: bool,
}

impl ProductForm {
    /// The form filled from a product.
    pub fn of(p: &Product, currency: Currency) -> Self {
        ProductForm {
            category_id: p.category_id.to_string(),
            slug: p.slug.clone(),
            sku: p.sku.clone(),
            name_en: p.name_en.clone(),
            name_zh: p.name_zh.clone(),
            description_en: p.description_en.clone(),
            description_zh: p.description_zh.clone(),
            price: amount::input_value(p.price_minor, currency),
            stock: p.stock.to_string(),
            weight: p.weight_grams.to_string(),
            active: p.active,
        }
    }
}

/// A field and the locale key of what is wrong with it.
pub type FieldError = (&'static str, &'static str);

/// Checked values, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    category_id: i64,
    slug: String,
    sku: String,
    name_en: String,
    name_zh: String,
    description_en: String,
    description_zh: String,
    price_minor: i64,
    stock: i64,
    weight_grams: i64,
    active: bool,
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 80
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// Checks the form (`category_ids` are the categories that exist).
pub fn check(
    form: &ProductForm,
    currency: Currency,
    category_ids: &[i64],
) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let category_id = form.category_id.trim().parse::<i64>().ok();
    if !category_id.is_some_and(|id| category_ids.contains(&id)) {
        errors.push(("category_id", "admin.products.error_category"));
    }
    let slug = form.slug.trim().to_owned();
    if !is_slug(&slug) {
        errors.push(("slug", "admin.products.error_slug"));
    }
    let sku = form.sku.trim().to_owned();
    if sku.is_empty() || sku.chars().count() > 40 || sku.contains(char::is_whitespace) {
        errors.push(("sku", "admin.products.error_sku"));
    }
    let name_en = form.name_en.trim().to_owned();
    if name_en.is_empty() || name_en.chars().count() > 120 {
        errors.push(("name_en", "admin.products.error_name"));
    }
    let name_zh = form.name_zh.trim().to_owned();
    if name_zh.chars().count() > 120 {
        errors.push(("name_zh", "admin.products.error_name"));
    }
    let (description_en, description_zh) = (
        form.description_en.trim().to_owned(),
        form.description_zh.trim().to_owned(),
    );
    if description_en.chars().count() > 4000 {
        errors.push(("description_en", "admin.products.error_description"));
    }
    if description_zh.chars().count() > 4000 {
        errors.push(("description_zh", "admin.products.error_description"));
    }
    let price = match amount::parse(&form.price, currency) {
        Ok(p) => Some(p),
        Err(AmountError::Zero | AmountError::Malformed) => {
            errors.push(("price", "admin.products.error_price"));
            None
        }
    };
    let stock = form
        .stock
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|s| (0..=MAX_STOCK).contains(s));
    if stock.is_none() {
        errors.push(("stock", "admin.products.error_stock"));
    }
    // A weight left empty is none: a product without one ships at a rate by weight's base.
    let weight = match form.weight.trim() {
        "" => Some(0),
        text => text
            .parse::<i64>()
            .ok()
            .filter(|w| (0..=MAX_WEIGHT_GRAMS).contains(w)),
    };
    if weight.is_none() {
        errors.push(("weight", "admin.products.error_weight"));
    }
    match (category_id, price, stock, weight) {
        (Some(category_id), Some(price_minor), Some(stock), Some(weight_grams))
            if errors.is_empty() =>
        {
            Ok(Checked {
                category_id,
                name_zh: if name_zh.is_empty() {
                    name_en.clone()
                } else {
                    name_zh
                },
                slug,
                sku,
                name_en,
                description_en,
                description_zh,
                price_minor,
                stock,
                weight_grams,
                active: form.active,
            })
        }
        _ => Err(errors),
    }
}

/// All categories, for the form's list: id and English name.
pub fn categories(conn: &mut DbConnection) -> Result<Vec<(i64, String, String)>, DbError> {
    Ok(categories::table
        .order((categories::position, categories::id))
        .select((categories::id, categories::name_en, categories::name_zh))
        .load(conn)?)
}

/// Every product, hidden ones included.
pub fn all(conn: &mut DbConnection) -> Result<Vec<Product>, DbError> {
    Ok(products::table
        .order(products::id)
        .select(Product::as_select())
        .load(conn)?)
}

/// One product.
pub fn one(conn: &mut DbConnection, id: i64) -> Result<Option<Product>, DbError> {
    Ok(products::table
        .find(id)
        .select(Product::as_select())
        .first(conn)
        .optional()?)
}

/// Why a product was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// Slug or SKU used by another product.
    #[error("{0} is taken")]
    Taken(&'static str),
    /// No such product.
    #[error("no such product")]
    NotFound,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

fn taken(
    conn: &mut DbConnection,
    c: &Checked,
    id: Option<i64>,
) -> Result<Option<&'static str>, DbError> {
    let other = id.unwrap_or(0);
    let slug: i64 = products::table
        .filter(products::slug.eq(&c.slug))
        .filter(products::id.ne(other))
        .count()
        .get_result(conn)?;
    if slug > 0 {
        return Ok(Some("slug"));
    }
    let sku: i64 = products::table
        .filter(products::sku.eq(&c.sku))
        .filter(products::id.ne(other))
        .count()
        .get_result(conn)?;
    // A variant's SKU is as much the shop's as a product's: a picking list or an export
    // naming it must mean one thing.
    let variant_sku: i64 = product_variants::table
        .filter(product_variants::sku.eq(&c.sku))
        .count()
        .get_result(conn)?;
    Ok((sku + variant_sku > 0).then_some("sku"))
}

/// Creates a product (with the placeholder picture when `image_path` is `None`) or updates product `id` (keeping
/// its image when `image_path` is `None`). Returns the product's id.
pub fn save(
    conn: &mut DbConnection,
    id: Option<i64>,
    c: &Checked,
    currency: Currency,
    image_path: Option<&str>,
) -> Result<i64, SaveError> {
    if let Some(field) = taken(conn, c, id)? {
        return Err(SaveError::Taken(field));
    }
    let at = now();
    let saved = match id {
        Some(id) => {
            let changed = diesel::update(products::table.find(id))
                .set((
                    products::category_id.eq(c.category_id),
                    products::slug.eq(&c.slug),
                    products::sku.eq(&c.sku),
                    products::name_en.eq(&c.name_en),
                    products::name_zh.eq(&c.name_zh),
                    products::description_en.eq(&c.description_en),
                    products::description_zh.eq(&c.description_zh),
                    products::price_minor.eq(c.price_minor),
                    products::stock.eq(c.stock),
                    products::weight_grams.eq(c.weight_grams),
                    products::active.eq(c.active),
                    products::updated_at.eq(at),
                ))
                .execute(conn)
                .map_err(DbError::from);
            match changed {
                Ok(0) => return Err(SaveError::NotFound),
                Ok(_) => Ok(id),
                Err(e) => Err(e),
            }
        }
        None => diesel::insert_into(products::table)
            .values((
                products::category_id.eq(c.category_id),
                products::slug.eq(&c.slug),
                products::sku.eq(&c.sku),
                products::name_en.eq(&c.name_en),
                products::name_zh.eq(&c.name_zh),
                products::description_en.eq(&c.description_en),
                products::description_zh.eq(&c.description_zh),
                products::price_minor.eq(c.price_minor),
                products::currency.eq(currency.code()),
                products::stock.eq(c.stock),
                products::weight_grams.eq(c.weight_grams),
                products::image_path.eq(image_path.unwrap_or(PLACEHOLDER_IMAGE)),
                products::active.eq(c.active),
                products::created_at.eq(at),
                products::updated_at.eq(at),
            ))
            .returning(products::id)
            .get_result(conn)
            .map_err(DbError::from),
    };
    let id = match saved {
        Ok(id) => id,
        // Another admin took the slug or SKU between the check and the write.
        Err(e) if e.is_unique_violation() => return Err(SaveError::Taken("slug")),
        Err(e) => return Err(e.into()),
    };
    if let Some(path) = image_path {
        diesel::update(products::table.find(id))
            .set(products::image_path.eq(path))
            .execute(conn)
            .map_err(DbError::from)?;
    }
    crate::catalogue::cache::changed();
    Ok(id)
}

/// Shows or hides product `id`; false when there is no such product.
pub fn set_active(conn: &mut DbConnection, id: i64, active: bool) -> Result<bool, DbError> {
    let found = diesel::update(products::table.find(id))
        .set((products::active.eq(active), products::updated_at.eq(now())))
        .execute(conn)?
        == 1;
    crate::catalogue::cache::changed();
    Ok(found)
}

/// Runs `f` in a write transaction and, once it has committed, tells the page cache that the
/// catalogue changed: the edits of variants, options and images, with their audit entries.
///
/// After the commit rather than beside the write, so that a page loaded in between cannot be
/// cached as current while still showing the old rows.
pub fn change<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let done = crate::db::write_transaction(conn, f)?;
    crate::catalogue::cache::changed();
    Ok(done)
}

/// Longest image path accepted in a form.
const MAX_IMAGE_PATH: usize = 200;
/// The extensions an image path may end with. SVG is accepted here, unlike in uploads: a path
/// can only name a file already under `static/` (the shop's own pictures, or an upload, which
/// is never SVG), and an `<img>` does not run an SVG's scripts.
const IMAGE_PATH_EXTENSIONS: [&str; 6] = ["png", "jpg", "jpeg", "webp", "gif", "svg"];

/// True for a path the shop serves an image at: `/static/…`, plain letters, digits, `-`, `_`,
/// `.` and `/`, no `..` or empty segment, and an image extension.
pub fn is_image_path(path: &str) -> bool {
    let Some(rest) = path.strip_prefix("/static/") else {
        return false;
    };
    let plain = rest
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/'));
    let segments_ok = rest
        .split('/')
        .all(|s| !s.is_empty() && s != "." && s != "..");
    let extension = rest.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    path.len() <= MAX_IMAGE_PATH
        && plain
        && segments_ok
        && extension.is_some_and(|e| IMAGE_PATH_EXTENSIONS.contains(&e.as_str()))
}

/// Checks a typed image path (a variant's image, a gallery picture): well formed (see
/// [`is_image_path`]) and naming a file the shop has, so that a typo is caught here rather
/// than shown to shoppers as a broken picture. Returns the trimmed path or the locale key of
/// what is wrong.
pub fn check_image_path(typed: &str) -> Result<String, &'static str> {
    let path = typed.trim();
    if !is_image_path(path) {
        return Err("admin.variants.error_image_path");
    }
    let file = crate::web::state::static_dir().join(path.trim_start_matches("/static/"));
    if !file.is_file() {
        return Err("admin.variants.error_image_missing");
    }
    Ok(path.to_owned())
}

/// Image formats accepted, recognised by their first bytes (the declared type and the file
/// name are not trusted). SVG is refused: it can carry scripts.
fn image_extension(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("jpg")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("webp")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("gif")
    } else {
        None
    }
}

/// Why an image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageError {
    /// Over [`MAX_IMAGE_BYTES`].
    TooLarge,
    /// Not PNG, JPEG, WebP or GIF.
    WrongType,
}

impl ImageError {
    /// Locale key of the message.
    pub fn key(self) -> &'static str {
        match self {
            ImageError::TooLarge => "admin.products.error_image_size",
            ImageError::WrongType => "admin.products.error_image_type",
        }
    }
}

/// Checks an uploaded image; returns the file extension to store it under.
pub fn check_image(bytes: &[u8]) -> Result<&'static str, ImageError> {
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(ImageError::TooLarge);
    }
    image_extension(bytes).ok_or(ImageError::WrongType)
}

/// Where uploads are stored: `uploads` under the served images folder.
pub fn upload_dir() -> PathBuf {
    crate::web::state::static_dir()
        .join("images")
        .join("uploads")
}

/// Writes a checked image under a random name; returns its public path.
pub fn store_image(bytes: &[u8], extension: &str) -> std::io::Result<String> {
    let dir = upload_dir();
    std::fs::create_dir_all(&dir)?;
    let name = format!(
        "{}.{extension}",
        &crate::accounts::sessions::random_token()[..24]
    );
    std::fs::write(dir.join(&name), bytes)?;
    Ok(format!("/static/images/uploads/{name}"))
}

/// Deletes an upload that ended up unused (its product was not saved); best effort.
pub fn remove_image(public_path: &str) {
    if let Some(name) = public_path.strip_prefix("/static/images/uploads/")
        && !name.contains(['/', '\\'])
        && let Err(e) = std::fs::remove_file(upload_dir().join(name))
    {
        tracing::warn!(error = %e, path = public_path, "could not delete an unused upload");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").expect("USD")
    }

    fn form() -> ProductForm {
        ProductForm {
            category_id: "1".into(),
            slug: "travel-mug".into(),
            sku: "MUG-TRAVEL".into(),
            name_en: "Travel mug".into(),
            price: "12.50".into(),
            stock: "10".into(),
            active: true,
            ..ProductForm::default()
        }
    }

    #[test]
    fn a_good_form_passes_and_the_chinese_name_falls_back() {
        let checked = check(&form(), usd(), &[1]).expect("valid");
        assert_eq!(checked.price_minor, 1250);
        assert_eq!(checked.name_zh, "Travel mug");
    }

    #[test]
    fn each_bad_field_is_named() {
        let bad = ProductForm {
            category_id: "9".into(),
            slug: "Travel Mug".into(),
            sku: "".into(),
            name_en: " ".into(),
            price: "12.505".into(),
            stock: "-1".into(),
            weight: "1.5".into(),
            ..form()
        };
        let fields: Vec<&str> = check(&bad, usd(), &[1])
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(
            fields,
            [
                "category_id",
                "slug",
                "sku",
                "name_en",
                "price",
                "stock",
                "weight"
            ]
        );
    }

    #[test]
    fn image_paths_stay_under_static_and_name_an_image() {
        assert!(is_image_path(
            "/static/images/products/gooseneck-kettle.svg"
        ));
        assert!(is_image_path("/static/images/uploads/a_b-1.PNG"));
        for bad in [
            "",
            "static/images/x.png",
            "/static/../Cargo.toml",
            "/static/images//x.png",
            "/static/images/x.png?y",
            "/static/images/x y.png",
            "/static/images/x.html",
            "/static/images/x",
            "https://example.com/x.png",
            "/static/\"x.png",
        ] {
            assert!(!is_image_path(bad), "{bad}");
        }
        assert_eq!(
            check_image_path(" /static/images/logo.svg "),
            Ok("/static/images/logo.svg".to_owned())
        );
        assert_eq!(
            check_image_path("/static/images/no-such-picture.png"),
            Err("admin.variants.error_image_missing")
        );
    }

    #[test]
    fn images_are_recognised_by_their_bytes() {
        assert_eq!(check_image(b"\x89PNG\r\n\x1a\nrest"), Ok("png"));
        assert_eq!(check_image(&[0xFF, 0xD8, 0xFF, 0xE0]), Ok("jpg"));
        assert_eq!(check_image(b"RIFF\0\0\0\0WEBPVP8 "), Ok("webp"));
        assert_eq!(
            check_image(b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>"),
            Err(ImageError::WrongType)
        );
        let big = vec![0_u8; MAX_IMAGE_BYTES + 1];
        assert_eq!(check_image(&big), Err(ImageError::TooLarge));
    }
}
