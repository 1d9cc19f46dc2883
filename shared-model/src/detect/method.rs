//! Method policy: the request method, and methods requested through an override.
//!
//! An API answers a handful of methods; anything outside the registered ones (IANA's method
//! registry: RFC 9110, PATCH, WebDAV and its versioning extensions, the draft `QUERY`) is verb
//! tampering, the probe for handlers that authorise `GET`/`POST` but serve every verb (`FOO`,
//! `SUBSCRIBE`), and is reported High. `TRACE`/`TRACK` echo the request (cross-site tracing) and
//! are Medium. `DELETE`, `PUT`, `PATCH` and `OPTIONS` are what REST APIs are made of: never
//! reported.
//!
//! Method override (`_method=` in a form, `X-HTTP-Method-Override` and its cousins) is how HTML
//! forms reach `PUT`/`DELETE` in Rails, Laravel and Symfony and how some clients send long
//! queries (`POST` overridden to `GET`), so that alone is weak (Medium). It is an attack when it
//! turns a safe request into a state-changing one (`GET /transfer?_method=POST`: a link or an
//! image that performs a transfer, past CSRF defences that only guard `POST`), reaches a method
//! a proxy in front would refuse (`CONNECT`, `TRACE`, WebDAV), or sits in the query string
//! asking for a registered state-changing method: frameworks write it into the form body, so a
//! query-string override is a link someone crafted. An override to a method nobody registered
//! (`_method=UNSUBSCRIBE`) is refused by the framework and only Medium.

use super::headers::is_token;
use super::{Family, Hit};
use crate::swar;
use crate::facts::RequestHead;
use crate::finding::Severity::{High, Medium};

/// IANA HTTP method registry (plus the draft `QUERY` and the cache `PURGE` that CDNs use).
const KNOWN_METHODS: &[&str] = &[
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY", "PURGE", "PROPFIND",
    "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK", "REPORT", "SEARCH", "MKCALENDAR", "ACL", "BIND", "UNBIND",
    "REBIND", "LINK", "UNLINK", "CHECKIN", "CHECKOUT", "UNCHECKOUT", "VERSION-CONTROL", "BASELINE-CONTROL", "LABEL",
    "MERGE", "MKACTIVITY", "MKWORKSPACE", "MKREDIRECTREF", "UPDATE", "UPDATEREDIRECTREF", "ORDERPATCH",
];

/// Methods a front proxy typically refuses, so reaching them through an override is tampering.
const GUARDED: &[&str] = &[
    "CONNECT", "TRACE", "TRACK", "DEBUG", "PROPFIND", "PROPPATCH", "MKCOL", "COPY", "MOVE", "LOCK", "UNLOCK",
];

fn known(m: &str) -> bool {
    KNOWN_METHODS.iter().any(|k| k.eq_ignore_ascii_case(m))
}

/// The request method itself.
pub(crate) fn check_method(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    let m = head.method.as_str();
    // PERF: what nearly every request uses, all registered, answered without the scans below.
    if matches!(m, "GET" | "POST" | "PUT" | "PATCH" | "DELETE" | "HEAD" | "OPTIONS") {
        return;
    }
    let hit = if !is_token(m) || m.len() > 24 {
        Hit::new(Family::Protocol, High, 0.85, 0, "method is not an HTTP token")
    } else if m == "TRACE" || m == "TRACK" {
        Hit::new(Family::Protocol, Medium, 0.7, 0, "TRACE method")
    } else if !KNOWN_METHODS.contains(&m) {
        Hit::new(Family::Protocol, High, 0.7, 0, "method outside the HTTP method registry")
    } else {
        return;
    };
    out.push((hit, "method".to_string(), m.to_string()));
}

/// Where an override was found: frameworks' forms put `_method` in the body and clients put it
/// in a header; one in the query string is a link someone wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OverrideSource {
    Query,
    Body,
    Header,
}

/// Judges a method override from `actual` to `requested`; `None` when it is a no-op or not a
/// method at all (a parameter that happens to be called `_method`, with a value like `X`).
pub(crate) fn judge_override(actual: &str, requested: &str, source: OverrideSource) -> Option<Hit> {
    let requested = requested_method(actual, requested)?;
    let safe_actual = actual.eq_ignore_ascii_case("GET") || actual.eq_ignore_ascii_case("HEAD");
    let safe_requested = ["GET", "HEAD", "OPTIONS"].iter().any(|m| m.eq_ignore_ascii_case(requested));
    if safe_actual && !safe_requested {
        return Some(Hit::new(Family::Protocol, High, 0.75, 0, "safe request overridden to a state-changing method"));
    }
    if GUARDED.iter().any(|m| m.eq_ignore_ascii_case(requested)) {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "method override to a guarded method"));
    }
    // A method no framework knows cannot change state: the override is refused with a 405.
    if !known(requested) {
        return Some(Hit::new(Family::Protocol, Medium, 0.6, 0, "method override to an unknown method"));
    }
    if source == OverrideSource::Query && !safe_requested {
        return Some(Hit::new(Family::Protocol, High, 0.7, 0, "method override in the query string"));
    }
    Some(Hit::new(Family::Protocol, Medium, 0.6, 0, "method override"))
}

