//! The client end to end against a one-shot HTTP server on the loopback interface: what it
//! sends (headers, signed bytes) and how it reads each kind of answer.

use std::time::Duration;

use asiabill::signing::{SignedParts, verify_hex};
use asiabill::types::{
    AuthorizeRequest, ConfirmChargeRequest, GoodsDetail, NextStep, RefundRequest, TransactionsQuery,
};
use asiabill::{
    AuthStatus, Client, ClientConfig, Credentials, Currency, Environment, Error, Money,
    OrderStatus, RefundType,
};
use chrono::NaiveDate;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// One request as the server saw it.
#[derive(Debug)]
struct Captured {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Captured {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw query values, URL-decoded, as AsiaBill's server reads them.
    fn query(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map_or("", |(_, q)| q);
        form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    /// True when `sign-info` is the HMAC of what actually arrived.
    fn signature_matches(&self, path_values: &[&str]) -> bool {
        let parts = SignedParts {
            header: SignedParts::header(
                self.header("gateway-no").unwrap_or_default(),
                self.header("request-id").unwrap_or_default(),
                self.header("request-time").unwrap_or_default(),
                None,
            ),
            path: SignedParts::path(path_values),
            query: SignedParts::query(&self.query()),
            body: &self.body,
        };
        verify_hex(
            Credentials::public_test_account().sign_key(),
            &parts.message(),
            self.header("sign-info").unwrap_or_default(),
        )
    }
}

/// What the server does with the one request it accepts.
enum Reply {
    /// Answer with this status and body.
    With(u16, &'static str),
    /// Read the request and never answer.
    Silence,
}

async fn read_request(stream: &mut tokio::net::TcpStream) -> Captured {
    let mut buf = Vec::new();
    let mut chunk = [0_u8; 4096];
    let head_end = loop {
        let n = stream.read(&mut chunk).await.expect("read");
        assert!(n > 0, "client closed before sending a request");
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("ascii head");
    let mut lines = head.split("\r\n");
    let request_line = lines.next().expect("request line");
    let mut words = request_line.split(' ');
    let method = words.next().expect("method").to_owned();
    let target = words.next().expect("target").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .map_or(0, |(_, v)| v.parse().expect("content-length"));
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.expect("read body");
        assert!(n > 0, "client closed mid-body");
        body.extend_from_slice(&chunk[..n]);
    }
    Captured {
        method,
        target,
        headers,
        body,
    }
}

/// Starts a server for one request; returns a client pointed at it and the captured request.
async fn serve_once(reply: Reply, config: ClientConfig) -> (Client, JoinHandle<Captured>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handle = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("accept");
        let captured = read_request(&mut stream).await;
        match reply {
            Reply::With(status, body) => {
                let response = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                stream.write_all(response.as_bytes()).await.expect("write");
                stream.shutdown().await.ok();
            }
            Reply::Silence => tokio::time::sleep(Duration::from_secs(5)).await,
        }
        captured
    });
    let env = Environment::custom(&format!("http://{addr}")).expect("env");
    let client = Client::new(env, Credentials::public_test_account(), config).expect("client");
    (client, handle)
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("USD"))
}

#[tokio::test]
async fn session_token_sends_the_four_signed_headers() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","message":"success","data":{"sessionToken":"tok_1"}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let token = client.session_token().await.expect("token");
    assert_eq!(token.session_token, "tok_1");
    let seen = server.await.expect("server");
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.target, "/V2022-03/sessionToken");
    assert_eq!(seen.header("gateway-no"), Some("12246002"));
    assert_eq!(
        seen.header("content-type"),
        Some("application/json;charset=UTF-8")
    );
    assert_eq!(seen.header("request-id").map(str::len), Some(36));
    assert_eq!(seen.header("request-time").map(str::len), Some(13));
    assert!(seen.body.is_empty());
    assert!(seen.signature_matches(&[]), "{seen:?}");
}

#[tokio::test]
async fn the_signed_body_is_the_body_sent() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"0000","message":"ok","data":{"batchNo":452541}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let refund = RefundRequest {
        trade_no: "2022051812003332818907".into(),
        refund_type: RefundType::Partial,
        refund_amount: usd(150),
        refund_reason: "damaged / returned".into(),
        mer_track_no: Some("A10042-R1".into()),
        remark: None,
    };
    let answer = client.refund(&refund).await.expect("refund accepted");
    assert_eq!(answer.batch_no, "452541");
    let seen = server.await.expect("server");
    assert_eq!(seen.target, "/openApi/V2022-03/refund");
    assert!(seen.signature_matches(&[]), "{seen:?}");
    let sent: serde_json::Value = serde_json::from_slice(&seen.body).expect("json");
    assert_eq!(sent["refundAmount"], "1.50");
    assert_eq!(sent["refundType"], "2");
    assert_eq!(sent["refundReason"], "damaged / returned");
}

