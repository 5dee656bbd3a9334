#!/usr/bin/env bash
# Runs every Lua test script under tests/lua with the collector in stress mode
# (a collector step at every safe point, the heap verified every few steps:
# like PUC's HARDMEMTESTS), in incremental and in generational mode.
# Usage: tests/gc_stress.sh [path/to/crescent]
set -u
here="$(cd "$(dirname "$0")" && pwd)"
bin="${1:-$here/../target/release/crescent}"
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
# Scripts whose size makes a step per safe point take too long for CI.
skip="coroutines_many.lua"
fail=0
cd "$here/lua"
for mode in incremental generational; do
  for f in *.lua; do
    case " $skip " in *" $f "*) continue ;; esac
    if CRESCENT_GC_STRESS=1 CRESCENT_GC_MODE=$mode timeout 600 "$bin" "$f" >/dev/null 2>/tmp/gc_stress_err.$$; then
      echo "PASS $mode $f"
    else
      echo "FAIL $mode $f"; head -5 /tmp/gc_stress_err.$$; fail=1
    fi
  done
done
rm -f /tmp/gc_stress_err.$$
exit $fail
