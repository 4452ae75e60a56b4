//! Refund outcomes, from the refund webhook, a refund query, or an admin who checked with
//! AsiaBill. (Requesting refunds is the admin's; this module settles them.)
//!
//! Two rules keep the money right. The order's status follows settled refunds only: an amount
//! reserved for a refund still in flight is not refunded yet, so one failing never leaves the
//! order "refunded" with money nobody can refund again. And AsiaBill is the truth: news from
//! AsiaBill that contradicts an earlier verdict (a refund marked failed by hand that AsiaBill
//! then reports refunded) replaces it, moves the refundable amount with it, and is flagged.

use asiabill::{Money, types::RefundDetails};
use diesel::prelude::*;

use crate::payments::{RefundStatus, Source, transition::Effects};
use crate::{
    db::{
        DbConnection, DbError,
        models::{Order, Refund},
        now,
        schema::{orders, payment_attempts, payment_events, refunds},
    },
    emails::{self, EmailKind, Subject},
    orders::{
        status::{self, Change, OrderStatus},
        timeline::{self, Event, Message},
    },
};

/// What AsiaBill says about a refund.
#[derive(Debug, Clone)]
pub struct RefundNews {
    /// Our `merTrackNo`, when AsiaBill echoes it.
    pub mer_track_no: Option<String>,
    /// The payment's `tradeNo`.
    pub trade_no: String,
    /// The refunded amount.
    pub amount: Money,
    /// AsiaBill's refund batch number.
    pub batch_no: Option<String>,
    /// True for success, false for failure.
    pub succeeded: bool,
    /// AsiaBill's words, if any.
    pub message: Option<String>,
    /// The admin who settled the refund by hand after checking with AsiaBill, if one did.
    pub marked_by: Option<String>,
}

