//! The debug library (PUC's `ldblib.c`, with the parts of `ldebug.c` it needs:
//! `lua_getinfo`, `lua_getlocal`/`lua_setlocal`, `luaG_findlocal`).
//!
//! # Hooks: the interface for the VM
//!
//! `debug.sethook` stores, per thread:
//! - the hook function in `registry._HOOKKEY[thread]` (as PUC does; the table is
//!   its own metatable with `__mode = "k"`),
//! - the event mask and the count in `registry._HOOKMASK[thread]`, as the integer
//!   `mask | (count << 8)`, where `mask` is made of [`MASK_CALL`], [`MASK_RET`],
//!   [`MASK_LINE`] and [`MASK_COUNT`]. [`hook_mask`] and [`hook_count`] read them.
//!
//! The VM reports events with [`run_hook`] (or [`run_hook_transfer`] for call
//! and return events, which carry the transferred values):
//!
//! ```ignore
//! crate::stdlib::dblib::run_hook(l, "line", Some(line))?;   // new line
//! crate::stdlib::dblib::run_hook(l, "count", None)?;        // count expired
//! crate::stdlib::dblib::run_hook_transfer(l, "call", None, 1, nargs)?;
//! crate::stdlib::dblib::run_hook_transfer(l, "return", None, first_result - func, nres)?;
//! ```
//!
//! `event` is one of "call", "tail call", "return", "line", "count". The hooked
//! function must be the top frame (`l.frames.last()`), with its `pc` saved
//! (one past the instruction being executed, as for errors). `run_hook` does
//! nothing when the running thread has no hook function or is already running
//! a hook; it marks the frame with `call_status::HOOKED` while the hook runs
//! (so `debug.getinfo` names the hook function "hook"), protects the frame's
//! registers (`top` is raised to the frame's `top`), and restores `top` and the
//! frame's `top` afterwards. Errors raised by the hook propagate.
//!
//! `debug.traceback` is `crate::traceback::traceback_native`.

use std::cell::RefCell;

use crate::error::{LuaError, LuaResult};
use crate::gc::{Gc, GcRef};
use crate::opcodes::{get_op, OpCode};
use crate::state::{call_status, CallInfo, State, Thread, MIN_STACK};
use crate::table::Table;
use crate::value::{LuaType, Value};

/// Hook mask bits (PUC's `LUA_MASK*`).
pub const MASK_CALL: u8 = 1;
/// Hook on returns.
pub const MASK_RET: u8 = 2;
/// Hook on new lines.
pub const MASK_LINE: u8 = 4;
/// Hook every `count` instructions.
pub const MASK_COUNT: u8 = 8;

const HOOKKEY: &str = "_HOOKKEY";
const HOOKMASK: &str = "_HOOKMASK";

/// Opens the `debug` library.
pub fn open(l: &mut State) {
    l.register_lib(
        "debug",
        &[
            ("debug", debug),
            ("getuservalue", getuservalue),
            ("gethook", gethook),
            ("getinfo", getinfo),
            ("getlocal", getlocal),
            ("getregistry", getregistry),
            ("getmetatable", getmetatable),
            ("getupvalue", getupvalue),
            ("upvaluejoin", upvaluejoin),
            ("upvalueid", upvalueid),
            ("setuservalue", setuservalue),
            ("sethook", sethook),
            ("setlocal", setlocal),
            ("setmetatable", setmetatable),
            ("setupvalue", setupvalue),
            ("traceback", crate::traceback::traceback_native),
            ("setcstacklimit", setcstacklimit),
        ],
    );
}

// ----- reaching a thread -----

/// The state of `co`, which may be the running thread (then `l` itself).
#[allow(clippy::mut_from_ref)]
fn state_of(l: &mut State, co: Option<Gc<Thread>>) -> &mut State {
    match co {
        Some(t) if Some(t) != l.thread => {
            // Threads run one at a time; the debug functions touch this one's stack
            // and frames briefly, like `corolib` does.
            // SAFETY: `t` is not the running thread and no reference into it is live.
            unsafe { &mut *t.state_ptr() }
        }
        _ => l,
    }
}

