//! The dispatch loop (PUC's `lvm.c`): one `match` arm per instruction.
//!
//! `execute` runs the top frame of a thread, which must be a Lua frame marked
//! `FRESH`, until that frame returns. Calls to Lua functions push a frame and
//! continue in the same loop (`'frame` restarts with the callee's registers);
//! returns pop back to the caller. Fast paths (integer and float arithmetic,
//! table reads of existing keys) are inline; everything that can call a
//! metamethod or raise an error is a function in `tm.rs`/`call.rs`/`debug.rs`.

use crate::arith::{self, ArithOp};
use crate::call::PreCall;
use crate::debug::Operand;
use crate::error::LuaResult;
use crate::function::{FastCall, LuaClosure, Proto};
use crate::gc::Gc;
use crate::opcodes::*;
use crate::state::{call_status, CallInfo, State};
use crate::stdlib::dblib::{
    run_hook, run_hook_transfer, MASK_CALL, MASK_COUNT, MASK_LINE, MASK_RET,
};
use crate::tm::TmKind;
use crate::value::{Value, ValueWords};
use std::cell::Cell;

/// Converts a value to a number for `for` loops (strings convert, as PUC's
/// `luaV_tonumber_` does).
fn for_to_float(v: Value) -> Option<f64> {
    match v {
        Value::Int(i) => Some(i as f64),
        Value::Float(f) => Some(f),
        Value::Str(s) => match crate::compiler::str_to_number(s.as_bytes()) {
            Some(crate::compiler::Number::Int(i)) => Some(i as f64),
            Some(crate::compiler::Number::Float(f)) => Some(f),
            None => None,
        },
        _ => None,
    }
}

/// The integer limit of an integer `for` loop (PUC's `forlimit`); `None` when
/// the loop must not run.
#[inline]
fn for_limit(l: &mut State, init: i64, lim: Value, step: i64) -> LuaResult<Option<i64>> {
    let limit = match lim {
        Value::Int(i) => i,
        _ => {
            let f = match for_to_float(lim) {
                Some(f) => f,
                None => return Err(for_error(l, lim, "limit")),
            };
            let fl = if step < 0 { f.ceil() } else { f.floor() };
            match crate::value::float_to_integer(fl) {
                Some(i) => i,
                None => {
                    if f.is_nan() {
                        return Ok(None);
                    }
                    if f > 0.0 {
                        if step < 0 {
                            return Ok(None);
                        }
                        i64::MAX
                    } else {
                        if step > 0 {
                            return Ok(None);
                        }
                        i64::MIN
                    }
                }
            }
        }
    };
    Ok(int_loop_runs(init, limit, step).then_some(limit))
}

/// Whether an integer loop runs at all (`init` not past `limit`).
#[inline(always)]
fn int_loop_runs(init: i64, limit: i64, step: i64) -> bool {
    !((step > 0 && init > limit) || (step < 0 && init < limit))
}

/// Iterations after the first of an integer loop that runs (`init` not past
/// `limit`), computed without overflow; no division for the usual steps (one
/// costs tens of cycles).
#[inline]
fn int_loop_count(init: i64, limit: i64, step: i64) -> u64 {
    match step {
        1 => (limit as u64).wrapping_sub(init as u64),
        -1 => (init as u64).wrapping_sub(limit as u64),
        s if s > 0 => (limit as u64).wrapping_sub(init as u64) / s as u64,
        s => {
            let s1 = (s.wrapping_add(1)).wrapping_neg() as u64 + 1;
            (init as u64).wrapping_sub(limit as u64) / s1
        }
    }
}

fn for_error(l: &mut State, v: Value, what: &str) -> crate::error::LuaError {
    let t = l.obj_type_name(v);
    l.rt_error_bytes(
        &[
            b"bad 'for' ".as_slice(),
            what.as_bytes(),
            b" (number expected, got ",
            &t,
            b")",
        ]
        .concat(),
    )
}

/// Prepares a numeric `for` loop; returns true when the loop must be skipped.
#[inline(never)]
fn for_prep(l: &mut State, ra: usize) -> LuaResult<bool> {
    let init = l.stack[ra];
    let limit = l.stack[ra + 1];
    let step = l.stack[ra + 2];
    if let (Value::Int(i), Value::Int(s)) = (init, step) {
        if s == 0 {
            return Err(l.rt_error_msg("'for' step is zero"));
        }
        l.stack[ra + 3] = Value::Int(i);
        let lim = match for_limit(l, i, limit, s)? {
            Some(lim) => lim,
            None => return Ok(true),
        };
        l.stack[ra + 1] = Value::Int(int_loop_count(i, lim, s) as i64);
        Ok(false)
    } else {
        let fl = match for_to_float(limit) {
            Some(f) => f,
            None => return Err(for_error(l, limit, "limit")),
        };
        let fs = match for_to_float(step) {
            Some(f) => f,
            None => return Err(for_error(l, step, "step")),
        };
        let fi = match for_to_float(init) {
            Some(f) => f,
            None => return Err(for_error(l, init, "initial value")),
        };
        if fs == 0.0 {
            return Err(l.rt_error_msg("'for' step is zero"));
        }
        let runs = if fs > 0.0 { fi <= fl } else { fl <= fi };
        if !runs {
            return Ok(true);
        }
        l.stack[ra] = Value::Float(fi);
        l.stack[ra + 1] = Value::Float(fl);
        l.stack[ra + 2] = Value::Float(fs);
        l.stack[ra + 3] = Value::Float(fi);
        Ok(false)
    }
}

/// Does what the native function at `func` would do, if its `FastCall` can
/// for `CALL`'s operands (`nargs1`: the arguments plus one; `nresults`: -1
/// for all); false when the function must be called.
#[inline(always)]
fn fast_call(l: &mut State, fast: FastCall, func: usize, nargs1: usize, nresults: i32) -> bool {
    match fast {
        // A passing assertion, whose results (its arguments) are dropped or
        // the first one kept.
        FastCall::Assert => {
            if nargs1 < 2 || !(0..=1).contains(&nresults) || slot(&mut l.stack, func + 1).is_falsy()
            {
                return false;
            }
            if nresults == 1 {
                let v = ValueWords::of(slot(&mut l.stack, func + 1));
                v.write_to(slot(&mut l.stack, func));
            }
            true
        }
        // A function of one number, with one result.
        _ => {
            if nargs1 != 2 || nresults != 1 {
                return false;
            }
            match fast.apply(slot(&mut l.stack, func + 1)) {
                Some(v) => {
                    *slot(&mut l.stack, func) = v;
                    true
                }
                None => false,
            }
        }
    }
}

/// Creates a closure for prototype `p` inside the running closure.
#[inline(never)]
fn new_closure(l: &mut State, cl: Gc<LuaClosure>, p: Gc<Proto>, base: usize) -> Gc<LuaClosure> {
    let mut upvalues = Vec::with_capacity(p.upvalues.len());
    for desc in p.upvalues.iter() {
        let uv = if desc.in_stack {
            l.find_upvalue(base + desc.index as usize)
        } else {
            cl.upvalue(desc.index as usize)
        };
        upvalues.push(Cell::new(uv));
    }
    l.global()
        .heap
        .alloc(LuaClosure::new(p, upvalues.into_boxed_slice()))
}

