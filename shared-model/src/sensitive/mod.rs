//! Sensitive data: personal data and credentials in requests and responses, found without
//! ever repeating them.
//!
//! [`SensitiveScanner::scan`] reads the [`Field`]s of an exchange once. Per value, one pass
//! over its bytes learns which byte classes occur ([`bytes`]) and, in values long enough for a
//! vendor token, where token anchors are ([`secrets`]); only the detectors those classes allow
//! then run: emails at each `@`, IPv6 addresses from their colons ([`pii`]), and one walk over
//! the value's words ([`words`]) that starts the digit-run lexer ([`pii`]) and the identifier
//! checks ([`national`]). Text values also read their key's context classes ([`context`]),
//! which decide the key-only types (credentials, dates of birth, names, addresses). Validators
//! ([`validate`]) run only on candidates. A candidate is *strong* (its format and check digits
//! suffice) or *weak* (it needs a context class such as `ssn` or `routing`, from the key or the
//! text just before it); overlapping matches keep the most specific, longest one. Every match
//! carries a mask made by [`crate::redact`].
//!
//! [`findings`] folds matches into one finding per (type, location) with the count in `detail`.
//! Where the data is decides the OWASP risk: anything in a response is API3:2023 (excessive
//! data exposure) at the type's severity; credentials in a URL are API2:2023 (they end up in
//! logs and histories); other request-side data is API3/API8 one severity lower, and the
//! credentials a client authenticates with (request headers and cookies; passwords, JWTs and
//! generic secrets in request bodies) are expected there and not reported.
//! [`policy`] turns operator data policies into findings and actions, and redacts bodies.
//!
//! # Performance
//!
//! The clean path (no sensitive data, the common case) stays cheap. Each byte of a value is
//! classified once by table ([`bytes`]); in values of 10 bytes or more the same two loads per
//! byte also test for token anchors (`secrets::Anchors`). A value without a digit, or shorter
//! than any shape the word walk knows, skips it; the walk costs a few instructions per byte,
//! and more only at words that start a digit run or have an identifier's length. Runs, words
//! and IPv6 candidates that cannot be anything are dismissed before they are built; a text
//! value's key classes are remembered for the scan (`context::KeyClasses`: a key met before
//! costs a hash and a word compare, inlined into the field loop with the key's extraction from
//! its JSON path); nothing allocates unless a key class or candidate asks.
//! Scanner only (fields already extracted), instructions per body byte under callgrind (stable
//! under load), before (one pass per detector) and after:
//!
//! | body | before | after |
//! |---|---:|---:|
//! | droplets 4 KB / 256 KB (clean) | 52.9 / 53.2 | 27.1 / 26.5 |
//! | orders 4 KB / 256 KB (clean) | 57.1 / 56.9 | 31.0 / 29.7 |
//! | dense 4 KB (every value sensitive) | 300 | 264 |
//! | hostile 4 KB (lexer stress) | 114 | 103 |
//!
//! `cargo bench -p vigil-model --bench sensitive -- --warm-up-time 1 --measurement-time 3 scan`;
//! instructions with `SENSITIVE_CALLGRIND=orders/4KB valgrind --tool=callgrind
//! --toggle-collect='*scan_once*' target/release/deps/sensitive-<hash>` (see the bench).

mod bytes;
pub mod context;
pub mod national;
pub mod pii;
pub mod policy;
pub mod secrets;
pub mod validate;
mod words;

use crate::fields::{Field, Part, ValueType};
use crate::finding::{Finding, Owasp, Severity};
use crate::redact::{mask_ends, mask_keep_last};
use context::{last_key, Context, Ctx, KeyClasses};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

/// A kind of sensitive data. Serialised in snake_case (`credit_card`), as in finding kinds
/// (`sensitive.credit_card`), policies and the access-log counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    Email,
    Phone,
    Ssn,
    Itin,
    CreditCard,
    Iban,
    AbaRouting,
    Passport,
    DateOfBirth,
    PostalAddress,
    PersonName,
    IpAddress,
    InternalIp,
    UkNino,
    EsDni,
    ItFiscalCode,
    InAadhaar,
    InPan,
    AwsAccessKey,
    AwsSecretKey,
    GcpApiKey,
    AzureStorageKey,
    GithubToken,
    GitlabToken,
    SlackToken,
    StripeKey,
    TwilioKey,
    SendgridKey,
    OpenaiKey,
    NpmToken,
    PypiToken,
    MailchimpKey,
    TelegramBotToken,
    SquareToken,
    PrivateKey,
    Jwt,
    BasicAuthUrl,
    Password,
    GenericSecret,
}

