//! The table library (PUC's `ltablib.c`): `concat`, `insert`, `move`, `pack`,
//! `remove`, `sort`, `unpack`.
//!
//! Element access honours `__index`/`__newindex`/`__len` as PUC's `lua_geti`,
//! `lua_seti` and `luaL_len` do; a table without a metatable takes raw fast paths.
//!
//! Garbage-collection safety: Lua code called from here (metamethods, the sort
//! comparator) may run the collector. Every value held in a Rust local across
//! such a call is either an argument, still in the table, or mirrored in a
//! stack slot of this function's frame (see `Sorter`).

use crate::auxlib::{number_to_bytes, to_integer};
use crate::debug::Operand;
use crate::error::LuaResult;
use crate::state::{State, MAX_STACK};
use crate::tm::TmKind;
use crate::value::{LuaType, Value};

/// Opens the `table` library.
pub fn open(l: &mut State) {
    l.register_lib(
        "table",
        &[
            ("concat", concat),
            ("insert", insert),
            ("move", tmove),
            ("pack", pack),
            ("remove", remove),
            ("sort", sort),
            ("unpack", unpack),
        ],
    );
}

/// Operations an argument must support to act as a table.
const TAB_R: u8 = 1;
const TAB_W: u8 = 2;
const TAB_L: u8 = 4;
const TAB_RW: u8 = TAB_R | TAB_W;

/// Checks that argument `arg` is a table, or has a metatable with the
/// metamethods named by `what` (PUC's `checktab`).
fn check_tab(l: &mut State, arg: usize, what: u8) -> LuaResult<()> {
    let v = l.arg(arg);
    if let Value::Table(_) = v {
        return Ok(());
    }
    if let Some(mt) = l.metatable_of(v) {
        let has = |kind: TmKind| !mt.get_str(l.global().tm_name(kind)).is_nil();
        let ok = (what & TAB_R == 0 || has(TmKind::Index))
            && (what & TAB_W == 0 || has(TmKind::NewIndex))
            && (what & TAB_L == 0 || has(TmKind::Len));
        if ok {
            return Ok(());
        }
    }
    Err(l.arg_type_error(arg, "table"))
}

/// `t[i]` with metamethods (`lua_geti`).
#[inline]
fn geti(l: &mut State, t: Value, i: i64) -> LuaResult<Value> {
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            return Ok(tab.get_int(i));
        }
    }
    l.index_value(t, Value::Int(i), Operand::None)
}

/// `t[i] = v` with metamethods (`lua_seti`).
#[inline]
fn seti(l: &mut State, t: Value, i: i64, v: Value) -> LuaResult<()> {
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            let grown = tab.set_int(i, v);
            l.global().heap.barrier_back(tab);
            return l.account_growth(grown);
        }
    }
    l.set_index_value(t, Value::Int(i), v, Operand::None)
}

/// `t[dest..] = t[first..=last]` in one copy, when `t` is a table with no
/// metatable (no metamethod could see the moves one by one) and all those
/// keys are in its array part; false (nothing moved) otherwise.
fn shift_raw(t: Value, first: i64, last: i64, dest: i64) -> bool {
    match t {
        Value::Table(tab) if tab.metatable().is_none() => tab.move_in_array(first, last, dest),
        _ => false,
    }
}

/// `#t` as an integer, with `__len` (`luaL_len`).
fn len_of(l: &mut State, t: Value) -> LuaResult<i64> {
    if let Value::Table(tab) = t {
        if tab.metatable().is_none() {
            return Ok(tab.length());
        }
    }
    let n = l.length(t, Operand::None)?;
    match n {
        Value::Int(i) => Ok(i),
        other => match to_integer(other) {
            Some(i) => Ok(i),
            None => Err(l.error("object length is not an integer")),
        },
    }
}

/// Checks the table argument 1 and returns its length (PUC's `aux_getn`).
fn aux_getn(l: &mut State, what: u8) -> LuaResult<(Value, i64)> {
    check_tab(l, 1, what | TAB_L)?;
    let t = l.arg(1);
    let n = len_of(l, t)?;
    Ok((t, n))
}

