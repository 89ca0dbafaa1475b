//! The counters a file declares against the ones its keys imply.
//!
//! The store keeps per-project counters (`key_count` enforces the quota,
//! `shared_count` and the private key counts make a list total O(1)). They
//! follow from the keys, so import recomputes them and refuses a file whose
//! declared counters differ: a key line lost or added by hand shows up
//! there instead of as a wrong total or a quota off by one after the move.

use std::collections::BTreeMap;

use super::ports::LineError;
use super::record::{Key, PrivateKeyCount, Project};

/// Counters seen so far, each with the line that declared it (or, for
/// implied ones, the first key that implied it), for the message.
#[derive(Debug, Default)]
pub struct Tally {
    /// Project id -> (line, key_count, shared_count) as declared.
    declared: BTreeMap<i64, (usize, i64, i64)>,
    /// Project id -> (keys, shared keys) in the file.
    implied: BTreeMap<i64, (i64, i64)>,
    /// (project, owner) -> (line, count) as declared.
    declared_private: BTreeMap<(i64, i64), (usize, i64)>,
    /// (project, owner) -> (first key's line, unshared keys) in the file.
    implied_private: BTreeMap<(i64, i64), (usize, i64)>,
}

impl Tally {
    pub fn project(&mut self, line: usize, p: &Project) {
        self.declared.insert(p.id, (line, p.key_count, p.shared_count));
    }

    pub fn key(&mut self, line: usize, k: &Key) {
        let counts = self.implied.entry(k.project).or_default();
        counts.0 += 1;
        counts.1 += i64::from(k.shared);
        if !k.shared {
            self.implied_private.entry((k.project, k.owner)).or_insert((line, 0)).1 += 1;
        }
    }

    /// Records a declared private count; `Err` with the earlier line when
    /// the pair was already declared.
    pub fn private_count(&mut self, line: usize, c: &PrivateKeyCount) -> Result<(), usize> {
        match self.declared_private.insert((c.project, c.owner), (line, c.count)) {
            Some((earlier, _)) => Err(earlier),
            None => Ok(()),
        }
    }

    /// Every mismatch between declared and implied counters; the one on the
    /// earliest line is reported.
    pub fn check(&self) -> Result<(), LineError> {
        let mut problems = Vec::new();
        for (project, &(line, total, shared)) in &self.declared {
            let (keys, shared_keys) = self.implied.get(project).copied().unwrap_or_default();
            if (total, shared) != (keys, shared_keys) {
                problems.push((
                    line,
                    format!(
                        "project {project} declares key_count {total} and shared_count {shared}, \
                         but its keys in the file give {keys} and {shared_keys}"
                    ),
                ));
            }
        }
        for ((project, owner), &(line, declared)) in &self.declared_private {
            let implied = self.implied_private.get(&(*project, *owner)).map_or(0, |&(_, n)| n);
            if declared != implied {
                problems.push((
                    line,
                    format!(
                        "private_key_count of user {owner} in project {project} is {declared}, \
                         but their unshared keys there in the file number {implied}"
                    ),
                ));
            }
        }
        for ((project, owner), &(line, n)) in &self.implied_private {
            if !self.declared_private.contains_key(&(*project, *owner)) {
                problems.push((
                    line,
                    format!(
                        "no private_key_count line counts the unshared keys of user {owner} in project \
                         {project} (the first on this line; {n} in all)"
                    ),
                ));
            }
        }
        match problems.into_iter().min_by_key(|(line, _)| *line) {
            Some((line, reason)) => Err(LineError { line, reason }),
            None => Ok(()),
        }
    }
}
