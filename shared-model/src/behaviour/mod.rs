//! Client behaviour across requests: call sequences, rates, object enumeration and provenance
//! (BOLA), authentication failures and data volume.
//!
//! Each request looks normal on its own; the attack is in what one client does over many. The
//! per-client memory is a small fixed-size [`state::ClientState`] that the proxy stores (shared
//! data, compare-and-swap) and hands in with the time; this module scores one request against the
//! state and the learned [`BehaviourModel`] and updates the state. It never reads a clock or
//! touches storage, so the learner replays logs through the same steps ([`learn`]).
//!
//! Findings, each explained with the numbers behind it:
//! - `behaviour.sequence` (API6): a call never seen after the client's recent calls, judged in
//!   the most specific context the model knows well: up to the 8 previous operations (with the
//!   call, the last 9), the start of the session counting as one, backing off to shorter ones; a
//!   context counts once followed often enough, and its unseen calls only once it is closed
//!   (almost no continuation seen just once: Good-Turing);
//! - `behaviour.sequence_rule` (API6): a configured rule ([`rules`]) broken;
//! - `behaviour.rate` (API4): more requests to an endpoint in 10 minutes than the learned limit;
//! - `behaviour.enumeration` (API1): more distinct object ids on one id-bearing endpoint in 10
//!   minutes than that endpoint's learned limit (all endpoints' when it has few sessions);
//! - `behaviour.provenance` (API1): an object id never returned to the client and not its own, on an
//!   endpoint where clients (almost) always ask for ids they were given;
//! - `behaviour.auth_failures` (API2): more failed logins in 10 minutes than the learned limit, per
//!   client and per source address ([`address`]);
//! - `behaviour.data_volume` (API3): more sensitive values in a minute than the population.
//!
//! Limits are the learned quantile at the model's false-positive budget, widened (x1.5, plus a
//! floor) because a few dozen sessions say little about the tail; a finding is high severity
//! (enough to flag) once the count is twice the limit.

pub mod address;
pub mod learn;
pub mod rules;
pub mod state;

use crate::finding::{Finding, Owasp, Severity};
use crate::model::{BehaviourModel, Model};
use crate::sketch::Sketch;
use address::{AddressState, Attempts};
use rules::{Rule, RuleAction};
use state::{context_hash, endpoint_key, ClientState, Context, Finished, Seen, Step, CONTEXT_SEED, START};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// Maps keyed by endpoint keys or context hashes, which are already hashes: a multiply spreads
/// them, no SipHash (these lookups run on every request).
type KeyMap<V, K = u32> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// Sessions (or client-minutes) a distribution needs before it is used.
pub const MIN_SESSIONS: u64 = 20;
/// Learned continuations of a context before an unseen one is reported (and before the learner
/// keeps a context longer than one operation).
pub const MIN_TRANSITIONS: u64 = 50;
/// Least headroom over the learned quantile ([`Limit::of`]): requests to one endpoint and
/// distinct objects on one endpoint per window, failed logins per client session and per address
/// window, sensitive values per client-minute.
pub const RATE_FLOOR: u64 = 5;
pub const OBJECTS_FLOOR: u64 = 5;
pub const AUTH_FLOOR: u64 = 3;
pub const ADDRESS_AUTH_FLOOR: u64 = 5;
const DATA_FLOOR: u64 = 20;
/// Failed logins per 10 minutes tolerated when nothing was learned.
const DEFAULT_AUTH_LIMIT: u64 = 10;
/// Share of an endpoint's requests that named a known object for provenance to be enforced.
const PROVENANCE_SHARE: f64 = 0.99;
/// Name of [`START`] in transition tables.
pub const START_NAME: &str = "^";

/// A recommended upper limit derived from a learned per-session distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    /// The quantile at `1 - target_fpr`.
    pub quantile: u64,
    pub limit: u64,
    /// Sessions (or client-minutes) behind it.
    pub samples: u64,
    /// Grows with the samples: 0.5 at 30, 0.9 at 270.
    pub confidence: f64,
}

impl Limit {
    /// `None` below [`MIN_SESSIONS`] samples. `floor` is the least headroom over the quantile.
    pub fn of(s: &Sketch, fpr: f64, floor: u64) -> Option<Limit> {
        if s.count < MIN_SESSIONS {
            return None;
        }
        let quantile = s.quantile(1.0 - fpr);
        Some(Limit {
            p50: s.quantile(0.5),
            p90: s.quantile(0.9),
            p99: s.quantile(0.99),
            quantile,
            limit: ((quantile as f64 * 1.5).ceil() as u64).max(quantile + floor),
            samples: s.count,
            confidence: s.count as f64 / (s.count + 30) as f64,
        })
    }

    /// Severity and confidence of `v` when it is over the limit: high from twice the limit.
    fn exceeded(&self, v: u64) -> Option<(Severity, f64)> {
        (v > self.limit).then(|| {
            let ratio = v as f64 / self.limit.max(1) as f64;
            let conf = (0.7 + 0.1 * ratio.ln()).min(0.95) * (0.75 + 0.25 * self.confidence);
            (if ratio >= 2.0 { Severity::High } else { Severity::Medium }, conf)
        })
    }
}

