//! Properties of the one place where minor units meet AsiaBill's decimal strings.

use asiabill::types::ConfirmChargeRequest;
use asiabill::webhook::TransactionNotice;
use asiabill::{Currency, CurrencyError, Endpoint, Error, Money};
use proptest::prelude::*;

fn currency() -> impl Strategy<Value = Currency> {
    prop::sample::select(vec!["USD", "EUR", "CNY", "GBP", "JPY", "KRW", "VND", "CLP"])
        .prop_map(|code| Currency::parse(code).expect("supported"))
}

/// The shape AsiaBill documents: digits, and exactly the currency's decimals after a dot.
fn well_formed(text: &str, decimals: u8) -> bool {
    match text.split_once('.') {
        None => decimals == 0 && !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()),
        Some((whole, frac)) => {
            !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && frac.len() == usize::from(decimals)
                && frac.bytes().all(|b| b.is_ascii_digit())
                && (whole == "0" || !whole.starts_with('0'))
        }
    }
}

proptest! {
    #[test]
    fn formatting_then_parsing_gives_the_same_money(
        minor in 0_i64..=9_999_999_999_999_999,
        currency in currency(),
    ) {
        let money = Money::new(minor, currency);
        let text = money.to_gateway_string();
        prop_assert!(well_formed(&text, currency.decimals()), "{}", text);
        prop_assert_eq!(Money::parse_gateway_string(&text, currency), Ok(money));
    }

    #[test]
    fn parsing_short_fractions_scales_them(
        whole in 0_i64..1_000_000_000,
        frac_digits in 0_usize..=2,
        frac in 0_i64..100,
    ) {
        let usd = Currency::parse("USD").expect("USD");
        let frac = frac % 10_i64.pow(u32::try_from(frac_digits).expect("small"));
        let text = if frac_digits == 0 {
            whole.to_string()
        } else {
            format!("{whole}.{frac:0width$}", width = frac_digits)
        };
        let expected = whole * 100 + frac * 10_i64.pow(2 - u32::try_from(frac_digits).expect("small"));
        prop_assert_eq!(
            Money::parse_gateway_string(&text, usd).map(|m| m.minor()),
            Ok(expected),
            "{}", text
        );
    }

    #[test]
    fn too_many_decimals_are_refused(whole in 0_i64..1_000_000, frac in "[0-9]{3,6}") {
        let usd = Currency::parse("USD").expect("USD");
        let jpy = Currency::parse("JPY").expect("JPY");
        let three_or_more = format!("{whole}.{frac}");
        let one = format!("{whole}.{}", &frac[..1]);
        let refused = Money::parse_gateway_string(&three_or_more, usd).is_err()
            && Money::parse_gateway_string(&one, jpy).is_err();
        prop_assert!(refused, "{} / {}", three_or_more, one);
    }

    #[test]
    fn any_text_either_fails_or_reads_back_consistently(
        text in prop_oneof!["[0-9.]{0,12}", "\\PC{0,20}"],
        currency in currency(),
    ) {
        if let Ok(money) = Money::parse_gateway_string(&text, currency) {
            prop_assert!(money.minor() >= 0);
            let again = Money::parse_gateway_string(&money.to_gateway_string(), currency);
            prop_assert_eq!(again, Ok(money));
        }
    }

    #[test]
    fn amounts_sent_as_json_numbers_read_as_the_same_money(
        minor in 0_i64..1_000_000_000_000,
        currency in currency(),
    ) {
        let text = Money::new(minor, currency).to_gateway_string();
        let number: serde_json::Number = text.parse().expect("a JSON number");
        let notice: TransactionNotice = serde_json::from_value(serde_json::json!({
            "transactionType": "Sale", "orderAmount": number, "orderNo": "O", "tradeNo": "T",
            "orderCurrency": currency.code(), "orderInfo": "", "orderStatus": "success", "remark": ""
        }))
        .expect("reads a numeric amount");
        prop_assert_eq!(notice.order_amount, Money::new(minor, currency));
    }

    #[test]
    fn requests_carry_only_amounts_asiabill_accepts(
        minor in -1_000_i64..=i64::MAX,
        currency in currency(),
    ) {
        let amount = Money::new(minor, currency);
        let charge = ConfirmChargeRequest::new("O-1", amount, "pm_1", "203.0.113.9");
        let acceptable = minor > 0 && amount.to_gateway_string().len() <= 16;
        match charge.call() {
            Ok(call) => {
                prop_assert!(acceptable);
                let body: serde_json::Value =
                    serde_json::from_slice(&call.body.expect("a body")).expect("json");
                prop_assert_eq!(&body["orderAmount"], &serde_json::json!(amount.to_gateway_string()));
            }
            Err(Error::InvalidRequest(_)) => prop_assert!(!acceptable),
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}

#[test]
fn three_decimal_currencies_are_refused_with_a_clear_error() {
    for code in ["KWD", "BHD", "JOD", "OMR", "TND", "IQD", "LYD"] {
        let err = Currency::parse(code).expect_err("three decimals");
        assert!(
            matches!(err, CurrencyError::TooManyDecimals { decimals: 3, .. }),
            "{code}: {err:?}"
        );
        assert!(err.to_string().contains("0 to 2"), "{err}");
    }
}
