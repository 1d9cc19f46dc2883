//! The baseline model: what each endpoint of a service normally looks like.
//!
//! A versioned JSON document produced by `vigil learn`, checked by `vigil check` and embedded in the
//! plugin configuration under `model`. Everything in it merges by addition (counts, sketches,
//! min/max) or by bounded set union that gives up the same way whatever the order (parameter
//! names, enum values: past the cap the set is dropped and marked open), so models learned from
//! log shards combine exactly (see [`Model::merge`]). Strict serde: an unknown field is an error,
//! so a model from a newer Vigil is refused rather than half-read.
//!
//! Size budget (README): an endpoint with ten parameters takes about 2-4 KB of pretty JSON; the
//! caps are [`MAX_ENDPOINT_PARAMS`] names, [`MAX_ENUM`] values, [`MAX_CONTENT_TYPES`] content types
//! per side, and sketches of a few dozen buckets (see [`crate::sketch`]).

use crate::params::{ParamObs, Shape};
use crate::sketch::Sketch;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema version this build reads and writes.
pub const MODEL_VERSION: u32 = 1;
/// Parameter names kept per endpoint; past this the endpoint's parameters are open (not checked).
pub const MAX_ENDPOINT_PARAMS: usize = 64;
/// Distinct values kept per parameter; past this it is not an enum.
pub const MAX_ENUM: usize = 16;
/// Content types kept per endpoint and side; the rest count as `other`.
pub const MAX_CONTENT_TYPES: usize = 8;
/// The false-positive budget a model is calibrated for unless `vigil learn --target-fpr` says otherwise.
pub const DEFAULT_TARGET_FPR: f64 = 0.001;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub version: u32,
    /// What the model was learned from.
    #[serde(default)]
    pub trained: Training,
    /// The false-positive budget the scoring thresholds are derived for.
    #[serde(default)]
    pub calibration: Calibration,
    /// Path positions where high-cardinality literal segments were folded into a parameter, as
    /// `METHOD /prefix/{param}` (see [`crate::inventory`]); kept so merging folds the same way.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folded: Vec<String>,
    /// One entry per (method, path template), sorted by method then template.
    #[serde(default)]
    pub endpoints: Vec<EndpointModel>,
    /// How clients behave across requests (see [`crate::behaviour`]); absent in models learned
    /// from logs without client ids and times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub behaviour: Option<BehaviourModel>,
}

/// Per-client behaviour over sessions (a session ends after 10 idle minutes), learned by
/// replaying each client's requests through [`crate::behaviour::state`]. Endpoints are named
/// `METHOD template`; [`crate::behaviour::state::START`]'s name is `^` (the start of a session).
/// Everything adds up, so shards merge (a session split across shards counts as two).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BehaviourModel {
    pub clients: u64,
    pub sessions: u64,
    /// From endpoint (or `^`) -> next endpoint -> how often (consecutive repeats collapsed).
    #[serde(default)]
    pub transitions: BTreeMap<String, BTreeMap<String, u64>>,
    /// Longer contexts: the 2 to 8 operations before a call (oldest first, `^` first when the
    /// session's start is among them) -> next endpoint -> how often; only contexts followed at
    /// least 50 times, the most followed first kept (see [`crate::behaviour::learn`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contexts: Vec<ContextCounts>,
    /// Endpoint -> each session's most requests to it within one 10-minute window.
    #[serde(default)]
    pub rates: BTreeMap<String, Sketch>,
    /// Each session's most distinct object ids on any one id-bearing endpoint within one 10-minute
    /// window, over sessions that requested any (the fallback for endpoints with few sessions;
    /// models learned before per-endpoint counting summed all endpoints, a looser limit).
    #[serde(default)]
    pub objects: Sketch,
    /// Id-bearing endpoint -> each session's most distinct object ids on it within one window.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub endpoint_objects: BTreeMap<String, Sketch>,
    /// Id-bearing endpoint -> requests, and how many of them named an object returned to the
    /// client earlier (or its own).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub provenance: BTreeMap<String, Provenance>,
    /// Sensitive values received per client-minute (minutes with at least one response).
    #[serde(default)]
    pub sensitive_per_minute: Sketch,
    /// Their sum, for the mean.
    #[serde(default)]
    pub sensitive_total: u64,
    /// Each session's most authentication failures on login endpoints within one 10-minute
    /// window, over sessions that called a login endpoint.
    #[serde(default)]
    pub auth_failures: Sketch,
    /// Failed logins per source address and 10-minute window, over windows with a login attempt.
    #[serde(default)]
    pub address_auth_failures: Sketch,
}

