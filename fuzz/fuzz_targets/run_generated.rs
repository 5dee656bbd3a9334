//! Grammar-generated Lua programs (see common/gen.rs), compiled and run in
//! the sandbox with its instruction and memory budget. Besides "no panic",
//! one invariant is checked: whatever the compiler produces, its binary dump
//! (with and without debug information) must load again (the chunk verifier
//! accepts all of the compiler's output).
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../common/gen.rs"]
mod gen;
#[path = "../common/sandbox.rs"]
mod sandbox;

fuzz_target!(|data: &[u8]| {
    let src = gen::Generator::program(data);
    // FUZZ_SHOW_PROGRAM=file writes the program there (to replay a finding).
    if let Some(path) = std::env::var_os("FUZZ_SHOW_PROGRAM") {
        let _ = std::fs::write(path, &src);
    }
    // A smaller budget than run_source's: generated loops often run until
    // the budget ends them, and a shorter run means more programs.
    let mut lua = sandbox::new_lua_budget(true, 20_000);
    if let Ok(proto) = crescent::compiler::compile(src.as_bytes(), b"=gen") {
        for strip in [false, true] {
            let chunk = crescent::dump::dump(&proto, strip);
            let l = lua.state();
            let base = l.top();
            if let Err(e) = l.load_chunk(&chunk, b"=gen", b"b", None) {
                let msg = crescent::api::error_text(l, e);
                panic!(
                    "the dump of a compiled program does not load (strip {strip}): {msg}\n{src}"
                );
            }
            l.set_top(base);
        }
    }
    sandbox::load_and_run(&mut lua, src.as_bytes(), b"t");
});
