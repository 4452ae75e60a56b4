//! AsiaBill's transaction list beside the shop's payment attempts, with the differences flagged,
//! and "sync from AsiaBill" for one order.

use asiabill::types::{Transaction, TransactionsQuery};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use diesel::prelude::*;

use super::golive::LIST_QUERY_ACTION;
use crate::{
    accounts::audit::{self, Actor, Target},
    db::{
        DbConnection, DbError,
        models::PaymentAttempt,
        now,
        schema::{orders, payment_attempts},
        write_transaction,
    },
    orders::{
        timeline::{self, Event, Message},
        view,
    },
    payments::{
        AttemptStatus, Payments, Source,
        query::{self, Reading, status_of},
        start::effects,
        transition::{self, Applied, Outcome},
    },
};

/// Rows asked of AsiaBill per page, and pages at most.
const PAGE_SIZE: u32 = 200;
const MAX_PAGES: u32 = 10;

/// What the admin asked for.
#[derive(Debug, Clone)]
pub struct Search {
    /// First day (UTC).
    pub from: NaiveDate,
    /// Last day (UTC), included.
    pub to: NaiveDate,
    /// Only this `tradeNo`.
    pub trade_no: Option<String>,
    /// Only this gateway `orderNo`, or every attempt's of this order number (`A10005` stands
    /// for `A10005-1`, `A10005-2`…).
    pub order_no: Option<String>,
}

impl Search {
    fn bounds(&self) -> (NaiveDateTime, NaiveDateTime) {
        let last = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        (self.from.and_time(NaiveTime::MIN), self.to.and_time(last))
    }
}

/// A difference between AsiaBill and the shop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Difference {
    /// AsiaBill has a transaction the shop has no attempt for.
    UnknownToShop,
    /// The shop's attempt has a trade number AsiaBill does not list in the window.
    MissingAtAsiaBill,
    /// The states disagree: what AsiaBill's implies, and the shop's.
    Status {
        /// The state AsiaBill's transaction implies.
        asiabill: AttemptStatus,
        /// The shop's.
        shop: AttemptStatus,
    },
    /// The amounts disagree (minor units).
    Amount {
        /// AsiaBill's.
        asiabill: i64,
        /// The shop's.
        shop: i64,
    },
}

/// One line of the comparison.
#[derive(Debug, Clone)]
pub struct Line {
    /// AsiaBill's transaction, when it lists one.
    pub transaction: Option<Transaction>,
    /// The shop's attempt, when there is one.
    pub attempt: Option<PaymentAttempt>,
    /// The order number of the attempt.
    pub order_number: Option<String>,
    /// What disagrees; empty when all agrees.
    pub differences: Vec<Difference>,
}

/// Lists AsiaBill's transactions matching `search`, only those of gateway `orderNo` `order_no`
/// when given (all pages, up to a limit).
async fn fetch(
    payments: &Payments,
    search: &Search,
    order_no: Option<&str>,
) -> Result<Vec<Transaction>, asiabill::Error> {
    let (start, end) = search.bounds();
    let mut all = Vec::new();
    for page_index in 1..=MAX_PAGES {
        let mut query = TransactionsQuery::new(start, end);
        query.trade_no.clone_from(&search.trade_no);
        query.order_no = order_no.map(str::to_owned);
        query.page_index = Some(page_index);
        query.page_size = Some(PAGE_SIZE);
        let page = payments.gateway.transactions(&query).await?;
        let got = page.list.len();
        all.extend(page.list);
        if got < PAGE_SIZE as usize || all.len() as u64 >= page.page.total {
            break;
        }
    }
    Ok(all)
}

/// The gateway `orderNo`s the admin's `text` names: the attempts' of the order numbered `text`
/// when there is one, else `text` itself (AsiaBill's `orderNo` as typed).
fn order_nos(conn: &mut DbConnection, text: &str) -> Result<Vec<String>, DbError> {
    let attempts: Vec<String> = payment_attempts::table
        .inner_join(orders::table)
        .filter(orders::number.eq(text.to_uppercase()))
        .order(payment_attempts::sequence)
        .select(payment_attempts::gateway_order_no)
        .load(conn)?;
    Ok(if attempts.is_empty() {
        vec![text.to_owned()]
    } else {
        attempts
    })
}

