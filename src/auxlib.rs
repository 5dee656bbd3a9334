//! Helpers for native functions (PUC's `lauxlib.c`): argument access and
//! checking with PUC's messages, `tostring`, and number/string coercions.

use crate::error::{LuaError, LuaResult};
use crate::gc::{Gc, GcRef};
use crate::state::State;
use crate::string::LuaString;
use crate::table::Table;
use crate::tm::TmKind;
use crate::value::{LuaType, NativeFn, Value};
use std::io::Write;

/// Converts a string to a number as Lua's coercions do (`lua_stringtonumber`).
pub fn str_to_value(bytes: &[u8]) -> Option<Value> {
    match crate::compiler::str_to_number(bytes)? {
        crate::compiler::Number::Int(i) => Some(Value::Int(i)),
        crate::compiler::Number::Float(f) => Some(Value::Float(f)),
    }
}

/// A number, or a string convertible to one (`lua_tonumber`).
pub fn to_number(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => str_to_value(s.as_bytes()),
        _ => None,
    }
}

/// An integer, from an integral float or a numeric string (`lua_tointegerx`).
pub fn to_integer(v: Value) -> Option<i64> {
    to_number(v).and_then(|n| n.as_integer())
}

/// The text of a number (`lua_Integer` as "%d", floats as "%.14g").
pub fn number_to_bytes(v: Value) -> Vec<u8> {
    match v {
        Value::Int(i) => {
            let mut out = Vec::with_capacity(20);
            let _ = write!(out, "{i}");
            out
        }
        Value::Float(f) => crate::numfmt::fmt_float_lua(f),
        _ => Vec::new(),
    }
}

impl State {
    /// Index of the running native function's first argument.
    #[inline]
    pub fn arg_base(&self) -> usize {
        self.frames.last().map(|ci| ci.func + 1).unwrap_or(0)
    }

    /// Number of arguments of the running native function.
    #[inline]
    pub fn arg_count(&self) -> usize {
        self.top.saturating_sub(self.arg_base())
    }

    /// Argument `n` (1-based), nil when absent.
    #[inline]
    pub fn arg(&self, n: usize) -> Value {
        let i = self.arg_base() + n - 1;
        if i < self.top {
            self.stack[i]
        } else {
            Value::Nil
        }
    }

    /// Replaces argument `n` (which must exist).
    pub fn set_arg(&mut self, n: usize, v: Value) {
        let i = self.arg_base() + n - 1;
        if i < self.top {
            self.stack[i] = v;
        }
    }

    /// Upvalue `n` (1-based) of the running native closure.
    pub fn native_upvalue(&self, n: usize) -> Value {
        match self.frames.last().map(|ci| self.stack[ci.func]) {
            Some(Value::NativeFn(c)) => {
                c.upvalues.get(n - 1).map(|u| u.get()).unwrap_or(Value::Nil)
            }
            _ => Value::Nil,
        }
    }

    /// Sets upvalue `n` (1-based) of the running native closure.
    pub fn set_native_upvalue(&self, n: usize, v: Value) {
        if let Some(Value::NativeFn(c)) = self.frames.last().map(|ci| self.stack[ci.func]) {
            if let Some(u) = c.upvalues.get(n - 1) {
                u.set(v);
                self.global()
                    .heap
                    .barrier_forward(GcRef::NativeClosure(c), v);
            }
        }
    }

    /// "bad argument #n to 'f' (msg)" (PUC's `luaL_argerror`).
    pub fn arg_error(&mut self, n: usize, msg: impl AsRef<[u8]>) -> LuaError {
        let mut n = n;
        let name = self.frame_func_name(0);
        let fname: Vec<u8> = match name {
            Some(("method", name)) => {
                n -= 1;
                if n == 0 {
                    let m = [
                        b"calling '".as_slice(),
                        &name,
                        b"' on bad self (",
                        msg.as_ref(),
                        b")",
                    ]
                    .concat();
                    return self.error(m);
                }
                name
            }
            Some((_, name)) => name,
            None => self.global_func_name().unwrap_or_else(|| b"?".to_vec()),
        };
        let m = [
            b"bad argument #".as_slice(),
            n.to_string().as_bytes(),
            b" to '",
            &fname,
            b"' (",
            msg.as_ref(),
            b")",
        ]
        .concat();
        self.error(m)
    }

    /// Finds a "lib.name" for the running function in `package.loaded`
    /// (PUC's `pushglobalfuncname`).
    pub fn global_func_name(&self) -> Option<Vec<u8>> {
        let f = self.frames.last().map(|ci| self.stack[ci.func])?;
        self.global_name_of(f)
    }

