//! `ramp bench failover`: three `ramp controller` processes against the bench cluster; over
//! and over, mid-canary, the leader is killed (SIGKILL) or stopped (SIGTERM), and the time
//! until another instance takes the lease and until its first write is measured. The hollow
//! cluster's audit log, where every write carries the user its token authenticated, then
//! proves that no write came from an instance that did not hold the lease.
//!
//! At each signal the benchmark also scales a second Rollout (`probe`), so the new leader has
//! a write due the moment it leads: "first write" is the end of the outage, not the end of a
//! canary pause.

use std::{
    io::Write,
    time::{Duration, SystemTime},
};

use anyhow::{Context, bail};
use hollow::apiserver::AuditEntry;
use k8s_openapi::api::coordination::v1::Lease;
use kube::Api;
use serde_json::json;

use super::{
    cluster::{BenchCluster, USER_PREFIX},
    objects::{self, NAMESPACE},
    process::{ControllerProcess, LeaseFlags},
    stats::{load, percentile, secs},
};
use crate::cli::CliError;

fn parse_duration(s: &str) -> Result<Duration, String> {
    crate::api::DurationString::new(s).parse().map_err(|e| e.to_string())
}

/// Arguments of `ramp bench failover`.
#[derive(Debug, clap::Args)]
pub struct FailoverArgs {
    /// Controller processes running at once.
    #[arg(long, default_value_t = 3)]
    pub replicas: usize,
    /// Times the leader is killed with SIGKILL.
    #[arg(long, default_value_t = 10)]
    pub kills: usize,
    /// Times the leader is stopped with SIGTERM.
    #[arg(long, default_value_t = 10)]
    pub stops: usize,
    /// The controllers' --lease-duration.
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    pub lease_duration: Duration,
    /// The controllers' --renew-deadline.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub renew_deadline: Duration,
    /// The controllers' --retry-period.
    #[arg(long, default_value = "2s", value_parser = parse_duration)]
    pub retry_period: Duration,
    /// Give up on one repetition after this many seconds.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
}

/// How the leader goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Signal {
    Kill,
    Term,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Kill => "SIGKILL",
            Signal::Term => "SIGTERM",
        }
    }
}

/// One failover.
struct Sample {
    signal: Signal,
    /// Signal to the new leader's lease write.
    lease: Duration,
    /// Signal to the new leader's first other write.
    write: Duration,
}

/// The order of signals: kills and stops interleaved, the longer list's rest at the end.
fn schedule(kills: usize, stops: usize) -> Vec<Signal> {
    let mut out = Vec::with_capacity(kills + stops);
    for i in 0..kills.max(stops) {
        if i < kills {
            out.push(Signal::Kill);
        }
        if i < stops {
            out.push(Signal::Term);
        }
    }
    out
}

/// Runs `ramp bench failover`.
pub fn run(args: &FailoverArgs, out: &mut impl Write) -> Result<(), CliError> {
    if args.replicas < 2 {
        return Err(CliError::BadInput("--replicas must be at least 2: a failover needs a standby".into()));
    }
    if args.kills + args.stops == 0 {
        return Err(CliError::BadInput("nothing to measure: --kills and --stops are both 0".into()));
    }
    let flags = LeaseFlags {
        duration: args.lease_duration,
        renew_deadline: args.renew_deadline,
        retry_period: args.retry_period,
    };
    let timing = crate::controller::lease::Timing {
        lease_duration: flags.duration,
        renew_deadline: flags.renew_deadline,
        retry_period: flags.retry_period,
    };
    timing.check().map_err(CliError::BadInput)?;
    let rt =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    let (samples, audit) = rt.block_on(measure(args, flags))?;
    print(args, &samples, &audit, out)?;
    Ok(())
}

/// What the audit log says about who wrote.
struct AuditCheck {
    /// Successful writes by controller instances other than to the lease.
    checked: usize,
    /// Those made while another instance held the lease.
    by_non_leader: Vec<String>,
}

