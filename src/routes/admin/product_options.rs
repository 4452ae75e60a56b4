//! The actions on a product's options and their values, each answering with the options and
//! variants page ([`super::variants`]):
//! `POST /admin/products/{id}/options` (add), `POST /admin/products/{id}/options/{option}`
//! (rename), `…/options/{option}/move`, `…/options/{option}/remove`,
//! `POST /admin/products/{id}/options/{option}/values` (add a value),
//! `POST /admin/products/{id}/values/{value}` (rename), `…/values/{value}/move`,
//! `…/values/{value}/remove`.

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use serde::Deserialize;

use super::variants::{Retyped, audited, page_path, render};
use super::view::{Empty, FormErrors};
use crate::{
    catalogue::{
        editing,
        options::{self, OptionError, OptionInput, ValueInput},
    },
    web::{
        AppError, AppState, Layout,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// `direction=up|down`.
#[derive(Deserialize)]
pub struct MovePost {
    direction: String,
}

impl MovePost {
    pub(super) fn up(&self) -> Result<bool, AppError> {
        match self.direction.as_str() {
            "up" => Ok(true),
            "down" => Ok(false),
            other => Err(AppError::BadRequest(format!("direction {other:?}"))),
        }
    }
}

/// Answers a refused change: the form again as typed (`retyped` builds it from the problems)
/// or, for variants in the way, the page with a message naming them.
async fn refused(
    layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    product_id: i64,
    error: OptionError,
    name_field: &'static str,
    retyped: impl FnOnce(FormErrors) -> Retyped,
) -> Result<HttpResponse, AppError> {
    let lang = layout.language;
    if let Some(problem) = error.problem(name_field) {
        let retyped = retyped(FormErrors::new(vec![problem], lang));
        let status = StatusCode::CONFLICT;
        return render(layout, admin, state, product_id, retyped, None, status).await;
    }
    let message = match error {
        OptionError::InUse(skus) => lang
            .tr("admin.variants.error_in_use")
            .replace("{skus}", &skus.join(", ")),
        OptionError::TooManyOptions => lang.tr("admin.variants.error_too_many_options").to_owned(),
        OptionError::Db(e) => return Err(e.into()),
        _ => return Err(AppError::NotFound),
    };
    let status = StatusCode::CONFLICT;
    render(
        layout,
        admin,
        state,
        product_id,
        Retyped::Nothing,
        Some(message),
        status,
    )
    .await
}

fn done(session: &Session, layout: &Layout, key: &str, product_id: i64) -> HttpResponse {
    flash::push(session, "success", layout.tr(key));
    see_other(&page_path(product_id))
}

/// Adds an option, with its first value when one is typed.
pub async fn add_option(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<OptionInput>,
) -> Result<HttpResponse, AppError> {
    let product_id = id.into_inner();
    let AdminForm { admin, form } = post;
    let (names, first) = match form.check() {
        Ok(checked) => checked,
        Err(problems) => {
            let retyped = Retyped::NewOption(form, FormErrors::new(problems, layout.language));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, retyped, None, status).await;
        }
    };
    let actor = admin.actor();
    let added = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                if editing::one(conn, product_id)?.is_none() {
                    return Err(OptionError::NotFound);
                }
                let option_id = options::add_option(conn, product_id, &names, first.as_ref())?;
                let detail = serde_json::json!({
                    "option_id": option_id,
                    "name_en": names.en,
                    "name_zh": names.zh,
                    "first_value": first.as_ref().map(|f| &f.en),
                });
                audited(conn, &actor, "product_option.create", product_id, detail)?;
                Ok(())
            })
        })
        .await;
    match added {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.option_added",
            product_id,
        )),
        Err(e) => {
            let retyped = |errors| Retyped::NewOption(form, errors);
            refused(layout, &admin, &state, product_id, e, "name_en", retyped).await
        }
    }
}

/// Renames an option.
pub async fn rename_option(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<OptionInput>,
) -> Result<HttpResponse, AppError> {
    let (product_id, option_id) = path.into_inner();
    let AdminForm { admin, form } = post;
    let names = match form.names() {
        Ok(names) => names,
        Err(problems) => {
            let errors = FormErrors::new(problems, layout.language);
            let retyped = Retyped::Option(option_id, form, errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, retyped, None, status).await;
        }
    };
    let actor = admin.actor();
    let renamed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                options::rename_option(conn, product_id, option_id, &names)?;
                let detail = serde_json::json!({
                    "option_id": option_id,
                    "name_en": names.en,
                    "name_zh": names.zh,
                });
                audited(conn, &actor, "product_option.update", product_id, detail)?;
                Ok::<_, OptionError>(())
            })
        })
        .await;
    match renamed {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.option_saved",
            product_id,
        )),
        Err(e) => {
            let retyped = |errors| Retyped::Option(option_id, form, errors);
            refused(layout, &admin, &state, product_id, e, "name_en", retyped).await
        }
    }
}

