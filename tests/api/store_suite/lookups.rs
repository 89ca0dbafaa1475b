//! Lookups by owner and fingerprint: `authorized_keys` and the list's
//! fingerprint filter; and read-only tokens.

use sshkeyd::domain::{
    AuthorizedKey, KeyFingerprint, KeyId, KeyOrder, ProjectId, PublicKey, SshKey, Timestamp, TokenId, UserId, UserName,
    generate_ed25519,
};
use sshkeyd::store::{AuthorizedKeysQuery, ListQuery, NewToken};
use uuid::Uuid;

use super::fixture::{Fixture, MAX_KEYS, audit, new_key};
use crate::helpers::user_name;

/// Creates a key with a given public key.
async fn create_with(fx: &Fixture, owner: UserId, name: &str, public: &PublicKey, shared: bool) -> SshKey {
    let mut key = new_key(1, owner, name, shared, Timestamp::now(), KeyId(Uuid::new_v4()));
    key.public_key = public.clone();
    fx.store.create_key(key, MAX_KEYS, audit(owner)).await.unwrap()
}

/// Viewer, owner filter, fingerprint filter, and the names expected.
type Case<'a> = (UserId, Option<&'a str>, Option<&'a str>, &'a [&'a str]);

async fn names(fx: &Fixture, viewer: UserId, owner: Option<&str>, fingerprint: Option<&str>) -> Vec<String> {
    let query = AuthorizedKeysQuery {
        project: ProjectId(1),
        viewer,
        owner: owner.map(|o| UserName::parse(o).unwrap()),
        fingerprint: fingerprint.map(|f| KeyFingerprint::parse(f).unwrap()),
    };
    let found: Vec<AuthorizedKey> = fx.store.authorized_keys(&query).await.unwrap();
    found.into_iter().map(|k| k.name).collect()
}

pub async fn authorized_keys_are_the_visible_keys_by_owner_and_fingerprint_in_name_order(fx: &Fixture) {
    let (alice, bob, host) = (fx.user("alice", &[1, 2]).await, fx.user("bob", &[1]).await, fx.user("host", &[1]).await);
    let shared_key = generate_ed25519().unwrap().public;
    let (sha, md5) = (shared_key.fingerprint_sha256().as_str(), shared_key.fingerprint().as_str());
    let a = create_with(fx, alice, "a-copy", &shared_key, true).await;
    create_with(fx, bob, "B-copy", &shared_key, true).await;
    create_with(fx, bob, "bob-hidden", &shared_key, false).await;
    fx.create(1, alice, "alice-own", false).await.unwrap();
    fx.create(2, alice, "other-project", true).await.unwrap();
    let cases: [Case; 9] = [
        (host, None, None, &["B-copy", "a-copy"]),
        (alice, None, None, &["B-copy", "a-copy", "alice-own"]),
        (bob, None, None, &["B-copy", "a-copy", "bob-hidden"]),
        (host, Some("alice"), None, &["a-copy"]),
        (alice, Some("alice"), None, &["a-copy", "alice-own"]),
        (host, None, Some(sha), &["B-copy", "a-copy"]),
        (bob, Some("bob"), Some(md5), &["B-copy", "bob-hidden"]),
        (host, Some("nobody"), None, &[]),
        (host, Some("alice"), Some("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"), &[]),
    ];
    for (viewer, owner, fingerprint, expected) in cases {
        assert_eq!(names(fx, viewer, owner, fingerprint).await, expected, "{viewer:?} {owner:?} {fingerprint:?}");
    }
    let query = AuthorizedKeysQuery { project: ProjectId(1), viewer: host, owner: None, fingerprint: None };
    let found = fx.store.authorized_keys(&query).await.unwrap();
    let mine = found.iter().find(|k| k.name == "a-copy").unwrap();
    assert_eq!((mine.id, mine.public_key.as_str()), (a.id, a.public_key.as_str()), "the stored text, whole");
}

pub async fn the_fingerprint_filter_of_the_list_counts_and_pages_only_visible_keys_with_the_other_filters(
    fx: &Fixture,
) {
    let (alice, bob) = (fx.user("alice", &[1]).await, fx.user("bob", &[1]).await);
    let shared_key = generate_ed25519().unwrap().public;
    for name in ["c-key", "a-key", "b-key"] {
        create_with(fx, alice, name, &shared_key, true).await;
    }
    create_with(fx, bob, "hidden", &shared_key, false).await;
    fx.create(1, alice, "unrelated", true).await.unwrap();
    // (viewer, name, owner, limit, offset): the page and the total.
    let cases = [
        ((alice, None, None, 10, 0), vec!["a-key", "b-key", "c-key"], 3),
        ((alice, None, None, 1, 1), vec!["b-key"], 3),
        ((alice, Some("c-"), None, 10, 0), vec!["c-key"], 1),
        ((alice, None, Some("alice"), 10, 0), vec!["a-key", "b-key", "c-key"], 3),
        ((alice, None, Some("bob"), 10, 0), vec![], 0),
        ((bob, None, Some("bob"), 10, 0), vec!["hidden"], 1),
        ((bob, Some("b-"), Some("alice"), 10, 0), vec!["b-key"], 1),
    ];
    for fingerprint in [shared_key.fingerprint_sha256().as_str(), shared_key.fingerprint().as_str()] {
        for ((viewer, name, owner, limit, offset), expected, count) in cases.clone() {
            let query = ListQuery {
                project: ProjectId(1),
                viewer,
                limit,
                offset,
                name_contains: name.map(str::to_owned),
                owner_name: owner.map(str::to_owned),
                order: KeyOrder::NameAsc,
                fingerprint: Some(KeyFingerprint::parse(fingerprint).unwrap()),
            };
            let page = fx.store.list_keys(&query).await.unwrap();
            let names: Vec<&str> = page.keys.iter().map(|k| k.name.as_str()).collect();
            let case = format!("{fingerprint} {viewer:?} {name:?} {owner:?} {limit} {offset}");
            assert_eq!(names, expected, "{case}");
            assert_eq!(page.count, count, "{case}: only visible keys are counted");
            assert!(page.keys.iter().all(|k| k.fingerprint_sha256 == shared_key.fingerprint_sha256().as_str()));
        }
    }
}

pub async fn a_read_only_token_is_found_and_listed_as_read_only(fx: &Fixture) {
    for (id, read_only) in [("tok-reader", true), ("tok-writer", false)] {
        let token = NewToken {
            id: TokenId(id.into()),
            user_name: user_name("host"),
            projects: vec![ProjectId(1)],
            secret_hash: [1; 32],
            created_at: Timestamp::now(),
            expires_at: None,
            read_only,
        };
        fx.store.create_token(token).await.unwrap();
        assert_eq!(fx.store.find_token(&TokenId(id.into())).await.unwrap().unwrap().read_only, read_only, "{id}");
    }
    let listed = fx.store.list_tokens().await.unwrap();
    let flags: Vec<(&str, bool)> = listed.iter().map(|t| (t.id.0.as_str(), t.read_only)).collect();
    assert!(flags.contains(&("tok-reader", true)) && flags.contains(&("tok-writer", false)), "{flags:?}");
}
