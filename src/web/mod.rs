//! What every page shares: application state, the page layout, sessions, flash messages,
//! CSRF tokens and error pages.

pub mod client_ip;
pub mod csrf;
pub mod errors;
pub mod flash;
pub mod forms;
pub mod layout;
pub mod render;
pub mod request_span;
pub mod state;

pub use layout::Layout;
pub use state::AppState;
