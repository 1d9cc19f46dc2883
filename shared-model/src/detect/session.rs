//! Session fixation: a session identifier planted through the URL, a form or a script.
//!
//! Fixation works by making the victim's browser use a session id the attacker knows. Frameworks
//! that accept the id from the query or a form (`;jsessionid=`, `?PHPSESSID=`, `sessionid=`)
//! make that a link away. A session-id *parameter* in a request is weak evidence (some old
//! clients still put it there), so on its own it is Medium and never flags. It is an attack when
//! the parameter is a framework's session cookie name and the request arrives from a link on
//! another site (a foreign `Referer`) or from nowhere (no `Referer`: a link in a mail or a chat),
//! which is how a planted id reaches its victim; from the application's own pages it stays
//! Medium. A form field is planted the same way by a page on another site that submits a form
//! to the application, so a framework session name among a form body's fields is an attack with
//! a foreign `Referer`; without one it stays Medium (a form is always on some page, and API
//! clients post forms without a `Referer`). Generic names (`session_id`, `sid`) stay Medium even then: payment and identity
//! providers redirect back with exactly such parameters (`?session_id=cs_...` after a checkout).
//! Setting a cookie from a value (`document.cookie=...sessionid`, `<meta http-equiv="Set-Cookie"`,
//! `Set-Cookie:` in a value) is High: no legitimate API value does that.

use super::gate::lit;
use super::{Check, Family, Hit, Rules, Subject, Trigger};
use crate::facts::RequestHead;
use crate::finding::Finding;
use crate::fields::{Field, Part, ValueType};
use crate::finding::Severity::{High, Medium};

/// Session cookie names of web frameworks (lower-case, `__Secure-`/`__Host-` prefixes removed);
/// Rails names its cookie `_<app>_session`, Laravel and CodeIgniter `<app>_session`, Zend and
/// other PHP and Java frameworks `<framework>_session_id`, Roundcube and SquirrelMail
/// `<app>_sessid`/`<app>sessid`, Drupal `SESS` and 32 hex digits, WordPress
/// `wordpress_logged_in_<hash>`, phpBB `phpbb3_<id>_sid`, ASP.NET Core `.AspNetCore.Session`;
/// Node and Perl session middleware `<app>-session`/`<app>.session` (`nuxt-session`,
/// `dancer.session`), the login tickets that stand for a session (ASP.NET `.ASPXAUTH` and
/// `.AspNetCore.Cookies`, Devise `remember_user_token`, Laravel `remember_web_<sha1>`), and
/// `JSESSIONID` with a server's suffix (`JSESSIONID_APP`, `JSESSIONID.node1`), and `session-id`,
/// a cookie's spelling (providers that redirect back with a session parameter spell it
/// `session_id`).
const FRAMEWORK_NAMES: &str = r"^(?:jsessionid|phpsessid|phpsession|sessionid|asp\.net_sessionid|aspsessionid[a-z]*|cfid|cftoken|cfsid|[a-z0-9]+\.sid|koa[.:]sess|express:sess|rack\.session|_session_id|_[a-z0-9_]+_session|[a-z0-9]+_session|[a-z0-9]+session|cakephp|symfony|_flask_session|beaker\.session\.id|[a-z0-9.-]+\.session-token|[a-z0-9]+_login_token|(?:zend|laminas|yii|kohana|fuel|phalcon|slim|silex|typo3|joomla|drupal|magento|grails|wicket|seam|vaadin|liferay|ofbiz)_?session_?id|[a-z0-9]+_?sessid|s?sess[0-9a-f]{32}|\.aspnetcore\.session|jsessionidsso|[a-z0-9]+[-.]session|\.aspxauth|\.aspnetcore\.(?:cookies|identity\.application)|\.aspnet\.applicationcookie|remember_(?:user_token|web_[0-9a-f]{40})|jsessionid[._-][a-z0-9]+|session-id|wordpress_(?:logged_in_|sec_)?[0-9a-f]{32}|phpbb[0-9]*_[a-z0-9]+_sid|prestashop-[0-9a-f]{32})$";

/// Generic session parameter names, also used by non-framework flows (payment redirects).
const GENERIC_NAMES: &str = r"^(?:session|session_?id|session[_-]?token|sess_?id|sid)$";

