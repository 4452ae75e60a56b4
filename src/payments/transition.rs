//! The one place a payment attempt, and with it its order, changes state.
//!
//! States only move forward (see [`allowed`]); every change writes a timeline event naming its
//! source; the side effects of a change (order paid, stock kept or released, emails) happen in
//! the same transaction, once, on the edge that causes them. News that would move a state
//! backwards (a late `fail` after `success`) is recorded on the timeline and not applied.

use std::time::Duration;

use chrono::NaiveDateTime;
use diesel::{
    backend::Backend,
    prelude::*,
    query_builder::AstPass,
    serialize::ToSql,
    sql_types::{BigInt, Nullable, Text, Timestamp},
};

use super::{AttemptStatus, Source};
use crate::{
    db::{
        DbConnection, DbError,
        models::{Order, PaymentAttempt},
        now,
        schema::{
            order_lines, orders, payment_attempts, payment_events, product_variants, products,
        },
        write_transaction,
    },
    emails::{self, EmailKind, Subject},
    orders::{
        status::{self, Change, OrderStatus},
        timeline::{self, Event, Message},
    },
};

/// What the gateway (or a person) says about an attempt.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The new state.
    pub status: Option<AttemptStatus>,
    /// AsiaBill's transaction number, once known.
    pub trade_no: Option<String>,
    /// First 6 and last 4 digits of the card.
    pub masked_card: Option<String>,
    /// AsiaBill's code (envelope code or `orderInfo` prefix).
    pub code: Option<String>,
    /// AsiaBill's words (`orderInfo`), shown to the shopper on failure.
    pub message: Option<String>,
    /// The timeline's words for the change, when the shop has more to say than AsiaBill's
    /// [`Outcome::message`] (which is shown otherwise).
    pub note: Option<Message>,
    /// 3-D Secure or hosted page URL.
    pub redirect_url: Option<String>,
    /// Anything worth keeping on the timeline (the raw answer), as JSON.
    pub detail: Option<serde_json::Value>,
}

