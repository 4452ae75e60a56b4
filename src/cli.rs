//! The `shop` command line: `serve` (the default), `migrate`, `sandbox`, `reconcile`,
//! `selftest` and `admin create-user`.

use std::{
    io::{BufRead, IsTerminal},
    net::{SocketAddr, TcpListener},
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    accounts::{audit::Actor, users},
    config::Settings,
    db::{Db, migrate},
    i18n::Lang,
    selftest::{self, SelfTest},
    startup::Application,
    telemetry,
};

/// asiabill-shop: a storefront integrating the AsiaBill card gateway.
///
/// Settings come from the environment and an optional shop.toml (see README).
#[derive(Parser, Debug)]
#[command(name = "shop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Migrate, seed when empty, and serve the shop with its job runner (the default). In
    /// local mode without ASIABILL_BASE_URL the AsiaBill simulator starts too, on SANDBOX_BIND.
    Serve,
    /// Apply database migrations and exit.
    Migrate,
    /// Run the AsiaBill sandbox simulator alone.
    Sandbox {
        /// Address to listen on; wins over SANDBOX_BIND.
        #[arg(long, value_name = "ADDR")]
        bind: Option<SocketAddr>,
    },
    /// Run one reconciliation pass against the gateway, then exit.
    Reconcile,
    /// Start the shop, run the integration self-test against the configured gateway (the
    /// simulator in local mode, AsiaBill's sandbox in sandbox mode), print its table and exit:
    /// non-zero when a check failed. Refused with ASIABILL_ENV=live.
    Selftest,
    /// Manage admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AdminCommand {
    /// Create an admin account. The password comes from SHOP_ADMIN_PASSWORD or standard input.
    CreateUser {
        /// Login email of the new account.
        #[arg(long, value_name = "E")]
        email: String,
    },
}

/// Parses the command line, runs the command, and turns errors into a message and exit code 1.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init();
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(dispatch(cli.command.unwrap_or(Command::Serve))),
        Err(e) => Err(e.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shop: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn dispatch(command: Command) -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    match command {
        Command::Serve => serve(settings).await,
        Command::Migrate => {
            let db = Db::connect(&settings.database)?;
            let applied = db.run(migrate::run_pending).await?;
            println!("{applied} migration(s) applied");
            Ok(())
        }
        Command::Sandbox { bind } => {
            let addr = bind.unwrap_or(settings.sandbox_bind);
            let listener =
                TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
            println!(
                "AsiaBill sandbox simulator on http://{}",
                listener.local_addr()?
            );
            let simulator = asiabill_sandbox::Sandbox::new(
                asiabill_sandbox::Config::with_time_factor(settings.sandbox_time_factor),
            );
            simulator.serve(listener)?.await?;
            Ok(())
        }
        Command::Reconcile => {
            let payments = crate::startup::command_payments(settings).await?;
            let report = crate::payments::reconcile::pass(&payments).await?;
            println!(
                "reconciliation: {} attempt(s) checked, {} settled; {} refund(s) checked, {} settled",
                report.attempts_checked,
                report.attempts_settled,
                report.refunds_checked,
                report.refunds_settled
            );
            Ok(())
        }
        Command::Selftest => selftest(settings).await,
        Command::Admin {
            command: AdminCommand::CreateUser { email },
        } => {
            let password = match settings.admin_password {
                Some(p) => p,
                None => read_password()?,
            };
            let db = Db::connect(&settings.database)?;
            let id = db
                .run(move |conn| {
                    migrate::run_pending(conn)?;
                    Ok::<_, anyhow::Error>(users::create(conn, &email, &password)?)
                })
                .await?;
            println!("admin account {id} created");
            Ok(())
        }
    }
}

async fn serve(settings: Settings) -> anyhow::Result<()> {
    let (app, generated) = Application::build(settings).await?;
    let settings = &app.state().settings;
    show_generated(generated);
    println!(
        "Shop on {}  (gateway: {} at {})",
        settings.public_url,
        settings.gateway.mode.as_str(),
        settings.gateway.environment.payment_url()
    );
    app.run_until_stopped().await
}

/// Shows the first admin's generated credentials, once.
fn show_generated(generated: Option<crate::startup::GeneratedAdmin>) {
    if let Some(admin) = generated {
        // Printed, not logged: logs are kept and shipped, this is shown once to the operator.
        println!(
            "\nFirst admin account created (shown once; change it after signing in):\n  \
             email:    {}\n  password: {}\n",
            admin.email,
            admin.password.expose_secret()
        );
    }
}

/// Serves the shop (webhooks and returns must reach it) while the self-test runs, printing
/// each row as it ends.
async fn selftest(settings: Settings) -> anyhow::Result<()> {
    // Refused before anything starts, so a live shop's port and database are left alone.
    if settings.gateway.mode == crate::config::GatewayMode::Live {
        bail!("{}", selftest::Refused::Live);
    }
    let (app, generated) = Application::build(settings).await?;
    // A first run on a fresh database creates the first admin here, as `serve` would.
    show_generated(generated);
    let state = app.state().clone();
    let actor = Actor {
        user_id: None,
        email: "shop selftest".to_owned(),
        ip: "127.0.0.1".to_owned(),
    };
    let test = SelfTest::new(
        state.payments.clone(),
        state.settings.clone(),
        actor,
        Lang::En,
    )?;
    println!(
        "Self-test of the shop on {} against {} ({})",
        state.settings.public_url,
        state.settings.gateway.environment.payment_url(),
        state.settings.gateway.mode.as_str()
    );
    let server = app.server_handle();
    let serving = tokio::spawn(app.run_until_stopped());
    let (sender, mut received) = tokio::sync::mpsc::unbounded_channel();
    let printer = tokio::spawn(async move {
        while let Some(row) = received.recv().await {
            println!("{}", selftest::line(&row, Lang::En));
        }
    });
    let rows = test.run(Some(sender)).await;
    let _ = printer.await;
    server.stop(true).await;
    serving.await??;
    let failed = rows
        .iter()
        .filter(|r| r.outcome == selftest::Outcome::Failed)
        .count();
    if failed > 0 {
        bail!("{failed} of {} checks failed", rows.len());
    }
    println!("all {} checks passed or were skipped", rows.len());
    Ok(())
}

/// Reads a password from standard input (one line), with a prompt when it is a terminal.
fn read_password() -> anyhow::Result<SecretString> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password for the new admin (input is shown): ");
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']).to_owned();
    if password.is_empty() {
        bail!("no password given: set SHOP_ADMIN_PASSWORD or type it on standard input");
    }
    Ok(SecretString::from(password))
}
