//! Header policy: request headers whose value (or presence) is an attack technique rather than a
//! payload.
//!
//! - `Range` with many, overlapping or inverted ranges, and the obsolete `Request-Range` (only
//!   the "Apache Killer" range amplification still sends it): High.
//! - `Proxy` (httpoxy: CGI turns it into `HTTP_PROXY`, and the application then sends its
//!   outbound calls through the attacker) and `X-Middleware-Subrequest` (skips Next.js
//!   middleware, authentication included): attacks, whatever the value.
//! - `Content-Type` that a body parser would misread: not `type/subtype`, `multipart/*` without
//!   a boundary or of an unknown subtype, a `boundary` or a media type among the parameters of a
//!   non-multipart type (`application/x-www-form-urlencoded; boundary="application/json"`), more
//!   than one `charset`, or a charset that is not ASCII-compatible (EBCDIC `ibm037`, `utf-7`,
//!   `utf-16`): payloads encoded so that the inspection reads noise and the application reads
//!   SQL. The same charsets requested through `Accept` (or `Accept-Charset`) make the response unreadable to response
//!   inspection, and declared through `X-Up-Devcap-Post-Charset` by an `UP` user agent (old WAP
//!   phones' body charset, which some servers still honour) they encode the body just as well.
//!   High.
//! - `Content-Type` naming a native object-serialization format (`application/x-java-serialized-object`,
//!   Flash remoting's `application/x-amf`, Python pickles, PHP's serialized values): the body is
//!   an object graph the server deserializes, the classic route to remote code execution
//!   (BlazeDS/GraniteDS AMF, Java gadget chains). No JSON API takes them: High.
//! - `X-HTTP-Method-Override` and its cousins, judged in `method`.
//! - WebDAV's `If` and `Lock-Token` outside WebDAV methods: High. They mean nothing to anything
//!   but a WebDAV handler, which parses them even on other verbs (IIS's `If:` overflow,
//!   CVE-2017-7269); no browser or API client sends them, so one on a `GET` is a probe.
//! - Framing-adjacent headers whose value is wrong whatever the content: a `Content-Encoding`
//!   nobody registered or several stacked, an `Expect` other than `100-continue` (the
//!   expect-based desync): High. Whether the request has the content these headers describe is
//!   known only at its end, and judged there (`content`). An
//!   `Accept-Encoding` longer than every coding listed together (the HTTP.sys overflow,
//!   CVE-2022-21907), and `X-Original-URL`/`X-Rewrite-URL` (IIS and Symfony route by them, past
//!   a proxy that authorised the request line's path): High.
//! - A `Cookie` with RFC 2965's `$Version` attribute (switches Java containers to the legacy
//!   cookie parser; no client has sent it since 2011) and a `Content-Type` with two boundaries,
//!   a boundary outside RFC 2046's grammar, or a bare media type among its parameters: High.
//! - An empty `User-Agent` or `Accept`, an unknown charset name: weak signals (Low/Medium),
//!   which only add to other evidence: a blanked header is odd, not harmful. A missing
//!   `User-Agent` or `Accept` is not reported at all: API clients often send neither.

use super::method::{self, OverrideSource};
use super::{Family, Hit};
use crate::facts::RequestHead;
use crate::finding::Severity::{Critical, High, Low, Medium};

/// Most ranges a legitimate client asks for at once (PDF viewers and media players ask for one
/// or a few).
const MAX_RANGES: usize = 5;

