//! Learning behaviour from access logs: each client's requests, ordered by time, are replayed
//! through the filter's own [`ClientState`] steps, so a session's maximum rate, distinct objects
//! and failed logins are counted exactly as the filter counts them when it scores; each source
//! address's login attempts likewise through [`AddressState`]. The calls after each context
//! ([`ClientState::context`]) are counted; contexts longer than one operation are kept when
//! followed at least [`MIN_TRANSITIONS`] times (fewer are never scored), at most
//! [`MAX_CONTEXTS`], the most followed first, which keeps every kept context's shorter suffixes.
//!
//! The learner keeps a compact record per request (time, endpoint, object id hash, status,
//! sensitive count: about 24 bytes) until [`SessionLearner::finish`], when the endpoint names are
//! final (templates are inferred over the whole log). Optionally it also reports the common call
//! sequences and the precedence rules that held in every session, for `vigil sequences`.

use super::address::AddressState;
use super::rules::{RuleAction, SequenceRule, DEFAULT_WITHIN_S};
use super::state::{context_hash, endpoint_key, ClientState, Context, Step, CONTEXT_SEED, HISTORY, START};
use super::{is_login, MIN_TRANSITIONS, START_NAME};
use crate::model::{BehaviourModel, ContextCounts, Model};
use crate::observe::Observations;
use crate::route::Router;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// The hasher of maps keyed by values already hashed here (context hashes, endpoint keys, object
/// ids): one multiply folds them in. SipHash over them again was most of the replay's cost.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(26) ^ n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A map keyed by hashes (see [`PreHashed`]).
type ByHash<K, V> = HashMap<K, V, BuildHasherDefault<PreHashed>>;

#[derive(Debug, Clone, Copy)]
struct Record {
    t: u32,
    name: u32,
    object: Option<u32>,
    known: Option<bool>,
    address: Option<u32>,
    status: u16,
    sensitive: u32,
}

/// Longer contexts kept in a model.
pub const MAX_CONTEXTS: usize = 4096;

fn failed_login(login: bool, status: u16) -> bool {
    login && matches!(status, 401 | 403)
}

/// Requests grouped by client, until the model's endpoint names are known.
#[derive(Debug, Default)]
pub struct SessionLearner {
    /// Interned (method, template) as logged.
    names: Vec<(String, String)>,
    index: HashMap<String, u32>,
    clients: HashMap<String, Vec<Record>>,
    /// Reused for each request's `METHOD template` lookup.
    key: String,
}

/// A frequent call sequence.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredSequence {
    pub calls: Vec<String>,
    /// Sessions containing it.
    pub sessions: u64,
    /// Share of sessions containing it times the geometric mean of its transition probabilities.
    pub score: f64,
}

/// What `vigil sequences` prints.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SequenceReport {
    pub sessions: u64,
    pub sequences: Vec<ScoredSequence>,
    /// Rules that held in every session of the training traffic, with how often they applied.
    pub rules: Vec<(SequenceRule, u64)>,
}

/// A session being replayed.
#[derive(Default)]
struct Session {
    rates: ByHash<u32, u16>,
    /// Id-bearing endpoint -> most distinct objects in a window.
    objects: ByHash<u32, u16>,
    auth: Option<u16>,
    /// Collapsed operations with their times (report only).
    ops: Vec<(u32, u32)>,
    runs: ByHash<u32, u8>,
}

impl SessionLearner {
    /// Records one request of `client` at `t` (seconds since the epoch).
    pub fn add(&mut self, client: &str, t: u32, method: &str, template: &str, obs: &Observations, status: u16) {
        if client.is_empty() {
            return;
        }
        self.key.clear();
        self.key.push_str(method);
        self.key.push(' ');
        self.key.push_str(template);
        let name = match self.index.get(&self.key) {
            Some(&name) => name,
            None => {
                let name = self.names.len() as u32;
                self.index.insert(self.key.clone(), name);
                self.names.push((method.to_string(), template.to_string()));
                name
            }
        };
        let record = Record {
            t,
            name,
            object: obs.object.map(|o| o.id),
            known: obs.object.and_then(|o| o.known),
            address: obs.address,
            status,
            sensitive: obs.sensitive.values().sum(),
        };
        match self.clients.get_mut(client) {
            Some(v) => v.push(record),
            None => {
                self.clients.insert(client.to_string(), vec![record]);
            }
        }
    }

