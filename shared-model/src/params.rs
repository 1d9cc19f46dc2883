//! Parameters: the per-request features of query and body parameters, computed by ONE function
//! ([`observe`]) that the engine uses to log and to score and whose output the learner reads back
//! from the access log, so what is learned is exactly what is scored.
//!
//! Privacy: an observation holds the parameter's name, its shape class, its length and, for
//! numbers only, the numeric value; never the raw text. Short word-like values (`asc`, `pending`)
//! also carry a 32-bit hash so the learner can tell a closed set of values (an enum) from free
//! text; the hash of a longer or free-text value is never logged.
//!
//! Names are locations as findings report them, with array indices and identifier-like JSON keys
//! collapsed (`body:$.items[3].sku` -> `body:$.items[*].sku`), so one endpoint has few names.
//! Repeated names in one request (array items) are folded into one observation: the widest shape,
//! the longest length, the numeric range. At most [`MAX_PARAMS`] names are kept per request.

use crate::fields::{Field, Part, ValueType};
use serde::{Deserialize, Serialize};

/// Parameter names kept per request; the rest are counted in `params_dropped`.
pub const MAX_PARAMS: usize = 64;
/// Longest parameter name logged (bytes); longer names are cut at a character boundary.
pub const MAX_NAME: usize = 128;
/// Longest value whose hash is logged (enum learning).
pub const MAX_HASHED: usize = 24;

/// A value's shape class. Shapes form a tree under "is also a" (see [`Shape::parent`]):
/// `int` < `number` < `word` < `text`; `hex`, `uuid`, `date` < `word`; `email`, `bool` < `text`;
/// `null` fits anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shape {
    Null,
    Bool,
    Int,
    Number,
    Uuid,
    Date,
    Hex,
    Email,
    /// One token of letters, digits and `_-.:` up to 64 characters.
    Word,
    /// Anything else: free text.
    Text,
}

impl Shape {
    pub fn as_str(self) -> &'static str {
        match self {
            Shape::Null => "null",
            Shape::Bool => "bool",
            Shape::Int => "int",
            Shape::Number => "number",
            Shape::Uuid => "uuid",
            Shape::Date => "date",
            Shape::Hex => "hex",
            Shape::Email => "email",
            Shape::Word => "word",
            Shape::Text => "text",
        }
    }

    /// The next wider shape; `None` for `text` (the top) and `null` (which fits anything).
    pub fn parent(self) -> Option<Shape> {
        match self {
            Shape::Int => Some(Shape::Number),
            Shape::Number | Shape::Hex | Shape::Uuid | Shape::Date => Some(Shape::Word),
            Shape::Word | Shape::Email | Shape::Bool => Some(Shape::Text),
            Shape::Text | Shape::Null => None,
        }
    }

    /// Does a parameter learned as `self` accept a value of shape `seen`?
    pub fn accepts(self, seen: Shape) -> bool {
        if seen == Shape::Null || self == Shape::Text {
            return true;
        }
        let mut s = Some(seen);
        while let Some(x) = s {
            if x == self {
                return true;
            }
            s = x.parent();
        }
        false
    }

    /// The narrowest shape accepting both.
    pub fn join(self, other: Shape) -> Shape {
        if self == Shape::Null {
            return other;
        }
        let mut s = self;
        loop {
            if s.accepts(other) {
                return s;
            }
            match s.parent() {
                Some(p) => s = p,
                None => return Shape::Text,
            }
        }
    }

    /// The shape of one field value.
    pub fn of(value: &str, ty: ValueType) -> Shape {
        match ty {
            ValueType::Null => Shape::Null,
            ValueType::Bool => Shape::Bool,
            ValueType::Number => {
                if value.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                    Shape::Int
                } else {
                    Shape::Number
                }
            }
            ValueType::Text | ValueType::Key | ValueType::Markup => text_shape(value),
        }
    }
}

