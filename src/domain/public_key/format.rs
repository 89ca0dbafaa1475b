//! The OpenSSH line: the `type base64 [comment]` fields, the label, and
//! what gives away a paste of something else (several keys, line breaks).

use super::error::PublicKeyError;
use super::key_type::{KNOWN_REFUSED, KeyType, hint};

/// Refuses line breaks inside what must be one line, telling several keys
/// (one per line) from one key broken over lines.
pub(super) fn reject_line_breaks(text: &str) -> Result<(), PublicKeyError> {
    if text.contains(['\n', '\r']) {
        let keys = text.lines().filter(|l| starts_with_label(l.trim())).count();
        return Err(if keys > 1 { PublicKeyError::MultipleKeys } else { PublicKeyError::MultiLine });
    }
    Ok(())
}

fn starts_with_label(line: &str) -> bool {
    let first = line.split_ascii_whitespace().next().unwrap_or("");
    KeyType::from_label(first).is_some() || KNOWN_REFUSED.contains(&first)
}

/// Splits `type base64 [comment]`; runs of spaces or tabs separate fields,
/// as OpenSSH allows.
pub(super) fn split_fields(text: &str) -> Result<(&str, &str, &str), PublicKeyError> {
    let is_sep = |c: char| c == ' ' || c == '\t';
    let (label, rest) = text.split_once(is_sep).ok_or(PublicKeyError::Format)?;
    let rest = rest.trim_start_matches(is_sep);
    let (data, comment) = rest.split_once(is_sep).unwrap_or((rest, ""));
    let comment = comment.trim_matches(is_sep);
    if data.is_empty() {
        return Err(PublicKeyError::Format);
    }
    // A second "type AAAA..." pair inside the comment is a second key.
    let mut words = comment.split(is_sep).filter(|w| !w.is_empty()).peekable();
    while let Some(word) = words.next() {
        let next_is_blob = words.peek().is_some_and(|w| w.starts_with("AAAA"));
        if next_is_blob && starts_with_label(word) {
            return Err(PublicKeyError::MultipleKeys);
        }
    }
    Ok((label, data, comment))
}

pub(super) fn classify(label: &str) -> Result<KeyType, PublicKeyError> {
    if let Some(key_type) = KeyType::from_label(label) {
        return Ok(key_type);
    }
    Err(match label {
        "ssh-dss" => PublicKeyError::Dsa,
        l if l.contains("-cert-v01@openssh.com") => PublicKeyError::Certificate,
        l => PublicKeyError::Unsupported(hint(l)),
    })
}
