#!/usr/bin/env bash
# Regenerates the profile-guided optimisation profile (bench/pgo/crescent.profdata)
# that release builds of Crescent use (see bench/pgo/rustc-wrapper): builds an
# instrumented binary, runs the training programs (bench/pgo/*.lua and
# bench/micro/*.lua: our own, not the benchmark suite's), merges the counts.
# Run it after changing the VM or the library and commit the new profile: a
# function whose code changed loses its profile until then.
#
# Needs llvm-profdata for this toolchain's LLVM: `rustup component add llvm-tools`.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
host=$(rustc -vV | sed -n 's/^host: //p')
profdata=$(rustc --print sysroot)/lib/rustlib/$host/bin/llvm-profdata
[ -x "$profdata" ] || { echo "llvm-profdata not found: rustup component add llvm-tools" >&2; exit 1; }
raw=$(mktemp -d -t crescent-pgo.XXXXXX)
trap 'rm -rf "$raw"' EXIT
# The flags of .cargo/config.toml (which RUSTFLAGS replaces), less the static
# C library, with which the instrumented binary does not link.
flags="-C llvm-args=-tail-dup-pred-size=200 -C llvm-args=-tail-dup-succ-size=200 -C llvm-args=-tail-dup-indirect-size=200 -C relocation-model=static"
RUSTFLAGS="$flags -Cprofile-generate=$raw" CARGO_TARGET_DIR=target/pgo-generate \
  cargo build --release -p crescent-cli
bin=target/pgo-generate/release/crescent
for script in bench/pgo/*.lua bench/micro/*.lua; do
  (cd "$(dirname "$script")" && LLVM_PROFILE_FILE="$raw/train-%m-%p.profraw" \
    "$OLDPWD/$bin" "$(basename "$script")" >/dev/null)
done
"$profdata" merge --sparse -o bench/pgo/crescent.profdata "$raw"/train-*.profraw
rustc -vV | sed -n 's/^LLVM version: //p' > bench/pgo/llvm-version
echo "bench/pgo/crescent.profdata: $(wc -c < bench/pgo/crescent.profdata) bytes, LLVM $(cat bench/pgo/llvm-version)"
