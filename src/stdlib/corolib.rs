//! The coroutine library (PUC's `lcorolib.c`).

use std::cell::Cell;

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::NativeClosure;
use crate::gc::Gc;
use crate::state::{State, Thread, ThreadStatus};
use crate::value::{LuaType, Value};

/// Opens the `coroutine` library.
pub fn open(l: &mut State) {
    l.register_lib(
        "coroutine",
        &[
            ("close", close),
            ("create", create),
            ("isyieldable", isyieldable),
            ("resume", resume),
            ("running", running),
            ("status", status),
            ("wrap", wrap),
            ("yield", yield_),
        ],
    );
}

/// The state of another thread.
#[allow(clippy::mut_from_ref)]
fn thread_state(co: &Gc<Thread>) -> &mut State {
    // SAFETY: `co` is not the running thread (callers check), and threads run
    // one at a time, so no other reference to its state is live.
    unsafe { &mut *co.state_ptr() }
}

fn check_co(l: &mut State, n: usize) -> LuaResult<Gc<Thread>> {
    match l.arg(n) {
        Value::Thread(t) => Ok(t),
        _ => Err(l.arg_type_error(n, "thread")),
    }
}

fn create(l: &mut State) -> LuaResult<usize> {
    let f = l.check_type(1, LuaType::Function)?;
    let co = l.new_thread();
    let cs = thread_state(&co);
    cs.stack[0] = f;
    cs.top = 1;
    l.push(Value::Thread(co));
    Ok(1)
}

/// Resumes `co` with the arguments from `first_arg` on, pushing `prefix`
/// and then the values it passes back; `Ok(count pushed)`, or the error value
/// and whether it was a memory error.
fn aux_resume(
    l: &mut State,
    co: Gc<Thread>,
    first_arg: usize,
    prefix: Option<Value>,
) -> Result<usize, (Value, bool)> {
    if Some(co) == l.thread {
        let m = l.new_str_value(b"cannot resume non-suspended coroutine");
        return Err((m, false));
    }
    let cs = thread_state(&co);
    if let Err(msg) = cs.resumable() {
        let m = l.new_str_value(msg.as_bytes());
        return Err((m, false));
    }
    // The arguments are copied out of this stack (which the coroutine may
    // touch through upvalues), without a heap list for the usual few.
    let first = (l.arg_base() + first_arg - 1).min(l.top);
    let n = l.top - first;
    let mut few = [Value::Nil; 8];
    let many: Vec<Value>;
    let args: &[Value] = if n <= few.len() {
        few[..n].copy_from_slice(&l.stack[first..l.top]);
        &few[..n]
    } else {
        many = l.stack[first..l.top].to_vec();
        &many
    };
    let r = cs.resume_in_place(l, args);
    match r {
        Ok(end) => {
            let count = cs.resume_result_count(end);
            if l.check_stack(count + 1).is_err() {
                cs.drop_resume_results(end);
                let m = l.new_str_value(b"too many results to resume");
                return Err((m, false));
            }
            if let Some(v) = prefix {
                l.push(v);
            }
            cs.move_resume_results(end, l);
            Ok(count + usize::from(prefix.is_some()))
        }
        Err(e) => Err((e.value, e.kind == ErrorKind::Memory)),
    }
}

fn resume(l: &mut State) -> LuaResult<usize> {
    let co = check_co(l, 1)?;
    match aux_resume(l, co, 2, Some(Value::Bool(true))) {
        Ok(n) => Ok(n),
        Err((e, _)) => {
            l.push(Value::Bool(false));
            l.push(e);
            Ok(2)
        }
    }
}

