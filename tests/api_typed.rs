//! The typed API: handles, conversions, Rust functions, userdata, errors.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use crescent::api::{Error, ThreadStatus, Value};
use crescent::{
    AnyUserData, Function, Lua, MetaMethod, MultiValue, Table, UserData, UserDataFields,
    UserDataMethods, Variadic,
};

#[test]
fn eval_and_conversions() {
    let lua = Lua::new();
    assert_eq!(lua.load("1 + 2").eval::<i64>().unwrap(), 3);
    assert_eq!(lua.load("1.5").eval::<f64>().unwrap(), 1.5);
    assert_eq!(lua.load("'hé'").eval::<String>().unwrap(), "hé");
    assert_eq!(lua.load("10").eval::<String>().unwrap(), "10");
    assert!(lua.load("nil").eval::<bool>().map(|b| !b).unwrap());
    assert_eq!(lua.load("nil").eval::<Option<i64>>().unwrap(), None);
    assert_eq!(lua.load("7").eval::<Option<u8>>().unwrap(), Some(7));
    assert_eq!(
        lua.load("1, 'a', true")
            .eval::<(i64, String, bool)>()
            .unwrap(),
        (1, "a".into(), true)
    );
    assert_eq!(
        lua.load("{1, 2, 3}").eval::<Vec<i32>>().unwrap(),
        vec![1, 2, 3]
    );
    let m: HashMap<String, i64> = lua.load("{a = 1, b = 2}").eval().unwrap();
    assert_eq!(m["a"] + m["b"], 3);
    let Variadic(v) = lua.load("1, 2, 3").eval::<Variadic<i64>>().unwrap();
    assert_eq!(v, [1, 2, 3]);
    let mv = lua.load("1, nil, 'x'").eval::<MultiValue>().unwrap();
    assert_eq!(mv.len(), 3);
    assert!(matches!(mv[1], Value::Nil));
    // Statements, not an expression.
    assert_eq!(
        lua.load("local x = 2; return x * 21")
            .eval::<i64>()
            .unwrap(),
        42
    );
    lua.load("y = 5").exec().unwrap();
    assert_eq!(lua.globals().get::<_, i64>("y").unwrap(), 5);
    // Conversion failures.
    assert!(matches!(
        lua.load("'x'").eval::<i64>(),
        Err(Error::BadArgument { .. })
    ));
    assert!(lua
        .load("1.5")
        .eval::<i64>()
        .unwrap_err()
        .to_string()
        .contains("no integer representation"));
    assert!(lua.load("300").eval::<u8>().is_err());
    assert!(lua.load("{}").eval::<String>().is_err());
    // Rust values into Lua.
    let g = lua.globals();
    g.set("v", vec!["a", "b"]).unwrap();
    g.set("h", HashMap::from([("k", 1.5)])).unwrap();
    g.set("bytes", &b"\x00\xff"[..]).unwrap();
    g.set("none", None::<i64>).unwrap();
    assert!(lua
        .load("#v == 2 and v[2] == 'b' and h.k == 1.5 and #bytes == 2 and none == nil")
        .eval::<bool>()
        .unwrap());
    let s = lua.create_string("abc").unwrap();
    assert_eq!(s.to_str().unwrap(), "abc");
    assert_eq!(
        lua.load("'\\xff'")
            .eval::<crescent::LuaString>()
            .unwrap()
            .as_bytes_vec()
            .unwrap(),
        [0xff]
    );
    assert!(lua.load("'\\xff'").eval::<String>().is_err());
}

