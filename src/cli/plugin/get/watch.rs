//! `get --watch`: watches (no polling) the Rollout, its ReplicaSets, pods and AnalysisRuns and
//! the Services of its namespace; once every watch has listed, each event rebuilds the tree
//! from the caches and a tree that changed is drawn — in place on a terminal (cursor up over
//! the last frame, clear to the end), else as a new frame after a blank line. Ends on Ctrl-C.

use std::io::{IsTerminal, Write};

use anyhow::Context;
use futures::{StreamExt, stream::BoxStream};
use k8s_openapi::api::{
    apps::v1::ReplicaSet,
    core::v1::{Pod, Service},
};
use kube::{
    Api, Resource,
    api::ListParams,
    runtime::{
        WatchStreamExt,
        reflector::{self, Store},
        watcher,
    },
};
use serde::de::DeserializeOwned;

use super::{GetArgs, children_selector, model};
use crate::{
    api::{Rollout, analysis::AnalysisRun},
    cli::{CliError, Output, plugin::output::Style},
};

/// What a watch said: it finished its initial list, or something changed.
enum Signal {
    Listed(usize),
    Changed,
}

/// A cache of `api` (objects matching `config`) and its stream of signals; `index` names the
/// watch in [`Signal::Listed`].
fn cached<K>(api: Api<K>, config: watcher::Config, index: usize) -> (Store<K>, BoxStream<'static, Signal>)
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + Sync + 'static,
    K::DynamicType: Default + Eq + std::hash::Hash + Clone,
{
    let (reader, writer) = reflector::store();
    let stream = watcher(api, config)
        .default_backoff()
        .reflect(writer)
        .filter_map(move |e| {
            std::future::ready(match e {
                Ok(watcher::Event::InitDone) => Some(Signal::Listed(index)),
                Ok(watcher::Event::Init | watcher::Event::InitApply(_)) => None,
                Ok(_) => Some(Signal::Changed),
                Err(err) => {
                    tracing::debug!(error = %err, "watch failed; retrying");
                    None
                }
            })
        })
        .boxed();
    (reader, stream)
}

fn owned<K>(store: &Store<K>) -> Vec<K>
where
    K: Resource + Clone + 'static,
    K::DynamicType: Eq + std::hash::Hash + Clone,
{
    store.state().iter().map(|o| (**o).clone()).collect()
}

/// Watches and draws until Ctrl-C (or the Rollout is deleted).
pub async fn watch(
    client: &kube::Client,
    ns: &str,
    args: &GetArgs,
    out: &mut dyn Write,
) -> Result<(), CliError> {
    // Fails early, with the same message as `get`, when the Rollout is not there.
    super::fetch(client, ns, &args.rollout).await?;
    let by_name = watcher::Config::default().fields(&format!("metadata.name={}", args.rollout));
    let children = watcher::Config::default().labels(&children_selector(&args.rollout));
    let (rollouts, s0) = cached(Api::<Rollout>::namespaced(client.clone(), ns), by_name, 0);
    let (rss, s1) = cached(Api::<ReplicaSet>::namespaced(client.clone(), ns), children.clone(), 1);
    let (pods, s2) = cached(Api::<Pod>::namespaced(client.clone(), ns), children.clone(), 2);
    let (services, s3) =
        cached(Api::<Service>::namespaced(client.clone(), ns), watcher::Config::default(), 3);
    let mut streams: Vec<BoxStream<'static, Signal>> = vec![s0, s1, s2, s3];
    let runs_api = Api::<AnalysisRun>::namespaced(client.clone(), ns);
    let mut listed = [false; 5];
    let runs = match runs_api.list(&ListParams::default().limit(1)).await {
        Ok(_) => {
            let (store, s4) = cached(runs_api, children, 4);
            streams.push(s4);
            Some(store)
        }
        // Not served: nothing to wait for.
        Err(kube::Error::Api(e)) if e.code == 404 => {
            listed[4] = true;
            None
        }
        Err(e) => return Err(anyhow::Error::new(e).context("listing AnalysisRuns").into()),
    };
    let mut events = futures::stream::select_all(streams);
    let style = Style::detect();
    let terminal = std::io::stdout().is_terminal();
    let mut frames = Frames { style, terminal, last_tree: None, last_lines: 0, printed: 0 };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let signal = tokio::select! {
            _ = &mut ctrl_c => return Ok(()),
            s = events.next() => s,
        };
        match signal {
            None => return Ok(()),
            Some(Signal::Listed(i)) => {
                if let Some(l) = listed.get_mut(i) {
                    *l = true;
                }
            }
            Some(Signal::Changed) => {}
        }
        if !listed.iter().all(|l| *l) {
            continue;
        }
        let Some(rollout) = rollouts.state().first().map(|r| (**r).clone()) else {
            return Err(CliError::Failed(anyhow::anyhow!("rollout {} was deleted", args.rollout)));
        };
        let snapshot = model::Snapshot {
            rollout,
            replica_sets: owned(&rss),
            pods: owned(&pods),
            runs: runs.as_ref().map(owned).unwrap_or_default(),
            services: owned(&services),
        };
        frames.draw(out, args.output, model::build(&snapshot))?;
    }
}

