#!/usr/bin/env bash
# "No panics by construction": builds everything with panic = "abort" (a
# panic then kills the process with SIGABRT instead of unwinding, so no
# test harness or catch_unwind can hide one), runs the project's tests and
# the official files we pass, and reports any abort.
#
#   tests/panic_abort.sh
#
# Environment: PANIC_ABORT_TARGET (target dir, default target/panic-abort,
# kept apart from the normal build), LUA_TESTS (suite folder, default
# ../shared/lua-5.4-tests).
#
# Unit tests (`cargo test --lib`) need unwinding (`#[should_panic]`, the
# harness) and always build with panic = "unwind", so this runs the
# integration tests, whose subject is the `crescent` binary built with
# abort: any panic in the interpreter shows as a child killed by SIGABRT,
# which the script looks for in the tests' output as well as in their
# status. The official files then run with the same binary.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${PANIC_ABORT_TARGET:-target/panic-abort}
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
LUA_TESTS=${LUA_TESTS:-../shared/lua-5.4-tests}
ABORT=(--config 'profile.release.panic="abort"')
log=$(mktemp -t crescent-abort.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0

echo "== build (release, panic = abort) into $CARGO_TARGET_DIR"
cargo build --release "${ABORT[@]}" || exit 2
bin=$CARGO_TARGET_DIR/release/crescent
# An abort build links no unwinder entry point: check that it is one.
if command -v nm >/dev/null && nm "$bin" | grep -q _Unwind_RaiseException; then
  echo "panic_abort.sh: $bin can unwind: not a panic = abort build" >&2
  exit 2
fi

echo "== project tests (integration tests drive the abort build of crescent)"
cargo test --release "${ABORT[@]}" -p crescent-cli 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
if [ "$test_status" -ne 0 ]; then
  echo "panic_abort.sh: project tests failed (status $test_status)"
  status=1
fi
# A panic in crescent prints "thread 'main' panicked at" before the abort;
# the harness's own failed assertions run in threads named after the tests.
abort_re="SIGABRT|signal: 6|thread 'main'( \\([0-9]+\\))? panicked at"
if grep -qE "$abort_re" "$log"; then
  echo "panic_abort.sh: a panic (abort) happened in the project tests:"
  grep -nE "$abort_re" "$log" | head -20
  status=1
fi

echo "== official files (default mode) with the abort build"
files=$(grep -v '^#' tests/official-passing.txt | tr '\n' ' ')
# shellcheck disable=SC2086
"$LUA_TESTS/run" "$bin" $files 2>&1 | tee "$log"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
echo "== official files (full mode) with the abort build"
tests/official_full.sh --files-only "$bin" 2>&1 | tee -a "$log"
if grep -qE 'killed by signal (ABRT|6)' "$log"; then
  echo "panic_abort.sh: a panic (abort) happened in the official files:"
  grep -E 'killed by signal (ABRT|6)' "$log"
  status=1
fi

if [ $status -eq 0 ]; then
  echo "panic_abort.sh: no abort"
fi
exit $status
