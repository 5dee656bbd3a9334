#!/usr/bin/env python3
"""Differential tests: Crescent vs. PUC Lua (Debian's lua5.4).

One command (from the repository root):

    python3 tests/differential/run.py

Build first (it builds nothing):
    CARGO_TARGET_DIR=/work/target-diff CARGO_BUILD_JOBS=1 cargo build --release

It runs $CRESCENT (default: /work/target-diff/release/crescent,
else target/release/crescent) and $LUA_REF (default: lua5.4) on every snippet and
compares, after normalisation, stdout, the error message (first line of stderr) and
the exit status.

Snippets:
  * tests/differential/corpus/*.lua  -- hand-written; snippets are separated by
    lines of the form `--- name`; each snippet runs as its own program, with
    prelude.lua prepended (helpers `show`, `E`, `dump`).
  * generated programs from gen.py (fixed seed; `--gen N` programs, default 150).
  * command-line cases (CLI_CASES below: options, stdin, LUA_INIT, -i).

Normalised before comparing: the interpreter name ("lua5.4:" / the crescent path),
addresses (0x...), the version/copyright text and "(skipping N levels)" counts.
Corpus snippets print tables with sorted keys (prelude `show`), so pairs() order
does not matter.

Each difference has a key: `ID:stdout:LINE`, `ID:error` or `ID:exit`, where ID is
`file:name` (corpus) or `gen:N`. Keys listed in tests/differential/allow.txt (one
`key  # reason` per line; a bare ID allows every difference of that snippet) are
reported as "explained" and do not fail the run; `/REGEX/  # reason` lines allow
every difference whose description (both output lines) matches. Reasons starting
with "BUG" mark known Crescent bugs (see COMPATIBILITY.md); --strict fails on them.
Exit status: 0 when every difference is explained, 1 otherwise.

Options:  --only SUBSTR   run only snippets whose id contains SUBSTR
          --gen N         number of generated programs (0 to skip)
          --seed S        generator seed (default 20240601)
          -v              print both outputs for every difference
          --show ID       print both raw outputs for one snippet
          --traceback     compare the whole of stderr (stack tracebacks), not only line 1
          --strict        also fail on known Crescent bugs (allow.txt reasons "BUG ...")
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
HEX = re.compile(r"0x[0-9a-fA-F]{6,}", re.I)


def normalise(text, interp):
    text = text.replace(interp + ":", "lua:")
    text = text.replace("lua5.4:", "lua:")
    text = text.replace("usage: " + interp + " ", "usage: lua ").replace("usage: lua5.4 ", "usage: lua ")
    text = ADDR.sub(r"\1: ADDR", text)
    text = HEX.sub("ADDR", text)
    text = text.replace("Lua 5.4.8", "Lua 5.4.X").replace("Lua 5.4.4", "Lua 5.4.X")
    text = text.replace("1994-2025", "1994-20XX").replace("1994-2022", "1994-20XX")
    text = re.sub(r"\(skipping \d+ levels\)", "(skipping N levels)", text)
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
        for line in open(os.path.join(cdir, fn), encoding="utf-8"):
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


# Command-line cases: (id, arguments after the interpreter, stdin, extra environment).
# "snippet.lua" is the corpus file written for the case (contents: CLI_SCRIPT).
CLI_SCRIPT = 'print("args", ...) print(#arg, arg[0], arg[1], arg[2]) io.write(io.read("a") or "", "\\n")\n'
CLI_CASES = [
    ("cli:version", ["-v"], "", {}),
    ("cli:e", ["-e", "print(1 + 1)"], "", {}),
    ("cli:e_multi", ["-e", "x = 5", "-e", "print(x * 2)"], "", {}),
    ("cli:e_syntax", ["-e", "print("], "", {}),
    ("cli:e_error", ["-e", "error('x')"], "", {}),
    ("cli:e_error_table", ["-e", "error({})"], "", {}),
    ("cli:script_args", ["snippet.lua", "a", "b c"], "input", {}),
    ("cli:stdin_script", ["-"], "print('from stdin', ...)", {}),
    ("cli:stdin_args", ["-", "x", "y"], "print(...) print(arg[0], arg[1])", {}),
    ("cli:l_lib", ["-l", "string", "-e", "print(type(string))"], "", {}),
    ("cli:l_missing", ["-l", "no_such_mod_xyz", "-e", "print(1)"], "", {}),
    ("cli:missing_file", ["/nonexistent/x.lua"], "", {}),
    ("cli:bad_option", ["-z"], "", {}),
    ("cli:e_missing_arg", ["-e"], "", {}),
    ("cli:dashdash", ["--", "snippet.lua", "q"], "", {}),
    ("cli:lua_init", ["-e", "print(INITED)"], "", {"LUA_INIT": "INITED = 'yes'"}),
    ("cli:lua_init_54", ["-e", "print(INITED)"], "", {"LUA_INIT_5_4": "INITED = 54", "LUA_INIT": "INITED = 0"}),
    ("cli:lua_init_file", ["-e", "print(1)"], "", {"LUA_INIT": "@/nonexistent/init.lua"}),
    ("cli:lua_init_error", ["-e", "print(1)"], "", {"LUA_INIT": "error('init failed')"}),
    ("cli:E_ignores_env", ["-E", "-e", "print(INITED)"], "", {"LUA_INIT": "INITED = 1"}),
    ("cli:W", ["-W", "-e", "warn('hello')"], "", {}),
    ("cli:arg_negative", ["-e", "print(arg[-1], arg[-2], arg[0])", "snippet.lua"], "", {}),
    ("cli:stdin_default", [], "print('piped')", {}),
    ("cli:exit_in_e", ["-e", "os.exit(7)"], "", {}),
    ("cli:interactive", ["-i"], "x = 1\nprint(x)\nx\n= x + 1\nreturn 1, nil, 'a'\nlocal y =\n 5 print(y)\nfor\nerror('e')\nerror({})\nprint(select('#'))\n", {}),
    ("cli:interactive_incomplete", ["-i"], "function f()\nreturn 42\nend\nprint(f())\n'unfinished\n", {}),
    ("cli:stdin_reads", ["-e", "print(io.read('n', 'n', 'l', 'L', 'a'))"], "12 0x10 rest of line\nnext\nremaining\ntext", {}),
    ("cli:stdin_lines", ["-e", "for l in io.lines() do io.write('[', l, ']') end print()"], "a\n\nb\r\nc", {}),
    ("cli:stdin_read_num_fail", ["-e", "print(io.read('n')) print(io.read('a'))"], "abc", {}),
    ("cli:error_object_tostring", ["-e", "error(setmetatable({}, {__tostring=function() return 'TS' end}))"], "", {}),
]


def run_cli(interp, argv, stdin, env, cwd):
    e = dict(os.environ)
    for k in ("LUA_INIT", "LUA_INIT_5_4"):
        e.pop(k, None)
    e.update(env)
    try:
        p = subprocess.run([interp] + argv, cwd=cwd, capture_output=True, timeout=20,
                           input=stdin.encode(), env=e)
        return p.stdout.decode("latin-1"), p.stderr.decode("latin-1"), p.returncode
    except subprocess.TimeoutExpired:
        return "", "TIMEOUT", -999


def first_line(err):
    return err.split("\n", 1)[0]


FULL_STDERR = False


def compare(ref, cre, src, cwd):
    path = os.path.join(cwd, "snippet.lua")
    with open(path, "w", encoding="utf-8") as f:
        f.write(src)
    a = run(ref, path, cwd)
    b = run(cre, path, cwd)
    pick = (lambda e: e) if FULL_STDERR else first_line
    na = (normalise(a[0], ref), normalise(pick(a[1]), ref), a[2])
    nb = (normalise(b[0], cre), normalise(pick(b[1]), cre), b[2])
    return na, nb, a, b


def diff_lines(x, y, limit=8):
    """Positional line diff (outputs usually have the same shape); at most `limit`."""
    xl, yl = x.split("\n"), y.split("\n")
    out = []
    for i in range(max(len(xl), len(yl))):
        l1 = xl[i] if i < len(xl) else "<missing>"
        l2 = yl[i] if i < len(yl) else "<missing>"
        if l1 != l2:
            out.append((i + 1, l1, l2))
            if len(out) == limit:
                break
    return out


def load_allow():
    """allow.txt: `KEY  # reason` or `/REGEX/  # reason` (searched in the
    description of a difference, which holds both outputs)."""
    allow, patterns = {}, []
    p = os.path.join(HERE, "allow.txt")
    for line in open(p, encoding="utf-8"):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        if s.startswith("/"):
            end = s.index("/  #") if "/  #" in s else s.rindex("/")
            patterns.append((s[1:end], s[end + 1:].lstrip(" #").strip()))
            continue
        key, _, reason = s.partition("#")
        allow[key.strip()] = reason.strip()
    return allow, patterns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--only")
    ap.add_argument("--gen", type=int, default=150)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("-v", action="store_true")
    ap.add_argument("--show")
    ap.add_argument("--strict", action="store_true",
                    help="also fail on known bugs (allow.txt reasons starting with BUG)")
    ap.add_argument("--traceback", action="store_true",
                    help="compare all of stderr (tracebacks too), not just the message line")
    args = ap.parse_args()
    global FULL_STDERR
    FULL_STDERR = args.traceback
    ref = os.environ.get("LUA_REF", "lua5.4")
    cre = default_crescent()

    snippets = load_corpus(args.only)
    if args.gen and (args.only is None or "gen:" in args.only):
        for i, src in enumerate(gen.programs(args.seed, args.gen)):
            sid = f"gen:{i}"
            if args.only is None or args.only in sid:
                snippets.append((sid, src))
    cli = [c for c in CLI_CASES if args.only is None or args.only in c[0]]
    if args.show:
        snippets = [(i, s) for i, s in snippets if i == args.show]
        cli = [c for c in cli if c[0] == args.show]
    snippets += [(c[0], c) for c in cli]

    allow, patterns = load_allow()
    unexplained, explained, used, bugs = [], [], set(), []
    with tempfile.TemporaryDirectory() as cwd:
        for sid, src in snippets:
            if isinstance(src, tuple):  # a command-line case
                with open(os.path.join(cwd, "snippet.lua"), "w") as f:
                    f.write(CLI_SCRIPT)
                a = run_cli(ref, *src[1:], cwd)
                b = run_cli(cre, *src[1:], cwd)
                pick = (lambda e: e) if FULL_STDERR else first_line
                na = (normalise(a[0], ref), normalise(pick(a[1]), ref), a[2])
                nb = (normalise(b[0], cre), normalise(pick(b[1]), cre), b[2])
                src = " ".join(src[1]) + "  (stdin: " + src[2] + ", env: " + str(src[3]) + ")"
            else:
                na, nb, a, b = compare(ref, cre, src, cwd)
            if args.show:
                print("---- source\n" + src)
                for nm, r in (("lua5.4", a), ("crescent", b)):
                    print(f"---- {nm} (exit {r[2]})\n{r[0]}---- stderr\n{r[1]}")
            if na == nb:
                continue
            items = []  # (allow key, description)
            if na[0] != nb[0]:
                for ln, l1, l2 in diff_lines(na[0], nb[0]):
                    items.append((f"{sid}:stdout:{ln}",
                                  f"stdout line {ln}:\n    lua5.4:   {l1!r}\n    crescent: {l2!r}"))
            if na[1] != nb[1]:
                items.append((f"{sid}:error",
                              f"error:\n    lua5.4:   {na[1]!r}\n    crescent: {nb[1]!r}"))
            if na[2] == nb[2] == -999:
                items.append((f"{sid}:timeout", "both interpreters timed out (fix the snippet)"))
            if na[2] != nb[2]:
                items.append((f"{sid}:exit", f"exit status: lua5.4 {na[2]}, crescent {nb[2]}"))
            for key, desc in items:
                reason = allow.get(key) or allow.get(sid)
                if reason:
                    used.add(key if key in allow else sid)
                else:
                    for rx, why in patterns:
                        if re.search(rx, desc):
                            reason = why
                            used.add("/" + rx + "/")
                            break
                if reason:
                    explained.append(key)
                    if reason.startswith("BUG"):
                        bugs.append(key)
                    if args.v:
                        print(f"EXPLAINED {key} ({reason})\n  {desc}")
                else:
                    unexplained.append(key)
                    print(f"DIFF {key}\n  {desc}")
    ran = {s for s, _ in snippets}
    stale = [k for k in allow if k not in used and k.split(":stdout:")[0].split(":error")[0].split(":exit")[0] in ran]
    print(f"\n{len(snippets)} programs; {len(unexplained)} unexplained differences, "
          f"{len(explained)} explained in allow.txt (of which {len(bugs)} are known Crescent bugs)")
    if args.only is None and not args.show:
        stale += ["/" + rx + "/" for rx, _ in patterns if "/" + rx + "/" not in used]
    if not FULL_STDERR:
        stale = [k for k in stale if "--traceback" not in (allow.get(k) or "")]
    if stale:
        print("allow.txt entries that no longer differ: " + ", ".join(stale))
    sys.exit(1 if unexplained or (args.strict and bugs) else 0)


if __name__ == "__main__":
    main()
