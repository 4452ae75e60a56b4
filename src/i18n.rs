//! The shop's two languages and its UI text in each.
//!
//! Text lives in one table keyed by a dotted name; a missing Chinese text falls back to the
//! English one, and a missing key shows itself, so a gap is visible on the page rather than
//! silently empty.

use std::{collections::HashMap, hash::BuildHasherDefault, sync::LazyLock};

/// A language the shop is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Simplified Chinese.
    ZhCn,
}

impl Lang {
    /// Reads a language tag as used in `/lang/{tag}` and the `lang` cookie.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "en" => Some(Lang::En),
            "zh-CN" => Some(Lang::ZhCn),
            _ => None,
        }
    }

    /// Picks the first supported language of an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Lang {
        header
            .split(',')
            .filter_map(|part| part.split(';').next())
            .map(|tag| tag.trim().to_ascii_lowercase())
            .find_map(|tag| {
                if tag.starts_with("zh") {
                    Some(Lang::ZhCn)
                } else if tag.starts_with("en") {
                    Some(Lang::En)
                } else {
                    None
                }
            })
            .unwrap_or_default()
    }

    /// The BCP 47 tag, for `<html lang>` and links.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// What AsiaBill's failure reason `order_info` (as received) means for the shopper, in this
    /// language; the table and its sources are in `asiabill::reasons`.
    pub fn shopper_reason(self, order_info: &str) -> &'static str {
        asiabill::reasons::explain(order_info).for_shopper(self.gateway_language())
    }

    /// What AsiaBill's failure reason `order_info` means for the merchant, in this language.
    pub fn merchant_reason(self, order_info: &str) -> &'static str {
        asiabill::reasons::explain(order_info).for_merchant(self.gateway_language())
    }

    fn gateway_language(self) -> asiabill::reasons::Language {
        match self {
            Lang::En => asiabill::reasons::Language::English,
            Lang::ZhCn => asiabill::reasons::Language::SimplifiedChinese,
        }
    }

    /// Whether the table has a text for `key`.
    pub fn has(self, key: &str) -> bool {
        TEXT.contains_key(key)
    }

    /// The UI text for `key`.
    pub fn tr(self, key: &str) -> &'static str {
        match TEXT.get(key) {
            Some(&(en, zh)) => match self {
                Lang::ZhCn if !zh.is_empty() => zh,
                _ => en,
            },
            None => missing(key),
        }
    }
}

/// A key that is not in the table: shown as itself (leaked once per key, so it stays `'static`;
/// keys come from templates and code, so there are few).
fn missing(key: &str) -> &'static str {
    static SEEN: LazyLock<std::sync::Mutex<HashMap<String, &'static str>>> =
        LazyLock::new(Default::default);
    let mut seen = match SEEN.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    seen.entry(key.to_owned())
        .or_insert_with(|| Box::leak(key.to_owned().into_boxed_str()))
}

/// The English resource files (shop, shopper accounts, admin, the order timeline), compiled in
/// so the binary runs from any folder.
const EN_SOURCES: [&str; 4] = [
    include_str!("../locales/en/shop.toml"),
    include_str!("../locales/en/account.toml"),
    include_str!("../locales/en/admin.toml"),
    include_str!("../locales/en/timeline.toml"),
];
/// The Simplified Chinese resource files, in the same order.
const ZH_SOURCES: [&str; 4] = [
    include_str!("../locales/zh-CN/shop.toml"),
    include_str!("../locales/zh-CN/account.toml"),
    include_str!("../locales/zh-CN/admin.toml"),
    include_str!("../locales/zh-CN/timeline.toml"),
];

/// All files of one language merged into `section.name → text`.
fn merged(sources: &[&'static str]) -> HashMap<String, &'static str> {
    sources.iter().flat_map(|s| flatten(s)).collect()
}

/// FNV-1a: every page looks up dozens of texts, and SipHash (the default, which resists keys
/// chosen to collide) cost more than the rest of the lookup. These keys are written by us, in
/// templates and code, never by a visitor.
#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut hash = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = hash;
    }
}

type TextTable = HashMap<String, (&'static str, &'static str), BuildHasherDefault<Fnv>>;

static TEXT: LazyLock<TextTable> = LazyLock::new(|| {
    let en = merged(&EN_SOURCES);
    let zh = merged(&ZH_SOURCES);
    en.into_iter()
        .map(|(key, text)| {
            let chinese = zh.get(&key).copied().unwrap_or("");
            (key, (text, chinese))
        })
        .collect()
});

/// Reads a resource file into `section.name → text`. A malformed file is a build-time mistake
/// that the tests catch; at run time it yields no text rather than a crash.
fn flatten(source: &'static str) -> HashMap<String, &'static str> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut HashMap<String, String>) {
        for (name, value) in table {
            let key = if prefix.is_empty() {
                name.clone()
            } else {
                format!("{prefix}.{name}")
            };
            match value {
                toml::Value::Table(inner) => walk(&key, inner, out),
                toml::Value::String(text) => {
                    out.insert(key, text.clone());
                }
                _ => {}
            }
        }
    }
    let mut owned = HashMap::new();
    match source.parse::<toml::Table>() {
        Ok(table) => walk("", &table, &mut owned),
        Err(e) => tracing::error!(error = %e, "a locale file does not parse"),
    }
    // Texts live for the whole program; leaking them once gives `&'static str` lookups.
    owned
        .into_iter()
        .map(|(k, v)| (k, &*Box::leak(v.into_boxed_str())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_falls_back_to_english_and_unknown_keys_show_themselves() {
        assert_eq!(Lang::ZhCn.tr("nav.cart"), "购物车");
        assert_eq!(Lang::En.tr("nav.cart"), "Cart");
        assert_eq!(Lang::ZhCn.tr("no.such.key"), "no.such.key");
    }

    #[test]
    fn both_locale_files_parse_and_have_the_same_keys() {
        for source in EN_SOURCES.iter().chain(&ZH_SOURCES) {
            if let Err(e) = source.parse::<toml::Table>() {
                panic!("a locale file does not parse: {e}");
            }
        }
        let en = merged(&EN_SOURCES);
        let zh = merged(&ZH_SOURCES);
        let mut only_en: Vec<_> = en.keys().filter(|k| !zh.contains_key(*k)).collect();
        let mut only_zh: Vec<_> = zh.keys().filter(|k| !en.contains_key(*k)).collect();
        only_en.sort();
        only_zh.sort();
        assert!(only_en.is_empty(), "missing in zh-CN.toml: {only_en:?}");
        assert!(only_zh.is_empty(), "missing in en.toml: {only_zh:?}");
        assert!(en.values().chain(zh.values()).all(|t| !t.is_empty()));
    }

    #[test]
    fn every_key_a_template_uses_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("templates folder") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("template");
                for part in text.split("tr(\"").skip(1) {
                    let Some(end) = part.find('"') else { continue };
                    let key = &part[..end];
                    if !TEXT.contains_key(key) {
                        missing.push(format!("{}: {key}", path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "keys without text: {missing:?}");
    }

    #[test]
    fn accept_language_prefers_the_first_supported_tag() {
        assert_eq!(
            Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"),
            Lang::ZhCn
        );
        assert_eq!(Lang::from_accept_language("fr-FR, en-GB;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
    }
}
