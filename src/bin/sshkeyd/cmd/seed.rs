//! `seed` (hidden): generated keys straight into the store, for benchmarks.

use sshkeyd::domain::{KeyId, KeyName, NewKey, Timestamp, generate_ed25519};
use sshkeyd::store;
use uuid::Uuid;

use crate::cli::SeedArgs;

/// Keys per transaction.
const CHUNK: u32 = 5_000;

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let store = store::open_bulk(&args.database.url(), &super::pool()).await?;
    let owner = store.ensure_user(&args.user).await?;
    let run = Uuid::new_v4().simple().to_string();
    let mut done = 0;
    while done < args.count {
        let n = CHUNK.min(args.count - done);
        let keys = (done..done + n)
            .map(|i| {
                let name = KeyName::parse(&format!("seed-{}-{i:07}", &run[..8]))?;
                Ok(NewKey {
                    id: KeyId(Uuid::new_v4()),
                    project: args.project,
                    owner,
                    name,
                    public_key: generate_ed25519()?.public,
                    shared: true,
                    created_at: Timestamp::now(),
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        store.bulk_insert(keys).await?;
        done += n;
    }
    eprintln!("seeded {done} keys into project {}", args.project.0);
    Ok(())
}
