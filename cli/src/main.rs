//! The `crescent` command: a stand-alone interpreter that behaves like PUC's
//! `lua` (`lua.c`).
//!
//! ```text
//! crescent [options] [script [args]]
//!   -e stat   execute string 'stat'
//!   -i        enter interactive mode after executing 'script'
//!   -l mod    require library 'mod' into global 'mod'
//!   -l g=mod  require library 'mod' into global 'g'
//!   -v        show version information
//!   -E        ignore environment variables
//!   -W        turn warnings on
//!   --        stop handling options
//!   -         stop handling options and execute stdin
//! ```
//!
//! As in `lua.c`, all the work happens inside a native function (`pmain`)
//! called in protected mode, so tracebacks end with "[C]: in ?". Chunks run
//! under a message handler that appends a traceback to the error message.

mod repl;

use std::cell::RefCell;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;
use std::sync::OnceLock;

use crescent::debug::Operand;
use crescent::error::ErrorKind;
use crescent::interrupt::Interrupter;
use crescent::stdlib::flush_stdout;
use crescent::tm::TmKind;
use crescent::value::Value;
use crescent::{Lua, LuaError, LuaResult, State};

/// The version line (`LUA_COPYRIGHT`).
const COPYRIGHT: &str = "Lua 5.4.8  Copyright (C) 1994-2025 Lua.org, PUC-Rio";
/// Program name used when `argv[0]` is empty (`LUA_PROGNAME`).
const PROGNAME: &[u8] = b"crescent";

thread_local! {
    /// The command line, for `pmain`.
    static ARGV: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
    /// The prefix of error messages (none in interactive mode).
    static PROG: RefCell<Option<Vec<u8>>> = RefCell::new(Some(PROGNAME.to_vec()));
}

fn progname() -> Option<Vec<u8>> {
    PROG.with(|p| p.borrow().clone())
}

fn set_progname(p: Option<Vec<u8>>) {
    PROG.with(|cell| *cell.borrow_mut() = p);
}

/// Writes to standard output through the state's buffer, then flushes it.
fn write_out(l: &mut State, bytes: &[u8]) {
    crescent::stdlib::write_stdout(l, bytes);
    flush_stdout(l);
}

/// Writes to standard error (after flushing buffered standard output).
fn write_err(l: &mut State, bytes: &[u8]) {
    flush_stdout(l);
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(bytes);
    let _ = err.flush();
}

/// "progname: msg\n" on standard error (`l_message`).
fn l_message(l: &mut State, pname: Option<&[u8]>, msg: &[u8]) {
    let mut out = Vec::new();
    if let Some(p) = pname {
        out.extend_from_slice(p);
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(msg);
    out.push(b'\n');
    write_err(l, &out);
}

/// The text of an error value as `lua_tostring` gives it.
fn error_bytes(v: Value) -> Vec<u8> {
    match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Int(_) | Value::Float(_) => crescent::auxlib::number_to_bytes(v),
        _ => b"(null)".to_vec(),
    }
}

/// Prints the message of a failed status (`report`); returns whether it was ok.
fn report<T>(l: &mut State, status: Result<T, LuaError>) -> bool {
    match status {
        Ok(_) => true,
        Err(e) => {
            let msg = error_bytes(e.value);
            let p = progname();
            l_message(l, p.as_deref(), &msg);
            false
        }
    }
}

/// The message handler: adds a traceback to the error message, or uses the
/// `__tostring` of a non-string error object (`msghandler`).
fn msghandler(l: &mut State) -> LuaResult<usize> {
    let v = l.arg(1);
    let msg: Vec<u8> = match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Int(_) | Value::Float(_) => crescent::auxlib::number_to_bytes(v),
        _ => {
            if let Some(tm) = l.metafield(v, TmKind::ToString) {
                let r = l.call_value(tm, &[v])?;
                if let Some(s @ Value::Str(_)) = r.first().copied() {
                    l.push(s);
                    return Ok(1);
                }
            }
            format!("(error object is a {} value)", v.type_name()).into_bytes()
        }
    };
    let tb = l.traceback(Some(&msg), 1);
    let s = l.new_str_value(&tb);
    l.push(s);
    Ok(1)
}

/// Calls the function at `func` (arguments above it) under the message
/// handler (`docall`). With `nres == -1` the results stay on the stack.
/// Meanwhile a first Ctrl-C (SIGINT) stops the Lua code with "interrupted!";
/// a second one, with the default action restored, kills the process.
fn docall(l: &mut State, func: usize, nres: i32) -> Result<(), LuaError> {
    set_sigint(on_sigint as *const () as libc::sighandler_t);
    let r = l.pcall(func, nres, Some(Value::LightNative(msghandler)));
    set_sigint(libc::SIG_DFL);
    r
}