#[derive(Debug, Default)]
struct Successors {
    total: u64,
    /// Distinct successors seen once (Good-Turing: the chance the next one is new).
    once: u64,
    next: KeyMap<u64>,
    top: Option<(u32, u64)>,
}

impl Successors {
    fn of(next: &std::collections::BTreeMap<String, u64>, key: &mut impl FnMut(&str) -> u32) -> Successors {
        let mut s = Successors::default();
        for (to, n) in next {
            let k = key(to);
            s.total += n;
            s.once += u64::from(*n == 1);
            if s.top.is_none_or(|(_, m)| *n > m) {
                s.top = Some((k, *n));
            }
            s.next.insert(k, *n);
        }
        s
    }
}

#[derive(Debug)]
enum CompiledRule {
    Precedes { before: u32, then: u32, within_s: u32, action: RuleAction, index: usize },
    MaxInARow { endpoint: u32, max: u8, action: RuleAction, index: usize },
}

/// One request as behaviour scoring sees it.
#[derive(Debug, Clone)]
pub struct Call<'a> {
    pub step: Step,
    /// `METHOD template`, for explanations.
    pub name: &'a str,
    /// A login endpoint ([`is_login`]): failures count as authentication failures.
    pub login: bool,
}

/// The response side of a call.
#[derive(Debug, Clone, Copy)]
pub struct Outcome<'a> {
    pub status: u16,
    pub sensitive: u32,
    /// Keyed hashes of the object ids the response returned.
    pub returned: &'a [u64],
}

/// A compiled [`BehaviourModel`] plus the sequence rules.
#[derive(Debug, Default)]
pub struct Behaviour {
    fpr: f64,
    names: KeyMap<String>,
    /// By context hash ([`state::context_hash`]): one operation (or the start) and longer.
    contexts: KeyMap<Successors, u64>,
    rates: KeyMap<Limit>,
    /// Distinct objects on one endpoint: any endpoint's, and each endpoint's with enough sessions.
    objects: Option<Limit>,
    endpoint_objects: KeyMap<Limit>,
    provenance: KeyMap<(u64, f64)>,
    auth: Option<Limit>,
    address_auth: Option<Limit>,
    data: Option<(Limit, f64, Sketch)>,
    rules: Vec<CompiledRule>,
}

impl Behaviour {
    /// `resolve` names a rule's (method, template) as the exchange will be named (the model's
    /// template it matches, if any).
    pub fn new(model: Option<&Model>, rules: &[Rule], resolve: impl Fn(&str, &str) -> String) -> Behaviour {
        let fpr = model.map_or(crate::model::DEFAULT_TARGET_FPR, |m| m.calibration.target_fpr);
        let mut b = Behaviour { fpr, ..Default::default() };
        let key = |m: &str, t: &str| endpoint_key(&resolve(m, t));
        b.rules = rules
            .iter()
            .enumerate()
            .map(|(index, r)| match r {
                Rule::Precedes { before, then, within_s, action } => {
                    CompiledRule::Precedes { before: key(&before.0, &before.1), then: key(&then.0, &then.1), within_s: *within_s, action: *action, index }
                }
                Rule::MaxInARow { endpoint, max, action } => CompiledRule::MaxInARow { endpoint: key(&endpoint.0, &endpoint.1), max: *max, action: *action, index },
            })
            .collect();
        for r in rules {
            let names: Vec<&(String, String)> = match r {
                Rule::Precedes { before, then, .. } => vec![before, then],
                Rule::MaxInARow { endpoint, .. } => vec![endpoint],
            };
            for (m, t) in names {
                let name = resolve(m, t);
                b.names.insert(endpoint_key(&name), name);
            }
        }
        if let Some(bm) = model.and_then(|m| m.behaviour.as_ref()) {
            b.learned(bm);
        }
        b
    }

    fn learned(&mut self, bm: &BehaviourModel) {
        let fpr = self.fpr;
        let mut key = |name: &str| {
            if name == START_NAME {
                return START;
            }
            let k = endpoint_key(name);
            self.names.entry(k).or_insert_with(|| name.to_string());
            k
        };
        let mut contexts = KeyMap::default();
        for (from, next) in &bm.transitions {
            let h = context_hash(CONTEXT_SEED, key(from));
            contexts.insert(h, Successors::of(next, &mut key));
        }
        for c in &bm.contexts {
            // Stored oldest first; hashed most recent first, as the state gives them.
            let h = c.after.iter().rev().fold(CONTEXT_SEED, |h, name| context_hash(h, key(name)));
            contexts.insert(h, Successors::of(&c.next, &mut key));
        }
        let rates = bm.rates.iter().filter_map(|(e, s)| Some((key(e), Limit::of(s, fpr, RATE_FLOOR)?))).collect();
        let endpoint_objects = bm.endpoint_objects.iter().filter_map(|(e, s)| Some((key(e), Limit::of(s, fpr, OBJECTS_FLOOR)?))).collect();
        let provenance = bm
            .provenance
            .iter()
            .map(|(e, p)| (key(e), (p.requests, p.known as f64 / p.requests.max(1) as f64)))
            .collect();
        self.contexts = contexts;
        self.rates = rates;
        self.provenance = provenance;
        self.objects = Limit::of(&bm.objects, fpr, OBJECTS_FLOOR);
        self.endpoint_objects = endpoint_objects;
        self.auth = Limit::of(&bm.auth_failures, fpr, AUTH_FLOOR);
        self.address_auth = Limit::of(&bm.address_auth_failures, fpr, ADDRESS_AUTH_FLOOR);
        let minutes = bm.sensitive_per_minute.count;
        self.data = Limit::of(&bm.sensitive_per_minute, fpr, DATA_FLOOR)
            .map(|l| (l, bm.sensitive_total as f64 / minutes.max(1) as f64, bm.sensitive_per_minute.clone()));
    }

