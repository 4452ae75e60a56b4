//! The scenarios. Each virtual user is one browser (its own cookie session and keep-alive
//! connection) looping until the window closes; what a user does before the window opens
//! (getting a session, creating payment attempts) is not measured.
//!
//! With several shop instances on one database, virtual user `i` talks to instance `i % N`
//! throughout (its session lives there, as behind a load balancer with sticky sessions); the
//! webhooks, which come from the gateway and not from a browser, go to the instances in turn.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use anyhow::{Context, anyhow, bail};
use asiabill::{
    Credentials, Money, OrderStatus, RequestStamp,
    webhook::{TransactionEvent, TransactionNotice, WebhookEvent, webhook_headers},
};
use asiabill_sandbox::{DeliveryOutcome, Sandbox};
use tokio::sync::Barrier;

use crate::{
    html,
    http::Browser,
    stats::{Recorder, Summary},
};

/// A product of the seeded catalogue.
#[derive(Debug, Clone)]
pub struct Product {
    /// Its slug.
    pub slug: String,
    /// Its id, when it can be added to the cart (in stock).
    pub id: Option<String>,
    /// The values its page has selected in its option pickers (a product with variants), which
    /// the add to cart posts as a shopper's browser would.
    pub options: Vec<String>,
}

/// A product the cart takes, with the form fields that add one unit of it.
#[derive(Debug, Clone)]
pub struct Buy {
    id: String,
    options: Vec<String>,
}

impl Buy {
    /// The add-to-cart form's fields.
    fn add_form<'a>(&'a self, csrf: &'a str) -> Vec<(&'a str, &'a str)> {
        let mut form = vec![("csrf_token", csrf), ("product_id", self.id.as_str())];
        form.extend(self.options.iter().map(|o| ("option", o.as_str())));
        form.push(("quantity", "1"));
        form
    }
}

/// What every scenario shares.
pub struct Ctx {
    /// Each shop instance, `http://127.0.0.1:port` (one, unless several run on one database);
    /// never empty.
    pub bases: Vec<String>,
    /// `Accept-Encoding` to send, if any.
    pub accept_encoding: Option<&'static str>,
    /// The catalogue.
    pub products: Vec<Product>,
    /// The simulator the shop pays through, when it runs in this process.
    pub sandbox: Option<Sandbox>,
    /// Unique to this run, so that webhook bodies never repeat across runs.
    pub run_id: String,
}

impl Ctx {
    /// Reads the catalogue (slugs from `/`, ids from each product page) from the first
    /// instance: they all share one database.
    pub async fn new(
        bases: Vec<String>,
        accept_encoding: Option<&'static str>,
        sandbox: Option<Sandbox>,
    ) -> anyhow::Result<Ctx> {
        let base = bases
            .first()
            .ok_or_else(|| anyhow!("no shop to benchmark"))?
            .clone();
        let mut b = Browser::new(accept_encoding);
        let home = b.get(&format!("{base}/")).await?;
        home.expect(200, "GET /")?;
        let mut products = Vec::new();
        for slug in html::product_slugs(&home.text()) {
            let page = b.get(&format!("{base}/products/{slug}")).await?;
            page.expect(200, "GET product")?;
            let text = page.text();
            products.push(Product {
                id: html::hidden_field(&text, "product_id"),
                options: html::selected_options(&text),
                slug,
            });
        }
        if !products.iter().any(|p| p.id.is_some()) {
            bail!("no product in stock on {base}/");
        }
        let run_id = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
            .to_string();
        Ok(Ctx {
            bases,
            accept_encoding,
            products,
            sandbox,
            run_id,
        })
    }

    /// The instance virtual user `user` talks to.
    pub fn base(&self, user: usize) -> &str {
        &self.bases[user % self.bases.len()]
    }

    /// `path` on the instance of virtual user `user`.
    pub fn url(&self, user: usize, path: &str) -> String {
        format!("{}{path}", self.base(user))
    }

    /// The ids of the products that can be added to a cart.
    fn buyable(&self) -> Vec<Buy> {
        self.products
            .iter()
            .filter_map(|p| {
                Some(Buy {
                    id: p.id.clone()?,
                    options: p.options.clone(),
                })
            })
            .collect()
    }
}