/// What was drawn last, so only a changed tree is drawn and a terminal frame is replaced.
struct Frames {
    style: Style,
    /// Redraw in place (stdout is a terminal).
    terminal: bool,
    last_tree: Option<model::Tree>,
    last_lines: usize,
    printed: usize,
}

impl Frames {
    fn draw(&mut self, out: &mut dyn Write, format: Output, tree: model::Tree) -> Result<(), CliError> {
        if self.last_tree.as_ref() == Some(&tree) {
            return Ok(());
        }
        let mut frame = Vec::new();
        super::print(&mut frame, format, &tree, self.style)?;
        let text = String::from_utf8_lossy(&frame);
        if self.printed > 0 {
            if self.terminal {
                // Back over the last frame, then clear from there down.
                write!(out, "\x1b[{}A\x1b[J", self.last_lines).context("writing output")?;
            } else {
                writeln!(out).context("writing output")?;
            }
        }
        out.write_all(text.as_bytes()).context("writing output")?;
        out.flush().context("writing output")?;
        self.last_lines = text.lines().count();
        self.printed += 1;
        self.last_tree = Some(tree);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn tree(phase: &str) -> model::Tree {
        let rollout: Rollout = serde_json::from_value(json!({
            "apiVersion": "ramp.dev/v1alpha1", "kind": "Rollout",
            "metadata": {"name": "web", "namespace": "default", "uid": "u", "generation": 1},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}}, "strategy": {"rollingUpdate": {}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "v1"}]}}},
            "status": {"observedGeneration": 1, "phase": phase},
        }))
        .unwrap();
        let s = model::Snapshot {
            rollout,
            replica_sets: Vec::new(),
            pods: Vec::new(),
            runs: Vec::new(),
            services: Vec::new(),
        };
        model::build(&s)
    }

    fn frames(terminal: bool) -> Frames {
        Frames { style: Style { colour: false }, terminal, last_tree: None, last_lines: 0, printed: 0 }
    }

    #[test]
    fn a_terminal_frame_replaces_the_last_one() {
        let mut f = frames(true);
        let mut out = Vec::new();
        f.draw(&mut out, Output::Text, tree("Progressing")).unwrap();
        let first = String::from_utf8(out.clone()).unwrap();
        let lines = first.lines().count();
        f.draw(&mut out, Output::Text, tree("Progressing")).unwrap();
        assert_eq!(String::from_utf8(out.clone()).unwrap(), first, "an unchanged tree is not drawn again");
        f.draw(&mut out, Output::Text, tree("Healthy")).unwrap();
        let all = String::from_utf8(out).unwrap();
        let second = all.strip_prefix(&first).unwrap();
        let up = format!("\x1b[{lines}A\x1b[J");
        assert!(second.starts_with(&up), "cursor up {lines} lines, then clear: {second:?}");
        assert!(second[up.len()..].starts_with("Name:        web\n"), "{second:?}");
    }

    #[test]
    fn a_pipe_gets_each_changed_frame_after_a_blank_line() {
        let mut f = frames(false);
        let mut out = Vec::new();
        f.draw(&mut out, Output::Text, tree("Progressing")).unwrap();
        f.draw(&mut out, Output::Text, tree("Healthy")).unwrap();
        let all = String::from_utf8(out).unwrap();
        assert!(!all.contains('\x1b'), "{all:?}");
        let frames: Vec<&str> = all.split("\n\nName:").collect();
        assert_eq!(frames.len(), 2, "{all}");
        assert!(frames[0].contains("Progressing") && frames[1].contains("Healthy"), "{all}");
    }
}