impl Outcome {
    /// An outcome moving to `status`.
    pub fn to(status: AttemptStatus) -> Self {
        Outcome {
            status: Some(status),
            ..Outcome::default()
        }
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The attempt moved from one state to another.
    Changed {
        /// Before.
        from: AttemptStatus,
        /// After.
        to: AttemptStatus,
    },
    /// Already in that state (a duplicate); details were filled in at most.
    Unchanged,
    /// The change would go backwards; recorded on the timeline, not applied.
    Refused {
        /// The attempt's state, kept.
        current: AttemptStatus,
        /// The state that was refused.
        wanted: AttemptStatus,
    },
}

/// What the side effects need from the settings.
#[derive(Debug, Clone)]
pub struct Effects {
    /// For links in emails.
    pub public_url: String,
    /// How long an authorization may wait for capture.
    pub capture_window: Duration,
}

/// True when an attempt may move from `from` to `to`.
pub fn allowed(from: AttemptStatus, to: AttemptStatus) -> bool {
    use AttemptStatus::*;
    match (from, to) {
        (Paid | Voided, _) => false,
        (Authorized, Paid | Voided) => true,
        (Authorized, _) => false,
        // The gateway is the source of truth about money: a success that arrives after we gave
        // up on the attempt is applied (and flagged on the order by the effects below).
        (Failed | Cancelled, Paid | Authorized) => true,
        (Failed | Cancelled, _) => false,
        (Created | Pending | RequiresAction, Created) => false,
        (Created | Pending | RequiresAction, _) => true,
    }
}

/// Applies `outcome` to attempt `attempt_id` in one transaction.
pub fn apply(
    conn: &mut DbConnection,
    attempt_id: i64,
    outcome: &Outcome,
    source: Source,
    effects: &Effects,
) -> Result<Applied, DbError> {
    write_transaction(conn, |conn| {
        apply_in(conn, attempt_id, outcome, source, effects)
    })
}

/// [`apply`] inside a transaction the caller already opened.
pub fn apply_in(
    conn: &mut DbConnection,
    attempt_id: i64,
    outcome: &Outcome,
    source: Source,
    effects: &Effects,
) -> Result<Applied, DbError> {
    // The order's row lock first: every transition of every attempt of one order queues here,
    // so each decides from the order as the one before it left it (see `orders::lock`).
    let order_id: i64 = payment_attempts::table
        .find(attempt_id)
        .select(payment_attempts::order_id)
        .first(conn)?;
    crate::orders::lock(conn, order_id)?;
    apply_held(conn, attempt_id, outcome, source, effects)
}

/// [`apply_in`] for a caller whose transaction already holds the lock of the attempt's order
/// (`orders::lock`): reads the attempt as the transition before this one left it, and applies
/// `outcome` to it. Spares finding and locking the order again.
pub fn apply_held(
    conn: &mut DbConnection,
    attempt_id: i64,
    outcome: &Outcome,
    source: Source,
    effects: &Effects,
) -> Result<Applied, DbError> {
    let attempt = super::attempts::by_id(conn, attempt_id)?;
    apply_locked(conn, &attempt, outcome, source, effects)
}

/// [`apply_in`] for a caller that holds the order's lock (`orders::lock`) in its transaction and
/// read `attempt` after taking it, so that the attempt is as the transition before this one
/// left it. Spares the two round trips of finding and locking the order again (the webhook).
pub fn apply_locked(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    outcome: &Outcome,
    source: Source,
    effects: &Effects,
) -> Result<Applied, DbError> {
    let attempt_id = attempt.id;
    let from = attempt.status;
    let at = now();
    let to = match outcome.status {
        Some(to) if to != from => to,
        // Nothing moves: a duplicate may still bring what we did not know yet, but never
        // replaces what we know (another `tradeNo` for a settled attempt is another charge).
        same => {
            if same.is_some_and(AttemptStatus::is_success) {
                flag_second_charge(conn, attempt, outcome, source)?;
            }
            fill_details(conn, attempt, outcome)?;
            return Ok(Applied::Unchanged);
        }
    };
    if !allowed(from, to) {
        held_event(
            conn,
            attempt,
            source,
            "transition_refused",
            Some(from),
            Some(to),
            Some(
                Message::new("timeline.transition_refused")
                    .text("source", &format!("timeline.source.{}", source.as_str()))
                    .state("to", to.as_str())
                    .state("from", from.as_str()),
            ),
            outcome.detail.as_ref(),
        )?;
        return Ok(Applied::Refused {
            current: from,
            wanted: to,
        });
    }
    // Only news that moved the attempt may re-point it: a refused or stale outcome (a declined
    // first try arriving after the paid one) must not leave refunds, capture and logistics
    // aimed at the wrong transaction. The new state, the details and the state's timestamp go
    // in one statement.
    let details = Details::picked(attempt, outcome, Fill::Replace);
    let (paid_at, authorized_at, capture_deadline, voided_at) = match to {
        AttemptStatus::Paid => (Some(at), None, None, None),
        AttemptStatus::Authorized => {
            let window =
                chrono::Duration::from_std(effects.capture_window).unwrap_or(chrono::Duration::MAX);
            (None, Some(at), Some(at + window), None)
        }
        AttemptStatus::Voided => (None, None, None, Some(at)),
        _ => (None, None, None, None),
    };
    let moved = MoveAttempt {
        id: attempt_id,
        from: from.as_str(),
        to: to.as_str(),
        at,
        details: &details,
        paid_at,
        authorized_at,
        capture_deadline,
        voided_at,
    };
    if crate::on_backend!(conn, |c| moved.execute(c))? != 1 {
        // Cannot happen while we hold the order's lock; refuse rather than write a wrong event.
        return Err(DbError::Query(diesel::result::Error::NotFound));
    }
    held_event(
        conn,
        attempt,
        source,
        &format!("payment_{}", to.as_str()),
        Some(from),
        Some(to),
        outcome
            .note
            .clone()
            .or_else(|| outcome.message.clone().map(Message::gateway)),
        outcome.detail.as_ref(),
    )?;
    order_effects(conn, attempt, to, source, effects)?;
    if !to.is_open() {
        // Counted here, where every decision is written, rather than by each caller. Inside
        // the caller's transaction: one that then fails to commit (the database lost at that
        // very moment) is counted all the same, which a counter of decisions can bear.
        crate::telemetry::metrics::payment_attempt_decided(mode_label(attempt), to.as_str());
    }
    Ok(Applied::Changed { from, to })
}

/// How an attempt was paid, as metrics name it: `hosted`, `insite`, or `merchant_charge` for a
/// charge of a saved card without the shopper.
fn mode_label(attempt: &PaymentAttempt) -> &'static str {
    if attempt.is_merchant_charge() {
        "merchant_charge"
    } else {
        attempt.mode.as_str()
    }
}

