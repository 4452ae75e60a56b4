//! Saved customers and payment methods (card tokens), for saved cards and subscriptions
//! (sections 5.2, 5.3 and 7.3).

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use super::{ContactDetails, Ignored, Page, check_len};
use crate::Error;
use crate::endpoint::{ApiCall, Endpoint, Host, HttpMethod, PathSegment};
use crate::wire;

fn fixed(word: &'static str) -> PathSegment {
    PathSegment::Fixed(word)
}

fn param(value: &str) -> PathSegment {
    PathSegment::Param(value.to_owned())
}

/// `POST /customers`: create a customer; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerRequest {
    /// `description`, at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `email`, at most 200 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `firstName`, at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `lastName`, at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `phone`, at most 50 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl Endpoint for CustomerRequest {
    type Data = Customer;

    fn call(&self) -> Result<ApiCall, Error> {
        for (field, value, max) in [
            ("description", &self.description, 50),
            ("email", &self.email, 200),
            ("firstName", &self.first_name, 50),
            ("lastName", &self.last_name, 50),
            ("phone", &self.phone, 50),
        ] {
            if let Some(value) = value {
                check_len(field, value, 0, max)?;
            }
        }
        ApiCall::post_json(Host::Payment, vec![fixed("customers")], self)
    }
}

/// A customer as AsiaBill returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    /// `customerId`, e.g. `cus_1526760517237616640`.
    pub customer_id: String,
    /// `email`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `firstName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// `lastName`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// `phone`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// `description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `created`, in a format the docs do not give; kept as text.
    #[serde(
        default,
        with = "wire::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<String>,
}

/// `GET /customers/{customerId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerLookup {
    /// `customerId`.
    pub customer_id: String,
}

impl Endpoint for CustomerLookup {
    type Data = Customer;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![fixed("customers"), param(&self.customer_id)],
        ))
    }
}

/// `DELETE /customers/{customerId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerDelete {
    /// `customerId`.
    pub customer_id: String,
}

impl Endpoint for CustomerDelete {
    type Data = Ignored;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Delete,
            vec![fixed("customers"), param(&self.customer_id)],
        ))
    }
}

/// `GET /customers?pageIndex=&pageSize=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomersQuery {
    /// `pageIndex`, from 1.
    pub page_index: u32,
    /// `pageSize`.
    pub page_size: u32,
}

impl Endpoint for CustomersQuery {
    type Data = CustomerPage;

    fn call(&self) -> Result<ApiCall, Error> {
        let mut call = ApiCall::new(Host::Payment, HttpMethod::Get, vec![fixed("customers")]);
        call.query.push(("pageIndex", self.page_index.to_string()));
        call.query.push(("pageSize", self.page_size.to_string()));
        Ok(call)
    }
}

/// The answer of `GET /customers`. The list's key is not documented; `list` is assumed, as
/// in AsiaBill's other paged answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerPage {
    /// `page`.
    #[serde(default)]
    pub page: Page,
    /// `list`; `null` reads as empty.
    #[serde(default, deserialize_with = "wire::null_as_empty")]
    pub list: Vec<Customer>,
}

/// Raw card data for `POST /payment_methods`, which only PCI-certified merchants may send;
/// everyone else lets the in-site JavaScript SDK collect the card. The number and the security
/// code never appear in `Debug`.
#[derive(Clone)]
pub struct Card {
    /// `cardNo`.
    pub card_no: SecretString,
    /// `cardExpireMonth`: two digits, e.g. `12`.
    pub card_expire_month: String,
    /// `cardExpireYear`: four digits, e.g. `2025`.
    pub card_expire_year: String,
    /// `cardSecurityCode`: three digits.
    pub card_security_code: SecretString,
    /// `issuingBank`, sent by the JS SDK; optional.
    pub issuing_bank: Option<String>,
}

impl fmt::Debug for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Card")
            .field("card_no", &"[redacted]")
            .field("card_expire_month", &self.card_expire_month)
            .field("card_expire_year", &self.card_expire_year)
            .field("card_security_code", &"[redacted]")
            .field("issuing_bank", &self.issuing_bank)
            .finish()
    }
}

