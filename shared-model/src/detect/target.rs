//! The request target (`:path` with its query) as bytes on the wire: what no client library sends.
//!
//! Clients percent-encode what is not allowed in a URL, so raw control characters or spaces, a
//! raw `#` (a fragment; user agents strip it before sending), a NUL byte once decoded (`%00`
//! truncates paths and strings in C-backed code: `file.php%00.jpg`), or percent-escapes that
//! decode to malformed UTF-8 (overlong forms such as `%C0%AF` for `/`, code points past U+10FFFF,
//! surrogates, a multi-byte sequence cut short), a line break decoded in the path (`/a%0a.php`),
//! and `unix:` before a pipe (Apache `mod_proxy`'s socket syntax, CVE-2021-40438) are crafted.
//! These are High. A raw space is
//! Medium (it cannot even pass an HTTP/1.1 request line, but hand-written URLs in documentation
//! and replayed logs carry them); a lone non-ASCII byte (`%E9`, Latin-1 `é` from an old client)
//! and a `%` that is not an escape (`50%`) are sloppiness and reported Low.
//!
//! A URL-encoded form body is a query string sent as content: its bytes get the same encoding
//! checks (without the path's rule on line breaks: form text is multi-line). In a JSON body the
//! one encoding trick that survives parsing is an escaped NUL (`\u0000`), reported Medium: text
//! pulled from PDFs and C strings carries NULs by accident, and the value is cut only where it
//! meets C code, so it adds to other evidence (`../../etc/passwd\u0000.jpg`) rather than flags.
//!
//! Path segments are also checked for files an API never serves and scanners always ask
//! for: editor and backup copies (`index.php~`, `.bak`, `.old`, `.swp`), private keys and
//! keystores, environment and server configuration, database files and dumps, .NET project
//! files, the old IIS script-mapped handlers. High: such a request is forced browsing for
//! secrets. So is a target in none of HTTP's forms (`GET v1/x`, `GET *`): a hand-made request
//! line that servers resolve differently.

use super::gate::in_sorted;
use crate::swar;
use super::{Family, Hit};
use crate::facts::RequestHead;
use crate::finding::Severity::{High, Low, Medium};
use crate::normalize::hex;

/// Extensions of backups, secrets, configuration, databases, .NET project files and the old IIS
/// script-mapped handlers (`.ida`, `.printer`: the Code Red generation), sorted, lower-case.
const RESTRICTED_EXTENSIONS: &[&str] = &[
    "accdb", "asa", "asax", "backup", "bak", "cfg", "conf", "config", "crt", "csproj", "csr", "db", "db3", "dbf",
    "der", "dist", "dump", "env", "history", "htaccess", "htpasswd", "htr", "htw", "ibd", "ida", "idc", "idq", "inc",
    "ini", "jks", "kdbx", "key", "keystore", "ldf", "licx", "mdb", "mdf", "old", "orig", "ovpn", "p12", "pem", "pfx",
    "pgpass", "ppk", "printer", "pwd", "rdb", "resx", "save", "sql", "sqlite", "sqlite3", "sqlitedb", "swo", "swp",
    "tfstate", "tmp", "vbproj", "vsdisco", "webinfo",
];

pub(crate) fn check(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let path = head.path.as_str();
    let b = path.as_bytes();
    if !b.starts_with(b"/") {
        target_form(head, out);
    }
    // PERF: a word-at-a-time test for any byte worth a closer look; clean targets stop here. The
    // decoding walk runs only when the target has escapes or non-ASCII bytes.
    if swar::any(b, |w| swar::below(w, b'!') | (w & swar::HIGH) | swar::eq(w, 0x7f) | swar::eq(w, b'#') | swar::eq(w, b'%')) {
        special_bytes(path, out);
    }
    // PERF: one word-at-a-time test for `|` or an escape; then a byte search for the pipe, raw
    // or escaped, and only then is `unix:` looked for.
    if swar::any(b, |w| swar::eq(w, b'|') | swar::eq(w, b'%')) && (b.contains(&b'|') || path.contains("%7C") || path.contains("%7c")) {
        unix_socket(path, out);
    }
    // PERF: the same kind of test for the bytes a restricted file name needs, over the whole
    // target (the path is part of it), before the path is split off.
    if swar::any(b, |w| swar::eq(w, b'.') | swar::eq(w, b'%') | swar::eq(w, b'~')) {
        restricted_file(head.path_only(), out);
    }
}

