//! `audit`: the audit trail, one event per line, oldest first.

use crate::cli::AuditArgs;
use crate::output::{cell, print};

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let store = super::open(&args.database).await?;
    let events = store.audit_events(args.project).await?;
    print(|out| {
        for e in events {
            writeln!(
                out,
                "{} action={} user={} project={} key_id={} fingerprint={} request_id={}",
                e.at.to_rfc3339(),
                e.action,
                cell(&e.user_name),
                e.project.0,
                e.key_id.0,
                e.fingerprint,
                e.request_id
            )?;
        }
        Ok(())
    })
}
