//! JSON request bodies, read with one meaning only.
//!
//! serde_json keeps the last of two equal keys (`{"name":"a1a","name":"b2b"}`
//! is `b2b`), while other parsers, a proxy's or a WAF's, may keep the first;
//! the two would then disagree about what was asked. So a key given twice
//! in an object, at any depth, is a 400 naming it. The other errors name
//! what they can: a number too large for a 64-bit float names its field,
//! nesting past serde_json's limit says so, and a syntax error gives its
//! line and column. Values are never quoted (one may be a misplaced secret).

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::ApiError;
use crate::domain::is_hidden_or_breaking;

/// Parses a request body as one JSON value, refusing duplicate keys.
pub(crate) fn parse_json(bytes: &[u8]) -> Result<Value, ApiError> {
    let trail = RefCell::new(Trail::default());
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    let parsed = Strict(&trail).deserialize(&mut reader).and_then(|value| reader.end().map(|()| value));
    parsed.map_err(|e| refusal(&e, trail.into_inner()))
}

/// Where a parse failed: each object or array on the way out of the failed
/// value adds its key or index, so nothing is recorded while all goes well.
#[derive(Default)]
struct Trail {
    /// Innermost first.
    unwound: Vec<String>,
    duplicate: bool,
}

impl Trail {
    /// `a.b`, `a[1].y`: the path from the top, indices attached to what
    /// they index; `None` for the top level.
    fn failed_at(&self) -> Option<String> {
        let mut at = String::new();
        for segment in self.unwound.iter().rev() {
            if !at.is_empty() && !segment.starts_with('[') {
                at.push('.');
            }
            at.push_str(segment);
        }
        (!at.is_empty()).then_some(at)
    }
}

/// The one deepest-first message for a failed parse.
fn refusal(e: &serde_json::Error, trail: Trail) -> ApiError {
    let text = e.to_string();
    let field = trail.failed_at();
    if trail.duplicate {
        let field = field.unwrap_or_default();
        return ApiError::field(&field, "is given more than once in its JSON object; send each key once");
    }
    if text.starts_with("number out of range") {
        let problem = "is a number too large to represent (beyond a 64-bit float)";
        return match field {
            Some(field) => ApiError::field(&field, problem),
            None => ApiError::validation(format!("malformed JSON body: the body {problem}")),
        };
    }
    let problem = if text.starts_with("recursion limit exceeded") {
        "nesting too deep: at most 127 levels of arrays and objects".to_owned()
    } else if e.classify() == serde_json::error::Category::Eof {
        "unexpected end of input".to_owned()
    } else {
        format!("syntax error at line {} column {}", e.line(), e.column())
    };
    ApiError::validation(format!("malformed JSON body: {problem}"))
}

/// A key as it is named in a message: itself when short and visible,
/// otherwise a description, so an error cannot carry a 60 KiB or
/// line-breaking key.
fn key_label(key: &str) -> String {
    let plain = !key.is_empty() && key.len() <= 64 && !key.chars().any(is_hidden_or_breaking);
    if plain { key.to_owned() } else { format!("(a key of {} bytes)", key.len()) }
}

/// Deserializes one value into `serde_json::Value`, refusing duplicate keys.
struct Strict<'a>(&'a RefCell<Trail>);

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            match seq.next_element_seed(Strict(self.0)) {
                Ok(Some(value)) => items.push(value),
                Ok(None) => return Ok(Value::Array(items)),
                Err(e) => {
                    self.0.borrow_mut().unwound.push(format!("[{}]", items.len()));
                    return Err(e);
                }
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut fields = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if fields.contains_key(&key) {
                let mut trail = self.0.borrow_mut();
                trail.duplicate = true;
                trail.unwound.push(key_label(&key));
                return Err(de::Error::custom("duplicate key"));
            }
            match map.next_value_seed(Strict(self.0)) {
                Ok(value) => fields.insert(key, value),
                Err(e) => {
                    self.0.borrow_mut().unwound.push(key_label(&key));
                    return Err(e);
                }
            };
        }
        Ok(Value::Object(fields))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(body: &str) -> (String, Vec<String>) {
        match parse_json(body.as_bytes()) {
            Err(ApiError::Validation { message, fields }) => (message, fields.into_keys().collect()),
            other => panic!("{body}: expected a 400, got {other:?}"),
        }
    }

    #[test]
    fn a_key_given_twice_at_any_depth_is_refused_by_name() {
        let cases = [
            (r#"{"name":"a1a","name":"b2b"}"#, "name"),
            (r#"{"a":{"b":1,"b":2}}"#, "a.b"),
            (r#"{"a":[{"x":1},{"y":1,"y":2}]}"#, "a[1].y"),
        ];
        for (body, field) in cases {
            let (message, fields) = refused(body);
            assert_eq!(fields, [field], "{body}");
            assert!(message.starts_with(&format!("{field}: is given more than once")), "{message}");
        }
        let long = format!(r#"{{"{k}":1,"{k}":2}}"#, k = "k".repeat(100));
        assert_eq!(refused(&long).1, ["(a key of 100 bytes)"], "long keys are described, not quoted");
        assert!(parse_json(br#"{"a":{"x":1},"b":{"x":1}}"#).is_ok(), "equal keys in different objects");
    }

    #[test]
    fn a_number_beyond_f64_names_its_field_and_deep_nesting_says_so() {
        assert_eq!(refused(r#"{"name":"abc","x":1e309}"#).1, ["x"]);
        assert_eq!(refused(r#"{"a":[1,-1e400]}"#).1, ["a[1]"]);
        assert!(refused("1e309").0.contains("too large"));
        assert!(parse_json(br#"{"x":1e308,"y":99999999999999999999999}"#).is_ok(), "in range");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(refused(&deep).0.contains("nesting too deep"), "{}", refused(&deep).0);
        assert!(parse_json(("[".repeat(127) + &"]".repeat(127)).as_bytes()).is_ok(), "127 levels are fine");
    }

    #[test]
    fn syntax_errors_give_a_position_and_never_the_value() {
        let (message, _) = refused("{\"public_key\": \"ssh-ed25519 AAAA secret\" x}");
        assert!(message.contains("line 1 column"), "{message}");
        assert!(!message.contains("secret"), "{message}");
        assert_eq!(refused("{\"name\": ").0, "malformed JSON body: unexpected end of input");
        assert_eq!(parse_json(br#"{"a":[1,"x",null,true,{"b":2.5}]}"#).unwrap()["a"][4]["b"], 2.5);
    }
}