/// PUC's `getthread`: an optional thread as first argument. Returns the thread
/// (None: the running one) and how many arguments it takes (0 or 1).
fn get_thread(l: &State) -> (Option<Gc<Thread>>, usize) {
    match l.arg(1) {
        Value::Thread(t) => (Some(t), 1),
        _ => (None, 0),
    }
}

/// PUC's `lua_getstack`: the frame index of `level` (0 = top frame).
fn frame_at_level(l1: &State, level: i64) -> Option<usize> {
    // PUC converts the level to a C int.
    let level = level as i32 as i64;
    let n = l1.frames.len() as i64;
    if level < 0 || level >= n {
        None
    } else {
        Some((n - 1 - level) as usize)
    }
}

/// The function running in a frame.
fn frame_function(l1: &State, ci: &CallInfo) -> Value {
    match ci.closure {
        Some(cl) => Value::LuaFn(cl),
        None => l1.at(ci.func),
    }
}

// ----- hook transfer bookkeeping (transient, only while a hook runs) -----

struct ActiveHook {
    thread: usize,
    frame: usize,
    ftransfer: usize,
    ntransfer: usize,
}

thread_local! {
    /// Hooks running now, one at most per Lua thread (PUC's `allowhook` and the
    /// `CIST_TRAN` transfer information).
    static ACTIVE_HOOKS: RefCell<Vec<ActiveHook>> = const { RefCell::new(Vec::new()) };
}

fn in_hook(thread: Gc<Thread>) -> bool {
    let addr = thread.addr();
    ACTIVE_HOOKS.with(|h| h.borrow().iter().any(|a| a.thread == addr))
}

/// Transfer information (ftransfer, ntransfer) of frame `frame` of `thread`.
fn transfer_info(thread: Gc<Thread>, frame: usize) -> (usize, usize) {
    let addr = thread.addr();
    ACTIVE_HOOKS.with(|h| {
        h.borrow()
            .iter()
            .rev()
            .find(|a| a.thread == addr && a.frame == frame)
            .map(|a| (a.ftransfer, a.ntransfer))
            .unwrap_or((0, 0))
    })
}

// ----- hook storage -----

/// `registry[name]`, created on demand (`luaL_getsubtable`); the hook table
/// gets PUC's weak-key metatable.
fn hook_table(l: &mut State, name: &str) -> Gc<Table> {
    let reg = l.global().registry;
    match l.get_field(reg, name) {
        Value::Table(t) => t,
        _ => {
            let t = l.new_table(0, 2);
            if name == HOOKKEY {
                let k = l.new_str_value(b"k");
                l.set_field(t, "__mode", k);
                t.set_metatable(Some(t));
                l.global().heap.barrier_back(t);
            }
            l.set_field(reg, name, Value::Table(t));
            t
        }
    }
}

fn existing_table(l: &State, name: &str) -> Option<Gc<Table>> {
    let g = l.global();
    let reg = g.registry;
    let k = g.new_string(name.as_bytes());
    reg.get_str(k).as_table()
}

/// (mask, count) of a thread's hook.
fn hook_settings(l: &State, thread: Gc<Thread>) -> (u8, i64) {
    match existing_table(l, HOOKMASK).map(|t| t.get(Value::Thread(thread))) {
        Some(Value::Int(v)) => ((v & 0xff) as u8, v >> 8),
        _ => (0, 0),
    }
}

/// Turns the running thread's hook off, as `lua.c`'s interruption hook
/// does with `lua_sethook(L, NULL, 0, 0)`.
fn clear_hook(l: &mut State) {
    let key = Value::Thread(l.thread());
    for name in [HOOKKEY, HOOKMASK] {
        if let Some(t) = existing_table(l, name) {
            let _ = t.set(key, Value::Nil);
        }
    }
    l.hook_mask = 0;
    l.base_hook_count = 0;
    l.hook_count = 0;
}

/// The event mask of the running thread's hook (0: no hook).
pub fn hook_mask(l: &State) -> u8 {
    l.hook_mask
}

/// The instruction count of the running thread's count hook.
pub fn hook_count(l: &State) -> i64 {
    hook_settings(l, l.thread()).1
}

/// Calls the running thread's hook function with `(event, line)` (PUC's `hookf`
/// through `luaD_hook`). See the module documentation.
pub fn run_hook(l: &mut State, event: &str, line: Option<i64>) -> LuaResult<()> {
    run_hook_transfer(l, event, line, 0, 0)
}

