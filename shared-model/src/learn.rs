//! The learner: access-log lines in, a baseline [`Model`] out.
//!
//! It reads the filter's own events (Envoy's fields plus the `vigil` object), so features are the
//! ones the filter computed with [`crate::observe`]: what is learned is what is scored. Exchanges
//! with attack findings are left out of the baseline (an attack is not "normal"); malformed lines
//! are counted, never fatal. Learning is incremental and mergeable: [`Learner::add_line`] per line,
//! [`Learner::finish`] for the model, and models from shards merge with [`Model::merge`].

use crate::event::Event;
use crate::model::{EndpointModel, Model};
use crate::route::fold;
use serde::Deserialize;
use std::collections::BTreeMap;

/// The Envoy fields of an access-log line the learner reads (others are ignored).
#[derive(Debug, Deserialize)]
struct LogLine {
    #[serde(default)]
    start_time: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    status: Option<serde_json::Value>,
    #[serde(default)]
    vigil: serde_json::Value,
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
    endpoints: BTreeMap<(String, String), EndpointModel>,
    first: Option<String>,
    last: Option<String>,
    pub stats: LearnStats,
}

impl Learner {
    pub fn new() -> Learner {
        Learner::default()
    }

    /// Feeds one access-log line.
    pub fn add_line(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.stats.lines += 1;
        let Ok(l) = serde_json::from_str::<LogLine>(line) else {
            self.stats.malformed += 1;
            return;
        };
        let (Some(method), Some(path)) = (l.method.filter(|m| !m.is_empty()), l.path.filter(|p| p.starts_with('/'))) else {
            self.stats.malformed += 1;
            return;
        };
        let Some(event) = Event::from_log_value(&l.vigil) else {
            self.stats.without_event += 1;
            return;
        };
        if event.findings.iter().any(|f| f.kind.starts_with("attack.")) {
            self.stats.attacks += 1;
            return;
        }
        let status = match &l.status {
            Some(serde_json::Value::Number(n)) => n.to_string(),
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => event.obs.response.as_ref().map_or(0, |r| r.status).to_string(),
        };
        let path_only = path.split(['?', '#']).next().unwrap_or(&path);
        let template = if event.obs.route.is_empty() { fold(path_only) } else { event.obs.route.clone() };
        let e = self
            .endpoints
            .entry((method.clone(), template.clone()))
            .or_insert_with(|| EndpointModel::new(&method, &template));
        e.count += 1;
        e.request_bytes.add(event.obs.request.bytes);
        if let Some(r) = &event.obs.response {
            e.response_bytes.add(r.bytes);
        }
        *e.status.entry(status).or_insert(0) += 1;
        let auth = if event.obs.auth.is_empty() { "none".to_string() } else { event.obs.auth.clone() };
        *e.auth.entry(auth).or_insert(0) += 1;
        if let Some(t) = l.start_time.filter(|t| !t.is_empty()) {
            if self.first.as_ref().is_none_or(|f| t < *f) {
                self.first = Some(t.clone());
            }
            if self.last.as_ref().is_none_or(|f| t > *f) {
                self.last = Some(t);
            }
        }
        self.stats.learned += 1;
    }

    pub fn finish(self) -> Model {
        let mut m = Model::default();
        m.trained.events = self.stats.learned;
        m.trained.first = self.first;
        m.trained.last = self.last;
        m.endpoints = self.endpoints.into_values().collect();
        m.sort();
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(method: &str, path: &str, vigil: &str) -> String {
        serde_json::json!({"start_time":"2026-11-21T10:00:00.000Z","method":method,"path":path,"status":200,"vigil":vigil}).to_string()
    }

    fn event(req: u64, resp: u64, auth: &str, route: &str, findings: &str) -> String {
        format!(r#"{{"verdict":"allow","score":0,"confidence":1,"enforced":false,"endpoint":null,"client":"ab","client_kind":"source","findings":[{findings}],"obs":{{"route":"{route}","auth":"{auth}","request":{{"bytes":{req},"parse":"empty"}},"response":{{"bytes":{resp},"parse":"json","status":200}}}},"inspect_us":3}}"#)
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
        let attack = r#"{"kind":"attack.sqli","owasp":"API8:2023","severity":"critical","confidence":0.9,"location":"query:q","evidence":"x"}"#;
        l.add_line(&line("GET", "/users/1", &event(0, 1, "bearer", "/users/{user_id}", attack)));
        assert_eq!(l.stats, LearnStats { lines: 14, learned: 11, malformed: 1, without_event: 1, attacks: 1 });
        let m = l.finish();
        assert_eq!(m.endpoints.len(), 2);
        let users = &m.endpoints[0];
        assert_eq!((users.template.as_str(), users.count), ("/users/me", 1));
        let byid = &m.endpoints[1];
        assert_eq!(byid.count, 10);
        assert_eq!(byid.response_bytes.count, 10);
        assert_eq!(byid.status.get("200"), Some(&10));
        assert_eq!(byid.auth.get("bearer"), Some(&10));
        assert_eq!(m.trained.events, 11);
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
        assert_eq!(merged, all.finish());
    }
}
