//! Chargebacks. AsiaBill's `chargeback.success` says a cardholder disputed a payment: the
//! card scheme takes the money back unless the merchant answers in time. The order is then in
//! dispute, and no refund may be sent for it: the shopper would be paid twice, once by the
//! refund and once by the chargeback.

use asiabill::webhook::ChargebackNotice;
use diesel::{
    prelude::*,
    sql_query,
    sql_types::{BigInt, Nullable, Text, Timestamp},
};

use super::{
    Source, transition,
    webhooks::{Disposition, find_attempt},
};
use crate::{
    db::{DbConnection, DbError, now, schema::orders},
    orders::timeline::Message,
};

/// The open dispute of an order, as the admin sees it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = crate::db::schema::chargebacks)]
pub struct Dispute {
    /// AsiaBill's reference (`batchNo`).
    #[diesel(column_name = gateway_reference)]
    pub reference: String,
    /// The disputed amount, in minor units of `currency`.
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
    /// The card scheme's reason.
    pub reason: Option<String>,
    /// Answer before this, as AsiaBill gives it.
    pub reply_deadline: Option<chrono::NaiveDateTime>,
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = BigInt)]
    #[expect(dead_code, reason = "only whether a row came back matters")]
    id: i64,
}

/// Records a chargeback notice and puts its order in dispute. Runs inside the webhook's
/// transaction; a second notice for the same chargeback changes nothing.
pub fn open(conn: &mut DbConnection, data: &ChargebackNotice) -> Result<Disposition, DbError> {
    let attempt = find_attempt(conn, &data.order_no, &data.trade_no)?;
    if let Some(a) = &attempt {
        crate::orders::lock(conn, a.order_id)?;
    }
    let at = now();
    // An upsert, not an insert that may fail: on PostgreSQL a unique violation aborts the
    // whole transaction, so a repeated notice would be answered 503 for ever.
    let inserted = sql_query(
        "INSERT INTO chargebacks (order_id, attempt_id, trade_no, gateway_reference, \
         amount_minor, currency, reason, status, detail, reply_deadline, received_at, \
         created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $8, $9, $10, $10, $10) \
         ON CONFLICT (gateway_reference) DO NOTHING RETURNING id",
    )
    .bind::<Nullable<BigInt>, _>(attempt.as_ref().map(|a| a.order_id))
    .bind::<Nullable<BigInt>, _>(attempt.as_ref().map(|a| a.id))
    .bind::<Text, _>(&data.trade_no)
    .bind::<Text, _>(&data.batch_no)
    .bind::<BigInt, _>(data.amount.minor())
    .bind::<Text, _>(data.amount.currency().code())
    .bind::<Nullable<Text>, _>(Some(&data.reason))
    .bind::<Nullable<Text>, _>(
        data.reply_deadline
            .map(|d| format!("reply before {}", d.format("%Y-%m-%d %H:%M"))),
    )
    .bind::<Nullable<Timestamp>, _>(data.reply_deadline)
    .bind::<Timestamp, _>(at)
    .load::<Inserted>(conn)?;
    if inserted.is_empty() {
        return Ok(Disposition::Applied);
    }
    let Some(attempt) = attempt else {
        return Ok(Disposition::Flagged(
            Message::new("webhook.chargeback_unknown").data("trade_no", &data.trade_no),
        ));
    };
    diesel::update(
        orders::table
            .filter(orders::id.eq(attempt.order_id))
            .filter(orders::disputed_at.is_null()),
    )
    .set((orders::disputed_at.eq(Some(at)), orders::updated_at.eq(at)))
    .execute(conn)?;
    let mut message = Message::new(if data.reply_deadline.is_some() {
        "timeline.chargeback_deadline"
    } else {
        "timeline.chargeback"
    })
    .data("batch", &data.batch_no)
    .data("amount", data.amount.to_gateway_string())
    .data("currency", data.amount.currency().code())
    .data("reason", &data.reason);
    if let Some(deadline) = data.reply_deadline {
        message = message.data("deadline", deadline.format("%Y-%m-%d %H:%M"));
    }
    transition::event(
        conn,
        &attempt,
        Source::Webhook,
        "chargeback",
        None,
        None,
        Some(message),
        None,
    )?;
    if !attempt.is_for(&data.order_amount) {
        return Ok(Disposition::Flagged(
            Message::new("webhook.chargeback_mismatch")
                .data("batch", &data.batch_no)
                .data("amount", data.order_amount.to_gateway_string())
                .data("currency", data.order_amount.currency().code())
                .data("order_no", &attempt.gateway_order_no)
                .data("minor", attempt.amount_minor)
                .data("expected", &attempt.currency),
        ));
    }
    Ok(Disposition::Applied)
}

/// The newest chargeback of order `order_id`, if it has one.
pub fn of_order(conn: &mut DbConnection, order_id: i64) -> Result<Option<Dispute>, DbError> {
    use crate::db::schema::chargebacks;
    Ok(chargebacks::table
        .filter(chargebacks::order_id.eq(Some(order_id)))
        .order(chargebacks::id.desc())
        .select(Dispute::as_select())
        .first(conn)
        .optional()?)
}
