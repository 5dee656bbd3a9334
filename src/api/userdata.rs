//! Rust types as Lua userdata: methods, fields and metamethods, with the
//! payload's borrows checked at run time.

use std::any::TypeId;
use std::cell::{Ref, RefMut};
use std::collections::HashMap;
use std::marker::PhantomData;

use super::{
    AnyUserData, Error, FromLuaMulti, IntoLua, IntoLuaMulti, Lua, MultiValue, Result, Table, Value,
};
use crate::value::Value as RawValue;

type Method = Box<dyn Fn(&Lua, MultiValue) -> Result<MultiValue> + Send>;

/// A Rust type usable as a Lua userdata ([`Lua::create_userdata`]).
///
/// Its methods are called with the colon syntax (`obj:name(...)`) and borrow
/// the payload: `&T` for [`UserDataMethods::add_method`], `&mut T` for
/// [`UserDataMethods::add_method_mut`]. A conflicting borrow (a `&mut`
/// method re-entered while the payload is borrowed) is a Lua error. The
/// payload is dropped when the userdata is collected, after its `__gc`.
pub trait UserData: Sized + Send + 'static {
    /// Registers fields (`obj.name`, `obj.name = v`).
    fn add_fields(fields: &mut UserDataFields<Self>) {
        let _ = fields;
    }

    /// Registers methods and metamethods.
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        let _ = methods;
    }
}

/// Metamethod names, for [`UserDataMethods::add_meta_method`] (any string
/// works too).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetaMethod {
    /// `__add` (`+`).
    Add,
    /// `__sub` (`-`).
    Sub,
    /// `__mul` (`*`).
    Mul,
    /// `__div` (`/`).
    Div,
    /// `__mod` (`%`).
    Mod,
    /// `__pow` (`^`).
    Pow,
    /// `__unm` (unary `-`).
    Unm,
    /// `__idiv` (`//`).
    IDiv,
    /// `__concat` (`..`).
    Concat,
    /// `__len` (`#`).
    Len,
    /// `__eq` (`==`).
    Eq,
    /// `__lt` (`<`).
    Lt,
    /// `__le` (`<=`).
    Le,
    /// `__index` (reading a missing field; methods and fields come first).
    Index,
    /// `__newindex` (writing a field that has no setter).
    NewIndex,
    /// `__call` (calling the object).
    Call,
    /// `__tostring` (`tostring`, `print`).
    ToString,
    /// `__close` (a to-be-closed variable going out of scope).
    Close,
    /// `__gc` (finalizer; the payload is still alive while it runs).
    Gc,
}

impl MetaMethod {
    /// The metatable key ("__add", ...).
    pub fn name(self) -> &'static str {
        match self {
            MetaMethod::Add => "__add",
            MetaMethod::Sub => "__sub",
            MetaMethod::Mul => "__mul",
            MetaMethod::Div => "__div",
            MetaMethod::Mod => "__mod",
            MetaMethod::Pow => "__pow",
            MetaMethod::Unm => "__unm",
            MetaMethod::IDiv => "__idiv",
            MetaMethod::Concat => "__concat",
            MetaMethod::Len => "__len",
            MetaMethod::Eq => "__eq",
            MetaMethod::Lt => "__lt",
            MetaMethod::Le => "__le",
            MetaMethod::Index => "__index",
            MetaMethod::NewIndex => "__newindex",
            MetaMethod::Call => "__call",
            MetaMethod::ToString => "__tostring",
            MetaMethod::Close => "__close",
            MetaMethod::Gc => "__gc",
        }
    }
}

impl AsRef<str> for MetaMethod {
    fn as_ref(&self) -> &str {
        self.name()
    }
}

/// The methods and metamethods of a userdata type being registered.
pub struct UserDataMethods<T> {
    methods: Vec<(String, Method)>,
    meta: Vec<(String, Method)>,
    _type: PhantomData<fn(T)>,
}

/// The fields of a userdata type being registered.
pub struct UserDataFields<T> {
    getters: Vec<(String, Method)>,
    setters: Vec<(String, Method)>,
    _type: PhantomData<fn(T)>,
}

/// The userdata argument at the front of `args`.
fn this(args: &mut MultiValue) -> Result<AnyUserData> {
    let v = if args.is_empty() {
        Value::Nil
    } else {
        args.remove(0)
    };
    match v {
        Value::UserData(u) => Ok(u),
        v => Err(Error::BadArgument {
            pos: 1,
            cause: Box::new(Error::FromLua {
                from: v.type_name(),
                to: "userdata",
                message: None,
            }),
        }),
    }
}

