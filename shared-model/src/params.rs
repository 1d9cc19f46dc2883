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
        shape_and_number(value, ty).0
    }
}

/// A value's shape and, for the numeric shapes (`int`, `number`), its value when it parses.
fn shape_and_number(value: &str, ty: ValueType) -> (Shape, Option<f64>) {
    let shape = match ty {
        ValueType::Null => Shape::Null,
        ValueType::Bool => Shape::Bool,
        ValueType::Number => {
            if value.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
                Shape::Int
            } else {
                Shape::Number
            }
        }
        ValueType::Text | ValueType::Key | ValueType::Markup => return text_shape(value),
    };
    let number = matches!(shape, Shape::Int | Shape::Number).then(|| value.parse::<f64>().ok()).flatten();
    (shape, number)
}

/// Byte classes for [`text_shape`]'s one pass: one table load per byte answers all four tests.
const DIGIT: u8 = 1;
const HEX: u8 = 1 << 1;
const WORD: u8 = 1 << 2;
const NUMERIC: u8 = 1 << 3;
const SHAPE_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let c = i as u8;
        let mut k = 0;
        if c.is_ascii_digit() {
            k |= DIGIT;
        }
        if c.is_ascii_hexdigit() {
            k |= HEX;
        }
        if c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b':') {
            k |= WORD;
        }
        if c.is_ascii_digit() || matches!(c, b'+' | b'-' | b'.' | b'e' | b'E') {
            k |= NUMERIC;
        }
        t[i] = k;
        i += 1;
    }
    t
};

/// A text value's shape, with its number when the shape is numeric and it parses.
fn text_shape(v: &str) -> (Shape, Option<f64>) {
    let b = v.as_bytes();
    // One pass over the bytes gathers what the shape tests below need; it stops at the first
    // byte that rules out every token shape (free text: the digit count no longer matters).
    let (mut digits, mut all) = (0, HEX | WORD | NUMERIC);
    for &c in b {
        let k = SHAPE_BYTES[usize::from(c)];
        digits += usize::from(k & DIGIT);
        all &= k;
        if all == 0 {
            break;
        }
    }
    let (hex, word, numeric) = (all & HEX != 0, all & WORD != 0, all & NUMERIC != 0);
    let unsigned = b.strip_prefix(b"-").unwrap_or(b);
    if !unsigned.is_empty() && unsigned.len() <= 18 && unsigned.len() == digits {
        return (Shape::Int, v.parse::<f64>().ok());
    }
    // Only digits, signs, points and exponents can parse as a finite number (`inf` and `NaN` have letters).
    if numeric && digits > 0 && b.len() <= 32 {
        if let Some(n) = v.parse::<f64>().ok().filter(|n| n.is_finite()) {
            return (Shape::Number, Some(n));
        }
    }
    let shape = if v == "true" || v == "false" {
        Shape::Bool
    } else if crate::route::is_uuid(b) {
        Shape::Uuid
    } else if is_date(b) {
        Shape::Date
    } else if b.len() >= 16 && digits > 0 && hex {
        Shape::Hex
    } else if is_email(v) {
        Shape::Email
    } else if b.len() <= 64 && word {
        Shape::Word
    } else {
        Shape::Text
    };
    (shape, None)
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
    fnv_continue(FNV_START, v)
}

const FNV_START: u32 = 0x811c_9dc5;

