//! Webhook and returnUrl verification refuses everything that AsiaBill did not sign, or
//! signed for someone else or too long ago, and reads what it did sign.

use std::time::{Duration, SystemTime};

use asiabill::endpoint::RequestStamp;
use asiabill::returns::{ReturnError, ReturnParams, verify_return};
use asiabill::webhook::{
    DEFAULT_TOLERANCE, HeaderFn, PreAuthEvent, RefundEvent, TransactionEvent, WebhookError,
    WebhookEvent, verify_webhook, webhook_headers,
};
use asiabill::{Credentials, Currency, Money, OrderStatus, ResultCode};
use secrecy::SecretString;

const TIME_MS: u64 = 1_700_000_000_000;

fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(ms)
}

fn stamp() -> RequestStamp {
    RequestStamp {
        request_id: "0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0".into(),
        request_time_ms: TIME_MS,
    }
}

const TRANSACTION: &str = r#"{"data":{"transactionType":"Sale","orderAmount":"63.65","orderNo":"A10042-1","tradeNo":"2022041810092544882449","orderCurrency":"EUR","orderInfo":"Transaction Approved","orderStatus":"success","remark":"TEST"},"type":"transaction.success"}"#;

fn signed(body: &str) -> Vec<(&'static str, String)> {
    webhook_headers(
        &Credentials::public_test_account(),
        &stamp(),
        body.as_bytes(),
    )
}

