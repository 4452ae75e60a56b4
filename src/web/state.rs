//! State shared by every request handler.

use std::{path::PathBuf, sync::Arc};

use crate::{cart::Carts, config::Settings, db::Db, payments::Payments};

/// Everything a handler may need, cloned cheaply into each worker.
#[derive(Clone)]
pub struct AppState {
    /// Checked settings.
    pub settings: Arc<Settings>,
    /// The database pool.
    pub db: Db,
    /// The payment services over the same pool: the AsiaBill client is `payments.gateway`.
    pub payments: Payments,
    /// The cart's reads and writes over the same pool.
    pub carts: Carts,
}

impl AppState {
    /// The state for `settings`, with the payment services built over the same pool and client.
    pub fn new(settings: Arc<Settings>, db: Db, gateway: Arc<asiabill::Client>) -> Self {
        let payments = Payments::new(db.clone(), gateway, &settings);
        AppState {
            settings,
            carts: Carts::new(db.clone()),
            db,
            payments,
        }
    }
}

/// Where static files are served from: `./static` when the shop runs from its checkout, or the
/// folder next to the sources it was built from.
pub fn static_dir() -> PathBuf {
    let local = PathBuf::from("static");
    if local.is_dir() {
        local
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("static")
    }
}