/// FNV-1a over `v` from state `h`: the hash of a string is the hash of its prefix continued.
fn fnv_continue(h: u32, v: &str) -> u32 {
    v.bytes().fold(h, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
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
    let mut names = Names::default();
    let mut next = 0;
    // The names' hashes, in `out`'s order: a repeated name (array items) is found by comparing
    // hashes before names.
    let mut hashes: Vec<u32> = out.iter().map(|p| value_hash(&p.name)).collect();
    for f in fields {
        if !matches!(f.part, Part::Query | Part::Body) || matches!(f.ty, ValueType::Key | ValueType::Markup) || f.name.is_empty() {
            continue;
        }
        let (name, hash) = names.collapsed(f.part, &f.name);
        let (shape, num) = shape_and_number(&f.value, f.ty);
        let len = u32::try_from(f.value.chars().count()).unwrap_or(u32::MAX);
        let range = num.filter(|n| n.is_finite()).map(|n| [n, n]);
        let full = out.len() >= MAX_PARAMS;
        // PERF: the items of an array repeat their names in order, so the name after the last
        // one found is tried first.
        let is = |i: &usize| hashes.get(*i) == Some(&hash) && out.get(*i).is_some_and(|p| p.name == name);
        let found = Some(next).filter(is).or_else(|| (0..out.len()).find(is));
        next = found.map_or(out.len() + 1, |i| i + 1);
        match found.and_then(|i| out.get_mut(i)) {
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
                out.push(ParamObs { name: name.to_string(), shape, len, range, hash });
            }
        }
    }
    dropped
}

/// The logged names of one request's fields (`body:` + [`collapse_indices`]) with their
/// [`value_hash`], built a segment at a time. A JSON body's leaves come in document order, so
/// consecutive names share their parent (`$.items[3]` of `$.items[3].sku` and `$.items[3].qty`):
/// its collapsed form and hash are kept, and each name costs only its last segment. Exact because
/// collapsing works segment by segment, each segment starting at a `.` or `[` (see
/// [`collapse_segments`]).
#[derive(Default)]
struct Names {
    /// The part and raw parent the kept prefix was built for; `None` when nothing is kept.
    part: Option<Part>,
    parent: String,
    /// `body:` + the collapsed parent, then the last name's collapsed last segment.
    name: String,
    parent_end: usize,
    parent_hash: u32,
}

impl Names {
    fn collapsed(&mut self, part: Part, raw: &str) -> (&str, u32) {
        let prefix = if part == Part::Query { "query:" } else { "body:" };
        let boundary = |c: &u8| *c == b'[' || *c == b'.';
        let b = raw.as_bytes();
        // The parent is all before the last `.` or `[` (after the first byte).
        let kept = self.parent.len();
        let same_parent = self.part == Some(part)
            && b.starts_with(self.parent.as_bytes())
            && (kept == 0 || b.get(kept).is_some_and(boundary))
            && b.get(kept + 1..).is_some_and(|rest| !rest.iter().any(boundary));
        let split = if same_parent { kept } else { b.iter().rposition(boundary).unwrap_or(0) };
        let (parent, last) = raw.split_at(split);
        if !same_parent {
            self.name.clear();
            self.name.push_str(prefix);
            collapse_segments(parent, &mut self.name);
            self.parent.clear();
            self.parent.push_str(parent);
            self.part = Some(part);
            self.parent_end = self.name.len();
            self.parent_hash = value_hash(&self.name);
        }
        self.name.truncate(self.parent_end);
        collapse_segments(last, &mut self.name);
        if self.name.len() - prefix.len() > MAX_NAME {
            // Cut: the kept prefix may be cut too, so nothing is kept for the next name.
            cut_name(&mut self.name, prefix.len());
            self.part = None;
            return (&self.name, value_hash(&self.name));
        }
        let hash = fnv_continue(self.parent_hash, self.name.get(self.parent_end..).unwrap_or(""));
        (&self.name, hash)
    }
}

/// Copies a field name, replacing `[N]` with `[*]` and identifier-like JSON keys (`.8f3a...`,
/// `.12345`) with `.*`, cutting at [`MAX_NAME`] bytes.
pub fn collapse_indices(name: &str, out: &mut String) {
    let start = out.len();
    collapse_segments(name, out);
    cut_name(out, start);
}

