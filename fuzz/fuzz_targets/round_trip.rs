#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| brine_fuzz::round_trip(data));
