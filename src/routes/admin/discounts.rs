//! `/admin/discounts`: the discount codes, a form to create one, and switching one on or off.

use actix_session::Session;
use actix_web::{HttpResponse, http::StatusCode, web};
use askama::Template;

use super::view::{FormErrors, Frame, Tag, frame};
use crate::{
    accounts::audit::{self, Target},
    db::now,
    discounts::codes::{self, Code, CodeInput, CreateError, Kind},
    i18n::Lang,
    money::format_price,
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// A code as listed.
pub struct CodeRow {
    id: i64,
    code: String,
    off: String,
    minimum: String,
    valid: String,
    uses: String,
    state: Tag,
    active: bool,
}

/// The list and the form.
#[derive(Template)]
#[template(path = "admin/discounts.html")]
pub struct DiscountsPage {
    layout: Layout,
    frame: Frame,
    rows: Vec<CodeRow>,
    form: CodeInput,
    errors: FormErrors,
}

fn row(code: Code, lang: Lang, currency: asiabill::Currency) -> CodeRow {
    let off = match code.kind {
        Kind::Percent => format!("{}%", code.amount),
        Kind::Fixed => format_price(code.amount, currency),
    };
    let day = |t: chrono::NaiveDateTime| t.format("%Y-%m-%d").to_string();
    // `ends_at` is the start of the day after the last.
    let last = code
        .ends_at
        .map(|e| day(e - chrono::TimeDelta::days(1)))
        .unwrap_or_else(|| "…".into());
    let valid = match code.starts_at {
        Some(s) => format!("{} – {last}", day(s)),
        None => format!("… – {last}"),
    };
    let uses = match (code.max_uses, code.max_uses_per_email) {
        (Some(m), Some(e)) => format!(
            "{} / {m} ({e} {})",
            code.used_count,
            lang.tr("admin.discounts.per_email")
        ),
        (Some(m), None) => format!("{} / {m}", code.used_count),
        (None, Some(e)) => format!(
            "{} ({e} {})",
            code.used_count,
            lang.tr("admin.discounts.per_email")
        ),
        (None, None) => code.used_count.to_string(),
    };
    let (word, tone) = if code.active {
        ("active", "success")
    } else {
        ("inactive", "neutral")
    };
    CodeRow {
        id: code.id,
        code: code.code,
        off,
        minimum: if code.min_subtotal_minor > 0 {
            format_price(code.min_subtotal_minor, currency)
        } else {
            "—".into()
        },
        valid,
        uses,
        state: Tag {
            word: word.into(),
            text: lang.tr(&format!("admin.discounts.{word}")).to_owned(),
            tone,
        },
        active: code.active,
    }
}

async fn render(
    mut layout: Layout,
    admin: &AdminUser,
    state: &AppState,
    form: CodeInput,
    errors: FormErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, admin, "discounts");
    let all = state.db.run(codes::all).await?;
    let (lang, currency) = (layout.language, state.settings.currency);
    let page = DiscountsPage {
        rows: all.into_iter().map(|c| row(c, lang, currency)).collect(),
        form,
        errors,
        layout,
        frame,
    };
    Ok(Page::new(page).status(status).into())
}

/// The list and an empty form.
pub async fn index(
    layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = CodeInput {
        kind: "percent".into(),
        ..CodeInput::default()
    };
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

/// Creates a code from the form, or shows it again with what is wrong.
pub async fn create(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    post: AdminForm<CodeInput>,
) -> Result<HttpResponse, AppError> {
    let AdminForm { admin, form } = post;
    let currency = state.settings.currency;
    let lang = layout.language;
    let new = match form.check(currency) {
        Ok(new) => new,
        Err(problems) => {
            let errors = FormErrors::new(problems, lang);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(layout, &admin, &state, form, errors, status).await;
        }
    };
    let actor = admin.actor();
    let created = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let id = codes::create(conn, &new, currency, now())?;
                let code = id.to_string();
                audit::record(
                    conn,
                    &actor,
                    "discount.created",
                    Some(Target {
                        kind: "discount",
                        id: &code,
                    }),
                    None,
                )?;
                Ok::<_, CreateError>(id)
            })
        })
        .await;
    match created {
        Ok(_) => {
            flash::push(&session, "success", lang.tr("admin.discounts.created"));
            Ok(see_other("/admin/discounts"))
        }
        Err(CreateError::Taken) => {
            let errors = FormErrors::new(vec![("code", "admin.discounts.error_taken")], lang);
            let status = StatusCode::CONFLICT;
            render(layout, &admin, &state, form, errors, status).await
        }
        Err(CreateError::Db(e)) => Err(e.into()),
    }
}

/// `active=true|false`.
#[derive(serde::Deserialize)]
pub struct ActivePost {
    active: bool,
}

/// Switches a code on or off.
pub async fn set_active(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    id: web::Path<i64>,
    post: AdminForm<ActivePost>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let active = post.form.active;
    let actor = post.admin.actor();
    let changed = state
        .db
        .run(move |conn| {
            crate::db::write_transaction(conn, |conn| {
                let changed = codes::set_active(conn, id, active, now())?;
                if changed {
                    let target = id.to_string();
                    let action = if active {
                        "discount.activated"
                    } else {
                        "discount.deactivated"
                    };
                    audit::record(
                        conn,
                        &actor,
                        action,
                        Some(Target {
                            kind: "discount",
                            id: &target,
                        }),
                        None,
                    )?;
                }
                Ok::<_, crate::db::DbError>(changed)
            })
        })
        .await?;
    if !changed {
        return Err(AppError::NotFound);
    }
    flash::push(&session, "success", layout.tr("admin.discounts.saved"));
    Ok(see_other("/admin/discounts"))
}
