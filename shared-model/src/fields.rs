//! Fields: every value of an exchange that a detector may look at, with where it came from.
//!
//! One walk over the request (path segments, query names and values, headers, cookies, body) and
//! the response (headers, body) yields a flat list of [`Field`]s. Attack detectors, sensitive-data
//! scanners and the baseline all read this list, so they agree on locations (`query:q`,
//! `body:$.items[0].memo`) and nothing is parsed twice. Bodies are parsed by content type: JSON
//! (every key and leaf, with its JSON path), urlencoded forms, multipart/form-data (each text part
//! by its `name`, its `filename` too; binary parts skipped), XML (element text and attribute values
//! by element path, plus the whole document once as [`ValueType::Markup`] for document-level
//! checks such as XXE), and anything else as one text field; what cannot be parsed is reported in
//! [`BodyParse`] and still inspected as text.

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
    /// A whole markup document (an XML body): only document-level checks (XXE) read it; its
    /// text and attribute values come as separate `Text` fields.
    Markup,
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
    Multipart,
    Xml,
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
        } else if essence == "multipart/form-data" {
            BodyKind::Multipart
        } else if essence == "application/xml" || essence == "text/xml" || essence.ends_with("+xml") {
            BodyKind::Xml
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
                Some(b'<') if body.starts_with(b"<?xml") => BodyKind::Xml,
                // `a=1&b=2` without a content type: read as a form, as servers default to.
                _ if looks_like_form(body) => BodyKind::Form,
                _ => BodyKind::Text,
            }
        } else {
            BodyKind::Text
        }
    }
}

/// `name=value` pairs joined by `&`, names without spaces: what clients send as a form.
fn looks_like_form(body: &[u8]) -> bool {
    let first = body.split(|&c| c == b'&').next().unwrap_or(body);
    match first.iter().position(|&c| c == b'=') {
        Some(eq) => eq > 0 && first[..eq].iter().all(|c| c.is_ascii_graphic() && *c != b'<' && *c != b'{'),
        None => false,
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
/// JSON paths are written once into `names`, which the fields borrow: a body of a few hundred
/// leaves costs one growing string, not one allocation per leaf.
pub fn body_fields<'a>(part: Part, content_type: Option<&str>, body: &'a [u8], names: &'a mut String, out: &mut Vec<Field<'a>>) -> BodyParse {
    if body.is_empty() {
        return BodyParse::Empty;
    }
    let kind = BodyKind::of(content_type, body);
    match kind {
        BodyKind::Binary => BodyParse::Skipped,
        BodyKind::Json => {
            // First the walk, recording each field's path as a range of `names`; then the
            // fields, borrowing their names. A key's path (its object's) is most often the start
            // of the path written last (its previous sibling's), and is not written again.
            names.clear();
            names.reserve(body.len());
            let mut leaves: Vec<(usize, usize, ValueType, Cow<'a, str>)> = Vec::with_capacity(body.len() / 24);
            let mut last = (0, 0);
            let r = json::walk(body, |path, leaf| {
                let (ty, value) = match leaf {
                    Leaf::Key(k) => (ValueType::Key, k),
                    Leaf::Str(v) => (ValueType::Text, v),
                    Leaf::Num(n) => (ValueType::Number, Cow::Borrowed(n)),
                    Leaf::Bool(b) => (ValueType::Bool, Cow::Borrowed(if b { "true" } else { "false" })),
                    Leaf::Null => (ValueType::Null, Cow::Borrowed("")),
                };
                if names.get(last.0..last.1).is_some_and(|prev| prev.starts_with(path)) {
                    leaves.push((last.0, last.0 + path.len(), ty, value));
                } else {
                    last = (names.len(), names.len() + path.len());
                    names.push_str(path);
                    leaves.push((last.0, last.1, ty, value));
                }
            });
            let names: &'a str = names;
            out.reserve(leaves.len());
            out.extend(leaves.into_iter().map(|(start, end, ty, value)| Field { part, name: Cow::Borrowed(names.get(start..end).unwrap_or("")), value, ty }));
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
        BodyKind::Multipart => match boundary(content_type.unwrap_or("")) {
            Some(b) => {
                multipart_fields(part, &b, body, out);
                BodyParse::Parsed(kind)
            }
            None => {
                out.push(Field::text(part, "", String::from_utf8_lossy(body)));
                BodyParse::Parsed(BodyKind::Text)
            }
        },
        BodyKind::Xml => {
            let text = String::from_utf8_lossy(body);
            xml_fields(part, &text, out);
            out.push(Field { part, name: Cow::Borrowed(""), value: Cow::Owned(text.into_owned()), ty: ValueType::Markup });
            BodyParse::Parsed(kind)
        }
        BodyKind::Text => {
            out.push(Field::text(part, "", String::from_utf8_lossy(body)));
            BodyParse::Parsed(kind)
        }
    }
}

/// Most parts and elements looked at in one body: bounds the work on hostile bodies.
const MAX_PARTS: usize = 1024;

/// The `boundary` parameter of a multipart content type.
fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim().eq_ignore_ascii_case("boundary").then(|| v.trim().trim_matches('"').to_string()).filter(|b| !b.is_empty())
    })
}

