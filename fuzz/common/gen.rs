//! A grammar-based generator of Lua programs, driven by the fuzz input: each
//! byte read picks a production, so libFuzzer's mutations change programs
//! structurally while they stay (mostly) valid Lua, reaching the VM and the
//! libraries instead of stopping in the parser.
//!
//! Bounded by construction: nesting depth and statement counts are limited,
//! numeric `for` loops have small literal bounds, string growth goes through
//! `C(a, b)` (a concatenation that fails past 64 KiB) and the repetition
//! counts are small. Running time and table growth are bounded by the
//! sandbox's instruction and memory budget (`sandbox::PRELUDE`).

/// Reads decisions from the fuzz input; 0 once it is used up (so every
/// program ends: 0 always picks a leaf or ends a list).
pub struct Choices<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Choices<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Choices { data, pos: 0 }
    }

    /// A number in `0..n` (n > 0).
    fn pick(&mut self, n: usize) -> usize {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b as usize % n
    }

    fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// The program's own prelude: helpers the generated code calls.
const HEADER: &str = r##"local C = function(a, b)
  local r = a .. b
  if #r > 65536 then error("fuzz: long string") end
  return r
end
local mt = {
  __index = function(t, k) return k end,
  __add = function(a, b) return 1 end,
  __concat = function(a, b) return "cc" end,
  __eq = function(a, b) return true end,
  __lt = function(a, b) return false end,
  __le = function(a, b) return true end,
  __len = function(a) return 3 end,
  __call = function(self, ...) return select("#", ...) end,
  __close = function(o, e) end,
  __unm = function(a) return a end,
  __tostring = function() return "obj" end,
  __name = "Obj",
}
local wk = setmetatable({}, {__mode = "k"})
local g1, g2, g3 = 1, "s", {}
"##;

const LITERALS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "3",
    "10",
    "255",
    "0.5",
    "-0.0",
    "1e308",
    "2^53",
    "2^63",
    "math.maxinteger",
    "math.mininteger",
    "0/0",
    "1/0",
    "-1/0",
    "0x7fffffffffffffff",
    "0xff",
    "1e-310",
    "3.0",
    "-7",
    "100",
    "nil",
    "true",
    "false",
    "''",
    "'a'",
    "'10'",
    "'0x10'",
    "' 5 '",
    "'abc'",
    "'\\0'",
    "'1e2'",
    "'-0'",
    "'\\u{7FF}'",
    "\"x\\ty\"",
    "[[long\nstring]]",
    "{}",
    "{1, 2, 3}",
    "{x = 1, y = 'z'}",
    "setmetatable({}, mt)",
    "wk",
    "g1",
    "g2",
    "g3",
    "...",
    "print",
    "string",
    "math.pi",
];

const BINOPS: &[&str] = &[
    "+", "-", "*", "/", "//", "%", "^", "&", "|", "~", "<<", ">>", "==", "~=", "<", "<=", ">",
    ">=", "and", "or",
];

const UNOPS: &[&str] = &["-", "not ", "#", "~"];

/// Library calls: a function and how many generated arguments it takes.
const CALLS: &[(&str, usize)] = &[
    ("tostring", 1),
    ("tonumber", 1),
    ("tonumber", 2),
    ("type", 1),
    ("math.type", 1),
    ("math.floor", 1),
    ("math.abs", 1),
    ("math.max", 2),
    ("math.fmod", 2),
    ("math.tointeger", 1),
    ("math.ult", 2),
    ("select", 2),
    ("rawlen", 1),
    ("rawequal", 2),
    ("rawget", 2),
    ("next", 1),
    ("string.sub", 3),
    ("string.byte", 2),
    ("string.len", 1),
    ("string.upper", 1),
    ("string.reverse", 1),
    ("string.format", 2),
    ("string.char", 2),
    ("table.concat", 2),
    ("table.unpack", 1),
    ("table.pack", 3),
    ("table.insert", 2),
    ("table.remove", 1),
    ("table.sort", 1),
    ("pcall", 2),
    ("error", 1),
    ("assert", 2),
    ("utf8.char", 2),
    ("utf8.len", 1),
    ("string.find", 2),
    ("string.match", 2),
    ("getmetatable", 1),
    ("coroutine.isyieldable", 0),
    ("coroutine.running", 0),
    ("collectgarbage", 1),
    ("load", 1),
    ("ipairs", 1),
    ("setmetatable", 2),
];

