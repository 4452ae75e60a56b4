//! Hostile input: whatever arrives at a webhook or a returnUrl, the verifiers never panic and
//! never accept something that was not signed with the merchant's key.

use std::time::{Duration, SystemTime};

use asiabill::{
    Credentials,
    endpoint::RequestStamp,
    returns::verify_return,
    webhook::{verify_webhook, webhook_headers},
};
use proptest::prelude::*;
use secrecy::SecretString;

fn ours() -> Credentials {
    Credentials::public_test_account()
}

fn someone_else() -> Credentials {
    Credentials::new("12246002", SecretString::from("not-the-key")).expect("valid")
}

const BODY: &str = r#"{"data":{"transactionType":"Sale","orderAmount":"7.00","orderNo":"A10001-1","tradeNo":"2022082212000112345678","orderCurrency":"USD","orderInfo":"Transaction Approved","orderStatus":"success","remark":""},"type":"transaction.success"}"#;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn arbitrary_webhook_bytes_and_headers_never_verify(
        body in proptest::collection::vec(any::<u8>(), 0..600),
        id in "[ -~]{0,70}",
        time in "[0-9]{0,16}",
        sign in "[0-9A-Fa-f]{0,70}",
        version in prop_oneof![Just("V2022-03".to_owned()), "[ -~]{0,12}"],
    ) {
        let headers = vec![
            ("gateway-no".to_owned(), "12246002".to_owned()),
            ("request-id".to_owned(), id),
            ("request-time".to_owned(), time),
            ("version".to_owned(), version),
            ("sign-info".to_owned(), sign),
        ];
        let verdict = verify_webhook(&ours(), headers.as_slice(), &body, SystemTime::now(), Duration::from_secs(600));
        prop_assert!(verdict.is_err());
    }

    #[test]
    fn a_body_signed_with_another_key_never_verifies(body in "[ -~]{0,400}") {
        let stamp = RequestStamp::fresh();
        let headers = webhook_headers(&someone_else(), &stamp, body.as_bytes());
        let verdict = verify_webhook(&ours(), headers.as_slice(), body.as_bytes(), SystemTime::now(), Duration::from_secs(600));
        prop_assert!(verdict.is_err());
    }

    #[test]
    fn one_changed_byte_of_a_signed_webhook_breaks_it(at in 0..BODY.len(), byte in any::<u8>()) {
        let stamp = RequestStamp::fresh();
        let headers = webhook_headers(&ours(), &stamp, BODY.as_bytes());
        let mut body = BODY.as_bytes().to_vec();
        prop_assume!(body[at] != byte);
        body[at] = byte;
        let verdict = verify_webhook(&ours(), headers.as_slice(), &body, SystemTime::now(), Duration::from_secs(600));
        prop_assert!(verdict.is_err());
    }

    #[test]
    fn arbitrary_return_queries_never_verify(query in "[ -~]{0,600}") {
        prop_assert!(verify_return(&ours(), &query).is_err());
    }

    #[test]
    fn return_queries_built_from_the_eleven_keys_with_junk_values_never_verify(
        values in proptest::collection::vec("[ -~]{0,30}", 12),
    ) {
        let keys = ["orderNo", "orderAmount", "code", "merNo", "gatewayNo", "tradeNo",
            "orderCurrency", "orderInfo", "orderStatus", "maskCardNo", "message", "signInfo"];
        let query: String = keys
            .iter()
            .zip(&values)
            .map(|(k, v)| format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
            .collect::<Vec<_>>()
            .join("&");
        prop_assert!(verify_return(&ours(), &query).is_err());
    }
}
