//! Prototypes, closures and upvalues (PUC's `lfunc.c`).
//!
//! A `Proto` is the runtime form of a compiled function: its constants are Lua
//! values (strings interned). A `LuaClosure` pairs a prototype with its upvalues.
//! An upvalue is *open* while the variable it captures still lives in a thread's
//! stack (it then names the stack slot) and *closed* once the variable's scope
//! ends (it then holds the value itself). Closures created in the same scope share
//! the same upvalue object, so they see each other's assignments.

use std::cell::Cell;

use crate::compiler::line_info::LineInfo;
use crate::compiler::proto::{LocalVarInfo, UpvalueDesc};
use crate::gc::{Collectable, Gc, GcBox, GcRef, Marker};
use crate::state::Thread;
use crate::string::LuaString;
use crate::value::{NativeFn, Value};

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

/// Where an upvalue's variable lives now.
#[derive(Clone, Copy, Debug)]
pub enum UpValState {
    /// Still in a stack: slot `index` of `thread`.
    Open { thread: Gc<Thread>, index: usize },
    /// Its scope ended: the value lives here.
    Closed(Value),
}

/// An upvalue object, shared by every closure that captures the same variable.
pub struct UpVal {
    state: Cell<UpValState>,
}

impl UpVal {
    pub fn new_open(thread: Gc<Thread>, index: usize) -> UpVal {
        UpVal {
            state: Cell::new(UpValState::Open { thread, index }),
        }
    }

    pub fn new_closed(value: Value) -> UpVal {
        UpVal {
            state: Cell::new(UpValState::Closed(value)),
        }
    }

    #[inline(always)]
    pub fn state(&self) -> UpValState {
        self.state.get()
    }

    /// The stack slot this upvalue points to, while open.
    #[inline]
    pub fn open_index(&self) -> Option<usize> {
        match self.state.get() {
            UpValState::Open { index, .. } => Some(index),
            UpValState::Closed(_) => None,
        }
    }

    /// Closes the upvalue over `value` (the variable's last value).
    pub fn close(&self, value: Value) {
        self.state.set(UpValState::Closed(value));
    }

    /// Stores into a closed upvalue (the caller handles open ones).
    #[inline]
    pub fn set_closed(&self, value: Value) {
        self.state.set(UpValState::Closed(value));
    }
}

impl Collectable for UpVal {
    fn into_ref(gc: Gc<Self>) -> GcRef {
        GcRef::UpVal(gc)
    }
    fn trace(&self, marker: &mut Marker) {
        match self.state.get() {
            UpValState::Closed(v) => marker.mark_value(v),
            UpValState::Open { thread, .. } => marker.mark_thread(thread),
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
}

impl LuaClosure {
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

/// A native function with upvalues (PUC's C closure).
pub struct NativeClosure {
    pub function: NativeFn,
    pub upvalues: Box<[Cell<Value>]>,
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
