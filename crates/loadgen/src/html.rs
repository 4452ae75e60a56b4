//! Reading the few values a shopper's next request needs out of a page (the same string
//! matching the API tests use).

/// The session's CSRF token from `<meta name="csrf-token" content="…">`.
pub fn meta_csrf_token(html: &str) -> Option<String> {
    let marker = "name=\"csrf-token\" content=\"";
    let at = html.find(marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

/// The value of the hidden input named `name` (`name="…" value="…"`).
pub fn hidden_field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html.find(&marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].to_owned())
}

/// The value selected in each `<select name="option">` (a product's option pickers), in page
/// order: the option marked `selected`, else the first, as a browser submits it.
pub fn selected_options(html: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("name=\"option\"") {
        rest = &rest[i..];
        let end = rest.find("</select>").unwrap_or(rest.len());
        let select = &rest[..end];
        let mut first = None;
        let mut chosen = None;
        let mut options = select;
        while let Some(j) = options.find("<option value=\"") {
            options = &options[j + "<option value=\"".len()..];
            let Some(q) = options.find('"') else { break };
            let value = &options[..q];
            first.get_or_insert(value);
            if options[q..].starts_with("\" selected") {
                chosen = Some(value);
            }
        }
        if let Some(value) = chosen.or(first) {
            values.push(value.to_owned());
        }
        rest = &rest[end..];
    }
    values
}

/// The `action` of the first `<form method="post" …>`.
pub fn first_post_action(html: &str) -> Option<String> {
    let marker = "<form method=\"post\" action=\"";
    let at = html.find(marker)? + marker.len();
    Some(html[at..at + html[at..].find('"')?].replace("&amp;", "&"))
}

/// The slugs of every `href="/products/{slug}"`, in page order, without repeats.
pub fn product_slugs(html: &str) -> Vec<String> {
    let marker = "href=\"/products/";
    let mut slugs: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(marker) {
        rest = &rest[i + marker.len()..];
        let Some(end) = rest.find('"') else { break };
        let slug = &rest[..end];
        if !slug.is_empty() && !slugs.iter().any(|s| s == slug) {
            slugs.push(slug.to_owned());
        }
    }
    slugs
}

/// The id in the first `action="/cart/items/{id}"`.
pub fn cart_item_id(html: &str) -> Option<String> {
    let marker = "action=\"/cart/items/";
    let at = html.find(marker)? + marker.len();
    let id: String = html[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    (!id.is_empty()).then_some(id)
}

/// The number in the header's cart badge (`<span class="cart-badge…">N</span>`).
pub fn cart_count(html: &str) -> Option<i64> {
    let at = html.find("class=\"cart-badge")?;
    let rest = &html[at..];
    let start = rest.find('>')? + 1;
    let end = start + rest[start..].find('<')?;
    rest[start..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_from_pages() {
        let html = r#"<meta name="csrf-token" content="tok">
            <a href="/products/mug">Mug</a><a href="/products/kettle"></a><a href="/products/mug">
            <form method="post" action="/cart/items/42"><input type="hidden" name="csrf_token" value="t2">
            <input type="hidden" name="product_id" value="7"></form>
            <span class="cart-badge">3</span>"#;
        assert_eq!(meta_csrf_token(html).as_deref(), Some("tok"));
        assert_eq!(hidden_field(html, "product_id").as_deref(), Some("7"));
        let pickers = r#"<select id="option-1" name="option" data-option="Grind">
            <option value="3">Whole bean</option><option value="4" selected>Espresso</option>
            </select><select id="option-2" name="option"><option value="8">250 g</option></select>"#;
        assert_eq!(selected_options(pickers), ["4", "8"]);
        assert!(selected_options(html).is_empty());
        assert_eq!(product_slugs(html), vec!["mug", "kettle"]);
        assert_eq!(cart_item_id(html).as_deref(), Some("42"));
        assert_eq!(first_post_action(html).as_deref(), Some("/cart/items/42"));
        assert_eq!(cart_count(html), Some(3));
        let empty = r#"<span class="cart-badge cart-badge--empty">0</span>"#;
        assert_eq!(cart_count(empty), Some(0));
    }
}
