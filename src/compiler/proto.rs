//! The compiler's output: a function prototype as plain data.
//!
//! `FunctionProto` holds no collectable objects, so the compiler never touches the
//! heap; `State::load` turns it into a collectable `Proto` (interning the string
//! constants) before it runs. `string.dump` serialises this form too.

use super::lexer::LStr;
use super::line_info::LineInfo;
/// A constant in a prototype's constant table (PUC's `k` array).
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A string constant, as raw bytes (Lua strings are not UTF-8).
    Str(LStr),
}

/// Describes where a closure finds an upvalue when it is created (PUC's `Upvaldesc`).
#[derive(Clone, Debug, PartialEq)]
pub struct UpvalueDesc {
    /// The upvalue's name, for debug information (`None` when stripped).
    pub name: Option<LStr>,
    /// `true`: the upvalue is register `index` of the enclosing function;
    /// `false`: it is upvalue `index` of the enclosing function.
    pub in_stack: bool,
    pub index: u8,
    /// PUC's variable kind: 0 regular, 1 `<const>`, 2 `<close>`, 3 compile-time constant.
    pub kind: u8,
}

/// A local variable's name and the pc range where it is active (PUC's `LocVar`).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalVarInfo {
    pub name: LStr,
    /// First instruction where the variable is active.
    pub start_pc: u32,
    /// First instruction where the variable is dead.
    pub end_pc: u32,
}

/// A compiled function (PUC's `Proto`), as plain data.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FunctionProto {
    /// The chunk name, e.g. `@script.lua`, `=stdin` or the source text itself
    /// (shared by all functions of a chunk).
    pub source: LStr,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_params: u8,
    pub is_vararg: bool,
    pub max_stack_size: u8,
    /// 32-bit instructions in the Lua 5.4 formats (see `opcodes.rs`).
    pub code: Vec<u32>,
    pub constants: Vec<Constant>,
    pub upvalues: Vec<UpvalueDesc>,
    /// Nested functions, referenced by `CLOSURE`'s Bx.
    pub protos: Vec<FunctionProto>,
    /// The source line of each instruction (same length as `code`, or empty
    /// when stripped).
    pub line_info: LineInfo,
    pub local_vars: Vec<LocalVarInfo>,
}

impl FunctionProto {
    /// An empty function of chunk `source` starting at `line_defined`.
    /// (`Default` would allocate an empty `source` only to drop it.)
    #[inline]
    pub fn new(source: LStr, line_defined: u32) -> FunctionProto {
        FunctionProto {
            source,
            line_defined,
            last_line_defined: 0,
            num_params: 0,
            is_vararg: false,
            max_stack_size: 0,
            code: Vec::new(),
            constants: Vec::new(),
            upvalues: Vec::new(),
            protos: Vec::new(),
            line_info: LineInfo::default(),
            local_vars: Vec::new(),
        }
    }
}
