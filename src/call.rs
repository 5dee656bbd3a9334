//! Calls, returns, protected calls, and closing of upvalues and to-be-closed
//! variables (PUC's `ldo.c` and the closing half of `lfunc.c`).
//!
//! Calling convention, as in PUC Lua: the function sits at `stack[func]`, its
//! arguments above it up to `top`. After the call its results start at `func`
//! and `top` is just past them (or, for a fixed count, the count is adjusted
//! with nils). Lua-to-Lua calls made by the VM push a frame and continue in the
//! same dispatch loop; only calls from native code (and metamethods) enter
//! `execute` again, and those are counted against `MAX_CCALLS`.

use crate::error::{ErrorKind, LuaError, LuaResult};
use crate::function::UpVal;
use crate::gc::{Gc, GcRef};
use crate::state::{call_status, CallInfo, State, MAX_CCALLS, MIN_STACK};
use crate::value::{Value, ValueWords};

/// What `precall` did.
pub enum PreCall {
    /// A Lua frame was pushed; the VM must run it.
    Lua,
    /// A native function ran to completion; its results are in place.
    Native,
}

impl State {
    /// Prepares a call of `stack[func]` with the arguments up to `top`.
    pub fn precall(&mut self, func: usize, nresults: i32) -> LuaResult<PreCall> {
        loop {
            match self.stack[func] {
                Value::LuaFn(cl) => {
                    let status = call_status::LUA | std::mem::take(&mut self.next_call_status);
                    self.push_lua_frame(func, cl, nresults, status)?;
                    return Ok(PreCall::Lua);
                }
                Value::LightNative(f) => {
                    self.call_native(func, nresults, f)?;
                    return Ok(PreCall::Native);
                }
                Value::NativeFn(c) => {
                    let f = c.function;
                    self.call_native(func, nresults, f)?;
                    return Ok(PreCall::Native);
                }
                // Not a function: try its `__call` metamethod.
                _ => self.insert_call_handler(func)?,
            }
        }
    }

    /// `stack[func]` is not a function: its `__call` metamethod takes its
    /// place, and it becomes the first argument (the arguments up to `top`
    /// move up one slot). An error when it has none.
    pub(crate) fn insert_call_handler(&mut self, func: usize) -> LuaResult<()> {
        match self.call_handler(self.stack[func]) {
            Some(h) => {
                self.check_stack(1)?;
                for i in (func..self.top).rev() {
                    self.stack[i + 1] = self.stack[i];
                }
                self.top += 1;
                self.stack[func] = h;
                Ok(())
            }
            None => Err(self.call_error(func)),
        }
    }

    /// Pushes the frame for calling Lua closure `cl` at `func` (arguments up
    /// to `top`) with `status`: missing parameters become nil, the frame gets
    /// its registers.
    #[inline(always)]
    pub(crate) fn push_lua_frame(
        &mut self,
        func: usize,
        cl: crate::gc::Gc<crate::function::LuaClosure>,
        nresults: i32,
        status: u8,
    ) -> LuaResult<()> {
        let (fsize, top) = self.lua_frame_registers(func, cl)?;
        self.frames.push(CallInfo {
            func,
            base: func + 1,
            top: func + 1 + fsize,
            pc: cl.code(),
            nresults,
            closure: Some(cl),
            n_extra_args: 0,
            status,
            k: None,
            saved_nres: 0,
        });
        self.top = top;
        Ok(())
    }

    /// A tail call of Lua closure `cl`, whose function and arguments were
    /// moved down to `func` (arguments up to `top`): the running frame becomes
    /// the callee's, keeping the results its caller wants (`push_lua_frame`
    /// without the pop and push of a frame). The usual case, every parameter
    /// given and room on the stack, inline; the rest out of line.
    #[inline(always)]
    pub(crate) fn replace_lua_frame(
        &mut self,
        func: usize,
        cl: crate::gc::Gc<crate::function::LuaClosure>,
        status: u8,
    ) -> LuaResult<()> {
        let p = cl.proto;
        let nargs = self.top.saturating_sub(func + 1);
        let fsize = p.max_stack_size as usize;
        if nargs < p.num_params as usize || func + 1 + fsize + 1 > self.stack.len() {
            return self.replace_lua_frame_slow(func, cl, status);
        }
        self.reset_top_frame(func, cl, fsize, status);
        Ok(())
    }

