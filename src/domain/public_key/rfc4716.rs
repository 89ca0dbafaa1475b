//! The SSH public key file format of RFC 4716, which PuTTYgen and
//! `ssh-keygen -e` write:
//!
//! ```text
//! ---- BEGIN SSH2 PUBLIC KEY ----
//! Comment: "alice@laptop"
//! x-private-tag: a value that goes on \
//! over a line continuation
//! AAAAC3NzaC1lZDI1NTE5AAAAIN...
//! ---- END SSH2 PUBLIC KEY ----
//! ```
//!
//! The body is the same wire blob as an OpenSSH line's second field. Of
//! the headers only `Comment` is kept (it becomes the OpenSSH comment);
//! others are read for their syntax and dropped, as §3.3 asks of unknown
//! tags. Errors name the rule broken and never quote the block.

use base64::{Engine, engine::general_purpose::STANDARD};

use super::error::PublicKeyError;

pub(super) const BEGIN: &str = "---- BEGIN SSH2 PUBLIC KEY ----";
const END: &str = "---- END SSH2 PUBLIC KEY ----";
/// §3: "Each line in the file MUST NOT be longer than 72 8-bit bytes
/// excluding line termination characters."
const MAX_LINE_BYTES: usize = 72;
/// §3.3: "The Header-tag MUST NOT be more than 64 8-bit bytes".
const MAX_TAG_BYTES: usize = 64;
/// §3.3: "The Header-value MUST NOT be more than 1024 8-bit bytes".
const MAX_VALUE_BYTES: usize = 1024;

/// A decoded block: the wire blob and the `Comment` header's value
/// (unquoted; empty when there is none).
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Block {
    pub blob: Vec<u8>,
    pub comment: String,
}

fn malformed(reason: &'static str) -> PublicKeyError {
    PublicKeyError::Rfc4716(reason)
}

/// Decodes one block; `text` has been trimmed, so it starts with the BEGIN
/// line and must end with the END line.
pub(super) fn decode(text: &str) -> Result<Block, PublicKeyError> {
    let lines = split_lines(text);
    if lines.iter().any(|line| line.len() > MAX_LINE_BYTES) {
        return Err(malformed("a line is longer than 72 bytes (RFC 4716 section 3)"));
    }
    let (first, rest) = lines.split_first().ok_or(malformed("the BEGIN line is missing"))?;
    if *first != BEGIN {
        return Err(malformed("the first line must be '---- BEGIN SSH2 PUBLIC KEY ----'"));
    }
    let (last, inner) = rest.split_last().ok_or(malformed("the END line is missing"))?;
    if *last != END {
        return Err(malformed("the last line must be '---- END SSH2 PUBLIC KEY ----'"));
    }
    let (comment, body) = read_headers(inner)?;
    Ok(Block { blob: decode_body(body)?, comment })
}

/// Splits on CRLF, CR or LF, which §3 requires readers to accept.
fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(['\r', '\n']) {
        lines.push(&rest[..at]);
        let skip = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[at + skip..];
    }
    lines.push(rest);
    lines
}

/// Reads the headers at the start of `lines` (a header line has a colon,
/// the body's base64 never does) and returns the comment and the body lines.
fn read_headers<'a>(lines: &'a [&'a str]) -> Result<(String, &'a [&'a str]), PublicKeyError> {
    let mut comment = None;
    let mut at = 0;
    while at < lines.len() && lines[at].contains(':') {
        let mut header = String::new();
        // A header line ending in a backslash continues on the next line.
        loop {
            let line = lines.get(at).ok_or(malformed("a header's line continuation has no next line"))?;
            at += 1;
            match line.strip_suffix('\\') {
                Some(part) => header.push_str(part),
                None => {
                    header.push_str(line);
                    break;
                }
            }
        }
        let (tag, value) = parse_header(&header)?;
        if tag.eq_ignore_ascii_case("Comment") {
            if comment.is_some() {
                return Err(malformed("the Comment header is given more than once"));
            }
            comment = Some(unquote(value).to_owned());
        }
    }
    Ok((comment.unwrap_or_default(), &lines[at..]))
}

/// `tag: value`. The tag is printable US-ASCII without a colon (§3.3); the
/// space after the colon is optional here, as some writers leave it out.
fn parse_header(header: &str) -> Result<(&str, &str), PublicKeyError> {
    let (tag, value) = header.split_once(':').ok_or(malformed("a header has no colon"))?;
    if tag.is_empty() || !tag.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("a header tag must be printable US-ASCII without spaces"));
    }
    if tag.len() > MAX_TAG_BYTES {
        return Err(malformed("a header tag is longer than 64 bytes (RFC 4716 section 3.3)"));
    }
    let value = value.trim_start_matches(' ');
    if value.len() > MAX_VALUE_BYTES {
        return Err(malformed("a header value is longer than 1024 bytes (RFC 4716 section 3.3)"));
    }
    Ok((tag, value))
}

