//! Compact line information: the source line of each instruction in about one
//! byte (the idea of PUC's `lineinfo`/`abslineinfo`, with an encoding of our
//! own). A line per instruction as a `u32` was a quarter of what loading a
//! large chunk wrote.
//!
//! Each instruction has a signed byte: its line minus the previous
//! instruction's (the first one's minus `base`). A change too large for a byte
//! is the marker `ABSOLUTE`, and the line is in `absolute`, a list sorted by pc.
//! At least every `MAX_RUN` instructions one is absolute, so finding a line
//! sums at most `MAX_RUN` bytes after a binary search.

/// An instruction whose line is given in full.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AbsLine {
    pub pc: u32,
    pub line: u32,
}

/// The line of every instruction of a function.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineInfo {
    /// The line the first delta is relative to.
    base: u32,
    deltas: Box<[i8]>,
    absolute: Box<[AbsLine]>,
}

/// The delta byte of an instruction whose line is in `absolute`.
const ABSOLUTE: i8 = i8::MIN;
/// The most instructions in a row given by deltas.
const MAX_RUN: usize = 128;

impl LineInfo {
    /// Encodes `lines` (one per instruction); deltas start from `base`.
    pub fn from_lines(lines: &[u32], base: u32) -> LineInfo {
        let mut absolute = Vec::new();
        let mut previous = base;
        let mut run = 0;
        // Lines wrap around as `u32`s, so a delta is any difference that
        // fits in a byte modulo 2^32 (decoding wraps the same way).
        let deltas = lines
            .iter()
            .enumerate()
            .map(|(pc, &line)| {
                let delta = line.wrapping_sub(previous) as i32;
                previous = line;
                if run < MAX_RUN && delta.unsigned_abs() <= i8::MAX as u32 {
                    run += 1;
                    delta as i8
                } else {
                    absolute.push(AbsLine {
                        pc: pc as u32,
                        line,
                    });
                    run = 0;
                    ABSOLUTE
                }
            })
            .collect();
        LineInfo {
            base,
            deltas,
            absolute: absolute.into_boxed_slice(),
        }
    }

    /// The number of instructions described (0 when stripped).
    pub fn len(&self) -> usize {
        self.deltas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.deltas.is_empty()
    }

    /// The line of instruction `pc`, or `None` beyond the last one.
    pub fn line_at(&self, pc: usize) -> Option<u32> {
        if pc >= self.deltas.len() {
            return None;
        }
        // The last absolute line at or before `pc`, then the deltas after it.
        let n = self.absolute.partition_point(|a| a.pc as usize <= pc);
        let (mut line, from) = match n.checked_sub(1).map(|i| self.absolute[i]) {
            Some(a) => (a.line, a.pc as usize + 1),
            None => (self.base, 0),
        };
        for &d in &self.deltas[from..=pc] {
            line = line.wrapping_add_signed(i32::from(d));
        }
        Some(line)
    }

    /// Whether instructions `old` and `new` are on different lines: the
    /// deltas between them when `new` follows closely (line hooks ask this
    /// before every instruction), else two lookups (PUC's `changedline`).
    pub fn changed(&self, old: usize, new: usize) -> bool {
        if old < new && new < self.deltas.len() && new - old < MAX_RUN / 2 {
            let between = &self.deltas[old + 1..=new];
            if !between.contains(&ABSOLUTE) {
                // At most 63 deltas of at most 127: the sum cannot wrap.
                return between.iter().map(|&d| i32::from(d)).sum::<i32>() != 0;
            }
        }
        self.line_at(old) != self.line_at(new)
    }

    /// Every instruction's line, in order.
    pub fn lines(&self) -> impl Iterator<Item = u32> + '_ {
        let mut absolute = self.absolute.iter();
        let mut line = self.base;
        self.deltas.iter().map(move |&d| {
            line = if d == ABSOLUTE {
                absolute.next().map_or(line, |a| a.line)
            } else {
                line.wrapping_add_signed(i32::from(d))
            };
            line
        })
    }

    /// Bytes of memory the encoding holds (for the collector's accounting).
    pub fn heap_size(&self) -> usize {
        self.deltas.len() + self.absolute.len() * std::mem::size_of::<AbsLine>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_what_it_encodes() {
        let mut lines = vec![3, 3, 4, 1000, 2, 2, 200_000, 200_001, 0, u32::MAX, 7];
        lines.extend((0..1000).map(|i| 50 + i / 3));
        lines.extend((0..300).map(|i| 90_000 - i * 100));
        for base in [0, 5, 100_000] {
            let info = LineInfo::from_lines(&lines, base);
            assert_eq!(info.len(), lines.len());
            assert_eq!(info.lines().collect::<Vec<_>>(), lines);
            for (pc, &line) in lines.iter().enumerate() {
                assert_eq!(info.line_at(pc), Some(line), "pc {pc}");
            }
            assert_eq!(info.line_at(lines.len()), None);
            for old in 0..lines.len() {
                for new in [old.saturating_sub(1), old + 1, old + 5, old + 70] {
                    if new < lines.len() {
                        let expected = lines[old] != lines[new];
                        assert_eq!(info.changed(old, new), expected, "{old} -> {new}");
                    }
                }
            }
        }
        let empty = LineInfo::from_lines(&[], 0);
        assert!(empty.is_empty());
        assert_eq!(empty.line_at(0), None);
    }
}