impl RefundNews {
    /// This news corrected by what a refund query answered: AsiaBill's `tradeNo`,
    /// `merTrackNo` and amount wherever it gives them, so that [`apply`] compares AsiaBill's
    /// figures with ours instead of ours with themselves.
    pub fn as_queried(mut self, details: &RefundDetails) -> Self {
        let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        if let Some(trade_no) = given(&details.trade_no) {
            self.trade_no = trade_no;
        }
        if let Some(track) = given(&details.mer_track_no) {
            self.mer_track_no = Some(track);
        }
        if let Some(amount) = details.refund_amount {
            self.amount = amount;
        }
        self
    }
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundApplied {
    /// The refund was settled.
    Settled,
    /// It was settled that way already.
    Unchanged,
    /// AsiaBill contradicted an earlier verdict, and its word replaced it: the merchant should
    /// know (the note says what changed).
    Overridden(Message),
    /// The refund named by `merTrackNo` is for another amount, currency or payment: not
    /// applied, flag it for the merchant.
    Mismatch(Message),
    /// No refund of ours matches: flag it for the merchant.
    NotFound,
}

/// Settles the refund the news is about: matched on `merTrackNo` (and then its amount,
/// currency and `tradeNo` must be the refund's), else on the payment's `tradeNo` and the
/// amount among refunds still open. Must run inside a transaction.
pub fn apply(
    conn: &mut DbConnection,
    news: &RefundNews,
    source: Source,
    effects: &Effects,
) -> Result<RefundApplied, DbError> {
    let Some(refund) = find(conn, news)? else {
        return Ok(RefundApplied::NotFound);
    };
    crate::orders::lock(conn, refund.order_id)?;
    // Read again under the lock: a concurrent settlement may have moved it since `find`.
    let refund: Refund = refunds::table
        .find(refund.id)
        .select(Refund::as_select())
        .first(conn)?;
    if let Some(note) = mismatch(conn, &refund, news)? {
        record(
            conn,
            &refund,
            source,
            "refund_mismatch",
            None,
            None,
            note.clone(),
        )?;
        return Ok(RefundApplied::Mismatch(note));
    }
    let to = if news.succeeded {
        RefundStatus::Succeeded
    } else {
        RefundStatus::Failed
    };
    if refund.status == to {
        return Ok(RefundApplied::Unchanged);
    }
    let open = RefundStatus::OPEN.contains(&refund.status);
    // A merchant's verdict never replaces a settled one; only AsiaBill's word does.
    if !open && !matches!(source, Source::Webhook | Source::Query) {
        return Ok(RefundApplied::Unchanged);
    }
    let at = now();
    diesel::update(refunds::table.find(refund.id))
        .set((
            refunds::status.eq(to),
            refunds::batch_no.eq(news.batch_no.clone().or(refund.batch_no.clone())),
            refunds::gateway_message.eq(news.message.clone().or(refund.gateway_message.clone())),
            refunds::settled_at.eq(Some(at)),
            refunds::updated_at.eq(at),
        ))
        .execute(conn)?;
    let order: Order = orders::table
        .find(refund.order_id)
        .select(Order::as_select())
        .first(conn)?;
    // What the order counts as refunded or reserved, after this news.
    let over = match (open, news.succeeded) {
        // Reserved when it was requested: it stays counted.
        (true, true) => 0,
        // Reserved, never paid out: give it back.
        (true, false) | (false, false) => {
            set_refunded(conn, &order, order.refunded_minor - refund.amount_minor)?;
            0
        }
        // Marked failed, so given back, and perhaps refunded again since: count it again. More
        // than was captured has then left the merchant; the column stops at what was captured
        // and the excess is named on the timeline.
        (false, true) => {
            let counted = order.refunded_minor + refund.amount_minor;
            set_refunded(conn, &order, counted.min(order.captured_minor))?;
            (counted - order.captured_minor).max(0)
        }
    };
    follow_settled_refunds(conn, &order)?;
    if news.succeeded {
        emails::queue(
            conn,
            EmailKind::Refunded,
            order.id,
            Subject::Refund(refund.id),
            &effects.public_url,
        )?;
    }
    let settled = match (&news.marked_by, news.message.as_deref()) {
        (Some(actor), _) => Message::new("timeline.refund_marked_by").data("actor", actor),
        (None, Some(words)) => Message::new("timeline.refund_settled_says").data("words", words),
        (None, None) => Message::new("timeline.refund_settled"),
    }
    .data("number", &refund.mer_track_no)
    .data("amount", shown(&news.amount));
    record(
        conn,
        &refund,
        source,
        &format!("refund_{to}"),
        Some(refund.status),
        Some(to),
        settled,
    )?;
    if news.succeeded {
        // A "cancel and refund" that this refund completes cancels the order and restocks it
        // (on the timeline after the refund's own entry).
        crate::orders::cancel::after_refund(conn, order.id, source)?;
    }
    if open {
        return Ok(RefundApplied::Settled);
    }
    let mut note = Message::new(if over > 0 {
        "timeline.refund_overridden_over"
    } else {
        "timeline.refund_overridden"
    })
    .data("number", &refund.mer_track_no)
    .state("to", to.as_str())
    .state("was", refund.status.as_str())
    .text("verdict", earlier_verdict(conn, refund.id)?);
    if over > 0 {
        note = note.data("over", shown(&Money::new(over, news.amount.currency())));
    }
    record(
        conn,
        &refund,
        source,
        "refund_overridden",
        Some(refund.status),
        Some(to),
        note.clone(),
    )?;
    Ok(RefundApplied::Overridden(note))
}

fn find(conn: &mut DbConnection, news: &RefundNews) -> Result<Option<Refund>, DbError> {
    if let Some(track) = news.mer_track_no.as_deref().filter(|t| !t.is_empty()) {
        let by_track = refunds::table
            .filter(refunds::mer_track_no.eq(track))
            .select(Refund::as_select())
            .first(conn)
            .optional()?;
        if by_track.is_some() {
            return Ok(by_track);
        }
    }
    Ok(refunds::table
        .inner_join(payment_attempts::table)
        .filter(payment_attempts::trade_no.eq(&news.trade_no))
        .filter(refunds::amount_minor.eq(news.amount.minor()))
        .filter(refunds::currency.eq(news.amount.currency().code()))
        .filter(refunds::status.eq_any(RefundStatus::OPEN))
        .order(refunds::id)
        .select(Refund::as_select())
        .first(conn)
        .optional()?)
}

/// Says why the news is not about `refund`, if it is not: another amount, currency or payment.
fn mismatch(
    conn: &mut DbConnection,
    refund: &Refund,
    news: &RefundNews,
) -> Result<Option<Message>, DbError> {
    let trade_no: Option<String> = payment_attempts::table
        .find(refund.attempt_id)
        .select(payment_attempts::trade_no)
        .first(conn)?;
    let same_money = refund.amount().as_ref() == Some(&news.amount);
    let same_payment = trade_no.as_deref() == Some(news.trade_no.as_str());
    if same_money && same_payment {
        return Ok(None);
    }
    Ok(Some(
        Message::new("timeline.refund_mismatch")
            .data("number", &refund.mer_track_no)
            .data("amount", shown(&news.amount))
            .data("trade_no", &news.trade_no)
            .data("minor", refund.amount_minor)
            .data("currency", &refund.currency)
            .data("ours", trade_no.unwrap_or_default()),
    ))
}

/// Who gave the verdict the refund had ("marked by hand", "reported by AsiaBill"), as a text key.
fn earlier_verdict(conn: &mut DbConnection, refund_id: i64) -> Result<&'static str, DbError> {
    let source: Option<Source> = payment_events::table
        .filter(payment_events::refund_id.eq(Some(refund_id)))
        .filter(payment_events::kind.eq_any([
            format!("refund_{}", RefundStatus::Succeeded),
            format!("refund_{}", RefundStatus::Failed),
            "refund_refused".to_owned(),
        ]))
        .order(payment_events::id.desc())
        // The newest is the one just written for this news; the one before is the verdict.
        .offset(1)
        .select(payment_events::source)
        .first(conn)
        .optional()?;
    Ok(match source {
        Some(Source::Admin) => "timeline.verdict_by_hand",
        Some(Source::Api) => "timeline.verdict_refused",
        _ => "timeline.verdict_by_asiabill",
    })
}

