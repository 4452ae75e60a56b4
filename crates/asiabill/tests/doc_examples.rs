//! Every request and answer type against the JSON of the API notes (`asiabill-api.md`):
//! requests serialize to the documented field names, answers read the documented examples
//! and write them back.

use asiabill::endpoint::{HttpMethod, RequestStamp};
use asiabill::types::*;
use asiabill::{
    AuthStatus, Client, ClientConfig, Credentials, Currency, Endpoint, Environment, IsMobile,
    LogisticsStatus, Money, OrderStatus, RefundType, TokenType,
};
use chrono::NaiveDate;
use secrecy::SecretString;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn money(minor: i64, code: &str) -> Money {
    Money::new(minor, Currency::parse(code).expect("known currency"))
}

fn to_json<T: Serialize>(value: &T) -> Value {
    serde_json::to_value(value).expect("serializes")
}

/// Reads `doc` as `T`, writes it back, and checks nothing documented was lost or renamed.
fn round_trip<T: DeserializeOwned + Serialize>(doc: Value) -> T {
    let typed: T = serde_json::from_value(doc.clone()).expect("reads the documented JSON");
    assert_eq!(to_json(&typed), doc, "written back differently");
    typed
}

fn prepared<E: Endpoint>(endpoint: &E) -> asiabill::endpoint::PreparedRequest {
    let client = Client::new(
        Environment::Sandbox,
        Credentials::public_test_account(),
        ClientConfig::default(),
    )
    .expect("client");
    let stamp = RequestStamp {
        request_id: "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718".into(),
        request_time_ms: 1_651_888_520_935,
    };
    client.prepare(endpoint, &stamp).expect("prepared")
}

fn body_of<E: Endpoint>(endpoint: &E) -> Value {
    serde_json::from_slice(&prepared(endpoint).body).expect("json body")
}

fn address() -> Address {
    Address {
        line1: "1 Main St".into(),
        line2: Some("Apt 2".into()),
        city: "Springfield".into(),
        country: "US".into(),
        state: "IL".into(),
        postal_code: "62701".into(),
    }
}

fn contact() -> ContactDetails {
    ContactDetails {
        address: address(),
        email: Some("jo@example.test".into()),
        first_name: "Jo".into(),
        last_name: "Doe".into(),
        phone: "5550100".into(),
    }
}

// ---- requests (sections 5 and 6) ----

#[test]
fn confirm_charge_request_uses_the_documented_names() {
    let mut charge = ConfirmChargeRequest::new(
        "A10042-1",
        money(10099, "USD"),
        "pm_1526760521989763072",
        "203.0.113.9",
    );
    charge.customer_id = Some("cus_1526760517237616640".into());
    charge.token_type = Some(TokenType::InitRecurring);
    charge.is_mobile = IsMobile::H5;
    charge.goods_details = vec![GoodsDetail {
        goods_title: "Mug".into(),
        goods_count: 1,
        goods_price: money(10099, "USD"),
    }];
    charge.shipping = Some(contact());
    charge.callback_url = Some("https://shop.test/payment/asiabill/webhook".into());
    charge.return_url = Some("https://shop.test/payment/asiabill/return".into());
    charge.web_site = Some("https://shop.test".into());
    charge.platform = Some("rust".into());
    charge.remark = Some("Order A10042".into());
    assert_eq!(
        body_of(&charge),
        json!({
            "orderNo": "A10042-1",
            "orderAmount": "100.99",
            "orderCurrency": "USD",
            "customerPaymentMethodId": "pm_1526760521989763072",
            "customerId": "cus_1526760517237616640",
            "tokenType": "InitRecurring",
            "customerIp": "203.0.113.9",
            "isMobile": "1",
            "goodsDetails": [{"goodsTitle": "Mug", "goodsCount": "1", "goodsPrice": "100.99"}],
            "shipping": {
                "address": {"line1": "1 Main St", "line2": "Apt 2", "city": "Springfield",
                            "country": "US", "state": "IL", "postalCode": "62701"},
                "email": "jo@example.test", "firstName": "Jo", "lastName": "Doe", "phone": "5550100"
            },
            "callbackUrl": "https://shop.test/payment/asiabill/webhook",
            "returnUrl": "https://shop.test/payment/asiabill/return",
            "webSite": "https://shop.test",
            "platform": "rust",
            "remark": "Order A10042"
        })
    );
    assert_eq!(
        prepared(&charge).url,
        "https://testpay.asiabill.com/V2022-03/confirmCharge"
    );
}

