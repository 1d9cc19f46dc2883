//! Decoding helpers shared by every consumer of request text.
//!
//! Two entry points. [`percent_decode`] decodes once, as a parser would (fields use it to get the
//! value the application sees). [`for_matching`] undoes what attackers use to hide a payload from a
//! matcher, so detectors see one canonical form: repeated percent-decoding (bounded to
//! [`MAX_PASSES`], so `%252527` cannot make us loop), `%uXXXX`, overlong UTF-8 (`%c0%af` is `/`),
//! HTML entities (`&#x3c;`, `&lt;`, `&colon;`), `\uXXXX` / `\xHH` escapes, NUL bytes, look-alike
//! Unicode (full-width and circled forms, the ideographic full stop) and case (ASCII lower-case).
//! SQL comments and whitespace are the SQL tokenizer's business, not this module's.
//!
//! Both return `Cow::Borrowed` when nothing needed decoding: clean values never allocate.
//!
//! [`needs_decoding`] is the fast path in front of [`for_matching`]: one byte scan that says
//! whether anything but ASCII case could change. When it is false, the matching form is the
//! value lower-cased, so the attack prefilter runs on the value as it is (case-insensitively) and
//! most clean values (names, ids, dates, prose, non-Latin text) are never copied. It looks for
//! `%`, `&`, `\`, NUL and the lead bytes of the look-alike forms [`for_matching`] folds
//! (U+2460-24FF circled, U+3002, U+FF01-FF64 full-width): E2, E3, EF.

use std::borrow::Cow;

/// Bound on decoding passes: enough for double and triple encoding, and a hard stop for
/// adversarial nesting.
pub const MAX_PASSES: usize = 3;

/// Percent-decodes `s` once (`%41` -> `A`); with `plus_as_space`, `+` becomes a space as in
/// `application/x-www-form-urlencoded`. Malformed escapes are kept as they are; the decoded bytes
/// are read as UTF-8 lossily.
pub fn percent_decode(s: &str, plus_as_space: bool) -> Cow<'_, str> {
    let b = s.as_bytes();
    if !b.iter().any(|&c| c == b'%' || (plus_as_space && c == b'+')) {
        return Cow::Borrowed(s);
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push(h << 4 | l);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'+' if plus_as_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    match String::from_utf8(out) {
        Ok(s) => Cow::Owned(s),
        Err(e) => Cow::Owned(String::from_utf8_lossy(e.as_bytes()).into_owned()),
    }
}

/// C0 control characters other than the whitespace ones, and DEL: browsers skip them inside a
/// URL scheme (`java\x08script:`, `\x03javascript:`) and parsers skip NUL, so the matching form
/// drops them. Tab, LF, VT, FF and CR stay: they separate words in SQL, PHP and JavaScript
/// (`union\x0bselect` is `union select` to MySQL) and FF in HTML, so dropping them would glue
/// what the interpreter keeps apart.
pub(crate) const fn dropped_control(c: u8) -> bool {
    (c < 0x20 && !matches!(c, b'\t' | b'\n' | 0x0b | 0x0c | b'\r')) || c == 0x7f
}

/// Whether [`for_matching`] could produce anything other than `s` lower-cased (see the module
/// docs). One pass over the bytes through a 256-entry table.
pub fn needs_decoding(s: &str) -> bool {
    const fn table() -> [bool; 256] {
        let mut t = [false; 256];
        t[b'%' as usize] = true;
        t[b'&' as usize] = true;
        t[b'\\' as usize] = true;
        let mut c = 0;
        while c < 0x80 {
            if dropped_control(c as u8) {
                t[c] = true;
            }
            c += 1;
        }
        t[0xe2] = true;
        t[0xe3] = true;
        t[0xef] = true;
        t
    }
    static SPECIAL: [bool; 256] = table();
    s.bytes().any(|c| SPECIAL[c as usize])
}

/// The canonical, lower-case form of `s` that detectors match against (see the module docs).
pub fn for_matching(s: &str) -> Cow<'_, str> {
    matching_form(s, false)
}

/// [`for_matching`] with the control characters it drops ([`dropped_control`]) kept in place:
/// for the SQL check, whose target lexers read some of them as blanks (`union%01select` is
/// `union select` to SQL Server). Byte `i` of this form maps to byte `i` minus the number of
/// dropped controls before it in the matching form.
pub fn for_matching_keeping_controls(s: &str) -> Cow<'_, str> {
    matching_form(s, true)
}

