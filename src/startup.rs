//! Building and running the application: database, seed, first admin, the embedded simulator,
//! the web server and the job runner.

use std::{net::TcpListener, sync::Arc};

use actix_files::Files;
use actix_session::{
    SessionMiddleware, config::CookieContentSecurity, storage::CookieSessionStore,
};
use actix_web::{
    App, HttpServer,
    cookie::{Key, SameSite},
    dev::Server,
    middleware::{Compress, Condition, DefaultHeaders, from_fn},
    web,
};
use anyhow::Context;
use asiabill::Environment;
use asiabill_sandbox::{Config as SandboxConfig, Sandbox};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha512};
use tracing_actix_web::TracingLogger;

use crate::{
    accounts::users,
    cart::purge,
    catalogue::seed,
    config::Settings,
    db::{Db, migrate, secrets},
    emails::{self, send::Mailer},
    jobs::{Job, JobFailure, Registry, Runner, RunnerConfig},
    orders::{
        create::EXPIRE_JOB,
        expire::{self, Expiry},
    },
    payments::{self, Payments, reconcile, webhooks},
    routes,
    telemetry::metrics,
    web::{AppState, errors, render, request_span::RequestSpan, state::static_dir},
};

/// A shop ready to run: its listeners are bound, so its ports are known.
pub struct Application {
    port: u16,
    server: Server,
    sandbox: Option<(Sandbox, Server)>,
    /// The `/metrics` listener's port and server, when `SHOP_METRICS_BIND` is set.
    metrics: Option<(u16, Server)>,
    runner: Runner,
    state: AppState,
}

/// Generated credentials of the first admin, to be shown once.
pub struct GeneratedAdmin {
    /// Login email.
    pub email: String,
    /// Password in clear, never stored.
    pub password: SecretString,
}

impl Application {
    /// Connects, migrates, seeds, binds the shop (and, in `local` mode, the simulator) and
    /// builds the server. With port 0 the real ports are read back and the public URL and the
    /// simulator's base URL follow them.
    pub async fn build(
        mut settings: Settings,
    ) -> anyhow::Result<(Application, Option<GeneratedAdmin>)> {
        let db = Db::connect(&settings.database)
            .with_context(|| format!("cannot open the database {:?}", settings.database))?;
        let prepare_db = db.clone();
        let currency = settings.currency;
        let first_admin = settings.first_admin.clone();
        let configured_key = settings.session_key.clone();
        let reconcile_period = settings.reconcile_after;
        let (generated, session_key) = prepare_db
            .run(move |conn| {
                let applied = migrate::run_pending(conn)?;
                if applied > 0 {
                    tracing::info!(migrations = applied, "database migrated");
                }
                let seeded = seed::seed_if_empty(conn, currency)?;
                if seeded > 0 {
                    tracing::info!(products = seeded, "demo catalogue seeded");
                }
                let generated = ensure_first_admin(conn, first_admin)?;
                reconcile::schedule_next(conn, reconcile_period, crate::db::now())?;
                purge::schedule_next(conn, crate::db::now())?;
                payments::api_log::schedule_purge(conn, crate::db::now())?;
                let key = match configured_key {
                    Some(k) => k,
                    None => SecretString::from(secrets::get_or_create(conn, "session_key")?),
                };
                Ok::<_, anyhow::Error>((generated, key))
            })
            .await?;

        let sandbox = if settings.gateway.embedded_sandbox {
            let listener = TcpListener::bind(settings.sandbox_bind).with_context(|| {
                format!("cannot listen on SANDBOX_BIND {}", settings.sandbox_bind)
            })?;
            let port = listener.local_addr()?.port();
            settings.gateway.environment =
                Environment::custom(&format!("http://127.0.0.1:{port}"))?;
            let simulator = Sandbox::new(SandboxConfig::with_time_factor(
                settings.sandbox_time_factor,
            ));
            let server = simulator.serve(listener)?;
            Some((simulator, server))
        } else {
            None
        };

        let listener = TcpListener::bind(settings.bind)
            .with_context(|| format!("cannot listen on SHOP_BIND {}", settings.bind))?;
        let port = listener.local_addr()?.port();
        if settings.public_url_from_bind {
            settings.public_url = format!("http://127.0.0.1:{port}");
        }
        let metrics_listener = match settings.metrics_bind {
            Some(bind) => {
                let listener = TcpListener::bind(bind)
                    .with_context(|| format!("cannot listen on SHOP_METRICS_BIND {bind}"))?;
                settings.metrics_bind = Some(listener.local_addr()?);
                Some((listener, metrics::install()?))
            }
            None => None,
        };

        let gateway = logged_client(&settings, &db)?;
        let gateway = if metrics_listener.is_some() {
            gateway.with_observer(Arc::new(metrics::GatewayCalls))
        } else {
            gateway
        };
        let state = AppState::new(Arc::new(settings), db.clone(), Arc::new(gateway));
        let server = http_server(
            listener,
            state.clone(),
            &session_key,
            metrics_listener.is_some(),
        )?;
        let mailer = match &state.settings.smtp_url {
            Some(url) => Some(
                Mailer::new(url, &state.settings.email_from)
                    .context("SMTP_URL or SHOP_EMAIL_FROM is not usable")?,
            ),
            None => None,
        };
        let registry = job_registry(&state, mailer);
        let metrics = match metrics_listener {
            Some((listener, handle)) => {
                let port = listener.local_addr()?.port();
                let scraped = metrics::Scraped {
                    db: db.clone(),
                    job_kinds: registry.kinds(),
                };
                Some((port, metrics::serve(listener, handle, scraped)?))
            }
            None => None,
        };
        let runner = Runner::new(db, registry, RunnerConfig::new(runner_name(port)));
        Ok((
            Application {
                port,
                server,
                sandbox,
                metrics,
                runner,
                state,
            },
            generated,
        ))
    }

