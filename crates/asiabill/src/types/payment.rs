//! Paying: session tokens for the in-site SDK, `/confirmCharge` (in-site and saved cards),
//! `/checkout/payment` (hosted page), and `/AuthorizeInterface` (capture or void).

use serde::{Deserialize, Serialize, Serializer};

use super::{
    BillingAddress, ContactDetails, DeliveryAddress, GoodsDetail, check_amount, check_goods,
    check_len,
};
use crate::Error;
use crate::codes::{AuthType, IsMobile, OrderStatus, TokenType};
use crate::currency::Money;
use crate::endpoint::{ApiCall, Endpoint, Host, HttpMethod, PathSegment};
use crate::wire::{self, Text};

/// `POST /sessionToken`: a token for the in-site JavaScript SDK, valid 30 minutes. Create one
/// per payment attempt.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionTokenRequest;

/// The answer of `/sessionToken`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionToken {
    /// `sessionToken`: hand it to the page as `AsiabillPay(sessionToken)`.
    pub session_token: String,
}

impl Endpoint for SessionTokenRequest {
    type Data = SessionToken;

    fn call(&self) -> Result<ApiCall, Error> {
        // The SDK posts with no body at all, so only the header part is signed.
        Ok(ApiCall::new(
            Host::Payment,
            HttpMethod::Post,
            vec![PathSegment::Fixed("sessionToken")],
        ))
    }
}

/// `POST /confirmCharge`: charge a payment method created by the in-site SDK (or saved).
///
/// Build it with [`ConfirmChargeRequest::new`] and set the optional fields. AsiaBill's
/// integration checklist asks for `callbackUrl`, `goodsDetails` and `customerIp` on every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmChargeRequest {
    /// `orderNo`: the merchant's order number for this attempt, 1–50 characters.
    pub order_no: String,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `customerPaymentMethodId`: the `pm_…` id from the JS SDK or `/payment_methods`.
    pub customer_payment_method_id: String,
    /// `customerId`: `cus_…`, required for recurring charges.
    pub customer_id: Option<String>,
    /// `tokenType`: set for subscription charges.
    pub token_type: Option<TokenType>,
    /// `customerIp`: the shopper's IP address.
    pub customer_ip: String,
    /// `isMobile`.
    pub is_mobile: IsMobile,
    /// `goodsDetails`, priced in the order's currency.
    pub goods_details: Vec<GoodsDetail>,
    /// `shipping`.
    pub shipping: Option<ContactDetails>,
    /// `callbackUrl`: where the webhook goes.
    pub callback_url: Option<String>,
    /// `returnUrl`: where the shopper lands after 3-D Secure.
    pub return_url: Option<String>,
    /// `webSite`: the shop's URL.
    pub web_site: Option<String>,
    /// `platform`: integration name, at most 10 characters.
    pub platform: Option<String>,
    /// `remark`: echoed back in answers and webhooks, at most 500 characters.
    pub remark: Option<String>,
}

impl ConfirmChargeRequest {
    /// A charge with the required fields; the rest start empty and `isMobile` as web.
    pub fn new(
        order_no: impl Into<String>,
        order_amount: Money,
        customer_payment_method_id: impl Into<String>,
        customer_ip: impl Into<String>,
    ) -> Self {
        ConfirmChargeRequest {
            order_no: order_no.into(),
            order_amount,
            customer_payment_method_id: customer_payment_method_id.into(),
            customer_id: None,
            token_type: None,
            customer_ip: customer_ip.into(),
            is_mobile: IsMobile::Web,
            goods_details: Vec::new(),
            shipping: None,
            callback_url: None,
            return_url: None,
            web_site: None,
            platform: None,
            remark: None,
        }
    }
}

