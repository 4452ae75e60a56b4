//! `POST /confirmCharge` (section 5.4): charges a payment method; a 3DS card answers `pending`
//! with a `redirectUrl` to the simulator's challenge page, except on a `Recurring` charge.
//!
//! Saved cards and subscriptions (section 7.3). Beyond its "if the first failed, redo it" the
//! API notes are silent, so these are the simulator's own rules (section 18):
//! - a method detached from its customer (or whose customer was deleted) is not charged;
//! - with a `customerId`, the method must be attached to that customer or to no one yet
//!   (save-after-pay attaches it after the payment);
//! - `tokenType=Recurring` needs the method attached to that customer and an earlier
//!   successful `InitRecurring` charge of it for that customer, and is never challenged by
//!   3-D Secure.

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::Sandbox;
use crate::api::{Success, run};
use crate::cards::CardBehaviour;
use crate::envelope::{Rejection, codes};
use crate::payments::{INFO_AWAITING_SHOPPER, PaymentStep};
use crate::state::{
    AuthStatus, ChecklistFlag, OrderStatus, PaymentFlow, PaymentMethod, TokenType, Transaction,
};
use crate::wire::{
    CommonFields, GoodsDetail, Shipping, check_goods, non_blank, parse_amount, parse_currency,
    require,
};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfirmCharge {
    order_no: String,
    order_amount: String,
    order_currency: String,
    customer_payment_method_id: String,
    customer_id: Option<String>,
    token_type: Option<String>,
    customer_ip: Option<String>,
    is_mobile: Option<String>,
    goods_details: Option<Vec<GoodsDetail>>,
    shipping: Option<Shipping>,
    callback_url: Option<String>,
    return_url: Option<String>,
    web_site: Option<String>,
    platform: Option<String>,
    remark: Option<String>,
    /// Sent by the WooCommerce plugin (`Credit Card`); ignored.
    #[serde(rename = "paymentMethod")]
    _payment_method: Option<String>,
}

/// The reply `data`, fields in the order of section 5.4.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ChargeReply {
    pub redirect_url: String,
    pub order_status: String,
    pub order_info: String,
    pub trade_no: String,
    pub order_no: String,
    pub order_amount: String,
    pub order_currency: String,
    pub remark: String,
    pub risk_infos: String,
    pub mask_card_no: String,
}

impl ChargeReply {
    pub(crate) fn of(tx: &Transaction, redirect_url: String) -> Self {
        ChargeReply {
            redirect_url,
            order_status: tx.status.as_str().to_owned(),
            order_info: tx.order_info.clone(),
            trade_no: tx.trade_no.clone(),
            order_no: tx.order_no.clone(),
            order_amount: tx.amount.to_gateway_string(),
            order_currency: tx.amount.currency().code().to_owned(),
            remark: tx.remark.clone(),
            risk_infos: String::new(),
            mask_card_no: tx.mask_card_no.clone().unwrap_or_default(),
        }
    }
}

/// Whether `pm` may be charged for `customer_id` with `token_type` (see the module comment).
fn may_charge(
    pm: &PaymentMethod,
    customer_id: Option<&str>,
    token_type: Option<TokenType>,
) -> Result<(), Rejection> {
    if pm.detached {
        return Err(Rejection::new(
            codes::NO_PAYMENT_METHOD,
            format!(
                "payment method {} was detached and belongs to no customer; attach it again \
                 or tokenise the card anew",
                pm.id
            ),
        ));
    }
    let Some(customer_id) = customer_id else {
        return Ok(());
    };
    match (pm.customer_id.as_deref(), token_type) {
        (Some(attached), _) if attached != customer_id => Err(Rejection::new(
            codes::NO_PAYMENT_METHOD,
            format!(
                "payment method {} is not attached to customer {customer_id}",
                pm.id
            ),
        )),
        (None, Some(TokenType::Recurring)) => Err(Rejection::new(
            codes::NO_PAYMENT_METHOD,
            format!(
                "payment method {} is not attached to customer {customer_id}; a Recurring \
                 charge needs a saved card",
                pm.id
            ),
        )),
        (_, Some(TokenType::Recurring))
            if pm.recurring_customer_id.as_deref() != Some(customer_id) =>
        {
            Err(Rejection::new(
                codes::NO_INIT_RECURRING,
                format!(
                    "no successful InitRecurring charge of payment method {} for customer \
                     {customer_id}; charge it with tokenType InitRecurring first",
                    pm.id
                ),
            ))
        }
        _ => Ok(()),
    }
}

