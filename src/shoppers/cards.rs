//! Saved cards: AsiaBill keeps the card (a `customerPaymentMethodId` attached to the account's
//! `customerId`); the shop keeps AsiaBill's ids, the brand and the last four digits, never a
//! card number (AsiaBill's payment-method answer carries no expiry, so none is shown).
//!
//! Save-after-pay, as AsiaBill's WooCommerce plugin does it (API notes §7.3): the charge carries
//! the account's `customerId` with `tokenType=InitRecurring`, and once it has succeeded — by the
//! answer, the return, a webhook or the reconciler, whichever comes first — a job attaches the
//! payment method to the customer and records the card. A job rather than a call inside the
//! transition: the transition runs in a database transaction, and a gateway call does not
//! belong there; the job is retried until AsiaBill answers.

use asiabill::types::CustomerRequest;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::Shopper;
use crate::{
    db::{
        DbConnection, DbError, now,
        schema::{orders, payment_attempts, saved_cards, shoppers},
        write_transaction,
    },
    jobs::{JobFailure, NewJob, Registry},
    orders::timeline::Message,
    payments::{Payments, Source, calls},
};

/// Job kind that attaches a paid attempt's card to the account and records it.
pub const SAVE_JOB: &str = "cards.save";

/// A saved card.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = saved_cards)]
#[expect(missing_docs, reason = "fields mirror the saved_cards columns")]
pub struct SavedCard {
    pub id: i64,
    pub payment_method_id: String,
    pub brand: String,
    pub last4: String,
    pub recurring: bool,
    pub is_default: bool,
    pub created_at: NaiveDateTime,
}

impl SavedCard {
    /// "Visa •••• 4242".
    pub fn label(&self) -> String {
        format!("{} •••• {}", self.brand, self.last4)
    }
}

/// The account's cards, the default first, then the newest.
pub fn list(conn: &mut DbConnection, shopper_id: i64) -> Result<Vec<SavedCard>, DbError> {
    Ok(saved_cards::table
        .filter(saved_cards::shopper_id.eq(shopper_id))
        .order((saved_cards::is_default.desc(), saved_cards::id.desc()))
        .select(SavedCard::as_select())
        .load(conn)?)
}

/// The account's card `id`; `None` for another account's.
pub fn owned(
    conn: &mut DbConnection,
    shopper_id: i64,
    id: i64,
) -> Result<Option<SavedCard>, DbError> {
    Ok(saved_cards::table
        .filter(saved_cards::id.eq(id))
        .filter(saved_cards::shopper_id.eq(shopper_id))
        .select(SavedCard::as_select())
        .first(conn)
        .optional()?)
}

