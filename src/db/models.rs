//! Row types of the tables that several areas read whole, and the new rows written to them.
//!
//! Every new row is derived with `treat_none_as_default_value = false`: an absent value is bound
//! as `NULL` rather than written as the keyword `DEFAULT`. With `DEFAULT` the statement's text
//! depends on which fields are empty, so diesel never keeps such an insert prepared and
//! PostgreSQL parsed and planned each one afresh (the timeline's, the webhook's, the job's on
//! every payment). No nullable column has a default other than `NULL`, so the rows are the same.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{
    email_outbox, jobs, order_lines, orders, payment_attempts, payment_events, refunds, shipments,
    webhook_events,
};
use crate::{
    emails::OutboxStatus,
    jobs::JobStatus,
    orders::{
        checkout::PaymentMode,
        status::{FulfilmentStatus, OrderStatus},
    },
    payments::{AttemptStatus, RefundStatus, Source, TransactionType, WebhookStatus},
    shipping::LogisticsStatus,
};

/// A row of `orders`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders)]
#[expect(
    missing_docs,
    reason = "fields mirror the orders columns, documented in schema.rs"
)]
pub struct Order {
    pub id: i64,
    pub number: String,
    pub access_token: String,
    pub idempotency_key: String,
    pub status: OrderStatus,
    pub fulfilment_status: FulfilmentStatus,
    pub email: String,
    pub phone: String,
    pub locale: String,
    pub currency: String,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub billing_first_name: String,
    pub billing_last_name: String,
    pub billing_address: String,
    pub billing_city: String,
    pub billing_state: Option<String>,
    pub billing_zip: String,
    pub billing_country: String,
    pub shipping_first_name: String,
    pub shipping_last_name: String,
    pub shipping_address: String,
    pub shipping_city: String,
    pub shipping_state: Option<String>,
    pub shipping_zip: String,
    pub shipping_country: String,
    pub customer_ip: String,
    pub user_agent: Option<String>,
    pub reservation_expires_at: Option<NaiveDateTime>,
    pub stock_released: bool,
    pub paid_at: Option<NaiveDateTime>,
    pub cancelled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub disputed_at: Option<NaiveDateTime>,
    pub shopper_id: Option<i64>,
    pub extra_charged_minor: i64,
    pub discount_minor: i64,
    pub discount_code: Option<String>,
    pub tax_minor: i64,
    pub tax_rate_bp: i64,
    pub tax_name: Option<String>,
    pub prices_include_tax: bool,
    pub shipping_method: Option<String>,
}

/// A new row of `orders`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = orders, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the orders columns")]
pub struct NewOrder<'a> {
    pub number: &'a str,
    pub access_token: &'a str,
    pub idempotency_key: &'a str,
    pub status: OrderStatus,
    pub fulfilment_status: FulfilmentStatus,
    pub email: &'a str,
    pub phone: &'a str,
    pub locale: &'a str,
    pub currency: &'a str,
    pub subtotal_minor: i64,
    pub shipping_minor: i64,
    pub total_minor: i64,
    pub captured_minor: i64,
    pub refunded_minor: i64,
    pub billing_first_name: &'a str,
    pub billing_last_name: &'a str,
    pub billing_address: &'a str,
    pub billing_city: &'a str,
    pub billing_state: Option<&'a str>,
    pub billing_zip: &'a str,
    pub billing_country: &'a str,
    pub shipping_first_name: &'a str,
    pub shipping_last_name: &'a str,
    pub shipping_address: &'a str,
    pub shipping_city: &'a str,
    pub shipping_state: Option<&'a str>,
    pub shipping_zip: &'a str,
    pub shipping_country: &'a str,
    pub customer_ip: &'a str,
    pub user_agent: Option<&'a str>,
    pub shopper_id: Option<i64>,
    pub reservation_expires_at: Option<NaiveDateTime>,
    pub stock_released: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub discount_minor: i64,
    pub discount_code: Option<&'a str>,
    pub tax_minor: i64,
    pub tax_rate_bp: i64,
    pub tax_name: Option<&'a str>,
    pub prices_include_tax: bool,
    pub shipping_method: Option<&'a str>,
}

