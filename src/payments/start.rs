//! Starting a payment: the hosted page (`checkout_payment`, then 303 to AsiaBill) or in-site
//! card fields (`confirm_charge` with the `customerPaymentMethodId` the JS SDK produced).
//!
//! Every request carries `callbackUrl`, `goodsDetails` and `customerIp`, as AsiaBill's checklist
//! asks.

use asiabill::{
    Currency, Money,
    types::{
        Address, BillingAddress, CheckoutPaymentRequest, ConfirmChargeRequest, ContactDetails,
        DeliveryAddress, GoodsDetail, NextStep, PaymentResponse,
    },
};

use super::{
    AttemptStatus, Source,
    attempts::{self, OpenError},
    calls, gateway,
    methods::Method,
    transition::{self, Effects, Outcome},
};
use crate::{
    db::{
        DbError,
        models::{Order, OrderLine, PaymentAttempt},
        write_transaction,
    },
    orders::{checkout::PaymentMode, timeline::Message, view},
    payments::Payments,
};

/// Where the shopper goes next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// To AsiaBill: the hosted page or a 3-D Secure challenge.
    Redirect(String),
    /// Paid (or authorized) at once: the order page.
    Done,
    /// AsiaBill has not decided yet: the order page, which refreshes itself.
    Pending,
    /// Declined: back to the payment page with AsiaBill's reason.
    Declined(String),
    /// AsiaBill refused the request itself (before any bank): back with its message.
    Refused(String),
    /// AsiaBill could not be reached and nothing can have been charged: try again.
    Unavailable,
}

/// Why a payment could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// No order has that token.
    #[error("no such order")]
    NotFound,
    /// The order is not awaiting payment.
    #[error("order is {0}")]
    NotPayable(crate::orders::status::OrderStatus),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<OpenError> for StartError {
    fn from(e: OpenError) -> Self {
        match e {
            OpenError::NotPayable(s) => StartError::NotPayable(s),
            OpenError::Db(e) => StartError::Db(e),
        }
    }
}

/// A `sessionToken` for the in-site card fields of order `order_id`'s payment page, the call on
/// the order's timeline; `None` when AsiaBill did not give one (the page then offers the hosted
/// page only). Only a database failure is an error.
pub async fn session_token(payments: &Payments, order_id: i64) -> Result<Option<String>, DbError> {
    let answer = payments.gateway.session_token().await;
    let call = calls::Traffic {
        order_id,
        attempt_id: None,
        source: Source::Api,
        kind: calls::CALL,
        endpoint: "sessionToken",
        summary: match &answer {
            Ok(_) => Message::new("timeline.session_issued"),
            Err(e) => Message::new("timeline.session_refused").data("error", e),
        },
        detail: None,
    };
    payments
        .db
        // Alone, in no transaction: no lock to take.
        .run(move |conn| calls::record_held(conn, &call))
        .await?;
    Ok(match answer {
        Ok(t) => Some(t.session_token),
        Err(e) => {
            tracing::warn!(error = %e, "no sessionToken from AsiaBill; in-site fields unavailable");
            None
        }
    })
}

/// The shopper's side of the request.
#[derive(Debug, Clone)]
pub struct Shopper {
    /// IP address, for `customerIp`.
    pub ip: String,
    /// User-Agent, for `isMobile`.
    pub user_agent: Option<String>,
}

/// What a charge of a card on file carries beside the card: the account's AsiaBill
/// `customerId`, the `tokenType`, and whether the card is to be saved once the payment succeeds.
/// The default is a plain charge of a card typed for this payment.
#[derive(Debug, Clone, Default)]
pub struct OnFile {
    /// `customerId`.
    pub customer_id: Option<String>,
    /// `tokenType`: `InitRecurring` when the card is being saved (so that the merchant may
    /// charge it again later), none for a shopper paying with a saved card.
    pub token_type: Option<asiabill::TokenType>,
    /// Attach the card to the customer once paid.
    pub save_card: bool,
}

/// The side effects' settings.
pub fn effects(payments: &Payments) -> Effects {
    Effects {
        public_url: payments.settings.public_url.clone(),
        capture_window: payments.settings.gateway.capture_window,
    }
}