    /// `replace_lua_frame` with missing parameters or a stack to grow.
    #[inline(never)]
    fn replace_lua_frame_slow(
        &mut self,
        func: usize,
        cl: crate::gc::Gc<crate::function::LuaClosure>,
        status: u8,
    ) -> LuaResult<()> {
        let (fsize, top) = self.lua_frame_registers(func, cl)?;
        self.reset_top_frame(func, cl, fsize, status);
        self.top = top;
        Ok(())
    }

    /// The top frame becomes a fresh one for `cl` at `func`.
    #[inline(always)]
    fn reset_top_frame(
        &mut self,
        func: usize,
        cl: crate::gc::Gc<crate::function::LuaClosure>,
        fsize: usize,
        status: u8,
    ) {
        if let Some(ci) = self.frames.last_mut() {
            ci.func = func;
            ci.base = func + 1;
            ci.top = func + 1 + fsize;
            ci.pc = cl.code();
            ci.closure = Some(cl);
            ci.n_extra_args = 0;
            ci.status = status;
            ci.k = None;
            ci.saved_nres = 0;
        }
    }

    /// Room for the registers of Lua closure `cl` called at `func`
    /// (arguments up to `top`), missing parameters set to nil: the frame
    /// size and the top after the parameters.
    #[inline(always)]
    fn lua_frame_registers(
        &mut self,
        func: usize,
        cl: crate::gc::Gc<crate::function::LuaClosure>,
    ) -> LuaResult<(usize, usize)> {
        let p = cl.proto;
        let nargs = self.top.saturating_sub(func + 1);
        let nparams = p.num_params as usize;
        let fsize = p.max_stack_size as usize;
        if func + 1 + fsize + 1 > self.stack.len() {
            self.grow_stack(func + 1 + fsize + 1)?;
        }
        for i in nargs..nparams {
            self.stack[func + 1 + i] = Value::Nil;
        }
        Ok((fsize, func + 1 + nargs.max(nparams)))
    }

    /// Calls native function `f` at `func` (arguments up to `top`) and moves
    /// its results into place.
    #[inline(always)]
    pub(crate) fn call_native(
        &mut self,
        func: usize,
        nresults: i32,
        f: crate::value::NativeFn,
    ) -> LuaResult<()> {
        self.check_stack(MIN_STACK)?;
        self.frames.push(CallInfo {
            func,
            base: func + 1,
            top: self.top + MIN_STACK,
            pc: std::ptr::null(),
            nresults,
            closure: None,
            n_extra_args: 0,
            status: std::mem::take(&mut self.next_call_status),
            k: None,
            saved_nres: 0,
        });
        if self.hook_mask & crate::stdlib::dblib::MASK_CALL != 0 {
            let nargs = self.top.saturating_sub(func + 1);
            crate::stdlib::dblib::run_hook_transfer(self, "call", None, 1, nargs)?;
        }
        let n = f(self)?;
        let n = n.min(self.top.saturating_sub(func + 1));
        if self.hook_mask != 0 {
            crate::vm::ret_hook(self, self.top - n, n)?;
        }
        // `poscall`, with the frame's result slot and count at hand.
        self.frames.pop();
        self.move_results(func, self.top - n, n, nresults);
        Ok(())
    }

    /// Finishes the top frame: moves its `n` results (the last `n` values below
    /// `top`) to where the function was, adjusting to the wanted count.
    #[inline]
    pub fn poscall(&mut self, n: usize) {
        let ci = match self.frames.pop() {
            Some(ci) => ci,
            None => return,
        };
        // (A continuation may claim more results than it left.)
        let n = n.min(self.top.saturating_sub(ci.func + 1));
        self.move_results(ci.func, self.top - n, n, ci.nresults);
    }

    /// Copies stack slot `from` to `to` word by word: results were just
    /// written (see `ValueWords`).
    #[inline(always)]
    pub(crate) fn copy_slot(&mut self, from: usize, to: usize) {
        let v = ValueWords::of(&self.stack[from]);
        v.write_to(&mut self.stack[to]);
    }

    /// Moves `n` results from `first` to `res`, adjusting to `wanted` (-1: all).
    /// No result or one, the usual cases, inline; the rest out of line.
    #[inline(always)]
    pub fn move_results(&mut self, res: usize, first: usize, n: usize, wanted: i32) {
        match wanted {
            0 => {
                self.top = res;
            }
            1 => {
                if n == 0 {
                    self.stack[res] = Value::Nil;
                } else {
                    self.copy_slot(first, res);
                }
                self.top = res + 1;
            }
            _ => self.move_many_results(res, first, n, wanted),
        }
    }