/// Runs the top frame until the fresh frame it belongs to returns.
pub fn execute(l: &mut State) -> LuaResult<()> {
    'frame: loop {
        // The running frame is always the last one: callees push frames above
        // it and pop them before returning normally, and an error leaves the
        // loop. Only what every instruction needs is kept in locals (the
        // instruction pointer, the registers, the constants, the closure, the
        // hook state); the rest is read from the frame when needed, which
        // leaves the compiler enough machine registers for those.
        let (closure, start_pc) = {
            let ci = cur(l);
            (ci.closure, ci.pc)
        };
        let mut cl = match closure {
            Some(c) => c,
            None => return Ok(()),
        };
        if l.hook_mask != 0 && start_pc == cl.code() && !cl.proto.is_vararg {
            hook_call(l, cl.proto.num_params as usize)?;
        }
        // The code and constants stay put while the frame runs (boxed slices
        // owned by the prototype, which the frame's closure keeps alive).
        let mut k: *const Value = cl.constants();
        // The next instruction. Jumps stay inside the code: the compiler (and
        // `dump::verify_code` for loaded chunks) only emits such jumps.
        let mut pc: *const u32 = start_pc;
        // The frame's registers, and the hook state (`trap`: `HOOKED_OP`
        // while line/count hooks are on, else 0; `armed`: what the next
        // instruction's dispatch ORs in, 0 for an instruction that just had
        // its hook event, `HOOKED_OP` for one sent to its slow path): re-read
        // (`refresh!`) after anything that may run
        // other code, which may move the stack or set a hook.
        let mut regs: *mut Value = registers(l, cur(l).base);
        let mut trap = hook_bits(l);
        let mut armed = trap;
        // A hook set asynchronously (a signal handler's `lua_sethook`, as for
        // Ctrl-C) is noticed at backward jumps, so no loop runs on unhooked.
        // Volatile: the compiler may not keep the mask from before the loop.
        macro_rules! poll_hook {
            () => {
                // SAFETY: a read of a plain field of the live state.
                let mask = unsafe { std::ptr::read_volatile(std::ptr::addr_of!(l.hook_mask)) };
                if mask & (MASK_LINE | MASK_COUNT) != 0 {
                    trap = HOOKED_OP;
                    armed = HOOKED_OP;
                }
            };
        }
        macro_rules! refresh {
            () => {
                regs = registers(l, cur(l).base);
                trap = hook_bits(l);
                armed = trap;
            };
        }
        // Continues in the Lua frame on top (just pushed, or returned to)
        // without going through the frame head, when no hook is set (the
        // head runs the call hook): what it would read back is at hand.
        macro_rules! enter_lua {
            ($cl:expr, $pc:expr, $base:expr) => {{
                cl = $cl;
                k = cl.constants();
                pc = $pc;
                regs = registers(l, $base);
                trap = 0;
                armed = 0;
            }};
        }
        // After a return into a caller run by this loop: continue it.
        macro_rules! resume_caller {
            () => {
                resume_caller!(l.hook_mask != 0)
            };
            ($hooked:expr) => {
                let (caller, saved_pc, base) = {
                    let ci = cur(l);
                    (ci.closure, ci.pc, ci.base)
                };
                resume_caller!($hooked, caller, saved_pc, base)
            };
            ($hooked:expr, $caller:expr, $pc:expr, $base:expr) => {
                if $hooked {
                    continue 'frame;
                }
                match $caller {
                    Some(c) => enter_lua!(c, $pc, $base),
                    None => return Ok(()),
                }
                continue;
            };
        }
        // The frame's first register, as a stack index.
        macro_rules! base {
            () => {
                cur(l).base
            };
        }
        // The index of the next instruction.
        macro_rules! pc_index {
            () => {
                (pc as usize - cl.code() as usize) / 4
            };
        }

        macro_rules! ra {
            ($i:expr) => {
                base!() + get_a($i) as usize
            };
        }
        macro_rules! reg {
            ($r:expr) => {
                *{
                    let r = $r as usize;
                    debug_assert!(regs == registers(l, base!()) && base!() + r < l.stack.len());
                    // SAFETY: `regs` is `base` in the current stack buffer (see
                    // `refresh!`), and register operands are below the frame's
                    // `max_stack_size`, for which `precall`/`VARARGPREP` made room
                    // (the compiler emits only such operands; `dump::verify_code`
                    // checks loaded ones).
                    unsafe { &mut *regs.add(r) }
                }
            };
        }
        macro_rules! kst {
            ($n:expr) => {
                constant(k, $n as usize, cl.proto.constants.len())
            };
        }
        // A constant matched in place: a copy of a `Value` that a slow path
        // also uses is kept in memory, so fast paths match references and
        // slow paths take their own copies (see `store!`).
        macro_rules! kst_ref {
            ($n:expr) => {
                constant_ref(k, $n as usize, cl.proto.constants.len())
            };
        }
        // `rk_c!` as a reference, for stores that copy it word by word.
        macro_rules! rk_c_ref {
            ($i:expr) => {
                if get_k($i) {
                    kst_ref!(get_c($i))
                } else {
                    &reg!(get_c($i))
                }
            };
        }
        macro_rules! rk_c {
            ($i:expr) => {
                if get_k($i) {
                    kst!(get_c($i))
                } else {
                    reg!(get_c($i))
                }
            };
        }
        macro_rules! save_pc {
            () => {
                frame(l).pc = pc;
            };
        }
        // `t[key] = v`: in place when no metamethod or new key is involved,
        // else through the slow path (which may call `__newindex`).
        //
        // The fast paths match tags and payloads in place rather than copying
        // whole values first: a register just written field by field (tag,
        // then payload) and read back with one 16-byte load defeats the CPU's
        // store-to-load forwarding and stalls (PUC copies field by field too).
        // A register read for a slow path: through the stack vector, so the
        // compiler cannot merge it with (and widen) the fast path's reads,
        // and word by word (it may just have been written).
        macro_rules! slow_reg {
            ($r:expr) => {
                ValueWords::of(&l.stack[base!() + $r as usize]).value()
            };
        }
        macro_rules! slow_rk_c {
            ($i:expr) => {
                if get_k($i) {
                    kst!(get_c($i))
                } else {
                    slow_reg!(get_c($i))
                }
            };
        }
        // Sends the instruction just fetched to its slow path, which runs in
        // the hook arm (`slow_instruction`): the instruction's own arm then
        // calls nothing, so the values the loop keeps in machine registers
        // need not survive a call there.
        macro_rules! to_slow_path {
            () => {{
                l.slow_pending = true;
                pc = pc.wrapping_sub(1);
                armed = HOOKED_OP;
                continue;
            }};
        }
        // A raw lookup's result `v` in table `tab`: nil stays nil when `tab`
        // has no metatable (no `__index` to consult), else the slow path.
        macro_rules! absent_raw {
            ($tab:expr, $v:expr) => {{
                let v = $v;
                if v.is_nil() && $tab.metatable().is_some() {
                    to_slow_path!();
                }
                v
            }};
        }
        // A raw lookup of string key `s` in table `tab`, inline for a short
        // (interned) key, such as every constant key the compiler emits; a
        // long one takes the slow path, so these arms call nothing.
        macro_rules! get_short {
            ($tab:expr, $s:expr) => {{
                if !$s.is_short() {
                    to_slow_path!();
                }
                $tab.get_short_str($s)
            }};
        }
        macro_rules! store {
            ($t:expr, $key:expr, $vref:expr) => {{
                // A black table needs a barrier: the slow path's.
                let done = match $t {
                    Value::Table(tab) if !tab.is_black() => match $key {
                        Value::Int(n) => tab.try_set_array(n, $vref),
                        Value::Str(s) => tab.try_set_existing_str(s, *$vref),
                        _ => false,
                    },
                    _ => false,
                };
                if !done {
                    to_slow_path!();
                }
            }};
        }
        // Conditional jump: the next instruction is a JMP taken when `cond == k`.
        macro_rules! cond_jump {
            ($i:expr, $cond:expr) => {
                if $cond != get_k($i) {
                    pc = pc.wrapping_add(1);
                } else {
                    let ni = fetch(pc);
                    pc = pc.wrapping_offset(get_sj(ni) as isize + 1);
                }
            };
        }
        macro_rules! arith_fast {
            ($i:expr, $a:expr, $b:expr, $int:expr, $flt:expr) => {{
                let (a, b) = ($a, $b);
                match (a, b) {
                    (Value::Int(x), Value::Int(y)) => {
                        reg!(get_a($i)) = Value::Int($int(x, y));
                        pc = pc.wrapping_add(1);
                    }
                    (Value::Float(x), Value::Float(y)) => {
                        reg!(get_a($i)) = Value::Float($flt(x, y));
                        pc = pc.wrapping_add(1);
                    }
                    (Value::Int(x), Value::Float(y)) => {
                        reg!(get_a($i)) = Value::Float($flt(x as f64, y));
                        pc = pc.wrapping_add(1);
                    }
                    (Value::Float(x), Value::Int(y)) => {
                        reg!(get_a($i)) = Value::Float($flt(x, y as f64));
                        pc = pc.wrapping_add(1);
                    }
                    _ => {}
                }
            }};
        }
        macro_rules! arith_float_only {
            ($i:expr, $a:expr, $b:expr, $flt:expr) => {{
                if let (Some(x), Some(y)) = ($a.as_float(), $b.as_float()) {
                    reg!(get_a($i)) = Value::Float($flt(x, y));
                    pc = pc.wrapping_add(1);
                }
            }};
        }
        macro_rules! arith_div_mod {
            ($i:expr, $a:expr, $b:expr, Mod) => {
                arith_div_mod!(@op $i, $a, $b, ArithOp::Mod, arith::int_mod, arith::float_mod)
            };
            ($i:expr, $a:expr, $b:expr, IDiv) => {
                arith_div_mod!(@op $i, $a, $b, ArithOp::IDiv, arith::int_floor_div, arith::float_floor_div)
            };
            (@op $i:expr, $a:expr, $b:expr, $op:expr, $int:expr, $flt:expr) => {{
                // Operands matched in place: a register the previous
                // instruction wrote as two words, read back as one 16-byte
                // copy, misses the store buffer's forwarding (a stall of
                // some 15 cycles); copies are made on the slow paths only.
                match (&$a, &$b) {
                    (&Value::Int(x), &Value::Int(y)) if y != 0 => {
                        reg!(get_a($i)) = Value::Int($int(x, y));
                        pc = pc.wrapping_add(1);
                    }
                    (&Value::Float(x), &Value::Float(y)) => {
                        reg!(get_a($i)) = Value::Float($flt(x, y));
                        pc = pc.wrapping_add(1);
                    }
                    // Division by zero: the error.
                    (&Value::Int(_), &Value::Int(0)) => to_slow_path!(),
                    _ => {
                        if let Some(v) = arith::arith_numbers($op, $a, $b) {
                            reg!(get_a($i)) = v;
                            pc = pc.wrapping_add(1);
                        }
                    }
                }
            }};
        }
        macro_rules! bitwise {
            ($i:expr, $a:expr, $b:expr, $op:expr) => {{
                // In place, as in `arith_div_mod!`.
                if let (Some(x), Some(y)) =
                    (arith::to_integer_strict(&$a), arith::to_integer_strict(&$b))
                {
                    reg!(get_a($i)) = Value::Int($op(x, y));
                    pc = pc.wrapping_add(1);
                }
            }};
        }
        // Comparisons of other values (strings, metamethods, errors) take
        // the slow path.
        macro_rules! compare {
            ($i:expr, $fast:expr, $ffast:expr) => {{
                // Matched in place (see `store!`): copies of both operands
                // would go through the stack.
                let cond = match (&reg!(get_a($i)), &reg!(get_b($i))) {
                    (&Value::Int(x), &Value::Int(y)) => $fast(x, y),
                    (&Value::Float(x), &Value::Float(y)) => $ffast(x, y),
                    _ => to_slow_path!(),
                };
                cond_jump!($i, cond);
            }};
        }
        macro_rules! compare_imm {
            ($i:expr, $int:expr, $flt:expr) => {{
                let im = get_sb($i) as i64;
                let cond = match reg!(get_a($i)) {
                    Value::Int(x) => $int(x, im),
                    Value::Float(f) => $flt(f, im as f64),
                    _ => to_slow_path!(),
                };
                cond_jump!($i, cond);
            }};
        }

        loop {
            let i = fetch(pc);
            pc = pc.wrapping_add(1);
            // With line/count hooks on, the opcode field becomes 127 and the
            // instruction first dispatches to the hook arm, which runs the
            // hook and then dispatches it again (an instruction sent to its
            // slow path comes back through it too). Folding the check into the
            // opcode (an OR and an AND, no branch) keeps the dispatch one
            // block, which the compiler copies into every arm: one indirect
            // jump per opcode predicts far better than a shared one. The
            // match covers all 128 values of the field (the numbers no
            // opcode has are unreachable), so no range check comes first.
            let op = ((i | armed) & 0x7f) as u8;
            armed = trap;
            match op {
                opnum::MOVE => {
                    let b = get_b(i) as usize;
                    debug_assert!(base!() + b < l.stack.len());
                    // SAFETY: as in `reg!`.
                    let v = unsafe { ValueWords::read(regs.add(b)) };
                    v.write_to(&mut reg!(get_a(i)));
                }
                opnum::LOADI => {
                    reg!(get_a(i)) = Value::Int(get_sbx(i) as i64);
                }
                opnum::LOADF => {
                    reg!(get_a(i)) = Value::Float(get_sbx(i) as f64);
                }
                opnum::LOADK => {
                    reg!(get_a(i)) = kst!(get_bx(i));
                }
                opnum::LOADKX => {
                    let ax = get_ax(fetch(pc));
                    pc = pc.wrapping_add(1);
                    reg!(get_a(i)) = kst!(ax);
                }
                opnum::LOADFALSE => {
                    reg!(get_a(i)) = Value::Bool(false);
                }
                opnum::LFALSESKIP => {
                    reg!(get_a(i)) = Value::Bool(false);
                    pc = pc.wrapping_add(1);
                }
                opnum::LOADTRUE => {
                    reg!(get_a(i)) = Value::Bool(true);
                }
                opnum::LOADNIL => {
                    let a = get_a(i) as usize;
                    for r in a..=a + get_b(i) as usize {
                        reg!(r) = Value::Nil;
                    }
                }
                opnum::GETUPVAL => {
                    let uv = upvalue_of(cl, get_b(i));
                    // Word by word, like `MOVE`: a `SETUPVAL` just before
                    // stored it that way.
                    // SAFETY: an upvalue's slot is a live `Value`.
                    let v = unsafe { ValueWords::read(uv.slot()) };
                    v.write_to(&mut reg!(get_a(i)));
                }
                opnum::SETUPVAL => {
                    let uv = upvalue_of(cl, get_b(i));
                    if uv.is_closed() && uv.is_black() {
                        // A barrier may be needed.
                        to_slow_path!();
                    }
                    let a = get_a(i) as usize;
                    debug_assert!(base!() + a < l.stack.len());
                    // SAFETY: as in `reg!`, and the slot is a live `Value`.
                    unsafe { ValueWords::read(regs.add(a)).write_to(&mut *uv.slot()) };
                }
                opnum::GETTABUP => {
                    let t = upvalue_of(cl, get_b(i)).get_mostly_closed();
                    let v = match (t, kst_ref!(get_c(i))) {
                        (Value::Table(tab), &Value::Str(s)) => absent_raw!(tab, get_short!(tab, s)),
                        _ => to_slow_path!(),
                    };
                    reg!(get_a(i)) = v;
                }
                opnum::GETTABLE => {
                    // Other keys (floats, booleans, ...) take the slow path:
                    // merging `Table::get`'s result (returned through memory)
                    // with these would send every value through the stack.
                    let v = match reg!(get_b(i)) {
                        Value::Table(tab) => match reg!(get_c(i)) {
                            Value::Int(n) => absent_raw!(tab, tab.get_int(n)),
                            Value::Str(s) => absent_raw!(tab, get_short!(tab, s)),
                            _ => to_slow_path!(),
                        },
                        _ => to_slow_path!(),
                    };
                    reg!(get_a(i)) = v;
                }
                opnum::GETI => {
                    let n = get_c(i) as i64;
                    let v = match reg!(get_b(i)) {
                        Value::Table(tab) => absent_raw!(tab, tab.get_int(n)),
                        _ => to_slow_path!(),
                    };
                    reg!(get_a(i)) = v;
                }
                opnum::GETFIELD => {
                    let fast = match (&reg!(get_b(i)), kst_ref!(get_c(i))) {
                        (&Value::Table(tab), &Value::Str(s)) => get_short!(tab, s),
                        _ => Value::Nil,
                    };
                    if !fast.is_nil() {
                        reg!(get_a(i)) = fast;
                    } else if let Some(v) =
                        field_through_tables(l, base!() + get_b(i) as usize, kst_ref!(get_c(i)))
                    {
                        // A class's field: found from here (through the
                        // slow path it took twice the time).
                        reg!(get_a(i)) = v;
                    } else {
                        to_slow_path!();
                    }
                }
                opnum::SETTABUP => {
                    let t = upvalue_of(cl, get_a(i)).get_mostly_closed();
                    let key = kst!(get_b(i));
                    store!(t, key, rk_c_ref!(i));
                }
                opnum::SETTABLE => {
                    store!(reg!(get_a(i)), reg!(get_b(i)), rk_c_ref!(i));
                }
                opnum::SETI => {
                    let key = Value::Int(get_b(i) as i64);
                    store!(reg!(get_a(i)), key, rk_c_ref!(i));
                }
                opnum::SETFIELD => {
                    // A new field (a constructor's, an object's) is common:
                    // set from here, not through the slow path's dispatch.
                    let key = kst!(get_b(i));
                    let done = match reg!(get_a(i)) {
                        Value::Table(tab) if !tab.is_black() => match key {
                            Value::Str(s) => tab.try_set_existing_str(s, *rk_c_ref!(i)),
                            _ => false,
                        },
                        _ => false,
                    };
                    if !done {
                        let (t, v) = (slow_reg!(get_a(i)), slow_rk_c!(i));
                        save_pc!();
                        l.top = frame(l).top;
                        let what = Operand::Register(base!() + get_a(i) as usize);
                        set_fast_or_slow(l, t, key, v, what)?;
                        refresh!();
                    }
                }
                opnum::NEWTABLE => {
                    let b = get_b(i);
                    let mut c = get_c(i) as usize;
                    // Sizes are hints: bounded, so a crafted binary chunk cannot
                    // ask for a giant allocation (the table still grows as needed).
                    let hash_size = if b > 0 { 1usize << (b - 1).min(16) } else { 0 };
                    if get_k(i) {
                        c += get_ax(fetch(pc)) as usize * (MAXARG_C as usize + 1);
                    }
                    pc = pc.wrapping_add(1);
                    let t = l.new_table(c.min(1 << 20), hash_size);
                    reg!(get_a(i)) = Value::Table(t);
                    save_pc!();
                    l.top = base!() + get_a(i) as usize + 1;
                    l.check_gc()?;
                    refresh!();
                }
                opnum::SELF => {
                    let fast = match (&reg!(get_b(i)), &rk_c!(i)) {
                        (&Value::Table(tab), &Value::Str(s)) => tab.get_str(s),
                        _ => Value::Nil,
                    };
                    let b = get_b(i) as usize;
                    debug_assert!(base!() + b < l.stack.len());
                    // SAFETY: as in `reg!`.
                    let t = unsafe { ValueWords::read(regs.add(b)) };
                    t.write_to(&mut reg!(get_a(i) + 1));
                    if !fast.is_nil() {
                        reg!(get_a(i)) = fast;
                    } else if let Some(v) = field_through_tables(l, base!() + b, &slow_rk_c!(i)) {
                        reg!(get_a(i)) = v;
                    } else {
                        save_pc!();
                        let t = base!() + b;
                        let v = get_field_miss(l, t, &slow_rk_c!(i))?;
                        refresh!();
                        reg!(get_a(i)) = v;
                    }
                }
                opnum::ADDI => {
                    let a = reg!(get_b(i));
                    let im = get_sc(i) as i64;
                    match a {
                        Value::Int(x) => {
                            reg!(get_a(i)) = Value::Int(x.wrapping_add(im));
                            pc = pc.wrapping_add(1);
                        }
                        Value::Float(f) => {
                            reg!(get_a(i)) = Value::Float(f + im as f64);
                            pc = pc.wrapping_add(1);
                        }
                        _ => {}
                    }
                }
                opnum::ADDK => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    kst!(get_c(i)),
                    i64::wrapping_add,
                    |x: f64, y: f64| x + y
                ),
                opnum::SUBK => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    kst!(get_c(i)),
                    i64::wrapping_sub,
                    |x: f64, y: f64| x - y
                ),
                opnum::MULK => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    kst!(get_c(i)),
                    i64::wrapping_mul,
                    |x: f64, y: f64| x * y
                ),
                opnum::MODK => {
                    arith_div_mod!(i, reg!(get_b(i)), kst!(get_c(i)), Mod)
                }
                opnum::POWK => {
                    arith_float_only!(i, reg!(get_b(i)), kst!(get_c(i)), |x: f64, y: f64| {
                        arith::float_arith(ArithOp::Pow, x, y)
                    })
                }
                opnum::DIVK => {
                    arith_float_only!(i, reg!(get_b(i)), kst!(get_c(i)), |x: f64, y: f64| x / y)
                }
                opnum::IDIVK => {
                    arith_div_mod!(i, reg!(get_b(i)), kst!(get_c(i)), IDiv)
                }
                opnum::BANDK => {
                    bitwise!(i, reg!(get_b(i)), kst!(get_c(i)), |x: i64, y: i64| x & y)
                }
                opnum::BORK => {
                    bitwise!(i, reg!(get_b(i)), kst!(get_c(i)), |x: i64, y: i64| x | y)
                }
                opnum::BXORK => {
                    bitwise!(i, reg!(get_b(i)), kst!(get_c(i)), |x: i64, y: i64| x ^ y)
                }
                opnum::SHRI => {
                    if let Some(x) = arith::to_integer_strict(&reg!(get_b(i))) {
                        reg!(get_a(i)) = Value::Int(arith::shift_left(x, -(get_sc(i) as i64)));
                        pc = pc.wrapping_add(1);
                    }
                }
                opnum::SHLI => {
                    if let Some(x) = arith::to_integer_strict(&reg!(get_b(i))) {
                        reg!(get_a(i)) = Value::Int(arith::shift_left(get_sc(i) as i64, x));
                        pc = pc.wrapping_add(1);
                    }
                }
                opnum::ADD => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    reg!(get_c(i)),
                    i64::wrapping_add,
                    |x: f64, y: f64| x + y
                ),
                opnum::SUB => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    reg!(get_c(i)),
                    i64::wrapping_sub,
                    |x: f64, y: f64| x - y
                ),
                opnum::MUL => arith_fast!(
                    i,
                    reg!(get_b(i)),
                    reg!(get_c(i)),
                    i64::wrapping_mul,
                    |x: f64, y: f64| x * y
                ),
                opnum::MOD => arith_div_mod!(i, reg!(get_b(i)), reg!(get_c(i)), Mod),
                opnum::POW => {
                    arith_float_only!(i, reg!(get_b(i)), reg!(get_c(i)), |x: f64, y: f64| {
                        arith::float_arith(ArithOp::Pow, x, y)
                    })
                }
                opnum::DIV => {
                    arith_float_only!(i, reg!(get_b(i)), reg!(get_c(i)), |x: f64, y: f64| x / y)
                }
                opnum::IDIV => arith_div_mod!(i, reg!(get_b(i)), reg!(get_c(i)), IDiv),
                opnum::BAND => bitwise!(i, reg!(get_b(i)), reg!(get_c(i)), |x: i64, y: i64| x & y),
                opnum::BOR => bitwise!(i, reg!(get_b(i)), reg!(get_c(i)), |x: i64, y: i64| x | y),
                opnum::BXOR => bitwise!(i, reg!(get_b(i)), reg!(get_c(i)), |x: i64, y: i64| x ^ y),
                opnum::SHL => bitwise!(i, reg!(get_b(i)), reg!(get_c(i)), arith::shift_left),
                opnum::SHR => bitwise!(i, reg!(get_b(i)), reg!(get_c(i)), |x: i64, y: i64| {
                    arith::shift_left(x, y.wrapping_neg())
                }),
                opnum::MMBIN | opnum::MMBINI | opnum::MMBINK => {
                    let pi = fetch(pc.wrapping_sub(2));
                    let ra_val = reg!(get_a(i));
                    let event = TmKind::from_u32(get_c(i)).unwrap_or(TmKind::Add);
                    let op = event.arith_op().unwrap_or(ArithOp::Add);
                    let (a, b, ops) = match get_op(i) {
                        OpCode::MMBIN => (
                            ra_val,
                            reg!(get_b(i)),
                            (
                                Operand::Register(base!() + get_a(i) as usize),
                                Operand::Register(base!() + get_b(i) as usize),
                            ),
                        ),
                        OpCode::MMBINI => {
                            let im = Value::Int(get_sb(i) as i64);
                            let ra_op = Operand::Register(base!() + get_a(i) as usize);
                            if get_k(i) {
                                (im, ra_val, (Operand::None, ra_op))
                            } else {
                                (ra_val, im, (ra_op, Operand::None))
                            }
                        }
                        _ => {
                            let kv = kst!(get_b(i));
                            let ra_op = Operand::Register(base!() + get_a(i) as usize);
                            if get_k(i) {
                                (kv, ra_val, (Operand::Constant(get_b(i) as usize), ra_op))
                            } else {
                                (ra_val, kv, (ra_op, Operand::Constant(get_b(i) as usize)))
                            }
                        }
                    };
                    save_pc!();
                    l.top = frame(l).top;
                    let r = l.arith(op, a, b, ops)?;
                    refresh!();
                    reg!(get_a(pi)) = r;
                }
                opnum::UNM => {
                    // In place, as in `arith_div_mod!`.
                    match reg!(get_b(i)) {
                        Value::Int(x) => reg!(get_a(i)) = Value::Int(x.wrapping_neg()),
                        Value::Float(f) => reg!(get_a(i)) = Value::Float(-f),
                        _ => to_slow_path!(),
                    }
                }
                opnum::BNOT => match reg!(get_b(i)) {
                    Value::Int(x) => reg!(get_a(i)) = Value::Int(!x),
                    _ => to_slow_path!(),
                },
                opnum::NOT => {
                    let a = reg!(get_b(i));
                    reg!(get_a(i)) = Value::Bool(a.is_falsy());
                }
                opnum::LEN => {
                    let a = reg!(get_b(i));
                    let fast = match a {
                        Value::Str(s) => Some(Value::Int(s.len() as i64)),
                        Value::Table(t) if t.metatable().is_none() => Some(Value::Int(t.length())),
                        _ => None,
                    };
                    match fast {
                        Some(v) => reg!(get_a(i)) = v,
                        None => to_slow_path!(),
                    }
                }
                opnum::CONCAT => {
                    let ra = ra!(i);
                    let n = get_b(i) as usize;
                    save_pc!();
                    l.top = ra + n;
                    l.concat(ra, n)?;
                    l.top = ra + 1;
                    l.check_gc()?;
                    refresh!();
                    l.top = frame(l).top;
                }
                opnum::CLOSE => {
                    save_pc!();
                    let ra = ra!(i);
                    l.top = frame(l).top;
                    l.close_level_yieldable(ra)?;
                    refresh!();
                }
                opnum::TBC => {
                    save_pc!();
                    let ra = ra!(i);
                    let v = l.stack[ra];
                    l.check_closable(v, ra)?;
                    refresh!();
                    if !v.is_falsy() {
                        l.tbc_slots.push(ra);
                    }
                }
                opnum::JMP => {
                    let offset = get_sj(i) as isize;
                    pc = pc.wrapping_offset(offset);
                    if offset < 0 {
                        poll_hook!();
                    }
                }
                opnum::EQ => {
                    let cond = match (&reg!(get_a(i)), &reg!(get_b(i))) {
                        (Value::Table(x), Value::Table(y)) if x == y => true,
                        (Value::UserData(x), Value::UserData(y)) if x == y => true,
                        // No `__eq` to look for, or none in their metatables
                        // (known once a comparison looked: objects of a
                        // class compared for identity).
                        (Value::Table(x), Value::Table(y))
                            if no_eq_metamethod(x.metatable())
                                && no_eq_metamethod(y.metatable()) =>
                        {
                            false
                        }
                        (Value::Table(_), Value::Table(_))
                        | (Value::UserData(_), Value::UserData(_)) => to_slow_path!(),
                        (a, b) => a.raw_equals(b),
                    };
                    cond_jump!(i, cond);
                }
                opnum::LT => {
                    compare!(i, |x: i64, y: i64| x < y, |x: f64, y: f64| x < y)
                }
                opnum::LE => compare!(i, |x: i64, y: i64| x <= y, |x: f64, y: f64| x <= y),
                opnum::EQK => {
                    let cond = reg!(get_a(i)).raw_equals(kst_ref!(get_b(i)));
                    cond_jump!(i, cond);
                }
                opnum::EQI => {
                    let a = reg!(get_a(i));
                    let im = get_sb(i) as i64;
                    let cond = match a {
                        Value::Int(x) => x == im,
                        Value::Float(f) => f == im as f64,
                        _ => false,
                    };
                    cond_jump!(i, cond);
                }
                opnum::LTI => compare_imm!(i, |x: i64, y: i64| x < y, |x: f64, y: f64| x < y),
                opnum::LEI => compare_imm!(i, |x: i64, y: i64| x <= y, |x: f64, y: f64| x <= y),
                opnum::GTI => compare_imm!(i, |x: i64, y: i64| x > y, |x: f64, y: f64| x > y),
                opnum::GEI => compare_imm!(i, |x: i64, y: i64| x >= y, |x: f64, y: f64| x >= y),
                opnum::TEST => {
                    let cond = !reg!(get_a(i)).is_falsy();
                    cond_jump!(i, cond);
                }
                opnum::TESTSET => {
                    let rb = reg!(get_b(i));
                    if rb.is_falsy() == get_k(i) {
                        pc = pc.wrapping_add(1);
                    } else {
                        reg!(get_a(i)) = rb;
                        let ni = fetch(pc);
                        pc = pc.wrapping_offset(get_sj(ni) as isize + 1);
                    }
                }
                opnum::CALL => {
                    let ra = ra!(i);
                    let b = get_b(i) as usize;
                    let nresults = get_c(i) as i32 - 1;
                    if b != 0 {
                        l.top = ra + b;
                    } else if l.top <= ra {
                        // B = 0 follows an open call or vararg, which leaves
                        // the top above the function; only a corrupt chunk
                        // gets here: no arguments.
                        l.top = ra + 1;
                    }
                    save_pc!();
                    if let Value::LuaFn(callee) = *slot(&mut l.stack, ra) {
                        // (`next_call_status` marks only frames that
                        // `State::call` pushes, never one of these.)
                        l.push_lua_frame(ra, callee, nresults, call_status::LUA)?;
                        if l.hook_mask != 0 {
                            // The frame head runs the call hook.
                            continue 'frame;
                        }
                        // Enter the callee here: what the frame head would
                        // read back from the new frame is at hand.
                        enter_lua!(callee, callee.code(), ra + 1);
                        continue;
                    }
                    // Native functions are called from here too (not
                    // through `precall`): most calls are Lua or native.
                    let native = match *slot(&mut l.stack, ra) {
                        Value::LightNative(f) => Some(f),
                        Value::NativeFn(c) => {
                            // `math.sin(x)`, a passing `assert(...)` and the
                            // like: the work without the call (no frame:
                            // only a hook could see one).
                            if let Some(fast) = c.fast {
                                if l.hook_mask == 0 && fast_call(l, fast, ra, b, nresults) {
                                    l.top = frame(l).top;
                                    continue;
                                }
                            }
                            Some(c.function)
                        }
                        _ => None,
                    };
                    match native {
                        Some(f) => l.call_native(ra, nresults, f)?,
                        None => {
                            if let PreCall::Lua = l.precall(ra, nresults)? {
                                continue 'frame;
                            }
                        }
                    }
                    if nresults >= 0 {
                        // Registers above the results are dead: collect with
                        // the top there, so stale values in them are not kept
                        // alive (PUC collects with the top at the call's end too).
                        l.top = ra + nresults as usize;
                        l.check_gc()?;
                        l.top = frame(l).top;
                    } else {
                        l.check_gc()?;
                    }
                    refresh!();
                }
                opnum::TAILCALL => {
                    let ra = ra!(i);
                    let mut b = get_b(i) as usize;
                    let nparams1 = get_c(i) as usize;
                    let delta = if nparams1 != 0 {
                        frame(l).n_extra_args + nparams1
                    } else {
                        0
                    };
                    if b != 0 {
                        l.top = ra + b;
                    } else {
                        b = l.top.saturating_sub(ra);
                    }
                    save_pc!();
                    if get_k(i) {
                        l.close_upvalues(base!());
                    }
                    // The usual callee, a Lua function, is matched in place;
                    // anything else goes through `__call` chains first.
                    let callee = if let Value::LuaFn(c) = *slot(&mut l.stack, ra) {
                        c
                    } else {
                        match tail_call_target(l, ra, &mut b)? {
                            Value::LuaFn(c) => c,
                            func_val => {
                                // A native function: call it, then return its results.
                                match func_val {
                                    Value::LightNative(f) => l.call_native(ra, -1, f)?,
                                    Value::NativeFn(c) => l.call_native(ra, -1, c.function)?,
                                    _ => {
                                        l.precall(ra, -1)?;
                                    }
                                }
                                frame(l).func -= delta;
                                let n = l.top.saturating_sub(ra);
                                let fresh = frame(l).status & call_status::FRESH != 0;
                                l.poscall(n);
                                if fresh {
                                    return Ok(());
                                }
                                resume_caller!();
                            }
                        }
                    };
                    // Reuse the frame: move the function and arguments down.
                    let (func, fresh) = {
                        let ci = cur(l);
                        (ci.func - delta, ci.status & call_status::FRESH)
                    };
                    debug_assert!(func < ra && ra + b <= l.stack.len());
                    for j in 0..b {
                        // The function and arguments, below the top.
                        // Word by word: the arguments were just written.
                        let v = ValueWords::of(slot(&mut l.stack, ra + j));
                        v.write_to(slot(&mut l.stack, func + j));
                    }
                    l.top = func + b;
                    let status = call_status::LUA | call_status::TAIL | fresh;
                    l.replace_lua_frame(func, callee, status)?;
                    if l.hook_mask != 0 {
                        // The frame head runs the call hook.
                        continue 'frame;
                    }
                    enter_lua!(callee, callee.code(), func + 1);
                }
                opnum::RETURN => {
                    let ra = ra!(i);
                    let mut n = get_b(i) as i64 - 1;
                    let nparams1 = get_c(i) as usize;
                    if n < 0 {
                        n = l.top.saturating_sub(ra) as i64;
                    }
                    let n = n as usize;
                    save_pc!();
                    if get_k(i) {
                        l.top = ra + n;
                        // Closing may call `__close`: protect the results above them.
                        let saved = frame(l).top;
                        frame(l).top = saved.max(ra + n);
                        frame(l).saved_nres = n;
                        l.close_level_yieldable(base!())?;
                        l.top = ra + n;
                    }
                    if l.hook_mask != 0 {
                        l.top = ra + n;
                        ret_hook(l, ra, n)?;
                    }
                    if nparams1 != 0 {
                        let extra = frame(l).n_extra_args;
                        frame(l).func -= extra + nparams1;
                    }
                    l.top = ra + n;
                    let fresh = frame(l).status & call_status::FRESH != 0;
                    l.poscall(n);
                    if fresh {
                        return Ok(());
                    }
                    resume_caller!();
                }
                opnum::RETURN0 => {
                    let hooked = l.hook_mask != 0;
                    if hooked {
                        save_pc!();
                        let ra = ra!(i);
                        l.top = ra;
                        ret_hook(l, ra, 0)?;
                    }
                    let exit = frame_exit(l);
                    let (res, nresults, fresh) = (exit.res, exit.nresults, exit.fresh);
                    match nresults {
                        -1 | 0 => l.top = res,
                        w => {
                            let w = w as usize;
                            if res + w > l.stack.len() {
                                l.resize_stack(res + w);
                            }
                            for j in 0..w {
                                l.stack[res + j] = Value::Nil;
                            }
                            l.top = res + w;
                        }
                    }
                    if fresh {
                        return Ok(());
                    }
                    resume_caller!(hooked, exit.caller, exit.caller_pc, exit.caller_base);
                }
                opnum::RETURN1 => {
                    let hooked = l.hook_mask != 0;
                    if hooked {
                        save_pc!();
                        let ra = ra!(i);
                        l.top = ra + 1;
                        ret_hook(l, ra, 1)?;
                        regs = registers(l, base!());
                    }
                    let v = {
                        let r = get_a(i) as usize;
                        debug_assert!(regs == registers(l, base!()) && base!() + r < l.stack.len());
                        // SAFETY: as in `reg!`.
                        unsafe { ValueWords::read(regs.add(r)) }
                    };
                    let exit = frame_exit(l);
                    let (res, nresults, fresh) = (exit.res, exit.nresults, exit.fresh);
                    match nresults {
                        1 | -1 => {
                            // The function's slot: inside the stack.
                            v.write_to(slot(&mut l.stack, res));
                            l.top = res + 1;
                        }
                        0 => l.top = res,
                        w => {
                            let w = w as usize;
                            if res + w > l.stack.len() {
                                l.resize_stack(res + w);
                            }
                            v.write_to(&mut l.stack[res]);
                            for j in 1..w {
                                l.stack[res + j] = Value::Nil;
                            }
                            l.top = res + w;
                        }
                    }
                    if fresh {
                        return Ok(());
                    }
                    resume_caller!(hooked, exit.caller, exit.caller_pc, exit.caller_base);
                }
                opnum::FORLOOP => {
                    let a = get_a(i) as usize;
                    match reg!(a + 2) {
                        Value::Int(step) => {
                            // The counter and the index stay integers: update
                            // their payloads in place (no tag stores).
                            if let Value::Int(count) = &mut reg!(a + 1) {
                                // An asynchronous hook is looked for once in
                                // 256 iterations (the counter is at hand; the
                                // hook mask is a load).
                                if *count & 0xff == 0 {
                                    poll_hook!();
                                }
                                if *count > 0 {
                                    *count -= 1;
                                    if let Value::Int(idx) = &mut reg!(a) {
                                        *idx = idx.wrapping_add(step);
                                        let idx = *idx;
                                        reg!(a + 3) = Value::Int(idx);
                                    }
                                    pc = pc.wrapping_sub(get_bx(i) as usize);
                                }
                            }
                        }
                        Value::Float(step) => {
                            poll_hook!();
                            if let (Value::Float(idx), Value::Float(limit)) = (reg!(a), reg!(a + 1))
                            {
                                let idx = idx + step;
                                let go = if step > 0.0 {
                                    idx <= limit
                                } else {
                                    limit <= idx
                                };
                                if go {
                                    reg!(a) = Value::Float(idx);
                                    reg!(a + 3) = Value::Float(idx);
                                    pc = pc.wrapping_sub(get_bx(i) as usize);
                                }
                            }
                        }
                        _ => {}
                    }
                }
                opnum::FORPREP => {
                    // All integers and a step other than zero, the usual
                    // loop: prepared here (matched in place: `LOADI`s and
                    // `MOVE`s just wrote them word by word).
                    let a = get_a(i) as usize;
                    if let (&Value::Int(init), &Value::Int(limit), &Value::Int(step)) =
                        (&reg!(a), &reg!(a + 1), &reg!(a + 2))
                    {
                        if step != 0 {
                            if int_loop_runs(init, limit, step) {
                                let count = int_loop_count(init, limit, step);
                                reg!(a + 1) = Value::Int(count as i64);
                                reg!(a + 3) = Value::Int(init);
                            } else {
                                pc = pc.wrapping_add(get_bx(i) as usize + 1);
                            }
                            continue;
                        }
                    }
                    let ra = ra!(i);
                    save_pc!();
                    if for_prep(l, ra)? {
                        pc = pc.wrapping_add(get_bx(i) as usize + 1);
                    }
                }
                opnum::TFORPREP => {
                    let ra = ra!(i);
                    save_pc!();
                    let v = l.stack[ra + 3];
                    l.check_closable(v, ra + 3)?;
                    refresh!();
                    if !v.is_falsy() {
                        l.tbc_slots.push(ra + 3);
                    }
                    pc = pc.wrapping_add(get_bx(i) as usize);
                }
                opnum::TFORCALL => {
                    let ra = ra!(i);
                    // Word by word: the control variable was just written.
                    for j in 0..3 {
                        let v = ValueWords::of(slot(&mut l.stack, ra + j));
                        v.write_to(slot(&mut l.stack, ra + 4 + j));
                    }
                    l.top = ra + 4 + 3;
                    save_pc!();
                    let (func, nresults) = (ra + 4, get_c(i) as i32);
                    // A Lua iterator runs in this loop (and may yield); the
                    // following TFORLOOP runs when it returns. As for CALL,
                    // it is entered here.
                    if let Value::LuaFn(callee) = *slot(&mut l.stack, func) {
                        push_iterator_frame(l, func, callee, nresults)?;
                        if l.hook_mask != 0 {
                            continue 'frame;
                        }
                        enter_lua!(callee, callee.code(), func + 1);
                        continue;
                    }
                    if let PreCall::Lua = l.precall(func, nresults)? {
                        continue 'frame;
                    }
                    l.top = frame(l).top;
                    refresh!();
                }
                opnum::TFORLOOP => {
                    poll_hook!();
                    let a = get_a(i) as usize;
                    let v = reg!(a + 4);
                    if !v.is_nil() {
                        reg!(a + 2) = v;
                        pc = pc.wrapping_sub(get_bx(i) as usize);
                    }
                }
                opnum::SETLIST => {
                    let ra = ra!(i);
                    let mut n = get_b(i) as usize;
                    let mut last = get_c(i) as usize;
                    if n == 0 {
                        n = l.top.saturating_sub(ra + 1);
                    } else {
                        l.top = frame(l).top;
                    }
                    last += n;
                    if get_k(i) {
                        last += get_ax(fetch(pc)) as usize * (MAXARG_C as usize + 1);
                        pc = pc.wrapping_add(1);
                    }
                    if let Value::Table(t) = l.stack[ra] {
                        // Presize only for plausible sizes (a crafted chunk can
                        // claim any count); past that, stores grow the table.
                        if last > t.array_len() && last <= t.array_len() + n + (1 << 20) {
                            let grown = t.resize(last, 0);
                            l.global().heap.adjust(grown);
                        }
                        for j in (1..=n).rev() {
                            if !t.set_in_array(last as i64, &l.stack[ra + j]) {
                                let grown = t.set_int(last as i64, l.stack[ra + j]);
                                if grown != 0 {
                                    l.global().heap.adjust(grown);
                                }
                            }
                            last -= 1;
                        }
                        l.global().heap.barrier_back(t);
                    }
                    l.top = frame(l).top;
                }
                opnum::CLOSURE => {
                    let p = cl.proto.protos[get_bx(i) as usize];
                    let c = new_closure(l, cl, p, base!());
                    reg!(get_a(i)) = Value::LuaFn(c);
                    save_pc!();
                    l.top = base!() + get_a(i) as usize + 1;
                    l.check_gc()?;
                    refresh!();
                    l.top = frame(l).top;
                }
                opnum::VARARG => {
                    let ra = ra!(i);
                    let wanted = get_c(i) as i64 - 1;
                    let nextra = frame(l).n_extra_args;
                    let func = frame(l).func;
                    let n = if wanted < 0 { nextra } else { wanted as usize };
                    if wanted < 0 {
                        save_pc!();
                        if ra + n + 1 > l.stack.len() {
                            l.grow_stack(ra + n + 1)?;
                            refresh!();
                        }
                    }
                    for j in 0..n {
                        l.stack[ra + j] = if j < nextra {
                            l.stack[func - nextra + j]
                        } else {
                            Value::Nil
                        };
                    }
                    if wanted < 0 {
                        l.top = ra + n;
                    }
                }
                opnum::VARARGPREP => {
                    let nfix = get_a(i) as usize;
                    let ci = *frame(l);
                    let actual = l.top.saturating_sub(ci.func + 1);
                    let nextra = actual.saturating_sub(nfix);
                    let fsize = cl.proto.max_stack_size as usize;
                    save_pc!();
                    let needed = l.top + fsize + nfix + 2;
                    if needed > l.stack.len() {
                        l.grow_stack(needed)?;
                    }
                    let func = ci.func;
                    let new_func = func + actual + 1;
                    // Word by word (`copy_slot`): the arguments were just written.
                    l.copy_slot(func, new_func);
                    for j in 1..=nfix {
                        l.copy_slot(func + j, new_func + j);
                        l.stack[func + j] = Value::Nil;
                    }
                    let f = frame(l);
                    f.n_extra_args = nextra;
                    f.func = new_func;
                    f.base = new_func + 1;
                    f.top = new_func + 1 + fsize;
                    l.top = f.top;
                    if l.hook_mask != 0 {
                        hook_call(l, nfix)?;
                        l.old_pc = 1;
                    }
                    refresh!();
                }
                opnum::EXTRAARG => {
                    save_pc!();
                    return Err(l.rt_error_msg("invalid instruction"));
                }
                HOOK_ARM => {
                    if l.slow_pending {
                        // An instruction sent to its slow path (`to_slow_path!`).
                        l.slow_pending = false;
                        save_pc!();
                        l.top = frame(l).top;
                        slow_instruction(l, i, cl)?;
                        // (A comparison's jump moves the saved pc.)
                        pc = cur(l).pc;
                        refresh!();
                        continue;
                    }
                    // An instruction diverted for a hook: run the hook, then
                    // the instruction itself.
                    save_pc!();
                    trace_exec(l, &cl.proto, pc_index!() - 1, i)?;
                    // Like `refresh!`, but this instruction had its event.
                    regs = registers(l, base!());
                    trap = hook_bits(l);
                    armed = 0;
                    pc = pc.wrapping_sub(1);
                }
                _ => {
                    // Every instruction run has an opcode number below
                    // NUM_OPCODES (our compiler emits only those, and
                    // `dump::verify_code` rejects others in loaded chunks), so
                    // the opcode field is one of the arms above, or 127 when
                    // the hook bits are ORed in.
                    debug_assert!(false, "opcode {op} in a prototype");
                    // SAFETY: unreachable by the invariant just above.
                    unsafe { std::hint::unreachable_unchecked() }
                }
            }
        }
    }
}

