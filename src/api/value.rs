//! Typed values and the handles that root Lua objects.

use std::rc::Weak;

use super::{Error, FromLua, FromLuaMulti, Inner, IntoLua, IntoLuaMulti, Lua, Result};
use crate::debug::Operand;
use crate::value::Value as RawValue;

/// A rooted reference to a Lua object: a slot in the state's reference
/// table, released when dropped.
pub(crate) struct Handle {
    pub(crate) lua: Weak<Inner>,
    pub(crate) id: u64,
    pub(crate) slot: i64,
    /// The object (valid while the slot roots it and the state is open).
    pub(crate) value: RawValue,
}

impl Handle {
    /// The state, if it is still open.
    pub(crate) fn lua(&self) -> Result<Lua> {
        match self.lua.upgrade() {
            Some(inner) if !inner.closed.get() => Ok(Lua::from_inner(inner)),
            _ => Err(Error::StateClosed),
        }
    }

    /// The object, for use with `lua` (which must be its state).
    pub(crate) fn raw_for(&self, lua: &Lua) -> Result<RawValue> {
        if self.id != lua.id() {
            return Err(Error::StateMismatch);
        }
        if lua.inner.closed.get() {
            return Err(Error::StateClosed);
        }
        Ok(self.value)
    }
}

impl Clone for Handle {
    fn clone(&self) -> Handle {
        match self.lua.upgrade() {
            Some(inner) if !inner.closed.get() => Handle {
                lua: self.lua.clone(),
                id: self.id,
                slot: inner.root(self.value),
                value: self.value,
            },
            // A handle of a closed state stays unusable.
            _ => Handle {
                lua: Weak::new(),
                id: self.id,
                slot: 0,
                value: RawValue::Nil,
            },
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        if let Some(inner) = self.lua.upgrade() {
            inner.unroot(self.slot);
        }
    }
}

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.value.type_name())
    }
}

/// A Lua value, with reference types as rooted handles.
#[derive(Clone, Debug, Default)]
pub enum Value {
    /// `nil`.
    #[default]
    Nil,
    /// A boolean.
    Boolean(bool),
    /// An integer.
    Integer(i64),
    /// A float.
    Number(f64),
    /// A string.
    String(LuaString),
    /// A table.
    Table(Table),
    /// A function (Lua or Rust).
    Function(Function),
    /// A coroutine.
    Thread(Thread),
    /// A full userdata.
    UserData(AnyUserData),
    /// A light userdata (an address-sized number).
    LightUserData(usize),
}

impl Value {
    /// The Lua type name ("nil", "number", ...).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) | Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::Thread(_) => "thread",
            Value::UserData(_) | Value::LightUserData(_) => "userdata",
        }
    }

    /// Whether the value is nil.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// The raw value for the state `lua` (errors for handles of another
    /// state or a closed one).
    pub(crate) fn to_raw(&self, lua: &Lua) -> Result<RawValue> {
        Ok(match self {
            Value::Nil => RawValue::Nil,
            Value::Boolean(b) => RawValue::Bool(*b),
            Value::Integer(i) => RawValue::Int(*i),
            Value::Number(n) => RawValue::Float(*n),
            Value::LightUserData(p) => RawValue::LightUserData(*p),
            Value::String(h) => h.0.raw_for(lua)?,
            Value::Table(h) => h.0.raw_for(lua)?,
            Value::Function(h) => h.0.raw_for(lua)?,
            Value::Thread(h) => h.0.raw_for(lua)?,
            Value::UserData(h) => h.0.raw_for(lua)?,
        })
    }
}

/// A Lua string (any bytes).
#[derive(Clone, Debug)]
pub struct LuaString(pub(crate) Handle);

impl LuaString {
    /// The bytes.
    pub fn as_bytes_vec(&self) -> Result<Vec<u8>> {
        self.0.lua()?;
        match self.0.value {
            RawValue::Str(s) => Ok(s.as_bytes().to_vec()),
            _ => Ok(Vec::new()),
        }
    }

    /// The text, if it is valid UTF-8.
    pub fn to_str(&self) -> Result<String> {
        String::from_utf8(self.as_bytes_vec()?).map_err(|_| Error::FromLua {
            from: "string",
            to: "String",
            message: Some("invalid UTF-8".into()),
        })
    }

