//! The shopper's side of the self-test: orders placed through the checkout's own code, cards
//! tokenised as AsiaBill's JS SDK does, and the simulator's pages played as a browser would.
//!
//! The cards are AsiaBill's published test cards (`asiabill-api.md` §3.3), never a shopper's;
//! they go from here to the gateway only, as the browser would send them, and never into the
//! shop's database or logs.

use asiabill::types::{Address, Card, ContactDetails, PaymentMethodRequest};
use diesel::prelude::*;
use secrecy::SecretString;

use super::SelfTest;
use crate::{
    cart,
    config::CheckoutLimits,
    db::models::PaymentAttempt,
    db::{
        DbError,
        schema::{payment_attempts, product_variants, products},
    },
    i18n::Lang,
    orders::{
        checkout::CheckoutInput,
        create::{self, Context, PlaceError},
    },
    payments::start::Shopper,
};

/// The success card.
pub const SUCCESS: &str = "4242424242424242";
/// The decline card.
pub const DECLINE: &str = "4000000000009995";
/// The 3-D Secure card.
pub const THREE_DS: &str = "4000002500003155";

/// The test's shopper address: the email is on a reserved domain, so no mail reaches anyone.
const EMAIL: &str = "selftest@example.com";
const FIRST_NAME: &str = "Self-test";
const LAST_NAME: &str = "AsiaBill";
const PHONE: &str = "5035550100";
const STREET: &str = "1 Harbour Street";
const CITY: &str = "Portland";
const STATE: &str = "OR";
const ZIP: &str = "97201";
const COUNTRY: &str = "US";

/// An order the test placed.
#[derive(Debug, Clone)]
pub struct TestOrder {
    /// Row id.
    pub id: i64,
    /// The shop's order number.
    pub number: String,
    /// Its page token.
    pub token: String,
}

impl SelfTest {
    /// The shopper as the payment requests see it: `customerIp` and the User-Agent.
    pub(super) fn shopper(&self) -> Shopper {
        Shopper {
            ip: "127.0.0.1".into(),
            user_agent: Some(super::USER_AGENT.into()),
        }
    }

    /// Puts one of the cheapest product in stock in a new cart and checks out, as the checkout
    /// form does; `mode` is the form's `payment_mode`.
    pub(super) async fn place_order(&self, mode: &'static str) -> Result<TestOrder, String> {
        let settings = self.settings.clone();
        let input = CheckoutInput {
            email: EMAIL.into(),
            phone: PHONE.into(),
            billing_first_name: FIRST_NAME.into(),
            billing_last_name: LAST_NAME.into(),
            billing_address: STREET.into(),
            billing_city: CITY.into(),
            billing_state: STATE.into(),
            billing_zip: ZIP.into(),
            billing_country: COUNTRY.into(),
            shipping_same: Some("on".into()),
            payment_mode: mode.into(),
            idempotency_key: hex::encode(rand::random::<[u8; 16]>()),
            ..CheckoutInput::default()
        };
        let checkout = input
            .check()
            .map_err(|problems| format!("checkout refused the test address: {problems:?}"))?;
        let ctx = Context {
            currency: settings.currency,
            lang: Lang::En,
            customer_ip: self.shopper().ip,
            user_agent: Some(super::USER_AGENT.into()),
            reservation: settings.reservation,
            public_url: settings.public_url.clone(),
            // Run after run, the test must not be refused as a flood of checkouts.
            limits: CheckoutLimits {
                per_ip: None,
                per_email: None,
            },
            shopper_id: None,
            prices_include_tax: settings.prices_include_tax,
        };
        let currency = settings.currency;
        let placed = self
            .payments
            .db
            .run(move |conn| {
                let product: Option<i64> = products::table
                    .filter(products::active.eq(true))
                    .filter(products::stock.gt(0))
                    .filter(products::currency.eq(currency.code()))
                    // One sold without variants, so that the product alone can be added.
                    .filter(diesel::dsl::not(products::id.eq_any(
                        product_variants::table.select(product_variants::product_id),
                    )))
                    .order((products::price_minor.asc(), products::id.asc()))
                    .select(products::id)
                    .first(conn)
                    .optional()
                    .map_err(DbError::from)?;
                let Some(product) = product else {
                    return Ok(Err("no product on sale has stock".to_owned()));
                };
                let cart_id = match cart::add(conn, None, product, 1, currency) {
                    Ok(id) => id,
                    Err(e) => return Ok(Err(format!("the cart refused the product: {e}"))),
                };
                Ok(match create::place(conn, Some(cart_id), &checkout, &ctx) {
                    Ok(placed) => Ok(placed),
                    Err(PlaceError::Db(e)) => return Err(e),
                    Err(e) => Err(format!("the order was not placed: {e}")),
                })
            })
            .await
            .map_err(|e: DbError| format!("database: {e}"))??;
        Ok(TestOrder {
            id: placed.id,
            number: placed.number,
            token: placed.access_token,
        })
    }