/// How a match is masked for evidence.
#[derive(Debug, Clone, Copy)]
enum Mask {
    /// Keep the last n letters/digits and the separators: `***-**-6789`.
    Last(usize),
    /// Keep n leading and m trailing characters: `AKIA************MPLE`.
    Ends(usize, usize),
    /// Mask the local part, keep the domain: `j***@example.com`.
    Email,
    /// Show nothing of the value.
    Hidden,
}

/// Everything a type needs besides its detector: name, severity, secret or personal data,
/// how sure a match is, how it is masked, and its rank when matches overlap (lower wins).
struct Info {
    ty: DataType,
    name: &'static str,
    severity: Severity,
    secret: bool,
    confidence: f64,
    mask: Mask,
    rank: u8,
}

const fn pii(ty: DataType, name: &'static str, severity: Severity, confidence: f64, mask: Mask, rank: u8) -> Info {
    Info { ty, name, severity, secret: false, confidence, mask, rank }
}

const fn secret(ty: DataType, name: &'static str, severity: Severity, confidence: f64, mask: Mask, rank: u8) -> Info {
    Info { ty, name, severity, secret: true, confidence, mask, rank }
}

use Severity::{Critical, High, Low, Medium};

/// One row per [`DataType`], in declaration order (a unit test holds the two together).
const INFO: &[Info] = &[
    pii(DataType::Email, "email", Low, 0.95, Mask::Email, 1),
    pii(DataType::Phone, "phone", Low, 0.7, Mask::Last(4), 1),
    pii(DataType::Ssn, "ssn", High, 0.85, Mask::Last(4), 1),
    pii(DataType::Itin, "itin", High, 0.8, Mask::Last(4), 1),
    pii(DataType::CreditCard, "credit_card", High, 0.9, Mask::Last(4), 1),
    pii(DataType::Iban, "iban", Medium, 0.95, Mask::Last(4), 1),
    pii(DataType::AbaRouting, "aba_routing", Medium, 0.7, Mask::Last(4), 1),
    pii(DataType::Passport, "passport", High, 0.6, Mask::Last(3), 2),
    pii(DataType::DateOfBirth, "date_of_birth", Medium, 0.7, Mask::Last(0), 2),
    pii(DataType::PostalAddress, "postal_address", Medium, 0.6, Mask::Hidden, 2),
    pii(DataType::PersonName, "person_name", Low, 0.6, Mask::Ends(1, 0), 2),
    pii(DataType::IpAddress, "ip_address", Low, 0.9, Mask::Ends(4, 0), 1),
    pii(DataType::InternalIp, "internal_ip", Low, 0.9, Mask::Ends(4, 0), 1),
    pii(DataType::UkNino, "uk_nino", High, 0.85, Mask::Last(3), 1),
    pii(DataType::EsDni, "es_dni", High, 0.85, Mask::Last(3), 1),
    pii(DataType::ItFiscalCode, "it_fiscal_code", High, 0.9, Mask::Last(4), 1),
    pii(DataType::InAadhaar, "in_aadhaar", High, 0.85, Mask::Last(4), 1),
    pii(DataType::InPan, "in_pan", Medium, 0.7, Mask::Last(3), 1),
    secret(DataType::AwsAccessKey, "aws_access_key", High, 0.95, Mask::Ends(4, 4), 0),
    secret(DataType::AwsSecretKey, "aws_secret_key", Critical, 0.8, Mask::Ends(3, 3), 0),
    secret(DataType::GcpApiKey, "gcp_api_key", High, 0.95, Mask::Ends(6, 3), 0),
    secret(DataType::AzureStorageKey, "azure_storage_key", Critical, 0.95, Mask::Ends(3, 3), 0),
    secret(DataType::GithubToken, "github_token", High, 0.95, Mask::Ends(6, 3), 0),
    secret(DataType::GitlabToken, "gitlab_token", High, 0.95, Mask::Ends(6, 3), 0),
    secret(DataType::SlackToken, "slack_token", High, 0.95, Mask::Ends(6, 3), 0),
    secret(DataType::StripeKey, "stripe_key", Critical, 0.95, Mask::Ends(8, 3), 0),
    secret(DataType::TwilioKey, "twilio_key", High, 0.85, Mask::Ends(4, 3), 0),
    secret(DataType::SendgridKey, "sendgrid_key", High, 0.95, Mask::Ends(4, 3), 0),
    secret(DataType::OpenaiKey, "openai_key", High, 0.95, Mask::Ends(5, 3), 0),
    secret(DataType::NpmToken, "npm_token", High, 0.9, Mask::Ends(4, 3), 0),
    secret(DataType::PypiToken, "pypi_token", High, 0.95, Mask::Ends(5, 3), 0),
    secret(DataType::MailchimpKey, "mailchimp_key", High, 0.9, Mask::Ends(3, 5), 0),
    secret(DataType::TelegramBotToken, "telegram_bot_token", High, 0.9, Mask::Ends(4, 3), 0),
    secret(DataType::SquareToken, "square_token", High, 0.95, Mask::Ends(7, 3), 0),
    secret(DataType::PrivateKey, "private_key", Critical, 0.95, Mask::Ends(11, 0), 0),
    secret(DataType::Jwt, "jwt", Medium, 0.9, Mask::Ends(6, 3), 0),
    secret(DataType::BasicAuthUrl, "basic_auth_url", High, 0.9, Mask::Hidden, 0),
    secret(DataType::Password, "password", High, 0.7, Mask::Hidden, 2),
    secret(DataType::GenericSecret, "generic_secret", Medium, 0.6, Mask::Ends(3, 2), 2),
];