    /// The text, invalid UTF-8 sequences replaced.
    pub fn to_string_lossy(&self) -> Result<String> {
        Ok(String::from_utf8_lossy(&self.as_bytes_vec()?).into_owned())
    }
}

/// A Lua table.
#[derive(Clone, Debug)]
pub struct Table(pub(crate) Handle);

impl Table {
    /// The table (a handle whose state closed holds nil: `StateClosed`).
    fn raw_table(&self) -> Result<crate::gc::Gc<crate::table::Table>> {
        match self.0.value {
            RawValue::Table(t) => Ok(t),
            _ => Err(Error::StateClosed),
        }
    }

    /// `t[k]`, with metamethods.
    pub fn get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = self.0.lua()?;
        let k = key.into_lua(&lua)?.to_raw(&lua)?;
        let t = self.0.raw_for(&lua)?;
        let l = lua.inner.state();
        let top = l.top();
        l.push(k);
        let r = l.index_value(t, k, Operand::None);
        let l = lua.inner.state();
        l.set_top(top);
        let v = r.map_err(super::lua_error_to_error)?;
        V::from_lua(lua.wrap(v), &lua)
    }

    /// `t[k] = v`, with metamethods.
    pub fn set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = self.0.lua()?;
        let k = key.into_lua(&lua)?;
        let v = value.into_lua(&lua)?;
        let (k, v) = (k.to_raw(&lua)?, v.to_raw(&lua)?);
        let t = self.0.raw_for(&lua)?;
        let l = lua.inner.state();
        let top = l.top();
        let r = l.set_index_value(t, k, v, Operand::None);
        let l = lua.inner.state();
        l.set_top(top);
        r.map_err(super::lua_error_to_error)
    }

    /// `t[k]`, without metamethods.
    pub fn raw_get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = self.0.lua()?;
        let k = key.into_lua(&lua)?.to_raw(&lua)?;
        self.0.raw_for(&lua)?;
        let v = self.raw_table()?.get(k);
        V::from_lua(lua.wrap(v), &lua)
    }

    /// `t[k] = v`, without metamethods (a nil or NaN key is an error).
    pub fn raw_set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = self.0.lua()?;
        let k = key.into_lua(&lua)?;
        let v = value.into_lua(&lua)?;
        let (k, v) = (k.to_raw(&lua)?, v.to_raw(&lua)?);
        self.0.raw_for(&lua)?;
        let l = lua.inner.state();
        l.raw_set(self.raw_table()?, k, v)
            .map_err(super::lua_error_to_error)
    }

    /// Whether `t[k]` (raw) is not nil.
    pub fn contains_key<K: IntoLua>(&self, key: K) -> Result<bool> {
        Ok(!self.raw_get::<K, Value>(key)?.is_nil())
    }

    /// `#t`, with `__len`.
    pub fn len(&self) -> Result<i64> {
        let lua = self.0.lua()?;
        let t = self.0.raw_for(&lua)?;
        let l = lua.inner.state();
        let n = l
            .length(t, Operand::None)
            .map_err(super::lua_error_to_error)?;
        match n.as_integer() {
            Some(n) => Ok(n),
            None => Err(Error::runtime("object length is not an integer")),
        }
    }

    /// The border of the table, without `__len`.
    pub fn raw_len(&self) -> usize {
        self.raw_table().map_or(0, |t| t.length().max(0) as usize)
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.raw_table()
            .map_or(true, |t| matches!(t.next(RawValue::Nil), Ok(None)))
    }

    /// Appends `v` at `raw_len() + 1`.
    pub fn push<V: IntoLua>(&self, value: V) -> Result<()> {
        let n = self.raw_len() as i64;
        self.raw_set(n + 1, value)
    }

    /// The metatable.
    pub fn metatable(&self) -> Option<Table> {
        let lua = self.0.lua().ok()?;
        let mt = self.raw_table().ok()?.metatable()?;
        Some(Table(lua.handle(RawValue::Table(mt))))
    }

    /// Sets (or removes) the metatable.
    pub fn set_metatable(&self, mt: Option<Table>) -> Result<()> {
        let lua = self.0.lua()?;
        let t = self.0.raw_for(&lua)?;
        let mt = match mt {
            Some(m) => match m.0.raw_for(&lua)? {
                RawValue::Table(m) => Some(m),
                _ => None,
            },
            None => None,
        };
        let table = self.raw_table()?;
        table.set_metatable(mt);
        lua.inner.state().global().heap.barrier_back(table);
        lua.inner.state().check_finalizer(t, mt);
        Ok(())
    }

    /// The raw pairs of the table (no `__pairs`), converted.
    pub fn pairs<K: FromLua, V: FromLua>(&self) -> TablePairs<K, V> {
        TablePairs {
            table: self.clone(),
            key: Some(Value::Nil),
            _types: std::marker::PhantomData,
        }
    }

    /// The values `t[1]`, `t[2]`, ... up to the first nil (raw), converted.
    pub fn sequence_values<V: FromLua>(&self) -> impl Iterator<Item = Result<V>> + '_ {
        let mut i = 0i64;
        std::iter::from_fn(move || {
            i += 1;
            match self.raw_get::<i64, Value>(i) {
                Ok(Value::Nil) => None,
                Ok(v) => Some(self.0.lua().and_then(|lua| V::from_lua(v, &lua))),
                Err(e) => Some(Err(e)),
            }
        })
    }
}

