//! `GET /admin/products`, `GET /admin/products/new`, `POST /admin/products`,
//! `GET /admin/products/{id}`, `POST /admin/products/{id}`,
//! `POST /admin/products/{id}/visibility`.
//!
//! The product form is `multipart/form-data` (it may carry an image), read by actix-multipart
//! within [`upload_config`]'s limits; its CSRF token is one of its parts, checked before
//! anything else of the form is looked at.

use actix_multipart::form::{MultipartForm, MultipartFormConfig, bytes::Bytes, text::Text};
use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, Result, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Frame, Tag, frame, price, tag};
use crate::{
    accounts::audit::{self, Target},
    catalogue::{
        editing::{self, ProductForm, SaveError},
        variants,
    },
    db::DbError,
    i18n::Lang,
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser, check_csrf},
        flash, render,
    },
};

/// Largest product form body: the image and the text fields.
pub const BODY_LIMIT: usize = editing::MAX_IMAGE_BYTES + 256 * 1024;

/// A product in the list.
pub struct Row {
    id: i64,
    name: String,
    sku: String,
    slug: String,
    price: String,
    stock: i64,
    image_path: String,
    active: bool,
    state: Tag,
    /// How many variants it has and their stock together; `None` without variants, when the
    /// product's own stock is what is sold.
    variants: Option<(i64, i64)>,
}

/// The products list.
#[derive(Template)]
#[template(path = "admin/products/index.html")]
pub struct ProductsPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<Row>,
}

/// Lists every product, hidden ones included.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "products");
    let (all, mut totals) = state
        .db
        .run(|conn| Ok::<_, DbError>((editing::all(conn)?, variants::totals(conn)?)))
        .await?;
    let (lang, shop) = (layout.language, state.settings.currency);
    let rows = all
        .into_iter()
        .map(|p| Row {
            variants: totals.remove(&p.id),
            state: tag(lang, if p.active { "visible" } else { "hidden" }),
            id: p.id,
            name: in_language(lang, p.name_en, p.name_zh),
            sku: p.sku,
            slug: p.slug,
            price: price(p.price_minor, &p.currency, shop),
            stock: p.stock,
            image_path: p.image_path,
            active: p.active,
        })
        .collect();
    let page = ProductsPage {
        rows,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

/// A category of the form's list.
pub struct CategoryChoice {
    id: i64,
    name: String,
    selected: bool,
}

/// The product form (new or edit).
#[derive(Template)]
#[template(path = "admin/products/form.html")]
pub struct ProductFormPage {
    layout: Layout,
    frame: Frame,
    id: Option<i64>,
    form: ProductForm,
    categories: Vec<CategoryChoice>,
    errors: Vec<(&'static str, String)>,
    image_path: Option<String>,
    max_image_mb: usize,
}

impl ProductFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    /// The product's name in the admin's language, for the heading.
    fn heading_name(&self) -> &str {
        if self.layout.language == Lang::ZhCn && !self.form.name_zh.trim().is_empty() {
            &self.form.name_zh
        } else {
            &self.form.name_en
        }
    }

    /// True while no category is chosen (a new product): the empty choice is shown selected.
    fn no_category(&self) -> bool {
        !self.categories.iter().any(|c| c.selected)
    }
}

/// The Chinese name in Chinese when the merchant gave one, else the English one.
fn in_language(lang: Lang, en: String, zh: String) -> String {
    if lang == Lang::ZhCn && !zh.trim().is_empty() {
        zh
    } else {
        en
    }
}

#[expect(clippy::too_many_arguments, reason = "the page's parts, each needed")]
fn form_page(
    mut layout: Layout,
    admin: &AdminUser,
    id: Option<i64>,
    form: ProductForm,
    categories: Vec<(i64, String, String)>,
    errors: Vec<(&'static str, &'static str)>,
    image_path: Option<String>,
    status: StatusCode,
) -> HttpResponse {
    let frame = frame(&mut layout, admin, "products");
    let errors = errors
        .into_iter()
        .map(|(f, key)| (f, layout.tr(key).to_owned()))
        .collect();
    let selected = form.category_id.trim().parse::<i64>().ok();
    let page = ProductFormPage {
        categories: categories
            .into_iter()
            .map(|(id, en, zh)| CategoryChoice {
                selected: Some(id) == selected,
                id,
                name: in_language(layout.language, en, zh),
            })
            .collect(),
        id,
        form,
        errors,
        image_path,
        max_image_mb: editing::MAX_IMAGE_BYTES / (1024 * 1024),
        layout,
        frame,
    };
    Page::new(page).status(status).into()
}

/// An empty form.
pub async fn new(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let categories = state.db.run(editing::categories).await?;
    // No category chosen for the merchant: a new product lands where they pick, not silently
    // in the first category.
    let form = ProductForm {
        stock: "0".into(),
        active: true,
        ..ProductForm::default()
    };
    Ok(form_page(
        layout,
        &admin,
        None,
        form,
        categories,
        Vec::new(),
        None,
        StatusCode::OK,
    ))
}

/// The form filled with product `id`.
pub async fn edit(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (product, categories) = state
        .db
        .run(move |conn| Ok::<_, DbError>((editing::one(conn, id)?, editing::categories(conn)?)))
        .await?;
    let Some(p) = product else {
        return Err(AppError::NotFound);
    };
    let currency = asiabill::Currency::parse(&p.currency).unwrap_or(state.settings.currency);
    let form = ProductForm::of(&p, currency);
    Ok(form_page(
        layout,
        &admin,
        Some(id),
        form,
        categories,
        Vec::new(),
        Some(p.image_path),
        StatusCode::OK,
    ))
}

/// The product form as the browser posts it (`multipart/form-data`, read into memory whole
/// within [`upload_config`]'s limits). Every text field is optional so that a field left out
/// reads as empty and is reported by the form's own checks, beside the field.
#[derive(MultipartForm)]
pub struct ProductUpload {
    csrf_token: Option<Text<String>>,
    category_id: Option<Text<String>>,
    slug: Option<Text<String>>,
    sku: Option<Text<String>>,
    name_en: Option<Text<String>>,
    name_zh: Option<Text<String>>,
    description_en: Option<Text<String>>,
    description_zh: Option<Text<String>>,
    price: Option<Text<String>>,
    stock: Option<Text<String>>,
    weight: Option<Text<String>>,
    active: Option<Text<String>>,
    image: Option<Bytes>,
}

/// The limits of the product form: the largest image allowed and room for the text fields.
/// Kept in memory (no temporary files): an image larger than [`editing::MAX_IMAGE_BYTES`] but
/// within the limit still arrives, so the form can say "too large" beside the field.
pub fn upload_config() -> MultipartFormConfig {
    MultipartFormConfig::default()
        .total_limit(BODY_LIMIT)
        .memory_limit(BODY_LIMIT)
}

/// The form, or why it could not be read: over the limits is 413, anything else that is not a
/// multipart form (another content type, a broken body) is a bad request, as for every other
/// form of the shop.
fn upload_of(
    extracted: Result<MultipartForm<ProductUpload>, actix_web::Error>,
) -> Result<ProductUpload, AppError> {
    extracted.map(MultipartForm::into_inner).map_err(|e| {
        if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge
        } else {
            AppError::BadRequest(e.to_string())
        }
    })
}