/// `run_hook` for call and return events: the transferred values (arguments or
/// results) are the `ntransfer` locals of the hooked frame from index `ftransfer`
/// on (`debug.getinfo(level, "r")`).
pub fn run_hook_transfer(
    l: &mut State,
    event: &str,
    line: Option<i64>,
    ftransfer: usize,
    ntransfer: usize,
) -> LuaResult<()> {
    crate::interrupt::check(l, clear_hook)?;
    let me = l.thread();
    if in_hook(me) {
        return Ok(());
    }
    let hook = match existing_table(l, HOOKKEY).map(|t| t.get(Value::Thread(me))) {
        Some(f) if f.is_function() => f,
        _ => return Ok(()),
    };
    let saved_top = l.top;
    let frame = l.frames.len().checked_sub(1);
    let saved_ci_top = frame.map(|i| l.frames[i].top);
    if let Some(i) = frame {
        let ci = l.frames[i];
        if ci.closure.is_some() && l.top < ci.top {
            // Protect the whole register window without clearing it: the
            // slots above `top` may hold results the next instruction uses.
            if ci.top > l.stack.len() {
                l.grow_stack(ci.top)?;
            }
            l.top = ci.top;
        }
    }
    l.check_stack(MIN_STACK + 3)?;
    if let Some(i) = frame {
        let need = l.top + MIN_STACK;
        let ci = &mut l.frames[i];
        if ci.top < need {
            ci.top = need;
        }
        ci.status |= call_status::HOOKED;
    }
    ACTIVE_HOOKS.with(|h| {
        h.borrow_mut().push(ActiveHook {
            thread: me.addr(),
            frame: frame.unwrap_or(usize::MAX),
            ftransfer,
            ntransfer,
        })
    });
    let func = l.top;
    l.push(hook);
    let ev = l.new_str_value(event.as_bytes());
    l.push(ev);
    l.push(match line {
        Some(n) if n >= 0 => Value::Int(n),
        _ => Value::Nil,
    });
    let r = l.call(func, 0);
    ACTIVE_HOOKS.with(|h| {
        let mut h = h.borrow_mut();
        if let Some(pos) = h.iter().rposition(|a| a.thread == me.addr()) {
            h.remove(pos);
        }
    });
    if let Some(i) = frame {
        if let Some(ci) = l.frames.get_mut(i) {
            ci.status &= !call_status::HOOKED;
            if r.is_ok() {
                if let Some(t) = saved_ci_top {
                    ci.top = t;
                }
            }
        }
    }
    if r.is_ok() {
        l.top = saved_top;
    }
    r
}

// ----- simple functions -----

fn getregistry(l: &mut State) -> LuaResult<usize> {
    let r = l.global().registry;
    l.push(Value::Table(r));
    Ok(1)
}

fn getmetatable(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(1)?;
    match l.metatable_of(v) {
        Some(mt) => l.push(Value::Table(mt)),
        None => l.push(Value::Nil),
    }
    Ok(1)
}

fn setmetatable(l: &mut State) -> LuaResult<usize> {
    let mt = match l.arg(2) {
        Value::Table(t) => Some(t),
        Value::Nil if l.arg_count() >= 2 => None,
        _ => return Err(l.arg_type_error(2, "nil or table")),
    };
    let v = l.arg(1);
    match v {
        Value::Table(t) => {
            t.set_metatable(mt);
            l.global().heap.barrier_back(t);
        }
        Value::UserData(u) => {
            u.set_metatable(mt);
            let mt_value = mt.map_or(Value::Nil, Value::Table);
            l.global()
                .heap
                .barrier_forward(GcRef::UserData(u), mt_value);
        }
        other => {
            let ty = other.type_of();
            l.global().type_metatables[ty as usize] = mt;
        }
    }
    l.push(v);
    Ok(1)
}

fn getuservalue(l: &mut State) -> LuaResult<usize> {
    let n = l.opt_integer(2, 1)? as i32 as i64;
    match l.arg(1) {
        Value::UserData(u) => {
            let v = if n >= 1 {
                u.user_value(n as usize)
            } else {
                None
            };
            match v {
                Some(v) => {
                    l.push(v);
                    l.push(Value::Bool(true));
                    Ok(2)
                }
                None => {
                    l.push(Value::Nil);
                    Ok(1)
                }
            }
        }
        _ => {
            l.push(Value::Nil);
            Ok(1)
        }
    }
}

