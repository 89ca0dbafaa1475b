//! The audit trail: one event per successful write, written with it.

use sshkeyd::domain::{ProjectId, UserId};
use sshkeyd::store::{AuditContext, StoreError};

use super::fixture::{Fixture, audit};
use crate::helpers::scalar;

fn by(actor: UserId, request_id: &str) -> AuditContext {
    AuditContext { request_id: request_id.to_owned(), ..audit(actor) }
}

pub async fn every_write_records_one_event_in_order_and_failed_writes_none(fx: &Fixture) {
    let alice = fx.user("alice", &[1, 2]).await;
    let bob = fx.user("bob", &[1]).await;
    let key = fx.create(1, alice, "audited", true).await.unwrap();
    let p = ProjectId(1);
    fx.store.set_shared(p, key.id, false, by(alice, "req-unshare")).await.unwrap();
    fx.store.set_shared(p, key.id, true, by(alice, "req-share")).await.unwrap();
    let refused = fx.store.delete_key(p, key.id, by(bob, "req-refused")).await;
    assert!(matches!(refused, Err(StoreError::NotOwner)), "got {refused:?}");
    assert!(matches!(fx.create(1, bob, "audited", true).await, Err(StoreError::Conflict)));
    fx.store.delete_key(p, key.id, by(alice, "req-delete")).await.unwrap();
    fx.create(2, alice, "elsewhere", true).await.unwrap();

    let events = fx.store.audit_events(Some(p)).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["create", "unshare", "share", "delete"], "project 1's events, oldest first");
    assert!(events.iter().all(|e| e.key_id == key.id && e.project == p && e.fingerprint == key.fingerprint));
    assert!(events.iter().all(|e| e.user_name == "alice"), "the refused and conflicting writes left nothing");
    let request_ids: Vec<&str> = events[1..].iter().map(|e| e.request_id.as_str()).collect();
    assert_eq!(request_ids, ["req-unshare", "req-share", "req-delete"]);
    let all = fx.store.audit_events(None).await.unwrap();
    assert_eq!(all.len(), 5, "every project's events without a filter");
    assert_eq!(all[4].project, ProjectId(2));
    assert_eq!(scalar(&fx.database, "SELECT count(*) FROM audit_events").await, 5);
}
