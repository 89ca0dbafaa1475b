//! A key line is held to the rules a key passes through the API: a
//! canonical id, a valid name unique in its project, a public key the
//! domain's parser accepts as the very text stored, and both fingerprints
//! recomputed from it.

use std::collections::{HashMap, HashSet};

use super::record::Key;
use super::verdict::{Verdict, defined};
use crate::domain::{KeyId, KeyName, PublicKey};

/// The keys seen so far: ids, and names per project with their lines.
#[derive(Default)]
pub struct KeyRules {
    ids: HashSet<KeyId>,
    names: HashMap<(i64, String), usize>,
}

impl KeyRules {
    /// Checks the key on `line` against the users and projects defined so far.
    pub fn check(
        &mut self,
        line: usize,
        k: &Key,
        users: &HashMap<i64, usize>,
        projects: &HashMap<i64, usize>,
    ) -> Verdict {
        let id = KeyId::parse(&k.id).map_err(|e| format!("key id {e}"))?;
        let what = |problem: String| format!("key {}: {problem}", k.id);
        if self.ids.contains(&id) {
            return Err(what("this id is already used by an earlier key".to_owned()));
        }
        defined(projects, "project", k.project).map_err(what)?;
        defined(users, "owner: user", k.owner).map_err(what)?;
        KeyName::parse(&k.name).map_err(|e| what(format!("name {e}")))?;
        check_public_key(k).map_err(what)?;
        if let Some(earlier) = self.names.get(&(k.project, k.name.clone())) {
            return Err(what(format!(
                "name {:?} is already used in project {} by the key on line {earlier}",
                k.name, k.project
            )));
        }
        self.ids.insert(id);
        self.names.insert((k.project, k.name.clone()), line);
        Ok(())
    }
}

/// The stored text must parse, be what the parser would store for it (an
/// OpenSSH line; a block in another format is stored converted), and carry
/// the fingerprints computed from it. The parser's messages never quote
/// the input.
fn check_public_key(k: &Key) -> Result<(), String> {
    let parsed = PublicKey::parse(&k.public_key).map_err(|e| {
        // Most of the parser's messages name the field already.
        let message = e.to_string();
        if message.starts_with("public_key") { message } else { format!("public_key: {message}") }
    })?;
    if parsed.text() != k.public_key {
        return Err("public_key must be the OpenSSH line as stored (type base64 [comment])".to_owned());
    }
    if parsed.fingerprint().as_str() != k.fingerprint {
        return Err(format!(
            "fingerprint does not match the public key, whose MD5 fingerprint is {}",
            parsed.fingerprint()
        ));
    }
    if parsed.fingerprint_sha256().as_str() != k.fingerprint_sha256 {
        return Err(format!(
            "fingerprint_sha256 does not match the public key, whose SHA-256 fingerprint is {}",
            parsed.fingerprint_sha256()
        ));
    }
    Ok(())
}
