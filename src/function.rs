//! Prototypes, closures and upvalues (PUC's `lfunc.c`).
//!
//! A `Proto` is the runtime form of a compiled function: its constants are Lua
//! values (strings interned). A `LuaClosure` pairs a prototype with its upvalues.
//! An upvalue is *open* while the variable it captures still lives in a thread's
//! stack (it then names the stack slot) and *closed* once the variable's scope
//! ends (it then holds the value itself). Closures created in the same scope share
//! the same upvalue object, so they see each other's assignments.

use std::cell::{Cell, UnsafeCell};

use crate::compiler::line_info::LineInfo;
use crate::compiler::proto::{LocalVarInfo, UpvalueDesc};
use crate::gc::{Collectable, Gc, GcBox, GcRef, Heap, Marker};
use crate::state::Thread;
use crate::string::LuaString;
use crate::value::{float_to_integer, NativeFn, Value};

/// A function prototype, ready to run.
pub struct Proto {
    pub code: Box<[u32]>,
    pub constants: Box<[Value]>,
    pub protos: Box<[Gc<Proto>]>,
    pub upvalues: Box<[UpvalueDesc]>,
    pub num_params: u8,
    pub is_vararg: bool,
    pub max_stack_size: u8,
    pub line_info: LineInfo,
    pub local_vars: Box<[LocalVarInfo]>,
    pub source: Gc<LuaString>,
    pub line_defined: u32,
    pub last_line_defined: u32,
}

impl Proto {
    /// The source line of instruction `pc`, or 0 when unknown (stripped).
    pub fn line_at(&self, pc: usize) -> u32 {
        self.line_info.line_at(pc).unwrap_or(0)
    }

    /// The name of the `n`-th (1-based) local variable active at `pc` (PUC's
    /// `luaF_getlocalname`).
    pub fn local_name(&self, mut n: usize, pc: usize) -> Option<&[u8]> {
        for var in self.local_vars.iter() {
            if var.start_pc as usize > pc {
                break;
            }
            if pc < var.end_pc as usize {
                n -= 1;
                if n == 0 {
                    return Some(&var.name);
                }
            }
        }
        None
    }
}

impl Collectable for Proto {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::Proto(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        marker.mark_string(self.source);
        for &k in self.constants.iter() {
            marker.mark_value(k);
        }
        for &p in self.protos.iter() {
            marker.mark_proto(p);
        }
    }
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<Proto>>()
            + self.code.len() * 4
            + self.constants.len() * 16
            + self.protos.len() * 8
            + self.line_info.heap_size()
            + self.local_vars.len() * std::mem::size_of::<LocalVarInfo>()
            + self.upvalues.len() * std::mem::size_of::<UpvalueDesc>()
    }
}

/// The stack slot of an open upvalue: slot `index` of `thread`'s stack.
#[derive(Clone, Copy, Debug)]
struct OpenSlot {
    thread: Gc<Thread>,
    index: usize,
}

/// An upvalue object, shared by every closure that captures the same variable.
///
/// As in PUC Lua, the variable is read and written through one pointer: to
/// the stack slot while the upvalue is open, to the upvalue's own `closed`
/// field after. A stack buffer moves only in `State::resize_stack`, which
/// re-points its thread's open upvalues (`relocate`), so the pointer is always
/// valid: the slot's thread stays alive while the upvalue is open (the upvalue
/// marks it) and the upvalue object never moves.
pub struct UpVal {
    value: Cell<*mut Value>,
    open: Cell<Option<OpenSlot>>,
    closed: UnsafeCell<Value>,
}

impl UpVal {
    /// A new open upvalue for slot `index` of `thread`'s stack, whose buffer
    /// starts at `stack`.
    pub fn alloc_open(
        heap: &mut Heap,
        thread: Gc<Thread>,
        index: usize,
        stack: *mut Value,
    ) -> Gc<UpVal> {
        heap.alloc(UpVal {
            value: Cell::new(stack.wrapping_add(index)),
            open: Cell::new(Some(OpenSlot { thread, index })),
            closed: UnsafeCell::new(Value::Nil),
        })
    }

    /// A new closed upvalue holding `value`.
    pub fn alloc_closed(heap: &mut Heap, value: Value) -> Gc<UpVal> {
        let uv = heap.alloc(UpVal {
            value: Cell::new(std::ptr::null_mut()),
            open: Cell::new(None),
            closed: UnsafeCell::new(value),
        });
        // Only now is the object at its final address.
        uv.value.set(uv.closed.get());
        uv
    }

