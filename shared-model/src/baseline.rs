//! Baseline: how far an exchange strays from what its endpoint normally does.
//!
//! [`Baseline::new`] compiles a [`Model`] once per configuration into per-endpoint profiles whose
//! thresholds come from the learned distributions at the model's calibrated budget
//! (`calibration.target_fpr`, default 0.1%): sizes and lengths above the `1 - fpr` quantile (with
//! slack, since sketches are approximate), numbers outside the learned range (widened by half its
//! width), shapes, statuses and sensitive types rarer than `fpr`. Parameter names and enum values
//! are only treated as a closed set when the Good-Turing estimate of meeting a new one (names seen
//! once / requests) is within the budget. Scoring reads the same [`Observations`] the learner
//! learned from, so what is learned is what is scored.
//!
//! An endpoint (and a parameter) needs [`MIN_SAMPLES`] requests before its statistics are
//! trusted; below that only the inventory check applies. Each finding explains itself in plain
//! words with the numbers behind it.

use crate::finding::{Finding, Owasp, Severity};
use crate::model::{EndpointModel, Model, ParamModel};
use crate::observe::Observations;
use crate::params::{ParamObs, Shape};
use crate::sketch::Sketch;
use std::collections::{HashMap, HashSet};

/// Requests an endpoint must have been seen with before its distributions are used.
pub const MIN_SAMPLES: u64 = 30;
/// Sizes and lengths are outliers above the calibrated quantile times this (sketches are
/// approximate and real tails are long).
const SLACK: f64 = 1.5;
/// Findings of one kind per exchange (a hostile request with 500 odd parameters gets 8).
const MAX_PER_KIND: usize = 8;

/// A compiled model, ready to score.
#[derive(Debug, Default)]
pub struct Baseline {
    profiles: Vec<Profile>,
}

#[derive(Debug)]
struct Profile {
    name: String,
    percentile: String,
    count: u64,
    trusted: bool,
    auth_always: bool,
    request_size: Option<Limit>,
    response_size: Option<Limit>,
    params: HashMap<String, ParamProfile>,
    params_closed: bool,
    responses: u64,
    /// Status codes and classes (`2`, `4`, ...) seen more often than the budget.
    statuses: HashSet<u16>,
    classes: HashSet<u16>,
    sensitive: HashSet<String>,
}

#[derive(Debug)]
struct ParamProfile {
    count: u64,
    accepts: Vec<Shape>,
    learned: String,
    length: Option<Limit>,
    range: Option<Range>,
    values: Option<HashSet<u32>>,
}

/// A calibrated upper bound: the quantile seen and the limit derived from it.
#[derive(Debug, Clone, Copy)]
struct Limit {
    quantile: u64,
    limit: f64,
}

#[derive(Debug, Clone, Copy)]
struct Range {
    min: f64,
    max: f64,
    lo: f64,
    hi: f64,
}

impl Limit {
    fn of(s: &Sketch, fpr: f64, floor: f64) -> Option<Limit> {
        if s.count < MIN_SAMPLES {
            return None;
        }
        let quantile = s.quantile(1.0 - fpr);
        let q = quantile as f64;
        Some(Limit { quantile, limit: (q * SLACK).max(q + floor) })
    }

    /// How bad and how sure an outlier `v` is, if it is one (see [`strength`]).
    fn exceeded(&self, v: u64) -> Option<(Severity, f64)> {
        let v = v as f64;
        (v > self.limit).then(|| strength(v / self.limit))
    }
}

/// An outlier `ratio` times past its limit: medium at 0.6 just past it, rising to 0.95; ten
/// times past the calibrated limit is high severity (enough to flag on its own).
fn strength(ratio: f64) -> (Severity, f64) {
    let confidence = (0.6 + 0.15 * ratio.max(1.0).ln()).min(0.95);
    (if ratio >= 10.0 { Severity::High } else { Severity::Medium }, confidence)
}

/// Good-Turing: the chance that the next request brings a name (value) never seen.
fn unseen_mass<'a>(counts: impl Iterator<Item = &'a u64>, total: u64) -> f64 {
    let once = counts.filter(|n| **n == 1).count();
    once as f64 / total.max(1) as f64
}

