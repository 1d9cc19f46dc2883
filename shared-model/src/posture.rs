//! Posture: misconfigurations and oversights of the API itself, read passively from each exchange.
//!
//! Nothing is sent: every check reads the request head, the response head and the response fields
//! the engine already has, plus the sensitive-data matches it already found. Each finding has kind
//! `posture.<check>`, an OWASP API Top 10 (2023) id (mostly API8, Security Misconfiguration; API2
//! for authentication and token hygiene); why it matters and the one-sentence fix come from
//! [`advice`] by kind, so a log line does not repeat them.
//! Evidence is a short redacted excerpt (header values, a stack-trace line, a masked parameter),
//! never a token or a body.
//!
//! The checks: CORS that reflects a foreign origin with credentials or allows `*` with credentials;
//! security headers where they matter (HSTS behind TLS, `Cache-Control: no-store` on responses
//! carrying sensitive data, `X-Content-Type-Options: nosniff` on responses with a body); verbose
//! errors (stack traces of Java, Python, .NET, Node, Go, Ruby and PHP, SQL error messages,
//! framework debug pages) in error responses and non-JSON bodies; version banners (`Server:
//! nginx/1.18.0`, `X-Powered-By`, `X-AspNet-Version`); credentials and sensitive data in URLs;
//! bearer JWTs with `alg: none` that the API accepted, without `exp`, living for more than
//! [`JWT_MAX_LIFETIME_SECS`], or sent over plain HTTP; Basic authentication; sensitive data
//! returned to a request without any credential.
//!
//! **Posture and the verdict.** Posture describes the API, not the client, so it must not get a
//! benign client flagged or blocked. Two rules hold that: severities are low or medium for
//! everything that only says "this API could be better configured", and the verdict counts every
//! `posture.*` finding as one kind ([`crate::verdict::decide`]): only the strongest posture finding
//! of an exchange adds to the score, so ten missing headers weigh as much as one (at most
//! `0.45 x confidence < 0.5`). Only what makes the exchange itself dangerous is high enough to
//! flag on its own: a `alg: none` token the API accepted (anyone can be anyone) and sensitive data
//! served without any credential. Nothing here reaches the block threshold (0.9) alone, but the
//! posture group adds to other kinds like any one kind does: an anonymous request that receives an
//! SSN, a date of birth and an address scores past the block threshold with it (and a flag
//! without it). Response-side verdicts are reported; only data policies act on responses.
//! Operators read posture through `vigil cases`, which groups it per endpoint.

use crate::client::auth_kind;
use crate::jwt::Jwt;
use crate::facts::{RequestHead, ResponseHead};
use crate::fields::{Field, Part, ValueType};
use crate::finding::{Finding, Owasp, Severity};
use crate::redact::{excerpt, mask_ends};
use crate::sensitive::SensitiveMatch;
use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// An access token living longer than this (`exp - iat`) is far beyond common practice (minutes
/// to hours; refresh tokens are not sent as bearer tokens on API calls).
pub const JWT_MAX_LIFETIME_SECS: i64 = 7 * 24 * 3600;

/// HSTS `max-age` below this (180 days) is weak: browsers forget it between visits.
const HSTS_MIN_MAX_AGE: u64 = 15_552_000;

/// Query parameter names that carry credentials (compared lower-case, `-` read as `_`).
const CREDENTIAL_PARAMS: &[&str] = &[
    "api_key", "apikey", "key", "access_token", "token", "auth", "auth_token", "id_token", "secret",
    "client_secret", "password", "passwd", "pwd", "session", "sessionid", "jwt", "bearer", "sig_key",
];

/// Response headers that announce a product, and whether they leak only with a version number.
const BANNER_HEADERS: &[(&str, bool)] = &[
    ("server", true),
    ("x-powered-by", false),
    ("x-aspnet-version", false),
    ("x-aspnetmvc-version", false),
    ("x-generator", true),
    ("x-runtime-version", false),
];

