//! The integration self-test from the go-live page: `POST /admin/go-live/selftest` starts a run
//! in the background, `GET /admin/go-live/selftest/{id}` shows its rows, reloading itself while
//! it runs.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::view::{Empty, Frame, Tag, frame};
use crate::{
    i18n::Lang,
    selftest::{
        Outcome, Row, SelfTest,
        runs::{self, Run, RunState, StartError},
    },
    web::{
        AppError, AppState, Layout, Page,
        extract::auth::{AdminForm, AdminUser},
        flash,
        render::see_other,
    },
};

/// A run as shown: the summary on the go-live page, and the table on its own page.
pub struct RunView {
    pub(super) id: i64,
    pub(super) state: Tag,
    pub(super) started_at: String,
    pub(super) finished_at: String,
    pub(super) started_by: String,
    pub(super) environment: String,
    pub(super) progress: String,
    pub(super) rows: Vec<RowView>,
}

/// A row as shown.
pub struct RowView {
    pub(super) key: &'static str,
    pub(super) items: &'static str,
    pub(super) title: &'static str,
    pub(super) outcome: Tag,
    pub(super) millis: u64,
    pub(super) detail: String,
    pub(super) order: Option<String>,
}

fn outcome_tag(lang: Lang, outcome: Outcome) -> Tag {
    let word = outcome.as_str();
    Tag {
        word: word.to_owned(),
        text: lang
            .tr(&format!("admin.selftest.outcome.{word}"))
            .to_owned(),
        tone: match outcome {
            Outcome::Passed => "success",
            Outcome::Failed => "error",
            Outcome::Skipped => "neutral",
        },
    }
}

fn state_tag(lang: Lang, state: RunState) -> Tag {
    let word = state.as_str();
    Tag {
        word: word.to_owned(),
        text: lang.tr(&format!("admin.selftest.state.{word}")).to_owned(),
        tone: match state {
            RunState::Running => "info",
            RunState::Passed => "success",
            RunState::Failed | RunState::Abandoned => "error",
        },
    }
}

fn row_view(lang: Lang, row: Row) -> RowView {
    RowView {
        key: row.check.key(),
        items: row.check.items(),
        title: row.check.title(lang),
        outcome: outcome_tag(lang, row.outcome),
        millis: row.millis,
        detail: row.detail,
        order: row.order,
    }
}

/// `run` in `lang`.
pub fn run_view(lang: Lang, run: Run) -> RunView {
    let total = crate::selftest::Check::ALL.len();
    RunView {
        id: run.id,
        state: state_tag(lang, run.state),
        started_at: run.started_at.format("%Y-%m-%d %H:%M:%S").to_string(),
        finished_at: run
            .finished_at
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
        started_by: run.started_by,
        environment: run.environment,
        progress: lang
            .tr("admin.selftest.progress")
            .replace("{done}", &run.rows.len().to_string())
            .replace("{total}", &total.to_string()),
        rows: run.rows.into_iter().map(|r| row_view(lang, r)).collect(),
    }
}

/// A run's page.
#[derive(Template)]
#[template(path = "admin/selftest.html")]
pub struct RunPage {
    layout: Layout,
    frame: Frame,
    run: RunView,
    running: bool,
    refresh_seconds: u64,
}

/// Starts a run, unless the shop is live or one is under way; shows its page.
pub async fn start(
    layout: Layout,
    session: Session,
    state: web::Data<AppState>,
    post: AdminForm<Empty>,
) -> Result<HttpResponse, AppError> {
    let test = match SelfTest::new(
        state.payments.clone(),
        state.settings.clone(),
        post.admin.actor(),
        layout.language,
    ) {
        Ok(test) => test,
        Err(_) => {
            flash::push(&session, "error", layout.tr("admin.selftest.refused_live"));
            return Ok(see_other("/admin/go-live"));
        }
    };
    match runs::start(&state.db, test).await {
        Ok(id) => {
            flash::push(&session, "info", layout.tr("admin.selftest.started"));
            Ok(see_other(&format!("/admin/go-live/selftest/{id}")))
        }
        Err(StartError::Running(id)) => {
            flash::push(
                &session,
                "error",
                layout.tr("admin.selftest.already_running"),
            );
            Ok(see_other(&format!("/admin/go-live/selftest/{id}")))
        }
        Err(StartError::Db(e)) => Err(e.into()),
    }
}

/// Shows run `id`.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "go-live");
    let id = id.into_inner();
    let run = state
        .db
        .run(move |conn| runs::one(conn, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let running = run.state == RunState::Running;
    let page = RunPage {
        run: run_view(layout.language, run),
        running,
        refresh_seconds: runs::REFRESH.as_secs(),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