const PATTERNS: &[&str] = &[
    "'.'",
    "'%d+'",
    "'(%a)(%w*)'",
    "'^%s*'",
    "'[a-c]-$'",
    "'%bxy'",
    "'%f[%w]%w+'",
    "'(.-)%1'",
    "'()'",
    "'[^%z]'",
];

const FORMATS: &[&str] = &[
    "'%d'", "'%5.2f'", "'%g'", "'%q'", "'%s|%s'", "'%x'", "'%a'", "'%c'", "'%-10s'", "'%i'",
    "'%%'", "'%10.3q'",
];

/// Builds a program from the input.
pub struct Generator<'a> {
    c: Choices<'a>,
    out: String,
    /// Local variables visible at this point.
    locals: Vec<String>,
    next_name: usize,
    /// Statements emitted so far (a hard cap keeps programs short).
    statements: usize,
    /// Inside a loop (`break` is allowed).
    loops: usize,
    /// Inside a vararg function or the main chunk (`...` is allowed).
    vararg: bool,
}

const MAX_DEPTH: usize = 5;
const MAX_STATEMENTS: usize = 120;

impl<'a> Generator<'a> {
    pub fn program(data: &'a [u8]) -> String {
        let mut g = Generator {
            c: Choices::new(data),
            out: String::from(HEADER),
            locals: Vec::new(),
            next_name: 0,
            statements: 0,
            loops: 0,
            vararg: true,
        };
        g.block(0);
        if g.c.pick(2) == 0 {
            g.out.push_str("return ");
            g.exp(0);
            g.out.push('\n');
        }
        g.out
    }

    fn fresh(&mut self) -> String {
        self.next_name += 1;
        format!("v{}", self.next_name)
    }

    /// A variable to read.
    fn var(&mut self) -> String {
        if self.locals.is_empty() || self.c.pick(4) == 0 {
            ["g1", "g2", "g3", "G"][self.c.pick(4)].to_string()
        } else {
            let i = self.c.pick(self.locals.len());
            self.locals[self.locals.len() - 1 - i].clone()
        }
    }

    /// A variable to assign: not a `<const>` or `<close>` local (those are
    /// named "k...").
    fn target(&mut self) -> String {
        let v = self.var();
        if v.starts_with('k') {
            "G".to_string()
        } else {
            v
        }
    }

    /// A block: statements until the input says stop; locals declared in it
    /// go out of scope at its end.
    fn block(&mut self, depth: usize) {
        let scope = self.locals.len();
        loop {
            if self.c.exhausted() || self.statements >= MAX_STATEMENTS || self.c.pick(6) == 0 {
                break;
            }
            self.statements += 1;
            self.stat(depth);
        }
        self.locals.truncate(scope);
    }

