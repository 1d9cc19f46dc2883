//! Escape evasion: a letter or digit written as a `\u` escape (`\u0061lert`, `\u{76}alueOf`,
//! IIS's `%u0061`).
//!
//! Encoders escape only what a string cannot hold as it is: quotes, control characters, `<>&`,
//! non-ASCII. No serializer writes `a` as `\u0061`; a hand-written escape of a plain letter is
//! there so that a filter matching words (`alert`, `valueOf`) reads noise while the sink that
//! decodes it (a JavaScript string, a JSON or IIS decoder) reads the word (the "Unicode character
//! bypass"): High in a form, a header or an XML value. In a query string it is Medium, which
//! adds to other evidence but does not flag alone: front ends of JSON APIs paste JavaScript
//! string literals into links, and the CRS rule makes the same exception for JSON clients.
//! A JSON string is left alone: its escapes are the JSON parser's, and an escape that survives
//! parsing is JSON double-encoded inside JSON, which serializers do write. The other families
//! match the decoded form anyway (see [`crate::normalize`]); this check reports the evasion itself, from the raw value, and only for values whose decoding
//! changed something (or that hold a braced `\u{`): a clean value costs one pointer comparison.

use super::gate::lit;
use super::{is_json_text, Check, Family, Hit, Subject, Trigger};
use crate::fields::{Field, Part, ValueType};
use crate::finding::Severity::{High, Medium};
use crate::normalize::hex;

pub(crate) struct Escape;

/// Offset of the first `\uHHHH`, `\u{H..}` or `%uHHHH` escape of an ASCII letter or digit.
fn escaped_plain(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while i + 2 < b.len() {
        if matches!(b[i], b'\\' | b'%') && matches!(b[i + 1], b'u' | b'U') {
            let rest = &b[i + 2..];
            let (digits, braced) = match rest.first() {
                Some(b'{') if b[i] == b'\\' => (&rest[1..], true),
                _ => (rest, false),
            };
            let n = digits.iter().take(6).take_while(|c| c.is_ascii_hexdigit()).count();
            let whole = if braced { n > 0 && digits.get(n) == Some(&b'}') } else { n >= 4 };
            let width = if braced { n } else { 4 };
            if whole {
                let cp = digits[..width].iter().fold(0u32, |acc, &c| acc * 16 + u32::from(hex(c).unwrap_or(0)));
                if char::from_u32(cp).is_some_and(|c| c.is_ascii_alphanumeric()) {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

impl Check for Escape {
    fn triggers(&self) -> &'static [Trigger] {
        // `\uHHHH` and `%uHHHH` are gone from the decoded text the prefilter reads (see `wake`);
        // the braced form is not decoded.
        const T: &[Trigger] = &[lit("\\u{")];
        T
    }

    fn wakes_on(&self, _part: Part, _ty: ValueType) -> bool {
        true
    }

    fn wake(&self, text: &[u8], field: &Field<'_>) -> bool {
        // The prefilter's text is the raw value itself unless decoding changed it.
        let decoded = !std::ptr::eq(text.as_ptr(), field.value.as_ptr());
        let json_string = field.part == Part::Body && field.name.starts_with('$');
        decoded && !json_string && escaped_plain(field.value.as_bytes()).is_some()
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if is_json_text(s) {
            return None;
        }
        let hit = escaped_plain(s.raw.as_bytes()).map(|at| Hit::new(Family::Protocol, High, 0.75, at, "escaped plain letter or digit (\\u evasion)"));
        if matches!(s.part, Part::Query | Part::QueryName) {
            return hit.map(|h| h.at_most(Medium, 0.6));
        }
        hit
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn escaped_letters_are_an_evasion() {
        let flagged = |part, v: &str| {
            let f = scan_at(part, ValueType::Text, "q", v);
            f.iter().any(|f| f.kind == "attack.protocol" && f.weight() >= 0.5)
        };
        for v in ["\\u0061lert(1)", "x=\\u0065val", "\"in \\u0076alueOf=", "\\u{70}rompt", "%u0073cript", "id\\u0030"] {
            assert!(flagged(Part::Header, v), "{v}");
            assert!(scan_at(Part::Query, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.protocol"), "{v} reported in a query");
            assert!(flagged(Part::Body, v), "{v} in a form field");
            assert!(!flags_in_json("attack.protocol", v), "{v} double-encoded in a JSON string");
        }
        for v in [
            "caf\\u00e9",
            "\\u003cb\\u003e bold \\u0026 co",
            "line\\u000abreak \\u0022quoted\\u0022",
            "C:\\users\\ursula\\x64\\build",
            "50%u off",
            "%u00",
            "\\u{1F600}",
            "\\u00",
            "plain text",
        ] {
            assert!(!flagged(Part::Header, v) && !flagged(Part::Body, v), "{v}");
            assert!(!scan_at(Part::Query, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.protocol"), "{v}");
        }
    }
}