pub(crate) fn check(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    for (name, value) in &head.headers {
        let v = value.as_str();
        let hit = match name.as_str() {
            "range" => range(v),
            "request-range" => Some(Hit::new(Family::Protocol, High, 0.7, 0, "obsolete Request-Range header")),
            "proxy" => Some(Hit::new(Family::Protocol, High, 0.85, 0, "Proxy request header (httpoxy)")),
            "x-middleware-subrequest" => Some(Hit::new(Family::Protocol, Critical, 0.9, 0, "X-Middleware-Subrequest (middleware bypass)")),
            "content-type" => content_type(v),
            "accept" => accept(&head.method, v),
            "accept-charset" => accept_charset(v),
            // Openwave's WAP header naming the body's charset, honoured for its browsers (whose
            // User-Agent starts `UP`): the EBCDIC-payload trick again, without `Content-Type`.
            "x-up-devcap-post-charset" => charset_hit(v).map(|h| if wap_browser(head) { h } else { h.at_most(Medium, 0.6) }),
            "user-agent" if v.trim().is_empty() => Some(Hit::new(Family::Protocol, Low, 0.6, 0, "empty User-Agent")),
            "if" | "lock-token" if !webdav(&head.method) => Some(Hit::new(Family::Protocol, High, 0.7, 0, "WebDAV header outside WebDAV")),
            "content-encoding" => content_encoding(v),
            "expect" => expect(v),
            "accept-encoding" if v.len() > MAX_ACCEPT_ENCODING => Some(Hit::new(Family::Protocol, High, 0.75, 0, "oversized Accept-Encoding")),
            // IIS URL Rewrite and Symfony take the path from these instead of the request line,
            // so a front proxy authorises `/public` and the application serves `/admin`.
            // RFC 2965's `$Version` attribute switches Java servlet containers (Tomcat, Jetty,
            // Undertow) to the legacy cookie parser, which unquotes and unescapes values and
            // splits on commas: the cookie the application reads is not the one inspected.
            // Clients stopped sending it with RFC 6265 (2011).
            "cookie" if v.contains('$') && legacy_cookie(v) => Some(Hit::new(Family::Protocol, High, 0.75, 0, "legacy $Version cookie (parser switch)")),
            "x-original-url" | "x-rewrite-url" => Some(Hit::new(Family::Protocol, High, 0.8, 0, "URL override header (access-control bypass)")),
            n if method::OVERRIDE_HEADERS.contains(&n) => method::judge_override(&head.method, v, OverrideSource::Header),
            _ => None,
        };
        if let Some(hit) = hit {
            out.push((hit, format!("header:{name}"), v.to_string()));
        }
    }
}

/// Longest `Accept-Encoding` a client sends: every registered content coding listed once takes
/// 93 characters; HTTP.sys overflowed on longer ones (CVE-2022-21907).
const MAX_ACCEPT_ENCODING: usize = 100;

/// Whether the head announces content: a non-zero `Content-Length` or a `Transfer-Encoding`.
pub(crate) fn declares_content(head: &RequestHead) -> bool {
    head.headers.iter().any(|(k, v)| {
        k == "transfer-encoding" || (k == "content-length" && v.trim().trim_start_matches('0').bytes().any(|c| c.is_ascii_digit()))
    })
}

/// Content codings in use for request bodies: IANA's registry, the `x-` aliases, and `snappy`
/// (Prometheus remote write).
pub(crate) const CONTENT_CODINGS: &[&str] = &["gzip", "x-gzip", "deflate", "br", "zstd", "compress", "x-compress", "identity", "aes128gcm", "exi", "pack200-gzip", "snappy"];

/// A request `Content-Encoding` other than one registered coding: a coding nobody registered,
/// or codings stacked (`gzip, gzip`, the decompression bomb), is a client written to confuse a
/// parser. One known coding is judged against the content at the end of the request (`content`).
fn content_encoding(v: &str) -> Option<Hit> {
    let mut codings = v.split(',').map(str::trim);
    let single = codings.next().is_some_and(|c| CONTENT_CODINGS.iter().any(|k| k.eq_ignore_ascii_case(c))) && codings.next().is_none();
    (!single).then(|| Hit::new(Family::Protocol, High, 0.75, 0, "unknown or stacked request Content-Encoding"))
}

/// `Expect`: `100-continue` is the only expectation HTTP defines. Any other value is the shape
/// of the expect-based desync (a hop that answers `100` and one that waits disagree on where the
/// request ends); `100-continue` without content is judged at the end of the request.
fn expect(v: &str) -> Option<Hit> {
    (!v.trim().eq_ignore_ascii_case("100-continue")).then(|| Hit::new(Family::Smuggling, High, 0.75, 0, "Expect other than 100-continue"))
}

