//! `hollow_selectors`: see `fuzz_checks::selectors` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::selectors::check(data));