/// The slow path of instruction `i` of the running frame, whose closure is
/// `cl` (see `to_slow_path!`): what its arm in `execute` leaves out
/// (metamethods, new keys, barriers, string comparisons, errors). The frame's
/// saved `pc` is the next instruction's; a comparison moves it.
#[cold]
#[inline(never)]
fn slow_instruction(l: &mut State, i: u32, cl: Gc<LuaClosure>) -> LuaResult<()> {
    let base = cur(l).base;
    let ra = base + get_a(i) as usize;
    let rb = base + get_b(i) as usize;
    let kst = |n: u32| cl.proto.constants[n as usize];
    let rk_c = |l: &State| {
        if get_k(i) {
            kst(get_c(i))
        } else {
            l.stack[base + get_c(i) as usize]
        }
    };
    let imm = || {
        let im = get_sb(i) as i64;
        if get_c(i) != 0 {
            Value::Float(im as f64)
        } else {
            Value::Int(im)
        }
    };
    let op = get_op(i);
    let result = match op {
        OpCode::GETTABUP => {
            let t = l.upvalue_get(upvalue_of(cl, get_b(i)));
            let what = Operand::Upvalue(get_b(i) as usize);
            field_miss(l, t, kst(get_c(i)), what)?
        }
        OpCode::GETTABLE => {
            let (t, key) = (l.stack[rb], l.stack[base + get_c(i) as usize]);
            match (t, key) {
                // The raw lookup was made (not for long strings).
                (Value::Table(_), Value::Int(_)) => l.index_miss(t, key, Operand::Register(rb))?,
                (Value::Table(_), Value::Str(s)) if s.is_short() => {
                    l.index_miss(t, key, Operand::Register(rb))?
                }
                _ => l.index_value(t, key, Operand::Register(rb))?,
            }
        }
        OpCode::GETI => {
            let key = Value::Int(get_c(i) as i64);
            l.index_miss(l.stack[rb], key, Operand::Register(rb))?
        }
        OpCode::GETFIELD => match kst(get_c(i)) {
            // The arm looked a short key up raw and through `__index`
            // tables (`field_through_tables`): metamethods are left.
            key @ Value::Str(s) if s.is_short() => get_field_miss(l, rb, &key)?,
            key => l.index_value(l.stack[rb], key, Operand::Register(rb))?,
        },
        OpCode::LEN => l.length(l.stack[rb], Operand::Register(rb))?,
        OpCode::UNM | OpCode::BNOT => {
            let arith_op = if op == OpCode::UNM {
                ArithOp::Unm
            } else {
                ArithOp::BNot
            };
            let (a, what) = (l.stack[rb], Operand::Register(rb));
            l.arith(arith_op, a, a, (what, what))?
        }
        OpCode::MOD | OpCode::IDIV | OpCode::MODK | OpCode::IDIVK => {
            // An integer division by zero: the error.
            let arith_op = match op {
                OpCode::MOD | OpCode::MODK => ArithOp::Mod,
                _ => ArithOp::IDiv,
            };
            let b = match op {
                OpCode::MODK | OpCode::IDIVK => kst(get_c(i)),
                _ => l.stack[base + get_c(i) as usize],
            };
            let r = l.arith(arith_op, l.stack[rb], b, (Operand::None, Operand::None))?;
            // Past the `MMBIN` that follows.
            frame(l).advance_pc(1);
            r
        }
        OpCode::EQ
        | OpCode::LT
        | OpCode::LE
        | OpCode::LTI
        | OpCode::LEI
        | OpCode::GTI
        | OpCode::GEI => {
            let a = l.stack[ra];
            let cond = match op {
                OpCode::EQ => l.equals(a, l.stack[rb])?,
                OpCode::LT => l.less_than(a, l.stack[rb])?,
                OpCode::LE => l.less_equal(a, l.stack[rb])?,
                OpCode::LTI => l.less_than(a, imm())?,
                OpCode::LEI => l.less_equal(a, imm())?,
                OpCode::GTI => l.less_than(imm(), a)?,
                _ => l.less_equal(imm(), a)?,
            };
            // As `cond_jump!`: the next instruction is the jump taken when
            // `cond == k`; skipped otherwise.
            let jump = cur(l).pc_index();
            let to = if cond != get_k(i) {
                jump + 1
            } else {
                (jump as i64 + get_sj(cl.proto.code[jump]) as i64 + 1) as usize
            };
            frame(l).set_pc_index(to);
            return Ok(());
        }
        OpCode::SETUPVAL => {
            let v = l.stack[ra];
            l.upvalue_set(upvalue_of(cl, get_b(i)), v);
            return Ok(());
        }
        OpCode::SETTABUP => {
            let t = l.upvalue_get(upvalue_of(cl, get_a(i)));
            let what = Operand::Upvalue(get_a(i) as usize);
            return set_fast_or_slow(l, t, kst(get_b(i)), rk_c(l), what);
        }
        OpCode::SETTABLE | OpCode::SETI => {
            let key = match op {
                OpCode::SETI => Value::Int(get_b(i) as i64),
                _ => l.stack[rb],
            };
            return set_fast_or_slow(l, l.stack[ra], key, rk_c(l), Operand::Register(ra));
        }
        _ => unreachable!("{op:?} has no slow path"),
    };
    l.stack[ra] = result;
    Ok(())
}

