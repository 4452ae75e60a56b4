//! A product's gallery as the merchant edits it: pictures shown on its page after the main
//! image, each a path under `/static/` with alternative text in both languages. The functions
//! run inside the caller's transaction ([`crate::catalogue::editing::change`]).

use diesel::prelude::*;
use serde::Deserialize;

use crate::catalogue::{
    editing::{self, FieldError},
    options::moved,
};
use crate::db::{DbConnection, DbError, schema::product_images};

/// Most pictures a gallery may hold: enough for every angle, few enough for one page.
pub const MAX_IMAGES: usize = 20;
/// Longest alternative text, in characters.
const MAX_ALT: usize = 200;

/// A picture of the gallery.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = product_images)]
#[expect(missing_docs, reason = "fields mirror the product_images columns")]
pub struct GalleryImage {
    pub id: i64,
    pub product_id: i64,
    pub path: String,
    pub alt_en: String,
    pub alt_zh: String,
    pub position: i64,
}

/// The form adding a picture, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
#[expect(missing_docs, reason = "one field per form input")]
pub struct ImageInput {
    pub path: String,
    pub alt_en: String,
    pub alt_zh: String,
}

/// A picture's checked values, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedImage {
    /// `/static/…`, naming a file the shop has.
    pub path: String,
    alt_en: String,
    alt_zh: String,
}

impl ImageInput {
    /// Checks the form: the path as a variant's image path is checked; the texts may be empty
    /// (a picture that only repeats the product's name needs none).
    pub fn check(&self) -> Result<CheckedImage, Vec<FieldError>> {
        let mut errors = Vec::new();
        let path = editing::check_image_path(&self.path)
            .map_err(|key| errors.push(("path", key)))
            .ok();
        let (alt_en, alt_zh) = (self.alt_en.trim(), self.alt_zh.trim());
        if alt_en.chars().count() > MAX_ALT {
            errors.push(("alt_en", "admin.gallery.error_alt"));
        }
        if alt_zh.chars().count() > MAX_ALT {
            errors.push(("alt_zh", "admin.gallery.error_alt"));
        }
        match path {
            Some(path) if errors.is_empty() => Ok(CheckedImage {
                path,
                alt_en: alt_en.to_owned(),
                alt_zh: alt_zh.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// Why a picture was not added.
#[derive(Debug, thiserror::Error)]
pub enum GalleryError {
    /// The gallery holds [`MAX_IMAGES`] already.
    #[error("the gallery is full")]
    Full,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for GalleryError {
    fn from(e: diesel::result::Error) -> Self {
        GalleryError::Db(e.into())
    }
}

/// The product's gallery, in display order.
pub fn list(conn: &mut DbConnection, product_id: i64) -> Result<Vec<GalleryImage>, DbError> {
    Ok(product_images::table
        .filter(product_images::product_id.eq(product_id))
        .order((product_images::position, product_images::id))
        .select(GalleryImage::as_select())
        .load(conn)?)
}

/// Adds a picture at the end of the product's gallery. Returns its id.
pub fn add(
    conn: &mut DbConnection,
    product_id: i64,
    image: &CheckedImage,
) -> Result<i64, GalleryError> {
    let positions: Vec<i64> = product_images::table
        .filter(product_images::product_id.eq(product_id))
        .select(product_images::position)
        .load(conn)?;
    if positions.len() >= MAX_IMAGES {
        return Err(GalleryError::Full);
    }
    Ok(diesel::insert_into(product_images::table)
        .values((
            product_images::product_id.eq(product_id),
            product_images::path.eq(&image.path),
            product_images::alt_en.eq(&image.alt_en),
            product_images::alt_zh.eq(&image.alt_zh),
            product_images::position.eq(positions.iter().max().map_or(0, |p| p + 1)),
        ))
        .returning(product_images::id)
        .get_result(conn)?)
}

/// Moves picture `image_id` of the product one place up or down. `None` when there is no such
/// picture; `Some(false)` when it was already at that end.
pub fn move_image(
    conn: &mut DbConnection,
    product_id: i64,
    image_id: i64,
    up: bool,
) -> Result<Option<bool>, DbError> {
    let ids: Vec<i64> = product_images::table
        .filter(product_images::product_id.eq(product_id))
        .order((product_images::position, product_images::id))
        .select(product_images::id)
        .load(conn)?;
    if !ids.contains(&image_id) {
        return Ok(None);
    }
    let Some(order) = moved(&ids, image_id, up) else {
        return Ok(Some(false));
    };
    // Renumbered from 0 rather than two positions swapped: positions of older rows may tie.
    for (position, id) in (0_i64..).zip(order) {
        diesel::update(product_images::table.find(id))
            .set(product_images::position.eq(position))
            .execute(conn)?;
    }
    Ok(Some(true))
}

/// Takes picture `image_id` out of the product's gallery (the file stays: the product's main
/// image or a variant may show it too). Returns its path, or `None` when there is no such
/// picture.
pub fn remove(
    conn: &mut DbConnection,
    product_id: i64,
    image_id: i64,
) -> Result<Option<String>, DbError> {
    let path: Option<String> = product_images::table
        .find(image_id)
        .filter(product_images::product_id.eq(product_id))
        .select(product_images::path)
        .first(conn)
        .optional()?;
    if path.is_some() {
        diesel::delete(product_images::table.find(image_id)).execute(conn)?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_picture_needs_a_path_the_shop_has() {
        let good = ImageInput {
            path: "/static/images/logo.svg".into(),
            alt_en: " The logo ".into(),
            alt_zh: String::new(),
        };
        let checked = good.check().expect("valid");
        assert_eq!(checked.alt_en, "The logo");
        let bad = ImageInput {
            path: "/static/images/nothing-here.png".into(),
            alt_en: "x".repeat(201),
            alt_zh: String::new(),
        };
        let fields: Vec<&str> = bad
            .check()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|(f, _)| f)
            .collect();
        assert_eq!(fields, ["path", "alt_en"]);
    }
}