#[test]
fn zero_decimal_amounts_are_integers() {
    let charge = ConfirmChargeRequest::new("J1-1", money(100, "JPY"), "pm_1", "203.0.113.9");
    assert_eq!(body_of(&charge)["orderAmount"], "100");
}

#[test]
fn checkout_payment_request_uses_the_documented_names() {
    let billing = BillingAddress {
        address: "1 Main St Apt 2".into(),
        city: "Springfield".into(),
        country: "US".into(),
        email: "jo@example.test".into(),
        first_name: "Jo".into(),
        last_name: "Doe".into(),
        phone: "5550100".into(),
        state: "IL".into(),
        zip: "62701".into(),
    };
    let mut checkout = CheckoutPaymentRequest::new(
        "A10042-2",
        money(1300, "EUR"),
        billing,
        "https://shop.test/payment/asiabill/return",
    );
    checkout.delivery_address = Some(DeliveryAddress {
        ship_address: "1 Main St".into(),
        ship_city: "Springfield".into(),
        ship_country: "US".into(),
        ship_first_name: "Jo".into(),
        ship_last_name: "Doe".into(),
        ship_phone: "5550100".into(),
        ship_state: "IL".into(),
        ship_zip: "62701".into(),
    });
    checkout.goods_details = vec![GoodsDetail {
        goods_title: "Tea".into(),
        goods_count: 2,
        goods_price: money(650, "EUR"),
    }];
    checkout.customer_ip = Some("203.0.113.9".into());
    checkout.callback_url = Some("https://shop.test/payment/asiabill/webhook".into());
    assert_eq!(
        body_of(&checkout),
        json!({
            "orderNo": "A10042-2",
            "orderAmount": "13.00",
            "orderCurrency": "EUR",
            "paymentMethod": "Credit Card",
            "billingAddress": {"address": "1 Main St Apt 2", "city": "Springfield", "country": "US",
                               "email": "jo@example.test", "firstName": "Jo", "lastName": "Doe",
                               "phone": "5550100", "state": "IL", "zip": "62701"},
            "deliveryAddress": {"shipAddress": "1 Main St", "shipCity": "Springfield",
                                "shipCountry": "US", "shipFirstName": "Jo", "shipLastName": "Doe",
                                "shipPhone": "5550100", "shipState": "IL", "shipZip": "62701"},
            "goodsDetails": [{"goodsTitle": "Tea", "goodsCount": "2", "goodsPrice": "6.50"}],
            "customerId": "",
            "customerIp": "203.0.113.9",
            "isMobile": "0",
            "returnUrl": "https://shop.test/payment/asiabill/return",
            "callbackUrl": "https://shop.test/payment/asiabill/webhook"
        })
    );
    assert_eq!(
        prepared(&checkout).url,
        "https://testpay.asiabill.com/V2022-03/checkout/payment"
    );
}

#[test]
fn authorize_request_uses_the_documented_names() {
    let mut void = AuthorizeRequest::void("2022051812003332818907");
    void.operator = Some("admin".into());
    void.remark = Some("customer cancelled".into());
    assert_eq!(
        body_of(&void),
        json!({"authType": "2", "tradeNo": "2022051812003332818907",
               "operator": "admin", "remark": "customer cancelled"})
    );
    assert_eq!(
        prepared(&void).url,
        "https://testpay.asiabill.com/V2022-03/AuthorizeInterface"
    );
}

#[test]
fn refund_request_is_the_documented_body() {
    let refund = RefundRequest {
        trade_no: "2022051812003332818907".into(),
        refund_type: RefundType::Partial,
        refund_amount: money(100, "USD"),
        refund_reason: "test".into(),
        mer_track_no: Some("R1001".into()),
        remark: Some("Order #1001".into()),
    };
    assert_eq!(
        prepared(&refund).body,
        br#"{"merTrackNo":"R1001","refundAmount":"1.00","refundReason":"test","refundType":"2","remark":"Order #1001","tradeNo":"2022051812003332818907"}"#
    );
}