/// Upvalue `i` of the running closure: the compiler (and `dump::verify_code`
/// for loaded chunks) only names upvalues the prototype has, and every closure
/// of a prototype has that many.
#[inline(always)]
fn upvalue_of(cl: Gc<LuaClosure>, i: u32) -> Gc<crate::function::UpVal> {
    let cells = &cl.upvalues;
    debug_assert!((i as usize) < cells.len());
    // SAFETY: `i` is in range by the invariant above.
    unsafe { cells.get_unchecked(i as usize) }.get()
}

/// The address of register 0 of a frame whose registers start at `base`.
#[inline(always)]
fn registers(l: &mut State, base: usize) -> *mut Value {
    debug_assert!(base <= l.stack.len());
    // SAFETY: `base` is inside the stack (frames are pushed with room for their
    // registers, and a thread's stack never shrinks below a live frame), so the
    // offset stays within the buffer.
    unsafe { l.stack.as_mut_ptr().add(base) }
}

/// The running frame: the last one while `execute` runs it (callees push
/// frames above it and pop them before returning normally; errors leave the
/// loop).
#[inline(always)]
fn frame(l: &mut State) -> &mut CallInfo {
    debug_assert!(!l.frames.is_empty());
    let n = l.frames.len() - 1;
    // SAFETY: `execute` runs only with a frame on the list (see above).
    unsafe { l.frames.get_unchecked_mut(n) }
}