impl ParamProfile {
    fn new(p: &ParamModel, fpr: f64) -> ParamProfile {
        let floor = (p.count as f64 * fpr).max(0.0);
        let mut accepts: Vec<Shape> = p.shapes.iter().filter(|(_, n)| **n as f64 > floor).map(|(s, _)| *s).collect();
        accepts.extend(p.declared);
        let learned = accepts.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("|");
        let range = p.min.zip(p.max).map(|(min, max)| {
            let slack = ((max - min) * 0.5).max(max.abs().max(min.abs()) * 0.1).max(1.0);
            let lo = if min >= 0.0 { (min - slack).max(0.0) } else { min - slack };
            Range { min, max, lo, hi: max + slack }
        });
        let total: u64 = p.values.values().sum();
        let closed = !p.values_open && total >= MIN_SAMPLES && unseen_mass(p.values.values(), total) <= fpr;
        let values = closed.then(|| p.values.keys().filter_map(|h| u32::from_str_radix(h, 16).ok()).collect());
        ParamProfile { count: p.count, accepts, learned, length: Limit::of(&p.len, fpr, 16.0), range, values }
    }
}

impl Profile {
    fn new(e: &EndpointModel, fpr: f64) -> Profile {
        let without = e.auth.get("none").copied().unwrap_or(0);
        let responses = e.response_bytes.count;
        let often = |n: u64, total: u64| n as f64 > total as f64 * fpr;
        let mut statuses = HashSet::new();
        let mut classes: HashMap<u16, u64> = HashMap::new();
        for (code, n) in &e.status {
            let Ok(code) = code.parse::<u16>() else { continue };
            if often(*n, e.count) {
                statuses.insert(code);
            }
            *classes.entry(code / 100).or_insert(0) += n;
        }
        let param_total = e.params.values().map(|p| p.count).max().unwrap_or(0).max(e.count);
        Profile {
            name: e.name(),
            percentile: percentile_name(fpr),
            count: e.count,
            trusted: e.count >= MIN_SAMPLES,
            auth_always: !often(without, e.count),
            request_size: Limit::of(&e.request_bytes, fpr, 256.0),
            response_size: Limit::of(&e.response_bytes, fpr, 256.0),
            params: e.params.iter().map(|(k, p)| (k.clone(), ParamProfile::new(p, fpr))).collect(),
            params_closed: !e.params_open && unseen_mass(e.params.values().map(|p| &p.count), param_total) <= fpr,
            responses,
            statuses,
            classes: classes.into_iter().filter(|(_, n)| often(*n, e.count)).map(|(c, _)| c).collect(),
            sensitive: e.sensitive.iter().filter(|(_, s)| often(s.responses, responses)).map(|(t, _)| t.clone()).collect(),
        }
    }
}

impl Baseline {
    pub fn new(model: &Model) -> Baseline {
        let fpr = model.calibration.target_fpr;
        Baseline { profiles: model.endpoints.iter().map(|e| Profile::new(e, fpr)).collect() }
    }

    /// Request-side checks: inventory, authentication, request size, parameters.
    pub fn score_request(&self, endpoint: Option<usize>, method: &str, obs: &Observations, out: &mut Vec<Finding>) {
        let Some(e) = endpoint.and_then(|i| self.profiles.get(i)) else {
            if !self.profiles.is_empty() {
                out.push(
                    Finding::new("baseline.unknown_endpoint", Owasp::Api9, Severity::Medium, 0.6, "path", format!("{method} {}", obs.route))
                        .with_detail(format!(
                            "{method} {} is not in the learned inventory of {} endpoints (shadow or zombie API?)",
                            obs.route,
                            self.profiles.len()
                        )),
                );
            }
            return;
        };
        if !e.trusted {
            return;
        }
        if obs.auth == "none" && e.auth_always {
            out.push(
                Finding::new("baseline.missing_auth", Owasp::Api2, Severity::High, 0.8, "header:authorization", "no credential")
                    .with_detail(format!("no credential on {}; earlier requests ({} seen) always carried one", e.name, group(e.count))),
            );
        }
        if let Some(f) = size("request", e.request_size, obs.request.bytes, e) {
            out.push(f);
        }
        let start = out.len();
        for p in &obs.params {
            e.score_param(p, out);
        }
        cap_per_kind(out, start);
    }

