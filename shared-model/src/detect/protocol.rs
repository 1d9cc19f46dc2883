//! Request smuggling hints and protocol anomalies, judged on the request head as a whole.
//!
//! Smuggling needs two parties to disagree about where a request ends, so the hints are framing
//! ambiguities: `Content-Length` together with `Transfer-Encoding`, a `Transfer-Encoding` other
//! than exactly `chunked` (`chunked, identity`, ` chunked`, `xchunked`), repeated or non-numeric
//! `Content-Length`, content (`Content-Length`, `Transfer-Encoding`) on `GET`, `HEAD` or
//! `TRACE`, `Transfer-Encoding` in an HTTP/1.0, HTTP/2 or HTTP/3 request, and a `Connection` header that contradicts itself (`keep-alive, close`),
//! repeats itself, or names an end-to-end header so that a proxy strips it (`Connection: close,
//! X-Forwarded-For`). Envoy rejects some of these itself; reporting them anyway costs nothing and
//! shows up in the log when a proxy in front is more lenient. Protocol anomalies are shapes no
//! client produces: a protocol version that does not exist (`HTTP/4.0`, `JUNK/1.0`, `HTTP/0.9`
//! with headers), control characters or an escaped NUL in header values, invalid header names,
//! `Host` sent twice or `Content-Type` twice on a request with content (parsers pick different
//! ones), a query string flooded with parameters (more than [`MAX_QUERY_PARAMETERS`]: PHP's
//! `max_input_vars`-style hash flooding, and the way past inspectors that read only the first N
//! parameters), and an array
//! parameter name with text after a closing bracket (`foo[1]a=`: PHP keeps `foo[1]` and drops the
//! rest, so two names an inspector tells apart reach the application as one, parameter
//! pollution). The method lives in
//! `method`, the request target in `target`, the host it names in `host`, header policy (ranges, content types, charsets) in
//! `headers`, scanner fingerprints in `scanner`, a system path across the path's segments in
//! `traversal`; session ids planted through links are judged
//! after the field scan ([`super::AttackDetector::scan_referrals`]).
//!
//! Every check here reads the head once per request, without allocating unless it reports.

use super::scanner::Scanner;
use super::traversal::SystemPath;
use super::{headers, host, method, target, Family, Hit};
use crate::swar;
use crate::facts::RequestHead;
use crate::finding::Severity::{Critical, High, Medium};

/// Request-level checks: framing, method, version, target, headers, scanner fingerprints.
pub(crate) struct HeadChecks {
    scanner: Scanner,
    system_path: SystemPath,
}

impl HeadChecks {
    pub fn new() -> Result<HeadChecks, String> {
        Ok(HeadChecks { scanner: Scanner::new()?, system_path: SystemPath::new()? })
    }

    /// Pushes (hit, location, evidence text) for every anomaly in `head`.
    pub fn scan(&self, head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
        framing(head, out);
        method::check_method(head, out);
        method::check_query_override(head, out);
        version(head, out);
        host::check(head, out);
        target::check(head, out);
        if let Some((hit, evidence)) = self.system_path.check(head.path_only()) {
            out.push((hit, "path".to_string(), evidence));
        }
        syntax(head, out);
        parameter_flood(head, out);
        bracket_pollution(head, out);
        headers::check(head, out);
        self.scanner.scan(head, out);
    }
}

fn push(out: &mut Vec<(Hit, String, String)>, hit: Hit, location: &str, evidence: &str) {
    out.push((hit, location.to_string(), evidence.to_string()));
}

/// The first two values of one header, seen in a single pass over the head.
#[derive(Default)]
struct FirstTwo<'a> {
    first: Option<&'a str>,
    second: Option<&'a str>,
}

impl<'a> FirstTwo<'a> {
    fn see(&mut self, v: &'a str) {
        if self.first.is_none() {
            self.first = Some(v);
        } else if self.second.is_none() {
            self.second = Some(v);
        }
    }
}

