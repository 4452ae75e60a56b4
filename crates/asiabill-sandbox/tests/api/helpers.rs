//! A simulator on port 0, a client that signs requests with its own HMAC code (not the
//! `asiabill` crate's), and a webhook receiver that can refuse deliveries.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use asiabill_sandbox::{Config, Sandbox};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

pub const GATEWAY: &str = "12246002";
pub const PREAUTH_GATEWAY: &str = "12246004";
pub const KEY: &str = "12H4567r";

/// HMAC-SHA256, lowercase hex, written here independently of the crates under test.
pub fn hmac_hex(key: &str, message: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("any key");
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The V2022-03 string to sign: `header . path . query . body`, empty parts dropped.
pub fn string_to_sign(
    header: &str,
    path_values: &[&str],
    query: &[(&str, &str)],
    body: &str,
) -> String {
    let mut path: Vec<&str> = path_values.to_vec();
    path.sort_unstable();
    let mut q: Vec<(&str, &str)> = query.to_vec();
    q.sort_by(|a, b| a.0.cmp(b.0));
    let query: String = q.iter().map(|(_, v)| *v).collect();
    [header.to_owned(), path.concat(), query, body.to_owned()]
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(".")
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock after 1970")
        .as_millis() as i64
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A fresh request-id.
pub fn request_id() -> String {
    format!("T{}-{}", now_ms(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// A fresh order number.
pub fn order_no() -> String {
    format!("A{}-{}", now_ms(), COUNTER.fetch_add(1, Ordering::Relaxed))
}

/// How to sign a request under test.
#[derive(Clone)]
pub enum Sign {
    /// Correctly, lowercase.
    Lower,
    /// Correctly, uppercase.
    Upper,
    /// With this exact value.
    Value(String),
    /// No `sign-info` header.
    Missing,
}

/// One request to send.
#[derive(Clone)]
pub struct Req {
    pub method: reqwest::Method,
    pub path: String,
    pub path_values: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: String,
    pub gateway: Option<String>,
    pub key: String,
    pub request_id: Option<String>,
    pub request_time: Option<String>,
    pub sign: Sign,
}

impl Req {
    pub fn new(method: reqwest::Method, path: &str) -> Self {
        Req {
            method,
            path: path.to_owned(),
            path_values: Vec::new(),
            query: Vec::new(),
            body: String::new(),
            gateway: Some(GATEWAY.to_owned()),
            key: KEY.to_owned(),
            request_id: Some(request_id()),
            request_time: Some(now_ms().to_string()),
            sign: Sign::Lower,
        }
    }

    pub fn post(path: &str, body: &Value) -> Self {
        Req::new(reqwest::Method::POST, path).body(&body.to_string())
    }

    pub fn get(path: &str) -> Self {
        Req::new(reqwest::Method::GET, path)
    }

    pub fn body(mut self, body: &str) -> Self {
        self.body = body.to_owned();
        self
    }

    /// Path placeholder values (they are part of the path already; this is what is signed).
    pub fn path_values(mut self, values: &[&str]) -> Self {
        self.path_values = values.iter().map(|v| (*v).to_owned()).collect();
        self
    }

    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        self.query = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        self
    }

    pub fn gateway(mut self, gateway: Option<&str>) -> Self {
        self.gateway = gateway.map(str::to_owned);
        self
    }

    pub fn key(mut self, key: &str) -> Self {
        self.key = key.to_owned();
        self
    }

    pub fn request_id(mut self, id: Option<&str>) -> Self {
        self.request_id = id.map(str::to_owned);
        self
    }

    pub fn request_time(mut self, time: Option<&str>) -> Self {
        self.request_time = time.map(str::to_owned);
        self
    }

    pub fn sign(mut self, sign: Sign) -> Self {
        self.sign = sign;
        self
    }

    /// The signature this request carries when signed correctly.
    pub fn signature(&self) -> String {
        let header = format!(
            "{}{}{}",
            self.gateway.clone().unwrap_or_default(),
            self.request_id.clone().unwrap_or_default(),
            self.request_time.clone().unwrap_or_default()
        );
        let path: Vec<&str> = self.path_values.iter().map(String::as_str).collect();
        let query: Vec<(&str, &str)> = self
            .query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        hmac_hex(
            &self.key,
            string_to_sign(&header, &path, &query, &self.body).as_bytes(),
        )
    }
}

/// A reply: status, headers and the parsed envelope.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub raw: String,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["code"].as_str().unwrap_or_default()
    }

    pub fn data(&self) -> &Value {
        &self.json["data"]
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts the envelope code, showing the whole reply when it differs.
    #[track_caller]
    pub fn assert_code(&self, code: &str) -> &Self {
        assert_eq!(self.code(), code, "reply: {}", self.raw);
        assert_eq!(self.status, 200, "business answers are HTTP 200");
        self
    }
}

pub struct TestApp {
    pub sandbox: Sandbox,
    pub base: String,
    pub http: reqwest::Client,
    /// A browser that does not follow redirects, so that tests see each 303.
    pub browser: reqwest::Client,
    pub hooks: Hooks,
}

pub fn fast_config() -> Config {
    Config {
        time_factor: 0.001,
        ..Config::default()
    }
}

pub async fn spawn() -> TestApp {
    spawn_with(fast_config()).await
}

pub async fn spawn_with(config: Config) -> TestApp {
    let sandbox = Sandbox::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = sandbox.serve(listener).expect("serve");
    tokio::spawn(server);
    TestApp {
        sandbox,
        base: format!("http://127.0.0.1:{port}"),
        http: reqwest::Client::new(),
        browser: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("browser"),
        hooks: Hooks::spawn().await,
    }
}

impl TestApp {
    pub async fn send(&self, req: Req) -> Reply {
        let mut url = format!("{}{}", self.base, req.path);
        if !req.query.is_empty() {
            let encoded: String = req
                .query
                .iter()
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect::<Vec<_>>()
                .join("&");
            url = format!("{url}?{encoded}");
        }
        let signature = match &req.sign {
            Sign::Lower => Some(req.signature()),
            Sign::Upper => Some(req.signature().to_uppercase()),
            Sign::Value(v) => Some(v.clone()),
            Sign::Missing => None,
        };
        let mut builder = self
            .http
            .request(req.method.clone(), url)
            .header("Content-type", "application/json;charset=UTF-8");
        for (name, value) in [
            ("gateway-no", req.gateway.clone()),
            ("request-id", req.request_id.clone()),
            ("request-time", req.request_time.clone()),
            ("sign-info", signature),
        ] {
            if let Some(v) = value {
                builder = builder.header(name, v);
            }
        }
        if !req.body.is_empty() {
            builder = builder.body(req.body.clone());
        }
        let response = builder.send().await.expect("request sent");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let raw = response.text().await.expect("reply body");
        let json = serde_json::from_str(&raw).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            raw,
            json,
        }
    }

    pub async fn post(&self, path: &str, body: &Value) -> Reply {
        self.send(Req::post(path, body)).await
    }

    /// Tokenises `card_no` and answers its `pm_…` id.
    pub async fn payment_method(&self, card_no: &str, gateway: &str) -> String {
        let reply = self
            .send(
                Req::post("/V2022-03/payment_methods", &card_body(card_no)).gateway(Some(gateway)),
            )
            .await;
        reply.assert_code("00000");
        reply.data()["customerPaymentMethodId"]
            .as_str()
            .expect("pm id")
            .to_owned()
    }

    /// A new customer on the default gateway, answering its `cus_…` id.
    pub async fn customer(&self) -> String {
        let reply = self
            .post(
                "/V2022-03/customers",
                &json!({"email": "jo@example.com", "firstName": "Jo", "lastName": "Doe"}),
            )
            .await;
        reply.assert_code("00000");
        reply.data()["customerId"]
            .as_str()
            .expect("customer id")
            .to_owned()
    }

    /// Tokenises `card_no` on the default gateway saved for `customer_id` (auto-attached).
    pub async fn saved_card(&self, card_no: &str, customer_id: &str) -> String {
        let mut body = card_body(card_no);
        body["customerId"] = json!(customer_id);
        let reply = self.post("/V2022-03/payment_methods", &body).await;
        reply.assert_code("00000");
        reply.data()["customerPaymentMethodId"]
            .as_str()
            .expect("pm id")
            .to_owned()
    }

    /// A confirmCharge of the existing method `pm` on the default gateway; `extra` overrides
    /// fields of the body.
    pub async fn charge_method(&self, pm: &str, extra: Value) -> Reply {
        let mut body = charge_body(pm, &self.hooks.url);
        merge(&mut body, extra);
        self.post("/V2022-03/confirmCharge", &body).await
    }

    /// A confirmCharge on `gateway` with `card_no`; `extra` overrides fields of the body.
    pub async fn charge(&self, card_no: &str, gateway: &str, extra: Value) -> Reply {
        let pm = self.payment_method(card_no, gateway).await;
        let mut body = charge_body(&pm, &self.hooks.url);
        merge(&mut body, extra);
        self.send(Req::post("/V2022-03/confirmCharge", &body).gateway(Some(gateway)))
            .await
    }

    /// A successful sale, answering its tradeNo.
    pub async fn paid_sale(&self, amount: &str) -> String {
        let reply = self
            .charge("4242424242424242", GATEWAY, json!({"orderAmount": amount}))
            .await;
        reply.assert_code("00000");
        assert_eq!(reply.data()["orderStatus"], "success", "{}", reply.raw);
        reply.data()["tradeNo"]
            .as_str()
            .expect("tradeNo")
            .to_owned()
    }
}

pub fn merge(body: &mut Value, extra: Value) {
    if let (Some(target), Value::Object(extra)) = (body.as_object_mut(), extra) {
        for (k, v) in extra {
            if v.is_null() {
                target.remove(&k);
            } else {
                target.insert(k, v);
            }
        }
    }
}

pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

pub fn future_year() -> String {
    use chrono::Datelike;
    (chrono::Utc::now().year() + 3).to_string()
}

pub fn card_body(card_no: &str) -> Value {
    json!({
        "billingDetail": {
            "address": {"city": "Austin", "country": "US", "line1": "1 Main St", "line2": "", "postalCode": "73301", "state": "TX"},
            "email": "jo@example.com", "firstName": "Jo", "lastName": "Doe", "phone": "5551234"
        },
        "card": {"cardNo": card_no, "cardExpireMonth": "12", "cardExpireYear": future_year(), "cardSecurityCode": "123"}
    })
}

pub fn charge_body(pm: &str, callback_url: &str) -> Value {
    json!({
        "orderNo": order_no(),
        "orderAmount": "7.00",
        "orderCurrency": "USD",
        "customerPaymentMethodId": pm,
        "customerIp": "203.0.113.9",
        "isMobile": "0",
        "goodsDetails": [{"goodsTitle": "Mug", "goodsCount": "1", "goodsPrice": "7.00"}],
        "shipping": {
            "address": {"line1": "1 Main St", "line2": "", "city": "Austin", "country": "US", "state": "TX", "postalCode": "73301"},
            "email": "jo@example.com", "firstName": "Jo", "lastName": "Doe", "phone": "5551234"
        },
        "callbackUrl": callback_url,
        "returnUrl": "http://shop.test/payment/asiabill/return?attempt=1",
        "webSite": "http://shop.test",
        "platform": "rust",
        "remark": "test"
    })
}

pub fn checkout_body(callback_url: &str) -> Value {
    json!({
        "orderNo": order_no(),
        "orderAmount": "19.99",
        "orderCurrency": "USD",
        "paymentMethod": "Credit Card",
        "billingAddress": {"address": "1 Main St", "city": "Austin", "country": "US", "email": "jo@example.com",
                           "firstName": "Jo", "lastName": "Doe", "phone": "5551234", "state": "TX", "zip": "73301"},
        "deliveryAddress": {"shipAddress": "1 Main St", "shipCity": "Austin", "shipCountry": "US", "shipFirstName": "Jo",
                            "shipLastName": "Doe", "shipPhone": "5551234", "shipState": "TX", "shipZip": "73301"},
        "goodsDetails": [{"goodsTitle": "Mug", "goodsCount": "1", "goodsPrice": "19.99"}],
        "customerId": "",
        "isMobile": "0",
        "platform": "rust",
        "remark": "hosted",
        "webSite": "http://shop.test",
        "returnUrl": "http://shop.test/payment/asiabill/return",
        "callbackUrl": callback_url
    })
}

/// One webhook as the receiver got it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: HashMap<String, String>,
    pub body: String,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }

    pub fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap_or_default().to_owned()
    }
}