fn setuservalue(l: &mut State) -> LuaResult<usize> {
    let n = l.opt_integer(3, 1)? as i32 as i64;
    let u = match l.arg(1) {
        Value::UserData(u) => u,
        _ => return Err(l.arg_type_error(1, "userdata")),
    };
    let v = l.check_any(2)?;
    let ok = n >= 1 && u.set_user_value(n as usize, v);
    l.global().heap.barrier_forward(GcRef::UserData(u), v);
    l.push(if ok { Value::UserData(u) } else { Value::Nil });
    Ok(1)
}

fn setcstacklimit(l: &mut State) -> LuaResult<usize> {
    l.check_integer(1)?;
    // PUC 5.4.3+ ignores the limit and returns LUAI_MAXCCALLS.
    l.push(Value::Int(crate::state::MAX_CCALLS as i64));
    Ok(1)
}

// ----- getinfo -----

/// What `lua_getinfo` found (PUC's `lua_Debug`).
struct Info {
    source: Vec<u8>,
    short_src: Vec<u8>,
    linedefined: i64,
    lastlinedefined: i64,
    what: &'static str,
    currentline: i64,
    nups: i64,
    nparams: i64,
    isvararg: bool,
    name: Option<Vec<u8>>,
    namewhat: &'static str,
    istailcall: bool,
    ftransfer: usize,
    ntransfer: usize,
    func: Value,
}

/// PUC's `getfuncname`: how the function of frame `idx` was called.
fn frame_name(l1: &State, idx: usize) -> Option<(&'static str, Vec<u8>)> {
    let ci = l1.frames.get(idx)?;
    if ci.status & call_status::TAIL != 0 || idx == 0 {
        return None;
    }
    let caller = &l1.frames[idx - 1];
    if caller.status & call_status::HOOKED != 0 {
        return Some(("hook", b"?".to_vec()));
    }
    l1.frame_func_name(l1.frames.len() - 1 - idx)
}

/// Collects the information about `func` (running in frame `frame`, if any).
fn collect_info(l1: &State, func: Value, frame: Option<usize>) -> Info {
    let mut info = Info {
        source: b"=[C]".to_vec(),
        short_src: b"[C]".to_vec(),
        linedefined: -1,
        lastlinedefined: -1,
        what: "C",
        currentline: -1,
        nups: 0,
        nparams: 0,
        isvararg: true,
        name: None,
        namewhat: "",
        istailcall: false,
        ftransfer: 0,
        ntransfer: 0,
        func,
    };
    match func {
        Value::LuaFn(cl) => {
            let p = cl.proto;
            info.source = p.source.as_bytes().to_vec();
            info.short_src = crate::compiler::chunk_id(&info.source);
            info.linedefined = p.line_defined as i64;
            info.lastlinedefined = p.last_line_defined as i64;
            info.what = if p.line_defined == 0 { "main" } else { "Lua" };
            info.nups = cl.upvalues.len() as i64;
            info.nparams = p.num_params as i64;
            info.isvararg = p.is_vararg;
        }
        Value::NativeFn(c) => info.nups = c.upvalues.len() as i64,
        _ => {}
    }
    if let Some(idx) = frame {
        let ci = &l1.frames[idx];
        if ci.closure.is_some() {
            info.currentline = crate::debug::current_line(ci);
        }
        info.istailcall = ci.status & call_status::TAIL != 0;
        if let Some((what, name)) = frame_name(l1, idx) {
            info.namewhat = what;
            info.name = Some(name);
        }
        if ci.status & call_status::HOOKED != 0 {
            let (f, n) = transfer_info(l1.thread(), idx);
            if n != 0 {
                info.ftransfer = f;
                info.ntransfer = n;
            }
        }
    }
    info
}

