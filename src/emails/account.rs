//! Emails about a shopper's account rather than an order: the link that verifies the address
//! and the link that resets the password. They go through the same outbox and SMTP job as the
//! order emails.

use askama::Template;

use super::render::Rendered;
use crate::{
    accounts::sessions::hash,
    db::{DbConnection, DbError},
    i18n::Lang,
};

/// An account email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountEmail {
    /// "Confirm your email address", sent at sign-up and on request.
    VerifyEmail,
    /// "Choose a new password", sent on request.
    ResetPassword,
}

impl AccountEmail {
    /// The name stored in `email_outbox.kind` and used in locale keys.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountEmail::VerifyEmail => "verify_email",
            AccountEmail::ResetPassword => "reset_password",
        }
    }
}

/// What both templates show.
pub struct AccountView {
    /// The email's language.
    pub lang: Lang,
    /// `verify_email` or `reset_password`.
    pub kind: &'static str,
    /// The shopper's name.
    pub name: String,
    /// The one-time link.
    pub link: String,
}

impl AccountView {
    /// UI text in the email's language.
    pub fn tr(&self, key: &str) -> &'static str {
        self.lang.tr(key)
    }
}

#[derive(Template)]
#[template(path = "emails/account.txt")]
struct TextEmail<'a> {
    v: &'a AccountView,
}

#[derive(Template)]
#[template(path = "emails/account.html")]
struct HtmlEmail<'a> {
    v: &'a AccountView,
}

/// Renders the email carrying `link` to `to` and adds it to the outbox with a job to send it.
/// Each link is queued once (the key is the SHA-256 of the link, so the outbox's key does not
/// hold the token itself).
pub fn queue(
    conn: &mut DbConnection,
    kind: AccountEmail,
    to: &str,
    view: &AccountView,
) -> Result<(), DbError> {
    let render_error =
        |e: askama::Error| DbError::Render(format!("the {} email: {e}", kind.as_str()));
    let email = Rendered {
        lang: view.lang,
        to: to.to_owned(),
        subject: view
            .tr(&format!("email.{}.subject", kind.as_str()))
            .to_owned(),
        text: TextEmail { v: view }.render().map_err(render_error)?,
        html: HtmlEmail { v: view }.render().map_err(render_error)?,
    };
    let dedupe_key = format!("{}:{}", kind.as_str(), hash(&view.link));
    super::store(conn, None, &dedupe_key, kind.as_str(), &email)
}