fn method_ref<T, A, R, F>(f: F) -> Method
where
    T: 'static,
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, &T, A) -> Result<R> + Send + 'static,
{
    Box::new(move |lua, mut args| {
        let ud = this(&mut args)?;
        let payload = ud.borrow::<T>()?;
        let a = A::from_lua_multi_at(args, lua, 2)?;
        f(lua, &payload, a)?.into_lua_multi(lua)
    })
}

fn method_mut<T, A, R, F>(f: F) -> Method
where
    T: 'static,
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, &mut T, A) -> Result<R> + Send + 'static,
{
    Box::new(move |lua, mut args| {
        let ud = this(&mut args)?;
        let mut payload = ud.borrow_mut::<T>()?;
        let a = A::from_lua_multi_at(args, lua, 2)?;
        f(lua, &mut payload, a)?.into_lua_multi(lua)
    })
}

fn function<A, R, F>(f: F) -> Method
where
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, A) -> Result<R> + Send + 'static,
{
    Box::new(move |lua, args| f(lua, A::from_lua_multi_at(args, lua, 1)?)?.into_lua_multi(lua))
}

impl<T: 'static> UserDataMethods<T> {
    /// A method borrowing the payload: `obj:name(args)`.
    pub fn add_method<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + Send + 'static,
    {
        self.methods
            .push((name.as_ref().to_string(), method_ref(f)));
    }

    /// A method borrowing the payload mutably.
    pub fn add_method_mut<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + Send + 'static,
    {
        self.methods
            .push((name.as_ref().to_string(), method_mut(f)));
    }

    /// A function stored among the methods (`Type.name(args)` style: the
    /// object, if passed, is an ordinary argument).
    pub fn add_function<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + Send + 'static,
    {
        self.methods.push((name.as_ref().to_string(), function(f)));
    }

    /// A metamethod borrowing the payload of its first operand.
    pub fn add_meta_method<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &T, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((name.as_ref().to_string(), method_ref(f)));
    }

    /// A metamethod borrowing the payload of its first operand mutably.
    pub fn add_meta_method_mut<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, &mut T, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((name.as_ref().to_string(), method_mut(f)));
    }

    /// A metamethod taking all operands as arguments (for binary operators
    /// whose userdata may be either operand).
    pub fn add_meta_function<A, R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((name.as_ref().to_string(), function(f)));
    }
}

impl<T: 'static> UserDataFields<T> {
    /// A readable field: `obj.name`.
    pub fn add_field_method_get<R, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        R: IntoLua,
        F: Fn(&Lua, &T) -> Result<R> + Send + 'static,
    {
        self.getters.push((
            name.as_ref().to_string(),
            method_ref(move |lua, this: &T, ()| f(lua, this)),
        ));
    }

    /// A writable field: `obj.name = v`.
    pub fn add_field_method_set<V, F>(&mut self, name: impl AsRef<str>, f: F)
    where
        V: super::FromLua,
        F: Fn(&Lua, &mut T, V) -> Result<()> + Send + 'static,
    {
        self.setters.push((
            name.as_ref().to_string(),
            method_mut(move |lua, this: &mut T, v: V| f(lua, this, v)),
        ));
    }
}

/// A borrow of a userdata's payload ([`AnyUserData::borrow`]). It keeps the
/// state open until it ends.
pub struct UserDataRef<'a, T> {
    payload: Ref<'a, T>,
    _lua: Lua,
}

impl<T> std::ops::Deref for UserDataRef<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.payload
    }
}

/// A mutable borrow of a userdata's payload ([`AnyUserData::borrow_mut`]).
pub struct UserDataRefMut<'a, T> {
    payload: RefMut<'a, T>,
    _lua: Lua,
}

impl<T> std::ops::Deref for UserDataRefMut<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.payload
    }
}

impl<T> std::ops::DerefMut for UserDataRefMut<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.payload
    }
}

pub(crate) fn borrow<T: 'static>(ud: &AnyUserData) -> Result<UserDataRef<'_, T>> {
    let lua = ud.0.lua()?;
    let u = match &ud.0.value {
        RawValue::UserData(u) => u,
        _ => return Err(Error::StateClosed),
    };
    let r = u.payload().ok_or(Error::Borrow {
        type_name: std::any::type_name::<T>(),
        message: "already mutably borrowed",
    })?;
    let payload =
        Ref::filter_map(r, |b| b.downcast_ref::<T>()).map_err(|_| Error::UserDataType {
            expected: std::any::type_name::<T>(),
        })?;
    Ok(UserDataRef { payload, _lua: lua })
}