/// What the receiver shares with the test: the deliveries and how many to refuse.
type HookState = (Arc<Mutex<Vec<Received>>>, Arc<AtomicUsize>);

/// A merchant webhook endpoint on port 0 that records deliveries and refuses the first
/// `fail_next` of them.
#[derive(Clone)]
pub struct Hooks {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    fail_next: Arc<AtomicUsize>,
}

async fn receive(req: HttpRequest, body: web::Bytes, state: web::Data<HookState>) -> HttpResponse {
    let headers = req
        .headers()
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                v.to_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    state.0.lock().expect("lock").push(Received {
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
        at: Instant::now(),
    });
    let refuse = state
        .1
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if refuse {
        HttpResponse::Ok().body("fail")
    } else {
        HttpResponse::Ok().body("SUCCESS")
    }
}

impl Hooks {
    pub async fn spawn() -> Hooks {
        let received = Arc::new(Mutex::new(Vec::new()));
        let fail_next = Arc::new(AtomicUsize::new(0));
        let data = web::Data::new((received.clone(), fail_next.clone()));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/hook", web::post().to(receive))
        })
        .workers(1)
        .listen(listener)
        .expect("listen")
        .run();
        tokio::spawn(server);
        Hooks {
            url: format!("http://127.0.0.1:{port}/hook"),
            received,
            fail_next,
        }
    }

    pub fn fail_next(&self, n: usize) {
        self.fail_next.store(n, Ordering::SeqCst);
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }

    /// The deliveries once `pred` holds for them, or a panic after a few seconds.
    pub async fn wait_until(&self, pred: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let got = self.received();
            if pred(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "webhooks never arrived as expected; got {:?}",
                got.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Deliveries of `trade_no`, once there are `n` of them.
    pub async fn for_trade(&self, trade_no: &str, n: usize) -> Vec<Received> {
        let of = |all: &[Received]| -> Vec<Received> {
            all.iter()
                .filter(|r| r.json()["data"]["tradeNo"] == trade_no)
                .cloned()
                .collect()
        };
        of(&self.wait_until(|all| of(all).len() >= n).await)
    }
}

impl Hooks {
    /// Deliveries about `trade_no` received so far.
    pub fn for_trade_now(&self, trade_no: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.json()["data"]["tradeNo"] == trade_no)
            .collect()
    }

    /// The first delivery of event `event_type` about `trade_no`, once it arrived.
    pub async fn event(&self, trade_no: &str, event_type: &str) -> Received {
        let find = |all: &[Received]| -> Option<Received> {
            all.iter()
                .find(|r| r.json()["data"]["tradeNo"] == trade_no && r.event_type() == event_type)
                .cloned()
        };
        let all = self.wait_until(|all| find(all).is_some()).await;
        find(&all).expect("found")
    }
}