    /// The behaviour model over `model`'s endpoint names, and the sequence report if asked.
    pub fn finish(self, model: &Model, report: bool) -> (BehaviourModel, Option<SequenceReport>) {
        let router = Router::new(model.endpoints.iter().map(|e| (e.method.as_str(), e.template.as_str())));
        let finals: Vec<(String, u32, bool)> = self
            .names
            .iter()
            .map(|(m, t)| {
                let e = router.route(m, t).endpoint.and_then(|i| model.endpoints.get(i));
                let (name, template) = e.map_or_else(|| (format!("{m} {t}"), t.as_str()), |e| (e.name(), e.template.as_str()));
                let login = is_login(m, template);
                let key = endpoint_key(&name);
                (name, key, login)
            })
            .collect();
        let mut names: ByHash<u32, &str> = finals.iter().map(|(n, k, _)| (*k, n.as_str())).collect();
        names.insert(START, START_NAME);
        let mut r = Replay { bm: BehaviourModel::default(), names, contexts: Contexts::default(), report: report.then(ReportAcc::default) };
        r.addresses(self.clients.values().flatten(), &finals);
        for mut records in self.clients.into_values() {
            records.sort_by_key(|rec| rec.t);
            r.client(&records, &finals);
        }
        r.keep_contexts();
        let report = r.report.take().map(|acc| acc.finish(&r.bm));
        (r.bm, report)
    }
}

struct Replay<'a> {
    bm: BehaviourModel,
    names: ByHash<u32, &'a str>,
    contexts: Contexts,
    report: Option<ReportAcc>,
}

/// Counts of the calls after contexts of two operations and longer, by context hash. Most
/// contexts are rare: only those followed [`MIN_TRANSITIONS`] times keep their operations.
#[derive(Default)]
struct Contexts {
    next: ByHash<(u64, u32), u64>,
    total: ByHash<u64, u64>,
    /// Most recent first.
    kept: ByHash<u64, Vec<u32>>,
}

