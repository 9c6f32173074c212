//! `hollow_patches`: see `fuzz_checks::patches` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::patches::check(data));
