//! Baseline: how far an exchange strays from what its endpoint normally does.
//!
//! Pure functions of (model, endpoint, observations). An endpoint needs [`MIN_SAMPLES`] requests
//! before its statistics are trusted; below that only the inventory check applies. Each finding
//! explains itself in plain words with the numbers behind it.

use crate::finding::{Finding, Owasp, Severity};
use crate::model::{EndpointModel, Model};
use crate::observe::Observations;
use crate::sketch::Sketch;

/// Requests an endpoint must have been seen with before its distributions are used.
pub const MIN_SAMPLES: u64 = 30;

/// A size is an outlier above this quantile times [`SIZE_SLACK`].
const SIZE_QUANTILE: f64 = 0.999;
const SIZE_SLACK: f64 = 1.5;

/// Request-side checks: unknown endpoint, missing authentication, request size.
pub fn score_request(model: &Model, endpoint: Option<usize>, method: &str, obs: &Observations, out: &mut Vec<Finding>) {
    let Some(e) = endpoint.and_then(|i| model.endpoints.get(i)) else {
        if !model.endpoints.is_empty() {
            out.push(
                Finding::new("baseline.unknown_endpoint", Owasp::Api9, Severity::Medium, 0.6, "path", format!("{method} {}", obs.route))
                    .with_detail(format!(
                        "{method} {} is not in the learned inventory of {} endpoints (shadow or zombie API?)",
                        obs.route,
                        model.endpoints.len()
                    )),
            );
        }
        return;
    };
    if e.count < MIN_SAMPLES {
        return;
    }
    missing_auth(e, obs, out);
    size("request", &e.request_bytes, obs.request.bytes, e, out);
}

/// Response-side checks: response size.
pub fn score_response(model: &Model, endpoint: Option<usize>, obs: &Observations, out: &mut Vec<Finding>) {
    let Some(e) = endpoint.and_then(|i| model.endpoints.get(i)) else { return };
    if e.count < MIN_SAMPLES {
        return;
    }
    if let Some(r) = &obs.response {
        size("response", &e.response_bytes, r.bytes, e, out);
    }
}

fn missing_auth(e: &EndpointModel, obs: &Observations, out: &mut Vec<Finding>) {
    if obs.auth != "none" {
        return;
    }
    let without = e.auth.get("none").copied().unwrap_or(0);
    let share = without as f64 / e.count as f64;
    if share < 0.001 {
        out.push(
            Finding::new("baseline.missing_auth", Owasp::Api2, Severity::High, 0.8, "header:authorization", "no credential")
                .with_detail(format!(
                    "no credential on {}; {} of {} earlier requests carried one",
                    e.name(),
                    e.count - without,
                    e.count
                )),
        );
    }
}

fn size(side: &str, sketch: &Sketch, bytes: u64, e: &EndpointModel, out: &mut Vec<Finding>) {
    if sketch.count < MIN_SAMPLES {
        return;
    }
    let q = sketch.quantile(SIZE_QUANTILE);
    let limit = ((q as f64) * SIZE_SLACK).max(q as f64 + 256.0);
    if (bytes as f64) <= limit {
        return;
    }
    // The further past the limit, the surer: 1.5x the p99.9 -> 0.6, 10x -> ~0.95.
    let ratio = bytes as f64 / limit;
    let confidence = (0.6 + 0.15 * ratio.ln()).min(0.95);
    out.push(
        Finding::new("baseline.size", Owasp::Api4, Severity::Medium, confidence, format!("{side}.body"), format!("{bytes} bytes"))
            .with_detail(format!(
                "{side} body {} bytes; this endpoint's 99.9th percentile is {} ({} requests seen)",
                group(bytes),
                group(q),
                group(e.count)
            )),
    );
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

    fn model() -> Model {
        let mut e = EndpointModel::new("POST", "/transfers");
        for i in 0..200 {
            e.count += 1;
            e.request_bytes.add(900 + i);
            e.response_bytes.add(100);
            *e.auth.entry("bearer".into()).or_insert(0) += 1;
        }
        Model { endpoints: vec![e], ..Default::default() }
    }

    fn obs(auth: &str, req: u64) -> Observations {
        Observations {
            route: "/transfers".into(),
            auth: auth.into(),
            request: BodyObs { bytes: req, ..Default::default() },
            ..Default::default()
        }
    }

    fn kinds(out: &[Finding]) -> Vec<&str> {
        out.iter().map(|f| f.kind.as_ref()).collect()
    }

    #[test]
    fn normal_request_has_no_findings() {
        let mut out = Vec::new();
        score_request(&model(), Some(0), "POST", &obs("bearer", 1000), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn oversized_request_is_explained() {
        let mut out = Vec::new();
        score_request(&model(), Some(0), "POST", &obs("bearer", 48_211), &mut out);
        assert_eq!(kinds(&out), ["baseline.size"]);
        let d = out[0].detail.as_deref().unwrap();
        assert_eq!(d, "request body 48,211 bytes; this endpoint's 99.9th percentile is 1,099 (200 requests seen)");
        assert!(out[0].confidence > 0.8);
    }

    #[test]
    fn missing_auth_where_it_was_always_present() {
        let mut out = Vec::new();
        score_request(&model(), Some(0), "POST", &obs("none", 1000), &mut out);
        assert_eq!(kinds(&out), ["baseline.missing_auth"]);
    }

    #[test]
    fn unknown_endpoint_only_with_a_model() {
        let mut out = Vec::new();
        score_request(&model(), None, "GET", &obs("bearer", 0), &mut out);
        assert_eq!(kinds(&out), ["baseline.unknown_endpoint"]);
        let mut out = Vec::new();
        score_request(&Model::default(), None, "GET", &obs("bearer", 0), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn too_few_samples_are_not_judged() {
        let mut m = model();
        m.endpoints[0].count = 5;
        let mut out = Vec::new();
        score_request(&m, Some(0), "POST", &obs("none", 1_000_000), &mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(48211), "48,211");
        assert_eq!(group(1234567), "1,234,567");
    }
}
