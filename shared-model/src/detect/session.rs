//! Session fixation: a session identifier planted through the URL, a form or a script.
//!
//! Fixation works by making the victim's browser use a session id the attacker knows. Frameworks
//! that accept the id from the query or a form (`;jsessionid=`, `?PHPSESSID=`, `sessionid=`)
//! make that a link away. A session-id *parameter* in a request is weak evidence (some old
//! clients still put it there), so it is Medium and never flags alone. Setting a cookie from a
//! value (`document.cookie=...sessionid`, `<meta http-equiv="Set-Cookie"`, `Set-Cookie:` in a
//! value) is High: no legitimate API value does that.

use super::gate::lit;
use super::{Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::{Field, Part, ValueType};
use crate::finding::Severity::{High, Medium};

pub(crate) struct Session {
    rules: Rules,
    names: regex::Regex,
}

impl Session {
    pub fn new() -> Result<Session, String> {
        let table = [
            (r#"http-equiv\s*=\s*["']?\s*set-cookie|\bset-cookie\s*:|document\s*\.\s*cookie\s*=[^;]*(?:sess|sid|token)"#, High, 0.85, "cookie set from a value"),
            (r";\s*(?:jsessionid|phpsessid|sid|aspsessionid[a-z]*)=[a-z0-9_-]{6,}", Medium, 0.8, "session id in a URL"),
        ];
        Ok(Session {
            rules: Rules::new(Family::Session, &table)?,
            names: super::regex(r"^(?:jsessionid|phpsessid|phpsession|sessionid|session[_-]?id|sess_?id|sid|aspsessionid[a-z]*|asp\.net_sessionid|cfid|cftoken|koa\.sess|koa:sess|connect\.sid|_flask_session|flask_session|ci_session|laravel_session|cakephp|jwsession|symfony|_session_id|rack\.session|express:sess|beaker\.session\.id|zend_session|[a-z]+_session)$")?,
        })
    }
}

impl Check for Session {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[lit("set-cookie"), lit("document.cookie"), lit("jsessionid"), lit("phpsessid"), lit(";sid="), lit("aspsessionid")];
        T
    }

    fn has_wake(&self) -> bool {
        true
    }

    fn wake(&self, text: &[u8], field: &Field<'_>) -> bool {
        // Parameter names (query names, form and JSON keys) are checked against the session-id
        // names; the cheap test is that the name mentions a session or a known framework cookie.
        let name_like = field.part == Part::QueryName || (field.part == Part::Body && field.ty == ValueType::Key);
        name_like && text.len() < 40 && {
            let t = text;
            let has = |w: &[u8]| t.windows(w.len()).any(|x| x.eq_ignore_ascii_case(w));
            has(b"sess") || has(b"sid") || has(b"cfid") || has(b"cftoken") || has(b"cakephp") || has(b"symfony")
        }
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if matches!(s.part, Part::QueryName) || (s.part == Part::Body && s.ty == ValueType::Key) {
            if self.names.is_match(s.text.trim()) {
                return Some(Hit::new(Family::Session, Medium, 0.8, 0, "session id set through a parameter"));
            }
        }
        self.rules.best(s.text)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_session_fixation() {
        assert_family(
            "attack.session_fixation",
            &["<meta http-equiv=\"Set-Cookie\" content=\"sessionid=abc\">", "x\r\nSet-Cookie: PHPSESSID=evil"],
            &["my session was great", "sessionid", "Set the cookie policy"],
        );
        for name in ["jsessionid", "PHPSESSID", "sessionid", "_flask_session", "ci_session"] {
            let f = scan_at(Part::QueryName, ValueType::Text, name, name);
            assert!(f.iter().any(|f| f.kind == "attack.session_fixation" && f.severity == crate::finding::Severity::Medium), "{name}: {f:?}");
        }
        let f = scan_at(Part::QueryName, ValueType::Text, "session_type", "session_type");
        assert!(f.is_empty(), "{f:?}");
    }
}