fn text_shape(v: &str) -> Shape {
    let b = v.as_bytes();
    // One pass over the bytes gathers what the shape tests below need; it stops at the first
    // byte that rules out every token shape (free text: the digit count no longer matters).
    let (mut digits, mut hex, mut word, mut numeric) = (0, true, true, true);
    for &c in b {
        digits += usize::from(c.is_ascii_digit());
        hex &= c.is_ascii_hexdigit();
        word &= c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':');
        numeric &= c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E');
        if !(hex || word || numeric) {
            break;
        }
    }
    let unsigned = b.strip_prefix(b"-").unwrap_or(b);
    if !unsigned.is_empty() && unsigned.len() <= 18 && unsigned.len() == digits {
        return Shape::Int;
    }
    // Only digits, signs, points and exponents can parse as a finite number (`inf` and `NaN` have letters).
    if numeric && digits > 0 && b.len() <= 32 && v.parse::<f64>().is_ok_and(f64::is_finite) {
        return Shape::Number;
    }
    if v == "true" || v == "false" {
        return Shape::Bool;
    }
    if crate::route::is_uuid(b) {
        return Shape::Uuid;
    }
    if is_date(b) {
        return Shape::Date;
    }
    if b.len() >= 16 && digits > 0 && hex {
        return Shape::Hex;
    }
    if is_email(v) {
        return Shape::Email;
    }
    if b.len() <= 64 && word {
        return Shape::Word;
    }
    Shape::Text
}

/// `2024-05-01`, optionally followed by a time (`T10:00:00Z`, ` 10:00`).
fn is_date(b: &[u8]) -> bool {
    b.len() >= 10
        && b.len() <= 35
        && b[..10].iter().enumerate().all(|(i, c)| if i == 4 || i == 7 { *c == b'-' } else { c.is_ascii_digit() })
        && (b.len() == 10 || matches!(b[10], b'T' | b't' | b' '))
}

fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.split_once('@') else { return false };
    v.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !v.bytes().any(|c| c.is_ascii_whitespace() || matches!(c, b'<' | b'>' | b'"' | b'\'' | b';' | b','))
}

/// FNV-1a, 32 bits: a stable hash for enum values (the learner and the filter must agree).
pub fn value_hash(v: &str) -> u32 {
    v.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// One parameter as seen in one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamObs {
    /// `query:limit`, `body:$.items[*].sku`, `body:comment` (a form field).
    pub name: String,
    /// The widest shape over the request's values of this name.
    pub shape: Shape,
    /// The longest value, in characters.
    pub len: u32,
    /// Numbers only: the smallest and largest value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<[f64; 2]>,
    /// Short word values only: [`value_hash`] of the first value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<u32>,
}