/// Verbose-error signatures: (what it is, pattern). Stack traces need two frames in a row, so a
/// sentence that mentions one frame-like string is not a trace.
const ERROR_SIGNATURES: &[(&str, &str)] = &[
    ("Java stack trace", r"(?m)^\s*at [\w$.<>/]+\([\w$ .]*(?:\.java:\d+|Native Method|Unknown Source)\)\s*$\s*^\s*at [\w$.<>/]+\("),
    ("Python traceback", r#"Traceback \(most recent call last\):\s*\n\s*File "[^"]+", line \d+"#),
    (".NET stack trace", r"(?m)^\s*at [\w.`<>\[\],]+\([^)\n]*\)(?: in [^\n]+:line \d+)?\s*$\s*^\s*at [\w.`<>\[\],]+\("),
    ("Node.js stack trace", r"(?m)^\s*at (?:[\w$.<>\[\] ]+ \()?(?:/|[A-Za-z]:\\|node:|file://)[^\n)]*:\d+:\d+\)?\s*$\s*^\s*at "),
    ("Go panic", r"(?s)goroutine \d+ \[[a-z ]+\]:\s*\n.*?\.go:\d+"),
    ("Ruby backtrace", r"(?m)[\w/.-]+\.rb:\d+:in [`'][^'\n]*'\s*$\s*^[^\n]*?[\w/.-]+\.rb:\d+:in [`']"),
    ("PHP error", r"(?:PHP )?(?:Fatal error|Parse error|Warning|Notice)(?:</b>)?:\s+[^\n]+? in (?:<b>)?[\w/\\.-]+\.php(?:</b>)? on line (?:<b>)?\d+|Stack trace:\s*\n#0 [\w/\\.-]+\.php\(\d+\)"),
    ("SQL error", r"(?i)you have an error in your sql syntax|\bORA-\d{5}:|\bSQLSTATE\[\w+\]|PG::\w+Error|psycopg2\.errors\.|unclosed quotation mark after the character string|SQLite3::SQLException|sqlite3\.OperationalError|syntax error at or near \S+|Microsoft OLE DB Provider for SQL Server|com\.mysql\.jdbc\.exceptions|org\.postgresql\.util\.PSQLException"),
    ("SQL error", r#"Dynamic SQL Error|\[(?:Microsoft|Actian|IBM|Oracle|MySQL|DataDirect|Informix|Sybase|SQLite)\]\[[^\]\n]{1,60}\]|\b(?:pg|mysqli?|mssql|sqlsrv|oci|sqlite|db2|ifx|ingres|maxdb|ibase|sybase)_[a-z_]+\(\)|supplied argument is not a valid (?:MySQL|PostgreSQL|MS SQL|Sybase)|(?i:the used select statements have (?:a )?different number of columns)|Unexpected end of command in statement|ERROR:\s+(?:syntax error at|invalid input syntax for|relation "[^"\n]+" does not exist|column "[^"\n]+" does not exist|unterminated quoted string)|Incorrect syntax near '|DB2 SQL error|SQLCODE=-\d+|System\.Data\.SqlClient\.SqlException|quoted string not properly terminated|SQL command not properly ended|SQLSTATE=\d+|\bSQLITE_ERROR\b|near "[^"\n]{1,40}": syntax error|\bNpgsql\.|org\.h2\.jdbc|org\.hsqldb\.|Microsoft Access Driver|(?:JET|Access) Database Engine|SybSQLException|Sybase message|com\.informix\.jdbc|\bIfxException|\bPDOException\b|MySqlException|MySQLSyntaxErrorException|Column count doesn't match value count|Unknown column '[^'\n]{1,64}' in '|Table '[^'\n]{1,64}' doesn't exist|check the manual that (?:corresponds to|fits) your (?:MySQL|MariaDB)|Zend_Db_(?:Adapter|Statement)_\w*Exception|FirebirdSql\.|com\.sap\.dbtech|CLI Driver\]\[DB2"#),
    ("Java exception", r"\b(?:java|javax|jakarta)\.(?:[a-z_]\w*\.)+[A-Z]\w*(?:Exception|Error)\b|\b(?:org\.(?:springframework|hibernate|apache)|com\.(?:fasterxml|sun|mysql|microsoft\.sqlserver)|oracle\.jdbc)\.(?:[a-z_]\w*\.)+[A-Z]\w*(?:Exception|Error)\b"),
    ("Ruby error", r"undefined (?:local variable or )?method [`'][^'\n]{1,80}' for |[\w/.-]+\.rb:\d+:(?:in [`']| syntax error, )|no implicit conversion (?:of|from) (?:[A-Z]\w*|nil) (?:into|to) [A-Z]\w*|uninitialized constant [A-Z]\w*|wrong number of arguments \(given \d+, expected \d+|\b(?:Rack|Sinatra|ActionPack|Sequel|Mongoid)::(?:[A-Z]\w*::)*[A-Z]\w*(?:Error|Exception|NotFound)\b|\b(?:ActionView|ActionController|ActiveRecord|ActiveModel|ActionDispatch|ActiveSupport)::(?:[A-Z]\w*::)*(?:[A-Z]\w*(?:Error|Exception|Invalid|NotFound)\b|[A-Z]\w*:\s)|\bfor nil:NilClass\b"),
    ("PHP source code", r"(?i)<\?(?:php[\s/]|=?\s)"),
    ("PHP error", r#"<b>(?:Warning|Notice|Fatal error|Parse error|Deprecated|Catchable fatal error)</b>:|PHP (?:Warning|Notice|Fatal error|Parse error|Deprecated):|Uncaught (?:Error|Exception|TypeError|ArgumentCountError|PDOException)\b|Call to (?:undefined function|a member function) [\w\\]+\(\)|failed to open stream: |Undefined (?:variable|index|offset|array key)\s*:? ?[$"']?\w+["']? in "#),
    ("framework debug page", r"(?i)you're seeing this error because you have <code>DEBUG = True</code>|Werkzeug Debugger|Whitelabel Error Page|Server Error in '[^']*' Application|Action Controller: Exception caught|Whoops! There was an error|<title>[^<]*\(500 Internal Server Error\)</title>|Illuminate\\[A-Za-z\\]+Exception"),
];

/// Web shell pages: the titles of well-known shells (c99, r57, WSO, b374k, FilesMan and kin), a
/// title that calls itself a web shell or a versioned/signed "shell", and the `Safe mode: OFF`
/// banner PHP shells print above their file manager. A response that renders one means the
/// server runs an attacker's backdoor.
const WEB_SHELL: &str = r"(?i)\bsafe[ _-]?mode\s*:\s*(?:<[^>]{0,40}>\s*){0,3}(?:on|off)\b|<title>[^<]{0,80}(?:web[ -]?shell|\bsh[3e]ll\s+(?:v\.?\s?\d|by\b)|jspspy|ani-shell|g00nshell|cybershell|h4ntu|\bwso \d|c99 ?shell|r57 ?shell|b374k|\bfilesman\b|winx shell|ru24postwebshell|indoxploit|\bmini shell\b|antichat shell|phpshell|\balfa shell|marijuana shell|ntdaddy|aZRaiLPhp|\bsimattacker\b)|\.:NCC:\. Shell v|Simple PHP backdoor by DK|<title>\s*PhpSpy|Dive Shell - Emperor Hacking Team|\bSTUNSHELL\b|\bzehir4\b|GRP WebShell";

/// The compiled posture checks. Build once per configuration; [`Posture::check`] allocates only
/// for the findings it returns.
#[derive(Debug)]
pub struct Posture {
    errors: RegexSet,
    error_res: Vec<Regex>,
    version: Regex,
    web_shell: Regex,
}

/// What one exchange showed, as the engine holds it at the end of the response.
pub struct Seen<'a> {
    pub request: &'a RequestHead,
    /// The request's bearer JWT, parsed once by the engine ([`crate::client::bearer_jwt`]).
    pub jwt: Option<&'a Jwt>,
    pub response: &'a ResponseHead,
    /// The response's header and body fields.
    pub response_fields: &'a [Field<'a>],
    /// Sensitive data in the response and in the request.
    pub response_matches: &'a [SensitiveMatch],
    pub request_matches: &'a [SensitiveMatch],
}

impl Seen<'_> {
    /// TLS as the client saw it: `:scheme https`, or `x-forwarded-proto: https` from a TLS front.
    fn tls(&self) -> bool {
        self.forwarded_proto().map_or(self.request.scheme.eq_ignore_ascii_case("https"), |p| p.eq_ignore_ascii_case("https"))
    }

    /// Plain HTTP as the client saw it, per `x-forwarded-proto` (what a TLS front sets).
    fn plain_http(&self) -> bool {
        self.forwarded_proto().is_some_and(|p| p.eq_ignore_ascii_case("http"))
    }

    fn forwarded_proto(&self) -> Option<&str> {
        self.request.header("x-forwarded-proto").and_then(|v| v.split(',').next()).map(str::trim)
    }

    fn success(&self) -> bool {
        (200..300).contains(&self.response.status)
    }
}

