//! Placeholder: filled in by the library's implementer.

use crate::state::State;

pub fn open(_l: &mut State) {}
