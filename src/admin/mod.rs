//! The merchant's side: admin accounts (the admin pages come with their own issue).

pub mod users;
