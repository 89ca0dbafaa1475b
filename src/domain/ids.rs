//! Identifiers. Plain newtypes, so a project id cannot be passed where a
//! user id is expected.

use uuid::Uuid;

/// A Gcore project id: a positive integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectId(pub i64);

/// Internal id of a user (the name is unique too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserId(pub i64);

/// A key's public id, a random (v4) UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub Uuid);

/// A token's public id: the part of a token before its secret, safe to
/// print in `token list` and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenId(pub String);
