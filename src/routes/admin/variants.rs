//! `GET /admin/products/{id}/variants`: a product's options, their values and its variants,
//! with the forms that change them; and the variants' own actions:
//! `POST /admin/products/{id}/variants/generate` ("Create missing variants"),
//! `POST /admin/products/{id}/variants/{variant}`, `POST /admin/products/{id}/variants/{variant}/remove`.
//! (The options' and values' actions are in [`super::product_options`].)
//!
//! A refused form comes back on this page with what was typed and why, beside that form; the
//! others show the stored values.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::view::{Empty, FormErrors, Frame, frame, price};
use crate::{
    accounts::audit::{self, Actor, Target},
    catalogue::{
        editing::{self, Product},
        options::{self, OptionInput, OptionWithValues, ValueInput},
        variants::{self, VariantError, VariantInput, VariantWithValues},
    },
    db::{DbConnection, DbError},
    i18n::Lang,
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// A value of an option, with its rename form.
pub struct ValueRow {
    id: i64,
    /// In the admin's language, as stored.
    name: String,
    form: ValueInput,
    errors: FormErrors,
    first: bool,
    last: bool,
}

/// An option, with its rename form, its values and the form adding one.
pub struct OptionRow {
    id: i64,
    /// In the admin's language, as stored.
    name: String,
    form: OptionInput,
    errors: FormErrors,
    first: bool,
    last: bool,
    values: Vec<ValueRow>,
    new_value: ValueInput,
    new_value_errors: FormErrors,
}

/// A variant, with its form.
pub struct VariantRow {
    id: i64,
    /// Its values in the admin's language: `Espresso / 1 kg`.
    name: String,
    /// The SKU as stored, for tests and anchors.
    sku: String,
    form: VariantInput,
    errors: FormErrors,
}

/// The options and variants page.
#[derive(Template)]
#[template(path = "admin/products/variants.html")]
pub struct VariantsPage {
    layout: Layout,
    frame: Frame,
    product_id: i64,
    product_name: String,
    product_sku: String,
    product_price: String,
    product_weight: i64,
    product_image: String,
    currency: &'static str,
    options: Vec<OptionRow>,
    max_options: usize,
    new_option: OptionInput,
    new_option_errors: FormErrors,
    /// True when the product has variants: a new option then needs a first value.
    has_variants: bool,
    variants: Vec<VariantRow>,
    /// Combinations no variant covers yet.
    missing: usize,
    max_variants: usize,
}

/// A refused form, to show again as typed with its problems.
pub enum Retyped {
    /// Nothing refused: every form shows what is stored.
    Nothing,
    /// The form adding an option.
    NewOption(OptionInput, FormErrors),
    /// Option `id`'s rename form.
    Option(i64, OptionInput, FormErrors),
    /// The form adding a value to option `id`.
    NewValue(i64, ValueInput, FormErrors),
    /// Value `id`'s rename form.
    Value(i64, ValueInput, FormErrors),
    /// Variant `id`'s form.
    Variant(i64, VariantInput, FormErrors),
}

/// The name in Chinese when the page is and there is one, else in English.
fn in_language(lang: Lang, en: &str, zh: &str) -> String {
    if lang == Lang::ZhCn && !zh.trim().is_empty() {
        zh.to_owned()
    } else {
        en.to_owned()
    }
}

/// What the page shows, loaded in one go.
type Loaded = (Product, Vec<OptionWithValues>, Vec<VariantWithValues>);

fn load(conn: &mut DbConnection, product_id: i64) -> Result<Option<Loaded>, DbError> {
    let Some(product) = editing::one(conn, product_id)? else {
        return Ok(None);
    };
    let options = options::list(conn, product_id)?;
    let variants = variants::list(conn, product_id)?;
    Ok(Some((product, options, variants)))
}

fn option_rows(lang: Lang, options: &[OptionWithValues], retyped: &mut Retyped) -> Vec<OptionRow> {
    let count = options.len();
    options
        .iter()
        .enumerate()
        .map(|(i, (o, values))| {
            let mut row = OptionRow {
                id: o.id,
                name: in_language(lang, &o.name_en, &o.name_zh),
                form: OptionInput {
                    name_en: o.name_en.clone(),
                    name_zh: o.name_zh.clone(),
                    ..OptionInput::default()
                },
                errors: FormErrors::default(),
                first: i == 0,
                last: i + 1 == count,
                values: values
                    .iter()
                    .enumerate()
                    .map(|(j, v)| ValueRow {
                        id: v.id,
                        name: in_language(lang, &v.value_en, &v.value_zh),
                        form: ValueInput {
                            value_en: v.value_en.clone(),
                            value_zh: v.value_zh.clone(),
                        },
                        errors: FormErrors::default(),
                        first: j == 0,
                        last: j + 1 == values.len(),
                    })
                    .collect(),
                new_value: ValueInput::default(),
                new_value_errors: FormErrors::default(),
            };
            match std::mem::replace(retyped, Retyped::Nothing) {
                Retyped::Option(id, form, errors) if id == o.id => {
                    (row.form, row.errors) = (form, errors);
                }
                Retyped::NewValue(id, form, errors) if id == o.id => {
                    (row.new_value, row.new_value_errors) = (form, errors);
                }
                Retyped::Value(id, form, errors) if row.values.iter().any(|v| v.id == id) => {
                    if let Some(value) = row.values.iter_mut().find(|v| v.id == id) {
                        (value.form, value.errors) = (form, errors);
                    }
                }
                other => *retyped = other,
            }
            row
        })
        .collect()
}

fn variant_rows(
    lang: Lang,
    currency: asiabill::Currency,
    options: &[OptionWithValues],
    variants: Vec<VariantWithValues>,
    retyped: &mut Retyped,
) -> Vec<VariantRow> {
    let names: HashMap<i64, String> = options
        .iter()
        .flat_map(|(_, values)| values.iter())
        .map(|v| (v.id, in_language(lang, &v.value_en, &v.value_zh)))
        .collect();
    let value_order: Vec<i64> = options
        .iter()
        .flat_map(|(_, values)| values.iter().map(|v| v.id))
        .collect();
    variants
        .into_iter()
        .map(|(v, values)| {
            // The values in the options' order, whatever order the rows came in.
            let name = value_order
                .iter()
                .filter(|id| values.contains(id))
                .filter_map(|id| names.get(id).cloned())
                .collect::<Vec<_>>()
                .join(" / ");
            let mut row = VariantRow {
                id: v.id,
                name,
                form: VariantInput::of(&v, currency),
                sku: v.sku,
                errors: FormErrors::default(),
            };
            match std::mem::replace(retyped, Retyped::Nothing) {
                Retyped::Variant(id, form, errors) if id == v.id => {
                    (row.form, row.errors) = (form, errors);
                }
                other => *retyped = other,
            }
            row
        })
        .collect()
}

/// Renders the page of product `product_id` with `retyped` shown as typed, `alert` (an
/// error about the page as a whole) above it, and `status`.
pub(super) async fn render(
    mut layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    product_id: i64,
    mut retyped: Retyped,
    alert: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let loaded = state.db.run(move |conn| load(conn, product_id)).await?;
    let Some((product, options, variants)) = loaded else {
        return Err(AppError::NotFound);
    };
    let frame = frame(&mut layout, admin, "products");
    if let Some(message) = alert {
        layout.flashes.push(crate::web::layout::Flash {
            kind: "error".into(),
            message,
        });
    }
    let lang = layout.language;
    let currency = state.settings.currency;
    let value_ids: Vec<Vec<i64>> = options
        .iter()
        .map(|(_, values)| values.iter().map(|v| v.id).collect())
        .collect();
    let existing: Vec<Vec<i64>> = variants.iter().map(|(_, v)| v.clone()).collect();
    let missing = variants::missing(&value_ids, &existing).len();
    let option_rows = option_rows(lang, &options, &mut retyped);
    let has_variants = !variants.is_empty();
    let variant_rows = variant_rows(lang, currency, &options, variants, &mut retyped);
    let (new_option, new_option_errors) = match retyped {
        Retyped::NewOption(form, errors) => (form, errors),
        _ => (OptionInput::default(), FormErrors::default()),
    };
    let page = VariantsPage {
        product_id,
        product_name: in_language(lang, &product.name_en, &product.name_zh),
        product_price: price(product.price_minor, &product.currency, currency),
        product_weight: product.weight_grams,
        product_image: product.image_path,
        product_sku: product.sku,
        currency: currency.code(),
        options: option_rows,
        max_options: options::MAX_OPTIONS,
        new_option,
        new_option_errors,
        has_variants,
        variants: variant_rows,
        missing,
        max_variants: variants::MAX_VARIANTS,
        layout,
        frame,
    };
    Ok(Page::new(page).status(status).into())
}

/// The page's address.
pub(super) fn page_path(product_id: i64) -> String {
    format!("/admin/products/{product_id}/variants")
}

/// Writes an audit entry about product `product_id` (options, values, variants and pictures
/// are parts of it, so its history lists them all) with what changed in `detail`.
pub(super) fn audited(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &str,
    product_id: i64,
    detail: serde_json::Value,
) -> Result<(), DbError> {
    let id = product_id.to_string();
    audit::record(
        conn,
        actor,
        action,
        Some(Target {
            kind: "product",
            id: &id,
        }),
        Some(detail),
    )
}

/// The options and variants of product `id`.
pub async fn show(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    render(
        layout,
        &admin,
        &state,
        id.into_inner(),
        Retyped::Nothing,
        None,
        StatusCode::OK,
    )
    .await
}

/// Creates the variants of every combination no variant covers yet.
pub async fn create_missing(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let product_id = id.into_inner();
    let actor = post.admin.actor();
    let created = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let created = variants::create_missing(conn, product_id)?;
                if !created.is_empty() {
                    let detail = serde_json::json!({ "skus": created });
                    audited(conn, &actor, "product_variant.create", product_id, detail)?;
                }
                Ok::<_, VariantError>(created)
            })
        })
        .await;
    let lang = layout.language;
    let refused = match created {
        Ok(created) => {
            let message = if created.is_empty() {
                lang.tr("admin.variants.none_missing").to_owned()
            } else {
                lang.tr("admin.variants.created")
                    .replace("{count}", &created.len().to_string())
            };
            flash::push(&session, "success", message);
            return Ok(see_other(&page_path(product_id)));
        }
        Err(VariantError::NotFound) => return Err(AppError::NotFound),
        Err(VariantError::Db(e)) => return Err(e.into()),
        Err(VariantError::NoOptions) => lang.tr("admin.variants.error_no_options").to_owned(),
        Err(VariantError::EmptyOption(name)) => lang
            .tr("admin.variants.error_empty_option")
            .replace("{option}", &name),
        Err(VariantError::TooMany(count)) => lang
            .tr("admin.variants.error_too_many_variants")
            .replace("{count}", &count.to_string())
            .replace("{max}", &variants::MAX_VARIANTS.to_string()),
        // Creating suggests free SKUs; taken only when another admin took one meanwhile.
        Err(VariantError::SkuTaken) => lang.tr("admin.variants.error_try_again").to_owned(),
    };
    render(
        layout,
        &post.admin,
        &state,
        product_id,
        Retyped::Nothing,
        Some(refused),
        StatusCode::CONFLICT,
    )
    .await
}