fn set_refunded(conn: &mut DbConnection, order: &Order, minor: i64) -> Result<(), DbError> {
    diesel::update(orders::table.find(order.id))
        .set((
            orders::refunded_minor.eq(minor.max(0)),
            orders::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Puts a captured order in the status its succeeded refunds say: none, part or all of what
/// was captured. Refunds still in flight do not count; they may yet fail.
pub fn follow_settled_refunds(conn: &mut DbConnection, order: &Order) -> Result<(), DbError> {
    let settled: i64 = refunds::table
        .filter(refunds::order_id.eq(order.id))
        .filter(refunds::status.eq(RefundStatus::Succeeded))
        .select(refunds::amount_minor)
        .load::<i64>(conn)?
        .into_iter()
        .sum();
    if !OrderStatus::CAPTURED.contains(&order.status) {
        return Ok(());
    }
    let wanted = if settled == 0 {
        OrderStatus::Paid
    } else if settled >= order.captured_minor {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    };
    if wanted != order.status {
        status::set(conn, order.id, Change::Refunds(wanted), now())?;
    }
    Ok(())
}

fn record(
    conn: &mut DbConnection,
    refund: &Refund,
    source: Source,
    kind: &str,
    from: Option<RefundStatus>,
    to: Option<RefundStatus>,
    message: Message,
) -> Result<(), DbError> {
    timeline::record(
        conn,
        Event::new(refund.order_id, source, kind)
            .attempt(refund.attempt_id)
            .refund(refund.id)
            .change(from.map(RefundStatus::as_str), to.map(RefundStatus::as_str))
            .says(message),
    )
}

fn shown(amount: &Money) -> String {
    format!(
        "{} {}",
        amount.to_gateway_string(),
        amount.currency().code()
    )
}