fn print(
    args: &FailoverArgs,
    samples: &[Sample],
    audit: &AuditCheck,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    writeln!(
        out,
        "{:<8} {:>4} {:>11} {:>11} {:>11} {:>11}",
        "leader", "n", "lease-p50", "lease-max", "write-p50", "write-max"
    )?;
    for signal in [Signal::Kill, Signal::Term] {
        let of: Vec<&Sample> = samples.iter().filter(|s| s.signal == signal).collect();
        if of.is_empty() {
            continue;
        }
        let lease: Vec<Duration> = of.iter().map(|s| s.lease).collect();
        let write: Vec<Duration> = of.iter().map(|s| s.write).collect();
        writeln!(
            out,
            "{:<8} {:>4} {:>11} {:>11} {:>11} {:>11}",
            signal.name(),
            of.len(),
            secs(percentile(&lease, 0.5)),
            secs(percentile(&lease, 1.0)),
            secs(percentile(&write, 0.5)),
            secs(percentile(&write, 1.0)),
        )?;
    }
    writeln!(
        out,
        "writes by the controllers: {} checked in the audit log, {} by an instance that did not hold the lease",
        audit.checked,
        audit.by_non_leader.len()
    )?;
    for v in audit.by_non_leader.iter().take(10) {
        writeln!(out, "  {v}")?;
    }
    writeln!(
        out,
        "{} replicas; lease {:?}, renew deadline {:?}, retry {:?}; load {}",
        args.replicas,
        args.lease_duration,
        args.renew_deadline,
        args.retry_period,
        load()
    )?;
    writeln!(
        out,
        "published: Argo Rollouts lease 15s/10s/2s without ReleaseOnCancel (a graceful stop also waits out the lease) and a cold standby cache (argo-rollouts#4571); Flagger 60s/15s/5s with ReleaseOnCancel, leader election off by default"
    )?;
    out.flush()?;
    if !audit.by_non_leader.is_empty() {
        bail!("{} writes by an instance that did not hold the lease", audit.by_non_leader.len());
    }
    Ok(())
}

async fn holder(client: &kube::Client) -> anyhow::Result<Option<String>> {
    let leases: Api<Lease> = Api::namespaced(client.clone(), NAMESPACE);
    Ok(leases
        .get_opt("ramp-controller")
        .await
        .context("reading the lease")?
        .and_then(|l| l.spec)
        .and_then(|s| s.holder_identity)
        .filter(|h| !h.is_empty()))
}

fn audit(cluster: &BenchCluster) -> Vec<AuditEntry> {
    cluster.server.audit.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().cloned().collect()
}

/// The controller instance that made an audited request.
fn instance(e: &AuditEntry) -> Option<&str> {
    e.user.strip_prefix(USER_PREFIX)
}

/// The first successful write after `since` by an instance other than `gone`, to the lease
/// (`lease`) or to anything else.
fn first_write_after(
    entries: &[AuditEntry],
    since: SystemTime,
    gone: &str,
    lease: bool,
) -> Option<SystemTime> {
    entries
        .iter()
        .filter(|e| e.at >= since && e.code < 300 && e.path.contains("/leases") == lease)
        .find(|e| instance(e).is_some_and(|i| i != gone))
        .map(|e| e.at)
}

/// Every successful write by an instance came from the holder of the moment: the last
/// instance whose lease write succeeded.
fn check_audit(entries: &[AuditEntry]) -> AuditCheck {
    let mut holder: Option<&str> = None;
    let mut check = AuditCheck { checked: 0, by_non_leader: Vec::new() };
    for e in entries.iter().filter(|e| e.code < 300) {
        let Some(who) = instance(e) else { continue };
        if e.path.contains("/leases") {
            holder = Some(who);
            continue;
        }
        check.checked += 1;
        if holder != Some(who) {
            check
                .by_non_leader
                .push(format!("{} {} by {who} while {holder:?} held the lease", e.method, e.path));
        }
    }
    check
}