/// An iterator over a table's pairs ([`Table::pairs`]).
pub struct TablePairs<K, V> {
    table: Table,
    key: Option<Value>,
    _types: std::marker::PhantomData<(K, V)>,
}

impl<K: FromLua, V: FromLua> Iterator for TablePairs<K, V> {
    type Item = Result<(K, V)>;
    fn next(&mut self) -> Option<Self::Item> {
        let key = self.key.take()?;
        let lua = match self.table.0.lua() {
            Ok(l) => l,
            Err(e) => return Some(Err(e)),
        };
        let k = match key.to_raw(&lua) {
            Ok(k) => k,
            Err(e) => return Some(Err(e)),
        };
        let t = match self.table.raw_table() {
            Ok(t) => t,
            Err(e) => return Some(Err(e)),
        };
        match t.next(k) {
            Ok(Some((k2, v))) => {
                let k2 = lua.wrap(k2);
                self.key = Some(k2.clone());
                Some(K::from_lua(k2, &lua).and_then(|k| Ok((k, V::from_lua(lua.wrap(v), &lua)?))))
            }
            Ok(None) => None,
            Err(()) => Some(Err(Error::runtime("invalid key to 'next'"))),
        }
    }
}

/// A Lua function (Lua or Rust).
#[derive(Clone, Debug)]
pub struct Function(pub(crate) Handle);

impl Function {
    /// Calls the function in protected mode; converts the results. An error
    /// carries the message and the traceback at the error point.
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(&self, args: A) -> Result<R> {
        let lua = self.0.lua()?;
        let f = self.0.raw_for(&lua)?;
        let args = args.into_lua_multi(&lua)?;
        let raws = args
            .iter()
            .map(|v| v.to_raw(&lua))
            .collect::<Result<Vec<_>>>()?;
        let l = lua.inner.state();
        l.check_stack(raws.len() + 2)
            .map_err(super::lua_error_to_error)?;
        let func = l.top();
        l.push(f);
        l.push_all(&raws);
        let results = lua.protected_call(func)?;
        R::from_lua_multi_at(results, &lua, 1)
    }
}

/// A coroutine's state ([`Thread::status`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// It can be resumed (not started, or suspended in a yield).
    Resumable,
    /// It is running or resuming another coroutine.
    Running,
    /// Its body returned.
    Finished,
    /// It ended with an error.
    Error,
}

/// A coroutine.
#[derive(Clone, Debug)]
pub struct Thread(pub(crate) Handle);

impl Thread {
    #[allow(clippy::mut_from_ref)]
    fn thread_state(&self) -> Result<&mut crate::state::State> {
        match self.0.value {
            // SAFETY: callers check that the state is open and that the
            // thread is not running (no other reference to its state is live).
            RawValue::Thread(t) => Ok(unsafe { &mut *t.state_ptr() }),
            _ => Err(Error::StateClosed),
        }
    }