    /// "lib.name" (or "name" for `_G` entries) of a function in `package.loaded`.
    pub fn global_name_of(&self, f: Value) -> Option<Vec<u8>> {
        let g = self.global();
        let key = g.new_string(b"_LOADED");
        let loaded = g.registry.get_str(key).as_table()?;
        let mut k = Value::Nil;
        while let Ok(Some((name, lib))) = loaded.next(k) {
            k = name;
            if let (Value::Str(libname), Value::Table(t)) = (name, lib) {
                let mut k2 = Value::Nil;
                while let Ok(Some((fname, v))) = t.next(k2) {
                    k2 = fname;
                    if v.raw_equals(&f) {
                        if let Value::Str(fname) = fname {
                            if libname.as_bytes() == b"_G" {
                                return Some(fname.as_bytes().to_vec());
                            }
                            return Some([libname.as_bytes(), b".", fname.as_bytes()].concat());
                        }
                    }
                }
            }
        }
        None
    }

    /// "T expected, got U" (PUC's `luaL_typeerror`).
    pub fn arg_type_error(&mut self, n: usize, expected: &str) -> LuaError {
        let v = self.arg(n);
        let actual: Vec<u8> = if let Some(Value::Str(s)) = self.metafield(v, TmKind::Name) {
            s.as_bytes().to_vec()
        } else if let Value::LightUserData(_) = v {
            b"light userdata".to_vec()
        } else if n > self.arg_count() {
            b"no value".to_vec()
        } else {
            v.type_name().as_bytes().to_vec()
        };
        let msg = [expected.as_bytes(), b" expected, got ", &actual].concat();
        self.arg_error(n, msg)
    }

    /// A metatable field of a value (raw), if present.
    pub fn metafield(&self, v: Value, event: TmKind) -> Option<Value> {
        let mt = self.metatable_of(v)?;
        let f = mt.get_str(self.global().tm_name(event));
        if f.is_nil() {
            None
        } else {
            Some(f)
        }
    }

    /// Argument `n` (1-based), which must be present (`luaL_checkany`).
    pub fn check_any(&mut self, n: usize) -> LuaResult<Value> {
        if n > self.arg_count() {
            return Err(self.arg_error(n, "value expected"));
        }
        Ok(self.arg(n))
    }

    /// Argument `n` as an integer (`luaL_checkinteger`; strings and
    /// integral floats convert).
    #[inline]
    pub fn check_integer(&mut self, n: usize) -> LuaResult<i64> {
        let v = self.arg(n);
        if let Value::Int(i) = v {
            return Ok(i);
        }
        self.check_integer_slow(n, v)
    }

    /// `check_integer` for an argument that is not an integer.
    fn check_integer_slow(&mut self, n: usize, v: Value) -> LuaResult<i64> {
        match to_integer(v) {
            Some(i) => Ok(i),
            None => {
                if to_number(v).is_some() {
                    Err(self.arg_error(n, "number has no integer representation"))
                } else {
                    Err(self.arg_type_error(n, "number"))
                }
            }
        }
    }