/// A posture finding; `detail` only for facts of this exchange that the evidence does not show
/// (why it matters and the fix depend on the kind alone: [`advice`]).
fn posture(kind: &'static str, owasp: Owasp, severity: Severity, confidence: f64, location: impl Into<String>, evidence: impl Into<String>, detail: Option<String>) -> Finding {
    let f = Finding::new(kind, owasp, severity, confidence, location, evidence);
    match detail {
        Some(d) => f.with_detail(d),
        None => f,
    }
}

/// Why a posture finding matters and the one-sentence fix, by kind. Kept out of each finding so
/// the access-log line stays small on an API that repeats the same oversight on every call;
/// `vigil cases` and `vigil report` show it.
pub fn advice(kind: &str) -> Option<&'static str> {
    ADVICE.iter().find(|(k, _)| *k == kind).map(|(_, a)| *a)
}

const ADVICE: &[(&str, &str)] = &[
    ("posture.verbose_error", "the response carries a stack trace, a SQL error or a debug page: it tells attackers the stack, file paths and queries. Fix: return a generic error with a correlation id and log the details server-side."),
    ("posture.web_shell", "the response is a known web shell's page: the server runs an attacker's backdoor. Fix: take the host out of service, remove the shell, find how it was uploaded."),
    ("posture.version_banner", "a response header announces the product and its version: attackers match it against known vulnerabilities. Fix: remove the header or its version at the server or the gateway."),
    ("posture.cors_wildcard_credentials", "CORS allows any origin (`*`) together with credentials: browsers refuse the pair, and servers that send it usually fall back to reflecting origins. Fix: list the allowed origins explicitly."),
    ("posture.cors_reflected_origin", "CORS echoes a foreign Origin back with credentials: any web site a user visits can call this API as that user and read the answers. Fix: answer only origins on an explicit allow-list (confirm with an arbitrary Origin header)."),
    ("posture.hsts", "a TLS response without a long-lived HSTS header: a network attacker can downgrade the next visit to plain HTTP. Fix: send `Strict-Transport-Security: max-age=31536000; includeSubDomains`."),
    ("posture.cache_control", "a response carrying sensitive data may be stored by browsers and proxies. Fix: send `Cache-Control: no-store` on responses with personal data or credentials."),
    ("posture.nosniff", "without `X-Content-Type-Options: nosniff` a browser may sniff an API answer as HTML and run script reflected in it. Fix: send `X-Content-Type-Options: nosniff` on every response."),
    ("posture.credential_in_url", "the API takes a credential in the query string: URLs end up in access logs, browser history, Referer headers and caches. Fix: accept credentials only in the Authorization header (or a secure cookie)."),
    ("posture.sensitive_in_url", "sensitive data travels in the URL, which is logged and cached along the way. Fix: send it in the request body (POST) or reference it by an opaque id."),
    ("posture.basic_auth", "the API accepts HTTP Basic authentication: the password travels with every call and cannot expire or be scoped. Fix: use short-lived tokens (OAuth 2.0 bearer) over TLS."),
    ("posture.jwt_alg_none", "the API accepted an unsigned JWT (`alg: none`): anyone can mint a token for any user. Fix: verify signatures with an allow-list of algorithms and reject `none`."),
    ("posture.jwt_no_exp", "the bearer token has no `exp` claim: a stolen token works forever. Fix: issue access tokens that expire within minutes to hours."),
    ("posture.jwt_long_lived", "the bearer token lives for more than a day (exp - iat); access tokens usually live minutes to hours. Fix: shorten the lifetime and use refresh tokens."),
    ("posture.jwt_plain_http", "a bearer token was sent over plain HTTP: anyone on the path can copy and replay it. Fix: serve the API over TLS only and redirect or refuse plain HTTP."),
    ("posture.unauthenticated_sensitive", "the endpoint returned personal data to a request that carried no credential at all. Fix: require authentication here, or stop returning these fields."),
];

impl Posture {
    pub fn new() -> Result<Posture, String> {
        // PERF: ASCII classes (`\w`, `\s`, `\b`, case) over bytes: the signatures are ASCII, and
        // Unicode classes made these automata about ten times larger (megabytes per VM).
        let ascii = |p: &str| RegexBuilder::new(p).unicode(false).build();
        let errors = RegexSetBuilder::new(ERROR_SIGNATURES.iter().map(|(_, p)| p))
            .unicode(false)
            .build()
            .map_err(|e| format!("error signatures: {e}"))?;
        let error_res = ERROR_SIGNATURES
            .iter()
            .map(|(what, p)| ascii(p).map_err(|e| format!("error signature {what}: {e}")))
            .collect::<Result<_, _>>()?;
        let version = ascii(r"\d+\.\d+").map_err(|e| format!("version pattern: {e}"))?;
        let web_shell = ascii(WEB_SHELL).map_err(|e| format!("web shell pattern: {e}"))?;
        Ok(Posture { errors, error_res, version, web_shell })
    }

    /// Appends the posture findings of one finished exchange to `out`.
    pub fn check(&self, seen: &Seen<'_>, out: &mut Vec<Finding>) {
        cors(seen, out);
        security_headers(seen, out);
        self.verbose_error(seen, out);
        self.web_shell(seen, out);
        self.banners(seen, out);
        credentials_in_url(seen, out);
        authorization(seen, out);
        unauthenticated_sensitive(seen, out);
    }