#[test]
fn tables() {
    let lua = Lua::new();
    let t = lua.create_table().unwrap();
    t.set("a", 1).unwrap();
    t.set(1, "one").unwrap();
    t.push("two").unwrap();
    assert_eq!(t.get::<_, i64>("a").unwrap(), 1);
    assert_eq!(t.raw_len(), 2);
    assert_eq!(t.len().unwrap(), 2);
    assert!(t.contains_key("a").unwrap() && !t.contains_key("zz").unwrap());
    let seq: Vec<String> = t.sequence_values().collect::<Result<_, _>>().unwrap();
    assert_eq!(seq, ["one", "two"]);
    let n = t.pairs::<Value, Value>().count();
    assert_eq!(n, 3);
    assert!(t.raw_set(Value::Nil, 1).is_err());
    // Metatables: get/set go through them, raw access does not.
    let mt = lua
        .load("{__index = function(_, k) return k .. '?' end, __len = function() return 99 end}")
        .eval::<Table>()
        .unwrap();
    t.set_metatable(Some(mt)).unwrap();
    assert_eq!(t.get::<_, String>("q").unwrap(), "q?");
    assert_eq!(t.raw_get::<_, Option<String>>("q").unwrap(), None);
    assert_eq!(t.len().unwrap(), 99);
    assert!(t.metatable().is_some());
    t.set_metatable(None).unwrap();
    assert!(t.metatable().is_none());
    let e = lua.create_table_from([("x", 1), ("y", 2)]).unwrap();
    assert_eq!(e.get::<_, i64>("y").unwrap(), 2);
    assert!(lua.create_table().unwrap().is_empty());
    // Errors from metamethods.
    let bad = lua
        .load("setmetatable({}, {__index = function() error('nope') end})")
        .eval::<Table>()
        .unwrap();
    assert!(bad
        .get::<_, Value>("x")
        .unwrap_err()
        .to_string()
        .contains("nope"));
}

#[test]
fn rust_functions() {
    let lua = Lua::new();
    let add = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a + b))
        .unwrap();
    lua.globals().set("add", add.clone()).unwrap();
    assert_eq!(add.call::<_, i64>((2, 3)).unwrap(), 5);
    assert_eq!(lua.load("add(20, 22)").eval::<i64>().unwrap(), 42);
    // Bad arguments: PUC's message.
    let e = lua.load("add(1, {})").exec().unwrap_err();
    assert!(
        e.to_string().starts_with(
            "[string \"add(1, {})\"]:1: bad argument #2 to 'add' (number expected, got table)"
        ),
        "{e}"
    );
    // Multiple results, variadic arguments.
    let f = lua
        .create_function(|_, Variadic(xs): Variadic<f64>| Ok((xs.len(), xs.iter().sum::<f64>())))
        .unwrap();
    assert_eq!(f.call::<_, (usize, f64)>((1, 2.5, 3)).unwrap(), (3, 6.5));
    // Errors from Rust reach Lua as messages.
    let fail = lua
        .create_function(|_, ()| -> Result<(), Error> { Err(Error::runtime("rust says no")) })
        .unwrap();
    lua.globals().set("fail", fail).unwrap();
    assert!(lua
        .load("select(2, pcall(fail)) == 'rust says no'")
        .eval::<bool>()
        .unwrap());
    // A Rust function calling back into Lua.
    let apply = lua
        .create_function(|_, (f, x): (Function, i64)| f.call::<_, i64>(x))
        .unwrap();
    lua.globals().set("apply", apply).unwrap();
    assert_eq!(
        lua.load("apply(function(n) return n * 3 end, 5)")
            .eval::<i64>()
            .unwrap(),
        15
    );
    // FnMut state.
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    let mut calls = 0;
    let tick = lua
        .create_function_mut(move |_, ()| {
            calls += 1;
            c.store(calls, Ordering::SeqCst);
            Ok(calls)
        })
        .unwrap();
    tick.call::<_, ()>(()).unwrap();
    tick.call::<_, ()>(()).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // Rust functions inside a coroutine.
    lua.globals()
        .set(
            "double",
            lua.create_function(|_, x: i64| Ok(x * 2)).unwrap(),
        )
        .unwrap();
    assert_eq!(
        lua.load("coroutine.wrap(function(x) return double(coroutine.yield(x)) end)")
            .eval::<Function>()
            .unwrap()
            .call::<_, i64>(1)
            .unwrap(),
        1
    );
}

