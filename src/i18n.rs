//! The shop's two languages and its UI text in each.
//!
//! Text lives in one table keyed by a dotted name; a missing Chinese text falls back to the
//! English one, and a missing key shows itself, so a gap is visible on the page rather than
//! silently empty.

use std::{collections::HashMap, sync::LazyLock};

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
/// keys come from templates, so there are few).
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

static TEXT: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> =
    LazyLock::new(|| ENTRIES.iter().map(|&(k, en, zh)| (k, (en, zh))).collect());

/// `(key, English, Simplified Chinese)`.
#[rustfmt::skip]
const ENTRIES: &[(&str, &str, &str)] = &[
    ("site.name", "Harbour Coffee & Tea", "港湾咖啡与茶"),
    ("site.description", "Freshly roasted coffee, loose-leaf tea and brewing gear from Harbour Coffee & Tea.", "港湾咖啡与茶：新鲜烘焙的咖啡、散装茶叶与冲煮器具。"),
    ("nav.skip", "Skip to main content", "跳到主要内容"),
    ("nav.label", "Main", "主导航"),
    ("nav.catalogue", "Catalogue", "商品目录"),
    ("nav.language", "Language", "语言"),
    ("nav.cart", "Cart", "购物车"),
    ("nav.cart_items", "items", "件商品"),
    ("banner.label", "Test environment", "测试环境"),
    ("banner.tag_local", "Local simulator", "本地模拟器"),
    ("banner.tag_sandbox", "AsiaBill sandbox", "AsiaBill 沙箱"),
    ("banner.local", "Test mode — payments go to the offline AsiaBill sandbox simulator; use test cards, no real money moves.", "测试模式——付款将发送到离线的 AsiaBill 沙箱模拟器；请使用测试卡，不会产生真实扣款。"),
    ("banner.sandbox", "Test mode — payments go to the AsiaBill sandbox test environment; use test cards, no real money moves.", "测试模式——付款将发送到 AsiaBill 沙箱测试环境；请使用测试卡，不会产生真实扣款。"),
    ("flash.success", "Success", "成功"),
    ("flash.error", "Error", "错误"),
    ("flash.info", "Note", "提示"),
    ("footer.note", "Freshly roasted coffee, loose-leaf tea and brewing gear. This is a demonstration store for the AsiaBill card gateway; orders are not shipped.", "新鲜烘焙的咖啡、散装茶叶与冲煮器具。本店是 AsiaBill 银行卡支付网关的演示商店，订单不会实际发货。"),
    ("footer.payments", "Payments by AsiaBill", "支付服务由 AsiaBill 提供"),
    ("catalogue.title", "Catalogue", "商品目录"),
    ("catalogue.heading", "Coffee, tea & brewing gear", "咖啡、茶与冲煮器具"),
    ("catalogue.lead", "Small-batch roasts, whole-leaf teas and the tools to brew them well.", "小批量烘焙的咖啡、整叶好茶，以及把它们冲煮好的器具。"),
    ("catalogue.categories", "Categories", "商品分类"),
    ("catalogue.all", "All", "全部"),
    ("catalogue.search_label", "Search products", "搜索商品"),
    ("catalogue.search_placeholder", "Search coffee, tea, gear…", "搜索咖啡、茶、器具…"),
    ("catalogue.search_button", "Search", "搜索"),
    ("catalogue.results_for", "Results for", "搜索结果："),
    ("catalogue.clear_search", "Clear search", "清除搜索"),
    ("catalogue.empty_title", "No products found", "没有找到商品"),
    ("catalogue.empty", "There are no products in this category right now. Please check back soon.", "该分类下暂时没有商品，请稍后再来看看。"),
    ("catalogue.empty_search", "No products match your search. Try a different word or browse all products.", "没有找到与搜索匹配的商品。请换个关键词，或浏览全部商品。"),
    ("catalogue.show_all", "Browse all products", "浏览全部商品"),
    ("product.in_stock", "In stock", "有货"),
    ("product.sold_out", "Sold out", "已售罄"),
    ("pagination.label", "Pagination", "分页"),
    ("pagination.prev", "Previous", "上一页"),
    ("pagination.next", "Next", "下一页"),
    ("pagination.page", "Page", "页码"),
    ("error.code", "Error", "错误"),
    ("error.back_home", "Back to the shop", "返回商店"),
    ("error.view_cart", "View cart", "查看购物车"),
    ("error.not_found.title", "Page not found", "页面不存在"),
    ("error.not_found.message", "We could not find the page you asked for.", "找不到您请求的页面。"),
    ("error.server.title", "Something went wrong", "出错了"),
    ("error.server.message", "An unexpected error occurred. Please try again in a moment.", "发生了意外错误，请稍后重试。"),
    ("error.bad_request.title", "Request not understood", "无法处理该请求"),
    ("error.bad_request.message", "The request could not be processed. Please go back and try again.", "无法处理该请求，请返回后重试。"),
    ("error.forbidden.title", "Not allowed", "不允许此操作"),
    ("error.forbidden.message", "This request was refused. Reload the page and try again.", "该请求被拒绝，请刷新页面后重试。"),
];

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
    fn every_key_is_unique_and_translated() {
        let mut keys: Vec<&str> = ENTRIES.iter().map(|e| e.0).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ENTRIES.len(), "duplicate key in ENTRIES");
        for (key, en, zh) in ENTRIES {
            assert!(!en.is_empty() && !zh.is_empty(), "{key} lacks a text");
        }
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