/// The running frame, for reading.
#[inline(always)]
fn cur(l: &State) -> &CallInfo {
    debug_assert!(!l.frames.is_empty());
    let n = l.frames.len() - 1;
    // SAFETY: as in `frame`.
    unsafe { l.frames.get_unchecked(n) }
}

/// A register (for code outside `execute`'s loop). The compiler never names a
/// register at or past the function's `max_stack_size`, `precall`/`VARARGPREP`
/// make the stack at least that big above `base`, and a thread's stack never
/// shrinks while frames are live.
#[inline(always)]
fn slot(stack: &mut [Value], i: usize) -> &mut Value {
    debug_assert!(i < stack.len());
    // SAFETY: see above: `i` is a register of the running frame, inside the stack.
    unsafe { stack.get_unchecked_mut(i) }
}

/// What the dispatch ORs into an instruction while line or count hooks are
/// on: its opcode field becomes 127, past every real opcode, which sends the
/// instruction to the hook arm first. Dispatch stays an OR and an AND, no
/// branch, so the compiler copies it into every arm. An instruction whose
/// fast path fails goes to the hook arm the same way (`to_slow_path!`).
const HOOKED_OP: u32 = 0x7f;
/// `HOOKED_OP` as the dispatch sees it.
const HOOK_ARM: u8 = HOOKED_OP as u8;

