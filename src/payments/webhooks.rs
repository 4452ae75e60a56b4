//! `POST /payment/asiabill/webhook`: verify, store, then apply.
//!
//! The event is stored with its headers, deduplicated on the SHA-256 of the raw body (AsiaBill
//! signs each retry afresh, so only the body repeats), and applied in the same transaction.
//! `success` goes back once it is applied, or when applying it failed for a business reason
//! (flagged for the merchant). When that transaction fails (a lock held too long, the database
//! gone), the event is stored in a commit of its own, then applied in a second transaction; if
//! that fails too, the error stays on the stored row, a job applies it later, and the answer is
//! an error so that AsiaBill retries and the retry finds the stored event.
//!
//! A refused delivery (signature, gateway or time) is stored too, for the merchant to see, but
//! bounded: anyone can post here, so its body and headers are cut short and only the latest
//! refused rows are kept, with a count of all of them (see [`rejected_webhooks`]).

use std::time::SystemTime;

use asiabill::webhook::{PreAuthEvent, TransactionEvent, WebhookEvent, verify_webhook};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::{
    AttemptStatus, Source, WebhookStatus, attempts, calls,
    refunds::{self, RefundApplied, RefundNews},
    rejected_webhooks,
    start::success_status,
    transition::{self, Effects, Outcome},
};
use crate::{
    db::{
        DbConnection, DbError,
        models::{NewWebhookEvent, PaymentAttempt},
        now,
        schema::webhook_events,
        write_transaction,
    },
    jobs::{self, NewJob},
    orders::timeline::{self, Event, Message},
    payments::Payments,
};

/// Job kind that re-applies a stored webhook whose first application failed.
pub const REAPPLY_JOB: &str = "webhooks.apply";

/// What the endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// `200 success`: stored and applied (or flagged, or a duplicate).
    Success,
    /// `401`: the signature, gateway or time did not check out. Stored as rejected.
    Unauthorized,
    /// `503`: something here failed; AsiaBill should retry.
    Retry,
}

/// How a stored event ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Applied to our records.
    Applied,
    /// Nothing to apply (a type or state we do not act on).
    Ignored(Message),
    /// Needs the merchant: amount mismatch, unknown order, unknown refund.
    Flagged(Message),
}

impl Disposition {
    fn status(&self) -> WebhookStatus {
        match self {
            Disposition::Applied => WebhookStatus::Applied,
            Disposition::Ignored(_) => WebhookStatus::Ignored,
            Disposition::Flagged(_) => WebhookStatus::Flagged,
        }
    }

    fn note(&self) -> Option<Message> {
        match self {
            Disposition::Applied => None,
            Disposition::Ignored(n) | Disposition::Flagged(n) => Some(n.clone()),
        }
    }
}

struct Stored {
    id: i64,
    status: WebhookStatus,
    signature_valid: bool,
    /// Inserted by this delivery (not a repeat of a stored body).
    fresh: bool,
}

/// How a delivery ended, as the metrics count it (`shop_webhooks_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intake {
    /// Applied now; AsiaBill signed it at this `request-time` (epoch milliseconds).
    Applied(u64),
    /// Nothing to apply.
    Ignored,
    /// Left for the merchant.
    Flagged,
    /// A repeat of a body already dealt with.
    Duplicate,
    /// The headers, gateway, signature or version did not check out.
    Refused,
    /// Signed, but `request-time` is beyond the tolerance.
    Stale,
    /// Signed, but the body is not the documented JSON.
    Malformed,
    /// Not stored, or not applied yet: answered 503 for AsiaBill to retry.
    Retry,
}

impl Intake {
    fn outcome(self) -> &'static str {
        match self {
            Intake::Applied(_) => "applied",
            Intake::Ignored => "ignored",
            Intake::Flagged => "flagged",
            Intake::Duplicate => "duplicate",
            Intake::Refused => "refused",
            Intake::Stale => "stale",
            Intake::Malformed => "malformed",
            Intake::Retry => "retry",
        }
    }

    fn refused(error: &asiabill::webhook::WebhookError) -> Self {
        use asiabill::webhook::WebhookError;
        match error {
            WebhookError::Stale { .. } => Intake::Stale,
            WebhookError::Malformed(_) => Intake::Malformed,
            _ => Intake::Refused,
        }
    }
}

