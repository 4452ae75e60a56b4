//! The merchant's accounts: admin users and their passwords, database-backed sessions, login
//! throttling, and the audit log of what each admin did.

pub mod audit;
pub mod sessions;
pub mod throttle;
pub mod users;
