//! NoSQL (MongoDB-style) operator injection and ORM lookup injection.
//!
//! The attack sends an *operator* where the application expects a value: a JSON key such as
//! `$ne`, `$gt`, `$where`, `$regex`, or the same through a query/form name (`password[$ne]=x`,
//! which PHP and Express parse into an object). Keys and names are checked against the operator
//! list; `$where`/`$function` values and JavaScript tautologies (`'; return true; var x='`) are
//! Critical. Django-style lookups in parameter names (`user__password__startswith=a`, also the
//! keys of JSON sent as plain text) are the ORM flavour: chained relations or lookups on secret
//! fields are High, one plain filter (`price__gte=10`) is how such APIs are meant to be used and
//! stays Medium.

use super::gate::{gated, lit, whole_word, word_at, word_before};
use super::{is_json_text, Check, Family, Hit, Subject, Trigger};

/// Gate for `$`: a query operator name follows (`$ne`, `$where`), not a price.
fn operator(b: &[u8], _s: usize, e: usize) -> bool {
    let mut buf = [0u8; 24];
    let w = word_at(b, e, &mut buf);
    std::str::from_utf8(w).is_ok_and(|w| OPERATORS.contains(&w))
}

/// Gate for `__`: an ORM lookup suffix (`__startswith`) or relation follows.
fn orm_lookup(b: &[u8], s: usize, e: usize) -> bool {
    s > 0 && b.get(e).is_some_and(u8::is_ascii_alphabetic)
}

/// Gate: a letter follows (`this.password`, `db.users`), not a sentence end.
fn then_letter(b: &[u8], _s: usize, e: usize) -> bool {
    b.get(e).is_some_and(u8::is_ascii_alphabetic)
}

/// Gate for `(`: `sleep(` or `while(` in a server-side JavaScript payload.
fn js_loop(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    matches!(word_before(b, s, &mut buf), b"sleep" | b"while")
}
use crate::fields::{Part, ValueType};
use crate::finding::Severity::{Critical, High, Medium};

pub(crate) struct Nosqli {
    bracket: regex::Regex,
    js: regex::Regex,
    inline_op: regex::Regex,
    orm: regex::Regex,
    /// A quoted JSON key that is a lookup path, in a value that is JSON sent as text.
    quoted_key: regex::Regex,
}

const OPERATORS: &[&str] = &[
    "ne", "eq", "gt", "gte", "lt", "lte", "in", "nin", "regex", "where", "exists", "or", "and", "not", "nor", "expr",
    "function", "accumulator", "elemmatch", "size", "type", "mod", "all", "text", "jsonschema", "lookup", "options",
    "comment", "natural", "slice", "set", "unset", "push", "rename", "inc",
];

