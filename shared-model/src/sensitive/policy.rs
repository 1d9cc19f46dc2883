//! Data policies: which sensitive types an endpoint may or must not send or receive, and what
//! to do about a violation (flag, block, redact); and the redaction itself.
//!
//! Policies are validated and compiled once ([`CompiledPolicies::new`], errors name the field:
//! `policies[2].endpoint`), then evaluated per exchange as a pure function of the matches.
//! Resolution is per data type. The most specific matching policy that *has an opinion* about a
//! type decides whether it may appear: an explicit `allow` permits it; a `forbid`, or an
//! `allow` list that leaves it out, makes it a violation. Policies silent about a type defer to
//! less specific ones, down to `"*"`. A violation takes the strictest action (block > redact >
//! flag) of all matching policies that object to the type, so a global `forbid: [private_key]`
//! with `block` still blocks on an endpoint whose own allow-list merely flags.
//!
//! Endpoints are [`EndpointPattern`]s, matched against the route's endpoint template.
//!
//! [`redact_body`] rewrites a buffered JSON or text body, replacing matches with their masks. JSON
//! is rewritten token by token, so everything but the redacted strings keeps its bytes (key
//! order, spacing, numbers); a number that is, say, a card becomes a masked string.

use super::{DataType, SensitiveMatch, SensitiveScanner};
use crate::endpoint_pattern::EndpointPattern;
use crate::fields::{BodyKind, Field, Part, ValueType};
use crate::finding::{Finding, Owasp, Severity};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// What to do when a policy is violated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyAction {
    /// Report only (a finding).
    Flag,
    /// Block the exchange (a response-side block replaces a buffered body).
    Block,
    /// Replace the offending values with their masks in a buffered body.
    Redact,
}

/// One operator policy, as configured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataPolicy {
    pub endpoint: String,
    #[serde(default)]
    pub allow: Vec<DataType>,
    #[serde(default)]
    pub forbid: Vec<DataType>,
    pub action: PolicyAction,
}

#[derive(Debug, Clone)]
struct Compiled {
    index: usize,
    endpoint: EndpointPattern,
    policy: DataPolicy,
}

/// Validated policies, most specific first.
#[derive(Debug, Clone, Default)]
pub struct CompiledPolicies {
    policies: Vec<Compiled>,
}

impl CompiledPolicies {
    /// Validates and compiles; an error names the field (`policies[1].allow`) and the problem.
    pub fn new(policies: &[DataPolicy]) -> Result<CompiledPolicies, (String, String)> {
        let mut out = Vec::with_capacity(policies.len());
        for (i, p) in policies.iter().enumerate() {
            let field = |f: &str| format!("policies[{i}].{f}");
            if p.allow.is_empty() && p.forbid.is_empty() {
                return Err((field("forbid"), "a policy needs an allow or a forbid list".into()));
            }
            if let Some(t) = p.allow.iter().find(|t| p.forbid.contains(t)) {
                return Err((field("allow"), format!("{} is both allowed and forbidden", t.as_str())));
            }
            let endpoint = EndpointPattern::parse(&p.endpoint).map_err(|m| (field("endpoint"), format!("{:?}: {m}", p.endpoint)))?;
            out.push(Compiled { index: i, endpoint, policy: p.clone() });
        }
        out.sort_by(|a, b| b.endpoint.specificity().cmp(&a.endpoint.specificity()).then(a.index.cmp(&b.index)));
        Ok(CompiledPolicies { policies: out })
    }

    /// Whether a policy that blocks or redacts applies to this endpoint: the proxy must then
    /// buffer the response (headers held) so the action can still be taken.
    pub fn acts_on_response(&self, method: &str, endpoint: &str) -> bool {
        self.policies.iter().any(|c| c.policy.action != PolicyAction::Flag && c.endpoint.matches(method, endpoint))
    }

    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Findings and actions for the matches of one direction of one exchange: one per violated
    /// (policy, type), located at the type's first match.
    pub fn evaluate(&self, method: &str, endpoint: &str, matches: &[SensitiveMatch], response: bool) -> Vec<(Finding, PolicyAction)> {
        let applicable: Vec<&Compiled> = self.policies.iter().filter(|c| c.endpoint.matches(method, endpoint)).collect();
        let mut out = Vec::new();
        let mut seen: Vec<DataType> = Vec::new();
        for m in matches {
            if seen.contains(&m.ty) {
                continue;
            }
            seen.push(m.ty);
            let objects = |c: &&&Compiled| c.policy.forbid.contains(&m.ty) || (!c.policy.allow.is_empty() && !c.policy.allow.contains(&m.ty));
            let first = applicable.iter().find(|c| c.policy.allow.contains(&m.ty) || objects(c));
            if !first.is_some_and(|c| objects(&c)) {
                continue;
            }
            let strictness = |a: PolicyAction| match a {
                PolicyAction::Flag => 0,
                PolicyAction::Redact => 1,
                PolicyAction::Block => 2,
            };
            let Some(c) = applicable.iter().filter(objects).min_by_key(|c| std::cmp::Reverse(strictness(c.policy.action))) else { continue };
            let n = matches.iter().filter(|x| x.ty == m.ty).count();
            let severity = match m.ty.severity() {
                Severity::Low => Severity::Medium,
                Severity::Medium => Severity::High,
                _ => Severity::Critical,
            };
            let (owasp, dir) = if response { (Owasp::Api3, "response") } else { (Owasp::Api8, "request") };
            let finding = Finding::new("sensitive.policy", owasp, severity, m.ty.confidence(), m.location.clone(), m.masked.clone()).with_detail(format!(
                "{} in {dir} violates data policy {:?} ({n} {})",
                m.ty.as_str(),
                c.policy.endpoint,
                if n == 1 { "match" } else { "matches" }
            ));
            out.push((finding, c.policy.action));
        }
        out
    }
}

