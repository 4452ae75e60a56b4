//! The admin area in Chinese: every page, with orders in every state the merchant meets, shows
//! no English UI text. What the shop did not write (the shopper's name and address, product
//! names typed by the merchant, AsiaBill's raw codes) is marked `translate="no"` or set in
//! `<code>`, and is left alone.

use asiabill_shop::db::schema::{
    email_outbox, order_lines, payment_attempts, payment_events, webhook_events,
};
use diesel::prelude::*;

use crate::{
    admin_pages::{every_admin_page, ship_and_refund, zh},
    admin_support::{admin, order_by_number, paid_order},
    helpers::spawn_app,
    payments::{DECLINE, eventually, order, pay_insite, signed_webhook},
};

/// Elements whose content is data or code, never UI text.
const RAW: [&str; 6] = ["script", "style", "pre", "code", "textarea", "kbd"];

/// The text a reader sees on `html`, outside raw elements and `translate="no"`, with the
/// attributes a reader also sees (`placeholder`, `title`, `aria-label`, `alt`).
pub fn visible_text(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    push_visible(scraper::Html::parse_document(html).root_element(), &mut out);
    out
}

/// Adds what a reader sees of `element` and its content to `out`, in document order.
fn push_visible(element: scraper::ElementRef, out: &mut Vec<String>) {
    let tag = element.value();
    if RAW.contains(&tag.name()) || tag.attr("translate") == Some("no") {
        return;
    }
    for attribute in ["placeholder", "title", "aria-label", "alt"] {
        if let Some(value) = tag.attr(attribute) {
            out.push(value.to_owned());
        }
    }
    for child in element.children() {
        if let Some(child) = scraper::ElementRef::wrap(child) {
            push_visible(child, out);
        } else if let scraper::Node::Text(text) = child.value() {
            let text = text.trim();
            if !text.is_empty() {
                out.push(text.to_owned());
            }
        }
    }
}

/// Words that stay as they are in Chinese: AsiaBill's protocol names (its Chinese documentation
/// keeps them), file formats, acronyms, and names from the code and configuration.
const ALLOWED: &[&str] = &[
    "AsiaBill",
    "Webhook",
    "tradeNo",
    "orderNo",
    "merTrackNo",
    "batchNo",
    "returnUrl",
    "callbackUrl",
    "goodsDetails",
    "customerIp",
    "sessionToken",
    "confirmCharge",
    "signInfo",
    "gatewayNo",
    "signKey",
    "lcCode",
    "OpenAPI",
    "JS",
    "SDK",
    "Secure",
    "HTML",
    "PNG",
    "JPEG",
    "WebP",
    "GIF",
    "CSV",
    "URL",
    "JSON",
    "API",
    "SKU",
    "ISO",
    "HTTP",
    "HTTPS",
    "https",
    "SMTP",
    "UTC",
    "USD",
    "CNY",
    "EUR",
    "DHL",
    "UPS",
    "TWTH",
    "slug",
    "crate",
    "asiabill",
    "Environment",
    "live",
    "local",
    "sandbox",
    "MB",
    "EN",
];

/// The English words of `texts`: runs of two or more Latin letters that are not allowed names
/// and not the names, codes and addresses in `data`.
pub fn english_words(texts: &[String], data: &[&str]) -> Vec<String> {
    let in_token = |c: char| c.is_ascii_alphanumeric() || "-_./".contains(c);
    let mut words = Vec::new();
    for text in texts {
        // Data that spans several tokens (a name, an address, an email) is taken out whole;
        // a one-token value must match a whole token.
        let mut text = text.clone();
        for known in data.iter().filter(|d| !d.chars().all(in_token)) {
            text = text.replace(known, " ");
        }
        for word in text.split(|c: char| !in_token(c)) {
            let word = word.trim_end_matches('.');
            let letters = word.chars().filter(char::is_ascii_alphabetic).count();
            // Codes such as A10001-1 or JD0001, paths and dotted names (chargeback.success)
            // carry digits or punctuation: data or code, not words.
            let plain = word.chars().all(|c| c.is_ascii_alphabetic());
            if letters >= 2 && plain && !ALLOWED.contains(&word) && !data.contains(&word) {
                words.push(format!("{word} (in {text:?})"));
            }
        }
    }
    words
}