fn insert(l: &mut State) -> LuaResult<usize> {
    let (t, n) = aux_getn(l, TAB_RW)?;
    let e = n.wrapping_add(1); // first empty element
    let nargs = l.arg_count();
    let pos = match nargs {
        2 => e,
        3 => {
            let pos = l.check_integer(2)?;
            // pos must be in [1, e]
            if (pos as u64).wrapping_sub(1) >= e as u64 {
                return Err(l.arg_error(2, "position out of bounds"));
            }
            let mut i = e;
            if pos < e && shift_raw(t, pos, e - 1, pos + 1) {
                i = pos;
            }
            while i > pos {
                let v = geti(l, t, i - 1)?;
                seti(l, t, i, v)?;
                i -= 1;
            }
            pos
        }
        _ => return Err(l.error("wrong number of arguments to 'insert'")),
    };
    let v = l.arg(nargs);
    seti(l, t, pos, v)?;
    Ok(0)
}

fn remove(l: &mut State) -> LuaResult<usize> {
    let (t, size) = aux_getn(l, TAB_RW)?;
    let mut pos = l.opt_integer(2, size)?;
    // a given position must be in [1, size + 1]
    if pos != size && (pos as u64).wrapping_sub(1) > size as u64 {
        return Err(l.arg_error(2, "position out of bounds"));
    }
    let result = geti(l, t, pos)?;
    let slot = l.top();
    l.push(result); // keeps the result rooted while elements move
    if pos < size && shift_raw(t, pos + 1, size, pos) {
        pos = size;
    }
    while pos < size {
        let v = geti(l, t, pos + 1)?;
        seti(l, t, pos, v)?;
        pos += 1;
    }
    seti(l, t, pos, Value::Nil)?;
    let result = l.at(slot);
    l.set_top(slot);
    l.push(result);
    Ok(1)
}

/// `table.move(a1, f, e, t [, a2])`: copies a1[f..e] into a2[t..].
fn tmove(l: &mut State) -> LuaResult<usize> {
    let f = l.check_integer(2)?;
    let e = l.check_integer(3)?;
    let t = l.check_integer(4)?;
    let dst_arg = if l.arg(5).is_nil() { 1 } else { 5 };
    check_tab(l, 1, TAB_R)?;
    check_tab(l, dst_arg, TAB_W)?;
    let src = l.arg(1);
    let dst = l.arg(dst_arg);
    if e >= f {
        if !(f > 0 || e < i64::MAX.wrapping_add(f)) {
            return Err(l.arg_error(3, "too many elements to move"));
        }
        let n = e - f + 1; // number of elements to move
        if t > i64::MAX - n + 1 {
            return Err(l.arg_error(4, "destination wrap around"));
        }
        let forward = t > e || t <= f || (dst_arg != 1 && !l.equals(src, dst)?);
        if forward {
            for i in 0..n {
                let v = geti(l, src, f + i)?;
                seti(l, dst, t + i, v)?;
            }
        } else {
            for i in (0..n).rev() {
                let v = geti(l, src, f + i)?;
                seti(l, dst, t + i, v)?;
            }
        }
    }
    l.push(dst);
    Ok(1)
}

fn add_field(l: &mut State, t: Value, i: i64, buf: &mut Vec<u8>) -> LuaResult<()> {
    match geti(l, t, i)? {
        Value::Str(s) => buf.extend_from_slice(s.as_bytes()),
        v @ (Value::Int(_) | Value::Float(_)) => buf.extend_from_slice(&number_to_bytes(v)),
        v => {
            let msg = format!(
                "invalid value ({}) at index {i} in table for 'concat'",
                v.type_name()
            );
            return Err(l.error(msg));
        }
    }
    Ok(())
}

