//! The go-live page's data: AsiaBill's integration checklist (the twelve items of `DESIGN.md`),
//! each with what this shop shows about it right now.

use diesel::{dsl::count_star, prelude::*};

use crate::{
    config::{GatewayMode, Settings},
    db::{
        DbConnection, DbError,
        schema::{
            audit_log, orders, payment_attempts, payment_events, refunds, shipments, webhook_events,
        },
    },
    orders::{checkout::PaymentMode, status::FulfilmentStatus},
    payments::{AttemptStatus, RefundStatus, Source, WebhookStatus, gateway},
    shipping::LogisticsStatus,
};

/// The audit action of a transactions list asked of AsiaBill from the transactions page.
pub const LIST_QUERY_ACTION: &str = "transactions.query";

/// How an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Done, or shown to work.
    Ok,
    /// Not seen working yet, or set up in a way that needs a look.
    Warn,
    /// Must change before going live.
    Todo,
    /// Not used by this shop (pre-authorization on a shop that only sells).
    NotUsed,
}

impl State {
    /// `ok`, `warn` or `todo`: CSS modifier and locale key.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Ok => "ok",
            State::Warn => "warn",
            State::Todo => "todo",
            State::NotUsed => "not_used",
        }
    }
}

/// One checklist item.
#[derive(Debug, Clone)]
pub struct Item {
    /// 1 to 12, as AsiaBill numbers them.
    pub number: u8,
    /// How it stands.
    pub state: State,
    /// Facts: a locale key naming the fact, and its value as shown.
    pub facts: Vec<(&'static str, String)>,
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_owned()
}

fn count_attempts(
    conn: &mut DbConnection,
    statuses: &[AttemptStatus],
    mode: Option<PaymentMode>,
) -> Result<i64, DbError> {
    let mut q = payment_attempts::table
        .filter(payment_attempts::status.eq_any(statuses.to_vec()))
        .into_boxed();
    if let Some(mode) = mode {
        q = q.filter(payment_attempts::mode.eq(mode));
    }
    Ok(q.count().get_result(conn)?)
}

fn count_events(
    conn: &mut DbConnection,
    source: Option<Source>,
    to_status: Option<&str>,
    kind: Option<&str>,
) -> Result<i64, DbError> {
    let mut q = payment_events::table.into_boxed();
    if let Some(source) = source {
        q = q.filter(payment_events::source.eq(source));
    }
    if let Some(to) = to_status {
        q = q.filter(payment_events::to_status.eq(to.to_owned()));
    }
    if let Some(kind) = kind {
        q = q.filter(payment_events::kind.eq(kind.to_owned()));
    }
    Ok(q.count().get_result(conn)?)
}

fn ok_if(cond: bool) -> State {
    if cond { State::Ok } else { State::Warn }
}

/// The checklist as of now. `api_payment_url` is the payment host the AsiaBill client calls.
pub fn checklist(
    conn: &mut DbConnection,
    settings: &Settings,
    api_payment_url: &str,
) -> Result<Vec<Item>, DbError> {
    let g = &settings.gateway;
    let live = g.mode == GatewayMode::Live;
    let public_account = g.credentials.is_public_test_account();
    let js_sdk = g.environment.js_sdk_url();
    let sdk_matches =
        js_sdk.starts_with(api_payment_url) && g.environment.payment_url() == api_payment_url;
    let https = settings.public_url.starts_with("https://");

    let succeeded = [AttemptStatus::Paid, AttemptStatus::Authorized];
    let insite_ok = count_attempts(conn, &succeeded, Some(PaymentMode::InSite))?;
    let hosted_ok = count_attempts(conn, &succeeded, Some(PaymentMode::Hosted))?;
    let paid = count_attempts(conn, &succeeded, None)?;
    let failed = count_attempts(conn, &[AttemptStatus::Failed], None)?;
    let three_ds = count_events(
        conn,
        None,
        Some(AttemptStatus::RequiresAction.as_str()),
        None,
    )?;
    // Every return the shop handled leaves one `return_visit` on the timeline, whether it
    // moved the attempt or found it already settled by the webhook.
    let returns = count_events(
        conn,
        Some(Source::Return),
        None,
        Some(crate::payments::calls::RETURN),
    )?;
    // Queries by order (the reconciler and "Sync from AsiaBill") are counted on the attempt
    // asked about; the transactions page's list queries in the audit log.
    // Summed here: SQL `sum` of a BIGINT is NUMERIC on PostgreSQL but an integer on SQLite.
    let queried_by_order: i64 = payment_attempts::table
        .filter(payment_attempts::query_count.gt(0))
        .select(payment_attempts::query_count)
        .load::<i64>(conn)?
        .iter()
        .sum();
    let list_queries: i64 = audit_log::table
        .filter(audit_log::action.eq(LIST_QUERY_ACTION))
        .count()
        .get_result(conn)?;
    // Pre-authorization is in use when the setting says so or an authorization was seen
    // (a gateway number set up for it); a capture is an authorization later paid.
    let authorizations = payment_attempts::table
        .filter(payment_attempts::authorized_at.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let captures = payment_attempts::table
        .filter(payment_attempts::authorized_at.is_not_null())
        .filter(payment_attempts::paid_at.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let voids = payment_attempts::table
        .filter(payment_attempts::voided_at.is_not_null())
        .count()
        .get_result::<i64>(conn)?;
    let preauth_used = g.preauth || authorizations > 0;
    let by_status: Vec<(AttemptStatus, i64)> = payment_attempts::table
        .group_by(payment_attempts::status)
        .select((payment_attempts::status, count_star()))
        .order(payment_attempts::status)
        .load(conn)?;

    let shipped: Vec<i64> = orders::table
        .filter(orders::fulfilment_status.eq(FulfilmentStatus::Shipped))
        .select(orders::id)
        .load(conn)?;
    let uploaded: Vec<i64> = shipments::table
        .filter(shipments::logistics_status.eq(LogisticsStatus::Uploaded))
        .select(shipments::order_id)
        .load(conn)?;
    let not_uploaded = shipped.iter().filter(|id| !uploaded.contains(id)).count();

    let last_webhook: Option<(chrono::NaiveDateTime, Option<String>, bool, WebhookStatus)> =
        webhook_events::table
            .order(webhook_events::id.desc())
            .select((
                webhook_events::received_at,
                webhook_events::event_type,
                webhook_events::signature_valid,
                webhook_events::status,
            ))
            .first(conn)
            .optional()?;
    let webhooks: i64 = webhook_events::table.count().get_result(conn)?;

    let refunds_by_status: Vec<(RefundStatus, i64)> = refunds::table
        .group_by(refunds::status)
        .select((refunds::status, count_star()))
        .order(refunds::status)
        .load(conn)?;
    let refunded = refunds_by_status
        .iter()
        .find(|(s, _)| *s == RefundStatus::Succeeded)
        .map_or(0, |(_, n)| *n);

    let callback = gateway::callback_url(&settings.public_url);
    let return_url = gateway::return_url(&settings.public_url);
    fn list<S: std::fmt::Display>(rows: &[(S, i64)]) -> String {
        rows.iter()
            .map(|(s, n)| format!("{s}: {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
    Ok(vec![
        Item {
            number: 1,
            state: if live && public_account {
                State::Todo
            } else {
                State::Ok
            },
            facts: vec![
                ("admin.golive.fact.environment", g.mode.as_str().to_owned()),
                (
                    "admin.golive.fact.gateway_no",
                    g.credentials.gateway_no().as_str().to_owned(),
                ),
                ("admin.golive.fact.public_account", yes_no(public_account)),
                ("admin.golive.fact.payment_url", api_payment_url.to_owned()),
                (
                    "admin.golive.fact.openapi_url",
                    g.environment.openapi_url().to_owned(),
                ),
            ],
        },
        Item {
            number: 2,
            state: ok_if(insite_ok > 0 && hosted_ok > 0),
            facts: vec![
                ("admin.golive.fact.insite_paid", insite_ok.to_string()),
                ("admin.golive.fact.hosted_paid", hosted_ok.to_string()),
                ("admin.golive.fact.js_sdk_url", js_sdk.clone()),
            ],
        },
        Item {
            number: 3,
            state: ok_if(paid > 0 && failed > 0 && three_ds > 0),
            facts: vec![
                ("admin.golive.fact.success_seen", paid.to_string()),
                ("admin.golive.fact.failure_seen", failed.to_string()),
                ("admin.golive.fact.three_ds_seen", three_ds.to_string()),
            ],
        },
        Item {
            number: 4,
            state: State::Ok,
            facts: vec![
                ("admin.golive.fact.callback_url", callback.clone()),
                (
                    "admin.golive.fact.always_sent",
                    "callbackUrl, goodsDetails, customerIp".to_owned(),
                ),
            ],
        },
        Item {
            number: 5,
            state: State::Ok,
            facts: vec![("admin.golive.fact.attempts_by_status", list(&by_status))],
        },
        Item {
            number: 6,
            state: ok_if(returns > 0),
            facts: vec![
                ("admin.golive.fact.return_url", return_url),
                ("admin.golive.fact.returns_seen", returns.to_string()),
            ],
        },
        Item {
            number: 7,
            state: ok_if(not_uploaded == 0),
            facts: vec![
                (
                    "admin.golive.fact.shipped_orders",
                    shipped.len().to_string(),
                ),
                ("admin.golive.fact.not_uploaded", not_uploaded.to_string()),
            ],
        },
        Item {
            number: 8,
            state: ok_if(last_webhook.as_ref().is_some_and(|(_, _, valid, _)| *valid)),
            facts: vec![
                ("admin.golive.fact.callback_url", callback),
                ("admin.golive.fact.webhooks_received", webhooks.to_string()),
                (
                    "admin.golive.fact.last_webhook",
                    match &last_webhook {
                        Some((at, kind, valid, status)) => format!(
                            "{} · {} · {} · {status}",
                            at.format("%Y-%m-%d %H:%M:%S UTC"),
                            kind.as_deref().unwrap_or("?"),
                            if *valid {
                                "signature valid"
                            } else {
                                "signature INVALID"
                            }
                        ),
                        None => "—".to_owned(),
                    },
                ),
            ],
        },
        Item {
            number: 9,
            state: if live && sdk_matches && https && !public_account {
                State::Ok
            } else if live {
                State::Todo
            } else {
                State::Warn
            },
            facts: vec![
                ("admin.golive.fact.environment", g.mode.as_str().to_owned()),
                ("admin.golive.fact.js_sdk_url", js_sdk),
                ("admin.golive.fact.sdk_matches", yes_no(sdk_matches)),
                ("admin.golive.fact.public_url", settings.public_url.clone()),
                ("admin.golive.fact.https", yes_no(https)),
                (
                    "admin.golive.fact.live_credentials",
                    yes_no(!public_account),
                ),
            ],
        },
        Item {
            number: 10,
            state: if preauth_used {
                ok_if(captures + voids > 0)
            } else {
                State::NotUsed
            },
            facts: vec![
                ("admin.golive.fact.preauth", yes_no(g.preauth)),
                (
                    "admin.golive.fact.authorizations_seen",
                    authorizations.to_string(),
                ),
                (
                    "admin.golive.fact.capture_days",
                    (g.capture_window.as_secs() / 86_400).to_string(),
                ),
                ("admin.golive.fact.captures_seen", captures.to_string()),
                ("admin.golive.fact.voids_seen", voids.to_string()),
            ],
        },
        Item {
            number: 11,
            state: ok_if(queried_by_order + list_queries > 0),
            facts: vec![
                (
                    "admin.golive.fact.queries_by_order",
                    queried_by_order.to_string(),
                ),
                ("admin.golive.fact.list_queries", list_queries.to_string()),
                (
                    "admin.golive.fact.reconcile_after",
                    format!("{} s", settings.reconcile_after.as_secs()),
                ),
            ],
        },
        Item {
            number: 12,
            state: ok_if(refunded > 0),
            facts: vec![(
                "admin.golive.fact.refunds_by_status",
                list(&refunds_by_status),
            )],
        },
    ])
}
