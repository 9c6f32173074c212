//! `analysis_expr`: see `fuzz_checks::analysis_expr` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::analysis_expr::check(data));