#[tokio::test]
async fn confirm_charge_reads_a_3ds_redirect() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","message":"success","data":{"redirectUrl":"http://acs.test/3ds?x=1","orderStatus":"pending","orderInfo":"3DS","tradeNo":"2022051812003332818907","orderNo":"A10042-1","orderAmount":"19.98","orderCurrency":"USD","remark":"","riskInfos":"","maskCardNo":"400000***3155"}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let mut charge = ConfirmChargeRequest::new("A10042-1", usd(1998), "pm_1", "203.0.113.9");
    charge.goods_details.push(GoodsDetail {
        goods_title: "Mug".into(),
        goods_count: 2,
        goods_price: usd(999),
    });
    charge.callback_url = Some("https://shop.test/payment/asiabill/webhook".into());
    let answer = client.confirm_charge(&charge).await.expect("charged");
    assert_eq!(
        answer.next_step(),
        NextStep::Redirect("http://acs.test/3ds?x=1")
    );
    assert_eq!(answer.order_status, OrderStatus::Pending);
    assert_eq!(answer.order_amount, usd(1998));
    let seen = server.await.expect("server");
    assert!(seen.signature_matches(&[]));
    let sent: serde_json::Value = serde_json::from_slice(&seen.body).expect("json");
    assert_eq!(sent["orderAmount"], "19.98");
    assert_eq!(sent["orderCurrency"], "USD");
    assert_eq!(sent["goodsDetails"][0]["goodsPrice"], "9.99");
    assert_eq!(sent["goodsDetails"][0]["goodsCount"], "2");
    assert_eq!(sent["isMobile"], "0");
}

#[tokio::test]
async fn get_queries_are_signed_raw_and_sent_encoded() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","message":"success","data":{"page":{"total":1,"pageSize":1000,"pageIndex":1},"list":[{"orderNo":"A10042-1","tradeNo":"2022051812003332818907","tradeDate":"2022-05-18T12:00:33","tradeAmount":19.98,"tradeCurrency":"USD","sourceWebSite":"https://shop.test","authStatus":"sale","isUploadReceipt":"no","isUploadGoods":"yes","tradeStatus":"success","tradeInfo":"Transaction Approved"}]}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let day = NaiveDate::from_ymd_opt(2022, 5, 18).expect("date");
    let mut query = TransactionsQuery::by_order_no("A10042 #1", day);
    query.page_size = Some(1000);
    let page = client.transactions(&query).await.expect("listed");
    assert_eq!(page.page.total, 1);
    let tx = &page.list[0];
    assert_eq!(tx.trade_amount, usd(1998));
    assert_eq!(tx.auth_status, Some(AuthStatus::Sale));
    assert_eq!(tx.is_upload_goods, Some(true));
    let seen = server.await.expect("server");
    assert_eq!(seen.method, "GET");
    assert!(seen.target.starts_with("/openApi/V2022-03/transactions?"));
    assert!(
        seen.target.contains("orderNo=A10042+%231"),
        "{}",
        seen.target
    );
    assert!(seen.signature_matches(&[]), "{seen:?}");
}

#[tokio::test]
async fn path_values_are_signed() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","message":"success","data":{"tradeNo":"T1","trackingNo":"LX1","trackingWeb":"https://track.test","tbLcCode":"TWTH","logisticsStatus":"InTransit"}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let info = client.logistics_query("T1").await.expect("found");
    assert_eq!(info.logistics_status, asiabill::LogisticsStatus::InTransit);
    let seen = server.await.expect("server");
    assert_eq!(seen.target, "/openApi/V2022-03/logistics/T1");
    assert!(seen.signature_matches(&["T1"]));
}

#[tokio::test]
async fn authorize_goes_to_the_payment_host() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","message":"success","data":{"tradeNo":"T1","orderNo":"A1-1","orderStatus":"success","orderInfo":"Success"}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let answer = client
        .authorize(&AuthorizeRequest::capture("T1"))
        .await
        .expect("captured");
    assert_eq!(answer.order_status, OrderStatus::Success);
    let seen = server.await.expect("server");
    assert_eq!(seen.target, "/V2022-03/AuthorizeInterface");
    assert_eq!(seen.body, br#"{"authType":"1","tradeNo":"T1"}"#);
}

