//! The labelled corpus format: one JSON object per line, HTTP cases and string cases.
//!
//! Every detector is measured against the same files (`/work/shared/corpus/*.jsonl`, third-party
//! test data converted by the project), so the record types live here, next to the engine, rather
//! than in each test. Records are read strictly (`deny_unknown_fields`): a format change fails
//! loudly instead of silently testing nothing. An HTTP case turns into the engine's own
//! [`RequestHead`] and body bytes, the same inputs the filter builds from Envoy callbacks.

use crate::facts::RequestHead;
use serde::Deserialize;
use std::fmt;

/// What a case is labelled as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Attack,
    Benign,
    Sensitive,
    NotSensitive,
}

/// One corpus line: an HTTP exchange or a bare string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Case {
    Http(HttpCase),
    Text(StringCase),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpCase {
    pub id: String,
    /// `owner/repo@commit:path` of the original test.
    pub source: String,
    pub label: Label,
    pub category: String,
    /// The original test string, when the case was rendered from one (libinjection).
    #[serde(default)]
    pub text: Option<String>,
    pub request: HttpRequest,
    #[serde(default)]
    pub response: Option<HttpResponse>,
    #[serde(default)]
    pub meta: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpRequest {
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// The request exactly as sent, when the original test sent raw bytes.
    #[serde(default)]
    pub raw: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpResponse {
    pub status: u16,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: String,
    /// Where a synthesised response came from (the converter's note).
    #[serde(default)]
    pub derived_from: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StringCase {
    pub id: String,
    pub source: String,
    pub label: Label,
    pub category: String,
    pub text: String,
    #[serde(default)]
    pub meta: serde_json::Value,
}

impl HttpCase {
    /// The request head as the filter would build it: header names lower-cased, `:authority`
    /// from `Host`.
    pub fn request_head(&self) -> RequestHead {
        let headers: Vec<(String, String)> =
            self.request.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
        let authority = headers.iter().find(|(k, _)| k == "host").map(|(_, v)| v.clone()).unwrap_or_default();
        RequestHead {
            method: self.request.method.clone(),
            path: self.request.path.clone(),
            authority,
            scheme: "http".into(),
            version: self.request.version.clone(),
            headers,
            source: None,
        }
    }

    pub fn body(&self) -> &[u8] {
        self.request.body.as_bytes()
    }

    /// The request's `Content-Type`, if it has one.
    pub fn content_type(&self) -> Option<&str> {
        self.request.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")).map(|(_, v)| v.as_str())
    }

    /// `meta.<key>` as an integer (e.g. `rule_paranoia_level`).
    pub fn meta_u64(&self, key: &str) -> Option<u64> {
        self.meta.get(key).and_then(serde_json::Value::as_u64)
    }
}

/// A line that is not a valid case, with its 1-based line number.
#[derive(Debug, Clone, PartialEq)]
pub struct CorpusError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for CorpusError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for CorpusError {}

/// Parses JSON Lines; blank lines are skipped, the first bad line is an error.
pub fn parse_jsonl(text: &str) -> Result<Vec<Case>, CorpusError> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| CorpusError { line: i + 1, message: e.to_string() }))
        .collect()
}

/// Reads and parses one `.jsonl` file.
pub fn load_jsonl(path: &std::path::Path) -> Result<Vec<Case>, CorpusError> {
    let text = std::fs::read_to_string(path).map_err(|e| CorpusError { line: 0, message: format!("{}: {e}", path.display()) })?;
    parse_jsonl(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_shapes_and_builds_the_head() {
        let text = r#"{"id":"a","source":"s","label":"attack","category":"sqli","request":{"method":"POST","path":"/x?q=1","version":"HTTP/1.1","headers":[["Host","h"],["Content-Type","application/json"]],"body":"{}"},"meta":{"rule_paranoia_level":2}}

{"id":"b","source":"s","label":"not_sensitive","category":"pii:x","text":"hello","meta":{}}"#;
        let cases = parse_jsonl(text).unwrap();
        assert_eq!(cases.len(), 2);
        let Case::Http(h) = &cases[0] else { panic!("http case") };
        let head = h.request_head();
        assert_eq!(head.header("content-type"), Some("application/json"));
        assert_eq!(head.authority, "h");
        assert_eq!(h.meta_u64("rule_paranoia_level"), Some(2));
        assert_eq!(h.body(), b"{}");
        assert!(matches!(&cases[1], Case::Text(s) if s.label == Label::NotSensitive));
    }

    #[test]
    fn bad_lines_name_their_number() {
        let err = parse_jsonl("{\"id\":1}\n").unwrap_err();
        assert_eq!(err.line, 1);
    }
}