    /// Resumes the coroutine with `args`; converts what it yields or returns.
    pub fn resume<A: IntoLuaMulti, R: FromLuaMulti>(&self, args: A) -> Result<R> {
        let lua = self.0.lua()?;
        let t = self.0.raw_for(&lua)?;
        let args = args.into_lua_multi(&lua)?;
        let raws = args
            .iter()
            .map(|v| v.to_raw(&lua))
            .collect::<Result<Vec<_>>>()?;
        let l = lua.inner.state();
        if matches!(t, RawValue::Thread(th) if l.thread == Some(th)) {
            return Err(Error::CoroutineUnresumable {
                message: "cannot resume non-suspended coroutine".into(),
            });
        }
        if self.status() != ThreadStatus::Resumable {
            return Err(Error::CoroutineUnresumable {
                message: "cannot resume dead coroutine".into(),
            });
        }
        let co = self.thread_state()?;
        let r = co.resume(l, &raws);
        let vals = match r {
            Ok(crate::coroutine::ResumeOutcome::Yield(v))
            | Ok(crate::coroutine::ResumeOutcome::Return(v)) => v,
            Err(e) => {
                let mut err = super::lua_error_to_error(e);
                if let Error::Runtime { traceback, .. } = &mut err {
                    let tb = crate::traceback::traceback_of(l, co, None, 0);
                    *traceback = Some(String::from_utf8_lossy(&tb).into_owned());
                }
                return Err(err);
            }
        };
        let vals = vals.into_iter().map(|v| lua.wrap(v)).collect();
        R::from_lua_multi_at(super::MultiValue::from_vec(vals), &lua, 1)
    }

    /// The coroutine's state.
    pub fn status(&self) -> ThreadStatus {
        let co = match (self.0.lua(), self.thread_state()) {
            (Ok(_), Ok(co)) => co,
            _ => return ThreadStatus::Error,
        };
        if co.active {
            return ThreadStatus::Running;
        }
        match co.status {
            crate::state::ThreadStatus::Yielded => ThreadStatus::Resumable,
            crate::state::ThreadStatus::Ok if co.frames.is_empty() && co.top > 0 => {
                ThreadStatus::Resumable
            }
            _ if co.errored => ThreadStatus::Error,
            crate::state::ThreadStatus::Ok if co.frames.is_empty() => ThreadStatus::Finished,
            crate::state::ThreadStatus::Ok => ThreadStatus::Running,
            _ => ThreadStatus::Finished,
        }
    }
}

/// A full userdata of any payload type.
#[derive(Clone, Debug)]
pub struct AnyUserData(pub(crate) Handle);

impl AnyUserData {
    pub(crate) fn raw_userdata(&self) -> Result<crate::gc::Gc<crate::userdata::UserData>> {
        match self.0.value {
            RawValue::UserData(u) => Ok(u),
            _ => Err(Error::StateClosed),
        }
    }

    /// Whether the payload is a `T`.
    pub fn is<T: 'static>(&self) -> bool {
        self.0.lua().is_ok()
            && self
                .raw_userdata()
                .is_ok_and(|u| u.payload().is_some_and(|p| p.is::<T>()))
    }

    /// The payload, borrowed: an error if it is mutably borrowed or not a `T`.
    pub fn borrow<T: 'static>(&self) -> Result<super::UserDataRef<'_, T>> {
        super::userdata::borrow(self)
    }

    /// The payload, mutably borrowed: an error if it is borrowed or not a `T`.
    pub fn borrow_mut<T: 'static>(&self) -> Result<super::UserDataRefMut<'_, T>> {
        super::userdata::borrow_mut(self)
    }

    /// User value 1 (a Lua value attached to the userdata).
    pub fn user_value<V: FromLua>(&self) -> Result<V> {
        let lua = self.0.lua()?;
        let v = self.raw_userdata()?.user_value(1).unwrap_or(RawValue::Nil);
        V::from_lua(lua.wrap(v), &lua)
    }

    /// Sets user value 1.
    pub fn set_user_value<V: IntoLua>(&self, v: V) -> Result<()> {
        let lua = self.0.lua()?;
        let v = v.into_lua(&lua)?.to_raw(&lua)?;
        let u = self.raw_userdata()?;
        u.set_user_value(1, v);
        lua.inner
            .state()
            .global()
            .heap
            .barrier_forward(crate::gc::GcRef::UserData(u), v);
        Ok(())
    }

    /// The metatable.
    pub fn metatable(&self) -> Option<Table> {
        let lua = self.0.lua().ok()?;
        let mt = self.raw_userdata().ok()?.metatable()?;
        Some(Table(lua.handle(RawValue::Table(mt))))
    }
}