fn local(
    conn: &mut DbConnection,
    search: &Search,
    wanted: Option<&[String]>,
    trade_nos: &[String],
    order_nos: &[String],
) -> Result<Vec<(PaymentAttempt, String)>, DbError> {
    let (start, end) = search.bounds();
    let in_window = payment_attempts::table
        .inner_join(orders::table)
        .filter(payment_attempts::created_at.ge(start))
        .filter(payment_attempts::created_at.le(end + chrono::Duration::seconds(1)))
        .filter(payment_attempts::trade_no.is_not_null())
        .select((PaymentAttempt::as_select(), orders::number))
        .load::<(PaymentAttempt, String)>(conn)?;
    let listed = payment_attempts::table
        .inner_join(orders::table)
        .filter(
            payment_attempts::trade_no
                .eq_any(trade_nos)
                .or(payment_attempts::gateway_order_no.eq_any(order_nos)),
        )
        .select((PaymentAttempt::as_select(), orders::number))
        .load::<(PaymentAttempt, String)>(conn)?;
    let mut all = listed;
    for row in in_window {
        if !all.iter().any(|(a, _)| a.id == row.0.id) {
            all.push(row);
        }
    }
    all.retain(|(a, _)| {
        search
            .trade_no
            .as_ref()
            .is_none_or(|t| a.trade_no.as_ref() == Some(t))
            && wanted.is_none_or(|o| o.contains(&a.gateway_order_no))
    });
    Ok(all)
}

/// The differences between AsiaBill's `tx` and the shop's `attempt`.
pub fn differences(tx: &Transaction, attempt: &PaymentAttempt) -> Vec<Difference> {
    let mut found = Vec::new();
    let implied = status_of(attempt, tx);
    if implied != attempt.status {
        found.push(Difference::Status {
            asiabill: implied,
            shop: attempt.status,
        });
    }
    if !attempt.is_for(&tx.trade_amount) {
        found.push(Difference::Amount {
            asiabill: tx.trade_amount.minor(),
            shop: attempt.amount_minor,
        });
    }
    found
}

/// Compares AsiaBill's list with the shop's attempts; each list asked of AsiaBill is audited
/// as [`LIST_QUERY_ACTION`] on behalf of `actor`.
pub async fn compare(
    payments: &Payments,
    actor: &Actor,
    search: Search,
) -> Result<Vec<Line>, String> {
    let wanted = match search.order_no.clone() {
        Some(text) => Some(
            payments
                .db
                .run(move |conn| order_nos(conn, &text))
                .await
                .map_err(|e| e.to_string())?,
        ),
        None => None,
    };
    let mut transactions = Vec::new();
    match &wanted {
        Some(order_nos) => {
            for order_no in order_nos {
                transactions.extend(
                    fetch(payments, &search, Some(order_no))
                        .await
                        .map_err(|e| e.to_string())?,
                );
            }
        }
        None => {
            transactions = fetch(payments, &search, None)
                .await
                .map_err(|e| e.to_string())?
        }
    }
    let trade_nos: Vec<String> = transactions.iter().map(|t| t.trade_no.clone()).collect();
    let order_nos: Vec<String> = transactions.iter().map(|t| t.order_no.clone()).collect();
    let (lookup, actor) = (search.clone(), actor.clone());
    let mut attempts = payments
        .db
        .run(move |conn| {
            audit::record(
                conn,
                &actor,
                LIST_QUERY_ACTION,
                None,
                Some(serde_json::json!({
                    "from": lookup.from.to_string(),
                    "to": lookup.to.to_string(),
                    "tradeNo": lookup.trade_no,
                    "orderNo": wanted,
                    "found": trade_nos.len(),
                })),
            )?;
            local(conn, &lookup, wanted.as_deref(), &trade_nos, &order_nos)
        })
        .await
        .map_err(|e| e.to_string())?;
    let mut lines = Vec::new();
    for tx in transactions {
        let found = attempts.iter().position(|(a, _)| {
            a.trade_no.as_deref() == Some(tx.trade_no.as_str()) || a.gateway_order_no == tx.order_no
        });
        let line = match found {
            Some(i) => {
                let (attempt, number) = attempts.swap_remove(i);
                Line {
                    differences: differences(&tx, &attempt),
                    transaction: Some(tx),
                    attempt: Some(attempt),
                    order_number: Some(number),
                }
            }
            None => Line {
                transaction: Some(tx),
                attempt: None,
                order_number: None,
                differences: vec![Difference::UnknownToShop],
            },
        };
        lines.push(line);
    }
    attempts.sort_by_key(|(a, _)| a.id);
    for (attempt, number) in attempts {
        lines.push(Line {
            transaction: None,
            attempt: Some(attempt),
            order_number: Some(number),
            differences: vec![Difference::MissingAtAsiaBill],
        });
    }
    Ok(lines)
}

/// What a sync did for each attempt asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synced {
    /// The attempt's gateway `orderNo`.
    pub order_no: String,
    /// What happened, in words.
    pub result: Message,
}

