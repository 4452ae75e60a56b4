//! `GET /admin/products`, `GET /admin/products/new`, `POST /admin/products`,
//! `GET /admin/products/{id}`, `POST /admin/products/{id}`,
//! `POST /admin/products/{id}/visibility`.
//!
//! The product form is `multipart/form-data` (it may carry an image); its CSRF token is one of
//! its parts, checked before anything else is read.

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, Result, http::StatusCode, http::header, web};
use askama::Template;
use serde::Deserialize;

use super::view::{Frame, Tag, frame, price, tag};
use crate::{
    accounts::audit::{self, Target},
    catalogue::editing::{self, ProductForm, SaveError},
    db::DbError,
    i18n::Lang,
    web::extract::auth::{AdminForm, AdminUser, check_csrf},
    web::multipart::{self, Part},
    web::{AppError, AppState, Layout, Page, flash, render},
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
    let all = state.db.run(editing::all).await?;
    let (lang, shop) = (layout.language, state.settings.currency);
    let rows = all
        .into_iter()
        .map(|p| Row {
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

/// Reads the multipart body after checking its CSRF token.
fn read_parts(req: &HttpRequest, admin: &AdminUser, body: &[u8]) -> Result<Vec<Part>, AppError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let parts =
        multipart::parse(content_type, body).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let token = parts
        .iter()
        .find(|p| p.name == "csrf_token")
        .map(Part::text)
        .unwrap_or_default();
    check_csrf(req, admin, &token)?;
    Ok(parts)
}

fn form_of(parts: &[Part]) -> ProductForm {
    let field = |name: &str| {
        parts
            .iter()
            .find(|p| p.name == name && p.filename.is_none())
            .map(Part::text)
            .unwrap_or_default()
    };
    ProductForm {
        category_id: field("category_id"),
        slug: field("slug"),
        sku: field("sku"),
        name_en: field("name_en"),
        name_zh: field("name_zh"),
        description_en: field("description_en"),
        description_zh: field("description_zh"),
        price: field("price"),
        stock: field("stock"),
        active: parts.iter().any(|p| p.name == "active"),
    }
}

/// Creates a product.
pub async fn create(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    admin: AdminUser,
    state: web::Data<AppState>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    save(req, layout, session, admin, state, None, body).await
}

/// Updates product `id`.
pub async fn update(
    req: HttpRequest,
    layout: Layout,
    session: Session,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    save(
        req,
        layout,
        session,
        admin,
        state,
        Some(id.into_inner()),
        body,
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
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let parts = read_parts(&req, &admin, &body)?;
    let form = form_of(&parts);
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
    let image = parts
        .iter()
        .find(|p| p.name == "image" && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
        .filter(|p| !p.data.is_empty());
    let extension = match image.map(|p| editing::check_image(&p.data)) {
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
            let data = image.data.clone();
            Some(web::block(move || editing::store_image(&data, ext)).await??)
        }
        _ => None,
    };
    let actor = admin.actor();
    let upload = stored.clone();
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
    if let (Err(_), Some(path)) = (&saved, &upload) {
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