/// `HOOKED_OP` when line or count hooks are on, else 0.
#[inline(always)]
fn hook_bits(l: &State) -> u32 {
    if l.hook_mask & (MASK_LINE | MASK_COUNT) != 0 {
        HOOKED_OP
    } else {
        0
    }
}

/// Constant `i` of the running function, whose constant table (`len` entries)
/// starts at `k`; the compiler only emits valid indices.
#[inline(always)]
fn constant(k: *const Value, i: usize, len: usize) -> Value {
    debug_assert!(i < len);
    let _ = len;
    // SAFETY: constant operands are produced by the compiler (or checked by the
    // binary chunk loader) as indices into this prototype's constant table,
    // which lives as long as the running closure.
    unsafe { *k.add(i) }
}

/// `constant` by reference (for matching in place).
#[inline(always)]
fn constant_ref<'a>(k: *const Value, i: usize, len: usize) -> &'a Value {
    debug_assert!(i < len);
    let _ = len;
    // SAFETY: as in `constant`; the reference is used within the instruction.
    unsafe { &*k.add(i) }
}

/// The instruction at `pc`, a pointer into the running function's code:
/// every function ends with a return and every jump target is inside the
/// code, so `pc` stays in range.
#[inline(always)]
fn fetch(pc: *const u32) -> u32 {
    // SAFETY: as above; jump offsets are produced by the compiler (or checked by
    // the binary chunk loader); the code lives as long as the running closure.
    unsafe { *pc }
}

