//! LDAP filter injection: a value that closes the application's filter and opens its own.
//!
//! LDAP filters are parenthesised prefix expressions (`(&(uid=alice)(objectClass=person))`), so
//! an injection has to close a parenthesis and start a new clause with an operator: `*)(uid=*`,
//! `admin)(|(password=*)`, `*)(&`, nested (`admin)(!(&(1=0`), or RFC 4526's absolute true and
//! false (`admin)(&)`). Prose rarely writes `)(` followed by `|`, `&`, `!` or an attribute
//! assignment, and never `objectClass=*`. A value that is a wildcard closing the filter twice
//! (`*))`) cuts off the rest of it, as does one that starts by closing it (`)(cn=))`); those, the
//! fuzzers' metacharacter probe (`*()|&`) and an extensible match naming its rule by OID
//! (`userPassword:2.5.13.18:=\41`, how blind injection reads a password byte by byte) are High.

use super::gate::{gated, lit};

/// Gate for `:=`: an OID ends before it (`2.5.13.18:=`), not an assignment (`x := 1`).
fn oid_before(b: &[u8], s: usize, _e: usize) -> bool {
    s > 0 && b[s - 1].is_ascii_digit() && b[s.saturating_sub(24)..s].contains(&b'.')
}
use super::{Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High};

pub(crate) struct Ldapi {
    rules: Rules,
}

impl Ldapi {
    pub fn new() -> Result<Ldapi, String> {
        // An attribute in an assertion: a name or an OID, with an extensible-match rule
        // (`cn:dn:=`, `1.2.840.113556.1.4.803:=`).
        let table = [
            (r"\)\s*\((?:[\s(]*[|&!])+[\s(]*[a-z0-9][a-z0-9.;:-]*\s*[~<>]?=", Critical, 0.9, "filter closed and new clause opened"),
            (r"\*\s*\)\s*\([\s(|&!]*[a-z][a-z0-9.;:-]*\s*[~<>]?=", Critical, 0.9, "wildcard filter breakout"),
            (r"\)\s*\(\s*[|&!]\s*$|\*\s*\)\s*\(\s*[|&!]|\)\s*\(\s*[&|]\s*\)", High, 0.8, "filter breakout"),
            (r"\(\s*[|&]\s*\(\s*[a-z][a-z0-9-]*\s*=\s*\*\s*\)|objectclass\s*=\s*\*|\(\s*[a-z][a-z0-9-]*\s*=\s*\*\s*\)\s*\)", High, 0.8, "match-all filter"),
            // A value that is a wildcard closing the filter twice (`*))`, then a NUL or nothing):
            // whatever the application appended is cut off.
            (r"^\s*\*\s*\)\s*\)", High, 0.8, "wildcard closing the filter"),
            // A value that starts by closing the filter and opens an assertion of its own
            // (`)(cn=))`), and the metacharacter probe of fuzzers: a wildcard, an empty
            // component and an operator (`*()|&`).
            (r"^\s*\)+\s*\(\s*[a-z][a-z0-9.;:-]*\s*[~<>]?=|\*\s*\(\s*\)\s*[|&!]", High, 0.8, "filter breakout"),
            // An extensible match naming its matching rule by OID (`userPassword:2.5.13.18:=`),
            // how blind injection compares octet strings byte by byte.
            (r"[a-z][a-z0-9-]*\s*:\s*(?:dn\s*:\s*)?\d+(?:\.\d+)+\s*:=", High, 0.8, "extensible match by rule OID"),
        ];
        Ok(Ldapi { rules: Rules::new(Family::Ldapi, &table)? })
    }
}

impl Check for Ldapi {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit(")("),
            lit(") ("),
            lit("*)"),
            lit("(|"),
            lit("(&"),
            lit("objectclass"),
            gated(":=", oid_before),
            lit("*()"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        self.rules.best(s.text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn catches_ldapi() {
        assert_family(
            "attack.ldapi",
            &[
                "*)(uid=*))(|(uid=*",
                "admin)(|(password=*)",
                "*)(&",
                "x)(objectClass=*",
                "(|(cn=*))",
                "admin)(&)",
                "bob)(|)",
                "admin)(!(&(1=0",
                "admin*)((|userPassword=*)",
                "x)(|(1.2.840.113556.1.4.803:=2)",
                "jdoe)(|(cn:dn:=admins)",
                "*))",
                "*))\u{0}",
                "userPassword:2.5.13.18:=\\7a",
                "sn:dn:2.5.13.5:=smith",
                ")(sn=))",
                "*()&|",
            ],
            &[
                "Call (555) 123-4567",
                "f(x)(y) = z",
                "see (a) and (b)",
                "rating: 5*) great",
                "|f(x)(|y|)",
                "option (a)(!) is wrong",
                "(a)(b) & (c)",
                "5*)(6+7) = 65",
                "rate is 5*)) high",
                "x := 1.5",
                "version 2.5.13:=latest",
                "ratio:=0.5",
                ") (see above)",
                "f(*()) || g",
                "use a*() for all",
            ],
        );
    }
}
