//! Literal sets matched by walking a bare Aho-Corasick DFA, byte by byte, in our own loop.
//!
//! Every value of every request goes through the trigger automaton (and every header value
//! through the scanner names), and most values are short: a path segment, a JSON key, a date.
//! The `aho_corasick` search API costs about a hundred instructions per call before the first
//! byte (input set-up, iterator state, prefilter checks) and as much again per reported match;
//! on a GET's twenty small values that overhead was larger than the scan itself. Walking the DFA
//! directly costs a table lookup per byte and nothing per call. The DFA is built without a
//! prefilter, so the only special states are match states (and the dead state, which an
//! unanchored standard search never reaches): one comparison per byte finds them.
//!
//! Matching is ASCII case-insensitive, and reports every occurrence of every literal (the
//! overlapping semantics), so callers may decide per occurrence.

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind, StartKind};
use std::ops::ControlFlow;

pub(crate) struct Literals {
    dfa: DFA,
    start: StateID,
}

impl Literals {
    /// Compiles `literals` (matched ASCII case-insensitively). `what` names the set in errors.
    pub fn new<P: AsRef<[u8]>>(what: &str, literals: &[P]) -> Result<Literals, String> {
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .ascii_case_insensitive(true)
            .prefilter(false)
            .start_kind(StartKind::Unanchored)
            .build(literals)
            .map_err(|e| format!("{what}: {e}"))?;
        let start = dfa.start_state(Anchored::No).map_err(|e| format!("{what}: {e}"))?;
        Ok(Literals { dfa, start })
    }

    /// Calls `each(literal index, start, end)` for every occurrence in `text`, in order of end
    /// offset, until it breaks.
    #[inline]
    pub fn each<B>(&self, text: &[u8], mut each: impl FnMut(usize, usize, usize) -> ControlFlow<B>) -> Option<B> {
        let dfa = &self.dfa;
        let (mut from, mut sid) = (0, self.start);
        loop {
            let (i, next) = self.next_special(text, from, sid)?;
            if !dfa.is_match(next) {
                return None;
            }
            let end = i + 1;
            for k in 0..dfa.match_len(next) {
                let p = dfa.match_pattern(next, k);
                let start = end - dfa.pattern_len(p);
                if let ControlFlow::Break(b) = each(p.as_usize(), start, end) {
                    return Some(b);
                }
            }
            (from, sid) = (end, next);
        }
    }

    /// From state `sid` at `text[from]`, the first byte whose transition reaches a special
    /// state, with that state; `None` at the end of `text`.
    // PERF: the byte loop alone, out of line: inlined into a caller's loop around it, its state
    // spilled to the stack and every byte cost twice the instructions.
    #[inline(never)]
    fn next_special(&self, text: &[u8], from: usize, mut sid: StateID) -> Option<(usize, StateID)> {
        let dfa = &self.dfa;
        for (i, &b) in text.iter().enumerate().skip(from) {
            sid = dfa.next_state(Anchored::No, sid, b);
            if dfa.is_special(sid) {
                return Some((i, sid));
            }
        }
        None
    }

    /// Where the leftmost occurrence starts (what a leftmost search would report).
    pub fn leftmost_start(&self, text: &[u8]) -> Option<usize> {
        let mut leftmost: Option<usize> = None;
        let _: Option<()> = self.each(text, |_, s, _| {
            leftmost = Some(leftmost.map_or(s, |l| l.min(s)));
            ControlFlow::Continue(())
        });
        leftmost
    }
}

#[cfg(test)]
mod tests {
    use super::Literals;
    use aho_corasick::AhoCorasick;
    use proptest::prelude::*;
    use std::ops::ControlFlow;

    const SET: &[&str] = &["or", "for", "'", "union", "--", "r"];

    fn all(l: &Literals, text: &str) -> Vec<(usize, usize, usize)> {
        let mut v = Vec::new();
        let _: Option<()> = l.each(text.as_bytes(), |p, s, e| {
            v.push((p, s, e));
            ControlFlow::Continue(())
        });
        v.sort_unstable();
        v
    }

    #[test]
    fn finds_every_occurrence_case_insensitively() {
        let l = Literals::new("test", SET).expect("builds");
        assert_eq!(all(&l, "FOR x"), vec![(0, 1, 3), (1, 0, 3), (5, 2, 3)]);
        assert_eq!(l.leftmost_start(b"x' y"), Some(1));
        assert_eq!(l.leftmost_start(b"abc-def"), None);
        assert_eq!(l.leftmost_start(b"a union"), Some(2));
        assert_eq!(l.leftmost_start(b"abc"), None);
        assert_eq!(all(&l, ""), vec![]);
    }

    proptest! {
        #[test]
        fn agrees_with_the_overlapping_search(text in "([a-zA-Z' -]|or|OR|for|union|--){0,40}") {
            let l = Literals::new("test", SET).expect("builds");
            let ac = AhoCorasick::builder().ascii_case_insensitive(true).build(SET).expect("builds");
            let mut want: Vec<(usize, usize, usize)> =
                ac.find_overlapping_iter(&text).map(|m| (m.pattern().as_usize(), m.start(), m.end())).collect();
            want.sort_unstable();
            prop_assert_eq!(all(&l, &text), want);
            let leftmost = AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .match_kind(aho_corasick::MatchKind::LeftmostFirst)
                .build(SET)
                .expect("builds");
            prop_assert_eq!(l.leftmost_start(text.as_bytes()), leftmost.find(&text).map(|m| m.start()));
        }
    }
}
