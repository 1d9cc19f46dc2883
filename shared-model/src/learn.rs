//! The learner: access-log lines in, a baseline [`Model`] out.
//!
//! It reads the filter's own events (Envoy's fields plus the `vigil` object), so features are the
//! ones the filter computed with [`crate::observe`] and [`crate::params`]: what is learned is what
//! is scored. Paths are grouped by the raw path's identifier folding (or the OpenAPI template they
//! match), then high-cardinality segments fold at the end ([`crate::inventory`]). Exchanges
//! with attack findings are left out of the baseline (an attack is not "normal"); malformed lines
//! are counted, never fatal. Learning is incremental and mergeable: [`Learner::add_line`] per line,
//! [`Learner::finish`] for the model, and models from shards merge with [`Model::merge`].
//! Client behaviour (sessions, sequences, rates) is learned alongside from each line's client hash
//! and start time ([`crate::behaviour::learn`]).

use crate::behaviour::learn::{parse_time, SequenceReport, SessionLearner};
use crate::json::{self, Member};
use crate::model::{bump, EndpointModel, Model, SensitiveStats};
use crate::observe::Observations;
use crate::route::Router;
use serde::Deserialize;
use std::borrow::Cow;
use std::collections::HashMap;

/// The Envoy fields of an access-log line the learner reads, from the line's members
/// ([`json::members`]: strings decoded, other values raw; nested values are not parsed unless
/// read). Strings borrow from the line when they hold no escapes.
#[derive(Debug, Default)]
struct LogLine<'a> {
    start_time: Option<Cow<'a, str>>,
    method: Option<Cow<'a, str>>,
    path: Option<Cow<'a, str>>,
    status: Option<u64>,
    duration_ms: Option<u64>,
    /// The event (see [`logged_event`]).
    vigil: Option<Member<'a>>,
}