async fn measure(args: &FailoverArgs, flags: LeaseFlags) -> anyhow::Result<(Vec<Sample>, AuditCheck)> {
    let cluster = BenchCluster::start(false).await?;
    let client = cluster.client.clone();
    let canary = json!({"canary": {"steps": [
        {"setWeight": 25}, {"pause": {"duration": "1s"}},
        {"setWeight": 50}, {"pause": {"duration": "1s"}},
        {"setWeight": 75}, {"pause": {"duration": "1s"}}]}});
    objects::create(&client, &objects::with_strategy("web", 4, "web:v1", Some("300ms"), canary)).await?;
    objects::create(&client, &objects::rolling("probe", 1, "probe:v1", None)).await?;
    let mut next_id = 0;
    let mut spawn = |cluster: &BenchCluster| -> anyhow::Result<ControllerProcess> {
        next_id += 1;
        ControllerProcess::spawn(cluster, &format!("ramp-{next_id}"), flags)
    };
    let mut procs = Vec::new();
    for _ in 0..args.replicas {
        let mut p = spawn(&cluster)?;
        p.wait_serving(cluster.dir(), Duration::from_secs(60)).await?;
        procs.push(p);
    }
    let timeout = Duration::from_secs(args.timeout_secs);
    let every = Duration::from_millis(10);
    let server = cluster.server.clone();
    let healthy =
        move |name: &str| objects::rollout(&server, name).is_some_and(|r| objects::settled_in(&r, "Healthy"));
    objects::wait_until("web and probe Healthy", timeout, every, || Ok(healthy("web") && healthy("probe")))
        .await?;

    let mut samples = Vec::new();
    for (i, signal) in schedule(args.kills, args.stops).into_iter().enumerate() {
        objects::set_image(&client, "web", &format!("web:v{}", i + 2)).await?;
        // Mid-canary: past the first step, not finished.
        let server = cluster.server.clone();
        objects::wait_until("web mid-canary", timeout, every, move || {
            Ok(objects::rollout(&server, "web").is_some_and(|r| {
                r.pointer("/status/observedGeneration") == r.pointer("/metadata/generation")
                    && r.pointer("/status/currentStep").and_then(serde_json::Value::as_i64).unwrap_or(0) >= 1
                    && !objects::settled_in(&r, "Healthy")
            }))
        })
        .await?;
        let leader = holder(&client).await?.context("nobody holds the lease mid-canary")?;
        let at = procs
            .iter()
            .position(|p| p.identity == leader)
            .with_context(|| format!("the leader {leader} is not one of the benchmark's processes"))?;
        let mut gone = procs.remove(at);
        #[allow(clippy::disallowed_methods)] // compared with the audit log's wall-clock times
        let sent = SystemTime::now();
        match signal {
            Signal::Kill => gone.kill()?,
            Signal::Term => gone.terminate()?,
        }
        objects::set_replicas(&client, "probe", if i % 2 == 0 { 2 } else { 1 }).await?;
        let (mut lease, mut write) = (None, None);
        let log = cluster.dir().to_path_buf();
        objects::wait_until(&format!("a new leader writing after {}", signal.name()), timeout, every, || {
            let entries = audit(&cluster);
            lease = lease.or_else(|| first_write_after(&entries, sent, &leader, true));
            write = write.or_else(|| first_write_after(&entries, sent, &leader, false));
            Ok(lease.is_some() && write.is_some())
        })
        .await?;
        let since = |t: Option<SystemTime>| t.and_then(|t| t.duration_since(sent).ok()).unwrap_or_default();
        samples.push(Sample { signal, lease: since(lease), write: since(write) });
        if signal == Signal::Term
            && !gone.reap(crate::controller::SHUTDOWN_BOUND + Duration::from_secs(5)).await?
        {
            bail!("{leader} did not exit within its shutdown bound after SIGTERM");
        }
        drop(gone);
        for p in &mut procs {
            p.check_alive(&log)?;
        }
        let mut fresh = spawn(&cluster)?;
        fresh.wait_serving(&log, Duration::from_secs(60)).await?;
        procs.push(fresh);
        objects::wait_until("web Healthy on its new revision", timeout, every, || Ok(healthy("web"))).await?;
    }
    let entries = audit(&cluster);
    let check = check_audit(&entries);
    drop(procs);
    cluster.stop().await;
    Ok((samples, check))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(user: &str, path: &str, at: u64, code: u16) -> AuditEntry {
        AuditEntry {
            at: SystemTime::UNIX_EPOCH + Duration::from_secs(at),
            user_agent: String::new(),
            user: format!("{USER_PREFIX}{user}"),
            groups: Vec::new(),
            method: "PATCH".into(),
            path: path.into(),
            code,
        }
    }

    #[test]
    fn kills_and_stops_alternate() {
        use Signal::{Kill, Term};
        assert_eq!(schedule(3, 1), vec![Kill, Term, Kill, Kill]);
        assert_eq!(schedule(0, 2), vec![Term, Term]);
    }

    #[test]
    fn a_write_by_anyone_but_the_last_lease_writer_is_caught() {
        let lease = "/apis/coordination.k8s.io/v1/namespaces/default/leases/ramp-controller";
        let rs = "/apis/apps/v1/namespaces/default/replicasets/web-1";
        let entries = vec![
            entry("ramp-1", lease, 1, 200),
            entry("ramp-1", rs, 2, 200),
            entry("ramp-2", rs, 3, 409),
            entry("ramp-2", lease, 4, 200),
            entry("ramp-2", rs, 5, 200),
            entry("ramp-1", rs, 6, 200),
        ];
        let check = check_audit(&entries);
        assert_eq!(check.checked, 3, "refused writes are not writes");
        assert_eq!(check.by_non_leader.len(), 1);
        assert!(check.by_non_leader[0].contains("by ramp-1"), "{:?}", check.by_non_leader);
        let since = SystemTime::UNIX_EPOCH + Duration::from_secs(3);
        assert_eq!(first_write_after(&entries, since, "ramp-1", true), Some(entries[3].at));
        assert_eq!(first_write_after(&entries, since, "ramp-1", false), Some(entries[4].at));
    }
}