/// Rewrites a buffered body with the matches of `types` replaced by their masks. JSON stays
/// valid JSON (only the affected strings change); text is rewritten in place; binary media and
/// non-UTF-8 text are left alone. `None` when nothing changed.
pub fn redact_body(scanner: &SensitiveScanner, content_type: Option<&str>, body: &[u8], types: &[DataType]) -> Option<Vec<u8>> {
    if types.is_empty() || body.is_empty() {
        return None;
    }
    match BodyKind::of(content_type, body) {
        BodyKind::Binary => None,
        BodyKind::Json if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok() => redact_json(scanner, body, types),
        _ => {
            let text = std::str::from_utf8(body).ok()?;
            redact_value(scanner, "", text, ValueType::Text, types).map(String::into_bytes)
        }
    }
}

/// The value with matches of `types` masked, or `None` when there are none.
fn redact_value(scanner: &SensitiveScanner, name: &str, value: &str, ty: ValueType, types: &[DataType]) -> Option<String> {
    let field = Field { part: Part::ResponseBody, name: Cow::Borrowed(name), value: Cow::Borrowed(value), ty };
    let mut matches = Vec::new();
    scanner.scan(std::slice::from_ref(&field), &mut matches);
    matches.retain(|m| types.contains(&m.ty));
    if matches.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(value.len());
    let mut at = 0;
    for m in &matches {
        if m.span.start < at {
            continue;
        }
        out.push_str(value.get(at..m.span.start)?);
        out.push_str(&m.masked);
        at = m.span.end;
    }
    out.push_str(value.get(at..)?);
    Some(out)
}

