//! Leader election: two controller instances; the leader dies mid-rollout; the other finishes
//! it. The hollow cluster audits who made every write: no write may come from a non-leader.

#![allow(clippy::disallowed_methods)] // this test measures failover time on the wall clock

use crate::common;

use std::time::{Duration, Instant};

use common::harness::{Instance, LEASE, RENEW_DEADLINE, rollout, setup};
use hollow::apiserver::AuditEntry;
use k8s_openapi::api::coordination::v1::Lease;
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;

/// Waits until `who` holds the lease; returns when that was seen.
async fn wait_for_holder(client: &Client, who: &str, limit: Duration, what: &str) -> Instant {
    tokio::time::timeout(limit, async {
        loop {
            if holder(client).await.as_deref() == Some(who) {
                return Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .unwrap_or_else(|_| panic!("timed out: {what}"))
}

async fn holder(client: &Client) -> Option<String> {
    Api::<Lease>::namespaced(client.clone(), "default")
        .get_opt("ramp-controller")
        .await
        .unwrap()?
        .spec?
        .holder_identity
}

async fn wait_for<F: Fn(Option<&Rollout>) -> bool>(api: &Api<Rollout>, what: &str, f: F) {
    tokio::time::timeout(Duration::from_secs(60), await_condition(api.clone(), "web", f))
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
        .unwrap();
}

fn identity(e: &AuditEntry) -> Option<&str> {
    e.user_agent.strip_prefix("ramp/test (").and_then(|s| s.strip_suffix(')'))
}

/// Every successful write by a controller instance came from the lease holder of the moment,
/// the holder being the last instance whose lease write succeeded.
fn assert_only_the_leader_wrote(audit: &[AuditEntry]) -> usize {
    let mut holder: Option<&str> = None;
    let mut checked = 0;
    for e in audit.iter().filter(|e| e.code < 300) {
        let Some(who) = identity(e) else { continue };
        if e.path.contains("/leases") {
            holder = Some(who);
            continue;
        }
        assert_eq!(holder, Some(who), "{} {} by {who} while {holder:?} held the lease", e.method, e.path);
        checked += 1;
    }
    checked
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_standby_finishes_a_rollout_when_the_leader_dies() {
    let (running, client) = setup().await;
    let url = running.url();
    let mut a = Instance::start(&url, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", |r| {
        r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
    })
    .await;
    let mut b = Instance::start(&url, "ramp-b");
    assert_eq!(holder(&client).await.as_deref(), Some("ramp-a"));

    // Mid-rollout: a few new pods are up, most are not.
    api.patch(
        "web",
        &PatchParams::default(),
        &Patch::Merge(
            json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "web:v2"}]}}}}),
        ),
    )
    .await
    .unwrap();
    let v1 = api.get("web").await.unwrap().status.unwrap().updated_revision;
    // The status must describe the new template before its counts mean anything.
    let on_v2 = move |r: &Rollout| {
        r.status
            .as_ref()
            .is_some_and(|s| s.observed_generation == r.metadata.generation && s.updated_revision != v1)
    };
    let on_v2_too = on_v2.clone();
    wait_for(&api, "rollout under way", move |r| {
        r.is_some_and(|r| {
            on_v2(r) && r.status.as_ref().is_some_and(|s| s.updated_replicas >= 3 && s.updated_replicas < 10)
        })
    })
    .await;
    a.kill();
    let killed = Instant::now();
    let took_over =
        wait_for_holder(&client, "ramp-b", Duration::from_secs(20), "the standby took the lease").await;
    wait_for(&api, "v2 healthy", move |r| {
        r.is_some_and(|r| {
            on_v2_too(r)
                && r.status.as_ref().is_some_and(|s| {
                    s.phase == Some(RolloutPhase::Healthy) && s.updated_replicas == 10 && s.replicas == 10
                })
        })
    })
    .await;
    let failover = took_over - killed;
    println!("failover after a crash: {failover:?} (lease duration {LEASE:?})");
    // The dead leader renewed at or before the kill, and could have written until its renew
    // deadline: the standby must not have taken over before then.
    assert!(
        failover >= RENEW_DEADLINE,
        "the standby took over while the old leader could still write: {failover:?}"
    );

    let audit: Vec<AuditEntry> = running.server.audit.lock().unwrap().iter().cloned().collect();
    let checked = assert_only_the_leader_wrote(&audit);
    let by_b = audit
        .iter()
        .filter(|e| identity(e) == Some("ramp-b") && !e.path.contains("/leases") && e.code < 300)
        .count();
    assert!(
        checked > 0 && by_b > 0,
        "both instances wrote as leader ({checked} writes checked, {by_b} by the standby)"
    );
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_stop_hands_the_lease_over_at_once() {
    let (running, client) = setup().await;
    let url = running.url();
    let mut a = Instance::start(&url, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", |r| {
        r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
    })
    .await;
    let mut b = Instance::start(&url, "ramp-b");
    let stopped = Instant::now();
    a.stop().await;
    let took_over =
        wait_for_holder(&client, "ramp-b", Duration::from_secs(10), "the standby took the released lease")
            .await;
    let failover = took_over - stopped;
    println!("failover after a graceful stop: {failover:?}");
    assert!(failover < LEASE, "a released lease is taken without waiting for it to expire: {failover:?}");
    assert_only_the_leader_wrote(running.server.audit.lock().unwrap().make_contiguous());
    b.stop().await;
}
