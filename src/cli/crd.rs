//! `ramp crd`: print the CRDs, or the field reference generated from them.

use std::io::Write;

use anyhow::Context;

use super::CliError;
use crate::api::{crd::crds_yaml, reference::reference_markdown};

/// Arguments of `ramp crd`.
#[derive(Debug, clap::Args)]
pub struct CrdArgs {
    /// Print the field reference (docs/reference.md) instead of the YAML.
    #[arg(long)]
    pub reference: bool,
}

/// Writes every CRD as YAML, or the reference page.
pub fn run(args: &CrdArgs, out: &mut impl Write) -> Result<(), CliError> {
    let text = if args.reference {
        reference_markdown().context("generating the reference")?
    } else {
        crds_yaml().context("generating the CRDs")?
    };
    out.write_all(text.as_bytes()).context("writing the output")?;
    Ok(())
}
