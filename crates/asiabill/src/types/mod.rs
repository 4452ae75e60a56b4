//! Typed requests and answers of every V2022-03 endpoint, with AsiaBill's field names.
//!
//! Rust fields are the documented names in snake case (`orderNo` → `order_no`). An amount is
//! one [`Money`] field named after the amount (`order_amount`); its currency becomes the
//! matching currency field (`orderCurrency`) on the wire. Requests serialize to the exact JSON
//! that is signed and sent; answers deserialize from AsiaBill's JSON and serialize back to it
//! (amounts as decimal strings), so a simulator can emit them too.

mod customer;
mod logistics;
mod payment;
mod query;
mod refund;

pub use customer::*;
pub use logistics::*;
pub use payment::*;
pub use query::*;
pub use refund::*;

use serde::{Deserialize, Serialize, Serializer};

use crate::Error;
use crate::currency::Money;

/// One line of `goodsDetails`: `{goodsTitle, goodsCount, goodsPrice}`, all sent as strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoodsDetail {
    /// `goodsTitle`: the product name.
    pub goods_title: String,
    /// `goodsCount`: the quantity.
    pub goods_count: u32,
    /// `goodsPrice`: the unit price, in the order's currency.
    pub goods_price: Money,
}

impl Serialize for GoodsDetail {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            goods_title: &'a str,
            goods_count: String,
            goods_price: String,
        }
        Wire {
            goods_title: &self.goods_title,
            goods_count: self.goods_count.to_string(),
            goods_price: self.goods_price.to_gateway_string(),
        }
        .serialize(s)
    }
}

/// A postal address in the nested form of `/confirmCharge` `shipping` and `billingDetail`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `line1`.
    #[serde(default)]
    pub line1: String,
    /// `line2`, optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line2: Option<String>,
    /// `city`.
    #[serde(default)]
    pub city: String,
    /// `country`: ISO 3166 alpha-2, e.g. `US`.
    #[serde(default)]
    pub country: String,
    /// `state`: ISO 3166-2 code for US and CA.
    #[serde(default)]
    pub state: String,
    /// `postalCode`.
    #[serde(default)]
    pub postal_code: String,
}

/// A person with an address: `shipping` of `/confirmCharge` and `billingDetail` of payment
/// methods share this shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContactDetails {
    /// `address`.
    #[serde(default)]
    pub address: Address,
    /// `email`, optional on shipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// `firstName`.
    #[serde(default)]
    pub first_name: String,
    /// `lastName`.
    #[serde(default)]
    pub last_name: String,
    /// `phone`.
    #[serde(default)]
    pub phone: String,
}

/// The flat `billingAddress` of `/checkout/payment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingAddress {
    /// `address`: line 1 and line 2 joined by a space.
    pub address: String,
    /// `city`.
    pub city: String,
    /// `country`: ISO 3166 alpha-2.
    pub country: String,
    /// `email`.
    pub email: String,
    /// `firstName`.
    pub first_name: String,
    /// `lastName`.
    pub last_name: String,
    /// `phone`.
    pub phone: String,
    /// `state`.
    pub state: String,
    /// `zip`.
    pub zip: String,
}

/// The flat `deliveryAddress` of `/checkout/payment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryAddress {
    /// `shipAddress`.
    pub ship_address: String,
    /// `shipCity`.
    pub ship_city: String,
    /// `shipCountry`.
    pub ship_country: String,
    /// `shipFirstName`.
    pub ship_first_name: String,
    /// `shipLastName`.
    pub ship_last_name: String,
    /// `shipPhone`.
    pub ship_phone: String,
    /// `shipState`.
    pub ship_state: String,
    /// `shipZip`.
    pub ship_zip: String,
}

/// `page` of a paged answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    /// `pageIndex`: this page, from 1.
    #[serde(default, with = "count")]
    pub page_index: u64,
    /// `pageSize`.
    #[serde(default, with = "count")]
    pub page_size: u64,
    /// `total`: rows in all pages.
    #[serde(default, with = "count")]
    pub total: u64,
}

mod count {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use crate::wire::Count;

    pub fn serialize<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        Count(*value).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
        Count::deserialize(d).map(|c| c.0)
    }
}

/// An answer whose `data` this crate does not use (deletes, attach/detach, updates whose
/// answer is not documented): only the envelope's code matters.
pub type Ignored = serde::de::IgnoredAny;

/// Refuses an amount AsiaBill would refuse: not positive, or longer than 16 characters.
pub(crate) fn check_amount(field: &str, amount: &Money) -> Result<(), Error> {
    if amount.minor() <= 0 {
        return Err(Error::InvalidRequest(format!("{field} must be positive")));
    }
    if amount.to_gateway_string().len() > 16 {
        return Err(Error::InvalidRequest(format!(
            "{field} is longer than AsiaBill's 16 characters"
        )));
    }
    Ok(())
}

/// Refuses a text outside AsiaBill's length limits (counted in characters).
pub(crate) fn check_len(field: &str, text: &str, min: usize, max: usize) -> Result<(), Error> {
    let len = text.chars().count();
    if len < min || len > max {
        return Err(Error::InvalidRequest(format!(
            "{field} must be {min} to {max} characters, not {len}"
        )));
    }
    Ok(())
}

/// Refuses goods whose prices are not in the order's currency, or whose count is zero.
pub(crate) fn check_goods(goods: &[GoodsDetail], order_amount: &Money) -> Result<(), Error> {
    for line in goods {
        if line.goods_price.currency() != order_amount.currency() {
            return Err(Error::InvalidRequest(format!(
                "goods `{}` is priced in {}, the order in {}",
                line.goods_title,
                line.goods_price.currency(),
                order_amount.currency()
            )));
        }
        if line.goods_price.minor() < 0 || line.goods_count == 0 {
            return Err(Error::InvalidRequest(format!(
                "goods `{}` needs a count and a price",
                line.goods_title
            )));
        }
    }
    Ok(())
}
