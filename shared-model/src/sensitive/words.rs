//! The word walk: one pass over a value's *words* (maximal runs of ASCII letters and digits)
//! that starts the digit-run lexer ([`super::pii`]) and the identifier detectors
//! ([`super::national`]).
//!
//! Every shape either knows begins at a word's first byte: a digit run that begins inside a word
//! is glued to letters (dismissed), and identifiers are whole words. So each byte is classified
//! once ([`super::bytes`]) and only word starts cost more: a word that begins with a digit and
//! does not continue a run read before it ([`pii::continues_run`]) starts a run, and a word
//! whose length could be an identifier's is classified. A timestamp or UUID costs a handful of
//! checks per word, nothing per byte beyond the walk.

use super::bytes;
use super::national;
use super::pii;
use super::Candidate;

/// Walks the words of `v`: digit runs always, identifiers when `identifiers` is set.
///
/// PERF: words are found eight bytes at a time ([`alnum_lanes`]): each chunk's boundaries (an
/// alphanumeric byte after another byte, or the reverse) are bits, visited by trailing-zero
/// count, so a byte costs well under one instruction and a word a few. Long tokens (base64,
/// hex, UUIDs) and prose cost little more than their word count.
pub(super) fn walk(v: &[u8], identifiers: bool, out: &mut Vec<Candidate>) {
    let n = v.len();
    // Whether the byte before the current chunk is alphanumeric, as its lane's top bit.
    let mut carry = 0u64;
    let mut start = 0;
    let mut base = 0;
    while base < n {
        let lanes = alnum_lanes(chunk(v, base));
        // A boundary wherever a lane differs from the one before it; they alternate between a
        // word's start and the byte after its end. Lanes past the end are not alphanumeric, so
        // a word that reaches the end of `v` ends there.
        let mut edges = (lanes ^ (lanes << 8 | carry)) & HIGH;
        while edges != 0 {
            let at = base + edges.trailing_zeros() as usize / 8;
            let edge = edges & edges.wrapping_neg();
            edges ^= edge;
            if lanes & edge != 0 {
                start = at;
            } else {
                word(v, start, at.min(n), identifiers, out);
            }
        }
        carry = (lanes >> 56) & 0x80;
        base += 8;
    }
    if carry != 0 {
        word(v, start, n, identifiers, out);
    }
}

/// Whether the walk can find anything in `v` at all: the shortest digit run any shape has is
/// seven bytes (an IPv4 address, four digits in four groups; others have eight digits or more),
/// the shortest identifier eight (a passport number). Below 15 bytes (the shortest IBAN; codice
/// fiscale and Twilio SIDs are longer still) every shape has four digits or more: runs (at least
/// four), Indian PAN (four), passports (five), UK NINO (six), Spanish DNI/NIE (seven).
pub(super) fn may_match(v: &[u8]) -> bool {
    match v.len() {
        0..=6 => false,
        7..=14 => digit_lanes(chunk(v, 0)).count_ones() + digit_lanes(chunk(v, 8)).count_ones() >= 4,
        _ => true,
    }
}