#[test]
fn logistics_upload_uses_the_documented_names() {
    let upload = LogisticsUpload {
        tracking_no: "LX123456789CN".into(),
        tracking_web: "https://track.test".into(),
        lc_code: Some("TWTH".into()),
        trade_no: Some("2022051812003332818907".into()),
        order_no: None,
    };
    assert_eq!(
        body_of(&upload),
        json!({"trackingNo": "LX123456789CN", "trackingWeb": "https://track.test",
               "lcCode": "TWTH", "tradeNo": "2022051812003332818907"})
    );
    let nameless = LogisticsUpload {
        trade_no: None,
        ..upload
    };
    assert!(nameless.call().is_err(), "needs tradeNo or orderNo");
}

#[test]
fn customer_and_payment_method_requests_use_the_documented_names() {
    let customer = CustomerRequest {
        description: Some("vip".into()),
        email: Some("jo@example.test".into()),
        first_name: Some("Jo".into()),
        last_name: Some("Doe".into()),
        phone: Some("5550100".into()),
    };
    assert_eq!(
        body_of(&customer),
        json!({"description": "vip", "email": "jo@example.test", "firstName": "Jo",
               "lastName": "Doe", "phone": "5550100"})
    );

    // Section 5.3's example card.
    let method = PaymentMethodRequest {
        billing_detail: contact(),
        card: Card {
            card_no: SecretString::from("5333302221254276"),
            card_expire_month: "12".into(),
            card_expire_year: "2025".into(),
            card_security_code: SecretString::from("123"),
            issuing_bank: None,
        },
        customer_id: Some("cus_1526760517237616640".into()),
    };
    let body = body_of(&method);
    assert_eq!(
        body["card"],
        json!({"cardNo": "5333302221254276", "cardExpireMonth": "12",
               "cardExpireYear": "2025", "cardSecurityCode": "123"})
    );
    assert_eq!(body["billingDetail"]["address"]["postalCode"], "62701");
    assert_eq!(body["customerId"], "cus_1526760517237616640");
    let shown = format!("{method:?} {:?}", prepared(&method));
    assert!(
        !shown.contains("5333302221254276") && !shown.contains("\"123\""),
        "{shown}"
    );

    let update = PaymentMethodUpdate {
        customer_payment_method_id: "pm_1526760521989763072".into(),
        billing_detail: contact(),
    };
    assert_eq!(
        body_of(&update)["customerPaymentMethodId"],
        "pm_1526760521989763072"
    );
    assert_eq!(
        prepared(&update).url,
        "https://testpay.asiabill.com/V2022-03/payment_methods/update"
    );
}

#[test]
fn get_and_delete_endpoints_have_the_documented_paths() {
    let base = "https://testpay.asiabill.com/V2022-03";
    let open = "https://api-uat.asiabill.com/openApi/V2022-03";
    let cases: Vec<(asiabill::endpoint::PreparedRequest, HttpMethod, String)> = vec![
        (
            prepared(&CustomerLookup {
                customer_id: "cus_1".into(),
            }),
            HttpMethod::Get,
            format!("{base}/customers/cus_1"),
        ),
        (
            prepared(&CustomerDelete {
                customer_id: "cus_1".into(),
            }),
            HttpMethod::Delete,
            format!("{base}/customers/cus_1"),
        ),
        (
            prepared(&CustomersQuery {
                page_index: 1,
                page_size: 100,
            }),
            HttpMethod::Get,
            format!("{base}/customers?pageIndex=1&pageSize=100"),
        ),
        (
            prepared(&PaymentMethodLookup {
                customer_payment_method_id: "pm_1".into(),
            }),
            HttpMethod::Get,
            format!("{base}/payment_methods/pm_1"),
        ),
        (
            prepared(&PaymentMethodList {
                customer_id: "cus_1".into(),
            }),
            HttpMethod::Get,
            format!("{base}/payment_methods/list/cus_1"),
        ),
        (
            prepared(&PaymentMethodDetach {
                customer_payment_method_id: "pm_1".into(),
            }),
            HttpMethod::Get,
            format!("{base}/payment_methods/pm_1/detach"),
        ),
        (
            prepared(&PaymentMethodAttach {
                customer_payment_method_id: "pm_1".into(),
                customer_id: "cus_1".into(),
            }),
            HttpMethod::Get,
            format!("{base}/payment_methods/pm_1/cus_1/attach"),
        ),
        (
            prepared(&RefundQueryRequest {
                batch_no: "452541".into(),
            }),
            HttpMethod::Get,
            format!("{open}/refund/452541"),
        ),
        (
            prepared(&LogisticsQueryRequest {
                trade_no: "T1".into(),
            }),
            HttpMethod::Get,
            format!("{open}/logistics/T1"),
        ),
        (
            prepared(&ChargebacksQuery {
                trade_no: Some("T1".into()),
                page_index: Some(1),
                page_size: Some(50),
                ..ChargebacksQuery::new(
                    NaiveDate::from_ymd_opt(2022, 4, 1)
                        .and_then(|d| d.and_hms_opt(0, 0, 0))
                        .expect("start"),
                    NaiveDate::from_ymd_opt(2022, 4, 30)
                        .and_then(|d| d.and_hms_opt(23, 59, 59))
                        .expect("end"),
                )
            }),
            HttpMethod::Get,
            format!(
                "{open}/chargebacks?startTime=2022-04-01T00%3A00%3A00\
                 &endTime=2022-04-30T23%3A59%3A59&tradeNo=T1&pageIndex=1&pageSize=50"
            ),
        ),
    ];
    for (request, method, url) in cases {
        assert_eq!(request.method, method, "{url}");
        assert_eq!(request.url, url);
        assert!(request.body.is_empty());
    }
}

