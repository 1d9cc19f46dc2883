//! A zero-copy, iterative JSON walker: every key and leaf of a document, with its JSON path.
//!
//! Why not `serde_json::Value`: building the tree and cloning every string cost ~10x more than
//! inspecting the values, and its recursion limit turns deep nesting into a bare error. This walker
//! keeps an explicit stack (depth bounded by [`MAX_DEPTH`]), borrows every string that has no
//! escapes, and reports leaves as it reaches them, so a document cut at the inspection limit still
//! yields everything before the cut. Input must be UTF-8 (checked once up front).

use crate::swar;
use std::borrow::Cow;

/// Deeper documents stop the walk with [`JsonError::TooDeep`].
pub const MAX_DEPTH: usize = 512;

#[derive(Debug, Clone, PartialEq)]
pub enum Leaf<'a> {
    /// An object key; the path is the object's.
    Key(Cow<'a, str>),
    Str(Cow<'a, str>),
    /// The number's text as written.
    Num(&'a str),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    NotUtf8,
    /// Malformed at this byte offset (a body cut at the limit ends here too).
    Syntax(usize),
    TooDeep,
}

enum Frame {
    Object { path_len: usize },
    Array { path_len: usize, index: usize },
}

/// Walks `input`, calling `visit(path, leaf)` for every key and leaf in document order.
pub fn walk<'a>(input: &'a [u8], mut visit: impl FnMut(&str, Leaf<'a>)) -> Result<(), JsonError> {
    let text = std::str::from_utf8(input).map_err(|_| JsonError::NotUtf8)?;
    let mut p = Parser { s: text, b: input, i: 0 };
    let mut path = String::from("$");
    let mut stack: Vec<Frame> = Vec::new();
    // Each turn parses one value at the current path, then moves to the next slot in the parent.
    'value: loop {
        p.ws();
        match p.peek() {
            Some(b'{') => {
                p.i += 1;
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
                stack.push(Frame::Object { path_len: path.len() });
                p.ws();
                if p.eat(b'}') {
                    stack.pop();
                } else {
                    p.key(&mut path, &mut visit)?;
                    continue 'value;
                }
            }
            Some(b'[') => {
                p.i += 1;
                if stack.len() >= MAX_DEPTH {
                    return Err(JsonError::TooDeep);
                }
                stack.push(Frame::Array { path_len: path.len(), index: 0 });
                p.ws();
                if p.eat(b']') {
                    stack.pop();
                } else {
                    path.push_str("[0]");
                    continue 'value;
                }
            }
            Some(b'"') => {
                let s = p.string()?;
                visit(&path, Leaf::Str(s));
            }
            Some(b't') => p.literal("true").map(|_| visit(&path, Leaf::Bool(true)))?,
            Some(b'f') => p.literal("false").map(|_| visit(&path, Leaf::Bool(false)))?,
            Some(b'n') => p.literal("null").map(|_| visit(&path, Leaf::Null))?,
            Some(b'-' | b'0'..=b'9') => {
                let n = p.number()?;
                visit(&path, Leaf::Num(n));
            }
            _ => return Err(JsonError::Syntax(p.i)),
        }
        // Close finished containers, or step to the next member/element.
        loop {
            let Some(top) = stack.last_mut() else {
                p.ws();
                return if p.i == p.b.len() { Ok(()) } else { Err(JsonError::Syntax(p.i)) };
            };
            p.ws();
            match top {
                Frame::Object { path_len } => {
                    let path_len = *path_len;
                    path.truncate(path_len);
                    if p.eat(b',') {
                        p.ws();
                        p.key(&mut path, &mut visit)?;
                        continue 'value;
                    }
                    if !p.eat(b'}') {
                        return Err(JsonError::Syntax(p.i));
                    }
                }
                Frame::Array { path_len, index } => {
                    path.truncate(*path_len);
                    if p.eat(b',') {
                        *index += 1;
                        push_index(&mut path, *index);
                        continue 'value;
                    }
                    if !p.eat(b']') {
                        return Err(JsonError::Syntax(p.i));
                    }
                }
            }
            stack.pop();
        }
    }
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Result<(), JsonError> {
        if self.b[self.i..].starts_with(word.as_bytes()) {
            self.i += word.len();
            Ok(())
        } else {
            Err(JsonError::Syntax(self.i))
        }
    }

    fn number(&mut self) -> Result<&'a str, JsonError> {
        let start = self.i;
        while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
            self.i += 1;
        }
        let n = &self.s[start..self.i];
        // Cheap shape check; the value itself is never needed here.
        if n.ends_with(['-', '+', '.', 'e', 'E']) {
            return Err(JsonError::Syntax(self.i));
        }
        Ok(n)
    }

    /// Reads `"key":` and appends the key to `path`.
    fn key(&mut self, path: &mut String, visit: &mut impl FnMut(&str, Leaf<'a>)) -> Result<(), JsonError> {
        let k = self.member_name()?;
        let obj = path.len();
        push_key(path, &k);
        // The key is reported at its object's path, what the path was before the key.
        visit(path.get(..obj).unwrap_or(path), Leaf::Key(k));
        Ok(())
    }

    /// Reads `"name":`, the name decoded.
    fn member_name(&mut self) -> Result<Cow<'a, str>, JsonError> {
        if self.peek() != Some(b'"') {
            return Err(JsonError::Syntax(self.i));
        }
        let k = self.string()?;
        self.ws();
        if !self.eat(b':') {
            return Err(JsonError::Syntax(self.i));
        }
        Ok(k)
    }

    fn string(&mut self) -> Result<Cow<'a, str>, JsonError> {
        self.i += 1; // opening quote
        let start = self.i;
        // Fast path: no escapes.
        self.i = run_end(self.b, start);
        match self.peek() {
            Some(b'"') => {
                let s = &self.s[start..self.i];
                self.i += 1;
                return Ok(Cow::Borrowed(s));
            }
            Some(0..=0x1f) => return Err(JsonError::Syntax(self.i)),
            _ => {}
        }
        // Escaped: decode into a buffer, eight bytes per step up to each stop (an event logged as
        // a JSON string has an escape every few bytes, so per-run copies would cost too much).
        let mut out = Vec::with_capacity((self.b.len() - start).min(1024));
        out.extend_from_slice(&self.b[start..self.i]);
        loop {
            let w = swar::load(self.b, self.i);
            // The bytes before the first stop; the padding past the end is no stop, so clamp.
            let n = (string_stops(w).trailing_zeros() as usize / 8).min(self.b.len() - self.i);
            let keep = out.len() + n;
            out.extend_from_slice(&w.to_le_bytes());
            out.truncate(keep);
            self.i += n;
            if n == 8 {
                continue;
            }
            match self.peek() {
                Some(b'"') => {
                    self.i += 1;
                    // Valid: copied bytes are whole UTF-8 sequences (the input is UTF-8 and every
                    // stop is ASCII), decoded escapes are encoded chars.
                    return String::from_utf8(out).map(Cow::Owned).map_err(|_| JsonError::NotUtf8);
                }
                Some(b'\\') => {
                    let esc = self.b.get(self.i + 1).copied().ok_or(JsonError::Syntax(self.i))?;
                    self.i += 2;
                    let c = match esc {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let c = if (0xd800..0xdc00).contains(&hi) && self.b[self.i..].starts_with(b"\\u") {
                                self.i += 2;
                                let lo = self.hex4()?;
                                char::from_u32(0x10000 + ((hi - 0xd800) << 10) + lo.wrapping_sub(0xdc00))
                            } else {
                                char::from_u32(hi)
                            };
                            c.unwrap_or('\u{fffd}')
                        }
                        _ => return Err(JsonError::Syntax(self.i)),
                    };
                    out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes());
                }
                _ => return Err(JsonError::Syntax(self.i)),
            }
        }
    }

    /// Steps over one value: strings by their escapes, containers by bracket depth.
    fn skip_value(&mut self) -> Result<(), JsonError> {
        let mut depth = 0usize;
        loop {
            self.ws();
            match self.peek() {
                None => return Err(JsonError::Syntax(self.i)),
                Some(b'"') => {
                    self.i += 1;
                    loop {
                        self.i = run_end(self.b, self.i);
                        match self.peek() {
                            Some(b'"') => break,
                            Some(b'\\') => self.i += 2,
                            _ => return Err(JsonError::Syntax(self.i)),
                        }
                    }
                    self.i += 1;
                }
                Some(b'{' | b'[') => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(JsonError::TooDeep);
                    }
                    self.i += 1;
                    continue;
                }
                Some(b'}' | b']') if depth > 0 => {
                    depth -= 1;
                    self.i += 1;
                }
                Some(b',' | b':') if depth > 0 => {
                    self.i += 1;
                    continue;
                }
                Some(_) => {
                    let from = self.i;
                    while !matches!(self.peek(), None | Some(b',' | b':' | b'}' | b']' | b'"' | b' ' | b'\t' | b'\n' | b'\r')) {
                        self.i += 1;
                    }
                    if self.i == from {
                        return Err(JsonError::Syntax(self.i));
                    }
                }
            }
            if depth == 0 {
                return Ok(());
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let h = self.b.get(self.i..self.i + 4).ok_or(JsonError::Syntax(self.i))?;
        let mut v = 0u32;
        for &c in h {
            v = v << 4 | crate::normalize::hex(c).ok_or(JsonError::Syntax(self.i))? as u32;
        }
        self.i += 4;
        Ok(v)
    }
}