/// Whether `raw` holds a control character that [`for_matching`] drops, as a byte or as one
/// percent escape (`%01`): whether [`for_matching_keeping_controls`] could read differently.
pub fn hides_controls(raw: &str) -> bool {
    let b = raw.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        dropped_control(c)
            || c == b'%' && matches!((b.get(i + 1).and_then(|&h| hex(h)), b.get(i + 2).and_then(|&l| hex(l))), (Some(h), Some(l)) if dropped_control(h << 4 | l))
    })
}

fn matching_form(s: &str, keep_controls: bool) -> Cow<'_, str> {
    let mut cur: Cow<'_, str> = Cow::Borrowed(s);
    for _ in 0..MAX_PASSES {
        match decode_pass(&cur) {
            Some(next) => cur = Cow::Owned(next),
            None => break,
        }
    }
    if needs_fold(&cur, keep_controls) {
        cur = Cow::Owned(fold(&cur, keep_controls));
    }
    cur
}

/// Anything [`decode_pass`] could change.
fn has_escapes(b: &[u8]) -> bool {
    b.iter().any(|&c| matches!(c, b'%' | b'&' | b'\\'))
}

/// What one escape decodes to.
enum Piece {
    Byte(u8),
    Char(u32),
    Text(&'static str),
}

/// One decoding pass: percent escapes (with `+` as space when the text was still URL-encoded),
/// `%uXXXX`, overlong UTF-8, HTML entities and backslash escapes. `None` when nothing changed;
/// the output buffer is only created at the first change.
fn decode_pass(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if !has_escapes(b) {
        return None;
    }
    let encoded = b.windows(3).any(|w| w[0] == b'%' && hex(w[1]).is_some() && hex(w[2]).is_some());
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let decoded = match c {
            b'%' => percent_escape(b, i),
            b'+' if encoded => Some((Piece::Byte(b' '), 1)),
            b'&' => html_entity(b, i),
            b'\\' => backslash_escape(b, i),
            _ => None,
        };
        match decoded {
            Some((piece, len)) => {
                let o = out.get_or_insert_with(|| {
                    let mut v = Vec::with_capacity(b.len());
                    v.extend_from_slice(&b[..i]);
                    v
                });
                match piece {
                    Piece::Byte(x) => o.push(x),
                    Piece::Char(cp) => push_char(o, cp),
                    Piece::Text(t) => o.extend_from_slice(t.as_bytes()),
                }
                i += len;
            }
            None => {
                if let Some(o) = out.as_mut() {
                    o.push(c);
                }
                i += 1;
            }
        }
    }
    out.map(utf8_lossy_overlong)
}

/// `%HH` or `%uHHHH` at `i`.
fn percent_escape(b: &[u8], i: usize) -> Option<(Piece, usize)> {
    if let (Some(&h), Some(&l)) = (b.get(i + 1), b.get(i + 2)) {
        if let (Some(h), Some(l)) = (hex(h), hex(l)) {
            return Some((Piece::Byte(h << 4 | l), 3));
        }
    }
    if matches!(b.get(i + 1), Some(b'u' | b'U')) {
        return hex_run(b, i + 2, 4).map(|cp| (Piece::Char(cp), 6));
    }
    None
}

/// `\\uHHHH` or `\\xHH` at `i`.
fn backslash_escape(b: &[u8], i: usize) -> Option<(Piece, usize)> {
    match b.get(i + 1) {
        Some(b'u' | b'U') => hex_run(b, i + 2, 4).map(|cp| (Piece::Char(cp), 6)),
        Some(b'x' | b'X') => hex_run(b, i + 2, 2).map(|cp| (x_escape(b, i, cp), 4)),
        _ => None,
    }
}

/// What `\xHH` at `i` stands for. A run of such escapes above ASCII spells the bytes of a UTF-8
/// sequence (`\xc2\xbc`, `\xc0\xaf`), read as UTF-8 after the pass; a lone one above ASCII is
/// the code point U+00HH, as JavaScript reads it (`\xbc` is `¼`, not half a character).
fn x_escape(b: &[u8], i: usize, cp: u32) -> Piece {
    let high_escape_at = |j: usize| b.get(j) == Some(&b'\\') && matches!(b.get(j + 1), Some(b'x' | b'X')) && hex_run(b, j + 2, 2).is_some_and(|c| c >= 0x80);
    if cp < 0x80 || high_escape_at(i + 4) || (i >= 4 && high_escape_at(i - 4)) {
        Piece::Byte(cp as u8)
    } else {
        Piece::Char(cp)
    }
}

