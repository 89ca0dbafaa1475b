//! Time as the service stores and shows it.

use std::time::Duration;

use time::{OffsetDateTime, format_description::well_known::Rfc3339};

/// Microseconds since the Unix epoch, UTC. Integers sort and compare the
/// same in SQLite and PostgreSQL, which keeps ordering identical on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn now() -> Self {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos();
        Self((nanos / 1000) as i64)
    }

    /// RFC 3339 in UTC with microseconds, e.g. `2025-06-16T17:05:50.123456Z`.
    pub fn to_rfc3339(self) -> String {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(self.0) * 1000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_default()
    }

    /// This time plus a duration, saturating.
    pub fn plus(self, d: Duration) -> Self {
        Self(self.0.saturating_add(d.as_micros().min(i64::MAX as u128) as i64))
    }
}