/// Moves an option up or down.
pub async fn move_option(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<MovePost>,
) -> Result<HttpResponse, AppError> {
    let (product_id, option_id) = path.into_inner();
    let up = post.form.up()?;
    let actor = post.admin.actor();
    state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                if options::move_option(conn, product_id, option_id, up)? {
                    let detail = serde_json::json!({ "option_id": option_id, "up": up });
                    audited(conn, &actor, "product_option.move", product_id, detail)?;
                }
                Ok::<_, OptionError>(())
            })
        })
        .await
        .map_err(not_found_or_db)?;
    Ok(done(
        &session,
        &layout,
        "admin.variants.option_moved",
        product_id,
    ))
}

fn not_found_or_db(e: OptionError) -> AppError {
    match e {
        OptionError::Db(e) => e.into(),
        _ => AppError::NotFound,
    }
}

/// Deletes an option and its values, unless variants use them.
pub async fn remove_option(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (product_id, option_id) = path.into_inner();
    let AdminForm { admin, .. } = post;
    let actor = admin.actor();
    let removed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let name = options::remove_option(conn, product_id, option_id)?;
                let detail = serde_json::json!({ "option_id": option_id, "name_en": name });
                audited(conn, &actor, "product_option.remove", product_id, detail)?;
                Ok::<_, OptionError>(())
            })
        })
        .await;
    match removed {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.option_removed",
            product_id,
        )),
        Err(e) => {
            refused(layout, &admin, &state, product_id, e, "name_en", |_| {
                Retyped::Nothing
            })
            .await
        }
    }
}

/// Adds a value to an option.
pub async fn add_value(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<ValueInput>,
) -> Result<HttpResponse, AppError> {
    let (product_id, option_id) = path.into_inner();
    let AdminForm { admin, form } = post;
    let names = match form.check() {
        Ok(names) => names,
        Err(problems) => {
            let errors = FormErrors::new(problems, layout.language);
            let retyped = Retyped::NewValue(option_id, form, errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, retyped, None, status).await;
        }
    };
    let actor = admin.actor();
    let added = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let value_id = options::add_value(conn, product_id, option_id, &names)?;
                let detail = serde_json::json!({
                    "option_id": option_id,
                    "value_id": value_id,
                    "value_en": names.en,
                    "value_zh": names.zh,
                });
                audited(
                    conn,
                    &actor,
                    "product_option_value.create",
                    product_id,
                    detail,
                )?;
                Ok::<_, OptionError>(())
            })
        })
        .await;
    match added {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.value_added",
            product_id,
        )),
        Err(e) => {
            let retyped = |errors| Retyped::NewValue(option_id, form, errors);
            refused(layout, &admin, &state, product_id, e, "value_en", retyped).await
        }
    }
}

/// Renames a value.
pub async fn rename_value(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<ValueInput>,
) -> Result<HttpResponse, AppError> {
    let (product_id, value_id) = path.into_inner();
    let AdminForm { admin, form } = post;
    let names = match form.check() {
        Ok(names) => names,
        Err(problems) => {
            let errors = FormErrors::new(problems, layout.language);
            let retyped = Retyped::Value(value_id, form, errors);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, retyped, None, status).await;
        }
    };
    let actor = admin.actor();
    let renamed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                options::rename_value(conn, product_id, value_id, &names)?;
                let detail = serde_json::json!({
                    "value_id": value_id,
                    "value_en": names.en,
                    "value_zh": names.zh,
                });
                audited(
                    conn,
                    &actor,
                    "product_option_value.update",
                    product_id,
                    detail,
                )?;
                Ok::<_, OptionError>(())
            })
        })
        .await;
    match renamed {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.value_saved",
            product_id,
        )),
        Err(e) => {
            let retyped = |errors| Retyped::Value(value_id, form, errors);
            refused(layout, &admin, &state, product_id, e, "value_en", retyped).await
        }
    }
}

/// Moves a value up or down within its option.
pub async fn move_value(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<MovePost>,
) -> Result<HttpResponse, AppError> {
    let (product_id, value_id) = path.into_inner();
    let up = post.form.up()?;
    let actor = post.admin.actor();
    state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                if options::move_value(conn, product_id, value_id, up)? {
                    let detail = serde_json::json!({ "value_id": value_id, "up": up });
                    audited(
                        conn,
                        &actor,
                        "product_option_value.move",
                        product_id,
                        detail,
                    )?;
                }
                Ok::<_, OptionError>(())
            })
        })
        .await
        .map_err(not_found_or_db)?;
    Ok(done(
        &session,
        &layout,
        "admin.variants.value_moved",
        product_id,
    ))
}

/// Deletes a value, unless variants use it.
pub async fn remove_value(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (product_id, value_id) = path.into_inner();
    let AdminForm { admin, .. } = post;
    let actor = admin.actor();
    let removed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let name = options::remove_value(conn, product_id, value_id)?;
                let detail = serde_json::json!({ "value_id": value_id, "value_en": name });
                audited(
                    conn,
                    &actor,
                    "product_option_value.remove",
                    product_id,
                    detail,
                )?;
                Ok::<_, OptionError>(())
            })
        })
        .await;
    match removed {
        Ok(()) => Ok(done(
            &session,
            &layout,
            "admin.variants.value_removed",
            product_id,
        )),
        Err(e) => {
            refused(layout, &admin, &state, product_id, e, "value_en", |_| {
                Retyped::Nothing
            })
            .await
        }
    }
}
