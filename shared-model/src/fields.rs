//! Fields: every value of an exchange that a detector may look at, with where it came from.
//!
//! One walk over the request (path segments, query names and values, headers, cookies, body) and
//! the response (headers, body) yields a flat list of [`Field`]s. Attack detectors, sensitive-data
//! scanners and the baseline all read this list, so they agree on locations (`query:q`,
//! `body:$.items[0].memo`) and nothing is parsed twice. Bodies are parsed by content type: JSON
//! (every key and leaf, with its JSON path), urlencoded forms, and anything else as one text field;
//! what cannot be parsed is reported in [`BodyParse`] and still inspected as text.

use crate::facts::{RequestHead, ResponseHead};
use crate::json::{self, Leaf};
use crate::normalize::percent_decode;
use std::borrow::Cow;

/// Which part of the exchange a field came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Part {
    /// One path segment, percent-decoded.
    Path,
    /// A query parameter's name.
    QueryName,
    /// A query parameter's value (decoded once).
    Query,
    Header,
    Cookie,
    /// A request body value: a JSON leaf or key, a form value, or the whole text.
    Body,
    ResponseHeader,
    ResponseBody,
}

/// What a value was in its source. JSON keeps its leaf types; everything else is `Text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    Text,
    Number,
    Bool,
    Null,
    /// A JSON object key (attackers hide operators such as `$ne` there).
    Key,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field<'a> {
    pub part: Part,
    /// Parameter, header or cookie name; JSON path for JSON bodies (`$.a.b[0]`); empty for whole text.
    pub name: Cow<'a, str>,
    pub value: Cow<'a, str>,
    pub ty: ValueType,
}

impl Field<'_> {
    fn text<'a>(part: Part, name: impl Into<Cow<'a, str>>, value: impl Into<Cow<'a, str>>) -> Field<'a> {
        Field { part, name: name.into(), value: value.into(), ty: ValueType::Text }
    }

    /// The location as findings report it: `path`, `query:q`, `header:user-agent`, `body:$.memo`.
    pub fn location(&self) -> String {
        let prefix = match self.part {
            Part::Path => return "path".to_string(),
            Part::QueryName => "query-name",
            Part::Query => "query",
            Part::Header => "header",
            Part::Cookie => "cookie",
            Part::Body => "body",
            Part::ResponseHeader => "response.header",
            Part::ResponseBody => "response.body",
        };
        if self.name.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix}:{}", self.name)
        }
    }
}

/// The media types Vigil parses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Form,
    Text,
    /// Images, archives, octet streams: not inspected as text.
    Binary,
}

impl BodyKind {
    /// From a `content-type` value; a body without one is sniffed as JSON when it looks like JSON.
    pub fn of(content_type: Option<&str>, body: &[u8]) -> BodyKind {
        let ct = content_type.unwrap_or("").to_ascii_lowercase();
        let essence = ct.split(';').next().unwrap_or("").trim();
        if essence == "application/json" || essence.ends_with("+json") || essence.ends_with("/json") {
            BodyKind::Json
        } else if essence == "application/x-www-form-urlencoded" {
            BodyKind::Form
        } else if essence.starts_with("image/")
            || essence.starts_with("audio/")
            || essence.starts_with("video/")
            || essence.starts_with("font/")
            || matches!(essence, "application/octet-stream" | "application/zip" | "application/gzip" | "application/pdf" | "application/grpc" | "application/protobuf")
        {
            BodyKind::Binary
        } else if essence.is_empty() {
            match body.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b'{') | Some(b'[') => BodyKind::Json,
                _ => BodyKind::Text,
            }
        } else {
            BodyKind::Text
        }
    }
}

/// How a body was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyParse {
    Empty,
    Parsed(BodyKind),
    /// Declared or sniffed as JSON but not valid JSON (or cut at the inspection limit); inspected as text.
    JsonError,
    /// Binary media: not inspected.
    Skipped,
}

/// Headers that carry no attacker-chosen text worth inspecting (or that are inspected elsewhere).
const SKIP_HEADERS: &[&str] = &[
    ":method", ":path", ":scheme", ":authority", "content-length", "authorization", "cookie",
    "x-request-id", "x-envoy-expected-rq-timeout-ms", "x-envoy-internal", "x-forwarded-proto",
    "accept-encoding", "connection", "te", "proxy-authorization",
];

/// Path segments, query names and values, headers and cookies of a request.
pub fn request_head_fields<'a>(head: &'a RequestHead, out: &mut Vec<Field<'a>>) {
    for seg in head.path_only().split('/').filter(|s| !s.is_empty()) {
        out.push(Field::text(Part::Path, "", percent_decode(seg, false)));
    }
    if let Some(q) = head.query() {
        form_fields(q, Part::Query, (Part::QueryName, ValueType::Text), out);
    }
    for (name, value) in &head.headers {
        if name == "cookie" {
            for pair in value.split(';') {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                out.push(Field::text(Part::Cookie, k.trim(), percent_decode(v.trim(), false)));
            }
        } else if !SKIP_HEADERS.contains(&name.as_str()) {
            out.push(Field::text(Part::Header, name.as_str(), value.as_str()));
        }
    }
}

/// Response headers worth inspecting (all but framing ones).
pub fn response_head_fields<'a>(head: &'a ResponseHead, out: &mut Vec<Field<'a>>) {
    for (name, value) in &head.headers {
        if !matches!(name.as_str(), ":status" | "content-length" | "date" | "x-envoy-upstream-service-time") {
            out.push(Field::text(Part::ResponseHeader, name.as_str(), value.as_str()));
        }
    }
}

