//! The HTTP client: one async method per endpoint, each signing, sending and reading one
//! request. No retries happen here (see [`Error::outcome_unknown`]).

use std::time::{Duration, Instant};

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::codes::ResultCode;
use crate::endpoint::{self, Endpoint, HttpMethod, PreparedRequest, RequestStamp};
use crate::types::{
    AuthorizeRequest, AuthorizeResponse, ChargebackPage, ChargebacksQuery, CheckoutPaymentRequest,
    ConfirmChargeRequest, Customer, CustomerDelete, CustomerLookup, CustomerPage, CustomerRequest,
    CustomersQuery, LogisticsInfo, LogisticsQueryRequest, LogisticsUpload, LogisticsUploadResponse,
    OrderInfoRequest, PaymentMethod, PaymentMethodAttach, PaymentMethodDetach, PaymentMethodList,
    PaymentMethodLookup, PaymentMethodRequest, PaymentMethodUpdate, PaymentResponse, RefundDetails,
    RefundQueryRequest, RefundRequest, RefundResponse, SessionToken, SessionTokenRequest,
    Transaction, TransactionPage, TransactionsQuery,
};
use crate::{Credentials, Environment, Error};

/// How the client talks HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientConfig {
    /// Longest wait for a whole exchange, connection included. 30 s by default: AsiaBill's
    /// charge calls wait on card networks.
    pub timeout: Duration,
    /// Longest wait to open a connection. 10 s by default.
    pub connect_timeout: Duration,
    /// The `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            user_agent: concat!("asiabill-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// One exchange with AsiaBill as it went over the wire, handed to an [`Observer`]: what an API
/// log keeps. The sign key is never part of it (only the signature it made).
#[derive(Debug)]
pub struct Exchange<'a> {
    /// `GET`, `POST` or `DELETE`.
    pub method: &'static str,
    /// The full URL.
    pub url: &'a str,
    /// The endpoint with its ids left out (`orderInfo/{id}`): see
    /// [`ApiCall::endpoint`](crate::endpoint::ApiCall::endpoint).
    pub endpoint: &'a str,
    /// The request headers sent (`sign-info` included).
    pub request_headers: &'a [(&'static str, String)],
    /// The request body sent (empty for calls without one).
    pub request_body: &'a [u8],
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// The answer's body, when one came.
    pub response_body: Option<&'a [u8]>,
    /// Why no answer came (a timeout, a refused connection).
    pub error: Option<&'a Error>,
    /// From sending to the end of the answer (or the failure).
    pub duration: Duration,
}

/// Told of every exchange a [`Client`] makes, after it ended: an API log, metrics. Called on
/// the caller's task, so it must return at once (hand the work to a queue or a task).
pub trait Observer: Send + Sync + std::fmt::Debug {
    /// One exchange ended.
    fn exchanged(&self, exchange: &Exchange<'_>);
}

/// A client for one gateway account on one AsiaBill installation. Cheap to clone; clones share
/// their connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    environment: Environment,
    credentials: Credentials,
    http: reqwest::Client,
    observers: Vec<std::sync::Arc<dyn Observer>>,
}

/// How much of an unexpected body an error keeps, for the log.
const BODY_EXCERPT: usize = 512;

