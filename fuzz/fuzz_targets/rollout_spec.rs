//! `rollout_spec`: see `fuzz_checks::rollout_spec` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::rollout_spec::check(data));
