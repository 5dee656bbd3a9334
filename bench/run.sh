#!/usr/bin/env bash
# Crescent's benchmark job: builds the release binary, runs the shared benchmark
# programs against lua5.4 (and LuaJIT when installed), then the compile-speed
# benchmark on both interpreters. Timing figures, not tests: nothing here fails
# on a slow result. CALLGRIND=1 also prints instruction counts (bench/callgrind.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
../shared/bench/run --lua target/release/crescent "$@"
echo "compile speed (50,000-line chunk):"
echo "  crescent: $(target/release/crescent bench/compile.lua)"
if command -v lua5.4 >/dev/null; then echo "  lua5.4:   $(lua5.4 bench/compile.lua)"; fi
echo "start-up (-e ''), peak RSS:"
if [ -x /usr/bin/time ]; then
  echo "  crescent: $( { /usr/bin/time -f '%M KB, %e s' target/release/crescent -e '' ; } 2>&1 )"
  if command -v lua5.4 >/dev/null; then echo "  lua5.4:   $( { /usr/bin/time -f '%M KB, %e s' lua5.4 -e '' ; } 2>&1 )"; fi
fi
# Instruction counts (stable on a busy machine); takes a few minutes.
if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null; then bench/callgrind.sh target/release/crescent; fi
