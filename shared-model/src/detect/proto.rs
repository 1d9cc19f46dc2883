//! JavaScript prototype pollution: writing through `__proto__` or `constructor.prototype`.
//!
//! A JavaScript back end that merges request data into objects (deep merge, `qs`-style nested
//! query names, JSON bodies) copies a key named `__proto__` onto `Object.prototype`, so every
//! object in the process inherits what the attacker sent (`{"__proto__": {"isAdmin": true}}`,
//! `?__proto__[isAdmin]=1`, `?constructor[prototype][isAdmin]=1`). As a key or parameter name
//! these have no other use and are Critical. Inside a text value the same paths
//! (`a.__proto__.b`, `constructor["prototype"]`) are High: a string the application parses as
//! a path or as JSON. Outside a JSON text field (a URL, header, form or XML value), where prose
//! does not travel, `__proto__`, `constructor.prototype` and a `[constructor]` index are High
//! wherever they stand; in a JSON text, prose that only names them is left alone.

use super::gate::{gated, lit};
use super::{is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::{Part, ValueType};
use crate::finding::Severity::{Critical, High};

pub(crate) struct Proto {
    /// For keys and parameter names.
    names: Rules,
    /// For text values.
    values: Rules,
    /// For text values outside a JSON text field.
    strict_values: Rules,
}

impl Proto {
    pub fn new() -> Result<Proto, String> {
        let names = Rules::new(
            Family::Prototype,
            &[(r#"(?:^|[\[.\s"'])__proto__(?:$|[\]\[.\s"'])|(?:^|[\[.])constructor\s*(?:\]\s*)?(?:\.|\[)\s*["']?prototype\b"#, Critical, 0.9, "prototype path in a key")],
        )?;
        let values = Rules::new(
            Family::Prototype,
            &[
                (r#"__proto__\s*(?:\[|\.\s*[a-z_$]|["']\s*:)|\bconstructor\s*\]?\s*(?:\.\s*|\[\s*["']?)prototype\b["']?\s*\]?\s*(?:\.\s*[a-z_$]|\[)"#, High, 0.8, "prototype path in a value"),
                // `Object.prototype.isAdmin = true`: an assignment onto every object's prototype
                // (code that only reads it, `Object.prototype.toString.call(x)`, is left alone).
                // `{"constructor": {"prototype": {...}}}` inside a string the application parses as
                // JSON: the same write as `__proto__`, spelled as nested keys.
                (r#"["'`]constructor["'`]\s*:\s*\{\s*["'`]prototype["'`]\s*:"#, High, 0.8, "prototype path as nested JSON keys in a value"),
                (r#"\bobject\s*\.\s*prototype\s*(?:\.\s*[a-z_$][a-z0-9_$]*|\[\s*["'][^"']*["']\s*\])\s*=[^=]"#, High, 0.8, "assignment to Object.prototype"),
            ],
        )?;
        let strict_values = Rules::new(
            Family::Prototype,
            &[
                (r#"__proto__|\bconstructor\s*(?:\.|\[)\s*["'`]?\s*prototype\b"#, High, 0.75, "prototype path outside a JSON text"),
                (r#"\[\s*["'`]?\s*constructor\s*["'`]?\s*\]"#, High, 0.7, "constructor index outside a JSON text"),
            ],
        )?;
        Ok(Proto { names, values, strict_values })
    }
}

impl Check for Proto {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[lit("__proto__"), lit("prototype"), gated("constructor", indexed)];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if s.ty == ValueType::Key || s.part == Part::QueryName {
            return self.names.best(s.text);
        }
        if is_json_text(s) {
            return self.values.best(s.text);
        }
        stronger(self.values.best(s.text), self.strict_values.best(s.text))
    }
}

/// Gate for `constructor`: an index (`[constructor]`, `['constructor']`).
fn indexed(b: &[u8], s: usize, e: usize) -> bool {
    let before = b[..s].iter().rev().take(3).find(|&&c| !matches!(c, b' ' | b'"' | b'\'' | b'`'));
    let after = b[e..].iter().take(3).find(|&&c| !matches!(c, b' ' | b'"' | b'\'' | b'`'));
    before == Some(&b'[') && after == Some(&b']')
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    fn as_key(v: &str) -> bool {
        scan_at(Part::Body, ValueType::Key, "$", v).iter().any(|f| f.kind == "attack.prototype_pollution")
    }
    fn as_query_name(v: &str) -> bool {
        scan_at(Part::QueryName, ValueType::Text, v, v).iter().any(|f| f.kind == "attack.prototype_pollution")
    }

    #[test]
    fn nested_json_keys_in_a_value() {
        for v in ["{\"constructor\":{\"prototype\":{\"isAdmin\":true}}}", "{'constructor': {'prototype': {'x': 1}}}"] {
            assert!(flags("attack.prototype_pollution", v), "{v}");
            assert!(flags_in_json("attack.prototype_pollution", v), "{v} in a JSON text");
        }
        for v in ["{\"constructor\":\"Acme\",\"prototype\":true}", "the constructor: a prototype builder"] {
            assert!(!flags_in_json("attack.prototype_pollution", v), "{v}");
        }
    }

    #[test]
    fn assignments_to_object_prototype() {
        for v in ["Object.prototype.isAdmin = true", "Object.prototype['polluted']=1"] {
            assert!(flags("attack.prototype_pollution", v), "{v}");
        }
        for v in ["Object.prototype.toString.call(x)", "if (Object.prototype.x == y)", "the object prototype chain"] {
            assert!(!flags("attack.prototype_pollution", v), "{v}");
        }
    }

    #[test]
    fn prototype_paths_outside_a_json_text() {
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.prototype_pollution" && f.weight() >= 0.5);
        for v in ["__proto__", "x=__PROTO__", "constructor.prototype", "constructor [ 'prototype' ]", "[constructor][prototype]", "a[ constructor ]", "['constructor']"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["constructor", "prototype", "the constructor (new)", "[constructors]", "constructor_id", "prototypes"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        assert!(!any_flag_in_json("The constructor.prototype property is shared"));
    }

    #[test]
    fn catches_prototype_pollution() {
        assert!(as_key("__proto__"));
        assert!(as_query_name("__proto__[role]"));
        assert!(as_query_name("user[__proto__][role]"));
        assert!(as_query_name("constructor[prototype][role]"));
        assert!(as_query_name("a.constructor.prototype.b"));
        assert!(!as_key("proto"));
        assert!(!as_key("prototype_id"));
        assert!(!as_query_name("constructor"));
        assert_family(
            "attack.prototype_pollution",
            &["{\"__proto__\": {\"role\": \"admin\"}}", "x.__proto__.polluted=1", "constructor.prototype.toString=1", "a[constructor][\"prototype\"][x]=1"],
            &[
                "Avoid __proto__ in new code",
                "We built a prototype of the app",
                "The constructor takes a prototype object",
                "class Foo { constructor() {} }",
            ],
        );
    }
}
