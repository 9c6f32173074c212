//! Leader election: two controller instances; the leader dies (or stops) mid-rollout; the
//! other finishes it. The hollow cluster audits who made every write: no write may come from a
//! non-leader. Everything runs on tokio's paused clock (lease timing included), so the
//! failover bounds are exact and nothing races the wall clock.

use crate::common;

use std::time::Duration;

use common::{
    harness::{LEASE, RENEW_DEADLINE, rollout},
    paused::{Instance, RETRY, cluster},
};
use hollow::apiserver::AuditEntry;
use k8s_openapi::api::coordination::v1::Lease;
use kube::{
    Api, Client,
    api::{Patch, PatchParams, PostParams},
    runtime::wait::await_condition,
};
use ramp::api::{Rollout, RolloutPhase};
use serde_json::json;
use tokio::time::Instant;

/// Waits (in virtual time) until `who` holds the lease; returns when that was seen.
async fn wait_for_holder(client: &Client, who: &str) -> Instant {
    loop {
        if holder(client).await.as_deref() == Some(who) {
            return Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn holder(client: &Client) -> Option<String> {
    Api::<Lease>::namespaced(client.clone(), "default")
        .get_opt("ramp-controller")
        .await
        .unwrap()?
        .spec?
        .holder_identity
}

/// Waits for the Rollout to satisfy `f`; an hour of virtual time is a hang, not slowness.
async fn wait_for<F: Fn(Option<&Rollout>) -> bool>(api: &Api<Rollout>, what: &str, f: F) {
    if tokio::time::timeout(Duration::from_secs(3600), await_condition(api.clone(), "web", f)).await.is_err()
    {
        let now = api.get("web").await.ok().and_then(|r| r.status);
        panic!("never reached: {what}; status: {now:?}");
    }
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

fn healthy(r: Option<&Rollout>) -> bool {
    r.and_then(|r| r.status.as_ref()).and_then(|s| s.phase) == Some(RolloutPhase::Healthy)
}

fn reconciles_by(audit: &[AuditEntry], who: &str) -> usize {
    audit.iter().filter(|e| identity(e) == Some(who) && !e.path.contains("/leases")).count()
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_standby_finishes_a_rollout_when_the_leader_dies() {
    let (server, client) = cluster().await;
    let mut a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy).await;
    let mut b = Instance::start(&server, "ramp-b");
    assert_eq!(holder(&client).await.as_deref(), Some("ramp-a"));

    // Each new pod takes 2 s of virtual time to turn Ready, so the rollout has a middle.
    server.faults.update(|f| f.readiness_delay_ms = Some(2_000));
    let v1 = api.get("web").await.unwrap().status.unwrap().updated_revision;
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
    // The standby has made no request but its watches and lease attempts.
    let audit = || -> Vec<AuditEntry> { server.audit.lock().unwrap().iter().cloned().collect() };
    assert_eq!(reconciles_by(&audit(), "ramp-b"), 0, "a standby writes nothing");

    a.kill();
    let killed = Instant::now();
    let took_over = wait_for_holder(&client, "ramp-b").await;
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
    // The dead leader renewed at most one retry period before the kill and could have written
    // until its renew deadline; the standby waits a whole lease duration from the last renewal
    // it saw, and looks once per retry period.
    assert!(
        failover >= RENEW_DEADLINE,
        "the standby took over while the old leader could still write: {failover:?}"
    );
    assert!(failover <= LEASE + 2 * RETRY, "the standby waited longer than the lease needs: {failover:?}");

    let audit = audit();
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

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_graceful_stop_hands_the_lease_over_at_once() {
    let (server, client) = cluster().await;
    let mut a = Instance::start(&server, "ramp-a");
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &rollout("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy).await;
    let mut b = Instance::start(&server, "ramp-b");
    let stopped = Instant::now();
    a.stop().await;
    let took_over = wait_for_holder(&client, "ramp-b").await;
    let failover = took_over - stopped;
    println!("failover after a graceful stop: {failover:?}");
    // The standby sees the released lease at its next attempt.
    assert!(
        failover <= 2 * RETRY,
        "a released lease is taken without waiting for it to expire: {failover:?}"
    );
    assert_only_the_leader_wrote(server.audit.lock().unwrap().make_contiguous());
    b.stop().await;
}

/// A canary with short pauses whose pods take 200 ms to turn Ready: every step has a middle.
fn canary(image: &str) -> Rollout {
    serde_json::from_value(json!({
        "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout", "metadata": {"name": "web"},
        "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "web"}},
                 "strategy": {"canary": {"steps": [
                     {"setWeight": 25}, {"pause": {"duration": "1s"}},
                     {"setWeight": 50}, {"pause": {"duration": "1s"}},
                     {"setWeight": 75}, {"pause": {"duration": "1s"}}]}},
                 "template": {"metadata": {"labels": {"app": "web"}, "annotations": {"sim.ramp.dev/readiness-delay": "200ms"}},
                              "spec": {"containers": [{"name": "web", "image": image}]}}}
    }))
    .unwrap()
}

/// Waits (in virtual time) until an instance other than `gone` holds the lease.
async fn wait_for_another_holder(client: &Client, gone: &str) -> (String, Instant) {
    loop {
        if let Some(h) = holder(client).await.filter(|h| h != gone) {
            return (h, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn settled_on_current_spec(r: &Rollout, phase: RolloutPhase) -> bool {
    r.status
        .as_ref()
        .is_some_and(|s| s.observed_generation == r.metadata.generation && s.phase == Some(phase))
}

/// Issue 12, failover: three replicas; mid-canary the leader is killed, then the new one is
/// stopped, four times each, a fresh replica replacing each one gone. Every takeover is within
/// the lease's bounds, every canary completes, and no write ever comes from an instance that
/// did not hold the lease.
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn three_replicas_fail_over_again_and_again_mid_canary() {
    let (server, client) = cluster().await;
    let mut instances: Vec<(String, Instance)> = (1..=3)
        .map(|i| {
            let id = format!("ramp-{i}");
            let instance = Instance::start(&server, &id);
            (id, instance)
        })
        .collect();
    let api: Api<Rollout> = Api::namespaced(client.clone(), "default");
    api.create(&PostParams::default(), &canary("web:v1")).await.unwrap();
    wait_for(&api, "v1 healthy", healthy).await;
    let mut leaders = std::collections::BTreeSet::new();
    for round in 0..8usize {
        let kill = round % 2 == 0;
        let image = format!("web:v{}", round + 2);
        let patch =
            json!({"spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}}});
        api.patch("web", &PatchParams::default(), &Patch::Merge(patch)).await.unwrap();
        wait_for(&api, "mid-canary", |r| {
            r.is_some_and(|r| {
                r.status.as_ref().is_some_and(|s| {
                    s.observed_generation == r.metadata.generation
                        && s.current_step.unwrap_or(0) >= 1
                        && s.phase != Some(RolloutPhase::Healthy)
                })
            })
        })
        .await;
        let leader = holder(&client).await.expect("a leader mid-canary");
        leaders.insert(leader.clone());
        let at = instances.iter().position(|(id, _)| *id == leader).expect("the leader is one of ours");
        let (_, mut gone) = instances.remove(at);
        let signalled = Instant::now();
        if kill {
            gone.kill();
        } else {
            gone.stop().await;
        }
        let (next, took_over) = wait_for_another_holder(&client, &leader).await;
        let failover = took_over - signalled;
        println!(
            "round {round}: {} {leader} → {next} in {failover:?}",
            if kill { "killed" } else { "stopped" }
        );
        if kill {
            assert!(failover >= RENEW_DEADLINE, "round {round}: taken over while {leader} could still write");
            assert!(
                failover <= LEASE + 2 * RETRY,
                "round {round}: {failover:?} is longer than the lease needs"
            );
        } else {
            assert!(failover <= 2 * RETRY, "round {round}: a released lease waited {failover:?}");
        }
        let id = format!("ramp-{}", round + 4);
        let fresh = Instance::start(&server, &id);
        instances.push((id, fresh));
        wait_for(&api, "the new revision healthy", |r| {
            r.is_some_and(|r| {
                settled_on_current_spec(r, RolloutPhase::Healthy)
                    && r.status.as_ref().is_some_and(|s| s.updated_replicas == 4 && s.replicas == 4)
            })
        })
        .await;
    }
    let audit: Vec<AuditEntry> = server.audit.lock().unwrap().iter().cloned().collect();
    let checked = assert_only_the_leader_wrote(&audit);
    for l in &leaders {
        assert!(reconciles_by(&audit, l) > 0, "{l} led and wrote nothing");
    }
    assert!(leaders.len() >= 8, "a new leader each round: {leaders:?}");
    println!("{checked} writes checked, all by the holder of the lease");
    for (_, mut i) in instances {
        i.stop().await;
    }
}
