//! NoSQL (MongoDB-style) operator injection and ORM lookup injection.
//!
//! The attack sends an *operator* where the application expects a value: a JSON key such as
//! `$ne`, `$gt`, `$where`, `$regex`, or the same through a query/form name (`password[$ne]=x`,
//! which PHP and Express parse into an object). Keys and names are checked against the operator
//! list; `$where`/`$function` values and JavaScript tautologies (`'; return true; var x='`,
//! `0;return true`) are Critical. A value that closes the quoted string it was pasted into and adds
//! an operator (`', $or: [{}, {'a':'a`), or that is a parameter-name suffix (`[$ne]=1`), is High. Django-style lookups in parameter names (`user__password__startswith=a`, also the
//! keys of JSON sent as plain text) are the ORM flavour: chained relations or lookups on secret
//! fields are High, one plain filter (`price__gte=10`) is how such APIs are meant to be used and
//! stays Medium.
//!
//! Some APIs take Mongo-style operators by design: Parse's `where={"score":{"$gte":100}}`,
//! Strapi's `filters[price][$gt]=10`, a `filter` document in a JSON body. An operator that sits
//! in such a query document (under `filter`, `where`, `query`, ...) and applies to a named,
//! ordinary field is Medium: reported, never flagging alone. One that replaces a value (`q[$ne]`,
//! `{"$gt": ""}` as the whole value), or touches a credential or identity field anywhere
//! (`filters[password][$regex]`, `{"username": {"$ne": null}}`), stays High.

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
    /// A value that closes the application's quoted string and adds an operator of its own to
    /// the query object it was pasted into (`', $or: [{}, {'a':'a`).
    breakout: regex::Regex,
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
            bracket: super::regex(r"\[\s*(\$[a-z]+)\s*\]")?,
            js: super::regex(r#"(?:['"]\s*(?:;|\|\||&&)\s*(?:return\s*\(?\s*(?:true|1)\b|this\.|sleep\s*\(|while\s*\(|[a-z_]+\s*==)|\$where\s*["':]|\bthis\s*\.\s*[a-z_]+\s*\.\s*match\s*\(|\bdb\s*\.\s*[a-z_]+\s*\.\s*(?:find|drop|remove|insert|update)\s*\(|^\s*[a-z0-9_.]+\s*;\s*return\s*\(?\s*(?:true|1)\b)"#)?,
            breakout: super::regex(r#"^\s*['"][\s}\]]*,\s*(\$[a-z]+)\s*:"#)?,
            inline_op: super::regex(r#"\{\s*["']?(\$(?:ne|gt|gte|lt|lte|regex|where|nin|in|exists|expr|or|function))["']?\s*:"#)?,
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

/// Fields an operator must never stand in for: with `{"$ne": null}` a login passes without the
/// password, a lookup by id returns every record.
const GUARDED: &[&str] = &[
    "password", "passwd", "pass", "pwd", "secret", "token", "otp", "pin", "code", "username", "user", "login", "email",
    "id", "_id", "uid", "user_id", "userid", "account", "account_id", "api_key", "apikey", "key", "session", "role",
    "admin", "is_admin",
];

/// Names under which query APIs take operators by design.
const QUERY_DOCUMENTS: &[&str] = &["filter", "filters", "where", "query", "q", "match", "selector", "criteria", "conditions", "search"];

/// The named segments of a parameter name or JSON path (`filters[price][$gt]`, `$.where.score`):
/// array indices and operators left out.
fn segments(path: &str) -> impl Iterator<Item = &str> {
    path.split(['.', '[', ']', '"'])
        .filter(|p| !p.is_empty() && !p.starts_with('$') && !p.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether operator `op` under these segments (outermost first) is a query API's own syntax: in
/// a query document, on a named field (logical operators combine clauses and need none), and no
/// credential or identity field on the way unless the operator is `$eq`, which matches what the
/// plain value would (`filters[username][$eq]=john`).
fn in_query_document<'a>(op: &str, path: impl Iterator<Item = &'a str>) -> bool {
    let mut document = false;
    let mut field = false;
    for seg in path {
        if op != "$eq" && GUARDED.iter().any(|g| seg.eq_ignore_ascii_case(g)) {
            return false;
        }
        if document {
            field = true;
        } else if QUERY_DOCUMENTS.iter().any(|d| seg.eq_ignore_ascii_case(d)) {
            document = true;
        }
    }
    document && (field || matches!(op, "$or" | "$and" | "$nor" | "$not"))
}

/// The JSON key right before offset `at` (`"score":` before `{"$gte": 100}`), if any.
fn key_before(text: &str, at: usize) -> Option<&str> {
    let before = text.get(..at)?.trim_end().strip_suffix(':')?.trim_end();
    let before = before.strip_suffix(['"', '\''])?;
    let start = before.rfind(['"', '\'', '{', ',', ' '])? + 1;
    before.get(start..)
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
                if matches!(key, "$where" | "$function" | "$accumulator" | "$expr") {
                    return Some(Hit::new(Family::Nosqli, Critical, 0.85, 0, "query operator as a key"));
                }
                if in_query_document(key, segments(s.name)) {
                    return Some(Hit::new(Family::Nosqli, Medium, 0.6, 0, "query operator in a query document"));
                }
                return Some(Hit::new(Family::Nosqli, High, 0.85, 0, "query operator as a key"));
            }
            let mut documented = None;
            for c in self.bracket.captures_iter(text).take(16) {
                let (Some(all), Some(op)) = (c.get(0), c.get(1).map(|m| m.as_str()).filter(|op| is_operator(op))) else { continue };
                if op != "$where" && in_query_document(op, segments(text.get(..all.start()).unwrap_or(""))) {
                    documented.get_or_insert(Hit::new(Family::Nosqli, Medium, 0.6, all.start(), "query operator in a query document"));
                } else {
                    return Some(Hit::new(Family::Nosqli, High, 0.9, all.start(), "query operator in a parameter name"));
                }
            }
            if documented.is_some() {
                return documented;
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
        if let Some(op) = self.breakout.captures(text).and_then(|c| c.get(1)).filter(|op| is_operator(op.as_str())) {
            return Some(Hit::new(Family::Nosqli, High, 0.85, op.start(), "quoted string closed and an operator added"));
        }
        // A parameter-name suffix sent as the value (`[$ne]=1`): made for a name, aimed at a
        // parser that builds the value's key from it.
        if let Some((all, op)) = self.bracket.captures(text).and_then(|c| c.get(0).zip(c.get(1))) {
            let leads = text.get(..all.start()).is_some_and(|b| b.trim().is_empty());
            let assigns = text.get(all.end()..).is_some_and(|a| a.trim_start().starts_with('='));
            if leads && assigns && is_operator(op.as_str()) {
                return Some(Hit::new(Family::Nosqli, High, 0.8, 0, "query operator as a parameter suffix"));
            }
        }
        // A JSON text field that *is* an operator object may be parsed into a query; one quoted in
        // a sentence (`{"$gt": 5} compares`) is documentation.
        let prose = is_json_text(s) && !text.trim_start().starts_with(['{', '[']);
        let mut documented = None;
        for c in self.inline_op.captures_iter(text).take(16) {
            let (Some(m), Some(op)) = (c.get(0), c.get(1).map(|m| m.as_str())) else { continue };
            let path = segments(s.name).chain(key_before(text, m.start()));
            if prose {
                documented.get_or_insert(Hit::new(Family::Nosqli, Medium, 0.6, m.start(), "query operator object in text"));
            } else if op != "$where" && in_query_document(op, path) {
                documented.get_or_insert(Hit::new(Family::Nosqli, Medium, 0.6, m.start(), "query operator in a query document"));
            } else {
                return Some(Hit::new(Family::Nosqli, High, 0.8, m.start(), "query operator object in a value"));
            }
        }
        documented
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
            &[
                "'; return true; var x='",
                "{\"$gt\": \"\"}",
                "' || this.password.match(/.*/)//",
                "{$where: 'sleep(5000)'}",
                "7;return true",
                "x\";return(1);var y='",
                "' }, $where: 'sleep(100)'",
                "\", $nor: [{}], \"x\":\"",
                "[$regex]=^adm",
            ],
            &[
                "Save $5 today",
                "Use the __init__ method",
                "{\"name\": \"bob\"}",
                "$ne is a Mongo operator",
                "db.find({name: 'a', $or: [{x: 1}]})",
                "If it fails, return true from the hook",
                "'Quoted', $5 each",
                "See [$ne] in the docs",
                "[$gt]: greater than",
            ],
        );
    }

    #[test]
    fn operators_in_a_query_document_on_ordinary_fields_are_the_api_s_syntax() {
        let flags_name = |n: &str| {
            let found = scan_at(Part::QueryName, ValueType::Text, n, n);
            crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        let flags_value = |n: &str, v: &str| {
            let found = scan_at(Part::Query, ValueType::Text, n, v);
            crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        let flags_key = |path: &str, k: &str| {
            let found = scan_at(Part::Body, ValueType::Key, path, k);
            crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        // Strapi, Parse, a Mongo-style filter body: reported (Medium), not flagged.
        assert!(!flags_name("filters[price][$gt]"));
        assert!(!flags_name("filters[$or][0][date][$eq]"));
        assert!(!flags_name("filters[username][$eq]"), "$eq matches what the plain value would");
        assert!(name("filters[price][$gt]"), "still reported");
        assert!(!flags_value("where", "{\"score\":{\"$gte\":100},\"tags\":{\"$in\":[\"a\"]}}"));
        assert!(!flags_key("$.filter.created_at", "$lt"));
        assert!(!flags_key("$.query.tags", "$in"));
        // Operators that replace a value, touch credentials or ids, or run code stay High.
        assert!(flags_name("password[$ne]"));
        assert!(flags_name("q[$ne]"));
        assert!(flags_name("filters[password][$regex]"));
        assert!(flags_name("where[user][email][$ne]"));
        assert!(flags_name("filters[$or][0][password][$regex]"));
        assert!(flags_value("where", "{\"score\":{\"$gte\":1},\"password\":{\"$ne\":null}}"));
        assert!(flags_value("q", "{\"$gt\": \"\"}"));
        assert!(flags_value("where", "{\"$where\": \"sleep(100)\"}"));
        assert!(flags_key("$.filter.username", "$ne"));
        assert!(flags_key("$.filter.id", "$gt"));
        assert!(flags_key("$.where", "$gt"), "no field: the operator replaces a value");
        assert!(flags_key("$.filter.score", "$where"));
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