/// Where SIGINT interrupts the main thread (set once in `main`).
static INTERRUPTER: OnceLock<Interrupter> = OnceLock::new();

/// The SIGINT handler (`laction`): default action for the next signal, and
/// an interruption request for the running Lua code.
extern "C" fn on_sigint(_sig: libc::c_int) {
    set_sigint(libc::SIG_DFL);
    if let Some(i) = INTERRUPTER.get() {
        // SAFETY: the handler runs on the main thread, which runs the state;
        // the state lives until `main` returns (the handler is reset first,
        // in `docall`).
        unsafe { i.interrupt() };
    }
}

/// Installs `handler` for SIGINT (without SA_RESTART, as `lua.c`).
fn set_sigint(handler: libc::sighandler_t) {
    // SAFETY: a zeroed `sigaction` is valid (empty mask, no flags); the
    // handler only touches atomics and the state's hook fields.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = handler;
        libc::sigemptyset(&mut act.sa_mask);
        libc::sigaction(libc::SIGINT, &act, std::ptr::null_mut());
    }
}

/// Runs a loaded chunk with no arguments (`dochunk`).
fn dochunk(l: &mut State, loaded: LuaResult<Value>) -> bool {
    let status = loaded.and_then(|f| {
        let base = l.top();
        l.push(f);
        docall(l, base, 0)
    });
    report(l, status)
}

fn dofile(l: &mut State, name: Option<&[u8]>) -> bool {
    let r = crescent::stdlib::base::load_file(l, name, b"bt", None);
    dochunk(l, r)
}

fn dostring(l: &mut State, s: &[u8], name: &[u8]) -> bool {
    let r = l.load_chunk(s, name, b"bt", None);
    dochunk(l, r)
}

/// A global variable (with `_ENV` metamethods, as `lua_getglobal`).
fn get_global(l: &mut State, name: &[u8]) -> LuaResult<Value> {
    let g = Value::Table(l.global().globals);
    let k = l.new_str_value(name);
    l.index_value(g, k, Operand::None)
}

fn set_global(l: &mut State, name: &[u8], v: Value) -> LuaResult<()> {
    let g = Value::Table(l.global().globals);
    let k = l.new_str_value(name);
    l.set_index_value(g, k, v, Operand::None)
}

/// `-l [g=]mod`: `g = require(mod)` (`dolibrary`). Without "g=", the global
/// name is the module name up to a '-' (version suffix).
fn dolibrary(l: &mut State, spec: &[u8]) -> bool {
    let (globname, modname): (Vec<u8>, &[u8]) = match spec.iter().position(|&c| c == b'=') {
        Some(eq) => (spec[..eq].to_vec(), &spec[eq + 1..]),
        None => {
            let g = match spec.iter().position(|&c| c == b'-') {
                Some(d) => spec[..d].to_vec(),
                None => spec.to_vec(),
            };
            (g, spec)
        }
    };
    let status = (|| {
        let req = get_global(l, b"require")?;
        let base = l.top();
        l.push(req);
        let m = l.new_str_value(modname);
        l.push(m);
        docall(l, base, 1)?;
        let v = l.at(base);
        let r = set_global(l, &globname, v);
        l.set_top(base);
        r
    })();
    report(l, status)
}

/// Pushes the script arguments `arg[1..#arg]` (`pushargs`).
fn pushargs(l: &mut State) -> LuaResult<usize> {
    let t = match get_global(l, b"arg")? {
        Value::Table(t) => t,
        _ => return Err(l.error("'arg' is not a table")),
    };
    let n = t.length().max(0) as usize;
    l.check_stack(n + 3)?;
    for i in 1..=n {
        l.push(t.get_int(i as i64));
    }
    Ok(n)
}

/// Loads and runs the script at `argv[script]` with its arguments.
fn handle_script(l: &mut State, argv: &[Vec<u8>], script: usize) -> LuaResult<bool> {
    let fname = &argv[script];
    let stdin = fname.as_slice() == b"-" && argv[script - 1].as_slice() != b"--";
    let loaded =
        crescent::stdlib::base::load_file(l, if stdin { None } else { Some(fname) }, b"bt", None);
    let status = match loaded {
        Ok(f) => {
            let base = l.top();
            l.push(f);
            pushargs(l)?;
            let r = docall(l, base, -1);
            if r.is_ok() {
                l.set_top(base);
            }
            r
        }
        Err(e) => Err(e),
    };
    Ok(report(l, status))
}