fn verify(
    headers: &[(&'static str, String)],
    body: &str,
) -> Result<asiabill::VerifiedWebhook, WebhookError> {
    verify_webhook(
        &Credentials::public_test_account(),
        headers,
        body.as_bytes(),
        at(TIME_MS + 2_000),
        DEFAULT_TOLERANCE,
    )
}

fn set(headers: &mut [(&'static str, String)], name: &str, value: &str) {
    for (n, v) in headers.iter_mut() {
        if *n == name {
            *v = value.to_owned();
        }
    }
}

fn get<'a>(headers: &'a [(&'static str, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

#[test]
fn a_signed_webhook_is_accepted_and_typed() {
    let verified = verify(&signed(TRANSACTION), TRANSACTION).expect("valid");
    assert_eq!(verified.request_time_ms, TIME_MS);
    let WebhookEvent::Transaction { event, data } = verified.event else {
        panic!("transaction expected");
    };
    assert_eq!(event, TransactionEvent::Success);
    assert_eq!(
        data.order_amount,
        Money::new(6365, Currency::parse("EUR").expect("EUR"))
    );
    assert_eq!(data.order_no, "A10042-1");
    assert_eq!(data.remark, "TEST");
}

#[test]
fn signature_case_does_not_matter() {
    let mut headers = signed(TRANSACTION);
    let lower = get(&headers, "sign-info").to_ascii_lowercase();
    set(&mut headers, "sign-info", &lower);
    assert!(verify(&headers, TRANSACTION).is_ok());
}

#[test]
fn a_tampered_body_is_refused() {
    let headers = signed(TRANSACTION);
    let tampered = TRANSACTION.replace("63.65", "6.36");
    assert_eq!(
        verify(&headers, &tampered).err(),
        Some(WebhookError::BadSignature)
    );
    let reformatted = TRANSACTION.replace(",", ", ");
    assert_eq!(
        verify(&headers, &reformatted).err(),
        Some(WebhookError::BadSignature),
        "the raw bytes are signed, not the parsed JSON"
    );
}

#[test]
fn swapped_or_altered_headers_are_refused() {
    let headers = signed(TRANSACTION);
    let mut swapped = headers.clone();
    let (id, time) = (
        get(&headers, "request-id").to_owned(),
        get(&headers, "request-time").to_owned(),
    );
    set(&mut swapped, "request-id", &time);
    set(&mut swapped, "request-time", &id);
    assert_eq!(
        verify(&swapped, TRANSACTION).err(),
        Some(WebhookError::BadSignature)
    );

    let mut replayed_id = headers.clone();
    set(
        &mut replayed_id,
        "request-id",
        "11111111-2222-3333-4444-555555555555",
    );
    assert_eq!(
        verify(&replayed_id, TRANSACTION).err(),
        Some(WebhookError::BadSignature)
    );

    let mut other_version = headers.clone();
    set(&mut other_version, "version", "V2023-01");
    assert_eq!(
        verify(&other_version, TRANSACTION).err(),
        Some(WebhookError::BadSignature)
    );

    let mut other_gateway = headers;
    set(&mut other_gateway, "gateway-no", "12246001");
    assert_eq!(
        verify(&other_gateway, TRANSACTION).err(),
        Some(WebhookError::WrongGateway("12246001".into()))
    );
}

#[test]
fn every_header_is_required() {
    for name in [
        "gateway-no",
        "request-id",
        "request-time",
        "version",
        "sign-info",
    ] {
        let headers: Vec<_> = signed(TRANSACTION)
            .into_iter()
            .filter(|(n, _)| *n != name)
            .collect();
        assert_eq!(
            verify(&headers, TRANSACTION).err(),
            Some(WebhookError::MissingHeader(name)),
            "{name}"
        );
    }
}

#[test]
fn a_stale_or_future_request_time_is_refused() {
    let headers = signed(TRANSACTION);
    let check = |now_ms: u64, tolerance: Duration| {
        verify_webhook(
            &Credentials::public_test_account(),
            &headers,
            TRANSACTION.as_bytes(),
            at(now_ms),
            tolerance,
        )
    };
    let ten_minutes = 600_000;
    assert!(check(TIME_MS + ten_minutes, DEFAULT_TOLERANCE).is_ok());
    assert_eq!(
        check(TIME_MS + ten_minutes + 1, DEFAULT_TOLERANCE).err(),
        Some(WebhookError::Stale { age_ms: 600_001 })
    );
    assert_eq!(
        check(TIME_MS - ten_minutes - 1, DEFAULT_TOLERANCE).err(),
        Some(WebhookError::Stale { age_ms: -600_001 })
    );
    assert!(matches!(
        check(TIME_MS + 61_000, Duration::from_secs(60)),
        Err(WebhookError::Stale { .. })
    ));
}

#[test]
fn another_key_does_not_verify() {
    let other = Credentials::new("12246002", SecretString::from("different")).expect("valid");
    let headers = webhook_headers(&other, &stamp(), TRANSACTION.as_bytes());
    assert_eq!(
        verify(&headers, TRANSACTION).err(),
        Some(WebhookError::BadSignature)
    );
}

#[test]
fn only_the_known_version_is_read() {
    let credentials = Credentials::public_test_account();
    // Re-sign by hand with another version, as a future AsiaBill release might.
    let header = asiabill::signing::SignedParts::header(
        "12246002",
        &stamp().request_id,
        &TIME_MS.to_string(),
        Some("V2030-01"),
    );
    let parts = asiabill::signing::SignedParts {
        header,
        body: TRANSACTION.as_bytes(),
        ..Default::default()
    };
    let mut headers = signed(TRANSACTION);
    set(
        &mut headers,
        "sign-info",
        &asiabill::signing::sign(credentials.sign_key(), &parts),
    );
    set(&mut headers, "version", "V2030-01");
    assert_eq!(
        verify(&headers, TRANSACTION).err(),
        Some(WebhookError::UnsupportedVersion("V2030-01".into()))
    );
}

#[test]
fn signed_but_malformed_bodies_are_refused_and_unknown_types_kept() {
    let broken =
        r#"{"data":{"orderAmount":"abc","orderCurrency":"USD"},"type":"transaction.fail"}"#;
    assert!(matches!(
        verify(&signed(broken), broken),
        Err(WebhookError::Malformed(_))
    ));
    let kwd = TRANSACTION.replace("EUR", "KWD");
    assert!(matches!(
        verify(&signed(&kwd), &kwd),
        Err(WebhookError::Malformed(_))
    ));
    let novel = r#"{"data":{"x":"1"},"type":"payout.success"}"#;
    let verified = verify(&signed(novel), novel).expect("signed");
    assert_eq!(verified.event.event_type(), "payout.success");
    assert!(matches!(
        verified.event,
        WebhookEvent::Unknown { ref data, .. } if data["x"] == "1"
    ));
}

#[test]
fn headers_can_come_from_a_lookup_function() {
    let headers = signed(TRANSACTION);
    let lookup = HeaderFn(|name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    });
    assert!(
        verify_webhook(
            &Credentials::public_test_account(),
            &lookup,
            TRANSACTION.as_bytes(),
            at(TIME_MS),
            DEFAULT_TOLERANCE,
        )
        .is_ok()
    );
}

#[test]
fn pre_auth_refund_and_chargeback_events_are_typed() {
    let pre_auth = r#"{"data":{"orderAmount":"161.93","orderNo":"A1-1","tradeNo":"T1","orderCurrency":"USD","orderStatus":"success","operationResult":"Success"},"type":"pre-authorized.void"}"#;
    let WebhookEvent::PreAuthorized { event, data } =
        verify(&signed(pre_auth), pre_auth).expect("valid").event
    else {
        panic!("pre-auth expected");
    };
    assert_eq!(event, PreAuthEvent::Void);
    assert_eq!(data.order_amount.minor(), 16193);

    let refund = r#"{"data":{"reason":"0.11","amount":"0.11","batchNo":"452541","orderAmount":"159.82","orderNo":"A1-1","tradeNo":"T1","orderCurrency":"CNY","noticeDate":"2022-04-26 17:47:18","currency":"CNY","merTrackNo":"A1-R1"},"type":"refund.fail"}"#;
    let WebhookEvent::Refund { event, data } =
        verify(&signed(refund), refund).expect("valid").event
    else {
        panic!("refund expected");
    };
    assert_eq!(event, RefundEvent::Fail);
    assert_eq!(data.amount.minor(), 11);
    assert_eq!(data.mer_track_no.as_deref(), Some("A1-R1"));

    let chargeback = r#"{"data":{"chargebackInfo":{"replyDeadline":"2022-06-09 18:00:00","cpdDate":"2022-04-12 14:57:07"},"reason":"D4755-Non-Receipt of Goods or Services","amount":"0.12","batchNo":"452537","orderAmount":"244.56","orderNo":"A1-1","tradeNo":"T1","orderCurrency":"CNY","noticeDate":"2022-04-26 14:58:19","currency":"CNY"},"type":"chargeback.success"}"#;
    let WebhookEvent::Chargeback(data) = verify(&signed(chargeback), chargeback)
        .expect("valid")
        .event
    else {
        panic!("chargeback expected");
    };
    assert_eq!(data.amount.minor(), 12);
    assert_eq!(
        data.reply_deadline.map(|d| d.to_string()),
        Some("2022-06-09 18:00:00".into())
    );
}

fn params(mask: Option<&str>) -> ReturnParams {
    ReturnParams {
        order_no: "A10042-1".into(),
        order_amount: Money::new(1998, Currency::parse("USD").expect("USD")),
        code: ResultCode::Success,
        message: "Success".into(),
        mer_no: "12246".into(),
        gateway_no: "12246002".into(),
        trade_no: "2022051812003332818907".into(),
        order_info: "Transaction Approved".into(),
        order_status: OrderStatus::Success,
        mask_card_no: mask.map(str::to_owned),
    }
}

#[test]
fn a_return_with_merchant_parameters_verifies_and_keeps_them_apart() {
    let creds = Credentials::public_test_account();
    let url = params(Some("424242***4242")).append_to(
        &creds,
        "https://shop.test/payment/asiabill/return?attempt=A10042-1&lang=zh-CN",
    );
    let query = url.split_once('?').expect("query").1;
    let verified = verify_return(&creds, query).expect("valid");
    assert_eq!(verified.params, params(Some("424242***4242")));
    assert_eq!(
        verified.merchant_params,
        vec![
            ("attempt".to_owned(), "A10042-1".to_owned()),
            ("lang".to_owned(), "zh-CN".to_owned())
        ]
    );
    let with_trailing = format!("?{query}&utm_source=mail");
    assert!(verify_return(&creds, &with_trailing).is_ok());
}

#[test]
fn a_missing_mask_card_no_counts_as_empty() {
    let creds = Credentials::public_test_account();
    let query = params(None).signed_query(&creds);
    assert!(!query.contains("maskCardNo"));
    let verified = verify_return(&creds, &query).expect("valid");
    assert_eq!(verified.params.mask_card_no, None);
}

#[test]
fn tampered_returns_are_refused() {
    let creds = Credentials::public_test_account();
    let query = params(Some("424242***4242")).signed_query(&creds);
    assert_eq!(
        verify_return(
            &creds,
            &query.replace("orderAmount=19.98", "orderAmount=1.98")
        )
        .err(),
        Some(ReturnError::BadSignature)
    );
    assert_eq!(
        verify_return(
            &creds,
            &query.replace("orderStatus=success", "orderStatus=fail")
        )
        .err(),
        Some(ReturnError::BadSignature)
    );
    assert_eq!(
        verify_return(&creds, &format!("{query}&orderAmount=0.01")).err(),
        Some(ReturnError::DuplicateParam("orderAmount".into()))
    );
    let no_order: String = query
        .split('&')
        .filter(|p| !p.starts_with("orderNo="))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        verify_return(&creds, &no_order).err(),
        Some(ReturnError::MissingParam("orderNo"))
    );
    let unsigned: String = query
        .split('&')
        .filter(|p| !p.starts_with("signInfo="))
        .collect::<Vec<_>>()
        .join("&");
    assert_eq!(
        verify_return(&creds, &unsigned).err(),
        Some(ReturnError::MissingParam("signInfo"))
    );
}

#[test]
fn a_lowercase_return_signature_verifies() {
    let creds = Credentials::public_test_account();
    let query = params(None).signed_query(&creds);
    let (sig, rest) = query.split_once('&').expect("pairs");
    let lowered = format!(
        "{}&{rest}",
        sig.to_ascii_lowercase().replace("signinfo", "signInfo")
    );
    assert!(verify_return(&creds, &lowered).is_ok());
}

#[test]
fn a_return_for_another_gateway_is_refused() {
    // Same key, other gateway: the signature holds, the gateway does not.
    let other = Credentials::new("12261003", SecretString::from("12H4567r")).expect("valid");
    let mut foreign = params(None);
    foreign.gateway_no = "12261003".into();
    foreign.mer_no = "12261".into();
    let query = foreign.signed_query(&other);
    assert_eq!(
        verify_return(&Credentials::public_test_account(), &query).err(),
        Some(ReturnError::WrongGateway("12261003".into()))
    );
}
