//! Capturing or voiding an authorized payment (`/AuthorizeInterface`), on gateways set up for
//! pre-authorization.
//!
//! AsiaBill's answer is applied through the one transition function with source `admin`; the
//! `pre-authorized.*` webhook that follows finds the attempt already moved and changes nothing.

use asiabill::{
    OrderStatus,
    types::{AuthorizeRequest, AuthorizeResponse},
};
use chrono::NaiveDateTime;

use crate::{
    accounts::audit::{self, Actor, Target},
    db::{DbError, models::PaymentAttempt, now, write_transaction},
    orders::{
        timeline::{self, Event, Message},
        view,
    },
    payments::{
        AttemptStatus, Payments, Source,
        start::effects,
        transition::{self, Outcome},
    },
};

/// Capture (take the money) or void (release the hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    /// `authType` 1.
    Capture,
    /// `authType` 2.
    Void,
}

impl Operation {
    /// `capture` or `void`, for logs, audit and locale keys.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Capture => "capture",
            Operation::Void => "void",
        }
    }

    fn target(self) -> AttemptStatus {
        match self {
            Operation::Capture => AttemptStatus::Paid,
            Operation::Void => AttemptStatus::Voided,
        }
    }
}

/// Why the buttons are off, or the request was not sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Blocked {
    /// No authorized payment on this order (never authorized, already captured or voided).
    NotAuthorized,
    /// The capture deadline (`ASIABILL_CAPTURE_DAYS`) has passed: the bank has let the
    /// authorization lapse. Voiding is still offered, to close the order.
    Expired,
}

impl Blocked {
    /// Locale key of the explanation.
    pub fn key(self) -> &'static str {
        match self {
            Blocked::NotAuthorized => "admin.capture.not_authorized",
            Blocked::Expired => "admin.capture.expired",
        }
    }
}

/// The authorized attempt of an order, if any.
pub fn authorized(attempts: &[PaymentAttempt]) -> Option<&PaymentAttempt> {
    attempts
        .iter()
        .rev()
        .find(|a| a.status == AttemptStatus::Authorized && a.trade_no.is_some())
}

/// Whether `operation` is allowed on `attempts` at `at`.
pub fn allowed(
    attempts: &[PaymentAttempt],
    operation: Operation,
    at: NaiveDateTime,
) -> Result<&PaymentAttempt, Blocked> {
    let attempt = authorized(attempts).ok_or(Blocked::NotAuthorized)?;
    let expired = attempt.capture_deadline.is_some_and(|d| d <= at);
    if operation == Operation::Capture && expired {
        return Err(Blocked::Expired);
    }
    Ok(attempt)
}

/// What happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// AsiaBill did it; the order moved (paid, or cancelled with its stock released).
    Succeeded,
    /// AsiaBill answered `pending`; the webhook will tell.
    Pending,
    /// AsiaBill refused or answered `fail`.
    Refused(String),
    /// No usable answer: the webhook or a sync will tell.
    Unknown(String),
}

/// Why nothing was sent.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// No order with that number.
    #[error("no such order")]
    NotFound,
    /// Not allowed now.
    #[error("not allowed: {0:?}")]
    Blocked(Blocked),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Captures or voids the authorization of order `number`.
