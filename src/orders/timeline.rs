//! The order timeline (`payment_events`): what happened to an order's payments, refunds and
//! shipments, and what caused it. [`record`] is the only code that writes it.
//!
//! An entry's words are a [`Message`]: a text key of the locale files (`timeline.*`) and its
//! arguments, stored beside their English rendering, so that each admin reads the timeline in
//! their own language while exports and older entries keep plain English. What the shop did not
//! write itself (AsiaBill's reason, a merchant's note, an error) is a data argument, shown as it
//! came.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::{
    db::{DbConnection, DbError, models::NewPaymentEvent, now, schema::payment_events},
    i18n::Lang,
    payments::Source,
};

/// One argument of a [`Message`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Arg {
    /// Shown as it is: a number, an amount, a code, the gateway's words.
    Data(String),
    /// Another text key, shown in the reader's language (a status word, an operation).
    Text(String),
}

/// The words of one timeline entry: a text key and its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    key: String,
    args: Vec<(String, Arg)>,
}

impl Message {
    /// The text of `key` (a `timeline.*` key of the locale files), with no arguments yet.
    pub fn new(key: &str) -> Self {
        Message {
            key: key.to_owned(),
            args: Vec::new(),
        }
    }

    /// AsiaBill's own words (`orderInfo`, a refund's reason), shown as they came.
    pub fn gateway(text: impl Into<String>) -> Self {
        Message::new("timeline.gateway_says").data("text", text.into())
    }

    /// Fills `{name}` with `value`, shown as it is.
    pub fn data(mut self, name: &str, value: impl std::fmt::Display) -> Self {
        self.args
            .push((name.to_owned(), Arg::Data(value.to_string())));
        self
    }

    /// Fills `{name}` with the text of `key`, in the reader's language.
    pub fn text(mut self, name: &str, key: &str) -> Self {
        self.args.push((name.to_owned(), Arg::Text(key.to_owned())));
        self
    }

    /// Fills `{name}` with the word for `status` (an attempt's, order's or refund's), as
    /// running text in the reader's language.
    pub fn state(self, name: &str, status: &str) -> Self {
        self.text(name, &format!("timeline.state.{status}"))
    }

    /// The entry in English, as stored in `payment_events.message`.
    pub fn english(&self) -> String {
        self.render(Lang::En)
    }