/// Methods whose request carries no content: RFC 9110 gives content on `GET` and `HEAD` no
/// meaning (and warns that some implementations take it for smuggling), and forbids it on
/// `TRACE`. A body there is a second request waiting for a hop that ignores the first one's
/// `Content-Length` (the CL.0 desync).
pub(crate) fn bodyless(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "TRACE")
}

fn framing(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    // PERF: one pass remembering the first two of each; no allocation unless something is wrong.
    let (mut cl, mut te, mut ct, mut host) = (FirstTwo::default(), FirstTwo::default(), FirstTwo::default(), FirstTwo::default());
    for (k, v) in &head.headers {
        match k.as_str() {
            "content-length" => {
                cl.see(v);
                if v.is_empty() || !v.trim().bytes().all(|c| c.is_ascii_digit()) || v.len() > 19 {
                    push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "malformed Content-Length"), "header:content-length", v);
                }
            }
            "transfer-encoding" => {
                te.see(v);
                transfer_encoding(v, out);
            }
            "content-type" => ct.see(v),
            "host" => host.see(v),
            "connection" => connection(v, out),
            _ => {}
        }
    }
    if let (Some(cl), Some(te)) = (cl.first, te.first) {
        let ev = format!("content-length: {cl}; transfer-encoding: {te}");
        push(out, Hit::new(Family::Smuggling, Critical, 0.85, 0, "both Content-Length and Transfer-Encoding"), "header:transfer-encoding", &ev);
    }
    if let Some(te2) = te.second {
        push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "repeated Transfer-Encoding"), "header:transfer-encoding", te2);
    }
    if let (Some(a), Some(b)) = (cl.first, cl.second) {
        push(out, Hit::new(Family::Smuggling, High, 0.85, 0, "repeated Content-Length"), "header:content-length", &format!("{a}, {b}"));
    }
    // Two `Content-Type`s: one server joins them with a comma, another keeps the first, a third
    // the last, so the inspector and the application parse the body as different formats (on a
    // request without content there is nothing to misparse: Medium). Two `Host`s: the router
    // and the application pick different virtual hosts (and caches key on one of them).
    if let (Some(a), Some(b)) = (ct.first, ct.second) {
        let hit = Hit::new(Family::Protocol, High, 0.8, 0, "repeated Content-Type");
        let hit = if headers::declares_content(head) { hit } else { hit.at_most(Medium, 0.6) };
        push(out, hit, "header:content-type", &format!("{a}, {b}"));
    }
    if let (Some(a), Some(b)) = (host.first, host.second) {
        push(out, Hit::new(Family::Protocol, High, 0.8, 0, "repeated Host"), "header:host", &format!("{a}, {b}"));
    }
    if bodyless(&head.method) {
        if let Some(te) = te.first {
            push(out, Hit::new(Family::Smuggling, High, 0.8, 0, "Transfer-Encoding on a method without content"), "header:transfer-encoding", te);
        } else if let Some(n) = cl.first.filter(|v| v.trim().trim_start_matches('0').bytes().any(|c| c.is_ascii_digit())) {
            push(out, Hit::new(Family::Smuggling, High, 0.75, 0, "content on a method without content"), "header:content-length", n);
        }
    }
    // HTTP/1.0 has no chunked coding: a 1.0 hop reads the chunks as the body's first bytes.
    // HTTP/2 and 3 frame the body themselves and forbid the header; one that survives a
    // downgrade to HTTP/1.1 frames the request a second way (H2.TE).
    if let Some(te) = te.first {
        let detail = match head.version.as_str() {
            "HTTP/1.0" => Some("Transfer-Encoding in an HTTP/1.0 request"),
            "HTTP/2" | "HTTP/2.0" | "HTTP/3" | "HTTP/3.0" => Some("Transfer-Encoding in an HTTP/2 or HTTP/3 request"),
            _ => None,
        };
        if let Some(detail) = detail {
            push(out, Hit::new(Family::Smuggling, High, 0.8, 0, detail), "header:transfer-encoding", te);
        }
    }
}

