//! Shopper accounts, which are optional: guest checkout stays.
//!
//! A shopper signs up with an email and a password (Argon2id, as the admin's), verifies the
//! email through an emailed link, and signs in to a database session like the admin's. "My
//! account" shows every order of the account, the saved addresses the checkout form starts
//! with, and (issue 18's later parts) saved cards.
//!
//! Which orders are an account's: those placed while signed in, and the guest orders placed
//! with the account's email once that email is verified (claimed at verification and at each
//! later sign-in). An unverified account sees only its own signed-in orders, so signing up with
//! somebody else's address shows nothing of theirs.

pub mod accounts;
pub mod addresses;
pub mod cards;
pub mod history;
pub mod sessions;
pub mod tokens;
