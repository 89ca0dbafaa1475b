//! The legacy MD5 fingerprint that Gcore (and OpenStack) report.

use md5::{Digest, Md5};
use std::fmt::{self, Write};

/// MD5 over the raw key blob, as lower-case colon-separated hex: exactly what
/// `ssh-keygen -l -E md5` prints after its `MD5:` prefix. MD5 is weak as a
/// hash, but this is an identifier that clients compare, not a security check.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// Computes the fingerprint of an SSH wire-format public key blob.
    pub fn of_blob(blob: &[u8]) -> Self {
        let digest = Md5::digest(blob);
        let mut hex = String::with_capacity(47);
        for (i, byte) in digest.iter().enumerate() {
            if i > 0 {
                hex.push(':');
            }
            // Writing into a String cannot fail.
            let _ = write!(hex, "{byte:02x}");
        }
        Self(hex)
    }

    /// The colon-separated hex form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_sixteen_colon_separated_lower_hex_bytes() {
        // MD5("") is d41d8cd98f00b204e9800998ecf8427e.
        let fp = Fingerprint::of_blob(b"");
        assert_eq!(fp.as_str(), "d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e");
    }
}