/// How often each endpoint followed one context (see [`BehaviourModel::contexts`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContextCounts {
    pub after: Vec<String>,
    pub next: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provenance {
    pub requests: u64,
    pub known: u64,
}

impl BehaviourModel {
    pub fn merge(&mut self, o: &BehaviourModel) {
        self.clients += o.clients;
        self.sessions += o.sessions;
        for (from, next) in &o.transitions {
            let into = self.transitions.entry(from.clone()).or_default();
            add_counts(into, next);
        }
        for (e, s) in &o.rates {
            self.rates.entry(e.clone()).or_default().merge(s);
        }
        let mut index: std::collections::HashMap<Vec<String>, usize> = self.contexts.iter().enumerate().map(|(i, c)| (c.after.clone(), i)).collect();
        for c in &o.contexts {
            match index.get(&c.after).and_then(|i| self.contexts.get_mut(*i)) {
                Some(into) => add_counts(&mut into.next, &c.next),
                None => {
                    index.insert(c.after.clone(), self.contexts.len());
                    self.contexts.push(c.clone());
                }
            }
        }
        self.objects.merge(&o.objects);
        for (e, s) in &o.endpoint_objects {
            self.endpoint_objects.entry(e.clone()).or_default().merge(s);
        }
        for (e, p) in &o.provenance {
            let m = self.provenance.entry(e.clone()).or_default();
            m.requests += p.requests;
            m.known += p.known;
        }
        self.sensitive_per_minute.merge(&o.sensitive_per_minute);
        self.sensitive_total += o.sensitive_total;
        self.auth_failures.merge(&o.auth_failures);
        self.address_auth_failures.merge(&o.address_auth_failures);
    }
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

/// Scoring thresholds are quantiles and frequencies at `1 - target_fpr` of the learned
/// distributions, so each check flags about `target_fpr` of traffic like the training traffic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calibration {
    pub target_fpr: f64,
}

impl Default for Calibration {
    fn default() -> Self {
        Calibration { target_fpr: DEFAULT_TARGET_FPR }
    }
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
    /// Declared by an OpenAPI description: known even without traffic.
    #[serde(default, skip_serializing_if = "is_false")]
    pub declared: bool,
    /// Request body bytes.
    #[serde(default)]
    pub request_bytes: Sketch,
    /// Response body bytes.
    #[serde(default)]
    pub response_bytes: Sketch,
    /// Time to last byte as Envoy logs it (`duration_ms`).
    #[serde(default)]
    pub latency_ms: Sketch,
    /// Status code -> count (keys are strings so the JSON stays an object).
    #[serde(default)]
    pub status: BTreeMap<String, u64>,
    /// Credential kind (`bearer`, `basic`, `api_key`, `cookie`, `none`) -> count.
    #[serde(default)]
    pub auth: BTreeMap<String, u64>,
    /// Request content type -> count (at most [`MAX_CONTENT_TYPES`], then `other`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub request_types: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub response_types: BTreeMap<String, u64>,
    /// Query and body parameters by name (`query:limit`, `body:$.items[*].sku`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamModel>,
    /// More than [`MAX_ENDPOINT_PARAMS`] names were seen: parameters are not checked here.
    #[serde(default, skip_serializing_if = "is_false")]
    pub params_open: bool,
    /// Sensitive data type returned -> how often.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sensitive: BTreeMap<String, SensitiveStats>,
}

/// One parameter of one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParamModel {
    /// Requests carrying it.
    pub count: u64,
    /// The type an OpenAPI description declares.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub declared: Option<Shape>,
    /// Shape class -> requests.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub shapes: BTreeMap<Shape, u64>,
    /// Value length in characters (the longest per request).
    #[serde(default)]
    pub len: Sketch,
    /// Numeric values: the smallest and largest seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
    /// Value hash (8 hex digits) -> requests, while the values are few short words.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, u64>,
    /// The values are not a small set of words (too many, too long, or not words).
    #[serde(default, skip_serializing_if = "is_false")]
    pub values_open: bool,
}

/// How often an endpoint returned a sensitive data type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SensitiveStats {
    /// Responses containing it.
    pub responses: u64,
    /// Occurrences over those responses (typical count = total / responses).
    pub total: u64,
    /// Most in one response.
    pub max: u32,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Default for Model {
    fn default() -> Self {
        Model {
            version: MODEL_VERSION,
            trained: Training::default(),
            calibration: Calibration::default(),
            folded: Vec::new(),
            endpoints: Vec::new(),
            behaviour: None,
        }
    }
}

