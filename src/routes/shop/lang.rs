//! `GET /lang/{en|zh-CN}`: remembers the language and goes back to the page the link was on.

use actix_web::{
    HttpRequest, HttpResponse,
    cookie::{Cookie, SameSite, time::Duration},
    http::header,
    web,
};

use crate::{
    i18n::Lang,
    web::{layout::LANG_COOKIE, render::is_local_path},
};

/// Sets the `lang` cookie, then 303 back to the referring page when it is on this site.
pub async fn switch(req: HttpRequest, tag: web::Path<String>) -> HttpResponse {
    let Some(lang) = Lang::from_tag(&tag) else {
        return HttpResponse::NotFound().finish();
    };
    let cookie = Cookie::build(LANG_COOKIE, lang.tag())
        .path("/")
        .max_age(Duration::days(365))
        .same_site(SameSite::Lax)
        .http_only(true)
        .finish();
    HttpResponse::SeeOther()
        .cookie(cookie)
        .insert_header((header::LOCATION, back_to(&req)))
        .finish()
}

/// The path of the referring page when it is on this host, else `/`: an open redirect through
/// a crafted `Referer` would let another site borrow our domain.
fn back_to(req: &HttpRequest) -> String {
    let Some(referer) = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| url::Url::parse(v).ok())
    else {
        return "/".to_owned();
    };
    let own_host = req.connection_info().host().to_owned();
    let referer_host = match referer.port() {
        Some(port) => format!("{}:{port}", referer.host_str().unwrap_or_default()),
        None => referer.host_str().unwrap_or_default().to_owned(),
    };
    // A path such as `//evil.example/` is on this host in the Referer but, sent back alone in
    // `Location`, names another site.
    if referer_host != own_host
        || !is_local_path(referer.path())
        || referer.path().starts_with("/lang/")
    {
        return "/".to_owned();
    }
    match referer.query() {
        Some(q) => format!("{}?{q}", referer.path()),
        None => referer.path().to_owned(),
    }
}