const HAS_ERROR: u32 = 1;
const HAS_I: u32 = 2;
const HAS_V: u32 = 4;
const HAS_E: u32 = 8;
const HAS_BIG_E: u32 = 16;

/// Scans the options (`collectargs`): the option flags and the index of the
/// script (`argv.len()` when there is none; the bad option on error).
fn collectargs(argv: &[Vec<u8>]) -> (u32, usize) {
    let mut args = 0;
    let mut i = 1;
    while i < argv.len() {
        let a = &argv[i];
        let first = i;
        if a.first() != Some(&b'-') {
            return (args, first);
        }
        let extra = a.len() > 2;
        match a.get(1).copied() {
            Some(b'-') => {
                if extra {
                    return (HAS_ERROR, first);
                }
                return (args, i + 1);
            }
            None => return (args, first),
            Some(b'E') => {
                if extra {
                    return (HAS_ERROR, first);
                }
                args |= HAS_BIG_E;
            }
            Some(b'W') => {
                if extra {
                    return (HAS_ERROR, first);
                }
            }
            Some(c @ (b'i' | b'v')) => {
                if c == b'i' {
                    args |= HAS_I;
                }
                if extra {
                    return (HAS_ERROR, first);
                }
                args |= HAS_V;
            }
            Some(c @ (b'e' | b'l')) => {
                if c == b'e' {
                    args |= HAS_E;
                }
                if !extra {
                    i += 1;
                    match argv.get(i) {
                        Some(next) if next.first() != Some(&b'-') => {}
                        _ => return (HAS_ERROR, first),
                    }
                }
            }
            _ => return (HAS_ERROR, first),
        }
        i += 1;
    }
    (args, argv.len())
}

fn print_usage(l: &mut State, badoption: &[u8]) {
    let p = String::from_utf8_lossy(&progname().unwrap_or_else(|| PROGNAME.to_vec())).into_owned();
    let bad = String::from_utf8_lossy(badoption).into_owned();
    let first = if matches!(badoption.get(1), Some(b'e' | b'l')) {
        format!("{p}: '{bad}' needs argument\n")
    } else {
        format!("{p}: unrecognized option '{bad}'\n")
    };
    let usage = format!(
        "{first}usage: {p} [options] [script [args]]\n\
Available options are:\n  \
-e stat   execute string 'stat'\n  \
-i        enter interactive mode after executing 'script'\n  \
-l mod    require library 'mod' into global 'mod'\n  \
-l g=mod  require library 'mod' into global 'g'\n  \
-v        show version information\n  \
-E        ignore environment variables\n  \
-W        turn warnings on\n  \
--        stop handling options\n  \
-         stop handling options and execute stdin\n"
    );
    write_err(l, usage.as_bytes());
}

fn print_version(l: &mut State) {
    write_out(l, format!("{COPYRIGHT}\n").as_bytes());
}

/// The global `arg`: the script at index 0, the interpreter and options at
/// negative indices, the script arguments at positive ones (`createargtable`).
fn createargtable(l: &mut State, argv: &[Vec<u8>], script: usize) {
    let script = if script == argv.len() { 0 } else { script };
    let narg = argv.len().saturating_sub(script + 1);
    let t = l.new_table(narg, script + 1);
    for (i, a) in argv.iter().enumerate() {
        let v = l.new_str_value(a);
        t.set_int(i as i64 - script as i64, v);
    }
    let g = l.global().globals;
    l.set_field(g, "arg", Value::Table(t));
}

/// Runs `LUA_INIT_5_4` or `LUA_INIT` ("@file" runs a file).
fn handle_luainit(l: &mut State) -> bool {
    let (name, init) = match std::env::var_os("LUA_INIT_5_4") {
        Some(v) => ("=LUA_INIT_5_4", v),
        None => match std::env::var_os("LUA_INIT") {
            Some(v) => ("=LUA_INIT", v),
            None => return true,
        },
    };
    let init = init.as_bytes();
    if init.first() == Some(&b'@') {
        dofile(l, Some(&init[1..]))
    } else {
        dostring(l, init, name.as_bytes())
    }
}