#[tokio::test]
async fn non_200_is_a_transport_error() {
    let (client, server) = serve_once(
        Reply::With(502, r#"{"code":"00000","data":{"sessionToken":"ignored"}}"#),
        ClientConfig::default(),
    )
    .await;
    let err = client.session_token().await.expect_err("502");
    assert!(
        matches!(&err, Error::HttpStatus { status: 502, .. }),
        "{err:?}"
    );
    assert!(err.is_transport());
    assert!(err.outcome_unknown());
    server.await.expect("server");
}

#[tokio::test]
async fn garbage_is_a_protocol_error() {
    let (client, server) = serve_once(
        Reply::With(200, "<html>maintenance</html>"),
        ClientConfig::default(),
    )
    .await;
    let err = client.session_token().await.expect_err("garbage");
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
    server.await.expect("server");
}

#[tokio::test]
async fn an_amount_that_does_not_parse_is_a_protocol_error() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"00000","data":{"redirectUrl":"","orderStatus":"success","orderInfo":"ok","tradeNo":"T","orderNo":"O","orderAmount":"1.234","orderCurrency":"USD"}}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let charge = ConfirmChargeRequest::new("O", usd(123), "pm_1", "203.0.113.9");
    let err = client
        .confirm_charge(&charge)
        .await
        .expect_err("bad amount");
    assert!(matches!(err, Error::Protocol(_)), "{err:?}");
    server.await.expect("server");
}

#[tokio::test]
async fn a_refusal_is_a_business_error() {
    let (client, server) = serve_once(
        Reply::With(
            200,
            r#"{"code":"20001","message":"refund amount exceeds","data":null}"#,
        ),
        ClientConfig::default(),
    )
    .await;
    let refund = RefundRequest {
        trade_no: "T1".into(),
        refund_type: RefundType::Full,
        refund_amount: usd(100),
        refund_reason: "r".into(),
        mer_track_no: None,
        remark: None,
    };
    let err = client.refund(&refund).await.expect_err("refused");
    match &err {
        Error::Business { code, message } => {
            assert_eq!(code, "20001");
            assert_eq!(message, "refund amount exceeds");
        }
        other => panic!("not a business error: {other:?}"),
    }
    assert!(!err.outcome_unknown());
    server.await.expect("server");
}

#[tokio::test]
async fn the_timeout_is_honoured() {
    let config = ClientConfig {
        timeout: Duration::from_millis(300),
        ..ClientConfig::default()
    };
    let (client, server) = serve_once(Reply::Silence, config).await;
    let started = std::time::Instant::now();
    let err = client.session_token().await.expect_err("timeout");
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert!(err.outcome_unknown());
    assert!(started.elapsed() < Duration::from_secs(3));
    server.abort();
}

#[tokio::test]
async fn a_refused_connection_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let env = Environment::custom(&format!("http://{addr}")).expect("env");
    let client = Client::new(
        env,
        Credentials::public_test_account(),
        ClientConfig::default(),
    )
    .expect("client");
    let err = client.session_token().await.expect_err("refused");
    assert!(matches!(err, Error::Connect(_)), "{err:?}");
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn invalid_requests_are_refused_before_sending() {
    let client = Client::new(
        Environment::custom("http://127.0.0.1:9").expect("env"),
        Credentials::public_test_account(),
        ClientConfig::default(),
    )
    .expect("client");
    let zero = ConfirmChargeRequest::new("O", usd(0), "pm_1", "203.0.113.9");
    let mut mixed = ConfirmChargeRequest::new("O", usd(100), "pm_1", "203.0.113.9");
    mixed.goods_details.push(GoodsDetail {
        goods_title: "Tea".into(),
        goods_count: 1,
        goods_price: Money::new(100, Currency::parse("JPY").expect("JPY")),
    });
    let long_order = ConfirmChargeRequest::new("x".repeat(51), usd(100), "pm_1", "203.0.113.9");
    for request in [zero, mixed, long_order] {
        let err = client.confirm_charge(&request).await.expect_err("invalid");
        assert!(matches!(err, Error::InvalidRequest(_)), "{err:?}");
    }
    assert!(matches!(
        client.order_info("").await,
        Err(Error::InvalidRequest(_))
    ));
}