impl Serialize for ConfirmChargeRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            order_no: &'a str,
            order_amount: String,
            order_currency: &'static str,
            customer_payment_method_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            customer_id: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            token_type: Option<TokenType>,
            customer_ip: &'a str,
            is_mobile: IsMobile,
            goods_details: &'a [GoodsDetail],
            #[serde(skip_serializing_if = "Option::is_none")]
            shipping: Option<&'a ContactDetails>,
            #[serde(skip_serializing_if = "Option::is_none")]
            callback_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            return_url: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            web_site: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            platform: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            remark: Option<&'a str>,
        }
        Wire {
            order_no: &self.order_no,
            order_amount: self.order_amount.to_gateway_string(),
            order_currency: self.order_amount.currency().code(),
            customer_payment_method_id: &self.customer_payment_method_id,
            customer_id: self.customer_id.as_deref(),
            token_type: self.token_type,
            customer_ip: &self.customer_ip,
            is_mobile: self.is_mobile,
            goods_details: &self.goods_details,
            shipping: self.shipping.as_ref(),
            callback_url: self.callback_url.as_deref(),
            return_url: self.return_url.as_deref(),
            web_site: self.web_site.as_deref(),
            platform: self.platform.as_deref(),
            remark: self.remark.as_deref(),
        }
        .serialize(s)
    }
}

impl Endpoint for ConfirmChargeRequest {
    type Data = PaymentResponse;

    fn call(&self) -> Result<ApiCall, Error> {
        check_order(&self.order_no, &self.order_amount, &self.goods_details)?;
        check_len(
            "customerPaymentMethodId",
            &self.customer_payment_method_id,
            1,
            100,
        )?;
        check_len("customerIp", &self.customer_ip, 1, 50)?;
        if self.token_type.is_some() && self.customer_id.is_none() {
            return Err(Error::InvalidRequest(
                "a recurring charge (tokenType) needs customerId".into(),
            ));
        }
        check_common(
            self.platform.as_deref(),
            self.remark.as_deref(),
            self.web_site.as_deref(),
            [self.callback_url.as_deref(), self.return_url.as_deref()],
        )?;
        ApiCall::post_json(
            Host::Payment,
            vec![PathSegment::Fixed("confirmCharge")],
            self,
        )
    }
}

/// `paymentMethod` for card payments on the hosted page.
pub const CREDIT_CARD: &str = "Credit Card";

/// `POST /checkout/payment`: create a hosted-page payment and get its `redirectUrl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutPaymentRequest {
    /// `orderNo`: 1–50 characters.
    pub order_no: String,
    /// `orderAmount` and `orderCurrency`.
    pub order_amount: Money,
    /// `paymentMethod`: [`CREDIT_CARD`] or a local method such as `Alipay`.
    pub payment_method: String,
    /// `billingAddress`.
    pub billing_address: BillingAddress,
    /// `deliveryAddress`.
    pub delivery_address: Option<DeliveryAddress>,
    /// `goodsDetails`, priced in the order's currency.
    pub goods_details: Vec<GoodsDetail>,
    /// `customerId`: sent as `""` when absent, as AsiaBill's SDK does.
    pub customer_id: Option<String>,
    /// `customerIp`: optional for redirect payments, but AsiaBill's plugins send it.
    pub customer_ip: Option<String>,
    /// `isMobile`.
    pub is_mobile: IsMobile,
    /// `platform`, at most 10 characters.
    pub platform: Option<String>,
    /// `remark`, at most 500 characters.
    pub remark: Option<String>,
    /// `webSite`.
    pub web_site: Option<String>,
    /// `returnUrl`: where the shopper lands after paying or cancelling.
    pub return_url: String,
    /// `callbackUrl`: where the webhook goes.
    pub callback_url: Option<String>,
}

impl CheckoutPaymentRequest {
    /// A card payment on the hosted page with the required fields; the rest start empty.
    pub fn new(
        order_no: impl Into<String>,
        order_amount: Money,
        billing_address: BillingAddress,
        return_url: impl Into<String>,
    ) -> Self {
        CheckoutPaymentRequest {
            order_no: order_no.into(),
            order_amount,
            payment_method: CREDIT_CARD.to_owned(),
            billing_address,
            delivery_address: None,
            goods_details: Vec::new(),
            customer_id: None,
            customer_ip: None,
            is_mobile: IsMobile::Web,
            platform: None,
            remark: None,
            web_site: None,
            return_url: return_url.into(),
            callback_url: None,
        }
    }
}