impl EndpointModel {
    pub fn new(method: &str, template: &str) -> EndpointModel {
        EndpointModel {
            method: method.to_string(),
            template: template.to_string(),
            count: 0,
            declared: false,
            request_bytes: Sketch::default(),
            response_bytes: Sketch::default(),
            latency_ms: Sketch::default(),
            status: BTreeMap::new(),
            auth: BTreeMap::new(),
            request_types: BTreeMap::new(),
            response_types: BTreeMap::new(),
            params: BTreeMap::new(),
            params_open: false,
            sensitive: BTreeMap::new(),
        }
    }

    /// `GET /api/v1/accounts/{account_id}`: how endpoints are named everywhere.
    pub fn name(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// Records one request's parameters.
    pub fn add_params(&mut self, params: &[ParamObs]) {
        for p in params {
            if self.params_open {
                return;
            }
            // Look up before inserting: the learner calls this per log line and names repeat.
            if let Some(m) = self.params.get_mut(&p.name) {
                m.add(p);
                continue;
            }
            if self.params.len() >= MAX_ENDPOINT_PARAMS {
                self.open_params();
                return;
            }
            self.params.entry(p.name.clone()).or_default().add(p);
        }
    }

    fn open_params(&mut self) {
        self.params_open = true;
        self.params.clear();
    }

    /// Records a content type (`request_types` or `response_types`).
    pub fn add_type(types: &mut BTreeMap<String, u64>, ct: Option<&str>, n: u64) {
        let ct = ct.unwrap_or("none");
        let key = if types.contains_key(ct) || types.len() < MAX_CONTENT_TYPES { ct } else { "other" };
        bump(types, key, n);
    }

    /// Adds another shard's statistics for the same endpoint: the result equals learning both.
    pub fn merge(&mut self, other: &EndpointModel) {
        self.count += other.count;
        self.declared |= other.declared;
        self.request_bytes.merge(&other.request_bytes);
        self.response_bytes.merge(&other.response_bytes);
        self.latency_ms.merge(&other.latency_ms);
        add_counts(&mut self.status, &other.status);
        add_counts(&mut self.auth, &other.auth);
        for (sel, oth) in [(&mut self.request_types, &other.request_types), (&mut self.response_types, &other.response_types)] {
            for (k, n) in oth {
                EndpointModel::add_type(sel, Some(k), *n);
            }
        }
        if other.params_open {
            self.open_params();
        }
        for (name, p) in &other.params {
            if self.params_open {
                break;
            }
            if !self.params.contains_key(name) && self.params.len() >= MAX_ENDPOINT_PARAMS {
                self.open_params();
                break;
            }
            self.params.entry(name.clone()).or_default().merge(p);
        }
        for (t, s) in &other.sensitive {
            let m = self.sensitive.entry(t.clone()).or_default();
            m.responses += s.responses;
            m.total += s.total;
            m.max = m.max.max(s.max);
        }
    }
}

impl ParamModel {
    pub fn add(&mut self, p: &ParamObs) {
        self.count += 1;
        *self.shapes.entry(p.shape).or_insert(0) += 1;
        self.len.add(u64::from(p.len));
        if let Some([lo, hi]) = p.range {
            self.min = Some(self.min.map_or(lo, |m| m.min(lo)));
            self.max = Some(self.max.map_or(hi, |m| m.max(hi)));
        }
        match p.hash {
            Some(h) if !self.values_open => {
                let mut hex = [0u8; 8];
                for (i, d) in hex.iter_mut().enumerate() {
                    *d = b"0123456789abcdef"[(h >> (28 - 4 * i) & 0xf) as usize];
                }
                bump(&mut self.values, std::str::from_utf8(&hex).unwrap_or("00000000"), 1);
                if self.values.len() > MAX_ENUM {
                    self.open_values();
                }
            }
            _ => self.open_values(),
        }
    }

    fn open_values(&mut self) {
        self.values_open = true;
        self.values.clear();
    }

