//! Instruction formats and opcodes, exactly as Lua 5.4's `lopcodes.h` lays them out.
//!
//! An instruction is a `u32`. The low 7 bits hold the opcode; the rest is one of
//! five formats:
//!
//! ```text
//!   iABC   C(8) | B(8) | k(1) | A(8) | Op(7)
//!   iABx   Bx(17)             | A(8) | Op(7)
//!   iAsBx  sBx(17)            | A(8) | Op(7)
//!   iAx    Ax(25)                    | Op(7)
//!   isJ    sJ(25)                    | Op(7)
//! ```
//!
//! Signed fields use excess-K encoding (`sBx = Bx - OFFSET_SBX`), and the `sC`/`sB`
//! forms of `C`/`B` use `OFFSET_SC`. The semantics of each opcode are PUC-Rio's; the
//! compiler (`compiler/`) writes them and the dispatch loop (`vm.rs`) reads them.

pub type Instruction = u32;

pub const SIZE_OP: u32 = 7;
pub const SIZE_A: u32 = 8;
pub const SIZE_B: u32 = 8;
pub const SIZE_C: u32 = 8;
pub const SIZE_BX: u32 = SIZE_C + SIZE_B + 1;
pub const SIZE_AX: u32 = SIZE_BX + SIZE_A;
pub const SIZE_SJ: u32 = SIZE_BX + SIZE_A;

pub const POS_OP: u32 = 0;
pub const POS_A: u32 = POS_OP + SIZE_OP;
pub const POS_K: u32 = POS_A + SIZE_A;
pub const POS_B: u32 = POS_K + 1;
pub const POS_C: u32 = POS_B + SIZE_B;
pub const POS_BX: u32 = POS_K;
pub const POS_AX: u32 = POS_A;
pub const POS_SJ: u32 = POS_A;

pub const MAXARG_A: u32 = (1 << SIZE_A) - 1;
pub const MAXARG_B: u32 = (1 << SIZE_B) - 1;
pub const MAXARG_C: u32 = (1 << SIZE_C) - 1;
pub const MAXARG_BX: u32 = (1 << SIZE_BX) - 1;
pub const MAXARG_AX: u32 = (1 << SIZE_AX) - 1;
pub const MAXARG_SJ: u32 = (1 << SIZE_SJ) - 1;
pub const OFFSET_SBX: i32 = (MAXARG_BX >> 1) as i32;
pub const OFFSET_SJ: i32 = (MAXARG_SJ >> 1) as i32;
pub const OFFSET_SC: i32 = (MAXARG_C >> 1) as i32;

/// Largest register index a function may use (PUC's `MAXREGS`).
pub const MAX_REGISTERS: u32 = 255;
/// Number of list items to accumulate before a `SETLIST` (PUC's `LFIELDS_PER_FLUSH`).
pub const FIELDS_PER_FLUSH: u32 = 50;

macro_rules! opcodes {
    ($($name:ident),* $(,)?) => {
        /// The 83 opcodes of Lua 5.4, in PUC's order (the order matters: some
        /// tests compare ranges, as `lopcodes.h` does).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[repr(u8)]
        #[allow(clippy::upper_case_acronyms)]
        pub enum OpCode { $($name),* }

        impl OpCode {
            /// All opcodes, indexed by their numeric value.
            pub const ALL: &'static [OpCode] = &[$(OpCode::$name),*];
            /// PUC's name for the opcode (as `luac -l` prints it).
            pub fn name(self) -> &'static str {
                match self { $(OpCode::$name => stringify!($name)),* }
            }
        }

        /// The opcodes' numbers, for matching on the opcode field itself
        /// (the dispatch loop, which also sees numbers past the last opcode).
        pub mod opnum {
            $(pub const $name: u8 = super::OpCode::$name as u8;)*
        }
    };
}

