//! Protocol policy: the operator's own limits on what a request may look like (methods, content
//! types, charsets, argument sizes, upload sizes), in the manner of the Core Rule Set's
//! `allowed_methods`, `allowed_request_content_type` and `arg_length` settings.
//!
//! Off unless configured (`policies.protocol`): what is normal differs between APIs far more than
//! what is hostile does. A JSON API may well take `DELETE`, an upload as `application/octet-stream`,
//! an NDJSON stream or a 2,000-character description, so none of these limits can be a default
//! without flagging somebody's ordinary traffic; an operator who knows the API's shape states it
//! here and every request outside it is reported as `attack.protocol` at the configured severity
//! (High by default, which flags a request on its own). Each limit left out is not checked.
//!
//! The method an override asks for (`_method`, `X-HTTP-Method-Override` and its cousins) is
//! held to `allowed_methods` too, and `forbid_method_override` refuses overrides altogether, for
//! APIs that no HTML form posts to. `required_headers` names headers every client of the API
//! sends (`User-Agent`, `Accept`, an API key): missing or empty, the request is a hand-made one.
//! Neither is a default: iOS's networking library sends an empty `Accept`, scripts send no
//! `User-Agent`, and Rails and Laravel forms reach `DELETE` through `_method`.
//!
//! Arguments are query parameters and form fields (URL-encoded and multipart, file contents
//! excluded): the names and values a form or a link carries. JSON bodies are left to the
//! baseline, which learns each field's usual size per endpoint.

use super::{method, Family, Hit};
use crate::facts::RequestHead;
use crate::fields::{Field, Part, ValueType};
use crate::finding::{Finding, Severity};
use serde::{Deserialize, Serialize};

/// The `policies.protocol` section. Every limit is optional; absent means not checked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtocolPolicy {
    /// Request methods the API answers (`["GET", "POST", ...]`, case-sensitive as HTTP is).
    pub allowed_methods: Option<Vec<String>>,
    /// Request media types (`type/subtype`, `type/*`, or `type/*+suffix` such as
    /// `application/*+json`), matched case-insensitively on the `Content-Type` essence.
    pub allowed_content_types: Option<Vec<String>>,
    /// Charsets a `Content-Type` may declare (case-insensitive).
    pub allowed_charsets: Option<Vec<String>>,
    /// Whether a request with a body must say what the body is (`Content-Type`).
    pub require_content_type: bool,
    /// Headers every request must carry with a non-empty value (names case-insensitive; `host`
    /// is also satisfied by the HTTP/2 `:authority`).
    pub required_headers: Option<Vec<String>>,
    /// Whether the API refuses every method override (`_method` in the query or a form,
    /// `X-HTTP-Method-Override`, `X-HTTP-Method`, `X-Method-Override`).
    pub forbid_method_override: bool,
    /// Longest argument name, in bytes.
    pub max_argument_name_length: Option<usize>,
    /// Longest argument value, in bytes.
    pub max_argument_length: Option<usize>,
    /// Most arguments in one request (query and form together).
    pub max_arguments: Option<usize>,
    /// Most bytes of argument names and values together in one request.
    pub max_arguments_length: Option<usize>,
    /// Largest multipart (upload) request body, in bytes, by `Content-Length` or as received.
    pub max_upload_bytes: Option<u64>,
    /// Severity of a violation: `high` (the default) flags a request on its own, `critical`
    /// blocks it in block mode, `medium` and `low` only add to other evidence.
    pub severity: Option<Severity>,
}

/// What a violation is reported with when no severity is configured.
const DEFAULT_SEVERITY: Severity = Severity::High;
/// Confidence of a violation: certain, the request broke a rule the operator stated (so the
/// severity alone sets its weight: `critical` reaches the block threshold on its own).
const CONFIDENCE: f64 = 1.0;

/// Arguments counted so far in one request (query first, then the body's form fields).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArgumentTally {
    count: usize,
    bytes: usize,
}