// ---- answers (sections 5, 6 and 10) ----

#[test]
fn session_token_answer() {
    let token: SessionToken = round_trip(json!({"sessionToken": "d5f3c1a0e9b8"}));
    assert_eq!(token.session_token, "d5f3c1a0e9b8");
}

#[test]
fn confirm_charge_answer() {
    let answer: ConfirmChargeResponse = round_trip(json!({
        "redirectUrl": "https://testpay.asiabill.com/services/v3/threeDsCheck?threeDsParam=ab&threeDsType=9",
        "orderNo": "A10042-1",
        "tradeNo": "2022051812003332818907",
        "orderAmount": "100.99",
        "orderCurrency": "USD",
        "orderStatus": "pending",
        "orderInfo": "3DS required",
        "remark": "Order A10042",
        "riskInfos": "",
        "maskCardNo": "400000***3155"
    }));
    assert_eq!(answer.order_amount, money(10099, "USD"));
    assert!(matches!(answer.next_step(), NextStep::Redirect(_)));

    let no_redirect: ConfirmChargeResponse = serde_json::from_value(json!({
        "redirectUrl": "", "orderNo": "A1-1", "tradeNo": "T", "orderAmount": "7.00",
        "orderCurrency": "USD", "orderStatus": "fail", "orderInfo": "Decline"
    }))
    .expect("reads");
    assert_eq!(no_redirect.next_step(), NextStep::Failed("Decline"));
}

#[test]
fn checkout_payment_answer() {
    let answer: CheckoutPaymentResponse = round_trip(json!({
        "redirectUrl": "https://testpay.asiabill.com/checkout?token=x",
        "orderNo": "A10042-2",
        "tradeNo": "2022051812003332818908",
        "orderAmount": "13.00",
        "orderCurrency": "EUR",
        "orderStatus": "pending",
        "orderInfo": "",
        "remark": ""
    }));
    assert_eq!(answer.order_status, OrderStatus::Pending);
}

#[test]
fn authorize_answer() {
    let answer: AuthorizeResponse = round_trip(json!({
        "tradeNo": "2022051812003332818907", "orderNo": "A1-1",
        "orderStatus": "success", "orderInfo": "Success"
    }));
    assert_eq!(answer.order_status, OrderStatus::Success);
}

#[test]
fn refund_answers() {
    let accepted: RefundResponse = round_trip(json!({"batchNo": "452541"}));
    assert_eq!(accepted.batch_no, "452541");
    let numeric: RefundResponse =
        serde_json::from_value(json!({"batchNo": 452541})).expect("reads");
    assert_eq!(numeric.batch_no, "452541");

    let details: RefundDetails = round_trip(json!({
        "batchNo": "452541", "tradeNo": "T1", "merTrackNo": "A1-R1",
        "amount": "0.11", "currency": "CNY", "refundStatus": "pending"
    }));
    assert_eq!(details.refund_status, Some(RefundStatus::Pending));
    assert_eq!(details.refund_amount, Some(money(11, "CNY")));
    assert_eq!(details.mer_track_no.as_deref(), Some("A1-R1"));
}