    /// Response-side checks: response size, status, sensitive data types.
    pub fn score_response(&self, endpoint: Option<usize>, obs: &Observations, out: &mut Vec<Finding>) {
        let Some(e) = endpoint.and_then(|i| self.profiles.get(i)) else { return };
        let Some(r) = &obs.response else { return };
        if !e.trusted || e.responses < MIN_SAMPLES {
            return;
        }
        if let Some(f) = size("response", e.response_size, r.bytes, e) {
            out.push(f);
        }
        if r.status != 0 && !e.statuses.contains(&r.status) {
            let class_seen = e.classes.contains(&(r.status / 100));
            let (sev, conf) = if class_seen { (Severity::Low, 0.5) } else { (Severity::Medium, 0.6) };
            out.push(
                Finding::new("baseline.status", Owasp::Api8, sev, conf, "response.status", r.status.to_string()).with_detail(format!(
                    "status {} is unusual for {} ({} {}xx responses in {} seen)",
                    r.status,
                    e.name,
                    if class_seen { "some" } else { "no" },
                    r.status / 100,
                    group(e.count)
                )),
            );
        }
        for (ty, n) in &obs.sensitive {
            if !e.sensitive.contains(ty) {
                out.push(
                    Finding::new("baseline.new_data_type", Owasp::Api3, Severity::High, 0.8, "response.body", format!("{ty} x{n}"))
                        .with_detail(format!("response carried {ty} ({n}), which {} had not returned in {} responses", e.name, group(e.responses))),
                );
            }
        }
    }
}

impl Profile {
    fn score_param(&self, p: &ParamObs, out: &mut Vec<Finding>) {
        let Some(pp) = self.params.get(&p.name) else {
            if self.params_closed {
                let owasp = if p.name.starts_with("body:") { Owasp::Api3 } else { Owasp::Api8 };
                out.push(
                    Finding::new("baseline.param_unexpected", owasp, Severity::High, 0.7, p.name.clone(), p.name.clone())
                        .with_detail(format!("parameter {} was never seen in {} requests to {} (mass assignment?)", p.name, group(self.count), self.name)),
                );
            }
            return;
        };
        if pp.count < MIN_SAMPLES {
            return;
        }
        let finding = |kind: &'static str, sev, conf, evidence: String, detail: String| {
            Finding::new(kind, Owasp::Api8, sev, conf, p.name.clone(), evidence).with_detail(detail)
        };
        if !pp.accepts.iter().any(|s| s.accepts(p.shape)) {
            out.push(finding(
                "baseline.param_type",
                Severity::Medium,
                0.7,
                p.shape.as_str().to_string(),
                format!("{} is {}; learned {} over {} requests", p.name, p.shape.as_str(), pp.learned, group(pp.count)),
            ));
        } else if let Some(values) = &pp.values {
            if p.shape != Shape::Null && !p.hash.is_some_and(|h| values.contains(&h)) {
                out.push(finding(
                    "baseline.param_type",
                    Severity::Medium,
                    0.6,
                    format!("{} chars", p.len),
                    format!("{} is not one of the {} values seen in {} requests", p.name, values.len(), group(pp.count)),
                ));
            }
        }
        if let (Some(r), Some([lo, hi])) = (pp.range, p.range) {
            if lo < r.lo || hi > r.hi {
                let (v, excess) = if lo < r.lo { (lo, r.lo - lo) } else { (hi, hi - r.hi) };
                let (sev, conf) = strength(1.0 + excess / (r.hi - r.max).max(1.0));
                out.push(
                    Finding::new("baseline.param_range", Owasp::Api4, sev, conf, p.name.clone(), num(v)).with_detail(format!(
                        "{} = {} is outside the learned range {}..{} ({} requests)",
                        p.name,
                        num(v),
                        num(r.min),
                        num(r.max),
                        group(pp.count)
                    )),
                );
            }
        }
        if let Some(l) = pp.length {
            if let Some((sev, conf)) = l.exceeded(u64::from(p.len)) {
                out.push(
                    Finding::new("baseline.param_length", Owasp::Api4, sev, conf, p.name.clone(), format!("{} chars", p.len))
                        .with_detail(format!(
                            "{} is {} characters; this parameter's {} is {}",
                            p.name,
                            group(u64::from(p.len)),
                            self.percentile,
                            group(l.quantile)
                        )),
                );
            }
        }
    }
}