async fn open(
    payments: &Payments,
    token: String,
    mode: PaymentMode,
    card: Option<(&str, &OnFile)>,
    method: Option<&'static Method>,
) -> Result<(Order, Vec<OrderLine>, PaymentAttempt), StartError> {
    let card = card.map(|(pm, on_file)| (pm.to_owned(), on_file.clone()));
    let gateway_no = payments.settings.gateway_no();
    let preauth = payments.settings.gateway.preauth;
    let effects = effects(payments);
    payments
        .db
        .run(move |conn| {
            let order_id = view::id_by_token(conn, &token)?.ok_or(StartError::NotFound)?;
            let (order, mut attempt) =
                attempts::open(conn, order_id, mode, &gateway_no, preauth, &effects)?;
            if let Some((pm, on_file)) = &card {
                attempts::record_card(conn, &mut attempt, pm, on_file)?;
            }
            if let Some(method) = method {
                attempts::record_method(conn, &mut attempt, method.word)?;
            }
            let lines = view::lines(conn, order_id)?;
            Ok((order, lines, attempt))
        })
        .await
}

fn money(minor: i64, order: &Order, shop: Currency) -> Money {
    Money::new(minor, Currency::parse(&order.currency).unwrap_or(shop))
}

/// A line's `goodsTitle`: the product's name, and for a variant its name and SKU (AsiaBill's
/// goods carry no SKU of their own), within AsiaBill's 130 characters.
fn goods_title(line: &OrderLine) -> String {
    let title = if line.variant_name.is_empty() {
        line.name.clone()
    } else {
        format!("{} (SKU {})", line.full_name(), line.sku)
    };
    title.chars().take(130).collect()
}

/// What was bought, as AsiaBill's `goodsDetails`: each line at its price, a shipping line when
/// shipping is charged, and a tax line when the tax is added to the prices (so that the goods
/// account for what is charged, as far as a discount allows: a goods price cannot be negative;
/// AsiaBill uses them for its risk checks, not the amount).
fn goods(order: &Order, lines: &[OrderLine], shop: Currency) -> Vec<GoodsDetail> {
    let mut goods: Vec<GoodsDetail> = lines
        .iter()
        .map(|l| GoodsDetail {
            goods_title: goods_title(l),
            goods_count: u32::try_from(l.quantity).unwrap_or(u32::MAX),
            goods_price: money(l.unit_price_minor, order, shop),
        })
        .collect();
    // Shipping is charged as one more line, named as the shopper chose it, so that without a
    // discount the goods add up to the amount sent.
    if order.shipping_minor > 0 {
        goods.push(GoodsDetail {
            goods_title: order
                .shipping_method
                .as_deref()
                .unwrap_or("Shipping")
                .chars()
                .take(130)
                .collect(),
            goods_count: 1,
            goods_price: money(order.shipping_minor, order, shop),
        });
    }
    if !order.prices_include_tax && order.tax_minor > 0 {
        goods.push(GoodsDetail {
            goods_title: order.tax_name.clone().unwrap_or_else(|| "Tax".to_owned()),
            goods_count: 1,
            goods_price: money(order.tax_minor, order, shop),
        });
    }
    goods
}

