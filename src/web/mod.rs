//! What every handler shares: application state, the page layout, extractors (the signed-in
//! admin, CSRF-checked forms, the client's IP), the [`Page`] renderer, [`AppError`] and the error
//! pages, flash messages, CSRF tokens and the request's log span. (The shopper's cookie session
//! is set up in `startup.rs`; admin sessions live in `accounts::sessions`.)

pub mod csrf;
pub mod errors;
pub mod extract;
pub mod flash;
pub mod layout;
pub mod render;
pub mod request_span;
pub mod state;

pub use errors::AppError;
pub use layout::Layout;
pub use render::Page;
pub use state::AppState;
