//! Cases: findings from access logs grouped into the units people act on.
//!
//! A finding is about either the API or a client, and is grouped that way:
//! - *client cases*: `attack.*` and `behaviour.*` findings of one client, across endpoints, one
//!   case per (client, family) (an enumeration walk over 200 ids is one case, not 200);
//! - *endpoint cases*: every other kind (`posture.*`, `sensitive.*`, `baseline.*`, ...), one case
//!   per (kind, endpoint), whoever the clients were.
//!
//! What joins a case: `posture.*` and `behaviour.*` findings always (they are detections by
//! themselves); other findings only on exchanges whose verdict was `flag` or `block`, and endpoint
//! findings there only at medium severity or above (an email in the answer to a SQL injection is
//! not a case of its own). A case stays open while its findings arrive within `window` of the
//! previous one; a longer gap starts a new case.
//!
//! Each case carries a stable id (a hash of its group and first time), the strongest severity,
//! OWASP ids, first and last seen, clients (the logged hashes), counts, a plain description (what
//! happened, compared with the population of these logs; why it matters; what to do) and the
//! evidence of its first exchanges, redacted: query values of credential-like parameters and of
//! parameters a sensitive-data finding named are masked, text is clipped and control characters
//! escaped. Pure: lines in, cases out; the CLI does the files.

use crate::client::HashKey;
use crate::finding::{Finding, Owasp, Severity};
use crate::posture::is_credential_param;
use crate::record::{format_time, Record};
use crate::verdict::Decision;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Paths in evidence are clipped to this many characters.
const PATH_CHARS: usize = 160;
/// Clients and endpoints listed per case (the counts hold the totals).
const LIST_MAX: usize = 20;

#[derive(Debug, Clone, Copy)]
pub struct CaseOptions {
    /// A gap longer than this (ms) between findings of one group starts a new case.
    pub window_ms: i64,
    /// Exchanges kept as evidence per case.
    pub evidence: usize,
}

impl Default for CaseOptions {
    fn default() -> Self {
        CaseOptions { window_ms: 10 * 60 * 1000, evidence: 3 }
    }
}

/// What a case is grouped by.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "by", rename_all = "lowercase")]
pub enum Group {
    /// One client's attack or behaviour findings (`family` is `attack` or `behaviour`).
    Client { client: String, family: String },
    /// One kind of finding on one endpoint (`METHOD template`).
    Endpoint { kind: String, endpoint: String },
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    pub exchanges: u64,
    pub findings: u64,
    /// Exchanges the filter blocked (enforced).
    pub blocked: u64,
    /// Response status -> exchanges.
    pub status: BTreeMap<u16, u64>,
    pub clients: usize,
    pub endpoints: usize,
    /// Distinct paths (without query): how far an enumeration walked.
    pub paths: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Description {
    pub what_happened: String,
    pub why_it_matters: String,
    pub what_to_do: String,
}

/// One exchange shown as evidence, redacted.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub time: String,
    pub request_id: String,
    pub client: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    pub verdict: Decision,
    pub findings: Vec<EvidenceFinding>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EvidenceFinding {
    pub kind: String,
    pub severity: Severity,
    pub location: String,
    pub evidence: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Case {
    pub id: String,
    pub title: String,
    /// Always `open`: the logs say what happened, a ticket system tracks what was done about it.
    pub status: &'static str,
    pub severity: Severity,
    pub confidence: f64,
    pub owasp: Vec<Owasp>,
    pub kinds: Vec<String>,
    pub group: Group,
    pub first_seen: String,
    pub last_seen: String,
    pub clients: Vec<String>,
    pub endpoints: Vec<String>,
    pub counts: Counts,
    pub description: Description,
    pub evidence: Vec<Evidence>,
}

/// Lines read, for the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CaseStats {
    pub lines: u64,
    pub malformed: u64,
    pub without_event: u64,
    /// Exchanges that contributed to at least one case.
    pub in_cases: u64,
}

/// One exchange's findings that join cases, kept until [`CaseBuilder::finish`] sorts by time.
struct Hit {
    record: Record,
    /// (group, findings of this exchange for that group)
    groups: Vec<(Group, Vec<Finding>)>,
}

/// Per-client and per-endpoint totals over all lines, to compare a case with everyone else.
#[derive(Default)]
struct Population {
    clients: HashMap<String, (u64, i64, i64)>,
    endpoints: HashMap<String, u64>,
}

/// Feed lines with [`CaseBuilder::add_line`], then [`CaseBuilder::finish`].
#[derive(Default)]
pub struct CaseBuilder {
    opts: CaseOptions,
    hits: Vec<Hit>,
    population: Population,
    pub stats: CaseStats,
}

/// A case being built.
struct Acc {
    group: Group,
    first: i64,
    last: i64,
    first_seen: String,
    last_seen: String,
    severity: Severity,
    confidence: f64,
    owasp: BTreeSet<Owasp>,
    kinds: BTreeSet<String>,
    clients: BTreeSet<String>,
    endpoints: BTreeSet<String>,
    paths: BTreeSet<String>,
    counts: Counts,
    evidence: Vec<Evidence>,
    /// The first finding's detail, for the description.
    detail: Option<String>,
}

impl CaseBuilder {
    pub fn new(opts: CaseOptions) -> CaseBuilder {
        CaseBuilder { opts, ..Default::default() }
    }

