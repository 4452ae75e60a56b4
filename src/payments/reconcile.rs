//! The reconciler: asks AsiaBill about attempts that stayed undecided and refunds that were
//! requested, so an order reaches its true state even when every webhook is lost.
//!
//! It runs as a job of the runner (one pass per period, deduplicated by period so several
//! instances run each pass once) and as `shop reconcile`.

use std::time::Duration;

use asiabill::{Currency, Money, types::RefundStatus as GatewayRefundStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{
    AttemptStatus, RefundStatus, Source, calls,
    query::{self, Reading},
    refunds::{self, RefundNews},
    start::effects,
    transition::{self, Outcome},
};
use crate::{
    db::{
        DbConnection, DbError,
        models::{PaymentAttempt, Refund},
        now,
        schema::{payment_attempts, refunds as refunds_table},
        write_transaction,
    },
    jobs::{self, NewJob},
    orders::timeline::Message,
    payments::Payments,
};

/// Job kind of one reconciliation pass.
pub const JOB: &str = "payments.reconcile";

/// What a pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Report {
    /// Attempts queried.
    pub attempts_checked: usize,
    /// Attempts whose state changed.
    pub attempts_settled: usize,
    /// Refunds queried.
    pub refunds_checked: usize,
    /// Refunds settled.
    pub refunds_settled: usize,
}

/// Delay before the `n`-th query of the same attempt: the base age, doubling, at most a day.
fn backoff(base: Duration, queries: i64) -> chrono::Duration {
    let exponent = u32::try_from(queries.clamp(0, 10)).unwrap_or(10);
    let delay = base
        .saturating_mul(2_u32.pow(exponent))
        .min(Duration::from_secs(86_400));
    chrono::Duration::from_std(delay).unwrap_or(chrono::Duration::MAX)
}

/// The `gateway_code` of an attempt the reconciler gave up while AsiaBill still called it
/// undecided (the shop's own word, never AsiaBill's): such an attempt is still asked about for
/// [`WATCH_GIVEN_UP`], so that a payment AsiaBill settles late is not lost.
pub const GIVEN_UP: &str = "shop:given-up";
/// How long a given-up attempt is still asked about (with the usual back-off).
const WATCH_GIVEN_UP: chrono::TimeDelta = chrono::TimeDelta::days(7);

fn due_attempts(
    conn: &mut DbConnection,
    older_than: NaiveDateTime,
) -> Result<Vec<PaymentAttempt>, DbError> {
    let watched_since = now() - WATCH_GIVEN_UP;
    Ok(payment_attempts::table
        .filter(
            payment_attempts::status
                .eq_any(AttemptStatus::OPEN)
                .or(payment_attempts::status
                    .eq(AttemptStatus::Cancelled)
                    .and(payment_attempts::gateway_code.eq(GIVEN_UP))
                    .and(payment_attempts::created_at.gt(watched_since))),
        )
        .filter(payment_attempts::updated_at.lt(older_than))
        .order(payment_attempts::id)
        .limit(200)
        .select(PaymentAttempt::as_select())
        .load(conn)?)
}

/// One pass over undecided attempts and requested refunds.
pub async fn pass(payments: &Payments) -> Result<Report, DbError> {
    let after = payments.settings.reconcile_after;
    let older_than = now() - chrono::Duration::from_std(after).unwrap_or(chrono::Duration::MAX);
    let candidates = payments
        .db
        .run(move |conn| due_attempts(conn, older_than))
        .await?;
    let mut report = Report::default();
    let at = now();
    for attempt in candidates {
        let last = attempt.last_queried_at.unwrap_or(attempt.created_at);
        if attempt.query_count > 0 && last + backoff(after, attempt.query_count - 1) > at {
            continue;
        }
        report.attempts_checked += 1;
        if reconcile_attempt(payments, &attempt).await? {
            report.attempts_settled += 1;
        }
    }
    let requested: Vec<Refund> = payments
        .db
        .run(move |conn| {
            refunds_table::table
                .filter(refunds_table::status.eq(RefundStatus::Requested))
                .filter(refunds_table::batch_no.is_not_null())
                .filter(refunds_table::updated_at.lt(older_than))
                .limit(200)
                .select(Refund::as_select())
                .load(conn)
                .map_err(DbError::from)
        })
        .await?;
    for refund in requested {
        report.refunds_checked += 1;
        if reconcile_refund(payments, &refund).await? {
            report.refunds_settled += 1;
        }
    }
    Ok(report)
}