/// A member's value as [`members`] gives it.
#[derive(Debug, Clone, PartialEq)]
pub enum Member<'a> {
    /// A string, decoded.
    Str(Cow<'a, str>),
    /// Any other value, as its raw text.
    Raw(&'a str),
}

impl<'a> Member<'a> {
    /// The string, if the value is one.
    pub fn into_str(self) -> Option<Cow<'a, str>> {
        match self {
            Member::Str(s) => Some(s),
            Member::Raw(_) => None,
        }
    }
}

/// The members of one JSON object as (key, value), strings decoded and other values left as raw
/// text: for a flat record (an access-log line) whose few fields are read one by one, where
/// decoding every value would cost more than the record's use. Nested values are only
/// bracket-matched here; parse a raw value to validate it.
pub fn members(text: &str) -> Result<Vec<(Cow<'_, str>, Member<'_>)>, JsonError> {
    let mut p = Parser { s: text, b: text.as_bytes(), i: 0 };
    let mut out = Vec::new();
    p.ws();
    if !p.eat(b'{') {
        return Err(JsonError::Syntax(p.i));
    }
    p.ws();
    if !p.eat(b'}') {
        loop {
            p.ws();
            let key = p.member_name()?;
            p.ws();
            let value = if p.peek() == Some(b'"') {
                Member::Str(p.string()?)
            } else {
                let from = p.i;
                p.skip_value()?;
                Member::Raw(&text[from..p.i])
            };
            out.push((key, value));
            p.ws();
            if p.eat(b'}') {
                break;
            }
            if !p.eat(b',') {
                return Err(JsonError::Syntax(p.i));
            }
        }
    }
    p.ws();
    if p.i != text.len() {
        return Err(JsonError::Syntax(p.i));
    }
    Ok(out)
}