/// How long and how wide a scenario runs.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// Virtual users.
    pub users: usize,
    /// Run but not measured, after every user is set up.
    pub warmup: Duration,
    /// Measured.
    pub duration: Duration,
}

/// The start line: every user waits here once set up, then runs the same window.
#[derive(Clone)]
struct Gate {
    barrier: Arc<Barrier>,
    plan: Plan,
}

/// The measured window, as one user sees it.
struct Window {
    measure_from: Instant,
    until: Instant,
}

impl Gate {
    async fn open(&self) -> Window {
        self.barrier.wait().await;
        let measure_from = Instant::now() + self.plan.warmup;
        Window {
            measure_from,
            until: measure_from + self.plan.duration,
        }
    }
}

impl Window {
    fn running(&self) -> bool {
        Instant::now() < self.until
    }

    fn counts(&self, started: Instant) -> bool {
        started >= self.measure_from
    }
}

/// Runs `users` copies of `user` through one window and merges what they recorded.
async fn run_users<F, Fut>(plan: Plan, user: F) -> anyhow::Result<Recorder>
where
    F: Fn(usize, Gate) -> Fut,
    Fut: Future<Output = Recorder> + Send + 'static,
{
    let gate = Gate {
        barrier: Arc::new(Barrier::new(plan.users)),
        plan,
    };
    let handles: Vec<_> = (0..plan.users)
        .map(|i| tokio::spawn(user(i, gate.clone())))
        .collect();
    let mut all = Recorder::default();
    for h in handles {
        all.merge(h.await.context("a virtual user panicked")?);
    }
    Ok(all)
}

/// `GET` of `paths` in turn (each user starting at its own offset); each 200 counts.
pub async fn pages(
    ctx: &Arc<Ctx>,
    name: &str,
    paths: Vec<String>,
    plan: Plan,
) -> anyhow::Result<Summary> {
    let paths = Arc::new(paths);
    let rec = run_users(plan, |id, gate| {
        let ctx = ctx.clone();
        let paths = paths.clone();
        async move {
            let mut rec = Recorder::default();
            let mut b = Browser::new(ctx.accept_encoding);
            // A shopper who has been here before: the session cookie exists.
            let setup = b.get(&ctx.url(id, "/healthz")).await;
            let first = b.get(&ctx.url(id, &paths[id % paths.len()])).await;
            let w = gate.open().await;
            if let Err(e) = setup.and(first) {
                rec.error(&e);
                return rec;
            }
            let mut i = id;
            while w.running() {
                let path = &paths[i % paths.len()];
                i += 1;
                let t = Instant::now();
                let res = b.get(&ctx.url(id, path)).await;
                if w.counts(t) {
                    rec.requests += 1;
                    match res.and_then(|r| r.expect(200, path)) {
                        Ok(()) => rec.ok(t.elapsed()),
                        Err(e) => rec.error(&e),
                    }
                }
            }
            rec
        }
    })
    .await?;
    Ok(Summary::new(
        name,
        "request",
        plan.users,
        rec,
        plan.duration,
    ))
}

