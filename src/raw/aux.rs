//! The auxiliary helpers (PUC's `lauxlib`): argument checks with PUC's
//! messages, metatables registered by name, references, tracebacks and
//! library registration.

use super::{RustFn, Stack, NO_REF, REF_NIL, REGISTRY_INDEX};
use crate::error::{LuaError, LuaResult};
use crate::value::{LuaType, Value};

impl Stack<'_> {
    /// "bad argument #n to 'f' (msg)" for argument `n` of the running
    /// function (`luaL_argerror`): `return Err(l.arg_error(1, "..."))`.
    pub fn arg_error(&mut self, n: usize, msg: &str) -> LuaError {
        self.l.arg_error(n, msg)
    }

    /// "bad argument #n to 'f' (T expected, got U)" (`luaL_typeerror`).
    pub fn type_error(&mut self, n: usize, expected: &str) -> LuaError {
        self.l.arg_type_error(n, expected)
    }

    /// An error with the position of the calling Lua code prepended
    /// ("chunk:line: msg", `luaL_error`).
    pub fn error_msg(&mut self, msg: &str) -> LuaError {
        self.l.error(msg)
    }

    /// Argument `n` as an integer (numbers and numeric strings convert).
    pub fn check_integer(&mut self, n: usize) -> LuaResult<i64> {
        self.l.check_integer(n)
    }

    /// Argument `n` as an integer, or `default` when absent or nil.
    pub fn opt_integer(&mut self, n: usize, default: i64) -> LuaResult<i64> {
        self.l.opt_integer(n, default)
    }

    /// Argument `n` as a float.
    pub fn check_number(&mut self, n: usize) -> LuaResult<f64> {
        self.l.check_number(n)
    }

    /// Argument `n` as a float, or `default` when absent or nil.
    pub fn opt_number(&mut self, n: usize, default: f64) -> LuaResult<f64> {
        self.l.opt_number(n, default)
    }

    /// Argument `n` as string bytes (numbers convert).
    pub fn check_string(&mut self, n: usize) -> LuaResult<Vec<u8>> {
        Ok(self.l.check_string(n)?.as_bytes().to_vec())
    }

    /// Argument `n` as string bytes, or `None` when absent or nil.
    pub fn opt_string(&mut self, n: usize) -> LuaResult<Option<Vec<u8>>> {
        Ok(self.l.opt_string(n)?.map(|s| s.as_bytes().to_vec()))
    }

    /// Argument `n` must have type `t`.
    pub fn check_type(&mut self, n: usize, t: LuaType) -> LuaResult<()> {
        self.l.check_type(n, t).map(|_| ())
    }

    /// Argument `n` must exist (it may be nil).
    pub fn check_any(&mut self, n: usize) -> LuaResult<()> {
        self.l.check_any(n).map(|_| ())
    }

    /// Argument `n` must be one of `options` (a string, or absent when
    /// `default` is given); returns its position (`luaL_checkoption`).
    pub fn check_option(
        &mut self,
        n: usize,
        default: Option<&str>,
        options: &[&str],
    ) -> LuaResult<usize> {
        self.l.check_option(n, default, options)
    }

    /// Pushes `tostring(v)` for the value at `idx` and returns its bytes
    /// (`luaL_tolstring`: `__tostring`, `__name`).
    pub fn to_display_string(&mut self, idx: i32) -> LuaResult<Vec<u8>> {
        let v = self.value(idx)?;
        let r = self.guard(|l| l.to_display_string(v));
        let s = r?;
        self.l.push(Value::Str(s));
        Ok(s.as_bytes().to_vec())
    }

    /// Pushes a traceback of this thread (`luaL_traceback`): `msg` on the
    /// first line, then the frames from `level` (0: the running function).
    pub fn traceback(&mut self, msg: Option<&str>, level: usize) {
        let text = self.l.traceback(msg.map(|m| m.as_bytes()), level);
        self.push_bytes(&text);
    }

    /// Creates the metatable of a userdata type in the registry under
    /// `tname`, with `__name = tname`, and pushes it; when it exists
    /// already, pushes it and returns `false` (`luaL_newmetatable`).
    pub fn new_metatable(&mut self, tname: &str) -> LuaResult<bool> {
        if self.get_field(REGISTRY_INDEX, tname)? != LuaType::Nil {
            return Ok(false);
        }
        self.pop(1);
        self.create_table(0, 2);
        self.push_string(tname);
        self.set_field(-2, "__name")?;
        self.push_value(-1)?;
        self.set_field(REGISTRY_INDEX, tname)?;
        Ok(true)
    }

    /// Pushes the metatable registered under `tname` (nil if none)
    /// (`luaL_getmetatable`).
    pub fn get_metatable_named(&mut self, tname: &str) -> LuaResult<LuaType> {
        self.get_field(REGISTRY_INDEX, tname)
    }

    /// Sets the metatable registered under `tname` on the value on top
    /// (`luaL_setmetatable`).
    pub fn set_metatable_named(&mut self, tname: &str) -> LuaResult<()> {
        self.get_metatable_named(tname)?;
        self.set_metatable(-2)
    }

    /// Whether the value at `idx` is a userdata with the metatable
    /// registered under `tname` (`luaL_testudata`).
    pub fn test_userdata(&mut self, idx: i32, tname: &str) -> bool {
        let mt = match self.get(idx) {
            Some(v @ Value::UserData(_)) => self.l.metatable_of(v),
            _ => return false,
        };
        let key = self.l.new_string(tname.as_bytes());
        match (mt, self.l.global().registry.get_str(key)) {
            (Some(a), Value::Table(b)) => a == b,
            _ => false,
        }
    }

    /// Argument `n` must be a userdata with the metatable registered under
    /// `tname` (`luaL_checkudata`); the error names `tname`.
    pub fn check_userdata(&mut self, n: usize, tname: &str) -> LuaResult<()> {
        if self.test_userdata(n as i32, tname) {
            Ok(())
        } else {
            Err(self.type_error(n, tname))
        }
    }

    /// Pops a value, stores it in the table at `t` under a fresh integer key
    /// and returns the key (`luaL_ref`); nil gives [`REF_NIL`].
    pub fn reference(&mut self, t: i32) -> LuaResult<i64> {
        let t = self.abs_index(t);
        let table = self.table_at(t)?;
        self.need(1)?;
        if self.is_nil(-1) {
            self.pop(1);
            return Ok(REF_NIL);
        }
        // t[0] heads the list of freed keys.
        let r = match table.get_int(0) {
            Value::Int(free) if free > 0 => {
                let next = table.get_int(free);
                table.set_int(0, next);
                free
            }
            _ => table.length() + 1,
        };
        self.raw_set_i(t, r)?;
        Ok(r)
    }

    /// Frees reference `r` of the table at `t` (`luaL_unref`); nil and
    /// invalid references are ignored.
    pub fn unreference(&mut self, t: i32, r: i64) -> LuaResult<()> {
        let table = self.table_at(t)?;
        if r <= 0 || r == REF_NIL || r == NO_REF || table.get_int(r).is_nil() {
            return Ok(());
        }
        let head = table.get_int(0);
        table.set_int(r, if head.is_nil() { Value::Int(0) } else { head });
        table.set_int(0, Value::Int(r));
        Ok(())
    }

    /// Sets the functions of `funcs` as fields of the table on top
    /// (`luaL_setfuncs` with no upvalues).
    pub fn set_funcs(&mut self, funcs: &[(&str, RustFn)]) -> LuaResult<()> {
        self.table_at(-1)?;
        for &(name, f) in funcs {
            self.push_function(f);
            self.set_field(-2, name)?;
        }
        Ok(())
    }

    /// Pushes a new table holding the functions of `funcs` (`luaL_newlib`).
    pub fn new_lib(&mut self, funcs: &[(&str, RustFn)]) -> LuaResult<()> {
        self.create_table(0, funcs.len());
        self.set_funcs(funcs)
    }

    /// Loads module `modname` with `open` unless `package.loaded[modname]`
    /// is set already: calls `open(modname)`, stores its result in
    /// `package.loaded[modname]`, also as a global when `global`, and pushes
    /// it (`luaL_requiref`).
    pub fn requiref(&mut self, modname: &str, open: RustFn, global: bool) -> LuaResult<()> {
        let loaded = self.l.loaded_table();
        self.l.push(Value::Table(loaded));
        self.get_field(-1, modname)?;
        if !self.to_boolean(-1) {
            self.pop(1);
            self.push_function(open);
            self.push_string(modname);
            self.call(1, Some(1))?;
            self.push_value(-1)?;
            self.set_field(-3, modname)?;
        }
        self.remove(-2)?;
        if global {
            self.push_value(-1)?;
            self.set_global(modname)?;
        }
        Ok(())
    }

    /// Pushes `t[name]` for the table at `idx`, creating it as a new table
    /// first if it is not a table (`luaL_getsubtable`); `true` when it existed.
    pub fn get_subtable(&mut self, idx: i32, name: &str) -> LuaResult<bool> {
        let idx = self.abs_index(idx);
        if self.get_field(idx, name)? == LuaType::Table {
            return Ok(true);
        }
        self.pop(1);
        self.new_table();
        self.push_value(-1)?;
        self.set_field(idx, name)?;
        Ok(false)
    }

    /// The length of the value at `idx` as an integer, with `__len`
    /// (`luaL_len`).
    pub fn len_of(&mut self, idx: i32) -> LuaResult<i64> {
        self.len(idx)?;
        let n = self.to_integer(-1);
        self.pop(1);
        match n {
            Some(n) => Ok(n),
            None => {
                let e = self.l.error("object length is not an integer");
                self.unprotected(Err(e))
            }
        }
    }
}