    /// The entry in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        self.fill(lang.tr(&self.key), |arg| match arg {
            Arg::Data(value) => value.clone(),
            Arg::Text(key) => lang.tr(key).to_owned(),
        })
    }

    /// `template` with each `{name}` replaced by its argument, in one pass: a value that itself
    /// contains braces (a merchant's reason, AsiaBill's words) is never filled in again.
    fn fill(&self, template: &str, show: impl Fn(&Arg) -> String) -> String {
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let known = after.find('}').and_then(|close| {
                let name = &after[..close];
                let arg = self.args.iter().find(|(n, _)| n == name).map(|(_, a)| a)?;
                Some((show(arg), close))
            });
            match known {
                Some((value, close)) => {
                    out.push_str(&value);
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The text key, as stored beside the English.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The arguments as stored (`payment_events.message_args`, `webhook_events.error_args`);
    /// `None` when there are none.
    pub fn stored_args(&self) -> Option<String> {
        (!self.args.is_empty()).then(|| self.args_json())
    }

    /// The arguments as a JSON object whose values are strings (data) or `{"text": key}`.
    fn args_json(&self) -> String {
        let map: serde_json::Map<String, serde_json::Value> = self
            .args
            .iter()
            .map(|(name, arg)| {
                let value = match arg {
                    Arg::Data(value) => serde_json::Value::String(value.clone()),
                    Arg::Text(key) => serde_json::json!({ "text": key }),
                };
                (name.clone(), value)
            })
            .collect();
        serde_json::Value::Object(map).to_string()
    }

    /// The message stored as `key` and `args` (as [`Message::args_json`] wrote them); `None` when
    /// the key is not one the shop knows (an entry of a newer version), so the stored English
    /// is shown instead.
    fn stored(key: &str, args: Option<&str>) -> Option<Message> {
        if !Lang::En.has(key) {
            return None;
        }
        let mut message = Message::new(key);
        let parsed: serde_json::Map<String, serde_json::Value> = match args {
            Some(json) => serde_json::from_str(json).ok()?,
            None => serde_json::Map::new(),
        };
        for (name, value) in parsed {
            let arg = match value {
                serde_json::Value::String(s) => Arg::Data(s),
                serde_json::Value::Object(o) => Arg::Text(o.get("text")?.as_str()?.to_owned()),
                other => Arg::Data(other.to_string()),
            };
            message.args.push((name, arg));
        }
        Some(message)
    }
}

/// How a stored entry reads in `lang`: from its key when it has one the shop knows, otherwise
/// its stored English.
pub fn entry_text(lang: Lang, key: Option<&str>, args: Option<&str>, english: &str) -> String {
    key.and_then(|k| Message::stored(k, args))
        .map_or_else(|| english.to_owned(), |m| m.render(lang))
}

/// One entry to add to an order's timeline.
#[derive(Debug, Clone)]
pub struct Event<'a> {
    /// The order.
    pub order_id: i64,
    /// The payment attempt it concerns, if any.
    pub attempt_id: Option<i64>,
    /// The refund it concerns, if any.
    pub refund_id: Option<i64>,
    /// Where the news came from.
    pub source: Source,
    /// A short machine-readable code (`payment_paid`, `refund_requested`…).
    pub kind: &'a str,
    /// The status before, when the entry records a change.
    pub from: Option<&'a str>,
    /// The status after.
    pub to: Option<&'a str>,
    /// What happened, in words.
    pub message: Option<Message>,
    /// The gateway's answer or other detail.
    pub detail: Option<serde_json::Value>,
    /// Who acted (an admin's email), when a person did.
    pub actor: Option<&'a str>,
    /// When; now unless the entry belongs with a change made at a given time.
    pub at: Option<NaiveDateTime>,
    /// The caller's transaction already holds the order's lock, or inserted the order.
    pub held: bool,
}

impl<'a> Event<'a> {
    /// An entry of `kind` from `source` on order `order_id`, with nothing else said yet.
    pub fn new(order_id: i64, source: Source, kind: &'a str) -> Self {
        Event {
            order_id,
            attempt_id: None,
            refund_id: None,
            source,
            kind,
            from: None,
            to: None,
            message: None,
            detail: None,
            actor: None,
            at: None,
            held: false,
        }
    }

    /// About payment attempt `id`.
    pub fn attempt(mut self, id: i64) -> Self {
        self.attempt_id = Some(id);
        self
    }

    /// About refund `id`.
    pub fn refund(mut self, id: i64) -> Self {
        self.refund_id = Some(id);
        self
    }

    /// A change from `from` (if known) to `to`.
    pub fn change(mut self, from: Option<&'a str>, to: Option<&'a str>) -> Self {
        self.from = from;
        self.to = to;
        self
    }

    /// In these words.
    pub fn says(mut self, message: Message) -> Self {
        self.message = Some(message);
        self
    }

    /// At `at` rather than now.
    pub fn at(mut self, at: NaiveDateTime) -> Self {
        self.at = Some(at);
        self
    }

    /// Written in a transaction that already holds the order's lock (`orders::lock`), or that
    /// inserted the order, which nobody else sees before it commits, or in no transaction at
    /// all (the insert is then its own: it holds nothing while it waits, so it cannot
    /// deadlock, and a lock taken in a statement before it would be let go before it anyway):
    /// [`record`] then does not take the lock (on PostgreSQL one round trip each).
    pub fn held(mut self) -> Self {
        self.held = true;
        self
    }
}

/// Adds `event` to its order's timeline, taking the order's row lock first.
///
/// The lock comes first because the insert takes a share lock on the attempt and refund rows
/// it names (their foreign keys), and a transition that holds the order's lock may be about to
/// write the attempt's `tradeNo` (a unique key, so it needs the row exclusively): taken in the
/// other order, the two wait for each other and PostgreSQL aborts one ("deadlock detected").
pub fn record(conn: &mut DbConnection, event: Event<'_>) -> Result<(), DbError> {
    if !event.held {
        super::lock(conn, event.order_id)?;
    }
    let row = NewPaymentEvent {
        order_id: event.order_id,
        attempt_id: event.attempt_id,
        refund_id: event.refund_id,
        source: event.source,
        kind: event.kind,
        from_status: event.from,
        to_status: event.to,
        message: event.message.as_ref().map(Message::english),
        message_key: event.message.as_ref().map(|m| m.key.as_str()),
        message_args: event
            .message
            .as_ref()
            .filter(|m| !m.args.is_empty())
            .map(Message::args_json),
        detail: event.detail.as_ref().map(serde_json::Value::to_string),
        actor: event.actor,
        created_at: event.at.unwrap_or_else(now),
    };
    diesel::insert_into(payment_events::table)
        .values(&row)
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_reads_in_each_language_and_survives_storage() {
        let m = Message::new("timeline.refund_asked")
            .data("number", "A10001-R1")
            .data("amount", "1.00 USD")
            .data("reason", "goodwill");
        assert_eq!(
            m.english(),
            "Refund A10001-R1 of 1.00 USD asked for: goodwill"
        );
        let zh = m.render(Lang::ZhCn);
        assert!(zh.contains("A10001-R1") && zh.contains("goodwill"), "{zh}");
        assert!(!zh.contains("asked for"), "{zh}");
        let again =
            Message::stored("timeline.refund_asked", Some(&m.args_json())).expect("a known key");
        assert_eq!(again.english(), m.english());
        assert_eq!(again.render(Lang::ZhCn), zh);
    }

    #[test]
    fn an_argument_holding_braces_is_shown_as_it_is() {
        let m = Message::new("timeline.refund_asked")
            .data("reason", "{number} {unknown}")
            .data("number", "A10001-R1")
            .data("amount", "1.00 USD");
        assert_eq!(
            m.english(),
            "Refund A10001-R1 of 1.00 USD asked for: {number} {unknown}"
        );
    }

    #[test]
    fn a_text_argument_is_translated_and_an_unknown_key_falls_back_to_the_english() {
        let m = Message::new("timeline.sync_already").state("status", "failed");
        assert_eq!(m.english(), "already failed");
        assert!(
            m.render(Lang::ZhCn)
                .contains(Lang::ZhCn.tr("timeline.state.failed"))
        );
        assert_eq!(
            entry_text(Lang::ZhCn, Some("timeline.no_such_key"), None, "Old words"),
            "Old words"
        );
        assert_eq!(entry_text(Lang::ZhCn, None, None, "Plain"), "Plain");
    }

    /// The `{name}`s of a text.
    fn placeholders(text: &str) -> std::collections::BTreeSet<&str> {
        text.split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect()
    }

    #[test]
    fn every_timeline_text_names_the_same_arguments_in_both_languages() {
        let table: toml::Table = include_str!("../../locales/en/timeline.toml")
            .parse()
            .expect("parses");
        let mut keys = Vec::new();
        for section in ["timeline", "webhook"] {
            let texts = table[section].as_table().expect("a section");
            for (name, value) in texts {
                match value {
                    toml::Value::Table(words) => {
                        keys.extend(words.keys().map(|w| format!("{section}.{name}.{w}")));
                    }
                    _ => keys.push(format!("{section}.{name}")),
                }
            }
        }
        assert!(keys.len() > 60, "{} texts", keys.len());
        for key in keys {
            let (en, zh) = (Lang::En.tr(&key), Lang::ZhCn.tr(&key));
            let words = placeholders(en)
                .iter()
                .fold(en.to_owned(), |t, p| t.replace(&format!("{{{p}}}"), ""));
            if words.chars().any(|c| c.is_ascii_alphabetic()) {
                assert_ne!(en, zh, "{key} is translated");
            }
            assert_eq!(placeholders(en), placeholders(zh), "{key}");
        }
    }

    #[test]
    fn every_timeline_key_the_code_writes_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut stack = vec![root];
        let mut missing = Vec::new();
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source");
                let timeline = text.split("\"timeline.").skip(1).map(|p| ("timeline.", p));
                let webhook = text
                    .split("Message::new(\"webhook.")
                    .skip(1)
                    .map(|p| ("webhook.", p));
                for (prefix, part) in timeline.chain(webhook) {
                    let name: String = part
                        .chars()
                        .take_while(|c| c.is_ascii_lowercase() || *c == '_' || *c == '.')
                        .collect();
                    let key = format!("{prefix}{name}");
                    // Keys built at run time end in `_` or `.` here (`timeline.op_{op}`).
                    let dynamic = name.is_empty() || name.ends_with('_') || name.ends_with('.');
                    if !dynamic && name != "no_such_key" && !Lang::En.has(&key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }
}