/// Starts the detectors at the word `v[s..e]`.
#[inline(always)]
fn word(v: &[u8], s: usize, e: usize, identifiers: bool, out: &mut Vec<Candidate>) {
    if bytes::is(v[s], bytes::DIGIT) && !pii::continues_run(v, s) {
        pii::run_at(v, s, out);
    }
    if identifiers {
        national::word(v, s, e, out);
    }
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = ONES * 0x80;

/// Eight bytes of `v` from `at`, little-endian; bytes past the end read as 0 (no class).
#[inline(always)]
fn chunk(v: &[u8], at: usize) -> u64 {
    match v.get(at..at + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        Some(w) => u64::from_le_bytes(w),
        None => v.get(at..).unwrap_or_default().iter().rev().fold(0, |acc, &c| acc << 8 | u64::from(c)),
    }
}

/// The top bit of each byte of `x` that is an ASCII digit.
///
/// Each test adds a constant to the low seven bits of every byte at once, so no carry crosses a
/// byte: `y + (0x80 - lo)` has its top bit set exactly when `y >= lo`.
#[inline(always)]
fn digit_lanes(x: u64) -> u64 {
    let y = x & !HIGH;
    // Bytes of 0x80 and above are not ASCII.
    (y + ONES * (0x80 - u64::from(b'0'))) & !(y + ONES * (0x7f - u64::from(b'9'))) & !x & HIGH
}

/// The top bit of each byte of `x` that is an ASCII letter or digit (as [`bytes::ALNUM`]).
#[inline(always)]
fn alnum_lanes(x: u64) -> u64 {
    // Upper case folded onto lower case; no other byte lands in `a..=z`.
    let z = x & !HIGH | ONES * 0x20;
    let letter = (z + ONES * (0x80 - u64::from(b'a'))) & !(z + ONES * (0x7f - u64::from(b'z'))) & !x & HIGH;
    digit_lanes(x) | letter
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sensitive::DataType;

    fn types(v: &str) -> Vec<(DataType, std::ops::Range<usize>)> {
        let mut out = Vec::new();
        walk(v.as_bytes(), true, &mut out);
        out.into_iter().map(|c| (c.ty, c.span)).collect()
    }

    #[test]
    fn runs_start_at_words_that_begin_them() {
        assert_eq!(types("card 4111 1111 1111 1111."), vec![(DataType::CreditCard, 5..24)]);
        assert!(types("call (415) 555-0132").contains(&(DataType::Phone, 5..19)));
        assert_eq!(types("from 8.8.8.8"), vec![(DataType::IpAddress, 5..12)]);
    }

    #[test]
    fn product_versions_are_not_addresses() {
        assert!(types("Mozilla/5.0 AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36").is_empty());
        assert!(types("MyAgent/1.2.3.4").is_empty());
        assert_eq!(types("http://8.8.8.8/x"), vec![(DataType::IpAddress, 7..14)]);
        assert_eq!(types("via proxy/ 8.8.4.4"), vec![(DataType::IpAddress, 11..18)]);
    }

    #[test]
    fn a_glued_run_hides_the_groups_after_it() {
        // The run starting inside `a716` is glued to a letter; its later groups are not a run of
        // their own (12 digits would be a weak Aadhaar/phone shape).
        assert!(types("a716-446655440000").is_empty());
        assert!(types("x4111 1111 1111 1111").is_empty());
        assert!(types("2024-03-15T14:30:00.123Z").is_empty());
        // Only the weak passport shape of `550e8400` (eight characters, six digits) remains; it
        // needs a passport key or word to be reported.
        assert_eq!(types("550e8400-e29b-41d4-a716-446655440000"), vec![(DataType::Passport, 0..8)]);
    }

    /// The word walk as a byte loop: what [`walk`] must agree with.
    fn walk_bytewise(v: &[u8], identifiers: bool, out: &mut Vec<Candidate>) {
        let n = v.len();
        let mut i = 0;
        loop {
            while i < n && !bytes::is(v[i], bytes::ALNUM) {
                i += 1;
            }
            if i >= n {
                return;
            }
            let s = i;
            while i < n && bytes::is(v[i], bytes::ALNUM) {
                i += 1;
            }
            word(v, s, i, identifiers, out);
        }
    }

    #[test]
    fn lanes_agree_with_the_byte_table() {
        for c in 0..=255u8 {
            for lane in 0..8 {
                // The byte among neighbours of every kind, in every lane.
                for fill in [0u8, b'a', b'Z', b'5', b' ', 0xff] {
                    let mut w = [fill; 8];
                    w[lane] = c;
                    let bit = |lanes: u64| lanes >> (lane * 8 + 7) & 1 == 1;
                    let x = u64::from_le_bytes(w);
                    assert_eq!(bit(alnum_lanes(x)), bytes::is(c, bytes::ALNUM), "byte {c} lane {lane} fill {fill}");
                    assert_eq!(bit(digit_lanes(x)), bytes::is(c, bytes::DIGIT), "byte {c} lane {lane} fill {fill}");
                }
            }
        }
    }

    #[test]
    fn chunked_walk_agrees_with_the_byte_walk() {
        // Words of every length at every offset from the eight-byte chunks, with digit runs
        // and identifiers in them, and random bytes.
        let pieces = ["4111 1111 1111 1111", "GB82 WEST 1234 5698 7654 32", "AB 12 34 56 C", "X1234567L", "8.8.8.8", "a", "12", "é", "-", " ", "(415) 555-0132", "ABCPE1234F", "RSSMRA85T10A562S", "\u{0}"];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..4000 {
            let mut v = Vec::new();
            for _ in 0..next() % 6 {
                match next() % 3 {
                    0 => v.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize].as_bytes()),
                    1 => v.extend((0..next() % 20).map(|_| b"a0Z_ .-:/(+@"[(next() % 12) as usize])),
                    _ => v.extend((0..next() % 12).map(|_| next() as u8)),
                }
            }
            for identifiers in [false, true] {
                let (mut got, mut want) = (Vec::new(), Vec::new());
                walk(&v, identifiers, &mut got);
                walk_bytewise(&v, identifiers, &mut want);
                let spans = |c: &[Candidate]| c.iter().map(|c| (c.ty, c.span.clone(), c.need)).collect::<Vec<_>>();
                assert_eq!(spans(&got), spans(&want), "round {round}: {v:?}");
                assert!(may_match(&v) || got.is_empty(), "gate dropped {v:?}");
            }
        }
    }

    #[test]
    fn values_the_walk_cannot_match_are_told_apart() {
        // The shortest of each shape passes the gate; values one digit or byte short do not.
        for v in ["1.1.1.1", "X1234567", "ABCPE1234F", "AB 12 34 56 C", "12345678", "GB82 WEST 1234 5698 7654 32", "a b c d e f g h"] {
            assert!(may_match(v.as_bytes()), "{v}");
        }
        for v in ["1.1.1", "v1.2.3", "Vendor 1 LLC", "c2VxPTEyMzQ1", "abc-123-xyz", "\u{e9}\u{e9}1\u{e9}"] {
            assert!(!may_match(v.as_bytes()), "{v}");
        }
    }

    #[test]
    fn identifiers_only_when_asked() {
        assert_eq!(types("GB82 WEST 1234 5698 7654 32"), vec![(DataType::Iban, 0..27)]);
        let mut out = Vec::new();
        walk(b"GB82 WEST 1234 5698 7654 32", false, &mut out);
        assert!(out.iter().all(|c| c.ty != DataType::Iban));
    }
}
