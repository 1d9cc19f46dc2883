//! Request smuggling hints and protocol anomalies, judged on the request head as a whole.
//!
//! Smuggling needs two parties to disagree about where a request ends, so the hints are framing
//! ambiguities: `Content-Length` together with `Transfer-Encoding`, a `Transfer-Encoding` other
//! than exactly `chunked` (`chunked, identity`, ` chunked`, `xchunked`), repeated or non-numeric
//! `Content-Length`. Envoy rejects some of these itself; reporting them anyway costs nothing and
//! shows up in the log when a proxy in front is more lenient. Protocol anomalies are shapes no
//! client produces: a method that is not an HTTP token, control characters in header values or
//! the path, an absurdly long method. Scanner fingerprints live in `scanner`.

use super::scanner::Scanner;
use super::{Family, Hit};
use crate::facts::RequestHead;
use crate::finding::Severity::{Critical, High, Low, Medium};

/// Request-level checks: framing, method, head syntax, and scanner fingerprints.
pub(crate) struct HeadChecks {
    scanner: Scanner,
}

/// Methods clients send: RFC 9110, PATCH, WebDAV.
const KNOWN_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "PROPFIND", "PROPPATCH", "MKCOL",
    "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "MKCALENDAR", "ACL", "PURGE",
];

impl HeadChecks {
    pub fn new() -> Result<HeadChecks, String> {
        Ok(HeadChecks { scanner: Scanner::new()? })
    }

    /// Pushes (hit, location, evidence text) for every anomaly in `head`.
    pub fn scan(&self, head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
        framing(head, out);
        method(head, out);
        syntax(head, out);
        self.scanner.scan(head, out);
    }
}

fn push(out: &mut Vec<(Hit, String, String)>, hit: Hit, location: &str, evidence: &str) {
    out.push((hit, location.to_string(), evidence.to_string()));
}

fn framing(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let cls: Vec<&str> = head.headers.iter().filter(|(k, _)| k == "content-length").map(|(_, v)| v.as_str()).collect();
    let tes: Vec<&str> = head.headers.iter().filter(|(k, _)| k == "transfer-encoding").map(|(_, v)| v.as_str()).collect();
    if !cls.is_empty() && !tes.is_empty() {
        let ev = format!("content-length: {}; transfer-encoding: {}", cls[0], tes[0]);
        push(out, Hit::new(Family::Smuggling, Critical, 0.85, 0, "both Content-Length and Transfer-Encoding"), "header:transfer-encoding", &ev);
    }
    if tes.len() > 1 {
        push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "repeated Transfer-Encoding"), "header:transfer-encoding", tes[1]);
    }
    for te in &tes {
        if !te.eq_ignore_ascii_case("chunked") {
            let codings: Vec<String> = te.split(',').map(|c| c.trim().to_ascii_lowercase()).collect();
            let plausible = codings.last().is_some_and(|c| c == "chunked")
                && codings.iter().all(|c| matches!(c.as_str(), "gzip" | "deflate" | "compress" | "br" | "chunked"))
                && !te.starts_with([' ', '\t']);
            let (sev, conf) = if plausible { (Medium, 0.6) } else { (High, 0.85) };
            push(out, Hit::new(Family::Smuggling, sev, conf, 0, "Transfer-Encoding other than chunked"), "header:transfer-encoding", te);
        }
    }
    if cls.len() > 1 {
        push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "repeated Content-Length"), "header:content-length", &cls.join(", "));
    }
    for cl in &cls {
        if cl.is_empty() || !cl.trim().bytes().all(|c| c.is_ascii_digit()) || cl.len() > 19 {
            push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "malformed Content-Length"), "header:content-length", cl);
        }
    }
}