    fn verbose_error(&self, seen: &Seen<'_>, out: &mut Vec<Finding>) {
        // A successful structured answer (JSON, XML, a form) carries data, and data may quote
        // anything (a support ticket with a trace in it); error answers and pages leak internals.
        let error = seen.response.status >= 400;
        let fields = seen.response_fields.iter().filter(|f| f.part == Part::ResponseBody && f.ty == ValueType::Text && (error || f.name.is_empty()));
        for f in fields {
            // `is_match` first: `matches` allocates a flag per signature, and most bodies have none.
            let text = f.value.as_bytes();
            if !self.errors.is_match(text) {
                continue;
            }
            let Some(i) = self.errors.matches(text).into_iter().next() else { continue };
            let Some(m) = self.error_res.get(i).and_then(|re| re.find(text)) else { continue };
            let what = ERROR_SIGNATURES[i].0;
            out.push(posture(
                "posture.verbose_error",
                Owasp::Api8,
                Severity::Medium,
                0.85,
                f.location(),
                excerpt(&f.value, m.start()),
                Some(format!("a {what} in the response")),
            ));
            return;
        }
    }

    /// A web shell's page in a response body: the server is compromised, whatever the request
    /// looked like. High, so the exchange is flagged.
    fn web_shell(&self, seen: &Seen<'_>, out: &mut Vec<Finding>) {
        let pages = seen.response_fields.iter().filter(|f| f.part == Part::ResponseBody && f.ty == ValueType::Text && f.name.is_empty());
        for f in pages {
            if let Some(m) = self.web_shell.find(f.value.as_bytes()) {
                out.push(posture(
                    "posture.web_shell",
                    Owasp::Api8,
                    Severity::High,
                    0.85,
                    f.location(),
                    excerpt(&f.value, m.start()),
                    None,
                ));
                return;
            }
        }
    }

    fn banners(&self, seen: &Seen<'_>, out: &mut Vec<Finding>) {
        for &(name, needs_version) in BANNER_HEADERS {
            let Some(v) = seen.response.header(name).map(str::trim).filter(|v| !v.is_empty()) else { continue };
            if needs_version && !self.version.is_match(v.as_bytes()) {
                continue;
            }
            out.push(posture(
                "posture.version_banner",
                Owasp::Api8,
                Severity::Low,
                0.9,
                format!("response.header:{name}"),
                excerpt(&format!("{name}: {v}"), 0),
                None,
            ));
        }
    }
}

/// The site of an origin or authority: the last two labels of the host (a naive registrable
/// domain: `api.example.com` and `https://app.example.com` share `example.com`).
pub(crate) fn site(host_or_origin: &str) -> String {
    let host = host_or_origin.split("://").last().unwrap_or("");
    let host = host.split(['/', ':']).next().unwrap_or("").to_ascii_lowercase();
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    labels[labels.len().saturating_sub(2)..].join(".")
}

fn cors(seen: &Seen<'_>, out: &mut Vec<Finding>) {
    let Some(allow) = seen.response.header("access-control-allow-origin").map(str::trim) else { return };
    let credentials = seen.response.header("access-control-allow-credentials").is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !credentials {
        return;
    }
    let evidence = excerpt(&format!("access-control-allow-origin: {allow}; allow-credentials: true"), 0);
    if allow == "*" {
        out.push(posture(
            "posture.cors_wildcard_credentials",
            Owasp::Api8,
            Severity::Medium,
            0.9,
            "response.header:access-control-allow-origin",
            evidence,
            None,
        ));
        return;
    }
    let Some(origin) = seen.request.header("origin").map(str::trim) else { return };
    let foreign = origin == "null" || site(origin) != site(&seen.request.authority);
    if allow == origin && foreign {
        out.push(posture(
            "posture.cors_reflected_origin",
            Owasp::Api8,
            Severity::Medium,
            0.6,
            "response.header:access-control-allow-origin",
            evidence,
            None,
        ));
    }
}

fn security_headers(seen: &Seen<'_>, out: &mut Vec<Finding>) {
    let r = seen.response;
    if seen.tls() {
        let max_age = r.header("strict-transport-security").map(|v| {
            v.split(';')
                .filter_map(|p| p.trim().strip_prefix("max-age="))
                .find_map(|n| n.trim_matches('"').parse::<u64>().ok())
                .unwrap_or(0)
        });
        if max_age.is_none_or(|a| a < HSTS_MIN_MAX_AGE) {
            let evidence = match max_age {
                None => "no strict-transport-security".to_string(),
                Some(a) => format!("strict-transport-security: max-age={a}"),
            };
            out.push(posture(
                "posture.hsts",
                Owasp::Api8,
                Severity::Low,
                0.8,
                "response.header:strict-transport-security",
                evidence,
                None,
            ));
        }
    }
    if !seen.response_matches.is_empty() && !r.header("cache-control").is_some_and(|v| v.to_ascii_lowercase().contains("no-store")) {
        let cc = r.header("cache-control").map_or_else(|| "no cache-control".to_string(), |v| excerpt(&format!("cache-control: {v}"), 0));
        out.push(posture(
            "posture.cache_control",
            Owasp::Api8,
            Severity::Low,
            0.7,
            "response.header:cache-control",
            cc,
            Some(format!("sensitive data in the response: {}", type_list(seen.response_matches))),
        ));
    }
    let has_body = seen.response_fields.iter().any(|f| f.part == Part::ResponseBody);
    if has_body && !r.header("x-content-type-options").is_some_and(|v| v.trim().eq_ignore_ascii_case("nosniff")) {
        out.push(posture(
            "posture.nosniff",
            Owasp::Api8,
            Severity::Low,
            0.6,
            "response.header:x-content-type-options",
            "no x-content-type-options: nosniff",
            None,
        ));
    }
}

/// The distinct data types of `matches`, comma separated, in order of first occurrence.
fn type_list<'m>(matches: impl IntoIterator<Item = &'m SensitiveMatch>) -> String {
    let mut names: Vec<&str> = Vec::new();
    for m in matches {
        if !names.contains(&m.ty.as_str()) {
            names.push(m.ty.as_str());
        }
    }
    names.join(", ")
}

/// Whether a query parameter name is one that carries credentials (`api_key`, `access-token`, ...).
pub fn is_credential_param(name: &str) -> bool {
    let norm = name.to_ascii_lowercase().replace('-', "_");
    CREDENTIAL_PARAMS.contains(&norm.as_str())
}

