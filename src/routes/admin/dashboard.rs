//! `GET /admin`: the dashboard.

use actix_web::{HttpResponse, Result, web};
use asiabill::Currency;
use askama::Template;

use super::view::{Frame, Tag, frame, tag, when};
use crate::{
    dashboard::{self, Bar, CHART_HEIGHT, CHART_WIDTH, Item, Totals},
    db::now,
    i18n::Lang,
    money::format_price,
    orders::timeline,
    web::{AppError, AppState, Layout, Page, extract::auth::AdminUser},
};

/// An attention item as listed.
pub struct AttentionRow {
    /// Link.
    pub href: String,
    /// What.
    pub label: String,
    /// Details.
    pub note: String,
    /// When.
    pub at: String,
}

/// A group of attention items.
pub struct AttentionGroup {
    /// Locale key of the group's title.
    pub title: &'static str,
    /// Its items.
    pub rows: Vec<AttentionRow>,
}

/// The dashboard page.
#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    layout: Layout,
    frame: Frame,
    today_orders: i64,
    today_revenue: String,
    recent_orders: i64,
    recent_revenue: String,
    /// "captured X, refunds Y" under the net figure of the period.
    recent_breakdown: String,
    today_breakdown: String,
    bars: Vec<Bar>,
    chart_width: i64,
    chart_height: i64,
    payments: Vec<(Tag, i64)>,
    attention: Vec<AttentionGroup>,
    calm: bool,
    /// Products on sale at or below `SHOP_LOW_STOCK` units: (id, SKU, name, units left).
    low_stock: Vec<(i64, String, String, i64)>,
    /// The threshold, `SHOP_LOW_STOCK`.
    low_stock_threshold: i64,
}

fn rows(lang: Lang, items: Vec<Item>) -> Vec<AttentionRow> {
    items
        .into_iter()
        .map(|i| AttentionRow {
            note: match &i.note_key {
                Some((key, args)) => {
                    timeline::entry_text(lang, Some(key), args.as_deref(), &i.note)
                }
                None => i.note,
            },
            href: i.href,
            label: i.label,
            at: when(i.at),
        })
        .collect()
}

/// What a net revenue figure is made of.
fn breakdown(layout: &Layout, totals: &Totals, currency: Currency) -> String {
    layout
        .tr("admin.dashboard.breakdown")
        .replace("{captured}", &format_price(totals.captured, currency))
        .replace("{refunded}", &format_price(totals.refunded, currency))
}

/// Shows the dashboard.
pub async fn show(
    mut layout: Layout,
    admin: AdminUser,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let frame = frame(&mut layout, &admin, "dashboard");
    let threshold = state.settings.low_stock;
    let (d, low_stock) = state
        .db
        .run(move |conn| {
            Ok::<_, crate::db::DbError>((
                dashboard::load(conn, now())?,
                dashboard::low_stock(conn, threshold)?,
            ))
        })
        .await?;
    let currency = state.settings.currency;
    let lang = layout.language;
    let calm = d.attention.is_empty();
    let a = d.attention;
    let page = DashboardPage {
        today_orders: d.today.orders,
        today_revenue: format_price(d.today.revenue, currency),
        recent_orders: d.recent.orders,
        recent_revenue: format_price(d.recent.revenue, currency),
        recent_breakdown: breakdown(&layout, &d.recent, currency),
        today_breakdown: breakdown(&layout, &d.today, currency),
        bars: dashboard::bars(&d.daily, |m| format_price(m, currency)),
        chart_width: CHART_WIDTH,
        chart_height: CHART_HEIGHT,
        payments: d
            .payments
            .iter()
            .map(|(status, n)| (tag(lang, *status), *n))
            .collect(),
        attention: vec![
            AttentionGroup {
                title: "admin.dashboard.mismatches",
                rows: rows(lang, a.mismatches),
            },
            AttentionGroup {
                title: "admin.dashboard.webhooks",
                rows: rows(lang, a.webhooks),
            },
            AttentionGroup {
                title: "admin.dashboard.expiring",
                rows: rows(lang, a.expiring),
            },
            AttentionGroup {
                title: "admin.dashboard.chargebacks",
                rows: rows(lang, a.chargebacks),
            },
            AttentionGroup {
                title: "admin.dashboard.unknown_refunds",
                rows: rows(lang, a.unknown_refunds),
            },
            AttentionGroup {
                title: "admin.dashboard.double_charges",
                rows: rows(lang, a.double_charges),
            },
        ],
        calm,
        low_stock: low_stock
            .into_iter()
            .map(|p| {
                let name = match lang {
                    Lang::ZhCn => p.name_zh,
                    _ => p.name_en,
                };
                (p.id, p.sku, name, p.stock)
            })
            .collect(),
        low_stock_threshold: threshold,
        layout,
        frame,
    };
    Ok(Page::new(page).into())
}
