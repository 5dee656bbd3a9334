//! Write barriers of the embedding APIs (found while testing allocation
//! failures): in generational mode objects that survived a collection are
//! old, and storing a young object into one without a barrier lets the next
//! young collection free it while it is still referenced.

use crescent::raw::{Options, RawLua, Stack};
use crescent::Lua;

fn run(l: &mut Stack, src: &str) {
    l.load(src.as_bytes(), "=test", "t").unwrap();
    l.call(0, None).unwrap();
}

/// Makes garbage and runs young collections, then checks the heap.
fn churn_and_verify(l: &mut Stack) {
    for _ in 0..4 {
        run(
            l,
            "local x = {} for i = 1, 2000 do x[i] = {} end collectgarbage('step')",
        );
    }
    if let Err(e) = l.state().global().heap.verify() {
        panic!("heap broken: {e}");
    }
}

/// An old table, userdata and Rust closure, kept in globals.
fn old_objects(l: &mut Stack) {
    run(l, "collectgarbage('generational') old = {}");
    l.new_userdata(0u8, 1);
    l.set_global("ud").unwrap();
    run(l, "collectgarbage() collectgarbage()");
}

#[test]
fn raw_set_i_into_an_old_table() {
    let mut lua = RawLua::new(Options::default());
    let mut l = lua.stack();
    old_objects(&mut l);
    l.get_global("old").unwrap();
    l.push_string(&"fresh string ".repeat(4));
    l.raw_set_i(-2, 1).unwrap();
    l.pop(1);
    churn_and_verify(&mut l);
    run(&mut l, "assert(old[1] == string.rep('fresh string ', 4))");
}

#[test]
fn set_metatable_of_an_old_table_and_userdata() {
    let mut lua = RawLua::new(Options::default());
    let mut l = lua.stack();
    old_objects(&mut l);
    l.get_global("old").unwrap();
    l.new_table();
    l.push_string("from the metatable");
    l.set_field(-2, "marker").unwrap();
    l.set_metatable(-2).unwrap();
    l.pop(1);
    l.get_global("ud").unwrap();
    l.new_table();
    l.push_string("userdata name");
    l.set_field(-2, "__name").unwrap();
    l.set_metatable(-2).unwrap();
    l.pop(1);
    churn_and_verify(&mut l);
    run(
        &mut l,
        "assert(getmetatable(old).marker == 'from the metatable') \
         assert(getmetatable(ud).__name == 'userdata name')",
    );
}

#[test]
fn user_value_of_an_old_userdata() {
    let mut lua = RawLua::new(Options::default());
    let mut l = lua.stack();
    old_objects(&mut l);
    l.get_global("ud").unwrap();
    l.new_table();
    l.push_string("kept by the user value");
    l.raw_set_i(-2, 1).unwrap();
    assert!(l.set_user_value(-2, 1).unwrap());
    l.pop(1);
    churn_and_verify(&mut l);
    l.get_global("ud").unwrap();
    l.get_user_value(-1, 1).unwrap();
    l.raw_get_i(-1, 1).unwrap();
    assert_eq!(l.to_str(-1).as_deref(), Some("kept by the user value"));
}

#[test]
fn typed_api_metatable_and_user_value_on_old_objects() {
    let mut lua = Lua::new();
    lua.state().enter_generational();
    let t = lua.create_table().unwrap();
    lua.globals().set("t", t.clone()).unwrap();
    lua.load("collectgarbage() collectgarbage()")
        .exec()
        .unwrap();
    let mt = lua.create_table().unwrap();
    mt.set("__index", lua.create_table().unwrap()).unwrap();
    t.set_metatable(Some(mt)).unwrap();
    drop(t);
    for _ in 0..4 {
        lua.load("local x = {} for i = 1, 2000 do x[i] = {} end collectgarbage('step')")
            .exec()
            .unwrap();
    }
    if let Err(e) = lua.state().global().heap.verify() {
        panic!("heap broken: {e}");
    }
    lua.load("assert(type(getmetatable(t).__index) == 'table')")
        .exec()
        .unwrap();
}