    /// The port the shop listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port `/metrics` is served on, when `SHOP_METRICS_BIND` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|(port, _)| *port)
    }

    /// The in-process simulator, when this shop started one: tests read its request record and
    /// flip its fault switches through this handle.
    pub fn sandbox(&self) -> Option<&Sandbox> {
        self.sandbox.as_ref().map(|(s, _)| s)
    }

    /// A handle that stops the server (and so [`Application::run_until_stopped`]) when asked.
    pub fn server_handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The shop's state (settings as finally resolved, database).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server stops (Ctrl-C or SIGTERM), then stops the job runner and the
    /// simulator.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let (stop_runner, stopped) = tokio::sync::oneshot::channel::<()>();
        let runner = tokio::spawn(self.runner.run_until(async {
            let _ = stopped.await;
        }));
        let sandbox = self.sandbox.map(|(_, s)| {
            let handle = s.handle();
            tokio::spawn(s);
            handle
        });
        let metrics = self.metrics.map(|(_, s)| {
            let handle = s.handle();
            tokio::spawn(s);
            handle
        });
        let served = self.server.await;
        let _ = stop_runner.send(());
        let _ = runner.await;
        if let Some(handle) = sandbox {
            handle.stop(true).await;
        }
        // Scraped until the shop stopped, so that its last figures could still be read.
        if let Some(handle) = metrics {
            handle.stop(true).await;
        }
        Ok(served?)
    }
}

