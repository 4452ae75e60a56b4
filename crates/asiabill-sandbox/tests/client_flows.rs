//! A shop that knows AsiaBill only through `crates/asiabill` — its `Client`, `verify_return`
//! and `verify_webhook` — against the simulator served on port 0. The shopper's browser is a
//! plain HTTP client that does not follow redirects; the merchant's webhook endpoint is a small
//! server that verifies every delivery before acknowledging it.

use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use asiabill::types::{
    Address, AuthorizeRequest, ChargebacksQuery, CheckoutPaymentRequest, ConfirmChargeRequest,
    ContactDetails, GoodsDetail, LogisticsUpload, NextStep, PaymentMethodRequest, RefundRequest,
    RefundStatus, TransactionsQuery,
};
use asiabill::types::{BillingAddress, Card};
use asiabill::webhook::{
    ACKNOWLEDGEMENT, PreAuthEvent, RefundEvent, TransactionEvent, WebhookEvent, verify_webhook,
};
use asiabill::{
    AuthStatus, Client, ClientConfig, Credentials, Currency, Environment, LogisticsStatus, Money,
    OrderStatus, RefundType, VerifiedReturn, verify_return,
};
use asiabill_sandbox::{Config, Sandbox};
use chrono::Datelike;
use secrecy::SecretString;
use serde_json::{Value, json};

const KEY: &str = "12H4567r";
const PREAUTH_GATEWAY: &str = "12246004";

/// What the merchant's webhook endpoint accepted and refused.
#[derive(Default)]
struct Received {
    events: Vec<WebhookEvent>,
    refused: Vec<String>,
}

struct Receiver {
    credentials: Vec<Credentials>,
    received: Mutex<Received>,
}

/// `POST /hook/{gatewayNo}`: verified with that gateway's credentials, as a shop with two
/// gateways would route them.
async fn receive(
    req: HttpRequest,
    gateway: web::Path<String>,
    body: web::Bytes,
    receiver: web::Data<Receiver>,
) -> HttpResponse {
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let Some(credentials) = receiver
        .credentials
        .iter()
        .find(|c| c.gateway_no().as_str() == gateway.as_str())
    else {
        return HttpResponse::NotFound().finish();
    };
    let verdict = verify_webhook(
        credentials,
        &headers,
        &body,
        SystemTime::now(),
        Duration::from_secs(600),
    );
    let mut received = receiver.received.lock().expect("lock");
    match verdict {
        Ok(verified) => {
            received.events.push(verified.event);
            HttpResponse::Ok().body(ACKNOWLEDGEMENT)
        }
        Err(e) => {
            received.refused.push(e.to_string());
            HttpResponse::BadRequest().body("refused")
        }
    }
}

struct Shop {
    sandbox: Sandbox,
    sale: Client,
    preauth: Client,
    browser: reqwest::Client,
    hooks: String,
    receiver: web::Data<Receiver>,
}