/// Where the unescaped run of a string starting at `from` ends: at its closing quote, an escape,
/// or a control character (invalid there); `b.len()` if none. Eight bytes per step.
fn run_end(b: &[u8], from: usize) -> usize {
    let mut at = from;
    while at < b.len() {
        let stop = string_stops(swar::load(b, at));
        if stop != 0 {
            // The lowest flagged byte is the first stop (a word's flags are exact up to it).
            return (at + stop.trailing_zeros() as usize / 8).min(b.len());
        }
        at += 8;
    }
    b.len()
}

/// The bytes of `w` that end a run of string text: a quote, a backslash, a control character.
/// Exact up to the first one (the lowest flagged byte).
fn string_stops(w: u64) -> u64 {
    swar::eq(w, b'"') | swar::eq(w, b'\\') | swar::below(w, 0x20)
}

/// The bytes of a plain key (written `.key` in a path).
const PLAIN_KEY: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        c += 1;
    }
    t
};

/// `[n]`, without the formatting machinery (arrays of a few hundred items write it per item).
fn push_index(path: &mut String, n: usize) {
    path.push('[');
    push_decimal(path, n as u64);
    path.push(']');
}

/// `n` in decimal, without the formatting machinery (per array item here, per log line in the
/// learner).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    while let Some(d) = at.checked_sub(1).and_then(|a| digits.get_mut(a)) {
        *d = b'0' + (n % 10) as u8;
        at -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(digits.get(at..).unwrap_or_default()).unwrap_or_default());
}

