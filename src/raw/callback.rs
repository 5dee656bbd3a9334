//! Rust functions as Lua values, and their continuations (`lua_callk`,
//! `lua_pcallk`, `lua_yieldk`).
//!
//! A Rust function is a native closure whose code is `call_rust_fn` and whose
//! first upvalue is a userdata holding the boxed Rust closure; the closure's
//! own upvalues follow. The box sits behind an `Rc` so a call keeps it alive
//! even if Lua code replaces that upvalue meanwhile (`debug.setupvalue`).

use std::cell::Cell;
use std::rc::Rc;

use super::{Slot, Stack};
use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::NativeClosure;
use crate::state::State;
use crate::value::Value;

/// A Rust function callable from Lua (PUC's `lua_CFunction`): it finds its
/// arguments at indices 1.., pushes its results and returns their number.
pub type RustFn = fn(&mut Stack) -> LuaResult<usize>;

/// What runs in place of a Rust function after a yield inside
/// [`Stack::call_k`] or [`Stack::yield_k`] (PUC's `lua_KFunction`, with the
/// context captured by the closure). It returns the function's result count.
pub type Continuation = Box<dyn FnOnce(&mut Stack) -> LuaResult<usize> + Send>;

/// What runs in place of a Rust function after a yield inside
/// [`Stack::pcall_k`] (PUC's `lua_KFunction` with its status argument):
/// with `Ok(())` when the protected call returned (its results on top of the
/// stack), with `Err(error)` when it failed (the stack cut back to where the
/// called function was, and the error value pushed there). It returns the
/// Rust function's result count.
pub type PcallContinuation = Box<dyn FnOnce(&mut Stack, LuaResult<()>) -> LuaResult<usize> + Send>;

/// A `pcall_k` whose callee yielded: where to recover and what to run then.
pub(crate) struct PendingPcall {
    /// Stack index of the called function (the stack is cut back to it on error).
    level: usize,
    /// Stack index of the message handler, if any.
    handler: Option<usize>,
    /// The kind of the error being handled while `__close` handlers run.
    kind: ErrorKind,
    k: PcallContinuation,
}

type BoxedFn = Rc<dyn Fn(&mut Stack) -> LuaResult<usize>>;

/// The userdata payload holding a Rust function.
struct RustCallback(BoxedFn);

// SAFETY: a `RustCallback` lives only in its state's heap and is reached only
// through that state. The public constructors require the closure to be
// `Send`; the crate's own closures (`push_function_local`) capture weak
// references to the same state's shared part, which move with the state
// (`crate::api::SendableLua` checks that nothing outside refers to it).
unsafe impl Send for RustCallback {}

/// The native code of every Rust function: finds the boxed closure in
/// upvalue 1 and calls it on the running frame.
pub(crate) fn call_rust_fn(l: &mut State) -> LuaResult<usize> {
    let f = match l.native_upvalue(1) {
        Value::UserData(u) => u
            .payload()
            .and_then(|p| p.downcast_ref::<RustCallback>().map(|c| c.0.clone())),
        _ => None,
    };
    match f {
        Some(f) => f(&mut Stack { l }),
        None => Err(l.error("Rust function lost its code (upvalue 1 was replaced)")),
    }
}

