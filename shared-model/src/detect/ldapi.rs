//! LDAP filter injection: a value that closes the application's filter and opens its own.
//!
//! LDAP filters are parenthesised prefix expressions (`(&(uid=alice)(objectClass=person))`), so
//! an injection has to close a parenthesis and start a new clause with an operator: `*)(uid=*`,
//! `admin)(|(password=*)`, `*)(&`, nested (`admin)(!(&(1=0`), or RFC 4526's absolute true and
//! false (`admin)(&)`). Prose rarely writes `)(` followed by `|`, `&`, `!` or an attribute
//! assignment, and never `objectClass=*`.

use super::gate::lit;
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
            ],
        );
    }
}
