//! Word-at-a-time byte tests: eight bytes per step in plain integer arithmetic.
//!
//! The request-level checks must ask "is there any control character, `%`, `#`, CR or LF in
//! here?" of every request target and header value, and nearly always hear "no" (the JSON
//! walker asks the same of every string for a quote or backslash). The filter runs
//! as WebAssembly without SIMD, so a byte loop costs several instructions per byte; testing a
//! 64-bit word at once ("SWAR") costs a few per eight bytes. A test is written once, over a word,
//! with [`eq`], [`below`] and [`HIGH`]; [`any`] applies it to a slice, padding the tail with a
//! byte (`a`) that no test here matches.

const ONES: u64 = 0x0101_0101_0101_0101;
/// The high bit of every byte: `w & HIGH` is non-zero when some byte is 0x80 or above.
pub(crate) const HIGH: u64 = 0x8080_8080_8080_8080;

/// Non-zero when some byte of `w` is zero.
#[inline]
fn zero(w: u64) -> u64 {
    w.wrapping_sub(ONES) & !w & HIGH
}

/// Non-zero when some byte of `w` equals `c`.
#[inline]
pub(crate) fn eq(w: u64, c: u8) -> u64 {
    zero(w ^ (ONES * u64::from(c)))
}

/// Non-zero when some byte of `w` is below `n` (`n` at most `a`, the tail padding of [`any`]).
#[inline]
pub(crate) fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH
}

/// Whether `test` is non-zero for some word of `b`. `test` must not match the byte `a`, which
/// pads the last word.
#[inline]
pub(crate) fn any(b: &[u8], test: impl Fn(u64) -> u64) -> bool {
    let mut acc = 0u64;
    let mut at = 0;
    while at < b.len() {
        acc |= test(load(b, at));
        at += 8;
    }
    acc != 0
}

/// The padding byte's word.
const PAD: u64 = ONES * b'a' as u64;

/// The eight bytes of `b` from `at` as a word, padded past the end with the byte `a`.
#[inline]
pub(crate) fn load(b: &[u8], at: usize) -> u64 {
    let word = |w: &[u8]| {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        u64::from_le_bytes(word)
    };
    if let Some(w) = b.get(at..at + 8) {
        return word(w);
    }
    let n = b.len().saturating_sub(at);
    if n == 0 {
        return PAD;
    }
    // PERF: a short tail of a long slice is the top of its last eight bytes (no byte copy).
    if let Some(last) = b.len().checked_sub(8).and_then(|s| b.get(s..s + 8)) {
        return word(last) >> (8 * (8 - n)) | PAD << (8 * n);
    }
    // A slice shorter than a word: two overlapping loads (or three bytes) cover it.
    let r = b.get(at..).unwrap_or_default();
    let w = match (r.get(..4), r.len().checked_sub(4).and_then(|s| r.get(s..s + 4))) {
        (Some(lo), Some(hi)) => {
            let half = |h: &[u8]| {
                let mut half = [0u8; 4];
                half.copy_from_slice(h);
                u64::from(u32::from_le_bytes(half))
            };
            half(lo) | half(hi) << (8 * (n - 4))
        }
        _ => {
            let byte = |k: usize| r.get(k).map_or(0, |&c| u64::from(c)) << (8 * k);
            byte(0) | byte(n / 2) | byte(n - 1)
        }
    };
    w | PAD << (8 * n)
}

#[cfg(test)]
mod tests {
    use super::{below, eq, HIGH};
    use proptest::{prop_assert_eq, proptest};

    proptest! {
        #[test]
        fn agrees_with_a_byte_loop(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), c in proptest::prelude::any::<u8>(), n in 0u8..=b'a') {
            proptest::prop_assume!(c != b'a');
            prop_assert_eq!(super::any(&b, |w| eq(w, c)), b.contains(&c));
            prop_assert_eq!(super::any(&b, |w| below(w, n)), b.iter().any(|&x| x < n));
            prop_assert_eq!(super::any(&b, |w| w & HIGH), b.iter().any(|&x| x >= 0x80));
            for at in 0..b.len() + 2 {
                let mut padded = b.clone();
                padded.resize(b.len().max(at) + 8, b'a');
                prop_assert_eq!(super::load(&b, at).to_le_bytes(), <[u8; 8]>::try_from(&padded[at..at + 8]).expect("eight bytes"));
            }
        }
    }
}