/// Saves a variant's SKU, price, stock, weight, image and visibility.
pub async fn update(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<VariantInput>,
) -> Result<HttpResponse, AppError> {
    let (product_id, variant_id) = path.into_inner();
    let AdminForm { admin, form } = post;
    let lang = layout.language;
    let checked = match form.check(state.settings.currency) {
        Ok(checked) => checked,
        Err(problems) => {
            let retyped = Retyped::Variant(variant_id, form, FormErrors::new(problems, lang));
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, product_id, retyped, None, status).await;
        }
    };
    let actor = admin.actor();
    let saved = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                variants::update(conn, product_id, variant_id, &checked)?;
                let mut detail = checked.audit_detail();
                detail["variant_id"] = variant_id.into();
                audited(conn, &actor, "product_variant.update", product_id, detail)?;
                Ok::<_, VariantError>(checked.sku().to_owned())
            })
        })
        .await;
    match saved {
        Ok(sku) => {
            let message = lang.tr("admin.variants.saved").replace("{sku}", &sku);
            flash::push(&session, "success", message);
            Ok(see_other(&page_path(product_id)))
        }
        Err(VariantError::SkuTaken) => {
            let problems = vec![("sku", "admin.variants.error_sku_taken")];
            let retyped = Retyped::Variant(variant_id, form, FormErrors::new(problems, lang));
            let status = StatusCode::CONFLICT;
            render(layout, &admin, &state, product_id, retyped, None, status).await
        }
        Err(VariantError::Db(e)) => Err(e.into()),
        Err(_) => Err(AppError::NotFound),
    }
}

/// Deletes a variant.
pub async fn remove(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let (product_id, variant_id) = path.into_inner();
    let actor = post.admin.actor();
    let removed = state
        .db
        .run(move |conn| {
            editing::change(conn, |conn| {
                let sku = variants::remove(conn, product_id, variant_id)?;
                if let Some(sku) = &sku {
                    let detail = serde_json::json!({ "variant_id": variant_id, "sku": sku });
                    audited(conn, &actor, "product_variant.remove", product_id, detail)?;
                }
                Ok::<_, DbError>(sku)
            })
        })
        .await?;
    let Some(sku) = removed else {
        return Err(AppError::NotFound);
    };
    let message = layout.tr("admin.variants.removed").replace("{sku}", &sku);
    flash::push(&session, "success", message);
    Ok(see_other(&page_path(product_id)))
}
