//! What the head says about the request's content, against the content that came.
//!
//! Whether a request has content is only known once it ends: HTTP/1.1 announces it
//! (`Content-Length`, `Transfer-Encoding`), but HTTP/2 and HTTP/3 frame the body themselves and
//! need neither header, so a streamed upload over HTTP/2 announces nothing, and the filter does
//! not learn the protocol version. So these judgements run at the end of the request, on the
//! head and the number of body bytes received:
//!
//! - content on `GET`, `HEAD` or `TRACE` that no header announced (an HTTP/2 `GET` with DATA
//!   frames; with `Content-Length` the head checks already report it): a body the application
//!   never reads, waiting for a hop that does (the CL.0 desync), or a payload put where
//!   inspection of query and form does not look. High.
//! - `Content-Encoding`, `Content-Range` or `Expect` on a request without content: they describe
//!   a body that is not there, which no client library writes; the expect-based desync sends
//!   `Expect: 100-continue` without a body so that two hops disagree on where the request ends.
//!   High for `Content-Encoding` and `Expect`; Medium for `Content-Range` (describes content the
//!   request lacks: nothing for a server to misapply).
//! - one known `Content-Encoding` on content: uploads are compressed for real (telemetry
//!   exporters, bulk APIs) but the body then goes uninspected: Medium.
//!
//! The values themselves (an unknown or stacked coding, an `Expect` other than `100-continue`)
//! are judged with the other headers (`headers`).

use super::headers::{declares_content, CONTENT_CODINGS};
use super::{Family, Hit};
use crate::facts::RequestHead;
use crate::finding::Severity::{High, Medium};

/// Pushes (hit, location, evidence) for a head that contradicts the `received` body bytes.
pub(crate) fn check(head: &RequestHead, received: u64, out: &mut Vec<(Hit, String, String)>) {
    let announced = declares_content(head);
    let content = announced || received > 0;
    if received > 0 && !announced && super::protocol::bodyless(&head.method) {
        let hit = Hit::new(Family::Smuggling, High, 0.75, 0, "content on a method without content");
        out.push((hit, "body".to_string(), format!("{received} bytes")));
    }
    for (name, value) in &head.headers {
        let v = value.trim();
        let hit = match name.as_str() {
            "content-encoding" if known_coding(v) => Some(if !content {
                Hit::new(Family::Protocol, High, 0.7, 0, "Content-Encoding on a request without content")
            } else if v.eq_ignore_ascii_case("identity") {
                continue;
            } else {
                Hit::new(Family::Protocol, Medium, 0.6, 0, "compressed request body (not inspected)")
            }),
            "content-range" if !content => Some(Hit::new(Family::Protocol, Medium, 0.6, 0, "Content-Range on a request without content")),
            "expect" if !content && v.eq_ignore_ascii_case("100-continue") => {
                Some(Hit::new(Family::Smuggling, High, 0.7, 0, "Expect on a request without content"))
            }
            _ => None,
        };
        if let Some(hit) = hit {
            out.push((hit, format!("header:{name}"), value.to_string()));
        }
    }
}

/// One registered content coding (a list or an unknown name is the head checks' to report).
fn known_coding(v: &str) -> bool {
    CONTENT_CODINGS.iter().any(|k| k.eq_ignore_ascii_case(v))
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::{clean, findings_with_body, flagged, head, weak_only};
    use crate::verdict::{decide, Decision, Thresholds};

    fn flagged_with(h: &crate::facts::RequestHead, received: u64, kind: &str) -> bool {
        let f: Vec<_> = findings_with_body(h, received).into_iter().filter(|f| f.kind == kind).collect();
        decide(&f, &Thresholds::default(), 1.0, false).decision != Decision::Allow
    }

    #[test]
    fn content_that_no_header_announced() {
        for m in ["GET", "HEAD", "TRACE"] {
            assert!(flagged_with(&head(m, &[("content-type", "text/plain")]), 40, "attack.smuggling"), "{m}");
        }
        // Announced by Content-Length: reported once, by the head checks.
        let announced = head("GET", &[("content-length", "40")]);
        assert_eq!(findings_with_body(&announced, 40).iter().filter(|f| f.kind == "attack.smuggling").count(), 1);
        for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
            assert!(findings_with_body(&head(m, &[("content-type", "application/json")]), 40).is_empty(), "{m}");
        }
        assert!(findings_with_body(&head("GET", &[("content-type", "application/json")]), 0).is_empty());
    }

    #[test]
    fn streamed_uploads_announce_nothing() {
        // HTTP/2 uploads without Content-Length: the body that came is the content.
        for (name, value) in [("expect", "100-continue"), ("content-range", "bytes 0-99/1000")] {
            assert!(findings_with_body(&head("PUT", &[(name, value)]), 100).is_empty(), "{name}");
        }
        assert!(weak_only(&head("POST", &[("content-encoding", "gzip"), ("content-length", "30")])));
        let gz = findings_with_body(&head("POST", &[("content-encoding", "gzip")]), 30);
        assert!(!gz.is_empty() && decide(&gz, &Thresholds::default(), 1.0, false).decision == Decision::Allow);
    }

    #[test]
    fn headers_about_content_that_is_not_there() {
        assert!(flagged(&head("GET", &[("content-encoding", "br")]), "attack.protocol"));
        assert!(flagged(&head("POST", &[("expect", "100-continue")]), "attack.smuggling"));
        assert!(flagged_with(&head("POST", &[("expect", "100-continue"), ("content-length", "0")]), 0, "attack.smuggling"));
        assert!(weak_only(&head("GET", &[("content-range", "bytes 0-10/100")])));
        assert!(clean(&head("POST", &[("content-encoding", "identity"), ("content-length", "3")])));
    }
}