fn credentials_in_url(seen: &Seen<'_>, out: &mut Vec<Finding>) {
    let params = seen.request.query().into_iter().flat_map(|q| q.split('&')).filter_map(|p| p.split_once('='));
    for (name, value) in params {
        if value.is_empty() || !is_credential_param(name) {
            continue;
        }
        out.push(posture(
            "posture.credential_in_url",
            Owasp::Api2,
            Severity::Medium,
            0.8,
            format!("query:{}", excerpt(name, 0)),
            mask_ends(value, 2, 2),
            None,
        ));
        return;
    }
    if let Some(m) = seen.request_matches.iter().find(|m| m.location == "path" || m.location.starts_with("query")) {
        out.push(posture(
            "posture.sensitive_in_url",
            Owasp::Api8,
            Severity::Low,
            0.7,
            m.location.clone(),
            m.masked.clone(),
            Some(format!("{} in the URL", m.ty.as_str())),
        ));
    }
}

/// Basic authentication and bearer JWT hygiene.
fn authorization(seen: &Seen<'_>, out: &mut Vec<Finding>) {
    let Some(auth) = seen.request.header("authorization").map(str::trim) else { return };
    let scheme = auth.split_once(' ').map_or(auth, |(s, _)| s);
    if scheme.eq_ignore_ascii_case("basic") {
        let plain = seen.plain_http();
        out.push(posture(
            "posture.basic_auth",
            Owasp::Api2,
            if plain { Severity::Medium } else { Severity::Low },
            0.9,
            "header:authorization",
            if plain { "Basic over plain HTTP" } else { "Basic" },
            None,
        ));
        return;
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return;
    }
    let Some(jwt) = seen.jwt else { return };
    const WHERE: &str = "header:authorization";
    if jwt.alg.eq_ignore_ascii_case("none") && seen.success() {
        out.push(posture(
            "posture.jwt_alg_none",
            Owasp::Api2,
            Severity::High,
            0.7,
            WHERE,
            format!("alg=none, status {}", seen.response.status),
            None,
        ));
    }
    match (jwt.exp, jwt.iat) {
        (None, _) => out.push(posture(
            "posture.jwt_no_exp",
            Owasp::Api2,
            Severity::Low,
            0.8,
            WHERE,
            format!("alg={}, no exp", excerpt(&jwt.alg, 0)),
            None,
        )),
        (Some(exp), Some(iat)) if exp - iat > JWT_MAX_LIFETIME_SECS => out.push(posture(
            "posture.jwt_long_lived",
            Owasp::Api2,
            Severity::Low,
            0.8,
            WHERE,
            format!("lifetime {} days", (exp - iat) / 86_400),
            None,
        )),
        _ => {}
    }
    if seen.plain_http() {
        out.push(posture(
            "posture.jwt_plain_http",
            Owasp::Api2,
            Severity::Medium,
            0.5,
            WHERE,
            "x-forwarded-proto: http",
            None,
        ));
    }
}

