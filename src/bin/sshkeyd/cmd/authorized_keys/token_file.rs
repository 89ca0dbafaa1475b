//! The host's token file, checked the way sshd checks a private key: it
//! must belong to the user running the command and be unreadable by group
//! and others, or it is refused unread.

use std::fs::File;
use std::io::Read;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

use anyhow::{Context, bail};
use rustix::fs::OFlags;
use sshkeyd::tokens::PresentedToken;
use zeroize::Zeroizing;

/// A token file is a few dozen bytes; anything much larger is not one.
const MAX_BYTES: u64 = 4096;

/// The token in `path`, after the checks above. The messages name the path
/// and the problem, never the contents.
pub fn read(path: &Path) -> anyhow::Result<Zeroizing<String>> {
    let shown = path.display();
    // O_NOFOLLOW: the checks below must be about the file itself.
    let mut file = File::options()
        .read(true)
        .custom_flags(open_flags(OFlags::NOFOLLOW | OFlags::NONBLOCK))
        .open(path)
        .with_context(|| format!("opening the token file {shown}"))?;
    let meta = file.metadata().with_context(|| format!("reading the token file {shown}"))?;
    check(&meta, current_uid()).map_err(|problem| anyhow::anyhow!("refusing the token file {shown}: {problem}"))?;
    // Room for the whole file up front: growing would leave copies behind.
    let mut text = Zeroizing::new(String::with_capacity(MAX_BYTES as usize));
    file.by_ref()
        .take(MAX_BYTES)
        .read_to_string(&mut text)
        .with_context(|| format!("reading the token file {shown}"))?;
    let token = Zeroizing::new(text.trim().to_owned());
    if PresentedToken::parse(&token).is_none() {
        bail!("the token file {shown} does not hold an sshkeyd API token (skd_...)");
    }
    Ok(token)
}

/// What is wrong with a token file's metadata for a process running as
/// `uid`, if anything.
fn check(meta: &std::fs::Metadata, uid: u32) -> Result<(), String> {
    if !meta.is_file() {
        return Err("it is not a regular file".into());
    }
    if meta.uid() != uid {
        return Err(format!("it is owned by uid {}, not by uid {uid}, which runs this command", meta.uid()));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(format!("its mode is {mode:04o}: group and others may read or change it (chmod 600 it)"));
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("it is larger than {MAX_BYTES} bytes"));
    }
    Ok(())
}

/// The effective user id, the one file permissions are checked against.
pub fn current_uid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// `flags` as `OpenOptionsExt::custom_flags` takes them.
pub fn open_flags(flags: OFlags) -> i32 {
    // C's int, which the O_* flags are, as rustix holds them unsigned.
    flags.bits().cast_signed()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn token_file(mode: u32, text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        (dir, path)
    }

    fn a_token() -> String {
        sshkeyd::tokens::IssuedToken::generate().text.to_string()
    }

    #[test]
    fn a_private_file_with_a_token_is_read() {
        let token = a_token();
        let (_dir, path) = token_file(0o600, &format!("{token}\n"));
        assert_eq!(read(&path).unwrap().as_str(), token);
        let (_dir, path) = token_file(0o400, &token);
        assert_eq!(read(&path).unwrap().as_str(), token);
    }

    #[test]
    fn loose_files_and_other_contents_are_refused_without_quoting_them() {
        let token = a_token();
        for mode in [0o640, 0o604, 0o660, 0o644, 0o606] {
            let (_dir, path) = token_file(mode, &token);
            let error = format!("{:#}", read(&path).unwrap_err());
            assert!(error.contains("group and others"), "{mode:o}: {error}");
            assert!(!error.contains(&token[4..]), "the token is never shown");
        }
        let (_dir, path) = token_file(0o600, "hunter2-not-a-token");
        let error = format!("{:#}", read(&path).unwrap_err());
        assert!(error.contains("does not hold") && !error.contains("hunter2"), "{error}");
        let (dir, path) = token_file(0o600, &token);
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&path, &link).unwrap();
        assert!(read(&link).is_err(), "a symlink is not followed");
        assert!(read(dir.path()).is_err(), "a directory is not a token file");
    }

    #[test]
    fn a_file_owned_by_someone_else_is_refused() {
        let (_dir, path) = token_file(0o600, &a_token());
        let meta = std::fs::metadata(&path).unwrap();
        let problem = check(&meta, meta.uid() + 1).unwrap_err();
        assert!(problem.contains("owned by uid"), "{problem}");
    }
}
