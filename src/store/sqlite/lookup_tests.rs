//! The query plans of the fingerprint lookups: each must search its index
//! by project and fingerprint, never scan a project's keys. Printed with
//! `--nocapture` for the record.

use super::*;
use crate::domain::{KeyOrder, ProjectId, UserId, UserName};
use crate::store::sqlite::connection::open_writer;

fn plan(conn: &Connection, sql: &str) -> String {
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
    // The values do not matter: plans are stable (QPSG), as in the store.
    let nulls = vec![rusqlite::types::Null; stmt.parameter_count()];
    let details = stmt.query_map(rusqlite::params_from_iter(nulls), |r| r.get::<_, String>(3)).unwrap();
    details.collect::<Result<Vec<_>, _>>().unwrap_or_else(|e| panic!("{sql}: {e}")).join("; ")
}

fn schema() -> (tempfile::TempDir, Connection) {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_writer(&dir.path().join("plans.db")).unwrap();
    (dir, conn)
}

fn index_search(column: &str) -> String {
    format!("SEARCH k USING INDEX ssh_keys_project_{column} (project_id=? AND {column}=?)")
}

#[test]
fn authorized_keys_by_fingerprint_is_an_index_search_with_or_without_an_owner() {
    let (_dir, conn) = schema();
    let sha = KeyFingerprint::parse("SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU").unwrap();
    let md5 = KeyFingerprint::parse("d4:1d:8c:d9:8f:00:b2:04:e9:80:09:98:ec:f8:42:7e").unwrap();
    for (fingerprint, column) in [(sha, "fingerprint_sha256"), (md5, "fingerprint")] {
        for owner in [None, Some(UserName::parse("alice").unwrap())] {
            let query = AuthorizedKeysQuery {
                project: ProjectId(1),
                viewer: UserId(1),
                owner,
                fingerprint: Some(fingerprint.clone()),
            };
            let plan = plan(&conn, &AUTHORIZED_KEYS[authorized_keys_variant(&query)]);
            println!("authorized_keys by {column}, owner {:?}: {plan}", query.owner);
            assert!(plan.contains(&index_search(column)), "{plan}");
            assert!(!plan.contains("SCAN"), "{plan}");
            if query.owner.is_some() {
                assert!(plan.contains("SEARCH u USING COVERING INDEX sqlite_autoindex_users_1 (name=?)"), "{plan}");
            }
        }
    }
}

#[test]
fn the_list_filter_by_fingerprint_is_an_index_search_in_every_order() {
    let (_dir, conn) = schema();
    for (column, queries) in FINGERPRINT_COLUMNS.iter().zip(page_queries_for_test()) {
        for order in KeyOrder::ALL {
            for filtered in [false, true] {
                let plan = plan(&conn, queries.get(order, filtered));
                let expected =
                    format!("SEARCH ssh_keys USING INDEX ssh_keys_project_{column} (project_id=? AND {column}=?)");
                assert!(plan.contains(&expected), "{order:?}: {plan}");
            }
        }
    }
}

fn page_queries_for_test() -> [PageQueries; 2] {
    FINGERPRINT_COLUMNS.map(page_queries)
}

#[test]
fn every_authorized_keys_variant_is_distinct_and_takes_four_parameters() {
    let (_dir, conn) = schema();
    assert_eq!(AUTHORIZED_KEYS.len(), 6);
    for sql in AUTHORIZED_KEYS.iter() {
        assert_eq!(conn.prepare(sql).unwrap().parameter_count(), 4, "{sql}");
    }
}
