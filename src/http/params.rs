//! Reading request input field by field, the same way on every API face:
//! every problem is recorded (in [`Problems`]) so that one 400 names them
//! all in Gcore's `invalid_fields`, and a query parameter may be given at
//! most once ([`QueryParams`]), since silently picking one of two values
//! would answer a question the client did not ask.

use std::collections::BTreeMap;

use crate::domain::KeyFingerprint;
use crate::http::ApiError;

/// Collects field problems so that one response reports all of them.
#[derive(Default)]
pub(crate) struct Problems(BTreeMap<String, String>);

impl Problems {
    /// Records `problem` for `field`. A message that begins with the field's
    /// own name ("public_key holds ...") loses it, so that every problem
    /// reads `<field>: <problem>` once in the summary.
    pub(crate) fn add(&mut self, field: &str, problem: impl ToString) {
        let problem = problem.to_string();
        let problem = match problem.strip_prefix(field).and_then(|rest| rest.strip_prefix(' ')) {
            Some(rest) => rest.to_owned(),
            None => problem,
        };
        self.0.insert(field.to_owned(), problem);
    }

    /// `value()` when nothing was recorded, else the 400 naming every field.
    pub(crate) fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, ApiError> {
        if self.0.is_empty() {
            return Ok(value());
        }
        let summary: Vec<String> = self.0.iter().map(|(f, p)| format!("{f}: {p}")).collect();
        Err(ApiError::Validation { message: summary.join("; "), fields: self.0 })
    }
}

/// A query string's parameters by name, each given at most once.
pub(crate) struct QueryParams(BTreeMap<String, String>);

impl QueryParams {
    /// Parses a raw query string; a repeated parameter is a problem.
    pub(crate) fn parse(query: Option<&str>, problems: &mut Problems) -> Self {
        let mut seen = BTreeMap::new();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let label = label(&name);
            if seen.insert(name.into_owned(), value.into_owned()).is_some() {
                problems.add(&label, "may be given only once");
            }
        }
        Self(seen)
    }

    /// Each parameter with its value, by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(name, value)| (name.as_str(), value.as_str()))
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// `limit`: `default` when absent, else an integer from 1 to `max`.
    pub(crate) fn limit(&self, default: u32, max: u32, problems: &mut Problems) -> u32 {
        match self.get("limit").map(str::parse::<u32>) {
            None => default,
            Some(Ok(n)) if (1..=max).contains(&n) => n,
            Some(_) => {
                problems.add("limit", format!("must be an integer from 1 to {max}"));
                default
            }
        }
    }

    /// `offset`: 0 when absent; at most `i64::MAX`, what the stores take.
    pub(crate) fn offset(&self, problems: &mut Problems) -> u64 {
        match self.get("offset").map(str::parse::<u64>) {
            None => 0,
            Some(Ok(n)) if n <= i64::MAX as u64 => n,
            Some(_) => {
                problems.add("offset", "must be a non-negative integer");
                0
            }
        }
    }

    /// `fingerprint`, in either form (MD5 or SHA-256), when given.
    pub(crate) fn fingerprint(&self, problems: &mut Problems) -> Option<KeyFingerprint> {
        let raw = self.get("fingerprint")?;
        KeyFingerprint::parse(raw).map_err(|e| problems.add("fingerprint", e)).ok()
    }

    /// A free-text filter such as `name`: `None` when absent or empty, and
    /// a problem past `max_chars` (no stored value is that long, so the
    /// lookup would be wasted).
    pub(crate) fn text_filter(&mut self, name: &str, max_chars: usize, problems: &mut Problems) -> Option<String> {
        let value = self.0.remove(name).filter(|v| !v.is_empty())?;
        if value.chars().count() > max_chars {
            problems.add(name, format!("must be at most {max_chars} characters"));
        }
        Some(value)
    }
}

/// A parameter's name as an error may name it: itself when short printable
/// ASCII, else `query`, so no odd input is echoed back.
pub(crate) fn label(name: &str) -> String {
    let plain = !name.is_empty() && name.len() <= 64 && name.bytes().all(|b| b.is_ascii_graphic());
    if plain { name.to_owned() } else { "query".to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems_of(query: &str, read: impl FnOnce(&mut QueryParams, &mut Problems)) -> Vec<(String, String)> {
        let mut problems = Problems::default();
        let mut params = QueryParams::parse(Some(query), &mut problems);
        read(&mut params, &mut problems);
        problems.0.into_iter().collect()
    }

    #[test]
    fn a_repeated_parameter_is_named_once_and_odd_names_are_not_echoed() {
        let found = problems_of("limit=1&limit=2&%E2%80%AE=1&%E2%80%AE=2", |_, _| ());
        assert_eq!(
            found,
            [
                ("limit".to_owned(), "may be given only once".to_owned()),
                ("query".to_owned(), "may be given only once".to_owned())
            ]
        );
    }

    #[test]
    fn limits_and_offsets_outside_their_range_are_problems_and_fall_back() {
        let mut read = (0, 0);
        let found = problems_of("limit=0&offset=-1", |p, problems| {
            read = (p.limit(10, 1000, problems), p.offset(problems));
        });
        assert_eq!(read, (10, 0));
        assert_eq!(found.len(), 2, "{found:?}");
        let found = problems_of("limit=1000&offset=9223372036854775807", |p, problems| {
            read = (p.limit(10, 1000, problems), p.offset(problems));
        });
        assert_eq!((read, found.len()), ((1000, 9_223_372_036_854_775_807), 0));
        let found = problems_of("offset=9223372036854775808", |p, problems| {
            p.offset(problems);
        });
        assert_eq!(found, [("offset".to_owned(), "must be a non-negative integer".to_owned())]);
    }

    #[test]
    fn an_empty_text_filter_is_no_filter_and_a_long_one_is_a_problem() {
        let mut value = Some(String::new());
        let found = problems_of("name=", |p, problems| value = p.text_filter("name", 3, problems));
        assert_eq!((value, found.len()), (None, 0));
        let found = problems_of("name=abcd", |p, problems| {
            p.text_filter("name", 3, problems);
        });
        assert_eq!(found, [("name".to_owned(), "must be at most 3 characters".to_owned())]);
    }
}