/// Named and numeric HTML character references at `i` (the `;` is optional, as browsers allow).
fn html_entity(b: &[u8], i: usize) -> Option<(Piece, usize)> {
    let rest = &b[i + 1..];
    if rest.first() == Some(&b'#') {
        let (radix, start) = match rest.get(1) {
            Some(b'x' | b'X') => (16, 2),
            _ => (10, 1),
        };
        let digits = rest[start..]
            .iter()
            .take(8)
            .take_while(|c| if radix == 16 { c.is_ascii_hexdigit() } else { c.is_ascii_digit() })
            .count();
        if digits == 0 {
            return None;
        }
        let mut cp: u32 = 0;
        for &d in &rest[start..start + digits] {
            cp = cp.saturating_mul(radix).saturating_add(hex(d).map_or(0, u32::from));
        }
        let semi = usize::from(rest.get(start + digits) == Some(&b';'));
        return Some((Piece::Char(cp), 1 + start + digits + semi));
    }
    const NAMED: &[(&str, &str)] = &[
        ("lt", "<"), ("gt", ">"), ("quot", "\""), ("apos", "'"), ("amp", "&"), ("colon", ":"),
        ("tab", "\t"), ("newline", "\n"), ("lpar", "("), ("rpar", ")"), ("sol", "/"), ("bsol", "\\"),
        ("nbsp", " "), ("semi", ";"), ("comma", ","), ("period", "."), ("excl", "!"), ("lbrace", "{"),
        ("rbrace", "}"), ("lcub", "{"), ("rcub", "}"), ("grave", "`"), ("equals", "="), ("plus", "+"),
        ("lsqb", "["), ("rsqb", "]"), ("num", "#"), ("dollar", "$"), ("percnt", "%"), ("ast", "*"),
    ];
    let name_len = rest.iter().take(8).take_while(|c| c.is_ascii_alphabetic()).count();
    let name = &rest[..name_len];
    NAMED.iter().find(|(n, _)| name.eq_ignore_ascii_case(n.as_bytes())).map(|(_, v)| {
        let semi = usize::from(rest.get(name_len) == Some(&b';'));
        (Piece::Text(v), 1 + name_len + semi)
    })
}

fn hex_run(b: &[u8], start: usize, n: usize) -> Option<u32> {
    let digits = b.get(start..start + n)?;
    digits.iter().try_fold(0u32, |acc, &d| hex(d).map(|v| acc << 4 | u32::from(v)))
}