impl ProductUpload {
    /// The text fields, checked by [`editing::check`].
    fn form(&self) -> ProductForm {
        let field = |f: &Option<Text<String>>| f.as_ref().map(|t| t.0.clone()).unwrap_or_default();
        ProductForm {
            category_id: field(&self.category_id),
            slug: field(&self.slug),
            sku: field(&self.sku),
            name_en: field(&self.name_en),
            name_zh: field(&self.name_zh),
            description_en: field(&self.description_en),
            description_zh: field(&self.description_zh),
            price: field(&self.price),
            stock: field(&self.stock),
            weight: field(&self.weight),
            active: self.active.is_some(),
        }
    }

    /// The chosen image; a file input left empty posts an empty part with an empty file name.
    fn image(&self) -> Option<&[u8]> {
        self.image
            .as_ref()
            .filter(|i| i.file_name.as_deref().is_some_and(|f| !f.is_empty()))
            .map(|i| i.data.as_ref())
            .filter(|data| !data.is_empty())
    }
}

/// Creates a product.
pub async fn create(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    admin: AdminUser,
    state: web::Data<AppState>,
    upload: Result<MultipartForm<ProductUpload>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    save(req, layout, session, admin, state, None, upload_of(upload)?).await
}

/// Updates product `id`.
pub async fn update(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    upload: Result<MultipartForm<ProductUpload>, actix_web::Error>,
) -> Result<HttpResponse, AppError> {
    save(
        req,
        layout,
        session,
        admin,
        state,
        Some(id.into_inner()),
        upload_of(upload)?,
    )
    .await
}

