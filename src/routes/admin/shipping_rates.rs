//! `/admin/shipping`: the shipping zones and their methods (rates), and the forms that create,
//! change and remove them. Orders keep the method's name and amount they were placed with.
//! (Shipping an order, its tracking and AsiaBill's logistics upload are on the order page.)

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::view::{Empty, FormErrors, Frame, frame};
use crate::{
    accounts::audit::{self, Target},
    db::{DbConnection, DbError, now},
    i18n::Lang,
    shipping::rates::{self, MethodInput, RateKind, SaveError, ZoneInput},
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// A method as listed under its zone.
pub struct MethodRow {
    id: i64,
    name_en: String,
    name_zh: String,
    /// `flat` or `weight`, in the admin's language.
    kind: String,
    /// How its price is reckoned.
    terms: String,
    active: bool,
    /// Set for the shop's earlier currency: not offered until saved again.
    other_currency: Option<String>,
}

/// A zone as listed.
pub struct ZoneRow {
    id: i64,
    name: String,
    /// Its countries, or "rest of the world".
    countries: String,
    /// It lists no country: `countries` is UI text, not codes.
    rest_of_world: bool,
    methods: Vec<MethodRow>,
}

/// The zones and their methods.
#[derive(Template)]
#[template(path = "admin/shipping_rates/index.html")]
pub struct RatesPage {
    layout: Layout,
    frame: Frame,
    zones: Vec<ZoneRow>,
}

/// A zone's form, new or existing.
#[derive(Template)]
#[template(path = "admin/shipping_rates/zone.html")]
pub struct ZonePage {
    layout: Layout,
    frame: Frame,
    /// None for a new zone.
    id: Option<i64>,
    form: ZoneInput,
    errors: FormErrors,
}

/// A method's form, new or existing.
#[derive(Template)]
#[template(path = "admin/shipping_rates/method.html")]
pub struct MethodPage {
    layout: Layout,
    frame: Frame,
    /// None for a new method.
    id: Option<i64>,
    form: MethodInput,
    /// The zones to choose from: (id, name).
    zones: Vec<(i64, String)>,
    currency: String,
    errors: FormErrors,
}

fn kind_text(kind: RateKind, lang: Lang) -> String {
    lang.tr(&format!("admin.rates.kind_{kind}")).to_owned()
}

/// The zones and their methods.
pub async fn index(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "shipping-rates");
    let all = state.db.run(rates::everything).await?;
    let (lang, currency) = (layout.language, state.settings.currency);
    let zones = all
        .zones
        .into_iter()
        .map(|(zone, methods)| ZoneRow {
            id: zone.id,
            rest_of_world: zone.is_rest_of_world(),
            countries: if zone.is_rest_of_world() {
                lang.tr("admin.rates.rest_of_world").to_owned()
            } else {
                zone.countries_shown()
            },
            name: zone.name,
            methods: methods
                .into_iter()
                .map(|m| MethodRow {
                    id: m.id,
                    kind: kind_text(m.kind, lang),
                    terms: m.terms(currency, lang),
                    active: m.active,
                    other_currency: (m.currency != currency.code()).then(|| m.currency.clone()),
                    name_en: m.name_en,
                    name_zh: m.name_zh,
                })
                .collect(),
        })
        .collect();
    let page = RatesPage {
        zones,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}

fn audited(
    conn: &mut DbConnection,
    actor: &audit::Actor,
    action: &str,
    kind: &'static str,
    id: i64,
) -> Result<(), DbError> {
    let id = id.to_string();
    audit::record(conn, actor, action, Some(Target { kind, id: &id }), None)
}

fn zone_page(
    mut layout: Layout,
    admin: &AdminUser,
    id: Option<i64>,
    form: ZoneInput,
    errors: FormErrors,
    status: StatusCode,
) -> HttpResponse {
    let frame = frame(&mut layout, admin, "shipping-rates");
    let page = ZonePage {
        id,
        form,
        errors,
        layout,
        frame,
    };
    Page::new(page).status(status).into()
}

/// An empty zone form.
pub async fn new_zone(layout: Layout, admin: AdminUser) -> HttpResponse {
    let form = ZoneInput::default();
    zone_page(
        layout,
        &admin,
        None,
        form,
        FormErrors::default(),
        StatusCode::OK,
    )
}

/// Zone `id`'s form.
pub async fn edit_zone(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let zone = state.db.run(move |conn| rates::zone(conn, id)).await?;
    let zone = zone.ok_or(AppError::NotFound)?;
    let form = ZoneInput::of(&zone);
    Ok(zone_page(
        layout,
        &admin,
        Some(id),
        form,
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// Creates a zone.
pub async fn create_zone(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    post: AdminForm<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    save_zone(layout, session, state, None, post).await
}

/// Changes zone `id`.
pub async fn update_zone(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    save_zone(layout, session, state, Some(id.into_inner()), post).await
}

async fn save_zone(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: Option<i64>,
    post: AdminForm<ZoneInput>,
) -> Result<HttpResponse, AppError> {
    let AdminForm { admin, form } = post;
    let lang = layout.language;
    let new = match form.check() {
        Ok(new) => new,
        Err(problems) => {
            let errors = FormErrors::new(problems, lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(zone_page(layout, &admin, id, form, errors, status));
        }
    };
    let actor = admin.actor();
    let saved = state
        .db
        .run(move |conn| {
            let saved = rates::save_zone(conn, id, &new, now())?;
            audited(conn, &actor, "shipping_zone.saved", "shipping_zone", saved)?;
            Ok::<_, SaveError>(saved)
        })
        .await;
    match saved {
        Ok(_) => {
            flash::push(&session, "success", lang.tr("admin.rates.zone_saved"));
            Ok(see_other("/admin/shipping"))
        }
        Err(SaveError::NotFound) => Err(AppError::NotFound),
        Err(SaveError::Db(e)) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::new(e.problem().into_iter().collect(), lang);
            let status = StatusCode::CONFLICT;
            Ok(zone_page(layout, &admin, id, form, errors, status))
        }
    }
}

/// Removes zone `id` and its methods.
pub async fn remove_zone(
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
            let removed = rates::remove_zone(conn, id)?;
            if removed {
                audited(conn, &actor, "shipping_zone.removed", "shipping_zone", id)?;
            }
            Ok::<_, DbError>(removed)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.rates.zone_removed"));
    Ok(see_other("/admin/shipping"))
}

#[expect(
    clippy::too_many_arguments,
    reason = "each caller fills a different part of the page"
)]
fn method_page(
    mut layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    id: Option<i64>,
    form: MethodInput,
    zones: Vec<(i64, String)>,
    errors: FormErrors,
    status: StatusCode,
) -> HttpResponse {
    let frame = frame(&mut layout, admin, "shipping-rates");
    let page = MethodPage {
        id,
        form,
        zones,
        currency: state.settings.currency.code().to_owned(),
        errors,
        layout,
        frame,
    };
    Page::new(page).status(status).into()
}

async fn zone_names(state: &AppState) -> Result<Vec<(i64, String)>, AppError> {
    let all = state.db.run(rates::everything).await?;
    Ok(all.zones.into_iter().map(|(z, _)| (z.id, z.name)).collect())
}

/// `?zone=ID`: the zone a new method is for.
#[derive(serde::Deserialize)]
pub struct NewMethodQuery {
    zone: Option<i64>,
}

/// An empty method form (a flat rate, offered), for the zone asked.
pub async fn new_method(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    query: web::Query<NewMethodQuery>,
) -> Result<HttpResponse, AppError> {
    let zones = zone_names(&state).await?;
    let form = MethodInput {
        zone_id: query.zone.map(|z| z.to_string()).unwrap_or_default(),
        kind: RateKind::Flat.as_str().to_owned(),
        active: Some("on".into()),
        ..MethodInput::default()
    };
    Ok(method_page(
        layout,
        &admin,
        &state,
        None,
        form,
        zones,
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// Method `id`'s form.
pub async fn edit_method(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let method = state.db.run(move |conn| rates::method(conn, id)).await?;
    let method = method.ok_or(AppError::NotFound)?;
    let zones = zone_names(&state).await?;
    let form = MethodInput::of(&method, state.settings.currency);
    Ok(method_page(
        layout,
        &admin,
        &state,
        Some(id),
        form,
        zones,
        FormErrors::default(),
        StatusCode::OK,
    ))
}

/// Creates a method.
pub async fn create_method(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    post: AdminForm<MethodInput>,
) -> Result<HttpResponse, AppError> {
    save_method(layout, session, state, None, post).await
}

/// Changes method `id`.
pub async fn update_method(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<MethodInput>,
) -> Result<HttpResponse, AppError> {
    save_method(layout, session, state, Some(id.into_inner()), post).await
}

async fn save_method(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: Option<i64>,
    post: AdminForm<MethodInput>,
) -> Result<HttpResponse, AppError> {
    let AdminForm { admin, form } = post;
    let lang = layout.language;
    let currency = state.settings.currency;
    let zones = zone_names(&state).await?;
    let ids: Vec<i64> = zones.iter().map(|(id, _)| *id).collect();
    let new = match form.check(currency, &ids) {
        Ok(new) => new,
        Err(problems) => {
            let errors = FormErrors::new(problems, lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(method_page(
                layout, &admin, &state, id, form, zones, errors, status,
            ));
        }
    };
    let actor = admin.actor();
    let saved = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let saved = rates::save_method(conn, id, &new, currency, now())?;
                audited(
                    conn,
                    &actor,
                    "shipping_method.saved",
                    "shipping_method",
                    saved,
                )?;
                Ok::<_, SaveError>(saved)
            })
        })
        .await;
    match saved {
        Ok(_) => {
            flash::push(&session, "success", lang.tr("admin.rates.method_saved"));
            Ok(see_other("/admin/shipping"))
        }
        Err(SaveError::Db(e)) => Err(e.into()),
        // The method was removed meanwhile (the other errors are a zone's).
        Err(_) => Err(AppError::NotFound),
    }
}

/// Removes method `id`.
pub async fn remove_method(
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
            let removed = rates::remove_method(conn, id)?;
            if removed {
                audited(
                    conn,
                    &actor,
                    "shipping_method.removed",
                    "shipping_method",
                    id,
                )?;
            }
            Ok::<_, DbError>(removed)
        })
        .await?;
    if !removed {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.rates.method_removed"));
    Ok(see_other("/admin/shipping"))
}
