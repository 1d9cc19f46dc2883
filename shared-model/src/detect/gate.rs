//! Trigger gates: the cheap context checks that turn a common literal into a tight trigger.
//!
//! The prefilter ([`super::AttackDetector`]) finds trigger literals with one Aho-Corasick pass.
//! Some literals that attacks need are everywhere in ordinary text (`'` in `O'Brien`, `;` and `&`
//! in prose, `=` in queries, `(` in notes), so a trigger may carry a *gate*: a function that looks
//! at a few bytes around the match and says whether the context could be an attack (a quote
//! followed by an SQL operator, a separator followed by a command name, `on...=`). Gates read at
//! most a few dozen bytes, never allocate, and compare ASCII case-insensitively, because the
//! prefilter runs on the raw value whenever it needs no decoding (see [`crate::normalize`]).

/// A gate: `(text, match start, match end) -> wake the family?`.
pub(crate) type Gate = fn(&[u8], usize, usize) -> bool;

/// A literal that wakes a family, optionally confirmed by a gate.
#[derive(Clone, Copy)]
pub(crate) struct Trigger {
    /// Lower-case literal (matched ASCII case-insensitively).
    pub lit: &'static str,
    pub gate: Option<Gate>,
}

/// An ungated trigger: the literal alone is rare enough in clean text.
pub(crate) const fn lit(lit: &'static str) -> Trigger {
    Trigger { lit, gate: None }
}

/// A gated trigger.
pub(crate) const fn gated(lit: &'static str, gate: Gate) -> Trigger {
    Trigger { lit, gate: Some(gate) }
}

#[inline]
pub(crate) fn lower(c: u8) -> u8 {
    c.to_ascii_lowercase()
}

/// Index of the first byte at or after `i` that is not whitespace or a control character.
pub(crate) fn skip_space(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i] <= b' ' {
        i += 1;
    }
    i
}

/// Like [`skip_space`], also skipping SQL-style `/* ... */` comments (bounded).
pub(crate) fn skip_space_comments(b: &[u8], mut i: usize) -> usize {
    for _ in 0..8 {
        i = skip_space(b, i);
        if b.get(i) == Some(&b'/') && b.get(i + 1) == Some(&b'*') {
            let end = b[i + 2..].windows(2).take(64).position(|w| w == b"*/");
            match end {
                Some(p) => i += 2 + p + 2,
                None => return b.len(),
            }
        } else {
            break;
        }
    }
    i
}

/// The index just past the last byte before `i` that is neither whitespace nor inside a
/// `/* ... */` comment (bounded, like [`skip_space_comments`]): where a word before them ends.
pub(crate) fn skip_space_comments_back(b: &[u8], mut i: usize) -> usize {
    for _ in 0..8 {
        while i > 0 && b[i - 1] <= b' ' {
            i -= 1;
        }
        if i >= 2 && &b[i - 2..i] == b"*/" {
            match b[..i - 2].windows(2).rev().take(64).position(|w| w == b"/*") {
                Some(p) => i = i - 2 - p - 2,
                None => return i,
            }
        } else {
            break;
        }
    }
    i
}

/// Index of the last byte before `i` that is not whitespace, if any.
pub(crate) fn prev_non_space(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    while j > 0 {
        j -= 1;
        if b[j] > b' ' {
            return Some(j);
        }
    }
    None
}

/// Word bytes (`[A-Za-z0-9_]`) as a table: gates read words byte by byte, one lookup each.
const WORD: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = (c as u8).is_ascii_alphanumeric() || c as u8 == b'_';
        c += 1;
    }
    t
};

#[inline]
pub(crate) fn is_word(c: u8) -> bool {
    WORD[usize::from(c)]
}

/// The word (`[a-z0-9_]`, up to 24 bytes) starting at `i`, as lower-case bytes in `buf`.
pub(crate) fn word_at<'b>(b: &[u8], i: usize, buf: &'b mut [u8; 24]) -> &'b [u8] {
    let mut n = 0;
    for (slot, &c) in buf.iter_mut().zip(b.get(i..).unwrap_or_default()) {
        if !is_word(c) {
            break;
        }
        *slot = lower(c);
        n += 1;
    }
    &buf[..n]
}

