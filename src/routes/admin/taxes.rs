//! `/admin/taxes`: the tax rates by country or region, a form to add or replace one, and
//! removing one. Orders keep the rate they were placed with.

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::view::{Empty, FormErrors, Frame, frame};
use crate::{
    accounts::audit::{self, Target},
    db::{DbError, now},
    taxes::{self, Rate, RateInput},
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// The rates, the form, and whether prices include tax.
#[derive(Template)]
#[template(path = "admin/taxes.html")]
pub struct TaxesPage {
    layout: Layout,
    frame: Frame,
    rates: Vec<Rate>,
    included: bool,
    form: RateInput,
    errors: FormErrors,
}

async fn render(
    mut layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    form: RateInput,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, admin, "taxes");
    let rates = state.db.run(taxes::all).await?;
    let page = TaxesPage {
        rates,
        included: state.settings.prices_include_tax,
        form,
        errors,
        layout,
        frame,
    };
    Ok(Page::new(page).status(status).into())
}

/// The rates and an empty form.
pub async fn index(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = RateInput::default();
    render(
        layout,
        &admin,
        &state,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
    .await
}

fn audited(
    conn: &mut crate::db::DbConnection,
    actor: &audit::Actor,
    action: &str,
    id: i64,
) -> Result<(), DbError> {
    let id = id.to_string();
    audit::record(
        conn,
        actor,
        action,
        Some(Target {
            kind: "tax_rate",
            id: &id,
        }),
        None,
    )
}

/// Adds a rate (or replaces the one of the same country and region).
pub async fn save(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    post: AdminForm<RateInput>,
) -> Result<HttpResponse, AppError> {
    let AdminForm { admin, form } = post;
    let lang = layout.language;
    let new = match form.check() {
        Ok(new) => new,
        Err(problems) => {
            let errors = FormErrors::new(problems, lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, form, errors, status).await;
        }
    };
    let actor = admin.actor();
    state
        .db
        .run(move |conn| {
            let id = taxes::save(conn, &new, now())?;
            audited(conn, &actor, "tax_rate.saved", id)
        })
        .await?;
    flash::push(&session, "success", lang.tr("admin.taxes.saved"));
    Ok(see_other("/admin/taxes"))
}

/// Removes a rate.
pub async fn remove(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let actor = post.admin.actor();
    let removed = state
        .db
        .run(move |conn| {
            let removed = taxes::remove(conn, id)?;
            if removed {
                audited(conn, &actor, "tax_rate.removed", id)?;
            }
            Ok::<_, DbError>(removed)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.taxes.removed"));
    Ok(see_other("/admin/taxes"))
}
