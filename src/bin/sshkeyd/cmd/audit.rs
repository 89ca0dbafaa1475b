//! `audit`: the audit trail, one event per line, oldest first.

use sshkeyd::domain::ProjectId;

use crate::cli::AuditArgs;

pub async fn run(args: AuditArgs) -> anyhow::Result<()> {
    let store = super::open(&args.database).await?;
    for e in store.audit_events(args.project.map(ProjectId)).await? {
        println!(
            "{} action={} user={} project={} key_id={} fingerprint={} request_id={}",
            e.at.to_rfc3339(),
            e.action,
            e.user_name,
            e.project.0,
            e.key_id.0,
            e.fingerprint,
            e.request_id
        );
    }
    Ok(())
}