    fn stat(&mut self, depth: usize) {
        let deep = depth >= MAX_DEPTH;
        match self.c.pick(if deep { 6 } else { 18 }) {
            0 => {
                let name = self.fresh();
                self.out.push_str(&format!("local {name} = "));
                self.exp(depth);
                self.out.push('\n');
                self.locals.push(name);
            }
            1 => {
                let v = self.target();
                self.out.push_str(&format!("{v} = "));
                self.exp(depth);
                self.out.push('\n');
            }
            2 => {
                // t[k] = v on some expression (often an error: fine); the
                // ';' keeps "(" from continuing the previous statement
                self.out.push_str(";(");
                self.exp(depth);
                self.out.push_str(")[ ");
                self.exp(depth);
                self.out.push_str("] = ");
                self.exp(depth);
                self.out.push('\n');
            }
            3 => {
                self.call_exp(depth);
                self.out.push('\n');
            }
            4 if self.loops > 0 => self.out.push_str("break\n"),
            4 | 5 => {
                let attrib = ["<const>", "<close>", ""][self.c.pick(3)];
                let mut name = self.fresh();
                if !attrib.is_empty() {
                    name.replace_range(0..1, "k");
                }
                self.out.push_str(&format!("local {name} {attrib} = "));
                if attrib == "<close>" {
                    self.out
                        .push_str(["nil", "setmetatable({}, mt)", "false"][self.c.pick(3)]);
                } else {
                    self.exp(depth);
                }
                self.out.push('\n');
                self.locals.push(name);
            }
            6 => {
                self.out.push_str("if ");
                self.exp(depth + 1);
                self.out.push_str(" then\n");
                self.block(depth + 1);
                if self.c.pick(2) == 0 {
                    self.out.push_str("elseif ");
                    self.exp(depth + 1);
                    self.out.push_str(" then\n");
                    self.block(depth + 1);
                }
                if self.c.pick(2) == 0 {
                    self.out.push_str("else\n");
                    self.block(depth + 1);
                }
                self.out.push_str("end\n");
            }
            7 => {
                let i = self.fresh();
                let (a, b, s) = (
                    ["1", "0", "-2", "10", "1.5", "math.maxinteger - 2"][self.c.pick(6)],
                    ["3", "1", "0", "-3", "5.5", "math.maxinteger"][self.c.pick(6)],
                    ["", ", 1", ", -1", ", 2", ", 0.5"][self.c.pick(5)],
                );
                self.out.push_str(&format!("for {i} = {a}, {b}{s} do\n"));
                self.locals.push(i);
                self.loop_body(depth);
                self.locals.pop();
                self.out.push_str("end\n");
            }
            8 => {
                let (k, v) = (self.fresh(), self.fresh());
                let it = ["pairs", "ipairs", "next,"][self.c.pick(3)];
                self.out.push_str(&format!("for {k}, {v} in {it}("));
                self.exp(depth + 1);
                self.out.push_str(") do\n");
                self.locals.push(k);
                self.locals.push(v);
                self.loop_body(depth);
                self.locals.truncate(self.locals.len() - 2);
                self.out.push_str("end\n");
            }
            9 => {
                self.out.push_str("while ");
                self.exp(depth + 1);
                self.out.push_str(" do\n");
                self.loop_body(depth);
                self.out.push_str("end\n");
            }
            10 => {
                self.out.push_str("repeat\n");
                self.loops += 1;
                self.block(depth + 1);
                self.loops -= 1;
                self.out.push_str("until ");
                self.exp(depth + 1);
                self.out.push('\n');
            }
            11 => {
                self.out.push_str("do\n");
                self.block(depth + 1);
                self.out.push_str("end\n");
            }
            12 => {
                let name = self.fresh();
                self.out.push_str(&format!("local function {name}"));
                self.locals.push(name);
                self.func_body(depth);
                self.out.push('\n');
            }
            13 => {
                // a coroutine that yields from inside nested calls
                let name = self.fresh();
                self.out.push_str(&format!(
                    "local {name} = coroutine.wrap(function(...)\n  coroutine.yield(...)\n"
                ));
                self.block(depth + 1);
                self.out
                    .push_str("  coroutine.yield(pcall(coroutine.yield, 1))\nend)\n");
                self.locals.push(name.clone());
                for _ in 0..self.c.pick(4) {
                    self.out.push_str(&format!("pcall({name}, "));
                    self.exp(depth + 1);
                    self.out.push_str(")\n");
                }
            }
            14 => {
                self.out.push_str("pcall(function(...)\n");
                let saved = (self.loops, self.vararg);
                self.loops = 0;
                self.vararg = true;
                self.block(depth + 1);
                (self.loops, self.vararg) = saved;
                self.out.push_str("end, ");
                self.exp(depth + 1);
                self.out.push_str(")\n");
            }
            15 => {
                // goto forward out of a nested block
                self.out.push_str("do\n");
                self.block(depth + 1);
                self.out.push_str("goto skip\n");
                self.block(depth + 1);
                self.out.push_str("::skip::\nend\n");
            }
            16 => {
                self.out.push_str("wk[ ");
                self.exp(depth + 1);
                self.out.push_str("] = {}\n");
                if self.c.pick(4) == 0 {
                    self.out.push_str("collectgarbage()\n");
                }
            }
            _ => {
                self.out.push_str("local t = {");
                for _ in 0..self.c.pick(5) {
                    self.exp(depth + 1);
                    self.out.push_str(", ");
                }
                self.out.push_str("}\nt[#t + 1] = ");
                self.exp(depth + 1);
                self.out.push('\n');
            }
        }
    }

    fn loop_body(&mut self, depth: usize) {
        self.loops += 1;
        self.block(depth + 1);
        self.loops -= 1;
    }

    /// `(params) body end`
    fn func_body(&mut self, depth: usize) {
        let scope = self.locals.len();
        let saved = (self.loops, self.vararg);
        self.loops = 0;
        let nparams = self.c.pick(3);
        let mut params = Vec::new();
        for _ in 0..nparams {
            let p = self.fresh();
            params.push(p.clone());
            self.locals.push(p);
        }
        self.vararg = self.c.pick(2) == 0;
        if self.vararg {
            params.push("...".to_string());
        }
        self.out.push_str(&format!("({})\n", params.join(", ")));
        self.block(depth + 1);
        if self.c.pick(2) == 0 {
            self.out.push_str("return ");
            self.exp(depth + 1);
            if self.c.pick(2) == 0 {
                self.out.push_str(", ");
                self.exp(depth + 1);
            }
            self.out.push('\n');
        }
        self.out.push_str("end");
        self.locals.truncate(scope);
        (self.loops, self.vararg) = saved;
    }