/// How [`fill_details`] treats what the attempt already has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// The outcome moved the attempt: its details are the attempt's now.
    Replace,
    /// The outcome changed nothing: it only fills what is still empty.
    Missing,
}

/// An attempt's details as an outcome leaves them: AsiaBill's trade number, the masked card,
/// AsiaBill's code and words, and the redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Details {
    trade_no: Option<String>,
    masked_card: Option<String>,
    code: Option<String>,
    message: Option<String>,
    redirect_url: Option<String>,
}

impl Details {
    /// What `outcome` brings, over what `attempt` has as `fill` says.
    fn picked(attempt: &PaymentAttempt, outcome: &Outcome, fill: Fill) -> Details {
        let pick = |new: &Option<String>, old: &Option<String>| {
            let new = new.clone().filter(|v| !v.is_empty());
            match fill {
                Fill::Replace => new.or_else(|| old.clone()),
                Fill::Missing => old.clone().or(new),
            }
        };
        Details {
            trade_no: pick(&outcome.trade_no, &attempt.trade_no),
            masked_card: pick(&outcome.masked_card, &attempt.masked_card),
            code: pick(&outcome.code, &attempt.gateway_code),
            message: pick(&outcome.message, &attempt.gateway_message),
            redirect_url: pick(&outcome.redirect_url, &attempt.redirect_url),
        }
    }

