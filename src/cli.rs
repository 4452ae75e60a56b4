//! The `shop` command line: `serve` (the default), `migrate`, `sandbox`, `reconcile` and
//! `admin create-user`.

use std::{
    io::{BufRead, IsTerminal},
    net::{SocketAddr, TcpListener},
    process::ExitCode,
};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use secrecy::{ExposeSecret, SecretString};

use crate::{
    accounts::users,
    config::Settings,
    db::{Db, migrate},
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
    if let Some(admin) = generated {
        // Printed, not logged: logs are kept and shipped, this is shown once to the operator.
        println!(
            "\nFirst admin account created (shown once; change it after signing in):\n  \
             email:    {}\n  password: {}\n",
            admin.email,
            admin.password.expose_secret()
        );
    }
    println!(
        "Shop on {}  (gateway: {} at {})",
        settings.public_url,
        settings.gateway.mode.as_str(),
        settings.gateway.environment.payment_url()
    );
    app.run_until_stopped().await
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
