//! Parse-don't-validate types for the values shoppers and merchants type in.

pub mod address;
pub mod country;
pub mod email;