/// Whether a `Cookie` header carries a `$Version` attribute.
fn legacy_cookie(v: &str) -> bool {
    v.split([';', ',']).any(|c| c.split_once('=').is_some_and(|(k, _)| k.trim().trim_matches('"').eq_ignore_ascii_case("$version")))
}

/// An Openwave (UP.Browser) user agent.
fn wap_browser(head: &RequestHead) -> bool {
    head.header("user-agent").is_some_and(|ua| ua.len() >= 2 && ua.as_bytes()[..2].eq_ignore_ascii_case(b"up"))
}

fn webdav(m: &str) -> bool {
    matches!(m, "PROPFIND" | "PROPPATCH" | "MKCOL" | "COPY" | "MOVE" | "LOCK" | "UNLOCK" | "PUT" | "DELETE")
}

/// `bytes=a-b, c-, -d`: too many ranges, an inverted one, or overlapping ones.
fn range(v: &str) -> Option<Hit> {
    let spec = v.trim();
    let list = match spec.split_once('=') {
        Some((unit, list)) if unit.trim().eq_ignore_ascii_case("bytes") => list,
        _ => return None,
    };
    if !list.contains(',') && !list.contains('-') {
        return None;
    }
    // The spans seen so far (at most MAX_RANGES) to find overlaps without allocating.
    let mut spans = [(0u64, 0u64); MAX_RANGES];
    for (count, r) in list.split(',').map(str::trim).filter(|r| !r.is_empty()).enumerate() {
        let (a, b) = r.split_once('-')?;
        let (a, b) = (a.trim(), b.trim());
        let span = match (a.parse::<u64>(), b.parse::<u64>()) {
            (Ok(first), Ok(last)) if last < first => return Some(Hit::new(Family::Protocol, High, 0.7, 0, "inverted byte range")),
            (Ok(first), Ok(last)) => (first, last),
            (Ok(first), Err(_)) if b.is_empty() => (first, u64::MAX),
            // Suffix ranges (`-500`) are relative to the end: no overlap test.
            (Err(_), Ok(_)) if a.is_empty() => (u64::MAX, u64::MAX),
            _ => return None,
        };
        if count >= MAX_RANGES {
            return Some(Hit::new(Family::Protocol, High, 0.7, 0, "too many byte ranges"));
        }
        if span.0 != u64::MAX && spans[..count].iter().any(|s| s.0 != u64::MAX && span.0 <= s.1 && s.0 <= span.1) {
            return Some(Hit::new(Family::Protocol, High, 0.7, 0, "overlapping byte ranges"));
        }
        spans[count] = span;
    }
    None
}

/// What a charset name means for inspection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Charset {
    /// ASCII-compatible and in use: markup and SQL read the same in it as in UTF-8.
    Fine,
    /// Not ASCII-compatible (EBCDIC, UTF-7, UTF-16/32): a payload in it is noise to inspection.
    Evasive,
    /// Not a charset (`utf-88`).
    Bogus,
    /// A name we do not know.
    Unknown,
}

/// Classifies a charset name (quotes and case ignored).
pub(crate) fn charset(name: &str) -> Charset {
    let n = name.trim().trim_matches(['"', '\'']).trim();
    let lower = |p: &str| n.len() >= p.len() && n.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes());
    let is = |p: &str| n.eq_ignore_ascii_case(p);
    const FINE: &[&str] = &[
        "utf-8", "utf8", "us-ascii", "ascii", "latin1", "latin-1", "koi8-r", "koi8-u", "shift_jis", "sjis", "euc-jp", "euc-kr",
        "iso-2022-jp", "gb2312", "gbk", "gb18030", "big5", "tis-620", "macintosh", "ibm437", "ibm850", "ibm852", "ibm866",
        "cp437", "cp850", "cp852", "cp866", "x-user-defined",
    ];
    if FINE.iter().any(|f| is(f)) || lower("iso-8859-") || lower("iso8859-") || lower("windows-125") || lower("cp125") {
        return Charset::Fine;
    }
    // The EBCDIC code pages by number, under any of the prefixes that name IBM code pages, and
    // the Unicode forms that are not ASCII-based.
    const EVASIVE: &[&str] = &[
        "ebcdic", "csebcdic", "utf-7", "utf7", "csutf7", "utf-16", "utf16", "utf-32", "utf32", "ucs-", "ucs2", "ucs4", "iso-10646",
        "csunicode", "unicode", "x-imap4-modified-utf7",
    ];
    if EVASIVE.iter().any(|p| lower(p)) || ebcdic_code_page(n) {
        return Charset::Evasive;
    }
    if lower("utf") {
        return Charset::Bogus;
    }
    Charset::Unknown
}