#[test]
fn logistics_answers() {
    // Section 6.5's upload answer, envelope and all.
    let doc = json!({"code": "00000",
                     "data": {"tradeNo": "2022051812003332818907", "status": "success",
                              "description": "uploadSuccess"},
                     "message": "success"});
    let upload: LogisticsUploadResponse = round_trip(doc["data"].clone());
    assert_eq!(upload.description, "uploadSuccess");

    let info: LogisticsInfo = round_trip(json!({
        "tradeNo": "2022051812003332818907", "trackingNo": "LX123456789CN",
        "trackingWeb": "https://track.test", "tbLcCode": "TWTH", "logisticsStatus": "Delivered"
    }));
    assert_eq!(info.logistics_status, LogisticsStatus::Delivered);
}

#[test]
fn transactions_answer() {
    let page: TransactionPage = serde_json::from_value(json!({
        "page": {"total": 1, "pageSize": 1000, "pageIndex": 1},
        "list": [{
            "orderNo": "A10042-1", "tradeNo": "2022051812003332818907",
            "tradeDate": "2022-05-18T12:00:33", "tradeAmount": 100.99, "tradeCurrency": "USD",
            "sourceWebSite": "https://shop.test", "authStatus": "pending",
            "isUploadReceipt": "no", "isUploadGoods": "yes", "tradeStatus": "success",
            "tradeInfo": "Transaction Approved",
            "goods": {"goodsName": "Mug", "goodsNum": "1", "goodsPrice": "100.99"},
            "logistics": {"lcCode": "", "logisticsStatus": "Pending"}
        }]
    }))
    .expect("reads the documented shape");
    let tx = &page.list[0];
    assert_eq!(page.page.page_size, 1000);
    assert_eq!(tx.trade_amount, money(10099, "USD"));
    assert_eq!(tx.auth_status, Some(AuthStatus::Pending));
    assert_eq!(tx.is_upload_receipt, Some(false));
    assert_eq!(
        tx.trade_date,
        NaiveDate::from_ymd_opt(2022, 5, 18)
            .and_then(|d| d.and_hms_opt(12, 0, 33))
            .expect("date")
    );
    // Written back, the amount becomes the string every other answer uses.
    let written = to_json(&page);
    assert_eq!(written["list"][0]["tradeAmount"], "100.99");
    let again: TransactionPage = serde_json::from_value(written).expect("reads itself");
    assert_eq!(again, page);

    let empty: TransactionPage = serde_json::from_value(json!({
        "page": {"total": "0", "pageSize": "1000", "pageIndex": "1"}, "list": null
    }))
    .expect("an empty page");
    assert!(empty.list.is_empty());

    let one: Transaction = round_trip(json!({
        "orderNo": "A1-1", "tradeNo": "T1", "tradeDate": "2022-05-18T12:00:33",
        "tradeAmount": "7", "tradeCurrency": "JPY", "authStatus": "sale",
        "tradeStatus": "fail", "tradeInfo": "Decline"
    }));
    assert_eq!(one.trade_amount, money(7, "JPY"));
}

#[test]
fn chargebacks_answer() {
    let page: ChargebackPage = round_trip(json!({
        "page": {"total": 1, "pageSize": 50, "pageIndex": 1},
        "list": [{
            "batchNo": "452537", "tradeNo": "T1", "orderNo": "A1-1", "amount": "0.12",
            "currency": "CNY", "reason": "D4755-Non-Receipt of Goods or Services",
            "cpdDate": "2022-04-12 14:57:07", "replyDeadline": "2022-06-09 18:00:00",
            "orderAmount": "244.56", "orderCurrency": "CNY", "noticeDate": "2022-04-26 14:58:19"
        }]
    }));
    let item = &page.list[0];
    assert_eq!(item.amount, Some(money(12, "CNY")));
    assert_eq!(item.order_amount, Some(money(24456, "CNY")));
    assert!(item.reply_deadline.is_some());
}

