//! What the simulator remembers: customers, payment methods, session tokens, transactions,
//! refunds, logistics and chargebacks. Everything lives in one `State` behind one mutex,
//! locked briefly and never across an `.await`.

use std::collections::HashMap;
use std::time::Instant;

use asiabill::currency::Money;
use chrono::{DateTime, Utc};

use crate::cards::CardBehaviour;
use crate::wire::{BillingAddress, BillingDetail, DeliveryAddress, GoodsDetail, Shipping};

/// `orderStatus` / `tradeStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStatus {
    /// Awaiting the shopper (hosted page, 3DS) or held by the hold-pending switch.
    Pending,
    /// Approved.
    Success,
    /// Declined or cancelled.
    Fail,
}

impl OrderStatus {
    /// The word AsiaBill uses.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "pending",
            OrderStatus::Success => "success",
            OrderStatus::Fail => "fail",
        }
    }
}

/// `authStatus` of the transactions query (section 5.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// A sale: nothing to capture.
    Sale,
    /// An authorization awaiting capture or void.
    Pending,
    /// A captured authorization.
    Capture,
    /// A voided authorization.
    Void,
}

impl AuthStatus {
    /// The word AsiaBill uses.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthStatus::Sale => "sale",
            AuthStatus::Pending => "pending",
            AuthStatus::Capture => "capture",
            AuthStatus::Void => "void",
        }
    }
}

/// How the shopper pays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentFlow {
    /// In-site: a payment method charged through `/confirmCharge`.
    InSite,
    /// Hosted: `/checkout/payment`, then the simulator's payment page.
    Hosted,
}

/// `tokenType` of `/confirmCharge` (sections 5.4 and 7.3): the charges of a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenType {
    /// The first charge, with the shopper present: it may be challenged by 3-D Secure, and
    /// once it succeeds the method may be charged `Recurring` for that customer.
    InitRecurring,
    /// A later charge the merchant makes without the shopper.
    Recurring,
}

impl TokenType {
    /// The word AsiaBill uses.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenType::InitRecurring => "InitRecurring",
            TokenType::Recurring => "Recurring",
        }
    }

    /// Reads the word as AsiaBill spells it. Exact, unlike the client: a simulator that
    /// accepted `recurring` would hide a misspelling the real gateway may refuse.
    pub fn parse(word: &str) -> Option<Self> {
        [TokenType::InitRecurring, TokenType::Recurring]
            .into_iter()
            .find(|t| t.as_str() == word)
    }
}

/// A field AsiaBill's integration checklist asks merchants to send, found missing on a
/// transaction request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecklistFlag {
    /// No `callbackUrl`: the merchant gets no webhook.
    MissingCallbackUrl,
    /// No `goodsDetails`.
    MissingGoodsDetails,
    /// No `customerIp` on a non-hosted payment.
    MissingCustomerIp,
}

impl ChecklistFlag {
    /// A stable snake_case name, e.g. `missing_callback_url`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecklistFlag::MissingCallbackUrl => "missing_callback_url",
            ChecklistFlag::MissingGoodsDetails => "missing_goods_details",
            ChecklistFlag::MissingCustomerIp => "missing_customer_ip",
        }
    }
}

/// A payment as the simulator holds it.
#[derive(Debug, Clone)]
pub struct Transaction {
    /// AsiaBill's number, 22 digits.
    pub trade_no: String,
    /// The merchant's order number.
    pub order_no: String,
    /// The gateway it was made on.
    pub gateway_no: String,
    /// The merchant number.
    pub mer_no: String,
    /// Amount and currency.
    pub amount: Money,
    /// In-site or hosted.
    pub flow: PaymentFlow,
    /// `orderStatus`.
    pub status: OrderStatus,
    /// `authStatus`.
    pub auth_status: AuthStatus,
    /// `orderInfo`, e.g. `Transaction Approved`.
    pub order_info: String,
    /// `first6***last4` once a card is known.
    pub mask_card_no: Option<String>,
    /// The payment method charged (in-site).
    pub payment_method_id: Option<String>,
    /// `customerId`, when sent.
    pub customer_id: Option<String>,
    /// `tokenType`, when sent.
    pub token_type: Option<TokenType>,
    /// `customerIp`, when sent.
    pub customer_ip: Option<String>,
    /// `callbackUrl`, when sent: where webhooks go.
    pub callback_url: Option<String>,
    /// `returnUrl`, when sent: where the shopper's browser returns after 3DS or the hosted page.
    pub return_url: Option<String>,
    /// `webSite`.
    pub web_site: Option<String>,
    /// `platform`.
    pub platform: Option<String>,
    /// `isMobile`.
    pub is_mobile: Option<String>,
    /// `paymentMethod` (hosted) as AsiaBill spells it, e.g. `Credit Card` or `ideal`; the word
    /// of [`crate::local::LOCAL_METHODS`] whatever case the merchant sent.
    pub payment_method: Option<String>,
    /// `remark`, echoed in replies and webhooks.
    pub remark: String,
    /// `goodsDetails`.
    pub goods: Vec<GoodsDetail>,
    /// `billingAddress` (hosted).
    pub billing_address: Option<BillingAddress>,
    /// `deliveryAddress` (hosted).
    pub delivery_address: Option<DeliveryAddress>,
    /// `shipping` (in-site).
    pub shipping: Option<Shipping>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Checklist fields missing from the request that created it.
    pub flags: Vec<ChecklistFlag>,
    /// The hosted page's token (`/checkout/pay/{token}`).
    pub hosted_token: Option<String>,
    /// The 3DS challenge's id (`/threeds/{id}`), while one is open.
    pub challenge_id: Option<String>,
    /// Minor units refunded successfully.
    pub refunded_minor: i64,
}

