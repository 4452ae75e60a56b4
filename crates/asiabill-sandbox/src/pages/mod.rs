//! What a shopper's browser and a demo audience see of the simulated AsiaBill: the hosted
//! payment page, the pages of local payment methods, the 3-D Secure page, the JS SDK stand-in
//! with its card frame, and the console. Pages are rendered on the server (askama, templates in `templates/`) and work
//! without JavaScript: forms POST, then 303. Styles and scripts are served from this crate.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

mod assets;
mod console;
mod elements;
mod hosted;
mod local;
mod text;
mod threeds;

use text::{Lang, Text};

/// Registers every page, form and asset route.
pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    let hosted_page = format!("{}{{token}}", crate::HOSTED_PAGE_PREFIX);
    let local_page = format!("{}{{token}}", crate::LOCAL_PAGE_PREFIX);
    let three_ds_page = format!("{}{{id}}", crate::THREE_DS_PAGE_PREFIX);
    cfg.route(&hosted_page, web::get().to(hosted::show))
        .route(&hosted_page, web::post().to(hosted::pay))
        .route(
            &format!("{hosted_page}/cancel"),
            web::post().to(hosted::cancel),
        )
        .route(&local_page, web::get().to(local::show))
        .route(&local_page, web::post().to(local::answer))
        .route(&format!("{local_page}/scan"), web::get().to(local::scan))
        .route(&three_ds_page, web::get().to(threeds::show))
        .route(&three_ds_page, web::post().to(threeds::complete))
        .route(elements::SDK_PATH, web::get().to(assets::sdk_script))
        .route(elements::FRAME_PATH, web::get().to(elements::card_frame))
        .route(
            elements::PAYMENT_METHOD_PATH,
            web::post().to(elements::payment_method),
        )
        .route(
            "/static/v3/elements/card.js",
            web::get().to(assets::frame_script),
        )
        .route(
            "/static/v3/elements/card.css",
            web::get().to(assets::frame_style),
        )
        .route(
            "/static/sandbox/sandbox.css",
            web::get().to(assets::page_style),
        )
        .route(console::PATH, web::get().to(console::show))
        .route(
            "/console/webhooks/{id}/resend",
            web::post().to(console::resend_webhook),
        )
        .route(
            "/console/transactions/{tradeNo}/settle",
            web::post().to(console::settle),
        )
        .route(
            "/console/transactions/{tradeNo}/chargeback",
            web::post().to(console::chargeback),
        )
        .route(
            "/console/logistics/{tradeNo}/status",
            web::post().to(console::logistics_status),
        )
        .route("/console/faults", web::post().to(console::faults));
}

/// What the layout (`base.html`) needs: the language and whether to offer the other one.
pub(crate) struct Chrome {
    /// Texts in the page's language.
    pub t: &'static Text,
    /// `<html lang>`.
    pub lang: &'static str,
    /// Whether the language switch is shown (shopper pages; the console is English only).
    pub languages: bool,
}

impl Chrome {
    fn shopper(lang: Lang) -> Self {
        Chrome {
            t: lang.text(),
            lang: lang.code(),
            languages: true,
        }
    }
}

/// Who may show a page inside a frame.
pub(crate) enum Framing {
    /// Nobody: the hosted page and the console (clickjacking).
    Deny,
    /// Any page: the 3-D Secure page, which merchants may open in a frame or popup.
    Any,
    /// Only this origin: the card frame, embedded by the merchant page that asked for it.
    Origin(String),
}

/// Turns a page into a response: HTML, never cached, with the framing and content policy.
pub(crate) fn render<T: Template>(status: StatusCode, page: &T, framing: Framing) -> HttpResponse {
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "asiabill-sandbox: a page failed to render");
            return HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("The page could not be rendered.");
        }
    };
    let ancestors = match &framing {
        Framing::Deny => "'none'".to_owned(),
        Framing::Any => "*".to_owned(),
        Framing::Origin(origin) => origin.clone(),
    };
    let mut response = HttpResponse::build(status);
    response
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            format!(
                "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; \
                 frame-ancestors {ancestors}"
            ),
        ));
    if matches!(framing, Framing::Deny) {
        response.insert_header((header::X_FRAME_OPTIONS, "DENY"));
    }
    response.body(html)
}

/// A 303 to `location`: the answer to every form.
pub(crate) fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Whether `value` can be an id or token of ours in a URL path (they are alphanumeric), so
/// that it can be put back into a `Location` without encoding.
pub(crate) fn is_token(value: &str) -> bool {
    !value.is_empty() && value.len() <= 64 && value.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// A message page: not found, finished, or the end of a 3-D Secure challenge without a
/// `returnUrl`.
#[derive(Template)]
#[template(path = "message.html")]
pub(crate) struct MessagePage {
    pub chrome: Chrome,
    pub title: &'static str,
    pub body: &'static str,
    /// `Status: …`, when the page is about a transaction.
    pub status: Option<&'static str>,
    /// The signed return to the merchant, when there is one.
    pub return_url: Option<String>,
}

impl MessagePage {
    fn not_found(lang: Lang, body: &'static str) -> HttpResponse {
        let t = lang.text();
        let page = MessagePage {
            chrome: Chrome::shopper(lang),
            title: t.not_found_title,
            body,
            status: None,
            return_url: None,
        };
        render(StatusCode::NOT_FOUND, &page, Framing::Any)
    }

    /// The end of a payment that has no page left: its status and the way back.
    fn finished(
        lang: Lang,
        status: crate::state::OrderStatus,
        return_url: Option<String>,
    ) -> HttpResponse {
        let t = lang.text();
        let page = MessagePage {
            chrome: Chrome::shopper(lang),
            title: t.finished_title,
            body: if return_url.is_some() {
                t.finished_body
            } else {
                t.close_window
            },
            status: Some(status_word(t, status)),
            return_url,
        };
        render(StatusCode::OK, &page, Framing::Any)
    }
}

fn status_word(t: &Text, status: crate::state::OrderStatus) -> &'static str {
    match status {
        crate::state::OrderStatus::Success => t.status_success,
        crate::state::OrderStatus::Fail => t.status_fail,
        crate::state::OrderStatus::Pending => t.status_pending,
    }
}

/// An amount as shown to people: `19.99 USD`.
pub(crate) fn show_amount(amount: &asiabill::currency::Money) -> String {
    format!(
        "{} {}",
        amount.to_gateway_string(),
        amount.currency().code()
    )
}

/// Who the shopper pays: the merchant's `webSite` when it sent one, else its gateway.
pub(crate) fn merchant_name(tx: &crate::state::Transaction) -> String {
    tx.web_site
        .as_deref()
        .map(|site| {
            site.trim_start_matches("https://")
                .trim_start_matches("http://")
                .trim_end_matches('/')
                .to_owned()
        })
        .filter(|site| !site.is_empty())
        .unwrap_or_else(|| format!("Gateway {}", tx.gateway_no))
}