/// Starts a payment on AsiaBill's hosted page: by card, or with a local `method` (Alipay,
/// iDEAL, …), whose own page AsiaBill then shows.
pub async fn hosted(
    payments: &Payments,
    token: String,
    shopper: &Shopper,
    method: Option<&'static Method>,
) -> Result<Started, StartError> {
    let (order, lines, attempt) = open(payments, token, PaymentMode::Hosted, None, method).await?;
    let settings = &payments.settings;
    let amount = money(attempt.amount_minor, &order, settings.currency);
    let billing = BillingAddress {
        address: order.billing_address.clone(),
        city: order.billing_city.clone(),
        country: order.billing_country.clone(),
        email: order.email.clone(),
        first_name: order.billing_first_name.clone(),
        last_name: order.billing_last_name.clone(),
        phone: order.phone.clone(),
        state: order.billing_state.clone().unwrap_or_default(),
        zip: order.billing_zip.clone(),
    };
    let mut request = CheckoutPaymentRequest::new(
        &attempt.gateway_order_no,
        amount,
        billing,
        gateway::return_url(&settings.public_url),
    );
    request.delivery_address = Some(DeliveryAddress {
        ship_address: order.shipping_address.clone(),
        ship_city: order.shipping_city.clone(),
        ship_country: order.shipping_country.clone(),
        ship_first_name: order.shipping_first_name.clone(),
        ship_last_name: order.shipping_last_name.clone(),
        ship_phone: order.phone.clone(),
        ship_state: order.shipping_state.clone().unwrap_or_default(),
        ship_zip: order.shipping_zip.clone(),
    });
    if let Some(method) = method {
        method.word.clone_into(&mut request.payment_method);
    }
    request.goods_details = goods(&order, &lines, settings.currency);
    request.customer_ip = Some(shopper.ip.clone());
    request.is_mobile = gateway::is_mobile(shopper.user_agent.as_deref());
    request.platform = Some(gateway::PLATFORM.to_owned());
    request.web_site = Some(settings.public_url.clone());
    request.callback_url = Some(gateway::callback_url(&settings.public_url));
    request.remark = Some(order.number.clone());
    let answer = payments.gateway.checkout_payment(&request).await;
    settle(payments, &attempt, answer, false).await
}

/// Charges the card the shopper entered in the in-site fields (tokenised by the JS SDK), or a
/// card saved in the shopper's account (`on_file` then names its customer).
pub async fn insite(
    payments: &Payments,
    token: String,
    payment_method_id: &str,
    shopper: &Shopper,
    on_file: &OnFile,
) -> Result<Started, StartError> {
    let (order, lines, attempt) = open(
        payments,
        token,
        PaymentMode::InSite,
        Some((payment_method_id, on_file)),
        None,
    )
    .await?;
    let settings = &payments.settings;
    let amount = money(attempt.amount_minor, &order, settings.currency);
    let mut request = ConfirmChargeRequest::new(
        &attempt.gateway_order_no,
        amount,
        payment_method_id,
        &shopper.ip,
    );
    request.customer_id.clone_from(&on_file.customer_id);
    request.token_type = on_file.token_type;
    request.goods_details = goods(&order, &lines, settings.currency);
    request.shipping = Some(ContactDetails {
        address: Address {
            line1: order.shipping_address.clone(),
            line2: None,
            city: order.shipping_city.clone(),
            country: order.shipping_country.clone(),
            state: order.shipping_state.clone().unwrap_or_default(),
            postal_code: order.shipping_zip.clone(),
        },
        email: Some(order.email.clone()),
        first_name: order.shipping_first_name.clone(),
        last_name: order.shipping_last_name.clone(),
        phone: order.phone.clone(),
    });
    request.is_mobile = gateway::is_mobile(shopper.user_agent.as_deref());
    request.platform = Some(gateway::PLATFORM.to_owned());
    request.web_site = Some(settings.public_url.clone());
    request.callback_url = Some(gateway::callback_url(&settings.public_url));
    request.return_url = Some(gateway::return_url(&settings.public_url));
    request.remark = Some(order.number.clone());
    let answer = payments.gateway.confirm_charge(&request).await;
    settle(payments, &attempt, answer, true).await
}

