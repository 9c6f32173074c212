//! `int_or_percent_and_durations`: see `fuzz_checks::durations` for the input format and what is checked.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_checks::durations::check(data));