opcodes! {
    MOVE, LOADI, LOADF, LOADK, LOADKX, LOADFALSE, LFALSESKIP, LOADTRUE, LOADNIL,
    GETUPVAL, SETUPVAL, GETTABUP, GETTABLE, GETI, GETFIELD, SETTABUP, SETTABLE, SETI,
    SETFIELD, NEWTABLE, SELF, ADDI, ADDK, SUBK, MULK, MODK, POWK, DIVK, IDIVK, BANDK,
    BORK, BXORK, SHRI, SHLI, ADD, SUB, MUL, MOD, POW, DIV, IDIV, BAND, BOR, BXOR, SHL,
    SHR, MMBIN, MMBINI, MMBINK, UNM, BNOT, NOT, LEN, CONCAT, CLOSE, TBC, JMP, EQ, LT, LE,
    EQK, EQI, LTI, LEI, GTI, GEI, TEST, TESTSET, CALL, TAILCALL, RETURN, RETURN0,
    RETURN1, FORLOOP, FORPREP, TFORPREP, TFORCALL, TFORLOOP, SETLIST, CLOSURE, VARARG,
    VARARGPREP, EXTRAARG,
}

pub const NUM_OPCODES: usize = OpCode::EXTRAARG as usize + 1;

impl OpCode {
    /// Decodes an opcode number; `None` for numbers past the last opcode.
    #[inline]
    pub fn from_u8(n: u8) -> Option<OpCode> {
        OpCode::ALL.get(n as usize).copied()
    }
}

#[inline(always)]
fn field(i: Instruction, pos: u32, size: u32) -> u32 {
    (i >> pos) & ((1 << size) - 1)
}

/// The opcode of an instruction. Instructions come from our compiler or from a
/// validated binary chunk, so the opcode number is always in range; an
/// out-of-range number decodes as `EXTRAARG`, which the VM treats as an error.
#[inline(always)]
pub fn get_op(i: Instruction) -> OpCode {
    let n = (i & 0x7f) as u8;
    if (n as usize) < NUM_OPCODES {
        // SAFETY: `OpCode` is `repr(u8)` with the discriminants 0..NUM_OPCODES
        // in order, and `n` is below NUM_OPCODES.
        unsafe { std::mem::transmute::<u8, OpCode>(n) }
    } else {
        OpCode::EXTRAARG
    }
}
#[inline(always)]
pub fn get_a(i: Instruction) -> u32 {
    field(i, POS_A, SIZE_A)
}
#[inline(always)]
pub fn get_b(i: Instruction) -> u32 {
    field(i, POS_B, SIZE_B)
}
#[inline(always)]
pub fn get_sb(i: Instruction) -> i32 {
    get_b(i) as i32 - OFFSET_SC
}
#[inline(always)]
pub fn get_c(i: Instruction) -> u32 {
    field(i, POS_C, SIZE_C)
}
#[inline(always)]
pub fn get_sc(i: Instruction) -> i32 {
    get_c(i) as i32 - OFFSET_SC
}
#[inline(always)]
pub fn get_k(i: Instruction) -> bool {
    field(i, POS_K, 1) != 0
}
#[inline(always)]
pub fn get_bx(i: Instruction) -> u32 {
    field(i, POS_BX, SIZE_BX)
}
#[inline(always)]
pub fn get_sbx(i: Instruction) -> i32 {
    get_bx(i) as i32 - OFFSET_SBX
}
#[inline(always)]
pub fn get_ax(i: Instruction) -> u32 {
    field(i, POS_AX, SIZE_AX)
}
#[inline(always)]
pub fn get_sj(i: Instruction) -> i32 {
    field(i, POS_SJ, SIZE_SJ) as i32 - OFFSET_SJ
}

#[inline]
fn set_field(i: &mut Instruction, v: u32, pos: u32, size: u32) {
    let mask = ((1u32 << size) - 1) << pos;
    *i = (*i & !mask) | ((v << pos) & mask);
}
pub fn set_op(i: &mut Instruction, op: OpCode) {
    set_field(i, op as u32, POS_OP, SIZE_OP)
}
pub fn set_a(i: &mut Instruction, v: u32) {
    set_field(i, v, POS_A, SIZE_A)
}
pub fn set_b(i: &mut Instruction, v: u32) {
    set_field(i, v, POS_B, SIZE_B)
}
pub fn set_c(i: &mut Instruction, v: u32) {
    set_field(i, v, POS_C, SIZE_C)
}
pub fn set_k(i: &mut Instruction, v: bool) {
    set_field(i, v as u32, POS_K, 1)
}
pub fn set_bx(i: &mut Instruction, v: u32) {
    set_field(i, v, POS_BX, SIZE_BX)
}
pub fn set_sbx(i: &mut Instruction, v: i32) {
    set_bx(i, (v + OFFSET_SBX) as u32)
}
pub fn set_sj(i: &mut Instruction, v: i32) {
    set_field(i, (v + OFFSET_SJ) as u32, POS_SJ, SIZE_SJ)
}

