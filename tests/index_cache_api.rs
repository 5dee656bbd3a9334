//! The cache of metatables' `__index` tables (src/index_cache.rs) sees
//! `__index` changed through the embedding APIs after Lua code looked
//! through it.

use crescent::raw::{Options, RawLua, Stack};
use crescent::{Lua, Table};

const SETUP: &str = "
    A = { kind = 'a' }
    B = { kind = 'b' }
    MT = { __index = A }
    obj = setmetatable({}, MT)
    function kind() return obj.kind end
";

#[test]
fn typed_api_stores_are_seen() {
    let lua = Lua::new();
    lua.load(SETUP).exec().unwrap();
    let kind = || lua.load("return kind()").eval::<Option<String>>().unwrap();
    assert_eq!(kind().as_deref(), Some("a"));
    let mt: Table = lua.globals().get("MT").unwrap();
    let a: Table = lua.globals().get("A").unwrap();
    let b: Table = lua.globals().get("B").unwrap();
    mt.set("__index", b.clone()).unwrap();
    assert_eq!(kind().as_deref(), Some("b"));
    mt.raw_set("__index", a.clone()).unwrap();
    assert_eq!(kind().as_deref(), Some("a"));
    mt.raw_set("__index", crescent::api::Value::Nil).unwrap();
    assert_eq!(kind(), None);
    mt.set("__index", b).unwrap();
    assert_eq!(kind().as_deref(), Some("b"));
}

fn kind(l: &mut Stack) -> Option<String> {
    l.load(b"return kind()", "=kind", "t").unwrap();
    l.call(0, Some(1)).unwrap();
    let k = l.to_str(-1);
    l.pop(1);
    k
}

#[test]
fn stack_api_stores_are_seen() {
    let mut lua = RawLua::new(Options::default());
    let mut l = lua.stack();
    l.do_string(SETUP).unwrap();
    assert_eq!(kind(&mut l).as_deref(), Some("a"));
    // lua_setfield
    l.get_global("MT").unwrap();
    l.get_global("B").unwrap();
    l.set_field(-2, "__index").unwrap();
    assert_eq!(kind(&mut l).as_deref(), Some("b"));
    // lua_rawset
    l.push_string("__index");
    l.get_global("A").unwrap();
    l.raw_set(-3).unwrap();
    assert_eq!(kind(&mut l).as_deref(), Some("a"));
    // lua_settable, removing it
    l.push_string("__index");
    l.push_nil();
    l.set_table(-3).unwrap();
    assert_eq!(kind(&mut l), None);
    l.pop(1);
}