    /// `move_results` for all results (-1) or more than one. Results move
    /// down (`res` is the called function's slot, below them).
    #[inline(never)]
    fn move_many_results(&mut self, res: usize, first: usize, n: usize, wanted: i32) {
        if wanted < 0 {
            for i in 0..n {
                self.copy_slot(first + i, res + i);
            }
            self.top = res + n;
            return;
        }
        let w = wanted as usize;
        if res + w > self.stack.len() {
            self.resize_stack(res + w + MIN_STACK);
        }
        let m = n.min(w);
        debug_assert!(res <= first);
        // One bounds check for the moved values (`slots[..m]` from
        // `slots[gap..]`), word by word: the results were just written.
        let gap = first - res;
        let slots = &mut self.stack[res..first + m];
        for i in 0..m {
            let v = ValueWords::of(&slots[gap + i]);
            v.write_to(&mut slots[i]);
        }
        for i in m..w {
            self.stack[res + i] = Value::Nil;
        }
        self.top = res + w;
    }

    /// Calls `stack[func]` with the arguments above it (PUC's `luaD_callnoyield`).
    /// Results are placed from `func` on; `nresults == -1` keeps them all.
    /// The callee may not yield: its native caller has no continuation.
    pub fn call(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.nny += 1;
        let r = self.call_yieldable(func, nresults);
        self.nny -= 1;
        r
    }

    /// Like `call`, but the callee may yield (the caller's frame knows how to
    /// finish after a resume).
    pub fn call_yieldable(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.n_ccalls += 1;
        if self.n_ccalls >= MAX_CCALLS || crate::cstack::is_low(crate::cstack::RESERVE) {
            let r = self.c_stack_overflow();
            if r.is_err() {
                self.n_ccalls -= 1;
                return r;
            }
        }
        let r = self.run_call(func, nresults);
        self.n_ccalls -= 1;
        r
    }

    /// `call_yieldable` once the nesting is counted: a Lua function (the
    /// usual callee of a metamethod or callback) has its frame pushed here,
    /// anything else goes through `precall`.
    #[inline(always)]
    fn run_call(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        if let Value::LuaFn(cl) = self.stack[func] {
            let status =
                call_status::LUA | call_status::FRESH | std::mem::take(&mut self.next_call_status);
            self.push_lua_frame(func, cl, nresults, status)?;
            return crate::vm::execute(self);
        }
        match self.precall(func, nresults)? {
            PreCall::Lua => {
                let depth = self.frames.len();
                self.frames[depth - 1].status |= call_status::FRESH;
                crate::vm::execute(self)
            }
            // A native called from Rust (not from the VM, which checks after
            // each call) reports running out of memory to its caller, so a
            // `pcall` of it catches the error.
            PreCall::Native => self.check_memory(),
        }
    }

    /// The "C stack overflow" error (PUC's `luaE_checkcstack`): at the
    /// nesting limit, or when the thread's native stack runs low (see
    /// `cstack`); past either, by a tenth, "error in error handling".
    fn c_stack_overflow(&mut self) -> LuaResult<()> {
        use crate::cstack::{is_low, RESERVE};
        let low = is_low(RESERVE);
        let past_stack = low && is_low(RESERVE / 10 * 9);
        if self.n_ccalls == MAX_CCALLS || (low && !past_stack) {
            Err(self.rt_error_msg("C stack overflow"))
        } else if self.n_ccalls >= MAX_CCALLS / 10 * 11 || past_stack {
            // Error while handling the overflow error.
            Err(LuaError {
                kind: ErrorKind::ErrorHandler,
                value: Value::Str(self.new_string(b"error in error handling")),
            })
        } else {
            Ok(())
        }
    }

    /// Calls a value with arguments from Rust, returning all its results.
    pub fn call_value(&mut self, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let func = self.top;
        self.check_stack(args.len() + 1)?;
        self.push(f);
        for &a in args {
            self.push(a);
        }
        self.call(func, -1)?;
        let results = self.stack[func..self.top].to_vec();
        self.top = func;
        Ok(results)
    }

    /// A protected call (PUC's `luaD_pcall` with `lua_pcall`'s message handler).
    /// On error, the stack is cut back to `func`, pending to-be-closed variables
    /// are closed, and the (handled) error value is returned.
    pub fn pcall(
        &mut self,
        func: usize,
        nresults: i32,
        handler: Option<Value>,
    ) -> Result<(), LuaError> {
        self.pcall_inner(func, nresults, handler, false)
    }

