//! Listing: every order, pagination, the total, the name filter and
//! visibility per viewer.

use sshkeyd::domain::{KeyId, KeyOrder, SshKey, Timestamp, UserId};
use uuid::Uuid;

use super::fixture::{Fixture, MAX_KEYS, audit, new_key};

/// Names whose bytewise order differs from any case-insensitive or
/// locale-aware order: ' ' < '-' < '.' < digits < upper case < '_' < lower case.
const NAMES: [&str; 11] =
    ["beta_1", "beta-1", "beta.1", "beta 1", "Zeta", "alpha", "Alpha", "9lives", "beta1x", "b_c", "a.b"];

/// Stores keys named `NAMES` in project 1 whose creation times tie in
/// threes, so ordering by time must fall back to the id.
async fn seed(fx: &Fixture, owner: UserId) -> Vec<SshKey> {
    let base = Timestamp::now().0;
    let mut stored = Vec::new();
    for (i, name) in NAMES.iter().enumerate() {
        let created_at = Timestamp(base + (i as i64 % 4) * 1_000);
        let key = new_key(1, owner, name, i % 2 == 0, created_at, KeyId(Uuid::new_v4()));
        stored.push(fx.store.create_key(key, MAX_KEYS, audit(owner)).await.unwrap());
    }
    stored
}

/// The order every backend must produce, computed here independently, as
/// (name, id) pairs so a failure shows the names.
fn expected(mut keys: Vec<SshKey>, order: KeyOrder) -> Vec<(String, KeyId)> {
    keys.sort_by(|a, b| match order {
        KeyOrder::CreatedAsc => (a.created_at, a.id).cmp(&(b.created_at, b.id)),
        KeyOrder::CreatedDesc => (b.created_at, b.id).cmp(&(a.created_at, a.id)),
        KeyOrder::NameAsc => (a.name.as_bytes(), a.id).cmp(&(b.name.as_bytes(), b.id)),
        KeyOrder::NameDesc => (b.name.as_bytes(), b.id).cmp(&(a.name.as_bytes(), a.id)),
    });
    ids(&keys)
}

fn ids(keys: &[SshKey]) -> Vec<(String, KeyId)> {
    keys.iter().map(|k| (k.name.clone(), k.id)).collect()
}

pub async fn every_order_sorts_bytewise_with_ties_broken_by_id(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let stored = seed(fx, alice).await;
    for order in KeyOrder::ALL {
        let page = fx.list_all(1, alice, order, None).await;
        assert_eq!(ids(&page.keys), expected(stored.clone(), order), "order {order:?}");
    }
    let by_name: Vec<String> =
        fx.list_all(1, alice, KeyOrder::NameAsc, None).await.keys.into_iter().map(|k| k.name).collect();
    let bytewise = ["9lives", "Alpha", "Zeta", "a.b", "alpha", "b_c", "beta 1", "beta-1", "beta.1", "beta1x", "beta_1"];
    assert_eq!(by_name, bytewise, "names sort by bytes, not by locale");
}

pub async fn pages_join_up_to_the_whole_list_in_every_order(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let stored = seed(fx, alice).await;
    for order in KeyOrder::ALL {
        let mut joined = Vec::new();
        for offset in (0..=12).step_by(3) {
            let page = fx.list(1, alice, order, None, 3, offset).await;
            assert_eq!(page.count, NAMES.len() as u64, "count at offset {offset} in {order:?}");
            assert!(page.keys.len() <= 3, "page size at offset {offset} in {order:?}");
            joined.extend(ids(&page.keys));
        }
        assert_eq!(joined, expected(stored.clone(), order), "pages of {order:?} neither overlap nor skip");
    }
    let past_the_end = fx.list(1, alice, KeyOrder::default(), None, 10, 1000).await;
    assert_eq!((past_the_end.keys.len(), past_the_end.count), (0, NAMES.len() as u64), "an offset past the end");
}

pub async fn the_count_is_the_total_match_not_the_page_size(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    seed(fx, alice).await;
    let page = fx.list(1, alice, KeyOrder::NameAsc, None, 2, 0).await;
    assert_eq!((page.keys.len(), page.count), (2, NAMES.len() as u64), "unfiltered");
    let filtered = fx.list(1, alice, KeyOrder::NameAsc, Some("beta"), 1, 1).await;
    assert_eq!((filtered.keys.len(), filtered.count), (1, 5), "filtered by 'beta'");
    assert_eq!(filtered.keys[0].name, "beta-1", "second of the five beta names");
}

pub async fn the_name_filter_is_a_case_sensitive_literal_substring(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    for name in ["web-01", "Web-02", "db_main", "db-main", "cache.1", "cache1", "x_y_z"] {
        fx.create(1, alice, name, true).await.unwrap();
    }
    let cases: [(&str, &[&str], &str); 10] = [
        ("web", &["web-01"], "lower case matches lower case only"),
        ("Web", &["Web-02"], "upper case matches upper case only"),
        ("_", &["db_main", "x_y_z"], "'_' is literal, not LIKE's any character"),
        ("%", &[], "'%' is literal, not LIKE's anything"),
        ("\\", &[], "'\\' is literal, not an escape"),
        ("b_m", &["db_main"], "'_' inside a needle is literal too"),
        (".", &["cache.1"], "'.' is literal, not a regex wildcard"),
        ("cache", &["cache.1", "cache1"], "a prefix"),
        ("-0", &["Web-02", "web-01"], "a middle part"),
        ("zzz", &[], "no match is an empty page with count 0"),
    ];
    for (needle, names, why) in cases {
        let page = fx.list_all(1, alice, KeyOrder::NameAsc, Some(needle)).await;
        let got: Vec<&str> = page.keys.iter().map(|k| k.name.as_str()).collect();
        assert_eq!(got, names, "filter {needle:?}: {why}");
        assert_eq!(page.count, names.len() as u64, "count for filter {needle:?}: {why}");
    }
}

pub async fn each_viewer_counts_the_shared_keys_and_their_own(fx: &Fixture) {
    let alice = fx.user("alice", &[1]).await;
    let bob = fx.user("bob", &[1]).await;
    let carol = fx.user("carol", &[1]).await;
    for (owner, prefix, shared, private) in [(alice, "alice", 3, 2), (bob, "bob", 1, 4)] {
        for i in 0..shared + private {
            fx.create(1, owner, &format!("{prefix}-{i}"), i < shared).await.unwrap();
        }
    }
    for (who, viewer, visible) in [("alice", alice, 4 + 2), ("bob", bob, 4 + 4), ("carol", carol, 4)] {
        let all = fx.list_all(1, viewer, KeyOrder::default(), None).await;
        assert_eq!((all.count, all.keys.len()), (visible, visible as usize), "{who} without a filter");
        let filtered = fx.list_all(1, viewer, KeyOrder::default(), Some("-")).await;
        assert_eq!(filtered.count, visible, "{who} with a filter matching every name");
        assert!(all.keys.iter().all(|k| k.shared || k.owner == viewer), "{who} sees only shared or own keys");
    }
}
