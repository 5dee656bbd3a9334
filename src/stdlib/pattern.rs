//! Lua 5.4 pattern matching (lstrlib's matcher), VM-independent.
//!
//! Subjects and patterns are byte slices; all positions are 0-based byte
//! offsets.  Character classes use ASCII / C-locale semantics.  Errors are
//! returned as the exact PUC-Rio messages (`String`), to be raised with
//! `luaL_error` semantics (no "bad argument" prefix).
//!
//! # API
//! * [`match_at`] — match at exactly one position (no anchor handling: a
//!   leading `^` is an ordinary character there, as in `gmatch`).
//! * [`find`] — `string.find`/`string.match` scanning with `^` anchor.
//! * [`str_find`] — complete `string.find` semantics (plain fast path).
//! * [`has_specials`], [`find_plain`] — PUC's `nospecials` / `lmemfind`.
//! * [`Match`] with [`Match::get_capture`] (PUC `get_onecapture`) and
//!   [`Match::captures_for_push`] (PUC `push_captures`).
//! * [`expand_replacement`] — gsub string replacement (`%0`-`%9`, `%%`).
//! * [`GlobalMatcher`] — `string.gmatch` iteration state.
//! * [`Gsub`] — `string.gsub` driver (the VM computes replacements).
//!
//! Recursion is bounded by `MAXCCALLS` (200) nested matcher calls, like
//! PUC's `matchdepth`; deeper patterns fail with "pattern too complex".
//! A host sandbox may also bound the total matcher steps (backtracking) on
//! the current OS thread with [`set_step_budget`]; past it, "pattern too complex".

/// Maximum number of captures (LUA_MAXCAPTURES).
pub const MAX_CAPTURES: usize = 32;
/// Maximum nesting of matcher calls (MAXCCALLS).
const MAX_CALLS: usize = 200;

/// Step budget meaning "unlimited".
pub const UNLIMITED_STEPS: u64 = u64::MAX;

thread_local! {
    /// Matcher steps left on this OS thread (a sandbox's backtracking bound).
    static STEP_BUDGET: std::cell::Cell<u64> = const { std::cell::Cell::new(UNLIMITED_STEPS) };
}

/// Sets the matcher steps left on this OS thread ([`UNLIMITED_STEPS`]: no bound).
pub fn set_step_budget(steps: u64) {
    STEP_BUDGET.with(|b| b.set(steps));
}

/// The matcher steps left on this OS thread.
pub fn step_budget() -> u64 {
    STEP_BUDGET.with(|b| b.get())
}

const SPECIALS: &[u8] = b"^$*+?.([%-";

/// One capture of a successful match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capture {
    /// Substring `subject[start..end]`.
    Range(usize, usize),
    /// Position capture `()`: 0-based offset (the Lua value is offset + 1).
    Position(usize),
    /// A capture opened but never closed (e.g. pattern `"(a"`); using it is
    /// an "unfinished capture" error.  Holds the start offset.
    Unfinished(usize),
}

/// A successful match: `subject[start..end]` plus captures in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Match {
    pub start: usize,
    pub end: usize,
    pub captures: Vec<Capture>,
}

impl Match {
    /// PUC `get_onecapture`: capture `i` (0-based).  When the pattern has no
    /// captures, index 0 is the whole match.  Errors: "invalid capture index
    /// %N" and "unfinished capture".  Never returns `Unfinished`.
    pub fn get_capture(&self, i: usize) -> Result<Capture, String> {
        match self.captures.get(i) {
            None if i == 0 && self.captures.is_empty() => Ok(Capture::Range(self.start, self.end)),
            None => Err(format!("invalid capture index %{}", i + 1)),
            Some(Capture::Unfinished(_)) => Err("unfinished capture".to_string()),
            Some(c) => Ok(*c),
        }
    }

    /// PUC `push_captures`: the values a match produces.  With
    /// `whole_if_none` (string.match, gmatch, gsub callbacks) a pattern
    /// without captures yields the whole match; without it (string.find)
    /// it yields nothing.
    pub fn captures_for_push(&self, whole_if_none: bool) -> Result<Vec<Capture>, String> {
        let n = if self.captures.is_empty() && whole_if_none {
            1
        } else {
            self.captures.len()
        };
        (0..n).map(|i| self.get_capture(i)).collect()
    }
}

/// PUC's `nospecials` negated: does `pattern` contain any of `^$*+?.([%-`?
pub fn has_specials(pattern: &[u8]) -> bool {
    pattern.iter().any(|c| SPECIALS.contains(c))
}