/// `0.001` -> `99.9th percentile`: how details name the calibrated quantile.
fn percentile_name(fpr: f64) -> String {
    let p = format!("{:.4}", (1.0 - fpr) * 100.0);
    format!("{}th percentile", p.trim_end_matches('0').trim_end_matches('.'))
}

fn size(side: &str, limit: Option<Limit>, bytes: u64, e: &Profile) -> Option<Finding> {
    let l = limit?;
    let (severity, confidence) = l.exceeded(bytes)?;
    Some(
        Finding::new("baseline.size", Owasp::Api4, severity, confidence, format!("{side}.body"), format!("{bytes} bytes")).with_detail(
            format!("{side} body {} bytes; this endpoint's {} is {} ({} requests seen)", group(bytes), e.percentile, group(l.quantile), group(e.count)),
        ),
    )
}

/// Keeps at most [`MAX_PER_KIND`] findings of each kind among `out[start..]`.
fn cap_per_kind(out: &mut Vec<Finding>, start: usize) {
    let mut seen: HashMap<std::borrow::Cow<'static, str>, usize> = HashMap::new();
    let mut i = start;
    while i < out.len() {
        let n = seen.entry(out[i].kind.clone()).or_insert(0);
        *n += 1;
        if *n > MAX_PER_KIND {
            out.remove(i);
        } else {
            i += 1;
        }
    }
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        let g = group(v.abs() as u64);
        if v < 0.0 { format!("-{g}") } else { g }
    } else {
        format!("{v}")
    }
}

