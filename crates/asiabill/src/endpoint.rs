//! One API call before and after signing: where it goes, what is signed, and the headers that
//! carry the signature (section 4). Kept apart from the HTTP client so that the signature
//! vectors of section 4.4 run through exactly the code that signs real requests.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::signing::{SignedParts, sign};
use crate::{API_VERSION, Credentials, Environment, Error};

/// Which of AsiaBill's two hosts serves an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    /// The payment host: session tokens, charges, hosted checkout, customers, capture/void.
    Payment,
    /// The OpenAPI: transactions, refunds, logistics, chargebacks.
    OpenApi,
}

/// The HTTP methods AsiaBill's SDK uses: GET without a body, POST with one, DELETE for customers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// DELETE.
    Delete,
}

impl HttpMethod {
    /// The method's name.
    pub fn as_str(&self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// One segment of an endpoint's path after `/V2022-03`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    /// A fixed word such as `orderInfo`.
    Fixed(&'static str),
    /// A placeholder's value such as a `tradeNo`; these values are signed.
    Param(String),
}

/// An API call before it is stamped and signed.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiCall {
    /// The host that serves it.
    pub host: Host,
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path after `/V2022-03`.
    pub path: Vec<PathSegment>,
    /// Query parameters, raw (they are signed raw and sent URL-encoded).
    pub query: Vec<(&'static str, String)>,
    /// The JSON body, serialized once: these bytes are signed and these bytes are sent.
    pub body: Option<Vec<u8>>,
}

impl ApiCall {
    /// The path after `/V2022-03` with each id replaced by `{id}` (`orderInfo/{id}`,
    /// `customers/{id}/paymentMethods`): names the endpoint without naming a payment, for
    /// grouping calls (metrics) where a `tradeNo` or `customerId` would make every call its own.
    pub fn endpoint(&self) -> String {
        self.path
            .iter()
            .map(|segment| match segment {
                PathSegment::Fixed(word) => *word,
                PathSegment::Param(_) => "{id}",
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    /// A call without a body.
    pub fn new(host: Host, method: HttpMethod, path: Vec<PathSegment>) -> Self {
        ApiCall {
            host,
            method,
            path,
            query: Vec::new(),
            body: None,
        }
    }

    /// A POST whose body is `body` serialized to compact JSON.
    pub fn post_json<T: Serialize>(
        host: Host,
        path: Vec<PathSegment>,
        body: &T,
    ) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::InvalidRequest(format!("cannot serialize the body: {e}")))?;
        Ok(ApiCall {
            body: Some(bytes),
            ..ApiCall::new(host, HttpMethod::Post, path)
        })
    }

    /// Adds a query parameter when it has a value; absent parameters are left out (an empty
    /// value would add nothing to the signature anyway).
    pub fn query_opt(mut self, key: &'static str, value: Option<String>) -> Self {
        if let Some(value) = value {
            self.query.push((key, value));
        }
        self
    }

    /// The parts that are signed, with the header part built from `gateway_no` and `stamp`.
    pub fn signed_parts(&self, gateway_no: &str, stamp: &RequestStamp) -> SignedParts<'_> {
        let params: Vec<&str> = self
            .path
            .iter()
            .filter_map(|segment| match segment {
                PathSegment::Param(value) => Some(value.as_str()),
                PathSegment::Fixed(_) => None,
            })
            .collect();
        SignedParts {
            header: SignedParts::header(
                gateway_no,
                &stamp.request_id,
                &stamp.request_time_ms.to_string(),
                None,
            ),
            path: SignedParts::path(&params),
            query: SignedParts::query(&self.query),
            body: self.body.as_deref().unwrap_or_default(),
        }
    }

    fn check(&self) -> Result<(), Error> {
        for segment in &self.path {
            if let PathSegment::Param(value) = segment
                && value.trim().is_empty()
            {
                return Err(Error::InvalidRequest("an id in the path is empty".into()));
            }
        }
        Ok(())
    }
}

impl fmt::Debug for ApiCall {
    // The body may hold card data (PCI `/payment_methods`), so only its length is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiCall")
            .field("host", &self.host)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("body_len", &self.body.as_ref().map(Vec::len))
            .finish()
    }
}

/// The per-request `request-id` and `request-time`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestStamp {
    /// Unique per request (AsiaBill refuses a repeat within 30 minutes).
    pub request_id: String,
    /// Epoch milliseconds (AsiaBill refuses more than 10 minutes of skew).
    pub request_time_ms: u64,
}

impl RequestStamp {
    /// A random id shaped like the SDK's (`XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX`, uppercase hex)
    /// and the current time.
    pub fn fresh() -> Self {
        RequestStamp {
            request_id: uuid::Uuid::new_v4()
                .hyphenated()
                .to_string()
                .to_ascii_uppercase(),
            request_time_ms: epoch_ms(SystemTime::now()),
        }
    }
}

