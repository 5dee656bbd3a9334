//! The package library (PUC's `loadlib.c`): `require`, `package.loaded`,
//! `package.preload`, `package.searchers`, `package.path`/`cpath`,
//! `package.searchpath`, `package.config` and `package.loadlib`.
//!
//! Crescent has no dynamic libraries: it behaves like PUC Lua built without
//! `dlopen`. The C searchers still look for files on `package.cpath`, so
//! "module not found" messages list the same paths, and finding one is an
//! error ("dynamic libraries not enabled; check your Lua installation").

use std::cell::Cell;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use crate::debug::Operand;
use crate::error::LuaResult;
use crate::function::NativeClosure;
use crate::gc::Gc;
use crate::state::State;
use crate::table::Table;
use crate::value::{NativeFn, Value};

/// Directory separator (`LUA_DIRSEP`).
const DIRSEP: &[u8] = b"/";
/// Separator of templates in a path (`LUA_PATH_SEP`).
const PATH_SEP: u8 = b';';
/// Where the module name goes in a template (`LUA_PATH_MARK`).
const PATH_MARK: &[u8] = b"?";
/// Default `package.path` (`LUA_PATH_DEFAULT`).
pub const PATH_DEFAULT: &str =
    "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";
/// Default `package.cpath` (`LUA_CPATH_DEFAULT`).
pub const CPATH_DEFAULT: &str =
    "/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so";
/// `package.config`: dirsep, path sep, mark, exec dir, ignore mark.
const CONFIG: &str = "/\n;\n?\n!\n-\n";
/// The message of every attempt to load a native library.
const DLMSG: &str = "dynamic libraries not enabled; check your Lua installation";

/// Opens the `package` library and `require`.
pub fn open(l: &mut State) {
    let pkg = l.register_lib(
        "package",
        &[("loadlib", loadlib), ("searchpath", searchpath)],
    );
    // Searchers, each a closure over the package table (as in PUC).
    let searchers: [NativeFn; 4] = [searcher_preload, searcher_lua, searcher_c, searcher_croot];
    let st = l.new_table(searchers.len(), 0);
    for (i, f) in searchers.iter().enumerate() {
        let c = closure_over(l, *f, pkg);
        st.set_int(i as i64 + 1, c);
    }
    l.global().heap.barrier_back(st);
    l.set_field(pkg, "searchers", Value::Table(st));
    set_path(l, pkg, "path", "LUA_PATH", PATH_DEFAULT);
    set_path(l, pkg, "cpath", "LUA_CPATH", CPATH_DEFAULT);
    let cfg = l.new_str_value(CONFIG.as_bytes());
    l.set_field(pkg, "config", cfg);
    let loaded = l.loaded_table();
    l.set_field(pkg, "loaded", Value::Table(loaded));
    let preload = registry_subtable(l, "_PRELOAD");
    l.set_field(pkg, "preload", Value::Table(preload));
    let req = closure_over(l, require, pkg);
    let g = l.global().globals;
    l.set_field(g, "require", req);
}

/// A native closure with the package table as its only upvalue.
fn closure_over(l: &mut State, f: NativeFn, pkg: Gc<Table>) -> Value {
    let c = l.global().heap.alloc(NativeClosure::new(
        f,
        vec![Cell::new(Value::Table(pkg))].into_boxed_slice(),
    ));
    Value::NativeFn(c)
}

/// `registry[name]`, created as an empty table if absent (`luaL_getsubtable`).
fn registry_subtable(l: &mut State, name: &str) -> Gc<Table> {
    let reg = l.global().registry;
    match l.get_field(reg, name) {
        Value::Table(t) => t,
        _ => {
            let t = l.new_table(0, 0);
            l.set_field(reg, name, Value::Table(t));
            t
        }
    }
}

/// Whether the host asked libraries to ignore environment variables
/// (`registry.LUA_NOENV`, set by `crescent -E`).
fn no_env(l: &mut State) -> bool {
    let reg = l.global().registry;
    !l.get_field(reg, "LUA_NOENV").is_falsy()
}

/// Sets `package[field]` from `ENV_5_4` or `ENV`, with ";;" replaced by the
/// default path (PUC's `setpath`).
fn set_path(l: &mut State, pkg: Gc<Table>, field: &str, env: &str, default: &str) {
    let var = std::env::var_os(format!("{env}_5_4")).or_else(|| std::env::var_os(env));
    let path: Vec<u8> = match var {
        Some(p) if !no_env(l) => expand_default_path(p.as_bytes(), default.as_bytes()),
        _ => default.as_bytes().to_vec(),
    };
    let v = l.new_str_value(&path);
    l.set_field(pkg, field, v);
}