impl Transaction {
    /// Whether the transaction is paid in the sense of "a new payment for its orderNo is a
    /// duplicate": approved and not voided.
    pub fn is_paid(&self) -> bool {
        self.status == OrderStatus::Success && self.auth_status != AuthStatus::Void
    }

    /// Minor units actually taken from the shopper: the amount of an approved sale or a
    /// captured authorization, else zero.
    pub fn captured_minor(&self) -> i64 {
        match (self.status, self.auth_status) {
            (OrderStatus::Success, AuthStatus::Sale | AuthStatus::Capture) => self.amount.minor(),
            _ => 0,
        }
    }

    /// The local method it is paid with (see [`crate::local`]), or `None` for a card.
    pub fn local_method(&self) -> Option<&'static crate::local::LocalMethod> {
        self.payment_method
            .as_deref()
            .and_then(crate::local::local_method)
    }

    /// `paymentMethod` as reported in queries and webhooks: as recorded by the hosted
    /// checkout, else `Credit Card` (an in-site charge is always a card).
    pub fn payment_method_word(&self) -> &str {
        self.payment_method
            .as_deref()
            .unwrap_or(crate::local::CREDIT_CARD)
    }

    /// Whether the shopper still has to act on its page: pending, and neither held by a
    /// pending switch nor answered.
    pub fn awaits_shopper(&self) -> bool {
        self.status == OrderStatus::Pending
            && self.order_info == crate::payments::INFO_AWAITING_SHOPPER
    }

    /// Whether the checklist flagged `flag` on it.
    pub fn has_flag(&self, flag: ChecklistFlag) -> bool {
        self.flags.contains(&flag)
    }
}

/// `refundStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundStatus {
    /// Applied, awaiting the bank.
    Pending,
    /// Refunded.
    Success,
    /// Refused.
    Fail,
}

impl RefundStatus {
    /// The word used in replies.
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::Pending => "pending",
            RefundStatus::Success => "success",
            RefundStatus::Fail => "fail",
        }
    }
}

/// A refund application.
#[derive(Debug, Clone)]
pub struct Refund {
    /// The refund batch number, a numeric string.
    pub batch_no: String,
    /// The refunded transaction.
    pub trade_no: String,
    /// Its gateway.
    pub gateway_no: String,
    /// The merchant's refund reference.
    pub mer_track_no: String,
    /// Amount refunded, in the transaction's currency.
    pub amount: Money,
    /// `1` full, `2` partial.
    pub refund_type: String,
    /// `refundReason`; `FAIL` makes the refund fail (a simulator convention).
    pub reason: String,
    /// `remark`.
    pub remark: String,
    /// Where it stands.
    pub status: RefundStatus,
    /// When it was applied for.
    pub created_at: DateTime<Utc>,
}

/// A tracking number uploaded for a transaction.
#[derive(Debug, Clone)]
pub struct Logistics {
    /// The transaction it ships.
    pub trade_no: String,
    /// Its gateway.
    pub gateway_no: String,
    /// Carrier tracking number.
    pub tracking_no: String,
    /// Carrier tracking website.
    pub tracking_web: String,
    /// Carrier code.
    pub lc_code: String,
    /// `logisticsStatus`: `Pending` on upload; see [`crate::Sandbox::set_logistics_status`].
    pub status: String,
    /// When it was (last) uploaded.
    pub uploaded_at: DateTime<Utc>,
}

/// A dispute raised on a paid transaction.
#[derive(Debug, Clone)]
pub struct Chargeback {
    /// Chargeback batch number.
    pub batch_no: String,
    /// The disputed transaction.
    pub trade_no: String,
    /// Its order number.
    pub order_no: String,
    /// Its gateway.
    pub gateway_no: String,
    /// The transaction's amount.
    pub order_amount: Money,
    /// Amount disputed.
    pub amount: Money,
    /// e.g. `D4755-Non-Receipt of Goods or Services`.
    pub reason: String,
    /// `cpdDate`.
    pub cpd_date: DateTime<Utc>,
    /// `replyDeadline`.
    pub reply_deadline: DateTime<Utc>,
    /// `noticeDate`.
    pub notice_date: DateTime<Utc>,
}

/// A stored customer.
#[derive(Debug, Clone)]
pub struct Customer {
    /// `cus_…`.
    pub customer_id: String,
    /// Its gateway.
    pub gateway_no: String,
    /// Fields as sent.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone.
    pub phone: String,
    /// Description.
    pub description: String,
    /// Creation time.
    pub created: DateTime<Utc>,
}

