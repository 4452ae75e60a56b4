//! A merchant-initiated charge: on a paid order's page, the merchant charges the shopper's saved
//! card for an extra amount (a shipping surcharge, say), without the shopper present.
//!
//! AsiaBill's recurring model (API notes §5.4, §7.3): the card was saved by a first charge with
//! `tokenType=InitRecurring` (the shopper present, 3-D Secure possible); later charges carry
//! `tokenType=Recurring` with the same `customerId` and `customerPaymentMethodId`. The field
//! `tokenType` and its two words come from one community source (the Laravel package "LAR" of
//! the API notes) besides AsiaBill's own demo, which sends it empty; nothing else confirms them.
//!
//! The charge is an attempt of its own on the order, so it is queried, reconciled, shown and
//! refunded like any payment; the transition counts it as an extra charge, not as a double
//! payment. The admin's form carries a key: posted twice, it charges once.

use asiabill::{
    Currency, Money, TokenType,
    types::{ConfirmChargeRequest, GoodsDetail},
};
use diesel::prelude::*;

use super::{
    AttemptStatus, Payments, TransactionType,
    start::{self, OnFile, Started},
};
use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::{NewPaymentAttempt, Order, PaymentAttempt},
        now,
        schema::{orders, payment_attempts, saved_cards, shoppers},
        write_transaction,
    },
    orders::{checkout::PaymentMode, status::OrderStatus},
};

/// What the merchant asked for.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    /// The order's number.
    pub number: String,
    /// The saved card (`saved_cards.id`).
    pub card_id: i64,
    /// The amount, in the order's currency's minor units.
    pub amount_minor: i64,
    /// Why (shown to AsiaBill as the goods line, and on the timeline).
    pub reason: String,
    /// The form's key.
    pub key: String,
}

/// Why no charge was made.
#[derive(Debug, thiserror::Error)]
pub enum ChargeError {
    /// No order has that number.
    #[error("no such order")]
    NotFound,
    /// Only a paid order (or one partly refunded) takes an extra charge.
    #[error("order is {0}")]
    NotChargeable(OrderStatus),
    /// A chargeback is open on the order.
    #[error("the order is disputed")]
    Disputed,
    /// The order's account has no such card, the card was not saved with `InitRecurring`, or
    /// it is not the card that paid this order.
    #[error("no card on file for a merchant charge")]
    NoCard,
    /// The gateway is configured for pre-authorization, where a charge is an authorization to
    /// capture; extra charges are offered on sale gateways only.
    #[error("not on a pre-authorization gateway")]
    PreAuth,
    /// This form was posted before: the charge it made stands.
    #[error("already requested")]
    AlreadyRequested(AttemptStatus),
    /// Another merchant charge of this order has no known outcome yet.
    #[error("another charge of this order is still undecided")]
    InFlight,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for ChargeError {
    fn from(e: diesel::result::Error) -> Self {
        ChargeError::Db(e.into())
    }
}

/// The cards (`customerPaymentMethodId`s) that paid order `order_id` itself: the shopper agreed
/// to later charges on the card they paid this order with, not on every card of an account
/// (which may have claimed the order as a guest order afterwards).
fn paying_cards(conn: &mut DbConnection, order_id: i64) -> Result<Vec<String>, DbError> {
    let cards: Vec<Option<String>> = payment_attempts::table
        .filter(payment_attempts::order_id.eq(order_id))
        .filter(payment_attempts::status.eq_any([AttemptStatus::Paid, AttemptStatus::Authorized]))
        .select((
            payment_attempts::customer_payment_method_id,
            payment_attempts::token_type,
        ))
        .load::<(Option<String>, Option<String>)>(conn)?
        .into_iter()
        // A merchant charge does not widen the agreement: only the shopper's own payments count.
        .filter(|(_, token)| token.as_deref() != Some(TokenType::Recurring.as_str()))
        .map(|(card, _)| card)
        .collect();
    Ok(cards.into_iter().flatten().collect())
}

/// The cards of order `order_id`'s account that may be charged by the merchant: saved with a
/// successful `InitRecurring`, and the card that paid this order. (`saved_cards.id`,
/// "Visa •••• 4242").
pub fn cards_for_order(
    conn: &mut DbConnection,
    order_id: i64,
) -> Result<Vec<(i64, String)>, DbError> {
    let paid_with = paying_cards(conn, order_id)?;
    let rows: Vec<(i64, String, String)> = saved_cards::table
        .inner_join(orders::table.on(orders::shopper_id.eq(saved_cards::shopper_id.nullable())))
        .filter(orders::id.eq(order_id))
        .filter(saved_cards::recurring.eq(true))
        .filter(saved_cards::payment_method_id.eq_any(&paid_with))
        .order((saved_cards::is_default.desc(), saved_cards::id.desc()))
        .select((saved_cards::id, saved_cards::brand, saved_cards::last4))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, brand, last4)| (id, format!("{brand} •••• {last4}")))
        .collect())
}