    pub fn add_line(&mut self, line: &str) {
        let line = line.trim();
        if line.is_empty() {
            return;
        }
        self.stats.lines += 1;
        match Record::parse(line) {
            Ok(r) => self.add(r),
            Err(_) => self.stats.malformed += 1,
        }
    }

    pub fn add(&mut self, record: Record) {
        let Some(event) = &record.event else {
            self.stats.without_event += 1;
            return;
        };
        let endpoint = record.endpoint();
        *self.population.endpoints.entry(endpoint.clone()).or_insert(0) += 1;
        let c = self.population.clients.entry(event.client.clone()).or_insert((0, record.time_ms, record.time_ms));
        *c = (c.0 + 1, c.1.min(record.time_ms), c.2.max(record.time_ms));
        let flagged = event.verdict.decision != Decision::Allow;
        let mut groups: Vec<(Group, Vec<Finding>)> = Vec::new();
        for f in &event.findings {
            let family = f.kind.split('.').next().unwrap_or("");
            let group = match family {
                "attack" | "behaviour" if flagged || family == "behaviour" => {
                    Group::Client { client: event.client.clone(), family: family.to_string() }
                }
                "attack" | "behaviour" => continue,
                "posture" => Group::Endpoint { kind: f.kind.to_string(), endpoint: endpoint.clone() },
                _ if flagged && f.severity >= Severity::Medium => Group::Endpoint { kind: f.kind.to_string(), endpoint: endpoint.clone() },
                _ => continue,
            };
            match groups.iter_mut().find(|(g, _)| *g == group) {
                Some((_, fs)) => fs.push(f.clone()),
                None => groups.push((group, vec![f.clone()])),
            }
        }
        if !groups.is_empty() {
            self.stats.in_cases += 1;
            self.hits.push(Hit { record, groups });
        }
    }

    /// The cases, strongest first (severity, then exchanges).
    pub fn finish(mut self) -> Vec<Case> {
        self.hits.sort_by_key(|h| h.record.time_ms);
        let mut accs: Vec<Acc> = Vec::new();
        let mut open: HashMap<Group, usize> = HashMap::new();
        for hit in &self.hits {
            for (group, findings) in &hit.groups {
                let t = hit.record.time_ms;
                let i = match open.get(group) {
                    Some(&i) if t - accs[i].last <= self.opts.window_ms => i,
                    _ => {
                        open.insert(group.clone(), accs.len());
                        accs.push(Acc::new(group.clone(), &hit.record));
                        accs.len() - 1
                    }
                };
                accs[i].add(&hit.record, findings, self.opts.evidence);
            }
        }
        let mut cases: Vec<Case> = accs.into_iter().map(|a| a.finish(&self.population)).collect();
        cases.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.counts.exchanges.cmp(&a.counts.exchanges)).then(a.first_seen.cmp(&b.first_seen)));
        cases
    }
}

impl Acc {
    fn new(group: Group, r: &Record) -> Acc {
        Acc {
            group,
            first: r.time_ms,
            last: r.time_ms,
            first_seen: r.start_time.clone(),
            last_seen: r.start_time.clone(),
            severity: Severity::Low,
            confidence: 0.0,
            owasp: BTreeSet::new(),
            kinds: BTreeSet::new(),
            clients: BTreeSet::new(),
            endpoints: BTreeSet::new(),
            paths: BTreeSet::new(),
            counts: Counts::default(),
            evidence: Vec::new(),
            detail: None,
        }
    }