async fn spawn() -> Shop {
    let sandbox = Sandbox::new(Config::with_time_factor(0.001));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(sandbox.serve(listener).expect("serve"));

    let environment = Environment::custom(&base).expect("environment");
    let sale_credentials = Credentials::public_test_account();
    let preauth_credentials =
        Credentials::new(PREAUTH_GATEWAY, SecretString::from(KEY)).expect("credentials");
    let receiver = web::Data::new(Receiver {
        credentials: vec![sale_credentials.clone(), preauth_credentials.clone()],
        received: Mutex::default(),
    });
    let data = receiver.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let hooks = format!("http://{}/hook", listener.local_addr().expect("addr"));
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route("/hook/{gateway}", web::post().to(receive))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    tokio::spawn(server);

    Shop {
        sandbox,
        sale: Client::new(
            environment.clone(),
            sale_credentials,
            ClientConfig::default(),
        )
        .expect("client"),
        preauth: Client::new(environment, preauth_credentials, ClientConfig::default())
            .expect("client"),
        browser: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser"),
        hooks,
        receiver,
    }
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

fn order_no() -> String {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);
    format!(
        "C{}-{}",
        chrono::Utc::now().timestamp_millis(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

fn expiry_year() -> String {
    (chrono::Utc::now().year() + 2).to_string()
}

fn contact() -> ContactDetails {
    ContactDetails {
        address: Address {
            line1: "1 Main St".into(),
            line2: None,
            city: "Austin".into(),
            country: "US".into(),
            state: "TX".into(),
            postal_code: "73301".into(),
        },
        email: Some("jo@example.com".into()),
        first_name: "Jo".into(),
        last_name: "Doe".into(),
        phone: "5551234".into(),
    }
}

impl Shop {
    fn callback(&self, client: &Client) -> String {
        format!(
            "{}/{}",
            self.hooks,
            client.credentials().gateway_no().as_str()
        )
    }

    /// Tokenises `card_no` as a PCI merchant would.
    async fn payment_method(&self, client: &Client, card_no: &str) -> String {
        client
            .create_payment_method(&PaymentMethodRequest {
                billing_detail: contact(),
                card: Card {
                    card_no: SecretString::from(card_no.to_owned()),
                    card_expire_month: "12".into(),
                    card_expire_year: expiry_year(),
                    card_security_code: SecretString::from("123"),
                    issuing_bank: None,
                },
                customer_id: None,
            })
            .await
            .expect("payment method")
            .customer_payment_method_id
    }

    fn charge_request(&self, client: &Client, pm: &str, amount: Money) -> ConfirmChargeRequest {
        let mut request = ConfirmChargeRequest::new(order_no(), amount, pm, "203.0.113.9");
        request.callback_url = Some(self.callback(client));
        request.return_url = Some("http://shop.test/payment/asiabill/return?attempt=I1".into());
        request.web_site = Some("http://shop.test".into());
        request.goods_details.push(GoodsDetail {
            goods_title: "Mug".into(),
            goods_count: 1,
            goods_price: amount,
        });
        request
    }

    /// A paid in-site sale of `amount` on `client`'s gateway, answering its tradeNo.
    async fn paid(&self, client: &Client, amount: Money) -> String {
        let pm = self.payment_method(client, "4242424242424242").await;
        let answer = client
            .confirm_charge(&self.charge_request(client, &pm, amount))
            .await
            .expect("charge");
        assert_eq!(answer.next_step(), NextStep::Succeeded, "{answer:?}");
        answer.trade_no
    }

    /// The first verified event for which `pick` answers something.
    async fn event<T>(&self, pick: impl Fn(&WebhookEvent) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            {
                let received = self.receiver.received.lock().expect("lock");
                assert!(
                    received.refused.is_empty(),
                    "webhooks refused: {:?}",
                    received.refused
                );
                if let Some(found) = received.events.iter().find_map(&pick) {
                    return found;
                }
            }
            assert!(Instant::now() < deadline, "the webhook never came");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn transaction_event(&self, trade_no: &str) -> (TransactionEvent, OrderStatus) {
        self.event(|e| match e {
            WebhookEvent::Transaction { event, data } if data.trade_no == trade_no => {
                Some((*event, data.order_status))
            }
            _ => None,
        })
        .await
    }

    /// The browser at `url`: a page, answering its status.
    async fn open(&self, url: &str) -> (u16, String) {
        let response = self.browser.get(url).send().await.expect("page");
        let status = response.status().as_u16();
        (status, response.text().await.expect("html"))
    }

    /// The browser submits a form at `url`, answering the 303's location.
    async fn submit(&self, url: &str, fields: &[(&str, &str)]) -> String {
        let response = self
            .browser
            .post(url)
            .form(fields)
            .send()
            .await
            .expect("form");
        assert_eq!(response.status().as_u16(), 303, "{url}");
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .expect("location")
            .to_owned();
        if location.starts_with('/') {
            let origin = url.split('/').take(3).collect::<Vec<_>>().join("/");
            format!("{origin}{location}")
        } else {
            location
        }
    }

    /// The shop's return page: the query verified with section 9's algorithm.
    fn returned(&self, client: &Client, location: &str) -> VerifiedReturn {
        let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
        verify_return(client.credentials(), query).expect("a signed return")
    }

    /// Passes or fails the 3DS page at `url`.
    async fn three_ds(&self, url: &str, authenticate: bool) -> String {
        let (status, html) = self.open(url).await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("400000***3155"));
        let result = if authenticate { "authenticate" } else { "fail" };
        self.submit(url, &[("result", result)]).await
    }
}

fn card_form(card_no: &str) -> Vec<(&'static str, String)> {
    vec![
        ("cardNo", card_no.to_owned()),
        ("cardExpireMonth", "12".to_owned()),
        ("cardExpireYear", expiry_year()),
        ("cardSecurityCode", "123".to_owned()),
        ("cardHolderName", "Jo Doe".to_owned()),
    ]
}

fn refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn in_site_charges_with_each_test_card() {
    let shop = spawn().await;
    let client = &shop.sale;

    let pm = shop.payment_method(client, "4242424242424242").await;
    let answer = client
        .confirm_charge(&shop.charge_request(client, &pm, usd(700)))
        .await
        .expect("charge");
    assert_eq!(answer.next_step(), NextStep::Succeeded);
    assert_eq!(answer.mask_card_no.as_deref(), Some("424242***4242"));
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Success, OrderStatus::Success)
    );

    let pm = shop.payment_method(client, "4000000000009995").await;
    let answer = client
        .confirm_charge(&shop.charge_request(client, &pm, usd(700)))
        .await
        .expect("charge");
    assert_eq!(answer.next_step(), NextStep::Failed("Decline"));
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Fail, OrderStatus::Fail)
    );

    let pm = shop.payment_method(client, "4000002500003155").await;
    let answer = client
        .confirm_charge(&shop.charge_request(client, &pm, usd(700)))
        .await
        .expect("charge");
    let NextStep::Redirect(url) = answer.next_step() else {
        panic!("3155 asks for 3-D Secure: {answer:?}");
    };
    let location = shop.three_ds(url, true).await;
    let back = shop.returned(client, &location);
    assert_eq!(back.params.order_status, OrderStatus::Success);
    assert_eq!(back.params.trade_no, answer.trade_no);
    assert_eq!(back.params.order_amount, usd(700));
    assert_eq!(back.params.mask_card_no.as_deref(), Some("400000***3155"));
    assert_eq!(
        back.merchant_params,
        vec![("attempt".to_owned(), "I1".to_owned())]
    );
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Success, OrderStatus::Success)
    );

    // Failing the challenge comes back signed too.
    let pm = shop.payment_method(client, "4000002500003155").await;
    let answer = client
        .confirm_charge(&shop.charge_request(client, &pm, usd(700)))
        .await
        .expect("charge");
    let NextStep::Redirect(url) = answer.next_step() else {
        panic!("3DS expected");
    };
    let location = shop.three_ds(url, false).await;
    let back = shop.returned(client, &location);
    assert_eq!(back.params.order_status, OrderStatus::Fail);
    assert_eq!(back.params.order_info, "3DS Authentication Failed");
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Fail, OrderStatus::Fail)
    );
}

