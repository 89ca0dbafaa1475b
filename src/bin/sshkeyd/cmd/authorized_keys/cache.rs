//! The cache of answers for outages: one file per login (and per
//! fingerprint when asked by one), written atomically (a private temporary
//! file, then a rename) with mode 0600, read only while younger than
//! `--cache-max-age`.
//!
//! File names are hex digests, so no login or fingerprint can make a path:
//! `<scope>-<kind>-<login>-<fingerprint or "all">`, where the scope digests
//! the server, the project and the token's public id, and the kind says
//! whether the login was asked about as a shared account (`s`, all keys) or
//! a personal one (`p`, its own keys): one directory can serve several, an
//! answer is never served for a question it did not answer (another
//! token's view, or all keys after the login stopped being a shared
//! account), and a refused token's answers of both kinds go together. A file
//! holds a header line with the time it was fetched, then the answer; no
//! token is ever written.

use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::OFlags;
use sha2::{Digest, Sha256};
use sshkeyd::domain::KeyFingerprint;

use super::token_file::{current_uid, open_flags};

const HEADER: &str = "sshkeyd-authorized-keys-cache 1";
/// Largest cache file read back.
const MAX_BYTES: u64 = 16 * 1024 * 1024 + 128;

pub struct Cache {
    dir: PathBuf,
    /// Digest of server, project and token id, the prefix of every file name.
    scope: String,
    /// `s` for a shared account's answers, `p` for a personal login's.
    kind: char,
}

/// What an answer depends on besides the login and the fingerprint.
pub struct Scope<'a> {
    pub server: &'a str,
    pub project: i64,
    /// The token's public id (never its secret).
    pub token_id: &'a str,
    /// Whether the login is a shared account (all keys, not the login's).
    pub shared: bool,
}

/// One cached answer's file.
pub struct Entry(PathBuf);

impl Cache {
    /// The cache in `dir` (created 0700 if missing), or `None`, after saying
    /// why on stderr, when the directory cannot be trusted: it must belong to
    /// the user running this and be writable by no one else, or someone
    /// else could plant an answer that admits their key.
    pub fn open(dir: &Path, scope: &Scope) -> Option<Self> {
        let warn =
            |problem: String| eprintln!("sshkeyd authorized-keys: not using the cache {}: {problem}", dir.display());
        if let Err(e) = fs::DirBuilder::new().mode(0o700).create(dir)
            && e.kind() != std::io::ErrorKind::AlreadyExists
        {
            warn(format!("cannot create it: {e}"));
            return None;
        }
        match fs::symlink_metadata(dir) {
            Ok(m) if !m.is_dir() => warn("it is not a directory".into()),
            Ok(m) if m.uid() != current_uid() => warn(format!("it is owned by uid {}, not {}", m.uid(), current_uid())),
            Ok(m) if m.mode() & 0o022 != 0 => {
                warn(format!("its mode {:04o} lets others write to it", m.mode() & 0o777))
            }
            Ok(_) => {
                let Scope { server, project, token_id, shared } = scope;
                let scope = hex_digest(&format!("{server}\n{project}\n{token_id}"), 16);
                let kind = if *shared { 's' } else { 'p' };
                return Some(Self { dir: dir.to_owned(), scope, kind });
            }
            Err(e) => warn(e.to_string()),
        }
        None
    }

    /// The entry for `login`'s answer, for one fingerprint or for all keys.
    pub fn entry(&self, login: &str, fingerprint: Option<&KeyFingerprint>) -> Entry {
        let which = fingerprint.map_or_else(|| "all".to_owned(), |f| hex_digest(f.as_str(), 32));
        Entry(self.dir.join(format!("{}-{}-{}-{which}", self.scope, self.kind, hex_digest(login, 32))))
    }

    /// The cached answer and its age, if there is one younger than `max_age`.
    /// A stale or unreadable entry is removed.
    pub fn load(&self, entry: &Entry, max_age: Duration) -> Option<(String, Duration)> {
        let loaded = read_entry(&entry.0);
        match loaded {
            Some((body, fetched)) => match SystemTime::now().duration_since(fetched) {
                Ok(age) if age <= max_age => return Some((body, age)),
                _ => {}
            },
            None if !entry.0.exists() => return None,
            None => {}
        }
        let _ = fs::remove_file(&entry.0);
        None
    }

    /// Saves an answer. Best effort: a failure is reported on stderr but
    /// does not withhold the answer from sshd.
    pub fn save(&self, entry: &Entry, body: &str) {
        if let Err(e) = write_entry(&self.dir, &entry.0, body) {
            eprintln!("sshkeyd authorized-keys: could not cache the answer in {}: {e}", self.dir.display());
        }
    }

    /// Removes every entry of this server, project and token, of both
    /// kinds: after a 401 or 403 the token's answers must not outlive it.
    pub fn forget_all(&self) {
        let Ok(entries) = fs::read_dir(&self.dir) else { return };
        let prefix = format!("{}-", self.scope);
        for entry in entries.flatten() {
            if entry.file_name().to_str().is_some_and(|n| n.starts_with(&prefix)) {
                let _ = fs::remove_file(entry.path());
            }
        }
    }
}