impl<'a> LogLine<'a> {
    fn parse(line: &'a str) -> Option<LogLine<'a>> {
        let mut l = LogLine::default();
        for (key, value) in json::members(line).ok()? {
            match &*key {
                "start_time" => l.start_time = value.into_str(),
                "method" => l.method = value.into_str(),
                "path" => l.path = value.into_str(),
                "status" => l.status = loose(&value),
                "duration_ms" => l.duration_ms = loose(&value),
                "vigil" => l.vigil = Some(value),
                _ => {}
            }
        }
        Some(l)
    }
}

/// The parts of the `vigil` event the learner needs ([`crate::event::Event`] is the full type).
#[derive(Debug, Deserialize)]
struct LoggedEvent {
    #[serde(default)]
    client: String,
    #[serde(default)]
    findings: Vec<LoggedFinding>,
    #[serde(default)]
    obs: Observations,
}

#[derive(Debug, Deserialize)]
struct LoggedFinding {
    kind: String,
}

/// A number Envoy may log as a number or a string (`"200"`, `"-"`); anything else is absent.
fn loose(value: &Member) -> Option<u64> {
    let text = match value {
        Member::Str(s) => s.trim(),
        Member::Raw(r) => r,
    };
    text.parse().ok().or_else(|| text.parse::<f64>().ok().filter(|n| *n >= 0.0 && n.is_finite()).map(|n| n as u64))
}

/// The `vigil` field: a string holding JSON (`%FILTER_STATE(wasm.vigil:PLAIN)%`), or an object;
/// anything else (`"-"`, `null`) means the filter did not run. The string is most of a line and
/// escapes every quote: decoded by [`json::members`], which costs far less than serde_json there.
fn logged_event(value: Member) -> Option<LoggedEvent> {
    match value {
        Member::Str(s) => serde_json::from_str(&s).ok(),
        Member::Raw(r) if r.starts_with('{') => serde_json::from_str(r).ok(),
        Member::Raw(_) => None,
    }
}

/// One access-log line as the learner reads it. Parsing is most of learning's cost and needs no
/// learner state, so [`parse_line`] may run on other threads while one [`Learner`] takes the
/// results in log order ([`Learner::add`]), which is how `vigil learn` uses every core.
pub struct ParsedLine(Parsed);

enum Parsed {
    Blank,
    Malformed,
    WithoutEvent,
    Attack,
    Exchange(Box<Exchange>),
}

/// What one exchange teaches.
struct Exchange {
    method: String,
    /// The path without its query or fragment.
    path_only: String,
    start_time: Option<String>,
    status: u64,
    duration_ms: Option<u64>,
    client: String,
    obs: Observations,
}

/// Parses one access-log line (see [`ParsedLine`]).
pub fn parse_line(line: &str) -> ParsedLine {
    let line = line.trim();
    if line.is_empty() {
        return ParsedLine(Parsed::Blank);
    }
    let Some(l) = LogLine::parse(line) else {
        return ParsedLine(Parsed::Malformed);
    };
    let (Some(method), Some(path)) = (l.method.filter(|m| !m.is_empty()), l.path.filter(|p| p.starts_with('/'))) else {
        return ParsedLine(Parsed::Malformed);
    };
    let Some(event) = l.vigil.and_then(logged_event) else {
        return ParsedLine(Parsed::WithoutEvent);
    };
    if event.findings.iter().any(|f| f.kind.starts_with("attack.")) {
        return ParsedLine(Parsed::Attack);
    }
    let obs = event.obs;
    let status = l.status.unwrap_or_else(|| obs.response.as_ref().map_or(0, |r| u64::from(r.status)));
    let path_only = path.split(['?', '#']).next().unwrap_or(&path).to_string();
    ParsedLine(Parsed::Exchange(Box::new(Exchange {
        method: method.into_owned(),
        path_only,
        start_time: l.start_time.map(Cow::into_owned),
        status,
        duration_ms: l.duration_ms,
        client: event.client,
        obs,
    })))
}

/// What happened to the lines fed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LearnStats {
    pub lines: u64,
    pub learned: u64,
    /// Not JSON, or missing method/path.
    pub malformed: u64,
    /// Lines without a `vigil` event (the filter did not run: e.g. a route without it).
    pub without_event: u64,
    /// Exchanges with attack findings, kept out of the baseline.
    pub attacks: u64,
}

#[derive(Default)]
pub struct Learner {
    /// Endpoints an OpenAPI description declared; observed paths are matched against them first.
    seeds: Router,
    seed_templates: Vec<String>,
    /// By `METHOD template`.
    endpoints: HashMap<String, EndpointModel>,
    first: Option<String>,
    last: Option<String>,
    target_fpr: Option<f64>,
    sessions: SessionLearner,
    /// Reused for each line's lookup keys (no allocation per line).
    scratch: String,
    pub stats: LearnStats,
}

impl Learner {
    pub fn new() -> Learner {
        Learner::default()
    }

    /// Starts from declared endpoints (see [`crate::openapi`]): they are known even without
    /// traffic, and paths matching them are learned under their templates.
    pub fn with_seed(seed: Vec<EndpointModel>) -> Learner {
        let mut l = Learner::new();
        l.seeds = Router::new(seed.iter().map(|e| (e.method.as_str(), e.template.as_str())));
        l.seed_templates = seed.iter().map(|e| e.template.clone()).collect();
        for e in seed {
            l.endpoints.entry(e.name()).or_insert(e);
        }
        l
    }

    /// The false-positive budget the model is calibrated for (default [`crate::model::DEFAULT_TARGET_FPR`]).
    pub fn target_fpr(mut self, fpr: f64) -> Learner {
        self.target_fpr = Some(fpr);
        self
    }

    /// Feeds one access-log line.
    pub fn add_line(&mut self, line: &str) {
        self.add(parse_line(line));
    }