impl Serialize for CheckoutPaymentRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Wire<'a> {
            order_no: &'a str,
            order_amount: String,
            order_currency: &'static str,
            payment_method: &'a str,
            billing_address: &'a BillingAddress,
            #[serde(skip_serializing_if = "Option::is_none")]
            delivery_address: Option<&'a DeliveryAddress>,
            goods_details: &'a [GoodsDetail],
            customer_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            customer_ip: Option<&'a str>,
            is_mobile: IsMobile,
            #[serde(skip_serializing_if = "Option::is_none")]
            platform: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            remark: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            web_site: Option<&'a str>,
            return_url: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            callback_url: Option<&'a str>,
        }
        Wire {
            order_no: &self.order_no,
            order_amount: self.order_amount.to_gateway_string(),
            order_currency: self.order_amount.currency().code(),
            payment_method: &self.payment_method,
            billing_address: &self.billing_address,
            delivery_address: self.delivery_address.as_ref(),
            goods_details: &self.goods_details,
            customer_id: self.customer_id.as_deref().unwrap_or_default(),
            customer_ip: self.customer_ip.as_deref(),
            is_mobile: self.is_mobile,
            platform: self.platform.as_deref(),
            remark: self.remark.as_deref(),
            web_site: self.web_site.as_deref(),
            return_url: &self.return_url,
            callback_url: self.callback_url.as_deref(),
        }
        .serialize(s)
    }
}

impl Endpoint for CheckoutPaymentRequest {
    type Data = PaymentResponse;

    fn call(&self) -> Result<ApiCall, Error> {
        check_order(&self.order_no, &self.order_amount, &self.goods_details)?;
        check_len("paymentMethod", &self.payment_method, 1, 100)?;
        check_common(
            self.platform.as_deref(),
            self.remark.as_deref(),
            self.web_site.as_deref(),
            [Some(self.return_url.as_str()), self.callback_url.as_deref()],
        )?;
        ApiCall::post_json(
            Host::Payment,
            vec![
                PathSegment::Fixed("checkout"),
                PathSegment::Fixed("payment"),
            ],
            self,
        )
    }
}

fn check_order(order_no: &str, amount: &Money, goods: &[GoodsDetail]) -> Result<(), Error> {
    check_len("orderNo", order_no, 1, 50)?;
    check_amount("orderAmount", amount)?;
    check_goods(goods, amount)
}

fn check_common(
    platform: Option<&str>,
    remark: Option<&str>,
    web_site: Option<&str>,
    urls: [Option<&str>; 2],
) -> Result<(), Error> {
    if let Some(platform) = platform {
        check_len("platform", platform, 1, 10)?;
    }
    if let Some(remark) = remark {
        check_len("remark", remark, 0, 500)?;
    }
    if let Some(web_site) = web_site {
        check_len("webSite", web_site, 1, 200)?;
    }
    for url in urls.into_iter().flatten() {
        check_len("returnUrl/callbackUrl", url, 1, 1000)?;
    }
    Ok(())
}

/// The answer of `/confirmCharge` and `/checkout/payment`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "PaymentWire", into = "PaymentWire")]
pub struct PaymentResponse {
    /// `redirectUrl`: when present, send the shopper there (hosted page, 3-D Secure, local
    /// payment); the result then comes by returnUrl and webhook. An empty string reads as `None`.
    pub redirect_url: Option<String>,
    /// `orderStatus`.
    pub order_status: OrderStatus,
    /// `orderInfo`: the status text, e.g. `Transaction Approved`, or why it failed.
    pub order_info: String,
    /// `tradeNo`: AsiaBill's transaction number.
    pub trade_no: String,
    /// `orderNo`: echo.
    pub order_no: String,
    /// `orderAmount` and `orderCurrency`: echo.
    pub order_amount: Money,
    /// `remark`: echo.
    pub remark: Option<String>,
    /// `riskInfos`, whose shape is not documented; kept as received.
    pub risk_infos: Option<serde_json::Value>,
    /// `maskCardNo`: first six and last four digits (`confirmCharge` only).
    pub mask_card_no: Option<String>,
}

/// The answer of `/confirmCharge`.
pub type ConfirmChargeResponse = PaymentResponse;
/// The answer of `/checkout/payment`.
pub type CheckoutPaymentResponse = PaymentResponse;