impl Replay<'_> {
    fn name(&self, k: u32) -> String {
        self.names.get(&k).map_or_else(|| format!("{k:08x}"), |n| n.to_string())
    }

    /// Failed logins per address and window: each address's login attempts replayed in time order.
    fn addresses<'r>(&mut self, records: impl Iterator<Item = &'r Record>, finals: &[(String, u32, bool)]) {
        let mut by_address: ByHash<u32, Vec<(u32, bool)>> = ByHash::default();
        for rec in records {
            if let (Some(a), Some((_, _, true)), true) = (rec.address, finals.get(rec.name as usize), rec.status != 0) {
                by_address.entry(a).or_default().push((rec.t, failed_login(true, rec.status)));
            }
        }
        for mut attempts in by_address.into_values() {
            attempts.sort_unstable();
            let Some(&(t0, _)) = attempts.first() else { continue };
            let mut state = AddressState::new(0, t0);
            for (t, failed) in attempts {
                if let Some(n) = state.attempt(t, failed).closed {
                    self.bm.address_auth_failures.add(u64::from(n));
                }
            }
            if let Some(n) = state.open_window() {
                self.bm.address_auth_failures.add(u64::from(n));
            }
        }
    }

    /// Counts `next` after each of the context's suffixes of two operations and more (one
    /// operation is `transitions`).
    fn count_contexts(&mut self, context: &Context, next: u32) {
        let keys = context.keys();
        let mut h = CONTEXT_SEED;
        for (i, k) in keys.iter().enumerate() {
            h = context_hash(h, *k);
            if i == 0 {
                continue;
            }
            *self.contexts.next.entry((h, next)).or_insert(0) += 1;
            let total = self.contexts.total.entry(h).or_insert(0);
            *total += 1;
            if *total == MIN_TRANSITIONS {
                self.contexts.kept.insert(h, keys.get(..=i).unwrap_or(keys).to_vec());
            }
        }
    }

    /// Moves the contexts followed often enough into the model, the most followed first.
    fn keep_contexts(&mut self) {
        let c = std::mem::take(&mut self.contexts);
        let mut kept: Vec<(u64, u64, Vec<u32>)> = c.kept.into_iter().map(|(h, keys)| (c.total.get(&h).copied().unwrap_or(0), h, keys)).collect();
        kept.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.len().cmp(&b.2.len())).then(a.2.cmp(&b.2)));
        kept.truncate(MAX_CONTEXTS);
        let index: ByHash<u64, usize> = kept.iter().enumerate().map(|(i, (_, h, _))| (*h, i)).collect();
        let mut contexts: Vec<ContextCounts> =
            kept.iter().map(|(_, _, keys)| ContextCounts { after: keys.iter().rev().map(|k| self.name(*k)).collect(), next: Default::default() }).collect();
        for ((h, next), n) in c.next {
            if let Some(into) = index.get(&h).and_then(|i| contexts.get_mut(*i)) {
                into.next.insert(self.name(next), n);
            }
        }
        self.bm.contexts = contexts;
    }

    fn client(&mut self, records: &[Record], finals: &[(String, u32, bool)]) {
        let Some(first) = records.first() else { return };
        self.bm.clients += 1;
        let mut state = ClientState::new(0, first.t);
        let mut s = Session::default();
        for rec in records {
            let Some((name, key, login)) = finals.get(rec.name as usize) else { continue };
            if state.new_session(rec.t) && !s.ops.is_empty() {
                self.end_session(std::mem::take(&mut s));
            }
            let context = state.context(rec.t);
            let seen = state.begin(&Step { now: rec.t, endpoint: *key, object: rec.object.map(u64::from) });
            if !seen.repeat {
                let from = self.name(seen.prev);
                *self.bm.transitions.entry(from).or_default().entry(name.clone()).or_insert(0) += 1;
                self.count_contexts(&context, *key);
                s.ops.push((*key, rec.t));
            }
            let run = s.runs.entry(*key).or_insert(0);
            *run = (*run).max(seen.run);
            let n = s.rates.entry(*key).or_insert(0);
            *n = (*n).max(seen.endpoint_count);
            if rec.object.is_some() {
                let n = s.objects.entry(*key).or_insert(0);
                *n = (*n).max(seen.endpoint_objects);
                if let Some(known) = rec.known {
                    let p = self.bm.provenance.entry(name.clone()).or_default();
                    p.requests += 1;
                    p.known += u64::from(known);
                }
            }
            let fin = state.finish(rec.t, failed_login(*login, rec.status), rec.sensitive, &[]);
            if let Some(m) = fin.closed_minute {
                self.minute(m);
            }
            if *login {
                s.auth = Some(s.auth.unwrap_or(0).max(fin.window_auth_failures));
            }
        }
        if let Some(m) = state.open_minute() {
            self.minute(m);
        }
        self.end_session(s);
    }

    fn minute(&mut self, n: u16) {
        self.bm.sensitive_per_minute.add(u64::from(n));
        self.bm.sensitive_total += u64::from(n);
    }

    fn end_session(&mut self, s: Session) {
        self.bm.sessions += 1;
        for (k, n) in &s.rates {
            let name = self.name(*k);
            self.bm.rates.entry(name).or_default().add(u64::from(*n));
        }
        for (k, n) in &s.objects {
            let name = self.name(*k);
            self.bm.endpoint_objects.entry(name).or_default().add(u64::from(*n));
        }
        if let Some(n) = s.objects.values().max() {
            self.bm.objects.add(u64::from(*n));
        }
        if let Some(n) = s.auth {
            self.bm.auth_failures.add(u64::from(n));
        }
        if let Some(acc) = &mut self.report {
            acc.session(&s);
        }
    }
}

/// Sequence and precedence counts for the report.
#[derive(Default)]
struct ReportAcc {
    sessions: u64,
    /// Sessions containing each collapsed n-gram (n = 2..=4).
    grams: HashMap<Vec<u32>, u64>,
    /// B -> occurrences.
    occurrences: HashMap<u32, u64>,
    /// B -> A -> occurrences of B with A among the previous HISTORY operations within the window.
    preceded: HashMap<u32, HashMap<u32, u64>>,
    runs: HashMap<u32, u8>,
}

impl ReportAcc {
    fn session(&mut self, s: &Session) {
        self.sessions += 1;
        let keys: Vec<u32> = s.ops.iter().map(|(k, _)| *k).collect();
        let mut grams = HashSet::new();
        for n in 2..=4 {
            for w in keys.windows(n) {
                grams.insert(w.to_vec());
            }
        }
        for g in grams {
            *self.grams.entry(g).or_insert(0) += 1;
        }
        for (i, &(b, t)) in s.ops.iter().enumerate() {
            *self.occurrences.entry(b).or_insert(0) += 1;
            let before: HashSet<u32> =
                s.ops[i.saturating_sub(HISTORY)..i].iter().filter(|(a, ta)| *a != b && t - ta <= DEFAULT_WITHIN_S).map(|(a, _)| *a).collect();
            let pre = self.preceded.entry(b).or_default();
            for a in before {
                *pre.entry(a).or_insert(0) += 1;
            }
        }
        for (k, r) in &s.runs {
            let m = self.runs.entry(*k).or_insert(0);
            *m = (*m).max(*r);
        }
    }

