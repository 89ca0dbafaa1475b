//! Request ids: every request gets one, every response and log line names it.

use axum::http::{HeaderName, HeaderValue};
use uuid::Uuid;

/// The `X-Request-ID` header.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The id of the current request, in the request's extensions.
#[derive(Debug, Clone, Default)]
pub struct RequestId(String);

impl RequestId {
    /// The id as sent in `X-Request-ID`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Keeps a caller's id when it is a plausible id (so a proxy's id
    /// correlates across systems), otherwise makes a new UUID. The check
    /// keeps arbitrary bytes out of logs and the audit trail.
    pub fn from_header(value: Option<&HeaderValue>) -> Self {
        let plausible = |s: &&str| {
            (8..=64).contains(&s.len())
                && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        match value.and_then(|v| v.to_str().ok()).filter(plausible) {
            Some(id) => Self(id.to_owned()),
            None => Self(Uuid::new_v4().to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_ids_are_kept_and_others_replaced() {
        let cases = [
            ("abcdef12-3456", true, "a proxy's id is kept"),
            ("short", false, "too short"),
            ("has space in it", false, "spaces are not allowed"),
            ("\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}\u{7f}", false, "control bytes"),
        ];
        for (raw, kept, why) in cases {
            let value = HeaderValue::from_bytes(raw.as_bytes()).ok();
            let id = RequestId::from_header(value.as_ref());
            assert_eq!(id.as_str() == raw, kept, "{why}");
        }
        assert_eq!(RequestId::from_header(None).as_str().len(), 36, "a UUID is made when none is sent");
    }
}
