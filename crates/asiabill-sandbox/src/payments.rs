//! How a payment ends: approval (or a hold, with the hold-pending switch), decline,
//! cancellation, and the 3-D Secure challenge in between. The API routes and the shopper's
//! pages (hosted payment page, 3DS page) all end payments through these functions, so that
//! the status, the webhook and the signed returnUrl always agree.

use std::sync::MutexGuard;
use std::time::Duration;

use chrono::Utc;

use crate::Sandbox;
use crate::cards::{CardBehaviour, CardInput, check};
use crate::config::SettlementMode;
use crate::envelope::{Rejection, codes};
use crate::return_url::{ReturnParams, signed_return_url};
use crate::state::{AuthStatus, OrderStatus, State, Transaction};
use crate::webhooks::{TransactionData, WebhookEvent, event_body};

/// `orderInfo` of an approval.
pub const INFO_APPROVED: &str = "Transaction Approved";
/// `orderInfo` of a decline.
pub const INFO_DECLINED: &str = "Decline";
/// `orderInfo` of a failed 3-D Secure authentication.
pub const INFO_THREE_DS_FAILED: &str = "3DS Authentication Failed";
/// `orderInfo` of a shopper who cancelled (legacy `E0008`).
pub const INFO_CANCELLED: &str = "E0008:Customer Cancel";
/// `orderInfo` while the shopper still has to act (hosted page, 3DS).
pub const INFO_AWAITING_SHOPPER: &str = "Pending";
/// `orderInfo` while held by the hold-pending switch.
pub const INFO_HELD: &str = "Transaction Pending";

/// How a pending payment ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The bank approves (or, with hold-pending on, holds it before approving).
    Approve,
    /// The bank declines.
    Decline,
    /// 3-D Secure authentication failed.
    ThreeDsFailed,
    /// The shopper cancelled on the payment page.
    Cancel,
}

/// A payment that has left the shopper's hands.
#[derive(Debug, Clone)]
pub struct Completion {
    /// The transaction as it now stands.
    pub transaction: Transaction,
    /// Where to send the shopper: the merchant's `returnUrl` with the signed parameters of
    /// section 9, or `None` when the merchant gave no `returnUrl`.
    pub return_url: Option<String>,
}

/// What happens after a card is submitted.
#[derive(Debug, Clone)]
pub enum PaymentStep {
    /// The payment ended (or is held pending).
    Completed(Completion),
    /// The card asks for 3-D Secure: send the shopper to `/threeds/{challenge_id}`.
    Challenge {
        /// Id of the challenge, for [`Sandbox::complete_challenge`].
        challenge_id: String,
        /// The transaction, still pending.
        transaction: Transaction,
    },
}

impl Sandbox {
    /// Stores a new transaction unless its `orderNo` is already paid on its gateway
    /// (`I0061 Duplicate Order`).
    pub(crate) fn open_transaction(state: &mut State, tx: Transaction) -> Result<(), Rejection> {
        let duplicate = state
            .transactions
            .iter()
            .any(|t| t.gateway_no == tx.gateway_no && t.order_no == tx.order_no && t.is_paid());
        if duplicate {
            return Err(Rejection::new(
                codes::DUPLICATE_ORDER,
                format!("Duplicate Order: orderNo {} is already paid", tx.order_no),
            ));
        }
        state.transactions.push(tx);
        Ok(())
    }

    /// A `transaction.*` event for `tx` as it stands.
    pub(crate) fn transaction_event(&self, tx: &Transaction, event_type: &str) -> WebhookEvent {
        let transaction_type = match self.config().account(&tx.gateway_no).map(|a| a.mode) {
            Some(SettlementMode::PreAuthorization) => "Authorization",
            _ => "Sale",
        };
        let data = TransactionData {
            transaction_type: transaction_type.to_owned(),
            order_amount: tx.amount.to_gateway_string(),
            order_no: tx.order_no.clone(),
            trade_no: tx.trade_no.clone(),
            order_currency: tx.amount.currency().code().to_owned(),
            order_info: tx.order_info.clone(),
            order_status: tx.status.as_str().to_owned(),
            remark: tx.remark.clone(),
            payment_method: tx.payment_method_word().to_owned(),
        };
        self.event(tx, event_type, event_body(event_type, &data))
    }

