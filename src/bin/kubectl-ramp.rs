//! `kubectl-ramp`: the same commands, found by kubectl as the `kubectl ramp` plugin.

use std::process::ExitCode;

fn main() -> ExitCode {
    ramp::cli::main()
}