    fn name(&self, key: u32) -> &str {
        if key == START {
            return "the start of a session";
        }
        self.names.get(&key).map_or("(an endpoint outside the model)", String::as_str)
    }

    /// The request side: checks the rules against the history, records the call in `state`, and
    /// scores the sequence, the rate, enumeration and provenance.
    pub fn request(&self, state: &mut ClientState, call: &Call, out: &mut Vec<Finding>) -> Seen {
        let step = call.step;
        let mut broken = Vec::new();
        for r in &self.rules {
            if let CompiledRule::Precedes { before, then, within_s, action, index } = r {
                if *then == step.endpoint && !state.preceded_by(*before, step.now, *within_s) {
                    broken.push((*action, *index, format!("{} without {} in the previous {within_s} s", call.name, self.name(*before))));
                }
            }
        }
        let context = state.context(step.now);
        let seen = state.begin(&step);
        if call.login {
            self.prior_failures(auth_limit(self.auth), state.auth_failures(), "client", call, out);
        }
        for r in &self.rules {
            if let CompiledRule::MaxInARow { endpoint, max, action, index } = r {
                if *endpoint == step.endpoint && seen.run > *max {
                    broken.push((*action, *index, format!("{} called {} times in a row; the rule allows {max}", call.name, seen.run)));
                }
            }
        }
        for (action, index, why) in broken {
            let (sev, conf) = match action {
                RuleAction::Flag => (Severity::High, 0.9),
                RuleAction::Block => (Severity::Critical, 0.95),
            };
            out.push(
                Finding::new("behaviour.sequence_rule", Owasp::Api6, sev, conf, "sequence", format!("policies.sequences[{index}]"))
                    .with_detail(format!("{why} (policies.sequences[{index}])")),
            );
        }
        if !seen.repeat {
            self.score_sequence(&context, &step, call.name, out);
        }
        if let Some((l, (sev, conf))) = self.rates.get(&step.endpoint).and_then(|l| Some((l, l.exceeded(u64::from(seen.endpoint_count))?))) {
            out.push(
                Finding::new("behaviour.rate", Owasp::Api4, sev, conf, "client", format!("{} requests / 10 min", seen.endpoint_count)).with_detail(format!(
                    "this client made {} requests to {} within 10 minutes; the recommended limit is {} (sessions' maximum: p50 {}, p99 {}, over {} sessions)",
                    seen.endpoint_count, call.name, l.limit, l.p50, l.p99, l.samples
                )),
            );
        }
        if step.object.is_some() {
            let (limit, there) = match self.endpoint_objects.get(&step.endpoint) {
                Some(l) => (Some(l), "there"),
                None => (self.objects.as_ref(), "from any one endpoint"),
            };
            let n = seen.endpoint_objects;
            if let Some((l, (sev, conf))) = limit.and_then(|l| Some((l, l.exceeded(u64::from(n))?))) {
                out.push(
                    Finding::new("behaviour.enumeration", Owasp::Api1, sev, conf, "path", format!("{n} objects / 10 min")).with_detail(format!(
                        "this client requested {n} different objects from {} within 10 minutes; clients request at most {} {there} (p50 {}, over {} sessions; limit {}) - walking through ids?",
                        call.name, l.quantile, l.p50, l.samples, l.limit
                    )),
                );
            }
        }
        if seen.known == Some(false) {
            if let Some((n, share)) = self.provenance.get(&step.endpoint).filter(|(n, share)| *n >= MIN_SESSIONS && *share >= PROVENANCE_SHARE) {
                out.push(
                    Finding::new("behaviour.provenance", Owasp::Api1, Severity::High, 0.75, "path", "object not returned to this client").with_detail(format!(
                        "{} asked for an object that no earlier response returned to this client and that is not its own; {:.1}% of {n} learned requests here named objects the client had been given",
                        call.name,
                        share * 100.0
                    )),
                );
            }
        }
        seen
    }

    /// Scores a call after its context, shortest suffix first: the longest suffix that was
    /// followed often enough, is closed and never led to this endpoint is reported (a call never
    /// seen after a context was never seen after its longer ones either). A suffix the model does
    /// not hold has no longer one either: the learner keeps the most followed contexts.
    fn score_sequence(&self, context: &Context, step: &Step, name: &str, out: &mut Vec<Finding>) {
        let mut h = CONTEXT_SEED;
        let mut unseen = None;
        for (i, k) in context.keys().iter().enumerate() {
            h = context_hash(h, *k);
            let Some(s) = self.contexts.get(&h).filter(|s| s.total >= MIN_TRANSITIONS) else { break };
            if !s.next.contains_key(&step.endpoint) && s.once as f64 / s.total as f64 <= 0.01 {
                unseen = Some((i + 1, s));
            }
        }
        let Some((n, s)) = unseen else { return };
        let keys = context.keys().get(..n).unwrap_or_default();
        let usual = s.top.map_or(String::new(), |(k, c)| format!("; it is usually followed by {} ({:.0}%)", self.name(k), c as f64 * 100.0 / s.total as f64));
        out.push(
            Finding::new("behaviour.sequence", Owasp::Api6, Severity::Medium, 0.6, "sequence", format!("{} -> {name}", self.name(context.prev()))).with_detail(format!(
                "{name} {} was never seen in {} learned continuations{usual}",
                self.after(keys),
                s.total
            )),
        );
    }

