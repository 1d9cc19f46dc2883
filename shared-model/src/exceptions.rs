//! Exceptions: operator rules that silence findings where the operator knows them to be wrong,
//! so blocking can stay on for the rest of the API. A search field that takes SQL on purpose, a
//! notes field that holds HTML, a security scanner's addresses: each is one rule naming where it
//! applies (`endpoint`, `locations`, `sources`) and what it silences (`kinds`); an absent part
//! means "any". A silenced finding takes no part in the verdict, the verdict headers, alerts or
//! metrics; the event counts it (`findings_suppressed`) so an exception that hides too much shows.
//!
//! `sources` match the client address Envoy determined for the connection (`source.address`:
//! the peer, or the address taken from trusted `x-forwarded-for` hops when Envoy is configured to
//! trust them), never the raw header, which any client can write.

use crate::endpoint_pattern::EndpointPattern;
use crate::finding::Finding;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// One exception, as configured.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Exception {
    /// An [`EndpointPattern`]: `"POST /api/v1/search"`, `"/api/v1/notes/*"`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Finding locations, exact or with a final `*`: `"query:q"`, `"body:$.notes*"`, `"header:referer"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<String>,
    /// Finding kinds, exact or with a final `*`: `"attack.sqli"`, `"attack.*"`, `"posture.*"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
    /// Client addresses or CIDR blocks: `"10.0.0.0/8"`, `"2001:db8::/32"`, `"203.0.113.9"`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    /// Why the exception exists, for the next operator; not used in matching.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A name that matches exactly or, with a final `*`, by prefix.
#[derive(Debug, Clone, PartialEq)]
enum Name {
    Exact(String),
    Prefix(String),
}

impl Name {
    fn new(s: &str) -> Name {
        match s.strip_suffix('*') {
            Some(prefix) => Name::Prefix(prefix.to_string()),
            None => Name::Exact(s.to_string()),
        }
    }

    fn matches(&self, s: &str) -> bool {
        match self {
            Name::Exact(e) => e == s,
            Name::Prefix(p) => s.starts_with(p.as_str()),
        }
    }
}

/// An address block; IPv4 blocks match IPv4 addresses (also when written IPv4-mapped in IPv6).
#[derive(Debug, Clone, PartialEq)]
struct Block {
    network: IpAddr,
    bits: u32,
}

impl Block {
    fn parse(s: &str) -> Result<Block, String> {
        let (addr, bits) = match s.split_once('/') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        let network: IpAddr = addr.trim().parse().map_err(|_| format!("{addr:?} is not an IP address"))?;
        let network = network.to_canonical();
        let max = if network.is_ipv4() { 32 } else { 128 };
        let bits = match bits {
            Some(b) => b.trim().parse::<u32>().ok().filter(|b| *b <= max).ok_or_else(|| format!("prefix length {b:?} is not in 0..={max}"))?,
            None => max,
        };
        Ok(Block { network, bits })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let mask = |max: u32| if self.bits == 0 { 0 } else { u128::MAX << (max - self.bits) };
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => (u128::from(u32::from(n)) ^ u128::from(u32::from(a))) & mask(32) & u128::from(u32::MAX) == 0,
            (IpAddr::V6(n), IpAddr::V6(a)) => (u128::from(n) ^ u128::from(a)) & mask(128) == 0,
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Compiled {
    endpoint: Option<EndpointPattern>,
    locations: Vec<Name>,
    kinds: Vec<Name>,
    sources: Vec<Block>,
}

/// What an exception is checked against: the exchange's endpoint and client address.
pub struct Scope<'a> {
    pub method: &'a str,
    /// The route's endpoint template (or the path).
    pub endpoint: &'a str,
    pub source: Option<IpAddr>,
}

/// The validated exceptions of a configuration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exceptions {
    rules: Vec<Compiled>,
}