/// Replaces the first ";;" of `path` by ";default;" (no ';' at an end).
fn expand_default_path(path: &[u8], default: &[u8]) -> Vec<u8> {
    let mark = match path.windows(2).position(|w| w == [PATH_SEP, PATH_SEP]) {
        Some(i) => i,
        None => return path.to_vec(),
    };
    let mut out = Vec::with_capacity(path.len() + default.len() + 2);
    if mark > 0 {
        out.extend_from_slice(&path[..mark]);
        out.push(PATH_SEP);
    }
    out.extend_from_slice(default);
    if mark + 2 < path.len() {
        out.push(PATH_SEP);
        out.extend_from_slice(&path[mark + 2..]);
    }
    out
}

/// Replaces every occurrence of `pat` in `s` by `rep` (`luaL_gsub`).
fn gsub(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    if pat.is_empty() {
        return s.to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether a file can be opened for reading.
fn readable(name: &[u8]) -> bool {
    !name.is_empty() && std::fs::File::open(OsStr::from_bytes(name)).is_ok()
}

/// PUC's `searchpath`: the first readable file among `path`'s templates with
/// `name` (its `sep` replaced by `dirsep`) in place of '?', or the
/// "no file '...'" list of every name tried.
pub fn search_path(
    name: &[u8],
    path: &[u8],
    sep: &[u8],
    dirsep: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let name = if !sep.is_empty() && name.contains(&sep[0]) {
        gsub(name, sep, dirsep)
    } else {
        name.to_vec()
    };
    let pathname = gsub(path, PATH_MARK, &name);
    if !pathname.is_empty() {
        for candidate in pathname.split(|&c| c == PATH_SEP) {
            if readable(candidate) {
                return Ok(candidate.to_vec());
            }
        }
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&gsub(&pathname, &[PATH_SEP], b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

/// A string argument's bytes (numbers converted), or the default.
fn opt_bytes(l: &mut State, n: usize, default: &[u8]) -> LuaResult<Vec<u8>> {
    Ok(match l.opt_string(n)? {
        Some(s) => s.as_bytes().to_vec(),
        None => default.to_vec(),
    })
}

/// `package.searchpath(name, path [, sep [, rep]])`.
fn searchpath(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?.as_bytes().to_vec();
    let path = l.check_string(2)?.as_bytes().to_vec();
    let sep = opt_bytes(l, 3, b".")?;
    let rep = opt_bytes(l, 4, DIRSEP)?;
    match search_path(&name, &path, &sep, &rep) {
        Ok(f) => {
            let v = l.new_str_value(&f);
            l.push(v);
            Ok(1)
        }
        Err(msg) => {
            l.push(Value::Nil);
            let v = l.new_str_value(&msg);
            l.push(v);
            Ok(2)
        }
    }
}

/// `package.loadlib(path, funcname)`: always fails, as in a PUC Lua built
/// without dynamic library support.
fn loadlib(l: &mut State) -> LuaResult<usize> {
    l.check_string(1)?;
    l.check_string(2)?;
    l.push(Value::Nil);
    let m = l.new_str_value(DLMSG.as_bytes());
    l.push(m);
    let w = l.new_str_value(b"absent");
    l.push(w);
    Ok(3)
}

/// PUC's `findfile`: searches `package[pname]` for module `name`.
fn find_file(
    l: &mut State,
    name: &[u8],
    pname: &str,
    dirsep: &[u8],
) -> LuaResult<Result<Vec<u8>, Vec<u8>>> {
    let pkg = l.native_upvalue(1);
    let key = l.new_str_value(pname.as_bytes());
    let path = match l.index_value(pkg, key, Operand::None)? {
        Value::Str(s) => s.as_bytes().to_vec(),
        v @ (Value::Int(_) | Value::Float(_)) => crate::auxlib::number_to_bytes(v),
        _ => return Err(l.error(format!("'package.{pname}' must be a string"))),
    };
    Ok(search_path(name, &path, b".", dirsep))
}

/// The error for a module file that could not be loaded (PUC's `checkload`).
fn load_error(l: &mut State, filename: &[u8], msg: &[u8]) -> crate::error::LuaError {
    let name = match l.arg(1) {
        Value::Str(s) => s.as_bytes().to_vec(),
        _ => Vec::new(),
    };
    let m = [
        b"error loading module '".as_slice(),
        &name,
        b"' from file '",
        filename,
        b"':\n\t",
        msg,
    ]
    .concat();
    l.error(m)
}

fn push_bytes(l: &mut State, b: &[u8]) {
    let v = l.new_str_value(b);
    l.push(v);
}

/// Looks `name` up in `package.preload`.
fn searcher_preload(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let preload = registry_subtable(l, "_PRELOAD");
    let v = l.index_value(Value::Table(preload), Value::Str(name), Operand::None)?;
    if v.is_nil() {
        let msg = [
            b"no field package.preload['".as_slice(),
            name.as_bytes(),
            b"']",
        ]
        .concat();
        push_bytes(l, &msg);
        Ok(1)
    } else {
        l.push(v);
        push_bytes(l, b":preload:");
        Ok(2)
    }
}

/// Looks for a Lua file on `package.path` and loads it.
fn searcher_lua(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?.as_bytes().to_vec();
    let filename = match find_file(l, &name, "path", DIRSEP)? {
        Ok(f) => f,
        Err(msg) => {
            push_bytes(l, &msg);
            return Ok(1);
        }
    };
    match crate::stdlib::base::load_file(l, Some(&filename), b"bt", None) {
        Ok(f) => {
            l.push(f);
            push_bytes(l, &filename);
            Ok(2)
        }
        Err(e) => {
            let msg = match e.value {
                Value::Str(s) => s.as_bytes().to_vec(),
                _ => Vec::new(),
            };
            Err(load_error(l, &filename, &msg))
        }
    }
}

/// Looks for a native library on `package.cpath` (finding one is an error:
/// native modules are not supported).
fn searcher_c(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?.as_bytes().to_vec();
    match find_file(l, &name, "cpath", DIRSEP)? {
        Ok(filename) => Err(load_error(l, &filename, DLMSG.as_bytes())),
        Err(msg) => {
            push_bytes(l, &msg);
            Ok(1)
        }
    }
}

/// Looks for the root of a dotted name ("a" for "a.b.c") on `package.cpath`.
fn searcher_croot(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?.as_bytes().to_vec();
    let root = match name.iter().position(|&c| c == b'.') {
        Some(p) => name[..p].to_vec(),
        None => return Ok(0),
    };
    match find_file(l, &root, "cpath", DIRSEP)? {
        Ok(filename) => Err(load_error(l, &filename, DLMSG.as_bytes())),
        Err(msg) => {
            push_bytes(l, &msg);
            Ok(1)
        }
    }
}

/// `require(name)`: returns `package.loaded[name]`, loading the module with
/// the first searcher that finds a loader; also returns the loader data.
fn require(l: &mut State) -> LuaResult<usize> {
    let name = l.check_string(1)?;
    let base = l.arg_base();
    l.set_top(base + 1);
    let loaded = Value::Table(l.loaded_table());
    l.push(loaded); // base + 1
    let v = l.index_value(loaded, Value::Str(name), Operand::None)?;
    if !v.is_falsy() {
        l.push(v);
        return Ok(1);
    }
    // Find a loader.
    let pkg = l.native_upvalue(1);
    let key = l.new_str_value(b"searchers");
    let searchers = match l.index_value(pkg, key, Operand::None)? {
        Value::Table(t) => t,
        _ => return Err(l.error("'package.searchers' must be a table")),
    };
    l.push(Value::Table(searchers)); // base + 2
    let mut msg: Vec<u8> = Vec::new();
    let mut i = 1;
    let func = loop {
        msg.extend_from_slice(b"\n\t");
        let s = searchers.get_int(i);
        if s.is_nil() {
            msg.truncate(msg.len() - 2);
            let m = [
                b"module '".as_slice(),
                name.as_bytes(),
                b"' not found:",
                &msg,
            ]
            .concat();
            return Err(l.error(m));
        }
        let func = l.top();
        l.push(s);
        l.push(Value::Str(name));
        l.call(func, 2)?;
        match l.at(func) {
            f if f.is_function() => break func,
            Value::Str(e) => msg.extend_from_slice(e.as_bytes()),
            v @ (Value::Int(_) | Value::Float(_)) => {
                msg.extend_from_slice(&crate::auxlib::number_to_bytes(v))
            }
            _ => msg.truncate(msg.len() - 2),
        }
        l.set_top(func);
        i += 1;
    };
    // stack: loader at func, data at func + 1; call loader(name, data).
    let loader = l.at(func);
    let data = l.at(func + 1);
    let call = l.top();
    l.push(loader);
    l.push(Value::Str(name));
    l.push(data);
    l.call(call, 1)?;
    let result = l.at(call);
    if !result.is_nil() {
        l.set_index_value(loaded, Value::Str(name), result, Operand::None)?;
    }
    l.set_top(call);
    let mut module = l.index_value(loaded, Value::Str(name), Operand::None)?;
    if module.is_nil() {
        module = Value::Bool(true);
        l.set_index_value(loaded, Value::Str(name), module, Operand::None)?;
    }
    l.push(module);
    l.push(data);
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_expansion() {
        assert_eq!(expand_default_path(b"a;;b", b"D"), b"a;D;b");
        assert_eq!(expand_default_path(b";;", b"D"), b"D");
        assert_eq!(expand_default_path(b";;b", b"D"), b"D;b");
        assert_eq!(expand_default_path(b"a;;", b"D"), b"a;D");
        assert_eq!(expand_default_path(b"a;b", b"D"), b"a;b");
    }

    #[test]
    fn searchpath_message() {
        let r = search_path(b"a.b", b"/nonexistent/?.lua;;x/?", b".", b"/");
        assert_eq!(
            r.unwrap_err(),
            b"no file '/nonexistent/a/b.lua'\n\tno file ''\n\tno file 'x/a/b'".to_vec()
        );
        assert_eq!(
            search_path(b"x", b"", b".", b"/").unwrap_err(),
            b"no file ''".to_vec()
        );
    }
}