/// Whether a table with metatable `mt` is known to have no `__eq`.
#[inline(always)]
fn no_eq_metamethod(mt: Option<Gc<crate::table::Table>>) -> bool {
    mt.is_none_or(|m| m.tm_absent(TmKind::Eq as u8))
}

/// What a return needs of the frame it pops and of the frame below.
struct FrameExit {
    /// The first result's slot.
    res: usize,
    /// Results wanted.
    nresults: i32,
    /// The popped frame was the one `execute` was entered for.
    fresh: bool,
    /// The caller's closure (`None` for a native frame), next instruction
    /// and registers, for `resume_caller!`.
    caller: Option<Gc<LuaClosure>>,
    caller_pc: *const u32,
    caller_base: usize,
}

/// Pops the running frame for a return. The caller's frame is read here,
/// before the results are stored: after stores through the stack's raw
/// pointer the compiler reads the frame vector again, which lengthens the
/// chain of loads to the caller's next instruction.
#[inline(always)]
fn frame_exit(l: &mut State) -> FrameExit {
    let n = l.frames.len();
    let ci = &l.frames[n - 1];
    let below = l.frames.get(n.wrapping_sub(2));
    let out = FrameExit {
        res: ci.func,
        nresults: ci.nresults,
        fresh: ci.status & call_status::FRESH != 0,
        caller: below.and_then(|c| c.closure),
        caller_pc: below.map_or(std::ptr::null(), |c| c.pc),
        caller_base: below.map_or(0, |c| c.base),
    };
    l.frames.pop();
    out
}