const fn all_types() -> [DataType; INFO.len()] {
    let mut out = [DataType::Email; INFO.len()];
    let mut i = 0;
    while i < INFO.len() {
        out[i] = INFO[i].ty;
        i += 1;
    }
    out
}

const ALL_TYPES: [DataType; INFO.len()] = all_types();

impl DataType {
    /// Every type, in declaration order.
    pub const ALL: &'static [DataType] = &ALL_TYPES;

    fn info(self) -> &'static Info {
        &INFO[self as usize]
    }

    /// The snake_case name used in finding kinds, policies and counts.
    pub fn as_str(self) -> &'static str {
        self.info().name
    }

    /// How bad an exposure of this type is, in a response.
    pub fn severity(self) -> Severity {
        self.info().severity
    }

    /// Credentials (as opposed to personal data).
    pub fn is_secret(self) -> bool {
        self.info().secret
    }

    /// How sure a match of this type is.
    pub fn confidence(self) -> f64 {
        self.info().confidence
    }

    /// The evidence for `value`: masked by the type's rule, runs of `*` shortened so evidence
    /// stays short.
    pub fn mask(self, value: &str) -> String {
        let m = match self.info().mask {
            Mask::Last(n) => mask_keep_last(value, n),
            Mask::Ends(h, t) => mask_ends(value, h, t),
            Mask::Email => match value.rsplit_once('@') {
                Some((local, domain)) => format!("{}@{}", mask_ends(local, 1, 0), domain),
                None => mask_keep_last(value, 0),
            },
            Mask::Hidden => String::from("********"),
        };
        shorten(&m)
    }
}

/// Collapses runs of more than 12 `*` and caps the evidence at 64 characters.
fn shorten(m: &str) -> String {
    let mut out = String::with_capacity(m.len().min(80));
    let mut stars = 0;
    for (n, c) in m.chars().enumerate() {
        if n >= 256 || out.chars().count() >= 64 {
            out.push('…');
            break;
        }
        if c == '*' {
            stars += 1;
            if stars > 12 {
                continue;
            }
        } else {
            stars = 0;
        }
        out.push(c);
    }
    out
}

/// One occurrence of sensitive data.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitiveMatch {
    pub ty: DataType,
    /// The field's location (`response.body:$.user.ssn`, `query:email`, `response.body`).
    pub location: String,
    /// Evidence safe to log: `***-**-6789`.
    pub masked: String,
    /// Index of the field in the slice given to [`SensitiveScanner::scan`].
    pub field_index: usize,
    /// Byte span of the match in the field's value.
    pub span: Range<usize>,
}

/// A detector's proposal before context and overlaps are resolved.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub ty: DataType,
    pub span: Range<usize>,
    /// `Ctx::NONE` for strong candidates; otherwise the class that must be in context.
    pub need: Ctx,
}

/// The shortest vendor token (`a://b:c@d.e` is 11 bytes).
const MIN_TOKEN: usize = 10;

/// How far before a weak candidate the scanner looks for context words in the same value.
const CONTEXT_WINDOW: usize = 48;

/// Request headers whose addresses route the request (the client and the proxies on its way):
/// an address there is how the request arrived, not data the API sends or receives. Envoy itself
/// appends the peer to `x-forwarded-for`, so every request would otherwise report one.
const ROUTING_HEADERS: &[&str] =
    &["x-forwarded-for", "forwarded", "x-real-ip", "x-envoy-external-address", "true-client-ip", "x-client-ip", "cf-connecting-ip", "via"];

/// Whether a match of `ty` in `f` is routing, not data ([`ROUTING_HEADERS`]).
fn is_routing(f: &Field<'_>, ty: DataType) -> bool {
    matches!(ty, DataType::IpAddress | DataType::InternalIp) && f.part == Part::Header && ROUTING_HEADERS.contains(&&*f.name)
}

/// The compiled detectors. Build once (per plugin configuration) and share.
#[derive(Debug)]
pub struct SensitiveScanner {
    context: Context,
    anchors: secrets::Anchors,
    tokens: Vec<secrets::Compiled>,
    /// `name = value` / `name: value` assignments in free text (config files, logs, forms).
    assignment: Regex,
}