/// One field per text part, named by its `Content-Disposition` name; a `filename` becomes a field
/// of its own (`<name>.filename`), since file names carry traversal and script extensions. Parts
/// that declare a binary type or contain NUL bytes are skipped.
fn multipart_fields<'a>(part: Part, boundary: &str, body: &[u8], out: &mut Vec<Field<'a>>) {
    let delim = format!("--{boundary}");
    let text = String::from_utf8_lossy(body);
    for chunk in text.split(delim.as_str()).skip(1).take(MAX_PARTS) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").or_else(|| chunk.strip_prefix('\n')).unwrap_or(chunk);
        let (head, content) = match chunk.find("\r\n\r\n") {
            Some(p) => (&chunk[..p], &chunk[p + 4..]),
            None => match chunk.find("\n\n") {
                Some(p) => (&chunk[..p], &chunk[p + 2..]),
                None => (chunk, ""),
            },
        };
        let content = content.strip_suffix("\r\n").or_else(|| content.strip_suffix('\n')).unwrap_or(content);
        let mut name = String::new();
        let mut binary = content.contains('\0');
        for line in head.lines() {
            let (k, v) = line.split_once(':').unwrap_or((line, ""));
            if k.trim().eq_ignore_ascii_case("content-disposition") {
                name = disposition_param(v, "name").unwrap_or_default();
                if let Some(file) = disposition_param(v, "filename") {
                    out.push(Field::text(part, format!("{name}.filename"), file));
                }
            } else if k.trim().eq_ignore_ascii_case("content-type") {
                binary |= BodyKind::of(Some(v.trim()), content.as_bytes()) == BodyKind::Binary;
            }
        }
        if !binary && !content.is_empty() {
            out.push(Field::text(part, name, content.to_string()));
        }
    }
}

/// `name="value"` (or unquoted) from a `Content-Disposition` value.
fn disposition_param(v: &str, key: &str) -> Option<String> {
    disposition_params(v).into_iter().find(|p| p.key.eq_ignore_ascii_case(key)).map(|p| p.value)
}

/// One `key=value` parameter of a `Content-Disposition` value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct DispositionParam<'a> {
    pub key: &'a str,
    /// The value, quotes removed (`\"` read as `"`, other backslashes kept).
    pub value: String,
    /// Whether the quoted value escaped a quote, or its quote was never closed.
    pub odd_quoting: bool,
}

/// The parameters after the disposition type, reading quoted strings as RFC 7578 browsers write
/// them: a `;` or `=` inside quotes belongs to the value (`filename="a;b.txt"`), so a parser that
/// splits on `;` first sees a different file name than the application does.
pub(crate) fn disposition_params(v: &str) -> Vec<DispositionParam<'_>> {
    let b = v.as_bytes();
    let mut out = Vec::new();
    let Some(mut i) = v.find(';') else { return out };
    while i < b.len() && out.len() < 16 {
        i += 1;
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let k0 = i;
        while i < b.len() && b[i] != b'=' && b[i] != b';' {
            i += 1;
        }
        let key = v[k0..i].trim();
        if i >= b.len() || b[i] == b';' {
            continue;
        }
        i += 1;
        while i < b.len() && b[i] == b' ' {
            i += 1;
        }
        let mut value = String::new();
        let mut odd = false;
        if b.get(i) == Some(&b'"') {
            i += 1;
            let mut closed = false;
            while i < b.len() {
                match b[i] {
                    // Browsers write a backslash as itself (a Windows path) and never escape
                    // a quote with one; an escaped quote is a parser trick.
                    b'\\' if b.get(i + 1) == Some(&b'"') => {
                        odd = true;
                        value.push('"');
                        i += 2;
                        continue;
                    }
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    _ => {}
                }
                let c = v[i..].chars().next().unwrap_or(' ');
                value.push(c);
                i += c.len_utf8();
            }
            odd |= !closed;
            while i < b.len() && b[i] != b';' {
                i += 1;
            }
        } else {
            let v0 = i;
            while i < b.len() && b[i] != b';' {
                i += 1;
            }
            value.push_str(v[v0..i].trim());
        }
        out.push(DispositionParam { key, value, odd_quoting: odd });
    }
    out
}