impl ProtocolPolicy {
    /// Checks the rules serde cannot express; an error names the field (`policies.protocol.x`).
    pub fn validate(&self) -> Result<(), (String, String)> {
        let field = |name: &str| format!("policies.protocol.{name}");
        if let Some(methods) = &self.allowed_methods {
            if methods.is_empty() {
                return Err((field("allowed_methods"), "list at least one method, or leave the field out".into()));
            }
            if let Some((i, m)) = methods.iter().enumerate().find(|(_, m)| !super::headers::is_token(m)) {
                return Err((format!("{}[{i}]", field("allowed_methods")), format!("{m:?} is not an HTTP method name")));
            }
        }
        if let Some(types) = &self.allowed_content_types {
            if types.is_empty() {
                return Err((field("allowed_content_types"), "list at least one media type, or leave the field out".into()));
            }
            if let Some((i, t)) = types.iter().enumerate().find(|(_, t)| !valid_media_range(t)) {
                return Err((format!("{}[{i}]", field("allowed_content_types")), format!("{t:?} is not type/subtype, type/* or type/*+suffix")));
            }
        }
        if let Some(names) = &self.required_headers {
            if names.is_empty() {
                return Err((field("required_headers"), "list at least one header name, or leave the field out".into()));
            }
            if let Some((i, n)) = names.iter().enumerate().find(|(_, n)| !super::headers::is_token(n)) {
                return Err((format!("{}[{i}]", field("required_headers")), format!("{n:?} is not a header name")));
            }
        }
        if let Some(charsets) = &self.allowed_charsets {
            if charsets.is_empty() {
                return Err((field("allowed_charsets"), "list at least one charset, or leave the field out".into()));
            }
            if let Some((i, c)) = charsets.iter().enumerate().find(|(_, c)| !super::headers::is_token(c)) {
                return Err((format!("{}[{i}]", field("allowed_charsets")), format!("{c:?} is not a charset name")));
            }
        }
        let limits = [
            ("max_argument_name_length", self.max_argument_name_length.map(|n| n as u64)),
            ("max_argument_length", self.max_argument_length.map(|n| n as u64)),
            ("max_arguments", self.max_arguments.map(|n| n as u64)),
            ("max_arguments_length", self.max_arguments_length.map(|n| n as u64)),
            ("max_upload_bytes", self.max_upload_bytes),
        ];
        if let Some((name, _)) = limits.iter().find(|(_, n)| *n == Some(0)) {
            return Err((field(name), "must be at least 1 (leave the field out for no limit)".into()));
        }
        Ok(())
    }

    fn violation(&self, location: String, evidence: &str, detail: &'static str) -> Finding {
        let hit = Hit::new(Family::Protocol, self.severity.unwrap_or(DEFAULT_SEVERITY), CONFIDENCE, 0, detail);
        super::finding(hit, location, evidence)
    }

