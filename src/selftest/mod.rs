//! The integration self-test (admin → go-live, and `shop selftest`): each item of AsiaBill's
//! checklist run against the configured gateway, the simulator in `local` and AsiaBill's
//! sandbox in `sandbox`, each shown as a row with its outcome, its time and the order whose
//! gateway calls it made.
//!
//! The test goes through the shop's own code, not around it: orders are placed by the checkout's
//! [`crate::orders::create::place`], payments started by [`crate::payments::start`], the return
//! followed over HTTP to the shop's own `/payment/asiabill/return`, the webhook awaited as
//! AsiaBill delivers it to the shop's `callbackUrl`, and refunds, logistics, queries, capture and
//! void made by the functions behind the admin's buttons. Where a shopper's browser is needed
//! (the card form of the hosted page, a 3-D Secure challenge) the test plays it on the
//! simulator's pages with AsiaBill's published test cards; against AsiaBill's own pages it cannot,
//! and says so in the row.
//!
//! It is refused in `live`: it places orders and moves money, which on a live account would be
//! real charges.

mod checks;
pub mod runs;
mod shopper;

use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::{
    accounts::audit::Actor,
    config::{GatewayMode, Settings},
    i18n::Lang,
    payments::Payments,
};

/// One checklist item as the self-test runs it, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// `sessionToken` for the in-site card fields.
    SessionToken,
    /// A hosted-page payment request, with `callbackUrl`, `goodsDetails` and `customerIp`.
    HostedRequest,
    /// The success card on the hosted page.
    HostedSuccess,
    /// A return whose signature was tampered with is refused and changes nothing.
    ForgedReturn,
    /// The signed return is verified and pays the order.
    SignedReturn,
    /// An in-site payment: card tokenised as the JS SDK does, then `confirmCharge`.
    InsiteRequest,
    /// AsiaBill's webhook reaches `callbackUrl` and is answered `success`.
    Webhook,
    /// The decline card: declined with AsiaBill's reason, the order payable again.
    Decline,
    /// The 3-D Secure card: challenged, authenticated, paid.
    ThreeDs,
    /// The order asked of AsiaBill by its `tradeNo` ("Sync from AsiaBill").
    OrderQuery,
    /// The transactions list asked by `orderNo`.
    TransactionQuery,
    /// Capture of an authorization (pre-authorization gateways).
    Capture,
    /// Void of an authorization (pre-authorization gateways).
    Void,
    /// Tracking uploaded after shipping.
    Logistics,
    /// A refund requested.
    Refund,
    /// The refund asked about.
    RefundQuery,
}

impl Check {
    /// Every check, in the order they run.
    pub const ALL: [Check; 16] = [
        Check::SessionToken,
        Check::HostedRequest,
        Check::HostedSuccess,
        Check::ForgedReturn,
        Check::SignedReturn,
        Check::InsiteRequest,
        Check::Webhook,
        Check::Decline,
        Check::ThreeDs,
        Check::OrderQuery,
        Check::TransactionQuery,
        Check::Capture,
        Check::Void,
        Check::Logistics,
        Check::Refund,
        Check::RefundQuery,
    ];

    /// Its name in locale keys (`admin.selftest.check.<key>`) and in the JSON of a run.
    pub fn key(self) -> &'static str {
        match self {
            Check::SessionToken => "session_token",
            Check::HostedRequest => "hosted_request",
            Check::HostedSuccess => "hosted_success",
            Check::ForgedReturn => "forged_return",
            Check::SignedReturn => "signed_return",
            Check::Webhook => "webhook",
            Check::InsiteRequest => "insite_request",
            Check::Decline => "decline",
            Check::ThreeDs => "three_ds",
            Check::OrderQuery => "order_query",
            Check::TransactionQuery => "transaction_query",
            Check::Capture => "capture",
            Check::Void => "void",
            Check::Logistics => "logistics",
            Check::Refund => "refund",
            Check::RefundQuery => "refund_query",
        }
    }

    /// The numbers of the checklist items (as on the go-live page) it shows working.
    pub fn items(self) -> &'static str {
        match self {
            Check::SessionToken => "1, 2",
            Check::HostedRequest => "2, 4",
            Check::HostedSuccess => "3, 5",
            Check::ForgedReturn | Check::SignedReturn => "6",
            Check::Webhook => "8",
            Check::InsiteRequest => "2, 4",
            Check::Decline | Check::ThreeDs => "3, 5",
            Check::OrderQuery | Check::TransactionQuery => "11",
            Check::Capture | Check::Void => "10",
            Check::Logistics => "7",
            Check::Refund | Check::RefundQuery => "12",
        }
    }

    /// Its title in `lang`.
    pub fn title(self, lang: Lang) -> &'static str {
        lang.tr(&format!("admin.selftest.check.{}", self.key()))
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// It worked.
    Passed,
    /// It did not; the detail says what was seen.
    Failed,
    /// It could not run here (the detail says why): not a failure.
    Skipped,
}