/// Cuts the name that starts at `start` in `out` to [`MAX_NAME`] bytes, at a character boundary.
fn cut_name(out: &mut String, start: usize) {
    if out.len() - start > MAX_NAME {
        let mut cut = start + MAX_NAME;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
}

/// [`collapse_indices`] without the cut. Every `.` and `[` starts a segment that is collapsed
/// on its own (`[N]...` to `[*]...`, an identifier-like `.key` to `.*`, anything else copied), so
/// the collapsed form of a name is that of its parts split before any `.` or `[`, joined. One
/// pass: the segments kept as they are are copied in runs.
fn collapse_segments(name: &str, out: &mut String) {
    let b = name.as_bytes();
    // `run..` is copied as it is, up to the first segment that collapses.
    let (mut run, mut i) = (0, 0);
    while i < b.len() {
        let seg = i;
        // Indices and identifiers have digits: a segment without any stays as it is.
        let mut digit = b[i].is_ascii_digit();
        i += 1;
        while i < b.len() && b[i] != b'[' && b[i] != b'.' {
            digit |= b[i].is_ascii_digit();
            i += 1;
        }
        if let Some((with, kept_from)) = digit.then(|| collapse_segment(&name[seg..i])).flatten() {
            out.push_str(&name[run..seg]);
            out.push_str(with);
            run = seg + kept_from;
        }
    }
    out.push_str(&name[run..]);
}

/// How one segment of [`collapse_segments`] (a `.` or `[` and what follows up to the next one)
/// collapses: what replaces its start, and where the rest kept as it is begins; `None` to keep it all.
fn collapse_segment(seg: &str) -> Option<(&'static str, usize)> {
    let b = seg.as_bytes();
    match b.first() {
        Some(b'[') => {
            let digits = b[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            (digits > 0 && b.get(1 + digits) == Some(&b']')).then_some(("[*]", digits + 2))
        }
        Some(b'.') => crate::route::looks_like_id(&seg[1..]).then_some((".*", seg.len())),
        _ => None,
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
    fn names_built_a_segment_at_a_time_are_the_whole_names_collapsed() {
        let whole = |part: Part, raw: &str| {
            let mut n = String::from(if part == Part::Query { "query:" } else { "body:" });
            collapse_indices(raw, &mut n);
            let h = value_hash(&n);
            (n, h)
        };
        let long = format!("$.{}[3].x", "k1".repeat(80));
        let names = [
            "$.items[3].sku", "$.items[3].qty", "$.items[4].sku", "$.items[4].tags[0]", "$.items[4].tags[12]",
            "$.users.12345.name", "$.users.12345.a7", "$[\"odd.key1\"]", "$[\"odd.key1\"][2]", "$[\"a[1\"].b",
            "$.by_id.5f2b9c1e-0d4f-4a8e-9d2c-1b3a4c5d6e7f", "$.x[]", "$.x[1]", "limit", "p1", &long, &long, "$.k1[3].x",
            "$.é[1]", ".5", "[7]", "$.a.b2.c3",
        ];
        let mut built = Names::default();
        for part in [Part::Body, Part::Query] {
            for raw in names {
                let (n, h) = built.collapsed(part, raw);
                assert_eq!((n.to_string(), h), whole(part, raw), "{raw}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn any_sequence_of_names_collapses_as_the_whole_names(
            stem in "([a1\\.\\[\\]\"é$_]|[0-9]{1,3}|[0-9a-f]{16}){0,8}",
            tails in proptest::collection::vec("([a1\\.\\[\\]\"é$_]|[0-9]{1,3}|[0-9a-f]{16}){0,6}", 1..8),
        ) {
            let mut built = Names::default();
            for raw in tails.iter().map(|t| format!("{stem}{t}")) {
                let mut n = String::from("body:");
                collapse_indices(&raw, &mut n);
                let (got, h) = built.collapsed(Part::Body, &raw);
                proptest::prop_assert_eq!((got.to_string(), h), (n.clone(), value_hash(&n)));
            }
        }
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