#[test]
fn customer_and_payment_method_answers() {
    let customer: Customer = round_trip(json!({
        "customerId": "cus_1526760517237616640", "email": "jo@example.test",
        "firstName": "Jo", "lastName": "Doe", "phone": "5550100", "description": "vip",
        "created": "2022-05-18T12:00:33"
    }));
    assert_eq!(customer.customer_id, "cus_1526760517237616640");

    let page: CustomerPage = round_trip(json!({
        "page": {"pageIndex": 1, "pageSize": 100, "total": 1},
        "list": [{"customerId": "cus_1526760517237616640"}]
    }));
    assert_eq!(page.list.len(), 1);

    let method: PaymentMethod = round_trip(json!({
        "customerPaymentMethodId": "pm_1526760521989763072",
        "billingDetail": {
            "address": {"line1": "1 Main St", "city": "Springfield", "country": "US",
                        "state": "IL", "postalCode": "62701"},
            "email": "jo@example.test", "firstName": "Jo", "lastName": "Doe", "phone": "5550100"
        },
        "card": {"brand": "Visa", "last4": "4242"},
        "customerId": "cus_1526760517237616640"
    }));
    assert_eq!(method.card.map(|c| c.last4), Some("4242".into()));

    let list: Vec<PaymentMethod> =
        serde_json::from_value(json!([{"customerPaymentMethodId": "pm_1"}])).expect("reads");
    assert_eq!(list[0].customer_payment_method_id, "pm_1");
}

#[test]
fn webhook_payloads_of_section_10_round_trip() {
    use asiabill::webhook::{ChargebackNotice, PreAuthNotice, RefundNotice, TransactionNotice};

    let tx: TransactionNotice = round_trip(json!({
        "transactionType": "Sale", "orderAmount": "63.65", "orderNo": "NEW_API1916436298025",
        "tradeNo": "2022041810092544882449", "orderCurrency": "EUR",
        "orderInfo": "Transaction Approved", "orderStatus": "success", "remark": "TEST"
    }));
    assert_eq!(tx.order_amount, money(6365, "EUR"));

    let pre_auth: PreAuthNotice = round_trip(json!({
        "orderAmount": "161.93", "orderNo": "NEW_API1916436298025",
        "tradeNo": "2022041810092544882449", "orderCurrency": "USD", "orderStatus": "success",
        "operationResult": "Success"
    }));
    assert_eq!(pre_auth.operation_result, "Success");

    let refund: RefundNotice = round_trip(json!({
        "reason": "0.11", "amount": "0.11", "batchNo": "452541", "orderAmount": "159.82",
        "orderNo": "NEW_API1916436298025", "tradeNo": "2022041810092544882449",
        "orderCurrency": "CNY", "noticeDate": "2022-04-26 17:47:18", "currency": "CNY"
    }));
    assert_eq!(refund.amount, money(11, "CNY"));
    assert_eq!(refund.order_amount, money(15982, "CNY"));

    let chargeback: ChargebackNotice = round_trip(json!({
        "chargebackInfo": {"replyDeadline": "2022-06-09 18:00:00", "cpdDate": "2022-04-12 14:57:07"},
        "reason": "D4755-Non-Receipt of Goods or Services", "amount": "0.12", "batchNo": "452537",
        "orderAmount": "244.56", "orderNo": "NEW_API1916436298025",
        "tradeNo": "2022041810092544882449", "orderCurrency": "CNY",
        "noticeDate": "2022-04-26 14:58:19", "currency": "CNY"
    }));
    assert_eq!(chargeback.batch_no, "452537");

    // The API Explorer's schema writes the same payloads with numbers (section 16.10).
    let numeric: RefundNotice = serde_json::from_value(json!({
        "reason": "0.11", "amount": 0.11, "batchNo": 452541, "orderAmount": 159.82,
        "orderNo": "NEW_API1916436298025", "tradeNo": "2022041810092544882449",
        "orderCurrency": "CNY", "noticeDate": "2022-04-26 17:47:18", "currency": "CNY"
    }))
    .expect("reads numbers");
    assert_eq!(numeric, refund);
}

#[test]
fn a_trade_lookup_near_a_day_spans_three_days() {
    let day = NaiveDate::from_ymd_opt(2022, 5, 1).expect("date");
    let url = prepared(&TransactionsQuery::by_trade_no_near("T1", day)).url;
    assert_eq!(
        url,
        "https://api-uat.asiabill.com/openApi/V2022-03/transactions?\
         startTime=2022-04-30T00%3A00%3A00&endTime=2022-05-02T23%3A59%3A59&tradeNo=T1"
    );
    let backwards = TransactionsQuery::new(
        day.and_hms_opt(1, 0, 0).expect("time"),
        day.and_hms_opt(0, 0, 0).expect("time"),
    );
    assert!(backwards.call().is_err());
}
