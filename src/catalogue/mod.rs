//! The catalogue: categories and products, the queries the shop pages use, the short-lived page
//! cache, the merchant's product editing (with images, options, variants and the gallery), what
//! a product with variants offers the shopper ([`offer`]), and the demo seed.

pub mod cache;
pub mod editing;
pub mod gallery;
pub mod listing;
pub mod offer;
pub mod options;
pub mod seed;
pub mod variants;
