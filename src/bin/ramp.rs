//! `ramp`: the controller, the hollow cluster and the operator's tools.

use std::process::ExitCode;

fn main() -> ExitCode {
    ramp::cli::main()
}