/// Handles one delivery.
pub async fn receive(payments: &Payments, headers: Vec<(String, String)>, body: Vec<u8>) -> Reply {
    let (reply, intake) = take(payments, headers, body).await;
    let applied_after = match intake {
        Intake::Applied(request_time_ms) => Some(request_time_ms),
        _ => None,
    };
    crate::telemetry::metrics::webhook(intake.outcome(), applied_after);
    reply
}

/// [`receive`], saying how the delivery ended.
async fn take(
    payments: &Payments,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> (Reply, Intake) {
    let settings = &payments.settings;
    let verified = verify_webhook(
        &settings.gateway.credentials,
        headers.as_slice(),
        &body,
        SystemTime::now(),
        settings.gateway.webhook_tolerance,
    );
    let header = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    // The digest is of the whole body, so that a genuine delivery of a body first seen with a
    // bad signature still finds (and takes over) the refused row.
    let body_sha256 = hex::encode(Sha256::digest(&body));
    let verified = match verified {
        Ok(verified) => verified,
        Err(e) => {
            let record = NewRecord {
                body_sha256,
                request_id: cut(header("request-id")),
                request_time: cut(header("request-time")),
                gateway_no: cut(header("gateway-no")),
                version: Some(cut(header("version"))).filter(|v| !v.is_empty()),
                headers: rejected_webhooks::headers_excerpt(&headers),
                body: rejected_webhooks::body_excerpt(&body),
                event: None,
                error: Some(e.to_string()),
            };
            let stored = payments
                .db
                .run(move |conn| {
                    store(conn, &record, WebhookStatus::Received)?;
                    rejected_webhooks::record(conn, now())
                })
                .await;
            match stored {
                Ok(today) if rejected_webhooks::worth_logging(today) => {
                    tracing::warn!(error = %e, webhooks.refused_today = today, "webhook refused");
                }
                Ok(_) => {}
                Err(db) => {
                    tracing::warn!(error = %e, "webhook refused");
                    tracing::error!(error = %db, "webhook could not be stored; AsiaBill will retry");
                    return (Reply::Retry, Intake::Retry);
                }
            }
            return (Reply::Unauthorized, Intake::refused(&e));
        }
    };
    let request_time_ms = verified.request_time_ms;
    let record = NewRecord {
        body_sha256,
        request_id: header("request-id"),
        request_time: header("request-time"),
        gateway_no: header("gateway-no"),
        version: Some(header("version")).filter(|v| !v.is_empty()),
        headers: serde_json::to_string(&headers).unwrap_or_default(),
        body: String::from_utf8_lossy(&body).into_owned(),
        event: Some(verified.event.clone()),
        error: None,
    };
    // The usual delivery is stored and applied in one transaction: one commit (one flush of
    // the log to disk) and one trip to a database thread instead of two of each.
    let effects = super::start::effects(payments);
    let event = verified.event;
    let retry_record = record.clone();
    let handled = payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                // A new delivery is inserted as applied, since it commits only if it is: that
                // spares an update of the row (and of its eight indexes) in the usual case. No
                // one sees the row before the commit; a repeat delivery waits for it.
                let stored = store(conn, &record, WebhookStatus::Applied)?;
                if !stored.signature_valid || (stored.status.is_final() && !stored.fresh) {
                    return Ok((stored, Intake::Duplicate));
                }
                let disposition = if stored.fresh {
                    let disposition = apply_event(conn, stored.id, &event, &effects)?;
                    if disposition != Disposition::Applied {
                        note_disposition(conn, stored.id, &disposition)?;
                    }
                    disposition
                } else {
                    apply_and_mark(conn, stored.id, &event, &effects)?
                };
                let intake = match disposition {
                    Disposition::Applied => Intake::Applied(request_time_ms),
                    Disposition::Ignored(_) => Intake::Ignored,
                    Disposition::Flagged(_) => Intake::Flagged,
                };
                Ok::<_, DbError>((stored, intake))
            })
        })
        .await;
    match handled {
        Ok((stored, _)) if !stored.signature_valid => (Reply::Unauthorized, Intake::Refused),
        Ok((_, intake)) => (Reply::Success, intake),
        Err(e) => {
            tracing::error!(error = %e, "webhook not applied; keeping it for a retry");
            let reply = keep_unapplied(payments, retry_record, e).await;
            let intake = match reply {
                // A repeat of it was applied meanwhile.
                Reply::Success => Intake::Duplicate,
                Reply::Unauthorized => Intake::Refused,
                Reply::Retry => Intake::Retry,
            };
            (reply, intake)
        }
    }
}

