//! Arbitrary bytes as Lua source, run in a sandboxed state with an
//! instruction budget (see common/sandbox.rs). Lua errors are fine; a panic
//! or a memory error is a bug.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/sandbox.rs"]
mod sandbox;

fuzz_target!(|data: &[u8]| {
    let mut lua = sandbox::new_lua();
    sandbox::load_and_run(&mut lua, data, b"t");
});
