//! The catalogue: categories and products, the queries the shop pages use, the short-lived page
//! cache, the merchant's product editing (with images), variants and galleries, and the demo
//! seed.

pub mod cache;
pub mod editing;
pub mod listing;
pub mod seed;
pub mod variants;
