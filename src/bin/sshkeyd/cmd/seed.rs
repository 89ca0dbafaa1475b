//! `seed` (hidden): generated keys straight into the store, for benchmarks.
//!
//! Generating an Ed25519 pair costs more than storing it, so the keys of
//! the next chunk are generated on every core while the store takes the
//! current one.

use std::sync::mpsc;
use std::thread;

use sshkeyd::domain::{KeyId, KeyName, NewKey, ProjectId, Timestamp, UserId, generate_ed25519};
use sshkeyd::store;
use uuid::Uuid;

use crate::cli::SeedArgs;

/// Keys per bulk insert (one transaction each).
const CHUNK: u32 = 10_000;

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let store = store::open_bulk(&args.database.url(), &super::pool()).await?;
    let owner = store.ensure_user(&args.user).await?;
    let plan = Plan { run: Uuid::new_v4().simple().to_string()[..8].to_owned(), owner, first: args.project, args };
    // Two chunks generated ahead at most.
    let (chunks, generated) = mpsc::sync_channel::<anyhow::Result<Vec<NewKey>>>(2);
    let generator = thread::spawn(move || {
        let plan = plan;
        let mut start = 0;
        while start < plan.args.count {
            let n = CHUNK.min(plan.args.count - start);
            if chunks.send(plan.chunk(start, n)).is_err() {
                return plan.args;
            }
            start += n;
        }
        plan.args
    });
    let mut done = 0u64;
    for chunk in generated {
        let keys = chunk?;
        done += keys.len() as u64;
        store.bulk_insert(keys).await?;
    }
    let args = generator.join().map_err(|_| anyhow::anyhow!("key generation panicked"))?;
    eprintln!("seeded {done} keys into {} project(s) from {}", args.projects, args.project.0);
    Ok(())
}

struct Plan {
    args: SeedArgs,
    /// Names are seed-<run>-<n>, unique across runs on one database.
    run: String,
    owner: UserId,
    first: ProjectId,
}

impl Plan {
    /// Keys `start..start + n`, generated on every core.
    fn chunk(&self, start: u32, n: u32) -> anyhow::Result<Vec<NewKey>> {
        let cores = thread::available_parallelism().map_or(1, |c| c.get()) as u32;
        let per = n.div_ceil(cores);
        thread::scope(|scope| {
            let parts: Vec<_> = (0..cores)
                .map(|c| (start + c * per, (start + (c + 1) * per).min(start + n)))
                .filter(|(from, to)| from < to)
                .map(|(from, to)| {
                    scope.spawn(move || (from..to).map(|i| self.key(i)).collect::<anyhow::Result<Vec<_>>>())
                })
                .collect();
            let mut keys = Vec::with_capacity(n as usize);
            for part in parts {
                keys.extend(part.join().map_err(|_| anyhow::anyhow!("key generation panicked"))??);
            }
            Ok(keys)
        })
    }

    /// Key `i`: in project `first + i mod projects`.
    fn key(&self, i: u32) -> anyhow::Result<NewKey> {
        Ok(NewKey {
            id: KeyId(Uuid::new_v4()),
            project: ProjectId(self.first.0 + i64::from(i % self.args.projects)),
            owner: self.owner,
            name: KeyName::parse(&format!("seed-{}-{i:07}", self.run))?,
            public_key: generate_ed25519()?.public,
            shared: true,
            created_at: Timestamp::now(),
        })
    }
}
