//! `SMTP_URL` and `SHOP_EMAIL_FROM`: how and as whom the shop sends its emails.

use secrecy::SecretString;
use url::Url;

use super::{RawSettings, check, text};

/// The checked mail settings.
pub(super) struct Mail {
    /// `SMTP_URL`, none when emails are not sent.
    pub(super) smtp_url: Option<SecretString>,
    /// `SHOP_EMAIL_FROM`.
    pub(super) email_from: String,
}

/// The mail settings; each bad value is added to `problems`.
pub(super) fn from_raw(raw: &RawSettings, problems: &mut Vec<String>) -> Option<Mail> {
    let smtp_url = check(problems, "SMTP_URL", smtp_url(text(&raw.smtp_url)));
    let email_from = check(
        problems,
        "SHOP_EMAIL_FROM",
        email_from(text(&raw.shop_email_from)),
    );
    Some(Mail {
        smtp_url: smtp_url?,
        email_from: email_from?,
    })
}

fn smtp_url(value: Option<&str>) -> Result<Option<SecretString>, String> {
    match value {
        None => Ok(None),
        Some(u) => match Url::parse(u) {
            Ok(url) if matches!(url.scheme(), "smtp" | "smtps") => Ok(Some(SecretString::from(u))),
            _ => Err("must be an smtp:// or smtps:// URL".into()),
        },
    }
}

fn email_from(value: Option<&str>) -> Result<String, String> {
    match value {
        None => Ok("Harbour Coffee & Tea <orders@example.com>".to_owned()),
        Some(f) if crate::domain::email::looks_valid(mailbox_address(f)) => Ok(f.to_owned()),
        Some(f) => Err(format!(
            "is `{f}`; use an address, optionally with a name: Shop <orders@shop.example>"
        )),
    }
}

/// The address inside `Name <address>`, or the whole text.
fn mailbox_address(text: &str) -> &str {
    match (text.rfind('<'), text.rfind('>')) {
        (Some(open), Some(close)) if open < close => &text[open + 1..close],
        _ => text,
    }
}