pub fn create_abck(op: OpCode, a: u32, b: u32, c: u32, k: bool) -> Instruction {
    (op as u32) << POS_OP | a << POS_A | (k as u32) << POS_K | b << POS_B | c << POS_C
}
pub fn create_abx(op: OpCode, a: u32, bx: u32) -> Instruction {
    (op as u32) << POS_OP | a << POS_A | bx << POS_BX
}
pub fn create_asbx(op: OpCode, a: u32, sbx: i32) -> Instruction {
    create_abx(op, a, (sbx + OFFSET_SBX) as u32)
}
pub fn create_ax(op: OpCode, ax: u32) -> Instruction {
    (op as u32) << POS_OP | ax << POS_AX
}
pub fn create_sj(op: OpCode, sj: i32, k: bool) -> Instruction {
    (op as u32) << POS_OP | ((sj + OFFSET_SJ) as u32) << POS_SJ | (k as u32) << POS_K
}

/// Whether an instruction of this opcode sets register A (PUC's `testAMode`).
pub fn sets_register_a(op: OpCode) -> bool {
    use OpCode::*;
    !matches!(
        op,
        SETUPVAL
            | SETTABUP
            | SETTABLE
            | SETI
            | SETFIELD
            | MMBIN
            | MMBINI
            | MMBINK
            | CLOSE
            | TBC
            | JMP
            | EQ
            | LT
            | LE
            | EQK
            | EQI
            | LTI
            | LEI
            | GTI
            | GEI
            | TEST
            | RETURN
            | RETURN0
            | RETURN1
            | TFORPREP
            | TFORCALL
            | SETLIST
            | VARARGPREP
            | EXTRAARG
    )
}

/// Whether the instruction is a test whose next instruction is a jump (`testTMode`).
pub fn is_test(op: OpCode) -> bool {
    use OpCode::*;
    matches!(
        op,
        EQ | LT | LE | EQK | EQI | LTI | LEI | GTI | GEI | TEST | TESTSET
    )
}

/// Whether the instruction uses the stack top set by the previous one (`testITMode`).
pub fn uses_top_in(op: OpCode, i: Instruction) -> bool {
    use OpCode::*;
    match op {
        CALL | TAILCALL => get_b(i) == 0,
        RETURN => get_b(i) == 0,
        SETLIST => get_b(i) == 0,
        _ => false,
    }
}

/// Whether the instruction leaves a variable number of values up to the top (`testOTMode`).
pub fn sets_top_out(op: OpCode, i: Instruction) -> bool {
    use OpCode::*;
    match op {
        CALL | TAILCALL => get_c(i) == 0,
        VARARG => get_c(i) == 0,
        _ => false,
    }
}

/// Whether the instruction is a metamethod fallback (`testMMMode`).
pub fn is_mm(op: OpCode) -> bool {
    matches!(op, OpCode::MMBIN | OpCode::MMBINI | OpCode::MMBINK)
}

/// Converts an integer to the `sC`/`sB` encoding if it fits (`fitsC`).
pub fn fits_sc(i: i64) -> bool {
    (i.wrapping_add(OFFSET_SC as i64) as u64) <= MAXARG_C as u64
}

/// Whether an integer fits the `sBx` field (`fitsBx`).
pub fn fits_sbx(i: i64) -> bool {
    -(OFFSET_SBX as i64) <= i && i <= (MAXARG_BX as i64) - (OFFSET_SBX as i64)
}

/// Encodes a signed value for `sB`/`sC` (`int2sC`).
pub fn int_to_sc(i: i32) -> u32 {
    (i + OFFSET_SC) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_fields() {
        let i = create_abck(OpCode::ADD, 12, 200, 7, true);
        assert_eq!(get_op(i), OpCode::ADD);
        assert_eq!((get_a(i), get_b(i), get_c(i), get_k(i)), (12, 200, 7, true));
        let j = create_asbx(OpCode::LOADI, 3, -5);
        assert_eq!(get_sbx(j), -5);
        let s = create_sj(OpCode::JMP, -1000, false);
        assert_eq!(get_sj(s), -1000);
        assert_eq!(NUM_OPCODES, 83);
        assert_eq!(OpCode::VARARGPREP as u8, 81);
    }
}