/// Polls `f` until it is true, or panics after a few seconds.
pub async fn eventually(what: &str, f: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Verifies a webhook's `sign-info` as a merchant would: uppercase HMAC of
/// `gateway-no + request-id + request-time + version . body`.
pub fn webhook_signature_ok(hook: &Received) -> bool {
    let message = format!(
        "{}{}{}{}.{}",
        hook.header("gateway-no"),
        hook.header("request-id"),
        hook.header("request-time"),
        hook.header("version"),
        hook.body
    );
    hook.header("sign-info") == hmac_hex(KEY, message.as_bytes()).to_uppercase()
}

/// A page as the browser got it.
#[derive(Debug)]
pub struct Page {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub html: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The `Location` of a 303, asserting it is one.
    #[track_caller]
    pub fn see_other(&self) -> String {
        assert_eq!(
            self.status, 303,
            "expected a 303; got {}: {}",
            self.status, self.html
        );
        self.header("location").to_owned()
    }

    /// The value of the hidden `csrf` field.
    pub fn csrf(&self) -> String {
        let start = self
            .html
            .find(r#"name="csrf" value=""#)
            .expect("csrf field")
            + 19;
        self.html[start..]
            .split('"')
            .next()
            .expect("value")
            .to_owned()
    }
}

async fn page_of(response: reqwest::Response) -> Page {
    Page {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        html: response.text().await.expect("page body"),
    }
}

impl TestApp {
    /// `GET path` (a path on the simulator, or an absolute URL) as a browser.
    pub async fn get_page(&self, path: &str) -> Page {
        self.get_page_with(path, &[]).await
    }

    pub async fn get_page_with(&self, path: &str, headers: &[(&str, &str)]) -> Page {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self.browser.get(url);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        page_of(request.send().await.expect("page")).await
    }

    /// A form POST as a browser (`application/x-www-form-urlencoded`).
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        page_of(
            self.browser
                .post(url)
                .form(fields)
                .send()
                .await
                .expect("form post"),
        )
        .await
    }

    /// A hosted checkout created over the API, answering the path of its page and its tradeNo.
    pub async fn hosted_checkout(&self, return_url: &str) -> (String, String) {
        let mut body = checkout_body(&self.hooks.url);
        body["returnUrl"] = json!(return_url);
        let r = self.post("/V2022-03/checkout/payment", &body).await;
        r.assert_code("0000");
        let redirect = r.data()["redirectUrl"].as_str().expect("redirectUrl");
        let path = redirect
            .strip_prefix(&self.base)
            .expect("redirectUrl on the simulator")
            .to_owned();
        (
            path,
            r.data()["tradeNo"].as_str().expect("tradeNo").to_owned(),
        )
    }

    /// A fresh session token over the API.
    pub async fn session_token(&self, gateway: &str) -> String {
        let reply = self
            .send(
                Req::post("/V2022-03/sessionToken", &Value::Null)
                    .body("")
                    .gateway(Some(gateway)),
            )
            .await;
        reply.assert_code("00000");
        reply.data()["sessionToken"]
            .as_str()
            .expect("sessionToken")
            .to_owned()
    }
}

/// The card form of the hosted page for `card_no`, valid in every other field.
pub fn card_fields(card_no: &str) -> Vec<(&'static str, String)> {
    vec![
        ("cardNo", card_no.to_owned()),
        ("cardExpireMonth", "12".to_owned()),
        ("cardExpireYear", future_year()),
        ("cardSecurityCode", "123".to_owned()),
        ("cardHolderName", "Jo Doe".to_owned()),
    ]
}

pub fn as_refs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The query of `url` decoded into pairs, in order.
pub fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    url_decode_pairs(query)
}