/// §3.3.2: the comment is commonly quoted, and must also be read unquoted.
fn unquote(value: &str) -> &str {
    let quoted = value.len() >= 2 && value.starts_with('"') && value.ends_with('"');
    let inner = if quoted { &value[1..value.len() - 1] } else { value };
    inner.trim_matches([' ', '\t'])
}

fn decode_body(lines: &[&str]) -> Result<Vec<u8>, PublicKeyError> {
    let data: String = lines.concat();
    if data.is_empty() {
        return Err(malformed("there is no key data between the headers and the END line"));
    }
    STANDARD.decode(data.as_bytes()).map_err(|_| malformed("the key data is not valid base64"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOB_B64: &str = "AAAAC3NzaC1lZDI1NTE5AAAAIIjxL6g1II8NsO8odvBwGKvq2Dx/h/xrvsV9b9LVIYKm";

    fn blob() -> Vec<u8> {
        STANDARD.decode(BLOB_B64).unwrap()
    }

    #[test]
    fn headers_continuations_quotes_and_every_line_ending_are_read() {
        let (head, tail) = BLOB_B64.split_at(30);
        for eol in ["\n", "\r\n", "\r"] {
            let text = [
                BEGIN,
                "x-made-by: a long value that goes on \\",
                "over the next line",
                "comment: \"alice@laptop, converted\"",
                "Subject: alice",
                head,
                tail,
                END,
            ]
            .join(eol);
            let block = decode(&text).unwrap_or_else(|e| panic!("{eol:?}: {e}"));
            assert_eq!(block, Block { blob: blob(), comment: "alice@laptop, converted".into() }, "{eol:?}");
        }
    }

    #[test]
    fn a_block_without_headers_has_no_comment_and_an_unquoted_comment_is_kept_as_is() {
        let bare = [BEGIN, BLOB_B64, END].join("\n");
        assert_eq!(decode(&bare).unwrap(), Block { blob: blob(), comment: String::new() });
        let unquoted = [BEGIN, "Comment: alice@laptop", BLOB_B64, END].join("\n");
        assert_eq!(decode(&unquoted).unwrap().comment, "alice@laptop");
    }

    #[test]
    fn each_broken_rule_is_named() {
        let long_line = "A".repeat(73);
        let long_tag = format!("{}: v", "x".repeat(65));
        let cases: [(Vec<&str>, &str); 9] = [
            (vec![BEGIN, &long_line, END], "longer than 72 bytes"),
            (vec!["---- BEGIN SSH2 PUBLIC KEY", BLOB_B64, END], "first line"),
            (vec![BEGIN, BLOB_B64], "last line"),
            (vec![BEGIN, &long_tag, BLOB_B64, END], "tag is longer than 64"),
            (vec![BEGIN, "x-a: b \\", END], "continuation has no next line"),
            (vec![BEGIN, "bad tag: v", BLOB_B64, END], "printable"),
            (vec![BEGIN, "Comment: a", "Comment: b", BLOB_B64, END], "more than once"),
            (vec![BEGIN, END], "no key data"),
            (vec![BEGIN, "AAAA!!!!", END], "base64"),
        ];
        for (lines, expected) in cases {
            let err = decode(&lines.join("\n")).unwrap_err().to_string();
            assert!(err.contains(expected), "{lines:?}: {err}");
        }
        let mut value_lines = vec![BEGIN];
        let part = format!("x-v: {}\\", "v".repeat(60));
        value_lines.extend(std::iter::repeat_n(part.as_str(), 20));
        value_lines.extend(["end", BLOB_B64, END]);
        let err = decode(&value_lines.join("\n")).unwrap_err().to_string();
        assert!(err.contains("value is longer than 1024"), "{err}");
    }
}
