"""Random Lua program generator (deterministic for a given seed).

Each program declares a few locals with edge-case values, then runs random
expressions (inside E(function() return ... end), so errors are printed, including
variable names in messages) and small statements (loops, ifs, closures, tables).
"""
import random

INTS = ["0", "1", "-1", "2", "3", "7", "-7", "10", "255", "math.maxinteger",
        "math.mininteger", "0x7fffffffffffffff", "0xffffffffffffffff", "1 << 62", "100000"]
FLOATS = ["0.0", "-0.0", "0.5", "-2.5", "1e308", "1e-310", "3.0", "1/0", "-1/0",
          "2^53", "2^63", "-2^63", "1e15", "123.456", "0.1"]
STRS = ['"10"', '"0x10"', '"1e2"', '" 5 "', '"abc"', '""', '"3.0"', '"-0"', '"9007199254740993"',
        '"a\\0b"', '"inf"', '"  0x1p4  "']
OTHER = ["nil", "true", "false", "{}", "print"]
BIN = ["+", "-", "*", "/", "//", "%", "^", "&", "|", "~", "<<", ">>", "..",
       "==", "~=", "<", "<=", ">", ">=", "and", "or"]
UN = ["-", "not ", "#", "~"]
VARS = ["a", "b", "c", "d", "e", "f"]
# library functions called with random arguments (argument checking, coercions, edge values)
LIBFUNCS = ["string.sub", "string.rep", "string.byte", "string.char", "string.upper", "string.len",
            "string.reverse", "string.find", "string.match", "string.format", "string.gsub",
            "string.pack", "string.unpack", "string.packsize",
            "table.concat", "table.unpack", "table.insert", "table.remove", "table.move",
            "math.abs", "math.ceil", "math.floor", "math.fmod", "math.modf", "math.sqrt", "math.log",
            "math.exp", "math.max", "math.min", "math.tointeger", "math.ult", "math.type",
            "utf8.char", "utf8.len", "utf8.codepoint", "utf8.offset",
            "tostring", "tonumber", "select", "rawlen", "rawequal", "rawget", "next", "type",
            "string.format", "string.rep"]
ARGSTRS = ['"%d"', '"%5.2s"', '"%q"', '"(%a+)"', '"[a-"', '"%"', '"i4"', '"<i2 >d"', '"z"', '"héllo"',
           '"\\xff"', '","', '"abc"', '"%g %g"', '"a.b"', '"%x"', '"s1"']


class G:
    def __init__(self, rnd):
        self.r = rnd

    def atom(self):
        r = self.r.random()
        if r < 0.35:
            return self.r.choice(VARS)
        if r < 0.6:
            return self.r.choice(INTS)
        if r < 0.8:
            return self.r.choice(FLOATS)
        if r < 0.95:
            return self.r.choice(STRS)
        return self.r.choice(OTHER)

    def expr(self, depth):
        if depth <= 0 or self.r.random() < 0.3:
            return self.atom()
        r = self.r.random()
        if r < 0.15:
            return f"{self.r.choice(UN)}({self.expr(depth - 1)})"
        if r < 0.22:
            fn = self.r.choice(["math.tointeger", "math.type", "tostring", "tonumber",
                                "math.floor", "math.abs", "math.fmod", "math.ult",
                                "string.rep", "math.max", "math.min", "string.format"])
            if fn in ("math.fmod", "math.ult", "math.max", "math.min"):
                return f"{fn}({self.expr(depth - 1)}, {self.expr(depth - 1)})"
            if fn == "string.rep":
                return f"{fn}({self.expr(depth - 1)}, 3)"
            if fn == "string.format":
                spec = self.r.choice(["%d", "%5.2f", "%g", "%x", "%s", "%q", "%a", "%.3e", "%i"])
                return f'{fn}("{spec}", {self.expr(depth - 1)})'
            return f"{fn}({self.expr(depth - 1)})"
        return f"({self.expr(depth - 1)} {self.r.choice(BIN)} {self.expr(depth - 1)})"

    def stmt(self, depth=2):
        r = self.r.random()
        v = self.r.choice(VARS)
        if r < 0.55:
            return f"E(function() return {self.expr(3)} end)"
        if r < 0.65:
            return f"{v} = {self.expr(2)}"
        if r < 0.75:
            a, b, c = (self.r.choice(["1", "3", "-2", "0", "2.5", "10", "0.5", "-1", "math.maxinteger - 2"])
                       for _ in range(3))
            return (f"E(function() local n, s = 0, {{}} for i = {a}, {b}, {c} do n = n + 1 "
                    f"if n > 20 then break end s[#s+1] = i end return n, table.concat(s, ',') end)")
        if r < 0.83 and depth > 0:
            return (f"if {self.expr(2)} then {self.stmt(depth - 1)} "
                    f"else {self.stmt(depth - 1)} end")
        if r < 0.9:
            return (f"E(function() local t = {{{self.expr(1)}, {self.expr(1)}, x = {self.expr(1)}}} "
                    f"t[{self.expr(1)}] = {self.expr(1)} return t end)")
        if r < 0.93:
            fn = self.r.choice(LIBFUNCS)
            args = []
            for _ in range(self.r.randint(0, 4)):
                q = self.r.random()
                if q < 0.3:
                    args.append(self.r.choice(ARGSTRS))
                elif q < 0.45:
                    args.append("{1, 2, 'x', 3.5}")
                else:
                    args.append(self.expr(1))
            return f"E({fn}, {', '.join(args)})" if args else f"E({fn})"
        if r < 0.96:
            return (f"E(function() local s = tostring({self.expr(2)}) "
                    f"return s:upper(), #s, s:sub(2, -2), s:find('%d+') end)")
        return (f"E(function() local k = 0 local function f(...) k = k + select('#', ...) "
                f"return ... end return f({self.expr(1)}, {self.expr(1)}), k end)")


def programs(seed, n):
    rnd = random.Random(seed)
    out = []
    for _ in range(n):
        g = G(rnd)
        lines = []
        for v in VARS:
            lines.append(f"local {v} = {g.atom() if rnd.random() < 0.3 else rnd.choice(INTS + FLOATS + STRS)}")
        for _ in range(25):
            lines.append("pcall(function() " + g.stmt() + " end)" if rnd.random() < 0.1 else g.stmt())
        prelude = open(__file__.replace("gen.py", "prelude.lua")).read().strip()
        out.append(prelude + "\n" + "\n".join(lines) + "\n")
    return out