    /// Argument `n` as an integer, or `default` if it is nil or absent.
    pub fn opt_integer(&mut self, n: usize, default: i64) -> LuaResult<i64> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_integer(n)
        }
    }

    /// A number argument (strings convert), as a `Value::Int` or `Value::Float`.
    pub fn check_number_value(&mut self, n: usize) -> LuaResult<Value> {
        match to_number(self.arg(n)) {
            Some(v) => Ok(v),
            None => Err(self.arg_type_error(n, "number")),
        }
    }

    /// Argument `n` as a float (`luaL_checknumber`).
    #[inline]
    pub fn check_number(&mut self, n: usize) -> LuaResult<f64> {
        // Numbers, the common case, inline; strings convert out of line.
        match self.arg(n) {
            Value::Float(f) => Ok(f),
            Value::Int(i) => Ok(i as f64),
            _ => {
                let v = self.check_number_value(n)?;
                Ok(v.as_float().unwrap_or(0.0))
            }
        }
    }

    /// Argument `n` as a float, or `default` if it is nil or absent.
    pub fn opt_number(&mut self, n: usize, default: f64) -> LuaResult<f64> {
        if self.arg(n).is_nil() {
            Ok(default)
        } else {
            self.check_number(n)
        }
    }

    /// A string argument; numbers are converted (in place, as PUC does).
    pub fn check_string(&mut self, n: usize) -> LuaResult<Gc<LuaString>> {
        match self.arg(n) {
            Value::Str(s) => Ok(s),
            v @ (Value::Int(_) | Value::Float(_)) => {
                let s = self.new_string(&number_to_bytes(v));
                self.set_arg(n, Value::Str(s));
                Ok(s)
            }
            _ => Err(self.arg_type_error(n, "string")),
        }
    }

    /// Argument `n` as a string, or `None` if it is nil or absent.
    pub fn opt_string(&mut self, n: usize) -> LuaResult<Option<Gc<LuaString>>> {
        if self.arg(n).is_nil() {
            Ok(None)
        } else {
            self.check_string(n).map(Some)
        }
    }

    /// Argument `n`, which must be a table.
    pub fn check_table(&mut self, n: usize) -> LuaResult<Gc<Table>> {
        match self.arg(n) {
            Value::Table(t) => Ok(t),
            _ => Err(self.arg_type_error(n, "table")),
        }
    }

    /// Argument `n`, which must have type `t` (`luaL_checktype`).
    pub fn check_type(&mut self, n: usize, t: LuaType) -> LuaResult<Value> {
        let v = self.arg(n);
        if v.type_of() != t || (n > self.arg_count()) {
            return Err(self.arg_type_error(n, t.name()));
        }
        Ok(v)
    }

    /// `luaL_checkoption`: index of the string argument in `options`.
    pub fn check_option(
        &mut self,
        n: usize,
        default: Option<&str>,
        options: &[&str],
    ) -> LuaResult<usize> {
        let name: Vec<u8> = match (self.arg(n), default) {
            (Value::Nil, Some(d)) => d.as_bytes().to_vec(),
            _ => self.check_string(n)?.as_bytes().to_vec(),
        };
        if let Some(i) = options.iter().position(|o| o.as_bytes() == name.as_slice()) {
            return Ok(i);
        }
        let msg = [b"invalid option '".as_slice(), &name, b"'"].concat();
        Err(self.arg_error(n, msg))
    }

    /// `tostring` semantics (PUC's `luaL_tolstring`): `__tostring`, `__name`.
    pub fn to_display_string(&mut self, v: Value) -> LuaResult<Gc<LuaString>> {
        if let Some(tm) = self.metafield(v, TmKind::ToString) {
            let r = self.call_tm_res(tm, v, Value::Nil)?;
            return match r {
                Value::Str(s) => Ok(s),
                Value::Int(_) | Value::Float(_) => Ok(self.new_string(&number_to_bytes(r))),
                _ => Err(self.error("'__tostring' must return a string")),
            };
        }
        let bytes: Vec<u8> = match v {
            Value::Str(s) => return Ok(s),
            Value::Int(_) | Value::Float(_) => number_to_bytes(v),
            Value::Nil => b"nil".to_vec(),
            Value::Bool(b) => {
                if b {
                    b"true".to_vec()
                } else {
                    b"false".to_vec()
                }
            }
            _ => {
                let kind: Vec<u8> = match self.metafield(v, TmKind::Name) {
                    Some(Value::Str(s)) => s.as_bytes().to_vec(),
                    _ => v.type_name().as_bytes().to_vec(),
                };
                let mut out = kind;
                let _ = write!(out, ": {:#x}", v.address().unwrap_or(0));
                out
            }
        };
        Ok(self.new_string(&bytes))
    }

    /// Registers native functions in a table.
    pub fn set_functions(&mut self, t: Gc<Table>, funcs: &[(&str, NativeFn)]) {
        for &(name, f) in funcs {
            let k = self.new_string(name.as_bytes());
            let grown = t.set_str(k, Value::LightNative(f));
            self.global().heap.adjust(grown);
        }
        self.global().heap.barrier_back(t);
    }

    /// Sets `t[name] = v` for a string key.
    pub fn set_field(&mut self, t: Gc<Table>, name: &str, v: Value) {
        let k = self.new_string(name.as_bytes());
        let grown = t.set_str(k, v);
        let heap = &mut self.global().heap;
        heap.adjust(grown);
        heap.barrier_back(t);
    }

    /// Raw `t[name]` for a string key.
    pub fn get_field(&mut self, t: Gc<Table>, name: &str) -> Value {
        let k = self.new_string(name.as_bytes());
        t.get_str(k)
    }

    /// Pushes several values and returns how many (for native returns).
    pub fn push_all(&mut self, vals: &[Value]) -> usize {
        for &v in vals {
            self.push(v);
        }
        vals.len()
    }

    /// The registry's `_LOADED` table (`package.loaded`), created on demand.
    pub fn loaded_table(&mut self) -> Gc<Table> {
        let reg = self.global().registry;
        match self.get_field(reg, "_LOADED") {
            Value::Table(t) => t,
            _ => {
                let t = self.new_table(0, 16);
                self.set_field(reg, "_LOADED", Value::Table(t));
                t
            }
        }
    }

    /// Creates a library table with `funcs`, stores it as global `name` and in
    /// `package.loaded[name]` (PUC's `luaL_requiref` + `luaL_newlib`).
    pub fn register_lib(&mut self, name: &str, funcs: &[(&str, NativeFn)]) -> Gc<Table> {
        let t = self.new_table(0, funcs.len());
        self.set_functions(t, funcs);
        let g = self.global().globals;
        self.set_field(g, name, Value::Table(t));
        let loaded = self.loaded_table();
        self.set_field(loaded, name, Value::Table(t));
        t
    }
}