/// Records a card attached at AsiaBill; the account's first becomes its default. Saving the
/// same card again only adds what is new (that it may now be charged `Recurring`).
pub fn record(
    conn: &mut DbConnection,
    shopper_id: i64,
    payment_method_id: &str,
    brand: &str,
    last4: &str,
    recurring: bool,
) -> Result<(), DbError> {
    write_transaction(conn, |conn| {
        let existing: Option<i64> = saved_cards::table
            .filter(saved_cards::shopper_id.eq(shopper_id))
            .filter(saved_cards::payment_method_id.eq(payment_method_id))
            .select(saved_cards::id)
            .first(conn)
            .optional()?;
        if let Some(id) = existing {
            if recurring {
                diesel::update(saved_cards::table.find(id))
                    .set(saved_cards::recurring.eq(true))
                    .execute(conn)?;
            }
            return Ok(());
        }
        let has_any: bool = diesel::select(diesel::dsl::exists(
            saved_cards::table.filter(saved_cards::shopper_id.eq(shopper_id)),
        ))
        .get_result(conn)?;
        diesel::insert_into(saved_cards::table)
            .values((
                saved_cards::shopper_id.eq(shopper_id),
                saved_cards::payment_method_id.eq(payment_method_id),
                saved_cards::brand.eq(brand),
                saved_cards::last4.eq(last4),
                saved_cards::recurring.eq(recurring),
                saved_cards::is_default.eq(!has_any),
                saved_cards::created_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Deletes the account's card `id` (the newest other card becomes the default); false when
/// the account has no such card.
pub fn delete(conn: &mut DbConnection, shopper_id: i64, id: i64) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        let deleted = diesel::delete(
            saved_cards::table
                .filter(saved_cards::id.eq(id))
                .filter(saved_cards::shopper_id.eq(shopper_id)),
        )
        .execute(conn)?;
        if deleted == 0 {
            return Ok(false);
        }
        if let Some(first) = list(conn, shopper_id)?.first()
            && !first.is_default
        {
            diesel::update(saved_cards::table.find(first.id))
                .set(saved_cards::is_default.eq(true))
                .execute(conn)?;
        }
        Ok(true)
    })
}

/// Makes the account's card `id` its default; false when the account has no such card.
pub fn set_default(conn: &mut DbConnection, shopper_id: i64, id: i64) -> Result<bool, DbError> {
    write_transaction(conn, |conn| {
        if owned(conn, shopper_id, id)?.is_none() {
            return Ok(false);
        }
        diesel::update(saved_cards::table.filter(saved_cards::shopper_id.eq(shopper_id)))
            .set(saved_cards::is_default.eq(saved_cards::id.eq(id)))
            .execute(conn)?;
        Ok(true)
    })
}

/// Why a card could not be saved or used.
#[derive(Debug, thiserror::Error)]
pub enum CardError {
    /// AsiaBill refused or could not be reached.
    #[error("AsiaBill: {0}")]
    Gateway(#[from] asiabill::Error),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The account's AsiaBill `customerId`, created (once) when it has none yet. Two requests
/// racing here may both create one at AsiaBill; only the first stored is ever used.
pub async fn customer_for(payments: &Payments, shopper: &Shopper) -> Result<String, CardError> {
    if let Some(id) = &shopper.asiabill_customer_id {
        return Ok(id.clone());
    }
    let (first, last) = match shopper.name.split_once(' ') {
        Some((first, last)) => (first.to_owned(), last.to_owned()),
        None => (shopper.name.clone(), String::new()),
    };
    let created = payments
        .gateway
        .create_customer(&CustomerRequest {
            description: Some(format!("shop account {}", shopper.id)),
            email: Some(shopper.email.clone()),
            first_name: Some(first.chars().take(50).collect()),
            last_name: Some(last.chars().take(50).collect()).filter(|l: &String| !l.is_empty()),
            phone: None,
        })
        .await?;
    let shopper_id = shopper.id;
    let stored = payments
        .db
        .run(move |conn| {
            diesel::update(
                shoppers::table
                    .find(shopper_id)
                    .filter(shoppers::asiabill_customer_id.is_null()),
            )
            .set(shoppers::asiabill_customer_id.eq(Some(&created.customer_id)))
            .execute(conn)?;
            Ok::<_, DbError>(
                shoppers::table
                    .find(shopper_id)
                    .select(shoppers::asiabill_customer_id)
                    .first::<Option<String>>(conn)?,
            )
        })
        .await?;
    stored.ok_or(CardError::Db(DbError::Query(
        diesel::result::Error::NotFound,
    )))
}

/// Queues the job that saves a paid attempt's card (called by the transition, in its
/// transaction, once the attempt succeeded). Queued once per attempt, however often the success
/// is reported.
pub fn queue_save(conn: &mut DbConnection, attempt_id: i64) -> Result<(), DbError> {
    crate::jobs::enqueue(
        conn,
        &NewJob::new(SAVE_JOB, serde_json::json!({ "attempt_id": attempt_id }))
            .dedupe(format!("{SAVE_JOB}:{attempt_id}")),
    )?;
    Ok(())
}

/// What the save job needs of the attempt.
struct ToSave {
    order_id: i64,
    shopper_id: i64,
    payment_method_id: String,
    customer_id: String,
    recurring: bool,
}

/// The save job: attaches the attempt's payment method to the account's customer, reads the
/// card's brand and last four digits from AsiaBill, records the card, and writes both calls on
/// the order's timeline.
pub async fn save_paid_card(payments: &Payments, attempt_id: i64) -> Result<(), JobFailure> {
    let found = payments
        .db
        .run(move |conn| {
            payment_attempts::table
                .inner_join(orders::table)
                .filter(payment_attempts::id.eq(attempt_id))
                .select((
                    payment_attempts::order_id,
                    orders::shopper_id,
                    payment_attempts::customer_payment_method_id,
                    payment_attempts::customer_id,
                    payment_attempts::token_type,
                ))
                .first::<(
                    i64,
                    Option<i64>,
                    Option<String>,
                    Option<String>,
                    Option<String>,
                )>(conn)
                .optional()
                .map_err(DbError::from)
        })
        .await?;
    let Some((order_id, Some(shopper_id), Some(payment_method_id), Some(customer_id), token)) =
        found
    else {
        return Err(JobFailure::Permanent(format!(
            "attempt {attempt_id} has no account, card or customer to save"
        )));
    };
    let job = ToSave {
        order_id,
        shopper_id,
        payment_method_id,
        customer_id,
        recurring: token.as_deref() == Some(asiabill::TokenType::InitRecurring.as_str()),
    };
    // A retry after the attach went through (and the lookup after it failed) must not attach
    // again: AsiaBill may refuse a second attach, and the card would never be recorded.
    let attached = match held_by(payments, &job.payment_method_id, &job.customer_id).await {
        Ok(true) => Ok(()),
        Ok(false) | Err(_) => {
            payments
                .gateway
                .attach_payment_method(&job.payment_method_id, &job.customer_id)
                .await
        }
    };
    let card = match attached {
        Ok(()) => {
            payments
                .gateway
                .payment_method(&job.payment_method_id)
                .await
        }
        Err(e) => Err(e),
    };
    let summary = match &card {
        Ok(method) => {
            let card = method.card.clone().unwrap_or_default();
            Message::new("timeline.card_saved")
                .data("brand", &card.brand)
                .data("last4", &card.last4)
        }
        Err(e) => Message::new("timeline.call_error").data("error", e),
    };
    let call = calls::Traffic {
        order_id: job.order_id,
        attempt_id: Some(attempt_id),
        source: Source::Api,
        kind: calls::CALL,
        endpoint: "payment_methods/attach",
        summary,
        detail: None,
    };
    let method = card.as_ref().ok().cloned();
    payments
        .db
        .run(move |conn| {
            calls::record(conn, &call)?;
            if let Some(method) = method {
                let summary = method.card.unwrap_or_default();
                record(
                    conn,
                    job.shopper_id,
                    &job.payment_method_id,
                    &summary.brand,
                    &summary.last4,
                    job.recurring,
                )?;
            }
            Ok::<_, DbError>(())
        })
        .await?;
    match card {
        Ok(_) => Ok(()),
        // AsiaBill refused: the card cannot be saved (the shopper's payment stands).
        Err(asiabill::Error::Business { code, message }) => Err(JobFailure::Permanent(format!(
            "AsiaBill refused to attach the card: {code} {message}"
        ))),
        Err(e) => Err(JobFailure::Retry(e.to_string())),
    }
}

/// The account's cards after asking AsiaBill which it still holds: a card AsiaBill no longer
/// knows is deleted here and returned in the second list, so the page can say so. When AsiaBill
/// cannot be asked, the cards are shown as recorded and the third value is false.
pub async fn checked_list(
    payments: &Payments,
    shopper: &Shopper,
) -> Result<(Vec<SavedCard>, Vec<SavedCard>, bool), DbError> {
    let shopper_id = shopper.id;
    let recorded = payments.db.run(move |conn| list(conn, shopper_id)).await?;
    let Some(customer_id) = shopper.asiabill_customer_id.clone() else {
        return Ok((recorded, Vec::new(), true));
    };
    if recorded.is_empty() {
        return Ok((recorded, Vec::new(), true));
    }
    let known = match payments.gateway.payment_methods(&customer_id).await {
        Ok(methods) => methods,
        Err(e) => {
            tracing::warn!(error = %e, "could not list the saved cards at AsiaBill");
            return Ok((recorded, Vec::new(), false));
        }
    };
    let (mut kept, missing): (Vec<SavedCard>, Vec<SavedCard>) =
        recorded.into_iter().partition(|c| {
            known
                .iter()
                .any(|m| m.customer_payment_method_id == c.payment_method_id)
        });
    // A card missing from the list is asked about on its own before it is forgotten: a short
    // or empty list (a hiccup at AsiaBill) must not wipe the shopper's cards.
    let mut gone = Vec::new();
    for card in missing {
        match held_by(payments, &card.payment_method_id, &customer_id).await {
            Ok(false) => gone.push(card),
            Ok(true) => kept.push(card),
            Err(e) => {
                tracing::warn!(error = %e, "could not look a saved card up at AsiaBill");
                kept.push(card);
            }
        }
    }
    if !gone.is_empty() {
        let ids: Vec<i64> = gone.iter().map(|c| c.id).collect();
        payments
            .db
            .run(move |conn| {
                for id in ids {
                    delete(conn, shopper_id, id)?;
                }
                list(conn, shopper_id)
            })
            .await
            .map(|kept| (kept, gone, true))
    } else {
        Ok((kept, gone, true))
    }
}

/// Whether AsiaBill still holds payment method `payment_method_id` attached to
/// `customer_id`: false when AsiaBill refuses the lookup (it knows no such method) or has it
/// detached or attached elsewhere.
async fn held_by(
    payments: &Payments,
    payment_method_id: &str,
    customer_id: &str,
) -> Result<bool, asiabill::Error> {
    match payments.gateway.payment_method(payment_method_id).await {
        Ok(method) => Ok(method.customer_id.as_deref() == Some(customer_id)),
        Err(asiabill::Error::Business { .. }) => Ok(false),
        Err(e) => Err(e),
    }
}

/// Removes a card: detached at AsiaBill first, then deleted here. When AsiaBill refuses the
/// detach, the card is forgotten only if AsiaBill no longer holds it for this account (else it
/// could still be charged there while the shopper is told it is gone). Answers false when the
/// account has no such card.
pub async fn remove(payments: &Payments, shopper: &Shopper, id: i64) -> Result<bool, CardError> {
    let shopper_id = shopper.id;
    let Some(card) = payments
        .db
        .run(move |conn| owned(conn, shopper_id, id))
        .await?
    else {
        return Ok(false);
    };
    match payments
        .gateway
        .detach_payment_method(&card.payment_method_id)
        .await
    {
        Ok(()) => {}
        Err(refused @ asiabill::Error::Business { .. }) => {
            let customer = shopper.asiabill_customer_id.as_deref().unwrap_or_default();
            if held_by(payments, &card.payment_method_id, customer).await? {
                return Err(refused.into());
            }
        }
        Err(e) => return Err(e.into()),
    }
    Ok(payments
        .db
        .run(move |conn| delete(conn, shopper_id, id))
        .await?)
}

/// Adds the card jobs to the runner.
pub fn register_jobs(registry: &mut Registry, payments: &Payments) {
    let app = payments.clone();
    registry.register(SAVE_JOB, move |job| {
        let app = app.clone();
        async move {
            let attempt_id = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|v| v["attempt_id"].as_i64())
                .ok_or_else(|| JobFailure::Permanent("payload without attempt_id".into()))?;
            save_paid_card(&app, attempt_id).await
        }
    });
}
