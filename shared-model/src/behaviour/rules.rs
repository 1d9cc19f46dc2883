//! Sequence rules (`policies.sequences`): operator-written constraints on call order, enforced with
//! the same per-client state as the learned behaviour.
//!
//! Two forms: `{"before": A, "then": B, "within_s": T}` (B needs A earlier in the client's last
//! [`super::state::HISTORY`] operations, at most T seconds before) and
//! `{"endpoint": B, "max_in_a_row": N}` (at most N consecutive calls to B). Endpoints are written
//! `METHOD /template` as in the model; `action` is `flag` (default) or `block`. Raw rules are
//! checked once at configuration load with errors naming the field (`policies.sequences[1].then`).

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    /// Report a high-severity finding (the verdict flags).
    #[default]
    Flag,
    /// Report a critical finding (the verdict blocks; enforced in block mode).
    Block,
}

/// One rule as written in the configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub before: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub then: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within_s: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_in_a_row: Option<u32>,
    #[serde(default)]
    pub action: RuleAction,
}

/// Default and largest `within_s`.
pub const DEFAULT_WITHIN_S: u32 = 600;
const MAX_WITHIN_S: u32 = 86_400;

/// A checked rule, endpoints split into (method, template).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Precedes { before: (String, String), then: (String, String), within_s: u32, action: RuleAction },
    MaxInARow { endpoint: (String, String), max: u8, action: RuleAction },
}

/// Checks the rules; the error is (field, reason).
pub fn check(rules: &[SequenceRule]) -> Result<Vec<Rule>, (String, String)> {
    rules.iter().enumerate().map(|(i, r)| check_one(i, r)).collect()
}

fn check_one(i: usize, r: &SequenceRule) -> Result<Rule, (String, String)> {
    let field = |name: &str| format!("policies.sequences[{i}].{name}");
    let endpoint = |name: &str, v: &Option<String>| -> Result<(String, String), (String, String)> {
        let v = v.as_deref().ok_or_else(|| (field(name), "missing".to_string()))?;
        parse_endpoint(v).map_err(|why| (field(name), format!("{v:?}: {why}")))
    };
    match (&r.before, &r.then, &r.endpoint, r.max_in_a_row) {
        (Some(_), _, None, None) | (_, Some(_), None, None) => {
            let within_s = r.within_s.unwrap_or(DEFAULT_WITHIN_S);
            if within_s == 0 || within_s > MAX_WITHIN_S {
                return Err((field("within_s"), format!("{within_s} (expected 1..={MAX_WITHIN_S})")));
            }
            Ok(Rule::Precedes { before: endpoint("before", &r.before)?, then: endpoint("then", &r.then)?, within_s, action: r.action })
        }
        (None, None, _, Some(_)) | (None, None, Some(_), None) if r.within_s.is_none() => {
            let max = r.max_in_a_row.ok_or_else(|| (field("max_in_a_row"), "missing".to_string()))?;
            let max = u8::try_from(max).ok().filter(|m| *m >= 1).ok_or_else(|| (field("max_in_a_row"), format!("{max} (expected 1..=255)")))?;
            Ok(Rule::MaxInARow { endpoint: endpoint("endpoint", &r.endpoint)?, max, action: r.action })
        }
        _ => Err((
            format!("policies.sequences[{i}]"),
            "a rule is either {\"before\", \"then\", \"within_s\"} or {\"endpoint\", \"max_in_a_row\"}".to_string(),
        )),
    }
}

/// `POST /api/v1/transfers` -> (`POST`, `/api/v1/transfers`).
fn parse_endpoint(s: &str) -> Result<(String, String), String> {
    let (method, template) = s.trim().split_once(' ').ok_or("expected METHOD /template")?;
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err("expected an upper-case method, as in POST /api/v1/transfers".into());
    }
    crate::route::check_template(template.trim())?;
    Ok((method.to_string(), template.trim().to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(json: &str) -> Result<Vec<Rule>, (String, String)> {
        check(&serde_json::from_str::<Vec<SequenceRule>>(json).unwrap())
    }

    #[test]
    fn both_forms_parse_with_defaults() {
        let r = rule(r#"[{"before":"GET /a/{id}/balance","then":"POST /t"},{"endpoint":"POST /login","max_in_a_row":5,"action":"block"}]"#).unwrap();
        assert_eq!(
            r[0],
            Rule::Precedes { before: ("GET".into(), "/a/{id}/balance".into()), then: ("POST".into(), "/t".into()), within_s: 600, action: RuleAction::Flag }
        );
        assert_eq!(r[1], Rule::MaxInARow { endpoint: ("POST".into(), "/login".into()), max: 5, action: RuleAction::Block });
    }

    #[test]
    fn each_rule_names_its_field() {
        assert_eq!(rule(r#"[{"before":"GET /a"}]"#).unwrap_err().0, "policies.sequences[0].then");
        assert_eq!(rule(r#"[{"then":"GET /a"}]"#).unwrap_err().0, "policies.sequences[0].before");
        assert_eq!(rule(r#"[{"before":"get /a","then":"GET /b"}]"#).unwrap_err().0, "policies.sequences[0].before");
        assert_eq!(rule(r#"[{"before":"GET /a","then":"GET b"}]"#).unwrap_err().0, "policies.sequences[0].then");
        assert_eq!(rule(r#"[{"before":"GET /a","then":"GET /b","within_s":0}]"#).unwrap_err().0, "policies.sequences[0].within_s");
        assert_eq!(rule(r#"[{"endpoint":"POST /l"}]"#).unwrap_err().0, "policies.sequences[0].max_in_a_row");
        assert_eq!(rule(r#"[{"max_in_a_row":3}]"#).unwrap_err().0, "policies.sequences[0].endpoint");
        assert_eq!(rule(r#"[{"endpoint":"POST /l","max_in_a_row":0}]"#).unwrap_err().0, "policies.sequences[0].max_in_a_row");
        assert_eq!(rule(r#"[{"endpoint":"POST /l","max_in_a_row":300}]"#).unwrap_err().0, "policies.sequences[0].max_in_a_row");
        assert_eq!(rule(r#"[{}]"#).unwrap_err().0, "policies.sequences[0]");
        assert_eq!(rule(r#"[{"before":"GET /a","then":"GET /b","max_in_a_row":2}]"#).unwrap_err().0, "policies.sequences[0]");
        assert!(serde_json::from_str::<Vec<SequenceRule>>(r#"[{"befor":"GET /a"}]"#).is_err());
    }
}