/// Whether `name` is an EBCDIC code page by number: an IBM name (`IBM038`, `IBM-1047`,
/// `csIBM500`, `x-IBM1140`, `IBM-Thai`) of anything but the ASCII-based DOS and CJK pages, or a `cp` name of
/// a page known to be EBCDIC (`cp` also names the ASCII-based Windows and ISO pages, `cp28591`).
fn ebcdic_code_page(name: &str) -> bool {
    const EBCDIC: &[u32] = &[
        37, 38, 273, 274, 275, 277, 278, 280, 281, 284, 285, 290, 297, 420, 423, 424, 500, 870, 871, 875, 880, 905, 918, 924,
        1025, 1026, 1027, 1047, 1140, 1141, 1142, 1143, 1144, 1145, 1146, 1147, 1148, 1149,
    ];
    const ASCII_BASED: &[u32] = &[437, 737, 775, 850, 851, 852, 855, 857, 858, 860, 861, 862, 863, 864, 865, 866, 868, 869, 874, 891, 903, 904, 932, 936, 949, 950];
    let lower = name.to_ascii_lowercase();
    let number = |rest: &str| (1..=6).contains(&rest.len()).then_some(rest).filter(|d| d.bytes().all(|c| c.is_ascii_digit())).and_then(|d| d.parse::<u32>().ok());
    if let Some(rest) = ["csibm", "x-ibm", "ibm-", "ibm"].iter().find_map(|p| lower.strip_prefix(p)) {
        // Named IBM pages (`IBM-Thai`) are EBCDIC too.
        return number(rest).is_none_or(|n| !ASCII_BASED.contains(&n));
    }
    ["cp-", "cp"].iter().find_map(|p| lower.strip_prefix(p)).and_then(number).is_some_and(|n| EBCDIC.contains(&n))
}

fn charset_hit(name: &str) -> Option<Hit> {
    match charset(name) {
        Charset::Fine => None,
        Charset::Evasive => Some(Hit::new(Family::Protocol, High, 0.8, 0, "charset that is not ASCII-compatible")),
        Charset::Bogus => Some(Hit::new(Family::Protocol, High, 0.7, 0, "charset that does not exist")),
        Charset::Unknown => Some(Hit::new(Family::Protocol, Medium, 0.6, 0, "unknown charset")),
    }
}

/// The value of `key` among `;`-separated parameters (quotes kept), for each occurrence.
pub(crate) fn params<'a>(v: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    v.split(';').skip(1).filter_map(|p| p.split_once('=')).map(|(k, v)| (k.trim(), v.trim()))
}

/// An HTTP token (RFC 9110 `tchar`s): method names, header names, media type halves.
pub(crate) fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|' | b'~'))
}

/// `x/y` with token halves: a media type (for spotting one hidden among parameters).
fn looks_like_media_type(v: &str) -> bool {
    let v = v.trim_matches(['"', '\'']);
    v.split_once('/').is_some_and(|(t, s)| is_token(t) && is_token(s))
}

/// A parameter value that names a JSON or XML media type among other text (`x="a application/json"`):
/// the body processor a WAF picks by searching the header for `json` reads a format the
/// application does not (and the reverse).
fn names_body_format(v: &str) -> bool {
    let b = v.as_bytes();
    let has = |w: &[u8]| b.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
    v.contains('/') && (has(b"json") || has(b"xml"))
}

