//! Redaction: the only way evidence is made from request or response bytes.
//!
//! Three shapes: [`excerpt`] for attack payloads (short, control characters escaped),
//! [`mask_keep_last`] for numbers people recognise by their tail (`****-****-****-1234`,
//! `***-**-6789`), and [`mask_ends`] for tokens recognised by their prefix (`AKIA********MPLE`).
//! No function here ever returns its whole input when the input is a secret.

/// Longest evidence excerpt, in characters.
pub const EXCERPT_CHARS: usize = 64;

/// A short, printable excerpt of `text` around byte offset `at`, at most [`EXCERPT_CHARS`] long.
/// Control characters are escaped so evidence never breaks a log line.
pub fn excerpt(text: &str, at: usize) -> String {
    let at = floor_char_boundary(text, at.min(text.len()));
    let start = floor_char_boundary(text, at.saturating_sub(16));
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut n = 0;
    let mut cut = false;
    for c in text[start..].chars() {
        let width = if c.is_control() { c.escape_default().count() } else { 1 };
        if n + width > EXCERPT_CHARS {
            cut = true;
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
        n += width;
    }
    if cut {
        out.push('…');
    }
    out
}

/// Masks every letter and digit but the last `keep`, keeping separators: `***-**-6789`.
/// Values shorter than twice `keep` are masked whole, so a short secret never shows half of itself.
pub fn mask_keep_last(value: &str, keep: usize) -> String {
    let alnum = value.chars().filter(|c| c.is_alphanumeric()).count();
    let keep = if alnum < keep * 2 { 0 } else { keep };
    let mut seen = 0;
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                seen += 1;
                if seen > alnum - keep {
                    return c;
                }
                '*'
            } else {
                c
            }
        })
        .collect()
}

/// Keeps `head` leading and `tail` trailing characters and masks the middle: `AKIA************MPLE`.
/// At most 40% of the value is ever shown; for shorter values the ends shrink.
pub fn mask_ends(value: &str, head: usize, tail: usize) -> String {
    let n = value.chars().count();
    let (mut head, mut tail) = (head, tail);
    while head + tail > 0 && (head + tail) * 5 > n * 2 {
        if tail > 0 && tail >= head {
            tail -= 1;
        } else {
            head -= 1;
        }
    }
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i < head || i >= n - tail { c } else { '*' })
        .collect()
}

pub(crate) fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_card_and_ssn_keep_tail() {
        assert_eq!(mask_keep_last("4111-1111-1111-1234", 4), "****-****-****-1234");
        assert_eq!(mask_keep_last("123-45-6789", 4), "***-**-6789");
        assert_eq!(mask_keep_last("1234567", 4), "*******", "short values are masked whole");
    }

    #[test]
    fn masks_token_middle() {
        assert_eq!(mask_ends("AKIAIOSFODNN7EXAMPLE", 4, 4), "AKIA************MPLE");
        let short = mask_ends("abcdef", 4, 4);
        assert_eq!(short.chars().filter(|c| *c != '*').count(), 2);
    }

    #[test]
    fn excerpt_is_bounded_and_escaped() {
        let long = "a".repeat(500) + "\n' OR 1=1--" + &"b".repeat(500);
        let e = excerpt(&long, 500);
        assert!(e.chars().count() <= EXCERPT_CHARS + 2);
        assert!(e.contains("\\n' OR 1=1--"));
        assert!(!e.contains('\n'));
        // Never splits a multi-byte character.
        let s = "é".repeat(100);
        let _ = excerpt(&s, 51);
    }
}