fn hex_digest(text: &str, chars: usize) -> String {
    let digest = Sha256::digest(format!("sshkeyd-authorized-keys\n{text}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect::<String>()[..chars].to_owned()
}

fn read_entry(path: &Path) -> Option<(String, SystemTime)> {
    let file = OpenOptions::new().read(true).custom_flags(open_flags(OFlags::NOFOLLOW)).open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.uid() != current_uid() || meta.mode() & 0o077 != 0 {
        return None;
    }
    let mut text = String::new();
    file.take(MAX_BYTES).read_to_string(&mut text).ok()?;
    let (header, body) = text.split_once('\n')?;
    let micros: u64 = header.strip_prefix(HEADER)?.strip_prefix(' ')?.parse().ok()?;
    Some((body.to_owned(), UNIX_EPOCH + Duration::from_micros(micros)))
}

fn write_entry(dir: &Path, path: &Path, body: &str) -> std::io::Result<()> {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_micros();
    let temporary = dir.join(format!(".tmp-{}-{now}", std::process::id()));
    let written = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&temporary)?;
        file.set_permissions(fs::Permissions::from_mode(0o600))?;
        file.write_all(format!("{HEADER} {now}\n").as_bytes())?;
        file.write_all(body.as_bytes())?;
        // No fsync: a cache is best effort, and an entry a crash left empty
        // or torn fails its header check and is not used (fails closed).
        fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(project: i64, token_id: &str, shared: bool) -> Scope<'_> {
        Scope { server: "http://127.0.0.1:1", project, token_id, shared }
    }

    fn cache() -> (tempfile::TempDir, Cache) {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("cache"), &scope(1, "0123abcd", false)).unwrap();
        (dir, cache)
    }

    #[test]
    fn a_saved_answer_loads_back_while_young_with_a_private_mode() {
        let (_dir, cache) = cache();
        let entry = cache.entry("alice", None);
        assert!(cache.load(&entry, Duration::from_secs(60)).is_none(), "nothing cached yet");
        cache.save(&entry, "line\n");
        let (body, age) = cache.load(&entry, Duration::from_secs(60)).unwrap();
        assert_eq!((body.as_str(), age < Duration::from_secs(5)), ("line\n", true));
        assert_eq!(fs::metadata(&entry.0).unwrap().mode() & 0o777, 0o600);
        assert_eq!(fs::metadata(&cache.dir).unwrap().mode() & 0o777, 0o700);
        std::thread::sleep(Duration::from_millis(20));
        assert!(cache.load(&entry, Duration::from_millis(10)).is_none(), "too old");
        assert!(!entry.0.exists(), "a stale entry is removed");
    }

    #[test]
    fn an_answer_is_not_served_to_another_token_or_after_the_login_changed_kind() {
        let (_dir, cache) = cache();
        cache.save(&cache.entry("alice", None), "alice's keys\n");
        for other in [scope(1, "99999999", false), scope(1, "0123abcd", true)] {
            let other = Cache::open(&cache.dir, &other).unwrap();
            assert!(other.load(&other.entry("alice", None), Duration::from_secs(60)).is_none());
        }
        let same = Cache::open(&cache.dir, &scope(1, "0123abcd", false)).unwrap();
        assert_eq!(same.load(&same.entry("alice", None), Duration::from_secs(60)).unwrap().0, "alice's keys\n");
    }

    #[test]
    fn a_refused_token_forgets_its_shared_and_personal_answers_alike() {
        let (_dir, personal) = cache();
        let shared = Cache::open(&personal.dir, &scope(1, "0123abcd", true)).unwrap();
        shared.save(&shared.entry("deploy", None), "everyone's keys\n");
        personal.save(&personal.entry("alice", None), "alice's keys\n");
        personal.forget_all();
        assert!(shared.load(&shared.entry("deploy", None), Duration::from_secs(60)).is_none());
        assert!(personal.load(&personal.entry("alice", None), Duration::from_secs(60)).is_none());
    }

    #[test]
    fn entries_are_per_login_and_fingerprint_with_names_that_are_hex() {
        let (_dir, cache) = cache();
        let fingerprint = KeyFingerprint::parse("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
        let names = [cache.entry("alice", None), cache.entry("bob", None), cache.entry("alice", Some(&fingerprint))];
        for (i, entry) in names.iter().enumerate() {
            let name = entry.0.file_name().unwrap().to_str().unwrap();
            assert!(name.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-' || b.is_ascii_lowercase()), "{name}");
            assert!(!name.contains("alice") && !name.contains('/'));
            cache.save(entry, &format!("answer {i}\n"));
        }
        for (i, entry) in names.iter().enumerate() {
            assert_eq!(cache.load(entry, Duration::from_secs(60)).unwrap().0, format!("answer {i}\n"));
        }
        let other = Cache::open(&cache.dir, &scope(2, "0123abcd", false)).unwrap();
        other.save(&other.entry("alice", None), "other project\n");
        cache.forget_all();
        assert!(names.iter().all(|e| !e.0.exists()), "every entry of the scope is gone");
        assert!(other.load(&other.entry("alice", None), Duration::from_secs(60)).is_some(), "another scope stays");
    }

    #[test]
    fn untrusted_directories_and_files_are_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o777)).unwrap();
        assert!(Cache::open(&open, &scope(1, "0123abcd", false)).is_none(), "a directory others may write to");
        let (_dir, cache) = cache();
        let entry = cache.entry("alice", None);
        cache.save(&entry, "line\n");
        fs::set_permissions(&entry.0, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(cache.load(&entry, Duration::from_secs(60)).is_none(), "a file others may read was tampered with");
        fs::write(&entry.0, "garbage").unwrap();
        fs::set_permissions(&entry.0, fs::Permissions::from_mode(0o600)).unwrap();
        assert!(cache.load(&entry, Duration::from_secs(60)).is_none(), "a file without the header");
    }
}
