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

/// Whether the walk can find anything in `v` at all: the shortest digit run any shape has is
/// seven bytes (an IPv4 address, four digits in four groups; every other run has eight digits
/// or more), the shortest identifier eight (a passport number).
pub(super) fn may_match(v: &[u8]) -> bool {
    v.len() >= 7
}

/// Walks the words of `v`: digit runs always, identifiers when `identifiers` is set.
pub(super) fn walk(v: &[u8], identifiers: bool, out: &mut Vec<Candidate>) {
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
        if bytes::is(v[s], bytes::DIGIT) && !pii::continues_run(v, s) {
            pii::run_at(v, s, out);
        }
        if identifiers {
            national::word(v, s, i, out);
        }
    }
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

    #[test]
    fn short_values_hold_nothing_the_walk_finds() {
        // The shortest of each shape is long enough; every value shorter than seven bytes
        // over a small alphabet gives nothing.
        for v in ["1.1.1.1", "X1234567"] {
            assert!(may_match(v.as_bytes()), "{v}");
        }
        assert!(!types("1.1.1.1").is_empty());
        let alphabet = b"0123456789 .-:/()+XYZABCELGS";
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut v = Vec::new();
        for _ in 0..200_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            v.clear();
            let mut c = seed;
            for _ in 0..(c % 7) {
                c >>= 5;
                v.push(alphabet[(c % alphabet.len() as u64) as usize]);
            }
            let mut out = Vec::new();
            walk(&v, true, &mut out);
            assert!(out.is_empty() || may_match(&v), "{v:?}");
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