    fn add(&mut self, r: &Record, findings: &[Finding], keep_evidence: usize) {
        self.last = r.time_ms;
        self.last_seen = r.start_time.clone();
        for f in findings {
            self.severity = self.severity.max(f.severity);
            self.confidence = self.confidence.max(f.confidence);
            self.owasp.insert(f.owasp);
            self.kinds.insert(f.kind.to_string());
            if self.detail.is_none() {
                // Posture findings carry only this exchange's facts; the why and the fix are by kind.
                self.detail = crate::posture::advice(&f.kind).map(str::to_string).or_else(|| f.detail.clone());
            }
        }
        self.clients.insert(r.client().to_string());
        self.endpoints.insert(r.endpoint());
        self.paths.insert(r.path.split('?').next().unwrap_or("").to_string());
        let c = &mut self.counts;
        c.exchanges += 1;
        c.findings += findings.len() as u64;
        c.blocked += u64::from(r.event.as_ref().is_some_and(|e| e.verdict.enforced));
        *c.status.entry(r.status).or_insert(0) += 1;
        if self.evidence.len() < keep_evidence {
            self.evidence.push(evidence(r, findings));
        }
    }

    fn finish(self, pop: &Population) -> Case {
        let mut counts = self.counts;
        (counts.clients, counts.endpoints, counts.paths) = (self.clients.len(), self.endpoints.len(), self.paths.len());
        let first_seen_key = format!("{:?}{}", self.group, self.first);
        let id = HashKey::new("vigil-case").hash_hex(first_seen_key.as_bytes());
        let owasp: Vec<Owasp> = self.owasp.into_iter().collect();
        let kinds: Vec<String> = self.kinds.into_iter().collect();
        let endpoints: Vec<String> = self.endpoints.into_iter().take(LIST_MAX).collect();
        let span_min = (self.last - self.first) as f64 / 60_000.0;
        let (title, what_happened) = match &self.group {
            Group::Client { client, family } => {
                let head = format!("{} by client {}", family_title(family, &kinds), short(client));
                let rate = counts.exchanges as f64 / span_min.max(1.0);
                let what = format!(
                    "client {client} sent {} flagged requests ({}) to {} endpoint(s) ({}) over {} distinct paths between {} and {}: {:.1} per minute. {} {}",
                    counts.exchanges,
                    kinds.join(", "),
                    counts.endpoints,
                    endpoints.join(", "),
                    counts.paths,
                    self.first_seen,
                    self.last_seen,
                    rate,
                    pop.client_comparison(client, rate),
                    self.detail.as_deref().map(sentence).unwrap_or_default(),
                );
                (head, what)
            }
            Group::Endpoint { kind, endpoint } => {
                let total = pop.endpoints.get(endpoint).copied().unwrap_or(counts.exchanges).max(1);
                let what = format!(
                    "{} of {} requests to {endpoint} ({:.1}%) showed {kind} between {} and {}, from {} client(s). {}",
                    counts.exchanges,
                    total,
                    100.0 * counts.exchanges as f64 / total as f64,
                    self.first_seen,
                    self.last_seen,
                    counts.clients,
                    self.detail.as_deref().map(sentence).unwrap_or_default(),
                );
                (format!("{kind} on {endpoint}"), what)
            }
        };
        Case {
            id,
            title,
            status: "open",
            severity: self.severity,
            confidence: (self.confidence * 1000.0).round() / 1000.0,
            description: Description {
                what_happened: what_happened.trim_end().to_string(),
                why_it_matters: owasp.iter().map(|o| format!("{o} {}: {}", o.title(), why(*o))).collect::<Vec<_>>().join(" "),
                what_to_do: what_to_do(&self.group, &kinds, self.detail.as_deref()),
            },
            owasp,
            kinds,
            group: self.group,
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            clients: self.clients.into_iter().take(LIST_MAX).collect(),
            endpoints,
            counts,
            evidence: self.evidence,
        }
    }
}

