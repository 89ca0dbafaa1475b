//! `authorized-keys`: what sshd runs as its `AuthorizedKeysCommand`.
//!
//! One request to the server (`GET .../authorized_keys?owner=LOGIN
//! &fingerprint=%f`), every line of the answer checked, then printed. It
//! fails closed: whatever goes wrong, nothing reaches stdout (so sshd
//! refuses the key), the reason goes to stderr (which sshd logs), and the
//! exit status is non-zero. The only exception to asking the server is the
//! cache, used while the server is unreachable or failing (5xx), never after
//! it refused the token (401, 403).
//!
//! It starts fast: no logging set-up, no database, a single-threaded
//! runtime, and nothing read that the request does not need (the CA bundle
//! only for https://).

mod cache;
mod client;
mod token_file;

use std::io::Write;

use anyhow::{Context, bail};
use sshkeyd::domain::{KeyFingerprint, is_authorized_keys_line};
use sshkeyd::tokens::PresentedToken;

use crate::cli::AuthorizedKeysArgs;
use cache::{Cache, Scope};
use client::{Answer, Server};

pub fn run(args: AuthorizedKeysArgs) -> anyhow::Result<()> {
    if !is_plausible_login(&args.login) {
        // sshd asks only about existing accounts; a name no account can
        // have matches no key. An empty answer, not an error.
        eprintln!("sshkeyd authorized-keys: {:?} is not a plausible login name; no keys", args.login);
        return Ok(());
    }
    let fingerprint = match &args.fingerprint {
        Some(raw) => Some(KeyFingerprint::parse(raw).map_err(|e| anyhow::anyhow!("FINGERPRINT {e}"))?),
        None => None,
    };
    let server = Server::parse(&args.server, args.ca_file.as_deref())?;
    let token = token_file::read(&args.token_file)?;
    let shared = args.shared_accounts.contains(&args.login);
    let owner = (!shared).then_some(args.login.as_str());
    let token_id = PresentedToken::parse(&token).map(|t| t.id.0).unwrap_or_default();
    let scope = Scope { server: &args.server, project: args.project.0, token_id: &token_id, shared };
    let cache = args.cache_dir.as_deref().and_then(|dir| Cache::open(dir, &scope));
    let cache_entry = cache.as_ref().map(|c| c.entry(&args.login, fingerprint.as_ref()));
    let path = server.request_path(args.project.0, owner, fingerprint.as_ref());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let answer = runtime.block_on(server.get(&path, &token, args.timeout.0));
    drop(token);
    let body = match answer {
        Answer::Keys(body) => {
            check_lines(&body).context("the server's answer is not authorized_keys lines")?;
            if let (Some(cache), Some(entry)) = (&cache, &cache_entry) {
                cache.save(entry, &body);
            }
            body
        }
        Answer::Refused(why) => {
            if let Some(cache) = &cache {
                cache.forget_all();
            }
            bail!("{why}");
        }
        Answer::Unavailable(why) => {
            let cached = cache.as_ref().zip(cache_entry.as_ref()).and_then(|(c, e)| c.load(e, args.cache_max_age.0));
            let Some((body, age)) = cached else {
                bail!("{why}; no cached answer younger than {}", humantime::format_duration(args.cache_max_age.0));
            };
            check_lines(&body).context("the cached answer is not authorized_keys lines")?;
            eprintln!("sshkeyd authorized-keys: {why}; using the answer cached {} s ago", age.as_secs());
            body
        }
        Answer::Failed(why) => bail!("{why}"),
    };
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(body.as_bytes()).and_then(|()| stdout.flush()).context("writing to stdout")
}

/// Every line must be a plain key line; one bad line refuses the whole
/// answer. An empty answer (no keys) is fine.
fn check_lines(body: &str) -> anyhow::Result<()> {
    if !(body.is_empty() || body.ends_with('\n')) {
        bail!("the last line is not terminated");
    }
    for (n, line) in body.split_terminator('\n').enumerate() {
        if !is_authorized_keys_line(line) {
            bail!("line {} is not a key line", n + 1);
        }
    }
    Ok(())
}

/// A name a Unix account could have: 1 to 32 of letters, digits, `_`, `.`
/// and `-`, not starting with `-` or `.`, optionally ending in `$` (Samba
/// machine accounts). Looser than `useradd`'s default, stricter than what
/// could break a URL or a file name.
fn is_plausible_login(login: &str) -> bool {
    let name = login.strip_suffix('$').unwrap_or(login);
    let ok = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-');
    (1..=32).contains(&name.len()) && name.bytes().all(ok) && !name.starts_with(['-', '.']) && login.len() <= 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plausible_logins_are_account_names() {
        for ok in ["root", "alice", "skd-alice-1f2e", "svc_backup", "a.b", "host$", "Admin", "_apt", "0ops"] {
            assert!(is_plausible_login(ok), "{ok}");
        }
        let long = "x".repeat(33);
        for bad in ["", "-rf", ".hidden", "a b", "a/b", "a\nb", "alice@example", "$", "élodie", long.as_str()] {
            assert!(!is_plausible_login(bad), "{bad:?}");
        }
    }

    #[test]
    fn answers_are_refused_whole_when_any_line_is_not_a_key_line() {
        let key = sshkeyd::domain::generate_ed25519().unwrap().public.canonical().to_owned();
        assert!(check_lines("").is_ok());
        assert!(check_lines(&format!("{key} sshkeyd:1/a\n{key} sshkeyd:1/b c\n")).is_ok());
        for bad in [
            format!("{key} sshkeyd:1/a"),
            format!("{key} sshkeyd:1/a\n\n"),
            format!("{key} sshkeyd:1/a\ncommand=\"sh\" {key} x\n"),
            format!("{key} sshkeyd:1/a\r\n"),
            "<html>oops</html>\n".to_owned(),
        ] {
            assert!(check_lines(&bad).is_err(), "{bad:?}");
        }
    }
}
