//! API tokens: the format (pure), issuing one into the store, and the admin
//! token written on the first start.
//!
//! A token reaches its holder once, as text, and is stored only as the hash
//! of its secret part (`format.rs` says why SHA-256 is the right hash).

mod bootstrap;
mod format;
mod issue;

pub use bootstrap::{admin_token_path, bootstrap_admin_token};
pub use format::{IssuedToken, PresentedToken};
pub use issue::{Access, TokenLifetime, issue_token, issue_token_with};