    /// The attempt's details as they are.
    fn of(attempt: &PaymentAttempt) -> Details {
        Details {
            trade_no: attempt.trade_no.clone(),
            masked_card: attempt.masked_card.clone(),
            code: attempt.gateway_code.clone(),
            message: attempt.gateway_message.clone(),
            redirect_url: attempt.redirect_url.clone(),
        }
    }

    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        Option<String>: ToSql<Nullable<Text>, DB>,
    {
        out.push_sql("trade_no = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.trade_no)?;
        out.push_sql(", masked_card = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.masked_card)?;
        out.push_sql(", gateway_code = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.code)?;
        out.push_sql(", gateway_message = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.message)?;
        out.push_sql(", redirect_url = ");
        out.push_bind_param::<Nullable<Text>, _>(&self.redirect_url)?;
        Ok(())
    }
}

/// Records the details an outcome that moved nothing brings, where the attempt has none yet.
fn fill_details(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    outcome: &Outcome,
) -> Result<(), DbError> {
    let details = Details::picked(attempt, outcome, Fill::Missing);
    // A repeated webhook usually brings nothing new: then nothing is written.
    if details == Details::of(attempt) {
        return Ok(());
    }
    let update = SetDetails {
        id: attempt.id,
        details: &details,
    };
    crate::on_backend!(conn, |c| update.execute(c))?;
    Ok(())
}

/// `UPDATE payment_attempts SET <details> WHERE id = …`.
struct SetDetails<'a> {
    id: i64,
    details: &'a Details,
}

impl SetDetails<'_> {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        i64: ToSql<BigInt, DB>,
        Option<String>: ToSql<Nullable<Text>, DB>,
    {
        out.push_sql("UPDATE payment_attempts SET ");
        self.details.walk(out)?;
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        Ok(())
    }
}

crate::prepared_statement!(SetDetails);

/// Moves attempt `id` from state `from` to `to` (nothing is written if it is no longer in
/// `from`), with its details and the timestamp the new state sets (`paid_at`; `authorized_at`
/// and the capture deadline; `voided_at`), in one statement.
struct MoveAttempt<'a> {
    id: i64,
    from: &'static str,
    to: &'static str,
    at: NaiveDateTime,
    details: &'a Details,
    paid_at: Option<NaiveDateTime>,
    authorized_at: Option<NaiveDateTime>,
    capture_deadline: Option<NaiveDateTime>,
    voided_at: Option<NaiveDateTime>,
}

impl MoveAttempt<'_> {
    fn walk<'b, DB>(&'b self, out: &mut AstPass<'_, 'b, DB>) -> QueryResult<()>
    where
        DB: Backend,
        i64: ToSql<BigInt, DB>,
        str: ToSql<Text, DB>,
        NaiveDateTime: ToSql<Timestamp, DB>,
        Option<String>: ToSql<Nullable<Text>, DB>,
        Option<NaiveDateTime>: ToSql<Nullable<Timestamp>, DB>,
    {
        out.push_sql("UPDATE payment_attempts SET status = ");
        out.push_bind_param::<Text, _>(self.to)?;
        out.push_sql(", updated_at = ");
        out.push_bind_param::<Timestamp, _>(&self.at)?;
        out.push_sql(", ");
        self.details.walk(out)?;
        // A state's timestamp is set by the move into it and kept by later ones.
        for (column, value) in [
            ("paid_at", &self.paid_at),
            ("authorized_at", &self.authorized_at),
            ("capture_deadline", &self.capture_deadline),
            ("voided_at", &self.voided_at),
        ] {
            out.push_sql(", ");
            out.push_sql(column);
            out.push_sql(" = COALESCE(");
            out.push_bind_param::<Nullable<Timestamp>, _>(value)?;
            out.push_sql(", ");
            out.push_sql(column);
            out.push_sql(")");
        }
        out.push_sql(" WHERE id = ");
        out.push_bind_param::<BigInt, _>(&self.id)?;
        out.push_sql(" AND status = ");
        out.push_bind_param::<Text, _>(self.from)?;
        Ok(())
    }
}

crate::prepared_statement!(MoveAttempt);

/// A success naming another `tradeNo` than the one an already settled attempt holds is a
/// second charge for the same `orderNo` (two tabs of one hosted page): the merchant must refund
/// one, so it goes on the timeline as a double payment.
fn flag_second_charge(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    outcome: &Outcome,
    source: Source,
) -> Result<(), DbError> {
    let (Some(known), Some(reported)) = (
        attempt.trade_no.as_deref(),
        outcome.trade_no.as_deref().filter(|t| !t.is_empty()),
    ) else {
        return Ok(());
    };
    if known == reported {
        return Ok(());
    }
    // The return and the webhook may both bring the same second transaction: flag it once.
    let flagged: i64 = payment_events::table
        .filter(payment_events::attempt_id.eq(Some(attempt.id)))
        .filter(payment_events::kind.eq("double_payment"))
        .filter(payment_events::message.like(format!("%{reported}%")))
        .count()
        .get_result(conn)?;
    if flagged > 0 {
        return Ok(());
    }
    let current = Some(attempt.status);
    if attempt.status == AttemptStatus::Paid {
        count_second_payment(conn, attempt.order_id, attempt.amount_minor)?;
    }
    held_event(
        conn,
        attempt,
        source,
        "double_payment",
        current,
        current,
        Some(
            Message::new("timeline.second_transaction")
                .data("reported", reported)
                .data("order_no", &attempt.gateway_order_no)
                .state("status", attempt.status.as_str())
                .data("known", known),
        ),
        outcome.detail.as_ref(),
    )
}

