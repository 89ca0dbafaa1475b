//! `token create | list | revoke`.

use std::io::Write;

use anyhow::Context;
use sshkeyd::domain::{Timestamp, TokenId};
use sshkeyd::tokens::{Access, issue_token_with};

use crate::cli::TokenCommand;
use crate::output::{cell, print};

pub async fn run(command: TokenCommand) -> anyhow::Result<()> {
    match command {
        TokenCommand::Create { user, projects, expires_in, read_only, database } => {
            let store = super::open(&database).await?;
            let access = if read_only { Access::ReadOnly } else { Access::ReadWrite };
            let issued = issue_token_with(store.as_ref(), &user, &projects, expires_in, access).await?;
            // Unlike a listing cut short, a token nobody saw is a failure:
            // it exists and must be revoked.
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", issued.text.as_str()).and_then(|()| out.flush()).with_context(|| {
                format!(
                    "the token was stored but could not be printed; revoke it: sshkeyd token revoke {}",
                    issued.id.0
                )
            })?;
        }
        TokenCommand::List { database } => {
            let store = super::open(&database).await?;
            let tokens = store.list_tokens().await?;
            let when = |t: Option<Timestamp>| t.map_or("-".to_owned(), Timestamp::to_rfc3339);
            print(|out| {
                writeln!(out, "ID\tUSER\tPROJECTS\tCREATED\tEXPIRES\tLAST_USED\tREVOKED\tREAD_ONLY")?;
                for t in tokens {
                    let projects: Vec<String> = t.projects.iter().map(|p| p.0.to_string()).collect();
                    writeln!(
                        out,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        t.id.0,
                        cell(&t.user_name),
                        projects.join(","),
                        t.created_at.to_rfc3339(),
                        when(t.expires_at),
                        when(t.last_used_at),
                        when(t.revoked_at),
                        if t.read_only { "yes" } else { "no" }
                    )?;
                }
                Ok(())
            })?;
        }
        TokenCommand::Revoke { id, database } => {
            let store = super::open(&database).await?;
            store.revoke_token(&TokenId(id.clone())).await.with_context(|| format!("revoking token {id}"))?;
            eprintln!("token {id} revoked");
        }
    }
    Ok(())
}