    /// A context in words, oldest call first: "right after A", "after A -> B (the session's first
    /// 2 calls)", "at the start of a session".
    fn after(&self, keys: &[u32]) -> String {
        let (calls, start) = match keys.split_last() {
            Some((&START, calls)) => (calls, true),
            _ => (keys, false),
        };
        let path = calls.iter().rev().map(|k| self.name(*k)).collect::<Vec<_>>().join(" -> ");
        match (calls.len(), start) {
            (0, _) => "at the start of a session".to_string(),
            (1, false) => format!("right after {path}"),
            (1, true) => format!("right after {path} (the session's first call)"),
            (n, false) => format!("after {path} (the last {n} calls)"),
            (n, true) => format!("after {path} (the session's first {n} calls)"),
        }
    }

    /// The response side: counts an authentication failure and sensitive values, remembers the
    /// object ids returned, and scores failed logins and data volume.
    pub fn response(&self, state: &mut ClientState, call: &Call, outcome: &Outcome, out: &mut Vec<Finding>) -> Finished {
        let failed = call.login && matches!(outcome.status, 401 | 403);
        let fin = state.finish(call.step.now, failed, outcome.sensitive, outcome.returned);
        if failed {
            let limit = auth_limit(self.auth);
            if let Some((sev, conf)) = limit.exceeded(u64::from(fin.window_auth_failures)) {
                out.push(
                    Finding::new("behaviour.auth_failures", Owasp::Api2, sev, conf, "client", format!("{} failures / 10 min", fin.window_auth_failures))
                        .with_detail(format!(
                            "{} failed logins from this client within 10 minutes on {}; the limit is {} ({} sessions learned) - credential stuffing or brute force?",
                            fin.window_auth_failures, call.name, limit.limit, limit.samples
                        )),
                );
            }
        }
        if outcome.sensitive > 0 {
            if let Some((l, mean, sketch)) = &self.data {
                let v = u64::from(fin.minute_sensitive);
                if let Some((sev, conf)) = l.exceeded(v) {
                    let share = (1.0 - sketch.fraction_above(v)) * 100.0;
                    out.push(
                        Finding::new("behaviour.data_volume", Owasp::Api3, sev, conf, "response.body", format!("{v} sensitive values / min")).with_detail(format!(
                            "this client received {v} sensitive values in a minute, more than {} of clients; the average is {mean:.1}",
                            percent(share)
                        )),
                    );
                }
            }
        }
        fin
    }

    /// A login attempt's response counted against its source address ([`address`]): reports the
    /// address once its failures pass the per-address limit while most of its attempts fail.
    pub fn login_attempt(&self, state: &mut AddressState, call: &Call, status: u16, out: &mut Vec<Finding>) -> Attempts {
        let failed = call.login && matches!(status, 401 | 403);
        let a = state.attempt(call.step.now, failed);
        if !failed || !a.mostly_failing() {
            return a;
        }
        let limit = auth_limit(self.address_auth);
        if let Some((sev, conf)) = limit.exceeded(u64::from(a.failures)) {
            out.push(
                Finding::new("behaviour.auth_failures", Owasp::Api2, sev, conf, "address", format!("{} failures / 10 min from one address", a.failures)).with_detail(
                    format!(
                        "{} failed logins from this client's address within 10 minutes on {} ({} of its {} login attempts), whichever identity each presented; the limit per address is {} ({} address windows learned) - credential stuffing or brute force?",
                        a.failures, call.name, a.failures, a.attempts, limit.limit, limit.samples
                    ),
                ),
            );
        }
        a
    }
}

/// Times the failed-login limit from which a further attempt is critical (blocked in block mode).
const LOCKOUT_RATIO: u64 = 4;

impl Behaviour {
    /// A login attempt from a client or an address that already failed more than its limit in
    /// this window, reported on the request side: the login endpoint receives the verdict header
    /// before it checks the password, and from [`LOCKOUT_RATIO`] times the limit the attempt is
    /// critical, so block mode answers 403 until the window ends (a lockout).
    fn prior_failures(&self, limit: Limit, failures: u16, who: &str, call: &Call, out: &mut Vec<Finding>) {
        let (n, lockout) = (u64::from(failures), LOCKOUT_RATIO * limit.limit.max(1));
        let Some((sev, conf)) = limit.exceeded(n) else { return };
        let (sev, conf) = if n >= lockout { (Severity::Critical, 0.95) } else { (sev, conf) };
        let from = if who == "address" { "from this client's address, whichever identity each presented" } else { "by this client" };
        out.push(
            Finding::new("behaviour.auth_failures", Owasp::Api2, sev, conf, who, format!("{n} failures / 10 min before this attempt")).with_detail(format!(
                "this login attempt on {} follows {n} failed logins {from} within 10 minutes; the limit is {} ({} learned), and from {} the attempts are refused in block mode until the window ends - credential stuffing or brute force?",
                call.name,
                limit.limit,
                limit.samples,
                lockout
            )),
        );
    }