impl Population {
    /// "a higher rate than 99.2% of the 130 clients in these logs; their average is 2.4 per minute".
    fn client_comparison(&self, client: &str, rate: f64) -> String {
        let rates: Vec<f64> = self
            .clients
            .iter()
            .filter(|(c, _)| c.as_str() != client)
            .map(|(_, &(n, first, last))| n as f64 / ((last - first) as f64 / 60_000.0).max(1.0))
            .collect();
        if rates.is_empty() {
            return "It is the only client in these logs.".to_string();
        }
        let below = rates.iter().filter(|&&r| r < rate).count();
        format!(
            "That is more than {:.1}% of the other {} clients in these logs; their average is {:.1} per minute.",
            100.0 * below as f64 / rates.len() as f64,
            rates.len(),
            rates.iter().sum::<f64>() / rates.len() as f64
        )
    }
}

/// Longest sentence taken from a finding's detail (details are written by Vigil, but bounded anyway).
const SENTENCE_CHARS: usize = 400;

/// The part of a finding's detail before its `Fix:` sentence, as a sentence.
fn sentence(detail: &str) -> String {
    let what = detail.split("Fix:").next().unwrap_or(detail).trim().trim_end_matches('.');
    format!("{}.", capitalized(&clip(what, SENTENCE_CHARS)))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}

fn family_title(family: &str, kinds: &[String]) -> String {
    match (family, kinds) {
        ("behaviour", [one]) => capitalized(one.strip_prefix("behaviour.").unwrap_or(one)),
        ("behaviour", _) => "Suspicious behaviour".to_string(),
        _ => "Attacks".to_string(),
    }
}

fn short(client: &str) -> String {
    if client.is_empty() {
        "(unidentified)".to_string()
    } else {
        client.chars().take(8).collect()
    }
}

fn why(o: Owasp) -> &'static str {
    match o {
        Owasp::Api1 => "object ids are not checked against the caller, so one user can read or change another's records.",
        Owasp::Api2 => "weak or missing authentication lets attackers act as other users or take over accounts.",
        Owasp::Api3 => "the API returns more sensitive data than the caller needs, to whoever calls it.",
        Owasp::Api4 => "unbounded requests or answers let one client exhaust the service or scrape its data.",
        Owasp::Api5 => "functions meant for privileged users are reachable by ordinary callers.",
        Owasp::Api6 => "a business flow can be automated at a scale that harms the business.",
        Owasp::Api7 => "the server can be made to fetch attacker-chosen URLs and reach internal services.",
        Owasp::Api8 => "a misconfiguration or an injection flaw exposes the service, its data or its users.",
        Owasp::Api9 => "undocumented or outdated endpoints are exposed and nobody watches them.",
        Owasp::Api10 => "data from third-party APIs is trusted without validation.",
    }
}

fn what_to_do(group: &Group, kinds: &[String], detail: Option<&str>) -> String {
    if let Some(fix) = detail.and_then(|d| d.split_once("Fix:")).map(|(_, f)| f.trim()) {
        return capitalized(&clip(fix, SENTENCE_CHARS));
    }
    match group {
        Group::Client { family, .. } if family == "behaviour" && kinds.iter().any(|k| k == "behaviour.enumeration") => {
            "Check object-level authorization on the endpoint (every id must belong to the caller), rate-limit the client, and block it if the access was not legitimate.".to_string()
        }
        Group::Client { family, .. } if family == "behaviour" => {
            "Review the client's activity; rate-limit it or block it if it is not legitimate.".to_string()
        }
        Group::Client { .. } => {
            "Check whether the requests succeeded (the statuses above), block the client (block mode, or at the edge), and fix the input handling of the endpoints named.".to_string()
        }
        Group::Endpoint { kind, .. } if kind.starts_with("sensitive.") => {
            "Stop returning the data from this endpoint, or add a data policy (redact or block) for it.".to_string()
        }
        Group::Endpoint { kind, .. } if kind.starts_with("baseline.") => {
            "Check whether the change was deployed on purpose; if it was, learn the baseline again.".to_string()
        }
        Group::Endpoint { .. } => "Review the endpoint's configuration and the exchanges below.".to_string(),
    }
}

