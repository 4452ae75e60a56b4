//! What every admin page shares: the frame around it, status tags, status filters, dates,
//! money, paging.

use asiabill::Currency;
use chrono::NaiveDateTime;

use crate::{
    emails::OutboxStatus,
    i18n::Lang,
    money::format_price,
    orders::status::{FulfilmentStatus, OrderStatus},
    payments::{AttemptStatus, RefundStatus, WebhookStatus, golive},
    shipping::LogisticsStatus,
    web::{Layout, extract::auth::AdminUser},
};

/// The admin frame: who is logged in and which section is open.
pub struct Frame {
    /// The admin's email.
    pub email: String,
    /// The open section of the sidebar (`dashboard`, `orders`, …).
    pub section: &'static str,
}

/// Prepares `layout` for an admin page (its forms carry the admin session's CSRF token) and
/// returns the frame.
pub fn frame(layout: &mut Layout, admin: &AdminUser, section: &'static str) -> Frame {
    layout.csrf_token.clone_from(&admin.csrf_token);
    layout.is_admin = true;
    Frame {
        email: admin.email.clone(),
        section,
    }
}

/// A posted admin form with nothing but its CSRF token (checked by `AdminForm`).
#[derive(serde::Deserialize)]
pub struct Empty {}

/// A form's problems, each in the admin's language, by field name: what the merchant's forms
/// (discount codes, tax rates) show next to each field.
#[derive(Debug, Default)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    /// `problems` as (field, locale key), in `lang`.
    pub fn new(problems: Vec<(&'static str, &'static str)>, lang: Lang) -> Self {
        FormErrors(
            problems
                .into_iter()
                .map(|(field, key)| (field, lang.tr(key).to_owned()))
                .collect(),
        )
    }

    /// The message for `field`, if it has a problem.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }
}

/// A status word as a coloured tag.
#[derive(Debug, Clone)]
pub struct Tag {
    /// The word as stored (`paid`, `flagged`…), for tests and data attributes.
    pub word: String,
    /// The word in the page's language.
    pub text: String,
    /// `success`, `error`, `info` or `neutral`.
    pub tone: &'static str,
}

/// Something shown as a tag: its word (a locale key under `admin.state.`) and its colour.
pub trait Toned {
    /// The word, as stored.
    fn word(&self) -> &str;
    /// `success`, `error`, `info` or `neutral`.
    fn tone(&self) -> &'static str;
}

/// A word with no state behind it (a product's visibility, a timeline source): neutral.
impl Toned for &str {
    fn word(&self) -> &str {
        self
    }

    fn tone(&self) -> &'static str {
        "neutral"
    }
}

/// Implements [`Toned`] for a state enum from its variants' tones.
macro_rules! toned {
    ($name:ty { $($variant:ident => $tone:literal),+ $(,)? }) => {
        impl Toned for $name {
            fn word(&self) -> &str {
                self.as_str()
            }

            fn tone(&self) -> &'static str {
                match self {
                    $( <$name>::$variant => $tone ),+
                }
            }
        }
    };
}

toned!(OrderStatus {
    PendingPayment => "info",
    Paid => "success",
    Authorized => "success",
    PartiallyRefunded => "neutral",
    Refunded => "neutral",
    Cancelled => "error",
});
toned!(FulfilmentStatus {
    Unfulfilled => "neutral",
    Shipped => "success",
});
toned!(AttemptStatus {
    Created => "info",
    Pending => "info",
    RequiresAction => "info",
    Authorized => "success",
    Paid => "success",
    Failed => "error",
    Voided => "error",
    Cancelled => "error",
});
toned!(RefundStatus {
    Reserved => "info",
    Requested => "info",
    Succeeded => "success",
    Failed => "error",
    Unknown => "error",
});
toned!(WebhookStatus {
    Received => "info",
    Applied => "success",
    Ignored => "neutral",
    Flagged => "error",
    Failed => "error",
});
toned!(LogisticsStatus {
    Pending => "info",
    Uploaded => "success",
    Failed => "error",
});
toned!(OutboxStatus {
    Pending => "info",
    Sent => "success",
    Failed => "error",
});
toned!(golive::State {
    Ok => "success",
    Warn => "info",
    Todo => "error",
    NotUsed => "neutral",
});

/// The tag of a state (or of a plain word).
pub fn tag(lang: Lang, shown: impl Toned) -> Tag {
    let word = shown.word();
    Tag {
        word: word.to_owned(),
        text: lang.tr(&format!("admin.state.{word}")).to_owned(),
        tone: shown.tone(),
    }
}

/// One status of a filter (a select option or a pill), in the admin's language.
pub struct Choice {
    /// The status word sent back in the query string.
    pub value: &'static str,
    /// Its translation.
    pub text: String,
    /// True when it is the filter in force.
    pub selected: bool,
}

/// The filter choices for `all` statuses, `current` marked selected.
pub fn choices(lang: Lang, all: &[&'static str], current: Option<&str>) -> Vec<Choice> {
    all.iter()
        .map(|v| Choice {
            value: v,
            text: lang.tr(&format!("admin.state.{v}")).to_owned(),
            selected: current == Some(*v),
        })
        .collect()
}

/// A time as the admin pages show it (UTC).
pub fn when(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S").to_string()
}

/// An optional time, or a dash.
pub fn when_opt(t: Option<NaiveDateTime>) -> String {
    t.map_or_else(|| "—".to_owned(), when)
}

/// An amount of the currency named `code` (the shop's when the code is unknown).
pub fn price(minor: i64, code: &str, shop: Currency) -> String {
    format_price(minor, Currency::parse(code).unwrap_or(shop))
}

/// Links to the pages before and after the current one.
pub struct Pager {
    /// This page, from 1.
    pub page: i64,
    /// Pages in all (at least 1).
    pub pages: i64,
    /// The previous page's address.
    pub prev: Option<String>,
    /// The next page's address.
    pub next: Option<String>,
}

/// A pager for `total` rows, `per_page` a page, whose pages are `base` + `page=N` (`base` ends
/// with `?` or `&`).
pub fn pager(page: i64, total: i64, per_page: i64, base: &str) -> Pager {
    let pages = ((total + per_page - 1) / per_page).max(1);
    let page = page.clamp(1, pages);
    Pager {
        page,
        pages,
        prev: (page > 1).then(|| format!("{base}page={}", page - 1)),
        next: (page < pages).then(|| format!("{base}page={}", page + 1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_link_both_ways() {
        let p = pager(2, 120, 50, "/admin/orders?status=paid&");
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev.as_deref(), Some("/admin/orders?status=paid&page=1"));
        assert_eq!(p.next.as_deref(), Some("/admin/orders?status=paid&page=3"));
        assert_eq!(pager(1, 0, 50, "?").pages, 1);
    }
}
