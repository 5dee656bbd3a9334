//! Unit tests of the compiler (expected outputs were produced by lua5.4 / luac5.4).

use super::*;

#[test]
fn smoke() {
    let p = compile(b"print('hi')", b"=stdin").unwrap();
    assert!(!p.code.is_empty());
}