fn concat(l: &mut State) -> LuaResult<usize> {
    let (t, n) = aux_getn(l, TAB_R)?;
    // The separator stays rooted as argument 2 (numbers are converted in place).
    let sep = l.opt_string(2)?;
    let mut i = l.opt_integer(3, 1)?;
    let last = l.opt_integer(4, n)?;
    let mut buf = Vec::new();
    let mut next_memory_check = 0;
    while i < last {
        super::check_buffer_growth(l, buf.len(), &mut next_memory_check)?;
        add_field(l, t, i, &mut buf)?;
        if let Some(sep) = sep {
            buf.extend_from_slice(sep.as_bytes());
        }
        i += 1;
    }
    if i == last {
        add_field(l, t, i, &mut buf)?;
    }
    l.check_memory_limit(buf.len())?;
    let s = l.global().new_string_owned(buf);
    l.push(Value::Str(s));
    Ok(1)
}

fn pack(l: &mut State) -> LuaResult<usize> {
    let n = l.arg_count();
    let t = l.new_table(n, 1);
    for i in 1..=n {
        t.set_int(i as i64, l.arg(i));
    }
    l.global().heap.barrier_back(t);
    l.set_field(t, "n", Value::Int(n as i64));
    l.push(Value::Table(t));
    Ok(1)
}

fn unpack(l: &mut State) -> LuaResult<usize> {
    let t = l.arg(1);
    let i = l.opt_integer(2, 1)?;
    let e = if l.arg(3).is_nil() {
        len_of(l, t)?
    } else {
        l.check_integer(3)?
    };
    if i > e {
        return Ok(0);
    }
    // number of elements minus 1 (unsigned, to avoid overflows)
    let n = (e as u64).wrapping_sub(i as u64);
    if n >= i32::MAX as u64 || l.top() + n as usize + 1 > MAX_STACK {
        return Err(l.error("too many results to unpack"));
    }
    let count = n as usize + 1;
    if l.check_stack(count).is_err() {
        return Err(l.error("too many results to unpack"));
    }
    match t {
        Value::Table(tab) if tab.metatable().is_none() => {
            // `check_stack` made room for them all.
            let top = l.top();
            for (k, slot) in l.stack[top..top + count].iter_mut().enumerate() {
                *slot = tab.get_int(i.wrapping_add(k as i64));
            }
            l.top = top + count;
        }
        _ => {
            for k in 0..count {
                let v = geti(l, t, i.wrapping_add(k as i64))?;
                l.push(v);
            }
        }
    }
    Ok(count)
}

// ----- sort -----

/// Intervals at least this long may use a randomised pivot.
const RANLIMIT: i64 = 100;

/// A "random" number to randomise pivots (PUC uses `clock` and `time`).
fn randomize_pivot() -> u32 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (t as u32).wrapping_add((t >> 32) as u32)
}

/// Quicksort over `t[lo..=up]` (PUC's shape: median of three, randomised pivot
/// after bad partitions, recursion on the smaller half only).
///
/// Values read from the table are mirrored in three stack slots of this frame
/// (`slot`: the pivot, `slot + 1`, `slot + 2`: the elements being compared or
/// swapped) so the collector sees them while the comparator runs.
struct Sorter {
    t: Value,
    /// The order function, or nil for `<`.
    cmp: Value,
    slot: usize,
}

impl Sorter {
    #[inline]
    fn keep(&self, l: &mut State, k: usize, v: Value) {
        if let Some(s) = l.stack.get_mut(self.slot + k) {
            *s = v;
        }
    }

    #[inline]
    fn get(&self, l: &mut State, i: i64, k: usize) -> LuaResult<Value> {
        let v = geti(l, self.t, i)?;
        self.keep(l, k, v);
        Ok(v)
    }

    #[inline]
    fn set(&self, l: &mut State, i: i64, v: Value) -> LuaResult<()> {
        seti(l, self.t, i, v)
    }

    /// `a < b` in the sort's order.
    fn lt(&self, l: &mut State, a: Value, b: Value) -> LuaResult<bool> {
        if self.cmp.is_nil() {
            return l.less_than(a, b);
        }
        let func = l.top();
        l.check_stack(3)?;
        l.push(self.cmp);
        l.push(a);
        l.push(b);
        l.call(func, 1)?;
        let r = l.at(func);
        l.set_top(func);
        Ok(!r.is_falsy())
    }

    fn order_error(&self, l: &mut State) -> crate::error::LuaError {
        l.error("invalid order function for sorting")
    }