impl Outcome {
    /// `passed`, `failed` or `skipped`: locale key part and CSS modifier.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Passed => "passed",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// What was checked.
    pub check: Check,
    /// How it ended.
    pub outcome: Outcome,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// What was seen, in the language the run was started in.
    pub detail: String,
    /// The shop's number of the order it paid or acted on, whose gateway calls it made.
    pub order: Option<String>,
}

/// Why the self-test does not run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// `ASIABILL_ENV=live`: the test would charge real cards.
    #[error("the self-test places orders and moves money, so it never runs with ASIABILL_ENV=live")]
    Live,
}

/// A self-test ready to run against the shop's configured gateway.
pub struct SelfTest {
    payments: Payments,
    settings: std::sync::Arc<Settings>,
    actor: Actor,
    lang: Lang,
    http: reqwest::Client,
}

/// The User-Agent of the self-test's requests, so that they are told apart in logs.
const USER_AGENT: &str = "asiabill-shop self-test";

impl SelfTest {
    /// A self-test of the shop with `settings` and `payments`, acting as `actor` (whose name goes
    /// on the audit log and the orders' timelines), writing details in `lang`.
    pub fn new(
        payments: Payments,
        settings: std::sync::Arc<Settings>,
        actor: Actor,
        lang: Lang,
    ) -> Result<SelfTest, Refused> {
        if settings.gateway.mode == GatewayMode::Live {
            return Err(Refused::Live);
        }
        // Redirects are read, not followed: where each one points is what is checked.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Ok(SelfTest {
            payments,
            settings,
            actor,
            lang,
            http,
        })
    }

    /// Whether the gateway is the simulator, whose pages the test can play a shopper on.
    fn simulator(&self) -> bool {
        self.settings.gateway.mode == GatewayMode::Local
    }

    /// Runs every check in order, sending each row on `rows` as it ends; returns them all.
    pub async fn run(&self, rows: Option<mpsc::UnboundedSender<Row>>) -> Vec<Row> {
        let mut state = checks::State::default();
        let mut done = Vec::with_capacity(Check::ALL.len());
        for check in Check::ALL {
            let started = Instant::now();
            let (verdict, order) = checks::run(self, &mut state, check).await;
            let (outcome, detail) = match verdict {
                Verdict::Pass(d) => (Outcome::Passed, d),
                Verdict::Fail(d) => (Outcome::Failed, d),
                Verdict::Skip(d) => (Outcome::Skipped, d),
            };
            let row = Row {
                check,
                outcome,
                millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                detail,
                order,
            };
            if outcome == Outcome::Failed {
                tracing::warn!(check = check.key(), detail = %row.detail, "self-test check failed");
            }
            if let Some(rows) = &rows {
                // The receiver only shows progress; the rows are returned whatever it does.
                let _ = rows.send(row.clone());
            }
            done.push(row);
        }
        done
    }

    /// `key`'s text in the run's language with `{name}` replaced by each value.
    fn text(&self, key: &str, values: &[(&str, &str)]) -> String {
        values
            .iter()
            .fold(self.lang.tr(key).to_owned(), |text, (name, value)| {
                text.replace(&format!("{{{name}}}"), value)
            })
    }
}

/// How one check ended, with its detail.
enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

/// Whether every row passed or was skipped.
pub fn passed(rows: &[Row]) -> bool {
    rows.iter().all(|r| r.outcome != Outcome::Failed)
}

/// The rows as a plain-text table, as `shop selftest` prints them.
pub fn table(rows: &[Row], lang: Lang) -> String {
    let mut out = String::new();
    for row in rows {
        out.push_str(&line(row, lang));
        out.push('\n');
    }
    out
}

/// One row as a line of [`table`].
pub fn line(row: &Row, lang: Lang) -> String {
    let order = row
        .order
        .as_deref()
        .map(|o| format!(" [{o}]"))
        .unwrap_or_default();
    format!(
        "{:<7} {:>6} ms  {:<6} {:<44} {}{}",
        row.outcome.as_str().to_uppercase(),
        row.millis,
        row.check.items(),
        row.check.title(lang),
        row.detail,
        order
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_title_in_both_languages() {
        // The locale tests check that both languages have the same keys.
        for check in Check::ALL {
            let key = format!("admin.selftest.check.{}", check.key());
            assert!(Lang::En.has(&key), "{key} missing");
        }
    }

    #[test]
    fn a_failed_row_fails_the_run_and_a_skipped_one_does_not() {
        let row = |outcome| Row {
            check: Check::Webhook,
            outcome,
            millis: 1,
            detail: String::new(),
            order: None,
        };
        assert!(passed(&[row(Outcome::Passed), row(Outcome::Skipped)]));
        assert!(!passed(&[row(Outcome::Passed), row(Outcome::Failed)]));
    }
}
