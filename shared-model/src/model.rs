//! The baseline model: what each endpoint of a service normally looks like.
//!
//! A versioned JSON document produced by `vigil learn`, checked by `vigil check` and embedded in the
//! plugin configuration under `model`. Everything in it merges by addition (counts, sketches), so
//! models learned from log shards combine exactly (see [`Model::merge`]). Strict serde: an unknown
//! field is an error, so a model from a newer Vigil is refused rather than half-read.

use crate::sketch::Sketch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema version this build reads and writes.
pub const MODEL_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub version: u32,
    /// What the model was learned from.
    #[serde(default)]
    pub trained: Training,
    /// One entry per (method, path template), sorted by method then template.
    #[serde(default)]
    pub endpoints: Vec<EndpointModel>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Training {
    /// Access-log events the model was learned from.
    pub events: u64,
    /// First and last event time seen (RFC 3339 as Envoy logs it), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndpointModel {
    /// Upper-case HTTP method.
    pub method: String,
    /// Path template: literal segments and `{name}` parameters, e.g. `/api/v1/accounts/{account_id}`.
    pub template: String,
    /// Requests seen.
    pub count: u64,
    /// Request body bytes.
    #[serde(default)]
    pub request_bytes: Sketch,
    /// Response body bytes.
    #[serde(default)]
    pub response_bytes: Sketch,
    /// Status code -> count (keys are strings so the JSON stays an object).
    #[serde(default)]
    pub status: BTreeMap<String, u64>,
    /// Credential kind (`bearer`, `basic`, `api_key`, `cookie`, `none`) -> count.
    #[serde(default)]
    pub auth: BTreeMap<String, u64>,
}

impl Default for Model {
    fn default() -> Self {
        Model { version: MODEL_VERSION, trained: Training::default(), endpoints: Vec::new() }
    }
}

impl EndpointModel {
    pub fn new(method: &str, template: &str) -> EndpointModel {
        EndpointModel {
            method: method.to_string(),
            template: template.to_string(),
            count: 0,
            request_bytes: Sketch::default(),
            response_bytes: Sketch::default(),
            status: BTreeMap::new(),
            auth: BTreeMap::new(),
        }
    }

    /// `GET /api/v1/accounts/{account_id}`: how endpoints are named everywhere.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    pub fn merge(&mut self, other: &EndpointModel) {
        self.count += other.count;
        self.request_bytes.merge(&other.request_bytes);
        self.response_bytes.merge(&other.response_bytes);
        add_counts(&mut self.status, &other.status);
        add_counts(&mut self.auth, &other.auth);
    }
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, n) in from {
        *into.entry(k.clone()).or_insert(0) += n;
    }
}

impl Model {
    /// Checks what serde cannot: the version, templates, and duplicate endpoints.
    /// The error names the offending field (`model.endpoints[3].template`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.version != MODEL_VERSION {
            return Err(("model.version".into(), format!("{} (this build reads version {MODEL_VERSION})", self.version)));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, e) in self.endpoints.iter().enumerate() {
            if e.method.is_empty() || !e.method.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err((format!("model.endpoints[{i}].method"), format!("{:?} (expected an upper-case HTTP method)", e.method)));
            }
            if let Err(why) = crate::route::check_template(&e.template) {
                return Err((format!("model.endpoints[{i}].template"), format!("{:?}: {why}", e.template)));
            }
            if !seen.insert((e.method.as_str(), e.template.as_str())) {
                return Err((format!("model.endpoints[{i}]"), format!("duplicate endpoint {}", e.name())));
            }
        }
        Ok(())
    }

    /// Combines a model learned from another shard: endpoints with the same name add up.
    pub fn merge(&mut self, other: &Model) {
        self.trained.events += other.trained.events;
        self.trained.first = min_opt(self.trained.first.take(), other.trained.first.clone(), true);
        self.trained.last = min_opt(self.trained.last.take(), other.trained.last.clone(), false);
        for e in &other.endpoints {
            match self.endpoints.iter_mut().find(|m| m.method == e.method && m.template == e.template) {
                Some(m) => m.merge(e),
                None => self.endpoints.push(e.clone()),
            }
        }
        self.sort();
    }

    /// Canonical order, so equal models serialise identically.
    pub fn sort(&mut self) {
        self.endpoints.sort_by(|a, b| (&a.method, &a.template).cmp(&(&b.method, &b.template)));
    }
}

/// RFC 3339 times in one zone compare as strings.
fn min_opt(a: Option<String>, b: Option<String>, earliest: bool) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if (a <= b) == earliest { a } else { b }),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_field() {
        let mut m = Model::default();
        m.endpoints.push(EndpointModel::new("GET", "/a/{id}"));
        assert!(m.validate().is_ok());
        m.endpoints.push(EndpointModel::new("get", "/b"));
        assert_eq!(m.validate().unwrap_err().0, "model.endpoints[1].method");
        m.endpoints[1].method = "GET".into();
        m.endpoints[1].template = "no-slash".into();
        assert_eq!(m.validate().unwrap_err().0, "model.endpoints[1].template");
        m.endpoints[1].template = "/a/{id}".into();
        assert_eq!(m.validate().unwrap_err().0, "model.endpoints[1]");
        m.version = 2;
        assert_eq!(m.validate().unwrap_err().0, "model.version");
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(serde_json::from_str::<Model>(r#"{"version":1,"endpoints":[],"extra":1}"#).is_err());
    }

    #[test]
    fn merge_adds_up() {
        let mut a = Model::default();
        let mut e = EndpointModel::new("GET", "/x");
        e.count = 2;
        e.request_bytes.add(10);
        a.endpoints.push(e.clone());
        a.trained.first = Some("2026-01-02T00:00:00Z".into());
        let mut b = Model::default();
        b.endpoints.push(e.clone());
        b.endpoints.push(EndpointModel::new("GET", "/a"));
        b.trained.first = Some("2026-01-01T00:00:00Z".into());
        a.merge(&b);
        assert_eq!(a.endpoints.len(), 2);
        assert_eq!(a.endpoints[0].template, "/a");
        assert_eq!(a.endpoints[1].count, 4);
        assert_eq!(a.trained.first.as_deref(), Some("2026-01-01T00:00:00Z"));
    }
}