impl Stack<'_> {
    /// Pushes a Rust function (`lua_pushcfunction`). Any `Fn` closure works;
    /// it is dropped when the function is collected.
    pub fn push_function<F>(&mut self, f: F)
    where
        F: Fn(&mut Stack) -> LuaResult<usize> + Send + 'static,
    {
        self.push_closure_values(Rc::new(f), Vec::new());
    }

    /// `push_function` for the crate's own closures, which hold handles
    /// (not `Send` until the state itself is).
    pub(crate) fn push_function_local<F>(&mut self, f: F)
    where
        F: Fn(&mut Stack) -> LuaResult<usize> + 'static,
    {
        self.push_closure_values(Rc::new(f), Vec::new());
    }

    /// Pops `n` values and pushes a Rust function with them as upvalues 1..n,
    /// reachable through [`upvalue_index`](super::upvalue_index)
    /// (`lua_pushcclosure`).
    pub fn push_closure<F>(&mut self, f: F, n: usize) -> LuaResult<()>
    where
        F: Fn(&mut Stack) -> LuaResult<usize> + Send + 'static,
    {
        self.need(n)?;
        let top = self.l.top();
        let ups = self.l.stack[top - n..top].to_vec();
        self.pop(n);
        self.push_closure_values(Rc::new(f), ups);
        Ok(())
    }

    fn push_closure_values(&mut self, f: BoxedFn, upvalues: Vec<Value>) {
        let ud = crate::userdata::UserData::new(Box::new(RustCallback(f)), 0);
        let ud = self.l.global().heap.alloc(ud);
        // Keep the userdata reachable while the closure is allocated.
        self.l.push(Value::UserData(ud));
        let cells: Vec<Cell<Value>> = std::iter::once(Value::UserData(ud))
            .chain(upvalues)
            .map(Cell::new)
            .collect();
        let c = self
            .l
            .global()
            .heap
            .alloc(NativeClosure::new(call_rust_fn, cells.into_boxed_slice()));
        let top = self.l.top();
        self.l.stack[top - 1] = Value::NativeFn(c);
    }

    /// Whether the running function may yield (`lua_isyieldable`).
    pub fn is_yieldable(&self) -> bool {
        self.l.is_yieldable()
    }

    /// Calls like [`call`](Self::call), but the callee may yield if the
    /// running Rust function may (`lua_callk`): after the coroutine is
    /// resumed and the callee returns, `k` runs in place of the Rust function
    /// with the callee's results on the stack. When no yield happens, `call_k`
    /// returns normally and `k` is dropped unused.
    pub fn call_k(
        &mut self,
        nargs: usize,
        nresults: Option<usize>,
        k: Continuation,
    ) -> LuaResult<()> {
        if !self.is_yieldable() || self.l.frames.is_empty() {
            return self.call(nargs, nresults);
        }
        let func = self.func_index(nargs)?;
        let key = self.continuation_key();
        self.l.global().host.continuations.insert(key, k);
        self.set_frame_continuation(Some(run_continuation));
        let r = self.l.call_yieldable(
            func,
            nresults.map_or(-1, |n| n.min(i32::MAX as usize) as i32),
        );
        if !matches!(&r, Err(e) if e.kind == crate::ErrorKind::Yield) {
            self.l.global().host.continuations.remove(&key);
            self.set_frame_continuation(None);
        }
        r
    }

    /// Calls like [`pcall`](Self::pcall), but the callee may yield if the
    /// running Rust function may (`lua_pcallk`). The outcome of the protected
    /// call is the inner result: `Ok(Ok(()))` with the results on the stack,
    /// or `Ok(Err(e))` with the error value on top, exactly as `pcall`
    /// returns. An outer `Err` is a yield (or a bad `handler` index): pass it
    /// on with `?`, as with [`call_k`](Self::call_k). Then, after the resume,
    /// `k` runs in place of the Rust function once the callee is done, with
    /// the same inner result; when no yield happens, `k` is dropped unused.
    ///
    /// ```
    /// use crescent::raw::{Options, RawLua, Stack};
    /// let mut lua = RawLua::new(Options::default());
    /// let mut l = lua.stack();
    /// // try(f): runs f protected, yields allowed; returns "ok" or "failed: <error>".
    /// l.push_function(|l: &mut Stack| {
    ///     fn report(l: &mut Stack, r: crescent::LuaResult<()>) -> crescent::LuaResult<usize> {
    ///         let text = match r {
    ///             Ok(()) => "ok".to_string(),
    ///             Err(_) => format!("failed: {}", l.to_str(-1).unwrap_or_default()),
    ///         };
    ///         l.push_string(&text);
    ///         Ok(1)
    ///     }
    ///     l.push_value(1)?;
    ///     let r = l.pcall_k(0, Some(0), 0, Box::new(report))?;
    ///     report(l, r)
    /// });
    /// l.set_global("try")?;
    /// l.do_string(
    ///     "local co = coroutine.wrap(function()
    ///          return try(function() coroutine.yield('paused') error('boom', 0) end)
    ///      end)
    ///      assert(co() == 'paused')
    ///      assert(co() == 'failed: boom')
    ///      assert(try(function() end) == 'ok')",
    /// )?;
    /// # Ok::<(), crescent::LuaError>(())
    /// ```
    pub fn pcall_k(
        &mut self,
        nargs: usize,
        nresults: Option<usize>,
        handler: i32,
        k: PcallContinuation,
    ) -> LuaResult<LuaResult<()>> {
        let handler = match handler {
            0 => None,
            idx => match self.slot(idx) {
                Some(Slot::Stack(i)) => Some(i),
                _ => return Err(self.invalid_index(idx)),
            },
        };
        if !self.is_yieldable() || self.l.frames.is_empty() {
            let h = handler.map_or(0, |i| (i + 1 - self.base()) as i32);
            return Ok(self.pcall(nargs, nresults, h));
        }
        let h = handler.map(|i| self.l.at(i));
        let func = self.func_index(nargs)?;
        let key = self.continuation_key();
        self.l.global().host.pending_pcalls.insert(
            key,
            PendingPcall {
                level: func,
                handler,
                kind: ErrorKind::Runtime,
                k,
            },
        );
        set_pcall_mark(self.l, true);
        let r = self.l.pcall_yieldable(func, super::wanted(nresults), h);
        if let Err(e) = r {
            if e.kind == ErrorKind::Yield {
                return Err(e);
            }
        }
        self.l.global().host.pending_pcalls.remove(&key);
        set_pcall_mark(self.l, false);
        if let Err(e) = &r {
            self.l.push(e.value);
        }
        Ok(r)
    }

    /// Yields the top `nresults` values from the running Rust function
    /// (`lua_yield`); return the result as the function's error:
    /// `return Err(l.yield_(n))`. When the coroutine is resumed, the resume
    /// arguments become the function's results.
    pub fn yield_(&mut self, nresults: usize) -> crate::LuaError {
        if let Err(e) = self.check_can_yield(nresults) {
            return e;
        }
        let vals = self.take_top(nresults);
        self.l.yield_values(vals)
    }

    /// Yields like [`yield_`](Self::yield_), with a continuation
    /// (`lua_yieldk`): after the resume, `k` runs in place of the Rust
    /// function with the resume arguments on top of its stack.
    pub fn yield_k(&mut self, nresults: usize, k: Continuation) -> crate::LuaError {
        if let Err(e) = self.check_can_yield(nresults) {
            return e;
        }
        let key = self.continuation_key();
        self.l.global().host.continuations.insert(key, k);
        let vals = self.take_top(nresults);
        self.l.yield_with_continuation(vals, run_continuation)
    }

    fn check_can_yield(&mut self, nresults: usize) -> LuaResult<()> {
        self.need(nresults)?;
        if Some(self.l.global().main_thread) == self.l.thread {
            return Err(self.l.error("attempt to yield from outside a coroutine"));
        }
        if !self.is_yieldable() || self.l.frames.is_empty() {
            return Err(self.l.error("attempt to yield across a C-call boundary"));
        }
        Ok(())
    }

    fn take_top(&mut self, n: usize) -> Vec<Value> {
        let top = self.l.top();
        let vals = self.l.stack[top - n..top].to_vec();
        self.pop(n);
        vals
    }

    fn continuation_key(&self) -> (usize, usize) {
        (self.l.thread().addr(), self.l.frames.len())
    }

    fn set_frame_continuation(&mut self, k: Option<crate::value::NativeFn>) {
        if let Some(ci) = self.l.frames.last_mut() {
            ci.k = k;
        }
    }
}

