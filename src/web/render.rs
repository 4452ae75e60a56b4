//! Turning a page into a response with a chosen status (askama_web covers plain 200 pages), and
//! redirects.

use actix_web::{
    HttpResponse,
    http::{StatusCode, header},
};
use askama::Template;

/// Renders `page` as an HTML response with `status`; a template error is logged and becomes a
/// bare 500, which the error-page middleware then dresses.
pub fn html<T: Template>(page: &T, status: StatusCode) -> HttpResponse {
    match page.render() {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A 303 See Other to `location`: the answer to a form post, so that reloading the next page
/// does not post again.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// True for a redirect target that stays on this site: a path from the root with no `//` or
/// `\` (browsers read `//host` and `/\host` as another site) and no control characters.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("//")
        && !path.contains('\\')
        && !path.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_from_the_root_of_this_site_are_local() {
        for local in ["/", "/cart", "/?category=tea", "/products/mug"] {
            assert!(is_local_path(local), "{local}");
        }
        for foreign in [
            "//evil.example/",
            "/\\evil.example/",
            "/\\/evil.example",
            "https://evil.example/",
            "evil.example",
            "/a//b",
            "/\tevil",
            "",
        ] {
            assert!(!is_local_path(foreign), "{foreign:?}");
        }
    }
}
