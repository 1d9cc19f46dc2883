//! The host a request names: `Host` (or HTTP/2's `:authority`), `X-Forwarded-Host`, and the
//! authority of an absolute-form target.
//!
//! Applications build links from the host they are told (password-reset mails, redirects,
//! canonical URLs) and proxies route by it, so a host that parses two ways is the lever of host
//! header injection: `api.example.com@evil.example` (userinfo, when the application pastes it
//! into `https://{host}/reset`), `api.example.com/.evil.example`, `evil.example\api.example.com`,
//! `api.example.com:@evil.example`, `api.example.com#`, a port that is not a number. RFC 9110
//! makes `Host` a `uri-host [":" port]`, and RFC 3986 allows a host only unreserved characters,
//! sub-delimiters and percent-escapes (or a bracketed IP literal): anything else is High. A list
//! in `X-Forwarded-Host` (one entry per proxy) is judged entry by entry.
//!
//! A target in absolute form (`GET http://internal.example/ HTTP/1.1`) must be obeyed over
//! `Host` (RFC 9112), which a hop that routes by `Host` does not do: when the two name different
//! hosts, two hops send one request to two places (routing-based SSRF). High. (Envoy turns an
//! absolute-form target into `:authority` itself; replayed requests still carry the pair.)

use super::{Family, Hit};
use crate::facts::RequestHead;
use crate::finding::Severity::High;

pub(crate) fn check(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let host_header = head.header("host");
    // The authority as the proxy saw it, else the Host header (replayed requests).
    let (location, host) = match host_header {
        Some(h) if head.authority.is_empty() || head.authority == h => ("header:host", h),
        _ => (":authority", head.authority.as_str()),
    };
    if !host.is_empty() && !valid_authority(host) {
        out.push((Hit::new(Family::Protocol, High, 0.75, 0, "malformed Host"), location.to_string(), host.to_string()));
    }
    if let Some(forwarded) = head.header("x-forwarded-host") {
        if forwarded.split(',').map(str::trim).any(|h| !h.is_empty() && !valid_authority(h)) {
            out.push((Hit::new(Family::Protocol, High, 0.75, 0, "malformed X-Forwarded-Host"), "header:x-forwarded-host".to_string(), forwarded.to_string()));
        }
    }
    if let (Some(target_host), Some(h)) = (absolute_form_authority(&head.path), host_header) {
        if !same_host(target_host, h) {
            let evidence = format!("{target_host} / host: {h}");
            out.push((Hit::new(Family::Protocol, High, 0.75, 0, "absolute-form target naming another host than Host"), "path".to_string(), evidence));
        }
    }
}

/// The authority of an `http://` or `https://` target: up to the first `/`, `?` or `#`.
fn absolute_form_authority(target: &str) -> Option<&str> {
    let b = target.as_bytes();
    let rest = ["http://", "https://"].iter().find(|s| b.len() > s.len() && b[..s.len()].eq_ignore_ascii_case(s.as_bytes())).map(|s| &target[s.len()..])?;
    Some(rest.split(['/', '?', '#']).next().unwrap_or(rest))
}

/// Whether two authorities name the same host and port, ignoring case and a default port.
fn same_host(a: &str, b: &str) -> bool {
    fn strip(s: &str) -> &str {
        let s = s.trim();
        s.strip_suffix(":80").or_else(|| s.strip_suffix(":443")).unwrap_or(s)
    }
    strip(a).eq_ignore_ascii_case(strip(b))
}

/// RFC 3986 `host [":" port]`: a bracketed IP literal or a name of unreserved characters,
/// sub-delimiters and percent-escapes; the port, if any, a number up to 65535.
fn valid_authority(a: &str) -> bool {
    let (host, port) = if let Some(rest) = a.strip_prefix('[') {
        let Some((literal, after)) = rest.split_once(']') else { return false };
        // IPv6 (with a `%25` zone) or IPvFuture (`v1.x`): within what a name allows, plus `:`.
        if literal.is_empty() || !literal.bytes().all(|c| c == b':' || host_byte(c)) {
            return false;
        }
        match after.strip_prefix(':') {
            Some(port) => ("x", Some(port)),
            None if after.is_empty() => ("x", None),
            None => return false,
        }
    } else {
        match a.split_once(':') {
            Some((h, port)) => (h, Some(port)),
            None => (a, None),
        }
    };
    let port_ok = port.is_none_or(|p| p.is_empty() || (p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit()) && p.parse::<u32>().is_ok_and(|n| n <= 65535)));
    port_ok && !host.is_empty() && host.bytes().all(host_byte)
}

/// Unreserved characters, sub-delimiters and `%` (RFC 3986 `reg-name`).
fn host_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~' | b'%' | b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=')
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::{clean, flagged, head};
    use crate::facts::RequestHead;

    fn with_host(h: &str) -> RequestHead {
        head("GET", &[("host", h)])
    }

    #[test]
    fn hosts_that_parse_two_ways() {
        for h in [
            "api.example.com@evil.example", "api.example.com:@evil.example", "api.example.com/.evil.example", "evil.example\\api.example.com",
            "api.example.com#", "api.example.com?x", "api.example.com:evil", "api.example.com:99999", "a.example b.example", "[::1",
            "[::1]x", "api.example.com:80:81", "\"api.example.com\"", "<api.example.com>",
        ] {
            assert!(flagged(&with_host(h), "attack.protocol"), "{h}");
        }
        let mut h2 = head("GET", &[]);
        h2.authority = "api.example.com@evil.example".into();
        assert!(flagged(&h2, "attack.protocol"));
        assert!(flagged(&head("GET", &[("x-forwarded-host", "api.example.com, evil.example/reset")]), "attack.protocol"));
    }

    #[test]
    fn ordinary_hosts() {
        for h in [
            "api.example.com", "api.example.com:8443", "10.0.0.5:8080", "[::1]:8080", "[fe80::1%25eth0]", "xn--bcher-kva.example",
            "my_service.internal", "localhost", "api.example.com.", "", "API.Example.COM:443", "localhost:",
        ] {
            assert!(clean(&with_host(h)), "{h}");
        }
        assert!(clean(&head("GET", &[("x-forwarded-host", "a.example.com, b.example.com:8443")])));
    }

    #[test]
    fn absolute_form_against_host() {
        let t = |target: &str, host: &str| {
            let mut h = with_host(host);
            h.path = target.into();
            h
        };
        assert!(flagged(&t("http://internal.example/admin", "api.example.com"), "attack.protocol"));
        assert!(flagged(&t("https://169.254.169.254?x", "api.example.com"), "attack.protocol"));
        for (target, host) in [("http://api.example.com/v1", "api.example.com"), ("https://API.example.com:443/v1", "api.example.com"), ("http://api.example.com:80", "api.example.com")] {
            assert!(clean(&t(target, host)), "{target}");
        }
    }
}
