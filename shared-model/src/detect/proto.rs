//! JavaScript prototype pollution: writing through `__proto__` or `constructor.prototype`.
//!
//! A JavaScript back end that merges request data into objects (deep merge, `qs`-style nested
//! query names, JSON bodies) copies a key named `__proto__` onto `Object.prototype`, so every
//! object in the process inherits what the attacker sent (`{"__proto__": {"isAdmin": true}}`,
//! `?__proto__[isAdmin]=1`, `?constructor[prototype][isAdmin]=1`). As a key or parameter name
//! these have no other use and are Critical. Inside a text value the same paths
//! (`a.__proto__.b`, `constructor["prototype"]`) are High: a string the application parses as
//! a path or as JSON; prose that only names `__proto__` or a prototype is left alone.

use super::gate::lit;
use super::{Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::{Part, ValueType};
use crate::finding::Severity::{Critical, High};

pub(crate) struct Proto {
    /// For keys and parameter names.
    names: Rules,
    /// For text values.
    values: Rules,
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
                (r#"\bobject\s*\.\s*prototype\s*(?:\.\s*[a-z_$][a-z0-9_$]*|\[\s*["'][^"']*["']\s*\])\s*=[^=]"#, High, 0.8, "assignment to Object.prototype"),
            ],
        )?;
        Ok(Proto { names, values })
    }
}

impl Check for Proto {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[lit("__proto__"), lit("prototype")];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if s.ty == ValueType::Key || s.part == Part::QueryName {
            return self.names.best(s.text);
        }
        self.values.best(s.text)
    }
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
    fn assignments_to_object_prototype() {
        for v in ["Object.prototype.isAdmin = true", "Object.prototype['polluted']=1"] {
            assert!(flags("attack.prototype_pollution", v), "{v}");
        }
        for v in ["Object.prototype.toString.call(x)", "if (Object.prototype.x == y)", "the object prototype chain"] {
            assert!(!flags("attack.prototype_pollution", v), "{v}");
        }
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