#[test]
fn errors_carry_message_and_traceback() {
    let lua = Lua::new();
    let f: Function = lua
        .load("local function inner() error('deep') end\nreturn function() inner() end")
        .set_name("=script")
        .eval()
        .unwrap();
    match f.call::<_, ()>(()).unwrap_err() {
        Error::Runtime { message, traceback } => {
            assert_eq!(message, "script:1: deep");
            let tb = traceback.unwrap();
            assert!(tb.starts_with("stack traceback:"), "{tb}");
            assert!(tb.contains("script:1: in"), "{tb}");
        }
        e => panic!("unexpected {e:?}"),
    }
    let e = lua.load("x = = 1").set_name("=bad").exec().unwrap_err();
    assert!(
        matches!(&e, Error::Syntax { message } if message.starts_with("bad:1:")),
        "{e:?}"
    );
    // Non-string error values.
    let e = lua.load("error({})").exec().unwrap_err();
    assert!(e.to_string().contains("error object is a table value"));
    assert!(e.traceback().is_some());
}

#[test]
fn sandboxed_eval_with_environment() {
    let lua = Lua::new();
    let env = lua.create_table().unwrap();
    env.set("x", 20).unwrap();
    let r: i64 = lua
        .load("x * 2 + 2")
        .set_environment(env.clone())
        .eval()
        .unwrap();
    assert_eq!(r, 42);
    lua.load("y = 1")
        .set_environment(env.clone())
        .exec()
        .unwrap();
    assert_eq!(env.get::<_, i64>("y").unwrap(), 1);
    assert!(lua.globals().get::<_, Option<i64>>("y").unwrap().is_none());
    let e = lua
        .load("print('hi')")
        .set_environment(env)
        .exec()
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("attempt to call a nil value (global 'print')"),
        "{e}"
    );
    assert!(lua.load("\x1bLua").text_only().exec().is_err());
}

#[derive(Debug)]
struct Vec2 {
    x: f64,
    y: f64,
}

impl UserData for Vec2 {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        fields.add_field_method_get("x", |_, v| Ok(v.x));
        fields.add_field_method_set("x", |_, v, x: f64| {
            v.x = x;
            Ok(())
        });
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("length", |_, v, ()| Ok((v.x * v.x + v.y * v.y).sqrt()));
        methods.add_method_mut("scale", |_, v, k: f64| {
            v.x *= k;
            v.y *= k;
            Ok(())
        });
        // Calls a Lua function while the payload is mutably borrowed.
        methods.add_method_mut("with", |_, _, f: Function| f.call::<_, ()>(()));
        methods.add_function("new", |lua, (x, y): (f64, f64)| {
            lua.create_userdata(Vec2 { x, y })
        });
        methods.add_meta_function(
            MetaMethod::Add,
            |lua, (a, b): (AnyUserData, AnyUserData)| {
                let (a, b) = (a.borrow::<Vec2>()?, b.borrow::<Vec2>()?);
                lua.create_userdata(Vec2 {
                    x: a.x + b.x,
                    y: a.y + b.y,
                })
            },
        );
        methods.add_meta_method(MetaMethod::ToString, |_, v, ()| {
            Ok(format!("({}, {})", v.x, v.y))
        });
        methods.add_meta_method(MetaMethod::Index, |_, _, key: String| {
            Ok(format!("no {key}"))
        });
    }
}

