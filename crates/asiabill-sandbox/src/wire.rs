//! Request and reply shapes shared by several endpoints (section 11), spelt exactly as AsiaBill
//! spells them. Unknown fields are refused so that a misspelt name fails here, not silently.

use asiabill::currency::{Currency, Money};
use serde::{Deserialize, Serialize};

use crate::envelope::{Rejection, codes};

/// A postal address inside `billingDetail` and `shipping` (section 11.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// First address line.
    #[serde(default)]
    pub line1: String,
    /// Second address line.
    #[serde(default)]
    pub line2: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// ISO 3166 alpha-2 country.
    #[serde(default)]
    pub country: String,
    /// State or province.
    #[serde(default)]
    pub state: String,
    /// Postal code.
    #[serde(default)]
    pub postal_code: String,
    /// Accepted and ignored: the official PHP demo sends `zip` here by mistake (section 16.6).
    #[serde(default, skip_serializing)]
    pub zip: Option<String>,
}

/// `billingDetail` of a payment method.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BillingDetail {
    /// Postal address.
    #[serde(default)]
    pub address: Address,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// `shipping` of a confirmCharge.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Shipping {
    /// Postal address.
    #[serde(default)]
    pub address: Address,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
}

/// `billingAddress` of a hosted checkout (flat).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BillingAddress {
    /// Street address (line1 + " " + line2).
    #[serde(default)]
    pub address: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Country.
    #[serde(default)]
    pub country: String,
    /// E-mail.
    #[serde(default)]
    pub email: String,
    /// First name.
    #[serde(default)]
    pub first_name: String,
    /// Last name.
    #[serde(default)]
    pub last_name: String,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// State.
    #[serde(default)]
    pub state: String,
    /// Postal code.
    #[serde(default)]
    pub zip: String,
}

/// `deliveryAddress` of a hosted checkout.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeliveryAddress {
    /// Street address.
    #[serde(default)]
    pub ship_address: String,
    /// City.
    #[serde(default)]
    pub ship_city: String,
    /// Country.
    #[serde(default)]
    pub ship_country: String,
    /// First name.
    #[serde(default)]
    pub ship_first_name: String,
    /// Last name.
    #[serde(default)]
    pub ship_last_name: String,
    /// Phone.
    #[serde(default)]
    pub ship_phone: String,
    /// State.
    #[serde(default)]
    pub ship_state: String,
    /// Postal code.
    #[serde(default)]
    pub ship_zip: String,
}

/// One line of `goodsDetails`; all values are strings (section 11.4).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GoodsDetail {
    /// Product name.
    pub goods_title: String,
    /// Quantity, an integer string.
    pub goods_count: String,
    /// Unit price, a decimal string.
    pub goods_price: String,
}

/// `page` of a paginated reply.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page {
    pub page_index: usize,
    pub page_size: usize,
    pub total: usize,
}

/// A paginated reply: `{page, list}`.
#[derive(Debug, Serialize)]
pub(crate) struct Paged<T: Serialize> {
    pub page: Page,
    pub list: Vec<T>,
}

impl<T: Serialize + Clone> Paged<T> {
    /// One page of `all`; `page_index` starts at 1.
    pub fn of(all: &[T], page_index: usize, page_size: usize) -> Self {
        let start = page_index.saturating_sub(1).saturating_mul(page_size);
        Paged {
            page: Page {
                page_index,
                page_size,
                total: all.len(),
            },
            list: all.iter().skip(start).take(page_size).cloned().collect(),
        }
    }
}

/// Refuses an empty required string.
pub(crate) fn require(value: &str, field: &str) -> Result<(), Rejection> {
    if value.trim().is_empty() {
        Err(Rejection::missing(field))
    } else {
        Ok(())
    }
}

/// Refuses a string longer than `max` characters.
pub(crate) fn max_len(value: &str, field: &str, max: usize) -> Result<(), Rejection> {
    if value.chars().count() > max {
        Err(Rejection::new(
            codes::BAD_FIELD,
            format!("{field} must be at most {max} characters"),
        ))
    } else {
        Ok(())
    }
}

/// Refuses a present but empty or too long optional string.
pub(crate) fn optional_len(value: Option<&str>, field: &str, max: usize) -> Result<(), Rejection> {
    value.map_or(Ok(()), |v| max_len(v, field, max))
}

/// `Some` for a present, non-blank string.
pub(crate) fn non_blank(value: Option<&String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty()).cloned()
}

/// Reads `orderCurrency`.
pub(crate) fn parse_currency(code: &str, field: &str) -> Result<Currency, Rejection> {
    require(code, field)?;
    Currency::parse(code).map_err(|e| Rejection::new(codes::BAD_CURRENCY, format!("{field}: {e}")))
}

/// Reads a positive decimal amount string in `currency` (section 11.1).
pub(crate) fn parse_amount(
    text: &str,
    currency: Currency,
    field: &str,
) -> Result<Money, Rejection> {
    require(text, field)?;
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (well_formed, decimals) = match text.split_once('.') {
        Some((w, f)) => (all_digits(w) && all_digits(f), f.len()),
        None => (all_digits(text), 0),
    };
    if well_formed && decimals > usize::from(currency.decimals()) {
        return Err(Rejection::new(
            codes::TOO_MANY_DECIMALS,
            format!(
                "{field} {text} has more decimals than {} allows ({})",
                currency.code(),
                currency.decimals()
            ),
        ));
    }
    let bad = || {
        Rejection::new(
            codes::BAD_AMOUNT,
            format!("{field} {text} is not a valid {} amount", currency.code()),
        )
    };
    if text.len() > 16 {
        return Err(bad());
    }
    let money = Money::parse_gateway_string(text, currency).map_err(|_| bad())?;
    if money.minor() <= 0 {
        return Err(bad());
    }
    Ok(money)
}

/// Checks `goodsDetails` lines: a title and an integer count each.
pub(crate) fn check_goods(goods: &[GoodsDetail]) -> Result<(), Rejection> {
    for (i, g) in goods.iter().enumerate() {
        require(&g.goods_title, &format!("goodsDetails[{i}].goodsTitle"))?;
        if g.goods_count.is_empty() || !g.goods_count.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                format!("goodsDetails[{i}].goodsCount must be an integer string"),
            ));
        }
        require(&g.goods_price, &format!("goodsDetails[{i}].goodsPrice"))?;
    }
    Ok(())
}

/// Checks the fields `/confirmCharge` and `/checkout/payment` share (sections 5.4, 11.6).
pub(crate) struct CommonFields<'a> {
    pub order_no: &'a str,
    pub is_mobile: Option<&'a str>,
    pub platform: Option<&'a str>,
    pub remark: Option<&'a str>,
    pub web_site: Option<&'a str>,
    pub callback_url: Option<&'a str>,
    pub return_url: Option<&'a str>,
    pub customer_ip: Option<&'a str>,
}

impl CommonFields<'_> {
    pub fn check(&self) -> Result<(), Rejection> {
        require(self.order_no, "orderNo")?;
        max_len(self.order_no, "orderNo", 50)?;
        if let Some(m) = self.is_mobile.filter(|m| !m.is_empty())
            && !["0", "1", "2", "3"].contains(&m)
        {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                "isMobile must be 0, 1, 2 or 3",
            ));
        }
        optional_len(self.platform, "platform", 10)?;
        optional_len(self.remark, "remark", 500)?;
        optional_len(self.web_site, "webSite", 200)?;
        optional_len(self.callback_url, "callbackUrl", 1000)?;
        optional_len(self.return_url, "returnUrl", 1000)?;
        optional_len(self.customer_ip, "customerIp", 50)
    }
}