/// Cart add + view: each user adds one unit of its product and views the cart, nine times;
/// the tenth time it removes the line (quantity 0) and views the cart, so quantities stay
/// between 0 and 9 (the shop allows 10 a line). Every request counts, and every view must show
/// the quantity the writes should have left: a refused write redirects to the cart too, so
/// only the page tells a refusal from a success.
pub async fn cart(ctx: &Arc<Ctx>, plan: Plan) -> anyhow::Result<Summary> {
    let buyable = Arc::new(ctx.buyable());
    let rec = run_users(plan, |id, gate| {
        let ctx = ctx.clone();
        let buyable = buyable.clone();
        async move {
            let mut rec = Recorder::default();
            let mut b = Browser::new(ctx.accept_encoding);
            let product = buyable[id % buyable.len()].clone();
            let setup = async {
                let home = b.get(&ctx.url(id, "/")).await?;
                home.expect(200, "GET /")?;
                html::meta_csrf_token(&home.text()).ok_or_else(|| anyhow!("no CSRF token on /"))
            }
            .await;
            let w = gate.open().await;
            let csrf = match setup {
                Ok(t) => t,
                Err(e) => {
                    rec.error(&e);
                    return rec;
                }
            };
            let mut quantity = 0;
            let mut item: Option<String> = None;
            while w.running() {
                let t = Instant::now();
                let removing = quantity >= 9;
                let write = match &item {
                    Some(item) if removing => {
                        b.post_form(
                            &ctx.url(id, &format!("/cart/items/{item}")),
                            &[("csrf_token", &csrf), ("quantity", "0")],
                        )
                        .await
                    }
                    _ => {
                        b.post_form(&ctx.url(id, "/cart/items"), &product.add_form(&csrf))
                            .await
                    }
                };
                let write = write.and_then(|r| {
                    let to = r.redirect("cart write")?;
                    if to.ends_with("/cart") {
                        Ok(())
                    } else {
                        Err(anyhow!("cart write refused, sent to {to}"))
                    }
                });
                if write.is_ok() {
                    if removing && item.is_some() {
                        // A new line (and id) is made by the next add.
                        quantity = 0;
                        item = None;
                    } else {
                        quantity += 1;
                    }
                }
                if w.counts(t) {
                    rec.requests += 1;
                    match write {
                        Ok(()) => rec.ok(t.elapsed()),
                        Err(e) => rec.error(&e),
                    }
                }
                let t = Instant::now();
                let view = b.get(&ctx.url(id, "/cart")).await.and_then(|r| {
                    r.expect(200, "GET /cart")?;
                    let page = r.text();
                    let shown = html::cart_count(&page);
                    if shown != Some(quantity) {
                        let expected = quantity;
                        // Go on from what the shop has, so one refusal is one error.
                        quantity = shown.unwrap_or(0);
                        item = None;
                        bail!("the cart shows {shown:?} items, {expected} expected");
                    }
                    if item.is_none() && quantity > 0 {
                        item = html::cart_item_id(&page);
                    }
                    Ok(())
                });
                if w.counts(t) {
                    rec.requests += 1;
                    match view {
                        Ok(()) => rec.ok(t.elapsed()),
                        Err(e) => rec.error(&e),
                    }
                }
            }
            rec
        }
    })
    .await?;
    Ok(Summary::new(
        "cart",
        "request",
        plan.users,
        rec,
        plan.duration,
    ))
}