/// How a parameter name relates to sessions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionName {
    Framework,
    Generic,
}

/// Literals every session name contains one of (the cheap pre-test before the patterns, found by
/// the prefilter's pass: see [`Check::wake_hints`]).
const HINTS: &[&str] = &["sess", "sid", "cfid", "cftoken", "cakephp", "symfony", "login_token", "wordpress_", "prestashop-", "aspxauth", "aspnet", "remember_"];

/// Recognises session-id parameter names.
pub(crate) struct SessionNames {
    framework: regex::Regex,
    generic: regex::Regex,
}

impl SessionNames {
    pub fn new() -> Result<SessionNames, String> {
        Ok(SessionNames { framework: super::regex(FRAMEWORK_NAMES)?, generic: super::regex(GENERIC_NAMES)? })
    }

    /// `name` in lower case.
    pub fn classify(&self, lower: &str) -> Option<SessionName> {
        let n = lower.trim();
        let n = n.strip_prefix("__secure-").or_else(|| n.strip_prefix("__host-")).unwrap_or(n);
        if self.framework.is_match(n) {
            Some(SessionName::Framework)
        } else if self.generic.is_match(n) {
            Some(SessionName::Generic)
        } else {
            None
        }
    }
}

pub(crate) struct Session {
    rules: Rules,
    names: SessionNames,
}

impl Session {
    pub fn new() -> Result<Session, String> {
        let table = [
            (r#"http-equiv\s*=\s*["']?\s*set-cookie|\bset-cookie\s*:|document\s*\.\s*cookie\s*=[^;]*(?:sess|sid|token)"#, High, 0.85, "cookie set from a value"),
            // `x.cookie = "id=1; domain=.example.com"`: a script writing a cookie with its scope.
            (r#"\.cookie\b[^;\n]{0,256};\W{0,8}(?:expires|domain)\W{0,8}="#, High, 0.8, "cookie set with its scope from a value"),
            (r";\s*(?:jsessionid|phpsessid|sid|aspsessionid[a-z]*)=[a-z0-9_-]{6,}", Medium, 0.8, "session id in a URL"),
        ];
        Ok(Session { rules: Rules::new(Family::Session, &table)?, names: SessionNames::new()? })
    }
}

impl Check for Session {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[lit("set-cookie"), lit(".cookie"), lit("jsessionid"), lit("phpsessid"), lit(";sid="), lit("aspsessionid")];
        T
    }

    // Parameter names (query names, form and JSON keys) are checked against the session-id
    // names; the cheap test is that the name mentions a session or a known framework cookie.
    fn wakes_on(&self, part: Part, ty: ValueType) -> bool {
        part == Part::QueryName || (part == Part::Body && ty == ValueType::Key)
    }

    fn wake_hints(&self) -> &'static [&'static str] {
        HINTS
    }

    fn wake(&self, text: &[u8], _field: &Field<'_>) -> bool {
        text.len() < 64
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if matches!(s.part, Part::QueryName) || (s.part == Part::Body && s.ty == ValueType::Key) {
            if self.names.classify(s.text).is_some() {
                return Some(Hit::new(Family::Session, Medium, 0.8, 0, "session id set through a parameter"));
            }
        }
        self.rules.best(s.text)
    }
}

/// The request-level judgement: a framework session id in the query of a request that came from
/// another site or from no page at all. It reads the findings the field scan already made (a
/// session-id parameter name), so a request without one costs nothing here.
pub(crate) struct Referral {
    names: SessionNames,
}

impl Referral {
    pub fn new() -> Result<Referral, String> {
        Ok(Referral { names: SessionNames::new()? })
    }

    /// Upgrades the session-id parameter findings of `head`'s query when the referral makes them
    /// a planted id.
    pub fn judge(&self, head: &RequestHead, out: &mut [Finding]) {
        self.upgrade(head, out, "query-name:", |referer| match referer {
            None => Some("session id in a link followed from outside the site"),
            Some(r) if foreign(r, head) => Some("session id in a link from another site"),
            Some(_) => None,
        });
    }

    /// Upgrades the session-id field findings of a form body posted from another site. Run after
    /// the body's fields are scanned.
    pub fn judge_form(&self, head: &RequestHead, out: &mut [Finding]) {
        self.upgrade(head, out, "body:", |referer| referer.filter(|r| foreign(r, head)).map(|_| "session id in a form posted from another site"));
    }