/// Opens the charge's attempt, under the order's lock: the order paid and not disputed, the
/// card the account's and recurring-ready, the key not used before.
fn open(
    conn: &mut DbConnection,
    request: &ChargeRequest,
    gateway_no: &str,
    actor: &Actor,
) -> Result<(Order, PaymentAttempt), ChargeError> {
    write_transaction(conn, |conn| {
        let order_id: i64 = orders::table
            .filter(orders::number.eq(&request.number))
            .select(orders::id)
            .first(conn)
            .optional()?
            .ok_or(ChargeError::NotFound)?;
        crate::orders::lock(conn, order_id)?;
        let order: Order = orders::table
            .find(order_id)
            .select(Order::as_select())
            .first(conn)?;
        let earlier: Option<AttemptStatus> = payment_attempts::table
            .filter(payment_attempts::request_key.eq(&request.key))
            .select(payment_attempts::status)
            .first(conn)
            .optional()?;
        if let Some(status) = earlier {
            return Err(ChargeError::AlreadyRequested(status));
        }
        if !OrderStatus::REFUNDABLE.contains(&order.status) {
            return Err(ChargeError::NotChargeable(order.status));
        }
        if order.disputed_at.is_some() {
            return Err(ChargeError::Disputed);
        }
        // A charge whose outcome is not known yet (a lost answer, left for the reconciler)
        // must be settled before another is made: a second try could be a second charge.
        let in_flight: i64 = payment_attempts::table
            .filter(payment_attempts::order_id.eq(order.id))
            .filter(payment_attempts::token_type.eq(TokenType::Recurring.as_str()))
            .filter(payment_attempts::status.eq_any(AttemptStatus::OPEN))
            .count()
            .get_result(conn)?;
        if in_flight > 0 {
            return Err(ChargeError::InFlight);
        }
        let paid_with = paying_cards(conn, order.id)?;
        let card: Option<(String, Option<String>)> = saved_cards::table
            .inner_join(shoppers::table)
            .filter(saved_cards::id.eq(request.card_id))
            .filter(saved_cards::recurring.eq(true))
            .filter(shoppers::id.nullable().eq(order.shopper_id))
            .select((
                saved_cards::payment_method_id,
                shoppers::asiabill_customer_id,
            ))
            .first(conn)
            .optional()?;
        let Some((payment_method_id, Some(customer_id))) =
            card.filter(|(pm, _)| paid_with.contains(pm))
        else {
            return Err(ChargeError::NoCard);
        };
        let sequence: i64 = payment_attempts::table
            .filter(payment_attempts::order_id.eq(order.id))
            .select(diesel::dsl::max(payment_attempts::sequence))
            .first::<Option<i64>>(conn)?
            .unwrap_or(0)
            + 1;
        let at = now();
        let id: i64 = diesel::insert_into(payment_attempts::table)
            .values(NewPaymentAttempt {
                order_id: order.id,
                sequence,
                gateway_order_no: &format!("{}-{sequence}", order.number),
                mode: PaymentMode::InSite,
                status: AttemptStatus::Created,
                transaction_type: TransactionType::Sale,
                gateway_no,
                amount_minor: request.amount_minor,
                currency: &order.currency,
                query_count: 0,
                created_at: at,
                updated_at: at,
            })
            .returning(payment_attempts::id)
            .get_result(conn)?;
        diesel::update(payment_attempts::table.find(id))
            .set(payment_attempts::request_key.eq(Some(&request.key)))
            .execute(conn)?;
        let mut attempt: PaymentAttempt = payment_attempts::table
            .find(id)
            .select(PaymentAttempt::as_select())
            .first(conn)?;
        let on_file = OnFile {
            customer_id: Some(customer_id),
            token_type: Some(TokenType::Recurring),
            save_card: false,
        };
        super::attempts::record_card(conn, &mut attempt, &payment_method_id, &on_file)?;
        audit::record(
            conn,
            actor,
            "order.merchant_charge",
            Some(Target {
                kind: "order",
                id: &order.number,
            }),
            Some(serde_json::json!({
                "amount_minor": request.amount_minor,
                "currency": order.currency,
                "reason": request.reason,
                "order_no": attempt.gateway_order_no,
            })),
        )?;
        Ok((order, attempt))
    })
}

/// Charges the saved card: opens the attempt, sends `confirmCharge` with `tokenType=Recurring`,
/// and applies AsiaBill's answer as any charge's (a lost answer leaves it for the reconciler).
pub async fn charge(
    payments: &Payments,
    request: ChargeRequest,
    actor: Actor,
) -> Result<Started, ChargeError> {
    if payments.settings.gateway.preauth {
        return Err(ChargeError::PreAuth);
    }
    let gateway_no = payments.settings.gateway_no();
    let asked = request.clone();
    let (order, attempt) = payments
        .db
        .run(move |conn| open(conn, &asked, &gateway_no, &actor))
        .await?;
    let currency = Currency::parse(&order.currency).unwrap_or(payments.settings.currency);
    let amount = Money::new(attempt.amount_minor, currency);
    let (Some(pm), Some(customer_id)) = (
        attempt.customer_payment_method_id.clone(),
        attempt.customer_id.clone(),
    ) else {
        return Err(ChargeError::NoCard);
    };
    // The shopper is not present: AsiaBill's `customerIp` is the one they ordered from.
    let mut call =
        ConfirmChargeRequest::new(&attempt.gateway_order_no, amount, &pm, &order.customer_ip);
    call.customer_id = Some(customer_id);
    call.token_type = Some(TokenType::Recurring);
    call.goods_details = vec![GoodsDetail {
        goods_title: request.reason.chars().take(130).collect(),
        goods_count: 1,
        goods_price: amount,
    }];
    let settings = &payments.settings;
    call.platform = Some(super::gateway::PLATFORM.to_owned());
    call.web_site = Some(settings.public_url.clone());
    call.callback_url = Some(super::gateway::callback_url(&settings.public_url));
    call.remark = Some(order.number.clone());
    let answer = payments.gateway.confirm_charge(&call).await;
    start::settle(payments, &attempt, answer, true)
        .await
        .map_err(|e| match e {
            start::StartError::NotFound => ChargeError::NotFound,
            start::StartError::NotPayable(status) => ChargeError::NotChargeable(status),
            start::StartError::Db(e) => ChargeError::Db(e),
        })
}