/// A shopper's order up to AsiaBill's hosted page, on the instance of virtual user `user`: add
/// to cart, view the checkout, place the order, view the payment page, choose the hosted page.
/// Returns the order's token and the hosted page's URL.
async fn order_to_hosted_page(
    ctx: &Ctx,
    user: usize,
    b: &mut Browser,
    csrf: &str,
    product: &Buy,
) -> anyhow::Result<(String, String)> {
    let r = b
        .post_form(&ctx.url(user, "/cart/items"), &product.add_form(csrf))
        .await?;
    r.redirect("add to cart")?;
    let page = b.get(&ctx.url(user, "/checkout")).await?;
    page.expect(200, "GET /checkout")?;
    let key = html::hidden_field(&page.text(), "idempotency_key")
        .ok_or_else(|| anyhow!("no idempotency_key on /checkout"))?;
    let r = b
        .post_form(
            &ctx.url(user, "/checkout"),
            &[
                ("csrf_token", csrf),
                ("idempotency_key", &key),
                ("email", "bench@example.com"),
                ("phone", "+1 503 555 0100"),
                ("billing_first_name", "Bench"),
                ("billing_last_name", "Mark"),
                ("billing_address", "1 Harbour Street"),
                ("billing_city", "Portland"),
                ("billing_state", "OR"),
                ("billing_zip", "97201"),
                ("billing_country", "US"),
                ("shipping_same", "on"),
                ("payment_mode", "hosted"),
            ],
        )
        .await?;
    let pay_page = r.redirect("place order")?.to_owned();
    let token = pay_page
        .split("/orders/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .ok_or_else(|| anyhow!("order placed, but sent to {pay_page}"))?
        .to_owned();
    let page = b.get(&pay_page).await?;
    page.expect(200, "GET payment page")?;
    let r = b
        .post_form(
            &ctx.url(user, &format!("/orders/{token}/pay")),
            &[("csrf_token", csrf), ("mode", "hosted")],
        )
        .await?;
    let hosted = r.redirect("start hosted payment")?.to_owned();
    if !hosted.contains(asiabill_sandbox::HOSTED_PAGE_PREFIX) {
        bail!("hosted payment sent to {hosted}, not AsiaBill's page");
    }
    Ok((token, hosted))
}

/// A fresh browser with a session on the instance of virtual user `user`, and its CSRF token.
async fn shopper(ctx: &Ctx, user: usize) -> anyhow::Result<(Browser, String)> {
    let mut b = Browser::new(ctx.accept_encoding);
    let home = b.get(&ctx.url(user, "/")).await?;
    home.expect(200, "GET /")?;
    let csrf = html::meta_csrf_token(&home.text()).ok_or_else(|| anyhow!("no CSRF token"))?;
    Ok((b, csrf))
}

/// A real payment attempt the webhooks are about.
#[derive(Clone)]
struct Attempt {
    order_no: String,
    trade_no: String,
    amount: Money,
}

/// Webhook intake: `transaction.pending` for real hosted attempts created first (orders placed
/// and sent to the hosted page), signed with the gateway's key, each body made unique by its
/// `remark`. The shop verifies, stores (deduplicating on the body), applies in a transaction
/// and answers `success`; only a 200 `success` counts.
pub async fn webhooks(ctx: &Arc<Ctx>, plan: Plan, attempts: usize) -> anyhow::Result<Summary> {
    let sandbox = ctx
        .sandbox
        .clone()
        .ok_or_else(|| anyhow!("webhooks need the simulator in this process"))?;
    let buyable = ctx.buyable();
    let mut made = Vec::new();
    // One shopper per instance; attempt `i` is made on instance `i % N`, as a shopper would.
    let mut shoppers = Vec::new();
    for instance in 0..ctx.bases.len() {
        shoppers.push(shopper(ctx, instance).await?);
    }
    for i in 0..attempts.max(1) {
        let (b, csrf) = &mut shoppers[i % ctx.bases.len()];
        let (_, hosted) = order_to_hosted_page(ctx, i, b, csrf, &buyable[i % buyable.len()])
            .await
            .context("creating a payment attempt")?;
        let token = hosted
            .rsplit('/')
            .next()
            .and_then(|t| t.split('?').next())
            .unwrap_or_default();
        let tx = sandbox
            .hosted_session(token)
            .ok_or_else(|| anyhow!("the simulator has no checkout {token}"))?;
        made.push(Attempt {
            order_no: tx.order_no,
            trade_no: tx.trade_no,
            amount: tx.amount,
        });
    }
    let made = Arc::new(made);
    let credentials = Credentials::public_test_account();
    // The gateway posts each webhook to the next instance, as a load balancer in front of
    // them would share them out: one turn for every user, so that an attempt's webhooks reach
    // every instance (and meet on its row from both sides).
    let turn = Arc::new(AtomicUsize::new(0));
    let rec = run_users(plan, |id, gate| {
        let ctx = ctx.clone();
        let made = made.clone();
        let credentials = credentials.clone();
        let turn = turn.clone();
        async move {
            let mut rec = Recorder::default();
            let mut b = Browser::new(None);
            let urls: Vec<String> = ctx
                .bases
                .iter()
                .map(|base| format!("{base}/payment/asiabill/webhook"))
                .collect();
            // A kept-alive connection to every instance before the window opens.
            let mut setup = Ok(());
            for base in &ctx.bases {
                if setup.is_ok() {
                    setup = b.get(&format!("{base}/healthz")).await.map(drop);
                }
            }
            let w = gate.open().await;
            if let Err(e) = setup {
                rec.error(&e);
                return rec;
            }
            let mut seq = 0_u64;
            while w.running() {
                let a = &made[(id + seq as usize) % made.len()];
                seq += 1;
                let body = WebhookEvent::Transaction {
                    event: TransactionEvent::Pending,
                    data: TransactionNotice {
                        transaction_type: "Sale".into(),
                        order_amount: a.amount,
                        order_no: a.order_no.clone(),
                        trade_no: a.trade_no.clone(),
                        order_info: "Pending".into(),
                        order_status: OrderStatus::Pending,
                        remark: format!("bench {} {id} {seq}", ctx.run_id),
                    },
                }
                .to_body();
                let t = Instant::now();
                let headers = webhook_headers(&credentials, &RequestStamp::fresh(), &body);
                let headers: Vec<(&str, &str)> =
                    headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let url = &urls[turn.fetch_add(1, Ordering::Relaxed) % urls.len()];
                let res = b
                    .send("POST", url, Some(&body), &headers)
                    .await
                    .and_then(|r| {
                        r.expect(200, "webhook")?;
                        if r.body.as_ref() == b"success" {
                            Ok(())
                        } else {
                            Err(anyhow!("webhook answered {:?}", r.text()))
                        }
                    });
                if w.counts(t) {
                    rec.requests += 1;
                    match res {
                        Ok(()) => rec.ok(t.elapsed()),
                        Err(e) => rec.error(&e),
                    }
                }
            }
            rec
        }
    })
    .await?;
    let mut s = Summary::new("webhooks", "webhook", plan.users, rec, plan.duration);
    s.note = format!("transaction.pending on {} attempts", made.len());
    Ok(s)
}

/// Complete checkouts: add to cart, checkout page, place the order, payment page, hosted
/// payment on the simulator's page over HTTP (page, card form), the browser's signed return,
/// the order page showing it paid; then the simulator's `transaction.success` webhook must be
/// acknowledged (applied) by the shop. The rate is checkouts whose webhook was acknowledged,
/// over the time until the last of them was.
///
/// With several instances, each shopper stays on its own instance, whose `SHOP_PUBLIC_URL`
/// is the payment's return and callback URL: the browser comes back to it and the webhook is
/// delivered to it (a webhook delivered elsewhere counts as an error).
pub async fn checkouts(ctx: &Arc<Ctx>, plan: Plan) -> anyhow::Result<Summary> {
    let sandbox = ctx
        .sandbox
        .clone()
        .ok_or_else(|| anyhow!("checkouts need the simulator in this process"))?;
    let buyable = Arc::new(ctx.buyable());
    let started = Instant::now();
    let started_at = chrono::Utc::now();
    let plan = Plan {
        warmup: Duration::ZERO,
        ..plan
    };
    // Each paid checkout's trade number and the instance its shopper used.
    let trades = Arc::new(std::sync::Mutex::new(Vec::<(String, usize)>::new()));
    let rec = run_users(plan, |id, gate| {
        let ctx = ctx.clone();
        let buyable = buyable.clone();
        let trades = trades.clone();
        async move {
            let mut rec = Recorder::default();
            let setup = shopper(&ctx, id).await;
            let w = gate.open().await;
            let (mut b, csrf) = match setup {
                Ok(s) => s,
                Err(e) => {
                    rec.error(&e);
                    return rec;
                }
            };
            let product = &buyable[id % buyable.len()];
            while w.running() {
                let t = Instant::now();
                let sent = b.sent;
                match checkout(&ctx, id, &mut b, &csrf, product).await {
                    Ok(trade_no) => {
                        rec.ok(t.elapsed());
                        if let Ok(mut v) = trades.lock() {
                            v.push((trade_no, id % ctx.bases.len()));
                        }
                    }
                    Err(e) => rec.error(&e),
                }
                rec.requests += b.sent - sent;
            }
            rec
        }
    })
    .await?;
    let paid_by_browser = started.elapsed();
    let trades: HashMap<String, usize> = trades
        .lock()
        .map(|v| v.iter().cloned().collect())
        .map_err(|_| anyhow!("a shopper panicked"))?;
    // Where each instance's webhooks are delivered, for the check below.
    let webhook_urls: Vec<String> = ctx
        .bases
        .iter()
        .map(|base| format!("{base}/payment/asiabill/webhook"))
        .collect();

    // Every counted checkout's webhook must be acknowledged; wait for the stragglers.
    let mut acked = HashSet::new();
    let mut applied = vec![0_u64; ctx.bases.len()];
    let mut misdelivered = Vec::new();
    let mut last_ack = started_at;
    let give_up = Instant::now() + Duration::from_secs(30);
    loop {
        let events = sandbox.webhook_events();
        let ours: HashMap<u64, (&str, usize)> = events
            .iter()
            .filter(|e| e.event_type == "transaction.success")
            .filter_map(|e| {
                let instance = *trades.get(&e.trade_no)?;
                Some((e.id, (e.trade_no.as_str(), instance)))
            })
            .collect();
        for d in sandbox.webhook_deliveries() {
            if d.outcome == DeliveryOutcome::Acknowledged
                && let Some((trade, instance)) = ours.get(&d.event_id)
                && acked.insert((*trade).to_owned())
            {
                applied[*instance] += 1;
                if d.url != webhook_urls[*instance] {
                    misdelivered.push(format!(
                        "the webhook of {trade} went to {}, not to its shopper's instance {}",
                        d.url, ctx.bases[*instance]
                    ));
                }
                if d.at > last_ack {
                    last_ack = d.at;
                }
            }
        }
        if acked.len() >= trades.len() || Instant::now() > give_up {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let until_last_ack = (last_ack - started_at).to_std().unwrap_or_default();
    let elapsed = paid_by_browser.max(until_last_ack);
    let missing = trades.len() - acked.len();
    let mut s = Summary::new("checkouts", "checkout", plan.users, rec, elapsed);
    // Only checkouts whose webhook was applied count.
    s.ops = acked.len() as u64;
    s.errors += missing as u64;
    if missing > 0 && s.first_error.is_none() {
        s.first_error = Some(format!("{missing} webhooks not acknowledged within 30 s"));
    }
    s.errors += misdelivered.len() as u64;
    if s.first_error.is_none() {
        s.first_error = misdelivered.into_iter().next();
    }
    s.note = format!(
        "{} paid, {} webhooks applied, last {} ms after the window",
        trades.len(),
        acked.len(),
        until_last_ack.saturating_sub(paid_by_browser).as_millis()
    );
    if applied.len() > 1 {
        let each: Vec<String> = applied.iter().map(u64::to_string).collect();
        s.note
            .push_str(&format!(" (per instance: {})", each.join(" + ")));
    }
    Ok(s)
}

/// One complete checkout on the instance of virtual user `user`; returns AsiaBill's trade
/// number.
async fn checkout(
    ctx: &Ctx,
    user: usize,
    b: &mut Browser,
    csrf: &str,
    product: &Buy,
) -> anyhow::Result<String> {
    let (token, hosted) = order_to_hosted_page(ctx, user, b, csrf, product).await?;
    let page = b.get(&hosted).await?;
    page.expect(200, "GET hosted page")?;
    let action = html::first_post_action(&page.text())
        .ok_or_else(|| anyhow!("no card form on the hosted page"))?;
    let (authority_end, _) = hosted
        .match_indices('/')
        .nth(2)
        .ok_or_else(|| anyhow!("hosted URL {hosted}"))?;
    let action = format!("{}{action}", &hosted[..authority_end]);
    let r = b
        .post_form(
            &action,
            &[
                ("cardNo", "4242 4242 4242 4242"),
                ("cardExpireMonth", "12"),
                ("cardExpireYear", "2030"),
                ("cardSecurityCode", "123"),
                ("cardHolderName", "Bench Mark"),
            ],
        )
        .await?;
    let return_url = r.redirect("pay on the hosted page")?.to_owned();
    // The instance's own public URL is the payment's return URL: the shopper comes back to it.
    if !return_url.starts_with(&format!("{}/", ctx.base(user))) {
        bail!(
            "the hosted page sent the shopper to {return_url}, not back to its instance {}",
            ctx.base(user)
        );
    }
    let trade_no = url::Url::parse(&return_url)?
        .query_pairs()
        .find(|(k, _)| k == "tradeNo")
        .map(|(_, v)| v.into_owned())
        .ok_or_else(|| anyhow!("return URL without tradeNo: {return_url}"))?;
    let r = b.get(&return_url).await?;
    let order_page = r.redirect("browser return")?.to_owned();
    if !order_page.ends_with(&format!("/orders/{token}")) {
        bail!("return sent the shopper to {order_page}");
    }
    let page = b.get(&order_page).await?;
    page.expect(200, "GET order page")?;
    if !page.text().contains("data-order-status=\"paid\"") {
        bail!("order page does not show the order paid");
    }
    Ok(trade_no)
}