fn wrap_aux(l: &mut State) -> LuaResult<usize> {
    let co = match l.native_upvalue(1) {
        Value::Thread(t) => t,
        _ => return Err(l.error("invalid coroutine")),
    };
    match aux_resume(l, co, 1, None) {
        Ok(n) => Ok(n),
        Err((mut e, mut memory_error)) => {
            let cs = thread_state(&co);
            if cs.status == ThreadStatus::Dead && cs.errored && !cs.active {
                cs.errored = false;
                cs.transfer.clear();
                cs.n_ccalls = l.n_ccalls;
                let kind = if memory_error {
                    ErrorKind::Memory
                } else {
                    ErrorKind::Runtime
                };
                if let Err(err) = cs.close_thread(Some(LuaError { kind, value: e })) {
                    e = err.value;
                    memory_error = err.kind == ErrorKind::Memory;
                }
            }
            // As PUC: the position is added to messages, except "not enough memory".
            if let (Value::Str(s), false) = (e, memory_error) {
                let mut msg = l.where_(1);
                msg.extend_from_slice(s.as_bytes());
                e = l.new_str_value(&msg);
            }
            Err(LuaError::runtime(e))
        }
    }
}

fn wrap(l: &mut State) -> LuaResult<usize> {
    create(l)?;
    let co = l.pop();
    let c = l.global().heap.alloc(NativeClosure::new(
        wrap_aux,
        vec![Cell::new(co)].into_boxed_slice(),
    ));
    l.push(Value::NativeFn(c));
    Ok(1)
}

fn yield_(l: &mut State) -> LuaResult<usize> {
    if Some(l.global().main_thread) == l.thread {
        return Err(l.rt_error_msg("attempt to yield from outside a coroutine"));
    }
    if l.nny > 0 {
        return Err(l.rt_error_msg("attempt to yield across a C-call boundary"));
    }
    Err(l.yield_arguments())
}

fn status_name(l: &State, co: Gc<Thread>) -> &'static str {
    if Some(co) == l.thread {
        return "running";
    }
    let cs = thread_state(&co);
    if cs.active {
        return "normal";
    }
    match cs.status {
        ThreadStatus::Yielded => "suspended",
        ThreadStatus::Ok if cs.frames.is_empty() && cs.top > 0 => "suspended",
        _ => "dead",
    }
}

fn status(l: &mut State) -> LuaResult<usize> {
    let co = check_co(l, 1)?;
    let s = status_name(l, co);
    let v = l.new_str_value(s.as_bytes());
    l.push(v);
    Ok(1)
}

fn running(l: &mut State) -> LuaResult<usize> {
    let me = l.thread();
    let is_main = me == l.global().main_thread;
    l.push(Value::Thread(me));
    l.push(Value::Bool(is_main));
    Ok(2)
}

fn isyieldable(l: &mut State) -> LuaResult<usize> {
    let r = match l.arg(1) {
        Value::Nil if l.arg_count() == 0 => l.is_yieldable(),
        _ => {
            let co = check_co(l, 1)?;
            if Some(co) == l.thread {
                l.is_yieldable()
            } else {
                let cs = thread_state(&co);
                cs.nny == 0 && co != l.global().main_thread
            }
        }
    };
    l.push(Value::Bool(r));
    Ok(1)
}

fn close(l: &mut State) -> LuaResult<usize> {
    let co = check_co(l, 1)?;
    let st = status_name(l, co);
    match st {
        "dead" | "suspended" => {
            let cs = thread_state(&co);
            let err = if cs.errored {
                cs.transfer.first().copied().map(LuaError::runtime)
            } else {
                None
            };
            cs.errored = false;
            cs.transfer.clear();
            cs.n_ccalls = l.n_ccalls;
            match cs.close_thread(err) {
                Ok(()) => {
                    l.push(Value::Bool(true));
                    Ok(1)
                }
                Err(e) => {
                    l.push(Value::Bool(false));
                    l.push(e.value);
                    Ok(2)
                }
            }
        }
        other => Err(l.error(format!("cannot close a {other} coroutine"))),
    }
}

#[allow(dead_code)]
fn is_yield(e: &LuaError) -> bool {
    e.kind == ErrorKind::Yield
}
