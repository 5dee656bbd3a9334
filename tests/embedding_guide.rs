//! The Crescent column of docs/EMBEDDING.md, compiled and run.

use crescent::api::Result;
use crescent::raw::{upvalue_index, Options, RawLua, Stack};
use crescent::{
    Error, Function, Lua, LuaResult, MetaMethod, UserData, UserDataFields, UserDataMethods,
};

#[test]
fn task1_call_a_lua_function() -> Result<()> {
    let lua = Lua::new();
    lua.load("function add(a, b) return a + b end").exec()?;
    let add: Function = lua.globals().get("add")?;
    let sum: i64 = add.call((40, 2))?;
    assert_eq!(sum, 42);
    Ok(())
}

#[test]
fn task2_expose_a_rust_function() -> Result<()> {
    let lua = Lua::new();
    let greet = lua.create_function(|_, name: String| Ok(format!("hello, {name}")))?;
    lua.globals().set("greet", greet)?;
    let s: String = lua.load("greet('moon')").eval()?;
    assert_eq!(s, "hello, moon");
    let e = lua.load("greet({})").set_name("=g").exec().unwrap_err();
    assert!(e
        .to_string()
        .starts_with("g:1: bad argument #1 to 'greet' (string expected, got table)"));
    Ok(())
}

struct Counter {
    n: i64,
}

impl UserData for Counter {
    fn add_fields(f: &mut UserDataFields<Self>) {
        f.add_field_method_get("n", |_, c| Ok(c.n));
    }
    fn add_methods(m: &mut UserDataMethods<Self>) {
        m.add_method_mut("incr", |_, c, by: i64| {
            c.n += by;
            Ok(c.n)
        });
        m.add_meta_method(MetaMethod::ToString, |_, c, ()| {
            Ok(format!("Counter({})", c.n))
        });
    }
}

#[test]
fn task3_userdata_with_methods() -> Result<()> {
    let lua = Lua::new();
    let c = lua.create_userdata(Counter { n: 0 })?;
    lua.globals().set("c", c)?;
    lua.load("c:incr(2); assert(c.n == 2)").exec()?;
    assert_eq!(lua.load("tostring(c)").eval::<String>()?, "Counter(2)");
    Ok(())
}

#[test]
fn task4_sandboxed_eval() -> Result<()> {
    let lua = Lua::new();
    let env = lua.create_table()?;
    env.set("x", 20)?;
    let r: i64 = lua.load("x * 2 + 2").set_environment(env.clone()).eval()?;
    assert_eq!(r, 42);
    assert!(lua.load("print(1)").set_environment(env).exec().is_err());
    let safe = Lua::with_options(Options {
        libs: crescent::raw::StdLibs::SAFE,
        ..Default::default()
    });
    assert!(safe
        .load("io == nil and os == nil and string ~= nil")
        .eval::<bool>()?);
    Ok(())
}

#[test]
fn task5_errors_with_traceback() {
    let lua = Lua::new();
    let r = lua
        .load("local t = nil\nreturn t.x")
        .set_name("=script")
        .exec();
    match r {
        Err(Error::Runtime { message, traceback }) => {
            assert_eq!(
                message,
                "script:2: attempt to index a nil value (local 't')"
            );
            let tb = traceback.unwrap_or_default();
            assert!(tb.starts_with("stack traceback:\n\tscript:2: in"), "{tb}");
        }
        other => panic!("{other:?}"),
    }
}

fn counter(l: &mut Stack) -> LuaResult<usize> {
    let n = l.to_integer(upvalue_index(1)).unwrap_or(0) + 1;
    l.push_integer(n);
    l.copy(-1, upvalue_index(1))?;
    Ok(1)
}

#[test]
fn stack_api_example() -> LuaResult<()> {
    let mut lua = RawLua::new(Options::default());
    let mut l = lua.stack();
    l.push_integer(0);
    l.push_closure(counter, 1)?;
    l.set_global("next_id")?;
    l.load(b"next_id() return next_id()", "=ids", "t")?;
    l.call(0, Some(1))?;
    assert_eq!(l.to_integer(-1), Some(2));
    Ok(())
}