/// Plain substring search of `needle` in `subject[init..]` (PUC lmemfind);
/// returns the 0-based start.  The empty needle is found at `init`.
pub fn find_plain(subject: &[u8], needle: &[u8], init: usize) -> Option<usize> {
    let hay = subject.get(init..)?;
    if needle.is_empty() {
        return Some(init);
    }
    if needle.len() > hay.len() {
        return None;
    }
    let (first, rest) = (needle[0], &needle[1..]);
    let last_start = hay.len() - needle.len();
    let mut i = 0;
    while i <= last_start {
        match hay[i..=last_start].iter().position(|&c| c == first) {
            None => return None,
            Some(off) => {
                let at = i + off;
                if &hay[at + 1..at + needle.len()] == rest {
                    return Some(at + init);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// Match `pattern` at exactly position `init` of `subject` (no scanning,
/// no anchor handling).  `init > subject.len()` never matches.
pub fn match_at(subject: &[u8], pattern: &[u8], init: usize) -> Result<Option<Match>, String> {
    if init > subject.len() {
        return Ok(None);
    }
    let mut st = Matcher::new(subject, pattern);
    st.try_at(init)
}

/// `string.find`/`string.match` scan: tries positions `init..=len` (only
/// `init` when the pattern starts with `^`).  `init > len` finds nothing.
pub fn find(subject: &[u8], pattern: &[u8], init: usize) -> Result<Option<Match>, String> {
    if init > subject.len() {
        return Ok(None);
    }
    let (anchor, pat) = split_anchor(pattern);
    let mut st = Matcher::new(subject, pat);
    if anchor {
        return st.try_at(init);
    }
    let first = st.first_item();
    let mut s1 = init;
    while s1 <= subject.len() {
        s1 = match st.next_candidate(first, s1) {
            Some(c) => c,
            None => break,
        };
        if let Some(m) = st.try_at(s1)? {
            return Ok(Some(m));
        }
        s1 += 1;
    }
    Ok(None)
}

/// Complete `string.find` semantics: a plain search when `plain` is set or
/// the pattern has no special characters (the result then has no
/// captures), a pattern search otherwise.
pub fn str_find(
    subject: &[u8],
    pattern: &[u8],
    init: usize,
    plain: bool,
) -> Result<Option<Match>, String> {
    if init > subject.len() {
        return Ok(None);
    }
    if plain || !has_specials(pattern) {
        Ok(find_plain(subject, pattern, init).map(|s| Match {
            start: s,
            end: s + pattern.len(),
            captures: Vec::new(),
        }))
    } else {
        find(subject, pattern, init)
    }
}

fn split_anchor(pattern: &[u8]) -> (bool, &[u8]) {
    match pattern.split_first() {
        Some((b'^', rest)) => (true, rest),
        _ => (false, pattern),
    }
}

/// Appends the gsub replacement `repl` for match `m` to `out`: `%0` is the
/// whole match, `%1`-`%9` captures (with no captures `%1` is the whole
/// match; position captures give their Lua position), `%%` a '%'.  Any other
/// use of '%' is "invalid use of '%' in replacement string".
pub fn expand_replacement(
    repl: &[u8],
    subject: &[u8],
    m: &Match,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let mut i = 0;
    while i < repl.len() {
        let c = repl[i];
        i += 1;
        if c != b'%' {
            out.push(c);
            continue;
        }
        let d = repl.get(i).copied().unwrap_or(0);
        i += 1;
        match d {
            b'%' => out.push(b'%'),
            b'0' => out.extend_from_slice(subject.get(m.start..m.end).unwrap_or(&[])),
            b'1'..=b'9' => match m.get_capture((d - b'1') as usize)? {
                Capture::Range(a, b) => out.extend_from_slice(subject.get(a..b).unwrap_or(&[])),
                Capture::Position(p) => out.extend_from_slice((p + 1).to_string().as_bytes()),
                Capture::Unfinished(_) => return Err("unfinished capture".to_string()),
            },
            _ => return Err("invalid use of '%' in replacement string".to_string()),
        }
    }
    Ok(())
}

/// State of a `string.gmatch` iterator.  Each call to [`next`] scans from
/// the current position for a match whose end differs from the end of the
/// previous match (so an empty match right after a match is skipped: 5.4's
/// `lastmatch` rule).  A leading '^' is an ordinary character.
///
/// [`next`]: GlobalMatcher::next
#[derive(Clone, Debug)]
pub struct GlobalMatcher {
    src: usize,
    lastmatch: Option<usize>,
}

impl GlobalMatcher {
    /// `init` is the 0-based start (already resolved from Lua's 1-based,
    /// possibly negative argument); values past the end give no matches.
    pub fn new(init: usize) -> Self {
        GlobalMatcher {
            src: init,
            lastmatch: None,
        }
    }

    /// Rebuilds a matcher from a saved [`state`](GlobalMatcher::state).
    pub fn resume(src: usize, lastmatch: Option<usize>) -> Self {
        GlobalMatcher { src, lastmatch }
    }

    /// The iteration state (current position, end of the last match), to be
    /// saved between calls and restored with [`resume`](GlobalMatcher::resume).
    pub fn state(&self) -> (usize, Option<usize>) {
        (self.src, self.lastmatch)
    }

    /// Next match, or `None` when exhausted.  Pass the same subject and
    /// pattern on every call.
    pub fn next(&mut self, subject: &[u8], pattern: &[u8]) -> Result<Option<Match>, String> {
        let mut st = Matcher::new(subject, pattern);
        let first = st.first_item();
        let mut src = self.src;
        while src <= subject.len() {
            src = match st.next_candidate(first, src) {
                Some(c) => c,
                None => {
                    src = subject.len() + 1;
                    break;
                }
            };
            if let Some(m) = st.try_at(src)? {
                if Some(m.end) != self.lastmatch {
                    self.src = m.end;
                    self.lastmatch = Some(m.end);
                    return Ok(Some(m));
                }
            }
            src += 1;
        }
        self.src = src;
        Ok(None)
    }
}

/// Driver for `string.gsub`.  Usage:
/// ```ignore
/// let mut g = Gsub::new(pattern, max_n);
/// let mut out = Vec::new();
/// while let Some(m) = g.next(subject, pattern, &mut out)? {
///     // append the replacement for `m` to `out` (expand_replacement,
///     // table lookup or function call; false/nil keeps subject[m.start..m.end])
/// }
/// g.finish(subject, &mut out);   // g.count() = number of matches
/// ```
/// Bytes between matches are copied into `out` by `next`.  A leading '^'
/// anchors the pattern (at most one match, at the start).  Empty matches
/// right after a previous match are skipped (5.4 `lastmatch` rule).
#[derive(Clone, Debug)]
pub struct Gsub {
    src: usize,
    lastmatch: Option<usize>,
    anchor: bool,
    count: i64,
    max: i64,
    done: bool,
}

impl Gsub {
    /// `max` is the maximum number of substitutions (Lua's 4th argument,
    /// default `subject.len() + 1`).
    pub fn new(pattern: &[u8], max: i64) -> Self {
        Gsub {
            src: 0,
            lastmatch: None,
            anchor: pattern.first() == Some(&b'^'),
            count: 0,
            max,
            done: false,
        }
    }

    /// Finds the next match to replace, copying skipped bytes to `out`.
    pub fn next(
        &mut self,
        subject: &[u8],
        pattern: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<Option<Match>, String> {
        if self.done {
            return Ok(None);
        }
        let pat = if self.anchor {
            pattern.get(1..).unwrap_or(&[])
        } else {
            pattern
        };
        let mut st = Matcher::new(subject, pat);
        let first = if self.anchor {
            FirstItem::Any
        } else {
            st.first_item()
        };
        while self.count < self.max {
            match st.next_candidate(first, self.src) {
                Some(c) => {
                    out.extend_from_slice(&subject[self.src..c]);
                    self.src = c;
                }
                None => {
                    // No match can start anywhere further on.
                    break;
                }
            }
            match st.try_at(self.src)? {
                Some(m) if Some(m.end) != self.lastmatch => {
                    self.count += 1;
                    self.src = m.end;
                    self.lastmatch = Some(m.end);
                    if self.anchor {
                        self.done = true;
                    }
                    return Ok(Some(m));
                }
                _ => {
                    if let Some(&c) = subject.get(self.src) {
                        out.push(c);
                        self.src += 1;
                    } else {
                        break;
                    }
                }
            }
            if self.anchor {
                break;
            }
        }
        self.done = true;
        Ok(None)
    }

    /// Appends the unprocessed rest of the subject.
    pub fn finish(&self, subject: &[u8], out: &mut Vec<u8>) {
        out.extend_from_slice(subject.get(self.src..).unwrap_or(&[]));
    }

    /// Number of matches found so far.
    pub fn count(&self) -> i64 {
        self.count
    }
}

// ---------------------------------------------------------------------------
// The matcher proper.

const CAP_UNFINISHED: isize = -1;
const CAP_POSITION: isize = -2;

struct Matcher<'a> {
    src: &'a [u8],
    pat: &'a [u8],
    depth: usize,
    level: usize,
    caps: [(usize, isize); MAX_CAPTURES],
    /// Steps left, read from and written back to the thread's budget.
    steps_left: u64,
}

impl Drop for Matcher<'_> {
    fn drop(&mut self) {
        if self.steps_left != UNLIMITED_STEPS {
            set_step_budget(self.steps_left);
        }
    }
}

fn class_matches(c: u8, cl: u8) -> bool {
    let res = match cl.to_ascii_lowercase() {
        b'a' => c.is_ascii_alphabetic(),
        b'c' => c.is_ascii_control(),
        b'd' => c.is_ascii_digit(),
        b'g' => c.is_ascii_graphic(),
        b'l' => c.is_ascii_lowercase(),
        b'p' => c.is_ascii_punctuation(),
        b's' => matches!(c, b' ' | b'\t'..=b'\r'),
        b'u' => c.is_ascii_uppercase(),
        b'w' => c.is_ascii_alphanumeric(),
        b'x' => c.is_ascii_hexdigit(),
        b'z' => c == 0,
        _ => return cl == c,
    };
    if cl.is_ascii_uppercase() {
        !res
    } else {
        res
    }
}

/// What a match must start with, to skip hopeless positions quickly.
#[derive(Clone, Copy, Debug)]
enum FirstItem {
    /// No cheap test: try every position.
    Any,
    /// The match starts with this byte.
    Byte(u8),
    /// The match starts with a byte matching the single-char class
    /// `pat[p..ep]`.
    Class(usize, usize),
}

impl<'a> Matcher<'a> {
    /// The first pattern item, when it must match one subject byte
    /// (skipping leading captures, which consume nothing).  Patterns whose
    /// first item is malformed get `Any`, so the error is raised as usual.
    fn first_item(&self) -> FirstItem {
        let mut p = 0;
        while let Some(b'(') = self.pat.get(p) {
            p += if self.pc(p + 1) == b')' { 2 } else { 1 };
        }
        let c = match self.pat.get(p) {
            None => return FirstItem::Any,
            Some(&c) => c,
        };
        let next = self.pc(p + 1);
        match c {
            b')' | b'$' => return FirstItem::Any,
            b'%' if next == b'b' || next == b'f' || next.is_ascii_digit() => return FirstItem::Any,
            _ => {}
        }
        let ep = match self.class_end(p) {
            Ok(ep) => ep,
            Err(_) => return FirstItem::Any,
        };
        if matches!(self.pc(ep), b'*' | b'?' | b'-') {
            return FirstItem::Any;
        }
        match c {
            b'.' | b'%' | b'[' => FirstItem::Class(p, ep),
            _ => FirstItem::Byte(c),
        }
    }

    /// The first position `>= s` where a match could start, given the
    /// pattern's first item; `None` when there is none (`Any` always gives
    /// `s` itself).
    #[inline]
    fn next_candidate(&self, first: FirstItem, s: usize) -> Option<usize> {
        match first {
            FirstItem::Any => Some(s),
            FirstItem::Byte(b) => self
                .src
                .get(s..)?
                .iter()
                .position(|&c| c == b)
                .map(|i| s + i),
            FirstItem::Class(p, ep) => {
                let mut i = s;
                while i < self.src.len() {
                    if self.single_match(i, p, ep) {
                        return Some(i);
                    }
                    i += 1;
                }
                None
            }
        }
    }

    fn new(src: &'a [u8], pat: &'a [u8]) -> Self {
        Matcher {
            src,
            pat,
            depth: MAX_CALLS,
            level: 0,
            caps: [(0, 0); MAX_CAPTURES],
            steps_left: step_budget(),
        }
    }

    /// Pattern byte at `i`, or 0 past the end (C's terminating NUL).
    fn pc(&self, i: usize) -> u8 {
        self.pat.get(i).copied().unwrap_or(0)
    }

    fn try_at(&mut self, s: usize) -> Result<Option<Match>, String> {
        self.level = 0;
        self.depth = MAX_CALLS;
        Ok(self.do_match(s, 0)?.map(|e| Match {
            start: s,
            end: e,
            captures: self.caps[..self.level]
                .iter()
                .map(|&(init, len)| match len {
                    CAP_POSITION => Capture::Position(init),
                    CAP_UNFINISHED => Capture::Unfinished(init),
                    l => Capture::Range(init, init + l as usize),
                })
                .collect(),
        }))
    }

    fn class_end(&self, mut p: usize) -> Result<usize, String> {
        let c = self.pc(p);
        p += 1;
        match c {
            b'%' => {
                if p >= self.pat.len() {
                    return Err("malformed pattern (ends with '%')".to_string());
                }
                Ok(p + 1)
            }
            b'[' => {
                if self.pc(p) == b'^' {
                    p += 1;
                }
                loop {
                    if p >= self.pat.len() {
                        return Err("malformed pattern (missing ']')".to_string());
                    }
                    let cc = self.pat[p];
                    p += 1;
                    if cc == b'%' && p < self.pat.len() {
                        p += 1;
                    }
                    if self.pc(p) == b']' {
                        return Ok(p + 1);
                    }
                }
            }
            _ => Ok(p),
        }
    }

    /// Does byte `c` match the set `pat[p..=ec]` (`p` at '[', `ec` at ']')?
    fn bracket_matches(&self, c: u8, mut p: usize, ec: usize) -> bool {
        let mut sig = true;
        if self.pc(p + 1) == b'^' {
            sig = false;
            p += 1;
        }
        loop {
            p += 1;
            if p >= ec {
                return !sig;
            }
            let pcur = self.pc(p);
            if pcur == b'%' {
                p += 1;
                if class_matches(c, self.pc(p)) {
                    return sig;
                }
            } else if self.pc(p + 1) == b'-' && p + 2 < ec {
                p += 2;
                if pcur <= c && c <= self.pc(p) {
                    return sig;
                }
            } else if pcur == c {
                return sig;
            }
        }
    }

    fn single_match(&self, s: usize, p: usize, ep: usize) -> bool {
        let Some(&c) = self.src.get(s) else {
            return false;
        };
        match self.pc(p) {
            b'.' => true,
            b'%' => class_matches(c, self.pc(p + 1)),
            b'[' => self.bracket_matches(c, p, ep - 1),
            pc => pc == c,
        }
    }

    fn do_match(&mut self, s: usize, p: usize) -> Result<Option<usize>, String> {
        // The native stack is asked every few levels (see `cstack`).
        if self.depth == 0
            || self.steps_left == 0
            || (self.depth.is_multiple_of(16) && crate::cstack::is_low(crate::cstack::RESERVE))
        {
            return Err("pattern too complex".to_string());
        }
        if self.steps_left != UNLIMITED_STEPS {
            self.steps_left -= 1;
        }
        self.depth -= 1;
        let r = self.match_body(s, p);
        self.depth += 1;
        r
    }

    fn match_body(&mut self, mut s: usize, mut p: usize) -> Result<Option<usize>, String> {
        loop {
            if p >= self.pat.len() {
                return Ok(Some(s));
            }
            let next = self.pc(p + 1);
            match self.pat[p] {
                b'(' => {
                    return if next == b')' {
                        self.start_capture(s, p + 2, CAP_POSITION)
                    } else {
                        self.start_capture(s, p + 1, CAP_UNFINISHED)
                    };
                }
                b')' => return self.end_capture(s, p + 1),
                b'$' if p + 1 == self.pat.len() => {
                    return Ok(if s == self.src.len() { Some(s) } else { None });
                }
                b'%' if next == b'b' => match self.match_balance(s, p + 2)? {
                    Some(ns) => {
                        s = ns;
                        p += 4;
                    }
                    None => return Ok(None),
                },
                b'%' if next == b'f' => {
                    p += 2;
                    if self.pc(p) != b'[' {
                        return Err("missing '[' after '%f' in pattern".to_string());
                    }
                    let ep = self.class_end(p)?;
                    let prev = if s == 0 {
                        0
                    } else {
                        self.src.get(s - 1).copied().unwrap_or(0)
                    };
                    let cur = self.src.get(s).copied().unwrap_or(0);
                    if !self.bracket_matches(prev, p, ep - 1)
                        && self.bracket_matches(cur, p, ep - 1)
                    {
                        p = ep;
                    } else {
                        return Ok(None);
                    }
                }
                b'%' if next.is_ascii_digit() => match self.match_capture(s, next)? {
                    Some(ns) => {
                        s = ns;
                        p += 2;
                    }
                    None => return Ok(None),
                },
                _ => {
                    let ep = self.class_end(p)?;
                    let suffix = self.pc(ep);
                    if !self.single_match(s, p, ep) {
                        if matches!(suffix, b'*' | b'?' | b'-') {
                            p = ep + 1;
                            continue;
                        }
                        return Ok(None);
                    }
                    match suffix {
                        b'?' => {
                            if let Some(r) = self.do_match(s + 1, ep + 1)? {
                                return Ok(Some(r));
                            }
                            p = ep + 1;
                        }
                        b'+' => return self.max_expand(s + 1, p, ep),
                        b'*' => return self.max_expand(s, p, ep),
                        b'-' => return self.min_expand(s, p, ep),
                        _ => {
                            s += 1;
                            p = ep;
                        }
                    }
                }
            }
        }
    }

    fn max_expand(&mut self, s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        let mut i = 0;
        while self.single_match(s + i, p, ep) {
            i += 1;
        }
        loop {
            if let Some(r) = self.do_match(s + i, ep + 1)? {
                return Ok(Some(r));
            }
            if i == 0 {
                return Ok(None);
            }
            i -= 1;
        }
    }

    fn min_expand(&mut self, mut s: usize, p: usize, ep: usize) -> Result<Option<usize>, String> {
        loop {
            if let Some(r) = self.do_match(s, ep + 1)? {
                return Ok(Some(r));
            }
            if self.single_match(s, p, ep) {
                s += 1;
            } else {
                return Ok(None);
            }
        }
    }

    fn start_capture(&mut self, s: usize, p: usize, what: isize) -> Result<Option<usize>, String> {
        if self.level >= MAX_CAPTURES {
            return Err("too many captures".to_string());
        }
        self.caps[self.level] = (s, what);
        self.level += 1;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.level -= 1;
        }
        Ok(r)
    }

    fn end_capture(&mut self, s: usize, p: usize) -> Result<Option<usize>, String> {
        let l = (0..self.level)
            .rev()
            .find(|&l| self.caps[l].1 == CAP_UNFINISHED)
            .ok_or_else(|| "invalid pattern capture".to_string())?;
        self.caps[l].1 = (s - self.caps[l].0) as isize;
        let r = self.do_match(s, p)?;
        if r.is_none() {
            self.caps[l].1 = CAP_UNFINISHED;
        }
        Ok(r)
    }

    fn match_balance(&self, s: usize, p: usize) -> Result<Option<usize>, String> {
        if p + 1 >= self.pat.len() {
            return Err("malformed pattern (missing arguments to '%b')".to_string());
        }
        let (open, close) = (self.pat[p], self.pat[p + 1]);
        if self.src.get(s) != Some(&open) {
            return Ok(None);
        }
        let mut depth = 1usize;
        for (i, &c) in self.src.iter().enumerate().skip(s + 1) {
            if c == close {
                depth -= 1;
                if depth == 0 {
                    return Ok(Some(i + 1));
                }
            } else if c == open {
                depth += 1;
            }
        }
        Ok(None)
    }

    fn match_capture(&self, s: usize, digit: u8) -> Result<Option<usize>, String> {
        let l = digit as isize - b'1' as isize;
        if l < 0 || l as usize >= self.level || self.caps[l as usize].1 == CAP_UNFINISHED {
            return Err(format!("invalid capture index %{}", l + 1));
        }
        let (init, len) = self.caps[l as usize];
        if len < 0 {
            return Ok(None); // position capture: never matches (as in PUC)
        }
        let len = len as usize;
        let cap = &self.src[init..init + len];
        match self.src.get(s..s + len) {
            Some(t) if t == cap => Ok(Some(s + len)),
            _ => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lua-like find: returns (start1, end1, captures as strings) or error.
    fn lfind(s: &str, p: &str, init: usize) -> Result<Option<(usize, usize, Vec<String>)>, String> {
        let sb = s.as_bytes();
        match str_find(sb, p.as_bytes(), init, false)? {
            None => Ok(None),
            Some(m) => {
                let caps = m.captures_for_push(false)?;
                Ok(Some((
                    m.start + 1,
                    m.end,
                    caps.iter().map(|c| cap_str(sb, c)).collect(),
                )))
            }
        }
    }

    fn cap_str(s: &[u8], c: &Capture) -> String {
        match *c {
            Capture::Range(a, b) => String::from_utf8_lossy(&s[a..b]).into_owned(),
            Capture::Position(p) => (p + 1).to_string(),
            Capture::Unfinished(_) => "<unfinished>".into(),
        }
    }

    fn lmatch(s: &str, p: &str) -> Result<Option<Vec<String>>, String> {
        let sb = s.as_bytes();
        match find(sb, p.as_bytes(), 0)? {
            None => Ok(None),
            Some(m) => Ok(Some(
                m.captures_for_push(true)?
                    .iter()
                    .map(|c| cap_str(sb, c))
                    .collect(),
            )),
        }
    }

    fn m1(s: &str, p: &str) -> Option<String> {
        lmatch(s, p).unwrap().map(|v| v.join(","))
    }

    fn gsub(s: &str, p: &str, r: &str, max: Option<i64>) -> Result<(String, i64), String> {
        let (sb, pb) = (s.as_bytes(), p.as_bytes());
        let mut g = Gsub::new(pb, max.unwrap_or(sb.len() as i64 + 1));
        let mut out = Vec::new();
        while let Some(m) = g.next(sb, pb, &mut out)? {
            expand_replacement(r.as_bytes(), sb, &m, &mut out)?;
        }
        g.finish(sb, &mut out);
        Ok((String::from_utf8_lossy(&out).into_owned(), g.count()))
    }

    fn gmatch(s: &str, p: &str, init: usize) -> Vec<String> {
        let mut g = GlobalMatcher::new(init);
        let mut v = Vec::new();
        while let Some(m) = g.next(s.as_bytes(), p.as_bytes()).unwrap() {
            let caps = m.captures_for_push(true).unwrap();
            v.push(
                caps.iter()
                    .map(|c| cap_str(s.as_bytes(), c))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        v
    }

    fn e(r: Result<impl std::fmt::Debug, String>) -> String {
        r.unwrap_err()
    }

    #[test]
    fn errors() {
        assert_eq!(e(lfind("abc", "%", 0)), "malformed pattern (ends with '%')");
        assert_eq!(e(lfind("abc", "[a", 0)), "malformed pattern (missing ']')");
        assert_eq!(e(lfind("abc", "[a%", 0)), "malformed pattern (missing ']')");
        assert_eq!(e(lfind("x", "[", 0)), "malformed pattern (missing ']')");
        assert_eq!(e(lfind("x", "[^", 0)), "malformed pattern (missing ']')");
        assert_eq!(e(lfind("x", "[]", 0)), "malformed pattern (missing ']')");
        assert_eq!(
            e(lfind("abc", "%f", 0)),
            "missing '[' after '%f' in pattern"
        );
        assert_eq!(
            e(lfind("abc", "%fa", 0)),
            "missing '[' after '%f' in pattern"
        );
        assert_eq!(
            e(lfind("abc", "%b", 0)),
            "malformed pattern (missing arguments to '%b')"
        );
        assert_eq!(
            e(lfind("abc", "%ba", 0)),
            "malformed pattern (missing arguments to '%b')"
        );
        assert_eq!(e(lfind("abc", "(a)%2", 0)), "invalid capture index %2");
        assert_eq!(e(lfind("abc", "%1", 0)), "invalid capture index %1");
        assert_eq!(e(lfind("abc", "(a%1)", 0)), "invalid capture index %1");
        assert_eq!(e(lfind("abc", "%0", 0)), "invalid capture index %0");
        assert_eq!(e(lmatch("abc", "a)")), "invalid pattern capture");
        assert_eq!(e(lfind("abc", "(a", 0)), "unfinished capture");
        assert_eq!(e(lfind("abc", &"()".repeat(33), 0)), "too many captures");
        assert_eq!(e(lfind("x", &"(x?)".repeat(33), 0)), "too many captures");
        let a300 = "a".repeat(300);
        for n in 197..200 {
            assert_eq!(lfind(&a300, &"a?".repeat(n), 0).unwrap().unwrap().1, n);
        }
        assert_eq!(e(lfind(&a300, &"a?".repeat(200), 0)), "pattern too complex");
        assert_eq!(
            e(lfind(&a300, &"a?".repeat(100_000), 0)),
            "pattern too complex"
        );
        assert_eq!(lfind(&a300, &"a".repeat(201), 0).unwrap().unwrap().1, 201);
        assert_eq!(lfind(&"a".repeat(2000), ".-b", 0).unwrap(), None);
        assert_eq!(lfind(&"a".repeat(10000), "a*a*a*b", 9990).unwrap(), None);
        assert_eq!(e(lfind("aaa", &"(".repeat(10000), 0)), "too many captures");
    }

    #[test]
    fn finding() {
        assert_eq!(
            lfind("THE (quick) fox", "%((%a+)%)", 0).unwrap(),
            Some((5, 11, vec!["quick".into()]))
        );
        assert_eq!(lfind("x[]]y", "[]]", 0).unwrap(), Some((3, 3, vec![])));
        assert_eq!(lfind("x^y", "[%^]", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("a-b", "[a-]+", 0).unwrap(), Some((1, 2, vec![])));
        assert_eq!(
            lfind("hello world", "%f[%w]%w+$", 0).unwrap(),
            Some((7, 11, vec![]))
        );
        assert_eq!(lfind("abc", "^", 0).unwrap(), Some((1, 0, vec![])));
        assert_eq!(lfind("", "", 0).unwrap(), Some((1, 0, vec![])));
        assert_eq!(lfind("abc", "", 9).unwrap(), None);
        assert_eq!(lfind("abc", "", 3).unwrap(), Some((4, 3, vec![])));
        assert_eq!(lfind("abc", "b", 2).unwrap(), None);
        assert_eq!(lfind("a+b", "+", 0).unwrap(), Some((2, 2, vec![]))); // a lone '+' is a literal
        assert_eq!(
            str_find(b"a+b", b"+", 0, true)
                .unwrap()
                .map(|m| (m.start, m.end)),
            Some((1, 2))
        );
        assert_eq!(lfind("a+b", "a+", 0).unwrap(), Some((1, 1, vec![])));
        assert_eq!(lfind("abc", "a)", 0).unwrap(), None); // no specials: plain search
        assert_eq!(lfind("a\0b", "%z", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("abc", "%g+", 0).unwrap(), Some((1, 3, vec![])));
        assert_eq!(lfind("a.b", "%p", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("aaa", "a-b", 0).unwrap(), None);
        assert_eq!(lfind("aaab", "a-b", 0).unwrap(), Some((1, 4, vec![])));
        assert_eq!(
            lfind("hello", "()ll()", 0).unwrap(),
            Some((3, 4, vec!["3".into(), "5".into()]))
        );
        assert_eq!(lfind("\0\x01", "%c+", 0).unwrap(), Some((1, 2, vec![])));
        assert_eq!(lfind("ab12", "%D+", 0).unwrap(), Some((1, 2, vec![])));
        assert_eq!(lfind("AbC", "%u%l%u", 0).unwrap(), Some((1, 3, vec![])));
        assert_eq!(lfind("a\tb", "%s", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("a\x0bb", "%s", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("Zz", "%X", 0).unwrap(), Some((1, 1, vec![])));
        assert_eq!(lfind("aXb", "[%a-z]", 0).unwrap(), Some((1, 1, vec![])));
        assert_eq!(lfind("-", "[%a-z]", 0).unwrap(), Some((1, 1, vec![])));
        assert_eq!(lfind("b", "[a-]", 0).unwrap(), None);
        assert_eq!(lfind("xyz", "[^x]", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("x]", "[^]]", 0).unwrap(), Some((1, 1, vec![])));
        assert_eq!(lfind("a$b", "a$b", 0).unwrap(), Some((1, 3, vec![])));
        assert_eq!(lfind("ab", "b$", 0).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("ab", "^b", 0).unwrap(), None);
        assert_eq!(lfind("ab", "^b", 1).unwrap(), Some((2, 2, vec![])));
        assert_eq!(lfind("\u{e9}", "%a", 0).unwrap(), None);
        assert_eq!(
            str_find(b"x\x80y", b"[\x7f-\xff]", 0, false)
                .unwrap()
                .map(|m| m.start),
            Some(1)
        );
    }

    #[test]
    fn matching() {
        assert_eq!(
            m1("  key = value  ", "(%w+)%s*=%s*(%w+)"),
            Some("key,value".into())
        );
        assert_eq!(m1("[[x]]", "%b[]"), Some("[[x]]".into()));
        assert_eq!(m1("f(a(b)c)d", "%b()"), Some("(a(b)c)".into()));
        assert_eq!(m1("f(a(b c", "%b()"), None);
        assert_eq!(m1("aaa", "^(a*)(a)$"), Some("aa,a".into()));
        assert_eq!(m1("ab", "(a)(b)%2%1"), None);
        assert_eq!(m1("abba", "(a)(b)%2%1"), Some("a,b".into()));
        assert_eq!(m1("abab", "(ab)%1"), Some("ab".into()));
        assert_eq!(m1("]", "[]]"), Some("]".into()));
        assert_eq!(
            m1("2024-01-02", "(%d+)-(%d+)-(%d+)"),
            Some("2024,01,02".into())
        );
        assert_eq!(m1("abc", "%f[%w]"), Some("".into()));
        assert_eq!(m1("THE (quick) fox", "%f[%a]%a+%f[%A]"), Some("THE".into()));
        assert_eq!(m1("x", "()"), Some("1".into()));
        assert_eq!(m1("hello world", "o()"), Some("6".into()));
        assert_eq!(m1("abc", "b?c"), Some("bc".into()));
        assert_eq!(m1("ac", "ab?c"), Some("ac".into()));
        assert_eq!(m1("<a><b>", "<(.-)>"), Some("a".into()));
        assert_eq!(m1("<a><b>", "<(.*)>"), Some("a><b".into()));
        assert_eq!(m1("  trim  ", "^%s*(.-)%s*$"), Some("trim".into()));
        assert_eq!(m1("a.b", "%.b"), Some(".b".into()));
        assert_eq!(m1("x=1,y=2", "(%w)=(%d),(%w)=(%d)"), Some("x,1,y,2".into()));
        assert_eq!(m1("ab", "()(a)()"), Some("1,a,2".into()));
        assert_eq!(m1("aa", "()a%1"), None); // back-reference to a position never matches
        assert_eq!(m1("f\0o", "%z"), Some("\0".into()));
        assert_eq!(m1("THE END", "%f[%z]"), Some("".into())); // the end of the subject reads as NUL
        assert_eq!(m1("end", "%f[%z]").map(|s| s.len()), Some(0));
    }

    #[test]
    fn gsub_and_gmatch() {
        assert_eq!(e(gsub("abc", "(a", "%1", None)), "unfinished capture");
        assert_eq!(gsub("abc", "(a", "x", None).unwrap(), ("xbc".into(), 1));
        assert_eq!(gsub("abc", "(a", "%0", None).unwrap(), ("abc".into(), 1));
        assert_eq!(e(gsub("abc", "b", "%2", None)), "invalid capture index %2");
        assert_eq!(
            e(gsub("abc", "b", "%x", None)),
            "invalid use of '%' in replacement string"
        );
        assert_eq!(
            e(gsub("abc", "b", "%", None)),
            "invalid use of '%' in replacement string"
        );
        assert_eq!(
            e(gsub("abc", "(b)", "%2", None)),
            "invalid capture index %2"
        );
        assert_eq!(gsub("abc", "()b", "%1", None).unwrap(), ("a2c".into(), 1));
        assert_eq!(gsub("abc", "", "-", None).unwrap(), ("-a-b-c-".into(), 4));
        assert_eq!(gsub("abc", "b*", "-", None).unwrap(), ("-a-c-".into(), 3));
        assert_eq!(gsub("abc", "^a*", "-", None).unwrap(), ("-bc".into(), 1));
        assert_eq!(gsub("bc", "^a", "-", None).unwrap(), ("bc".into(), 0));
        assert_eq!(gsub("abc", "%w", "%1", None).unwrap(), ("abc".into(), 3));
        assert_eq!(
            gsub("hello world", "o", "0", Some(1)).unwrap(),
            ("hell0 world".into(), 1)
        );
        assert_eq!(
            gsub("abc", "%w", "%0%0", None).unwrap(),
            ("aabbcc".into(), 3)
        );
        assert_eq!(gsub("abc", "", "-", Some(2)).unwrap(), ("-a-bc".into(), 2));
        assert_eq!(gsub("abc", "x", "-", Some(0)).unwrap(), ("abc".into(), 0));
        assert_eq!(
            gsub("hello world", "(%w+)", "<%1>", None).unwrap(),
            ("<hello> <world>".into(), 2)
        );
        assert_eq!(
            gsub("a,b", "(%w)", "%%%1", None).unwrap(),
            ("%a,%b".into(), 2)
        );
        assert_eq!(gsub("abc", ".", "x", Some(-1)).unwrap(), ("abc".into(), 0));
        assert_eq!(gmatch("abc", "", 0), vec!["", "", "", ""]);
        assert_eq!(gmatch("k=v, x=y", "(%w+)=(%w+)", 0), vec!["k,v", "x,y"]);
        assert_eq!(gmatch("abc", "b*", 0), vec!["", "b", ""]);
        assert_eq!(gmatch("one two", "%a+", 2), vec!["e", "two"]);
        assert_eq!(gmatch("^a^a", "^a", 0), vec!["^a", "^a"]);
        assert_eq!(gmatch("abc", ".", 4), Vec::<String>::new());
        assert_eq!(gmatch("abc", "()", 0), vec!["1", "2", "3", "4"]);
    }

    #[test]
    fn plain_helpers() {
        assert!(!has_specials(b"abc\0def"));
        assert!(has_specials(b"a.b"));
        assert_eq!(find_plain(b"hello", b"ll", 0), Some(2));
        assert_eq!(find_plain(b"hello", b"", 5), Some(5));
        assert_eq!(find_plain(b"hello", b"", 6), None);
        assert_eq!(find_plain(b"hello", b"lo!", 0), None);
        assert_eq!(find_plain(b"a\0b", b"\0b", 0), Some(1));
        assert_eq!(match_at(b"abc", b"b", 0).unwrap(), None);
        assert_eq!(match_at(b"abc", b"b", 1).unwrap().map(|m| m.end), Some(2));
        assert_eq!(match_at(b"abc", b"b", 7).unwrap(), None);
        let m = match_at(b"abc", b"^a", 0).unwrap();
        assert_eq!(m, None);
    }
}
