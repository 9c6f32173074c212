//! `ramp crd`: print the CRDs.

use std::io::Write;

use anyhow::Context;

use super::CliError;
use crate::api::crd::crds_yaml;

/// Writes every CRD as YAML.
pub fn run(out: &mut impl Write) -> Result<(), CliError> {
    let yaml = crds_yaml().context("generating the CRDs")?;
    out.write_all(yaml.as_bytes()).context("writing the CRDs")?;
    Ok(())
}
