//! The merchant's side: admin accounts (the admin pages come with their own issue).

pub mod users;

use crate::{jobs::Registry, web::AppState};

/// Adds the admin area's background job kinds to the runner.
pub fn register_jobs(_registry: &mut Registry, _state: &AppState) {}
