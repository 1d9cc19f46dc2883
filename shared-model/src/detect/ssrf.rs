//! Server-side request forgery: a URL or host that makes the server call somewhere internal.
//!
//! Every host in the value is found (after `scheme://`, after a userinfo `@`, after `http:`
//! without slashes) and classified as a *parser* would read it, not as a regex would: IPv4 in any
//! `inet_aton` notation (`2130706433`, `0x7f.1`, `0177.0.0.1`, `0o177.0.0.1`, `127.1`) or
//! overflowing one that old parsers wrap (`425.510.425.510`), IPv6 literals including v4-mapped
//! and zone ids, names that resolve to loopback by design (`localhost`, `*.localtest.me`,
//! `*.nip.io` or a rebinding service's name with an internal address inside, also bare) and cloud
//! metadata endpoints. Internal targets in a URL are Critical; metadata addresses are Critical
//! even bare or as a path segment or parameter of another URL (an open proxy's); an IP literal written in an obfuscated notation is High (nobody legitimate writes
//! `http://2852039166/`); a plain public IP URL is Medium. An internal address in `Referer` or `Origin` is only Low: that is the page the
//! browser was on (an intranet, a developer's machine), which the server does not fetch; a
//! metadata address or an obfuscated notation there is still crafted. Dangerous schemes
//! (`gopher:`, `dict:`, `file:`, `ldap:`, `jar:`), an authority that parsers split differently
//! (`http://a:80\@b/`, `http://a &@b# @c/`) and a host spelled with backslashes between its
//! characters (`http://\g\o\o\g\l\e.com`) or with characters Unicode folds to ASCII
//! (`irc://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ`, fullwidth letters) are High. An internal or dangerous-scheme URL that a
//! sentence in a JSON text field mentions is Medium; a metadata address never is.

use super::gate::{gated, lit, starts_word};
use super::{is_json_text, stronger, Check, Family, Hit, Subject, Trigger};
use crate::fields::Part;
use crate::finding::Severity::{self, Critical, High, Low, Medium};
use std::net::{Ipv4Addr, Ipv6Addr};

