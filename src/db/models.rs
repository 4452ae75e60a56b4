//! Row types of the tables that several areas read whole.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{order_lines, orders, payment_attempts, payment_events, refunds, shipments};

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
    pub status: String,
    pub fulfilment_status: String,
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
    pub mode: String,
    pub status: String,
    pub transaction_type: String,
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
}

impl PaymentAttempt {
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
    pub status: String,
    pub gateway_code: Option<String>,
    pub gateway_message: Option<String>,
    pub requested_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub settled_at: Option<NaiveDateTime>,
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
    pub logistics_status: String,
    pub logistics_message: Option<String>,
    pub uploaded_at: Option<NaiveDateTime>,
    pub created_by: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
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
    pub source: String,
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