    pub fn merge(&mut self, o: &ParamModel) {
        self.count += o.count;
        self.declared = self.declared.or(o.declared);
        for (s, n) in &o.shapes {
            *self.shapes.entry(*s).or_insert(0) += n;
        }
        self.len.merge(&o.len);
        self.min = min_max(self.min, o.min, f64::min);
        self.max = min_max(self.max, o.max, f64::max);
        if o.values_open {
            self.open_values();
        } else if !self.values_open {
            add_counts(&mut self.values, &o.values);
            if self.values.len() > MAX_ENUM {
                self.open_values();
            }
        }
    }
}

fn min_max(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    }
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (k, n) in from {
        bump(into, k, *n);
    }
}

/// Adds `n` to `key`'s count, allocating the key only the first time.
pub fn bump(counts: &mut BTreeMap<String, u64>, key: &str, n: u64) {
    match counts.get_mut(key) {
        Some(c) => *c += n,
        None => {
            counts.insert(key.to_string(), n);
        }
    }
}

impl Model {
    /// Checks what serde cannot: the version, the budget, templates, duplicate endpoints and the
    /// size caps. The error names the offending field (`model.endpoints[3].template`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        if self.version != MODEL_VERSION {
            return Err(("model.version".into(), format!("{} (this build reads version {MODEL_VERSION})", self.version)));
        }
        let fpr = self.calibration.target_fpr;
        if !(fpr > 0.0 && fpr <= 0.5) {
            return Err(("model.calibration.target_fpr".into(), format!("{fpr} (expected 0 < target_fpr <= 0.5)")));
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
            if e.params.len() > MAX_ENDPOINT_PARAMS {
                return Err((format!("model.endpoints[{i}].params"), format!("{} names (at most {MAX_ENDPOINT_PARAMS})", e.params.len())));
            }
            for (name, p) in &e.params {
                if p.values.len() > MAX_ENUM {
                    return Err((format!("model.endpoints[{i}].params[{name:?}].values"), format!("{} values (at most {MAX_ENUM})", p.values.len())));
                }
            }
        }
        Ok(())
    }

    /// Combines a model learned from another shard: endpoints with the same name add up, then
    /// the path templates are re-inferred over the union ([`crate::inventory::fold`]).
    pub fn merge(&mut self, other: &Model) {
        self.trained.events += other.trained.events;
        self.trained.first = min_opt(self.trained.first.take(), other.trained.first.clone(), true);
        self.trained.last = min_opt(self.trained.last.take(), other.trained.last.clone(), false);
        self.calibration.target_fpr = self.calibration.target_fpr.min(other.calibration.target_fpr);
        self.folded.extend(other.folded.iter().cloned());
        for e in &other.endpoints {
            match self.endpoints.iter_mut().find(|m| m.method == e.method && m.template == e.template) {
                Some(m) => m.merge(e),
                None => self.endpoints.push(e.clone()),
            }
        }
        match (&mut self.behaviour, &other.behaviour) {
            (Some(b), Some(o)) => b.merge(o),
            (b @ None, Some(o)) => *b = Some(o.clone()),
            _ => {}
        }
        crate::inventory::fold(self);
    }

    /// Canonical order, so equal models serialise identically.
    pub fn sort(&mut self) {
        self.endpoints.sort_by(|a, b| (&a.method, &a.template).cmp(&(&b.method, &b.template)));
        self.folded.sort();
        self.folded.dedup();
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
    fn behaviour_contexts_and_per_endpoint_objects_merge_by_addition() {
        let context = |after: &[&str], next: &str, n: u64| ContextCounts { after: after.iter().map(|s| s.to_string()).collect(), next: [(next.to_string(), n)].into() };
        let mut a = BehaviourModel { contexts: vec![context(&["^", "GET /a"], "GET /b", 50)], ..Default::default() };
        a.endpoint_objects.entry("GET /a/{id}".into()).or_default().add(3);
        a.address_auth_failures.add(1);
        let mut b = BehaviourModel { contexts: vec![context(&["^", "GET /a"], "GET /c", 7), context(&["GET /a", "GET /b"], "GET /c", 60)], ..Default::default() };
        b.endpoint_objects.entry("GET /a/{id}".into()).or_default().add(9);
        b.address_auth_failures.add(4);
        a.merge(&b);
        assert_eq!(a.contexts.len(), 2);
        assert_eq!(a.contexts[0].next, [("GET /b".to_string(), 50), ("GET /c".to_string(), 7)].into());
        assert_eq!((a.endpoint_objects["GET /a/{id}"].count, a.endpoint_objects["GET /a/{id}"].max), (2, 9));
        assert_eq!((a.address_auth_failures.count, a.address_auth_failures.max), (2, 4));
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