/// Element text and attribute values of an XML document, named by element path (`/root/a`,
/// `/root/a/@probe`). A tolerant scan, not a validating parser: comments, processing instructions
/// and declarations are skipped (the document-level field covers them), CDATA is text, and
/// nesting beyond 64 levels is flattened.
fn xml_fields<'a>(part: Part, doc: &str, out: &mut Vec<Field<'a>>) {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = doc;
    let mut emitted = 0;
    let path = |stack: &[&str]| format!("/{}", stack.join("/"));
    while let Some(lt) = rest.find('<') {
        if emitted >= MAX_PARTS {
            return;
        }
        let text = rest[..lt].trim();
        if !text.is_empty() {
            out.push(Field::text(part, path(&stack), text.to_string()));
            emitted += 1;
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<![CDATA[") {
            let end = after.find("]]>").unwrap_or(after.len());
            out.push(Field::text(part, path(&stack), after[..end].to_string()));
            emitted += 1;
            rest = after.get(end + 3..).unwrap_or("");
            continue;
        }
        let skip_to = if rest.starts_with("<!--") { "-->" } else if rest.starts_with("<?") { "?>" } else { ">" };
        let Some(gt) = rest.find(skip_to) else { return };
        let tag = &rest[1..gt];
        rest = &rest[gt + skip_to.len()..];
        if skip_to != ">" || tag.starts_with('!') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            if stack.last() == Some(&closing.trim()) {
                stack.pop();
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let tag = tag.trim_end_matches('/');
        let name_end = tag.find(|c: char| c.is_whitespace()).unwrap_or(tag.len());
        let name = &tag[..name_end];
        let mut attrs = &tag[name_end..];
        if stack.len() < 64 {
            stack.push(name);
        }
        while let Some(eq) = attrs.find('=') {
            let key = attrs[..eq].trim();
            let v = attrs[eq + 1..].trim_start();
            let Some(q) = v.chars().next().filter(|c| *c == '"' || *c == '\'') else { break };
            let Some(end) = v[1..].find(q) else { break };
            out.push(Field::text(part, format!("{}/@{key}", path(&stack)), v[1..1 + end].to_string()));
            emitted += 1;
            attrs = &v[1 + end + 1..];
        }
        if self_closing && stack.last() == Some(&name) {
            stack.pop();
        }
    }
    let text = rest.trim();
    if !text.is_empty() {
        out.push(Field::text(part, path(&stack), text.to_string()));
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
    // An HTML character reference (`&#x6A;`, `&colon;`) carries the `&` that separates
    // parameters, so a payload written with them is cut into pieces above: inspect the whole text
    // once too.
    if has_character_reference(s) {
        out.push(Field::text(value_part, "", percent_decode(s, true)));
    }
}

/// Whether an `&` in `s` starts an HTML character reference rather than a parameter: `&#`
/// (also with the `#` percent-encoded, `&%23`) or a name of 2-8 letters closed by `;`.
fn has_character_reference(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().any(|(i, &c)| {
        if c != b'&' {
            return false;
        }
        let r = &b[i + 1..];
        let name = r.iter().take(9).take_while(|c| c.is_ascii_alphabetic()).count();
        r.first() == Some(&b'#') || r.starts_with(b"%23") || ((2..=8).contains(&name) && r.get(name) == Some(&b';'))
    })
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
    fn a_query_with_character_references_is_also_inspected_whole() {
        let h = head("/s?q=%3Ca%20href%3D%22&#x6A;&#x61;vascript:alert(1)%22%3E", &[]);
        let mut out = Vec::new();
        request_head_fields(&h, &mut out);
        assert!(out.iter().any(|f| f.location() == "query" && f.value.contains("&#x6A;&#x61;vascript")), "{out:?}");
        for q in ["/s?q=%3Cimg%20src=&%23106;&%2397;", "/s?q=javascript&colon;alert&lpar;1&rpar;"] {
            let h = head(q, &[]);
            let mut out = Vec::new();
            request_head_fields(&h, &mut out);
            assert!(out.iter().any(|f| f.location() == "query"), "{q}: {out:?}");
        }
        for q in ["/s?a=1&b=2", "/s?a=1&b=2;c=3", "/s?tags=a&tags=b&x=%23hash"] {
            let h = head(q, &[]);
            let mut out = Vec::new();
            request_head_fields(&h, &mut out);
            assert!(!out.iter().any(|f| f.location() == "query"), "{q}");
        }
        let mut names = String::new();
        let mut out = Vec::new();
        body_fields(Part::Body, Some("application/x-www-form-urlencoded"), b"a=ja&tab;vascript:", &mut names, &mut out);
        assert!(out.iter().any(|f| f.location() == "body" && f.value == "a=ja&tab;vascript:"), "{out:?}");
    }

    #[test]
    fn json_body_yields_keys_and_leaves_with_paths() {
        let body = br#"{"user":{"name":"a","tags":["x",2]},"odd key":null,"ok":true}"#;
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/json"), body, &mut names, &mut out), BodyParse::Parsed(BodyKind::Json));
        let got: Vec<(String, &str, ValueType)> = out.iter().map(|f| (f.location(), f.value.as_ref(), f.ty)).collect();
        assert!(got.contains(&("body:$.user.name".into(), "a", ValueType::Text)));
        assert!(got.contains(&("body:$.user.tags[1]".into(), "2", ValueType::Number)));
        assert!(got.contains(&("body:$[\"odd key\"]".into(), "", ValueType::Null)));
        assert!(got.contains(&("body:$.user".into(), "tags", ValueType::Key)));
        assert!(got.contains(&("body:$.ok".into(), "true", ValueType::Bool)));
    }

    #[test]
    fn bad_json_is_inspected_as_text_and_reported() {
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/json"), b"{\"a\": \"' or 1=1", &mut names, &mut out), BodyParse::JsonError);
        assert_eq!(out.last().map(|f| f.location()), Some("body".to_string()));
        assert!(out.last().is_some_and(|f| f.value.contains("' or 1=1")));
    }

    #[test]
    fn deep_json_is_bounded() {
        let body = "[".repeat(10_000) + &"]".repeat(10_000);
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, None, body.as_bytes(), &mut names, &mut out), BodyParse::JsonError);
    }

    #[test]
    fn multipart_parts_by_name_with_filenames_and_no_binary() {
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"comment\"\r\n\r\nhello <b>\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"../../a.php\"\r\nContent-Type: image/png\r\n\r\n\x89PNG\0\0\r\n--XyZ--\r\n";
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("multipart/form-data; boundary=XyZ"), body, &mut names, &mut out), BodyParse::Parsed(BodyKind::Multipart));
        let got: Vec<(String, String)> = out.iter().map(|f| (f.location(), f.value.to_string())).collect();
        assert_eq!(got, vec![("body:comment".into(), "hello <b>".into()), ("body:file.filename".into(), "../../a.php".into())]);
    }

    #[test]
    fn xml_text_attributes_and_the_document() {
        let body = br#"<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><root><a probe="p&amp;1">text<![CDATA[<raw>]]></a><b/></root>"#;
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/xml"), body, &mut names, &mut out), BodyParse::Parsed(BodyKind::Xml));
        let got: Vec<(String, String, ValueType)> = out.iter().map(|f| (f.location(), f.value.to_string(), f.ty)).collect();
        assert!(got.contains(&("body:/root/a/@probe".into(), "p&amp;1".into(), ValueType::Text)), "{got:?}");
        assert!(got.contains(&("body:/root/a".into(), "text".into(), ValueType::Text)));
        assert!(got.contains(&("body:/root/a".into(), "<raw>".into(), ValueType::Text)));
        assert!(got.iter().any(|(l, v, t)| l == "body" && v.contains("<!ENTITY") && *t == ValueType::Markup));
        let mut names = String::new();
        let mut out = Vec::new();
        let deep = "<a>".repeat(100_000);
        let _ = body_fields(Part::Body, Some("text/xml"), deep.as_bytes(), &mut names, &mut out);
        assert!(out.len() <= MAX_PARTS + 2);
    }

    #[test]
    fn form_body_and_binary() {
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("application/x-www-form-urlencoded"), b"a=1+2&b=%3C", &mut names, &mut out), BodyParse::Parsed(BodyKind::Form));
        let got: Vec<(String, String)> =
            out.iter().filter(|f| f.ty == ValueType::Text).map(|f| (f.location(), f.value.to_string())).collect();
        assert_eq!(got, vec![("body:a".into(), "1 2".into()), ("body:b".into(), "<".into())]);
        assert!(out.iter().any(|f| f.ty == ValueType::Key && f.value == "b"));
        let mut names = String::new();
        let mut out = Vec::new();
        assert_eq!(body_fields(Part::Body, Some("image/png"), b"\x89PNG", &mut names, &mut out), BodyParse::Skipped);
        assert!(out.is_empty());
    }
}