/// Milliseconds since the Unix epoch; a clock before 1970 counts as 0.
pub(crate) fn epoch_ms(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A signed request, ready to send: exactly what goes on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct PreparedRequest {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The full URL, query URL-encoded.
    pub url: String,
    /// `Content-Type`, `gateway-no`, `request-id`, `request-time`, `sign-info`.
    pub headers: Vec<(&'static str, String)>,
    /// The body bytes that were signed (empty for calls without a body).
    pub body: Vec<u8>,
    /// The endpoint with its ids left out ([`ApiCall::endpoint`]): `orderInfo/{id}`.
    pub endpoint: String,
}

impl PreparedRequest {
    /// The value of a header set here, by its lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("endpoint", &self.endpoint)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// The `Content-Type` AsiaBill's SDK sends on every call, GET included.
pub const CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// Stamps, signs and addresses `call` for `environment` with `credentials`.
///
/// The signature is lowercase hex, as AsiaBill's SDK sends it.
pub fn prepare(
    environment: &Environment,
    credentials: &Credentials,
    call: ApiCall,
    stamp: &RequestStamp,
) -> Result<PreparedRequest, Error> {
    call.check()?;
    let gateway_no = credentials.gateway_no().as_str();
    let signature = sign(
        credentials.sign_key(),
        &call.signed_parts(gateway_no, stamp),
    );
    let url = url_for(environment, &call)?;
    Ok(PreparedRequest {
        method: call.method,
        endpoint: call.endpoint(),
        url,
        headers: vec![
            ("content-type", CONTENT_TYPE.to_owned()),
            ("gateway-no", gateway_no.to_owned()),
            ("request-id", stamp.request_id.clone()),
            ("request-time", stamp.request_time_ms.to_string()),
            ("sign-info", signature),
        ],
        body: call.body.unwrap_or_default(),
    })
}

fn url_for(environment: &Environment, call: &ApiCall) -> Result<String, Error> {
    let base = match call.host {
        Host::Payment => environment.payment_url(),
        Host::OpenApi => environment.openapi_url(),
    };
    let mut url = reqwest::Url::parse(base)
        .map_err(|e| Error::InvalidRequest(format!("base URL `{base}`: {e}")))?;
    {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| Error::InvalidRequest(format!("base URL `{base}` cannot have a path")))?;
        segments.pop_if_empty().push(API_VERSION);
        for segment in &call.path {
            match segment {
                PathSegment::Fixed(word) => segments.push(word),
                PathSegment::Param(value) => segments.push(value),
            };
        }
    }
    if !call.query.is_empty() {
        url.query_pairs_mut()
            .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
    }
    Ok(url.into())
}

/// An AsiaBill endpoint: a typed request that knows its call and the type of its answer's
/// `data`. Every request struct of [`crate::types`] implements it; implement it yourself for
/// an endpoint this crate does not cover and send it with [`crate::Client::send`].
pub trait Endpoint {
    /// What the answer's `data` holds on success.
    type Data: DeserializeOwned;

    /// Checks the request and builds its call; [`Error::InvalidRequest`] when it cannot be sent.
    fn call(&self) -> Result<ApiCall, Error>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::RefundType;
    use crate::currency::{Currency, Money};
    use crate::types::{OrderInfoRequest, RefundRequest, SessionTokenRequest, TransactionsQuery};
    use chrono::NaiveDate;

    /// Section 4.4's request-id and request-time.
    fn stamp() -> RequestStamp {
        RequestStamp {
            request_id: "2F1E3D4C-5B6A-7980-A1B2-C3D4E5F60718".into(),
            request_time_ms: 1_651_888_520_935,
        }
    }

    fn prepared<E: Endpoint>(endpoint: &E) -> PreparedRequest {
        prepare(
            &Environment::Sandbox,
            &Credentials::public_test_account(),
            endpoint.call().expect("valid call"),
            &stamp(),
        )
        .expect("prepared")
    }

    #[test]
    fn vector_session_token() {
        let req = prepared(&SessionTokenRequest);
        assert_eq!(
            req.url,
            "https://testpay.asiabill.com/V2022-03/sessionToken"
        );
        assert_eq!(req.method, HttpMethod::Post);
        assert!(req.body.is_empty());
        assert_eq!(
            req.header("sign-info"),
            Some("b475d4f26eba7ef3ad4a3f7fa929fae3682f9462d8b6bf5f5b5c75e3a494c976")
        );
        assert_eq!(req.header("gateway-no"), Some("12246002"));
        assert_eq!(req.header("request-time"), Some("1651888520935"));
    }

    #[test]
    fn vector_transactions_query() {
        let day = NaiveDate::from_ymd_opt(2022, 5, 1).expect("date");
        let query = TransactionsQuery::by_trade_no("2022051812003332818907", day);
        let req = prepared(&query);
        assert_eq!(req.method, HttpMethod::Get);
        assert_eq!(
            req.url,
            "https://api-uat.asiabill.com/openApi/V2022-03/transactions?\
             startTime=2022-05-01T00%3A00%3A00&endTime=2022-05-01T23%3A59%3A59\
             &tradeNo=2022051812003332818907"
        );
        assert_eq!(
            req.header("sign-info"),
            Some("eca5691c89e734d7bfa4e5a64fd96fbe4ceef5e886391a71367e8bb2aeb9c955")
        );
    }

    #[test]
    fn vector_order_info() {
        let req = prepared(&OrderInfoRequest {
            trade_no: "2022051812003332818907".into(),
        });
        assert_eq!(
            req.url,
            "https://api-uat.asiabill.com/openApi/V2022-03/orderInfo/2022051812003332818907"
        );
        assert_eq!(
            req.header("sign-info"),
            Some("47cf1182a27c345e0c314fdbec2032e41618b0eb393f619324d0de1a94c56a6c")
        );
    }

    #[test]
    fn vector_refund_body() {
        let usd = Currency::parse("USD").expect("USD");
        let refund = RefundRequest {
            trade_no: "2022051812003332818907".into(),
            refund_type: RefundType::Partial,
            refund_amount: Money::new(100, usd),
            refund_reason: "test".into(),
            mer_track_no: Some("R1001".into()),
            remark: Some("Order #1001".into()),
        };
        let req = prepared(&refund);
        assert_eq!(
            std::str::from_utf8(&req.body).expect("utf-8"),
            r#"{"merTrackNo":"R1001","refundAmount":"1.00","refundReason":"test","refundType":"2","remark":"Order #1001","tradeNo":"2022051812003332818907"}"#
        );
        assert_eq!(
            req.header("sign-info"),
            Some("cc015e9c1d462a7eea7852dc00d1fbf6072cbcfeb5ab9919e955ee3c448bebb6")
        );
        assert_eq!(req.header("content-type"), Some(CONTENT_TYPE));
    }

    #[test]
    fn custom_environment_keeps_its_prefix_and_encodes_path_values() {
        let env = Environment::custom("http://127.0.0.1:8081").expect("env");
        let call = ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("refund"),
                PathSegment::Param("a b/c".into()),
            ],
        );
        let req =
            prepare(&env, &Credentials::public_test_account(), call, &stamp()).expect("prepared");
        assert_eq!(
            req.url,
            "http://127.0.0.1:8081/openApi/V2022-03/refund/a%20b%2Fc"
        );
    }

    #[test]
    fn path_params_are_signed_sorted_and_empty_ids_refused() {
        let call = ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("payment_methods"),
                PathSegment::Param("pm_1".into()),
                PathSegment::Param("cus_1".into()),
                PathSegment::Fixed("attach"),
            ],
        );
        assert_eq!(call.signed_parts("12246002", &stamp()).path, "cus_1pm_1");
        let empty = ApiCall::new(
            Host::OpenApi,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("orderInfo"),
                PathSegment::Param(" ".into()),
            ],
        );
        assert!(matches!(
            prepare(
                &Environment::Sandbox,
                &Credentials::public_test_account(),
                empty,
                &stamp()
            ),
            Err(Error::InvalidRequest(_))
        ));
    }

    #[test]
    fn the_endpoint_names_the_call_and_no_id() {
        let info = prepared(&OrderInfoRequest {
            trade_no: "2026120700000000000001".into(),
        });
        assert_eq!(info.endpoint, "orderInfo/{id}");
        assert!(info.url.ends_with("/orderInfo/2026120700000000000001"));
        assert_eq!(prepared(&SessionTokenRequest).endpoint, "sessionToken");
        let call = ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                PathSegment::Fixed("payment_methods"),
                PathSegment::Param("pm_1".into()),
                PathSegment::Param("cus_1".into()),
                PathSegment::Fixed("attach"),
            ],
        );
        assert_eq!(call.endpoint(), "payment_methods/{id}/{id}/attach");
    }

    #[test]
    fn fresh_stamps_are_unique_and_sdk_shaped() {
        let a = RequestStamp::fresh();
        let b = RequestStamp::fresh();
        assert_ne!(a.request_id, b.request_id);
        assert_eq!(a.request_id.len(), 36);
        assert!(
            a.request_id
                .chars()
                .all(|c| c == '-' || c.is_ascii_digit() || c.is_ascii_uppercase())
        );
        assert!(a.request_time_ms > 1_600_000_000_000);
    }
}