#[tokio::test]
async fn in_site_with_the_card_frame_and_a_session_token() {
    let shop = spawn().await;
    let client = &shop.sale;
    let token = client.session_token().await.expect("token").session_token;
    let script = client.environment().js_sdk_url();
    let (status, js) = shop.open(&script).await;
    assert_eq!(status, 200);
    assert!(js.contains("window.AsiabillPay"));

    // What the card frame sends from the browser; the shop's server never sees the card.
    let frame_endpoint = format!(
        "{}/static/v3/elements/payment_method",
        client.environment().payment_url()
    );
    let reply: Value = shop
        .browser
        .post(&frame_endpoint)
        .json(&json!({
            "token": token,
            "card": {"cardNo": "4242424242424242", "cardExpireMonth": "12",
                     "cardExpireYear": expiry_year(), "cardSecurityCode": "123"},
            "billingDetail": contact(),
            "customerId": ""
        }))
        .send()
        .await
        .expect("frame request")
        .json()
        .await
        .expect("json");
    assert_eq!(reply["code"], "0", "{reply}");
    let pm = reply["data"]["customerPaymentMethodId"]
        .as_str()
        .expect("pm id");
    let answer = client
        .confirm_charge(&shop.charge_request(client, pm, usd(1250)))
        .await
        .expect("charge");
    assert_eq!(answer.next_step(), NextStep::Succeeded);
}