/// Marks (or unmarks) the running Rust function's frame as a protected call
/// that a coroutine resume can finish (`finish_pcall_k`) or recover into
/// (`recover_pcall_k`).
fn set_pcall_mark(l: &mut State, on: bool) {
    use crate::state::call_status::YIELDABLE_PCALL;
    if let Some(ci) = l.frames.last_mut() {
        if on {
            ci.status |= YIELDABLE_PCALL;
            ci.k = Some(finish_pcall_k);
        } else {
            ci.status &= !YIELDABLE_PCALL;
            ci.k = None;
        }
    }
}

/// The `CallInfo::k` of a Rust function whose `pcall_k` callee yielded: the
/// callee has returned (or, after an error, the `__close` handlers that
/// yielded are done); runs the continuation.
fn finish_pcall_k(l: &mut State) -> LuaResult<usize> {
    use crate::state::call_status::CLOSING_ERROR;
    let key = (l.thread().addr(), l.frames.len());
    let pending = match l.global().host.pending_pcalls.remove(&key) {
        Some(p) => p,
        None => return Err(l.error("cannot resume this Rust function (its continuation is gone)")),
    };
    let p = l.frames.len() - 1;
    let closing = l.frames[p].status & CLOSING_ERROR != 0;
    let result = if closing {
        if let Err(e) = l.continue_error_close(p, pending.level) {
            if e.kind == ErrorKind::Yield {
                l.global().host.pending_pcalls.insert(key, pending);
            }
            return Err(e);
        }
        l.frames[p].status &= !CLOSING_ERROR;
        let value = l.stack[pending.level];
        l.set_top(pending.level);
        l.push(value);
        Err(LuaError {
            kind: pending.kind,
            value,
        })
    } else {
        Ok(())
    };
    set_pcall_mark(l, false);
    (pending.k)(&mut Stack { l }, result)
}

