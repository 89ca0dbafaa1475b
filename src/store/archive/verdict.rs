//! What the checks return, and the rule for references.

use std::collections::HashMap;

/// The reason a record is refused (the caller adds the line).
pub type Verdict = Result<(), String>;

/// A reference must name a record on an earlier line (`seen` maps the ids
/// defined so far to their lines).
pub fn defined(seen: &HashMap<i64, usize>, kind: &str, id: i64) -> Verdict {
    if seen.contains_key(&id) { Ok(()) } else { Err(format!("{kind} {id} is not defined on an earlier line")) }
}
