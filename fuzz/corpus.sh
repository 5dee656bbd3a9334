#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ for every target: the hand-written seeds
# (seeds/<target>/), pieces of the official Lua 5.4 test files cut at run
# time, and binary chunks compiled from source seeds (for load_binary).
# corpus/ is git-ignored: the official files must never be committed.
#
#   fuzz/corpus.sh BIN_DIR        # BIN_DIR holds the built `seedgen`
#
# Environment: LUA_TESTS (default ../shared/lua-5.4-tests beside the
# repository; skipped when absent), KEEP_CORPUS=1 to add to an existing
# corpus instead of starting afresh (inputs found by earlier runs stay).
set -euo pipefail
FUZZ_DIR=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$FUZZ_DIR")
BIN=${1:?usage: corpus.sh BIN_DIR}
LUA_TESTS=${LUA_TESTS:-$REPO/../shared/lua-5.4-tests}
cd "$FUZZ_DIR"

TARGETS=(compile load_binary load_binary_mutate run_source string_lib run_generated decoders)
[ "${KEEP_CORPUS:-0}" = 1 ] || rm -rf corpus
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  if [ -d "seeds/$t" ]; then cp seeds/"$t"/* "corpus/$t/"; fi
done
# Source seeds for load_binary (compiled to chunks below).
rm -rf corpus/.sources
mkdir -p corpus/.sources
cp seeds/run_source/* corpus/.sources/
if [ -d "$LUA_TESTS" ] && ls "$LUA_TESTS"/*.lua >/dev/null 2>&1; then
  echo "== seeding from $LUA_TESTS"
  for f in "$LUA_TESTS"/*.lua; do
    b=$(basename "$f" .lua)
    # Pieces of at most 2 KiB, cut at line ends: whole files are too slow.
    split -C 2048 -d -a 3 "$f" "corpus/compile/official_${b}_"
    split -C 1024 -d -a 3 "$f" "corpus/.sources/official_${b}_"
  done
  cp corpus/compile/official_* corpus/run_source/
  for b in strings pm tpack utf8; do
    [ -f "$LUA_TESTS/$b.lua" ] && split -C 256 -d -a 3 "$LUA_TESTS/$b.lua" "corpus/string_lib/official_${b}_"
  done
  # Any bytes drive the program generator: the official files give varied
  # decision streams.
  for b in constructs closure events nextvar coroutine; do
    [ -f "$LUA_TESTS/$b.lua" ] && split -b 512 -d -a 3 "$LUA_TESTS/$b.lua" "corpus/run_generated/official_${b}_"
  done
  # Numerals and UTF-8 text: short pieces of the files that use them most.
  for b in math literals utf8 strings; do
    [ -f "$LUA_TESTS/$b.lua" ] && split -b 48 -d -a 4 "$LUA_TESTS/$b.lua" "corpus/decoders/official_${b}_"
  done
else
  echo "== $LUA_TESTS not found: using only the hand-written seeds"
fi
"$BIN/seedgen" corpus/load_binary corpus/.sources/*
rm -rf corpus/.sources
for t in "${TARGETS[@]}"; do
  echo "   corpus/$t: $(ls "corpus/$t" | wc -l) inputs"
done