    fn call_exp(&mut self, depth: usize) {
        match self.c.pick(5) {
            0 | 1 => {
                let (f, n) = CALLS[self.c.pick(CALLS.len())];
                self.out.push_str(f);
                self.args(depth, n);
            }
            2 => {
                let v = self.var();
                self.out.push_str(&v);
                let n = self.c.pick(3);
                self.args(depth, n);
            }
            3 => {
                let f = ["gsub", "gmatch", "find", "match"][self.c.pick(4)];
                self.out.push_str(&format!("pcall(string.{f}, "));
                self.exp(depth + 1);
                let pat = PATTERNS[self.c.pick(PATTERNS.len())];
                let repl = ["'%0%0'", "'x'", "{a = 1}", "tostring", "'%1'"][self.c.pick(5)];
                self.out.push_str(&format!(", {pat}, {repl})"));
            }
            _ => {
                let fmt = FORMATS[self.c.pick(FORMATS.len())];
                self.out.push_str(&format!("pcall(string.format, {fmt}, "));
                self.exp(depth + 1);
                self.out.push_str(", ");
                self.exp(depth + 1);
                self.out.push(')');
            }
        }
    }

    fn args(&mut self, depth: usize, n: usize) {
        self.out.push('(');
        for i in 0..n {
            if i > 0 {
                self.out.push_str(", ");
            }
            self.exp(depth + 1);
        }
        self.out.push(')');
    }

    fn exp(&mut self, depth: usize) {
        if depth >= MAX_DEPTH + 2 {
            self.leaf();
            return;
        }
        match self.c.pick(16) {
            0..=3 => self.leaf(),
            4 | 5 => {
                let v = self.var();
                self.out.push_str(&v);
            }
            6 | 7 => {
                self.out.push('(');
                self.exp(depth + 1);
                let op = BINOPS[self.c.pick(BINOPS.len())];
                self.out.push_str(&format!(" {op} "));
                self.exp(depth + 1);
                self.out.push(')');
            }
            8 => {
                let op = UNOPS[self.c.pick(UNOPS.len())];
                self.out.push_str(&format!("({op}"));
                self.exp(depth + 1);
                self.out.push(')');
            }
            9 => {
                self.out.push_str("C(");
                self.exp(depth + 1);
                self.out.push_str(", ");
                self.exp(depth + 1);
                self.out.push(')');
            }
            10 => self.call_exp(depth),
            11 => {
                self.out.push_str("function");
                self.func_body(depth);
            }
            12 => {
                self.out.push('{');
                for _ in 0..self.c.pick(4) {
                    match self.c.pick(3) {
                        0 => {
                            let k = self.fresh();
                            self.out.push_str(&format!("{k} = "));
                        }
                        1 => {
                            self.out.push_str("[ ");
                            self.exp(depth + 1);
                            self.out.push_str("] = ");
                        }
                        _ => {}
                    }
                    self.exp(depth + 1);
                    self.out.push_str(", ");
                }
                self.out.push('}');
            }
            13 => {
                // "[ " (with a space): "[[" would start a long string
                self.out.push('(');
                self.exp(depth + 1);
                self.out.push_str(")[ ");
                self.exp(depth + 1);
                self.out.push(']');
            }
            14 => {
                self.out.push_str("string.rep(");
                self.exp(depth + 1);
                let n = ["0", "1", "3", "-1", "20"][self.c.pick(5)];
                let sep = ["", ", ','"][self.c.pick(2)];
                self.out.push_str(&format!(", {n}{sep})"));
            }
            _ => {
                // method call on a string or a table with a metatable
                self.out.push('(');
                self.exp(depth + 1);
                let m = ["upper", "len", "byte", "rep", "sub"][self.c.pick(5)];
                self.out.push_str(&format!("):{m}(2)"));
            }
        }
    }

    fn leaf(&mut self) {
        let lit = LITERALS[self.c.pick(LITERALS.len())];
        if lit == "..." && !self.vararg {
            self.out.push_str("nil");
        } else {
            self.out.push_str(lit);
        }
    }
}