/// The lines with code of a Lua function (PUC's `collectvalidlines`).
fn active_lines(l: &mut State, func: Value) -> Value {
    let cl = match func {
        Value::LuaFn(cl) => cl,
        _ => return Value::Nil,
    };
    let p = cl.proto;
    let t = l.new_table(0, 0);
    if !p.line_info.is_empty() {
        let mut start = 0;
        if p.is_vararg && p.code.first().map(|&i| get_op(i)) == Some(OpCode::VARARGPREP) {
            start = 1;
        }
        for line in p.line_info.lines().skip(start) {
            let grown = t.set_int(line as i64, Value::Bool(true));
            l.global().heap.adjust(grown);
            l.global().heap.barrier_back(t);
        }
    }
    Value::Table(t)
}

fn getinfo(l: &mut State) -> LuaResult<usize> {
    let (co, arg) = get_thread(l);
    let options: Vec<u8> = match l.opt_string(arg + 2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if options.first() == Some(&b'>') {
        return Err(l.arg_error(arg + 2, "invalid option '>'"));
    }
    let target = l.arg(arg + 1);
    let (func, frame) = if target.is_function() {
        (target, None)
    } else {
        let level = l.check_integer(arg + 1)?;
        let l1 = state_of(l, co);
        match frame_at_level(l1, level) {
            Some(idx) => {
                let ci = l1.frames[idx];
                (frame_function(l1, &ci), Some(idx))
            }
            None => {
                l.push(Value::Nil);
                return Ok(1);
            }
        }
    };
    if options.iter().any(|c| !b"SlutnrLf".contains(c)) {
        return Err(l.arg_error(arg + 2, "invalid option"));
    }
    let info = {
        let l1 = state_of(l, co);
        collect_info(l1, func, frame)
    };
    let has = |c: u8| options.contains(&c);
    let t = l.new_table(0, 16);
    l.push(Value::Table(t));
    if has(b'S') {
        let v = l.new_str_value(&info.source);
        l.set_field(t, "source", v);
        let v = l.new_str_value(&info.short_src);
        l.set_field(t, "short_src", v);
        l.set_field(t, "linedefined", Value::Int(info.linedefined));
        l.set_field(t, "lastlinedefined", Value::Int(info.lastlinedefined));
        let v = l.new_str_value(info.what.as_bytes());
        l.set_field(t, "what", v);
    }
    if has(b'l') {
        l.set_field(t, "currentline", Value::Int(info.currentline));
    }
    if has(b'u') {
        l.set_field(t, "nups", Value::Int(info.nups));
        l.set_field(t, "nparams", Value::Int(info.nparams));
        l.set_field(t, "isvararg", Value::Bool(info.isvararg));
    }
    if has(b'n') {
        let v = match &info.name {
            Some(n) => l.new_str_value(n),
            None => Value::Nil,
        };
        l.set_field(t, "name", v);
        let v = l.new_str_value(info.namewhat.as_bytes());
        l.set_field(t, "namewhat", v);
    }
    if has(b'r') {
        l.set_field(t, "ftransfer", Value::Int(info.ftransfer as i64));
        l.set_field(t, "ntransfer", Value::Int(info.ntransfer as i64));
    }
    if has(b't') {
        l.set_field(t, "istailcall", Value::Bool(info.istailcall));
    }
    if has(b'L') {
        let v = active_lines(l, info.func);
        l.set_field(t, "activelines", v);
    }
    if has(b'f') {
        l.set_field(t, "func", info.func);
    }
    Ok(1)
}

// ----- locals -----

/// PUC's `luaG_findlocal`: the name of local `n` of frame `idx` and its slot.
fn find_local(l1: &State, idx: usize, n: i64) -> Option<(Vec<u8>, usize)> {
    let ci = *l1.frames.get(idx)?;
    let base = ci.func + 1;
    let mut name: Option<Vec<u8>> = None;
    if let Some(cl) = ci.closure {
        let p = cl.proto;
        if n < 0 {
            // A vararg: they sit just below the (moved) function slot.
            if p.is_vararg {
                let nextra = ci.n_extra_args as i64;
                if n >= -nextra {
                    let pos = ci.func as i64 - nextra - (n + 1);
                    if pos >= 0 {
                        return Some((b"(vararg)".to_vec(), pos as usize));
                    }
                }
            }
            return None;
        }
        if n >= 1 {
            name = p
                .local_name(n as usize, crate::debug::current_pc(&ci))
                .map(|s| s.to_vec());
        }
    }
    if name.is_none() {
        let limit = if idx + 1 == l1.frames.len() {
            l1.top
        } else {
            l1.frames[idx + 1].func
        };
        if n > 0 && (limit as i64 - base as i64) >= n {
            name = Some(if ci.closure.is_some() {
                b"(temporary)".to_vec()
            } else {
                b"(C temporary)".to_vec()
            });
        } else {
            return None;
        }
    }
    let pos = base as i64 + n - 1;
    if pos < 0 {
        return None;
    }
    name.map(|nm| (nm, pos as usize))
}

fn getlocal(l: &mut State) -> LuaResult<usize> {
    let (co, arg) = get_thread(l);
    let nvar = l.check_integer(arg + 2)? as i32 as i64;
    let target = l.arg(arg + 1);
    if target.is_function() {
        // Parameter names of a function (not running).
        let name = match target {
            Value::LuaFn(cl) if nvar >= 1 => {
                cl.proto.local_name(nvar as usize, 0).map(|s| s.to_vec())
            }
            _ => None,
        };
        let v = match name {
            Some(n) => l.new_str_value(&n),
            None => Value::Nil,
        };
        l.push(v);
        return Ok(1);
    }
    let level = l.check_integer(arg + 1)?;
    let found = {
        let l1 = state_of(l, co);
        frame_at_level(l1, level)
            .map(|idx| find_local(l1, idx, nvar).map(|(name, pos)| (name, l1.at(pos))))
    };
    match found {
        None => Err(l.arg_error(arg + 1, "level out of range")),
        Some(None) => {
            l.push(Value::Nil);
            Ok(1)
        }
        Some(Some((name, v))) => {
            let s = l.new_str_value(&name);
            l.push(s);
            l.push(v);
            Ok(2)
        }
    }
}

fn setlocal(l: &mut State) -> LuaResult<usize> {
    let (co, arg) = get_thread(l);
    let level = l.check_integer(arg + 1)?;
    let nvar = l.check_integer(arg + 2)? as i32 as i64;
    if frame_at_level(state_of(l, co), level).is_none() {
        return Err(l.arg_error(arg + 1, "level out of range"));
    }
    let v = l.check_any(arg + 3)?;
    let keep = l.arg_base() + arg + 3;
    l.set_top(keep);
    let name = {
        let l1 = state_of(l, co);
        // The level was checked above; the frames have not changed since.
        match frame_at_level(l1, level).and_then(|idx| find_local(l1, idx, nvar)) {
            Some((name, pos)) => {
                if pos < l1.stack.len() {
                    l1.stack[pos] = v;
                }
                Some(name)
            }
            None => None,
        }
    };
    let r = match name {
        Some(n) => l.new_str_value(&n),
        None => Value::Nil,
    };
    l.push(r);
    Ok(1)
}

// ----- upvalues -----

/// Name and value of upvalue `n` of a function (PUC's `aux_upvalue`).
fn upvalue_info(l: &State, f: Value, n: i64) -> Option<(Vec<u8>, Value)> {
    if n < 1 {
        return None;
    }
    let i = (n - 1) as usize;
    match f {
        Value::LuaFn(cl) => {
            if i >= cl.upvalues.len() || i >= cl.proto.upvalues.len() {
                return None;
            }
            let name = match &cl.proto.upvalues[i].name {
                Some(nm) => nm.to_vec(),
                None => b"(no name)".to_vec(),
            };
            Some((name, l.upvalue_get(cl.upvalue(i))))
        }
        Value::NativeFn(c) => c.upvalues.get(i).map(|u| (Vec::new(), u.get())),
        _ => None,
    }
}

fn getupvalue(l: &mut State) -> LuaResult<usize> {
    let n = l.check_integer(2)? as i32 as i64;
    let f = l.check_type(1, LuaType::Function)?;
    match upvalue_info(l, f, n) {
        Some((name, v)) => {
            let s = l.new_str_value(&name);
            l.push(s);
            l.push(v);
            Ok(2)
        }
        None => Ok(0),
    }
}

fn setupvalue(l: &mut State) -> LuaResult<usize> {
    let v = l.check_any(3)?;
    let n = l.check_integer(2)? as i32 as i64;
    let f = l.check_type(1, LuaType::Function)?;
    let name = match upvalue_info(l, f, n) {
        Some((name, _)) => name,
        None => return Ok(0),
    };
    let i = (n - 1) as usize;
    match f {
        Value::LuaFn(cl) => {
            let uv = cl.upvalue(i);
            l.upvalue_set(uv, v);
        }
        Value::NativeFn(c) => {
            c.upvalues[i].set(v);
            l.global().heap.barrier_forward(GcRef::NativeClosure(c), v);
        }
        _ => {}
    }
    let s = l.new_str_value(&name);
    l.push(s);
    Ok(1)
}

/// The identity of upvalue `n` of a function (PUC's `lua_upvalueid`).
fn upvalue_id(f: Value, n: i64) -> Option<usize> {
    if n < 1 {
        return None;
    }
    let i = (n - 1) as usize;
    match f {
        Value::LuaFn(cl) if i < cl.upvalues.len() => Some(cl.upvalue(i).addr()),
        Value::NativeFn(c) => c
            .upvalues
            .get(i)
            .map(|cell| cell as *const std::cell::Cell<Value> as usize),
        _ => None,
    }
}

/// PUC's `checkupval`: the index argument `argnup` and the function `argf`.
fn check_upval(
    l: &mut State,
    argf: usize,
    argnup: usize,
    must_exist: bool,
) -> LuaResult<(Value, i64, Option<usize>)> {
    let n = l.check_integer(argnup)? as i32 as i64;
    let f = l.check_type(argf, LuaType::Function)?;
    let id = upvalue_id(f, n);
    if must_exist && id.is_none() {
        return Err(l.arg_error(argnup, "invalid upvalue index"));
    }
    Ok((f, n, id))
}

fn upvalueid(l: &mut State) -> LuaResult<usize> {
    let (_, _, id) = check_upval(l, 1, 2, false)?;
    l.push(match id {
        Some(a) => Value::LightUserData(a),
        None => Value::Nil,
    });
    Ok(1)
}

fn upvaluejoin(l: &mut State) -> LuaResult<usize> {
    let (f1, n1, _) = check_upval(l, 1, 2, true)?;
    let (f2, n2, _) = check_upval(l, 3, 4, true)?;
    let c1 = match f1 {
        Value::LuaFn(c) => c,
        _ => return Err(l.arg_error(1, "Lua function expected")),
    };
    let c2 = match f2 {
        Value::LuaFn(c) => c,
        _ => return Err(l.arg_error(3, "Lua function expected")),
    };
    let uv = c2.upvalue((n2 - 1) as usize);
    c1.upvalues[(n1 - 1) as usize].set(uv);
    l.global()
        .heap
        .barrier_forward_ref(GcRef::LuaClosure(c1), GcRef::UpVal(uv));
    Ok(0)
}

// ----- hooks -----

fn sethook(l: &mut State) -> LuaResult<usize> {
    let (co, arg) = get_thread(l);
    let (func, mask, count) = if l.arg(arg + 1).is_nil() {
        (Value::Nil, 0u8, 0i64)
    } else {
        let smask = l.check_string(arg + 2)?.as_bytes().to_vec();
        let f = l.check_type(arg + 1, LuaType::Function)?;
        let count = l.opt_integer(arg + 3, 0)? as i32 as i64;
        let mut mask = 0u8;
        if smask.contains(&b'c') {
            mask |= MASK_CALL;
        }
        if smask.contains(&b'r') {
            mask |= MASK_RET;
        }
        if smask.contains(&b'l') {
            mask |= MASK_LINE;
        }
        if count > 0 {
            mask |= MASK_COUNT;
        }
        (f, mask, count)
    };
    let thread = co.unwrap_or_else(|| l.thread());
    let hooks = hook_table(l, HOOKKEY);
    let masks = hook_table(l, HOOKMASK);
    let key = Value::Thread(thread);
    let g1 = hooks.set(key, func).unwrap_or(0);
    // PUC's `lua_sethook`: no function or an empty mask turns hooks off.
    let setting = if func.is_nil() || mask == 0 {
        Value::Nil
    } else {
        Value::Int(mask as i64 | (count << 8))
    };
    let g2 = masks.set(key, setting).unwrap_or(0);
    l.global().heap.adjust(g1 + g2);
    l.global().heap.barrier_back(hooks);
    l.global().heap.barrier_back(masks);
    let (mask, count) = if setting.is_nil() {
        (0, 0)
    } else {
        (mask, count)
    };
    if thread == l.thread() {
        l.hook_mask = mask | crate::sandbox::budget_bits(l.hook_mask);
        l.base_hook_count = count;
        l.hook_count = count;
    } else {
        // SAFETY: another thread's state, not running now (threads run one at a
        // time), and no other reference to it is live.
        let ts = unsafe { &mut *thread.state_ptr() };
        ts.hook_mask = mask | crate::sandbox::budget_bits(ts.hook_mask);
        ts.base_hook_count = count;
        ts.hook_count = count;
    }
    Ok(0)
}

fn gethook(l: &mut State) -> LuaResult<usize> {
    let (co, _) = get_thread(l);
    let thread = co.unwrap_or_else(|| l.thread());
    let (mask, count) = hook_settings(l, thread);
    if mask == 0 {
        l.push(Value::Nil);
        return Ok(1);
    }
    let f = existing_table(l, HOOKKEY)
        .map(|t| t.get(Value::Thread(thread)))
        .unwrap_or(Value::Nil);
    l.push(f);
    let mut s = Vec::new();
    if mask & MASK_CALL != 0 {
        s.push(b'c');
    }
    if mask & MASK_RET != 0 {
        s.push(b'r');
    }
    if mask & MASK_LINE != 0 {
        s.push(b'l');
    }
    let sv = l.new_str_value(&s);
    l.push(sv);
    l.push(Value::Int(count));
    Ok(3)
}

// ----- debug.debug -----

fn debug(l: &mut State) -> LuaResult<usize> {
    use std::io::{BufRead, Write};
    loop {
        crate::stdlib::flush_stdout(l);
        {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"lua_debug> ");
            let _ = err.flush();
        }
        let mut line = Vec::new();
        match std::io::stdin().lock().read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return Ok(0),
            Ok(_) => {}
        }
        if line == b"cont\n" || line == b"cont" {
            return Ok(0);
        }
        let base = l.top;
        let r = match l.load_chunk(&line, b"=(debug command)", b"bt", None) {
            Ok(f) => {
                l.push(f);
                l.pcall(base, 0, None)
            }
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            // PUC prints the message with `luaL_tolstring` (kept on the stack
            // meanwhile, as `__tostring` may collect).
            l.set_top(base);
            l.push(e.value);
            let msg = match l.to_display_string(e.value) {
                Ok(s) => s.as_bytes().to_vec(),
                Err(_) => error_text(e),
            };
            crate::stdlib::flush_stdout(l);
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(&msg);
            let _ = err.write_all(b"\n");
            let _ = err.flush();
        }
        l.set_top(base);
    }
}