fn transfer_encoding(te: &str, out: &mut Vec<(Hit, String, String)>) {
    if te.eq_ignore_ascii_case("chunked") {
        return;
    }
    let mut codings = te.split(',').map(str::trim);
    let last_chunked = te.rsplit(',').next().is_some_and(|c| c.trim().eq_ignore_ascii_case("chunked"));
    let plausible = last_chunked
        && codings.all(|c| ["gzip", "deflate", "compress", "br", "chunked"].iter().any(|k| k.eq_ignore_ascii_case(c)))
        && !te.starts_with([' ', '\t']);
    let (sev, conf) = if plausible { (Medium, 0.6) } else { (High, 0.85) };
    push(out, Hit::new(Family::Smuggling, sev, conf, 0, "Transfer-Encoding other than chunked"), "header:transfer-encoding", te);
}

/// Request headers that authenticate or identify the client, and framing: naming one among the
/// `Connection` options makes a proxy drop it before the next hop (hop-by-hop stripping), so the
/// backend never sees the header it relies on (`Connection: close, X-Forwarded-For`).
const END_TO_END: &[&str] = &[
    "authorization", "cookie", "host", "content-length", "transfer-encoding", "forwarded", "x-forwarded-for",
    "x-forwarded-host", "x-forwarded-proto", "x-real-ip", "x-client-ip", "true-client-ip", "cf-connecting-ip",
    "x-api-key", "x-csrf-token", "x-original-url", "x-rewrite-url",
];

/// `Connection` options: `close` with `keep-alive`, or one option twice, is a hand-made header
/// meant to make two hops disagree about whether the connection (and the next request on it)
/// continues; an end-to-end header among the options is hop-by-hop stripping.
fn connection(v: &str, out: &mut Vec<(Hit, String, String)>) {
    let (mut close, mut keep) = (0u32, 0u32);
    for t in v.split(',').map(str::trim) {
        if t.eq_ignore_ascii_case("close") {
            close += 1;
        } else if t.eq_ignore_ascii_case("keep-alive") {
            keep += 1;
        } else if END_TO_END.iter().any(|h| h.eq_ignore_ascii_case(t)) {
            push(out, Hit::new(Family::Smuggling, High, 0.75, 0, "Connection strips an end-to-end header"), "header:connection", v);
            return;
        }
    }
    if (close > 0 && keep > 0) || close > 1 || keep > 1 {
        push(out, Hit::new(Family::Smuggling, High, 0.7, 0, "contradictory or repeated Connection options"), "header:connection", v);
    }
}

/// The protocol version of the request line, when known: `HTTP/1.0`, `HTTP/1.1`, `HTTP/2` and
/// `HTTP/3` exist (with or without `.0`); `HTTP/0.9` has no headers, so one that carries them
/// is forged.
fn version(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let v = head.version.as_str();
    if v.is_empty() || matches!(v, "HTTP/1.1" | "HTTP/1.0" | "HTTP/2" | "HTTP/2.0" | "HTTP/3" | "HTTP/3.0") {
        return;
    }
    let detail = if v == "HTTP/0.9" { "HTTP/0.9 request with headers" } else { "unknown protocol version" };
    if v == "HTTP/0.9" && head.headers.is_empty() {
        return;
    }
    push(out, Hit::new(Family::Protocol, High, 0.8, 0, detail), "version", v);
}

/// Most query parameters a client sends in one request (the limit the Core Rule Set suggests):
/// search and filter forms use tens, and an API that needs more takes a body.
const MAX_QUERY_PARAMETERS: usize = 255;

fn parameter_flood(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    // PERF: each parameter past the first takes at least two bytes (`&x`), so a shorter target
    // cannot hold too many; nearly every request stops at this length test.
    if head.path.len() <= 2 * MAX_QUERY_PARAMETERS {
        return;
    }
    let Some(q) = head.query() else { return };
    let n = q.split('&').filter(|p| !p.is_empty()).count();
    if n > MAX_QUERY_PARAMETERS {
        let hit = Hit::new(Family::Protocol, High, 0.7, 0, "query string flooded with parameters");
        push(out, hit, "query", &format!("{n} parameters"));
    }
}