pub(crate) async fn create(
    req: HttpRequest,
    body: web::Bytes,
    sb: web::Data<Sandbox>,
) -> HttpResponse {
    run(req, body, sb, Success::Standard, |call| {
        let c: ConfirmCharge = call.json()?;
        CommonFields {
            order_no: &c.order_no,
            is_mobile: c.is_mobile.as_deref(),
            platform: c.platform.as_deref(),
            remark: c.remark.as_deref(),
            web_site: c.web_site.as_deref(),
            callback_url: c.callback_url.as_deref(),
            return_url: c.return_url.as_deref(),
            customer_ip: c.customer_ip.as_deref(),
        }
        .check()?;
        let currency = parse_currency(&c.order_currency, "orderCurrency")?;
        let amount = parse_amount(&c.order_amount, currency, "orderAmount")?;
        require(&c.customer_payment_method_id, "customerPaymentMethodId")?;
        let token_type = non_blank(c.token_type.as_ref())
            .map(|word| {
                TokenType::parse(&word).ok_or_else(|| {
                    Rejection::new(
                        codes::BAD_FIELD,
                        "tokenType must be InitRecurring or Recurring",
                    )
                })
            })
            .transpose()?;
        let customer_id = non_blank(c.customer_id.as_ref());
        if token_type.is_some() && customer_id.is_none() {
            return Err(Rejection::missing("customerId"));
        }
        let goods = c.goods_details.unwrap_or_default();
        check_goods(&goods)?;

        let gateway_no = &call.account.gateway_no;
        let mut state = call.sandbox.state();
        if let Some(id) = &customer_id {
            state
                .customer(gateway_no, id)
                .ok_or_else(|| Rejection::new(codes::NO_CUSTOMER, format!("no customer {id}")))?;
        }
        let pm = state
            .payment_methods
            .iter()
            .find(|p| &p.gateway_no == gateway_no && p.id == c.customer_payment_method_id)
            .cloned()
            .ok_or_else(|| {
                super::payment_methods::no_payment_method(&c.customer_payment_method_id)
            })?;
        may_charge(&pm, customer_id.as_deref(), token_type)?;
        let behaviour = match (token_type, pm.behaviour) {
            // A Recurring charge is merchant-initiated: the shopper is not there to
            // authenticate, and the issuer relies on the InitRecurring charge where they did.
            // So the 3DS card is approved unchallenged, as Stripe's card of the same number is
            // off-session once set up (the simulator's own choice; section 7.3 only says 3DS is
            // expected on the first charge). The other cards behave as always.
            (Some(TokenType::Recurring), CardBehaviour::Challenge) => CardBehaviour::Approve,
            (_, behaviour) => behaviour,
        };

        let callback_url = non_blank(c.callback_url.as_ref());
        let customer_ip = non_blank(c.customer_ip.as_ref());
        let mut flags = Vec::new();
        if callback_url.is_none() {
            flags.push(ChecklistFlag::MissingCallbackUrl);
        }
        if goods.is_empty() {
            flags.push(ChecklistFlag::MissingGoodsDetails);
        }
        if customer_ip.is_none() {
            flags.push(ChecklistFlag::MissingCustomerIp);
        }
        let now = Utc::now();
        let trade_no = crate::ids::trade_no(now);
        let tx = Transaction {
            trade_no: trade_no.clone(),
            order_no: c.order_no.trim().to_owned(),
            gateway_no: gateway_no.clone(),
            mer_no: call.account.mer_no.clone(),
            amount,
            flow: PaymentFlow::InSite,
            status: OrderStatus::Pending,
            auth_status: AuthStatus::Sale,
            order_info: INFO_AWAITING_SHOPPER.to_owned(),
            mask_card_no: None,
            payment_method_id: Some(pm.id.clone()),
            customer_id,
            token_type,
            customer_ip,
            callback_url,
            return_url: non_blank(c.return_url.as_ref()),
            web_site: non_blank(c.web_site.as_ref()),
            platform: non_blank(c.platform.as_ref()),
            is_mobile: non_blank(c.is_mobile.as_ref()),
            payment_method: None,
            remark: c.remark.unwrap_or_default(),
            goods,
            billing_address: None,
            delivery_address: None,
            shipping: c.shipping,
            created_at: now,
            flags,
            hosted_token: None,
            challenge_id: None,
            refunded_minor: 0,
        };
        Sandbox::open_transaction(&mut state, tx)?;
        let base = call.base_url();
        Ok(
            match call
                .sandbox
                .charge(state, &trade_no, pm.mask(), behaviour)?
            {
                PaymentStep::Completed(done) => ChargeReply::of(&done.transaction, String::new()),
                PaymentStep::Challenge {
                    challenge_id,
                    transaction,
                } => ChargeReply::of(
                    &transaction,
                    format!("{base}{}{challenge_id}", crate::THREE_DS_PAGE_PREFIX),
                ),
            },
        )
    })
    .await
}