    /// `pcall` whose body may yield: used by the `pcall`/`xpcall` functions,
    /// whose frames `coroutine::unroll` can finish after a resume.
    pub fn pcall_yieldable(
        &mut self,
        func: usize,
        nresults: i32,
        handler: Option<Value>,
    ) -> Result<(), LuaError> {
        self.pcall_inner(func, nresults, handler, true)
    }

    fn pcall_inner(
        &mut self,
        func: usize,
        nresults: i32,
        handler: Option<Value>,
        yieldable: bool,
    ) -> Result<(), LuaError> {
        let saved_frames = self.frames.len();
        let saved_ccalls = self.n_ccalls;
        let saved_nny = self.nny;
        let r = if yieldable {
            self.call_yieldable(func, nresults)
        } else {
            self.call(func, nresults)
        };
        match r {
            Ok(()) => Ok(()),
            Err(e) if e.kind == ErrorKind::Yield => Err(e),
            Err(mut e) => {
                if let Some(h) = handler {
                    e = self.run_message_handler(h, e);
                }
                self.n_ccalls = saved_ccalls;
                self.nny = saved_nny;
                if yieldable {
                    // `__close` handlers may yield: the pcall frame (the top
                    // frame after truncation) finishes through its continuation.
                    let kind = e.kind;
                    let v = self.pcall_close_after_error(saved_frames - 1, func, e)?;
                    self.top = func;
                    return Err(LuaError { kind, value: v });
                }
                self.frames.truncate(saved_frames);
                let e = self.close_after_error(func, e);
                self.frames.truncate(saved_frames);
                self.top = func;
                self.shrink_stack();
                Err(e)
            }
        }
    }

    /// After recovering from a stack overflow, gives back the slots reserved
    /// for handling it, so the next overflow is reported the same way (PUC's
    /// `luaD_shrinkstack`). Only slots above every live frame are dropped.
    pub(crate) fn shrink_stack(&mut self) {
        if self.stack.len() <= crate::state::MAX_STACK {
            return;
        }
        let in_use = self
            .frames
            .iter()
            .map(|ci| ci.top)
            .max()
            .unwrap_or(0)
            .max(self.top);
        if in_use < crate::state::MAX_STACK {
            let keep = (in_use * 2).clamp(2 * crate::state::MIN_STACK, crate::state::MAX_STACK);
            self.resize_stack(keep);
        }
    }

    /// Error recovery of a yieldable `pcall` whose frame is `frames[p]` and
    /// whose protected function was at `level`: closes pending to-be-closed
    /// variables with the error (each `__close` may yield, or fail and replace
    /// the error) and returns the final error value. The error value lives in
    /// `stack[level]` meanwhile, and the frame is marked `CLOSING_ERROR`, so
    /// `finish_pcall` can go on after a resume.
    pub(crate) fn pcall_close_after_error(
        &mut self,
        p: usize,
        level: usize,
        e: LuaError,
    ) -> LuaResult<Value> {
        self.frames.truncate(p + 1);
        self.close_upvalues(level);
        self.stack[level] = e.value;
        self.top = level + 1;
        self.frames[p].status |= call_status::CLOSING_ERROR;
        self.continue_error_close(p, level)?;
        self.frames[p].status &= !call_status::CLOSING_ERROR;
        let v = self.stack[level];
        self.shrink_stack();
        Ok(v)
    }

    /// The loop of `pcall_close_after_error`, resumable after a yield.
    pub(crate) fn continue_error_close(&mut self, p: usize, level: usize) -> LuaResult<()> {
        while let Some(&slot) = self.tbc_slots.last() {
            if slot < level {
                break;
            }
            self.tbc_slots.pop();
            let obj = self.stack[slot];
            let err = self.stack[level];
            self.top = slot + 1;
            match self.call_close_tm_mode(obj, err, true) {
                Ok(()) => {}
                Err(e) if e.kind == ErrorKind::Yield => return Err(e),
                Err(e) => {
                    self.frames.truncate(p + 1);
                    self.stack[level] = e.value;
                }
            }
        }
        self.close_upvalues(level);
        Ok(())
    }