pub(crate) struct Ssrf {
    host_start: regex::Regex,
    scheme: regex::Regex,
    /// A host spelled with backslashes between its characters (`http://\\l\\o\\c\\a\\l`), which lenient
    /// parsers drop and filters do not.
    backslashed_host: regex::Regex,
    /// An authority that URL parsers split differently: an `@` after a backslash or `#`, after
    /// a space, or doubled (`http://a:80\@b/`, `http://a &@b# @c/`, `http://a@@b/`).
    ambiguous_authority: regex::Regex,
    /// A metadata address as a path segment or parameter of a URL, for an open proxy to fetch
    /// (`https://proxy.example/fetch/169.254.169.254/latest/`).
    proxied_metadata: regex::Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Target {
    Public,
    /// Loopback, private, link-local, unspecified, CGNAT.
    Internal,
    Metadata,
}

/// Whether a parameter or JSON field names where a browser is sent back to after a login or
/// consent (OAuth `redirect_uri`, `post_logout_redirect_uris`, `return_to`): a URL the server
/// hands to the client and never fetches itself.
fn is_redirect_name(name: &str) -> bool {
    let n = name.as_bytes();
    let has = |w: &[u8]| n.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    has(b"redirect")
        || has(b"return_to")
        || has(b"returnto")
        || has(b"return_url")
        || has(b"returnurl")
}

/// Where the host of the first URL in `raw` (the value as it arrived) has a character that
/// Unicode folds to ASCII, literally or percent-encoded: circled letters and digits
/// (`ⓛⓞⓒⓐⓛⓗⓞⓢⓣ`, `①②⑦`), fullwidth forms (`ｌｏｃａｌｈｏｓｔ`) or the ideographic full stop. URL
/// parsers fold them into the host a filter did not see; nobody types a real host so.
fn lookalike_host(raw: &str) -> Option<usize> {
    let b = raw.as_bytes();
    // PERF: a substring search for `://`, and for its escaped form only from each `%`, rather
    // than a case-folding comparison at every byte.
    const ENCODED: &[u8] = b"%3a%2f%2f";
    let encoded = || raw.match_indices('%').map(|(p, _)| p).find(|&p| b.get(p..p + ENCODED.len()).is_some_and(|w| w.eq_ignore_ascii_case(ENCODED)));
    let start = raw.find("://").map(|p| p + 3).or_else(|| encoded().map(|p| p + ENCODED.len()))?;
    let rest = raw.get(start..)?;
    for (i, c) in rest.char_indices().take(256) {
        match c {
            '/' | '?' | '#' | '\\' => return None,
            '\u{2460}'..='\u{24ff}' | '\u{ff01}'..='\u{ff5e}' | '\u{3002}' => return Some(start + i),
            '%' => {
                let enc = &rest.as_bytes()[i..];
                let at = |p: &[u8]| enc.len() >= p.len() && enc[..p.len()].eq_ignore_ascii_case(p);
                if at(b"%2f") || at(b"%3f") || at(b"%23") {
                    return None;
                }
                if [&b"%e2%91"[..], b"%e2%92", b"%e2%93", b"%ef%bc", b"%ef%bd", b"%e3%80%82"].iter().any(|p| at(p)) {
                    return Some(start + i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether the value is a `Referer` or `Origin` header: the page a browser was on, which the
/// server does not fetch.
fn is_referrer(s: &Subject<'_>) -> bool {
    s.part == Part::Header && matches!(s.name, "referer" | "origin")
}

impl Ssrf {
    pub fn new() -> Result<Ssrf, String> {
        Ok(Ssrf {
            // Where a host starts: after `//`, after `@`, or after `http:` style schemes without slashes.
            host_start: super::regex(r"(?:[a-z][a-z0-9+.-]{1,15}:/{1,3}\\*|@|\b(?:https?|ftp):\\*)")?,
            // `jar:` wraps another URL (`jar:http://127.0.0.1!/`).
            scheme: super::regex(r"(?:^|[^a-z0-9])(?:(gopher|dict|file|ldap|ldaps|jar|netdoc|tftp|sftp|php|expect)://|(jar):[a-z][a-z0-9+.-]{1,15}:/)")?,
            backslashed_host: super::regex(r"[a-z][a-z0-9+.-]{1,15}:/{1,3}[a-z0-9.-]*(?:\\+[a-z0-9.-]){3,}")?,
            proxied_metadata: super::regex(r"://[^\s]*?[/=](?:169\.254\.169\.254|100\.100\.100\.200|192\.0\.0\.192|metadata\.google\.internal)(?:[/:?#&]|$)")?,
            ambiguous_authority: super::regex(r"[a-z][a-z0-9+.-]{1,15}://[^/\s@]*(?:[\\#][^/\s]*@|\s+&?@|@@)")?,
        })
    }
}

impl Check for Ssrf {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("://"),
            gated("http:", starts_word),
            gated("https:", starts_word),
            gated("ftp:", starts_word),
            gated("@", internal_after_at),
            lit("localhost"),
            lit("169.254"),
            lit("metadata.google"),
            lit("metadata.azure"),
            lit("instance-data"),
            gated("127.", starts_word),
            gated("0x", starts_word),
            lit("[::"),
            lit("[0:"),
            lit("[fe80"),
            lit("[fd"),
            lit("[fc"),
            lit("nip.io"),
            lit("sslip.io"),
            lit("xip.io"),
            lit("localtest.me"),
            lit("1u.ms"),
            lit("rbndr.us"),
            lit("lvh.me"),
            lit("100.100.100.200"),
            lit("fd00:ec2"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let text = s.text;
        let mut best: Option<Hit> = None;
        let mut keep = |sev: Severity, conf: f64, at: usize, detail: &'static str| {
            best = stronger(best.take(), Some(Hit::new(Family::Ssrf, sev, conf, at, detail)));
        };
        let prose = is_json_text(s);
        if let Some(c) = self.scheme.captures(text) {
            if let Some(m) = c.get(1).or_else(|| c.get(2)) {
                // A sentence that mentions a file URL (`file:///C:/notes.txt was attached`) is not
                // a URL a fetcher reads, as for internal URLs below.
                if prose && text[..m.start()].trim().contains(' ') {
                    keep(Medium, 0.6, m.start(), "URL scheme mentioned in text");
                } else {
                    let sev = if m.as_str() == "gopher" { Critical } else { High };
                    keep(sev, 0.85, m.start(), "dangerous URL scheme");
                }
            }
        }
        if let Some(m) = self.backslashed_host.find(text) {
            keep(High, 0.8, m.start(), "host written with backslashes");
        }
        // PERF: each asked only when the byte it needs is there (an `@`; the digits or name of a
        // metadata address), not on every URL.
        if let Some(m) = Some(text).filter(|t| t.contains('@')).and_then(|t| self.ambiguous_authority.find(t)) {
            keep(High, 0.8, m.start(), "ambiguous URL authority");
        }
        let metadata_named = |t: &&str| ["169.254.169.254", "100.100.100.200", "192.0.0.192", "metadata.google.internal"].iter().any(|m| t.contains(m));
        if let Some(m) = Some(text).filter(metadata_named).and_then(|t| self.proxied_metadata.find(t)) {
            keep(Critical, 0.9, m.start(), "cloud metadata address for a proxy to fetch");
        }
        if let Some(at) = lookalike_host(s.raw) {
            keep(High, 0.8, at.min(text.len()), "host spelled in look-alike characters");
        }
        let browser_redirect = is_redirect_name(s.name);
        let referrer = is_referrer(s);
        let mut seen = 0;
        let mut found_host = false;
        for m in self.host_start.find_iter(text) {
            seen += 1;
            if seen > 32 {
                break;
            }
            let host = host_at(text, m.end());
            if host.is_empty() {
                continue;
            }
            let in_url = m.as_str() != "@" || text[..m.start()].contains("://");
            if !in_url && is_version(&host) {
                continue; // a package spec (`lodash@4.17.21`, `pkg:npm/x@1.0.0`), not user@host
            }
            if let Some((target, obfuscated, v6)) = classify(&host) {
                found_host = true;
                match target {
                    // The browser follows a redirect URI, not the server: a developer's
                    // `http://localhost:3000/callback` is not a request the server makes.
                    Target::Internal if browser_redirect => {}
                    Target::Metadata => keep(Critical, 0.95, m.start(), "cloud metadata address"),
                    // The page the browser came from: an intranet or a developer's machine. A
                    // browser writes the address it shows, so an obfuscated one is still crafted.
                    Target::Internal if referrer && !obfuscated => keep(Low, 0.6, m.start(), "internal page as the referrer"),
                    // A URL a sentence mentions (`set the redirect to http://localhost:8080`) is
                    // not one a fetcher reads: those take a field that is the URL.
                    Target::Internal if prose && text[..m.start()].trim().contains(' ') => {
                        keep(Medium, 0.6, m.start(), "internal URL mentioned in text")
                    }
                    Target::Internal if in_url => keep(Critical, 0.9, m.start(), "URL to an internal address"),
                    Target::Internal => keep(High, 0.7, m.start(), "internal address after @"),
                    Target::Public if obfuscated => keep(High, 0.8, m.start(), "IP address in obfuscated notation"),
                    Target::Public if v6 => keep(High, 0.7, m.start(), "IPv6 literal URL"),
                    Target::Public => keep(Medium, 0.6, m.start(), "IP literal URL"),
                }
            }
        }
        // A bare metadata address, with no scheme (`169.254.169.254/latest/meta-data`), or a bare
        // name of a wildcard or rebinding DNS service that resolves to an internal address.
        if !found_host {
            let bare = text.trim().split(['/', ':']).next().unwrap_or("");
            if parse_ipv4(bare).is_some_and(|(ip, _)| v4_target(ip) == Target::Metadata) {
                keep(Critical, 0.9, 0, "cloud metadata address");
            } else if !bare.contains(char::is_whitespace) {
                match wildcard_dns(bare) {
                    Some(Target::Metadata) => keep(Critical, 0.9, 0, "cloud metadata address"),
                    Some(Target::Internal) if !prose => keep(High, 0.8, 0, "name resolving to an internal address"),
                    _ => {}
                }
            }
        }
        best
    }
}

/// Whether what follows a bare `@` is a version number (`4.17.21`, `0.0.6`, `1.3`), as in a
/// package spec, rather than an address: two or three decimal groups. `inet_aton` would read
/// those as an address too (`127.1`), but only a URL hands a host to a parser, and in a URL the
/// host is judged whatever its form.
fn is_version(host: &str) -> bool {
    let dots = host.bytes().filter(|&c| c == b'.').count();
    (1..=2).contains(&dots) && host.split('.').all(|g| (1..=5).contains(&g.len()) && g.bytes().all(|c| c.is_ascii_digit()))
}

/// Gate for `@`: an address-like host follows (`x@127.0.0.1`, `x@[::1]`, `x@0x7f.1`), not an
/// e-mail domain. URLs with userinfo are woken by `://` anyway.
fn internal_after_at(b: &[u8], _s: usize, e: usize) -> bool {
    b.get(e).is_some_and(|&c| c.is_ascii_digit() || c == b'[')
}

/// The host that starts at `i`: skips userinfo, stops at path, query, fragment, port or space.
/// Backslashes inside (`\l\o\c\a\l\h\o\s\t`) are dropped, as lenient URL parsers do.
fn host_at(text: &str, i: usize) -> String {
    let rest = &text[i..];
    let rest = rest.trim_start_matches(['/', '\\']);
    if let Some(v6) = rest.strip_prefix('[') {
        return match v6.find(']') {
            Some(end) => format!("[{}]", &v6[..end]),
            None => String::new(),
        };
    }
    let end = rest.find(|c: char| matches!(c, '/' | '?' | '#' | ':' | ' ' | '&' | '"' | '\'' | '<' | '>' | ',' | ';' | ')' | '!')).unwrap_or(rest.len());
    let host = &rest[..crate::redact::floor_char_boundary(rest, end.min(256))];
    // userinfo@host: the part after the last @ is the host.
    let host = host.rsplit('@').next().unwrap_or(host);
    host.chars().filter(|&c| c != '\\').collect::<String>().trim_end_matches('.').to_string()
}

/// (target, obfuscated IPv4 notation, IPv6 literal) for a host, or None for ordinary names.
fn classify(host: &str) -> Option<(Target, bool, bool)> {
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let inner = inner.split('%').next().unwrap_or(inner);
        let ip: Ipv6Addr = inner.parse().ok()?;
        return Some((v6_target(&ip), false, true));
    }
    if let Some((ip, obfuscated)) = parse_ipv4(host) {
        return Some((v4_target(ip), obfuscated, false));
    }
    if let Some(ip) = wrapped_ipv4(host) {
        return Some((v4_target(ip), true, false));
    }
    // A URL host that is a hex number wider than 32 bits: lenient parsers keep its low 32 bits,
    // an overflow filters do not expect. (A bare value so spelled is a number, not an address.)
    if let Some(h) = host.strip_prefix("0x").map(|h| h.trim_start_matches('0')) {
        if (9..=32).contains(&h.len()) && h.bytes().all(|c| c.is_ascii_hexdigit()) {
            let low = u32::from_str_radix(h.get(h.len() - 8..)?, 16).ok()?;
            return Some((v4_target(Ipv4Addr::from(low)), true, false));
        }
    }
    let name = host;
    const METADATA: &[&str] = &["metadata.google.internal", "metadata", "instance-data", "metadata.azure.com", "instance-data.ec2.internal", "rancher-metadata"];
    if METADATA.contains(&name) {
        return Some((Target::Metadata, false, false));
    }
    const LOOPBACK_NAMES: &[&str] = &["localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback", "localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localh.st", "kubernetes.default.svc", "kubernetes.default"];
    if LOOPBACK_NAMES.iter().any(|n| name == *n || name.ends_with(&format!(".{n}"))) || name.ends_with(".svc.cluster.local") {
        return Some((Target::Internal, false, false));
    }
    wildcard_dns(name).map(|target| (target, true, false))
}

/// The target of a name under a wildcard DNS service (`10.0.0.1.nip.io`, `127-0-0-1.sslip.io`,
/// `a.127.0.0.1.xip.io`, `7f000001.nip.io`) or a rebinding one, which answers with each address
/// the name spells in turn (`make-1.2.3.4-rebind-169.254.169.254-rr.1u.ms`): the most internal
/// address spelled.
fn wildcard_dns(name: &str) -> Option<Target> {
    const SERVICES: &[&str] = &[".nip.io", ".sslip.io", ".xip.io", ".nip.direct", ".traefik.me", ".1u.ms", ".rbndr.us"];
    let prefix = SERVICES.iter().find_map(|svc| name.strip_suffix(svc))?;
    let labels: Vec<&str> = prefix.split(['.', '-']).take(64).collect();
    let spelled = labels.windows(4).filter_map(|w| parse_ipv4(&w.join(".")).map(|(ip, _)| v4_target(ip))).max();
    let hex = labels.last().filter(|l| l.len() == 8).and_then(|l| u32::from_str_radix(l, 16).ok()).map(|v| v4_target(Ipv4Addr::from(v)));
    spelled.max(hex)
}

/// An address in decimal whose parts overflow (`425.510.425.510`, `7147006462`): strict parsers
/// reject it, old `inet_aton`-style ones keep the low bits of each part (of the number), which
/// is how it reaches `169.254.169.254`. `None` for anything that is not such an overflow.
fn wrapped_ipv4(host: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if !(parts.len() == 1 || parts.len() == 4) || parts.iter().any(|p| p.is_empty() || p.len() > 19 || !p.bytes().all(|c| c.is_ascii_digit())) {
        return None;
    }
    let vals: Vec<u64> = parts.iter().map(|p| p.parse::<u64>().ok()).collect::<Option<_>>()?;
    match vals.as_slice() {
        [v] if *v > u64::from(u32::MAX) => Some(Ipv4Addr::from(*v as u32)),
        [a, b, c, d] if vals.iter().any(|v| *v > 255) => Some(Ipv4Addr::new(*a as u8, *b as u8, *c as u8, *d as u8)),
        _ => None,
    }
}

/// `inet_aton`: 1-4 parts, each decimal, `0x` hex or `0`-prefixed octal; the last part fills the
/// remaining bytes. Returns the address and whether the notation was anything but dotted decimal.
/// A part too big for the bytes it fills is no address (`0x41414141a9fea9fe` is a 64-bit number,
/// which `inet_aton` and the WHATWG URL parser both reject, not `169.254.169.254`).
fn parse_ipv4(host: &str) -> Option<(Ipv4Addr, bool)> {
    if host.is_empty() || host.len() > 64 || !host.bytes().all(|c| c.is_ascii_hexdigit() || matches!(c, b'.' | b'x' | b'o')) {
        return None;
    }
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() > 4 || parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let mut obfuscated = parts.len() != 4;
    let mut vals = Vec::with_capacity(4);
    for p in &parts {
        let (v, odd) = if let Some(h) = p.strip_prefix("0x") {
            let h = h.trim_start_matches('0');
            if h.len() > 8 {
                return None;
            }
            (if h.is_empty() { 0 } else { u64::from_str_radix(h, 16).ok()? }, true)
        } else if let Some(o) = p.strip_prefix("0o") {
            // Python's and some URL libraries' explicit octal.
            (u64::from_str_radix(o, 8).ok()?, true)
        } else if p.len() > 1 && p.starts_with('0') {
            (u64::from_str_radix(p, 8).ok()?, true)
        } else {
            (p.parse::<u64>().ok()?, false)
        };
        obfuscated |= odd;
        vals.push(v);
    }
    let n = vals.len();
    let mut addr: u64 = 0;
    for (i, v) in vals.iter().enumerate() {
        if i + 1 < n {
            if *v > 255 {
                return None;
            }
            addr |= v << (8 * (3 - i));
        } else {
            let room = 8 * (4 - i as u32);
            if room < 64 && *v >= 1u64 << room {
                return None;
            }
            addr |= v;
        }
    }
    // A bare decimal number is only an address when it is big enough to be one (`2130706433`),
    // not an id or a year.
    if n == 1 && !parts[0].starts_with("0x") && addr < 16_777_216 && addr != 0 {
        return None;
    }
    Some((Ipv4Addr::from(addr as u32), obfuscated))
}

fn v4_target(ip: Ipv4Addr) -> Target {
    let o = ip.octets();
    if o == [169, 254, 169, 254] || o == [100, 100, 100, 200] || o == [168, 63, 129, 16] || o == [192, 0, 0, 192] {
        return Target::Metadata;
    }
    if ip.is_loopback() || ip.is_private() || ip.is_link_local() || ip.is_unspecified() || o[0] == 0 || (o[0] == 100 && (64..128).contains(&o[1])) {
        return Target::Internal;
    }
    Target::Public
}

fn v6_target(ip: &Ipv6Addr) -> Target {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return v4_target(v4);
    }
    let seg = ip.segments();
    // ::a.b.c.d (deprecated v4-compatible) still reaches the v4 address on many stacks.
    if seg[..6] == [0, 0, 0, 0, 0, 0] && !ip.is_loopback() && !ip.is_unspecified() {
        return v4_target(Ipv4Addr::new((seg[6] >> 8) as u8, seg[6] as u8, (seg[7] >> 8) as u8, seg[7] as u8));
    }
    if seg == [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254] {
        return Target::Metadata;
    }
    if ip.is_loopback() || ip.is_unspecified() || (seg[0] & 0xffc0) == 0xfe80 || (seg[0] & 0xfe00) == 0xfc00 {
        return Target::Internal;
    }
    Target::Public
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn a_long_host_is_cut_on_a_character_boundary() {
        // 255 ASCII bytes, then a three-byte character across the 256-byte cut.
        let v = format!("http://{}\u{fffd}x/", "a".repeat(255));
        assert_eq!(super::host_at(&v, 7).len(), 255);
        assert!(!flags("attack.ssrf", &v));
    }

    #[test]
    fn hosts_spelled_in_look_alike_characters() {
        assert_eq!(super::lookalike_host("irc://\u{24db}\u{24de}\u{24d2}al"), Some(6));
        assert_eq!(super::lookalike_host("http://ex.example/\u{24d0}"), None, "in the path");
        assert_eq!(super::lookalike_host("http%3A%2F%2F%E2%93%94x.example"), Some(13));
        assert_eq!(super::lookalike_host("https%3A%2F%2Fexample.com%2F%E2%93%94"), None);
        assert_eq!(super::lookalike_host("http://\u{ff45}\u{ff58}.example"), Some(7));
        assert_eq!(super::lookalike_host("http://b\u{fc}cher.example/"), None, "a real IDN letter");
        assert_eq!(super::lookalike_host("\u{2460} no url"), None);
        for v in ["http://\u{24d4}\u{24e7}\u{24d0}\u{24dc}\u{24df}\u{24db}\u{24d4}.\u{24d2}\u{24de}\u{24dc}/", "ftp://\u{ff45}\u{ff56}\u{ff49}\u{ff4c}.example/"] {
            assert!(flags("attack.ssrf", v), "{v}");
        }
        for v in ["https://example.com/\u{2460}-step-guide", "https://m\u{fc}nchen.example/", "Step \u{2460}: open https://example.com"] {
            assert!(!flags("attack.ssrf", v), "{v}");
        }
    }

    #[test]
    fn ipv4_notations() {
        let p = |s| parse_ipv4(s).map(|(ip, o)| (ip.to_string(), o));
        assert_eq!(p("2130706433"), Some(("127.0.0.1".into(), true)));
        assert_eq!(p("0x7f000001"), Some(("127.0.0.1".into(), true)));
        assert_eq!(p("0177.0.0.1"), Some(("127.0.0.1".into(), true)));
        assert_eq!(p("127.1"), Some(("127.0.0.1".into(), true)));
        assert_eq!(p("169.254.43518"), Some(("169.254.169.254".into(), true)));
        assert_eq!(p("10.0.0.1"), Some(("10.0.0.1".into(), false)));
        assert_eq!(p("2024"), None);
        assert_eq!(p("1.2.3.4.5"), None);
        assert_eq!(p("cafe"), None);
        assert_eq!(p("0x41414141a9fea9fe"), None, "more than 32 bits");
        assert_eq!(p("0x00000000a9fea9fe"), Some(("169.254.169.254".into(), true)), "leading zeros are no bits");
        assert!(flags("attack.ssrf", "http://0x41414141a9fea9fe/latest"), "a URL host overflowing into the metadata address");
        assert!(!flags("attack.ssrf", "0x41414141a9fea9fe"), "a bare 64-bit number");
        assert!(!flags("attack.ssrf", "0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060"), "a transaction hash");
    }

    #[test]
    fn overflowing_and_octal_notations_rebinding_names_and_split_authorities() {
        let p = |s| parse_ipv4(s).map(|(ip, o)| (ip.to_string(), o));
        assert_eq!(p("0o12.0o1.0.7"), Some(("10.1.0.7".into(), true)));
        assert_eq!(p("0o9.1.1.1"), None, "not octal");
        assert_eq!(wrapped_ipv4("266.257.256.258").map(|ip| ip.to_string()), Some("10.1.0.2".into()));
        assert_eq!(wrapped_ipv4("4294967306").map(|ip| ip.to_string()), Some("0.0.0.10".into()));
        assert_eq!(wrapped_ipv4("10.1.2.3"), None, "no overflow");
        assert_eq!(wrapped_ipv4("300.1.1"), None, "three parts: no wrap rule");
        assert_eq!(wrapped_ipv4("4294967295"), None);
        assert_eq!(wildcard_dns("x-8.8.4.4-rebind-10.0.0.9-rr.1u.ms"), Some(Target::Internal));
        assert_eq!(wildcard_dns("a.8.8.4.4.nip.io"), Some(Target::Public));
        assert_eq!(wildcard_dns("example.com"), None);
        for v in [
            "http://0o12.0.0.9/",
            "http://266.257.256.258/admin",
            "http://4294967306/",
            "jar:http://10.0.0.3!/x.jar",
            "http://8.8.4.4:80\\@10.0.0.3:80/",
            "http://8.8.4.4 &@example.org# @example.net/",
            "http://example.org@@example.net/",
            "http://8.8.4.4#\\@example.org/",
            "x-8.8.4.4-rebind-169.254.169.254-rr.1u.ms",
            "a-10-0-0-9.rbndr.us",
            "https://proxy.example/fetch/169.254.169.254/latest/meta-data/",
            "https://img.example/resize?src=169.254.169.254&w=10",
            "http://rancher-metadata/latest/self",
        ] {
            assert!(flags("attack.ssrf", v), "{v}");
        }
        for v in [
            "https://example.com/?email=a@b.example",
            "https://mail.example.com/#inbox/a@b.example",
            "see https://example.com and write to a@b.example",
            "http://1.2.3.4/",
            "version 300.1.1.1 released",
            "order 4294967306",
            "https://example.com/jar:thing!/x",
            "rbndr.us",
            "https://docs.example/ec2/169.254.169.254.html",
            "https://example.com/rancher-metadata/",
        ] {
            assert!(!flags("attack.ssrf", v), "{v}");
        }
        assert!(!any_flag_in_json("we tested against a-10-0-0-9.rbndr.us yesterday"));
    }

    #[test]
    fn catches_ssrf() {
        assert_family(
            "attack.ssrf",
            &[
                "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
                "http://metadata.google.internal/computeMetadata/v1/",
                "http://127.0.0.1:8080/admin",
                "http://localhost/server-status",
                "http://2130706433/",
                "http://0x7f000001/",
                "http://0177.0.0.1/",
                "http://[::1]/",
                "http://[::ffff:127.0.0.1]/",
                "http://[0:0:0:0:0:ffff:a9fe:a9fe]/",
                "http://10.0.0.5/internal",
                "http://127.0.0.1.nip.io/",
                "http://app.localtest.me/",
                "gopher://127.0.0.1:6379/_SET",
                "dict://localhost:11211/stat",
                "http://evil.com@127.0.0.1/",
                "http://169。254。169。254/",
                "http://①②⑦.⓪.⓪.①/",
                "169.254.169.254/latest/user-data",
                "http://[fe80::1%25eth0]/",
                "http://0/",
                "http://\\e\\x\\a\\m\\p\\l\\e.com/",
            ],
            &[
                "https://example.com/avatar.png",
                "http://8.8.8.8.example.com/",
                "Call me at 555-0100",
                "version 1.2.3.4",
                "user@example.com",
                "https://api.github.com/repos/x/y",
                "10.0.0.5",
                "The year 2024",
                "https://cdn.example.org/a/b/c?x=1",
                "http://example.com\\path\\to\\file",
            ],
        );
    }

    #[test]
    fn a_package_version_after_at_is_no_address() {
        // Package specs and package URLs: `name@version`, which inet_aton would read as an address.
        for v in ["express@4.18.2", "pkg:npm/%40scope/util@1.0.0", "pkg:/gem/rake@0.0.6", "left-pad@1.3", "pkg:pypi/requests@2.31.0"] {
            assert!(!any_flag_in_json(v), "{v}");
            assert!(!flags("attack.ssrf", v), "{v} in a query");
        }
        // An address after `@`, in a URL or in full, is still one.
        for v in ["http://example.com@127.1/", "x@127.0.0.1", "ops@0x7f000001", "https://user@10.0.0.1/admin", "http:evil@0.0.6"] {
            assert!(flags("attack.ssrf", v), "{v}");
        }
        assert!(super::is_version("4.17.21") && super::is_version("0.0.6") && super::is_version("1.3"));
        assert!(!super::is_version("127.0.0.1") && !super::is_version("2130706433") && !super::is_version("0x7f.1") && !super::is_version("1.") && !super::is_version("a.b"));
    }

    #[test]
    fn a_browser_redirect_uri_to_a_dev_machine_is_not_ssrf() {
        use crate::fields::{Part, ValueType};
        let ssrf = |part, name: &str, v: &str| {
            scan_at(part, ValueType::Text, name, v)
                .iter()
                .any(|f| f.kind == "attack.ssrf")
        };
        assert!(!ssrf(
            Part::Query,
            "redirect_uri",
            "http://localhost:3000/callback"
        ));
        assert!(!ssrf(
            Part::Body,
            "$.redirect_uris[0]",
            "http://127.0.0.1:8080/oauth/cb"
        ));
        assert!(!ssrf(
            Part::Body,
            "$.post_logout_redirect_uri",
            "http://localhost/"
        ));
        // The server fetches webhooks and image URLs; metadata is never a redirect target.
        assert!(ssrf(
            Part::Body,
            "$.webhook_url",
            "http://localhost:3000/hook"
        ));
        assert!(ssrf(
            Part::Body,
            "$.callback_url",
            "http://127.0.0.1:8080/cb"
        ));
        assert!(ssrf(
            Part::Query,
            "redirect_uri",
            "http://169.254.169.254/latest/meta-data/"
        ));
        assert!(!any_flag_in_json("Set the redirect to http://localhost:8080 while developing"));
        assert!(!any_flag_in_json("The report at file:///C:/Users/me/report.txt was attached"));
        assert!(any_flag_in_json("file:///etc/passwd"));
        assert!(any_flag_in_json("gopher://127.0.0.1:6379/_SET%20x"));
        assert!(flags("attack.ssrf", "see file:///C:/Users/me/report.txt"), "in a URL");
    }

    #[test]
    fn an_internal_referring_page_is_not_ssrf() {
        use crate::fields::{Part, ValueType};
        use crate::verdict::{decide, Decision};
        let flagged = |name: &str, v: &str| {
            let f: Vec<_> = scan_at(Part::Header, ValueType::Text, name, v).into_iter().filter(|f| f.kind == "attack.ssrf").collect();
            decide(&f, &Default::default(), 1.0, false).decision != Decision::Allow
        };
        // The page the browser was on: an intranet or a dev server. Crafted ones still count.
        for (name, v) in [("referer", "http://localhost:3000/cart"), ("referer", "http://10.2.0.7/wiki/Home"), ("origin", "http://127.0.0.1:5173")] {
            assert!(!flagged(name, v), "{name}: {v}");
        }
        for (name, v) in [("referer", "http://169.254.169.254/latest/meta-data/"), ("referer", "http://0x7f000001/admin"), ("x-callback", "http://localhost/hook")] {
            assert!(flagged(name, v), "{name}: {v}");
        }
        assert!(any_flag_in_json("http://localhost:8080/admin"));
        assert!(any_flag_in_json("see http://169.254.169.254/latest/meta-data/"));
        assert!(flags(
            "attack.ssrf",
            "http://\\\\g\\\\o\\\\o\\\\g\\\\l\\\\e.com/"
        ));
    }
}