    /// Upgrades the Medium session-id findings at a location starting with `prefix` whose name
    /// is a framework's session cookie, when `referral` (given the `Referer`) names how it was planted.
    fn upgrade(&self, head: &RequestHead, out: &mut [Finding], prefix: &str, referral: impl Fn(Option<&str>) -> Option<&'static str>) {
        for f in out.iter_mut().filter(|f| f.kind == Family::Session.kind() && f.severity < High) {
            let Some(name) = f.location.strip_prefix(prefix) else { continue };
            // JSON keys (`body:$.a`) are an API's own data, not a framework's form field.
            if name.starts_with('$') || self.names.classify(&name.to_ascii_lowercase()) != Some(SessionName::Framework) {
                continue;
            }
            let Some(detail) = referral(head.header("referer")) else { continue };
            f.severity = High;
            f.confidence = 0.7;
            f.detail = Some(detail.to_string());
        }
    }
}

/// Whether the `Referer` names another site than the request's authority.
fn foreign(referer: &str, head: &RequestHead) -> bool {
    let authority = if head.authority.is_empty() { head.header("host").unwrap_or("") } else { head.authority.as_str() };
    let r = crate::posture::site(referer);
    !r.is_empty() && r != crate::posture::site(authority)
}

#[cfg(test)]
mod tests {
    use super::super::protocol::tests::head;
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_session_fixation() {
        assert_family(
            "attack.session_fixation",
            &["<meta http-equiv=\"Set-Cookie\" content=\"sessionid=abc\">", "x\r\nSet-Cookie: PHPSESSID=evil"],
            &["my session was great", "sessionid", "Set the cookie policy"],
        );
        for name in ["jsessionid", "PHPSESSID", "sessionid", "_flask_session", "ci_session", "_shop_session", "_my_app_session"] {
            let f = scan_at(Part::QueryName, ValueType::Text, name, name);
            assert!(f.iter().any(|f| f.kind == "attack.session_fixation" && f.severity == crate::finding::Severity::Medium), "{name}: {f:?}");
        }
        for v in ["document.cookie=\"uid=1; domain=.example.com\"", "x.cookie = 'a=b;expires=Thu, 01 Jan 2099 00:00:00 GMT'"] {
            assert!(flags("attack.session_fixation", v), "{v}");
        }
        for v in ["document.cookie is readable", "the cookie; expires soon", "cookie domain = example.com"] {
            assert!(!flags("attack.session_fixation", v), "{v}");
        }
        let f = scan_at(Part::QueryName, ValueType::Text, "session_type", "session_type");
        assert!(f.is_empty(), "{f:?}");
    }

    /// Findings of the head as the engine makes them: head checks, head fields, referral.
    fn flagged(h: &crate::facts::RequestHead, kind: &str) -> bool {
        let f: Vec<_> = referral_findings(h).into_iter().filter(|f| f.kind == kind).collect();
        crate::verdict::decide(&f, &Default::default(), 1.0, false).decision != crate::verdict::Decision::Allow
    }

    fn referral_findings(h: &crate::facts::RequestHead) -> Vec<crate::finding::Finding> {
        let mut fields = Vec::new();
        crate::fields::request_head_fields(h, &mut fields);
        let mut out = Vec::new();
        detector().scan_head(h, &mut out);
        detector().scan_fields(&fields, &mut out);
        detector().scan_referrals(h, &mut out);
        out
    }

    fn link(path: &str, referer: Option<&str>) -> crate::facts::RequestHead {
        let mut h = head("GET", &[("host", "app.example.com")]);
        h.authority = "app.example.com".into();
        h.path = path.into();
        if let Some(r) = referer {
            h.headers.push(("referer".into(), r.into()));
        }
        h
    }

    /// Findings of a form POST as the engine makes them: the body's fields, then the body checks.
    fn form_findings(body: &str, referer: Option<&str>) -> Vec<crate::finding::Finding> {
        let mut h = link("/login", referer);
        h.method = "POST".into();
        let ct = "application/x-www-form-urlencoded";
        h.headers.push(("content-type".into(), ct.into()));
        let (mut names, mut fields) = (String::new(), Vec::new());
        crate::fields::body_fields(Part::Body, Some(ct), body.as_bytes(), &mut names, &mut fields);
        let mut out = Vec::new();
        detector().scan_fields(&fields, &mut out);
        detector().scan_body(&h, body.as_bytes(), &fields, &mut out);
        out
    }