impl Exceptions {
    /// Validates and compiles; an error names the field (`[1].sources[0]`, relative to the list)
    /// and the problem.
    pub fn new(list: &[Exception]) -> Result<Exceptions, (String, String)> {
        let mut rules = Vec::with_capacity(list.len());
        for (i, e) in list.iter().enumerate() {
            let field = |f: &str| format!("[{i}].{f}");
            if e.endpoint.is_none() && e.locations.is_empty() && e.kinds.is_empty() && e.sources.is_empty() {
                return Err((format!("[{i}]"), "an exception needs at least one of endpoint, locations, kinds, sources".into()));
            }
            let endpoint = match &e.endpoint {
                Some(s) => Some(EndpointPattern::parse(s).map_err(|why| (field("endpoint"), format!("{s:?}: {why}")))?),
                None => None,
            };
            let names = |list: &[String], what: &str| -> Result<Vec<Name>, (String, String)> {
                list.iter()
                    .enumerate()
                    .map(|(k, s)| if s.is_empty() { Err((field(&format!("{what}[{k}]")), "must not be empty".into())) } else { Ok(Name::new(s)) })
                    .collect()
            };
            let sources = e.sources.iter().enumerate().map(|(k, s)| Block::parse(s).map_err(|why| (field(&format!("sources[{k}]")), why))).collect::<Result<_, _>>()?;
            rules.push(Compiled { endpoint, locations: names(&e.locations, "locations")?, kinds: names(&e.kinds, "kinds")?, sources });
        }
        Ok(Exceptions { rules })
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether any rule looks at the client address (the engine then parses it once per exchange).
    pub fn need_source(&self) -> bool {
        self.rules.iter().any(|r| !r.sources.is_empty())
    }

    /// Whether an exception silences `f` in this exchange.
    pub fn silences(&self, scope: &Scope<'_>, f: &Finding) -> bool {
        self.rules.iter().any(|r| {
            r.endpoint.as_ref().is_none_or(|e| e.matches(scope.method, scope.endpoint))
                && (r.kinds.is_empty() || r.kinds.iter().any(|k| k.matches(&f.kind)))
                && (r.locations.is_empty() || r.locations.iter().any(|l| l.matches(&f.location)))
                && (r.sources.is_empty() || scope.source.is_some_and(|ip| r.sources.iter().any(|b| b.contains(ip))))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Owasp, Severity};

    fn rules(json: &str) -> Exceptions {
        let list: Vec<Exception> = serde_json::from_str(json).unwrap();
        Exceptions::new(&list).unwrap()
    }

    fn finding(kind: &'static str, location: &str) -> Finding {
        Finding::new(kind, Owasp::Api8, Severity::High, 0.9, location, "x")
    }

    fn scope<'a>(method: &'a str, endpoint: &'a str, source: Option<&str>) -> Scope<'a> {
        Scope { method, endpoint, source: source.map(|s| s.parse().unwrap()) }
    }

    #[test]
    fn silences_only_where_every_part_matches() {
        let x = rules(r#"[{"endpoint":"GET /api/v1/search","locations":["query:q"],"kinds":["attack.sqli"],"reason":"takes SQL on purpose"}]"#);
        let here = scope("GET", "/api/v1/search", None);
        assert!(x.silences(&here, &finding("attack.sqli", "query:q")));
        // Another parameter, another family, another endpoint or method: still reported.
        assert!(!x.silences(&here, &finding("attack.sqli", "query:sort")));
        assert!(!x.silences(&here, &finding("attack.xss", "query:q")));
        assert!(!x.silences(&scope("GET", "/api/v1/users", None), &finding("attack.sqli", "query:q")));
        assert!(!x.silences(&scope("POST", "/api/v1/search", None), &finding("attack.sqli", "query:q")));
    }

    #[test]
    fn prefixes_for_kinds_and_locations() {
        let x = rules(r#"[{"endpoint":"/api/v1/notes/*","locations":["body:$.notes*"],"kinds":["attack.*"]}]"#);
        let here = scope("PUT", "/api/v1/notes/{note_id}", None);
        assert!(x.silences(&here, &finding("attack.xss", "body:$.notes[3].html")));
        assert!(!x.silences(&here, &finding("sensitive.ssn", "body:$.notes[3].html")));
        assert!(!x.silences(&here, &finding("attack.xss", "body:$.title")));
    }

    #[test]
    fn sources_are_address_blocks() {
        let x = rules(r#"[{"sources":["10.0.0.0/8","2001:db8::/32","203.0.113.9"],"kinds":["attack.*","posture.*"]}]"#);
        let f = finding("attack.sqli", "query:q");
        for inside in ["10.1.2.3", "::ffff:10.9.9.9", "2001:db8:1::7", "203.0.113.9"] {
            assert!(x.silences(&scope("GET", "/a", Some(inside)), &f), "{inside}");
        }
        for outside in ["11.0.0.1", "203.0.113.10", "2001:db9::1"] {
            assert!(!x.silences(&scope("GET", "/a", Some(outside)), &f), "{outside}");
        }
        assert!(!x.silences(&scope("GET", "/a", None), &f), "no address: a source rule cannot apply");
        assert!(rules(r#"[{"sources":["0.0.0.0/0"]}]"#).silences(&scope("GET", "/a", Some("198.51.100.1")), &f));
        assert!(!rules(r#"[{"sources":["0.0.0.0/0"]}]"#).silences(&scope("GET", "/a", Some("2001:db8::1")), &f));
    }

    #[test]
    fn refuses_what_it_cannot_mean_and_names_the_field() {
        let bad = |json: &str| {
            let list: Vec<Exception> = serde_json::from_str(json).unwrap();
            Exceptions::new(&list).unwrap_err()
        };
        assert_eq!(bad(r#"[{"kinds":["attack.*"]},{}]"#).0, "[1]");
        assert_eq!(bad(r#"[{"endpoint":"get /a"}]"#).0, "[0].endpoint");
        assert_eq!(bad(r#"[{"sources":["10.0.0.0/8","10.0.0.0/33"]}]"#).0, "[0].sources[1]");
        assert_eq!(bad(r#"[{"sources":["example.com"]}]"#).0, "[0].sources[0]");
        assert_eq!(bad(r#"[{"kinds":[""]}]"#).0, "[0].kinds[0]");
        assert!(serde_json::from_str::<Vec<Exception>>(r#"[{"kind":"attack.sqli"}]"#).is_err(), "unknown fields are refused");
    }
}
