//! The standard libraries, one file each (PUC's `l*lib.c`), and `open_libs`.

pub mod base;
pub mod corolib;
pub mod dblib;
pub mod iolib;
pub mod loadlib;
pub mod lproc;
pub mod mathlib;
pub mod oslib;
#[doc(hidden)]
pub mod pack;
#[doc(hidden)]
pub mod pattern;
#[doc(hidden)]
pub mod printf;
pub mod strlib;
pub mod tablib;
pub mod utf8lib;

use std::io::Write;

use crate::state::State;

/// Opens every standard library into the state's globals (`luaL_openlibs`).
pub fn open_libs(l: &mut State) {
    let loaded = l.loaded_table();
    base::open(l);
    loadlib::open(l);
    corolib::open(l);
    strlib::open(l);
    tablib::open(l);
    mathlib::open(l);
    utf8lib::open(l);
    oslib::open(l);
    iolib::open(l);
    dblib::open(l);
    let g = l.global().globals;
    l.set_field(loaded, "_G", crate::value::Value::Table(g));
}

/// Bytes a library's result buffer may grow between two checks of the
/// memory limit (the buffer is outside the heap until it becomes a string).
pub(crate) const MEMORY_CHECK_STEP: usize = 64 << 10;

/// Applies the state's memory limit to a result buffer of `len` bytes being
/// built outside the heap, once per `MEMORY_CHECK_STEP` bytes of growth
/// (`next_check` starts at 0), so a runaway result fails with "not enough
/// memory" before it is built. Call only where a collection may run.
pub(crate) fn check_buffer_growth(
    l: &mut State,
    len: usize,
    next_check: &mut usize,
) -> crate::error::LuaResult<()> {
    if len >= *next_check {
        l.check_memory_limit(len)?;
        *next_check = len.saturating_add(MEMORY_CHECK_STEP);
    }
    Ok(())
}

/// Appends to the buffered standard output.
pub fn write_stdout(l: &mut State, bytes: &[u8]) {
    let g = l.global();
    g.out_buffer.extend_from_slice(bytes);
    if g.stdout_is_tty || g.out_buffer.len() >= 1 << 14 {
        flush_stdout(l);
    }
}

/// Writes out buffered standard output.
pub fn flush_stdout(l: &mut State) {
    let g = l.global();
    if !g.out_buffer.is_empty() {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&g.out_buffer);
        let _ = out.flush();
        g.out_buffer.clear();
    }
}

/// The C library's text for an I/O error (`strerror`), without Rust's suffix.
pub fn os_error_text(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Emits a warning (when warnings are on), as `warn` does.
pub fn emit_warning(l: &mut State, msg: &[u8]) {
    if crate::raw::deliver_warning_to_host(l, msg) {
        return;
    }
    if l.global().warnings_on {
        flush_stdout(l);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(b"Lua warning: ");
        let _ = err.write_all(msg);
        let _ = err.write_all(b"\n");
    }
}