/// `$.name` for plain keys, `$["odd key"]` otherwise, so paths stay unambiguous.
pub fn push_key(path: &mut String, k: &str) {
    if !k.is_empty() && k.bytes().all(|c| PLAIN_KEY[usize::from(c)]) {
        path.reserve(k.len() + 1);
        path.push('.');
        path.push_str(k);
    } else {
        path.push_str("[\"");
        for c in k.chars() {
            match c {
                '"' => path.push_str("\\\""),
                '\\' => path.push_str("\\\\"),
                c if c.is_control() => path.extend(c.escape_default()),
                c => path.push(c),
            }
        }
        path.push_str("\"]");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaves(s: &str) -> (Vec<(String, Leaf<'_>)>, Result<(), JsonError>) {
        let mut out = Vec::new();
        let r = walk(s.as_bytes(), |p, l| out.push((p.to_string(), l)));
        (out, r)
    }

    #[test]
    fn a_key_with_path_characters_is_reported_at_its_objects_path() {
        let (got, r) = leaves(r#"{"a.b": {"c[0]": 1}}"#);
        assert_eq!(r, Ok(()));
        assert_eq!(got[0], ("$".into(), Leaf::Key("a.b".into())));
        assert_eq!(got[1], (r#"$["a.b"]"#.into(), Leaf::Key("c[0]".into())));
    }

    #[test]
    fn walks_keys_and_leaves_in_order_with_paths() {
        let (got, r) = leaves(r#" {"a": {"b": [1, "x\n", true, null, {}], "c d": []}, "e": -1.5e3} "#);
        assert_eq!(r, Ok(()));
        let want: Vec<(String, Leaf)> = vec![
            ("$".into(), Leaf::Key("a".into())),
            ("$.a".into(), Leaf::Key("b".into())),
            ("$.a.b[0]".into(), Leaf::Num("1")),
            ("$.a.b[1]".into(), Leaf::Str("x\n".into())),
            ("$.a.b[2]".into(), Leaf::Bool(true)),
            ("$.a.b[3]".into(), Leaf::Null),
            ("$.a".into(), Leaf::Key("c d".into())),
            ("$".into(), Leaf::Key("e".into())),
            ("$.e".into(), Leaf::Num("-1.5e3")),
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn unescaped_strings_are_borrowed_and_escapes_decoded() {
        let (got, _) = leaves(r#"["plain", "\u0041\ud83d\ude00\"\/", "\ud800x"]"#);
        assert!(matches!(got[0].1, Leaf::Str(Cow::Borrowed("plain"))));
        assert_eq!(got[1].1, Leaf::Str("A😀\"/".into()));
        assert_eq!(got[2].1, Leaf::Str("\u{fffd}x".into()), "a lone surrogate is replaced, not a panic");
    }

    #[test]
    fn members_are_split_strings_decoded_others_raw() {
        let line = r#" {"a": 1, "b":"x\"y", "c" : {"d":[1,{"e":"}"}]}, "e":null,"f":-2.5e3, "g":"plain" } "#;
        let got = members(line).unwrap();
        let keys: Vec<&str> = got.iter().map(|(k, _)| &**k).collect();
        assert_eq!(keys, ["a", "b", "c", "e", "f", "g"]);
        let values: Vec<Member> = got.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            [
                Member::Raw("1"),
                Member::Str("x\"y".into()),
                Member::Raw(r#"{"d":[1,{"e":"}"}]}"#),
                Member::Raw("null"),
                Member::Raw("-2.5e3"),
                Member::Str("plain".into())
            ]
        );
        assert_eq!(members("{}").unwrap(), vec![]);
        for bad in ["", "[]", "{", r#"{"a"}"#, r#"{"a":}"#, r#"{"a":1,}"#, r#"{"a":"open}"#, r#"{"a":{"b":1}"#, r#"{"a":1} x"#, r#"{a:1}"#] {
            assert!(members(bad).is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        /// Escaped strings decode as serde_json decodes them, whatever their text.
        #[test]
        fn escaped_strings_decode_as_serde_json_does(text in "\\PC{0,40}", ctl in 0u8..0x20) {
            let text = format!("{text}\"{}\\", char::from(ctl));
            let line = serde_json::json!({"s": text}).to_string();
            let got = members(&line).unwrap();
            proptest::prop_assert_eq!(&got[0].1, &Member::Str(Cow::Owned(text)));
        }
    }

    proptest::proptest! {
        #[test]
        fn a_run_ends_at_the_first_quote_escape_or_control(b in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40), from in 0usize..42) {
            let want = b.iter().enumerate().skip(from).find(|(_, &c)| c == b'"' || c == b'\\' || c < 0x20).map_or(b.len(), |(i, _)| i);
            proptest::prop_assert_eq!(run_end(&b, from), want);
        }
    }

    #[test]
    fn array_indices_are_written_in_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12345, usize::MAX] {
            let mut p = String::from("$");
            push_index(&mut p, n);
            assert_eq!(p, format!("$[{n}]"));
            let mut d = String::new();
            push_decimal(&mut d, n as u64);
            assert_eq!(d, n.to_string());
        }
    }

    #[test]
    fn truncated_documents_yield_what_came_before_the_cut() {
        let (got, r) = leaves(r#"{"a":"one","b":"tw"#);
        assert!(matches!(r, Err(JsonError::Syntax(_))));
        assert_eq!(got.len(), 3);
        assert_eq!(got[1], ("$.a".into(), Leaf::Str("one".into())));
    }

    #[test]
    fn rejects_malformed_input() {
        for bad in ["", "{", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "tru", "1 2", "[\"a\u{1}\"]", "{1:2}", "-", "\"\\x\""] {
            assert!(walk(bad.as_bytes(), |_, _| {}).is_err(), "{bad:?}");
        }
        assert_eq!(walk(b"\xff", |_, _| {}), Err(JsonError::NotUtf8));
    }

    #[test]
    fn deep_nesting_is_bounded_without_recursion() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(walk(deep.as_bytes(), |_, _| {}), Err(JsonError::TooDeep));
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert_eq!(walk(ok.as_bytes(), |_, _| {}), Ok(()));
    }

    #[test]
    fn large_arrays_are_linear() {
        let big = format!("[{}0]", "0,".repeat(100_000));
        let mut n = 0;
        assert_eq!(walk(big.as_bytes(), |_, _| n += 1), Ok(()));
        assert_eq!(n, 100_001);
    }

    #[test]
    fn agrees_with_serde_json_on_what_is_valid() {
        for doc in [r#"{"a":[1,2,{"b":null}],"c":"\u00e9"}"#, "[]", "{}", "\"s\"", "0", "[1e5,-0.5,1E-2]"] {
            assert!(serde_json::from_str::<serde_json::Value>(doc).is_ok());
            assert_eq!(walk(doc.as_bytes(), |_, _| {}), Ok(()), "{doc}");
        }
    }
}
