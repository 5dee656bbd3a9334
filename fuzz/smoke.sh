#!/usr/bin/env bash
# Fuzz smoke test: builds the cargo-fuzz targets and runs each one briefly.
# Exits non-zero when a target crashes (a Rust panic, an abort or an
# AddressSanitizer report); the input that crashed is left in
# fuzz/artifacts/<target>/crash-*.
#
#   fuzz/smoke.sh                 # every target, SMOKE_SECONDS (default 30) each
#   fuzz/smoke.sh run_source      # only the named targets
#
# Environment:
#   SMOKE_SECONDS   seconds of fuzzing per target (default 30; 7 targets fit
#                   in 5 minutes with the build cached)
#   SMOKE_STRICT=1  also fail on timeouts and out-of-memory reports (by default
#                   they are printed as warnings: a script can still build huge
#                   strings by repeated concatenation, and pattern matching can
#                   backtrack for a long time inside one native call)
#   LUA_TESTS       the official Lua 5.4 test files used as extra seeds
#                   (default ../shared/lua-5.4-tests beside the repository;
#                   skipped when absent). corpus.sh cuts them into pieces in
#                   fuzz/corpus/, which is git-ignored: never commit them.
#   KEEP_CORPUS=1   keep fuzz/corpus/ from earlier runs (see corpus.sh)
#   CARGO_TARGET_DIR  as usual (default fuzz/target)
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a C++ compiler. libFuzzer
# needs nightly features; on a stable toolchain this script sets
# RUSTC_BOOTSTRAP=1.
set -euo pipefail

FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$FUZZ_DIR")
cd "$FUZZ_DIR"

SECONDS_EACH=${SMOKE_SECONDS:-30}
LUA_TESTS=${LUA_TESTS:-$REPO/../shared/lua-5.4-tests}
ALL_TARGETS=(compile load_binary load_binary_mutate run_source string_lib run_generated decoders)
if [ $# -gt 0 ]; then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$FUZZ_DIR/target}
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN=$CARGO_TARGET_DIR/$TRIPLE/release

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "smoke.sh: cargo-fuzz is missing; install it with: cargo install cargo-fuzz" >&2
  exit 2
fi

echo "== building fuzz targets (release, debug assertions and overflow checks on)"
cargo fuzz build

# ---- corpora (see corpus.sh) ----------------------------------------------
LUA_TESTS=$LUA_TESTS ./corpus.sh "$BIN"

# ---- runs -----------------------------------------------------------------
failed=()
warned=()
for t in "${TARGETS[@]}"; do
  echo "== fuzzing $t for ${SECONDS_EACH}s"
  log="artifacts/$t/smoke.log"
  status=0
  "$BIN/$t" "corpus/$t" \
    -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -detect_leaks=0 \
    -artifact_prefix="artifacts/$t/" -print_final_stats=1 >"$log" 2>&1 || status=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" || true
  if [ "$status" -eq 0 ]; then
    echo "   ok"
    continue
  fi
  tail -n 40 "$log"
  if grep -qE 'ERROR: libFuzzer: (timeout|out-of-memory)' "$log" && [ "${SMOKE_STRICT:-0}" != 1 ]; then
    warned+=("$t")
    echo "   WARNING: $t hit a timeout or the memory limit (see $FUZZ_DIR/$log)"
  else
    failed+=("$t")
    echo "   FAILED: $t crashed (input in $FUZZ_DIR/artifacts/$t/, log $FUZZ_DIR/$log)"
  fi
done

[ ${#warned[@]} -eq 0 ] || echo "smoke.sh: warnings (timeout/oom): ${warned[*]}"
if [ ${#failed[@]} -ne 0 ]; then
  echo "smoke.sh: crashes in: ${failed[*]}" >&2
  exit 1
fi
echo "smoke.sh: all targets ran without crashing"
