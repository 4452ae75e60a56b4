//! `GET /admin/go-live`: AsiaBill's integration checklist with this shop's live state.

use actix_web::{HttpResponse, Result, web};
use askama::Template;

use super::{
    selftest::{RunView, run_view},
    view::{Frame, Tag, frame, tag},
};
use crate::{
    config::GatewayMode,
    payments::golive,
    selftest::runs,
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// A checklist item as shown.
pub struct ItemView {
    number: u8,
    state: Tag,
    title: String,
    place: String,
    facts: Vec<(String, String)>,
}

/// The go-live page.
#[derive(Template)]
#[template(path = "admin/go_live.html")]
pub struct GoLivePage {
    layout: Layout,
    frame: Frame,
    items: Vec<ItemView>,
    mode: String,
    /// Live: the self-test is not offered.
    live: bool,
    /// The latest self-test run.
    selftest: Option<RunView>,
}

/// Shows the checklist.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "go-live");
    let settings = state.settings.clone();
    let api_url = state
        .payments
        .gateway
        .environment()
        .payment_url()
        .to_owned();
    let (items, latest) = state
        .db
        .run(move |conn| {
            Ok::<_, crate::db::DbError>((
                golive::checklist(conn, &settings, &api_url)?,
                runs::latest(conn)?,
            ))
        })
        .await?;
    let lang = layout.language;
    let page = GoLivePage {
        items: items
            .into_iter()
            .map(|i| ItemView {
                number: i.number,
                state: tag(lang, i.state),
                title: lang
                    .tr(&format!("admin.golive.item{}.title", i.number))
                    .to_owned(),
                place: lang
                    .tr(&format!("admin.golive.item{}.place", i.number))
                    .to_owned(),
                facts: i
                    .facts
                    .into_iter()
                    .map(|(k, v)| (lang.tr(k).to_owned(), v))
                    .collect(),
            })
            .collect(),
        mode: state.settings.gateway.mode.as_str().to_owned(),
        live: state.settings.gateway.mode == GatewayMode::Live,
        selftest: latest.map(|run| run_view(lang, run)),
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
