//! The scanner (PUC's `llex.c`): turns source bytes into tokens, one at a time,
//! with one token of lookahead. Error messages carry the chunk id, line and the
//! offending token text exactly as lua5.4 prints them.

use super::chunk_id;
use super::interner::Interner;
use super::number::{str_to_number, Number};
use std::rc::Rc;

/// A Lua string as raw bytes, cheaply shared.
pub type LStr = Rc<[u8]>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tok {
    /// A single-byte token (`+`, `(`, ... or any other byte).
    Char(u8),
    And,
    Break,
    Do,
    Else,
    Elseif,
    End,
    False,
    For,
    Function,
    Goto,
    If,
    In,
    Local,
    Nil,
    Not,
    Or,
    Repeat,
    Return,
    Then,
    True,
    Until,
    While,
    IDiv,
    Concat,
    Dots,
    Eq,
    Ge,
    Le,
    Ne,
    Shl,
    Shr,
    DbColon,
    Eos,
    Flt,
    Int,
    Name,
    Str,
}

const RESERVED: [(&[u8], Tok); 22] = [
    (b"and", Tok::And),
    (b"break", Tok::Break),
    (b"do", Tok::Do),
    (b"else", Tok::Else),
    (b"elseif", Tok::Elseif),
    (b"end", Tok::End),
    (b"false", Tok::False),
    (b"for", Tok::For),
    (b"function", Tok::Function),
    (b"goto", Tok::Goto),
    (b"if", Tok::If),
    (b"in", Tok::In),
    (b"local", Tok::Local),
    (b"nil", Tok::Nil),
    (b"not", Tok::Not),
    (b"or", Tok::Or),
    (b"repeat", Tok::Repeat),
    (b"return", Tok::Return),
    (b"then", Tok::Then),
    (b"true", Tok::True),
    (b"until", Tok::Until),
    (b"while", Tok::While),
];

/// The reserved word spelled by `s`, if any.
fn reserved(s: &[u8]) -> Option<Tok> {
    // A `match` on the bytes compiles to a length switch and word compares,
    // where a scan of `RESERVED` compared every word in turn.
    Some(match s {
        b"and" => Tok::And,
        b"break" => Tok::Break,
        b"do" => Tok::Do,
        b"else" => Tok::Else,
        b"elseif" => Tok::Elseif,
        b"end" => Tok::End,
        b"false" => Tok::False,
        b"for" => Tok::For,
        b"function" => Tok::Function,
        b"goto" => Tok::Goto,
        b"if" => Tok::If,
        b"in" => Tok::In,
        b"local" => Tok::Local,
        b"nil" => Tok::Nil,
        b"not" => Tok::Not,
        b"or" => Tok::Or,
        b"repeat" => Tok::Repeat,
        b"return" => Tok::Return,
        b"then" => Tok::Then,
        b"true" => Tok::True,
        b"until" => Tok::Until,
        b"while" => Tok::While,
        _ => return None,
    })
}

/// PUC's `luaX_token2str`.
pub fn token_to_str(t: Tok) -> Vec<u8> {
    let fixed: &[u8] = match t {
        Tok::Char(c) => {
            return if (0x20..0x7f).contains(&c) {
                vec![b'\'', c, b'\'']
            } else {
                format!("'<\\{}>'", c).into_bytes()
            };
        }
        Tok::IDiv => b"//",
        Tok::Concat => b"..",
        Tok::Dots => b"...",
        Tok::Eq => b"==",
        Tok::Ge => b">=",
        Tok::Le => b"<=",
        Tok::Ne => b"~=",
        Tok::Shl => b"<<",
        Tok::Shr => b">>",
        Tok::DbColon => b"::",
        Tok::Eos => return b"<eof>".to_vec(),
        Tok::Flt => return b"<number>".to_vec(),
        Tok::Int => return b"<integer>".to_vec(),
        Tok::Name => return b"<name>".to_vec(),
        Tok::Str => return b"<string>".to_vec(),
        other => match RESERVED.iter().find(|(_, k)| *k == other) {
            Some((s, _)) => s,
            None => b"?",
        },
    };
    let mut v = vec![b'\''];
    v.extend_from_slice(fixed);
    v.push(b'\'');
    v
}

