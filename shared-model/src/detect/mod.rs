//! Attack detection (first cut: path traversal and classic SQL injection tautologies; the full
//! per-family detectors replace this module).

use crate::facts::RequestHead;
use crate::fields::Field;
use crate::finding::{Finding, Owasp, Severity};
use crate::redact::excerpt;

pub struct AttackDetector {
    sqli: regex::Regex,
}

impl AttackDetector {
    pub fn new() -> Result<AttackDetector, String> {
        let sqli = regex::Regex::new(r"(?i)'\s*(or|and)\s+('?\w+'?)\s*=\s*('?\w+'?)|\bunion\s+(all\s+)?select\b").map_err(|e| e.to_string())?;
        Ok(AttackDetector { sqli })
    }

    pub fn scan_head(&self, _head: &RequestHead, _out: &mut Vec<Finding>) {}

    pub fn scan_fields(&self, fields: &[Field<'_>], out: &mut Vec<Finding>) {
        for f in fields {
            let v = f.value.as_ref();
            if let Some(i) = v.find("../").or_else(|| v.find("..\\")) {
                out.push(Finding::new("attack.traversal", Owasp::Api8, Severity::Critical, 0.97, f.location(), excerpt(v, i)));
            }
            if let Some(m) = self.sqli.find(v) {
                out.push(Finding::new("attack.sqli", Owasp::Api8, Severity::Critical, 0.97, f.location(), excerpt(v, m.start())));
            }
        }
    }
}