fn bracket_pollution(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    // PERF: a word-at-a-time test for `]` or an escape (HTML forms send `%5D`) over the whole
    // target before the query is split; only names with an escape are decoded.
    if !swar::any(head.path.as_bytes(), |w| swar::eq(w, b']') | swar::eq(w, b'%')) {
        return;
    }
    let Some(q) = head.query() else { return };
    for pair in q.split('&') {
        let name = pair.split_once('=').map_or(pair, |(k, _)| k);
        if !name.contains([']', '%']) {
            continue;
        }
        let name = crate::normalize::for_matching(name);
        // Form builders write `a[b][c]`, `a[]`, and Spring and ASP.NET bind `items[0].name`: a
        // closing bracket is followed by another bracket, a dot or the end of the name.
        let b = name.as_bytes();
        let bogus = b.iter().enumerate().any(|(i, &c)| c == b']' && b.get(i + 1).is_some_and(|&n| n != b'[' && n != b'.') && b[..i].contains(&b'['));
        if bogus {
            let hit = Hit::new(Family::Protocol, High, 0.7, 0, "text after an array parameter's bracket");
            push(out, hit, "query-name", &name);
            return;
        }
    }
}

fn syntax(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    for (name, value) in &head.headers {
        let nb = name.as_bytes();
        if nb.is_empty() || swar::any(nb, |w| swar::below(w, b'!') | (w & swar::HIGH) | swar::eq(w, 0x7f)) || nb[1..].contains(&b':') {
            push(out, Hit::new(Family::Protocol, High, 0.8, 0, "invalid header name"), "header", name);
        }
        // PERF: a word-at-a-time test first (any control byte, or `%` for an escaped NUL);
        // then a second one for controls and a substring search for `%00` (cookies and
        // `Referer`s often hold escapes), the byte-wise look only when a control is there.
        let v = value.as_bytes();
        if swar::any(v, |w| swar::below(w, b' ') | swar::eq(w, 0x7f) | swar::eq(w, b'%')) {
            let control = swar::any(v, |w| swar::below(w, b' ') | swar::eq(w, 0x7f)).then(|| value_control(v)).flatten();
            if let Some((p, detail)) = control.or_else(|| value.find("%00").map(|p| (p, "escaped NUL in a header value"))) {
                push(out, Hit::new(Family::Protocol, High, 0.8, p, detail), &format!("header:{name}"), value);
            }
        }
        if value.len() > 16 * 1024 {
            push(out, Hit::new(Family::Protocol, Medium, 0.6, 0, "oversized header value"), &format!("header:{name}"), &value[..crate::redact::floor_char_boundary(value, 64)]);
        }
    }
}