fn push_char(out: &mut Vec<u8>, cp: u32) {
    let c = char::from_u32(cp).unwrap_or('\u{fffd}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
}

/// Reads bytes as UTF-8, but first maps overlong encodings of ASCII (`C0 AF`, `E0 80 AF`), which
/// old decoders accepted as `/`, to the character they smuggle.
fn utf8_lossy_overlong(mut v: Vec<u8>) -> String {
    if v.iter().any(|&c| c == 0xc0 || c == 0xc1 || c == 0xe0) {
        let mut w = Vec::with_capacity(v.len());
        let mut i = 0;
        while i < v.len() {
            let c = v[i];
            let cont = |j: usize| v.get(j).is_some_and(|&x| x & 0xc0 == 0x80);
            if (c == 0xc0 || c == 0xc1) && cont(i + 1) {
                w.push(((c & 0x1f) << 6) | (v[i + 1] & 0x3f));
                i += 2;
            } else if c == 0xe0 && v.get(i + 1).is_some_and(|&x| x & 0xe0 == 0x80) && cont(i + 2) {
                w.push(((v[i + 1] & 0x3f) << 6) | (v[i + 2] & 0x3f));
                i += 3;
            } else {
                w.push(c);
                i += 1;
            }
        }
        v = w;
    }
    match String::from_utf8(v) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn needs_fold(s: &str, keep_controls: bool) -> bool {
    s.bytes().any(|c| c.is_ascii_uppercase() || !keep_controls && dropped_control(c) || c >= 0x80)
}

/// Lower-case ASCII, drop control characters ([`dropped_control`]) unless `keep_controls`, and
/// map look-alike Unicode forms to ASCII.
fn fold(s: &str, keep_controls: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let cp = c as u32;
        let mapped = match cp {
            0..=0x7f if !keep_controls && dropped_control(cp as u8) => continue,
            0xff01..=0xff5e => char::from_u32(cp - 0xff01 + 0x21).unwrap_or(c),
            0x3002 | 0xff61 => '.',
            0x2460..=0x2468 => char::from_u32(cp - 0x2460 + u32::from(b'1')).unwrap_or(c),
            0x24ea => '0',
            0x24b6..=0x24cf => char::from_u32(cp - 0x24b6 + u32::from(b'a')).unwrap_or(c),
            0x24d0..=0x24e9 => char::from_u32(cp - 0x24d0 + u32::from(b'a')).unwrap_or(c),
            _ => c,
        };
        out.push(mapped.to_ascii_lowercase());
    }
    out
}

/// Decodes base64url (or standard base64), with or without trailing padding. `None` on any other
/// byte. Used for JWT segments and token payloads (every request with a bearer token): a table
/// lookup per character, three bytes out per four characters.
pub fn base64url_decode(s: &[u8]) -> Option<Vec<u8>> {
    let end = s.iter().rposition(|&c| c != b'=').map_or(0, |i| i + 1);
    let s = &s[..end];
    let sextet = |c: u8| match BASE64[usize::from(c)] {
        INVALID => None,
        v => Some(u32::from(v)),
    };
    let mut out = Vec::with_capacity(end * 3 / 4 + 3);
    // Four characters make three bytes; a tail of two or three makes one or two.
    let mut quads = s.chunks_exact(4);
    for q in &mut quads {
        let n = (sextet(q[0])? << 18) | (sextet(q[1])? << 12) | (sextet(q[2])? << 6) | sextet(q[3])?;
        out.extend_from_slice(&n.to_be_bytes()[1..]);
    }
    let rest = quads.remainder();
    if !rest.is_empty() {
        let mut n = 0;
        for (i, &c) in rest.iter().enumerate() {
            n |= sextet(c)? << (18 - 6 * i);
        }
        out.extend_from_slice(&n.to_be_bytes()[1..rest.len()]);
    }
    Some(out)
}

/// Marks a byte that is no base64 character in [`BASE64`].
const INVALID: u8 = 0xff;

/// Base64 and base64url characters (both alphabets: `+` and `-` are 62, `/` and `_` 63) -> value.
const BASE64: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 26 {
        t[b'A' as usize + i] = i as u8;
        t[b'a' as usize + i] = 26 + i as u8;
        i += 1;
    }
    let mut d = 0;
    while d < 10 {
        t[b'0' as usize + d] = 52 + d as u8;
        d += 1;
    }
    t[b'-' as usize] = 62;
    t[b'+' as usize] = 62;
    t[b'_' as usize] = 63;
    t[b'/' as usize] = 63;
    t
};