/// Personal data served to a caller that presented no credential. Secrets are left out: handing a
/// token or key to an unauthenticated caller is what a login or sign-up endpoint is for.
fn unauthenticated_sensitive(seen: &Seen<'_>, out: &mut Vec<Finding>) {
    if !seen.success() || auth_kind(seen.request) != "none" {
        return;
    }
    let personal: Vec<&SensitiveMatch> = seen.response_matches.iter().filter(|m| !m.ty.is_secret()).collect();
    let Some(severity) = personal.iter().map(|m| m.ty.severity()).max() else { return };
    let severity = severity.min(Severity::High);
    out.push(posture(
        "posture.unauthenticated_sensitive",
        Owasp::Api2,
        severity,
        0.7,
        "response.body",
        type_list(personal.iter().copied()),
        None,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::{body_fields, response_head_fields};
    use crate::sensitive::DataType;

    fn posture() -> &'static Posture {
        static P: std::sync::OnceLock<Posture> = std::sync::OnceLock::new();
        P.get_or_init(|| Posture::new().unwrap())
    }

    fn request(path: &str, headers: &[(&str, &str)]) -> RequestHead {
        RequestHead {
            method: "GET".into(),
            path: path.into(),
            authority: "api.example.com".into(),
            scheme: "http".into(),
            headers: headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            source: None,
            ..Default::default()
        }
    }

    /// A response with headers and a body; `nosniff` is added unless `headers` says otherwise,
    /// so each test sees only the check it is about.
    fn response(status: u16, headers: &[(&str, &str)]) -> ResponseHead {
        let mut h: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        if !headers.iter().any(|(k, _)| *k == "x-content-type-options") {
            h.push(("x-content-type-options".into(), "nosniff".into()));
        }
        ResponseHead { status, headers: h }
    }

    fn ssn() -> SensitiveMatch {
        SensitiveMatch { ty: DataType::Ssn, location: "response.body:$.ssn".into(), masked: "***-**-8726".into(), field_index: 0, span: 0..11 }
    }

    fn run(req: &RequestHead, resp: &ResponseHead, body: &[u8], resp_matches: &[SensitiveMatch], req_matches: &[SensitiveMatch]) -> Vec<Finding> {
        let mut names = String::new();
        let mut fields = Vec::new();
        response_head_fields(resp, &mut fields);
        body_fields(Part::ResponseBody, resp.header("content-type"), body, &mut names, &mut fields);
        let jwt = crate::client::bearer_jwt(req, &crate::jwt::Tokens::default());
        let seen = Seen { request: req, jwt: jwt.as_ref(), response: resp, response_fields: &fields, response_matches: resp_matches, request_matches: req_matches };
        let mut out = Vec::new();
        posture().check(&seen, &mut out);
        out
    }

    fn kinds(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.kind.as_ref()).collect()
    }

    const JSON: (&str, &str) = ("content-type", "application/json");

    #[test]
    fn every_posture_kind_has_advice_and_findings_do_not_repeat_it() {
        for (kind, text) in ADVICE {
            assert!(kind.starts_with("posture.") && text.contains("Fix:"), "{kind}");
        }
        let req = request("/p", &[("x-forwarded-proto", "http"), ("authorization", "Basic dTpw")]);
        let f = run(&req, &response(200, &[("server", "nginx/1.18.0")]), b"", &[], &[]);
        assert!(!f.is_empty());
        for f in &f {
            assert!(advice(&f.kind).is_some(), "{}", f.kind);
            assert!(!f.detail.as_deref().unwrap_or("").contains("Fix:"), "{}", f.kind);
        }
    }

    #[test]
    fn a_clean_exchange_has_no_posture_findings() {
        let req = request("/api/v1/accounts/1", &[("authorization", "Bearer x")]);
        let resp = response(200, &[JSON, ("cache-control", "no-store"), ("server", "envoy")]);
        assert!(run(&req, &resp, br#"{"id":1}"#, &[ssn()], &[]).is_empty());
    }

    #[test]
    fn cors_reflecting_a_foreign_origin_with_credentials() {
        let req = request("/p", &[("origin", "https://evil.example")]);
        let bad = response(200, &[("access-control-allow-origin", "https://evil.example"), ("access-control-allow-credentials", "true")]);
        let f = run(&req, &bad, b"", &[], &[]);
        assert_eq!(kinds(&f), ["posture.cors_reflected_origin"]);
        assert_eq!(f[0].owasp, Owasp::Api8);
        assert!(advice(&f[0].kind).unwrap_or("").contains("Fix:"));
        let null = request("/p", &[("origin", "null")]);
        let echo_null = response(200, &[("access-control-allow-origin", "null"), ("access-control-allow-credentials", "true")]);
        assert_eq!(kinds(&run(&null, &echo_null, b"", &[], &[])), ["posture.cors_reflected_origin"]);
        let star = response(200, &[("access-control-allow-origin", "*"), ("access-control-allow-credentials", "true")]);
        assert_eq!(kinds(&run(&req, &star, b"", &[], &[])), ["posture.cors_wildcard_credentials"]);
    }

    #[test]
    fn a_correct_cors_policy_is_left_alone() {
        // An allow-listed sibling origin with credentials; a public API with `*` and no credentials.
        let req = request("/p", &[("origin", "https://app.example.com")]);
        let sibling = response(200, &[("access-control-allow-origin", "https://app.example.com"), ("access-control-allow-credentials", "true")]);
        assert!(run(&req, &sibling, b"", &[], &[]).is_empty());
        let public = response(200, &[("access-control-allow-origin", "*")]);
        assert!(run(&req, &public, b"", &[], &[]).is_empty());
        let foreign = request("/p", &[("origin", "https://evil.example")]);
        let fixed = response(200, &[("access-control-allow-origin", "https://app.example.com"), ("access-control-allow-credentials", "true")]);
        assert!(run(&foreign, &fixed, b"", &[], &[]).is_empty(), "an allow-list answer to another origin");
    }

    #[test]
    fn hsts_only_behind_tls_and_weak_max_age() {
        let tls = request("/p", &[("x-forwarded-proto", "https")]);
        assert_eq!(kinds(&run(&tls, &response(200, &[]), b"", &[], &[])), ["posture.hsts"]);
        let weak = response(200, &[("strict-transport-security", "max-age=300")]);
        assert_eq!(run(&tls, &weak, b"", &[], &[])[0].evidence, "strict-transport-security: max-age=300");
        let good = response(200, &[("strict-transport-security", "max-age=31536000; includeSubDomains")]);
        assert!(run(&tls, &good, b"", &[], &[]).is_empty());
        let mut https = request("/p", &[]);
        https.scheme = "https".into();
        assert_eq!(kinds(&run(&https, &response(200, &[]), b"", &[], &[])), ["posture.hsts"]);
        assert!(run(&request("/p", &[]), &response(200, &[]), b"", &[], &[]).is_empty(), "plain HTTP: HSTS does not apply");
    }

    #[test]
    fn sensitive_responses_must_not_be_cached() {
        let req = request("/p", &[("authorization", "Bearer x")]);
        let cacheable = response(200, &[JSON, ("cache-control", "max-age=3600")]);
        let f = run(&req, &cacheable, br#"{"ssn":"536-22-8726"}"#, &[ssn()], &[]);
        assert_eq!(kinds(&f), ["posture.cache_control"]);
        assert!(f[0].detail.as_deref().unwrap_or("").contains("ssn"));
        assert!(run(&req, &cacheable, br#"{"a":1}"#, &[], &[]).is_empty(), "no sensitive data: caching is fine");
    }

    #[test]
    fn nosniff_is_expected_on_responses_with_a_body() {
        let req = request("/p", &[]);
        let bare = ResponseHead { status: 200, headers: vec![("content-type".into(), "application/json".into())] };
        assert_eq!(kinds(&run(&req, &bare, br#"{"a":1}"#, &[], &[])), ["posture.nosniff"]);
        assert!(run(&req, &bare, b"", &[], &[]).is_empty(), "no body, nothing to sniff");
    }

    #[test]
    fn stack_traces_of_common_runtimes_in_error_responses() {
        let req = request("/p", &[]);
        let text = response(500, &[("content-type", "text/plain")]);
        let traces: &[(&str, &str)] = &[
            ("Java", "java.lang.NullPointerException: x\n\tat com.acme.api.AccountController.get(AccountController.java:42)\n\tat org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:897)\n"),
            ("Python", "Traceback (most recent call last):\n  File \"/srv/app/views.py\", line 12, in get\n    raise KeyError('id')\nKeyError: 'id'"),
            (".NET", "System.NullReferenceException: Object reference not set\n   at Acme.Api.Controllers.AccountsController.Get(Int32 id) in C:\\src\\AccountsController.cs:line 42\n   at lambda_method(Closure , Object , Object[] )\n"),
            ("Node", "TypeError: Cannot read properties of undefined (reading 'id')\n    at getAccount (/srv/app/routes/accounts.js:17:23)\n    at Layer.handle [as handle_request] (/srv/app/node_modules/express/lib/router/layer.js:95:5)\n"),
            ("Go", "panic: runtime error: invalid memory address or nil pointer dereference\n\ngoroutine 17 [running]:\nmain.handler(0x0)\n\t/srv/app/main.go:31 +0x1d\n"),
            ("Ruby", "NoMethodError (undefined method `id' for nil):\napp/controllers/accounts_controller.rb:12:in `show'\nactionpack (7.0.4) lib/action_controller/metal/basic_implicit_render.rb:6:in `send_action'\n"),
            ("PHP", "<br />\n<b>Fatal error</b>:  Uncaught Error: Call to a member function id() on null in /var/www/html/api/accounts.php:14\nStack trace:\n#0 /var/www/html/index.php(7): get()\n"),
            ("SQL", "{\"error\":\"You have an error in your SQL syntax; check the manual that corresponds to your MySQL server version\"}"),
            ("SQL", "ERROR: syntax error at or near \"'\" LINE 1: SELECT * FROM accounts WHERE id = '''"),
            ("debug page", "<html><body>You're seeing this error because you have <code>DEBUG = True</code> in your Django settings file.</body></html>"),
            ("debug page", "<html><body><h1>Whitelabel Error Page</h1><p>This application has no explicit mapping for /error</p></body></html>"),
            ("SQL", "Warning: mysqli_query(): (42000/1064): check the syntax in /var/www/shop/cart.php on line 7"),
            ("SQL", "[Microsoft][ODBC SQL Server Driver][SQL Server]Invalid column name 'x'."),
            ("SQL", "ERROR:  relation \"userz\" does not exist"),
            ("Java", "org.hibernate.exception.SQLGrammarException: could not extract ResultSet"),
            ("Java", "javax.persistence.PersistenceException: org.hibernate.HibernateException"),
            ("Ruby", "ActiveRecord::RecordNotFound (Couldn't find User with 'id'=7)"),
            ("Ruby", "NoMethodError: undefined method 'name' for nil:NilClass"),
            ("PHP source", "<?php\n$db = new PDO($dsn, 'root', 'secret');\n"),
            ("PHP", "<b>Warning</b>:  include(config.inc): failed to open stream: No such file or directory"),
            ("SQL", "SQLite3::query(): near \"FROM\": syntax error"),
            ("SQL", "Unknown column 'passwd' in 'field list'"),
            ("Ruby", "app/models/order.rb:31:in `total'"),
            ("Ruby", "uninitialized constant Api::V1::OrdersController::Ordr"),
            ("Ruby", "SyntaxError (/srv/app/app/models/user.rb:10: syntax error, unexpected end-of-input)"),
            ("Ruby", "TypeError: no implicit conversion of Symbol into Integer"),
            ("Ruby", "ActionController::UnknownFormat: ActionController::UnknownFormat"),
            ("SQL", "The used SELECT statements have a different number of columns"),
            ("PHP source", "<?= $user['email'] ?>"),
            ("PHP source", "<? echo $config['db_pass']; ?>"),
        ];
        for (runtime, body) in traces {
            let f = run(&req, &text, body.as_bytes(), &[], &[]);
            assert_eq!(kinds(&f), ["posture.verbose_error"], "{runtime}: {body}");
            assert!(f[0].evidence.chars().count() <= crate::redact::EXCERPT_CHARS + 2);
        }
        // In a JSON error answer, the trace sits in a field.
        let json_err = response(500, &[JSON]);
        let body = br#"{"error":"internal","trace":"java.lang.IllegalStateException\n\tat com.acme.A.b(A.java:1)\n\tat com.acme.C.d(C.java:2)"}"#;
        let f = run(&req, &json_err, body, &[], &[]);
        assert_eq!(f[0].location, "response.body:$.trace");
    }

    #[test]
    fn web_shell_pages_are_flagged() {
        let req = request("/uploads/img.php", &[]);
        let html = response(200, &[("content-type", "text/html")]);
        for page in [
            "<html><head><title>example.com - WSO 4.1.5</title>", "<title>b374k shell 3.2</title>", "<title>c99shell v. 1.0</title>",
            "<title>Private Shell by h4x0r</title>", "<span>Uname:</span> Linux web1 <br><span>Safe mode:</span> <font color=green>OFF</font>",
            "<!-- Simple PHP backdoor by DK (http://example.org) --><form><input name=cmd>", "<h1>.:NCC:. Shell v1.0.3</h1>",
        ] {
            let f = run(&req, &html, page.as_bytes(), &[], &[]);
            assert!(f.iter().any(|f| f.kind == "posture.web_shell" && f.severity == Severity::High), "{page}: {f:?}");
        }
        for page in [
            "<title>Cloud Shell - Console</title>", "<title>Shell Oil investor relations</title>", "<title>Wso2 API Manager</title>",
            "<p>Safe mode is off by default.</p>", "<title>Shell scripting by example</title>",
        ] {
            let f = run(&req, &html, page.as_bytes(), &[], &[]);
            assert!(!f.iter().any(|f| f.kind == "posture.web_shell"), "{page}: {f:?}");
        }
    }

    #[test]
    fn trace_like_text_in_normal_data_is_left_alone() {
        let req = request("/p", &[]);
        let ok = response(200, &[JSON]);
        let body = br#"{"ticket":"customer pasted: at com.acme.A.b(A.java:1)\n\tat com.acme.C.d(C.java:2)","status":"open"}"#;
        for text in [
            "<?xml version=\"1.0\"?><order><id>7</id></order>",
            "Rails guide: ActionController::Base is the parent of your controllers",
            "Use a conversion of String into Integer with Integer()",
            "<?=!@#$%^&",
        ] {
            let page = response(500, &[("content-type", "text/plain")]);
            assert!(run(&req, &page, text.as_bytes(), &[], &[]).is_empty(), "{text}");
        }
        assert!(run(&req, &ok, body, &[], &[]).is_empty(), "a successful JSON answer may quote anything");
        let err = response(400, &[JSON]);
        let prose = br#"{"error":"invalid id: look at the docs (Accounts.java:1 is not a valid id)"}"#;
        assert!(run(&req, &err, prose, &[], &[]).is_empty(), "one frame-like phrase is not a trace");
    }

    #[test]
    fn version_banners_but_not_bare_product_names() {
        let req = request("/p", &[]);
        let f = run(&req, &response(200, &[("server", "Apache/2.4.41 (Ubuntu)"), ("x-powered-by", "PHP/7.4.3"), ("x-aspnet-version", "4.0.30319")]), b"", &[], &[]);
        assert_eq!(kinds(&f), ["posture.version_banner"; 3]);
        assert_eq!(f[0].evidence, "server: Apache/2.4.41 (Ubuntu)");
        assert!(run(&req, &response(200, &[("server", "nginx")]), b"", &[], &[]).is_empty());
    }

    #[test]
    fn credentials_and_sensitive_data_in_urls() {
        let resp = response(200, &[]);
        let f = run(&request("/p?page=2&api_key=sk_live_0123456789abcdef", &[]), &resp, b"", &[], &[]);
        assert_eq!(kinds(&f), ["posture.credential_in_url"]);
        assert_eq!(f[0].location, "query:api_key");
        assert!(!f[0].evidence.contains("0123456789abcdef"), "{}", f[0].evidence);
        let ssn_in_path = SensitiveMatch { location: "path".into(), ..ssn() };
        assert_eq!(kinds(&run(&request("/p/536-22-8726", &[]), &resp, b"", &[], &[ssn_in_path])), ["posture.sensitive_in_url"]);
        assert!(run(&request("/p?page=2&keyword=shoes&token=", &[]), &resp, b"", &[], &[]).is_empty());
    }

    fn jwt(header: &str, payload: &str) -> String {
        fn b64(s: &str) -> String {
            const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            s.as_bytes()
                .chunks(3)
                .flat_map(|c| {
                    let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
                    (0..=c.len()).map(move |i| A[(n >> (18 - 6 * i) & 63) as usize] as char)
                })
                .collect()
        }
        format!("Bearer {}.{}.sig", b64(header), b64(payload))
    }

    #[test]
    fn weak_jwt_use() {
        let none = jwt(r#"{"alg":"none"}"#, r#"{"sub":"a","iat":1700000000,"exp":1700003600}"#);
        let req = request("/p", &[("authorization", &none)]);
        let f = run(&req, &response(200, &[]), b"", &[], &[]);
        assert_eq!(kinds(&f), ["posture.jwt_alg_none"]);
        assert!(f[0].weight() >= 0.5, "an accepted unsigned token flags on its own");
        assert!(run(&req, &response(401, &[]), b"", &[], &[]).is_empty(), "rejected: the API is fine");

        let no_exp = jwt(r#"{"alg":"HS256"}"#, r#"{"sub":"a","iat":1700000000}"#);
        assert_eq!(kinds(&run(&request("/p", &[("authorization", &no_exp)]), &response(200, &[]), b"", &[], &[])), ["posture.jwt_no_exp"]);
        let year = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"a","iat":1700000000,"exp":1731536000}"#);
        let f = run(&request("/p", &[("authorization", &year)]), &response(200, &[]), b"", &[], &[]);
        assert_eq!(kinds(&f), ["posture.jwt_long_lived"]);
        assert_eq!(f[0].evidence, "lifetime 365 days");
        let good = jwt(r#"{"alg":"RS256"}"#, r#"{"sub":"a","iat":1700000000,"exp":1700000900}"#);
        assert!(run(&request("/p", &[("authorization", &good)]), &response(200, &[]), b"", &[], &[]).is_empty());
        let plain = request("/p", &[("authorization", &good), ("x-forwarded-proto", "http")]);
        assert_eq!(kinds(&run(&plain, &response(200, &[]), b"", &[], &[])), ["posture.jwt_plain_http"]);
        assert!(run(&request("/p", &[("authorization", "Bearer opaque-token")]), &response(200, &[]), b"", &[], &[]).is_empty());
    }

    #[test]
    fn basic_auth_is_reported_worse_over_plain_http() {
        let tls = request("/p", &[("authorization", "Basic YWxpY2U6c2VjcmV0"), ("x-forwarded-proto", "https")]);
        let ok = response(200, &[("strict-transport-security", "max-age=31536000")]);
        let f = run(&tls, &ok, b"", &[], &[]);
        assert_eq!((kinds(&f), f[0].severity), (vec!["posture.basic_auth"], Severity::Low));
        assert!(!f[0].evidence.contains("YWxp"));
        let plain = request("/p", &[("authorization", "Basic YWxpY2U6c2VjcmV0"), ("x-forwarded-proto", "http")]);
        assert_eq!(run(&plain, &ok, b"", &[], &[])[0].severity, Severity::Medium);
    }

    #[test]
    fn sensitive_data_without_any_credential() {
        let anon = request("/p", &[]);
        let resp = response(200, &[JSON, ("cache-control", "no-store")]);
        let f = run(&anon, &resp, br#"{"ssn":"536-22-8726"}"#, &[ssn()], &[]);
        assert_eq!(kinds(&f), ["posture.unauthenticated_sensitive"]);
        assert_eq!((f[0].owasp, f[0].severity), (Owasp::Api2, Severity::High));
        assert!(f[0].weight() >= 0.5);
        assert!(run(&request("/p", &[("authorization", "Bearer x")]), &resp, b"{}", &[ssn()], &[]).is_empty());
        assert!(run(&anon, &response(404, &[JSON, ("cache-control", "no-store")]), b"{}", &[ssn()], &[]).is_empty());
    }

    #[test]
    fn ordinary_misconfigurations_stay_below_the_flag_threshold() {
        // Everything a sloppy but harmless endpoint can show at once, through the verdict.
        let req = request("/p?api_key=abcdef123456", &[("origin", "https://evil.example"), ("x-forwarded-proto", "https"), ("authorization", "Basic YWxpY2U6c2VjcmV0")]);
        let resp = ResponseHead {
            status: 500,
            headers: vec![
                ("content-type".into(), "text/plain".into()),
                ("server".into(), "nginx/1.18.0".into()),
                ("access-control-allow-origin".into(), "https://evil.example".into()),
                ("access-control-allow-credentials".into(), "true".into()),
            ],
        };
        let f = run(&req, &resp, b"Traceback (most recent call last):\n  File \"/a.py\", line 1, in x\n", &[], &[]);
        assert!(f.len() >= 6, "{:?}", kinds(&f));
        let v = crate::verdict::decide(&f, &crate::verdict::Thresholds::default(), 1.0, true);
        assert!(v.score < 0.5, "posture alone flagged a client: {v:?}");
    }
}