/// Semantic value of a token.
#[derive(Clone, Debug)]
pub enum SemInfo {
    None,
    Int(i64),
    Flt(f64),
    Str(LStr),
}

#[derive(Clone, Debug)]
pub struct Token {
    pub tok: Tok,
    pub sem: SemInfo,
}

impl Token {
    fn eos() -> Token {
        Token {
            tok: Tok::Eos,
            sem: SemInfo::None,
        }
    }
}

const EOZ: i32 = -1;

pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    current: i32,
    pub linenumber: u32,
    pub lastline: u32,
    pub t: Token,
    lookahead: Token,
    buff: Vec<u8>,
    /// Where in `src` the last numeral read by `read_plain_decimal` is
    /// (such a numeral leaves `buff` empty).
    plain_numeral: (usize, usize),
    /// Chunk id (already formatted by `chunk_id`) for error messages.
    chunkid: Vec<u8>,
    /// Every name and string literal read so far, once.
    strings: Interner,
}

fn is_alpha(c: i32) -> bool {
    c >= 0 && ((c as u8).is_ascii_alphabetic() || c == b'_' as i32)
}
fn is_digit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_digit()
}
fn is_xdigit(c: i32) -> bool {
    c >= 0 && (c as u8).is_ascii_hexdigit()
}
fn is_space(c: i32) -> bool {
    c >= 0 && super::number::is_space(c as u8)
}
fn hexa_value(c: i32) -> u32 {
    let c = c as u8;
    if c.is_ascii_digit() {
        (c - b'0') as u32
    } else {
        ((c | 0x20) - b'a' + 10) as u32
    }
}