/// Media types of native object serialization (lower-case essence).
const SERIALIZED_OBJECTS: &[&str] = &[
    "application/x-java-serialized-object", "application/x-java-object", "application/x-amf", "application/x-python-pickle",
    "application/python-pickle", "application/vnd.php.serialized", "application/x-php-serialized",
];

/// Multipart subtypes in use (RFC 2046, 7578, 1847, 1341 and server push).
const MULTIPART: &[&str] = &["form-data", "related", "mixed", "alternative", "byteranges", "digest", "parallel", "signed", "encrypted", "x-mixed-replace", "report"];

pub(crate) fn content_type(v: &str) -> Option<Hit> {
    let essence = v.split(';').next().unwrap_or("").trim();
    if essence.is_empty() && v.trim().is_empty() {
        return None;
    }
    let Some((ty, sub)) = essence.split_once('/') else {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "malformed Content-Type"));
    };
    if !is_token(ty) || !is_token(sub) {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "malformed Content-Type"));
    }
    if SERIALIZED_OBJECTS.iter().any(|m| m.eq_ignore_ascii_case(essence)) {
        return Some(Hit::new(Family::Protocol, High, 0.75, 0, "serialized-object Content-Type (deserialization)"));
    }
    let multipart = ty.eq_ignore_ascii_case("multipart");
    // A parameter that is a bare media type (`text/plain; application/json`): a parser that
    // takes the last type it sees reads another format than the one that reads the first.
    if v.split(';').skip(1).any(|p| !p.contains('=') && looks_like_media_type(p.trim())) {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "media type hidden in a Content-Type parameter"));
    }
    let mut charsets = 0;
    let mut boundaries = 0;
    let mut worst: Option<Hit> = None;
    for (k, val) in params(v) {
        if k.eq_ignore_ascii_case("charset") {
            charsets += 1;
            worst = super::stronger(worst, charset_hit(val));
        } else if k.eq_ignore_ascii_case("boundary") {
            boundaries += 1;
            if multipart && !valid_boundary(val) {
                return Some(Hit::new(Family::Protocol, High, 0.7, 0, "multipart boundary outside RFC 2046's syntax"));
            }
        }
        let media_param = ["type", "start-info", "action", "profile"].iter().any(|p| k.eq_ignore_ascii_case(p));
        if !multipart && !media_param && (looks_like_media_type(val) || names_body_format(val)) {
            return Some(Hit::new(Family::Protocol, High, 0.7, 0, "media type hidden in a Content-Type parameter"));
        }
    }
    // `charset` written twice (or hidden inside another parameter) lets two parsers pick two.
    let mentions = if v.contains(';') { v.as_bytes().windows(7).filter(|w| w.eq_ignore_ascii_case(b"charset")).count() } else { 0 };
    if charsets > 1 || mentions > charsets.max(1) {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "more than one charset in Content-Type"));
    }
    // Two boundaries: the inspector splits the body at one, the application at the other.
    if boundaries > 1 {
        return Some(Hit::new(Family::Protocol, High, 0.75, 0, "more than one boundary in Content-Type"));
    }
    if multipart {
        if !MULTIPART.iter().any(|m| m.eq_ignore_ascii_case(sub)) {
            return Some(Hit::new(Family::Protocol, High, 0.7, 0, "unknown multipart subtype"));
        }
        if boundaries == 0 {
            return Some(Hit::new(Family::Protocol, High, 0.7, 0, "multipart Content-Type without a boundary"));
        }
    } else if boundaries > 0 {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "boundary on a non-multipart Content-Type"));
    }
    worst
}

/// RFC 2046's boundary: 1 to 70 of digits, letters and `'()+_,-./:=?` and spaces, not ending
/// in a space, quoted or not. Every client writes one (`----WebKitFormBoundary...`, UUIDs, hex);
/// one outside the grammar (`"a"b`, a `;` or `"` inside, 200 characters) is where parsers cut
/// it differently, and the part an inspector splits out is not the application's.
fn valid_boundary(v: &str) -> bool {
    let b = v.strip_prefix('"').and_then(|q| q.strip_suffix('"')).unwrap_or(v);
    (1..=70).contains(&b.len())
        && !b.ends_with(' ')
        && b.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'\'' | b'(' | b')' | b'+' | b'_' | b',' | b'-' | b'.' | b'/' | b':' | b'=' | b'?' | b' '))
}