    /// Feeds one parsed line (see [`parse_line`]); lines must come in log order.
    pub fn add(&mut self, line: ParsedLine) {
        let x = match line.0 {
            Parsed::Blank => return,
            Parsed::Malformed => Err(&mut self.stats.malformed),
            Parsed::WithoutEvent => Err(&mut self.stats.without_event),
            Parsed::Attack => Err(&mut self.stats.attacks),
            Parsed::Exchange(x) => Ok(x),
        };
        self.stats.lines += 1;
        match x {
            Ok(x) => self.learn(*x),
            Err(count) => *count += 1,
        }
    }

    fn learn(&mut self, x: Exchange) {
        let Exchange { method, path_only, start_time, status, duration_ms, client, obs } = x;
        let route = self.seeds.route(&method, &path_only);
        let template = route.endpoint.and_then(|i| self.seed_templates.get(i).cloned()).unwrap_or(route.template);
        let start = start_time.as_deref().and_then(parse_time);
        if let Some(t) = start {
            self.sessions.add(&client, t, &method, &template, &obs, u16::try_from(status).unwrap_or(0));
        }
        self.scratch.clear();
        self.scratch.push_str(&method);
        self.scratch.push(' ');
        self.scratch.push_str(&template);
        if !self.endpoints.contains_key(&self.scratch) {
            self.endpoints.insert(self.scratch.clone(), EndpointModel::new(&method, &template));
        }
        let Some(e) = self.endpoints.get_mut(&self.scratch) else { return };
        e.count += 1;
        e.request_bytes.add(obs.request.bytes);
        if obs.request.bytes > 0 {
            EndpointModel::add_type(&mut e.request_types, obs.request.content_type.as_deref(), 1);
        }
        if let Some(r) = &obs.response {
            e.response_bytes.add(r.bytes);
            if r.bytes > 0 {
                EndpointModel::add_type(&mut e.response_types, r.content_type.as_deref(), 1);
            }
        }
        if let Some(ms) = duration_ms {
            e.latency_ms.add(ms);
        }
        self.scratch.clear();
        json::push_decimal(&mut self.scratch, status);
        bump(&mut e.status, &self.scratch, 1);
        bump(&mut e.auth, if obs.auth.is_empty() { "none" } else { obs.auth.as_str() }, 1);
        e.add_params(&obs.params);
        for (ty, n) in &obs.sensitive {
            let s = e.sensitive.entry(ty.clone()).or_insert(SensitiveStats::default());
            s.responses += 1;
            s.total += u64::from(*n);
            s.max = s.max.max(*n);
        }
        if let Some(t) = start_time.filter(|t| !t.is_empty()) {
            if self.first.as_deref().is_none_or(|f| *t < *f) {
                self.first = Some(t.clone());
            }
            if self.last.as_deref().is_none_or(|f| *t > *f) {
                self.last = Some(t);
            }
        }
        self.stats.learned += 1;
    }

    /// The model: endpoints with their statistics, templates inferred ([`crate::inventory::fold`]).
    pub fn finish(self) -> Model {
        self.finish_with(false).0
    }

