//! `POST /checkout/payment` (section 5.5): a hosted checkout. The transaction starts `pending`
//! and the shopper pays on the simulator's page at `redirectUrl`: the card form for
//! `Credit Card`, the page of the method's family for a local method (section 5.6).

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::envelope::{Rejection, codes};
use crate::local::{CREDIT_CARD, LOCAL_METHODS, local_method};
use crate::payments::INFO_AWAITING_SHOPPER;
use crate::state::{AuthStatus, ChecklistFlag, OrderStatus, PaymentFlow, Transaction};
use crate::wire::{
    BillingAddress, CommonFields, DeliveryAddress, GoodsDetail, check_goods, non_blank,
    parse_amount, parse_currency, require,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CheckoutPayment {
    order_no: String,
    order_amount: String,
    order_currency: String,
    return_url: String,
    payment_method: Option<String>,
    billing_address: Option<BillingAddress>,
    delivery_address: Option<DeliveryAddress>,
    goods_details: Option<Vec<GoodsDetail>>,
    customer_id: Option<String>,
    customer_ip: Option<String>,
    is_mobile: Option<String>,
    platform: Option<String>,
    remark: Option<String>,
    web_site: Option<String>,
    callback_url: Option<String>,
}

/// The reply `data` (section 5.5).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CheckoutReply {
    redirect_url: String,
    order_no: String,
    trade_no: String,
    order_amount: String,
    order_currency: String,
    order_status: String,
    order_info: String,
    remark: String,
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Checkout, |call| {
        let c: CheckoutPayment = call.json()?;
        CommonFields {
            order_no: &c.order_no,
            is_mobile: c.is_mobile.as_deref(),
            platform: c.platform.as_deref(),
            remark: c.remark.as_deref(),
            web_site: c.web_site.as_deref(),
            callback_url: c.callback_url.as_deref(),
            return_url: Some(&c.return_url),
            customer_ip: c.customer_ip.as_deref(),
        }
        .check()?;
        require(&c.return_url, "returnUrl")?;
        let currency = parse_currency(&c.order_currency, "orderCurrency")?;
        let amount = parse_amount(&c.order_amount, currency, "orderAmount")?;
        let goods = c.goods_details.unwrap_or_default();
        check_goods(&goods)?;
        let payment_method = payment_method(c.payment_method.as_ref())?;
        let page_prefix = if local_method(&payment_method).is_some() {
            crate::LOCAL_PAGE_PREFIX
        } else {
            crate::HOSTED_PAGE_PREFIX
        };

        let callback_url = non_blank(c.callback_url.as_ref());
        let mut flags = Vec::new();
        if callback_url.is_none() {
            flags.push(ChecklistFlag::MissingCallbackUrl);
        }
        if goods.is_empty() {
            flags.push(ChecklistFlag::MissingGoodsDetails);
        }
        let now = Utc::now();
        let token = crate::ids::token();
        let tx = Transaction {
            trade_no: crate::ids::trade_no(now),
            order_no: c.order_no.trim().to_owned(),
            gateway_no: call.account.gateway_no.clone(),
            mer_no: call.account.mer_no.clone(),
            amount,
            flow: PaymentFlow::Hosted,
            status: OrderStatus::Pending,
            auth_status: AuthStatus::Sale,
            order_info: INFO_AWAITING_SHOPPER.to_owned(),
            mask_card_no: None,
            payment_method_id: None,
            customer_id: non_blank(c.customer_id.as_ref()),
            token_type: None,
            customer_ip: non_blank(c.customer_ip.as_ref()),
            callback_url,
            return_url: non_blank(Some(&c.return_url)),
            web_site: non_blank(c.web_site.as_ref()),
            platform: non_blank(c.platform.as_ref()),
            is_mobile: non_blank(c.is_mobile.as_ref()),
            payment_method: Some(payment_method),
            remark: c.remark.unwrap_or_default(),
            goods,
            billing_address: c.billing_address,
            delivery_address: c.delivery_address,
            shipping: None,
            created_at: now,
            flags,
            hosted_token: Some(token.clone()),
            challenge_id: None,
            refunded_minor: 0,
        };
        let reply = CheckoutReply {
            redirect_url: format!("{}{page_prefix}{token}", call.base_url()),
            order_no: tx.order_no.clone(),
            trade_no: tx.trade_no.clone(),
            order_amount: tx.amount.to_gateway_string(),
            order_currency: currency.code().to_owned(),
            order_status: tx.status.as_str().to_owned(),
            order_info: tx.order_info.clone(),
            remark: tx.remark.clone(),
        };
        Sandbox::open_transaction(&mut call.sandbox.state(), tx)?;
        Ok(reply)
    })
    .await
}

/// `paymentMethod` as AsiaBill spells it: `Credit Card` when absent or blank, else that or a
/// local method the simulator knows, matched in any case; anything else is refused, since
/// a gateway without the method bound cannot take it (section 5.6: local methods need
/// activation).
fn payment_method(sent: Option<&String>) -> Result<String, Rejection> {
    let Some(word) = non_blank(sent) else {
        return Ok(CREDIT_CARD.to_owned());
    };
    if word.trim().eq_ignore_ascii_case(CREDIT_CARD) {
        return Ok(CREDIT_CARD.to_owned());
    }
    match local_method(&word) {
        Some(method) => Ok(method.word.to_owned()),
        None => {
            let known: Vec<&str> = LOCAL_METHODS.iter().map(|m| m.word).collect();
            Err(Rejection::new(
                codes::UNKNOWN_PAYMENT_METHOD,
                format!(
                    "paymentMethod {} is not available on this gateway: use {CREDIT_CARD} or \
                     one of {}",
                    word.trim(),
                    known.join(", ")
                ),
            ))
        }
    }
}