    /// The order's latest payment attempt.
    pub(super) async fn latest_attempt(
        &self,
        order: &TestOrder,
    ) -> Result<Option<PaymentAttempt>, String> {
        let order_id = order.id;
        self.payments
            .db
            .run(move |conn| {
                payment_attempts::table
                    .filter(payment_attempts::order_id.eq(order_id))
                    .order(payment_attempts::sequence.desc())
                    .select(PaymentAttempt::as_select())
                    .first(conn)
                    .optional()
                    .map_err(DbError::from)
            })
            .await
            .map_err(|e| format!("database: {e}"))
    }

    /// Tokenises `number` through `/payment_methods` with the test address, as the JS SDK's
    /// card frame does in the shopper's browser; returns the `customerPaymentMethodId`.
    pub(super) async fn tokenise(&self, number: &str) -> Result<String, String> {
        let request = PaymentMethodRequest {
            billing_detail: ContactDetails {
                address: Address {
                    line1: STREET.into(),
                    line2: None,
                    city: CITY.into(),
                    country: COUNTRY.into(),
                    state: STATE.into(),
                    postal_code: ZIP.into(),
                },
                email: Some(EMAIL.into()),
                first_name: FIRST_NAME.into(),
                last_name: LAST_NAME.into(),
                phone: PHONE.into(),
            },
            card: Card {
                card_no: SecretString::from(number),
                card_expire_month: "12".into(),
                card_expire_year: expiry_year(),
                card_security_code: SecretString::from("123"),
                issuing_bank: None,
            },
            customer_id: None,
        };
        self.payments
            .gateway
            .create_payment_method(&request)
            .await
            .map(|pm| pm.customer_payment_method_id)
            .map_err(|e| format!("/payment_methods: {e}"))
    }

    /// Posts `form` to the simulator's page at `url` as a browser would and returns where it
    /// sends the browser next (an absolute URL).
    pub(super) async fn post_page(
        &self,
        url: &str,
        form: &[(&str, &str)],
    ) -> Result<String, String> {
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| format!("{url} answered {status} without sending the browser on"))?;
        let base = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
        base.join(location)
            .map(String::from)
            .map_err(|e| format!("{location}: {e}"))
    }

    /// Pays on the simulator's hosted page with `number`; returns where the browser goes next.
    pub(super) async fn pay_on_hosted_page(
        &self,
        page: &str,
        number: &str,
    ) -> Result<String, String> {
        let year = expiry_year();
        self.post_page(
            page,
            &[
                ("cardNo", number),
                ("cardExpireMonth", "12"),
                ("cardExpireYear", &year),
                ("cardSecurityCode", "123"),
                ("cardHolderName", "Self-test AsiaBill"),
            ],
        )
        .await
    }

    /// Follows a return URL to the shop as the browser does; returns the HTTP status and where
    /// the shop sent the browser.
    pub(super) async fn follow_return(&self, url: &str) -> Result<(u16, Option<String>), String> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|e| format!("{url}: {e}"))?;
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        Ok((response.status().as_u16(), location))
    }
}

/// A card expiry year that is always in the future and within AsiaBill's ten years.
fn expiry_year() -> String {
    use chrono::Datelike;
    (chrono::Utc::now().year() + 3).to_string()
}

/// `url` with its `signInfo` parameter replaced by one that cannot be right.
pub fn forged(url: &str) -> Option<String> {
    let mut parsed = url::Url::parse(url).ok()?;
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if !pairs.iter().any(|(k, _)| k == "signInfo") {
        return None;
    }
    parsed
        .query_pairs_mut()
        .clear()
        .extend_pairs(pairs.iter().map(|(k, v)| {
            if k == "signInfo" {
                (k.as_str(), "0".repeat(64))
            } else {
                (k.as_str(), v.clone())
            }
        }));
    Some(parsed.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forged_return_differs_only_in_its_signature() {
        let url = "http://shop/payment/asiabill/return?orderNo=A-1&signInfo=ABC&code=0000";
        let changed = forged(url).expect("has a signature");
        assert!(changed.contains("orderNo=A-1"));
        assert!(changed.contains("code=0000"));
        assert!(changed.contains(&format!("signInfo={}", "0".repeat(64))));
        assert!(forged("http://shop/return?orderNo=A-1").is_none());
    }
}