/// Adds a second payment AsiaBill took for order `order_id` to what the order has captured,
/// so that its page shows what was taken and the duplicate can be refunded, and puts the
/// order's status where its settled refunds then say.
fn count_second_payment(conn: &mut DbConnection, order_id: i64, minor: i64) -> Result<(), DbError> {
    diesel::update(orders::table.find(order_id))
        .set((
            orders::captured_minor.eq(orders::captured_minor + minor),
            orders::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let order: Order = orders::table
        .find(order_id)
        .select(Order::as_select())
        .first(conn)?;
    super::refunds::follow_settled_refunds(conn, &order)
}

/// Adds a merchant-initiated charge to what order `order` took and to its extra charges, and
/// puts its status where its settled refunds then say.
fn add_merchant_charge(conn: &mut DbConnection, order: &Order, minor: i64) -> Result<(), DbError> {
    diesel::update(orders::table.find(order.id))
        .set((
            orders::captured_minor.eq(orders::captured_minor + minor),
            orders::extra_charged_minor.eq(orders::extra_charged_minor + minor),
            orders::updated_at.eq(now()),
        ))
        .execute(conn)?;
    let order: Order = orders::table
        .find(order.id)
        .select(Order::as_select())
        .first(conn)?;
    super::refunds::follow_settled_refunds(conn, &order)
}

/// Writes one timeline event for an attempt's order.
#[expect(
    clippy::too_many_arguments,
    reason = "the attempt's entry, with what changed and why"
)]
pub fn event(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    source: Source,
    kind: &str,
    from: Option<AttemptStatus>,
    to: Option<AttemptStatus>,
    message: Option<Message>,
    detail: Option<&serde_json::Value>,
) -> Result<(), DbError> {
    timeline::record(
        conn,
        entry(attempt, source, kind, from, to, message, detail),
    )
}

/// [`event`] inside a transition, whose transaction holds the order's lock.
#[expect(
    clippy::too_many_arguments,
    reason = "the attempt's entry, with what changed and why"
)]
fn held_event(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    source: Source,
    kind: &str,
    from: Option<AttemptStatus>,
    to: Option<AttemptStatus>,
    message: Option<Message>,
    detail: Option<&serde_json::Value>,
) -> Result<(), DbError> {
    let entry = entry(attempt, source, kind, from, to, message, detail).held();
    timeline::record(conn, entry)
}

/// The timeline entry of an attempt's change.
fn entry<'a>(
    attempt: &PaymentAttempt,
    source: Source,
    kind: &'a str,
    from: Option<AttemptStatus>,
    to: Option<AttemptStatus>,
    message: Option<Message>,
    detail: Option<&serde_json::Value>,
) -> Event<'a> {
    let mut entry = Event::new(attempt.order_id, source, kind)
        .attempt(attempt.id)
        .change(
            from.map(AttemptStatus::as_str),
            to.map(AttemptStatus::as_str),
        );
    entry.message = message;
    entry.detail = detail.cloned();
    entry
}