/// A delivery whose transaction failed (a lock held too long, the database gone): nothing of it
/// was kept, so it is stored now in a commit of its own, with the error, and a job applies it
/// later. The answer asks AsiaBill to retry, unless a repeat of it was applied meanwhile.
async fn keep_unapplied(payments: &Payments, record: NewRecord, error: DbError) -> Reply {
    let error = error.to_string();
    let kept = payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let stored = store(conn, &record, WebhookStatus::Received)?;
                if stored.status.is_final() || !stored.signature_valid {
                    return Ok::<_, DbError>(stored);
                }
                let id = stored.id;
                diesel::update(webhook_events::table.find(id))
                    .set((
                        webhook_events::error.eq(Some(&error)),
                        webhook_events::error_key.eq(None::<String>),
                        webhook_events::apply_attempts.eq(webhook_events::apply_attempts + 1),
                    ))
                    .execute(conn)?;
                jobs::enqueue(
                    conn,
                    &NewJob::new(REAPPLY_JOB, serde_json::json!({ "webhook_id": id }))
                        .dedupe(format!("{REAPPLY_JOB}:{id}")),
                )?;
                Ok(stored)
            })
        })
        .await;
    match kept {
        Ok(stored) if stored.status.is_final() && stored.signature_valid => Reply::Success,
        Ok(stored) if !stored.signature_valid => Reply::Unauthorized,
        Ok(_) => Reply::Retry,
        Err(e) => {
            tracing::error!(error = %e, "webhook could not be stored; AsiaBill will retry");
            Reply::Retry
        }
    }
}

/// Applies stored webhook `id` (whose verified event is `event`) and records the outcome.
pub async fn apply_stored(
    payments: &Payments,
    id: i64,
    event: WebhookEvent,
) -> Result<(), DbError> {
    let effects = super::start::effects(payments);
    payments
        .db
        .run(move |conn| {
            let result = write_transaction(conn, |conn| {
                apply_and_mark(conn, id, &event, &effects).map(|_| ())
            });
            if let Err(e) = &result {
                // Best effort: the row keeps status `received`, so a retry applies it.
                let _ = diesel::update(webhook_events::table.find(id))
                    .set((
                        webhook_events::error.eq(Some(e.to_string())),
                        webhook_events::error_key.eq(None::<String>),
                        webhook_events::apply_attempts.eq(webhook_events::apply_attempts + 1),
                    ))
                    .execute(conn);
            }
            result
        })
        .await
}

/// Applies stored webhook `id` in the caller's transaction and writes how it ended on its row.
fn apply_and_mark(
    conn: &mut DbConnection,
    id: i64,
    event: &WebhookEvent,
    effects: &Effects,
) -> Result<Disposition, DbError> {
    let disposition = apply_event(conn, id, event, effects)?;
    let note = disposition.note();
    diesel::update(webhook_events::table.find(id))
        .set((
            webhook_events::status.eq(disposition.status()),
            webhook_events::error.eq(note.as_ref().map(Message::english)),
            webhook_events::error_key.eq(note.as_ref().map(Message::key)),
            webhook_events::error_args.eq(note.as_ref().and_then(Message::stored_args)),
            webhook_events::applied_at.eq(Some(now())),
            webhook_events::apply_attempts.eq(webhook_events::apply_attempts + 1),
        ))
        .execute(conn)?;
    Ok(disposition)
}

