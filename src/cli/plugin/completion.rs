//! Shell completion. `completion bash|zsh|fish|powershell|elvish` prints a script generated
//! by clap_complete from the same command tree, for `kubectl-ramp` (or `ramp`) typed as such.
//!
//! `kubectl ramp ...` is completed by kubectl itself (≥ 1.26): it runs an executable named
//! `kubectl_complete-ramp` from PATH with the words after `ramp` (the last being the one to
//! complete) and reads Cobra's answer — candidates one per line, then `:DIRECTIVE`. The
//! hidden `__complete` subcommand gives that answer (subcommands, flags, flag values, and
//! Rollout names read from the cluster); `contrib/kubectl_complete-ramp` is the three-line
//! script that calls it.

use std::io::Write;

use anyhow::Context;
use clap::CommandFactory;
use kube::{Api, ResourceExt, api::ListParams};

use crate::{
    api::Rollout,
    cli::{Cli, CliError},
};

/// Cobra's directive: complete from the candidates only, no file names.
const NO_FILE_COMP: u8 = 4;
/// Cobra's directive: the shell's default (file names).
const DEFAULT: u8 = 0;

/// Arguments of `completion`.
#[derive(Debug, clap::Args)]
pub struct CompletionArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// Arguments of the hidden `__complete`.
#[derive(Debug, clap::Args)]
pub struct CompleteArgs {
    /// The words after `ramp`; the last is the one being completed (may be empty).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

/// The name the script completes: the binary's own (`kubectl-ramp` or `ramp`).
fn bin_name() -> String {
    std::env::args()
        .next()
        .and_then(|a| std::path::Path::new(&a).file_name().map(|f| f.to_string_lossy().into_owned()))
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "kubectl-ramp".into())
}

/// Runs `completion`.
pub fn run(args: &CompletionArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, bin_name(), &mut buf);
    out.write_all(&buf).context("writing output")?;
    Ok(())
}

/// Where the words leave the completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Want {
    /// Subcommand names (with their help) starting with the word.
    Subcommands(Vec<(String, String)>),
    /// Flags of the command.
    Flags(Vec<String>),
    /// Fixed values of the flag before the word.
    Values(Vec<String>),
    /// Names of Rollouts.
    Rollouts,
    /// File names (the shell's default).
    Files,
    /// Nothing to offer.
    Nothing,
}

/// What to complete after `words` (pure: the command tree only).
pub fn want(words: &[String]) -> Want {
    let root = Cli::command();
    let (last, before) = match words.split_last() {
        Some((l, b)) => (l.as_str(), b),
        None => ("", &[][..]),
    };
    let mut cmd = &root;
    let mut positionals = 0;
    let mut skip_value = false;
    let mut value_of: Option<&clap::Arg> = None;
    for w in before {
        value_of = None;
        if skip_value {
            skip_value = false;
            continue;
        }
        if let Some(flag) = w.strip_prefix('-') {
            if w.contains('=') {
                continue;
            }
            let arg = cmd.get_arguments().find(|a| match flag.strip_prefix('-') {
                Some(long) => a.get_long() == Some(long),
                None => flag.len() == 1 && a.get_short().map(String::from).as_deref() == Some(flag),
            });
            if let Some(a) = arg.filter(|a| a.get_action().takes_values()) {
                skip_value = true;
                value_of = Some(a);
            }
            continue;
        }
        if let Some(sub) = cmd.find_subcommand(w) {
            cmd = sub;
            positionals = 0;
        } else {
            positionals += 1;
        }
    }
    if let Some(a) = value_of {
        let values: Vec<String> = a
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        return if values.is_empty() { Want::Files } else { Want::Values(values) };
    }
    if last.starts_with('-') {
        let flags = cmd
            .get_arguments()
            .filter(|a| !a.is_hide_set())
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .chain(["--help".to_string()])
            .filter(|f| f.starts_with(last))
            .collect();
        return Want::Flags(flags);
    }
    if cmd.has_subcommands() {
        let subs = cmd
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name().starts_with(last))
            .map(|s| (s.get_name().to_string(), s.get_about().map(|a| a.to_string()).unwrap_or_default()))
            .collect();
        return Want::Subcommands(subs);
    }
    let positional: Vec<&clap::Arg> = cmd.get_positionals().collect();
    match positional.get(positionals).map(|a| a.get_id().as_str()) {
        Some("rollout") => Want::Rollouts,
        Some(_) => Want::Files,
        None => Want::Nothing,
    }
}