impl Client {
    /// A client for `credentials` on `environment`. Plain `http://` works for a local simulator.
    pub fn new(
        environment: Environment,
        credentials: Credentials,
        config: ClientConfig,
    ) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .user_agent(config.user_agent)
            // A redirect would turn a signed POST into an unsigned GET elsewhere: treat it as
            // the non-200 answer it is.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::Transport(Box::new(e)))?;
        Ok(Client {
            environment,
            credentials,
            http,
            observers: Vec::new(),
        })
    }

    /// The same client, telling `observer` of every exchange too (after the observers it
    /// already had): an API log and metrics each watch the same calls.
    pub fn with_observer(mut self, observer: std::sync::Arc<dyn Observer>) -> Self {
        self.observers.push(observer);
        self
    }

    /// The installation this client talks to.
    pub fn environment(&self) -> &Environment {
        &self.environment
    }

    /// The account this client signs for.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Signs `endpoint` with the given stamp without sending it: the exact request that
    /// [`Client::send`] would put on the wire with that stamp.
    pub fn prepare<E: Endpoint>(
        &self,
        endpoint: &E,
        stamp: &RequestStamp,
    ) -> Result<PreparedRequest, Error> {
        endpoint::prepare(
            &self.environment,
            &self.credentials,
            endpoint.call()?,
            stamp,
        )
    }

    /// Sends any endpoint with a fresh stamp and returns its `data`.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Data, Error> {
        let prepared = self.prepare(endpoint, &RequestStamp::fresh())?;
        self.execute::<E::Data>(prepared).await
    }

    async fn execute<T: DeserializeOwned>(&self, prepared: PreparedRequest) -> Result<T, Error> {
        let started = Instant::now();
        let (method, method_name) = match prepared.method {
            HttpMethod::Get => (reqwest::Method::GET, "GET"),
            HttpMethod::Post => (reqwest::Method::POST, "POST"),
            HttpMethod::Delete => (reqwest::Method::DELETE, "DELETE"),
        };
        let request_id = prepared.header("request-id").unwrap_or_default().to_owned();
        let mut request = self.http.request(method, &prepared.url);
        for (name, value) in &prepared.headers {
            request = request.header(*name, value);
        }
        if !prepared.body.is_empty() {
            request = request.body(prepared.body.clone());
        }
        let outcome = async {
            let response = request.send().await.map_err(Error::from_http)?;
            let status = response.status().as_u16();
            let body = response.bytes().await.map_err(Error::from_http)?;
            Ok::<_, Error>((status, body))
        }
        .await;
        let elapsed = started.elapsed();
        let duration_ms = elapsed.as_millis();
        if !self.observers.is_empty() {
            let (status, response_body, error) = match &outcome {
                Ok((status, body)) => (Some(*status), Some(&body[..]), None),
                Err(e) => (None, None, Some(e)),
            };
            let exchange = Exchange {
                method: method_name,
                url: &prepared.url,
                endpoint: &prepared.endpoint,
                request_headers: &prepared.headers,
                request_body: &prepared.body,
                status,
                response_body,
                error,
                duration: elapsed,
            };
            for observer in &self.observers {
                observer.exchanged(&exchange);
            }
        }
        let (status, body) = match outcome {
            Ok(answer) => answer,
            Err(error) => {
                tracing::warn!(
                    http.url = %prepared.url,
                    asiabill.request_id = %request_id,
                    duration_ms,
                    error = %error,
                    "AsiaBill call failed"
                );
                return Err(error);
            }
        };
        tracing::debug!(
            http.url = %prepared.url,
            http.status = status,
            asiabill.request_id = %request_id,
            duration_ms,
            "AsiaBill call"
        );
        if status != 200 {
            return Err(Error::HttpStatus {
                status,
                body: excerpt(&body),
            });
        }
        read_envelope(&body)
    }

    /// `POST /sessionToken`: a token for the in-site JavaScript SDK.
    pub async fn session_token(&self) -> Result<SessionToken, Error> {
        self.send(&SessionTokenRequest).await
    }

    /// `POST /checkout/payment`: a hosted-page payment; redirect the shopper to its
    /// `redirect_url`.
    pub async fn checkout_payment(
        &self,
        request: &CheckoutPaymentRequest,
    ) -> Result<PaymentResponse, Error> {
        self.send(request).await
    }

    /// `POST /confirmCharge`: charge a payment method from the in-site SDK. A `redirect_url`
    /// in the answer means 3-D Secure: send the shopper there.
    pub async fn confirm_charge(
        &self,
        request: &ConfirmChargeRequest,
    ) -> Result<PaymentResponse, Error> {
        self.send(request).await
    }

    /// `POST /AuthorizeInterface`: capture or void a pre-authorization.
    pub async fn authorize(&self, request: &AuthorizeRequest) -> Result<AuthorizeResponse, Error> {
        self.send(request).await
    }

    /// `POST /refund`: apply for a refund; the outcome comes by webhook.
    pub async fn refund(&self, request: &RefundRequest) -> Result<RefundResponse, Error> {
        self.send(request).await
    }

    /// `GET /refund/{batchNo}`.
    pub async fn refund_query(&self, batch_no: &str) -> Result<RefundDetails, Error> {
        self.send(&RefundQueryRequest {
            batch_no: batch_no.to_owned(),
        })
        .await
    }

    /// `POST /logistics`: upload a tracking number.
    pub async fn logistics_upload(
        &self,
        request: &LogisticsUpload,
    ) -> Result<LogisticsUploadResponse, Error> {
        self.send(request).await
    }

    /// `GET /logistics/{tradeNo}`.
    pub async fn logistics_query(&self, trade_no: &str) -> Result<LogisticsInfo, Error> {
        self.send(&LogisticsQueryRequest {
            trade_no: trade_no.to_owned(),
        })
        .await
    }

    /// `GET /transactions`: list, or look one up with [`TransactionsQuery::by_trade_no`].
    pub async fn transactions(&self, query: &TransactionsQuery) -> Result<TransactionPage, Error> {
        self.send(query).await
    }

    /// `GET /orderInfo/{tradeNo}`.
    pub async fn order_info(&self, trade_no: &str) -> Result<Transaction, Error> {
        self.send(&OrderInfoRequest {
            trade_no: trade_no.to_owned(),
        })
        .await
    }

    /// `GET /chargebacks`.
    pub async fn chargebacks(&self, query: &ChargebacksQuery) -> Result<ChargebackPage, Error> {
        self.send(query).await
    }

    /// `POST /customers`.
    pub async fn create_customer(&self, request: &CustomerRequest) -> Result<Customer, Error> {
        self.send(request).await
    }

    /// `GET /customers/{customerId}`.
    pub async fn customer(&self, customer_id: &str) -> Result<Customer, Error> {
        self.send(&CustomerLookup {
            customer_id: customer_id.to_owned(),
        })
        .await
    }

    /// `GET /customers?pageIndex=&pageSize=`.
    pub async fn customers(&self, query: &CustomersQuery) -> Result<CustomerPage, Error> {
        self.send(query).await
    }

    /// `DELETE /customers/{customerId}`.
    pub async fn delete_customer(&self, customer_id: &str) -> Result<(), Error> {
        self.send(&CustomerDelete {
            customer_id: customer_id.to_owned(),
        })
        .await
        .map(drop)
    }

    /// `POST /payment_methods` (PCI merchants only).
    pub async fn create_payment_method(
        &self,
        request: &PaymentMethodRequest,
    ) -> Result<PaymentMethod, Error> {
        self.send(request).await
    }

    /// `POST /payment_methods/update`.
    pub async fn update_payment_method(&self, request: &PaymentMethodUpdate) -> Result<(), Error> {
        self.send(request).await.map(drop)
    }

    /// `GET /payment_methods/{customerPaymentMethodId}`.
    pub async fn payment_method(&self, payment_method_id: &str) -> Result<PaymentMethod, Error> {
        self.send(&PaymentMethodLookup {
            customer_payment_method_id: payment_method_id.to_owned(),
        })
        .await
    }

    /// `GET /payment_methods/list/{customerId}`.
    pub async fn payment_methods(&self, customer_id: &str) -> Result<Vec<PaymentMethod>, Error> {
        self.send(&PaymentMethodList {
            customer_id: customer_id.to_owned(),
        })
        .await
    }

    /// `GET /payment_methods/{customerPaymentMethodId}/detach`.
    pub async fn detach_payment_method(&self, payment_method_id: &str) -> Result<(), Error> {
        self.send(&PaymentMethodDetach {
            customer_payment_method_id: payment_method_id.to_owned(),
        })
        .await
        .map(drop)
    }

    /// `GET /payment_methods/{customerPaymentMethodId}/{customerId}/attach`.
    pub async fn attach_payment_method(
        &self,
        payment_method_id: &str,
        customer_id: &str,
    ) -> Result<(), Error> {
        self.send(&PaymentMethodAttach {
            customer_payment_method_id: payment_method_id.to_owned(),
            customer_id: customer_id.to_owned(),
        })
        .await
        .map(drop)
    }
}

