#!/usr/bin/env bash
# Instruction counts (valgrind --tool=callgrind) of small benchmark cases, for
# crescent and lua5.4: stable figures on a loaded machine, unlike wall time.
# usage: bench/callgrind.sh [crescent-binary] [case-name-regex]
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/crescent}")
ONLY=${2:-.}
sed -n "20837,21300p" "$(realpath ../shared/bench/programs)/gligneul/fasta250000.txt" >/tmp/knuc-input.txt
P=$(realpath ../shared/bench/programs)
# name | directory | script and arguments
CASES="fib|bench/micro|fib.lua 24
array|bench/micro|array.lua
sieve|$P/gligneul|sieve.lua 100
richards|$P/awfy|harness.lua Richards 2 1
strings|bench/micro|strings.lua
binary-trees|$P/gligneul|binary-trees.lua 10
nbody|$P/gligneul|n-body.lua 20000
knucleotide|$P/gligneul|k-nucleotide.lua < /tmp/knuc-input.txt"
count() { # dir, command...
  local dir=$1; shift
  (cd "$dir" && eval valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null) |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
printf '%-14s %12s %12s %6s\n' case crescent lua5.4 ratio
while IFS='|' read -r name dir cmd; do
  [[ $name =~ $ONLY ]] || continue
  c=$(count "$dir" "$BIN" $cmd)
  r=$(count "$dir" lua5.4 $cmd)
  printf '%-14s %11.1fM %11.1fM %6.2f\n' "$name" "$(echo "$c/1000000" | bc -l)" "$(echo "$r/1000000" | bc -l)" "$(echo "$c/$r" | bc -l)"
done <<<"$CASES"