    /// Runs an `xpcall` message handler on an error value, at the error point
    /// (the failed frames are still on the frame list, for tracebacks).
    pub(crate) fn run_message_handler(&mut self, h: Value, e: LuaError) -> LuaError {
        if e.kind == ErrorKind::Memory {
            return e;
        }
        let mut err = e;
        // A failing handler is called again on its own error, up to a limit.
        for _ in 0..(MAX_CCALLS as usize) {
            let top = self
                .frames
                .last()
                .map(|ci| ci.top.max(self.top))
                .unwrap_or(self.top);
            self.top = top;
            let func = self.top;
            if self.check_stack(2).is_err() {
                break;
            }
            self.push(h);
            self.push(err.value);
            match self.call(func, 1) {
                Ok(()) => {
                    let v = self.stack[func];
                    self.top = func;
                    return LuaError {
                        kind: err.kind,
                        value: v,
                    };
                }
                Err(e2) => {
                    // Running out of memory in the handler ends the call
                    // with that error (PUC raises it without the handler).
                    if matches!(e2.kind, ErrorKind::ErrorHandler | ErrorKind::Memory) {
                        return e2;
                    }
                    err = LuaError {
                        kind: ErrorKind::ErrorHandler,
                        value: e2.value,
                    };
                }
            }
        }
        LuaError {
            kind: ErrorKind::ErrorHandler,
            value: Value::Str(self.new_string(b"error in error handling")),
        }
    }

    /// After an error: closes upvalues and runs `__close` of to-be-closed
    /// variables at or above `level`, each in protected mode; an error in a
    /// `__close` replaces the error being propagated.
    pub fn close_after_error(&mut self, level: usize, mut e: LuaError) -> LuaError {
        self.close_upvalues(level);
        while let Some(&slot) = self.tbc_slots.last() {
            if slot < level {
                break;
            }
            self.tbc_slots.pop();
            let obj = self.stack[slot];
            // Keep the error value alive on the stack while the handler runs.
            self.top = self.top.max(slot + 1);
            let saved_frames = self.frames.len();
            let func = self.top;
            if self.check_stack(4).is_err() {
                continue;
            }
            self.push(e.value);
            let r = self.call_close_tm(obj, e.value);
            if let Err(e2) = r {
                self.frames.truncate(saved_frames);
                e = e2;
            }
            self.top = func;
        }
        e
    }

    /// Closes upvalues and to-be-closed variables at or above `level` on a
    /// normal exit (block end, `return`, `break`, `goto`).
    pub fn close_level(&mut self, level: usize) -> LuaResult<()> {
        self.close_level_mode(level, false)
    }

    /// `close_level` for the VM's `CLOSE`/`RETURN`: `__close` may yield, and
    /// the instruction is executed again after the resume.
    pub fn close_level_yieldable(&mut self, level: usize) -> LuaResult<()> {
        self.close_level_mode(level, true)
    }

    fn close_level_mode(&mut self, level: usize, yieldable: bool) -> LuaResult<()> {
        self.close_upvalues(level);
        while let Some(&slot) = self.tbc_slots.last() {
            if slot < level {
                break;
            }
            self.tbc_slots.pop();
            let obj = self.stack[slot];
            self.call_close_tm_mode(obj, Value::Nil, yieldable)?;
        }
        Ok(())
    }

    /// Closes open upvalues pointing at or above stack slot `level`.
    #[inline]
    pub fn close_upvalues(&mut self, level: usize) {
        while let Some(&uv) = self.open_upvalues.last() {
            match uv.open_index() {
                Some(idx) if idx >= level => {
                    let v = uv.close();
                    self.global().heap.barrier_forward(GcRef::UpVal(uv), v);
                    self.open_upvalues.pop();
                }
                _ => break,
            }
        }
    }

    /// The open upvalue for stack slot `index`, created if needed (`luaF_findupval`).
    pub fn find_upvalue(&mut self, index: usize) -> Gc<UpVal> {
        let mut pos = self.open_upvalues.len();
        while pos > 0 {
            let uv = self.open_upvalues[pos - 1];
            match uv.open_index() {
                Some(i) if i == index => return uv,
                Some(i) if i < index => break,
                _ => pos -= 1,
            }
        }
        let thread = self.thread();
        let stack = self.stack.as_mut_ptr();
        let uv = UpVal::alloc_open(&mut self.global().heap, thread, index, stack);
        self.open_upvalues.insert(pos, uv);
        uv
    }

    /// Reads an upvalue.
    #[inline(always)]
    pub fn upvalue_get(&self, uv: Gc<UpVal>) -> Value {
        uv.get()
    }

    /// Writes an upvalue.
    #[inline(always)]
    pub fn upvalue_set(&mut self, uv: Gc<UpVal>, v: Value) {
        uv.set(v);
        if uv.is_closed() {
            // An open one's variable is a stack slot: stores into stacks
            // need no barrier (as for registers).
            self.global().heap.barrier_forward(GcRef::UpVal(uv), v);
        }
    }
}
