//! sshkeyd: a self-hostable SSH key service that speaks the Gcore Cloud API
//! "SSH Keys" resource.

pub mod keys;
pub mod store;