#[test]
fn visible_text_skips_markup_code_and_data() {
    let html = r#"<p title="Hint">Hello <b>world</b></p><code>raw</code><script>var x = "<b>";</script>
        <span translate="no">Ana <i>Lima</i></span><input placeholder="Search"><!-- note -->End"#;
    assert_eq!(
        visible_text(html),
        ["Hint", "Hello", "world", "Search", "End"]
    );
    assert_eq!(
        english_words(&["付款 Paid A10001-1 AsiaBill".into()], &[]),
        ["Paid (in \"付款 Paid A10001-1 AsiaBill\")"]
    );
}

#[tokio::test]
async fn every_admin_page_in_chinese_shows_no_english_ui_text() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    // A paid, shipped, partly refunded and then disputed order, and a declined one.
    let number = paid_order(&app).await;
    ship_and_refund(&admin, &number).await;
    let declined = order(&app).await;
    pay_insite(&app, &declined, DECLINE).await;
    let order_id = order_by_number(&app, &number).id;
    let trade_no: String = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order_id))
        .filter(payment_attempts::trade_no.is_not_null())
        .select(payment_attempts::trade_no.assume_not_null())
        .first(&mut app.db.get().expect("conn"))
        .expect("the paid attempt's tradeNo");
    app.sandbox
        .as_ref()
        .expect("sim")
        .raise_chargeback(&trade_no, None, None)
        .expect("chargeback");
    eventually("the chargeback puts the order in dispute", || {
        order_by_number(&app, &number).disputed_at.is_some()
    })
    .await;

    // A webhook for a payment the shop never made: flagged, in the log and "Needs attention".
    const FOREIGN: &str = r#"{"data":{"transactionType":"Sale","orderAmount":"1.00","orderNo":"NOT-OURS-1","tradeNo":"2026112512000011111111","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;
    assert_eq!(signed_webhook(&app, FOREIGN).await.status(), 200);

    let mut conn = app.db.get().expect("conn");
    let flagged: i64 = webhook_events::table
        .filter(webhook_events::status.eq("flagged"))
        .select(webhook_events::id)
        .first(&mut conn)
        .expect("the foreign webhook is flagged");
    let mut pages = every_admin_page(&app, &number);
    pages.push(format!("/admin/webhooks/{flagged}"));
    // What the shop did not write: the shopper's details, the merchant's typing, AsiaBill's
    // words and codes as the timeline stored them, the emails as they were sent.
    let mut data: Vec<String> = [
        "Ana Lima",
        "1 Harbour Street",
        "Portland, OR 97201",
        "ana@example.com",
        "admin@example.com",
        "goodwill",
        "Transaction Approved",
    ]
    .map(String::from)
    .into();
    data.extend(
        order_lines::table
            .select(order_lines::name)
            .load::<String>(&mut conn)
            .expect("lines"),
    );
    data.extend(
        email_outbox::table
            .select(email_outbox::subject)
            .load::<String>(&mut conn)
            .expect("subjects"),
    );
    for args in payment_events::table
        .select(payment_events::message_args)
        .load::<Option<String>>(&mut conn)
        .expect("timeline")
        .into_iter()
        .flatten()
    {
        let args: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&args).expect("arguments are a JSON object");
        data.extend(args.values().filter_map(|v| v.as_str().map(String::from)));
    }
    // Longest first, so that a value containing another is taken out whole.
    data.sort_by_key(|d| std::cmp::Reverse(d.len()));
    let data: Vec<&str> = data
        .iter()
        .map(String::as_str)
        .filter(|d| !d.is_empty())
        .collect();
    // The refund's flash was shown in English, where it was asked for; read it there.
    admin.html("/admin").await;
    let mut found = Vec::new();
    for path in &pages {
        let page = zh(&admin, path).await;
        for word in english_words(&visible_text(&page), &data) {
            found.push(format!("{path}: {word}"));
        }
    }
    assert!(
        found.is_empty(),
        "English on Chinese admin pages:\n{}",
        found.join("\n")
    );
    // The timeline and the webhook notes read in the admin's language, in both directions.
    let order_page = format!("/admin/orders/{number}");
    assert!(
        zh(&admin, &order_page)
            .await
            .contains("订单已创建；库存保留至")
    );
    assert!(
        admin
            .html(&order_page)
            .await
            .contains("Order placed; stock reserved until")
    );
    let flagged_page = format!("/admin/webhooks/{flagged}");
    assert!(
        zh(&admin, &flagged_page)
            .await
            .contains("没有支付尝试 NOT-OURS-1")
    );
    assert!(
        admin
            .html(&flagged_page)
            .await
            .contains("no payment attempt NOT-OURS-1")
    );
}