fn evidence(r: &Record, findings: &[Finding]) -> Evidence {
    let masked: Vec<&str> = findings.iter().filter(|f| f.kind.starts_with("sensitive.")).filter_map(|f| f.location.strip_prefix("query:")).collect();
    Evidence {
        time: if r.start_time.is_empty() { format_time(r.time_ms) } else { r.start_time.clone() },
        request_id: clip(&r.request_id, 64),
        client: r.client().to_string(),
        method: clip(&r.method, 16),
        path: clip(&redact_query(&r.path, &masked), PATH_CHARS),
        status: r.status,
        verdict: r.event.as_ref().map_or(Decision::Allow, |e| e.verdict.decision),
        findings: findings
            .iter()
            .map(|f| EvidenceFinding { kind: f.kind.to_string(), severity: f.severity, location: clip(&f.location, 80), evidence: clip(&f.evidence, 80) })
            .collect(),
    }
}

/// The path with the values of credential-like parameters and of `also` replaced by `***`.
pub fn redact_query(path: &str, also: &[&str]) -> String {
    let Some((p, q)) = path.split_once('?') else { return path.to_string() };
    let params: Vec<String> = q
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) if !v.is_empty() && (is_credential_param(k) || also.contains(&k)) => format!("{k}=***"),
            _ => pair.to_string(),
        })
        .collect();
    format!("{p}?{}", params.join("&"))
}