/// Token-level JSON rewrite: strings and numbers are scanned with the last object key as their
/// context; everything else is copied byte for byte. The body was checked to be valid JSON.
fn redact_json(scanner: &SensitiveScanner, body: &[u8], types: &[DataType]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(body.len());
    let mut changed = false;
    let mut stack: Vec<bool> = Vec::new(); // true = object
    let mut expect_key = false;
    let mut key = String::from("$");
    let mut i = 0;
    while i < body.len() {
        let c = body[i];
        match c {
            b'{' | b'[' => {
                stack.push(c == b'{');
                expect_key = c == b'{';
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last() == Some(&true),
            b':' => expect_key = false,
            b'"' => {
                let mut j = i + 1;
                while j < body.len() && body[j] != b'"' {
                    j += if body[j] == b'\\' { 2 } else { 1 };
                }
                let raw = body.get(i..=j)?;
                let s: String = serde_json::from_slice(raw).ok()?;
                if expect_key {
                    key = format!("$.{s}");
                    out.extend_from_slice(raw);
                } else if let Some(r) = redact_value(scanner, &key, &s, ValueType::Text, types) {
                    out.extend_from_slice(serde_json::to_string(&r).ok()?.as_bytes());
                    changed = true;
                } else {
                    out.extend_from_slice(raw);
                }
                i = j + 1;
                continue;
            }
            b'-' | b'0'..=b'9' => {
                let j = i + body[i..].iter().take_while(|b| matches!(b, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')).count();
                let raw = std::str::from_utf8(&body[i..j]).ok()?;
                match redact_value(scanner, &key, raw, ValueType::Number, types) {
                    Some(r) => {
                        out.extend_from_slice(serde_json::to_string(&r).ok()?.as_bytes());
                        changed = true;
                    }
                    None => out.extend_from_slice(raw.as_bytes()),
                }
                i = j;
                continue;
            }
            _ => {}
        }
        out.push(c);
        i += 1;
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(ty: DataType) -> SensitiveMatch {
        SensitiveMatch { ty, location: "response.body:$.x".into(), masked: "***".into(), field_index: 0, span: 0..3 }
    }

    fn pol(endpoint: &str, allow: &[DataType], forbid: &[DataType], action: PolicyAction) -> DataPolicy {
        DataPolicy { endpoint: endpoint.into(), allow: allow.to_vec(), forbid: forbid.to_vec(), action }
    }

    #[test]
    fn parses_from_json_and_refuses_unknown_fields() {
        let p: DataPolicy = serde_json::from_str(r#"{"endpoint":"GET /api/v1/users/{id}","forbid":["ssn","credit_card"],"action":"block"}"#).unwrap();
        assert_eq!(p.forbid, vec![DataType::Ssn, DataType::CreditCard]);
        assert!(serde_json::from_str::<DataPolicy>(r#"{"endpoint":"*","forbid":["ssn"],"action":"flag","mode":"x"}"#).is_err());
        assert!(serde_json::from_str::<DataPolicy>(r#"{"endpoint":"*","forbid":["sns"],"action":"flag"}"#).is_err());
    }

    #[test]
    fn validation_names_the_field() {
        let e = CompiledPolicies::new(&[pol("*", &[], &[DataType::Ssn], PolicyAction::Flag), pol("GET api", &[], &[DataType::Ssn], PolicyAction::Flag)]).unwrap_err();
        assert_eq!(e.0, "policies[1].endpoint");
        let e = CompiledPolicies::new(&[pol("*", &[DataType::Ssn], &[DataType::Ssn], PolicyAction::Flag)]).unwrap_err();
        assert_eq!(e.0, "policies[0].allow");
        let e = CompiledPolicies::new(&[pol("*", &[], &[], PolicyAction::Flag)]).unwrap_err();
        assert_eq!(e.0, "policies[0].forbid");
        let e = CompiledPolicies::new(&[pol("get /a", &[], &[DataType::Ssn], PolicyAction::Flag)]).unwrap_err();
        assert!(e.1.contains("method"), "{e:?}");
        assert!(CompiledPolicies::new(&[pol("/a/x{id}", &[], &[DataType::Ssn], PolicyAction::Flag)]).is_err());
    }

    #[test]
    fn most_specific_opinion_wins_per_type() {
        let c = CompiledPolicies::new(&[
            pol("*", &[], &[DataType::Ssn, DataType::PrivateKey], PolicyAction::Block),
            pol("GET /api/v1/hr/{id}", &[DataType::Ssn], &[], PolicyAction::Flag),
            pol("* /api/v1/admin/*", &[], &[DataType::Email], PolicyAction::Redact),
        ])
        .unwrap();
        let hr = c.evaluate("GET", "/api/v1/hr/{id}", &[m(DataType::Ssn), m(DataType::PrivateKey)], true);
        assert_eq!(hr.len(), 1, "{hr:?}");
        assert_eq!(hr[0].1, PolicyAction::Block);
        assert!(hr[0].0.detail.as_deref().unwrap_or("").starts_with("private_key in response"));
        let other = c.evaluate("GET", "/api/v1/users/7", &[m(DataType::Ssn), m(DataType::Ssn)], true);
        assert_eq!(other.len(), 1);
        assert_eq!((other[0].0.owasp, other[0].0.severity), (Owasp::Api3, Severity::Critical));
        let admin = c.evaluate("POST", "/api/v1/admin/users/9", &[m(DataType::Email)], false);
        assert_eq!((admin[0].1, admin[0].0.owasp), (PolicyAction::Redact, Owasp::Api8));
        assert!(c.evaluate("POST", "/api/v1/admin", &[m(DataType::Email)], true).is_empty(), "a final * needs a segment");
    }

    #[test]
    fn allow_list_reports_everything_else() {
        let c = CompiledPolicies::new(&[pol("/public/*", &[DataType::Email], &[], PolicyAction::Flag)]).unwrap();
        let r = c.evaluate("GET", "/public/profile", &[m(DataType::Email), m(DataType::Phone)], true);
        assert_eq!(r.len(), 1);
        assert!(r[0].0.detail.as_deref().unwrap_or("").starts_with("phone"));
    }

    #[test]
    fn redacts_json_keeping_everything_else() {
        let s = SensitiveScanner::new().unwrap();
        let body = br#"{"z":1, "ssn" : "536-90-1234", "card":4111111111111111, "note":"mail \"jane@example.com\"", "ok":[true,null]}"#;
        let out = redact_body(&s, Some("application/json"), body, &[DataType::Ssn, DataType::CreditCard, DataType::Email]).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, r#"{"z":1, "ssn" : "***-**-1234", "card":"************1111", "note":"mail \"j***@example.com\"", "ok":[true,null]}"#);
        assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok());
        assert_eq!(redact_body(&s, Some("application/json"), body, &[DataType::Iban]), None);
    }

    #[test]
    fn redacts_text_and_leaves_binary() {
        let s = SensitiveScanner::new().unwrap();
        let out = redact_body(&s, Some("text/plain"), b"key AKIAIOSFODNN7EXAMPLE end", &[DataType::AwsAccessKey]).unwrap();
        assert_eq!(out, b"key AKIA************MPLE end");
        assert_eq!(redact_body(&s, Some("image/png"), b"AKIAIOSFODNN7EXAMPLE", &[DataType::AwsAccessKey]), None);
        assert_eq!(redact_body(&s, Some("text/plain"), b"\xff AKIAIOSFODNN7EXAMPLE", &[DataType::AwsAccessKey]), None);
    }
}
