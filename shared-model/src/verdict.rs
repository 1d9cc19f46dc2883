//! The verdict: many findings folded into one decision, a score and a confidence.
//!
//! Scoring is a noisy-OR over finding kinds: each kind contributes its strongest finding's
//! `severity weight x confidence` (low 0.2, medium 0.45, high 0.75, critical 1.0), and
//! `score = 1 - prod(1 - w)`. One strong finding (a critical SQL injection at 0.9) suffices on
//! its own; several weak ones of different kinds (an odd size, an unexpected parameter, an unusual
//! status) add up; repeating one kind (ten emails in a
//! response) does not inflate the score. Posture findings describe the API, not the client: below
//! high severity they are reported but weigh nothing (an API without HSTS must not push its
//! clients' ordinary requests over the flag threshold), and the high ones (an accepted `alg: none`
//! token, personal data served without a credential) count together as one kind ([`score_key`]).
//! The confidence is the weight-averaged confidence of those findings, or the inspection coverage
//! when there are none (a body past the inspection limit lowers it).

use crate::finding::Finding;
use serde::{Deserialize, Serialize};

/// What Vigil decided. In monitor mode it is what block mode would have done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    #[default]
    Allow,
    Flag,
    Block,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Flag => "flag",
            Decision::Block => "block",
        }
    }
}

/// Score thresholds for `flag` and `block` (validated: `0 < flag <= block <= 1`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    pub flag: f64,
    pub block: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds { flag: 0.5, block: 0.9 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Verdict {
    #[serde(rename = "verdict")]
    pub decision: Decision,
    pub score: f64,
    pub confidence: f64,
    /// True when the decision was (or will be) enforced: block mode and `decision == block`.
    pub enforced: bool,
}

/// Folds findings into a verdict. `coverage` in [0,1] says how much of the exchange was inspected.
pub fn decide(findings: &[Finding], thresholds: &Thresholds, coverage: f64, enforcing: bool) -> Verdict {
    // Strongest finding per kind; kinds are few, so a small vector beats a map.
    let mut per_kind: Vec<(&str, f64, f64)> = Vec::new();
    for f in findings {
        let w = scoring_weight(f);
        let key = score_key(&f.kind);
        match per_kind.iter_mut().find(|(k, _, _)| *k == key) {
            Some(slot) if slot.1 < w => *slot = (key, w, f.confidence),
            Some(_) => {}
            None => per_kind.push((key, w, f.confidence)),
        }
    }
    let mut keep = 1.0;
    let (mut wsum, mut wc) = (0.0, 0.0);
    for &(_, w, c) in &per_kind {
        keep *= 1.0 - w;
        wsum += w;
        wc += w * c;
    }
    let score = round3(1.0 - keep);
    let confidence = if wsum > 0.0 { round3(wc / wsum) } else { round3(coverage.clamp(0.0, 1.0)) };
    let decision = if score >= thresholds.block {
        Decision::Block
    } else if score >= thresholds.flag {
        Decision::Flag
    } else {
        Decision::Allow
    };
    Verdict { decision, score, confidence, enforced: enforcing && decision == Decision::Block }
}

/// What a finding weighs in the score: its [`Finding::weight`], except posture findings below high
/// severity, which are reported and weigh nothing.
pub fn scoring_weight(f: &Finding) -> f64 {
    if f.kind.starts_with("posture.") && f.severity < crate::finding::Severity::High {
        0.0
    } else {
        f.weight()
    }
}

/// The group a finding kind scores in: its kind, except that every `posture.*` kind is one group,
/// so an endpoint's many small misconfigurations weigh as its strongest one (crate::posture).
pub fn score_key(kind: &str) -> &str {
    if kind.starts_with("posture.") {
        "posture"
    } else {
        kind
    }
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Owasp, Severity};

    fn f(kind: &'static str, sev: Severity, conf: f64) -> Finding {
        Finding::new(kind, Owasp::Api8, sev, conf, "query:q", "x")
    }

    #[test]
    fn no_findings_allows_with_coverage_as_confidence() {
        let v = decide(&[], &Thresholds::default(), 0.8, true);
        assert_eq!(v.decision, Decision::Allow);
        assert_eq!(v.score, 0.0);
        assert_eq!(v.confidence, 0.8);
        assert!(!v.enforced);
    }

    #[test]
    fn one_strong_finding_blocks_and_is_enforced_only_in_block_mode() {
        let strong = [f("attack.sqli", Severity::Critical, 0.98)];
        let v = decide(&strong, &Thresholds::default(), 1.0, true);
        assert_eq!(v.decision, Decision::Block);
        assert!(v.enforced);
        assert!(!decide(&strong, &Thresholds::default(), 1.0, false).enforced);
    }

    #[test]
    fn weak_signals_of_different_kinds_add_up_but_repeats_do_not() {
        let one = [f("baseline.size", Severity::Medium, 0.8)];
        assert_eq!(decide(&one, &Thresholds::default(), 1.0, false).decision, Decision::Allow);
        let repeated = vec![f("baseline.size", Severity::Medium, 0.8); 5];
        assert_eq!(decide(&repeated, &Thresholds::default(), 1.0, false).decision, Decision::Allow);
        let mixed = [
            f("baseline.size", Severity::Medium, 0.8),
            f("baseline.param_unexpected", Severity::Medium, 0.8),
            f("baseline.status", Severity::Medium, 0.8),
        ];
        let v = decide(&mixed, &Thresholds::default(), 1.0, false);
        assert_eq!(v.decision, Decision::Flag, "{v:?}");
        assert!(v.score < 0.9);
    }

    #[test]
    fn posture_below_high_weighs_nothing_and_high_posture_counts_as_one() {
        let weak = [
            f("posture.nosniff", Severity::Low, 0.9),
            f("posture.version_banner", Severity::Medium, 0.9),
            f("posture.cors_reflected_origin", Severity::Medium, 0.9),
        ];
        let v = decide(&weak, &Thresholds::default(), 1.0, false);
        assert_eq!((v.decision, v.score), (Decision::Allow, 0.0), "{v:?}");
        // A medium client-side finding is judged the same with or without the API's posture.
        let mut with = weak.to_vec();
        with.push(f("sensitive.generic_secret", Severity::Medium, 0.9));
        let alone = decide(&with[3..], &Thresholds::default(), 1.0, false);
        assert_eq!(decide(&with, &Thresholds::default(), 1.0, false).score, alone.score);
        let strong = [f("posture.jwt_alg_none", Severity::High, 0.9), f("posture.unauthenticated_sensitive", Severity::High, 0.9)];
        assert_eq!(decide(&strong, &Thresholds::default(), 1.0, false).score, 0.675);
    }
}
