//! The styles and scripts of the pages, compiled into the crate so that the simulator is one
//! binary with nothing to install.

use actix_web::HttpResponse;
use actix_web::http::header;

const PAGE_STYLE: &str = include_str!("../../assets/sandbox.css");
const SDK_SCRIPT: &str = include_str!("../../assets/AsiabillPayment.js");
const FRAME_SCRIPT: &str = include_str!("../../assets/card.js");
const FRAME_STYLE: &str = include_str!("../../assets/card.css");

fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        // Revalidated on each use, so that a restarted simulator never serves a stale script.
        .insert_header((header::CACHE_CONTROL, "no-cache"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .body(body)
}

/// `GET /static/sandbox/sandbox.css`.
pub(crate) async fn page_style() -> HttpResponse {
    asset("text/css; charset=utf-8", PAGE_STYLE)
}

/// `GET /static/v3/js/AsiabillPayment.min.js`: the JS SDK stand-in.
pub(crate) async fn sdk_script() -> HttpResponse {
    asset("application/javascript; charset=utf-8", SDK_SCRIPT)
}

/// `GET /static/v3/elements/card.js`: the card frame's own script.
pub(crate) async fn frame_script() -> HttpResponse {
    asset("application/javascript; charset=utf-8", FRAME_SCRIPT)
}

/// `GET /static/v3/elements/card.css`.
pub(crate) async fn frame_style() -> HttpResponse {
    asset("text/css; charset=utf-8", FRAME_STYLE)
}
