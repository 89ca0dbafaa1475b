//! The key inside a stored `public_key` text.
//!
//! The column holds an OpenSSH line: the text a client sent (blanks around
//! it, a final newline, tabs or runs of spaces between the fields, its own
//! comment), the line an RFC 4716 or PEM block was converted to, or, for
//! rows written before issue 12, the normalised line. What is done with
//! the key itself (`authorized_keys` lines, fingerprints of rows migrated
//! from older schemas, comparisons) takes it from here, never the text as
//! a whole, so that no client's spelling reaches sshd or a digest.

/// `type` and `base64`, the first two fields of a stored line. The parser
/// accepted only a known label and strictly decoded base64 for them, and
/// separates fields by spaces and tabs only, so the two are exactly
/// [`PublicKey::canonical`](super::PublicKey::canonical) of the key.
/// `None` when the text has fewer than two fields (a corrupt row).
pub fn key_fields(text: &str) -> Option<(&str, &str)> {
    let mut fields = text.split_ascii_whitespace();
    Some((fields.next()?, fields.next()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::keygen::keygen;

    // That these are the parsed key's `canonical()` for every accepted
    // input is checked beside the parser (public_key/tests.rs).
    #[test]
    fn the_key_fields_of_any_stored_spelling_are_type_and_base64() {
        let line = keygen("ed25519", None).public;
        let (key_type, rest) = line.split_once(' ').unwrap();
        let data = rest.split(' ').next().unwrap();
        let spellings = [
            format!("{key_type} {data}"),
            format!("{line}\n"),
            format!("  {key_type}\t {data}  alice@laptop (work)\r\n"),
            format!("\t{key_type} {data}\tcomment with  spaces "),
        ];
        for stored in spellings {
            assert_eq!(key_fields(&stored), Some((key_type, data)), "{stored:?}");
        }
        assert_eq!(key_fields("ssh-ed25519"), None, "a corrupt row has no key");
        assert_eq!(key_fields(" \n"), None);
    }
}