    /// An event about `tx` with a ready body.
    pub(crate) fn event(&self, tx: &Transaction, event_type: &str, body: String) -> WebhookEvent {
        WebhookEvent {
            id: self.next_event_id(),
            event_type: event_type.to_owned(),
            trade_no: tx.trade_no.clone(),
            gateway_no: tx.gateway_no.clone(),
            body,
            url: tx.callback_url.clone(),
            created_at: Utc::now(),
        }
    }

    /// Ends `tx` with `outcome`: sets its status and returns the event to emit and whether it
    /// is held (to be settled later); an approval is held only when `may_hold`. Called with the
    /// state locked.
    fn apply_outcome(
        &self,
        tx: &mut Transaction,
        outcome: Outcome,
        may_hold: bool,
    ) -> (WebhookEvent, bool) {
        tx.challenge_id = None;
        match outcome {
            Outcome::Approve if may_hold => {
                tx.status = OrderStatus::Pending;
                tx.order_info = INFO_HELD.to_owned();
                (self.transaction_event(tx, "transaction.pending"), true)
            }
            Outcome::Approve => {
                tx.status = OrderStatus::Success;
                tx.auth_status = match self.config().account(&tx.gateway_no).map(|a| a.mode) {
                    Some(SettlementMode::PreAuthorization) => AuthStatus::Pending,
                    _ => AuthStatus::Sale,
                };
                tx.order_info = INFO_APPROVED.to_owned();
                (self.transaction_event(tx, "transaction.success"), false)
            }
            Outcome::Decline | Outcome::ThreeDsFailed | Outcome::Cancel => {
                tx.status = OrderStatus::Fail;
                tx.order_info = match outcome {
                    Outcome::ThreeDsFailed => INFO_THREE_DS_FAILED,
                    Outcome::Cancel => INFO_CANCELLED,
                    _ => INFO_DECLINED,
                }
                .to_owned();
                (self.transaction_event(tx, "transaction.fail"), false)
            }
        }
    }

    /// How long an approval of `tx` is held pending before it succeeds, if it is: a local
    /// method by its own switch ([`crate::Faults::local_pending_minutes`]), else any payment
    /// by the hold-pending switch.
    fn hold_for(&self, tx: &Transaction) -> Option<Duration> {
        let local = tx
            .local_method()
            .and(self.faults().local_pending_minutes)
            .map(|minutes| Duration::from_secs(u64::from(minutes) * 60));
        local.or_else(|| {
            self.hold_pending()
                .then_some(self.config().hold_pending_delay)
        })
    }

    /// Emits `event`, and schedules the settlement of a payment held for `hold`.
    fn after_outcome(&self, trade_no: &str, event: WebhookEvent, hold: Option<Duration>) {
        self.emit(event);
        if let Some(hold) = hold {
            let sandbox = self.clone();
            let trade_no = trade_no.to_owned();
            let wait = self.config().scaled(hold);
            self.spawn(async move {
                tokio::time::sleep(wait).await;
                sandbox.settle_held(&trade_no);
            });
        }
    }

    /// Approves a payment held by the hold-pending switch, if it is still pending.
    fn settle_held(&self, trade_no: &str) {
        let event = {
            let mut state = self.state();
            let Some(tx) = state.transaction_mut(trade_no) else {
                return;
            };
            if tx.status != OrderStatus::Pending || tx.challenge_id.is_some() {
                return;
            }
            tx.status = OrderStatus::Success;
            tx.auth_status = match self.config().account(&tx.gateway_no).map(|a| a.mode) {
                Some(SettlementMode::PreAuthorization) => AuthStatus::Pending,
                _ => AuthStatus::Sale,
            };
            tx.order_info = INFO_APPROVED.to_owned();
            let tx = tx.clone();
            state.record_init_recurring(&tx);
            self.transaction_event(&tx, "transaction.success")
        };
        self.emit(event);
    }