/// A row of `order_lines`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = order_lines)]
#[expect(missing_docs, reason = "fields mirror the order_lines columns")]
pub struct OrderLine {
    pub id: i64,
    pub order_id: i64,
    pub product_id: Option<i64>,
    pub sku: String,
    pub name: String,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub line_total_minor: i64,
    pub currency: String,
    pub tax_minor: i64,
    pub variant_id: Option<i64>,
    pub variant_name: String,
}

impl OrderLine {
    /// The product's name followed by its variant's (`Colombia Huila — Espresso / 1 kg`), as
    /// the order page, the emails and AsiaBill's `goodsDetails` show the line.
    pub fn full_name(&self) -> String {
        crate::cart::full_name(&self.name, &self.variant_name)
    }
}

/// A new row of `order_lines`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = order_lines, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the order_lines columns")]
pub struct NewOrderLine<'a> {
    pub order_id: i64,
    pub product_id: Option<i64>,
    pub sku: &'a str,
    pub name: &'a str,
    pub unit_price_minor: i64,
    pub quantity: i64,
    pub line_total_minor: i64,
    pub currency: &'a str,
    pub tax_minor: i64,
    pub variant_id: Option<i64>,
    pub variant_name: &'a str,
}

/// A row of `payment_attempts`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_attempts)]
#[expect(missing_docs, reason = "fields mirror the payment_attempts columns")]
pub struct PaymentAttempt {
    pub id: i64,
    pub order_id: i64,
    pub sequence: i64,
    pub gateway_order_no: String,
    pub mode: PaymentMode,
    pub status: AttemptStatus,
    pub transaction_type: TransactionType,
    pub gateway_no: String,
    pub amount_minor: i64,
    pub currency: String,
    pub trade_no: Option<String>,
    pub masked_card: Option<String>,
    pub card_brand: Option<String>,
    pub gateway_code: Option<String>,
    pub gateway_message: Option<String>,
    pub redirect_url: Option<String>,
    pub customer_payment_method_id: Option<String>,
    pub authorized_at: Option<NaiveDateTime>,
    pub paid_at: Option<NaiveDateTime>,
    pub capture_deadline: Option<NaiveDateTime>,
    pub voided_at: Option<NaiveDateTime>,
    pub last_queried_at: Option<NaiveDateTime>,
    pub query_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub customer_id: Option<String>,
    pub token_type: Option<String>,
    pub save_card: bool,
    pub payment_method: Option<String>,
}

/// A new row of `payment_attempts`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payment_attempts, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the payment_attempts columns")]
pub struct NewPaymentAttempt<'a> {
    pub order_id: i64,
    pub sequence: i64,
    pub gateway_order_no: &'a str,
    pub mode: PaymentMode,
    pub status: AttemptStatus,
    pub transaction_type: TransactionType,
    pub gateway_no: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub query_count: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl PaymentAttempt {
    /// True for a charge the merchant made on the shopper's saved card after the order was paid
    /// (`tokenType=Recurring`): more money taken on purpose, not a second payment of the order.
    pub fn is_merchant_charge(&self) -> bool {
        self.token_type.as_deref() == Some(asiabill::TokenType::Recurring.as_str())
    }

    /// What the attempt asks for, as money. Every gateway report about the attempt is compared
    /// with this, amount and currency together: a report for another currency with the same
    /// digits is not a match. `None` only if the stored currency is one the shop cannot name,
    /// which then matches nothing.
    pub fn amount(&self) -> Option<asiabill::Money> {
        money(self.amount_minor, &self.currency)
    }

    /// True when `reported` is exactly this attempt's amount and currency.
    pub fn is_for(&self, reported: &asiabill::Money) -> bool {
        self.amount().as_ref() == Some(reported)
    }
}

/// A row of `refunds`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = refunds)]
#[expect(missing_docs, reason = "fields mirror the refunds columns")]
pub struct Refund {
    pub id: i64,
    pub order_id: i64,
    pub attempt_id: i64,
    pub sequence: i64,
    pub mer_track_no: String,
    pub batch_no: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub reason: String,
    pub status: RefundStatus,
    pub gateway_code: Option<String>,
    pub gateway_message: Option<String>,
    pub requested_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
    pub cancels_order: bool,
}