/// What the attempt's new state means for its order.
fn order_effects(
    conn: &mut DbConnection,
    attempt: &PaymentAttempt,
    to: AttemptStatus,
    source: Source,
    effects: &Effects,
) -> Result<(), DbError> {
    let order: Order = orders::table
        .find(attempt.order_id)
        .select(Order::as_select())
        .first(conn)?;
    let at = now();
    match to {
        AttemptStatus::Paid | AttemptStatus::Authorized => {
            if attempt.save_card {
                // The shopper asked to keep this card: saved by a job, outside this transaction.
                crate::shoppers::cards::queue_save(conn, attempt.id)?;
            }
            let new_status = if to == AttemptStatus::Paid {
                OrderStatus::Paid
            } else {
                OrderStatus::Authorized
            };
            let captured = if to == AttemptStatus::Paid {
                attempt.amount_minor
            } else {
                0
            };
            if attempt.is_merchant_charge() {
                // The merchant charged the saved card on top of a paid order: the order took
                // more on purpose. Counted as taken (refundable like any payment) and as an
                // extra charge, so that it is not mistaken for a double payment.
                if captured > 0 {
                    add_merchant_charge(conn, &order, captured)?;
                }
                // The cardholder is told of every charge made without them (card schemes ask
                // it of merchant-initiated charges).
                emails::queue(
                    conn,
                    EmailKind::ExtraCharge,
                    order.id,
                    Subject::Attempt(attempt.id),
                    &effects.public_url,
                )?;
                return Ok(());
            }
            match order.status {
                OrderStatus::PendingPayment | OrderStatus::Authorized => {}
                OrderStatus::Cancelled => {
                    // Paid after the reservation expired: take the stock back where it is
                    // still there, and tell the merchant either way.
                    let short = retake_stock(conn, order.id)?;
                    let message = if short.is_empty() {
                        Message::new("timeline.paid_after_cancel")
                    } else {
                        Message::new("timeline.paid_after_cancel_short")
                            .data("products", short.join(", "))
                    };
                    held_event(
                        conn,
                        attempt,
                        source,
                        "paid_after_cancel",
                        None,
                        Some(to),
                        Some(message),
                        None,
                    )?;
                }
                _ => {
                    held_event(
                        conn,
                        attempt,
                        source,
                        "double_payment",
                        None,
                        Some(to),
                        Some(
                            Message::new("timeline.paid_again")
                                .data("order_no", &attempt.gateway_order_no)
                                .state("to", to.as_str())
                                .state("status", order.status.as_str()),
                        ),
                        None,
                    )?;
                    if captured > 0 {
                        count_second_payment(conn, order.id, captured)?;
                    }
                    return Ok(());
                }
            }
            status::set(
                conn,
                order.id,
                Change::Paid {
                    to: new_status,
                    captured_minor: captured,
                },
                at,
            )?;
            emails::queue(
                conn,
                EmailKind::PaymentSucceeded,
                order.id,
                Subject::Order,
                &effects.public_url,
            )?;
        }
        // A declined merchant charge is the merchant's news, not the shopper's (the order was
        // paid): it is on the timeline, no email goes out.
        AttemptStatus::Failed if !attempt.is_merchant_charge() => {
            emails::queue(
                conn,
                EmailKind::PaymentFailed,
                order.id,
                Subject::Attempt(attempt.id),
                &effects.public_url,
            )?;
        }
        AttemptStatus::Voided => {
            // Only the run whose conditional update cancelled the order releases its stock.
            let cancelled = status::set(conn, order.id, Change::Voided, at)?;
            if cancelled {
                release_stock(conn, order.id)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Reserves the order's lines again, and its discount code's use; returns the names of lines
/// that could not be.
fn retake_stock(conn: &mut DbConnection, order_id: i64) -> Result<Vec<String>, DbError> {
    // The code's row first, as the checkout takes them (see `discounts`).
    crate::discounts::retake(conn, order_id, crate::db::now())?;
    // In product order, as every stock change takes product rows (see `orders::create`).
    /// Product, quantity, name, variant and the variant's name.
    type Line = (Option<i64>, i64, String, Option<i64>, String);
    let lines: Vec<Line> = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order((order_lines::product_id, order_lines::variant_id))
        .select((
            order_lines::product_id,
            order_lines::quantity,
            order_lines::name,
            order_lines::variant_id,
            order_lines::variant_name,
        ))
        .load(conn)?;
    let mut short = Vec::new();
    for (product_id, quantity, name, variant_id, variant_name) in lines {
        let taken = match stock_of(product_id, variant_id, &variant_name) {
            Some(StockRow::Product(id)) => diesel::update(
                products::table
                    .filter(products::id.eq(id))
                    .filter(products::stock.ge(quantity)),
            )
            .set(products::stock.eq(products::stock - quantity))
            .execute(conn)
            .inspect(|_| crate::catalogue::cache::changed())?,
            Some(StockRow::Variant(id)) => diesel::update(
                product_variants::table
                    .filter(product_variants::id.eq(id))
                    .filter(product_variants::stock.ge(quantity)),
            )
            .set(product_variants::stock.eq(product_variants::stock - quantity))
            .execute(conn)
            .inspect(|_| crate::catalogue::cache::changed())?,
            None => 0,
        };
        if taken != 1 {
            short.push(crate::cart::full_name(&name, &variant_name));
        }
    }
    Ok(short)
}

/// The row an order line's stock belongs to.
enum StockRow {
    Product(i64),
    Variant(i64),
}

/// Where order line stock goes back to or is taken from: its variant's row, else its
/// product's; none once either is deleted (a line that had a variant, now gone, names one).
fn stock_of(
    product_id: Option<i64>,
    variant_id: Option<i64>,
    variant_name: &str,
) -> Option<StockRow> {
    match (product_id, variant_id) {
        (_, Some(v)) => Some(StockRow::Variant(v)),
        (Some(p), None) if variant_name.is_empty() => Some(StockRow::Product(p)),
        _ => None,
    }
}

/// Gives the order's lines back to stock (each to its variant's row when it has one), in
/// product order (see `orders::create`), and its discount code's use back to the code.
pub fn release_stock(conn: &mut DbConnection, order_id: i64) -> Result<(), DbError> {
    // The code's row first, as the checkout takes them (see `discounts`).
    crate::discounts::release(conn, order_id)?;
    let lines: Vec<(Option<i64>, i64, Option<i64>, String)> = order_lines::table
        .filter(order_lines::order_id.eq(order_id))
        .order((order_lines::product_id, order_lines::variant_id))
        .select((
            order_lines::product_id,
            order_lines::quantity,
            order_lines::variant_id,
            order_lines::variant_name,
        ))
        .load(conn)?;
    for (product_id, quantity, variant_id, variant_name) in lines {
        match stock_of(product_id, variant_id, &variant_name) {
            Some(StockRow::Product(id)) => {
                diesel::update(products::table.find(id))
                    .set(products::stock.eq(products::stock + quantity))
                    .execute(conn)?;
            }
            Some(StockRow::Variant(id)) => {
                diesel::update(product_variants::table.find(id))
                    .set(product_variants::stock.eq(product_variants::stock + quantity))
                    .execute(conn)?;
            }
            None => continue,
        }
        crate::catalogue::cache::changed();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use AttemptStatus::*;

    #[test]
    fn paid_never_goes_back() {
        for &to in AttemptStatus::ALL {
            assert!(!allowed(Paid, to), "paid -> {to:?}");
            assert!(!allowed(Voided, to), "voided -> {to:?}");
        }
    }

    #[test]
    fn open_attempts_move_anywhere_forward_and_late_success_wins() {
        for from in [Created, Pending, RequiresAction] {
            for to in [Pending, RequiresAction, Authorized, Paid, Failed, Cancelled] {
                assert!(allowed(from, to) || from == to, "{from:?} -> {to:?}");
            }
        }
        assert!(allowed(Failed, Paid));
        assert!(allowed(Cancelled, Paid));
        assert!(!allowed(Failed, Pending));
        assert!(!allowed(Authorized, Failed));
        assert!(allowed(Authorized, Voided) && allowed(Authorized, Paid));
    }
}
