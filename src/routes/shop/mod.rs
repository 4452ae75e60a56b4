//! The shopper's pages: catalogue, product, cart, checkout, the order page, paying, the
//! account, and the language switch; and AsiaBill's return and webhook endpoints, which arrive
//! on the shop's side.

pub mod account;
pub mod cart;
pub mod catalogue;
pub mod checkout;
pub mod lang;
pub mod orders;
pub mod payment;
pub mod products;