/// `{code, message, data}`, the body of every answer.
#[derive(Deserialize)]
struct Envelope {
    code: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    data: serde_json::Value,
}

/// Reads an answer's body: a business error for a non-success code, else its typed `data`.
pub(crate) fn read_envelope<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        Error::Protocol(format!("not an AsiaBill envelope ({e}): {}", excerpt(body)))
    })?;
    match ResultCode::parse(&envelope.code) {
        ResultCode::Success => serde_json::from_value(envelope.data)
            .map_err(|e| Error::Protocol(format!("unexpected `data`: {e}"))),
        ResultCode::Failure(code) => Err(Error::Business {
            code,
            message: envelope.message.unwrap_or_default(),
        }),
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(BODY_EXCERPT).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::Ignored;

    #[test]
    fn success_codes_yield_data_and_others_business_errors() {
        let token: SessionToken =
            read_envelope(br#"{"code":"00000","message":"ok","data":{"sessionToken":"t"}}"#)
                .expect("success");
        assert_eq!(token.session_token, "t");
        let token: SessionToken =
            read_envelope(br#"{"code":"0000","data":{"sessionToken":"u"}}"#).expect("success");
        assert_eq!(token.session_token, "u");
        let err = read_envelope::<SessionToken>(
            br#"{"code":"40001","message":"sign error","data":null}"#,
        )
        .expect_err("refused");
        assert!(
            matches!(&err, Error::Business { code, message } if code == "40001" && message == "sign error"),
            "{err:?}"
        );
        assert!(!err.outcome_unknown());
    }

    #[test]
    fn unreadable_bodies_are_protocol_errors() {
        for body in [
            &b"<html>oops</html>"[..],
            br#"{"message":"no code"}"#,
            br#"{"code":"00000","data":{"session":"wrong key"}}"#,
        ] {
            let err = read_envelope::<SessionToken>(body).expect_err("protocol");
            assert!(matches!(err, Error::Protocol(_)), "{err:?}");
            assert!(err.outcome_unknown());
        }
        read_envelope::<Ignored>(br#"{"code":"00000","message":"ok"}"#).expect("no data needed");
    }
}