/// Writes on a row inserted as applied that its delivery was ignored or flagged instead, with
/// the note saying why.
fn note_disposition(
    conn: &mut DbConnection,
    id: i64,
    disposition: &Disposition,
) -> Result<(), DbError> {
    let note = disposition.note();
    diesel::update(webhook_events::table.find(id))
        .set((
            webhook_events::status.eq(disposition.status()),
            webhook_events::error.eq(note.as_ref().map(Message::english)),
            webhook_events::error_key.eq(note.as_ref().map(Message::key)),
            webhook_events::error_args.eq(note.as_ref().and_then(Message::stored_args)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Re-applies a stored webhook by id (the background job and the admin's "reprocess").
pub async fn reapply(payments: &Payments, id: i64) -> Result<(), DbError> {
    let row: (String, bool) = payments
        .db
        .run(move |conn| {
            webhook_events::table
                .find(id)
                .select((webhook_events::body, webhook_events::signature_valid))
                .first(conn)
                .map_err(DbError::from)
        })
        .await?;
    let (body, valid) = row;
    if !valid {
        return Ok(());
    }
    // The signature was checked when the event arrived; re-reading the body we stored then
    // needs no second check (the request-time would be stale by now anyway).
    match WebhookEvent::from_verified_body(body.as_bytes()) {
        Ok(event) => apply_stored(payments, id, event).await,
        Err(e) => {
            tracing::warn!(error = %e, webhook.id = id, "stored webhook no longer parses");
            Ok(())
        }
    }
}

#[derive(Clone)]
struct NewRecord {
    body_sha256: String,
    request_id: String,
    request_time: String,
    gateway_no: String,
    version: Option<String>,
    headers: String,
    body: String,
    event: Option<WebhookEvent>,
    error: Option<String>,
}

/// A header of a refused delivery, cut to a length worth keeping.
fn cut(value: String) -> String {
    value.chars().take(256).collect()
}

/// Stores a delivery, or finds the stored row of its body. A new row of a genuine delivery is
/// inserted with `status_if_new`: `received`, or `applied` by a caller whose transaction
/// applies it before it commits.
fn store(
    conn: &mut DbConnection,
    r: &NewRecord,
    status_if_new: WebhookStatus,
) -> Result<Stored, DbError> {
    let (event_type, order_no, trade_no) = match &r.event {
        Some(e) => {
            let (o, t) = identifiers(e);
            (Some(e.event_type().to_owned()), o, t)
        }
        None => (None, None, None),
    };
    let valid = r.event.is_some();
    let status = if valid {
        status_if_new
    } else {
        WebhookStatus::Failed
    };
    let applied = status == WebhookStatus::Applied;
    let at = now();
    let insert = diesel::insert_into(webhook_events::table)
        .values(NewWebhookEvent {
            body_sha256: &r.body_sha256,
            request_id: &r.request_id,
            request_time: &r.request_time,
            gateway_no: &r.gateway_no,
            version: r.version.as_deref(),
            headers: &r.headers,
            body: &r.body,
            event_type: event_type.as_deref(),
            gateway_order_no: order_no.as_deref(),
            trade_no: trade_no.as_deref(),
            signature_valid: valid,
            status,
            error: r.error.as_deref(),
            apply_attempts: i64::from(applied),
            applied_at: applied.then_some(at),
            received_at: at,
        })
        // A body seen before is not an error: inside the transaction that also applies it, a
        // unique violation would abort everything on PostgreSQL.
        .on_conflict(webhook_events::body_sha256)
        .do_nothing()
        .returning(webhook_events::id);
    // On the backend's own connection: the multi-backend one has no `ON CONFLICT`.
    let inserted: Option<i64> =
        crate::on_backend!(conn, |c| insert.get_result::<i64>(c).optional())?;
    match inserted {
        Some(id) => Ok(Stored {
            id,
            status,
            signature_valid: valid,
            fresh: true,
        }),
        None => {
            let (id, status, was_valid): (i64, WebhookStatus, bool) = webhook_events::table
                .filter(webhook_events::body_sha256.eq(&r.body_sha256))
                .select((
                    webhook_events::id,
                    webhook_events::status,
                    webhook_events::signature_valid,
                ))
                .first(conn)?;
            if !was_valid && valid {
                // The same body arrived first with a bad signature (forged or stale); this
                // delivery is genuine, so the row takes its headers and whole body (the refused
                // copy kept only the start) and becomes applicable.
                let taken = diesel::update(
                    webhook_events::table
                        .find(id)
                        .filter(webhook_events::signature_valid.eq(false)),
                )
                .set((
                    webhook_events::request_id.eq(&r.request_id),
                    webhook_events::request_time.eq(&r.request_time),
                    webhook_events::headers.eq(&r.headers),
                    webhook_events::body.eq(&r.body),
                    webhook_events::event_type.eq(&event_type),
                    webhook_events::gateway_order_no.eq(&order_no),
                    webhook_events::trade_no.eq(&trade_no),
                    webhook_events::signature_valid.eq(true),
                    webhook_events::status.eq(WebhookStatus::Received),
                    webhook_events::error.eq(None::<String>),
                    webhook_events::error_key.eq(None::<String>),
                    webhook_events::error_args.eq(None::<String>),
                ))
                .execute(conn)?;
                if taken == 0 {
                    // The refused row was just deleted (only the latest are kept) or another
                    // genuine delivery took it: store this one afresh or find that one.
                    return store(conn, r, status_if_new);
                }
                count_delivery(conn, id)?;
                return Ok(Stored {
                    id,
                    status: WebhookStatus::Received,
                    signature_valid: true,
                    fresh: false,
                });
            }
            count_delivery(conn, id)?;
            Ok(Stored {
                id,
                status,
                signature_valid: was_valid,
                fresh: false,
            })
        }
    }
}

/// Counts one more delivery of stored row `id`: AsiaBill's retries of one body are deduplicated
/// onto it, and the log should still show that they came.
fn count_delivery(conn: &mut DbConnection, id: i64) -> Result<(), DbError> {
    diesel::update(webhook_events::table.find(id))
        .set((
            webhook_events::deliveries.eq(webhook_events::deliveries + 1),
            webhook_events::last_delivered_at.eq(Some(now())),
        ))
        .execute(conn)?;
    Ok(())
}

fn identifiers(event: &WebhookEvent) -> (Option<String>, Option<String>) {
    match event {
        WebhookEvent::Transaction { data, .. } => {
            (Some(data.order_no.clone()), Some(data.trade_no.clone()))
        }
        WebhookEvent::PreAuthorized { data, .. } => {
            (Some(data.order_no.clone()), Some(data.trade_no.clone()))
        }
        WebhookEvent::Refund { data, .. } => {
            (Some(data.order_no.clone()), Some(data.trade_no.clone()))
        }
        WebhookEvent::Chargeback(data) => {
            (Some(data.order_no.clone()), Some(data.trade_no.clone()))
        }
        WebhookEvent::Unknown { .. } => (None, None),
    }
}

/// The attempt a notice is about: by our `orderNo`, else by AsiaBill's `tradeNo`.
pub(super) fn find_attempt(
    conn: &mut DbConnection,
    order_no: &str,
    trade_no: &str,
) -> Result<Option<PaymentAttempt>, DbError> {
    match attempts::by_order_no(conn, order_no)? {
        Some(a) => Ok(Some(a)),
        None => attempts::by_trade_no(conn, trade_no),
    }
}

/// Puts a webhook on its order's timeline, linked to the stored delivery. Done before the
/// webhook is applied, so that a flagged one is seen there too.
fn record_arrival(
    conn: &mut DbConnection,
    webhook_id: i64,
    event_type: &str,
    attempt: &PaymentAttempt,
    summary: Message,
) -> Result<(), DbError> {
    calls::record(
        conn,
        &calls::Traffic {
            order_id: attempt.order_id,
            attempt_id: Some(attempt.id),
            source: Source::Webhook,
            kind: calls::WEBHOOK,
            endpoint: event_type,
            summary,
            detail: Some(serde_json::json!({ "webhook_id": webhook_id })),
        },
    )
}

/// What a payment notice (`transaction.*`, `preAuthorization.*`) says about an attempt.
struct PaymentNotice<'a> {
    order_no: &'a str,
    trade_no: &'a str,
    /// AsiaBill's words (`orderInfo`, `operationResult`).
    words: &'a str,
    amount: &'a asiabill::Money,
}

/// Applies a payment notice to the attempt it names: on the timeline first, flagged when its
/// amount is not the attempt's, else moved to the state `to` reads from it (or left with the
/// disposition `to` gives instead).
fn apply_payment_notice(
    conn: &mut DbConnection,
    webhook_id: i64,
    event_type: &str,
    notice: PaymentNotice<'_>,
    effects: &Effects,
    to: impl FnOnce(&PaymentAttempt) -> Result<AttemptStatus, Disposition>,
) -> Result<Disposition, DbError> {
    let Some(attempt) = find_attempt(conn, notice.order_no, notice.trade_no)? else {
        return Ok(Disposition::Flagged(
            Message::new("webhook.no_attempt").data("order_no", notice.order_no),
        ));
    };
    record_arrival(
        conn,
        webhook_id,
        event_type,
        &attempt,
        Message::new("timeline.webhook_payment")
            .data("info", notice.words)
            .data("trade_no", notice.trade_no),
    )?;
    // The timeline entry took the order's lock: read the attempt again, as the transition
    // before this one left it, and move it from there.
    let attempt = attempts::by_id(conn, attempt.id)?;
    if let Some(flag) = mismatch(conn, &attempt, notice.amount)? {
        return Ok(flag);
    }
    let to = match to(&attempt) {
        Ok(to) => to,
        Err(disposition) => return Ok(disposition),
    };
    let outcome = Outcome {
        trade_no: Some(notice.trade_no.to_owned()),
        message: Some(notice.words.to_owned()),
        ..Outcome::to(to)
    };
    transition::apply_locked(conn, &attempt, &outcome, Source::Webhook, effects)?;
    Ok(Disposition::Applied)
}

/// Applies a verified event inside the caller's transaction.
fn apply_event(
    conn: &mut DbConnection,
    webhook_id: i64,
    event: &WebhookEvent,
    effects: &Effects,
) -> Result<Disposition, DbError> {
    let event_type = event.event_type();
    match event {
        WebhookEvent::Transaction { event, data } => apply_payment_notice(
            conn,
            webhook_id,
            event_type,
            PaymentNotice {
                order_no: &data.order_no,
                trade_no: &data.trade_no,
                words: &data.order_info,
                amount: &data.order_amount,
            },
            effects,
            |attempt| match event {
                TransactionEvent::Success if data.transaction_type == "Authorization" => {
                    Ok(AttemptStatus::Authorized)
                }
                TransactionEvent::Success => Ok(success_status(attempt)),
                TransactionEvent::Fail => Ok(AttemptStatus::Failed),
                TransactionEvent::Pending => Ok(AttemptStatus::Pending),
                TransactionEvent::Clear => {
                    Err(Disposition::Ignored(Message::new("webhook.settlement")))
                }
            },
        ),
        WebhookEvent::PreAuthorized { event, data } => apply_payment_notice(
            conn,
            webhook_id,
            event_type,
            PaymentNotice {
                order_no: &data.order_no,
                trade_no: &data.trade_no,
                words: &data.operation_result,
                amount: &data.order_amount,
            },
            effects,
            |_| match event {
                PreAuthEvent::Captured => Ok(AttemptStatus::Paid),
                PreAuthEvent::Void => Ok(AttemptStatus::Voided),
            },
        ),
        WebhookEvent::Refund { event, data } => {
            if let Some(attempt) = attempts::by_trade_no(conn, &data.trade_no)? {
                record_arrival(
                    conn,
                    webhook_id,
                    event_type,
                    &attempt,
                    Message::new("timeline.webhook_refund")
                        .data("amount", data.amount.to_gateway_string())
                        .data("currency", data.amount.currency().code())
                        .data(
                            "refund",
                            data.mer_track_no.as_deref().unwrap_or(&data.batch_no),
                        ),
                )?;
            }
            let news = RefundNews {
                mer_track_no: data.mer_track_no.clone(),
                trade_no: data.trade_no.clone(),
                amount: data.amount,
                batch_no: Some(data.batch_no.clone()),
                succeeded: *event == asiabill::webhook::RefundEvent::Success,
                message: Some(data.reason.clone()).filter(|r| !r.is_empty()),
                marked_by: None,
            };
            match refunds::apply(conn, &news, Source::Webhook, effects)? {
                RefundApplied::NotFound => Ok(Disposition::Flagged(
                    Message::new("webhook.no_refund").data("batch", &data.batch_no),
                )),
                RefundApplied::Overridden(note) | RefundApplied::Mismatch(note) => {
                    Ok(Disposition::Flagged(note))
                }
                RefundApplied::Settled | RefundApplied::Unchanged => Ok(Disposition::Applied),
            }
        }
        WebhookEvent::Chargeback(data) => super::disputes::open(conn, data),
        WebhookEvent::Unknown { event_type, .. } => Ok(Disposition::Ignored(
            Message::new("webhook.unhandled").data("type", event_type),
        )),
    }
}

/// Flags an amount or currency that is not the attempt's; `None` when they match.
fn mismatch(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    amount: &asiabill::Money,
) -> Result<Option<Disposition>, DbError> {
    if attempt.is_for(amount) {
        return Ok(None);
    }
    let note = Message::new("timeline.webhook_mismatch")
        .data("amount", amount.to_gateway_string())
        .data("currency", amount.currency().code())
        .data("order_no", &attempt.gateway_order_no)
        .data("minor", attempt.amount_minor)
        .data("expected", &attempt.currency);
    timeline::record(
        conn,
        Event::new(attempt.order_id, Source::Webhook, "amount_mismatch")
            .attempt(attempt.id)
            .says(note.clone()),
    )?;
    Ok(Some(Disposition::Flagged(note)))
}
