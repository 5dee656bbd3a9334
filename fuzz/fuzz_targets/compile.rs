//! Arbitrary bytes as Lua source: the compiler must return Ok or Err.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = crescent::compiler::compile(data, b"=fuzz");
});
