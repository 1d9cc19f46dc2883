//! Word-at-a-time byte tests: eight bytes per step in plain integer arithmetic.
//!
//! The request-level checks must ask "is there any control character, `%`, `#`, CR or LF in
//! here?" of every request target and header value, and nearly always hear "no". The filter runs
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
    let mut chunks = b.chunks_exact(8);
    let mut acc = 0u64;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        acc |= test(u64::from_le_bytes(word));
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [b'a'; 8];
        word[..rest.len()].copy_from_slice(rest);
        acc |= test(u64::from_le_bytes(word));
    }
    acc != 0
}

/// The eight bytes of `b` from `at` as a word, padded past the end with the byte `a`.
#[inline]
pub(crate) fn load(b: &[u8], at: usize) -> u64 {
    match b.get(at..at + 8) {
        Some(w) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            u64::from_le_bytes(word)
        }
        None => {
            let mut word = [b'a'; 8];
            for (k, &c) in b.iter().skip(at).enumerate() {
                word[k] = c;
            }
            u64::from_le_bytes(word)
        }
    }
}

/// Index of the first byte of `b` for which `test` flags, if any. `test` must not match the
/// byte `a` (the tail padding) and must be exact for the lowest byte it flags in a word, as
/// [`eq`] and [`below`] are (their borrows only reach higher bytes).
#[inline]
pub(crate) fn first(b: &[u8], test: impl Fn(u64) -> u64) -> Option<usize> {
    let mut chunks = b.chunks_exact(8);
    let mut at = 0;
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        let hit = test(u64::from_le_bytes(word));
        if hit != 0 {
            return Some(at + (hit.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    let rest = chunks.remainder();
    let mut word = [b'a'; 8];
    word[..rest.len()].copy_from_slice(rest);
    let hit = test(u64::from_le_bytes(word));
    (hit != 0).then(|| at + (hit.trailing_zeros() / 8) as usize)
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
            prop_assert_eq!(super::first(&b, |w| eq(w, c)), b.iter().position(|&x| x == c));
            for at in 0..b.len() + 2 {
                let mut padded = b.clone();
                padded.resize(b.len().max(at) + 8, b'a');
                prop_assert_eq!(super::load(&b, at).to_le_bytes(), <[u8; 8]>::try_from(&padded[at..at + 8]).expect("eight bytes"));
            }
            prop_assert_eq!(super::first(&b, |w| below(w, n) | eq(w, c)), b.iter().position(|&x| x < n || x == c));
        }
    }
}