/// The method an override asks for, trimmed: `None` when it is a no-op (the request's own
/// method, as GitLab's sign-out form sends) or not a method at all (a parameter that happens to
/// be called `_method`, with a value like `X` or `12345`).
pub(crate) fn requested_method<'a>(actual: &str, requested: &'a str) -> Option<&'a str> {
    let requested = requested.trim();
    let method_like = (3..=24).contains(&requested.len()) && requested.bytes().all(|c| c.is_ascii_alphabetic() || c == b'-');
    (method_like && !requested.eq_ignore_ascii_case(actual)).then_some(requested)
}

/// Google, Microsoft and framework conventions for overriding the method in a header.
pub(crate) const OVERRIDE_HEADERS: &[&str] = &["x-http-method-override", "x-http-method", "x-method-override"];

/// The form field and query parameter that Rails, Laravel and Symfony read as the method.
pub(crate) const OVERRIDE_FIELD: &str = "_method";

/// The method overrides in the head: (location, the whole `_method=` pair or header value, the
/// requested method decoded), from the query string and the override headers.
pub(crate) fn head_overrides(head: &RequestHead) -> impl Iterator<Item = (String, &str, std::borrow::Cow<'_, str>)> {
    // PERF: a word-at-a-time test for `_` or an escape over the query before it is split; then
    // only a name of `_method`'s length, or of the length of some escaping of it, is decoded.
    let query = head.query().filter(|q| swar::any(q.as_bytes(), |w| swar::eq(w, b'_') | swar::eq(w, b'%')));
    let from_query = query.into_iter().flat_map(|q| q.split('&')).filter_map(|pair| {
        // Frameworks decode the name and the value before they read them (`%5Fmethod`,
        // `%44%45%4C%45%54%45` is `DELETE`).
        let (name, v) = pair.split_once('=')?;
        let escaped = (OVERRIDE_FIELD.len() + 2..=3 * OVERRIDE_FIELD.len()).contains(&name.len()) && name.contains('%');
        let named = name == OVERRIDE_FIELD || (escaped && crate::normalize::percent_decode(name, true) == OVERRIDE_FIELD);
        named.then(|| (format!("query:{OVERRIDE_FIELD}"), pair, crate::normalize::percent_decode(v, true)))
    });
    let from_headers = head.headers.iter().filter(|(k, _)| OVERRIDE_HEADERS.contains(&k.as_str())).map(|(k, v)| (format!("header:{k}"), v.as_str(), std::borrow::Cow::Borrowed(v.as_str())));
    from_query.chain(from_headers)
}

/// An override in the query string (`_method=`); the override headers are read with the other
/// headers in `headers`.
pub(crate) fn check_query_override(head: &RequestHead, out: &mut Vec<(Hit, String, String)>) {
    for (location, pair, requested) in head_overrides(head).filter(|(l, _, _)| l.starts_with("query:")) {
        if let Some(hit) = judge_override(&head.method, &requested, OverrideSource::Query) {
            out.push((hit, location, pair.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::{flagged, head, weak_only};
    use super::{judge_override, OverrideSource::Body};

    #[test]
    fn verb_tampering_but_not_rest_methods() {
        for m in ["FOO", "SUBSCRIBE", "JEFF", "M-SEARCH"] {
            assert!(flagged(&head(m, &[]), "attack.protocol"), "{m}");
        }
        for m in ["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "PROPFIND", "QUERY", "MKCALENDAR"] {
            assert!(!flagged(&head(m, &[]), "attack.protocol"), "{m}");
        }
        assert!(weak_only(&head("TRACE", &[])));
    }

    #[test]
    fn method_override() {
        let q = |method: &str, path: &str| {
            let mut h = head(method, &[]);
            h.path = path.into();
            h
        };
        assert!(flagged(&q("GET", "/transfer?amount=5&_method=POST"), "attack.protocol"));
        assert!(flagged(&q("POST", "/dav?_method=PROPPATCH"), "attack.protocol"));
        assert!(flagged(&head("POST", &[("x-http-method-override", "CONNECT")]), "attack.protocol"));
        assert!(flagged(&q("POST", "/posts/1?_method=delete"), "attack.protocol"));
        assert!(flagged(&q("POST", "/posts/1?_method=%50%55%54"), "attack.protocol"));
        assert!(flagged(&q("GET", "/a?_method=P%4fST"), "attack.protocol"));
        assert!(flagged(&q("POST", "/posts/1?%5Fmethod=DELETE"), "attack.protocol"));
        assert!(flagged(&q("GET", "/a?x=1&%5f%6D%65%74%68%6F%64=POST"), "attack.protocol"));
        assert!(weak_only(&q("POST", "/search?_method=%47ET")));
        // Rails forms and Google-style long queries: reported, not flagged.
        assert!(judge_override("POST", "DELETE", Body).is_some_and(|h| h.severity == crate::finding::Severity::Medium));
        assert!(weak_only(&head("POST", &[("x-http-method-override", "PATCH")])));
        assert!(weak_only(&head("POST", &[("x-http-method-override", "GET")])));
        assert!(weak_only(&q("POST", "/search?_method=GET")));
        assert!(weak_only(&q("POST", "/a?_method=UNSUBSCRIBE")));
        assert!(judge_override("POST", "X", Body).is_none());
        assert!(judge_override("POST", "12345", Body).is_none());
        assert!(judge_override("POST", "post", Body).is_none());
        assert!(!flagged(&q("GET", "/a?my_method=POST"), "attack.protocol"));
    }
}