/// `Accept` asking for a response in a charset inspection cannot read.
fn accept(method: &str, v: &str) -> Option<Hit> {
    if v.trim().is_empty() {
        return (method != "OPTIONS").then(|| Hit::new(Family::Protocol, Low, 0.6, 0, "empty Accept"));
    }
    if !v.contains(';') || !v.as_bytes().windows(7).any(|w| w.eq_ignore_ascii_case(b"charset")) {
        return None;
    }
    let mut worst = None;
    for range in v.split(',') {
        for (k, val) in params(range) {
            if k.eq_ignore_ascii_case("charset") {
                worst = super::stronger(worst, charset_hit(val).filter(|h| h.severity >= High));
            }
        }
    }
    worst
}

/// `Accept-Charset` (which browsers stopped sending) naming a charset inspection cannot read:
/// the response comes back in EBCDIC or UTF-7, past response inspection, as with `Accept`.
fn accept_charset(v: &str) -> Option<Hit> {
    v.split(',').map(|c| c.split(';').next().unwrap_or("").trim()).filter(|c| !c.is_empty() && *c != "*").filter_map(|c| charset_hit(c).filter(|h| h.severity >= High)).next()
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::{clean, flagged, head, weak_only};
    use super::{charset, Charset};

    fn with(name: &str, value: &str) -> crate::facts::RequestHead {
        head("GET", &[(name, value)])
    }

    #[test]
    fn range_abuse() {
        for r in ["bytes=0-,5-0,5-1,5-2,5-3,5-4,5-5,5-6", "bytes=10-1", "bytes=0-99,50-150", "bytes=1-2,3-4,5-6,7-8,9-10,11-12,13-14"] {
            assert!(flagged(&with("range", r), "attack.protocol"), "{r}");
        }
        for r in ["bytes=0-1023", "bytes=0-", "bytes=-500", "bytes=0-100,200-300", "bytes=1-10, 11-20, 21-30, 31-40, 41-50", "items=0-24"] {
            assert!(clean(&with("range", r)), "{r}");
        }
        assert!(flagged(&with("request-range", "bytes=0-1023"), "attack.protocol"));
    }

    #[test]
    fn header_attacks() {
        assert!(flagged(&with("proxy", "http://evil.example:8080"), "attack.protocol"));
        assert!(flagged(&with("x-middleware-subrequest", "middleware:middleware:middleware"), "attack.protocol"));
        assert!(weak_only(&with("user-agent", "")));
        assert!(weak_only(&with("accept", "")));
        assert!(clean(&head("OPTIONS", &[("accept", "")])));
        assert!(flagged(&with("if", "(<urn:uuid:181d4fae>)"), "attack.protocol"));
        assert!(flagged(&head("POST", &[("lock-token", "<opaquelocktoken:e71d4fae>")]), "attack.protocol"));
        assert!(clean(&head("LOCK", &[("lock-token", "<urn:uuid:181d4fae>")])));
        assert!(clean(&head("PROPFIND", &[("if", "(<urn:uuid:181d4fae>)")])));
        // Conditional requests use the If-* headers, which are not `If`.
        assert!(clean(&with("if-none-match", "\"33a64df5\"")));
        assert!(clean(&head("PUT", &[("if-match", "\"33a64df5\""), ("if-unmodified-since", "Sat, 21 Nov 2026 10:00:00 GMT")])));
    }

    #[test]
    fn framing_headers_on_the_wrong_request() {
        let body = |name: &str, value: &str| head("POST", &[("content-length", "20"), (name, value)]);
        assert!(flagged(&with("content-encoding", "gzip"), "attack.protocol"));
        assert!(flagged(&body("content-encoding", "gzip, gzip"), "attack.protocol"));
        assert!(flagged(&body("content-encoding", "base64"), "attack.protocol"));
        assert!(weak_only(&body("content-encoding", "gzip")));
        assert!(weak_only(&body("content-encoding", "snappy")));
        assert!(clean(&body("content-encoding", "identity")));
        assert!(weak_only(&with("content-range", "bytes 0-10/100")));
        assert!(clean(&head("PUT", &[("content-length", "11"), ("content-range", "bytes 0-10/100")])));
        assert!(flagged(&with("expect", "100-continue"), "attack.smuggling"));
        assert!(flagged(&body("expect", "y 100-continue"), "attack.smuggling"));
        assert!(flagged(&body("expect", "200-ok"), "attack.smuggling"));
        assert!(clean(&body("expect", "100-Continue")));
        assert!(clean(&head("PUT", &[("transfer-encoding", "chunked"), ("expect", "100-continue")])));
    }

    #[test]
    fn request_headers_that_reroute_or_overflow() {
        assert!(flagged(&with("x-original-url", "/admin"), "attack.protocol"));
        assert!(flagged(&with("x-rewrite-url", "/admin/users"), "attack.protocol"));
        assert!(flagged(&with("accept-encoding", &"gzip, ".repeat(20)), "attack.protocol"));
        for ae in ["gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8, deflate;q=0.6, compress;q=0.4, identity;q=0.2, *;q=0.1", "identity"] {
            assert!(clean(&with("accept-encoding", ae)), "{ae}");
        }
        for c in ["$Version=1; session=abc", "\"$Version\"=1; a=b", "session=abc; $Version=\"1\"; $Path=/", "$version=0,a=b"] {
            assert!(flagged(&with("cookie", c), "attack.protocol"), "{c}");
        }
        for c in ["session=abc; theme=dark", "price=$5; a=b", "v=$Version"] {
            assert!(clean(&with("cookie", c)), "{c}");
        }
    }

    #[test]
    fn content_types_with_two_readings() {
        for ct in [
            "text/plain; application/json", "application/x-www-form-urlencoded;text/xml", "multipart/form-data; boundary=a; boundary=b",
            "text/plain; x=\"y application/json\"", "application/octet-stream; note=\"see text/xml\"",
        ] {
            assert!(flagged(&head("POST", &[("content-type", ct)]), "attack.protocol"), "{ct}");
        }
        for ct in [
            "multipart/form-data; boundary=\"abc\"def", "multipart/form-data; boundary=a\"b", "multipart/mixed; boundary=\"\"",
            "multipart/form-data; boundary=a<b", "multipart/form-data; boundary=\"ends in space \"",
        ] {
            assert!(flagged(&head("POST", &[("content-type", ct)]), "attack.protocol"), "{ct}");
        }
        assert!(flagged(&head("POST", &[("content-type", &format!("multipart/form-data; boundary={}", "-".repeat(71)))]), "attack.protocol"));
        for ct in [
            "multipart/form-data; boundary=\"----=_Part_0_1.2\"", "multipart/form-data; boundary=--------------------------511627219093212541296711",
            "multipart/form-data; boundary=\"gc0p4Jq0M2Yt08j34c0p (x)\"", "multipart/form-data; boundary=f0a2c3c1-7b3e-4c5d-9e8f-0a1b2c3d4e5f",
        ] {
            assert!(clean(&head("POST", &[("content-type", ct)])), "{ct}");
        }
        for ct in ["text/plain; format=flowed", "multipart/form-data; boundary=a/b", "application/json;", "text/html; charset=utf-8; foo"] {
            assert!(clean(&head("POST", &[("content-type", ct)])), "{ct}");
        }
    }

    #[test]
    fn body_charset_declared_by_wap_header() {
        let wap = |c: &str| head("POST", &[("user-agent", "UP.Browser/6.2"), ("x-up-devcap-post-charset", c)]);
        for c in ["ibm037", "IBM500", "cp1026", "utf-7"] {
            assert!(flagged(&wap(c), "attack.protocol"), "{c}");
            assert!(weak_only(&head("POST", &[("user-agent", "curl/8"), ("x-up-devcap-post-charset", c)])), "{c} from a browser that ignores it");
        }
        for c in ["utf-8", "ISO-8859-1", "Shift_JIS"] {
            assert!(clean(&wap(c)), "{c}");
        }
    }

    #[test]
    fn content_types_that_confuse_parsers() {
        for ct in [
            "my-new-content-type", "multipart/; boundary=0000", "multipart/foo; boundary=0000", "multipart/related",
            "application/foo; boundary=0000", "application/x-www-form-urlencoded;boundary=\"application/json\"",
            "application/x-www-form-urlencoded; charset=ibm037", "application/x-www-form-urlencoded;charset=ibm500;charset=UTF-8",
            "text/plain; charset=utf-7", "application/json; charset=\"utf-88\"", "application/json; charset=utf-8; boundary=\"charset=utf-7\"",
            "application/json; charset=UTF-16",
            "application/x-java-serialized-object", "Application/X-AMF", "application/x-python-pickle; protocol=5",
        ] {
            assert!(flagged(&head("POST", &[("content-type", ct)]), "attack.protocol"), "{ct}");
        }
        for ct in [
            "application/json", "application/json; charset=utf-8", "application/x-www-form-urlencoded; charset=\"UTF-8\"",
            "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "application/vnd.api+json",
            "application/vnd.mycompany.customer-v2+json", "application/soap+xml; charset=utf-8; action=\"urn:x/y\"",
            "multipart/related; type=\"application/xop+xml\"; boundary=uuid:1; start-info=\"text/xml\"",
            "text/html; charset=windows-1252", "application/cloudevents+json", "text/plain;charset=iso-8859-15",
            "application/octet-stream", "application/grpc+proto", "application/x-amf-json", "application/java-archive",
        ] {
            assert!(clean(&head("POST", &[("content-type", ct)])), "{ct}");
        }
        assert!(weak_only(&head("POST", &[("content-type", "text/plain; charset=x-mac-roman")])));
    }

    #[test]
    fn accept_charsets() {
        assert!(flagged(&with("accept", "text/html;q=0.9;charset=CP1026,*/*;q=0.8"), "attack.protocol"));
        for a in ["text/html;q=0.9;charset=\"iso-8859-1\",*/*;q=0.8", "application/json", "*/*", "text/html;charset=\"utf-8\";,*;q=0.8"] {
            assert!(clean(&with("accept", a)), "{a}");
        }
    }

    #[test]
    fn accept_charset_header() {
        for a in ["utf-7", "utf-8;q=0.9, IBM037", "csIBM500"] {
            assert!(flagged(&with("accept-charset", a), "attack.protocol"), "{a}");
        }
        for a in ["utf-8", "ISO-8859-1,utf-8;q=0.7,*;q=0.7", "*", "x-mac-roman", ""] {
            assert!(clean(&with("accept-charset", a)), "{a}");
        }
    }

    #[test]
    fn charsets() {
        assert_eq!(charset("UTF-8"), Charset::Fine);
        assert_eq!(charset("\"windows-1252\""), Charset::Fine);
        assert_eq!(charset("IBM037"), Charset::Evasive);
        assert_eq!(charset("utf-7"), Charset::Evasive);
        assert_eq!(charset("utf-88"), Charset::Bogus);
        assert_eq!(charset("x-mac-roman"), Charset::Unknown);
        for ebcdic in ["cp037", "CP1140", "cp1047", "cp273", "cp875", "csIBM500", "ebcdic-cp-us", "IBM-1047", "ISO-10646-UCS-2", "csUnicode", "IBM038", "ibm01141", "IBM-Thai"] {
            assert_eq!(charset(ebcdic), Charset::Evasive, "{ebcdic}");
        }
        for ascii_based in ["cp1252", "CP850", "cp866", "ibm866", "cp437", "windows-1251", "cp874", "cp28591", "IBM00858", "ibm775", "cp1250"] {
            assert_ne!(charset(ascii_based), Charset::Evasive, "{ascii_based}");
        }
    }
}