pub async fn run(
    payments: &Payments,
    actor: &Actor,
    number: &str,
    operation: Operation,
) -> Result<Done, CaptureError> {
    let lookup = number.to_owned();
    let details = payments
        .db
        .run(move |conn| view::by_number(conn, &lookup))
        .await?
        .ok_or(CaptureError::NotFound)?;
    let attempt = allowed(&details.attempts, operation, now())
        .map_err(CaptureError::Blocked)?
        .clone();
    let trade_no = attempt.trade_no.clone().unwrap_or_default();
    let mut request = match operation {
        Operation::Capture => AuthorizeRequest::capture(&trade_no),
        Operation::Void => AuthorizeRequest::void(&trade_no),
    };
    request.operator = Some(actor.email.chars().take(20).collect());
    request.remark = Some(details.order.number.clone());
    let answer = payments.gateway.authorize(&request).await;
    let done = match &answer {
        Ok(AuthorizeResponse {
            order_status: OrderStatus::Success,
            ..
        }) => Done::Succeeded,
        Ok(AuthorizeResponse {
            order_status: OrderStatus::Pending,
            ..
        }) => Done::Pending,
        Ok(r) => Done::Refused(r.order_info.clone()),
        Err(e) if e.outcome_unknown() => Done::Unknown(e.to_string()),
        Err(asiabill::Error::Business { message, .. }) => Done::Refused(message.clone()),
        Err(e) => Done::Refused(e.to_string()),
    };
    let detail = match &answer {
        Ok(r) => serde_json::to_value(r).unwrap_or_default(),
        Err(e) => serde_json::json!({ "error": e.to_string() }),
    };
    let effects = effects(payments);
    let (actor, order_number, result) = (actor.clone(), details.order.number.clone(), done.clone());
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let op = operation.as_str();
                if result == Done::Succeeded {
                    let outcome = Outcome {
                        trade_no: Some(trade_no.clone()),
                        message: Some(format!("{op} by {}", actor.email)),
                        note: Some(
                            Message::new("timeline.operation_by")
                                .text("op", &format!("timeline.op_{op}"))
                                .data("actor", &actor.email),
                        ),
                        detail: Some(detail.clone()),
                        ..Outcome::to(operation.target())
                    };
                    transition::apply_in(conn, attempt.id, &outcome, Source::Admin, &effects)?;
                } else {
                    let said =
                        |key: &str| Message::new(key).text("op", &format!("timeline.op_{op}"));
                    let (kind, message) = match &result {
                        Done::Pending => ("pending", said("timeline.operation_pending")),
                        Done::Refused(why) => (
                            "refused",
                            said("timeline.operation_refused").data("why", why),
                        ),
                        Done::Unknown(why) => (
                            "unknown",
                            said("timeline.operation_unknown").data("why", why),
                        ),
                        Done::Succeeded => ("succeeded", said("timeline.operation_done")),
                    };
                    timeline::record(
                        conn,
                        Event {
                            order_id: attempt.order_id,
                            attempt_id: Some(attempt.id),
                            refund_id: None,
                            source: Source::Admin,
                            kind: &format!("{op}_{kind}"),
                            message: Some(message),
                            detail: Some(detail.clone()),
                            actor: Some(&actor.email),
                            from: None,
                            to: None,
                            at: None,
                            held: false,
                        },
                    )?;
                }
                audit::record(
                    conn,
                    &actor,
                    &format!("payment.{op}"),
                    Some(Target {
                        kind: "order",
                        id: &order_number,
                    }),
                    Some(
                        serde_json::json!({ "tradeNo": trade_no, "result": format!("{result:?}") }),
                    ),
                )?;
                Ok::<_, DbError>(())
            })
        })
        .await?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(status: AttemptStatus, deadline: Option<NaiveDateTime>) -> PaymentAttempt {
        let t = now();
        PaymentAttempt {
            id: 1,
            order_id: 1,
            sequence: 1,
            gateway_order_no: "A10001-1".into(),
            mode: crate::orders::checkout::PaymentMode::Hosted,
            status,
            transaction_type: crate::payments::TransactionType::Authorization,
            gateway_no: "12246004".into(),
            amount_minor: 100,
            currency: "USD".into(),
            trade_no: Some("T1".into()),
            masked_card: None,
            card_brand: None,
            gateway_code: None,
            gateway_message: None,
            redirect_url: None,
            customer_payment_method_id: None,
            authorized_at: Some(t),
            paid_at: None,
            capture_deadline: deadline,
            voided_at: None,
            last_queried_at: None,
            query_count: 0,
            created_at: t,
            updated_at: t,
            customer_id: None,
            token_type: None,
            save_card: false,
            payment_method: None,
        }
    }

    #[test]
    fn capture_needs_an_open_authorization_before_its_deadline() {
        let t = now();
        let open = [attempt(
            AttemptStatus::Authorized,
            Some(t + chrono::Duration::days(1)),
        )];
        assert!(allowed(&open, Operation::Capture, t).is_ok());
        let lapsed = [attempt(
            AttemptStatus::Authorized,
            Some(t - chrono::Duration::hours(1)),
        )];
        assert_eq!(
            allowed(&lapsed, Operation::Capture, t).err(),
            Some(Blocked::Expired)
        );
        assert!(allowed(&lapsed, Operation::Void, t).is_ok());
        let voided = [attempt(AttemptStatus::Voided, None)];
        assert_eq!(
            allowed(&voided, Operation::Capture, t).err(),
            Some(Blocked::NotAuthorized)
        );
    }
}