#[test]
fn userdata_methods_fields_metamethods() {
    let lua = Lua::new();
    let v = lua.create_userdata(Vec2 { x: 3.0, y: 4.0 }).unwrap();
    lua.globals().set("v", v.clone()).unwrap();
    assert_eq!(lua.load("v:length()").eval::<f64>().unwrap(), 5.0);
    lua.load("v:scale(2)").exec().unwrap();
    assert_eq!(v.borrow::<Vec2>().unwrap().y, 8.0);
    assert_eq!(lua.load("v.x").eval::<f64>().unwrap(), 6.0);
    lua.load("v.x = 1").exec().unwrap();
    assert_eq!(v.borrow::<Vec2>().unwrap().x, 1.0);
    assert_eq!(
        lua.load("tostring(v + v)").eval::<String>().unwrap(),
        "(2, 16)"
    );
    assert_eq!(
        lua.load("v.missing").eval::<String>().unwrap(),
        "no missing"
    );
    assert_eq!(
        lua.load("tostring(v.new(1, 2))").eval::<String>().unwrap(),
        "(1, 2)"
    );
    assert!(lua
        .load("v.y = 3")
        .exec()
        .unwrap_err()
        .to_string()
        .contains("no writable field 'y' in Vec2"));
    assert!(lua
        .load("v.length({})")
        .exec()
        .unwrap_err()
        .to_string()
        .contains("bad argument #1"));
    assert!(v.is::<Vec2>() && !v.is::<String>());
    assert!(matches!(
        v.borrow::<String>(),
        Err(Error::UserDataType { .. })
    ));
    assert!(lua
        .load("type(v) == 'userdata' and getmetatable(v).__name == 'Vec2'")
        .eval::<bool>()
        .unwrap());
    v.set_user_value("attached").unwrap();
    assert_eq!(v.user_value::<String>().unwrap(), "attached");
    assert!(v.metatable().is_some());
}

#[test]
fn conflicting_borrows_are_errors() {
    let lua = Lua::new();
    let v = lua.create_userdata(Vec2 { x: 1.0, y: 1.0 }).unwrap();
    {
        let _mut = v.borrow_mut::<Vec2>().unwrap();
        match v.borrow::<Vec2>() {
            Err(Error::Borrow { message, .. }) => assert_eq!(message, "already mutably borrowed"),
            other => panic!("{other:?}", other = other.map(|_| ())),
        }
        assert!(v.borrow_mut::<Vec2>().is_err());
    }
    {
        let _shared = v.borrow::<Vec2>().unwrap();
        let _again = v.borrow::<Vec2>().unwrap();
        assert!(matches!(v.borrow_mut::<Vec2>(), Err(Error::Borrow { .. })));
    }
    // From Lua: a &mut method re-entered through a callback.
    lua.globals().set("v", v).unwrap();
    let e = lua
        .load("v:with(function() v:scale(2) end)")
        .exec()
        .unwrap_err();
    assert!(e.to_string().contains("already borrowed"), "{e}");
    let ok = lua
        .load("select(2, pcall(v.with, v, function() return v:length() end))")
        .eval::<Value>()
        .unwrap();
    assert!(
        matches!(ok, Value::String(s) if s.to_str().unwrap().contains("already mutably borrowed"))
    );
}

static DROPS: AtomicUsize = AtomicUsize::new(0);

struct Resource {
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for Resource {
    fn drop(&mut self) {
        DROPS.fetch_add(1, Ordering::SeqCst);
        self.log.lock().unwrap().push("drop".into());
    }
}

impl UserData for Resource {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_meta_method(MetaMethod::Gc, |_, r, ()| {
            r.log.lock().unwrap().push("gc".into());
            Ok(())
        });
        methods.add_meta_method(MetaMethod::Close, |_, r, _err: Value| {
            r.log.lock().unwrap().push("close".into());
            Ok(())
        });
    }
}

#[test]
fn userdata_destructor_runs_once_after_gc() {
    DROPS.store(0, Ordering::SeqCst);
    let log = Arc::new(Mutex::new(Vec::new()));
    {
        let lua = Lua::new();
        let r = lua.create_userdata(Resource { log: log.clone() }).unwrap();
        lua.globals().set("r", r).unwrap();
        lua.load("do local x <close> = r end r = nil")
            .exec()
            .unwrap();
        lua.gc_collect();
        lua.gc_collect();
        assert_eq!(DROPS.load(Ordering::SeqCst), 1);
        // One more, alive until the state closes.
        let keep = lua.create_userdata(Resource { log: log.clone() }).unwrap();
        lua.globals().set("keep", keep).unwrap();
    }
    assert_eq!(DROPS.load(Ordering::SeqCst), 2);
    assert_eq!(*log.lock().unwrap(), ["close", "gc", "drop", "gc", "drop"]);
}