/// Applies AsiaBill's answer to the attempt and decides where the shopper goes.
pub(super) async fn settle(
    payments: &Payments,
    attempt: &PaymentAttempt,
    answer: Result<PaymentResponse, asiabill::Error>,
    charged_directly: bool,
) -> Result<Started, StartError> {
    crate::failpoint::hit("after_gateway_call");
    let call = calls::Traffic {
        order_id: attempt.order_id,
        attempt_id: Some(attempt.id),
        source: Source::Api,
        kind: calls::CALL,
        endpoint: if charged_directly {
            "confirmCharge"
        } else {
            "checkout/payment"
        },
        summary: match &answer {
            Ok(r) => Message::new(if r.redirect_url.is_some() {
                "timeline.call_redirect"
            } else {
                "timeline.call_answer"
            })
            .data("status", r.order_status.as_str())
            .data("info", &r.order_info)
            .data("trade_no", &r.trade_no),
            Err(e) => Message::new("timeline.call_error").data("error", e),
        },
        detail: None,
    };
    let (outcome, next) = match answer {
        Ok(response) => read_answer(attempt, &response),
        Err(asiabill::Error::Business { code, message }) => (
            Outcome {
                code: Some(code),
                message: Some(message.clone()),
                ..Outcome::to(AttemptStatus::Cancelled)
            },
            Started::Refused(message),
        ),
        // confirmCharge may have reached the bank: leave the attempt pending for the
        // reconciler to ask AsiaBill. A hosted page nobody visited cannot take money.
        Err(e) if charged_directly && e.outcome_unknown() => (
            Outcome {
                message: Some(format!(
                    "No answer from AsiaBill ({e}); to be confirmed by query"
                )),
                note: Some(Message::new("timeline.no_answer").data("error", &e)),
                ..Outcome::to(AttemptStatus::Pending)
            },
            Started::Pending,
        ),
        Err(e) => (
            Outcome {
                message: Some(format!("AsiaBill unreachable: {e}")),
                note: Some(Message::new("timeline.unreachable").data("error", &e)),
                ..Outcome::to(AttemptStatus::Cancelled)
            },
            Started::Unavailable,
        ),
    };
    let effects = effects(payments);
    let (attempt_id, order_id) = (attempt.id, attempt.order_id);
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                crate::orders::lock(conn, order_id)?;
                calls::record_held(conn, &call)?;
                transition::apply_held(conn, attempt_id, &outcome, Source::Api, &effects)
            })
        })
        .await?;
    Ok(next)
}

/// Reads a payment answer, refusing one whose order number or amount is not the attempt's.
fn read_answer(attempt: &PaymentAttempt, response: &PaymentResponse) -> (Outcome, Started) {
    let detail = serde_json::json!({
        "orderNo": response.order_no,
        "tradeNo": response.trade_no,
        "orderStatus": response.order_status.as_str(),
        "orderInfo": response.order_info,
        "orderAmount": response.order_amount.to_gateway_string(),
        "orderCurrency": response.order_amount.currency().code(),
        "redirect": response.redirect_url.is_some(),
    });
    let base = Outcome {
        trade_no: Some(response.trade_no.clone()).filter(|t| !t.is_empty()),
        masked_card: response.mask_card_no.clone(),
        message: Some(response.order_info.clone()),
        detail: Some(detail),
        ..Outcome::default()
    };
    let matches =
        response.order_no == attempt.gateway_order_no && attempt.is_for(&response.order_amount);
    if !matches {
        return (
            Outcome {
                message: Some(format!(
                    "AsiaBill answered for {} {} {}, not this attempt; left for a query",
                    response.order_no,
                    response.order_amount.to_gateway_string(),
                    response.order_amount.currency().code()
                )),
                note: Some(
                    Message::new("timeline.answer_for_another")
                        .data("order_no", &response.order_no)
                        .data("amount", response.order_amount.to_gateway_string())
                        .data("currency", response.order_amount.currency().code()),
                ),
                ..Outcome::to(AttemptStatus::Pending)
            },
            Started::Pending,
        );
    }
    match response.next_step() {
        NextStep::Redirect(url) => (
            Outcome {
                redirect_url: Some(url.to_owned()),
                status: Some(
                    if attempt.mode == crate::orders::checkout::PaymentMode::Hosted {
                        AttemptStatus::Pending
                    } else {
                        AttemptStatus::RequiresAction
                    },
                ),
                ..base
            },
            Started::Redirect(url.to_owned()),
        ),
        NextStep::Succeeded => (
            Outcome {
                status: Some(success_status(attempt)),
                ..base
            },
            Started::Done,
        ),
        NextStep::Pending => (
            Outcome {
                status: Some(AttemptStatus::Pending),
                ..base
            },
            Started::Pending,
        ),
        NextStep::Failed(why) => (
            Outcome {
                status: Some(AttemptStatus::Failed),
                ..base.clone()
            },
            Started::Declined(why.to_owned()),
        ),
    }
}

/// What AsiaBill's "success" means for this attempt: paid, or authorized on a pre-auth gateway.
pub fn success_status(attempt: &PaymentAttempt) -> AttemptStatus {
    if attempt.transaction_type == super::TransactionType::Authorization {
        AttemptStatus::Authorized
    } else {
        AttemptStatus::Paid
    }
}