/// A new row of `refunds`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = refunds, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the refunds columns")]
pub struct NewRefund<'a> {
    pub order_id: i64,
    pub attempt_id: i64,
    pub sequence: i64,
    pub mer_track_no: &'a str,
    pub amount_minor: i64,
    pub currency: &'a str,
    pub reason: &'a str,
    pub status: RefundStatus,
    pub requested_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub cancels_order: bool,
}

impl Refund {
    /// The refund's amount, as money (see [`PaymentAttempt::amount`]).
    pub fn amount(&self) -> Option<asiabill::Money> {
        money(self.amount_minor, &self.currency)
    }
}

fn money(minor: i64, currency: &str) -> Option<asiabill::Money> {
    asiabill::Currency::parse(currency)
        .ok()
        .map(|c| asiabill::Money::new(minor, c))
}

/// A row of `shipments`.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = shipments)]
#[expect(missing_docs, reason = "fields mirror the shipments columns")]
pub struct Shipment {
    pub id: i64,
    pub order_id: i64,
    pub carrier: String,
    pub tracking_number: String,
    pub tracking_url: Option<String>,
    pub logistics_status: LogisticsStatus,
    pub logistics_message: Option<String>,
    pub uploaded_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new row of `shipments`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = shipments, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the shipments columns")]
pub struct NewShipment<'a> {
    pub order_id: i64,
    pub carrier: &'a str,
    pub tracking_number: &'a str,
    pub tracking_url: Option<&'a str>,
    pub logistics_status: LogisticsStatus,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A new row of `payment_events`; written only by `orders::timeline::record`.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = payment_events, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the payment_events columns")]
pub struct NewPaymentEvent<'a> {
    pub order_id: i64,
    pub attempt_id: Option<i64>,
    pub refund_id: Option<i64>,
    pub source: Source,
    pub kind: &'a str,
    pub from_status: Option<&'a str>,
    pub to_status: Option<&'a str>,
    pub message: Option<String>,
    pub message_key: Option<&'a str>,
    pub message_args: Option<String>,
    pub detail: Option<String>,
    pub actor: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

/// A row of `payment_events`: one entry of an order's timeline.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_events)]
#[expect(missing_docs, reason = "fields mirror the payment_events columns")]
pub struct PaymentEvent {
    pub id: i64,
    pub order_id: i64,
    pub attempt_id: Option<i64>,
    pub refund_id: Option<i64>,
    pub source: Source,
    pub kind: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub message: Option<String>,
    pub detail: Option<String>,
    pub actor: Option<String>,
    pub created_at: NaiveDateTime,
    pub message_key: Option<String>,
    pub message_args: Option<String>,
}

/// A new row of `webhook_events`: a delivery as received.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_events, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the webhook_events columns")]
pub struct NewWebhookEvent<'a> {
    pub body_sha256: &'a str,
    pub request_id: &'a str,
    pub request_time: &'a str,
    pub gateway_no: &'a str,
    pub version: Option<&'a str>,
    pub headers: &'a str,
    pub body: &'a str,
    pub event_type: Option<&'a str>,
    pub gateway_order_no: Option<&'a str>,
    pub trade_no: Option<&'a str>,
    pub signature_valid: bool,
    pub status: WebhookStatus,
    pub error: Option<&'a str>,
    pub apply_attempts: i64,
    pub applied_at: Option<NaiveDateTime>,
    pub received_at: NaiveDateTime,
}

/// A new row of `email_outbox`: a rendered email waiting to be sent.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = email_outbox, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the email_outbox columns")]
pub struct NewOutboxEmail<'a> {
    pub order_id: Option<i64>,
    pub dedupe_key: &'a str,
    pub kind: &'a str,
    pub locale: &'a str,
    pub to_address: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub created_at: NaiveDateTime,
}

/// A new row of `jobs` (made from a `jobs::NewJob`).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = jobs, treat_none_as_default_value = false)]
#[expect(missing_docs, reason = "fields mirror the jobs columns")]
pub struct NewJobRow<'a> {
    pub kind: &'a str,
    pub payload: String,
    pub dedupe_key: Option<&'a str>,
    pub status: JobStatus,
    pub attempts: i64,
    pub max_attempts: i64,
    pub run_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}