/// The fields of a body of the given content type, pushed under `part` (`Body` or `ResponseBody`).
pub fn body_fields<'a>(part: Part, content_type: Option<&str>, body: &'a [u8], out: &mut Vec<Field<'a>>) -> BodyParse {
    if body.is_empty() {
        return BodyParse::Empty;
    }
    let kind = BodyKind::of(content_type, body);
    match kind {
        BodyKind::Binary => BodyParse::Skipped,
        BodyKind::Json => {
            let r = json::walk(body, |path, leaf| {
                let (ty, value) = match leaf {
                    Leaf::Key(k) => (ValueType::Key, k),
                    Leaf::Str(v) => (ValueType::Text, v),
                    Leaf::Num(n) => (ValueType::Number, Cow::Borrowed(n)),
                    Leaf::Bool(b) => (ValueType::Bool, Cow::Borrowed(if b { "true" } else { "false" })),
                    Leaf::Null => (ValueType::Null, Cow::Borrowed("")),
                };
                out.push(Field { part, name: Cow::Owned(path.to_string()), value, ty });
            });
            match r {
                Ok(()) => BodyParse::Parsed(kind),
                Err(_) => {
                    // Whatever came before the fault was walked; the whole text is inspected too.
                    out.push(Field::text(part, "", String::from_utf8_lossy(body)));
                    BodyParse::JsonError
                }
            }
        }
        BodyKind::Form => {
            let text = String::from_utf8_lossy(body);
            let mut tmp = Vec::new();
            form_fields(&text, part, (part, ValueType::Key), &mut tmp);
            out.extend(tmp.into_iter().map(|f| Field {
                part,
                name: Cow::Owned(f.name.into_owned()),
                value: Cow::Owned(f.value.into_owned()),
                ty: f.ty,
            }));
            BodyParse::Parsed(kind)
        }
        BodyKind::Text => {
            out.push(Field::text(part, "", String::from_utf8_lossy(body)));
            BodyParse::Parsed(kind)
        }
    }
}

/// `a=1&b=2` into a name field (as `names` says) and a value field per pair, each decoded once
/// (`+` as space).
fn form_fields<'a>(s: &'a str, value_part: Part, names: (Part, ValueType), out: &mut Vec<Field<'a>>) {
    for pair in s.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let k = percent_decode(k, true);
        out.push(Field { part: names.0, name: k.clone(), value: k.clone(), ty: names.1 });
        out.push(Field::text(value_part, k, percent_decode(v, true)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(path: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            path: path.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn head_fields_cover_path_query_headers_cookies() {
        let h = head("/a/b%2Fc?q=x+y&id=%27", &[("user-agent", "curl"), ("cookie", "s=1; t=%3Cb%3E"), ("authorization", "Bearer x")]);
        let mut out = Vec::new();
        request_head_fields(&h, &mut out);
        let locs: Vec<(String, String)> = out.iter().map(|f| (f.location(), f.value.to_string())).collect();
        assert!(locs.contains(&("path".into(), "b/c".into())));
        assert!(locs.contains(&("query:q".into(), "x y".into())));
        assert!(locs.contains(&("query-name:id".into(), "id".into())));
        assert!(locs.contains(&("query:id".into(), "'".into())));
        assert!(locs.contains(&("header:user-agent".into(), "curl".into())));
        assert!(locs.contains(&("cookie:t".into(), "<b>".into())));
        assert!(!locs.iter().any(|(l, _)| l == "header:authorization"));
    }

    #[test]
    fn json_body_yields_keys_and_leaves_with_paths() {
        let body = br#"{"user":{"name":"a","tags":["x",2]},"odd key":null,"ok":true}"#;
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/json"), body, &mut out), BodyParse::Parsed(BodyKind::Json));
        let got: Vec<(String, &str, ValueType)> = out.iter().map(|f| (f.location(), f.value.as_ref(), f.ty)).collect();
        assert!(got.contains(&("body:$.user.name".into(), "a", ValueType::Text)));
        assert!(got.contains(&("body:$.user.tags[1]".into(), "2", ValueType::Number)));
        assert!(got.contains(&("body:$[\"odd key\"]".into(), "", ValueType::Null)));
        assert!(got.contains(&("body:$.user".into(), "tags", ValueType::Key)));
        assert!(got.contains(&("body:$.ok".into(), "true", ValueType::Bool)));
    }

    #[test]
    fn bad_json_is_inspected_as_text_and_reported() {
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/json"), b"{\"a\": \"' or 1=1", &mut out), BodyParse::JsonError);
        assert_eq!(out.last().map(|f| f.location()), Some("body".to_string()));
        assert!(out.last().is_some_and(|f| f.value.contains("' or 1=1")));
    }

    #[test]
    fn deep_json_is_bounded() {
        let body = "[".repeat(10_000) + &"]".repeat(10_000);
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, None, body.as_bytes(), &mut out), BodyParse::JsonError);
    }

    #[test]
    fn form_body_and_binary() {
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/x-www-form-urlencoded"), b"a=1+2&b=%3C", &mut out), BodyParse::Parsed(BodyKind::Form));
        let got: Vec<(String, String)> =
            out.iter().filter(|f| f.ty == ValueType::Text).map(|f| (f.location(), f.value.to_string())).collect();
        assert_eq!(got, vec![("body:a".into(), "1 2".into()), ("body:b".into(), "<".into())]);
        assert!(out.iter().any(|f| f.ty == ValueType::Key && f.value == "b"));
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("image/png"), b"\x89PNG", &mut out), BodyParse::Skipped);
        assert!(out.is_empty());
    }
}