    /// The model, and with `report` the call sequences and rules that held (`vigil sequences`).
    pub fn finish_with(self, report: bool) -> (Model, Option<SequenceReport>) {
        let mut m = Model::default();
        m.trained.events = self.stats.learned;
        m.trained.first = self.first;
        m.trained.last = self.last;
        if let Some(fpr) = self.target_fpr {
            m.calibration.target_fpr = fpr;
        }
        m.endpoints = self.endpoints.into_values().collect();
        crate::inventory::fold(&mut m);
        let (behaviour, report) = self.sessions.finish(&m, report);
        if behaviour.sessions > 0 {
            m.behaviour = Some(behaviour);
        }
        (m, report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(method: &str, path: &str, vigil: &str) -> String {
        serde_json::json!({"start_time":"2026-11-21T10:00:00.000Z","method":method,"path":path,"status":200,"duration_ms":12,"vigil":vigil}).to_string()
    }

    fn event(req: u64, resp: u64, auth: &str, route: &str, findings: &str) -> String {
        format!(r#"{{"verdict":"allow","score":0,"confidence":1,"enforced":false,"endpoint":null,"client":"ab","client_kind":"source","findings":[{findings}],"obs":{{"route":"{route}","auth":"{auth}","request":{{"bytes":{req},"parse":"empty"}},"response":{{"bytes":{resp},"parse":"json","status":200,"content_type":"application/json"}},"params":[{{"name":"query:x","shape":"int","len":1,"range":[{req},{req}]}}]}},"inspect_us":3}}"#)
    }

    #[test]
    fn numbers_are_read_as_envoy_writes_them() {
        let (s, r) = (|t: &'static str| Member::Str(t.into()), Member::Raw);
        for (value, want) in [(r("200"), Some(200)), (s(" 200"), Some(200)), (r("12.7"), Some(12)), (s("-"), None), (r("null"), None), (r("-3"), None), (r("{}"), None)] {
            assert_eq!(loose(&value), want, "{value:?}");
        }
    }

    #[test]
    fn learns_inventory_sizes_status_and_auth() {
        let mut l = Learner::new();
        for i in 0..10 {
            l.add_line(&line("GET", &format!("/users/{i}?x=1"), &event(0, 100 + i, "bearer", &format!("/users/{{user_id}}"), "")));
        }
        l.add_line(&line("GET", "/users/me", &event(0, 50, "none", "/users/me", "")));
        l.add_line("not json");
        l.add_line(r#"{"method":"GET","path":"/x","vigil":null}"#);
        l.add_line(r#"{"method":"GET","path":"/x","vigil":"-"}"#);
        // A log format that writes the event as an object rather than a string is read the same.
        l.add_line(&format!(r#"{{"method":"GET","path":"/users/7","status":200,"vigil":{}}}"#, event(0, 100, "bearer", "/users/{user_id}", "")));
        let attack = r#"{"kind":"attack.sqli","owasp":"API8:2023","severity":"critical","confidence":0.9,"location":"query:q","evidence":"x"}"#;
        l.add_line(&line("GET", "/users/1", &event(0, 1, "bearer", "/users/{user_id}", attack)));
        assert_eq!(l.stats, LearnStats { lines: 16, learned: 12, malformed: 1, without_event: 2, attacks: 1 });
        let m = l.finish();
        assert_eq!(m.endpoints.len(), 2);
        let users = &m.endpoints[0];
        assert_eq!((users.template.as_str(), users.count), ("/users/me", 1));
        let byid = &m.endpoints[1];
        assert_eq!(byid.count, 11);
        assert_eq!(byid.response_bytes.count, 11);
        assert_eq!(byid.status.get("200"), Some(&11));
        assert_eq!(byid.auth.get("bearer"), Some(&11));
        assert_eq!(byid.latency_ms.count, 10);
        assert_eq!(byid.response_types.get("application/json"), Some(&11));
        let x = &byid.params["query:x"];
        assert_eq!((x.count, x.min, x.max), (11, Some(0.0), Some(0.0)));
        assert_eq!(m.trained.events, 12);
        assert!(m.validate().is_ok());
    }

    #[test]
    fn sharded_learning_merges_to_the_same_model() {
        let lines: Vec<String> = (0..40)
            .map(|i| line(if i % 3 == 0 { "POST" } else { "GET" }, &format!("/a/{}", i % 7), &event(i * 3, i * 5, "bearer", "/a/{a_id}", "")))
            .collect();
        let mut all = Learner::new();
        let (mut a, mut b) = (Learner::new(), Learner::new());
        for (i, l) in lines.iter().enumerate() {
            all.add_line(l);
            if i % 2 == 0 { a.add_line(l) } else { b.add_line(l) }
        }
        let mut merged = a.finish();
        merged.merge(&b.finish());
        let mut all = all.finish();
        // One client's session split across two shards counts as a session in each.
        assert_eq!(merged.behaviour.take().map(|b| b.sessions), Some(2));
        assert_eq!(all.behaviour.take().map(|b| b.sessions), Some(1));
        assert_eq!(merged, all);
    }
}