    /// Charges the pending transaction `trade_no` with a card that behaves as `behaviour`:
    /// approval and decline end it, a 3DS card opens a challenge. Takes the state guard so that
    /// the caller's checks and the charge happen under one lock; it is released before the
    /// webhook is emitted.
    pub(crate) fn charge(
        &self,
        mut state: MutexGuard<'_, State>,
        trade_no: &str,
        mask: String,
        behaviour: CardBehaviour,
    ) -> Result<PaymentStep, Rejection> {
        let tx = pending(state.transaction_mut(trade_no), trade_no)?;
        // A hosted page held pending or waiting on 3DS has its card already: one card a payment.
        if tx.mask_card_no.is_some() {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                format!("transaction {trade_no} already has a card"),
            ));
        }
        tx.mask_card_no = Some(mask);
        let outcome = match behaviour {
            CardBehaviour::Approve => Outcome::Approve,
            CardBehaviour::Decline => Outcome::Decline,
            CardBehaviour::Challenge => {
                let id = crate::ids::token();
                tx.challenge_id = Some(id.clone());
                tx.order_info = INFO_AWAITING_SHOPPER.to_owned();
                return Ok(PaymentStep::Challenge {
                    challenge_id: id,
                    transaction: tx.clone(),
                });
            }
        };
        let hold = self.hold_for(tx);
        let (event, held) = self.apply_outcome(tx, outcome, hold.is_some());
        let tx = tx.clone();
        state.record_init_recurring(&tx);
        drop(state);
        self.after_outcome(trade_no, event, hold.filter(|_| held));
        Ok(PaymentStep::Completed(Completion {
            return_url: self.return_url_of(&tx),
            transaction: tx,
        }))
    }

    /// Ends the pending transaction `trade_no` with `outcome`, emits its webhook and returns
    /// where to send the shopper. The 3DS and hosted pages end payments through this.
    pub fn complete_pending(
        &self,
        trade_no: &str,
        outcome: Outcome,
    ) -> Result<Completion, Rejection> {
        self.end_pending(self.state(), trade_no, outcome, true)
    }

    /// Settles the pending transaction `trade_no` at once, as the bank would: approved
    /// (`approve`) or declined, never held by the hold-pending switch. This is the console's
    /// "settle" button; an open hosted page or 3DS challenge is closed by it.
    pub fn settle_pending(&self, trade_no: &str, approve: bool) -> Result<Completion, Rejection> {
        let outcome = if approve {
            Outcome::Approve
        } else {
            Outcome::Decline
        };
        self.end_pending(self.state(), trade_no, outcome, false)
    }

    /// Ends the pending `trade_no` with `outcome`; an approval is held as [`Self::hold_for`]
    /// says when `may_hold`. Takes the state guard so that the caller's checks and the ending
    /// happen under one lock; it is released before the webhook is emitted.
    pub(crate) fn end_pending(
        &self,
        mut state: MutexGuard<'_, State>,
        trade_no: &str,
        outcome: Outcome,
        may_hold: bool,
    ) -> Result<Completion, Rejection> {
        let tx = pending(state.transaction_mut(trade_no), trade_no)?;
        let hold = if may_hold { self.hold_for(tx) } else { None };
        let (event, held) = self.apply_outcome(tx, outcome, hold.is_some());
        let tx = tx.clone();
        state.record_init_recurring(&tx);
        drop(state);
        self.after_outcome(trade_no, event, hold.filter(|_| held));
        Ok(Completion {
            return_url: self.return_url_of(&tx),
            transaction: tx,
        })
    }

    /// The merchant's `returnUrl` for `trade_no` with the signed parameters of section 9,
    /// describing the transaction as it stands.
    pub fn return_url(&self, trade_no: &str) -> Option<String> {
        self.transaction(trade_no)
            .and_then(|tx| self.return_url_of(&tx))
    }

    fn return_url_of(&self, tx: &Transaction) -> Option<String> {
        let url = tx.return_url.as_deref()?;
        let account = self.config().account(&tx.gateway_no)?;
        Some(signed_return_url(
            url,
            &ReturnParams::of(tx),
            &account.sign_key,
        ))
    }

    /// The hosted checkout behind `/checkout/pay/{token}`: the transaction with its billing,
    /// delivery, goods, `returnUrl` and `callbackUrl`.
    pub fn hosted_session(&self, token: &str) -> Option<Transaction> {
        self.state()
            .transactions
            .iter()
            .find(|t| t.hosted_token.as_deref() == Some(token))
            .cloned()
    }

    /// The shopper submits `card` on the hosted page `token`: the card is checked (same codes
    /// as `/payment_methods`) and charged.
    pub fn pay_hosted(&self, token: &str, card: &CardInput) -> Result<PaymentStep, Rejection> {
        let checked = check(card)?;
        let state = self.state();
        let trade_no = state
            .transactions
            .iter()
            .find(|t| t.hosted_token.as_deref() == Some(token))
            .map(|t| t.trade_no.clone())
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, "no such hosted checkout"))?;
        self.charge(state, &trade_no, checked.mask(), checked.behaviour)
    }

    /// The shopper cancels on the hosted page `token`.
    pub fn cancel_hosted(&self, token: &str) -> Result<Completion, Rejection> {
        let tx = self
            .hosted_session(token)
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, "no such hosted checkout"))?;
        self.complete_pending(&tx.trade_no, Outcome::Cancel)
    }

    /// The shopper answers the local payment page of the hosted checkout `token`
    /// (`/local/{token}`): `Approve` (a QR scan, a bank's or provider's approval), `Decline`
    /// or `Cancel`. The payment ends as a card payment does (same webhook, same signed
    /// returnUrl), and an approval is held pending when
    /// [`crate::Faults::local_pending_minutes`] (or hold-pending) is on. Refused when the
    /// checkout is not a local method's or was already answered.
    pub fn answer_local(&self, token: &str, outcome: Outcome) -> Result<Completion, Rejection> {
        if outcome == Outcome::ThreeDsFailed {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                "a local payment has no 3-D Secure to fail",
            ));
        }
        let state = self.state();
        let tx = state
            .transactions
            .iter()
            .find(|t| t.hosted_token.as_deref() == Some(token))
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, "no such hosted checkout"))?;
        let Some(method) = tx.local_method() else {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                format!(
                    "transaction {} is paid by card, not a local method",
                    tx.trade_no
                ),
            ));
        };
        // Held pending after an approval, or ended: the shopper's answer is already in.
        if !tx.awaits_shopper() {
            return Err(Rejection::new(
                codes::BAD_FIELD,
                format!(
                    "the {} payment {} was already answered ({})",
                    method.name,
                    tx.trade_no,
                    tx.status.as_str()
                ),
            ));
        }
        let trade_no = tx.trade_no.clone();
        self.end_pending(state, &trade_no, outcome, true)
    }

    /// The transaction waiting on the 3DS challenge `id` (`/threeds/{id}`).
    pub fn challenge(&self, id: &str) -> Option<Transaction> {
        self.state()
            .transactions
            .iter()
            .find(|t| t.challenge_id.as_deref() == Some(id))
            .cloned()
    }

    /// The shopper passes (`authenticated`) or fails the 3DS challenge `id`.
    pub fn complete_challenge(
        &self,
        id: &str,
        authenticated: bool,
    ) -> Result<Completion, Rejection> {
        let tx = self
            .challenge(id)
            .ok_or_else(|| Rejection::new(codes::NO_RECORD, "no such 3DS challenge"))?;
        let outcome = if authenticated {
            Outcome::Approve
        } else {
            Outcome::ThreeDsFailed
        };
        self.complete_pending(&tx.trade_no, outcome)
    }
}

fn pending<'a>(
    tx: Option<&'a mut Transaction>,
    trade_no: &str,
) -> Result<&'a mut Transaction, Rejection> {
    let tx =
        tx.ok_or_else(|| Rejection::new(codes::NO_RECORD, format!("no transaction {trade_no}")))?;
    if tx.status != OrderStatus::Pending {
        return Err(Rejection::new(
            codes::BAD_FIELD,
            format!("transaction {trade_no} is no longer pending"),
        ));
    }
    Ok(tx)
}
