//! The two kinds of duration a setting takes: a limit, which 0 would turn
//! off unnoticed, and a wait, where 0 means "do not wait".

use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

/// A duration written as `30s`, `5m`, `90d` and so on. Zero is refused:
/// every setting of this kind is a limit, and 0 would turn it off unnoticed
/// (no request timeout, no drain, no statement timeout in PostgreSQL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match humantime::parse_duration(s) {
            Ok(d) if d.is_zero() => Err("must be longer than 0 (write e.g. 500ms, 30s, 12h)".into()),
            Ok(d) => Ok(Self(d)),
            Err(e) => Err(format!("{e} (write e.g. 500ms, 30s, 12h, 90d)")),
        }
    }
}

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}

/// A wait that may be 0 (no wait), written like [`HumanDuration`]: `0s`,
/// `500ms`, `5s`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait(pub Duration);

impl FromStr for Wait {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        humantime::parse_duration(s).map(Self).map_err(|e| format!("{e} (write e.g. 0s, 500ms, 5s)"))
    }
}

impl<'de> Deserialize<'de> for Wait {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}