async fn reconcile_attempt(payments: &Payments, attempt: &PaymentAttempt) -> Result<bool, DbError> {
    let answer = query::ask(
        &payments.gateway,
        attempt,
        attempt.trade_no.as_deref(),
        attempt.created_at.date(),
    )
    .await;
    let found = match &answer {
        Ok(found) => found.clone(),
        Err(e) => {
            tracing::warn!(error = %e, attempt = %attempt.gateway_order_no, "reconciler query failed");
            None
        }
    };
    let call = calls::Traffic {
        order_id: attempt.order_id,
        attempt_id: Some(attempt.id),
        source: Source::Query,
        kind: calls::CALL,
        endpoint: "transactions",
        summary: match (&answer, &found) {
            (Err(e), _) => Message::new("timeline.reconciler_no_answer").data("error", e),
            (Ok(_), Some(tx)) => Message::new("timeline.reconciler_found")
                .data("status", tx.trade_status.as_str())
                .data("info", &tx.trade_info)
                .data("trade_no", &tx.trade_no),
            (Ok(_), None) => Message::new("timeline.reconciler_none"),
        },
        detail: None,
    };
    let abandoned_after =
        chrono::Duration::from_std(payments.settings.reservation).unwrap_or(chrono::Duration::MAX);
    let long_undecided = attempt.created_at + abandoned_after < now();
    let outcome = match (&answer, found) {
        (_, Some(tx)) => match query::read(attempt, &tx) {
            // A given-up attempt is only moved by a success (taken late, applied as any late
            // success); anything else about it is no news.
            Reading::Status(status)
                if attempt.status == AttemptStatus::Cancelled && !status.is_success() =>
            {
                None
            }
            // Still undecided at AsiaBill long after the reservation ended: most likely the
            // shopper left the hosted or local method's page without paying. Given up, so that
            // the order can expire and its stock return, but still asked about for a week
            // (GIVEN_UP), and any webhook still applies: a payment AsiaBill settles late is
            // applied as any late success is (the stock retaken where it is still there, the
            // order flagged for the merchant), never lost.
            Reading::Status(AttemptStatus::Pending) if long_undecided => Some(Outcome {
                trade_no: Some(tx.trade_no.clone()),
                code: Some(GIVEN_UP.to_owned()),
                message: Some("Still undecided at AsiaBill after the reservation expired".into()),
                note: Some(Message::new("timeline.abandoned")),
                ..Outcome::to(AttemptStatus::Cancelled)
            }),
            Reading::Status(status) => Some(Outcome {
                trade_no: Some(tx.trade_no.clone()),
                message: Some(tx.trade_info.clone()),
                ..Outcome::to(status)
            }),
            Reading::OtherAmount => {
                tracing::warn!(attempt = %attempt.gateway_order_no, trade = %tx.trade_no, "queried amount differs; left for the merchant");
                None
            }
        },
        // AsiaBill answered and has nothing (or only an undecided pre-order) for a long time:
        // the shopper left, nothing was charged.
        (Ok(_), None) if long_undecided => Some(Outcome {
            message: Some("No payment at AsiaBill before the reservation expired".into()),
            note: Some(Message::new("timeline.abandoned")),
            ..Outcome::to(AttemptStatus::Cancelled)
        }),
        _ => None,
    };
    let effects = effects(payments);
    let attempt_id = attempt.id;
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                calls::record(conn, &call)?;
                // The transition first: it takes the order's lock before the attempt's, and
                // so must everything else here, or a webhook for this attempt could hold the
                // order waiting for the attempt while we hold the attempt waiting for the order.
                let changed = match &outcome {
                    Some(outcome) => matches!(
                        transition::apply_in(conn, attempt_id, outcome, Source::Query, &effects)?,
                        transition::Applied::Changed { .. }
                    ),
                    None => false,
                };
                diesel::update(payment_attempts::table.find(attempt_id))
                    .set((
                        payment_attempts::last_queried_at.eq(Some(now())),
                        payment_attempts::query_count.eq(payment_attempts::query_count + 1),
                    ))
                    .execute(conn)?;
                Ok(changed)
            })
        })
        .await
}

async fn reconcile_refund(payments: &Payments, refund: &Refund) -> Result<bool, DbError> {
    let Some(batch_no) = refund.batch_no.clone() else {
        return Ok(false);
    };
    let details = match payments.gateway.refund_query(&batch_no).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, batch_no, "refund query failed");
            return Ok(false);
        }
    };
    let succeeded = match details.refund_status {
        Some(GatewayRefundStatus::Success) => true,
        Some(GatewayRefundStatus::Fail) => false,
        _ => return Ok(false),
    };
    let currency = Currency::parse(&refund.currency).unwrap_or(payments.settings.currency);
    let trade_no: String = {
        let attempt_id = refund.attempt_id;
        payments
            .db
            .run(move |conn| {
                payment_attempts::table
                    .find(attempt_id)
                    .select(payment_attempts::trade_no)
                    .first::<Option<String>>(conn)
                    .map_err(DbError::from)
            })
            .await?
            .unwrap_or_default()
    };
    let news = RefundNews {
        mer_track_no: Some(refund.mer_track_no.clone()),
        trade_no,
        amount: Money::new(refund.amount_minor, currency),
        batch_no: Some(batch_no),
        succeeded,
        message: None,
        marked_by: None,
    }
    .as_queried(&details);
    let effects = effects(payments);
    let settled = payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                refunds::apply(conn, &news, Source::Query, &effects)
            })
        })
        .await?;
    Ok(settled == refunds::RefundApplied::Settled)
}

/// Adds the pass of the period after `at` (one job per period across all instances).
pub fn schedule_next(
    conn: &mut DbConnection,
    period: Duration,
    at: NaiveDateTime,
) -> Result<(), DbError> {
    let secs = i64::try_from(period.as_secs().max(1)).unwrap_or(i64::MAX);
    let bucket = at.and_utc().timestamp() / secs + 1;
    let run_at = chrono::DateTime::from_timestamp(bucket * secs, 0).map_or(at, |t| t.naive_utc());
    jobs::enqueue(
        conn,
        &NewJob::new(JOB, serde_json::json!({ "bucket": bucket }))
            .dedupe(format!("{JOB}:{secs}:{bucket}"))
            .run_at(run_at)
            .max_attempts(1),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_back_off_up_to_a_day() {
        let base = Duration::from_secs(120);
        assert_eq!(backoff(base, 0), chrono::Duration::seconds(120));
        assert_eq!(backoff(base, 3), chrono::Duration::seconds(960));
        assert_eq!(backoff(base, 30), chrono::Duration::seconds(86_400));
    }
}