    /// The request side of a login attempt against its source address's window so far (see
    /// [`Behaviour::prior_failures`]); a NAT whose logins mostly succeed is left alone.
    pub fn address_request(&self, state: &AddressState, call: &Call, out: &mut Vec<Finding>) {
        if let Some(a) = state.so_far(call.step.now).filter(Attempts::mostly_failing) {
            self.prior_failures(auth_limit(self.address_auth), a.failures, "address", call, out);
        }
    }
}

/// The failed-login limit learned, or [`DEFAULT_AUTH_LIMIT`].
fn auth_limit(learned: Option<Limit>) -> Limit {
    learned.unwrap_or(Limit { p50: 0, p90: 0, p99: 0, quantile: DEFAULT_AUTH_LIMIT, limit: DEFAULT_AUTH_LIMIT, samples: 0, confidence: 0.5 })
}

/// `99.994` -> `99.99%`: as many decimals as it takes to stay below 100.
fn percent(share: f64) -> String {
    for d in 0..4 {
        let s = format!("{share:.d$}");
        if s.parse::<f64>().is_ok_and(|v| v < 100.0) {
            return format!("{s}%");
        }
    }
    "99.99%".to_string()
}

/// Login endpoints: a `POST` whose path has a login-like segment.
pub fn is_login(method: &str, template: &str) -> bool {
    const WORDS: &[&str] = &["login", "signin", "sign-in", "sign_in", "logon", "authenticate", "auth", "token", "session", "sessions"];
    method == "POST" && template.split('/').any(|s| WORDS.iter().any(|w| s.eq_ignore_ascii_case(w)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Provenance;
    use state::WINDOW_S;

    fn model(bm: BehaviourModel) -> Model {
        Model { behaviour: Some(bm), ..Default::default() }
    }

    fn sketch(values: impl IntoIterator<Item = u64>) -> Sketch {
        let mut s = Sketch::default();
        for v in values {
            s.add(v);
        }
        s
    }

    fn call(now: u32, name: &str, object: Option<u64>) -> Call<'_> {
        Call { step: Step { now, endpoint: endpoint_key(name), object }, name, login: name.contains("login") }
    }

    fn kinds(f: &[Finding]) -> Vec<&str> {
        f.iter().map(|f| f.kind.as_ref()).collect()
    }

    #[test]
    fn precedence_and_run_rules() {
        let r = rules::check(&serde_json::from_str::<Vec<rules::SequenceRule>>(
            r#"[{"before":"GET /balance","then":"POST /transfers","within_s":60},{"endpoint":"POST /transfers","max_in_a_row":2,"action":"block"}]"#,
        ).unwrap())
        .unwrap();
        let b = Behaviour::new(None, &r, |m, t| format!("{m} {t}"));
        let mut s = ClientState::new(1, 0);
        let mut out = Vec::new();
        b.request(&mut s, &call(10, "POST /transfers", None), &mut out);
        assert_eq!(kinds(&out), ["behaviour.sequence_rule"]);
        assert!(out[0].detail.as_deref().unwrap().contains("without GET /balance"), "{:?}", out[0].detail);
        out.clear();
        b.request(&mut s, &call(20, "GET /balance", None), &mut out);
        b.request(&mut s, &call(30, "POST /transfers", None), &mut out);
        b.request(&mut s, &call(31, "POST /transfers", None), &mut out);
        assert!(out.is_empty(), "{out:?}");
        b.request(&mut s, &call(32, "POST /transfers", None), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Critical, "a block rule");
        out.clear();
        b.request(&mut s, &call(200, "POST /transfers", None), &mut out);
        assert!(out.iter().any(|f| f.detail.as_deref().unwrap_or("").contains("previous 60 s")), "balance too long ago: {out:?}");
    }

    #[test]
    fn learned_limits_flag_rates_enumeration_provenance() {
        let mut bm = BehaviourModel::default();
        bm.rates.insert("GET /search".into(), sketch((0..100).map(|i| 1 + i % 4)));
        bm.objects = sketch((0..100).map(|i| 1 + i % 3));
        bm.provenance.insert("GET /accounts/{account_id}".into(), Provenance { requests: 500, known: 500 });
        let b = Behaviour::new(Some(&model(bm)), &[], |m, t| format!("{m} {t}"));
        let mut s = ClientState::new(1, 0);
        let mut out = Vec::new();
        for i in 0..30 {
            b.request(&mut s, &call(10 + i, "GET /search", None), &mut out);
        }
        let rate: Vec<&Finding> = out.iter().filter(|f| f.kind == "behaviour.rate").collect();
        assert!(!rate.is_empty() && rate.len() < 30, "{}", rate.len());
        assert_eq!(rate.last().unwrap().severity, Severity::High);
        out.clear();
        s.finish(100, false, 0, &[1]);
        for i in 0..20u64 {
            b.request(&mut s, &call(100, "GET /accounts/{account_id}", Some(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))), &mut out);
        }
        assert!(kinds(&out).contains(&"behaviour.enumeration"), "{out:?}");
        assert!(kinds(&out).contains(&"behaviour.provenance"));
        out.clear();
        s.finish(100, false, 0, &[4242]);
        b.request(&mut s, &call(101, "GET /accounts/{account_id}", Some(4242)), &mut out);
        assert!(!kinds(&out).contains(&"behaviour.provenance"), "a returned id is known");
    }

    #[test]
    fn unseen_transition_is_reported_with_the_usual_one() {
        let mut bm = BehaviourModel::default();
        bm.transitions.insert("^".into(), [("POST /login".to_string(), 90u64), ("GET /me".to_string(), 10)].into());
        let b = Behaviour::new(Some(&model(bm)), &[], |m, t| format!("{m} {t}"));
        let mut out = Vec::new();
        b.request(&mut ClientState::new(1, 0), &call(5, "POST /transfers", None), &mut out);
        assert_eq!(kinds(&out), ["behaviour.sequence"]);
        let d = out[0].detail.as_deref().unwrap();
        assert!(d.contains("at the start of a session") && d.contains("POST /login (90%)"), "{d}");
        out.clear();
        b.request(&mut ClientState::new(1, 0), &call(5, "POST /login", None), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn auth_failures_and_data_volume() {
        let mut bm = BehaviourModel::default();
        bm.auth_failures = sketch((0..100).map(|i| i % 2));
        bm.sensitive_per_minute = sketch((0..1000).map(|i| 5 + i % 10));
        bm.sensitive_total = (0..1000).map(|i| 5 + i % 10).sum();
        let b = Behaviour::new(Some(&model(bm)), &[], |m, t| format!("{m} {t}"));
        let mut s = ClientState::new(1, 0);
        let mut out = Vec::new();
        for i in 0..12 {
            let c = call(10 + i, "POST /login", None);
            b.request(&mut s, &c, &mut Vec::new());
            b.response(&mut s, &c, &Outcome { status: 401, sensitive: 0, returned: &[] }, &mut out);
        }
        assert!(kinds(&out).contains(&"behaviour.auth_failures"), "{out:?}");
        out.clear();
        let c = call(30, "GET /users", None);
        b.response(&mut s, &c, &Outcome { status: 200, sensitive: 413, returned: &[] }, &mut out);
        assert_eq!(kinds(&out), ["behaviour.data_volume"]);
        let d = out[0].detail.as_deref().unwrap();
        assert!(d.contains("received 413 sensitive values in a minute, more than 99") && d.contains("the average is 9.5"), "{d}");
    }

    #[test]
    fn a_login_after_too_many_failures_is_reported_before_the_upstream_and_locked_out_from_four_times_the_limit() {
        // No model: the default limit (10 failures in 10 minutes).
        let b = Behaviour::new(None, &[], |m, t| format!("{m} {t}"));
        let mut s = ClientState::new(1, 0);
        let mut severities = Vec::new();
        for i in 0..45 {
            let c = call(10 + i, "POST /login", None);
            let mut before = Vec::new();
            b.request(&mut s, &c, &mut before);
            let f: Vec<&Finding> = before.iter().filter(|f| f.kind == "behaviour.auth_failures").collect();
            severities.push(f.first().map(|f| f.severity));
            b.response(&mut s, &c, &Outcome { status: 401, sensitive: 0, returned: &[] }, &mut Vec::new());
        }
        assert!(severities[..11].iter().all(Option::is_none), "up to the limit nothing is said before the response: {severities:?}");
        assert_eq!(severities[11], Some(Severity::Medium), "11 failures so far: over the limit");
        assert_eq!(severities[20], Some(Severity::High), "twice the limit");
        assert_eq!(severities[40], Some(Severity::Critical), "four times the limit: locked out");
        let mut before = Vec::new();
        b.request(&mut s, &call(60, "POST /login", None), &mut before);
        let d = before[0].detail.as_deref().unwrap_or("");
        assert!(d.starts_with("this login attempt on POST /login follows 45 failed logins by this client within 10 minutes"), "{d}");
        // A new window starts clean; other endpoints are never checked.
        let mut later = Vec::new();
        b.request(&mut s, &call(10 + WINDOW_S, "POST /login", None), &mut later);
        assert!(later.iter().all(|f| f.kind != "behaviour.auth_failures"), "{later:?}");
        let mut other = Vec::new();
        b.request(&mut s, &call(20, "GET /users", None), &mut other);
        assert!(other.iter().all(|f| f.kind != "behaviour.auth_failures"), "{other:?}");
    }

    #[test]
    fn an_address_failing_logins_is_reported_before_the_upstream() {
        let b = Behaviour::new(None, &[], |m, t| format!("{m} {t}"));
        let mut a = AddressState::new(5, 100);
        for i in 0..12 {
            b.login_attempt(&mut a, &call(100 + i, LOGIN, None), 401, &mut Vec::new());
        }
        let mut out = Vec::new();
        b.address_request(&a, &call(120, LOGIN, None), &mut out);
        assert_eq!(kinds(&out), ["behaviour.auth_failures"]);
        assert_eq!(out[0].location, "address");
        // A NAT whose logins mostly succeed, and a closed window: nothing.
        let mut nat = AddressState::new(6, 100);
        for i in 0..100u32 {
            b.login_attempt(&mut nat, &call(100 + i, LOGIN, None), if i % 4 == 0 { 401 } else { 200 }, &mut Vec::new());
        }
        let mut out = Vec::new();
        b.address_request(&nat, &call(200, LOGIN, None), &mut out);
        b.address_request(&a, &call(100 + WINDOW_S, LOGIN, None), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    /// A deterministic generator (xorshift).
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    const LOGIN: &str = "POST /login";
    const ME: &str = "GET /me";
    const ACCOUNTS: &str = "GET /accounts";
    const ACCOUNT: &str = "GET /accounts/{account_id}";
    const BALANCE: &str = "GET /accounts/{account_id}/balance";
    const CARDS: &str = "GET /accounts/{account_id}/cards";
    const SEARCH: &str = "GET /search";
    const TRANSFER: &str = "POST /transfers";
    const PRODUCT: &str = "GET /products/{product_id}";

    /// A banking app's session: log in, the profile, some browsing of the user's own accounts
    /// (ids `base..base+3`) and searches, a product catalogue read widely, and at most one transfer
    /// (after a balance), followed by a look at the accounts or a search.
    fn banking_session(rng: &mut Rng, base: u32) -> Vec<(&'static str, Option<u32>)> {
        let mut s = vec![(LOGIN, None), (ME, None)];
        let own = |rng: &mut Rng| Some(base + rng.below(3) as u32);
        for _ in 0..1 + rng.below(4) {
            match rng.below(5) {
                0 => s.push((ACCOUNTS, None)),
                1 => {
                    let id = own(rng);
                    s.extend([(ACCOUNT, id), (BALANCE, id)]);
                    if rng.below(2) == 0 {
                        s.push((CARDS, id));
                    }
                }
                2 => s.push((SEARCH, None)),
                3 => s.extend((0..1 + rng.below(25)).map(|i| (PRODUCT, Some(900_000 + rng.below(5000) as u32 + i as u32)))),
                _ => s.push((ME, None)),
            }
        }
        if rng.below(2) == 0 {
            let id = own(rng);
            s.extend([(BALANCE, id), (TRANSFER, None), (ME, None)]);
            s.push(if rng.below(2) == 0 { (ACCOUNTS, None) } else { (SEARCH, None) });
        }
        s
    }

    /// Replays sessions, one client each, through the learner and compiles its model.
    fn learned(sessions: &[Vec<(&str, Option<u32>)>]) -> Behaviour {
        let mut l = learn::SessionLearner::default();
        let mut names = std::collections::BTreeSet::new();
        for (c, session) in sessions.iter().enumerate() {
            let t0 = 1_000_000 + c as u32 * 3;
            for (i, (name, object)) in session.iter().enumerate() {
                let (m, t) = name.split_once(' ').unwrap();
                names.insert((m, t));
                let obs = crate::observe::Observations { object: object.map(|id| crate::observe::ObjectObs { id, known: Some(true) }), ..Default::default() };
                l.add(&format!("c{c}"), t0 + i as u32, m, t, &obs, 200);
            }
        }
        let mut m = Model::default();
        m.endpoints.extend(names.into_iter().map(|(me, t)| crate::model::EndpointModel::new(me, t)));
        let (bm, _) = l.finish(&m, false);
        Behaviour::new(Some(&model(bm)), &[], |m, t| format!("{m} {t}"))
    }

    /// Findings of one session scored from a fresh state (object ids hash as in the log).
    fn score(b: &Behaviour, session: &[(&str, Option<u32>)]) -> Vec<Finding> {
        let mut s = ClientState::new(1, 0);
        let mut out = Vec::new();
        for (i, (name, object)) in session.iter().enumerate() {
            let c = Call { step: Step { now: 5_000_000 + i as u32, endpoint: endpoint_key(name), object: object.map(u64::from) }, name, login: false };
            b.request(&mut s, &c, &mut out);
        }
        out
    }

    #[test]
    fn sequences_are_scored_after_the_recent_calls() {
        let mut rng = Rng(0x5eed_0001);
        let training: Vec<_> = (0..600).map(|u| banking_session(&mut rng, u * 10)).collect();
        let b = learned(&training);
        // Fresh users of the same app: ordinary navigation is left alone.
        let (mut calls, mut findings) = (0, Vec::new());
        for u in 0..300 {
            let s = banking_session(&mut rng, 50_000 + u * 10);
            calls += s.len();
            findings.extend(score(&b, &s).into_iter().filter(|f| f.kind == "behaviour.sequence"));
        }
        assert!(findings.len() * 200 <= calls, "{} of {calls} calls: {:?}", findings.len(), findings.first().map(|f| &f.detail));
        // A transfer replayed in a loop: each step is a common transition (GET /me is often
        // followed by a balance, a balance by a transfer), but nobody checks a balance again
        // right after a transfer and the profile.
        let replay = [(LOGIN, None), (ME, None), (BALANCE, Some(7)), (TRANSFER, None), (ME, None), (BALANCE, Some(7)), (TRANSFER, None), (ME, None), (BALANCE, Some(7)), (TRANSFER, None)];
        let out = score(&b, &replay);
        let seq: Vec<&Finding> = out.iter().filter(|f| f.kind == "behaviour.sequence").collect();
        assert!(!seq.is_empty(), "{out:?}");
        let d = seq[0].detail.as_deref().unwrap();
        assert!(d.starts_with("GET /accounts/{account_id}/balance after ") && d.contains("POST /transfers -> GET /me (the last"), "{d}");
        assert!(d.contains("never seen in") && d.contains("usually followed by"), "{d}");
        // The same steps once, as benign users do them, raise nothing.
        assert!(score(&b, &replay[..5]).iter().all(|f| f.kind != "behaviour.sequence"));
    }

    #[test]
    fn enumeration_is_judged_per_endpoint_against_its_learned_distribution() {
        let mut rng = Rng(0x5eed_0002);
        let training: Vec<_> = (0..400).map(|u| banking_session(&mut rng, u * 10)).collect();
        let b = learned(&training);
        let enumerations = |session: &[(&str, Option<u32>)]| score(&b, session).into_iter().filter(|f| f.kind == "behaviour.enumeration").collect::<Vec<_>>();
        // A user reading its own three accounts through three endpoints, several times.
        let own: Vec<_> = (0..3).flat_map(|_| (0..3u32).flat_map(|a| [(ACCOUNT, Some(77 + a)), (BALANCE, Some(77 + a)), (CARDS, Some(77 + a))])).collect();
        assert!(enumerations(&own).is_empty());
        // Browsing 30 catalogue products is what that endpoint sees.
        let products: Vec<_> = (0..30).map(|i| (PRODUCT, Some(400_000 + i * 7919))).collect();
        assert!(enumerations(&products).is_empty(), "{:?}", enumerations(&products));
        // The same count of account ids is a walk through other users' accounts.
        let walk: Vec<_> = (0..30).map(|i| (ACCOUNT, Some(300_000 + i * 17))).collect();
        let found = enumerations(&walk);
        assert!(found.len() >= 20, "{}", found.len());
        let d = found[0].detail.as_deref().unwrap();
        assert!(d.contains("different objects from GET /accounts/{account_id} within 10 minutes; clients request at most 3 there"), "{d}");
        assert_eq!(found.last().unwrap().severity, Severity::High);
    }

    #[test]
    fn failed_logins_count_per_address_unless_most_attempts_succeed() {
        let mut bm = BehaviourModel::default();
        bm.address_auth_failures = sketch((0..300).map(|i| u64::from(i % 50 == 0)));
        let b = Behaviour::new(Some(&model(bm)), &[], |m, t| format!("{m} {t}"));
        let login = call(100, LOGIN, None);
        // Stuffing: a new client (token, cookie, username) on every attempt, one address.
        let mut address = AddressState::new(5, 100);
        let mut out = Vec::new();
        for i in 0..30 {
            let mut client = ClientState::new(1000 + i, 100);
            let c = call(100 + i as u32, LOGIN, None);
            b.request(&mut client, &c, &mut Vec::new());
            let mut per_client = Vec::new();
            b.response(&mut client, &c, &Outcome { status: 401, sensitive: 0, returned: &[] }, &mut per_client);
            assert!(per_client.is_empty(), "one failure per client is nothing");
            b.login_attempt(&mut address, &c, 401, &mut out);
        }
        assert!(out.len() >= 20, "{}", out.len());
        assert_eq!(out.last().unwrap().severity, Severity::High);
        let d = out.last().unwrap().detail.as_deref().unwrap();
        assert!(d.starts_with("30 failed logins from this client's address within 10 minutes on POST /login (30 of its 30 login attempts)"), "{d}");
        assert!(d.contains("300 address windows learned"), "{d}");
        // A NAT: hundreds of users log in from one address, a few mistype.
        let mut nat = AddressState::new(6, 100);
        let mut out = Vec::new();
        for i in 0..400u32 {
            b.login_attempt(&mut nat, &call(100 + i, LOGIN, None), if i % 8 == 0 { 401 } else { 200 }, &mut out);
        }
        assert!(out.is_empty(), "{out:?}");
        // Without a model: the default limit.
        let b = Behaviour::new(None, &[], |m, t| format!("{m} {t}"));
        let mut a = AddressState::new(7, 0);
        let flagged = (0..12).filter(|i| {
            let mut out = Vec::new();
            b.login_attempt(&mut a, &login, 403, &mut out);
            let _ = i;
            !out.is_empty()
        });
        assert_eq!(flagged.count(), 2);
    }

    #[test]
    fn login_endpoints() {
        assert!(is_login("POST", "/api/v1/login"));
        assert!(is_login("POST", "/oauth/token"));
        assert!(!is_login("GET", "/api/v1/login"));
        assert!(!is_login("POST", "/api/v1/transfers"));
    }

    #[test]
    fn limits_follow_the_learned_distribution() {
        let l = Limit::of(&sketch((1..=100).map(|i| i % 10 + 1)), 0.001, 5).unwrap();
        assert_eq!((l.quantile, l.limit, l.samples), (10, 15, 100));
        assert!(l.confidence > 0.7);
        assert!(Limit::of(&sketch([1, 2]), 0.001, 5).is_none());
    }
}
