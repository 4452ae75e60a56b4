//! The merchant's side: accounts, sessions and login throttling, the audit log, and the
//! operations behind the admin pages (refunds, capture and void, shipping, queries, products).

pub mod amount;
pub mod audit;
pub mod auth;
pub mod capture;
pub mod chargebacks;
pub mod dashboard;
pub mod golive;
pub mod multipart;
pub mod orders;
pub mod outbox;
pub mod products;
pub mod refunds;
pub mod sessions;
pub mod shipping;
pub mod throttle;
pub mod transactions;
pub mod users;
pub mod webhook_log;

use crate::{jobs::Registry, web::AppState};

/// Adds the admin area's background job kinds to the runner: retrying failed logistics uploads.
pub fn register_jobs(registry: &mut Registry, state: &AppState) {
    let app = state.clone();
    registry.register(shipping::UPLOAD_JOB, move |job| {
        let app = app.clone();
        async move { shipping::retry_job(&app, &job.payload).await }
    });
}