    #[test]
    fn planted_session_ids_by_cross_site_form() {
        let flagged = |body: &str, referer: Option<&str>| {
            let f: Vec<_> = form_findings(body, referer).into_iter().filter(|f| f.kind == "attack.session_fixation").collect();
            crate::verdict::decide(&f, &Default::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        assert!(flagged("user=a&PHPSESSID=attacker1", Some("https://evil.example/win")));
        assert!(flagged("laravel_session=eyJpdiI6&x=1", Some("http://promo.example.net/")));
        // From the site itself, or from a client that sends no Referer: reported, not flagged.
        assert!(!flagged("user=a&PHPSESSID=attacker1", Some("https://app.example.com/login")));
        assert!(!flagged("user=a&PHPSESSID=attacker1", None));
        assert!(!form_findings("user=a&PHPSESSID=attacker1", None).is_empty());
        // Generic names stay Medium even from another site (checkout and identity redirects).
        assert!(!flagged("session_id=cs_test_a1", Some("https://checkout.stripe.com/")));
        assert!(!flagged("username=test&password=x", Some("https://evil.example/")));
    }

    #[test]
    fn planted_session_ids_by_referral() {
        for (path, referer) in [
            ("/login?PHPSESSID=abc123", None),
            ("/login?connect.sid=s%3Aabc.def", Some("https://evil.example/promo")),
            ("/a?x=1&__Secure-next-auth.session-token=t", Some("http://other.example.org/")),
            ("/app?laravel_session=eyJpdiI6", None),
            ("/portal?weblogicsession=x", Some("https://mail.example.net/")),
            ("/cart?_storefront_session=BAh7B0kiD3", None),
            ("/auth?zend_session_id=abc123", Some("https://phish.example/")),
            ("/mail/?roundcube_sessid=abc123", None),
            ("/node/1?SESS0123456789abcdef0123456789abcdef=x", Some("https://evil.example/")),
            ("/a?.AspNetCore.Session=CfDJ8", None),
            ("/wp-admin/?wordpress_logged_in_0123456789abcdef0123456789abcdef=admin", None),
            ("/forum/?phpbb3_x7k2q_sid=abc", Some("https://evil.example/")),
            ("/webmail/?SQMSESSID=abc", None),
            ("/app?nuxt-session=abc123", Some("https://evil.example/")),
            ("/app?dancer.session=abc123", None),
            ("/Account?.ASPXAUTH=0A1B2C", None),
            ("/Account?.AspNetCore.Cookies=CfDJ8", Some("https://evil.example/")),
            ("/users?remember_user_token=W1sxXSwi", None),
            ("/home?remember_web_59ba36addc2b2f9401580f014c7f58ea4e30989d=eyJpdiI6", None),
            ("/app?JSESSIONID_APP=abc123", Some("https://evil.example/")),
            ("/login?session-id=abc123", None),
        ] {
            assert!(flagged(&link(path, referer), "attack.session_fixation"), "{path} {referer:?}");
        }
        let f = referral_findings(&link("/login?PHPSESSID=a1b2c3d4e5f6", None));
        assert!(f.iter().all(|f| !f.evidence.contains("a1b2c3d4e5f6")), "{f:?}");
        for (path, referer) in [
            ("/login?jsessionid=abc123", Some("https://www.example.com/home")),
            ("/checkout/success?session_id=cs_test_a1", Some("https://checkout.stripe.com/")),
            ("/checkout/success?checkout_session_id=cs_test_a1", None),
            ("/twilio/status?AccountSid=AC123&CallSid=CA456", None),
            ("/a?wordpress_theme=dark", None),
            ("/api/items?sessions=3&sidebar=1", None),
            ("/api/items?remember_me=1&session-length=30", None),
            ("/api/items?remember=1&rememberMe=true", None),
            ("/login?username=test&password=x", Some("https://evil.example/")),
        ] {
            assert!(!flagged(&link(path, referer), "attack.session_fixation"), "{path} {referer:?}");
        }
    }
}