fn url_decode_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (url_decode(k), url_decode(v))
        })
        .collect()
}

fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
                out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).expect("utf-8")
}

/// Checks a returnUrl the way section 9 says a merchant does, with code written here: the
/// eleven AsiaBill parameters sorted by name, values concatenated, HMAC-SHA256 with the key,
/// compared with `signInfo` (uppercase). Answers every parameter.
#[track_caller]
pub fn verified_return(url: &str) -> HashMap<String, String> {
    const SIGNED: [&str; 11] = [
        "code",
        "gatewayNo",
        "maskCardNo",
        "merNo",
        "message",
        "orderAmount",
        "orderCurrency",
        "orderInfo",
        "orderNo",
        "orderStatus",
        "tradeNo",
    ];
    let params: HashMap<String, String> = query_of(url).into_iter().collect();
    let mut keys: Vec<&str> = SIGNED.to_vec();
    keys.sort_unstable();
    let message: String = keys
        .iter()
        .map(|k| params.get(*k).map(String::as_str).unwrap_or_default())
        .collect();
    let expected = hmac_hex(KEY, message.as_bytes()).to_uppercase();
    assert_eq!(
        params.get("signInfo").map(String::as_str),
        Some(expected.as_str()),
        "returnUrl signature does not verify: {url}"
    );
    params
}
