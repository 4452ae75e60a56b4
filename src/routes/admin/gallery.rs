//! `GET /admin/products/{id}/images`: a product's gallery, with the forms that add a picture
//! (`POST /admin/products/{id}/images`), move one (`…/images/{image}/move`) and take one out
//! (`…/images/{image}/remove`).

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::product_options::MovePost;
use super::variants::audited;
use super::view::{Empty, FormErrors, Frame, frame};
use crate::{
    catalogue::{
        editing,
        gallery::{self, GalleryError, GalleryImage, ImageInput},
    },
    db::DbError,
    i18n::Lang,
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// A picture as listed.
pub struct ImageRow {
    image: GalleryImage,
    first: bool,
    last: bool,
}

/// The gallery page.
#[derive(Template)]
#[template(path = "admin/products/gallery.html")]
pub struct GalleryPage {
    layout: Layout,
    frame: Frame,
    product_id: i64,
    product_name: String,
    product_image: String,
    images: Vec<ImageRow>,
    max_images: usize,
    form: ImageInput,
    errors: FormErrors,
}

fn page_path(product_id: i64) -> String {
    format!("/admin/products/{product_id}/images")
}

async fn render(
    mut layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    product_id: i64,
    form: ImageInput,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let loaded = state
        .db
        .run(move |conn| {
            let Some(product) = editing::one(conn, product_id)? else {
                return Ok::<_, DbError>(None);
            };
            Ok(Some((product, gallery::list(conn, product_id)?)))
        })
        .await?;
    let Some((product, images)) = loaded else {
        return Err(AppError::NotFound);
    };
    let frame = frame(&mut layout, admin, "products");
    let count = images.len();
    let product_name = if layout.language == Lang::ZhCn && !product.name_zh.trim().is_empty() {
        product.name_zh
    } else {
        product.name_en
    };
    let page = GalleryPage {
        product_id,
        product_name,
        product_image: product.image_path,
        images: images
            .into_iter()
            .enumerate()
            .map(|(i, image)| ImageRow {
                image,
                first: i == 0,
                last: i + 1 == count,
            })
            .collect(),
        max_images: gallery::MAX_IMAGES,
        form,
        errors,
        layout,
        frame,
    };
    Ok(Page::new(page).status(status).into())
}

/// The gallery of product `id`.
pub async fn show(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (form, errors) = (ImageInput::default(), FormErrors::default());
    let product_id = id.into_inner();
    render(
        layout,
        &admin,
        &state,
        product_id,
        form,
        errors,
        StatusCode::OK,
    )
    .await
}

/// Adds a picture at the end of the gallery.
pub async fn add(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<ImageInput>,
) -> Result<HttpResponse, AppError> {
    let product_id = id.into_inner();
    let AdminForm { admin, form } = post;
    let lang = layout.language;
    let checked = match form.check() {
        Ok(checked) => checked,
        Err(problems) => {
            let errors = FormErrors::new(problems, lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, form, errors, status).await;
        }
    };
    let actor = admin.actor();
    let added = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                if editing::one(conn, product_id)?.is_none() {
                    return Ok(None);
                }
                let image_id = gallery::add(conn, product_id, &checked)?;
                let detail = serde_json::json!({ "image_id": image_id, "path": checked.path });
                audited(conn, &actor, "product_image.add", product_id, detail)?;
                Ok::<_, GalleryError>(Some(image_id))
            })
        })
        .await;
    match added {
        Ok(Some(_)) => {
            flash::push(&session, "success", lang.tr("admin.gallery.added"));
            Ok(see_other(&page_path(product_id)))
        }
        Ok(None) => Err(AppError::NotFound),
        Err(GalleryError::Full) => {
            let errors = FormErrors::new(vec![("path", "admin.gallery.error_full")], lang);
            let status = StatusCode::CONFLICT;
            render(layout, &admin, &state, product_id, form, errors, status).await
        }
        Err(GalleryError::Db(e)) => Err(e.into()),
    }
}

/// Moves a picture up or down.
pub async fn move_image(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<MovePost>,
) -> Result<HttpResponse, AppError> {
    let (product_id, image_id) = path.into_inner();
    let up = post.form.up()?;
    let actor = post.admin.actor();
    let found = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let moved = gallery::move_image(conn, product_id, image_id, up)?;
                if moved == Some(true) {
                    let detail = serde_json::json!({ "image_id": image_id, "up": up });
                    audited(conn, &actor, "product_image.move", product_id, detail)?;
                }
                Ok::<_, DbError>(moved.is_some())
            })
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.gallery.moved"));
    Ok(see_other(&page_path(product_id)))
}

/// Takes a picture out of the gallery.
pub async fn remove(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (product_id, image_id) = path.into_inner();
    let actor = post.admin.actor();
    let removed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let path = gallery::remove(conn, product_id, image_id)?;
                if let Some(path) = &path {
                    let detail = serde_json::json!({ "image_id": image_id, "path": path });
                    audited(conn, &actor, "product_image.remove", product_id, detail)?;
                }
                Ok::<_, DbError>(path.is_some())
            })
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.gallery.removed"));
    Ok(see_other(&page_path(product_id)))
}
