//! Validation of request bodies and query strings, with Gcore's
//! `invalid_fields` and messages that never quote the input.

use serde_json::Value;

use crate::domain::{KeyFingerprint, KeyName, KeyOrder, PublicKey};
use crate::http::ApiError;
use crate::http::params::{Problems, QueryParams};

/// Largest page size.
pub const MAX_LIMIT: u32 = 1000;
const DEFAULT_LIMIT: u32 = 10;
/// Longest name filter worth running (names are at most 63 characters).
const MAX_NAME_FILTER: usize = 255;

/// How `order_by` spells each order, in the order the document lists them.
pub(super) const ORDER_BY: [(&str, KeyOrder); 4] = [
    ("created_at.asc", KeyOrder::CreatedAsc),
    ("created_at.desc", KeyOrder::CreatedDesc),
    ("name.asc", KeyOrder::NameAsc),
    ("name.desc", KeyOrder::NameDesc),
];

/// Case-insensitive: Terraform's data sources validate `order_by` without
/// regard to case and send it unchanged, so `NAME.ASC` reaches us.
fn parse_order(spelling: &str) -> Option<KeyOrder> {
    ORDER_BY.iter().find(|(name, _)| name.eq_ignore_ascii_case(spelling)).map(|(_, order)| *order)
}

/// A validated create body.
pub struct CreateKeyInput {
    /// The key's name.
    pub name: KeyName,
    /// The key to import, or `None` to generate one.
    pub public_key: Option<PublicKey>,
    /// `shared_in_project`, default true.
    pub shared: bool,
}

pub(crate) fn object(body: &Value) -> Result<&serde_json::Map<String, Value>, ApiError> {
    body.as_object().ok_or_else(|| ApiError::validation("request body must be a JSON object"))
}

/// Reads an optional boolean; `null` counts as absent.
fn optional_bool(fields: &serde_json::Map<String, Value>, name: &str, problems: &mut Problems) -> Option<bool> {
    match fields.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            problems.add(name, "must be a boolean");
            None
        }
    }
}

impl CreateKeyInput {
    /// Validates `{"name", "public_key"?, "shared_in_project"?}`. Unknown
    /// fields are ignored. An absent, `null` or empty `public_key` asks for
    /// a generated pair, as Gcore documents ("leave this field empty").
    pub fn from_json(body: &Value) -> Result<Self, ApiError> {
        let fields = object(body)?;
        let mut problems = Problems::default();
        let input = Self::from_fields(fields, "name", &mut problems);
        problems.finish(|| ())?;
        // With no problems recorded, the name is present.
        input.ok_or_else(|| ApiError::field("name", "is required"))
    }

    /// Reads the name (from `name_field`), `public_key` and
    /// `shared_in_project` of a create body, recording what is wrong in
    /// `problems`. The result is valid only when no problem was recorded
    /// (an invalid `public_key` leaves it `None`, which means "generate").
    pub(crate) fn from_fields(
        fields: &serde_json::Map<String, Value>,
        name_field: &str,
        problems: &mut Problems,
    ) -> Option<Self> {
        let name = match fields.get(name_field) {
            None | Some(Value::Null) => Err("is required".to_owned()),
            Some(Value::String(s)) => KeyName::parse(s).map_err(|e| e.to_string()),
            Some(_) => Err("must be a string".to_owned()),
        }
        .map_err(|p| problems.add(name_field, p))
        .ok();
        let public_key = match fields.get("public_key") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => PublicKey::parse(s).map_err(|e| problems.add("public_key", e)).ok(),
            Some(_) => {
                problems.add("public_key", "must be a string");
                None
            }
        };
        let shared = optional_bool(fields, "shared_in_project", problems).unwrap_or(true);
        Some(Self { name: name?, public_key, shared })
    }
}

/// Validates the update body `{"shared_in_project": bool}`. `{}` (or
/// `null`) changes nothing: Terraform's v2 provider sends only the fields
/// that changed, so `{}` when none did.
pub fn shared_from_json(body: &Value) -> Result<Option<bool>, ApiError> {
    let mut problems = Problems::default();
    let shared = optional_bool(object(body)?, "shared_in_project", &mut problems);
    problems.finish(|| shared)
}

/// Validated list parameters.
#[derive(Debug, PartialEq, Eq)]
pub struct ListParams {
    /// Page size.
    pub limit: u32,
    /// Rows to skip.
    pub offset: u64,
    /// Name substring.
    pub name: Option<String>,
    /// Sort order.
    pub order: KeyOrder,
    /// Exact fingerprint, MD5 or SHA-256.
    pub fingerprint: Option<KeyFingerprint>,
}

impl ListParams {
    /// Parses `limit`, `offset`, `name` and `order_by` from a raw query
    /// string. A parameter given twice is an error rather than a silent
    /// choice; unknown parameters are ignored, as clients add their own.
    pub fn from_query(query: Option<&str>) -> Result<Self, ApiError> {
        let mut problems = Problems::default();
        let mut params = QueryParams::parse(query, &mut problems);
        let limit = params.limit(DEFAULT_LIMIT, MAX_LIMIT, &mut problems);
        let offset = params.offset(&mut problems);
        let order = match params.get("order_by").map(parse_order) {
            None => KeyOrder::default(),
            Some(Some(order)) => order,
            Some(None) => {
                let names: Vec<&str> = ORDER_BY.iter().map(|(n, _)| *n).collect();
                problems.add("order_by", format!("must be one of {}", names.join(", ")));
                KeyOrder::default()
            }
        };
        let fingerprint = params.fingerprint(&mut problems);
        let name = params.text_filter("name", MAX_NAME_FILTER, &mut problems);
        problems.finish(|| Self { limit, offset, name, order, fingerprint })
    }
}

#[cfg(test)]
#[path = "input_tests.rs"]
mod tests;