fn method(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let m = head.method.as_str();
    let token = !m.is_empty() && m.bytes().all(|c| c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&c));
    if !token || m.len() > 24 {
        push(out, Hit::new(Family::Protocol, High, 0.85, 0, "method is not an HTTP token"), "method", m);
    } else if !KNOWN_METHODS.contains(&m) {
        let sev = if m.bytes().any(|c| c.is_ascii_lowercase()) || m.len() > 12 { Medium } else { Low };
        push(out, Hit::new(Family::Protocol, sev, 0.6, 0, "unknown method"), "method", m);
    } else if m == "TRACE" {
        push(out, Hit::new(Family::Protocol, Medium, 0.7, 0, "TRACE method"), "method", m);
    }
}

fn syntax(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    if let Some(p) = head.path.find(|c: char| c.is_control()) {
        push(out, Hit::new(Family::Protocol, High, 0.8, p, "raw control character in the path"), "path", &head.path);
    } else if let Some(p) = head.path.find(' ') {
        push(out, Hit::new(Family::Protocol, Medium, 0.7, p, "raw space in the path"), "path", &head.path);
    }
    for (name, value) in &head.headers {
        if name.is_empty() || name.bytes().any(|c| c <= b' ' || c == b':' && !name.starts_with(':') || c >= 0x7f) {
            push(out, Hit::new(Family::Protocol, High, 0.8, 0, "invalid header name"), "header", name);
        }
        if let Some(p) = value.find(['\r', '\n', '\0']) {
            push(out, Hit::new(Family::Protocol, High, 0.8, p, "CR, LF or NUL in a header value"), &format!("header:{name}"), value);
        }
        if value.len() > 16 * 1024 {
            push(out, Hit::new(Family::Protocol, Medium, 0.6, 0, "oversized header value"), &format!("header:{name}"), &value[..value.floor_char_boundary_compat(64)]);
        }
    }
}

/// `str::floor_char_boundary` is unstable; this is the same for our one use.
trait FloorBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorBoundary for String {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        i = i.min(self.len());
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::detector;
    use crate::facts::RequestHead;
    use crate::finding::Finding;
    use crate::verdict::{decide, Decision, Thresholds};

    fn head(method: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: method.into(),
            path: "/api/x".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    fn findings(h: &RequestHead) -> Vec<Finding> {
        let mut out = Vec::new();
        detector().scan_head(h, &mut out);
        out
    }

    fn flagged(h: &RequestHead, kind: &str) -> bool {
        let f: Vec<Finding> = findings(h).into_iter().filter(|f| f.kind == kind).collect();
        decide(&f, &Thresholds::default(), 1.0, false).decision != Decision::Allow
    }

    #[test]
    fn smuggling_hints() {
        assert!(flagged(&head("POST", &[("content-length", "5"), ("transfer-encoding", "chunked")]), "attack.smuggling"));
        assert!(flagged(&head("POST", &[("transfer-encoding", "chunked, identity")]), "attack.smuggling"));
        assert!(flagged(&head("POST", &[("transfer-encoding", "xchunked")]), "attack.smuggling"));
        assert!(flagged(&head("POST", &[("content-length", "5"), ("content-length", "6")]), "attack.smuggling"));
        assert!(flagged(&head("POST", &[("content-length", "5, 5")]), "attack.smuggling"));
        assert!(!flagged(&head("POST", &[("transfer-encoding", "chunked")]), "attack.smuggling"));
        assert!(!flagged(&head("POST", &[("content-length", "42")]), "attack.smuggling"));
        assert!(findings(&head("POST", &[("transfer-encoding", "gzip, chunked")])).iter().all(|f| f.severity < crate::finding::Severity::High));
    }

    #[test]
    fn protocol_anomalies() {
        assert!(flagged(&head("G<T", &[]), "attack.protocol"));
        assert!(flagged(&head(&"A".repeat(100), &[]), "attack.protocol"));
        assert!(flagged(&head("GET", &[("x-a", "b\r\nc: d")]), "attack.protocol"));
        assert!(!flagged(&head("PROPFIND", &[]), "attack.protocol"));
        assert!(!flagged(&head("GET", &[("user-agent", "curl/8.0")]), "attack.protocol"));
        let huge = head("GET", &[("x-big", &"a".repeat(1 << 20))]);
        assert!(findings(&huge).len() <= 2);
    }
}