    fn finish(self, bm: &BehaviourModel) -> SequenceReport {
        let mut names: HashMap<u32, String> = HashMap::new();
        for (from, next) in &bm.transitions {
            for n in next.keys().chain(std::iter::once(from)) {
                names.entry(if n == START_NAME { START } else { endpoint_key(n) }).or_insert_with(|| n.clone());
            }
        }
        let name = |k: &u32| names.get(k).cloned().unwrap_or_else(|| format!("{k:08x}"));
        let prob = |a: &str, b: &str| -> f64 {
            let Some(next) = bm.transitions.get(a) else { return 0.0 };
            let total: u64 = next.values().sum();
            next.get(b).map_or(0.0, |n| *n as f64 / total.max(1) as f64)
        };
        let mut sequences: Vec<ScoredSequence> = self
            .grams
            .iter()
            .map(|(g, n)| {
                let calls: Vec<String> = g.iter().map(name).collect();
                let logp: f64 = calls.windows(2).map(|w| prob(&w[0], &w[1]).max(1e-9).ln()).sum();
                let predictability = (logp / (calls.len() - 1) as f64).exp();
                ScoredSequence { calls, sessions: *n, score: *n as f64 / self.sessions.max(1) as f64 * predictability }
            })
            .collect();
        sequences.sort_by(|a, b| b.score.total_cmp(&a.score).then(b.calls.len().cmp(&a.calls.len())).then(a.calls.cmp(&b.calls)));
        sequences.truncate(15);
        let mut rules: Vec<(SequenceRule, u64)> = Vec::new();
        let mut order: Vec<(&u32, &u64)> = self.occurrences.iter().filter(|(_, n)| **n >= MIN_RULE_SUPPORT).collect();
        order.sort_by(|a, b| b.1.cmp(a.1).then(name(a.0).cmp(&name(b.0))));
        for (b, n) in order {
            let then = name(b);
            if then.starts_with("GET ") {
                continue;
            }
            // The most specific predecessors first: those that occur least often overall.
            let mut held: Vec<u32> = self.preceded.get(b).into_iter().flatten().filter(|(_, m)| *m == n).map(|(a, _)| *a).collect();
            held.sort_by_key(|a| (self.occurrences.get(a).copied().unwrap_or(0), name(a)));
            for a in held.into_iter().take(2) {
                let rule = SequenceRule { before: Some(name(&a)), then: Some(then.clone()), within_s: Some(DEFAULT_WITHIN_S), action: RuleAction::Flag, ..Default::default() };
                rules.push((rule, *n));
            }
            if let Some(r) = self.runs.get(b) {
                let max = u32::from(*r).saturating_mul(2).max(3);
                rules.push((SequenceRule { endpoint: Some(then.clone()), max_in_a_row: Some(max), action: RuleAction::Flag, ..Default::default() }, *n));
            }
        }
        SequenceReport { sessions: self.sessions, sequences, rules }
    }
}

/// Occurrences of an endpoint before a rule about it is suggested.
const MIN_RULE_SUPPORT: u64 = 20;