/// Whether the Rust function at `frames[p]` waits in a `pcall_k`.
pub(crate) fn is_pending_pcall(l: &State, p: usize) -> bool {
    let key = (l.thread().addr(), p + 1);
    l.global().host.pending_pcalls.contains_key(&key)
}

/// Error recovery after a resume for a `pcall_k` at `frames[p]` (the
/// counterpart of `pcall`'s in `coroutine::recover`): applies the message
/// handler, closes pending variables, runs the continuation with the error
/// and finishes the Rust function's frame.
pub(crate) fn recover_pcall_k(l: &mut State, p: usize, mut e: LuaError) -> LuaResult<()> {
    let key = (l.thread().addr(), p + 1);
    let (level, handler) = match l.global().host.pending_pcalls.get(&key) {
        Some(pending) => (pending.level, pending.handler),
        None => return Err(e),
    };
    if let Some(h) = handler {
        let h = l.stack[h];
        e = l.run_message_handler(h, e);
    }
    l.nny = 0;
    let kind = e.kind;
    if let Some(pending) = l.global().host.pending_pcalls.get_mut(&key) {
        pending.kind = kind;
    }
    // May yield from a `__close` handler: `finish_pcall_k` goes on then.
    let value = l.pcall_close_after_error(p, level, e)?;
    let pending = match l.global().host.pending_pcalls.remove(&key) {
        Some(p) => p,
        None => return Err(LuaError { kind, value }),
    };
    set_pcall_mark(l, false);
    l.set_top(level);
    l.push(value);
    let n = (pending.k)(&mut Stack { l }, Err(LuaError { kind, value }))?;
    l.poscall(n);
    Ok(())
}

/// The `CallInfo::k` of a Rust function with a pending continuation: runs it.
fn run_continuation(l: &mut State) -> LuaResult<usize> {
    let key = (l.thread().addr(), l.frames.len());
    if let Some(ci) = l.frames.last_mut() {
        ci.k = None;
    }
    match l.global().host.continuations.remove(&key) {
        Some(k) => k(&mut Stack { l }),
        None => Err(l.error("cannot resume this Rust function (its continuation is gone)")),
    }
}
