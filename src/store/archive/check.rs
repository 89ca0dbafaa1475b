//! The rules every record must pass before anything is imported: each
//! field the way the service itself would have written it, each id once,
//! each reference to a record on an earlier line. A key's own rules are in
//! `check_key.rs`, the counters in `tally.rs`.

use std::collections::{HashMap, HashSet};

use super::check_key::KeyRules;
use super::ports::{LineError, Summary};
use super::record::{AuditEvent, PrivateKeyCount, Project, Record, Token, User, secret_hash_bytes};
use super::tally::Tally;
use super::verdict::{Verdict, defined};
use crate::domain::{KeyFingerprint, KeyId, MAX_PROJECT_ID, ProjectIdError, UserName, is_hidden_or_breaking};

/// What the records so far have defined.
#[derive(Default)]
pub struct Checker {
    users: HashMap<i64, usize>,
    user_names: HashMap<String, i64>,
    projects: HashMap<i64, usize>,
    tokens: HashSet<String>,
    keys: KeyRules,
    audit_events: HashSet<i64>,
    tally: Tally,
    summary: Summary,
}

/// The audit trail's actions.
const ACTIONS: [&str; 4] = ["create", "share", "unshare", "delete"];

impl Checker {
    /// Checks the record on `line` against the rules and the lines before.
    pub fn check(&mut self, line: usize, record: &Record) -> Result<(), LineError> {
        let verdict = match record {
            Record::Header(_) => Err("a second header: the header is the first line only".to_owned()),
            Record::User(u) => self.user(line, u),
            Record::Project(p) => self.project(line, p),
            Record::Token(t) => self.token(t),
            Record::Key(k) => self.keys.check(line, k, &self.users, &self.projects).map(|()| self.tally.key(line, k)),
            Record::PrivateKeyCount(c) => self.private_count(line, c),
            Record::AuditEvent(e) => self.audit_event(e),
        };
        verdict.map_err(|reason| LineError { line, reason })?;
        self.summary.add(record);
        Ok(())
    }

    /// After the last line: the counters against the keys.
    pub fn finish(&self) -> Result<Summary, LineError> {
        self.tally.check()?;
        Ok(self.summary)
    }

    fn user(&mut self, line: usize, u: &User) -> Verdict {
        positive("user id", u.id)?;
        once(&mut self.users, u.id, line, || format!("user {}", u.id))?;
        UserName::parse(&u.name).map_err(|e| format!("user {}: name {e}", u.id))?;
        if let Some(other) = self.user_names.insert(u.name.clone(), u.id) {
            return Err(format!("user {}: user {other} already has this name", u.id));
        }
        Ok(())
    }

    fn project(&mut self, line: usize, p: &Project) -> Verdict {
        project_id("project id", p.id)?;
        once(&mut self.projects, p.id, line, || format!("project {}", p.id))?;
        if p.key_count < 0 || p.shared_count < 0 || p.shared_count > p.key_count {
            return Err(format!("project {}: counters must satisfy 0 <= shared_count <= key_count", p.id));
        }
        self.tally.project(line, p);
        Ok(())
    }

    fn token(&mut self, t: &Token) -> Verdict {
        let id_ok = t.id.len() == 16 && t.id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !id_ok {
            return Err("token id must be 16 lower-case hex digits, as sshkeyd issues them".to_owned());
        }
        if !self.tokens.insert(t.id.clone()) {
            return Err(format!("token {} is defined twice", t.id));
        }
        defined(&self.users, "user", t.user).map_err(|e| format!("token {}: {e}", t.id))?;
        if secret_hash_bytes(&t.secret_hash).is_none() {
            return Err(format!("token {}: secret_hash must be 64 lower-case hex digits (SHA-256)", t.id));
        }
        let mut granted = HashSet::new();
        for &project in &t.projects {
            defined(&self.projects, "project", project).map_err(|e| format!("token {}: {e}", t.id))?;
            if !granted.insert(project) {
                return Err(format!("token {}: project {project} is granted twice", t.id));
            }
        }
        Ok(())
    }

    fn private_count(&mut self, line: usize, c: &PrivateKeyCount) -> Verdict {
        defined(&self.projects, "project", c.project)?;
        defined(&self.users, "user", c.owner)?;
        if c.count < 1 {
            return Err("private_key_count: count must be at least 1 (zero counts are not written)".to_owned());
        }
        self.tally.private_count(line, c).map_err(|earlier| {
            format!("private_key_count of user {} in project {} is already on line {earlier}", c.owner, c.project)
        })
    }

    fn audit_event(&mut self, e: &AuditEvent) -> Verdict {
        positive("audit event id", e.id)?;
        if !self.audit_events.insert(e.id) {
            return Err(format!("audit event {} is defined twice", e.id));
        }
        let what = |problem: &str| format!("audit event {}: {problem}", e.id);
        defined(&self.users, "user", e.user).map_err(|p| what(&p))?;
        project_id("project", e.project).map_err(|p| what(&p))?;
        KeyId::parse(&e.key_id).map_err(|p| what(&format!("key_id {p}")))?;
        if !ACTIONS.contains(&e.action.as_str()) {
            return Err(what("action must be one of create, share, unshare, delete"));
        }
        let md5 =
            matches!(KeyFingerprint::parse(&e.fingerprint), Ok(KeyFingerprint::Md5(f)) if f.as_str() == e.fingerprint);
        if !md5 {
            return Err(what("fingerprint must be an MD5 fingerprint in lower-case colon-separated hex"));
        }
        let visible = !e.request_id.is_empty() && e.request_id.len() <= 255;
        if !visible || e.request_id.chars().any(is_hidden_or_breaking) {
            return Err(what("request_id must be 1 to 255 bytes without control or format characters"));
        }
        Ok(())
    }
}

fn positive(what: &str, id: i64) -> Verdict {
    if id < 1 { Err(format!("{what} must be a positive integer")) } else { Ok(()) }
}

fn project_id(what: &str, id: i64) -> Verdict {
    if (1..=MAX_PROJECT_ID).contains(&id) { Ok(()) } else { Err(format!("{what} {ProjectIdError}")) }
}

/// Notes that `id` is defined on `line`; refuses a second definition.
fn once(seen: &mut HashMap<i64, usize>, id: i64, line: usize, name: impl Fn() -> String) -> Verdict {
    match seen.insert(id, line) {
        Some(earlier) => {
            seen.insert(id, earlier);
            Err(format!("{} is already defined on line {earlier}", name()))
        }
        None => Ok(()),
    }
}
