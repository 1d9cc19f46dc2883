//! Endpoints as operators write them in rules (data policies, exceptions): `"*"` (everything),
//! `"METHOD /path"` or `"/path"` (any method), where a path segment is a literal, `{name}` (one
//! segment), `*` (one segment) or a final `*` (one or more segments); the method may be `*`.
//! Matched against the route's endpoint template (or the raw path when no template is known), so
//! `{id}` in a rule also matches a template's `{id}`.

#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Literal(String),
    One,
    Rest,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointPattern {
    /// `None`: every method.
    method: Option<String>,
    /// `None`: every path.
    path: Option<Vec<Seg>>,
}

impl EndpointPattern {
    /// Parses a pattern; the error says what is wrong with it (the caller names the field).
    pub fn parse(e: &str) -> Result<EndpointPattern, String> {
        let e = e.trim();
        if e == "*" {
            return Ok(EndpointPattern { method: None, path: None });
        }
        let (method, path) = match e.split_once(' ') {
            Some((m, p)) => (m.trim(), p.trim()),
            None => ("*", e),
        };
        if method != "*" && (method.is_empty() || !method.bytes().all(|c| c.is_ascii_uppercase())) {
            return Err(format!("method {method:?} is not an upper-case HTTP method or *"));
        }
        if !path.starts_with('/') {
            return Err("the path must start with /".into());
        }
        let raw: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
        let mut segs = Vec::with_capacity(raw.len());
        for (k, s) in raw.iter().enumerate() {
            segs.push(match *s {
                "*" if k + 1 == raw.len() => Seg::Rest,
                "*" => Seg::One,
                s if s.starts_with('{') && s.ends_with('}') && s.len() > 2 => Seg::One,
                s if s.contains(['{', '}', '*']) => return Err(format!("segment {s:?}: use {{name}} or * for a whole segment")),
                s => Seg::Literal(s.to_string()),
            });
        }
        Ok(EndpointPattern { method: (method != "*").then(|| method.to_string()), path: Some(segs) })
    }

    /// Whether the pattern covers `method` and `endpoint` (a template or a path; a query is ignored).
    pub fn matches(&self, method: &str, endpoint: &str) -> bool {
        if self.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(method)) {
            return false;
        }
        let Some(segs) = &self.path else { return true };
        let path = endpoint.split('?').next().unwrap_or("");
        let mut parts = path.split('/').filter(|s| !s.is_empty());
        for s in segs {
            let part = parts.next();
            match (s, part) {
                (Seg::Rest, Some(_)) => return true,
                (Seg::One, Some(_)) => {}
                (Seg::Literal(l), Some(p)) if l == p => {}
                _ => return false,
            }
        }
        parts.next().is_none()
    }

    /// How specific the pattern is, for ordering rules most specific first: literal segments,
    /// all segments, whether the method is named.
    pub fn specificity(&self) -> (usize, usize, bool) {
        self.path.as_ref().map_or((0, 0, false), |segs| {
            let literals = segs.iter().filter(|s| matches!(s, Seg::Literal(_))).count();
            (literals, segs.len(), self.method.is_some())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::EndpointPattern;

    fn p(s: &str) -> EndpointPattern {
        EndpointPattern::parse(s).unwrap()
    }

    #[test]
    fn segments_methods_and_rest() {
        assert!(p("*").matches("DELETE", "/anything/at/all"));
        assert!(p("GET /api/v1/users/{id}").matches("GET", "/api/v1/users/{user_id}"));
        assert!(p("GET /api/v1/users/{id}").matches("get", "/api/v1/users/42?x=1"));
        assert!(!p("GET /api/v1/users/{id}").matches("POST", "/api/v1/users/42"));
        assert!(!p("GET /api/v1/users/{id}").matches("GET", "/api/v1/users"));
        assert!(!p("GET /api/v1/users/{id}").matches("GET", "/api/v1/users/42/cards"));
        assert!(p("/api/*/users").matches("PUT", "/api/v2/users"));
        assert!(p("* /api/v1/*").matches("PUT", "/api/v1/a/b/c"));
        assert!(!p("* /api/v1/*").matches("PUT", "/api/v1"), "a final * needs at least one segment");
        assert!(p("/").matches("GET", "/"));
        assert!(!p("/").matches("GET", "/a"));
    }

    #[test]
    fn refuses_what_it_cannot_mean() {
        assert!(EndpointPattern::parse("get /a").unwrap_err().contains("method"));
        assert!(EndpointPattern::parse("GET api").unwrap_err().contains("start with /"));
        assert!(EndpointPattern::parse("/a/x{id}").is_err());
        assert!(EndpointPattern::parse("/a/x*").is_err());
    }

    #[test]
    fn specificity_orders_literals_first() {
        assert!(p("GET /a/b").specificity() > p("GET /a/{id}").specificity());
        assert!(p("GET /a/{id}").specificity() > p("/a/{id}").specificity());
        assert!(p("/a").specificity() > p("*").specificity());
    }
}