impl std::fmt::Debug for secrets::Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.re.as_str())
    }
}

impl SensitiveScanner {
    pub fn new() -> Result<SensitiveScanner, String> {
        let anchors = secrets::Anchors::new()?;
        let assignment = Regex::new(r#"(?m)([A-Za-z][A-Za-z0-9_.-]{0,63})["']?[ \t]*(?::=|=|:)[ \t]*["']?([^\s"',;&<>]+)"#)
            .map_err(|e| format!("assignment pattern: {e}"))?;
        Ok(SensitiveScanner { context: Context::new()?, anchors, tokens: secrets::compile()?, assignment })
    }

    /// Appends the sensitive data found in `fields` to `out`.
    pub fn scan(&self, fields: &[Field<'_>], out: &mut Vec<SensitiveMatch>) {
        self.scan_where(fields, |_| true, out);
    }

    /// [`SensitiveScanner::scan`] over the fields whose index `wanted` accepts (the others are
    /// known clean); matches still carry their index in `fields`.
    pub fn scan_where(&self, fields: &[Field<'_>], wanted: impl Fn(usize) -> bool, out: &mut Vec<SensitiveMatch>) {
        let mut cands = Vec::new();
        let mut hits = Vec::new();
        let mut kept = Vec::new();
        let mut keys = KeyClasses::new();
        for (index, f) in fields.iter().enumerate() {
            if matches!(f.ty, ValueType::Bool | ValueType::Null) || f.value.len() < 2 || !wanted(index) {
                continue;
            }
            // PERF: only text values read their key up front (credentials, dates of birth, names
            // and addresses are told by it); others only when a weak candidate needs context.
            let text_ctx = (f.ty == ValueType::Text).then(|| keys.get(&self.context, last_key(&f.name)));
            cands.clear();
            self.candidates(&f.value, text_ctx.unwrap_or(Ctx::NONE), f.ty, f.name.is_empty(), &mut cands, &mut hits);
            if cands.is_empty() {
                continue;
            }
            let key_ctx = match text_ctx {
                Some(c) => c,
                None if f.ty != ValueType::Key && cands.iter().any(|c| !c.need.is_empty()) => keys.get(&self.context, last_key(&f.name)),
                None => Ctx::NONE,
            };
            self.resolve(&f.value, key_ctx, &cands, &mut kept);
            let mut location = None;
            for c in kept.iter().filter_map(|&i| cands.get(i)).filter(|c| !is_routing(f, c.ty)) {
                let loc = location.get_or_insert_with(|| f.location()).clone();
                let masked = c.ty.mask(f.value.get(c.span.clone()).unwrap_or(""));
                out.push(SensitiveMatch { ty: c.ty, location: loc, masked, field_index: index, span: c.span.clone() });
            }
        }
    }

    fn candidates(&self, v: &str, key_ctx: Ctx, ty: ValueType, free_text: bool, out: &mut Vec<Candidate>, hits: &mut Vec<(usize, usize, usize)>) {
        let b = v.as_bytes();
        if ty == ValueType::Number {
            if words::may_match(b) {
                words::walk(b, false, out);
            }
            return;
        }
        if ty == ValueType::Text && !key_ctx.is_empty() {
            by_key(key_ctx, v, 0, out);
        }
        // One pass for the byte classes that decide which detectors can possibly match, and,
        // in values long enough for a vendor token (most JSON values are not), its anchors.
        let classes = if b.len() >= MIN_TOKEN {
            hits.clear();
            let classes = self.anchors.find(b, hits);
            for &(_, i, start) in hits.iter() {
                if let (Some(t), Some(c)) = (secrets::TOKENS.get(i), self.tokens.get(i)) {
                    secrets::verify(t, c, b, start, out);
                }
            }
            classes
        } else {
            bytes::union(b)
        };
        let has = |class: u8| classes & class != 0;
        if has(bytes::AT) {
            let mut from = 0;
            while let Some(p) = b[from..].iter().position(|&c| c == b'@') {
                pii::email(b, from + p, out);
                from += p + 1;
            }
        }
        // An IPv6 address has two colons or more.
        if has(bytes::COLON) && b.iter().filter(|&&c| c == b':').nth(1).is_some() {
            pii::ipv6(b, out);
        }
        // Digit runs need a digit; identifiers a letter, and a digit too but in Twilio SIDs.
        if (has(bytes::DIGIT) || (has(bytes::ALPHA) && b.len() >= 34)) && words::may_match(b) {
            words::walk(b, has(bytes::ALPHA), out);
        }
        // PERF: the capturing assignment search is the costliest pass (a bounded backtracker); it
        // needs an `=` or `:`, which path segments and most text never have.
        if free_text && ty == ValueType::Text && has(bytes::EQUALS | bytes::COLON) {
            for caps in self.assignment.captures_iter(v) {
                if let (Some(name), Some(value)) = (caps.get(1), caps.get(2)) {
                    let ctx = self.context.classes(name.as_str());
                    if !ctx.is_empty() {
                        by_key(ctx, value.as_str(), value.start(), out);
                    }
                }
            }
        }
    }

    /// Keeps candidates whose context holds, then the best of overlapping ones: their indices
    /// in `kept`, in order of position.
    fn resolve(&self, v: &str, key_ctx: Ctx, cands: &[Candidate], kept: &mut Vec<usize>) {
        let b = v.as_bytes();
        kept.clear();
        let ok = cands
            .iter()
            .enumerate()
            .filter(|(_, c)| c.span.start < c.span.end && c.span.end <= b.len() && v.is_char_boundary(c.span.start) && v.is_char_boundary(c.span.end))
            .filter(|(_, c)| {
                c.need.is_empty() || key_ctx.has(c.need) || {
                    let mut s = c.span.start.saturating_sub(CONTEXT_WINDOW);
                    while !v.is_char_boundary(s) {
                        s += 1;
                    }
                    // An empty window names nothing.
                    s < c.span.start && self.context.names(&v[s..c.span.start], c.need)
                }
            })
            .map(|(i, _)| i);
        kept.extend(ok);
        let key = |i: &usize| cands.get(*i).map(|c| (c.ty.info().rank, std::cmp::Reverse(c.span.len()), c.span.start));
        kept.sort_by_key(key);
        // Best first: drop each candidate that overlaps one kept before it.
        let mut n = 0;
        for j in 0..kept.len() {
            let c = &cands[kept[j]];
            if !kept[..n].iter().any(|&k| cands[k].span.start < c.span.end && c.span.start < cands[k].span.end) {
                kept[n] = kept[j];
                n += 1;
            }
        }
        kept.truncate(n);
        kept.sort_by_key(|&i| cands[i].span.start);
    }
}

/// Values whose key alone says what they are: credentials ([`secrets::by_key`]), dates of
/// birth, person names, postal addresses.
fn by_key(ctx: Ctx, v: &str, base: usize, out: &mut Vec<Candidate>) {
    secrets::by_key(ctx, v, base, out);
    let t = v.trim();
    let off = base + (v.len() - v.trim_start().len());
    let mut push = |ty, len| out.push(Candidate { ty, span: off..off + len, need: Ctx::NONE });
    if ctx.has(Ctx::DOB) {
        if let Some(n) = pii::leading_date(t) {
            push(DataType::DateOfBirth, n);
        }
    }
    if ctx.has(Ctx::NAME) && pii::looks_like_name(t) {
        push(DataType::PersonName, t.len());
    }
    if ctx.has(Ctx::ADDRESS) && pii::looks_like_address(t) {
        push(DataType::PostalAddress, t.len());
    }
}

fn lower(s: Severity) -> Severity {
    match s {
        Severity::Critical => Severity::High,
        Severity::High => Severity::Medium,
        _ => Severity::Low,
    }
}

/// The OWASP risk and severity of `ty` found in `part`; `None` where such data is expected
/// (see the module docs).
fn placement(ty: DataType, part: Part) -> Option<(Owasp, Severity)> {
    let sev = ty.severity();
    match part {
        Part::ResponseBody | Part::ResponseHeader => Some((Owasp::Api3, sev)),
        Part::Path | Part::Query | Part::QueryName if ty.is_secret() => Some((Owasp::Api2, sev)),
        Part::Path | Part::Query | Part::QueryName => Some((Owasp::Api8, lower(sev))),
        Part::Header | Part::Cookie if ty.is_secret() => None,
        Part::Header | Part::Cookie => Some((Owasp::Api8, lower(sev))),
        Part::Body if matches!(ty, DataType::Password | DataType::GenericSecret | DataType::Jwt) => None,
        Part::Body if ty.is_secret() => Some((Owasp::Api8, lower(sev))),
        Part::Body => Some((Owasp::Api3, lower(sev))),
    }
}

/// One finding per (type, location), in order of first occurrence: kind `sensitive.<type>`,
/// the count in `detail`, the first match's mask as evidence.
pub fn findings(matches: &[SensitiveMatch], fields: &[Field<'_>]) -> Vec<Finding> {
    let mut groups: Vec<(&SensitiveMatch, u32)> = Vec::new();
    let mut index: HashMap<(DataType, &str), usize> = HashMap::new();
    for m in matches {
        match index.get(&(m.ty, m.location.as_str())) {
            Some(&i) => groups[i].1 += 1,
            None => {
                index.insert((m.ty, m.location.as_str()), groups.len());
                groups.push((m, 1));
            }
        }
    }
    groups
        .into_iter()
        .filter_map(|(m, n)| {
            let part = fields.get(m.field_index)?.part;
            let (owasp, severity) = placement(m.ty, part)?;
            let what = if m.ty.is_secret() { "credential" } else { "personal data" };
            let detail = format!("{n} {} ({what}: {})", if n == 1 { "match" } else { "matches" }, m.ty.as_str());
            Some(
                Finding::new(format!("sensitive.{}", m.ty.as_str()), owasp, severity, m.ty.confidence(), m.location.clone(), m.masked.clone())
                    .with_detail(detail),
            )
        })
        .collect()
}

/// How many matches of each type, for the access-log observations.
pub fn counts(matches: &[SensitiveMatch]) -> BTreeMap<DataType, u32> {
    let mut out = BTreeMap::new();
    for m in matches {
        *out.entry(m.ty).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn f<'a>(part: Part, name: &'a str, value: &'a str) -> Field<'a> {
        Field { part, name: Cow::Borrowed(name), value: Cow::Borrowed(value), ty: ValueType::Text }
    }

    fn scanner() -> &'static SensitiveScanner {
        static S: std::sync::OnceLock<SensitiveScanner> = std::sync::OnceLock::new();
        S.get_or_init(|| SensitiveScanner::new().unwrap())
    }

    fn scan(name: &str, value: &str) -> Vec<SensitiveMatch> {
        let s = scanner();
        let mut out = Vec::new();
        s.scan(&[f(Part::ResponseBody, name, value)], &mut out);
        out
    }

    #[test]
    fn addresses_in_routing_headers_are_not_data() {
        let s = scanner();
        let types = |part: Part, name: &str, value: &str| {
            let mut out = Vec::new();
            s.scan(&[f(part, name, value)], &mut out);
            out.into_iter().map(|m| m.ty).collect::<Vec<_>>()
        };
        // How the request arrived: the client and the proxies (Envoy appends the peer itself).
        assert_eq!(types(Part::Header, "x-forwarded-for", "203.0.113.7, 10.0.0.1"), vec![]);
        assert_eq!(types(Part::Header, "forwarded", "for=192.0.2.60;proto=http;by=203.0.113.43"), vec![]);
        // The same addresses elsewhere in a request, or in a response header, are still reported.
        assert_eq!(types(Part::Header, "x-backend", "10.0.0.1"), vec![DataType::InternalIp]);
        assert_eq!(types(Part::ResponseHeader, "x-forwarded-for", "10.0.0.1"), vec![DataType::InternalIp]);
        // Other data in a routing header is reported as anywhere else.
        assert_eq!(types(Part::Header, "x-forwarded-for", "jane.doe@example.com"), vec![DataType::Email]);
    }

    fn positives() -> Vec<(&'static str, String, DataType)> {
        let r = |n: usize, c: char| c.to_string().repeat(n);
        vec![
            ("$.contact", "mail jane.doe+x@example.co.uk now".into(), DataType::Email),
            ("$.note", "call (415) 555-0132".into(), DataType::Phone),
            ("$.note", "+44 20 7123 4567".into(), DataType::Phone),
            ("$.phone", "4155550132".into(), DataType::Phone),
            ("$.note", "SSN 536-90-1234".into(), DataType::Ssn),
            ("$.ssn", "536901234".into(), DataType::Ssn),
            ("$.note", "912-70-1234".into(), DataType::Itin),
            ("$.note", "card 4111 1111 1111 1111".into(), DataType::CreditCard),
            ("$.pan", "378282246310005".into(), DataType::CreditCard),
            ("$.note", "GB82 WEST 1234 5698 7654 32".into(), DataType::Iban),
            ("$.routing_number", "011000015".into(), DataType::AbaRouting),
            ("$.passport_number", "X12345678".into(), DataType::Passport),
            ("$.date_of_birth", "1990-05-12".into(), DataType::DateOfBirth),
            ("$.first_name", "Jane".into(), DataType::PersonName),
            ("$.street_address", "221B Baker Street".into(), DataType::PostalAddress),
            ("$.note", "from 8.8.8.8".into(), DataType::IpAddress),
            ("$.note", "2606:4700:4700::1111".into(), DataType::IpAddress),
            ("$.backend", "10.1.2.3:8080".into(), DataType::InternalIp),
            ("$.note", "AB 12 34 56 C".into(), DataType::UkNino),
            ("$.note", "X1234567L".into(), DataType::EsDni),
            ("$.note", "RSSMRA85T10A562S".into(), DataType::ItFiscalCode),
            ("$.note", "3123 4567 8909".into(), DataType::InAadhaar),
            ("$.pan_number", "ABCPE1234F".into(), DataType::InPan),
            ("$.k", "AKIAIOSFODNN7EXAMPLE".into(), DataType::AwsAccessKey),
            ("$.aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(), DataType::AwsSecretKey),
            ("$.k", format!("AIza{}", r(35, 'b')), DataType::GcpApiKey),
            ("$.conn", format!("DefaultEndpointsProtocol=https;AccountKey={}==;", r(86, 'Q')), DataType::AzureStorageKey),
            ("$.k", format!("ghp_{}", r(36, 'a')), DataType::GithubToken),
            ("$.k", "glpat-abcdefghij0123456789".into(), DataType::GitlabToken),
            ("$.k", "xoxb-123456789012-abcdefghijkl".into(), DataType::SlackToken),
            ("$.k", format!("sk_live_{}", r(24, 'z')), DataType::StripeKey),
            ("$.k", format!("AC{}", "0123456789abcdef".repeat(2)), DataType::TwilioKey),
            ("$.k", format!("SG.{}.{}", r(22, 'x'), r(43, 'y')), DataType::SendgridKey),
            ("$.k", format!("sk-proj-{}T3BlbkFJ{}", r(20, 'q'), r(20, 'w')), DataType::OpenaiKey),
            ("$.k", format!("npm_{}", r(36, 'n')), DataType::NpmToken),
            ("$.k", format!("pypi-AgEIcHlwaS5vcmc{}", r(70, 'p')), DataType::PypiToken),
            ("$.k", "0123456789abcdef0123456789abcdef-us6".into(), DataType::MailchimpKey),
            ("$.k", format!("123456789:AA{}", r(33, 't')), DataType::TelegramBotToken),
            ("$.k", format!("sq0atp-{}", r(22, 's')), DataType::SquareToken),
            ("$.k", "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----".into(), DataType::PrivateKey),
            ("$.k", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc".into(), DataType::Jwt),
            ("$.dsn", "postgres://admin:s3cr3tpass@db.example.com:5432/app".into(), DataType::BasicAuthUrl),
            ("$.password", "hunter2!x".into(), DataType::Password),
            ("$.client_secret", "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c".into(), DataType::GenericSecret),
        ]
    }

    #[test]
    fn every_type_has_its_row_and_a_positive_case() {
        for (i, info) in INFO.iter().enumerate() {
            assert_eq!(info.ty as usize, i, "INFO out of order at {}", info.name);
            assert_eq!(serde_json::to_value(info.ty).unwrap(), info.name);
        }
        assert!(DataType::ALL.len() >= 25);
        let covered: Vec<DataType> = positives().iter().map(|p| p.2).collect();
        for t in DataType::ALL {
            assert!(covered.contains(t), "no positive unit case for {}", t.as_str());
        }
    }

    #[test]
    fn positives_are_found_with_their_type() {
        for (name, value, ty) in positives() {
            let got = scan(name, &value);
            assert!(got.iter().any(|m| m.ty == ty), "{name}={value:?}: expected {}, got {got:?}", ty.as_str());
        }
    }

    #[test]
    fn look_alikes_are_not_sensitive() {
        let cases: &[(&str, &str)] = &[
            ("$.version", "1.2.3"),
            ("$.version", "10.0.19041.1"),
            ("$.build", "v1.2.3-beta+exp.sha.5114f85"),
            ("$.order_id", "ORD-2024-000123"),
            ("$.order_id", "100234567"),
            ("$.created_at", "2024-03-15T14:30:00Z"),
            ("$.id", "550e8400-e29b-41d4-a716-446655440000"),
            ("$.timestamp", "1444931833"),
            ("$.ratelimit_reset", "1444931833123"),
            ("$.count", "4111111111111112"),
            ("$.reference", "1234 5678 9012 3456"),
            ("$.sha256", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("$.etag", "9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c"),
            ("$.next_page_token", "CiAKGjBpNDd2Nmp2Zml2cXRwYjBpOXA3EhBhYmNkZWY"),
            ("$.token_type", "Bearer"),
            ("$.isbn", "978-3-16-148410-0"),
            ("$.price", "19.99"),
            ("$.location", "37.7749,-122.4194"),
            ("$.season", "2019-2020"),
            ("$.period", "2021-01-01/2021-12-31"),
            ("$.time", "14:30:00"),
            ("$.mac", "00:1A:2B:3C:4D:5E"),
            ("$.ssn", "000-12-3456"),
            ("$.ssn", "078-05-1120"),
            ("$.password", "********"),
            ("$.password", "${DB_PASSWORD}"),
            ("$.password_updated_at", "2024-01-01"),
            ("$.name", "Droplet 42"),
            ("$.product_name", "Jane"),
            ("$.ip_address", "n/a"),
            ("$.description", "Upgrade to 2 vCPUs and 4 GB, 80 GB SSD"),
            ("$.note", "std::vec::Vec and a::b"),
            ("$.note", "task-sk-proj"),
            ("$.url", "https://example.com/docs/v2/sk_live_"),
            ("$.user", "@example"),
            ("$.note", "email me at info@presidio."),
        ];
        for (name, value) in cases {
            let got = scan(name, value);
            assert!(got.is_empty(), "{name}={value:?} gave {got:?}");
        }
    }

    #[test]
    fn weak_shapes_need_context_from_key_or_text() {
        assert!(scan("$.note", "536901234").is_empty(), "nine bare digits are not an SSN alone");
        assert_eq!(scan("$.note", "ssn: 536901234")[0].ty, DataType::Ssn);
        assert_eq!(scan("$.customerSsn", "536901234")[0].ty, DataType::Ssn);
        assert!(scan("$.note", "X12345678 is the code").is_empty());
        assert_eq!(scan("$.note", "my passport is X12345678")[0].ty, DataType::Passport);
    }

    #[test]
    fn masks_follow_the_type() {
        assert_eq!(DataType::CreditCard.mask("4111-1111-1111-1234"), "****-****-****-1234");
        assert_eq!(DataType::Ssn.mask("123-45-6789"), "***-**-6789");
        assert_eq!(DataType::AwsAccessKey.mask("AKIAIOSFODNN7EXAMPLE"), "AKIA************MPLE");
        assert_eq!(DataType::Email.mask("jane@example.com"), "j***@example.com");
        assert_eq!(DataType::Password.mask("hunter2"), "********");
        let long = DataType::Jwt.mask(&"a".repeat(5000));
        assert!(long.chars().count() <= 65, "{long}");
    }

    #[test]
    fn evidence_never_repeats_a_matched_value() {
        let s = scanner();
        for (name, value, _) in positives() {
            let fields = [f(Part::ResponseBody, name, &value), f(Part::Query, name, &value)];
            let mut out = Vec::new();
            s.scan(&fields, &mut out);
            for fi in findings(&out, &fields) {
                for m in &out {
                    let raw = &fields[m.field_index].value[m.span.clone()];
                    let shown = format!("{} {} {}", fi.evidence, fi.location, fi.detail.clone().unwrap_or_default());
                    assert!(raw.chars().count() < 4 || !shown.contains(raw), "{raw:?} leaked in {shown:?}");
                }
            }
        }
    }

    #[test]
    fn findings_group_count_and_place() {
        let s = scanner();
        let fields = [
            f(Part::ResponseBody, "$.notes", "536-90-1234 and 536-90-1235, card 4111111111111111"),
            f(Part::Query, "api_key", "AKIAIOSFODNN7EXAMPLE"),
            f(Part::Header, "x-api-key", "AKIAIOSFODNN7EXAMPLE"),
            f(Part::Body, "$.email", "jane@example.com"),
        ];
        let mut out = Vec::new();
        s.scan(&fields, &mut out);
        let fs = findings(&out, &fields);
        let ssn = fs.iter().find(|f| f.kind == "sensitive.ssn").unwrap();
        assert_eq!(ssn.detail.as_deref(), Some("2 matches (personal data: ssn)"));
        assert_eq!((ssn.owasp, ssn.severity), (Owasp::Api3, Severity::High));
        assert_eq!(ssn.evidence, "***-**-1234");
        assert_eq!(ssn.location, "response.body:$.notes");
        let key = fs.iter().find(|f| f.kind == "sensitive.aws_access_key").unwrap();
        assert_eq!((key.owasp, key.location.as_str()), (Owasp::Api2, "query:api_key"));
        assert!(!fs.iter().any(|f| f.location.starts_with("header:")), "clients authenticate with headers");
        let email = fs.iter().find(|f| f.kind == "sensitive.email").unwrap();
        assert_eq!(email.severity, Severity::Low);
        let c = counts(&out);
        assert_eq!(c[&DataType::Ssn], 2);
        assert_eq!(c[&DataType::AwsAccessKey], 2);
    }

    #[test]
    fn hostile_input_never_panics() {
        let s = scanner();
        let nasty = ["", "@", "@@@.", "::", ":::::::::", "+", "(", "0".repeat(10_000).as_str(), "é@é.é", "-----BEGIN ", "eyJ.eyJ", "1.2.3.4/999", "AB 12", "://", "x://a:b@", "\u{fffd}4111 1111 1111 1111\u{fffd}"]
            .map(String::from);
        for v in &nasty {
            let mut out = Vec::new();
            s.scan(&[f(Part::ResponseBody, "", v), f(Part::ResponseBody, "$.password", v)], &mut out);
        }
    }
}