fn error_text(e: LuaError) -> Vec<u8> {
    match e.value {
        Value::Str(s) => s.as_bytes().to_vec(),
        v @ (Value::Int(_) | Value::Float(_)) => crate::auxlib::number_to_bytes(v),
        v => format!("(error object is a {} value)", v.type_name()).into_bytes(),
    }
}

#[cfg(test)]
mod tests {
    use crate::Lua;

    #[test]
    fn vm_reports_call_return_line_and_count_events() {
        let mut lua = Lua::new();
        // Expected values are what lua5.4 reports for the same chunk.
        let r = lua.eval(
            r#"
local t = {}
debug.sethook(function(e, l) t[#t+1] = e .. ":" .. tostring(l) end, "crl")
local function f(x)
  return x + 1
end
f(1)
debug.sethook()
local n = 0
debug.sethook(function() n = n + 1 end, "", 100)
for i = 1, 1000 do end
debug.sethook()
return table.concat(t, " "), n
"#,
        );
        assert_eq!(
            r.unwrap(),
            "return:nil line:6 line:7 call:nil line:5 return:nil line:8 call:nil\t10"
        );
    }

    #[test]
    fn hook_errors_propagate() {
        let mut lua = Lua::new();
        let r = lua.eval(
            r#"
local ok, e = pcall(function()
  debug.sethook(function() debug.sethook(); error("boom") end, "l")
  local x = 1
end)
return ok, e
"#,
        );
        assert_eq!(r.unwrap(), "false\teval:3: boom");
    }
}
