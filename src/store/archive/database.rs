//! What a database must be to be exported (this build's schema) or
//! imported into (that, and empty).
//!
//! What "empty" means for an import: no row in any table that holds data.
//! The schema may exist (a migrated database that never served is empty),
//! but a database that has served once is not: its first start wrote an
//! admin token.

/// Every table with data, in the order rows are counted for the message.
pub const DATA_TABLES: [&str; 7] =
    ["users", "projects", "private_key_counts", "tokens", "token_projects", "ssh_keys", "audit_events"];

/// Refuses the import unless every count is zero, saying what is there.
pub fn require_empty(counts: &[(&str, i64)]) -> anyhow::Result<()> {
    let held: Vec<String> = counts.iter().filter(|(_, n)| *n > 0).map(|(table, n)| format!("{table}: {n}")).collect();
    if held.is_empty() {
        return Ok(());
    }
    anyhow::bail!(
        "the database is not empty (it holds {}): import only into a new database, one with no users, \
         projects, tokens, keys or audit events (and before `serve` first starts on it, which creates an admin token)",
        held.join(", ")
    )
}

/// Refuses a schema other than this build's, `expected`. `found` is the
/// applied version (0: none); `what` names the database.
pub fn schema_is_current(found: i64, expected: i64, what: &str) -> anyhow::Result<()> {
    match found {
        _ if found == expected => Ok(()),
        0 => anyhow::bail!("{what} holds no sshkeyd schema: is this the right database?"),
        _ if found < expected => anyhow::bail!(
            "{what} has schema version {found} and this sshkeyd's is {expected}: migrate it first \
             (start `sshkeyd serve` on it once, or run `sshkeyd token list`); export never writes to a database"
        ),
        _ => anyhow::bail!(
            "{what} has schema version {found}, newer than this sshkeyd's ({expected}): use a newer sshkeyd"
        ),
    }
}
