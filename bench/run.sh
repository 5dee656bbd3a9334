#!/usr/bin/env bash
# Crescent's benchmark job: builds the release binary, runs the shared benchmark
# programs against lua5.4 (and LuaJIT when installed), then the compile-speed
# benchmark on both interpreters. Timing figures, not tests: nothing here fails
# on a slow result.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
../shared/bench/run --lua target/release/crescent "$@"
echo "compile speed (50,000-line chunk):"
echo "  crescent: $(target/release/crescent bench/compile.lua)"
if command -v lua5.4 >/dev/null; then echo "  lua5.4:   $(lua5.4 bench/compile.lua)"; fi