impl Nosqli {
    pub fn new() -> Result<Nosqli, String> {
        Ok(Nosqli {
            bracket: super::regex(r"\[\s*\$([a-z]+)\s*\]")?,
            js: super::regex(r#"(?:['"]\s*(?:;|\|\||&&)\s*(?:return\s+(?:true|1)|this\.|sleep\s*\(|while\s*\(|[a-z_]+\s*==)|\$where\s*["':]|\bthis\s*\.\s*[a-z_]+\s*\.\s*match\s*\(|\bdb\s*\.\s*[a-z_]+\s*\.\s*(?:find|drop|remove|insert|update)\s*\()"#)?,
            inline_op: super::regex(r#"\{\s*["']?\$(?:ne|gt|gte|lt|lte|regex|where|nin|in|exists|expr|or|function)["']?\s*:"#)?,
            quoted_key: super::regex(r#""([a-z][a-z0-9_]*__[a-z0-9_]+)"\s*:"#)?,
            orm: super::regex(r"__(?:exact|iexact|contains|icontains|in|gt|gte|lt|lte|startswith|istartswith|endswith|iendswith|range|regex|iregex|isnull|has_keys?|has_any_keys|contained_by|overlap|search|year|month|day)$")?,
        })
    }
}

impl Nosqli {
    /// An ORM lookup path (`user__password__startswith`) starting at `at`: chained relations or
    /// a secret field are High, one plain filter (`price__gte`) Medium.
    fn orm_lookup(&self, path: &str, at: usize) -> Option<Hit> {
        let m = self.orm.find(path)?;
        let relations = path.matches("__").count();
        let secret = ["password", "secret", "token", "is_staff", "is_superuser", "is_admin", "api_key"].iter().any(|w| path.contains(w));
        let (sev, conf) = if relations >= 3 || secret { (High, 0.8) } else if relations == 2 { (High, 0.7) } else { (Medium, 0.6) };
        Some(Hit::new(Family::Nosqli, sev, conf, at + m.start(), "ORM lookup in a parameter name"))
    }
}

fn is_operator(name: &str) -> bool {
    name.strip_prefix('$').is_some_and(|op| OPERATORS.contains(&op))
}

impl Check for Nosqli {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated("$", operator),
            lit("[$"),
            gated("__", orm_lookup),
            gated("this.", then_letter),
            gated("db.", then_letter),
            gated("return", whole_word),
            gated("(", js_loop),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let text = s.text;
        if s.ty == ValueType::Key || s.part == Part::QueryName {
            let key = text.trim();
            if is_operator(key) {
                let sev = if matches!(key, "$where" | "$function" | "$accumulator" | "$expr") { Critical } else { High };
                return Some(Hit::new(Family::Nosqli, sev, 0.85, 0, "query operator as a key"));
            }
            if let Some(c) = self.bracket.captures(text) {
                if c.get(1).is_some_and(|m| OPERATORS.contains(&m.as_str())) {
                    return Some(Hit::new(Family::Nosqli, High, 0.9, c.get(0).map_or(0, |m| m.start()), "query operator in a parameter name"));
                }
            }
            if let Some(hit) = self.orm_lookup(text, 0) {
                return Some(hit);
            }
        } else if text.contains("__") {
            // JSON sent as text (`text/plain` keeps a browser from asking first): its keys.
            for c in self.quoted_key.captures_iter(text).take(32) {
                if let Some(hit) = c.get(1).and_then(|k| self.orm_lookup(k.as_str(), k.start())) {
                    return Some(hit);
                }
            }
        }
        if let Some(m) = self.js.find(text) {
            return Some(Hit::new(Family::Nosqli, Critical, 0.85, m.start(), "server-side JavaScript in a query"));
        }
        if let Some(m) = self.inline_op.find(text) {
            // A JSON text field that *is* an operator object may be parsed into a query; one
            // quoted in a sentence (`{"$gt": 5} compares`) is documentation.
            if is_json_text(s) && !text.trim_start().starts_with(['{', '[']) {
                return Some(Hit::new(Family::Nosqli, Medium, 0.6, m.start(), "query operator object in text"));
            }
            return Some(Hit::new(Family::Nosqli, High, 0.8, m.start(), "query operator object in a value"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    fn key(v: &str) -> bool {
        scan_at(Part::Body, ValueType::Key, "$.password", v).iter().any(|f| f.kind == "attack.nosqli")
    }
    fn name(v: &str) -> bool {
        scan_at(Part::QueryName, ValueType::Text, v, v).iter().any(|f| f.kind == "attack.nosqli")
    }

    #[test]
    fn catches_nosqli() {
        assert!(key("$ne"));
        assert!(key("$where"));
        assert!(key("$regex"));
        assert!(!key("$schema"), "JSON Schema's own $ keys are not operators");
        assert!(!key("$ref"));
        assert!(!key("name"));
        assert!(name("password[$ne]"));
        assert!(name("user[$regex]"));
        assert!(name("user__profile__password__startswith"));
        assert!(!name("tags[]"));
        let text = |v: &str| scan_at(Part::Body, ValueType::Text, "", v).iter().any(|f| f.kind == "attack.nosqli" && f.weight() >= 0.5);
        assert!(text("{\"owner__email__endswith\": \"@x.io\"}"));
        assert!(!text("{\"price__gte\": 10}"), "one plain filter");
        assert!(!text("Use __init__ and \"__name__\": main"));
        assert_family(
            "attack.nosqli",
            &["'; return true; var x='", "{\"$gt\": \"\"}", "' || this.password.match(/.*/)//", "{$where: 'sleep(5000)'}"],
            &["Save $5 today", "Use the __init__ method", "{\"name\": \"bob\"}", "$ne is a Mongo operator"],
        );
    }

    #[test]
    fn an_operator_object_quoted_in_prose_is_documentation() {
        assert!(!any_flag_in_json(
            "Use {\"$gt\": 5} to compare numbers in mongo"
        ));
        assert!(flags_in_json("attack.nosqli", "{\"$ne\": null}"));
        assert!(flags("attack.nosqli", "see {\"$ne\": null}"));
    }
}