/// `48211` -> `48,211`.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observe::BodyObs;

    fn param(name: &str, shape: Shape, len: u32, num: Option<f64>, hash: Option<u32>) -> ParamObs {
        ParamObs { name: name.into(), shape, len, range: num.map(|n| [n, n]), hash }
    }

    fn model() -> Model {
        let mut e = EndpointModel::new("POST", "/transfers");
        for i in 0..200u32 {
            e.count += 1;
            e.request_bytes.add(900 + u64::from(i));
            e.response_bytes.add(100);
            *e.status.entry(if i % 10 == 0 { "400" } else { "200" }.into()).or_insert(0) += 1;
            *e.auth.entry("bearer".into()).or_insert(0) += 1;
            e.add_params(&[
                param("body:$.amount", Shape::Int, 3, Some(f64::from(10 + i % 90)), None),
                param("body:$.currency", Shape::Word, 3, None, Some(if i % 2 == 0 { 1 } else { 2 })),
                param("body:$.memo", Shape::Text, 10 + i % 30, None, None),
            ]);
        }
        Model { endpoints: vec![e], ..Default::default() }
    }

    fn obs(auth: &str, req: u64, params: Vec<ParamObs>) -> Observations {
        Observations {
            route: "/transfers".into(),
            auth: auth.into(),
            request: BodyObs { bytes: req, ..Default::default() },
            params,
            ..Default::default()
        }
    }

    fn normal() -> Vec<ParamObs> {
        vec![
            param("body:$.amount", Shape::Int, 2, Some(50.0), None),
            param("body:$.currency", Shape::Word, 3, None, Some(2)),
            param("body:$.memo", Shape::Text, 12, None, None),
        ]
    }

    fn request_kinds(o: &Observations) -> Vec<String> {
        let mut out = Vec::new();
        Baseline::new(&model()).score_request(Some(0), "POST", o, &mut out);
        out.iter().map(|f| f.kind.to_string()).collect()
    }

    #[test]
    fn normal_request_has_no_findings() {
        assert!(request_kinds(&obs("bearer", 1000, normal())).is_empty());
    }

    #[test]
    fn oversized_request_is_explained() {
        let mut out = Vec::new();
        Baseline::new(&model()).score_request(Some(0), "POST", &obs("bearer", 48_211, normal()), &mut out);
        assert_eq!(out.len(), 1);
        let d = out[0].detail.as_deref().unwrap();
        assert_eq!(d, "request body 48,211 bytes; this endpoint's 99.9th percentile is 1,099 (200 requests seen)");
        assert!(out[0].confidence > 0.8);
    }

    #[test]
    fn missing_auth_where_it_was_always_present() {
        assert_eq!(request_kinds(&obs("none", 1000, normal())), ["baseline.missing_auth"]);
    }

    #[test]
    fn parameter_checks_one_per_kind() {
        let mut p = normal();
        p.push(param("body:$.role", Shape::Word, 5, None, Some(9)));
        assert_eq!(request_kinds(&obs("bearer", 1000, p)), ["baseline.param_unexpected"]);
        let mut p = normal();
        p[0] = param("body:$.amount", Shape::Text, 2, None, None);
        assert_eq!(request_kinds(&obs("bearer", 1000, p)), ["baseline.param_type"]);
        let mut p = normal();
        p[0] = param("body:$.amount", Shape::Int, 7, Some(-5.0), None);
        assert_eq!(request_kinds(&obs("bearer", 1000, p)), ["baseline.param_range"]);
        let mut p = normal();
        p[1] = param("body:$.currency", Shape::Word, 3, None, Some(7));
        assert_eq!(request_kinds(&obs("bearer", 1000, p)), ["baseline.param_type"]);
        let mut p = normal();
        p[2] = param("body:$.memo", Shape::Text, 5000, None, None);
        assert_eq!(request_kinds(&obs("bearer", 1000, p)), ["baseline.param_length"]);
    }

    #[test]
    fn findings_per_kind_are_capped() {
        let mut p = normal();
        p.extend((0..20).map(|i| param(&format!("query:x{i}"), Shape::Int, 1, Some(1.0), None)));
        assert_eq!(request_kinds(&obs("bearer", 1000, p)).len(), MAX_PER_KIND);
    }

    #[test]
    fn response_status_and_new_data_type() {
        let b = Baseline::new(&model());
        let mut o = obs("bearer", 1000, normal());
        o.response = Some(BodyObs { bytes: 100, status: 200, ..Default::default() });
        let mut out = Vec::new();
        b.score_response(Some(0), &o, &mut out);
        assert!(out.is_empty(), "{out:?}");
        o.response = Some(BodyObs { bytes: 100, status: 500, ..Default::default() });
        o.sensitive.insert("credit_card".into(), 2);
        b.score_response(Some(0), &o, &mut out);
        let kinds: Vec<&str> = out.iter().map(|f| f.kind.as_ref()).collect();
        assert_eq!(kinds, ["baseline.status", "baseline.new_data_type"]);
        assert_eq!(out[0].severity, Severity::Medium);
    }

    #[test]
    fn unknown_endpoint_only_with_a_model() {
        let mut out = Vec::new();
        Baseline::new(&model()).score_request(None, "GET", &obs("bearer", 0, vec![]), &mut out);
        assert_eq!(out[0].kind, "baseline.unknown_endpoint");
        let mut out = Vec::new();
        Baseline::new(&Model::default()).score_request(None, "GET", &obs("bearer", 0, vec![]), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn too_few_samples_are_not_judged() {
        let mut m = model();
        m.endpoints[0].count = 5;
        let mut out = Vec::new();
        Baseline::new(&m).score_request(Some(0), "POST", &obs("none", 1_000_000, vec![]), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(48211), "48,211");
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(num(-1500.0), "-1,500");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(percentile_name(0.001), "99.9th percentile");
        assert_eq!(percentile_name(0.01), "99th percentile");
    }
}