fn checkout(shop: &Shop, client: &Client, amount: Money) -> CheckoutPaymentRequest {
    let billing = BillingAddress {
        address: "1 Main St".into(),
        city: "Austin".into(),
        country: "US".into(),
        email: "jo@example.com".into(),
        first_name: "Jo".into(),
        last_name: "Doe".into(),
        phone: "5551234".into(),
        state: "TX".into(),
        zip: "73301".into(),
    };
    let mut request = CheckoutPaymentRequest::new(
        order_no(),
        amount,
        billing,
        "http://shop.test/payment/asiabill/return?attempt=H1",
    );
    request.callback_url = Some(shop.callback(client));
    request.customer_ip = Some("203.0.113.9".into());
    request.goods_details.push(GoodsDetail {
        goods_title: "Teapot".into(),
        goods_count: 1,
        goods_price: amount,
    });
    request
}

#[tokio::test]
async fn hosted_payments_return_signed() {
    let shop = spawn().await;
    let client = &shop.sale;

    let answer = client
        .checkout_payment(&checkout(&shop, client, usd(1999)))
        .await
        .expect("checkout");
    let NextStep::Redirect(page) = answer.next_step() else {
        panic!("a hosted checkout has a page: {answer:?}");
    };
    let (status, html) = shop.open(page).await;
    assert_eq!(status, 200);
    assert!(html.contains("Teapot") && html.contains("19.99 USD"));
    let location = shop
        .submit(page, &refs(&card_form("4242424242424242")))
        .await;
    let back = shop.returned(client, &location);
    assert_eq!(back.params.order_status, OrderStatus::Success);
    assert_eq!(back.params.trade_no, answer.trade_no);
    assert_eq!(
        back.merchant_params,
        vec![("attempt".to_owned(), "H1".to_owned())]
    );
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Success, OrderStatus::Success)
    );

    // 3-D Secure inside the hosted flow.
    let answer = client
        .checkout_payment(&checkout(&shop, client, usd(500)))
        .await
        .expect("checkout");
    let NextStep::Redirect(page) = answer.next_step() else {
        panic!("page expected");
    };
    let challenge = shop
        .submit(page, &refs(&card_form("4000002500003155")))
        .await;
    let location = shop.three_ds(&challenge, true).await;
    let back = shop.returned(client, &location);
    assert_eq!(back.params.order_status, OrderStatus::Success);
    assert_eq!(back.params.mask_card_no.as_deref(), Some("400000***3155"));

    // The shopper cancels.
    let answer = client
        .checkout_payment(&checkout(&shop, client, usd(500)))
        .await
        .expect("checkout");
    let NextStep::Redirect(page) = answer.next_step() else {
        panic!("page expected");
    };
    let location = shop.submit(&format!("{page}/cancel"), &[]).await;
    let back = shop.returned(client, &location);
    assert_eq!(back.params.order_status, OrderStatus::Fail);
    assert_eq!(back.params.order_info, "E0008:Customer Cancel");
    assert_eq!(back.params.mask_card_no, None);
    assert_eq!(
        shop.transaction_event(&answer.trade_no).await,
        (TransactionEvent::Fail, OrderStatus::Fail)
    );
}

#[tokio::test]
async fn a_refund_is_applied_queried_and_confirmed_by_webhook() {
    let shop = spawn().await;
    let client = &shop.sale;
    let trade_no = shop.paid(client, usd(1000)).await;
    let batch_no = client
        .refund(&RefundRequest {
            trade_no: trade_no.clone(),
            refund_type: RefundType::Partial,
            refund_amount: usd(400),
            refund_reason: "damaged".into(),
            mer_track_no: Some("R-1".into()),
            remark: None,
        })
        .await
        .expect("refund")
        .batch_no;
    let details = client.refund_query(&batch_no).await.expect("query");
    assert_eq!(details.trade_no.as_deref(), Some(trade_no.as_str()));
    assert_eq!(details.refund_amount, Some(usd(400)));

    let (event, mer_track_no) = shop
        .event(|e| match e {
            WebhookEvent::Refund { event, data } if data.batch_no == batch_no => {
                Some((*event, data.mer_track_no.clone()))
            }
            _ => None,
        })
        .await;
    assert_eq!(event, RefundEvent::Success);
    assert_eq!(mer_track_no.as_deref(), Some("R-1"));
    let details = client.refund_query(&batch_no).await.expect("query");
    assert_eq!(details.refund_status, Some(RefundStatus::Success));
}

