//! Lines of an `authorized_keys` file, as sshd reads them from an
//! `AuthorizedKeysCommand`: `<type> <base64> <comment>`, no options.
//!
//! The server writes them (from stored keys) and the `authorized-keys`
//! helper checks every line it is given before passing it to sshd, so both
//! sides agree here on what a line may hold.

use super::ids::{KeyId, ProjectId};
use super::public_key::PublicKey;
use super::stored_key::key_fields;

/// A key as an `authorized_keys` line needs it: no more is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedKey {
    pub id: KeyId,
    /// The key's name (validated when it was created).
    pub name: String,
    /// The stored public key text (as the client sent it, or converted);
    /// only the key in it is used (see `stored_key`).
    pub public_key: String,
}

impl AuthorizedKey {
    /// `<type> <base64> sshkeyd:<project>/<name>`. Type and base64 are the
    /// canonical key in the stored text, so neither the client's comment nor
    /// its blanks, newline or converted format ever reach the line. The
    /// comment names the key for sshd's log. Names are
    /// restricted to `[a-zA-Z0-9 ._-]` when created; anything else (which
    /// only a corrupt row could hold) becomes `_`, so no name can add an
    /// option, a field or a line. `None` when the stored text lacks two
    /// fields.
    pub fn line(&self, project: ProjectId) -> Option<String> {
        let (key_type, data) = key_fields(&self.public_key)?;
        let name: String = self.name.chars().map(|c| if is_name_char(c) { c } else { '_' }).collect();
        Some(format!("{key_type} {data} sshkeyd:{}/{name}", project.0))
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-')
}

/// Whether `line` (without its newline) is a plain `authorized_keys` line:
/// a key type sshkeyd accepts, its valid base64 blob (checked as on import),
/// and a non-empty comment of printable ASCII. Options (`command="..."`,
/// `from=`), control characters and anything else are refused.
pub fn is_authorized_keys_line(line: &str) -> bool {
    let mut parts = line.splitn(3, ' ');
    let (Some(key_type), Some(data), Some(comment)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    if comment.is_empty() || !comment.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    let key = format!("{key_type} {data}");
    PublicKey::parse(&key).is_ok_and(|parsed| parsed.canonical() == key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::generate_ed25519;
    use uuid::Uuid;

    fn stored(name: &str, public_key: &str) -> AuthorizedKey {
        AuthorizedKey { id: KeyId(Uuid::new_v4()), name: name.into(), public_key: public_key.into() }
    }

    #[test]
    fn a_line_is_type_and_base64_with_a_comment_naming_the_key_not_the_clients() {
        let public = generate_ed25519().unwrap().public.canonical().to_owned();
        let with_comment = format!("{public} someone@laptop");
        let line = stored("my laptop.2", &with_comment).line(ProjectId(7)).unwrap();
        assert_eq!(line, format!("{public} sshkeyd:7/my laptop.2"));
        assert!(is_authorized_keys_line(&line), "the server's lines pass the helper's check");
        let verbatim = format!("  {}\t{}  x@y ", &public[..11], &public[12..]);
        let line = stored("abc", &verbatim).line(ProjectId(1)).unwrap();
        assert_eq!(line, format!("{public} sshkeyd:1/abc"), "stored text as sent is normalised");
        assert_eq!(stored("abc", "ssh-ed25519").line(ProjectId(1)), None, "a corrupt row has no line");
    }

    #[test]
    fn nothing_in_a_name_can_break_the_line() {
        let public = generate_ed25519().unwrap().public.canonical().to_owned();
        let line = stored("a\nssh-rsa AAAA\",command=\"x", &public).line(ProjectId(1)).unwrap();
        assert_eq!(line.lines().count(), 1);
        assert!(line.ends_with("sshkeyd:1/a_ssh-rsa AAAA__command__x"), "{line}");
        assert!(is_authorized_keys_line(&line));
    }

    #[test]
    fn only_plain_key_lines_pass_the_check() {
        let public = generate_ed25519().unwrap().public.canonical().to_owned();
        let (key_type, data) = public.split_once(' ').unwrap();
        let refused = [
            String::new(),
            public.clone(),
            format!("{public} "),
            format!("command=\"/bin/sh\" {public} c"),
            format!("{key_type}  {data} c"),
            format!("{key_type}\t{data} c"),
            format!("{key_type} {} c", &data[..data.len() - 4]),
            format!("ssh-dss {data} c"),
            format!("ssh-rsa {data} c"),
            format!("{public} c\u{7f}"),
            format!("{public} caf\u{e9}"),
            format!("{public} c\r"),
        ];
        for line in refused {
            assert!(!is_authorized_keys_line(&line), "{line:?}");
        }
        assert!(is_authorized_keys_line(&format!("{public} sshkeyd:1/name with spaces")));
    }
}