/// At most `n` characters, control characters escaped (log content is attacker-controlled).
fn clip(s: &str, n: usize) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == n {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(t_ms: i64, client: &str, method: &str, path: &str, status: u16, verdict: &str, findings: serde_json::Value) -> String {
        let route = crate::route::fold(path.split('?').next().unwrap_or(""));
        let event = serde_json::json!({"verdict": verdict, "enforced": verdict == "block", "score": 0.6, "confidence": 0.8, "client": client, "client_kind": "jwt_sub",
            "findings": findings, "obs": {"route": route}});
        serde_json::json!({"start_time": format_time(t_ms), "request_id": format!("r-{t_ms}-{client}"), "method": method, "path": path,
            "status": status, "vigil": event.to_string()})
        .to_string()
    }

    fn finding(kind: &str, owasp: &str, severity: &str, location: &str, evidence: &str) -> serde_json::Value {
        serde_json::json!({"kind": kind, "owasp": owasp, "severity": severity, "confidence": 0.9, "location": location, "evidence": evidence})
    }

    const T0: i64 = 1_795_242_214_000;

    /// One client walks 200 account ids; another sends SQL injections; benign clients browse;
    /// one endpoint has a posture finding on every answer.
    fn traffic() -> Vec<String> {
        let mut lines = Vec::new();
        for i in 1..=200 {
            let f = finding("behaviour.enumeration", "API1:2023", "high", "path", &format!("{i} distinct ids"));
            lines.push(line(T0 + i * 500, "enum0001", "GET", &format!("/api/v1/accounts/{i}"), if i % 10 == 0 { 404 } else { 200 }, "flag", serde_json::json!([f])));
        }
        for i in 0..3 {
            let f = finding("attack.sqli", "API8:2023", "critical", "query:q", "' OR 1=1--");
            lines.push(line(T0 + 1000 + i * 1000, "attacker", "GET", "/api/v1/search?q=%27%20OR%201%3D1--&api_key=sk_live_abcdef", 200, "block", serde_json::json!([f])));
        }
        for c in 0..10 {
            for i in 0..5 {
                let nosniff = finding("posture.nosniff", "API8:2023", "low", "response.header:x-content-type-options", "none");
                lines.push(line(T0 + c * 7000 + i * 1000, &format!("benign{c}"), "GET", "/api/v1/legacy/profile", 200, "allow", serde_json::json!([nosniff])));
                // An allowed exchange with a low finding makes no case.
                let email = finding("sensitive.email", "API3:2023", "low", "response.body:$.email", "j***@example.com");
                lines.push(line(T0 + c * 7000 + i * 1000 + 1, &format!("benign{c}"), "GET", "/api/v1/users/me", 200, "allow", serde_json::json!([email])));
            }
        }
        lines
    }

    fn build(lines: &[String], opts: CaseOptions) -> Vec<Case> {
        let mut b = CaseBuilder::new(opts);
        for l in lines {
            b.add_line(l);
        }
        b.add_line("garbage");
        assert_eq!(b.stats.malformed, 1);
        b.finish()
    }

    #[test]
    fn an_enumeration_walk_is_one_case_with_its_evidence() {
        let cases = build(&traffic(), CaseOptions::default());
        let enumeration: Vec<&Case> = cases.iter().filter(|c| c.kinds == ["behaviour.enumeration"]).collect();
        assert_eq!(enumeration.len(), 1, "{cases:#?}");
        let c = enumeration[0];
        assert_eq!(c.group, Group::Client { client: "enum0001".into(), family: "behaviour".into() });
        assert_eq!((c.counts.exchanges, c.counts.paths, c.counts.endpoints, c.counts.clients), (200, 200, 1, 1));
        assert_eq!(c.counts.status.get(&404), Some(&20));
        assert_eq!(c.endpoints, ["GET /api/v1/accounts/{account_id}"]);
        assert_eq!(c.owasp, [Owasp::Api1]);
        assert_eq!(c.severity, Severity::High);
        assert_eq!(c.title, "Enumeration by client enum0001");
        assert_eq!(c.evidence.len(), 3);
        assert_eq!(c.evidence[0].path, "/api/v1/accounts/1");
        assert_eq!(c.evidence[2].findings[0].kind, "behaviour.enumeration");
        assert!(c.description.what_happened.contains("200 flagged requests"), "{}", c.description.what_happened);
        assert!(c.description.what_happened.contains("more than 100.0% of the other 11 clients"), "{}", c.description.what_happened);
        assert!(c.description.what_to_do.contains("object-level authorization"));
        assert!(c.description.why_it_matters.starts_with("API1:2023 Broken Object Level Authorization"));
        assert_eq!(c.first_seen, format_time(T0 + 500));
    }

    #[test]
    fn attacks_group_by_client_and_posture_by_endpoint() {
        let cases = build(&traffic(), CaseOptions::default());
        assert_eq!(cases.len(), 3, "{:?}", cases.iter().map(|c| &c.title).collect::<Vec<_>>());
        assert_eq!(cases[0].title, "Attacks by client attacker", "critical first");
        assert_eq!(cases[0].counts.exchanges, 3);
        assert_eq!(cases[0].evidence[0].path, "/api/v1/search?q=%27%20OR%201%3D1--&api_key=***", "credential values masked");
        let posture = cases.iter().find(|c| c.kinds == ["posture.nosniff"]).unwrap();
        assert_eq!(posture.title, "posture.nosniff on GET /api/v1/legacy/profile");
        assert_eq!((posture.counts.exchanges, posture.counts.clients), (50, 10));
        assert!(posture.description.what_happened.starts_with("50 of 50 requests to GET /api/v1/legacy/profile (100.0%)"), "{}", posture.description.what_happened);
        assert_eq!(posture.description.what_to_do, "Send `X-Content-Type-Options: nosniff` on every response.");
    }

    #[test]
    fn a_gap_longer_than_the_window_starts_a_new_case_and_ids_are_stable() {
        let f = || serde_json::json!([finding("attack.xss", "API8:2023", "high", "query:q", "<script>")]);
        let lines = vec![line(T0, "c", "GET", "/a?q=x", 200, "flag", f()), line(T0 + 11 * 60_000, "c", "GET", "/a?q=x", 200, "flag", f())];
        let cases = build(&lines, CaseOptions::default());
        assert_eq!(cases.len(), 2);
        assert_ne!(cases[0].id, cases[1].id);
        let wide = build(&lines, CaseOptions { window_ms: 20 * 60_000, evidence: 3 });
        assert_eq!(wide.len(), 1);
        assert_eq!(build(&lines, CaseOptions { window_ms: 20 * 60_000, evidence: 3 })[0].id, wide[0].id, "same input, same id");
    }

    #[test]
    fn evidence_is_clipped_and_escaped() {
        let f = serde_json::json!([finding("attack.crlf", "API8:2023", "high", "path", "x\r\nSet-Cookie: a")]);
        let path = format!("/a\r\n{}", "b".repeat(500));
        let cases = build(&[line(T0, "c", "GET", &path, 200, "flag", f)], CaseOptions::default());
        let e = &cases[0].evidence[0];
        assert!(!e.path.contains('\n') && e.path.starts_with("/a\\r\\nbbb") && e.path.ends_with("b…"), "{}", e.path);
        assert_eq!(redact_query("/p?token=abc&x=1&ssn=1", &["ssn"]), "/p?token=***&x=1&ssn=***");
    }
}
