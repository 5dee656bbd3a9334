#!/usr/bin/env python3
"""Differential tests: Crescent vs. PUC Lua (Debian's lua5.4).

One command (from the repository root):

    python3 tests/differential/run.py

It builds nothing; it runs $CRESCENT (default: /work/target-diff/release/crescent,
else target/release/crescent) and $LUA_REF (default: lua5.4) on every snippet and
compares, after normalisation, stdout, the error message (first line of stderr) and
the exit status.

Snippets:
  * tests/differential/corpus/*.lua  -- hand-written; snippets are separated by
    lines of the form `--- name`; each snippet runs as its own program, with
    prelude.lua prepended (helpers `show`, `E`, `dump`).
  * generated programs from gen.py (fixed seed; `--gen N` programs, default 150).

Differences listed in tests/differential/allow.txt (one `id  # reason` per line,
id = `file:name` or `gen:N`) are reported as "explained" and do not fail the run.
Exit status: 0 when every difference is explained, 1 otherwise.

Options:  --only SUBSTR   run only snippets whose id contains SUBSTR
          --gen N         number of generated programs (0 to skip)
          --seed S        generator seed (default 20240601)
          -v              print both outputs for every difference
          --show ID       print both raw outputs for one snippet
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gen  # noqa: E402


def default_crescent():
    for p in (os.environ.get("CRESCENT"), "/work/target-diff/release/crescent",
              os.path.join(ROOT, "target/release/crescent")):
        if p and os.path.exists(p):
            return p
    sys.exit("crescent binary not found; build it or set CRESCENT")


ADDR = re.compile(r"\b(table|function|thread|userdata|builtin|file): (?:0x)?[0-9a-fA-F]{4,}")
HEX = re.compile(r"0x[0-9a-fA-F]{6,}")


def normalise(text, interp):
    text = text.replace(interp + ":", "lua:")
    text = text.replace("lua5.4:", "lua:")
    text = ADDR.sub(r"\1: ADDR", text)
    text = HEX.sub("ADDR", text)
    text = text.replace("Lua 5.4.8", "Lua 5.4.X").replace("Lua 5.4.4", "Lua 5.4.X")
    return text


def load_corpus(only):
    prelude = open(os.path.join(HERE, "prelude.lua")).read()
    assert "\n" not in prelude.strip(), "prelude must be one line (keeps line numbers +1)"
    out = []
    cdir = os.path.join(HERE, "corpus")
    for fn in sorted(os.listdir(cdir)):
        if not fn.endswith(".lua"):
            continue
        name, body = None, []
        base = fn[:-4]

        def flush():
            if name is not None:
                out.append((f"{base}:{name}", prelude.strip() + "\n" + "\n".join(body) + "\n"))
        for line in open(os.path.join(cdir, fn)):
            line = line.rstrip("\n")
            if line.startswith("--- "):
                flush()
                name, body = line[4:].strip(), []
            else:
                body.append(line)
        flush()
    ids = [i for i, _ in out]
    dup = {i for i in ids if ids.count(i) > 1}
    assert not dup, f"duplicate snippet names: {dup}"
    return [(i, s) for i, s in out if only is None or only in i]


def run(interp, path, cwd):
    try:
        p = subprocess.run([interp, os.path.basename(path)], cwd=cwd, capture_output=True,
                           timeout=20, stdin=subprocess.DEVNULL)
        out = p.stdout.decode("latin-1")
        err = p.stderr.decode("latin-1")
        return out, err, p.returncode
    except subprocess.TimeoutExpired:
        return "", "TIMEOUT", -999


def first_line(err):
    return err.split("\n", 1)[0]


def compare(ref, cre, src, cwd):
    path = os.path.join(cwd, "snippet.lua")
    with open(path, "w", encoding="latin-1") as f:
        f.write(src)
    a = run(ref, path, cwd)
    b = run(cre, path, cwd)
    na = (normalise(a[0], ref), normalise(first_line(a[1]), ref), a[2])
    nb = (normalise(b[0], cre), normalise(first_line(b[1]), cre), b[2])
    return na, nb, a, b


def first_diff(x, y):
    xl, yl = x.split("\n"), y.split("\n")
    for i in range(max(len(xl), len(yl))):
        l1 = xl[i] if i < len(xl) else "<missing>"
        l2 = yl[i] if i < len(yl) else "<missing>"
        if l1 != l2:
            return i + 1, l1, l2
    return None


def load_allow():
    allow = {}
    p = os.path.join(HERE, "allow.txt")
    for line in open(p):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        key, _, reason = s.partition("#")
        allow[key.strip()] = reason.strip()
    return allow


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--gen", type=int, default=150)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--show")
    args = ap.parse_args()
    ref = os.environ.get("LUA_REF", "lua5.4")
    cre = default_crescent()

    snippets = load_corpus(args.only)
    if args.gen and (args.only is None or "gen:" in args.only):
        for i, src in enumerate(gen.programs(args.seed, args.gen)):
            sid = f"gen:{i}"
            if args.only is None or args.only in sid:
                snippets.append((sid, src))
    if args.show:
        snippets = [(i, s) for i, s in snippets if i == args.show]

    allow = load_allow()
    unexplained, explained = [], []
    with tempfile.TemporaryDirectory() as cwd:
        for sid, src in snippets:
            na, nb, a, b = compare(ref, cre, src, cwd)
            if args.show:
                print("---- source\n" + src)
                for nm, r in (("lua5.4", a), ("crescent", b)):
                    print(f"---- {nm} (exit {r[2]})\n{r[0]}---- stderr\n{r[1]}")
            if na == nb:
                continue
            parts = []
            if na[0] != nb[0]:
                d = first_diff(na[0], nb[0])
                parts.append(f"stdout line {d[0]}:\n    lua5.4:   {d[1]!r}\n    crescent: {d[2]!r}")
            if na[1] != nb[1]:
                parts.append(f"error:\n    lua5.4:   {na[1]!r}\n    crescent: {nb[1]!r}")
            if na[2] != nb[2]:
                parts.append(f"exit status: lua5.4 {na[2]}, crescent {nb[2]}")
            msg = "\n  ".join(parts)
            if sid in allow:
                explained.append(sid)
                if args.v:
                    print(f"EXPLAINED {sid} ({allow[sid]})\n  {msg}")
            else:
                unexplained.append(sid)
                print(f"DIFF {sid}\n  {msg}")
                if args.v:
                    print("  source:\n    " + src.replace("\n", "\n    "))
    stale = [k for k in allow if k not in explained and any(k == s for s, _ in snippets)]
    print(f"\n{len(snippets)} programs; {len(unexplained)} unexplained differences, "
          f"{len(explained)} explained (allow.txt)")
    if stale:
        print("allow.txt entries that no longer differ: " + ", ".join(stale))
    sys.exit(1 if unexplained else 0)


if __name__ == "__main__":
    main()
