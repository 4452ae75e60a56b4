//! The catalogue: categories and products, the demo seed, and the queries the shop pages use.

pub mod cache;
pub mod editing;
pub mod listing;
pub mod seed;