pub(crate) fn hex(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_with_and_without_padding() {
        assert_eq!(base64url_decode(b"aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64url_decode(b"aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64url_decode(b"-_-_").unwrap(), base64url_decode(b"+/+/").unwrap());
        assert!(base64url_decode(b"a$b").is_none());
        assert!(base64url_decode(b"ab=cd").is_none(), "padding only at the end");
        // RFC 4648's test vectors, unpadded: every tail length.
        for (enc, dec) in [("", ""), ("Zg", "f"), ("Zm8", "fo"), ("Zm9v", "foo"), ("Zm9vYg", "foob"), ("Zm9vYmE", "fooba"), ("Zm9vYmFy", "foobar")] {
            assert_eq!(base64url_decode(enc.as_bytes()).unwrap(), dec.as_bytes(), "{enc}");
        }
        assert_eq!(base64url_decode(b"Z").unwrap(), b"", "a lone sextet makes no byte");
        assert!(base64url_decode(b"Zm9v\n").is_none());
    }
    use proptest::prelude::*;

    #[test]
    fn decodes_once_and_keeps_malformed_escapes() {
        assert_eq!(percent_decode("a%20b", false), "a b");
        assert_eq!(percent_decode("a+b", true), "a b");
        assert_eq!(percent_decode("a+b", false), "a+b");
        assert_eq!(percent_decode("%2541", false), "%41");
        assert_eq!(percent_decode("100%", false), "100%");
        assert_eq!(percent_decode("%zz%4", false), "%zz%4");
        assert!(matches!(percent_decode("plain", true), Cow::Borrowed(_)));
        assert_eq!(percent_decode("%ff", false), "\u{fffd}");
    }

    #[test]
    fn matching_form_undoes_evasions() {
        assert_eq!(for_matching("%253Cscript%253E"), "<script>");
        assert_eq!(for_matching("%25252e%25252e%25252f"), "../", "triple encoding");
        assert_eq!(for_matching("%2525252e"), "%2e", "bounded passes");
        assert_eq!(for_matching("..%c0%af..%c0%afetc"), "../../etc");
        assert_eq!(for_matching("%u003cSVG"), "<svg");
        assert_eq!(for_matching("&#x6A;ava&#115;cript&colon;"), "javascript:");
        assert_eq!(for_matching("&lt;img&gt"), "<img>");
        assert_eq!(for_matching("\\u0024ne \\x27"), "$ne '");
        assert_eq!(for_matching("\\xbcb\\xbe \\xc2\\xbc \\xd0\\xbc"), "\u{bc}b\u{be} \u{bc} \u{43c}", "a lone escape is a code point, a run is UTF-8");
        assert_eq!(for_matching("\\xc0\\xaf"), "/", "an overlong run still decodes");
        assert_eq!(for_matching("%03java%08script:"), "javascript:", "controls browsers skip");
        assert_eq!(for_matching("a\tb\nc"), "a\tb\nc", "whitespace stays");
        assert_eq!(for_matching("UNION%0bSELECT%0c1"), "union\x0bselect\x0c1", "vertical tab and form feed are whitespace");
        assert_eq!(for_matching("a%00b"), "ab");
        assert_eq!(for_matching_keeping_controls("UNION%01Select%1f1"), "union\x01select\x1f1", "kept for the SQL lexers");
        assert_eq!(for_matching("SELECT+x%20y"), "select x y");
        assert_eq!(for_matching("1%2B1"), "1+1", "an encoded plus stays a plus");
        assert_eq!(for_matching("1+1"), "1+1", "a plus is only a space in encoded text");
        assert_eq!(for_matching("①②⑦。⓪。⓪。① ＳＥＬＥＣＴ ⓛⓞ"), "127.0.0.1 select lo");
    }

    #[test]
    fn fast_path_flags_what_decoding_changes() {
        for v in ["a%41", "&lt;", "\\x41", "a\0b", "\u{ff33}", "①", "。"] {
            assert!(needs_decoding(v), "{v:?}");
        }
        for v in ["Hello World", "O'Brien <b>", "Müller 東京 ü", "2024-05-01", "a+b=c; d|e"] {
            assert!(!needs_decoding(v), "{v:?}");
        }
    }

    #[test]
    fn hidden_controls_as_bytes_or_one_escape() {
        for v in ["a\x19b", "a\0b", "x%01y", "x%1Fy", "x%7f"] {
            assert!(hides_controls(v), "{v:?}");
        }
        for v in ["a\tb\nc", "x%0ay%0D", "100%", "%2f%41", "x%1"] {
            assert!(!hides_controls(v), "{v:?}");
        }
    }

    #[test]
    fn clean_text_is_not_copied() {
        assert!(matches!(for_matching("hello world 42"), Cow::Borrowed(_)));
        assert!(matches!(for_matching("100% & co \\ x"), Cow::Borrowed(_)));
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent_on_ascii_clean(s in ".{0,200}") {
            let _ = for_matching(&s);
            let _ = percent_decode(&s, true);
        }

        #[test]
        fn fast_path_agrees_with_the_full_form(s in "\\PC{0,80}") {
            if !needs_decoding(&s) {
                prop_assert_eq!(for_matching(&s).into_owned(), s.to_ascii_lowercase());
            }
        }

        #[test]
        fn bytes_like_inputs_never_panic(v in proptest::collection::vec(any::<u8>(), 0..200)) {
            let s = String::from_utf8_lossy(&v);
            let _ = for_matching(&s);
        }

        #[test]
        fn escapes_never_panic(s in "([%&#\\\\uUxX;0-9a-fA-F]|%c0|%e0%80){0,60}") {
            let _ = for_matching(&s);
        }
    }
}