impl Serialize for Card {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            card_no: &'a str,
            card_expire_month: &'a str,
            card_expire_year: &'a str,
            card_security_code: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            issuing_bank: Option<&'a str>,
        }
        Wire {
            card_no: self.card_no.expose_secret(),
            card_expire_month: &self.card_expire_month,
            card_expire_year: &self.card_expire_year,
            card_security_code: self.card_security_code.expose_secret(),
            issuing_bank: self.issuing_bank.as_deref(),
        }
        .serialize(s)
    }
}

/// `POST /payment_methods` (PCI merchants only): store a card, attached to `customerId` when
/// one is given.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodRequest {
    /// `billingDetail`.
    pub billing_detail: ContactDetails,
    /// `card`.
    pub card: Card,
    /// `customerId`, at most 100 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
}

impl Endpoint for PaymentMethodRequest {
    type Data = PaymentMethod;

    fn call(&self) -> Result<ApiCall, Error> {
        if let Some(id) = &self.customer_id {
            check_len("customerId", id, 1, 100)?;
        }
        ApiCall::post_json(Host::Payment, vec![fixed("payment_methods")], self)
    }
}

/// `POST /payment_methods/update`: replace a method's billing details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethodUpdate {
    /// `customerPaymentMethodId`.
    pub customer_payment_method_id: String,
    /// `billingDetail`.
    pub billing_detail: ContactDetails,
}

impl Endpoint for PaymentMethodUpdate {
    /// The answer's `data` is not documented, so only its code is used.
    type Data = Ignored;

    fn call(&self) -> Result<ApiCall, Error> {
        check_len(
            "customerPaymentMethodId",
            &self.customer_payment_method_id,
            1,
            100,
        )?;
        ApiCall::post_json(
            Host::Payment,
            vec![fixed("payment_methods"), fixed("update")],
            self,
        )
    }
}

/// `GET /payment_methods/{customerPaymentMethodId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethodLookup {
    /// `customerPaymentMethodId`.
    pub customer_payment_method_id: String,
}

impl Endpoint for PaymentMethodLookup {
    type Data = PaymentMethod;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                fixed("payment_methods"),
                param(&self.customer_payment_method_id),
            ],
        ))
    }
}

/// `GET /payment_methods/list/{customerId}`: a customer's saved methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethodList {
    /// `customerId`.
    pub customer_id: String,
}

impl Endpoint for PaymentMethodList {
    type Data = Vec<PaymentMethod>;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                fixed("payment_methods"),
                fixed("list"),
                param(&self.customer_id),
            ],
        ))
    }
}

/// `GET /payment_methods/{customerPaymentMethodId}/detach`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethodDetach {
    /// `customerPaymentMethodId`.
    pub customer_payment_method_id: String,
}

impl Endpoint for PaymentMethodDetach {
    /// The answer's `data` is not documented, so only its code is used.
    type Data = Ignored;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                fixed("payment_methods"),
                param(&self.customer_payment_method_id),
                fixed("detach"),
            ],
        ))
    }
}

/// `GET /payment_methods/{customerPaymentMethodId}/{customerId}/attach`: save a method used
/// in a payment to a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentMethodAttach {
    /// `customerPaymentMethodId`.
    pub customer_payment_method_id: String,
    /// `customerId`.
    pub customer_id: String,
}

impl Endpoint for PaymentMethodAttach {
    /// The answer's `data` is not documented, so only its code is used.
    type Data = Ignored;

    fn call(&self) -> Result<ApiCall, Error> {
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Get,
            vec![
                fixed("payment_methods"),
                param(&self.customer_payment_method_id),
                param(&self.customer_id),
                fixed("attach"),
            ],
        ))
    }
}

/// A stored payment method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentMethod {
    /// `customerPaymentMethodId`, e.g. `pm_1526760521989763072`.
    pub customer_payment_method_id: String,
    /// `billingDetail`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub billing_detail: Option<ContactDetails>,
    /// `card`: brand and last four digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<CardSummary>,
    /// `customerId`, when attached.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// `created`, kept as text.
    #[serde(
        default,
        with = "wire::opt_text",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<String>,
}

/// `card` of a stored payment method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardSummary {
    /// `brand`, e.g. `Visa`.
    #[serde(default)]
    pub brand: String,
    /// `last4`.
    #[serde(default, with = "wire::text")]
    pub last4: String,
}