/// Appends the parameters among `fields` (query values and body values) to `out`, folding
/// repeated names, keeping at most [`MAX_PARAMS`]; returns how many new names did not fit.
pub fn observe(fields: &[Field<'_>], out: &mut Vec<ParamObs>) -> u32 {
    let mut dropped = 0;
    let mut name = String::new();
    // The names' hashes, in `out`'s order: a repeated name (array items) is found by comparing
    // hashes before names.
    let mut hashes: Vec<u32> = out.iter().map(|p| value_hash(&p.name)).collect();
    for f in fields {
        if !matches!(f.part, Part::Query | Part::Body) || matches!(f.ty, ValueType::Key | ValueType::Markup) || f.name.is_empty() {
            continue;
        }
        name.clear();
        name.push_str(if f.part == Part::Query { "query:" } else { "body:" });
        collapse_indices(&f.name, &mut name);
        let shape = Shape::of(&f.value, f.ty);
        let len = u32::try_from(f.value.chars().count()).unwrap_or(u32::MAX);
        let num = matches!(shape, Shape::Int | Shape::Number).then(|| f.value.parse::<f64>().ok()).flatten();
        let range = num.filter(|n| n.is_finite()).map(|n| [n, n]);
        let full = out.len() >= MAX_PARAMS;
        let hash = value_hash(&name);
        match hashes.iter().zip(out.iter_mut()).find(|(h, p)| **h == hash && p.name == name).map(|(_, p)| p) {
            Some(p) => {
                p.shape = p.shape.join(shape);
                p.len = p.len.max(len);
                p.range = match (p.range, range) {
                    (Some([a, b]), Some([c, d])) => Some([a.min(c), b.max(d)]),
                    (a, b) => a.or(b),
                };
                if p.shape != Shape::Word {
                    p.hash = None;
                }
            }
            None if full => dropped += 1,
            None => {
                hashes.push(hash);
                let hash = (shape == Shape::Word && f.value.len() <= MAX_HASHED).then(|| value_hash(&f.value));
                out.push(ParamObs { name: name.clone(), shape, len, range, hash });
            }
        }
    }
    dropped
}

/// Copies a field name, replacing `[N]` with `[*]` and identifier-like JSON keys (`.8f3a...`,
/// `.12345`) with `.*`, cutting at [`MAX_NAME`] bytes.
pub fn collapse_indices(name: &str, out: &mut String) {
    let start = out.len();
    let b = name.as_bytes();
    // Indices and identifiers have digits: most names have none and are copied as they are.
    if !b.iter().any(u8::is_ascii_digit) {
        out.push_str(name);
    } else {
        let mut i = 0;
        while i < b.len() {
            // The end of the segment starting at `from`: the next `[` or `.`.
            let seg_end = |from: usize| b[from..].iter().position(|&c| c == b'[' || c == b'.').map_or(b.len(), |p| from + p);
            match b[i] {
                b'[' => {
                    let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    if digits > 0 && b.get(i + 1 + digits) == Some(&b']') {
                        out.push_str("[*]");
                        i += digits + 2;
                    } else {
                        out.push('[');
                        i += 1;
                    }
                }
                b'.' => {
                    let end = seg_end(i + 1);
                    let key = &name[i + 1..end];
                    out.push('.');
                    if key.bytes().any(|c| c.is_ascii_digit()) && crate::route::looks_like_id(key) {
                        out.push('*');
                    } else {
                        out.push_str(key);
                    }
                    i = end;
                }
                _ => {
                    let end = seg_end(i + 1);
                    out.push_str(&name[i..end]);
                    i = end;
                }
            }
        }
    }
    if out.len() - start > MAX_NAME {
        let mut cut = start + MAX_NAME;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{body_fields, request_head_fields, BodyParse};
    use crate::facts::RequestHead;

    #[test]
    fn shapes_of_values() {
        let t = |v| Shape::of(v, ValueType::Text);
        assert_eq!(t("42"), Shape::Int);
        assert_eq!(t("-7"), Shape::Int);
        assert_eq!(t("12.50"), Shape::Number);
        assert_eq!(t("true"), Shape::Bool);
        assert_eq!(t("5f2b9c1e-0d4f-4a8e-9d2c-1b3a4c5d6e7f"), Shape::Uuid);
        assert_eq!(t("2024-05-01"), Shape::Date);
        assert_eq!(t("2024-05-01T10:00:00Z"), Shape::Date);
        assert_eq!(t("deadbeef12345678"), Shape::Hex);
        assert_eq!(t("a.b@example.com"), Shape::Email);
        assert_eq!(t("created_at"), Shape::Word);
        assert_eq!(t("nan"), Shape::Word);
        assert_eq!(t("hello world"), Shape::Text);
        assert_eq!(t("x' OR '1'='1"), Shape::Text);
        assert_eq!(Shape::of("3", ValueType::Number), Shape::Int);
        assert_eq!(Shape::of("3.5", ValueType::Number), Shape::Number);
        assert_eq!(Shape::of("", ValueType::Null), Shape::Null);
    }

    #[test]
    fn the_shape_tree() {
        assert!(Shape::Number.accepts(Shape::Int));
        assert!(!Shape::Int.accepts(Shape::Number));
        assert!(Shape::Word.accepts(Shape::Uuid));
        assert!(!Shape::Word.accepts(Shape::Text));
        assert!(Shape::Int.accepts(Shape::Null));
        assert!(Shape::Text.accepts(Shape::Email));
        assert_eq!(Shape::Int.join(Shape::Number), Shape::Number);
        assert_eq!(Shape::Hex.join(Shape::Int), Shape::Word);
        assert_eq!(Shape::Email.join(Shape::Word), Shape::Text);
        assert_eq!(Shape::Null.join(Shape::Uuid), Shape::Uuid);
    }

    #[test]
    fn observes_query_and_json_body_without_raw_text() {
        let head = RequestHead { method: "POST".into(), path: "/o?limit=20&sort=asc&q=red+shoes".into(), ..Default::default() };
        let mut names = String::new();
        let mut fields = Vec::new();
        request_head_fields(&head, &mut fields);
        let body = br#"{"items":[{"sku":"A-1","qty":2},{"sku":"B-22","qty":5}],"note":"leave at door","meta":{"1234567":true}}"#;
        assert_eq!(body_fields(Part::Body, Some("application/json"), body, &mut names, &mut fields), BodyParse::Parsed(crate::fields::BodyKind::Json));
        let mut out = Vec::new();
        assert_eq!(observe(&fields, &mut out), 0);
        let by = |n: &str| out.iter().find(|p| p.name == n).unwrap_or_else(|| panic!("{n} in {out:?}"));
        assert_eq!(by("query:limit").range, Some([20.0, 20.0]));
        assert_eq!(by("query:sort").hash, Some(value_hash("asc")));
        assert_eq!((by("query:q").shape, by("query:q").len, by("query:q").hash), (Shape::Text, 9, None));
        assert_eq!(by("body:$.items[*].qty").range, Some([2.0, 5.0]));
        assert_eq!((by("body:$.items[*].sku").shape, by("body:$.items[*].sku").len), (Shape::Word, 4));
        assert_eq!(by("body:$.meta.*").shape, Shape::Bool);
        let logged = serde_json::to_string(&out).unwrap();
        assert!(!logged.contains("leave at door") && !logged.contains("red"), "{logged}");
    }

    #[test]
    fn collapses_indices_and_identifier_keys() {
        let c = |n: &str| {
            let mut out = String::new();
            collapse_indices(n, &mut out);
            out
        };
        assert_eq!(c("$.items[3].sku"), "$.items[*].sku");
        assert_eq!(c("$.a[12][0].b2"), "$.a[*][*].b2");
        assert_eq!(c("$.users.12345.name"), "$.users.*.name");
        assert_eq!(c("$.by_id.5f2b9c1e-0d4f-4a8e-9d2c-1b3a4c5d6e7f"), "$.by_id.*");
        assert_eq!(c("$.v2.x[a]"), "$.v2.x[a]");
        assert_eq!(c("$[\"odd key\"]"), "$[\"odd key\"]");
        assert_eq!(c("limit"), "limit");
        assert_eq!(c("$.x[]"), "$.x[]");
    }

    #[test]
    fn caps_names_per_request() {
        let q: Vec<String> = (0..100).map(|i| format!("p{i}=1")).collect();
        let head = RequestHead { path: format!("/x?{}", q.join("&")), ..Default::default() };
        let mut fields = Vec::new();
        request_head_fields(&head, &mut fields);
        let mut out = Vec::new();
        assert_eq!(observe(&fields, &mut out), 36);
        assert_eq!(out.len(), MAX_PARAMS);
        let mut long = String::new();
        collapse_indices(&"é".repeat(100), &mut long);
        assert!(long.len() <= MAX_NAME);
    }
}