async fn save(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: Option<i64>,
    upload: ProductUpload,
) -> Result<HttpResponse, AppError> {
    // The CSRF token first: nothing else of a forged form is looked at.
    let token = upload
        .csrf_token
        .as_ref()
        .map(|t| t.0.as_str())
        .unwrap_or_default();
    check_csrf(&req, &admin, token)?;
    let form = upload.form();
    let (existing, categories) = state
        .db
        .run(move |conn| {
            let existing = match id {
                Some(id) => editing::one(conn, id)?,
                None => None,
            };
            Ok::<_, DbError>((existing, editing::categories(conn)?))
        })
        .await?;
    if id.is_some() && existing.is_none() {
        return Err(AppError::NotFound);
    }
    let current_image = existing.as_ref().map(|p| p.image_path.clone());
    let currency = state.settings.currency;
    let ids: Vec<i64> = categories.iter().map(|(id, ..)| *id).collect();
    let mut errors = Vec::new();
    let image = upload.image();
    let extension = match image.map(editing::check_image) {
        Some(Ok(ext)) => Some(ext),
        Some(Err(e)) => {
            errors.push(("image", e.key()));
            None
        }
        None => None,
    };
    let checked = match editing::check(&form, currency, &ids) {
        Ok(c) if errors.is_empty() => c,
        Ok(_) => {
            return Ok(form_page(
                layout,
                &admin,
                id,
                form,
                categories,
                errors,
                current_image,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
        Err(mut more) => {
            more.append(&mut errors);
            return Ok(form_page(
                layout,
                &admin,
                id,
                form,
                categories,
                more,
                current_image,
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
        }
    };
    let stored = match (image, extension) {
        (Some(image), Some(ext)) => {
            let data = image.to_vec();
            Some(web::block(move || editing::store_image(&data, ext)).await??)
        }
        _ => None,
    };
    let actor = admin.actor();
    let stored_path = stored.clone();
    let saved = state
        .db
        .run(move |conn| {
            let saved = editing::save(conn, id, &checked, currency, stored.as_deref());
            if let Ok(product_id) = &saved {
                audit::record(
                    conn,
                    &actor,
                    if id.is_some() {
                        "product.update"
                    } else {
                        "product.create"
                    },
                    Some(Target {
                        kind: "product",
                        id: &product_id.to_string(),
                    }),
                    Some(serde_json::json!({ "image": stored })),
                )?;
            }
            Ok::<_, DbError>(saved)
        })
        .await?;
    if let (Err(_), Some(path)) = (&saved, &stored_path) {
        editing::remove_image(path);
    }
    match saved {
        Ok(product_id) => {
            flash::push(&session, "success", layout.tr("admin.products.saved"));
            Ok(render::see_other(&format!("/admin/products/{product_id}")))
        }
        Err(SaveError::Taken(field)) => {
            let key = if field == "sku" {
                "admin.products.error_sku_taken"
            } else {
                "admin.products.error_slug_taken"
            };
            Ok(form_page(
                layout,
                &admin,
                id,
                form,
                categories,
                vec![(field, key)],
                current_image,
                StatusCode::CONFLICT,
            ))
        }
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(SaveError::Db(e)) => Err(e.into()),
    }
}

/// `active=true|false`.
#[derive(Deserialize)]
pub struct VisibilityPost {
    active: String,
}

/// Shows or hides a product in the shop.
pub async fn visibility(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<VisibilityPost>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let active = post.form.active == "true";
    let actor = post.admin.actor();
    let found = state
        .db
        .run(move |conn| {
            let found = editing::set_active(conn, id, active)?;
            if found {
                audit::record(
                    conn,
                    &actor,
                    if active {
                        "product.show"
                    } else {
                        "product.hide"
                    },
                    Some(Target {
                        kind: "product",
                        id: &id.to_string(),
                    }),
                    None,
                )?;
            }
            Ok::<_, DbError>(found)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    flash::push(
        &session,
        "success",
        layout.tr(if active {
            "admin.products.shown"
        } else {
            "admin.products.hidden"
        }),
    );
    Ok(render::see_other("/admin/products"))
}

#[cfg(test)]
mod tests {
    use actix_web::{FromRequest, http::header, test::TestRequest};

    use super::*;

    async fn read(content_type: &str, body: &'static [u8]) -> Result<ProductUpload, String> {
        let (req, mut payload) = TestRequest::default()
            .insert_header((header::CONTENT_TYPE, content_type))
            .app_data(upload_config())
            .set_payload(body)
            .to_http_parts();
        MultipartForm::<ProductUpload>::from_request(&req, &mut payload)
            .await
            .map(MultipartForm::into_inner)
            .map_err(|e| e.to_string())
    }

    #[actix_web::test]
    async fn fields_and_files_are_read() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"sku\"\r\n\r\nMUG-1\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"image\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\r\n\x00\x01\r\n\
--XyZ--\r\n";
        let upload = read("multipart/form-data; boundary=XyZ", body)
            .await
            .expect("parses");
        assert_eq!(upload.form().sku, "MUG-1");
        assert_eq!(upload.form().name_en, "", "a field left out reads as empty");
        let image = upload.image.as_ref().expect("image part");
        assert_eq!(image.file_name.as_deref(), Some("a.png"));
        assert_eq!(
            image.content_type.as_ref().map(|m| m.essence_str()),
            Some("image/png")
        );
        assert_eq!(upload.image(), Some(&b"\x89PNG\r\n\x00\x01"[..]));
    }

    #[actix_web::test]
    async fn an_empty_file_input_is_no_image() {
        let body = b"--b\r\nContent-Disposition: form-data; name=\"image\"; filename=\"\"\r\nContent-Type: application/octet-stream\r\n\r\n\r\n--b--\r\n";
        let upload = read("multipart/form-data; boundary=b", body)
            .await
            .expect("parses");
        assert_eq!(upload.image(), None);
    }

    #[actix_web::test]
    async fn bad_bodies_are_refused() {
        assert!(
            read("application/x-www-form-urlencoded", b"a=1")
                .await
                .is_err()
        );
        assert!(
            read(
                "multipart/form-data; boundary=\"b\"",
                b"--b\r\nno headers end"
            )
            .await
            .is_err()
        );
        let only_token = read(
            "multipart/form-data; boundary=b",
            b"--b\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nt\r\n--b--\r\n",
        )
        .await
        .expect("a form of one field parses");
        assert_eq!(only_token.form().sku, "");
    }
}