/// Encodes `x` (<= 0x7FFFFFFF) as PUC's extended UTF-8 (up to 6 bytes).
pub fn utf8_encode(mut x: u32, out: &mut Vec<u8>) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut tmp = [0u8; 8];
    let mut n = 0;
    let mut mfb: u32 = 0x3f;
    loop {
        tmp[n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    let first = ((!mfb << 1) | x) as u8;
    out.push(first);
    for i in (0..n).rev() {
        out.push(tmp[i]);
    }
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a [u8], chunkname: &[u8]) -> Lexer<'a> {
        let mut lx = Lexer {
            src,
            pos: 0,
            current: EOZ,
            linenumber: 1,
            lastline: 1,
            t: Token::eos(),
            lookahead: Token::eos(),
            buff: Vec::new(),
            plain_numeral: (0, 0),
            chunkid: chunk_id(chunkname),
            // Typically at most one new name or string per 64 bytes (a
            // generated 50,000-line chunk has one per 83). Sizing up front
            // saves rehashing, but room never used still costs the pages
            // the entries are scattered over.
            strings: Interner::with_capacity(src.len() / 64),
        };
        lx.next_char();
        lx
    }

    #[inline]
    fn next_char(&mut self) {
        self.current = match self.src.get(self.pos) {
            Some(&c) => {
                self.pos += 1;
                c as i32
            }
            None => EOZ,
        };
    }

    #[inline]
    fn save(&mut self, c: i32) {
        self.buff.push(c as u8);
    }

    #[inline]
    fn save_and_next(&mut self) {
        let c = self.current;
        self.save(c);
        self.next_char();
    }

    fn curr_is_newline(&self) -> bool {
        self.current == b'\n' as i32 || self.current == b'\r' as i32
    }

    /// Formats "chunk:line: msg" (PUC's luaG_addinfo) for the current line.
    #[cold]
    #[inline(never)]
    pub fn add_info(&self, msg: &[u8], line: u32) -> Vec<u8> {
        let mut out = self.chunkid.clone();
        out.extend_from_slice(format!(":{}: ", line).as_bytes());
        out.extend_from_slice(msg);
        out
    }

    fn txt_token(&self, tok: Tok) -> Vec<u8> {
        match tok {
            Tok::Name | Tok::Str | Tok::Flt | Tok::Int => {
                let mut v = vec![b'\''];
                let text = match tok {
                    Tok::Flt | Tok::Int if self.buff.is_empty() => {
                        &self.src[self.plain_numeral.0..self.plain_numeral.1]
                    }
                    _ => &self.buff[..],
                };
                // %s stops at a zero byte
                let end = text.iter().position(|&c| c == 0).unwrap_or(text.len());
                v.extend_from_slice(&text[..end]);
                v.push(b'\'');
                v
            }
            _ => token_to_str(tok),
        }
    }

    /// PUC's `lexerror`: message at the current line, "near" the given token.
    #[cold]
    #[inline(never)]
    pub fn error_near(&self, msg: &[u8], tok: Option<Tok>) -> Vec<u8> {
        let mut m = msg.to_vec();
        match tok {
            Some(Tok::Char(0)) | None => {}
            Some(t) => {
                m.extend_from_slice(b" near ");
                m.extend_from_slice(&self.txt_token(t));
            }
        }
        self.add_info(&m, self.linenumber)
    }

    /// PUC's `luaX_syntaxerror`: error near the current token.
    #[cold]
    #[inline(never)]
    pub fn syntax_error(&self, msg: &str) -> Vec<u8> {
        self.error_near(msg.as_bytes(), Some(self.t.tok))
    }

    fn inc_line(&mut self) -> Result<(), Vec<u8>> {
        let old = self.current;
        self.next_char();
        if self.curr_is_newline() && self.current != old {
            self.next_char();
        }
        self.linenumber += 1;
        if self.linenumber >= i32::MAX as u32 {
            return Err(self.error_near(b"chunk has too many lines", None));
        }
        Ok(())
    }

    /// Advances to the next token (PUC's `luaX_next`).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<(), Vec<u8>> {
        self.lastline = self.linenumber;
        if self.lookahead.tok != Tok::Eos {
            self.t = std::mem::replace(&mut self.lookahead, Token::eos());
        } else {
            self.t = self.lex()?;
        }
        Ok(())
    }

    /// Reads the lookahead token (PUC's `luaX_lookahead`).
    pub fn peek(&mut self) -> Result<Tok, Vec<u8>> {
        // Scans through `next`, the one place the scanner is inlined; the
        // current token steps aside meanwhile.
        let current = std::mem::replace(&mut self.t, Token::eos());
        let lastline = self.lastline;
        let scanned = self.next();
        self.lookahead = std::mem::replace(&mut self.t, current);
        self.lastline = lastline;
        scanned?;
        Ok(self.lookahead.tok)
    }

    fn check_next1(&mut self, c: u8) -> bool {
        if self.current == c as i32 {
            self.next_char();
            true
        } else {
            false
        }
    }

    fn check_next2(&mut self, set: &[u8; 2]) -> bool {
        if self.current == set[0] as i32 || self.current == set[1] as i32 {
            self.save_and_next();
            true
        } else {
            false
        }
    }

    /// Reads the most common numerals straight from the source: a decimal
    /// integer of up to 18 digits (no overflow), or digits '.' digits with up
    /// to 15 digits in all, which convert exactly as integer / 10^k (both
    /// exact in an f64, so the one division rounds correctly). Returns `None`,
    /// consuming nothing, for anything else (`current` must be a digit).
    fn read_plain_decimal(&mut self) -> Option<Token> {
        // `current` is `src[pos - 1]`.
        let start = self.pos - 1;
        let count_digits = |from: usize| {
            self.src[from.min(self.src.len())..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .count()
        };
        let continues_numeral = |c: Option<&u8>| matches!(c, Some(&c) if c.is_ascii_alphanumeric() || c == b'_' || c == b'.');
        let int_digits = count_digits(start);
        let mut end = start + int_digits;
        let value = |digits: &[u8]| {
            digits
                .iter()
                .fold(0i64, |n, &d| n * 10 + i64::from(d - b'0'))
        };
        let token = if self.src.get(end) == Some(&b'.') {
            let frac_digits = count_digits(end + 1);
            if int_digits + frac_digits > 15 {
                return None;
            }
            let int_part = value(&self.src[start..end]);
            let frac_part = value(&self.src[end + 1..end + 1 + frac_digits]);
            end += 1 + frac_digits;
            if continues_numeral(self.src.get(end)) {
                return None;
            }
            let scale = 10i64.pow(frac_digits as u32);
            let mantissa = int_part * scale + frac_part;
            Token {
                tok: Tok::Flt,
                sem: SemInfo::Flt(mantissa as f64 / scale as f64),
            }
        } else {
            if int_digits > 18 || continues_numeral(self.src.get(end)) {
                return None;
            }
            Token {
                tok: Tok::Int,
                sem: SemInfo::Int(value(&self.src[start..end])),
            }
        };
        // Messages quote the numeral from the source (see `txt_token`).
        self.plain_numeral = (start, end);
        self.pos = end;
        self.next_char();
        Some(token)
    }

    fn read_numeral(&mut self) -> Result<Token, Vec<u8>> {
        let first = self.current;
        let mut expo = b"Ee";
        self.save_and_next();
        if first == b'0' as i32 && self.check_next2(b"xX") {
            expo = b"Pp";
        }
        loop {
            if self.check_next2(expo) {
                self.check_next2(b"-+");
            } else if is_xdigit(self.current) || self.current == b'.' as i32 {
                self.save_and_next();
            } else {
                break;
            }
        }
        if is_alpha(self.current) {
            self.save_and_next(); // force an error
        }
        match str_to_number(&self.buff) {
            Some(Number::Int(i)) => Ok(Token {
                tok: Tok::Int,
                sem: SemInfo::Int(i),
            }),
            Some(Number::Float(f)) => Ok(Token {
                tok: Tok::Flt,
                sem: SemInfo::Flt(f),
            }),
            None => Err(self.error_near(b"malformed number", Some(Tok::Flt))),
        }
    }

    /// Reads `[=*[` or `]=*]`; returns the count + 2 when well formed, 1 for a
    /// lone bracket, 0 for `[=` without the second bracket.
    fn skip_sep(&mut self) -> usize {
        let mut count = 0;
        let s = self.current;
        self.save_and_next();
        while self.current == b'=' as i32 {
            self.save_and_next();
            count += 1;
        }
        if self.current == s {
            count + 2
        } else if count == 0 {
            1
        } else {
            0
        }
    }

    fn read_long_string(&mut self, is_string: bool, sep: usize) -> Result<Option<LStr>, Vec<u8>> {
        let line = self.linenumber;
        self.save_and_next(); // skip 2nd '['
        if self.curr_is_newline() {
            self.inc_line()?;
        }
        loop {
            match self.current {
                EOZ => {
                    let what = if is_string { "string" } else { "comment" };
                    let msg = format!("unfinished long {} (starting at line {})", what, line);
                    return Err(self.error_near(msg.as_bytes(), Some(Tok::Eos)));
                }
                c if c == b']' as i32 => {
                    if self.skip_sep() == sep {
                        self.save_and_next(); // skip 2nd ']'
                        break;
                    }
                }
                c if c == b'\n' as i32 || c == b'\r' as i32 => {
                    self.save(b'\n' as i32);
                    self.inc_line()?;
                    if !is_string {
                        self.buff.clear();
                    }
                }
                _ => {
                    if is_string {
                        self.save_and_next();
                    } else {
                        self.next_char();
                    }
                }
            }
        }
        if is_string {
            let b = &self.buff;
            let s = self
                .strings
                .intern(b.get(sep..b.len().saturating_sub(sep)).unwrap_or(&[]));
            Ok(Some(s))
        } else {
            Ok(None)
        }
    }

    fn esc_check(&mut self, ok: bool, msg: &str) -> Result<(), Vec<u8>> {
        if !ok {
            if self.current != EOZ {
                self.save_and_next(); // add current to buffer for error message
            }
            return Err(self.error_near(msg.as_bytes(), Some(Tok::Str)));
        }
        Ok(())
    }

    fn get_hexa(&mut self) -> Result<u32, Vec<u8>> {
        self.save_and_next();
        self.esc_check(is_xdigit(self.current), "hexadecimal digit expected")?;
        Ok(hexa_value(self.current))
    }

    fn read_hexa_esc(&mut self) -> Result<i32, Vec<u8>> {
        let mut r = self.get_hexa()?;
        r = (r << 4) + self.get_hexa()?;
        let n = self.buff.len().saturating_sub(2);
        self.buff.truncate(n);
        Ok(r as i32)
    }

    fn read_utf8_esc(&mut self) -> Result<u32, Vec<u8>> {
        let mut i = 4; // chars to be removed: '\', 'u', '{', and first digit
        self.save_and_next(); // skip 'u'
        self.esc_check(self.current == b'{' as i32, "missing '{'")?;
        let mut r = self.get_hexa()?;
        loop {
            self.save_and_next();
            if !is_xdigit(self.current) {
                break;
            }
            i += 1;
            self.esc_check(r <= (0x7FFF_FFFFu32 >> 4), "UTF-8 value too large")?;
            r = (r << 4) + hexa_value(self.current);
        }
        self.esc_check(self.current == b'}' as i32, "missing '}'")?;
        self.next_char(); // skip '}'
        let n = self.buff.len().saturating_sub(i);
        self.buff.truncate(n);
        Ok(r)
    }

    fn read_dec_esc(&mut self) -> Result<i32, Vec<u8>> {
        let mut r: i32 = 0;
        let mut i = 0;
        while i < 3 && is_digit(self.current) {
            r = 10 * r + self.current - b'0' as i32;
            self.save_and_next();
            i += 1;
        }
        self.esc_check(r <= 255, "decimal escape too large")?;
        let n = self.buff.len().saturating_sub(i);
        self.buff.truncate(n);
        Ok(r)
    }

    fn remove_last(&mut self) {
        self.buff.pop();
    }

    fn read_string(&mut self, del: i32) -> Result<Token, Vec<u8>> {
        self.save_and_next(); // keep delimiter (for error messages)
        while self.current != del {
            match self.current {
                EOZ => return Err(self.error_near(b"unfinished string", Some(Tok::Eos))),
                c if c == b'\n' as i32 || c == b'\r' as i32 => {
                    return Err(self.error_near(b"unfinished string", Some(Tok::Str)));
                }
                c if c == b'\\' as i32 => {
                    self.save_and_next(); // keep '\\' for error messages
                    let c = self.current;
                    let simple = match c {
                        _ if c == b'a' as i32 => Some(7),
                        _ if c == b'b' as i32 => Some(8),
                        _ if c == b'f' as i32 => Some(12),
                        _ if c == b'n' as i32 => Some(10),
                        _ if c == b'r' as i32 => Some(13),
                        _ if c == b't' as i32 => Some(9),
                        _ if c == b'v' as i32 => Some(11),
                        _ if c == b'\\' as i32 || c == b'"' as i32 || c == b'\'' as i32 => Some(c),
                        _ => None,
                    };
                    if let Some(v) = simple {
                        self.next_char();
                        self.remove_last();
                        self.save(v);
                    } else if c == b'x' as i32 {
                        let v = self.read_hexa_esc()?;
                        self.next_char();
                        self.remove_last();
                        self.save(v);
                    } else if c == b'u' as i32 {
                        let v = self.read_utf8_esc()?;
                        let mut tmp = Vec::new();
                        utf8_encode(v, &mut tmp);
                        self.buff.extend_from_slice(&tmp);
                    } else if c == b'\n' as i32 || c == b'\r' as i32 {
                        self.inc_line()?;
                        self.remove_last();
                        self.save(b'\n' as i32);
                    } else if c == EOZ {
                        // will raise an error next loop
                    } else if c == b'z' as i32 {
                        self.remove_last(); // remove '\\'
                        self.next_char(); // skip the 'z'
                        while is_space(self.current) {
                            if self.curr_is_newline() {
                                self.inc_line()?;
                            } else {
                                self.next_char();
                            }
                        }
                    } else {
                        self.esc_check(is_digit(c), "invalid escape sequence")?;
                        let v = self.read_dec_esc()?;
                        self.remove_last();
                        self.save(v);
                    }
                }
                _ => self.save_and_next(),
            }
        }
        self.save_and_next(); // skip delimiter
        let b = &self.buff;
        let s = self.strings.intern(b.get(1..b.len() - 1).unwrap_or(&[]));
        Ok(Token {
            tok: Tok::Str,
            sem: SemInfo::Str(s),
        })
    }

    /// The name in `buff`, shared with earlier occurrences.
    fn intern_name(&mut self) -> LStr {
        self.strings.intern(&self.buff)
    }

    /// `bytes` as a string shared with every equal name or string read.
    pub fn intern(&mut self, bytes: &[u8]) -> LStr {
        self.strings.intern(bytes)
    }

    /// Scans the next token. Inlined into `next` (its only caller), so the
    /// token is built in place rather than returned and copied.
    #[inline(always)]
    fn lex(&mut self) -> Result<Token, Vec<u8>> {
        self.buff.clear();
        let simple = |t: Tok| {
            Ok(Token {
                tok: t,
                sem: SemInfo::None,
            })
        };
        loop {
            let c = self.current;
            if c == EOZ {
                return simple(Tok::Eos);
            }
            let cb = c as u8;
            match cb {
                b'\n' | b'\r' => self.inc_line()?,
                b' ' | 0x0c | b'\t' | 0x0b => self.next_char(),
                b'-' => {
                    self.next_char();
                    if self.current != b'-' as i32 {
                        return simple(Tok::Char(b'-'));
                    }
                    self.next_char();
                    if self.current == b'[' as i32 {
                        let sep = self.skip_sep();
                        self.buff.clear();
                        if sep >= 2 {
                            self.read_long_string(false, sep)?;
                            self.buff.clear();
                            continue;
                        }
                    }
                    while !self.curr_is_newline() && self.current != EOZ {
                        self.next_char();
                    }
                }
                b'[' => {
                    let sep = self.skip_sep();
                    if sep >= 2 {
                        let s = self
                            .read_long_string(true, sep)?
                            .unwrap_or_else(|| Rc::from(&b""[..]));
                        return Ok(Token {
                            tok: Tok::Str,
                            sem: SemInfo::Str(s),
                        });
                    } else if sep == 0 {
                        return Err(
                            self.error_near(b"invalid long string delimiter", Some(Tok::Str))
                        );
                    }
                    return simple(Tok::Char(b'['));
                }
                b'=' => {
                    self.next_char();
                    return simple(if self.check_next1(b'=') {
                        Tok::Eq
                    } else {
                        Tok::Char(b'=')
                    });
                }
                b'<' => {
                    self.next_char();
                    return simple(if self.check_next1(b'=') {
                        Tok::Le
                    } else if self.check_next1(b'<') {
                        Tok::Shl
                    } else {
                        Tok::Char(b'<')
                    });
                }
                b'>' => {
                    self.next_char();
                    return simple(if self.check_next1(b'=') {
                        Tok::Ge
                    } else if self.check_next1(b'>') {
                        Tok::Shr
                    } else {
                        Tok::Char(b'>')
                    });
                }
                b'/' => {
                    self.next_char();
                    return simple(if self.check_next1(b'/') {
                        Tok::IDiv
                    } else {
                        Tok::Char(b'/')
                    });
                }
                b'~' => {
                    self.next_char();
                    return simple(if self.check_next1(b'=') {
                        Tok::Ne
                    } else {
                        Tok::Char(b'~')
                    });
                }
                b':' => {
                    self.next_char();
                    return simple(if self.check_next1(b':') {
                        Tok::DbColon
                    } else {
                        Tok::Char(b':')
                    });
                }
                b'"' | b'\'' => return self.read_string(c),
                b'.' => {
                    self.save_and_next();
                    if self.check_next1(b'.') {
                        return simple(if self.check_next1(b'.') {
                            Tok::Dots
                        } else {
                            Tok::Concat
                        });
                    } else if !is_digit(self.current) {
                        return simple(Tok::Char(b'.'));
                    } else {
                        return self.read_numeral();
                    }
                }
                b'0'..=b'9' => {
                    return match self.read_plain_decimal() {
                        Some(token) => Ok(token),
                        None => self.read_numeral(),
                    }
                }
                _ => {
                    if is_alpha(c) {
                        // `current` is `src[pos - 1]`: take the whole name at once.
                        let start = self.pos - 1;
                        let mut end = self.pos;
                        while end < self.src.len()
                            && (self.src[end].is_ascii_alphanumeric() || self.src[end] == b'_')
                        {
                            end += 1;
                        }
                        self.buff.extend_from_slice(&self.src[start..end]);
                        self.pos = end;
                        self.next_char();
                        if let Some(t) = reserved(&self.buff) {
                            return simple(t);
                        }
                        let s = self.intern_name();
                        return Ok(Token {
                            tok: Tok::Name,
                            sem: SemInfo::Str(s),
                        });
                    }
                    self.next_char();
                    return simple(Tok::Char(cb));
                }
            }
        }
    }
}

/// Converts message bytes to a `String`, replacing invalid UTF-8 (the error
/// channel is a `String`; valid UTF-8 passes through unchanged).
pub fn bytes_to_string(v: Vec<u8>) -> String {
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
