#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| brine_fuzz::source_from_str(data));