/// The call hook of a Lua function starting (PUC's `luaD_hookcall`).
fn hook_call(l: &mut State, nparams: usize) -> LuaResult<()> {
    l.old_pc = 0;
    if l.hook_mask & MASK_CALL != 0 {
        let n = l.frames.len() - 1;
        let tail = l.frames[n].status & call_status::TAIL != 0;
        let saved = l.frames[n].pc;
        // The hook sees the function at its first instruction.
        if l.frames[n].pc_index() == 0 {
            l.frames[n].set_pc_index(1);
        }
        let event = if tail { "tail call" } else { "call" };
        let r = run_hook_transfer(l, event, None, 1, nparams);
        l.frames[n].pc = saved;
        r?;
    }
    Ok(())
}

/// The return hook of the top frame, whose `n` results start at `first`
/// (PUC's `rethook`); also resets the caller's line tracking.
pub(crate) fn ret_hook(l: &mut State, first: usize, n: usize) -> LuaResult<()> {
    let len = l.frames.len();
    if l.hook_mask & MASK_RET != 0 {
        let func = l.frames[len - 1].func;
        run_hook_transfer(l, "return", None, first.saturating_sub(func), n)?;
    }
    if len >= 2 && l.frames[len - 2].closure.is_some() {
        l.old_pc = l.frames[len - 2].pc_index().saturating_sub(1);
    }
    Ok(())
}

/// Line and count events before instruction `npc` (PUC's `luaG_traceexec`).
/// Out of line: inlined into the hook arm, it costs the whole loop machine
/// registers.
#[cold]
#[inline(never)]
fn trace_exec(l: &mut State, p: &Proto, npc: usize, i: u32) -> LuaResult<()> {
    if l.hook_mask & crate::sandbox::MASK_BUDGET != 0 {
        crate::sandbox::charge_instruction(l)?;
    }
    if npc == 0 && p.is_vararg {
        // Hooks start after VARARGPREP.
        return Ok(());
    }
    let mask = l.hook_mask;
    let count_event = mask & MASK_COUNT != 0 && {
        l.hook_count -= 1;
        l.hook_count == 0
    };
    if count_event {
        l.hook_count = l.base_hook_count;
    } else if mask & MASK_LINE == 0 {
        return Ok(());
    }
    if !uses_top_in(get_op(i), i) {
        if let Some(ci) = l.frames.last() {
            l.top = ci.top;
        }
    }
    if count_event {
        run_hook(l, "count", None)?;
    }
    if mask & MASK_LINE != 0 {
        let old = if l.old_pc < p.code.len() { l.old_pc } else { 0 };
        let changed = !p.line_info.is_empty() && p.line_info.changed(old, npc);
        if npc <= old || changed {
            let line = if p.line_info.is_empty() {
                None
            } else {
                Some(p.line_at(npc) as i64)
            };
            run_hook(l, "line", line)?;
        }
        l.old_pc = npc;
    }
    Ok(())
}

/// TAILCALL's callee when `stack[ra]` is not a Lua function: `__call`
/// handlers are inserted below the arguments (`b` counts them) until a
/// function is found. Out of line: the usual callee never comes here.
#[inline(never)]
fn tail_call_target(l: &mut State, ra: usize, b: &mut usize) -> LuaResult<Value> {
    while !l.stack[ra].is_function() {
        l.insert_call_handler(ra)?;
        *b += 1;
    }
    Ok(l.stack[ra])
}

/// `push_lua_frame` for TFORCALL's Lua iterator, out of line: a second
/// inlined copy in `execute` costs the whole loop machine registers.
#[inline(never)]
fn push_iterator_frame(
    l: &mut State,
    func: usize,
    callee: Gc<LuaClosure>,
    nresults: i32,
) -> LuaResult<()> {
    l.push_lua_frame(func, callee, nresults, call_status::LUA)
}

/// `t[key]` for a string key that a raw lookup did not find in `t`, when
/// every `__index` on the way is a table (method lookups through classes,
/// string methods, globals without a metatable). `None` when the slow path
/// must run: an `__index` function, an error, a long chain, another key type
/// (long strings included).
#[inline]
fn index_through_tables(l: &State, t: Value, key: Value) -> Option<Value> {
    let Value::Str(key) = key else {
        return None;
    };
    if !key.is_short() {
        return None;
    }
    let mut mt = match t {
        Value::Table(tab) => tab.metatable(),
        Value::Str(_) => Some(l.global().type_metatable(crate::value::LuaType::String)?),
        _ => return None,
    };
    for _ in 0..4 {
        let Some(m) = mt else {
            return Some(Value::Nil);
        };
        let next = match l.index_tm(m) {
            Value::Table(next) => next,
            Value::Nil => return Some(Value::Nil),
            _ => return None,
        };
        let v = next.get_short_str(key);
        if !v.is_nil() {
            return Some(v);
        }
        mt = next.metatable();
    }
    None
}

/// `GETFIELD` and `SELF` when the table's own lookup found nothing and
/// `__index` is a table (a method looked up through its class): no code
/// runs, so the instruction needs neither its `pc` saved nor its registers
/// re-read. Out of line, like the slow paths.
#[inline(never)]
fn field_through_tables(l: &State, t: usize, key: &Value) -> Option<Value> {
    index_through_tables(l, l.stack[t], *key)
}

/// `GETFIELD` and `SELF` after `field_through_tables` found no answer:
/// register `t`'s field `key` through metamethods.
#[cold]
#[inline(never)]
fn get_field_miss(l: &mut State, t: usize, key: &Value) -> LuaResult<Value> {
    index_by_metamethods(l, l.stack[t], key, Operand::Register(t))
}

/// `GETTABUP` after its raw lookup found nothing: for a short string key
/// (the arm looked it up), through `__index` tables, else metamethods; a
/// long one was not looked up at all.
fn field_miss(l: &mut State, t: Value, key: Value, what: Operand) -> LuaResult<Value> {
    match key {
        Value::Str(s) if s.is_short() => match index_through_tables(l, t, key) {
            Some(v) => Ok(v),
            None => index_by_metamethods(l, t, &key, what),
        },
        _ => l.index_value(t, key, what),
    }
}

/// `t[key]` through metamethods, after a raw lookup of a string key in `t`
/// found nothing (any other key is looked up again).
fn index_by_metamethods(l: &mut State, t: Value, key: &Value, what: Operand) -> LuaResult<Value> {
    l.top = frame(l).top;
    if matches!(key, Value::Str(_)) {
        l.index_miss(t, *key, what)
    } else {
        l.index_value(t, *key, what)
    }
}

/// `t[k] = v`: raw store into a table that has the key or no `__newindex`,
/// else the metamethod path.
/// Out of line: it is the slow path of four store instructions.
#[inline(never)]
fn set_fast_or_slow(l: &mut State, t: Value, key: Value, v: Value, what: Operand) -> LuaResult<()> {
    if let (Value::Table(tab), Value::Int(n)) = (t, key) {
        if tab.try_set_array(n, &v) {
            l.global().heap.barrier_back(tab);
            return Ok(());
        }
    }
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            if let Value::Str(s) = key {
                // A new field (a constructor's, an object's): `raw_set`
                // without its dispatch on the key's type.
                let grown = tab.set_str(s, v);
                l.global().heap.barrier_back(tab);
                return l.account_growth(grown);
            }
            return l.raw_set(tab, key, v);
        }
    }
    l.set_index_value(t, key, v, what)
}