/// The word ending just before `i` (skipping spaces between it and `i`), lower-cased in `buf`.
pub(crate) fn word_before<'b>(b: &[u8], i: usize, buf: &'b mut [u8; 24]) -> &'b [u8] {
    let mut end = i;
    while end > 0 && matches!(b[end - 1], b' ' | b'\t') {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && end - start < buf.len() && is_word(b[start - 1]) {
        start -= 1;
    }
    let n = end - start;
    for (slot, &c) in buf.iter_mut().zip(&b[start..end]) {
        *slot = lower(c);
    }
    &buf[..n]
}

/// True when `i` is not preceded by a word character (a word starts here).
pub(crate) fn word_start(b: &[u8], i: usize) -> bool {
    i == 0 || !is_word(b[i - 1])
}

/// True when `i` is not a word character (a word ended before it).
pub(crate) fn word_end(b: &[u8], i: usize) -> bool {
    b.get(i).map_or(true, |&c| !is_word(c))
}

/// Gate: the literal is a whole word.
pub(crate) fn whole_word(b: &[u8], s: usize, e: usize) -> bool {
    word_start(b, s) && word_end(b, e)
}

/// Gate: the literal starts a word.
pub(crate) fn starts_word(b: &[u8], s: usize, _e: usize) -> bool {
    word_start(b, s)
}

/// Gate for a function name: it starts a word and its call's `(` follows (past spaces).
pub(crate) fn call_follows(b: &[u8], s: usize, e: usize) -> bool {
    starts_word(b, s, e) && b.get(skip_space(b, e)) == Some(&b'(')
}

/// Whether `w` is in `sorted` (a sorted list of lower-case words, none empty).
pub(crate) fn in_sorted(sorted: &[&str], w: &[u8]) -> bool {
    // PERF: gates often find no word at all, or a number (a version before a parenthesis in a
    // User-Agent): the first byte is compared with the list's first and last words' first.
    let first = |s: Option<&&str>| s.and_then(|s| s.as_bytes().first().copied());
    match (w.first(), first(sorted.first()), first(sorted.last())) {
        (Some(c), Some(lo), Some(hi)) if (lo..=hi).contains(c) => sorted.binary_search_by(|probe| compare(probe.as_bytes(), w)).is_ok(),
        _ => false,
    }
}

/// Byte-wise order of two short words (what `<[u8]>::cmp` says, without a call to `memcmp`:
/// words in these lists mostly differ in their first byte).
fn compare(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        let mut buf = [0u8; 24];
        assert_eq!(word_at(b"x OR y", 2, &mut buf), b"or");
        assert_eq!(word_before(b"Sleep  (", 7, &mut buf), b"sleep");
        assert_eq!(skip_space_comments(b"' /**/ or", 1), 7);
        assert_eq!(skip_space_comments_back(b"self /*x*/ [", 11), 4);
        assert_eq!(skip_space_comments_back(b"a */ [", 5), 4, "an unopened comment is not skipped");
        assert_eq!(prev_non_space(b"1  or", 3), Some(0));
        assert!(whole_word(b"a union b", 2, 7));
        assert!(!whole_word(b"reunion", 2, 7));
        assert!(in_sorted(&["and", "or", "xor"], b"or"));
        assert!((0..=255u8).all(|c| is_word(c) == (c.is_ascii_alphanumeric() || c == b'_')));
        assert_eq!(word_at(b"x Delete_9(", 2, &mut buf), b"delete_9");
        assert_eq!(word_at(b"ab", 2, &mut buf), b"");
        assert_eq!(word_at(b"ab", 7, &mut buf), b"");
        assert_eq!(word_at(&[b'a'; 30], 0, &mut buf), &[b'a'; 24]);
        assert_eq!(word_before(&[b'Q'; 30], 30, &mut buf), &[b'q'; 24]);
        assert!(in_sorted(&["and", "or", "xor"], b"and") && in_sorted(&["and", "or", "xor"], b"xor"));
        assert!(!in_sorted(&["and", "or", "xor"], b"0") && !in_sorted(&["and", "or", "xor"], b"zed") && !in_sorted(&["and"], b""));
        assert!(!in_sorted(&[], b"a"));
    }

    proptest::proptest! {
        #[test]
        fn compare_is_the_slice_order(a in "[a-c]{0,4}", b in "[a-c]{0,4}") {
            proptest::prop_assert_eq!(compare(a.as_bytes(), b.as_bytes()), a.as_bytes().cmp(b.as_bytes()));
        }
    }
}