/// The namespace the words name with `-n/--namespace`, if any.
fn namespace_in(words: &[String]) -> Option<String> {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if let Some(ns) = w.strip_prefix("--namespace=").or_else(|| w.strip_prefix("-n=")) {
            return Some(ns.to_string());
        }
        if w == "-n" || w == "--namespace" {
            return it.next().cloned();
        }
    }
    None
}

/// Runs `__complete`: Cobra's answer for kubectl.
pub fn complete(args: &CompleteArgs, out: &mut dyn Write) -> Result<(), CliError> {
    let partial = args.words.last().cloned().unwrap_or_default();
    let (lines, directive): (Vec<String>, u8) = match want(&args.words) {
        Want::Subcommands(s) => {
            (s.into_iter().map(|(n, about)| format!("{n}\t{about}")).collect(), NO_FILE_COMP)
        }
        Want::Flags(f) | Want::Values(f) => {
            (f.into_iter().filter(|v| v.starts_with(&partial)).collect(), NO_FILE_COMP)
        }
        Want::Rollouts => (rollouts(&args.words, &partial).unwrap_or_default(), NO_FILE_COMP),
        Want::Files => (Vec::new(), DEFAULT),
        Want::Nothing => (Vec::new(), NO_FILE_COMP),
    };
    for l in lines {
        writeln!(out, "{l}").context("writing output")?;
    }
    writeln!(out, ":{directive}").context("writing output")?;
    Ok(())
}

/// Rollout names starting with `partial`, from the cluster (none when it cannot be read:
/// completion never fails loudly).
fn rollouts(words: &[String], partial: &str) -> Option<Vec<String>> {
    let rt = super::target::runtime().ok()?;
    rt.block_on(async {
        let target = super::target::Target { namespace: namespace_in(words), ..Default::default() };
        let client = target.client().await.ok()?;
        let ns = target.namespace(&client);
        let list = Api::<Rollout>::namespaced(client, &ns).list(&ListParams::default()).await.ok()?;
        Some(list.iter().map(ResourceExt::name_any).filter(|n| n.starts_with(partial)).collect())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_lead_to_subcommands_flags_values_and_rollouts() {
        let Want::Subcommands(s) = want(&words(&["st"])) else { panic!() };
        assert_eq!(s.iter().map(|x| x.0.as_str()).collect::<Vec<_>>(), vec!["status"]);
        assert_eq!(want(&words(&["get", ""])), Want::Rollouts);
        assert_eq!(want(&words(&["get", "-n", "prod", ""])), Want::Rollouts);
        assert_eq!(want(&words(&["get", "web", ""])), Want::Nothing);
        assert_eq!(want(&words(&["lint", ""])), Want::Files);
        let Want::Values(v) = want(&words(&["status", "web", "--until", ""])) else { panic!() };
        assert_eq!(v, vec!["healthy", "paused"]);
        let Want::Flags(f) = want(&words(&["status", "web", "--ti"])) else { panic!() };
        assert_eq!(f, vec!["--timeout"]);
        let Want::Subcommands(s) = want(&words(&["set", ""])) else { panic!() };
        assert_eq!(s[0].0, "image");
        assert_eq!(want(&words(&["set", "image", ""])), Want::Rollouts);
        assert_eq!(namespace_in(&words(&["get", "-n", "prod", ""])), Some("prod".into()));
        assert_eq!(namespace_in(&words(&["get", "--namespace=qa"])), Some("qa".into()));
    }
}