/// The first byte of a header value that no client writes: CR, LF or NUL (response splitting,
/// C-string truncation), or any other control character but tab (RFC 9110 field values are
/// visible characters, spaces and tabs). An escaped NUL (`%00`) is reported too, by the caller:
/// the headers an application decodes (cookies, `Referer`) turn it into a truncating NUL after
/// inspection.
fn value_control(v: &[u8]) -> Option<(usize, &'static str)> {
    v.iter().enumerate().find_map(|(i, &c)| match c {
        b'\r' | b'\n' | 0 => Some((i, "CR, LF or NUL in a header value")),
        b'\t' => None,
        0..=0x1f | 0x7f => Some((i, "control character in a header value")),
        _ => None,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::testing::detector;
    use crate::facts::RequestHead;
    use crate::finding::Finding;
    use crate::verdict::{decide, Decision, Thresholds};

    pub fn head(method: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: method.into(),
            path: "/api/x".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        }
    }

    /// The findings on a request that ends with its head (no body).
    pub fn findings(h: &RequestHead) -> Vec<Finding> {
        findings_with_body(h, 0)
    }

    /// The findings on a request whose body of `received` bytes went uninspected.
    pub fn findings_with_body(h: &RequestHead, received: u64) -> Vec<Finding> {
        let mut out = Vec::new();
        detector().scan_head(h, &mut out);
        detector().scan_content(h, received, &mut out);
        out
    }

    pub fn flagged(h: &RequestHead, kind: &str) -> bool {
        let f: Vec<Finding> = findings(h).into_iter().filter(|f| f.kind == kind).collect();
        decide(&f, &Thresholds::default(), 1.0, false).decision != Decision::Allow
    }

    /// Something is reported, but nothing flags the request on its own.
    pub fn weak_only(h: &RequestHead) -> bool {
        let f = findings(h);
        !f.is_empty() && decide(&f, &Thresholds::default(), 1.0, false).decision == Decision::Allow
    }

    /// Nothing at all is reported.
    pub fn clean(h: &RequestHead) -> bool {
        findings(h).is_empty()
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
    fn content_on_methods_without_content() {
        for (m, h) in [("GET", ("content-length", "12")), ("HEAD", ("content-length", "007")), ("GET", ("transfer-encoding", "chunked")), ("TRACE", ("content-length", "1"))] {
            assert!(flagged(&head(m, &[h]), "attack.smuggling"), "{m} {h:?}");
        }
        for (m, h) in [("GET", ("content-length", "0")), ("HEAD", ("content-length", "00")), ("POST", ("content-length", "12")), ("DELETE", ("content-length", "2"))] {
            assert!(clean(&head(m, &[h])), "{m} {h:?}");
        }
    }

    #[test]
    fn transfer_encoding_where_the_version_has_none() {
        let v = |version: &str| {
            let mut h = head("POST", &[("transfer-encoding", "chunked")]);
            h.version = version.into();
            h
        };
        for bad in ["HTTP/1.0", "HTTP/2", "HTTP/3"] {
            assert!(flagged(&v(bad), "attack.smuggling"), "{bad}");
        }
        assert!(clean(&v("HTTP/1.1")));
        assert!(clean(&v("")));
    }

    #[test]
    fn headers_that_must_be_single() {
        assert!(flagged(&head("POST", &[("content-type", "application/json"), ("content-type", "text/plain"), ("content-length", "2")]), "attack.protocol"));
        assert!(flagged(&head("PUT", &[("transfer-encoding", "chunked"), ("content-type", "application/json"), ("content-type", "application/xml")]), "attack.protocol"));
        assert!(weak_only(&head("GET", &[("content-type", "application/json"), ("content-type", "application/xml")])));
        assert!(flagged(&head("GET", &[("host", "api.example.com"), ("host", "admin.internal")]), "attack.protocol"));
        // Repeating a list-valued header is ordinary.
        assert!(clean(&head("GET", &[("accept", "application/json"), ("accept", "text/plain"), ("host", "api.example.com")])));
    }

    #[test]
    fn control_characters_in_header_values() {
        for v in ["a\u{1}b", "x\u{7f}", "abc%00.jpg", "\u{1b}[31m", "v\u{0b}"] {
            assert!(flagged(&head("GET", &[("x-trace", v)]), "attack.protocol"), "{v:?}");
        }
        for v in ["a\tb", "50%", "%2F%41", "caf\u{e9}", "100%0"] {
            assert!(clean(&head("GET", &[("x-trace", v)])), "{v:?}");
        }
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

    #[test]
    fn protocol_versions() {
        let v = |version: &str| {
            let mut h = head("GET", &[("host", "api.example.com")]);
            h.version = version.into();
            h
        };
        for bad in ["HTTP/0.9", "HTTP/4.0", "1.1", "TEST", "JUNK/1.0", "HTTP/1.1x"] {
            assert!(flagged(&v(bad), "attack.protocol"), "{bad}");
        }
        for good in ["", "HTTP/1.0", "HTTP/1.1", "HTTP/2", "HTTP/2.0", "HTTP/3"] {
            assert!(clean(&v(good)), "{good}");
        }
    }

    #[test]
    fn parameter_floods() {
        let q = |n: usize, sep: &str| {
            let mut h = head("GET", &[]);
            h.path = format!("/search?{}", (0..n).map(|i| format!("f{i}=1")).collect::<Vec<_>>().join(sep));
            h
        };
        assert!(flagged(&q(256, "&"), "attack.protocol"));
        assert!(flagged(&q(2000, "&"), "attack.protocol"));
        assert!(clean(&q(255, "&")));
        assert!(clean(&q(40, "&")));
        // One long value is not a flood.
        let mut long = head("GET", &[]);
        long.path = format!("/a?token={}&x=&&y=2", "e".repeat(5000));
        assert!(clean(&long));
    }

    #[test]
    fn array_parameter_pollution() {
        let q = |target: &str| {
            let mut h = head("GET", &[]);
            h.path = target.into();
            h
        };
        for t in ["/?foo[1]a=bar", "/?x=1&user[role]admin=1", "/?a%5B0%5Db%5B1%5D=2", "/?foo[1]a[2]=bar"] {
            assert!(flagged(&q(t), "attack.protocol"), "{t}");
        }
        for t in ["/?user[address][city]=Paris", "/?ids[]=1&ids[]=2", "/?filter[name]=a]b", "/?q=[1]x", "/?a]b=1", "/items[1]x?page=2", "/?items[0].name=a&items%5B1%5D.name=b"] {
            assert!(clean(&q(t)), "{t}");
        }
    }

    #[test]
    fn connection_options() {
        for c in ["keep-alive,close", "close, close", "keep-alive, keep-alive", "close, X-Forwarded-For", "Authorization"] {
            assert!(flagged(&head("GET", &[("connection", c)]), "attack.smuggling"), "{c}");
        }
        for c in ["keep-alive", "close", "Upgrade, HTTP2-Settings", "keep-alive, Upgrade", "TE, close"] {
            assert!(clean(&head("GET", &[("connection", c)])), "{c}");
        }
    }

    #[test]
    fn ordinary_api_requests_are_clean() {
        let browser = head(
            "GET",
            &[
                ("host", "app.example.com"),
                ("user-agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 Safari/605.1.15"),
                ("accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
                ("accept-language", "en-GB,en;q=0.9"),
                ("accept-encoding", "gzip, deflate, br"),
                ("cookie", "sessionid=abc; csrftoken=def; _ga=GA1.2.3"),
                ("sec-fetch-user", "?1"),
                ("range", "bytes=0-"),
                ("connection", "keep-alive"),
            ],
        );
        assert!(clean(&browser), "{:?}", findings(&browser));
        let mut api = head(
            "PATCH",
            &[("content-type", "application/merge-patch+json"), ("authorization", "Bearer abc.def.ghi"), ("content-length", "42"), ("x-request-id", "7f3a")],
        );
        api.version = "HTTP/2".into();
        api.path = "/v2/droplets/3164444/actions?page=2&per_page=25&tag_name=env%3Aprod".into();
        assert!(clean(&api), "{:?}", findings(&api));
    }

    proptest::proptest! {
        #[test]
        fn head_checks_never_panic(
            method in "[A-Za-z<>~ -]{0,12}",
            path in "(/|%[0-9A-Fa-f]{0,2}|%|[a-z.~#?&=_]|\\PC){0,40}",
            value in "(bytes=|[0-9]{0,3}|-|,|;|charset=|boundary=|\"|/|[a-z]|\\PC){0,30}",
            version in "(HTTP/|[0-9.]|[A-Z]){0,9}",
        ) {
            for name in ["range", "content-type", "accept", "connection", "transfer-encoding", "content-length", "x-http-method-override", "referer"] {
                let mut h = head(&method, &[(name, &value), ("host", "a.example")]);
                h.path = path.clone();
                h.version = version.clone();
                let _ = findings(&h);
            }
        }
    }
}