/// The job kinds this version of the shop runs.
fn job_registry(state: &AppState, mailer: Option<Mailer>) -> Registry {
    let mut registry = Registry::default();
    let db = state.db.clone();
    registry.register(EXPIRE_JOB, move |job| {
        let db = db.clone();
        async move {
            let order_id = order_id_of(&job)?;
            match db.run(move |conn| expire::expire(conn, order_id)).await? {
                // The shopper is at the gateway right now; look again once that settles.
                Expiry::PaymentInFlight => Err(JobFailure::Retry("a payment is in flight".into())),
                Expiry::Cancelled | Expiry::Nothing => Ok(()),
            }
        }
    });
    let db = state.db.clone();
    registry.register(emails::SEND_JOB, move |job| {
        emails::send::run(db.clone(), mailer.clone(), job)
    });
    let app = state.clone();
    registry.register(reconcile::JOB, move |_job| {
        let app = app.clone();
        async move {
            let report = reconcile::pass(&app.payments).await;
            metrics::reconciler_pass(report.as_ref().ok());
            // Whatever happened, the next pass is scheduled: a failed pass must not stop them.
            let period = app.settings.reconcile_after;
            app.db
                .run(move |conn| reconcile::schedule_next(conn, period, crate::db::now()))
                .await?;
            let report = report?;
            if report.attempts_checked + report.refunds_checked > 0 {
                tracing::info!(?report, "reconciliation pass");
            }
            Ok(())
        }
    });
    let db = state.db.clone();
    registry.register(purge::JOB, move |_job| {
        let db = db.clone();
        async move {
            let at = crate::db::now();
            let purged = db
                .run(move |conn| {
                    let purged = purge::purge_idle(conn, at);
                    // As the reconciler's: a failed run must not stop the next ones.
                    purge::schedule_next(conn, at)?;
                    purged
                })
                .await?;
            if purged > 0 {
                tracing::info!(carts.purged = purged, "idle carts purged");
            }
            Ok(())
        }
    });
    let app = state.clone();
    registry.register(webhooks::REAPPLY_JOB, move |job| {
        let app = app.clone();
        async move {
            let id = serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|v| v["webhook_id"].as_i64())
                .ok_or_else(|| JobFailure::Permanent("payload without webhook_id".into()))?;
            webhooks::reapply(&app.payments, id).await?;
            Ok(())
        }
    });
    crate::shipping::register_jobs(&mut registry, &state.payments);
    crate::shoppers::cards::register_jobs(&mut registry, &state.payments);
    let (db, days) = (state.db.clone(), state.settings.gateway.log_days);
    registry.register(payments::api_log::PURGE_JOB, move |_job| {
        let db = db.clone();
        async move {
            let at = crate::db::now();
            let purged = db
                .run(move |conn| {
                    let purged = payments::api_log::purge(conn, days, at);
                    // As the cart purge's: a failed run must not stop the next ones.
                    payments::api_log::schedule_purge(conn, at)?;
                    purged
                })
                .await?;
            if purged > 0 {
                tracing::info!(
                    calls.purged = purged,
                    "old AsiaBill calls purged from the API log"
                );
            }
            Ok(())
        }
    });
    registry
}

fn order_id_of(job: &Job) -> Result<i64, JobFailure> {
    serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|v| v["order_id"].as_i64())
        .ok_or_else(|| JobFailure::Permanent(format!("payload without order_id: {}", job.payload)))
}

/// What a one-shot command needs (`shop reconcile`): the payment services over the database,
/// migrated, and the gateway client; no listener, no simulator.
pub async fn command_payments(settings: Settings) -> anyhow::Result<Payments> {
    let db = Db::connect(&settings.database)
        .with_context(|| format!("cannot open the database {:?}", settings.database))?;
    db.run(migrate::run_pending).await?;
    let gateway = logged_client(&settings, &db)?;
    Ok(Payments::new(db, Arc::new(gateway), &settings))
}

/// The AsiaBill client, writing each call to the API log unless `ASIABILL_LOG_DAYS` is 0.
fn logged_client(settings: &Settings, db: &Db) -> anyhow::Result<asiabill::Client> {
    let client = payments::gateway::client(settings).context("building the AsiaBill client")?;
    Ok(if settings.gateway.log_days > 0 {
        client.with_observer(payments::api_log::Recorder::new(db.clone()))
    } else {
        client
    })
}

/// A lease owner name unique to this process: host, pid and port.
fn runner_name(port: u16) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "shop".to_owned());
    format!("{host}:{}:{port}", std::process::id())
}