/// What the merchant does next with a [`PaymentResponse`] (section 5.4, "merchant handling").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextStep<'a> {
    /// Redirect the shopper to this URL; the result arrives later.
    Redirect(&'a str),
    /// Paid.
    Succeeded,
    /// Not final: wait for the webhook or query.
    Pending,
    /// Declined, with `orderInfo` to show.
    Failed(&'a str),
}

impl PaymentResponse {
    /// Redirect when there is a `redirectUrl`, else follow `orderStatus`.
    pub fn next_step(&self) -> NextStep<'_> {
        match (&self.redirect_url, self.order_status) {
            (Some(url), _) => NextStep::Redirect(url),
            (None, OrderStatus::Success) => NextStep::Succeeded,
            (None, OrderStatus::Pending) => NextStep::Pending,
            (None, OrderStatus::Fail) => NextStep::Failed(&self.order_info),
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PaymentWire {
    #[serde(default)]
    redirect_url: Option<String>,
    #[serde(with = "wire::text")]
    order_no: String,
    #[serde(with = "wire::text")]
    trade_no: String,
    order_amount: Text,
    order_currency: String,
    order_status: OrderStatus,
    #[serde(default)]
    order_info: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    remark: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    risk_infos: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    mask_card_no: Option<String>,
}

impl TryFrom<PaymentWire> for PaymentResponse {
    type Error = String;

    fn try_from(w: PaymentWire) -> Result<Self, String> {
        Ok(PaymentResponse {
            order_amount: wire::money(&w.order_amount.0, &w.order_currency)?,
            redirect_url: wire::non_empty(w.redirect_url),
            order_status: w.order_status,
            order_info: w.order_info,
            trade_no: w.trade_no,
            order_no: w.order_no,
            remark: w.remark,
            risk_infos: w.risk_infos,
            mask_card_no: wire::non_empty(w.mask_card_no),
        })
    }
}

impl From<PaymentResponse> for PaymentWire {
    fn from(r: PaymentResponse) -> Self {
        PaymentWire {
            // AsiaBill writes "no redirect" as an empty string, not null.
            redirect_url: Some(r.redirect_url.unwrap_or_default()),
            order_no: r.order_no,
            trade_no: r.trade_no,
            order_amount: Text(r.order_amount.to_gateway_string()),
            order_currency: r.order_amount.currency().code().to_owned(),
            order_status: r.order_status,
            order_info: r.order_info,
            remark: r.remark,
            risk_infos: r.risk_infos,
            mask_card_no: r.mask_card_no,
        }
    }
}

/// `POST /AuthorizeInterface`: capture or void a pre-authorization. Sent to the payment host,
/// as AsiaBill's API Explorer says (its SDKs disagree; section 16.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeRequest {
    /// `authType`: capture or void.
    pub auth_type: AuthType,
    /// `tradeNo` of the authorization, 1–64 characters.
    pub trade_no: String,
    /// `operator`: who did it, at most 20 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// `remark`, at most 500 characters.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remark: Option<String>,
}

impl AuthorizeRequest {
    /// Capture the authorization `trade_no`.
    pub fn capture(trade_no: impl Into<String>) -> Self {
        AuthorizeRequest {
            auth_type: AuthType::Capture,
            trade_no: trade_no.into(),
            operator: None,
            remark: None,
        }
    }

    /// Void the authorization `trade_no`.
    pub fn void(trade_no: impl Into<String>) -> Self {
        AuthorizeRequest {
            auth_type: AuthType::Void,
            ..AuthorizeRequest::capture(trade_no)
        }
    }
}

impl Endpoint for AuthorizeRequest {
    type Data = AuthorizeResponse;

    fn call(&self) -> Result<ApiCall, Error> {
        check_len("tradeNo", &self.trade_no, 1, 64)?;
        if let Some(operator) = &self.operator {
            check_len("operator", operator, 0, 20)?;
        }
        if let Some(remark) = &self.remark {
            check_len("remark", remark, 0, 500)?;
        }
        ApiCall::post_json(
            Host::Payment,
            vec![PathSegment::Fixed("AuthorizeInterface")],
            self,
        )
    }
}

/// The answer of `/AuthorizeInterface`; the final result also comes by webhook
/// (`pre-authorized.captured` / `pre-authorized.void`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthorizeResponse {
    /// `tradeNo`.
    #[serde(with = "wire::text")]
    pub trade_no: String,
    /// `orderNo`.
    #[serde(default, with = "wire::text")]
    pub order_no: String,
    /// `orderStatus`.
    pub order_status: OrderStatus,
    /// `orderInfo`.
    #[serde(default)]
    pub order_info: String,
}