/// The encoding of a URL-encoded form body, or an escaped NUL in a JSON body.
pub(crate) fn check_body(content_type: &str, body: &[u8], out: &mut Vec<(Hit, String, String)>) {
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if essence.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        // PERF: the same word-at-a-time test as for the target before the decoding walk.
        if swar::any(body, |w| swar::below(w, b' ') | (w & swar::HIGH) | swar::eq(w, b'%')) {
            if let Some(hit) = encoding(body, 0) {
                out.push((hit, "body".to_string(), String::from_utf8_lossy(body).into_owned()));
            }
        }
    } else if is_json(essence) {
        if let Some(at) = escaped_nul(body) {
            let hit = Hit::new(Family::Protocol, Medium, 0.6, at, "escaped NUL in a JSON string");
            out.push((hit, "body".to_string(), String::from_utf8_lossy(body).into_owned()));
        }
    }
}

/// `application/json` or any `+json` type.
fn is_json(essence: &str) -> bool {
    let e = essence.as_bytes();
    essence.eq_ignore_ascii_case("application/json") || (e.len() > 5 && e[e.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// Offset of the first `\u0000` that is an escape (not an escaped backslash before `u0000`).
fn escaped_nul(body: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(body).ok()?;
    let mut from = 0;
    while let Some(p) = text[from..].find("\\u0000").map(|p| p + from) {
        let backslashes = body[..=p].iter().rev().take_while(|&&c| c == b'\\').count();
        if backslashes % 2 == 1 {
            return Some(p);
        }
        from = p + 1;
    }
    None
}

/// Apache `mod_proxy` takes `unix:/socket|http://host/` anywhere in the URL as "connect to this
/// Unix socket, then speak to that URL" (CVE-2021-40438): a request that reaches any backend,
/// Docker's socket included, through the proxy. No URL of an API carries `unix:` before a pipe.
fn unix_socket(t: &str, out: &mut Vec<(Hit, String, String)>) {
    let b = t.as_bytes();
    let Some(u) = b.windows(5).position(|w| w.eq_ignore_ascii_case(b"unix:")) else { return };
    let rest = &b[u..];
    let pipe = rest.iter().position(|&c| c == b'|').or_else(|| rest.windows(3).position(|w| w.eq_ignore_ascii_case(b"%7c")));
    if let Some(pipe) = pipe {
        out.push((Hit::new(Family::Ssrf, High, 0.8, u + pipe, "Unix socket before a pipe in the target (mod_proxy)"), "path".to_string(), t.to_string()));
    }
}

/// A target that is not a path: HTTP/1.1 allows only `/path` (origin form), `scheme://host/path`
/// (absolute form, to proxies), `*` for `OPTIONS` and `host:port` for `CONNECT`; `GET v1/x` or
/// `GET *` is a hand-made request line that servers resolve differently.
fn target_form(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let t = head.path.as_str();
    let absolute = ["http://", "https://"].iter().any(|s| t.len() > s.len() && t.as_bytes()[..s.len()].eq_ignore_ascii_case(s.as_bytes()));
    if t.is_empty() || absolute || head.method == "CONNECT" || (t == "*" && head.method == "OPTIONS") {
        return;
    }
    out.push((Hit::new(Family::Protocol, Medium, 0.6, 0, "request target in no HTTP form"), "path".to_string(), t.to_string()));
}

/// Control characters, spaces, a fragment, and the encoding of escapes and non-ASCII bytes.
fn special_bytes(path: &str, out: &mut Vec<(Hit, String, String)>) {
    let b = path.as_bytes();
    let mut escapes = false;
    for (i, &c) in b.iter().enumerate() {
        let hit = match c {
            0..=0x1f | 0x7f => Hit::new(Family::Protocol, High, 0.8, i, "raw control character in the request target"),
            b' ' => Hit::new(Family::Protocol, Medium, 0.7, i, "raw space in the request target"),
            b'#' => Hit::new(Family::Protocol, High, 0.7, i, "raw fragment in the request target"),
            b'%' | 0x80..=0xff => {
                escapes = true;
                continue;
            }
            _ => continue,
        };
        out.push((hit, "path".to_string(), path.to_string()));
        break;
    }
    if escapes {
        if let Some(hit) = encoding(b, path.find('?').unwrap_or(b.len())) {
            out.push((hit, "path".to_string(), path.to_string()));
        }
    }
}

/// The byte at `i` of the target, decoding one percent-escape: (byte, width in the target).
fn byte_at(b: &[u8], i: usize) -> Option<(u8, usize, bool)> {
    let c = *b.get(i)?;
    if c == b'%' {
        if let (Some(h), Some(l)) = (b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            return Some((h << 4 | l, 3, true));
        }
        return Some((c, 1, false));
    }
    Some((c, 1, false))
}

/// Judges the decoded byte stream: NUL, a line break in the path (before `path_end`; a query
/// value may hold multi-line text, a file or route name never does), malformed UTF-8 that is
/// crafted (overlong, out of range, surrogate, cut short) versus merely legacy (a lone Latin-1
/// byte), and bad escapes.
fn encoding(b: &[u8], path_end: usize) -> Option<Hit> {
    let mut weak: Option<Hit> = None;
    let mut i = 0;
    while let Some((c, w, escaped)) = byte_at(b, i) {
        let at = i;
        i += w;
        if c == 0 {
            return Some(Hit::new(Family::Protocol, High, 0.85, at, "NUL byte in URL-encoded data"));
        }
        if (c == b'\r' || c == b'\n') && at < path_end {
            return Some(Hit::new(Family::Protocol, High, 0.8, at, "line break in the path"));
        }
        if c == b'%' && !escaped {
            weak.get_or_insert(Hit::new(Family::Protocol, Low, 0.6, at, "invalid percent-encoding"));
            continue;
        }
        if c < 0x80 {
            continue;
        }
        // Expected continuation bytes and the allowed range of the first one (RFC 3629).
        let (need, lo, hi) = match c {
            0xc2..=0xdf => (1, 0x80, 0xbf),
            0xe0 => (2, 0xa0, 0xbf),
            0xe1..=0xec | 0xee..=0xef => (2, 0x80, 0xbf),
            0xed => (2, 0x80, 0x9f),
            0xf0 => (3, 0x90, 0xbf),
            0xf1..=0xf3 => (3, 0x80, 0xbf),
            0xf4 => (3, 0x80, 0x8f),
            // C0/C1 start overlong forms, F5..FF code points past U+10FFFF: crafted when
            // followed by continuation bytes, a legacy byte otherwise.
            0xc0 | 0xc1 | 0xf5..=0xff => {
                if byte_at(b, i).is_some_and(|(n, _, _)| (0x80..=0xbf).contains(&n)) {
                    return Some(Hit::new(Family::Protocol, High, 0.8, at, "overlong or out-of-range UTF-8"));
                }
                weak.get_or_insert(Hit::new(Family::Protocol, Low, 0.6, at, "non-UTF-8 byte in URL-encoded data"));
                continue;
            }
            _ => {
                // A continuation byte without a lead: Latin-1 text.
                weak.get_or_insert(Hit::new(Family::Protocol, Low, 0.6, at, "non-UTF-8 byte in URL-encoded data"));
                continue;
            }
        };
        let mut got = 0;
        while got < need {
            match byte_at(b, i) {
                Some((n, w, _)) if (if got == 0 { lo..=hi } else { 0x80..=0xbf }).contains(&n) => {
                    i += w;
                    got += 1;
                }
                Some((n, _, _)) if got == 0 && (0x80..=0xbf).contains(&n) => {
                    return Some(Hit::new(Family::Protocol, High, 0.8, at, "overlong, surrogate or out-of-range UTF-8"));
                }
                _ => break,
            }
        }
        if got == 0 {
            weak.get_or_insert(Hit::new(Family::Protocol, Low, 0.6, at, "non-UTF-8 byte in URL-encoded data"));
        } else if got < need {
            return Some(Hit::new(Family::Protocol, High, 0.7, at, "truncated UTF-8 sequence"));
        }
    }
    weak
}

/// Backup, secret and configuration files by a path segment's extension (or a trailing `~`),
/// percent-escapes decoded; any segment counts, since servers run `/index.php~/extra` as the
/// file with path info.
fn restricted_file(path: &str, out: &mut Vec<(Hit, String, String)>) {
    for segment in path.split('/') {
        if let Some(detail) = restricted_segment(segment.as_bytes()) {
            out.push((Hit::new(Family::Protocol, High, 0.7, 0, detail), "path".to_string(), path.to_string()));
            return;
        }
    }
}

fn restricted_segment(sb: &[u8]) -> Option<&'static str> {
    if sb.len() < 2 || sb.len() > 256 || !sb.iter().any(|&c| c == b'.' || c == b'%' || c == b'~') {
        return None;
    }
    // Decoded and lower-cased into a stack buffer, so the clean path does not allocate.
    let mut buf = [0u8; 256];
    let mut n = 0;
    let mut i = 0;
    while let Some((c, w, _)) = byte_at(sb, i) {
        buf[n] = c.to_ascii_lowercase();
        n += 1;
        i += w;
    }
    let seg = &buf[..n];
    if seg.len() > 1 && seg.ends_with(b"~") {
        return Some("backup or editor copy requested");
    }
    match seg.iter().rposition(|&c| c == b'.') {
        Some(dot) if in_sorted(RESTRICTED_EXTENSIONS, &seg[dot + 1..]) => Some("backup, secret, database or configuration file requested"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::{clean, flagged, head, weak_only};
    use super::RESTRICTED_EXTENSIONS;
    use crate::facts::RequestHead;

    fn get(path: &str) -> RequestHead {
        let mut h = head("GET", &[]);
        h.path = path.into();
        h
    }

    #[test]
    fn extension_list_is_sorted() {
        assert!(RESTRICTED_EXTENSIONS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn crafted_targets() {
        for p in [
            "/?name=foo%00", "/files/report.pdf%00.jpg", "/a#frag", "/?q=%C0%AF", "/?q=%E0%80%AF", "/?q=%F8%88%80%80",
            "/?q=%ED%A0%80", "/?q=%F4%90%80%80", "/?q=%E2%82", "/x\x01",
        ] {
            assert!(flagged(&get(p), "attack.protocol"), "{p}");
        }
    }

    #[test]
    fn ordinary_and_legacy_targets() {
        for p in ["/api/v1/users?name=J%C3%BCrgen&city=M%C3%BCnchen", "/search?q=%E2%82%AC+10", "/emoji?q=%F0%9F%98%80", "/%23tag", "/a?b=c+d&e=%2F"] {
            assert!(clean(&get(p)), "{p}");
        }
        for p in ["/search?q=caf%E9", "/discount?pct=50%", "/?q=%FD", "/a b"] {
            assert!(weak_only(&get(p)), "{p}");
        }
    }

    #[test]
    fn backup_and_secret_files() {
        for p in ["/index.php~", "/index.php~/foo/bar/", "/site/config.php.bak", "/dump.rdb", "/dump%2Erdb", "/.env", "/etc/ssl/private/server.KEY", "/web.config", "/db.sqlite3?x=1", "/data/users.db", "/App_Data/site.MDF", "/default.ida?NNNN", "/src/App.csproj"] {
            assert!(flagged(&get(p), "attack.protocol"), "{p}");
        }
        for p in ["/~alice/", "/api/v1/config", "/fonts/Inter.ttf", "/api/keys/123", "/v2/environments/env", "/report.pdf", "/files/a.b.c/data.json", "/v2/databases/db-1/users", "/v1/clusters/my.db.cluster", "/v2/domains/example.com"] {
            assert!(clean(&get(p)), "{p}");
        }
    }

    fn body(ct: &str, b: &str) -> Vec<(super::Hit, String, String)> {
        let mut out = Vec::new();
        super::check_body(ct, b.as_bytes(), &mut out);
        out
    }

    fn body_flagged(ct: &str, b: &str) -> bool {
        body(ct, b).iter().any(|(h, _, _)| h.severity >= crate::finding::Severity::High)
    }

    #[test]
    fn encoding_of_form_bodies() {
        let form = "application/x-www-form-urlencoded; charset=UTF-8";
        for b in ["name=report.pdf%00.jpg", "a%00b=1", "q=%C0%AF", "q=%F5%80%BF%BF", "q=%E2%A3", "q=%ED%A0%80&x=1", "a=b\u{0}c"] {
            assert!(body_flagged(form, b), "{b}");
        }
        for b in ["name=J%C3%BCrgen&note=line1%0D%0Aline2", "a=1&b=%E2%82%AC", "q=caf%E9", "pct=50%", "emoji=%F0%9F%98%80"] {
            assert!(!body_flagged(form, b), "{b}");
        }
        // Only form bodies are URL-encoded: the same bytes in a JSON or text body are text.
        assert!(body("application/json", "{\"q\":\"%00 and %C0%AF\"}").is_empty());
        assert!(body("text/plain", "a=%00").is_empty());
    }

    #[test]
    fn escaped_nul_in_json() {
        for b in [r#"{"file":"../../etc/passwd\u0000.jpg"}"#, r#"{"a\u0000":1}"#, r#"["\\\u0000"]"#] {
            let f = body("application/vnd.api+json", b);
            assert!(f.len() == 1 && f[0].0.severity == crate::finding::Severity::Medium, "{b}: {f:?}");
        }
        for b in [r#"{"doc":"write \\u0000 for NUL"}"#, r#"{"a":"\u0041"}"#, r#"{"a":"\u0001"}"#, "{\"a\":1}"] {
            assert!(body("application/json", b).is_empty(), "{b}");
        }
    }

    #[test]
    fn line_breaks_in_the_path() {
        for p in ["/index%0a.php", "/files/a%0D%0A", "/a%0d%0aSet-Cookie:%20x=1/b"] {
            assert!(flagged(&get(p), "attack.protocol"), "{p}");
        }
        // A query value may be multi-line text.
        assert!(clean(&get("/notes?text=line1%0Aline2%0D%0Aline3")));
    }

    #[test]
    fn unix_socket_through_mod_proxy() {
        for p in ["/?unix:/run/docker.sock|http://localhost/containers/json", "/proxy/UNIX:/var/run/app.sock|http://internal/", "/?unix:AAAA%7Chttp://internal/"] {
            assert!(flagged(&get(p), "attack.ssrf"), "{p}");
        }
        for p in ["/docs/unix:sockets", "/?filter=a|b", "/?q=unix%3Asocket", "/?a=b%7Cc"] {
            assert!(clean(&get(p)), "{p}");
        }
    }

    #[test]
    fn targets_outside_the_http_forms() {
        let t = |m: &str, p: &str| {
            let mut h = head(m, &[]);
            h.path = p.into();
            h
        };
        for (m, p) in [("GET", "v1/items"), ("GET", "*"), ("POST", "../etc")] {
            assert!(weak_only(&t(m, p)), "{m} {p}");
        }
        for (m, p) in [("OPTIONS", "*"), ("CONNECT", "api.example.com:443"), ("GET", "http://api.example.com/v1"), ("GET", "HTTPS://a.example/")] {
            assert!(clean(&t(m, p)), "{m} {p}");
        }
    }
}