/// Runs the `-e`, `-l` and `-W` options before the script (`runargs`).
fn runargs(l: &mut State, argv: &[Vec<u8>], n: usize) -> bool {
    let mut i = 1;
    while i < n {
        let a = &argv[i];
        match a.get(1).copied() {
            Some(opt @ (b'e' | b'l')) => {
                let extra: Vec<u8> = if a.len() > 2 {
                    a[2..].to_vec()
                } else {
                    i += 1;
                    argv[i].clone()
                };
                let ok = if opt == b'e' {
                    dostring(l, &extra, b"=(command line)")
                } else {
                    dolibrary(l, &extra)
                };
                if !ok {
                    return false;
                }
            }
            Some(b'W') => l.global().warnings_on = true,
            _ => {}
        }
        i += 1;
    }
    true
}

fn stdin_is_tty() -> bool {
    std::io::IsTerminal::is_terminal(&std::io::stdin())
}

/// The body of the interpreter, run in protected mode (`pmain`).
fn pmain(l: &mut State) -> LuaResult<usize> {
    let argv = ARGV.with(|a| a.borrow().clone());
    let argc = argv.len();
    let (args, script) = collectargs(&argv);
    if args == HAS_ERROR {
        print_usage(l, &argv[script]);
        return Ok(0);
    }
    if args & HAS_V != 0 {
        print_version(l);
    }
    if args & HAS_BIG_E != 0 {
        let reg = l.global().registry;
        l.set_field(reg, "LUA_NOENV", Value::Bool(true));
    }
    crescent::stdlib::open_libs(l);
    createargtable(l, &argv, script);
    // As `lua` does: the collector runs in generational mode.
    l.enter_generational();
    configure_collector(l);
    if args & HAS_BIG_E == 0 && !handle_luainit(l) {
        return Ok(0);
    }
    if !runargs(l, &argv, script) {
        return Ok(0);
    }
    if script < argc && !handle_script(l, &argv, script)? {
        return Ok(0);
    }
    if args & HAS_I != 0 {
        repl::do_repl(l)?;
    } else if script == argc && args & (HAS_E | HAS_V) == 0 {
        if stdin_is_tty() {
            print_version(l);
            repl::do_repl(l)?;
        } else {
            dofile(l, None);
        }
    }
    l.push(Value::Bool(true));
    Ok(1)
}

/// Collector settings from the environment, for testing: `CRESCENT_GC_MODE`
/// (`incremental`; the default is generational, as for `lua`),
/// `CRESCENT_GC_STATS=1` (print step figures at exit),
/// `CRESCENT_GC_STRESS=1` (a collector step
/// at every safe point, like PUC's `HARDMEMTESTS`, with heap verification) and
/// `CRESCENT_GC_VERIFY=1` (verify the heap after every step).
fn configure_collector(l: &mut State) {
    let on = |name: &str| std::env::var_os(name).is_some_and(|v| v != "0" && !v.is_empty());
    if on("CRESCENT_GC_STRESS") {
        l.global().heap.stress = true;
    }
    if on("CRESCENT_GC_VERIFY") {
        l.global().heap.verify_steps = true;
    }
    match std::env::var_os("CRESCENT_GC_MODE") {
        Some(m) if m == "incremental" => l.enter_incremental(),
        Some(m) if m == "generational" => l.enter_generational(),
        _ => {}
    }
}

/// Keeps large blocks (table arrays, long strings) in their own mappings, so
/// freeing one gives its memory back to the system at once. glibc otherwise
/// raises this threshold after the first such block is freed, and later large
/// blocks then fragment the main heap (a program building a new 2 MB array
/// per iteration ends up with several resident).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only changes allocator parameters; called before any
    // other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
    }
}

fn main() -> ExitCode {
    tune_allocator();
    let argv: Vec<Vec<u8>> = std::env::args_os().map(|a| a.as_bytes().to_vec()).collect();
    if let Some(p) = argv.first() {
        if !p.is_empty() {
            set_progname(Some(p.clone()));
        }
    }
    ARGV.with(|a| *a.borrow_mut() = argv);
    let mut lua = Lua::new_bare();
    let l = lua.state();
    let _ = INTERRUPTER.set(Interrupter::new(l));
    let base = l.top();
    l.push(Value::LightNative(pmain));
    let status = l.pcall(base, 1, None);
    let result = status.is_ok() && !l.at(base).is_falsy();
    if let Err(e) = status {
        if e.kind != ErrorKind::Yield {
            report(l, Err::<(), _>(e));
        }
    }
    flush_stdout(l);
    if std::env::var_os("CRESCENT_GC_STATS").is_some() {
        let heap = &l.global().heap;
        eprintln!(
            "gc: {} incremental steps, longest {} work units, {:?}",
            heap.steps, heap.longest_step, heap.longest_step_time
        );
    }
    drop(lua);
    if result {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