pub(crate) fn borrow_mut<T: 'static>(ud: &AnyUserData) -> Result<UserDataRefMut<'_, T>> {
    let lua = ud.0.lua()?;
    let u = match &ud.0.value {
        RawValue::UserData(u) => u,
        _ => return Err(Error::StateClosed),
    };
    let r = u.payload_mut().ok_or(Error::Borrow {
        type_name: std::any::type_name::<T>(),
        message: "already borrowed",
    })?;
    let payload =
        RefMut::filter_map(r, |b| b.downcast_mut::<T>()).map_err(|_| Error::UserDataType {
            expected: std::any::type_name::<T>(),
        })?;
    Ok(UserDataRefMut { payload, _lua: lua })
}

/// The last segment of a type's path ("Point" for "app::geo::Point").
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

impl Lua {
    /// A new userdata holding `data`, with the methods, fields and
    /// metamethods of `T` (one metatable per type, made on first use).
    pub fn create_userdata<T: UserData>(&self, data: T) -> Result<AnyUserData> {
        let mt = self.userdata_metatable::<T>()?;
        let mt_raw = match mt.0.raw_for(self)? {
            RawValue::Table(t) => t,
            _ => return Err(Error::StateClosed),
        };
        let l = self.inner.state();
        let ud = crate::userdata::UserData::new(Box::new(data), 1);
        ud.set_metatable(Some(mt_raw));
        let u = l.global().heap.alloc(ud);
        let v = RawValue::UserData(u);
        let h = self.handle(v);
        self.inner.state().check_finalizer(v, Some(mt_raw));
        Ok(AnyUserData(h))
    }

    /// The metatable of userdata type `T`, built on first use.
    fn userdata_metatable<T: UserData>(&self) -> Result<Table> {
        let id = TypeId::of::<T>();
        if let Some(&slot) = self.inner.userdata_metatables.borrow().get(&id) {
            let v = self.inner.refs.get_int(slot);
            return Ok(Table(self.handle(v)));
        }
        let mut methods = UserDataMethods::<T> {
            methods: Vec::new(),
            meta: Vec::new(),
            _type: PhantomData,
        };
        T::add_methods(&mut methods);
        let mut fields = UserDataFields::<T> {
            getters: Vec::new(),
            setters: Vec::new(),
            _type: PhantomData,
        };
        T::add_fields(&mut fields);

        let mt = self.create_table()?;
        mt.raw_set("__name", short_type_name::<T>())?;
        let method_table = self.create_table()?;
        for (name, m) in methods.methods {
            method_table.raw_set(name, self.create_function_raw(m)?)?;
        }
        let mut user_index = None;
        let mut user_newindex = None;
        for (name, m) in methods.meta {
            match name.as_str() {
                "__index" => user_index = Some(m),
                "__newindex" => user_newindex = Some(m),
                _ => mt.raw_set(name, self.create_function_raw(m)?)?,
            }
        }
        let getters: HashMap<String, Method> = fields.getters.into_iter().collect();
        if getters.is_empty() && user_index.is_none() {
            mt.raw_set("__index", method_table)?;
        } else {
            let index = move |lua: &Lua, args: MultiValue| -> Result<MultiValue> {
                let key = args.get(1).cloned().unwrap_or_default();
                if let Value::String(k) = &key {
                    let found: Value = method_table.raw_get(k)?;
                    if !found.is_nil() {
                        return found.into_lua_multi(lua);
                    }
                    if let Some(g) = getters.get(&k.to_string_lossy()?) {
                        return g(lua, args);
                    }
                }
                match &user_index {
                    Some(f) => f(lua, args),
                    None => Ok(MultiValue::new()),
                }
            };
            mt.raw_set("__index", self.create_function_raw(index)?)?;
        }
        let setters: HashMap<String, Method> = fields.setters.into_iter().collect();
        if !setters.is_empty() || user_newindex.is_some() {
            let newindex = move |lua: &Lua, mut args: MultiValue| -> Result<MultiValue> {
                let key = args.get(1).cloned().unwrap_or_default();
                let name = match &key {
                    Value::String(k) => Some(k.to_string_lossy()?),
                    _ => None,
                };
                if let Some(s) = name.as_ref().and_then(|n| setters.get(n)) {
                    // The setter takes (self, value).
                    args.remove(1);
                    return s(lua, args);
                }
                match &user_newindex {
                    Some(f) => f(lua, args),
                    None => Err(Error::runtime(format!(
                        "no writable field '{}' in {}",
                        name.unwrap_or_else(|| key.type_name().to_string()),
                        short_type_name::<T>()
                    ))),
                }
            };
            mt.raw_set("__newindex", self.create_function_raw(newindex)?)?;
        }
        let slot = self.inner.root(mt.0.raw_for(self)?);
        self.inner.userdata_metatables.borrow_mut().insert(id, slot);
        Ok(mt)
    }
}