/// Creates the first admin when there is none: from `SHOP_ADMIN_EMAIL`/`SHOP_ADMIN_PASSWORD`,
/// or with a generated password that the caller prints once.
fn ensure_first_admin(
    conn: &mut crate::db::DbConnection,
    configured: Option<crate::config::FirstAdmin>,
) -> anyhow::Result<Option<GeneratedAdmin>> {
    if users::count(conn)? > 0 {
        return Ok(None);
    }
    let email = configured
        .as_ref()
        .map_or_else(|| "admin@example.com".to_owned(), |a| a.email.clone());
    let (password, generated) = match configured.and_then(|a| a.password) {
        Some(p) => (p, false),
        None => (users::generate_password(), true),
    };
    match users::create(conn, &email, &password) {
        Ok(_) => {}
        // Another instance created it at the same moment.
        Err(users::CreateUserError::Exists(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    tracing::info!(admin.email = %email, "first admin account created");
    Ok(generated.then_some(GeneratedAdmin { email, password }))
}

/// Headers on every response, error pages included. The content security policy lets scripts,
/// frames and form redirects reach only this site and the AsiaBill payment host in use (its JS
/// SDK, its card iframe, its hosted page); HSTS is sent only when the shop is served over https.
fn security_headers(state: &AppState) -> DefaultHeaders {
    let gateway = origin_of(state.settings.gateway.environment.payment_url());
    let csp = format!(
        "default-src 'self'; script-src 'self' {gateway}; frame-src {gateway}; \
         img-src 'self' data:; style-src 'self'; connect-src 'self'; \
         form-action 'self' {gateway}; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    );
    let mut headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", csp))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "strict-origin-when-cross-origin"))
        .add(("X-Frame-Options", "DENY"));
    if state.settings.public_url.starts_with("https://") {
        headers = headers.add((
            "Strict-Transport-Security",
            "max-age=31536000; includeSubDomains",
        ));
    }
    headers
}

/// `scheme://host[:port]` of a base URL.
fn origin_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(u) => u.origin().ascii_serialization(),
        Err(_) => url.to_owned(),
    }
}

/// A 64-byte cookie key from any secret text: SHA-512 spreads it evenly, and every instance
/// given the same text gets the same key.
fn cookie_key(secret: &SecretString) -> Key {
    Key::from(&Sha512::digest(secret.expose_secret().as_bytes()))
}

fn http_server(
    listener: TcpListener,
    state: AppState,
    session_key: &SecretString,
    metered: bool,
) -> anyhow::Result<Server> {
    let key = cookie_key(session_key);
    let secure = state.settings.public_url.starts_with("https://");
    let state_for_headers = state.clone();
    let data = web::Data::new(state);
    // One cache of listing cards and one of product pages, shared by all workers.
    let listings = web::Data::new(routes::shop::catalogue::listing_cache());
    let product_pages = web::Data::new(routes::shop::products::product_cache());
    let static_root = static_dir();
    let server = HttpServer::new(move || {
        App::new()
            .wrap(errors::handlers())
            .wrap(
                SessionMiddleware::builder(CookieSessionStore::default(), key.clone())
                    .cookie_name("shop_session".to_owned())
                    .cookie_secure(secure)
                    .cookie_http_only(true)
                    .cookie_same_site(SameSite::Lax)
                    .cookie_content_security(CookieContentSecurity::Private)
                    .build(),
            )
            .wrap(security_headers(&state_for_headers))
            .wrap(from_fn(render::no_store_on_private_pages))
            .wrap(Compress::default())
            // Outside everything but the log span, so that it counts the status as sent.
            .wrap(Condition::new(metered, from_fn(metrics::record_request)))
            .wrap(TracingLogger::<RequestSpan>::new())
            .app_data(data.clone())
            .app_data(listings.clone())
            .app_data(product_pages.clone())
            .service(Files::new("/static", static_root.clone()).prefer_utf8(true))
            .configure(routes::configure)
    })
    .listen(listener)?
    .run();
    Ok(server)
}
