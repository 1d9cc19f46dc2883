//! The access-log event: the `vigil` object of each access-log line.
//!
//! The filter serialises it into filter state (`wasm.vigil`), the access log writes it, SIEMs read
//! it, and `vigil learn` parses it back with this same type. Findings are capped at
//! [`MAX_LOGGED_FINDINGS`] (strongest first) so a hostile request cannot blow up a log line.

use crate::finding::Finding;
use crate::observe::Observations;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

pub const MAX_LOGGED_FINDINGS: usize = 32;

/// Bytes of a typical event (a GET with a few parameters and findings is ~1 KB).
const TYPICAL_BYTES: usize = 2048;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Event {
    #[serde(flatten)]
    pub verdict: Verdict,
    /// The model's template, or `null` when the endpoint is unknown or there is no model.
    pub endpoint: Option<String>,
    /// Keyed hash of the client identity (never the raw value).
    pub client: String,
    /// Which source identified the client: `jwt_sub`, `header`, `cookie`, `xff`, `source`, `none`.
    pub client_kind: String,
    pub findings: Vec<Finding>,
    /// Findings left out of `findings` by the cap.
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_dropped: usize,
    /// Findings an operator's exception silenced ([`crate::exceptions`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub findings_suppressed: usize,
    pub obs: Observations,
    /// Time spent in the filter's callbacks for this exchange (the engine and the host calls
    /// around it, up to writing this event), in microseconds; 0 when not measured (offline tools).
    pub inspect_us: u64,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Event {
    /// Orders findings strongest first and applies the cap.
    pub fn cap_findings(&mut self) {
        self.findings.sort_by(|a, b| b.weight().total_cmp(&a.weight()));
        if self.findings.len() > MAX_LOGGED_FINDINGS {
            self.findings_dropped = self.findings.len() - MAX_LOGGED_FINDINGS;
            self.findings.truncate(MAX_LOGGED_FINDINGS);
        }
    }

    /// The event as one line of JSON, written into a buffer sized for a typical event (growing
    /// it from serde_json's default 128 bytes costs more than the writing on small events).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        let mut out = Vec::with_capacity(TYPICAL_BYTES);
        serde_json::to_writer(&mut out, self)?;
        Ok(out)
    }

    /// Parses the `vigil` field of an access-log line, which Envoy writes as a string holding
    /// JSON (`%FILTER_STATE(wasm.vigil:PLAIN)%`); an embedded object is accepted too.
    pub fn from_log_value(v: &serde_json::Value) -> Option<Event> {
        match v {
            serde_json::Value::String(s) => serde_json::from_str(s).ok(),
            serde_json::Value::Object(_) => serde_json::from_value(v.clone()).ok(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Owasp, Severity};
    use crate::verdict::Decision;

    #[test]
    fn flattens_the_verdict_and_round_trips_through_a_log_string() {
        let mut e = Event { endpoint: Some("/a".into()), client: "00ff".into(), ..Default::default() };
        e.verdict.decision = Decision::Flag;
        let s = serde_json::to_string(&e).unwrap();
        assert!(s.starts_with("{\"verdict\":\"flag\",\"score\":"), "{s}");
        let back = Event::from_log_value(&serde_json::Value::String(s)).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn caps_findings_strongest_first() {
        let mut e = Event::default();
        for i in 0..40 {
            let sev = if i == 39 { Severity::Critical } else { Severity::Low };
            e.findings.push(Finding::new("attack.x", Owasp::Api8, sev, 0.9, format!("query:p{i}"), "x"));
        }
        e.cap_findings();
        assert_eq!(e.findings.len(), MAX_LOGGED_FINDINGS);
        assert_eq!(e.findings_dropped, 8);
        assert_eq!(e.findings[0].severity, Severity::Critical);
    }
}