    /// The head's violations: the method and the overrides in the query and headers, required
    /// headers, and the query's arguments (counted into `tally` for [`ProtocolPolicy::check_body`]).
    pub fn check_head(&self, head: &RequestHead, fields: &[Field<'_>], tally: &mut ArgumentTally, out: &mut Vec<Finding>) {
        if let Some(methods) = &self.allowed_methods {
            if !methods.iter().any(|m| *m == head.method) {
                out.push(self.violation("method".into(), &head.method, "method outside policies.protocol.allowed_methods"));
            }
        }
        if self.forbid_method_override || self.allowed_methods.is_some() {
            for (location, evidence, requested) in method::head_overrides(head) {
                self.method_override(&head.method, location, evidence, &requested, out);
            }
        }
        if let Some(names) = &self.required_headers {
            for name in names {
                let value = head.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
                let value = value.filter(|v| !v.is_empty()).or_else(|| (name.eq_ignore_ascii_case("host") && !head.authority.is_empty()).then_some(""));
                if value.is_none() {
                    let location = format!("header:{}", name.to_ascii_lowercase());
                    out.push(self.violation(location, "missing or empty", "header required by policies.protocol.required_headers missing or empty"));
                }
            }
        }
        self.arguments(fields, tally, out);
    }

    /// An override to `requested` against `forbid_method_override` and `allowed_methods`
    /// (frameworks upper-case the value before they use it).
    fn method_override(&self, actual: &str, location: String, evidence: &str, requested: &str, out: &mut Vec<Finding>) {
        let Some(requested) = method::requested_method(actual, requested) else { return };
        if self.forbid_method_override {
            out.push(self.violation(location, evidence, "method override refused by policies.protocol.forbid_method_override"));
        } else if self.allowed_methods.as_ref().is_some_and(|ms| !ms.iter().any(|m| m.eq_ignore_ascii_case(requested))) {
            out.push(self.violation(location, evidence, "method override outside policies.protocol.allowed_methods"));
        }
    }

    /// The body's violations, once it is complete: its media type and charset, a body without a
    /// `Content-Type`, a method override in a form, an upload too large, and the form's arguments (`fields`, the body's fields
    /// as the field walk produced them) with the query's already in `tally`. A request without a
    /// body is judged on its arguments only: the `Content-Type` of a body that is not there
    /// (`GET` with the header set by habit) describes nothing.
    pub fn check_body(&self, head: &RequestHead, received: usize, fields: &[Field<'_>], tally: &mut ArgumentTally, out: &mut Vec<Finding>) {
        let declared = head.header("content-length").and_then(|v| v.trim().parse::<u64>().ok()).unwrap_or(0);
        let size = declared.max(received as u64);
        let ct = head.header("content-type").filter(|c| !c.trim().is_empty());
        if size > 0 {
            self.media_type(ct, out);
        }
        if self.require_content_type && size > 0 && ct.is_none() {
            out.push(self.violation("body".into(), &format!("{size} bytes"), "body without a Content-Type"));
        }
        if self.forbid_method_override || self.allowed_methods.is_some() {
            for f in fields.iter().filter(|f| f.part == Part::Body && f.ty == ValueType::Text && f.name == method::OVERRIDE_FIELD) {
                self.method_override(&head.method, format!("body:{}", method::OVERRIDE_FIELD), &f.value, &f.value, out);
            }
        }
        if let Some(max) = self.max_upload_bytes {
            let multipart = ct.is_some_and(|c| c.len() > 10 && c.as_bytes()[..10].eq_ignore_ascii_case(b"multipart/"));
            if multipart && size > max {
                out.push(self.violation("body".into(), &format!("{size} bytes"), "upload larger than policies.protocol.max_upload_bytes"));
            }
        }
        self.arguments(fields, tally, out);
    }

    /// The body's media type and charset against the allowed lists.
    fn media_type(&self, ct: Option<&str>, out: &mut Vec<Finding>) {
        let Some(ct) = ct else { return };
        let essence = ct.split(';').next().unwrap_or("").trim();
        if let Some(types) = &self.allowed_content_types {
            if !types.iter().any(|t| media_range_matches(t, essence)) {
                out.push(self.violation("header:content-type".into(), ct, "Content-Type outside policies.protocol.allowed_content_types"));
            }
        }
        if let Some(charsets) = &self.allowed_charsets {
            for (k, v) in super::headers::params(ct) {
                let v = v.trim_matches(['"', '\'']);
                if k.eq_ignore_ascii_case("charset") && !charsets.iter().any(|c| c.eq_ignore_ascii_case(v)) {
                    out.push(self.violation("header:content-type".into(), ct, "charset outside policies.protocol.allowed_charsets"));
                    break;
                }
            }
        }
    }

    /// Counts the arguments among `fields` and reports the first name and value over their
    /// limits, and the request's totals once they pass theirs.
    fn arguments(&self, fields: &[Field<'_>], tally: &mut ArgumentTally, out: &mut Vec<Finding>) {
        if self.max_argument_name_length.is_none() && self.max_argument_length.is_none() && self.max_arguments.is_none() && self.max_arguments_length.is_none() {
            return;
        }
        let (before_count, before_bytes) = (tally.count, tally.bytes);
        let (mut long_name, mut long_value) = (false, false);
        for f in fields.iter().filter(|f| is_argument(f)) {
            tally.count += 1;
            tally.bytes += f.name.len() + f.value.len();
            if !long_name && self.max_argument_name_length.is_some_and(|max| f.name.len() > max) {
                long_name = true;
                out.push(self.violation(f.location(), &f.name, "argument name longer than policies.protocol.max_argument_name_length"));
            }
            if !long_value && self.max_argument_length.is_some_and(|max| f.value.len() > max) {
                long_value = true;
                let evidence = format!("{} bytes", f.value.len());
                out.push(self.violation(f.location(), &evidence, "argument longer than policies.protocol.max_argument_length"));
            }
        }
        // Each total is reported once, by the part of the request that takes it past its limit.
        if self.max_arguments.is_some_and(|max| before_count <= max && tally.count > max) {
            out.push(self.violation("request".into(), &format!("{} arguments", tally.count), "more arguments than policies.protocol.max_arguments"));
        }
        if self.max_arguments_length.is_some_and(|max| before_bytes <= max && tally.bytes > max) {
            out.push(self.violation("request".into(), &format!("{} bytes", tally.bytes), "arguments longer together than policies.protocol.max_arguments_length"));
        }
    }
}

/// Whether a field is an argument: a query parameter's value, or a form field's (URL-encoded or
/// multipart; JSON fields are named by their path, `$...`, and an upload's file name is not one).
fn is_argument(f: &Field<'_>) -> bool {
    match f.part {
        Part::Query => !f.name.is_empty(),
        Part::Body => f.ty == ValueType::Text && !f.name.is_empty() && !f.name.starts_with('$') && !f.name.ends_with(".filename"),
        _ => false,
    }
}

/// `type/subtype`, `type/*` or `type/*+suffix`, with token halves.
fn valid_media_range(t: &str) -> bool {
    use super::headers::is_token;
    let Some((ty, sub)) = t.split_once('/') else { return false };
    is_token(ty) && ty != "*" && (sub == "*" || sub.strip_prefix("*+").is_some_and(is_token) || (is_token(sub) && !sub.contains('*')))
}

/// Whether `essence` (a `Content-Type` without parameters) is in the media range `range`.
fn media_range_matches(range: &str, essence: &str) -> bool {
    let (Some((rt, rs)), Some((et, es))) = (range.split_once('/'), essence.split_once('/')) else { return false };
    if !rt.eq_ignore_ascii_case(et.trim()) {
        return false;
    }
    let es = es.trim();
    if rs == "*" {
        return true;
    }
    match rs.strip_prefix("*+") {
        Some(suffix) => es.len() > suffix.len() + 1 && es.rsplit_once('+').is_some_and(|(_, s)| s.eq_ignore_ascii_case(suffix)),
        None => rs.eq_ignore_ascii_case(es),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::fields::{body_fields, request_head_fields};
    use crate::verdict::{decide, Decision, Thresholds};

    fn policy(json: &str) -> ProtocolPolicy {
        let c = Config::from_json(format!(r#"{{"policies":{{"protocol":{json}}}}}"#).as_bytes()).expect("valid");
        c.policies.protocol.expect("present")
    }

    /// The violations of a request under `p`, as the engine checks it: head, then body.
    fn violations(p: &ProtocolPolicy, method: &str, target: &str, headers: &[(&str, &str)], body: &str) -> Vec<Finding> {
        let head = RequestHead {
            method: method.into(),
            path: target.into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..Default::default()
        };
        let (mut tally, mut out) = (ArgumentTally::default(), Vec::new());
        let mut fields = Vec::new();
        request_head_fields(&head, &mut fields);
        p.check_head(&head, &fields, &mut tally, &mut out);
        let (mut names, mut fields) = (String::new(), Vec::new());
        body_fields(Part::Body, head.header("content-type"), body.as_bytes(), &mut names, &mut fields);
        p.check_body(&head, body.len(), &fields, &mut tally, &mut out);
        out
    }

    fn flags(f: &[Finding]) -> bool {
        decide(f, &Thresholds::default(), 1.0, false).decision != Decision::Allow
    }

    const API: &str = r#"{"allowed_methods":["GET","HEAD","POST","PUT","PATCH","DELETE","OPTIONS"],
        "allowed_content_types":["application/json","application/*+json","application/x-www-form-urlencoded","multipart/form-data"],
        "allowed_charsets":["utf-8","iso-8859-1"],"require_content_type":true,"max_argument_name_length":100,
        "max_argument_length":400,"max_arguments":255,"max_arguments_length":64000,"max_upload_bytes":1048576}"#;

    #[test]
    fn requests_outside_the_policy_flag() {
        let p = policy(API);
        for (method, target, headers, body) in [
            ("TRACE", "/v1/items", &[][..], ""),
            ("GET", "/v1/items", &[("content-type", "text/plain")][..], "{}"),
            ("POST", "/v1/items", &[("content-type", "application/xml")][..], "<a/>"),
            ("POST", "/v1/items", &[("content-type", "application/json; charset=shift_jis")][..], "{}"),
            ("PUT", "/v1/items/1", &[][..], "{\"name\":\"x\"}"),
            ("POST", "/v1/items", &[("content-length", "12")][..], ""),
            ("GET", &format!("/v1/items?q={}", "a".repeat(401)), &[][..], ""),
            ("GET", &format!("/v1/items?{}=1", "n".repeat(101)), &[][..], ""),
            ("GET", &format!("/v1/items?{}", (0..256).map(|i| format!("a{i}=1")).collect::<Vec<_>>().join("&")), &[][..], ""),
            ("POST", "/v1/form", &[("content-type", "application/x-www-form-urlencoded")][..], &format!("a={}&b={}", "1".repeat(399), "2".repeat(40_000))),
            ("POST", "/v1/upload", &[("content-type", "multipart/form-data; boundary=X"), ("content-length", "2000000")][..], "--X\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nx\r\n--X--\r\n"),
        ] {
            let f = violations(&p, method, target, headers, body);
            assert!(flags(&f), "{method} {} {headers:?}: {f:?}", &target[..target.len().min(40)]);
            assert!(f.iter().all(|f| f.kind == "attack.protocol" && f.detail.as_deref().is_some_and(|d| !d.is_empty())), "{f:?}");
        }
        // The totals: 64,000 bytes of arguments split between the query and the form body.
        let half = "q".repeat(33_000);
        let f = violations(&p, "POST", &format!("/v1/a?x={half}"), &[("content-type", "application/x-www-form-urlencoded")], &format!("y={half}"));
        assert_eq!(f.iter().filter(|f| f.location == "request").count(), 1, "{f:?}");
    }

    #[test]
    fn ordinary_api_requests_pass() {
        let p = policy(API);
        for (method, target, headers, body) in [
            ("GET", "/v1/items?page=2&per_page=50&sort=-created", &[][..], ""),
            ("DELETE", "/v1/items/42", &[][..], ""),
            ("POST", "/v1/items", &[("content-type", "application/json; charset=UTF-8")][..], "{\"description\":\"long text\"}"),
            ("PATCH", "/v1/items/1", &[("content-type", "application/merge-patch+json")][..], "{}"),
            ("POST", "/v1/login", &[("content-type", "application/x-www-form-urlencoded")][..], "user=a&pass=b"),
            ("POST", "/v1/upload", &[("content-type", "multipart/form-data; boundary=X"), ("content-length", "90")][..], "--X\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\n\r\nx\r\n--X--\r\n"),
            ("POST", "/v1/actions", &[][..], ""),
            // A Content-Type set by habit on a request without a body.
            ("GET", "/v1/invoices/7/csv", &[("content-type", "text/csv")][..], ""),
        ] {
            let f = violations(&p, method, target, headers, body);
            assert!(f.is_empty(), "{method} {target}: {f:?}");
        }
        // A long JSON text is the baseline's to judge, not an argument.
        let long = format!("{{\"description\":\"{}\"}}", "x".repeat(5000));
        assert!(violations(&p, "POST", "/v1/items", &[("content-type", "application/json")], &long).is_empty());
    }

    #[test]
    fn each_limit_is_checked_only_when_configured() {
        let p = policy(r#"{"allowed_methods":["GET"]}"#);
        assert!(!violations(&p, "POST", "/a", &[("content-type", "text/csv")], "a,b").is_empty());
        assert!(violations(&p, "GET", &format!("/a?q={}", "x".repeat(10_000)), &[("content-type", "text/csv")], "a,b").is_empty());
        let low = policy(r#"{"allowed_methods":["GET"],"severity":"medium"}"#);
        let f = violations(&low, "POST", "/a", &[], "");
        assert!(!f.is_empty() && !flags(&f));
        assert!(Config::default().policies.protocol.is_none());
    }

    #[test]
    fn required_headers() {
        let p = policy(r#"{"required_headers":["User-Agent","accept","host"]}"#);
        let ok = [("user-agent", "sdk/1.2"), ("accept", "application/json"), ("host", "api.example.com")];
        assert!(violations(&p, "GET", "/v1/items", &ok, "").is_empty());
        for (missing, empty) in [("user-agent", false), ("accept", true), ("host", false), ("user-agent", true)] {
            let headers: Vec<(&str, &str)> = ok.iter().filter_map(|&(k, v)| if k != missing { Some((k, v)) } else if empty { Some((k, " ")) } else { None }).collect();
            let f = violations(&p, "GET", "/v1/items", &headers, "");
            assert!(flags(&f) && f.iter().all(|f| f.location == format!("header:{missing}")), "{missing} {empty}: {f:?}");
        }
        // HTTP/2 carries the host as `:authority`.
        let mut head = RequestHead { method: "GET".into(), path: "/".into(), authority: "api.example.com".into(), ..Default::default() };
        head.headers = vec![("user-agent".into(), "a".into()), ("accept".into(), "*/*".into())];
        let mut out = Vec::new();
        p.check_head(&head, &[], &mut ArgumentTally::default(), &mut out);
        assert!(out.is_empty(), "{out:?}");
    }

    #[test]
    fn method_overrides() {
        let p = policy(r#"{"allowed_methods":["GET","POST"]}"#);
        let form = [("content-type", "application/x-www-form-urlencoded")];
        for (target, headers, body) in [
            ("/v1/items/1?_method=DELETE", &[][..], ""),
            ("/v1/items/1?a=1&_method=p%55t", &[][..], ""),
            ("/v1/items/1", &form[..], "_method=patch&name=x"),
            ("/v1/items/1", &[("x-http-method-override", "DELETE")][..], ""),
            ("/v1/items/1", &[("x-method-override", "PUT")][..], ""),
        ] {
            let f = violations(&p, "POST", target, headers, body);
            assert!(flags(&f), "{target} {headers:?} {body}: {f:?}");
        }
        for (target, headers, body) in [
            ("/v1/search?_method=GET", &[][..], ""),
            ("/v1/session", &form[..], "_method=post&token=x"),
            ("/v1/items?_method=X", &[][..], ""),
            ("/v1/items?my_method=DELETE", &[][..], ""),
            ("/v1/items", &form[..], "note=_method%3DDELETE"),
        ] {
            let f = violations(&p, "POST", target, headers, body);
            assert!(f.is_empty(), "{target} {headers:?} {body}: {f:?}");
        }
        let strict = policy(r#"{"forbid_method_override":true}"#);
        assert!(flags(&violations(&strict, "POST", "/v1/search?_method=GET", &[], "")));
        assert!(flags(&violations(&strict, "POST", "/v1/a", &[("x-http-method", "PATCH")], "")));
        assert!(violations(&strict, "POST", "/v1/session", &form, "_method=POST").is_empty());
        // Without either setting, overrides are the detectors' to judge, not the policy's.
        assert!(violations(&policy(r#"{"max_arguments":10}"#), "POST", "/v1/a?_method=DELETE", &[], "").is_empty());
    }

    #[test]
    fn media_ranges() {
        for (range, essence) in [("application/json", "Application/JSON"), ("text/*", "text/csv"), ("application/*+json", "application/vnd.api+json")] {
            assert!(media_range_matches(range, essence), "{range} {essence}");
        }
        for (range, essence) in [("application/json", "application/jsonx"), ("application/*+json", "application/json"), ("application/*+json", "application/+json"), ("text/*", "textx/plain"), ("application/json", "")] {
            assert!(!media_range_matches(range, essence), "{range} {essence}");
        }
    }

    #[test]
    fn bad_policies_are_refused_naming_the_field() {
        for (json, field) in [
            (r#"{"allowed_methods":[]}"#, "policies.protocol.allowed_methods"),
            (r#"{"allowed_methods":["GET","BAD METHOD"]}"#, "policies.protocol.allowed_methods[1]"),
            (r#"{"allowed_content_types":["json"]}"#, "policies.protocol.allowed_content_types[0]"),
            (r#"{"allowed_content_types":["*/*"]}"#, "policies.protocol.allowed_content_types[0]"),
            (r#"{"allowed_charsets":["utf 8"]}"#, "policies.protocol.allowed_charsets[0]"),
            (r#"{"max_argument_length":0}"#, "policies.protocol.max_argument_length"),
            (r#"{"required_headers":[]}"#, "policies.protocol.required_headers"),
            (r#"{"required_headers":["accept","user agent"]}"#, "policies.protocol.required_headers[1]"),
        ] {
            let e = Config::from_json(format!(r#"{{"policies":{{"protocol":{json}}}}}"#).as_bytes()).expect_err(json);
            assert_eq!(e.field, field, "{json}: {e}");
        }
        let e = Config::from_json(br#"{"policies":{"protocol":{"allowed_method":["GET"]}}}"#).expect_err("typo");
        assert!(e.field.starts_with("policies.protocol") && e.reason.contains("allowed_method"), "{e}");
    }
}