/// Asks AsiaBill about every attempt of order `number` it may know (`order_info` by trade
/// number, else the list by `orderNo`) and applies the answers with source `query`. `None` when
/// there is no such order.
pub async fn sync(
    payments: &Payments,
    actor: &Actor,
    number: &str,
) -> Result<Option<Vec<Synced>>, DbError> {
    let lookup = number.to_owned();
    let Some(details) = payments
        .db
        .run(move |conn| view::by_number(conn, &lookup))
        .await?
    else {
        return Ok(None);
    };
    let mut report = Vec::new();
    for attempt in &details.attempts {
        let open = attempt.status.is_open();
        let answer = match &attempt.trade_no {
            Some(trade_no) => payments.gateway.order_info(trade_no).await.map(Some),
            None if open => {
                query::ask(&payments.gateway, attempt, None, attempt.created_at.date()).await
            }
            None => continue,
        };
        let result = apply(payments, actor, attempt, answer).await?;
        report.push(Synced {
            order_no: attempt.gateway_order_no.clone(),
            result,
        });
    }
    let (actor, number, detail) = (
        actor.clone(),
        details.order.number.clone(),
        serde_json::json!(
            report
                .iter()
                .map(|s| format!("{}: {}", s.order_no, s.result.english()))
                .collect::<Vec<_>>()
        ),
    );
    payments
        .db
        .run(move |conn| {
            audit::record(
                conn,
                &actor,
                "order.sync",
                Some(Target {
                    kind: "order",
                    id: &number,
                }),
                Some(detail),
            )
        })
        .await?;
    Ok(Some(report))
}

async fn apply(
    payments: &Payments,
    actor: &Actor,
    attempt: &PaymentAttempt,
    answer: Result<Option<Transaction>, asiabill::Error>,
) -> Result<Message, DbError> {
    let effects = effects(payments);
    let (attempt, actor) = (attempt.clone(), actor.email.clone());
    payments
        .db
        .run(move |conn| {
            write_transaction(conn, |conn| {
                let result = record_answer(conn, &attempt, &actor, answer, &effects)?;
                // AsiaBill was asked about this attempt: counted where the reconciler counts its
                // own queries (the go-live checklist reads it). After the transition, which
                // takes the order's lock first.
                diesel::update(payment_attempts::table.find(attempt.id))
                    .set((
                        payment_attempts::last_queried_at.eq(Some(now())),
                        payment_attempts::query_count.eq(payment_attempts::query_count + 1),
                    ))
                    .execute(conn)?;
                Ok(result)
            })
        })
        .await
}

/// Applies AsiaBill's answer about `attempt` and puts it on the timeline; returns it in words.
fn record_answer(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    actor: &str,
    answer: Result<Option<Transaction>, asiabill::Error>,
    effects: &transition::Effects,
) -> Result<Message, DbError> {
    let note = |kind, message: Message, detail| Event {
        order_id: attempt.order_id,
        attempt_id: Some(attempt.id),
        refund_id: None,
        source: Source::Query,
        kind,
        message: Some(message),
        detail,
        actor: Some(actor),
        from: None,
        to: None,
        at: None,
        held: false,
    };
    let tx = match answer {
        Ok(Some(tx)) => tx,
        Ok(None) => {
            let message = Message::new("timeline.sync_none");
            timeline::record(conn, note("sync", message.clone(), None))?;
            return Ok(message);
        }
        Err(e) => {
            let message = Message::new("timeline.sync_failed").data("error", e);
            timeline::record(conn, note("sync_failed", message.clone(), None))?;
            return Ok(message);
        }
    };
    let detail = serde_json::to_value(&tx).ok();
    let Reading::Status(status) = query::read(attempt, &tx) else {
        let message = Message::new("timeline.sync_mismatch")
            .data("amount", tx.trade_amount.to_gateway_string())
            .data("currency", tx.trade_amount.currency().code())
            .data("order_no", &attempt.gateway_order_no)
            .data("minor", attempt.amount_minor)
            .data("expected", &attempt.currency);
        timeline::record(conn, note("amount_mismatch", message.clone(), detail))?;
        return Ok(message);
    };
    let outcome = Outcome {
        trade_no: Some(tx.trade_no.clone()),
        message: Some(format!("{} (synced from AsiaBill)", tx.trade_info)),
        note: Some(Message::new("timeline.synced").data("info", &tx.trade_info)),
        detail,
        ..Outcome::to(status)
    };
    let applied = transition::apply_in(conn, attempt.id, &outcome, Source::Query, effects)?;
    Ok(match applied {
        Applied::Changed { from, to } => Message::new("timeline.sync_moved")
            .state("from", from.as_str())
            .state("to", to.as_str()),
        Applied::Unchanged => {
            // Nothing moved, so the transition wrote nothing: the timeline still
            // says that AsiaBill was asked and agreed.
            timeline::record(
                conn,
                note(
                    "sync",
                    Message::new("timeline.sync_confirms").state("status", attempt.status.as_str()),
                    outcome.detail.clone(),
                ),
            )?;
            Message::new("timeline.sync_already").state("status", attempt.status.as_str())
        }
        Applied::Refused { current, wanted } => Message::new("timeline.sync_refused")
            .state("wanted", wanted.as_str())
            .state("current", current.as_str()),
    })
}
