//! What every page shares: application state, the page layout, sessions, flash messages,
//! CSRF tokens and error pages.

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
