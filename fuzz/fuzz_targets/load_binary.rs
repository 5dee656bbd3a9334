//! Arbitrary bytes as a binary chunk: loading must return Ok or Err (the
//! loaded function is not run).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut lua = crescent::Lua::new();
    let l = lua.state();
    let _ = l.load_chunk(data, b"=fuzz", b"b", None);
});
