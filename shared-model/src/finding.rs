//! Findings: the one currency every detector pays in.
//!
//! A finding says *what* was seen (`kind`, a stable dotted name such as `attack.sqli`), *which*
//! OWASP API Top 10 (2023) risk it belongs to, how bad and how sure it is, *where* it was
//! (`query:q`, `body:$.memo`, `response.body:$.ssn`) and a short, already-redacted excerpt.
//! Detectors never build evidence from raw secrets: see [`crate::redact`].

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;

/// OWASP API Security Top 10, 2023 edition. Serialised as `API1:2023` ... `API10:2023`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Owasp {
    /// Broken Object Level Authorization.
    Api1,
    /// Broken Authentication.
    Api2,
    /// Broken Object Property Level Authorization (excessive data exposure, mass assignment).
    Api3,
    /// Unrestricted Resource Consumption.
    Api4,
    /// Broken Function Level Authorization.
    Api5,
    /// Unrestricted Access to Sensitive Business Flows.
    Api6,
    /// Server Side Request Forgery.
    Api7,
    /// Security Misconfiguration (injection lands here in the 2023 list).
    Api8,
    /// Improper Inventory Management (shadow and zombie APIs).
    Api9,
    /// Unsafe Consumption of APIs.
    Api10,
}

impl Owasp {
    pub const ALL: [Owasp; 10] = [
        Owasp::Api1,
        Owasp::Api2,
        Owasp::Api3,
        Owasp::Api4,
        Owasp::Api5,
        Owasp::Api6,
        Owasp::Api7,
        Owasp::Api8,
        Owasp::Api9,
        Owasp::Api10,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Owasp::Api1 => "API1:2023",
            Owasp::Api2 => "API2:2023",
            Owasp::Api3 => "API3:2023",
            Owasp::Api4 => "API4:2023",
            Owasp::Api5 => "API5:2023",
            Owasp::Api6 => "API6:2023",
            Owasp::Api7 => "API7:2023",
            Owasp::Api8 => "API8:2023",
            Owasp::Api9 => "API9:2023",
            Owasp::Api10 => "API10:2023",
        }
    }

    /// The risk's title as OWASP publishes it.
    pub fn title(self) -> &'static str {
        match self {
            Owasp::Api1 => "Broken Object Level Authorization",
            Owasp::Api2 => "Broken Authentication",
            Owasp::Api3 => "Broken Object Property Level Authorization",
            Owasp::Api4 => "Unrestricted Resource Consumption",
            Owasp::Api5 => "Broken Function Level Authorization",
            Owasp::Api6 => "Unrestricted Access to Sensitive Business Flows",
            Owasp::Api7 => "Server Side Request Forgery",
            Owasp::Api8 => "Security Misconfiguration",
            Owasp::Api9 => "Improper Inventory Management",
            Owasp::Api10 => "Unsafe Consumption of APIs",
        }
    }
}

impl fmt::Display for Owasp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Owasp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Owasp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Cow::<str>::deserialize(d)?;
        Owasp::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown OWASP id {s:?}")))
    }
}

/// How bad a finding is if it is true. Ordered: `Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// The weight this severity carries in the verdict score (see [`crate::verdict`]): a critical
    /// finding weighs its full confidence, so one at >= 0.9 blocks at the default threshold.
    pub fn weight(self) -> f64 {
        match self {
            Severity::Low => 0.2,
            Severity::Medium => 0.45,
            Severity::High => 0.75,
            Severity::Critical => 1.0,
        }
    }
}

/// One piece of evidence against (or about) an exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable dotted name: `attack.sqli`, `sensitive.ssn`, `baseline.size`, ...
    pub kind: Cow<'static, str>,
    pub owasp: Owasp,
    pub severity: Severity,
    /// How sure the detector is, in [0, 1].
    pub confidence: f64,
    /// Where: `path`, `query:q`, `header:user-agent`, `body:$.memo`, `response.body:$.ssn`.
    pub location: String,
    /// A short, redacted excerpt. Never a full secret.
    pub evidence: String,
    /// A plain-words explanation, when the kind alone does not say enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Finding {
    pub fn new(
        kind: impl Into<Cow<'static, str>>,
        owasp: Owasp,
        severity: Severity,
        confidence: f64,
        location: impl Into<String>,
        evidence: impl Into<String>,
    ) -> Finding {
        Finding {
            kind: kind.into(),
            owasp,
            severity,
            confidence: confidence.clamp(0.0, 1.0),
            location: location.into(),
            evidence: evidence.into(),
            detail: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Finding {
        self.detail = Some(detail.into());
        self
    }

    /// This finding's contribution to the verdict score.
    pub fn weight(&self) -> f64 {
        self.severity.weight() * self.confidence
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owasp_ids_round_trip() {
        for o in Owasp::ALL {
            let s = serde_json::to_string(&o).unwrap();
            assert_eq!(serde_json::from_str::<Owasp>(&s).unwrap(), o);
        }
        assert_eq!(Owasp::Api10.as_str(), "API10:2023");
        assert!(serde_json::from_str::<Owasp>("\"API11:2023\"").is_err());
    }

    #[test]
    fn severity_orders_and_serialises_lowercase() {
        assert!(Severity::Low < Severity::Critical);
        assert_eq!(serde_json::to_string(&Severity::High).unwrap(), "\"high\"");
    }
}
