//! `token create | list | revoke`.

use anyhow::Context;
use sshkeyd::domain::{Timestamp, TokenId};
use sshkeyd::tokens::{Access, issue_token_with};

use crate::cli::TokenCommand;

pub async fn run(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, projects, expires_in, read_only, database } => {
            anyhow::ensure!(!user.trim().is_empty() && user.len() <= 255, "--user must be 1 to 255 characters");
            let store = super::open(&database).await?;
            let access = if read_only { Access::ReadOnly } else { Access::ReadWrite };
            let issued = issue_token_with(store.as_ref(), &user, &projects, expires_in.map(|d| d.0), access).await?;
            println!("{}", issued.text.as_str());
        }
        TokenCommand::List { database } => {
            let store = super::open(&database).await?;
            println!("ID\tUSER\tPROJECTS\tCREATED\tEXPIRES\tLAST_USED\tREVOKED\tREAD_ONLY");
            let when = |t: Option<Timestamp>| t.map_or("-".to_owned(), Timestamp::to_rfc3339);
            for t in store.list_tokens().await? {
                let projects: Vec<String> = t.projects.iter().map(|p| p.0.to_string()).collect();
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    t.id.0,
                    t.user_name,
                    projects.join(","),
                    t.created_at.to_rfc3339(),
                    when(t.expires_at),
                    when(t.last_used_at),
                    when(t.revoked_at),
                    if t.read_only { "yes" } else { "no" }
                );
            }
        }
        TokenCommand::Revoke { id, database } => {
            let store = super::open(&database).await?;
            store.revoke_token(&TokenId(id.clone())).await.with_context(|| format!("revoking token {id}"))?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