    /// The variable's value. `value` points to a live slot (see the type's
    /// invariant): this object's own `closed` field, or a slot of a live
    /// thread's current stack buffer, which no reference borrows while Lua
    /// code or a library function reads a variable.
    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: `value` points to a live `Value` (see above).
        unsafe { *self.value.get() }
    }

    /// `get` for an upvalue that is usually closed (`_ENV`): its value is
    /// read from the upvalue itself, without waiting for the `value` pointer
    /// first (the branch is predicted; the load chain is one shorter).
    #[inline(always)]
    pub fn get_mostly_closed(&self) -> Value {
        if self.is_closed() {
            // A closed upvalue's value is in `closed`, written only by
            // `set`/`close`, which hold no reference across this read.
            // SAFETY: no reference to `closed` is live while it is read.
            unsafe { *self.closed.get() }
        } else {
            self.get()
        }
    }

    /// Where the variable is now (valid until the next call that may close
    /// the upvalue or move a stack).
    #[inline(always)]
    pub fn slot(&self) -> *mut Value {
        self.value.get()
    }

    /// Whether the upvalue is closed (stores into it need a write barrier).
    #[inline(always)]
    pub fn is_closed(&self) -> bool {
        self.open.get().is_none()
    }

    /// Stores into the variable (the caller applies the write barrier).
    #[inline(always)]
    pub fn set(&self, v: Value) {
        // SAFETY: `value` points to a live `Value`, as in `get`.
        unsafe { *self.value.get() = v }
    }

    /// The stack slot this upvalue points to, while open.
    #[inline]
    pub fn open_index(&self) -> Option<usize> {
        self.open.get().map(|slot| slot.index)
    }

    /// Closes the upvalue: the variable's last value moves into it. Returns
    /// that value (for the caller's write barrier).
    pub fn close(&self) -> Value {
        let v = self.get();
        // `closed` is only reached through `value`, re-pointed right after.
        // SAFETY: no reference to `closed` exists while this store runs.
        unsafe { *self.closed.get() = v };
        self.value.set(self.closed.get());
        self.open.set(None);
        v
    }

    /// Re-points an open upvalue after its thread's stack buffer moved to
    /// `stack`.
    pub fn relocate(&self, stack: *mut Value) {
        if let Some(slot) = self.open.get() {
            self.value.set(stack.wrapping_add(slot.index));
        }
    }
}

impl Collectable for UpVal {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::UpVal(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        match self.open.get() {
            Some(slot) => marker.mark_thread(slot.thread),
            None => marker.mark_value(self.get()),
        }
    }
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<UpVal>>()
    }
}

/// A Lua function: a prototype and its upvalues.
pub struct LuaClosure {
    pub proto: Gc<Proto>,
    pub upvalues: Box<[Cell<Gc<UpVal>>]>,
    /// The prototype's code and constants, where a call reaches them with
    /// one load less than through the prototype (the callee's first
    /// instruction waits for that chain of loads).
    code: *const u32,
    constants: *const Value,
}

impl LuaClosure {
    /// A closure of `proto` with these upvalue cells.
    pub fn new(proto: Gc<Proto>, upvalues: Box<[Cell<Gc<UpVal>>]>) -> LuaClosure {
        LuaClosure {
            proto,
            upvalues,
            code: proto.code.as_ptr(),
            constants: proto.constants.as_ptr(),
        }
    }

    /// The first instruction (the prototype's code never moves or changes).
    #[inline(always)]
    pub fn code(&self) -> *const u32 {
        self.code
    }

    /// The prototype's constants.
    #[inline(always)]
    pub fn constants(&self) -> *const Value {
        self.constants
    }

    #[inline(always)]
    pub fn upvalue(&self, i: usize) -> Gc<UpVal> {
        self.upvalues[i].get()
    }
}

impl Collectable for LuaClosure {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::LuaClosure(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        marker.mark_proto(self.proto);
        for uv in self.upvalues.iter() {
            marker.mark_upval(uv.get());
        }
    }
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<LuaClosure>>() + self.upvalues.len() * 8
    }
}

/// What some library functions do that `CALL` can do in place of the call,
/// when no hook is set (then no frame is needed: nothing could observe it).
#[derive(Clone, Copy)]
pub enum FastCall {
    /// A pure float function of one number (`math.sin`): an integer
    /// argument converts.
    Float(fn(f64) -> f64),
    /// A pure rounding function of one number (`math.floor`): an integer
    /// argument is the result; a float result is an integer when it fits
    /// (PUC's `pushnumint`).
    Rounding(fn(f64) -> f64),
    /// `assert`: with a true first argument, its results are its arguments.
    Assert,
}

impl FastCall {
    /// A one-number function's result for argument `arg`; `None` for
    /// anything else (the function itself converts strings, or raises the
    /// error), and for `Assert`.
    ///
    /// The argument is matched in place, tag then payload: it was usually
    /// just written that way (see `ValueWords`).
    #[inline(always)]
    pub fn apply(self, arg: &Value) -> Option<Value> {
        match (self, arg) {
            (FastCall::Float(f), &Value::Float(x)) => Some(Value::Float(f(x))),
            (FastCall::Float(f), &Value::Int(i)) => Some(Value::Float(f(i as f64))),
            (FastCall::Rounding(f), &Value::Float(x)) => {
                let r = f(x);
                Some(float_to_integer(r).map_or(Value::Float(r), Value::Int))
            }
            (FastCall::Rounding(_), &Value::Int(i)) => Some(Value::Int(i)),
            _ => None,
        }
    }
}

/// A native function with upvalues (PUC's C closure).
pub struct NativeClosure {
    pub function: NativeFn,
    pub upvalues: Box<[Cell<Value>]>,
    /// What `CALL` may do in place of calling `function`.
    pub fast: Option<FastCall>,
}

impl NativeClosure {
    /// A native function with these upvalues.
    pub fn new(function: NativeFn, upvalues: Box<[Cell<Value>]>) -> NativeClosure {
        NativeClosure {
            function,
            upvalues,
            fast: None,
        }
    }

    /// A native function without upvalues that `CALL` may replace by `fast`.
    pub fn with_fast(function: NativeFn, fast: FastCall) -> NativeClosure {
        NativeClosure {
            function,
            upvalues: Box::new([]),
            fast: Some(fast),
        }
    }
}

impl Collectable for NativeClosure {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::NativeClosure(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        for uv in self.upvalues.iter() {
            marker.mark_value(uv.get());
        }
    }
    fn heap_size(&self) -> usize {
        std::mem::size_of::<GcBox<NativeClosure>>() + self.upvalues.len() * 16
    }
}
