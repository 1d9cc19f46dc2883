//! Byte classes: what each byte is, for the passes over a value.
//!
//! Every detector asks the same few questions of a byte (a digit? a letter? a separator between
//! digit groups?). One 256-entry table answers them all with one load, so a pass over a value
//! costs a few instructions per byte, where a chain of `is_ascii_*` tests costs several times
//! that (natively and under V8 alike). Non-ASCII bytes have no class.

/// `0-9`
pub const DIGIT: u8 = 1;
/// `A-Z`
pub const UPPER: u8 = 1 << 1;
/// `a-z`
pub const LOWER: u8 = 1 << 2;
/// `@`
pub const AT: u8 = 1 << 3;
/// `:`
pub const COLON: u8 = 1 << 4;
/// `=`
pub const EQUALS: u8 = 1 << 5;
/// A separator between digit groups: space `-` `.` `/` `:` `(` `)`.
pub const SEP: u8 = 1 << 6;
/// `_`, which glues words together.
pub const UNDERSCORE: u8 = 1 << 7;

pub const ALPHA: u8 = UPPER | LOWER;
pub const ALNUM: u8 = DIGIT | ALPHA;

const TABLE: [u8; 256] = table();

const fn table() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = match b {
            b'0'..=b'9' => DIGIT,
            b'A'..=b'Z' => UPPER,
            b'a'..=b'z' => LOWER,
            b'@' => AT,
            b':' => COLON | SEP,
            b'=' => EQUALS,
            b' ' | b'-' | b'.' | b'/' | b'(' | b')' => SEP,
            b'_' => UNDERSCORE,
            _ => 0,
        };
        c += 1;
    }
    t
}

/// The classes of `c`.
#[inline(always)]
pub fn of(c: u8) -> u8 {
    TABLE[usize::from(c)]
}

/// Whether `c` is in any of `classes`.
#[inline(always)]
pub fn is(c: u8, classes: u8) -> bool {
    of(c) & classes != 0
}

/// The union of the classes of the bytes of `v`.
pub fn union(v: &[u8]) -> u8 {
    v.iter().fold(0, |acc, &c| acc | of(c))
}

/// Where the last `c` in `v` is, eight bytes at a time from the end.
pub fn rfind(v: &[u8], c: u8) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const LOW7: u64 = ONES * 0x7f;
    let mut end = v.len();
    while let Some(chunk) = end.checked_sub(8).and_then(|s| v.get(s..end)).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let x = u64::from_le_bytes(chunk) ^ (ONES * u64::from(c));
        // The top bit of each byte of `x` that is zero (no carries between bytes).
        let zero = !(((x & LOW7) + LOW7) | x) & !LOW7;
        if zero != 0 {
            return Some(end - 8 + (63 - zero.leading_zeros() as usize) / 8);
        }
        end -= 8;
    }
    v.get(..end)?.iter().rposition(|&b| b == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_agrees_with_std() {
        for c in 0..=255u8 {
            assert_eq!(is(c, DIGIT), c.is_ascii_digit(), "{c}");
            assert_eq!(is(c, ALPHA), c.is_ascii_alphabetic(), "{c}");
            assert_eq!(is(c, UPPER), c.is_ascii_uppercase(), "{c}");
            assert_eq!(is(c, ALNUM), c.is_ascii_alphanumeric(), "{c}");
            assert_eq!(is(c, SEP), b" -./:()".contains(&c), "{c}");
        }
        assert_eq!(union(b"a1@"), LOWER | DIGIT | AT);
        assert_eq!(union(b""), 0);
    }

    #[test]
    fn rfind_agrees_with_rposition() {
        let texts = ["", ".", "a.b", "$.data[0].customer.since", "no dot here at all, none", "........", ".\u{e9}.\u{ff}x", "tracking_url_of_a_long_key"];
        for t in texts {
            for c in [b'.', b'x', 0xff, 0] {
                assert_eq!(rfind(t.as_bytes(), c), t.bytes().rposition(|b| b == c), "{t:?} {c}");
            }
        }
    }
}
