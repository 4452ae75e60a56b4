//! Email addresses.

/// A cheap plausibility check: one `@` with text on both sides, a dot in the domain, no spaces,
/// at most 254 characters. Real validation is the confirmation email arriving.
pub fn looks_valid(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    value.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !value.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::looks_valid;

    #[test]
    fn plausible_addresses_pass_and_junk_does_not() {
        assert!(looks_valid("ana@example.com"));
        assert!(looks_valid("li.wei+shop@mail.example.cn"));
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@x.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(!looks_valid(bad), "{bad}");
        }
    }
}