#[tokio::test]
async fn authorizations_are_captured_and_voided() {
    let shop = spawn().await;
    let client = &shop.preauth;
    let today = chrono::Utc::now().date_naive();

    let captured = shop.paid(client, usd(800)).await;
    let page = client
        .transactions(&TransactionsQuery::by_trade_no_near(&captured, today))
        .await
        .expect("query");
    assert_eq!(page.list[0].auth_status, Some(AuthStatus::Pending));
    client
        .authorize(&AuthorizeRequest::capture(&captured))
        .await
        .expect("capture");
    let event = shop
        .event(|e| match e {
            WebhookEvent::PreAuthorized { event, data } if data.trade_no == captured => {
                Some(*event)
            }
            _ => None,
        })
        .await;
    assert_eq!(event, PreAuthEvent::Captured);

    let voided = shop.paid(client, usd(900)).await;
    client
        .authorize(&AuthorizeRequest::void(&voided))
        .await
        .expect("void");
    let event = shop
        .event(|e| match e {
            WebhookEvent::PreAuthorized { event, data } if data.trade_no == voided => Some(*event),
            _ => None,
        })
        .await;
    assert_eq!(event, PreAuthEvent::Void);

    let statuses: Vec<_> = [&captured, &voided]
        .iter()
        .map(|t| {
            shop.sandbox
                .transaction(t)
                .map(|tx| tx.auth_status.as_str())
        })
        .collect();
    assert_eq!(statuses, vec![Some("capture"), Some("void")]);
    let info = client.order_info(&voided).await.expect("order info");
    assert_eq!(info.auth_status, Some(AuthStatus::Void));
    // The sale gateway sees none of it.
    assert!(shop.sale.order_info(&voided).await.is_err());
}

#[tokio::test]
async fn logistics_and_the_queries() {
    let shop = spawn().await;
    let client = &shop.sale;
    let today = chrono::Utc::now().date_naive();
    let trade_no = shop.paid(client, usd(1500)).await;

    client
        .logistics_upload(&LogisticsUpload {
            tracking_no: "1Z999AA10123456784".into(),
            tracking_web: "https://ups.example/track".into(),
            lc_code: Some("UPS".into()),
            trade_no: Some(trade_no.clone()),
            order_no: None,
        })
        .await
        .expect("upload");
    let info = client.logistics_query(&trade_no).await.expect("query");
    assert_eq!(info.tracking_no, "1Z999AA10123456784");
    assert_eq!(info.logistics_status, LogisticsStatus::Pending);

    let page = client
        .transactions(&TransactionsQuery::by_trade_no_near(&trade_no, today))
        .await
        .expect("transactions");
    assert_eq!(page.list.len(), 1);
    assert_eq!(page.list[0].trade_status, OrderStatus::Success);
    assert_eq!(page.list[0].trade_amount, usd(1500));
    let one = client.order_info(&trade_no).await.expect("order info");
    assert_eq!(one.trade_no, trade_no);

    shop.sandbox
        .raise_chargeback(&trade_no, None, None)
        .expect("chargeback");
    let (start, end) = (
        (today - chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .expect("time"),
        (today + chrono::Days::new(1))
            .and_hms_opt(23, 59, 59)
            .expect("time"),
    );
    let chargebacks = client
        .chargebacks(&ChargebacksQuery::new(start, end))
        .await
        .expect("chargebacks");
    assert_eq!(chargebacks.list.len(), 1);
    assert_eq!(
        chargebacks.list[0].trade_no.as_deref(),
        Some(trade_no.as_str())
    );
    assert_eq!(chargebacks.list[0].amount, Some(usd(1500)));
    let notice = shop
        .event(|e| match e {
            WebhookEvent::Chargeback(notice) => Some(notice.trade_no.clone()),
            _ => None,
        })
        .await;
    assert_eq!(notice, trade_no);
}

#[tokio::test]
async fn every_request_the_client_sent_was_accepted() {
    let shop = spawn().await;
    let client = &shop.sale;
    shop.paid(client, usd(100)).await;
    let requests = shop.sandbox.requests();
    assert!(!requests.is_empty());
    for r in &requests {
        assert!(
            r.verdict.is_accepted(),
            "{} {}: {:?}",
            r.method,
            r.path,
            r.verdict
        );
    }
}
