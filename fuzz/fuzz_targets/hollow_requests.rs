//! `hollow_requests`: see `fuzz_checks::requests` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::requests::check(data));
