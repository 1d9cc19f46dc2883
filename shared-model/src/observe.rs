//! Observations: the per-exchange features that go into the access log and that the learner reads
//! back. The filter computes them with this module and `vigil learn` parses them with the same
//! types, so what is learned is exactly what is scored. They describe shapes and sizes, never raw
//! values: no body text, no tokens (parameters are described by [`crate::params`]).

use crate::fields::{BodyKind, BodyParse};
use crate::params::ParamObs;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Observations {
    /// The default (folded) template of the path: how the learner groups paths before inference.
    pub route: String,
    /// Credential kind presented: `bearer`, `basic`, `api_key`, `cookie`, `other`, `none`.
    pub auth: String,
    pub request: BodyObs,
    /// Absent when no response was seen (a local reply before the upstream, a reset).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<BodyObs>,
    /// Sensitive data type -> count, in the response body and headers.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sensitive: BTreeMap<String, u32>,
    /// Query and body parameters: name, shape, length, numbers (see [`crate::params`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<ParamObs>,
    /// The object an id-bearing path names (its last path parameter), for behaviour learning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectObs>,
    /// On login endpoints only: the low 32 bits of the keyed hash of the source address
    /// ([`crate::client::address`]), for learning failed logins per address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<u32>,
    /// Parameter names past [`crate::params::MAX_PARAMS`], not logged.
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub params_dropped: u32,
}

/// An object id named in the path: never the value, only the low 32 bits of its keyed hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectObs {
    pub id: u32,
    /// Whether an earlier response returned it to this client or it is the client's own
    /// (absent when the client's state was unavailable).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known: Option<bool>,
}

/// One body's size and how it was read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BodyObs {
    /// Every byte seen, inspected or not.
    pub bytes: u64,
    /// Bytes past the inspection limit (not inspected).
    #[serde(skip_serializing_if = "is_zero")]
    pub uninspected: u64,
    /// The content type's essence (`application/json`), when declared.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// `empty`, `json`, `form`, `multipart`, `xml`, `text`, `json_error`, `skipped` (binary or compressed).
    pub parse: String,
    /// Response status (responses only).
    #[serde(skip_serializing_if = "is_zero_u16")]
    pub status: u16,
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

fn is_zero_u16(n: &u16) -> bool {
    *n == 0
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl BodyObs {
    pub fn new(bytes: u64, uninspected: u64, content_type: Option<&str>, parse: BodyParse) -> BodyObs {
        BodyObs {
            bytes,
            uninspected,
            content_type: content_type.map(essence).filter(|s| !s.is_empty()),
            parse: parse_name(parse).to_string(),
            status: 0,
        }
    }
}

/// `application/json; charset=utf-8` -> `application/json`.
pub fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

fn parse_name(p: BodyParse) -> &'static str {
    match p {
        BodyParse::Empty => "empty",
        BodyParse::Parsed(BodyKind::Json) => "json",
        BodyParse::Parsed(BodyKind::Form) => "form",
        BodyParse::Parsed(BodyKind::Text) => "text",
        BodyParse::Parsed(BodyKind::Multipart) => "multipart",
        BodyParse::Parsed(BodyKind::Xml) => "xml",
        BodyParse::Parsed(BodyKind::Binary) | BodyParse::Skipped => "skipped",
        BodyParse::JsonError => "json_error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_omits_empty_parts() {
        let o = Observations {
            route: "/a/{id}".into(),
            auth: "bearer".into(),
            request: BodyObs::new(10, 0, Some("application/json; charset=utf-8"), BodyParse::Parsed(BodyKind::Json)),
            response: None,
            sensitive: BTreeMap::new(),
            ..Default::default()
        };
        let s = serde_json::to_string(&o).unwrap();
        assert!(!s.contains("uninspected") && !s.contains("sensitive") && !s.contains("response"));
        assert!(s.contains("\"content_type\":\"application/json\""));
        assert_eq!(serde_json::from_str::<Observations>(&s).unwrap(), o);
    }
}
