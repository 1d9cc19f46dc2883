//! Route: naming the endpoint a request is for.
//!
//! With a model, the request path is matched against the learned templates (a segment trie per
//! method, literals before parameters, compiled once per configuration); a path that matches none
//! is an unknown endpoint. Without a model, or for the name of an unknown path, segments that look
//! like identifiers (numbers, UUIDs, long hex, long opaque tokens) fold into parameters named after
//! the segment before them: `/api/v1/accounts/42` -> `/api/v1/accounts/{account_id}`.
//! The learner names parameters with the same [`param_name`], so names agree.

use std::collections::HashMap;

/// The endpoint a request resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The template: the model's when it matched, else the folded default.
    pub template: String,
    /// Index of the matching endpoint in the model; `None` when unknown (or no model).
    pub endpoint: Option<usize>,
}

/// Checks a template's syntax: starts with `/`, parameters are whole segments `{name}`.
pub fn check_template(t: &str) -> Result<(), &'static str> {
    if !t.starts_with('/') {
        return Err("a template starts with '/'");
    }
    for seg in t.split('/').skip(1) {
        let opens = seg.matches('{').count();
        let closes = seg.matches('}').count();
        if opens != closes || opens > 1 {
            return Err("parameters are whole segments like {name}");
        }
        if opens == 1 {
            let ok = seg.starts_with('{') && seg.ends_with('}') && seg.len() > 2
                && seg[1..seg.len() - 1].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !ok {
                return Err("parameters are whole segments like {name}");
            }
        }
    }
    Ok(())
}

/// Is this segment an identifier rather than a name? Numbers, UUIDs, hex of 16+ characters, and
/// long opaque tokens with digits (24+ characters, e.g. Mongo ids, base64 ids).
pub fn looks_like_id(seg: &str) -> bool {
    let b = seg.as_bytes();
    if b.is_empty() {
        return false;
    }
    if b.iter().all(u8::is_ascii_digit) {
        return true;
    }
    if is_uuid(b) {
        return true;
    }
    let hexish = b.iter().all(u8::is_ascii_hexdigit);
    let digits = b.iter().filter(|c| c.is_ascii_digit()).count();
    if hexish && b.len() >= 16 && digits > 0 {
        return true;
    }
    b.len() >= 24 && digits >= 2 && b.iter().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'='))
}

/// `8-4-4-4-12` hex digits.
pub fn is_uuid(b: &[u8]) -> bool {
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The parameter name for an identifier after segment `prev`: `accounts` -> `account_id`.
pub fn param_name(prev: Option<&str>) -> String {
    let Some(prev) = prev.filter(|p| !p.starts_with('{') && !p.is_empty()) else {
        return "id".to_string();
    };
    let word: String = prev
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect();
    let singular = if let Some(s) = word.strip_suffix("ies") {
        format!("{s}y")
    } else if word.ends_with("ss") || word.ends_with("us") {
        word
    } else if let Some(s) = word.strip_suffix('s') {
        s.to_string()
    } else {
        word
    };
    format!("{singular}_id")
}

/// The default template of a path: identifier segments become named parameters.
pub fn fold(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut prev: Option<&str> = None;
    for seg in path.split('/').skip(1) {
        out.push('/');
        if looks_like_id(seg) {
            out.push('{');
            out.push_str(&param_name(prev));
            out.push('}');
            prev = Some("{");
        } else {
            out.push_str(seg);
            prev = Some(seg);
        }
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

#[derive(Default, Debug)]
struct Node {
    literals: HashMap<String, Node>,
    param: Option<Box<Node>>,
    /// Endpoint index when a template ends here.
    end: Option<usize>,
}

/// Matches paths against a model's templates.
#[derive(Default, Debug)]
pub struct Router {
    by_method: HashMap<String, Node>,
}

impl Router {
    /// Builds the trie from `(method, template)` pairs; the index is the pair's position.
    pub fn new<'a>(templates: impl IntoIterator<Item = (&'a str, &'a str)>) -> Router {
        let mut by_method: HashMap<String, Node> = HashMap::new();
        for (i, (method, template)) in templates.into_iter().enumerate() {
            let mut node = by_method.entry(method.to_string()).or_default();
            for seg in template.split('/').skip(1) {
                node = if seg.starts_with('{') {
                    node.param.get_or_insert_with(Box::default)
                } else {
                    node.literals.entry(seg.to_string()).or_default()
                };
            }
            node.end.get_or_insert(i);
        }
        Router { by_method }
    }

    pub fn is_empty(&self) -> bool {
        self.by_method.is_empty()
    }

    /// Resolves `method path` (path without query). Literal segments win over parameters; the
    /// search backtracks at most once per segment, so it is linear in the number of segments.
    pub fn route(&self, method: &str, path: &str) -> Route {
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        let endpoint = self.by_method.get(method).and_then(|root| find(root, &segs));
        Route { template: fold(path), endpoint }
    }
}

fn find(node: &Node, segs: &[&str]) -> Option<usize> {
    let Some((first, rest)) = segs.split_first() else {
        return node.end;
    };
    if let Some(hit) = node.literals.get(*first).and_then(|n| find(n, rest)) {
        return Some(hit);
    }
    node.param.as_deref().filter(|_| !first.is_empty()).and_then(|n| find(n, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_identifiers_named_after_the_previous_segment() {
        assert_eq!(fold("/api/v1/accounts/42"), "/api/v1/accounts/{account_id}");
        assert_eq!(fold("/users/98/orders/5f2b9c1e-0d4f-4a8e-9d2c-1b3a4c5d6e7f"), "/users/{user_id}/orders/{order_id}");
        assert_eq!(fold("/categories/12"), "/categories/{category_id}");
        assert_eq!(fold("/blobs/deadbeefcafe12345678"), "/blobs/{blob_id}");
        assert_eq!(fold("/1/2"), "/{id}/{id}");
        assert_eq!(fold("/users/me"), "/users/me");
        assert_eq!(fold("/api/v1"), "/api/v1");
        assert_eq!(fold("/"), "/");
        assert_eq!(fold("/status"), "/status", "short words are not ids");
        assert_eq!(fold("/files/report-2024"), "/files/report-2024");
    }

    #[test]
    fn router_prefers_literals_and_reports_unknown() {
        let r = Router::new([("GET", "/users/{user_id}"), ("GET", "/users/me"), ("POST", "/users"), ("GET", "/users/{user_id}/orders")]);
        assert_eq!(r.route("GET", "/users/me").endpoint, Some(1));
        assert_eq!(r.route("GET", "/users/7").endpoint, Some(0));
        assert_eq!(r.route("GET", "/users/7/orders").endpoint, Some(3));
        assert_eq!(r.route("POST", "/users").endpoint, Some(2));
        assert_eq!(r.route("DELETE", "/users/7").endpoint, None);
        assert_eq!(r.route("GET", "/admin").endpoint, None);
        assert_eq!(r.route("GET", "/users/").endpoint, None, "an empty segment is not a parameter");
        assert_eq!(r.route("GET", "/users/7").template, "/users/{user_id}");
    }

    #[test]
    fn literal_dead_end_falls_back_to_parameter() {
        let r = Router::new([("GET", "/a/b/c"), ("GET", "/a/{x}/d")]);
        assert_eq!(r.route("GET", "/a/b/d").endpoint, Some(1));
    }

    #[test]
    fn template_syntax() {
        assert!(check_template("/a/{id}/b").is_ok());
        assert!(check_template("a").is_err());
        assert!(check_template("/a/x{id}").is_err());
        assert!(check_template("/a/{}").is_err());
        assert!(check_template("/a/{b-c}").is_err());
    }
}