/// Seconds since the Unix epoch of an RFC 3339 time as Envoy logs it
/// (`2026-11-21T05:18:03.721Z`, or with a `+hh:mm` offset); `None` if it is not one.
pub fn parse_time(s: &str) -> Option<u32> {
    u32::try_from(crate::record::parse_time_ms(s)?.div_euclid(1000)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EndpointModel;
    use crate::observe::ObjectObs;

    fn obs(object: Option<u32>, sensitive: u32) -> Observations {
        let mut o = Observations { object: object.map(|id| ObjectObs { id, known: Some(true) }), ..Default::default() };
        if sensitive > 0 {
            o.sensitive.insert("email".into(), sensitive);
        }
        o
    }

    #[test]
    fn contexts_followed_often_are_kept_most_followed_first() {
        let mut l = SessionLearner::default();
        for c in 0..60u32 {
            let client = format!("c{c}");
            let t0 = 1_000_000 + c * 5;
            for (i, path) in ["/a", "/b", if c % 2 == 0 { "/c" } else { "/d" }, "/e"].iter().enumerate() {
                l.add(&client, t0 + i as u32, "GET", path, &obs(None, 0), 200);
            }
        }
        let mut model = Model::default();
        for t in ["/a", "/b", "/c", "/d", "/e"] {
            model.endpoints.push(EndpointModel::new("GET", t));
        }
        let (bm, _) = l.finish(&model, false);
        let after: Vec<Vec<&str>> = bm.contexts.iter().map(|c| c.after.iter().map(String::as_str).collect()).collect();
        // ^ /a /b is followed 60 times (by /c or /d); /a /b and ^ /a as well. /b /c is followed
        // only 30 times: left out.
        assert_eq!(after.len(), 3);
        assert!(after[..2].contains(&vec!["^", "GET /a"]) && after[..2].contains(&vec!["GET /a", "GET /b"]), "{after:?}");
        assert_eq!(after[2], ["^", "GET /a", "GET /b"], "a longer context after its suffixes");
        assert_eq!(bm.contexts[2].next, [("GET /c".to_string(), 30), ("GET /d".to_string(), 30)].into());
    }

    #[test]
    fn parses_envoy_times() {
        assert_eq!(parse_time("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_time("2026-11-21T05:18:03.721Z"), Some(1_795_238_283));
        assert_eq!(parse_time("2026-11-21T06:18:03+01:00"), Some(1_795_238_283));
        assert_eq!(parse_time("2026-13-21T05:18:03Z"), None);
        assert_eq!(parse_time("-"), None);
    }

    #[test]
    fn replays_sessions_into_the_behaviour_model() {
        let mut l = SessionLearner::default();
        for c in 0..30u32 {
            let client = format!("c{c}");
            let t0 = 1_000_000 + c * 5;
            // Ten users share an address (a NAT); three of all thirty mistype once.
            let from = Observations { address: Some(if c < 10 { 1 } else { 100 + c }), ..obs(None, 0) };
            l.add(&client, t0, "POST", "/login", &from, if c % 10 == 0 { 401 } else { 200 });
            l.add(&client, t0 + 1, "GET", "/accounts/{account_id}/balance", &obs(Some(c), 0), 200);
            l.add(&client, t0 + 2, "POST", "/transfers", &obs(None, 0), 201);
            l.add(&client, t0 + 3, "GET", "/users", &obs(None, 3), 200);
            l.add(&client, t0 + 4000, "GET", "/users", &obs(None, 2), 200);
        }
        let mut model = Model::default();
        for (m, t) in [("POST", "/login"), ("GET", "/accounts/{id}/balance"), ("POST", "/transfers"), ("GET", "/users")] {
            model.endpoints.push(EndpointModel::new(m, t));
        }
        let (bm, report) = l.finish(&model, true);
        assert_eq!((bm.clients, bm.sessions), (30, 60));
        assert_eq!(bm.transitions["^"]["POST /login"], 30);
        assert_eq!(bm.transitions["^"]["GET /users"], 30, "the late request starts a new session");
        assert_eq!(bm.transitions["POST /login"]["GET /accounts/{id}/balance"], 30, "names are the model's");
        assert_eq!(bm.rates["GET /users"].count, 60);
        assert_eq!((bm.objects.count, bm.objects.max), (30, 1));
        assert_eq!(bm.endpoint_objects["GET /accounts/{id}/balance"].count, 30, "per endpoint, named as the model names it");
        // 21 addresses: the NAT's one window had one failure, twenty single users' 0 or 1.
        assert_eq!((bm.address_auth_failures.count, bm.address_auth_failures.max), (21, 1));
        assert_eq!(bm.address_auth_failures.fraction_above(0), 3.0 / 21.0);
        // Every session is login -> balance -> transfers -> users: each longer context was
        // followed 30 times, under the 50 kept.
        assert!(bm.contexts.is_empty(), "{:?}", bm.contexts);
        assert_eq!(bm.provenance["GET /accounts/{id}/balance"].known, 30);
        assert_eq!((bm.auth_failures.count, bm.auth_failures.max), (30, 1));
        assert_eq!((bm.sensitive_per_minute.count, bm.sensitive_total), (60, 150));
        let report = report.unwrap();
        assert_eq!(report.sessions, 60);
        assert_eq!(report.sequences[0].sessions, 30);
        let rules: Vec<String> = report.rules.iter().map(|(r, _)| serde_json::to_string(r).unwrap()).collect();
        assert!(
            rules.contains(&r#"{"before":"GET /accounts/{id}/balance","then":"POST /transfers","within_s":600,"action":"flag"}"#.to_string()),
            "{rules:?}"
        );
    }
}