/// A tokenised card. The full number and the CVV are not kept.
#[derive(Debug, Clone)]
pub struct PaymentMethod {
    /// `pm_…`.
    pub id: String,
    /// Its gateway.
    pub gateway_no: String,
    /// The customer it is attached to.
    pub customer_id: Option<String>,
    /// Detached from its customer (directly or by the customer's deletion) and not attached
    /// again since. Such a method belongs to no one and is not charged: the shopper removed
    /// the card. The API notes are silent; this is the simulator's own rule, as strict as
    /// Stripe's (AsiaBill's test card numbers are Stripe's).
    pub detached: bool,
    /// The customer for whom an `InitRecurring` charge of this method succeeded, which
    /// `Recurring` charges for that customer need (section 7.3: "if the first failed, redo
    /// it"). Detaching the method, or attaching it to someone else, forgets it (the
    /// simulator's own rule: the agreement was between that shopper and that card).
    pub recurring_customer_id: Option<String>,
    /// Billing details.
    pub billing: BillingDetail,
    /// `Visa`, `MasterCard`, …
    pub brand: String,
    /// First six digits.
    pub first6: String,
    /// Last four digits.
    pub last4: String,
    /// Expiry month, two digits.
    pub exp_month: String,
    /// Expiry year, four digits.
    pub exp_year: String,
    /// How the test card behaves when charged.
    pub behaviour: CardBehaviour,
    /// Creation time.
    pub created: DateTime<Utc>,
}

impl PaymentMethod {
    /// `first6***last4`.
    pub fn mask(&self) -> String {
        format!("{}***{}", self.first6, self.last4)
    }

    /// Attaches it to `customer_id`; a recurring agreement with another customer is forgotten.
    pub(crate) fn attach(&mut self, customer_id: String) {
        if self.recurring_customer_id.as_ref() != Some(&customer_id) {
            self.recurring_customer_id = None;
        }
        self.customer_id = Some(customer_id);
        self.detached = false;
    }

    /// Detaches it from its customer, if any, and forgets its recurring agreement.
    pub(crate) fn detach(&mut self) {
        self.customer_id = None;
        self.recurring_customer_id = None;
        self.detached = true;
    }
}

pub(crate) struct SessionToken {
    pub gateway_no: String,
    pub expires_at: Instant,
}

#[derive(Default)]
pub(crate) struct State {
    pub customers: Vec<Customer>,
    pub payment_methods: Vec<PaymentMethod>,
    pub session_tokens: HashMap<String, SessionToken>,
    pub transactions: Vec<Transaction>,
    pub refunds: Vec<Refund>,
    pub logistics: Vec<Logistics>,
    pub chargebacks: Vec<Chargeback>,
    pub next_batch_no: u64,
}

impl State {
    pub fn transaction(&self, gateway_no: &str, trade_no: &str) -> Option<&Transaction> {
        self.transactions
            .iter()
            .find(|t| t.trade_no == trade_no && t.gateway_no == gateway_no)
    }

    pub fn transaction_mut(&mut self, trade_no: &str) -> Option<&mut Transaction> {
        self.transactions
            .iter_mut()
            .find(|t| t.trade_no == trade_no)
    }

    pub fn customer(&self, gateway_no: &str, id: &str) -> Option<&Customer> {
        self.customers
            .iter()
            .find(|c| c.customer_id == id && c.gateway_no == gateway_no)
    }

    pub fn payment_method_mut(&mut self, gateway_no: &str, id: &str) -> Option<&mut PaymentMethod> {
        self.payment_methods
            .iter_mut()
            .find(|p| p.id == id && p.gateway_no == gateway_no)
    }

    /// Records a successful `InitRecurring` charge on its payment method, so that `Recurring`
    /// charges for the same customer are accepted. Called wherever a transaction becomes
    /// `success` (at once, after 3DS, or by a later settlement); does nothing for others, nor
    /// when the method was detached or given to another customer while the charge was pending.
    pub fn record_init_recurring(&mut self, tx: &Transaction) {
        if tx.status != OrderStatus::Success || tx.token_type != Some(TokenType::InitRecurring) {
            return;
        }
        let (Some(customer_id), Some(pm_id)) = (&tx.customer_id, &tx.payment_method_id) else {
            return;
        };
        if let Some(pm) = self.payment_method_mut(&tx.gateway_no, pm_id)
            && !pm.detached
            && pm.customer_id.as_ref().is_none_or(|c| c == customer_id)
        {
            pm.recurring_customer_id = Some(customer_id.clone());
        }
    }

    /// A fresh refund or chargeback batch number: a short numeric string.
    pub fn batch_no(&mut self) -> String {
        self.next_batch_no += 1;
        (452_600 + self.next_batch_no).to_string()
    }

    /// Minor units of refunds still pending on `trade_no`.
    pub fn pending_refunds_minor(&self, trade_no: &str) -> i64 {
        self.refunds
            .iter()
            .filter(|r| r.trade_no == trade_no && r.status == RefundStatus::Pending)
            .map(|r| r.amount.minor())
            .sum()
    }
}
