//! Syntax-breaking probes: a value that is at most one short token followed only by quotes and
//! parentheses of more than one kind (`1')`, `'"`, `abc'))`, `1)'"(`, `1'"(,.)`). Scanners
//! send these first, to see whether the query around the parameter breaks into an error page
//! before they pick a real payload. Data does not end that way: a foot or inch mark is one
//! quote of one kind (`5'`, `12"`), and a quoted word has letters between its quotes.

/// The longest value judged: a probe is a short token and a handful of breakers.
const MAX_LEN: usize = 48;

/// Whether `b` (the whole value, trimmed of blanks) is such a probe.
pub(super) fn syntax_breaker(b: &[u8]) -> bool {
    let b = b.trim_ascii();
    if b.len() > MAX_LEN {
        return false;
    }
    let head = b.iter().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'@')).count();
    let tail = &b[head..];
    // The tail holds only breakers and the separators sqlmap mixes in (`,`, `.`).
    if tail.is_empty() || !tail.iter().all(|c| matches!(c, b'\'' | b'"' | b'(' | b')' | b',' | b'.')) {
        return false;
    }
    let has = |c: u8| tail.contains(&c);
    let quote = tail.iter().position(|&c| c == b'\'' || c == b'"');
    // A quote that closes a string and then a parenthesis the value did not open, the
    // application's (`')`, `1)'"(`), or both kinds of quote (`'"`): either breaks any query the
    // value is pasted into. (`('')` is a pair of parentheses around a pair of quotes.)
    let mut depth = 0i32;
    let unopened = b.iter().any(|&c| {
        depth += i32::from(c == b'(') - i32::from(c == b')');
        depth < 0
    });
    quote.is_some() && (unopened && tail.contains(&b')') || has(b'\'') && has(b'"'))
}

#[cfg(test)]
mod tests {
    use super::syntax_breaker;

    #[test]
    fn quotes_and_parentheses_of_more_than_one_kind() {
        for s in ["')", "\"))", "1')", "abc'))", "x')))", "1'\"", "'\"", "1)'\"(", "1'\"(,.)", "1))'\"((", " admin') "] {
            assert!(syntax_breaker(s.as_bytes()), "{s}");
        }
    }

    #[test]
    fn marks_and_quoted_words_are_data() {
        for s in ["'", "\"", "5'", "12\"", "O'", "''", "'''", "1''", "f('x')", "(see 'x')", "\"a\")", "(1)", "a'b\"", ":')", "it's ok')", "('')", "(\"\")"] {
            assert!(!syntax_breaker(s.as_bytes()), "{s}");
        }
    }
}
