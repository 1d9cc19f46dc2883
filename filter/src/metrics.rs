//! Metrics, as Envoy stats (Prometheus on the admin port).
//!
//! Names carry their labels as `.label.value` suffixes that the rendered bootstrap's `stats_tags`
//! turn into Prometheus labels: `vigil_requests_total.verdict.block` ->
//! `vigil_requests_total{verdict="block"}`. Finding kinds are defined on first use (kinds are a
//! small fixed set), the rest up front. A metric the host refuses to define is skipped, not fatal.

use proxy_wasm::hostcalls;
use proxy_wasm::types::MetricType;
use std::cell::RefCell;
use std::collections::HashMap;
use vigil_model::finding::Finding;
use vigil_model::verdict::Decision;

pub struct Metrics {
    requests: [Option<u32>; 3],
    inspect_us: Option<u32>,
    suppressed: Option<u32>,
    findings: RefCell<HashMap<String, Option<u32>>>,
    errors: RefCell<HashMap<&'static str, Option<u32>>>,
    alerts: RefCell<HashMap<&'static str, Option<u32>>>,
    state: RefCell<HashMap<&'static str, Option<u32>>>,
}

impl Metrics {
    pub fn define() -> Metrics {
        let counter = |name: &str| hostcalls::define_metric(MetricType::Counter, name).ok();
        Metrics {
            requests: [Decision::Allow, Decision::Flag, Decision::Block]
                .map(|d| counter(&format!("vigil_requests_total.verdict.{}", d.as_str()))),
            inspect_us: hostcalls::define_metric(MetricType::Histogram, "vigil_inspect_microseconds").ok(),
            suppressed: counter("vigil_findings_suppressed_total"),
            findings: RefCell::default(),
            errors: RefCell::default(),
            alerts: RefCell::default(),
            state: RefCell::default(),
        }
    }

    /// Counts a finished exchange: its verdict, its findings by kind, the findings an exception
    /// silenced, and the time in the filter.
    pub fn request(&self, decision: Decision, findings: &[Finding], suppressed: usize, inspect_us: u64) {
        let i = match decision {
            Decision::Allow => 0,
            Decision::Flag => 1,
            Decision::Block => 2,
        };
        bump(self.requests[i]);
        if let Some(id) = self.inspect_us {
            let _ = hostcalls::record_metric(id, inspect_us);
        }
        if let (Some(id), n @ 1..) = (self.suppressed, suppressed) {
            let _ = hostcalls::increment_metric(id, i64::try_from(n).unwrap_or(i64::MAX));
        }
        let mut defined = self.findings.borrow_mut();
        for f in findings {
            let key = format!("vigil_findings_total.kind.{}.owasp.{}", f.kind, f.owasp.as_str().replace(':', "_"));
            let id = *defined.entry(key).or_insert_with_key(|k| hostcalls::define_metric(MetricType::Counter, k).ok());
            bump(id);
        }
    }

    /// Counts one of the filter's own errors (`vigil_errors_total{kind=...}`).
    pub fn error(&self, kind: &'static str) {
        labelled(&self.errors, "vigil_errors_total.kind", kind, 1);
    }

    /// Counts alerts by outcome (`vigil_alerts_total{outcome=queued|delivered|retried}`); drops and
    /// failures are errors (`alert_dropped`, `alert_failed`).
    pub fn alert(&self, outcome: &'static str, n: u64) {
        labelled(&self.alerts, "vigil_alerts_total.outcome", outcome, n);
    }

    /// Counts client-state slot events (`vigil_client_state_total{outcome=evicted|busy|retried}`);
    /// a write that failed after the retries is an error (`state_conflict`).
    pub fn state(&self, outcome: &'static str) {
        labelled(&self.state, "vigil_client_state_total.outcome", outcome, 1);
    }
}

/// Adds `n` to the counter `{name}.{value}`, defined on first use.
fn labelled(defined: &RefCell<HashMap<&'static str, Option<u32>>>, name: &str, value: &'static str, n: u64) {
    let Ok(mut defined) = defined.try_borrow_mut() else { return };
    let id = *defined.entry(value).or_insert_with(|| hostcalls::define_metric(MetricType::Counter, &format!("{name}.{value}")).ok());
    if let Some(id) = id {
        let _ = hostcalls::increment_metric(id, n as i64);
    }
}

fn bump(id: Option<u32>) {
    if let Some(id) = id {
        let _ = hostcalls::increment_metric(id, 1);
    }
}
