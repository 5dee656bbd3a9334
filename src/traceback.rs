//! Placeholder: stack tracebacks (`luaL_traceback`), filled in by its implementer.
