#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| brine_fuzz::io_load(data));