#[test]
fn handles_keep_objects_alive_and_release_on_drop() {
    let lua = Lua::new();
    let t = lua.load("{answer = 42}").eval::<Table>().unwrap();
    for _ in 0..3 {
        lua.load("local junk = {} for i = 1, 1000 do junk[i] = {} end")
            .exec()
            .unwrap();
        lua.gc_collect();
    }
    assert_eq!(t.get::<_, i64>("answer").unwrap(), 42);
    let before = lua.used_memory();
    let many: Vec<Table> = (0..1000).map(|_| lua.create_table().unwrap()).collect();
    drop(many);
    lua.gc_collect();
    assert!(
        lua.used_memory() <= before + 64 * 1024,
        "{} {}",
        lua.used_memory(),
        before
    );
}

#[test]
fn handles_of_another_or_closed_state_are_errors() {
    let a = Lua::new();
    let b = Lua::new();
    let t = a.create_table().unwrap();
    assert!(matches!(
        b.globals().set("t", t.clone()),
        Err(Error::StateMismatch)
    ));
    let f = b.create_function(|_, ()| Ok(())).unwrap();
    assert!(matches!(
        a.globals().set("f", &f),
        Err(Error::StateMismatch)
    ));
    assert!(matches!(
        f.call::<_, ()>(t.clone()),
        Err(Error::StateMismatch)
    ));
    assert!(matches!(
        b.load("1").set_environment(t.clone()).exec(),
        Err(Error::StateMismatch)
    ));
    drop(a);
    assert!(matches!(t.get::<_, Value>(1), Err(Error::StateClosed)));
    assert!(matches!(t.set(1, 2), Err(Error::StateClosed)));
    let t2 = t.clone();
    assert!(matches!(t2.raw_get::<_, Value>(1), Err(Error::StateClosed)));
}

#[test]
fn threads() {
    let lua = Lua::new();
    let body: Function = lua
        .load("function(a) local b = coroutine.yield(a * 2) return a + b end")
        .eval()
        .unwrap();
    let co = lua.create_thread(body).unwrap();
    assert_eq!(co.status(), ThreadStatus::Resumable);
    assert_eq!(co.resume::<_, i64>(5).unwrap(), 10);
    assert_eq!(co.resume::<_, i64>(1).unwrap(), 6);
    assert_eq!(co.status(), ThreadStatus::Finished);
    assert!(matches!(
        co.resume::<_, ()>(()),
        Err(Error::CoroutineUnresumable { .. })
    ));
    let bad = lua
        .create_thread(lua.load("error('in co')").into_function().unwrap())
        .unwrap();
    let e = bad.resume::<_, ()>(()).unwrap_err();
    assert!(e.to_string().contains("in co"));
    assert_eq!(bad.status(), ThreadStatus::Error);
    let from_lua = lua
        .load("coroutine.create(function() coroutine.yield(1) end)")
        .eval::<crescent::Thread>()
        .unwrap();
    assert_eq!(from_lua.resume::<_, i64>(()).unwrap(), 1);
}

#[test]
fn registry_raw_access_and_compat_eval() {
    let mut lua = Lua::new();
    lua.set_named_registry_value("cfg", 7).unwrap();
    assert_eq!(lua.named_registry_value::<i64>("cfg").unwrap(), 7);
    let n = lua.with_raw(|l| {
        l.push_integer(5);
        let n = l.to_integer(-1);
        l.pop(1);
        n
    });
    assert_eq!(n, Some(5));
    assert_eq!(lua.eval("return 1, 'x'").unwrap(), "1\tx");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    lua.set_warn_handler(Some(Box::new(move |m| s.lock().unwrap().push(m.to_vec()))));
    lua.load("warn('hey')").exec().unwrap();
    assert_eq!(seen.lock().unwrap()[0], b"hey");
    let bare = Lua::new_bare();
    assert!(bare
        .globals()
        .get::<_, Option<Function>>("print")
        .unwrap()
        .is_none());
}