    /// Partitions `[lo, up]` around the pivot (kept at `up - 1` and in slot 0).
    /// Precondition: a[lo] <= P == a[up - 1] <= a[up].
    /// Returns `i` with a[lo .. i - 1] <= a[i] == P <= a[i + 1 .. up].
    fn partition(&self, l: &mut State, lo: i64, up: i64, pivot: Value) -> LuaResult<i64> {
        let mut i = lo;
        let mut j = up - 1;
        loop {
            // repeat ++i while a[i] < P
            let ai = loop {
                i += 1;
                let ai = self.get(l, i, 1)?;
                if !self.lt(l, ai, pivot)? {
                    break ai;
                }
                if i == up - 1 {
                    // a[i] < P but a[up - 1] == P
                    return Err(self.order_error(l));
                }
            };
            // repeat --j while P < a[j]
            let aj = loop {
                j -= 1;
                let aj = self.get(l, j, 2)?;
                if !self.lt(l, pivot, aj)? {
                    break aj;
                }
                if j < i {
                    // j < i but a[j] > P
                    return Err(self.order_error(l));
                }
            };
            if j < i {
                // no elements out of place: put the pivot at i
                self.set(l, up - 1, ai)?;
                self.set(l, i, pivot)?;
                return Ok(i);
            }
            self.set(l, i, aj)?;
            self.set(l, j, ai)?;
        }
    }

    fn sort(&self, l: &mut State, mut lo: i64, mut up: i64, mut rnd: u32) -> LuaResult<()> {
        while lo < up {
            // order a[lo], a[up]
            let a = self.get(l, lo, 1)?;
            let b = self.get(l, up, 2)?;
            if self.lt(l, b, a)? {
                self.set(l, lo, b)?;
                self.set(l, up, a)?;
            }
            if up - lo == 1 {
                break;
            }
            let mut p = if up - lo < RANLIMIT || rnd == 0 {
                (lo + up) / 2
            } else {
                // somewhere in the middle half, "randomly"
                let r4 = (up - lo) / 4;
                (rnd as i64) % (r4 * 2) + lo + r4
            };
            // order a[lo], a[p], a[up]
            let ap = self.get(l, p, 1)?;
            let alo = self.get(l, lo, 2)?;
            if self.lt(l, ap, alo)? {
                self.set(l, p, alo)?;
                self.set(l, lo, ap)?;
            } else {
                let aup = self.get(l, up, 2)?;
                if self.lt(l, aup, ap)? {
                    self.set(l, p, aup)?;
                    self.set(l, up, ap)?;
                }
            }
            if up - lo == 2 {
                break;
            }
            // the median is the pivot: swap it into a[up - 1]
            let pivot = self.get(l, p, 0)?;
            let before = self.get(l, up - 1, 1)?;
            self.set(l, p, before)?;
            self.set(l, up - 1, pivot)?;
            p = self.partition(l, lo, up, pivot)?;
            // recurse into the smaller half, iterate on the larger one
            let smaller;
            if p - lo < up - p {
                self.sort(l, lo, p - 1, rnd)?;
                smaller = p - lo;
                lo = p + 1;
            } else {
                self.sort(l, p + 1, up, rnd)?;
                smaller = up - p;
                up = p - 1;
            }
            if (up - lo) / 128 > smaller {
                // partition too unbalanced: try another randomisation
                rnd = randomize_pivot();
            }
        }
        Ok(())
    }
}

fn sort(l: &mut State) -> LuaResult<usize> {
    let (t, n) = aux_getn(l, TAB_RW)?;
    if n > 1 {
        if n >= i32::MAX as i64 {
            return Err(l.arg_error(1, "array too big"));
        }
        if !l.arg(2).is_nil() {
            l.check_type(2, LuaType::Function)?;
        }
        let cmp = l.arg(2);
        let base = l.arg_base();
        l.set_top(base + 2);
        l.check_stack(3)?;
        let slot = l.top();
        for _ in 0..3 {
            l.push(Value::Nil);
        }
        let sorter = Sorter { t, cmp, slot };
        sorter.sort(l, 1, n, 0)?;
    }
    Ok(0)
}
