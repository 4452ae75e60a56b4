//! [`Sandbox`]: one simulator instance, its server, and the handle tests and the shop use to
//! read what happened and to set switches.

use std::collections::{HashSet, VecDeque};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use actix_web::{App, HttpServer, dev::Server, web};

use crate::config::Config;
use crate::faults::Faults;
use crate::recording::RecordedRequest;
use crate::state::{Chargeback, Customer, Logistics, PaymentMethod, Refund, State, Transaction};
use crate::webhooks::{WebhookDelivery, WebhookEvent, WebhookLog};

/// A simulator instance. Cloning is cheap and every clone is a handle on the same instance,
/// so a test keeps one while the server runs with another.
#[derive(Clone)]
pub struct Sandbox {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    state: Mutex<State>,
    requests: Mutex<VecDeque<RecordedRequest>>,
    request_ids: Mutex<SeenRequestIds>,
    webhooks: Mutex<WebhookLog>,
    faults: Mutex<Faults>,
    hold_pending: AtomicBool,
    next_event_id: AtomicU64,
    http: reqwest::Client,
    /// Proves that a console form was served by this instance (a per-process CSRF token).
    console_token: String,
}

/// `(gateway-no, request-id)` pairs seen within the window, oldest first.
#[derive(Default)]
struct SeenRequestIds {
    order: VecDeque<(Instant, (String, String))>,
    set: HashSet<(String, String)>,
}

/// Locks `m`, carrying on after a panic elsewhere: the data are plain records, still usable.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Sandbox {
    /// A simulator with `config` and no history.
    pub fn new(config: Config) -> Self {
        // Connections are not pooled: tasks on different runtimes (server workers, tests) share
        // this client, and a pooled connection cannot outlive the runtime that opened it.
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .unwrap_or_default();
        Sandbox {
            inner: Arc::new(Inner {
                hold_pending: AtomicBool::new(config.hold_pending),
                config,
                state: Mutex::default(),
                requests: Mutex::default(),
                request_ids: Mutex::default(),
                webhooks: Mutex::default(),
                faults: Mutex::default(),
                next_event_id: AtomicU64::new(1),
                http,
                console_token: crate::ids::token(),
            }),
        }
    }

    /// Starts the simulator on an already bound listener and returns the running server, which
    /// the caller awaits or spawns. Binding first lets tests use port 0.
    pub fn serve(&self, listener: TcpListener) -> std::io::Result<Server> {
        let sandbox = web::Data::new(self.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(sandbox.clone())
                .configure(crate::routes::configure)
                .configure(crate::pages::configure)
        })
        .workers(1)
        .listen(listener)?
        .run();
        Ok(server)
    }

    /// The configuration it was made with.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    pub(crate) fn webhook_log(&self) -> MutexGuard<'_, WebhookLog> {
        lock(&self.inner.webhooks)
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.inner.http
    }

    pub(crate) fn console_token(&self) -> &str {
        &self.inner.console_token
    }

    pub(crate) fn next_event_id(&self) -> u64 {
        self.inner.next_event_id.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn record(&self, request: RecordedRequest) {
        let mut log = lock(&self.inner.requests);
        if log.len() >= self.config().log_capacity {
            log.pop_front();
        }
        log.push_back(request);
    }

    /// Remembers `request_id` for `gateway_no`; false when it was already used in the window.
    pub(crate) fn remember_request_id(&self, gateway_no: &str, request_id: &str) -> bool {
        let window = self.config().request_id_window;
        let now = Instant::now();
        let mut seen = lock(&self.inner.request_ids);
        while let Some((at, _)) = seen.order.front() {
            if now.duration_since(*at) < window {
                break;
            }
            if let Some((_, key)) = seen.order.pop_front() {
                seen.set.remove(&key);
            }
        }
        let key = (gateway_no.to_owned(), request_id.to_owned());
        if !seen.set.insert(key.clone()) {
            return false;
        }
        seen.order.push_back((now, key));
        true
    }

    /// The API requests received so far (the last [`Config::log_capacity`]), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner.requests).iter().cloned().collect()
    }

    /// Every transaction, oldest first.
    pub fn transactions(&self) -> Vec<Transaction> {
        self.state().transactions.clone()
    }

    /// The transaction `trade_no`.
    pub fn transaction(&self, trade_no: &str) -> Option<Transaction> {
        self.state()
            .transactions
            .iter()
            .find(|t| t.trade_no == trade_no)
            .cloned()
    }

    /// Every refund, oldest first.
    pub fn refunds(&self) -> Vec<Refund> {
        self.state().refunds.clone()
    }

    /// Every logistics upload (the latest per transaction).
    pub fn logistics(&self) -> Vec<Logistics> {
        self.state().logistics.clone()
    }

    /// Every chargeback, oldest first.
    pub fn chargebacks(&self) -> Vec<Chargeback> {
        self.state().chargebacks.clone()
    }

    /// Every customer not deleted.
    pub fn customers(&self) -> Vec<Customer> {
        self.state().customers.clone()
    }

    /// Every payment method (card data reduced to brand, first six and last four digits).
    pub fn payment_methods(&self) -> Vec<PaymentMethod> {
        self.state().payment_methods.clone()
    }

    /// Every webhook event emitted, oldest first.
    pub fn webhook_events(&self) -> Vec<WebhookEvent> {
        self.webhook_log().events.clone()
    }

    /// The webhook delivery attempts (the last [`Config::log_capacity`]), in the order they
    /// finished.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.webhook_log().deliveries.iter().cloned().collect()
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }

    /// Sets the faults in force. Turning out-of-order delivery off releases held webhooks.
    pub fn set_faults(&self, faults: Faults) {
        let release = !faults.out_of_order_webhooks;
        *lock(&self.inner.faults) = faults;
        if release {
            self.release_held();
        }
    }

    /// Sets [`Faults::local_pending_minutes`], leaving the other faults as they are: with
    /// `Some(n)`, approved local payments stay `pending` for `n` minutes times the time
    /// factor, then succeed.
    pub fn set_local_pending_minutes(&self, minutes: Option<u32>) {
        lock(&self.inner.faults).local_pending_minutes = minutes;
    }

    /// Whether approved payments are held `pending` before they succeed.
    pub fn hold_pending(&self) -> bool {
        self.inner.hold_pending.load(Ordering::Relaxed)
    }

    /// The hold-pending switch: when on, approved payments answer `pending` (webhook
    /// `transaction.pending`) and succeed after the configured hold delay (webhook
    /// `transaction.success`), so shops can exercise their pending paths.
    pub fn set_hold_pending(&self, on: bool) {
        self.inner.hold_pending.store(on, Ordering::Relaxed);
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}
