//! Attack detectors: injection, traversal, SSRF and friends, wherever in the request they hide.
//!
//! This module owns the one scan loop every family shares; each family module (`sqli`, `xss`,
//! ...) owns only its judgement. For each field the loop
//! 1. skips values that cannot carry a payload (JSON numbers, booleans, nulls);
//! 2. computes the matching form once ([`crate::normalize::for_matching`]: decoded, lower-case);
//! 3. walks one Aho-Corasick DFA holding every family's *trigger* literals over it (our own loop,
//!    see `literals`: a table lookup per byte and no per-value set-up), which yields the set of
//!    families worth asking (clean text costs one linear pass and nothing more), plus the few
//!    families whose [`Check::wake`] test asks for the value whatever its triggers;
//! 4. asks only those families, and keeps at most one finding per (family, location).
//!
//! So work grows with the bytes inspected, not with bytes x patterns. Request-level checks that
//! are not about one value (smuggling hints, protocol anomalies, method and header policy, session
//! ids planted through links, scanner fingerprints) run once per request in
//! [`AttackDetector::scan_head`] (and [`AttackDetector::scan_referrals`], which reads what the
//! field scan found); those that need the body (multipart part headers, a method
//! override in a form) in [`AttackDetector::scan_body`]; those that compare the head with the
//! content that came (a body on `GET`, `Expect` without one) in [`AttackDetector::scan_content`].
//!
//! Severity and confidence are chosen against [`crate::verdict`]: a finding flags a request on its
//! own only when `severity weight x confidence >= 0.5` (High at >= 0.67, Critical at >= 0.53).
//! Families therefore report unambiguous payloads as High/Critical and weak, often-benign signals
//! (a lone `../`, a public IP literal, a JavaScript call in a code snippet) as Low/Medium, which
//! add to other evidence but never block a JSON API by themselves.

mod cmdi;
mod content;
mod crlf;
mod escape;
pub(crate) mod gate;
mod headers;
mod host;
mod java;
mod jndi;
mod ldapi;
mod literals;
mod method;
mod multipart;
mod nosqli;
mod php;
mod policy;
mod proto;
mod protocol;
mod rfi;
mod scanner;
mod session;
mod sqli;
mod ssrf;
mod ssti;
mod target;
mod traversal;
mod xss;
mod xxe;

use crate::facts::RequestHead;
use crate::fields::{Field, Part, ValueType};
use crate::finding::{Finding, Owasp, Severity};
use crate::normalize::{for_matching, for_matching_keeping_controls, hides_controls, needs_decoding};
use crate::redact::excerpt;
pub(crate) use gate::Trigger;
pub use policy::{ArgumentTally, ProtocolPolicy};
use literals::Literals;
use std::borrow::Cow;
use std::ops::ControlFlow;

/// The attack families, one per `attack.<family>` finding kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Sqli,
    Xss,
    Traversal,
    Rfi,
    Cmdi,
    Ssrf,
    Jndi,
    Nosqli,
    Xxe,
    Ssti,
    Ldapi,
    Crlf,
    Smuggling,
    Protocol,
    Scanner,
    Php,
    Java,
    Session,
    Prototype,
    Multipart,
}

impl Family {
    /// The finding kind, `attack.<family>`.
    pub fn kind(self) -> &'static str {
        match self {
            Family::Sqli => "attack.sqli",
            Family::Xss => "attack.xss",
            Family::Traversal => "attack.traversal",
            Family::Rfi => "attack.rfi",
            Family::Cmdi => "attack.cmdi",
            Family::Ssrf => "attack.ssrf",
            Family::Jndi => "attack.jndi",
            Family::Nosqli => "attack.nosqli",
            Family::Xxe => "attack.xxe",
            Family::Ssti => "attack.ssti",
            Family::Ldapi => "attack.ldapi",
            Family::Crlf => "attack.crlf",
            Family::Smuggling => "attack.smuggling",
            Family::Protocol => "attack.protocol",
            Family::Scanner => "attack.scanner",
            Family::Php => "attack.php",
            Family::Java => "attack.java",
            Family::Session => "attack.session_fixation",
            Family::Prototype => "attack.prototype_pollution",
            Family::Multipart => "attack.multipart",
        }
    }

    /// Server-side request forgery and remote inclusion make the server fetch for the attacker
    /// (API7); everything else here is injection or misuse of the protocol (API8 in the 2023 list).
    pub fn owasp(self) -> Owasp {
        match self {
            Family::Ssrf | Family::Rfi => Owasp::Api7,
            Family::Session => Owasp::Api2,
            _ => Owasp::Api8,
        }
    }
}

/// What a family check reports about one value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    pub family: Family,
    pub severity: Severity,
    pub confidence: f64,
    /// Byte offset in the matching form where the evidence starts.
    pub at: usize,
    /// Which rule fired, in a few words (becomes the finding's `detail`).
    pub detail: &'static str,
}

impl Hit {
    pub fn new(family: Family, severity: Severity, confidence: f64, at: usize, detail: &'static str) -> Hit {
        Hit { family, severity, confidence, at, detail }
    }

    /// This hit lowered to at most `max` severity and `confidence` (a shape that usually is
    /// something benign).
    pub fn at_most(mut self, max: Severity, confidence: f64) -> Hit {
        self.severity = self.severity.min(max);
        self.confidence = self.confidence.min(confidence);
        self
    }

    fn weight(&self) -> f64 {
        self.severity.weight() * self.confidence
    }
}

/// One field as the family checks see it.
pub(crate) struct Subject<'a> {
    /// The matching form: fully decoded, lower-case.
    pub text: &'a str,
    pub part: Part,
    pub ty: ValueType,
    /// Parameter/header name or JSON path.
    pub name: &'a str,
    /// The value as it arrived, before decoding (for checks that judge the encoding itself).
    pub raw: &'a str,
    /// For the checks that [`Check::reads_controls`], when the matching form dropped control
    /// characters from the value: that form with them kept in place
    /// ([`crate::normalize::for_matching_keeping_controls`]).
    pub controls: Option<&'a str>,
}

/// A family's judgement over one value. Implementations are compiled once and must be linear in
/// the value's length and must never panic.
pub(crate) trait Check: Send + Sync {
    /// The literals (lower-case, matched ASCII case-insensitively), each optionally gated, whose
    /// presence makes this check worth running. See [`gate`].
    fn triggers(&self) -> &'static [Trigger];
    fn check(&self, s: &Subject<'_>) -> Option<Hit>;
    /// Whether this check reads whole markup documents ([`ValueType::Markup`]); the others read
    /// the document's text and attribute values, which arrive as their own fields.
    fn document_level(&self) -> bool {
        false
    }
    /// Whether this check must run on `text` whatever the triggers say (a raw CR in a header
    /// value, a command name at the start of a value, an upload's file name). Runs on every
    /// value of a place [`Check::wakes_on`] names that the prefilter left asleep, so it must be a
    /// test of a few bytes.
    fn wake(&self, _text: &[u8], _field: &Field<'_>) -> bool {
        false
    }
    /// Whether [`Check::wake`] can say yes for a value of this part and type (the scan loop asks
    /// each check once per place, when it is built, and calls `wake` only where this is true).
    fn wakes_on(&self, _part: Part, _ty: ValueType) -> bool {
        false
    }
    /// Literals (lower-case, matched ASCII case-insensitively) one of which a value must hold
    /// for [`Check::wake`] to be asked; found by the prefilter's own pass over the value, so a
    /// wake test needing a word costs nothing on the values without it. Empty: always asked.
    fn wake_hints(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether this check reads the control characters the matching form drops (as separators:
    /// `union%01select`). The scan loop then also wakes it by its triggers in the form that keeps
    /// them, given as [`Subject::controls`].
    fn reads_controls(&self) -> bool {
        false
    }
}

/// Where a field came from, as an index into [`AttackDetector`]'s wake table. Exhaustive, so a
/// new part or value type cannot be left out of the table.
fn place(part: Part, ty: ValueType) -> usize {
    let p = match part {
        Part::Path => 0,
        Part::QueryName => 1,
        Part::Query => 2,
        Part::Header => 3,
        Part::Cookie => 4,
        Part::Body => 5,
        Part::ResponseHeader => 6,
        Part::ResponseBody => 7,
    };
    let t = match ty {
        ValueType::Text => 0,
        ValueType::Number => 1,
        ValueType::Bool => 2,
        ValueType::Null => 3,
        ValueType::Key => 4,
        ValueType::Markup => 5,
    };
    p * TYPES.len() + t
}

const PARTS: [Part; 8] =
    [Part::Path, Part::QueryName, Part::Query, Part::Header, Part::Cookie, Part::Body, Part::ResponseHeader, Part::ResponseBody];
const TYPES: [ValueType; 6] = [ValueType::Text, ValueType::Number, ValueType::Bool, ValueType::Null, ValueType::Key, ValueType::Markup];

/// What a prefilter literal stands for.
#[derive(Clone, Copy)]
enum Literal {
    /// A trigger of check `.0`, with its gate.
    Trigger(usize, Option<gate::Gate>),
    /// One of check `.0`'s [`Check::wake_hints`].
    Hint(usize),
}

/// Every attack family, compiled once (see the module docs for the scan loop).
pub struct AttackDetector {
    checks: Vec<Box<dyn Check>>,
    /// Prefilter literal index -> what it stands for.
    owner: Vec<Literal>,
    /// Per [`place`]: the checks (as a bit mask) whose [`Check::wake`] can say yes there.
    wakers: [u64; PARTS.len() * TYPES.len()],
    /// The checks that declare [`Check::wake_hints`].
    hinted: u64,
    /// The checks that [`Check::reads_controls`], as a family mask.
    control_readers: u64,
    prefilter: Literals,
    head: protocol::HeadChecks,
    referral: session::Referral,
}

impl std::fmt::Debug for AttackDetector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AttackDetector").field("checks", &self.checks.len()).field("triggers", &self.owner.len()).finish()
    }
}

impl AttackDetector {
    /// Compiles every pattern. Errors only if a built-in pattern is broken (a test asserts Ok).
    pub fn new() -> Result<AttackDetector, String> {
        let checks: Vec<Box<dyn Check>> = vec![
            Box::new(sqli::Sqli::new()),
            Box::new(xss::Xss::new()?),
            Box::new(traversal::Traversal::new()?),
            Box::new(rfi::Rfi::new()?),
            Box::new(cmdi::Cmdi::new()?),
            Box::new(ssrf::Ssrf::new()?),
            Box::new(jndi::Jndi::new()?),
            Box::new(nosqli::Nosqli::new()?),
            Box::new(xxe::Xxe::new()?),
            Box::new(ssti::Ssti::new()?),
            Box::new(ldapi::Ldapi::new()?),
            Box::new(crlf::Crlf::new()?),
            Box::new(php::Php::new()?),
            Box::new(java::Java::new()?),
            Box::new(session::Session::new()?),
            Box::new(proto::Proto::new()?),
            Box::new(scanner::Callbacks),
            Box::new(escape::Escape),
        ];
        let mut literals = Vec::new();
        let mut owner = Vec::new();
        let mut wakers = [0u64; PARTS.len() * TYPES.len()];
        let mut hinted = 0u64;
        for (i, c) in checks.iter().enumerate() {
            for t in c.triggers() {
                literals.push(t.lit);
                owner.push(Literal::Trigger(i, t.gate));
            }
            for &h in c.wake_hints() {
                literals.push(h);
                owner.push(Literal::Hint(i));
                hinted |= 1 << i;
            }
            for part in PARTS {
                for ty in TYPES {
                    // A markup document reaches only the document-level checks (see `scan_field`).
                    if c.wakes_on(part, ty) && (ty != ValueType::Markup || c.document_level()) {
                        wakers[place(part, ty)] |= 1 << i;
                    }
                }
            }
        }
        // PERF: a full DFA (about 1,600 states over ~60 byte classes) walked in our own loop:
        // a few instructions per byte and nothing per value (see `literals`).
        let prefilter = Literals::new("attack prefilter", &literals)?;
        if checks.len() > 64 {
            return Err("too many checks for the family mask".into());
        }
        let control_readers = checks.iter().enumerate().filter(|(_, c)| c.reads_controls()).fold(0u64, |m, (i, _)| m | 1 << i);
        Ok(AttackDetector { checks, owner, wakers, hinted, control_readers, prefilter, head: protocol::HeadChecks::new()?, referral: session::Referral::new()? })
    }

    /// Request-level checks on the head: smuggling hints, protocol anomalies, scanner
    /// fingerprints; and cookie *names*, which the shared field walk does not emit (payloads hide
    /// there too: `java.lang.Runtime=x`), scanned like values under `cookie-name:<name>`.
    pub fn scan_head(&self, head: &RequestHead, out: &mut Vec<Finding>) {
        let mut hits = Vec::new();
        self.head.scan(head, &mut hits);
        for (hit, location, evidence) in hits {
            push_unique(out, hit, location, &evidence);
        }
        // PERF: one label buffer for all cookie names, each scanned as it is split off.
        let mut label = String::new();
        for (name, value) in &head.headers {
            if name != "cookie" {
                continue;
            }
            for pair in value.split(';') {
                let k = pair.split_once('=').map_or(pair, |(k, _)| k).trim();
                if k.is_empty() {
                    continue;
                }
                label.clear();
                label.push_str(k);
                label.push_str("#name");
                self.scan_field(&Field { part: Part::Cookie, name: Cow::Borrowed(&label), value: Cow::Borrowed(k), ty: ValueType::Key }, out);
            }
        }
    }

    /// Session fixation by referral: run after [`AttackDetector::scan_fields`] over the head's
    /// fields, it upgrades a session-id parameter finding to an attack when the request came from
    /// another site or from no page (see `session`). Without such a finding it does nothing.
    pub fn scan_referrals(&self, head: &RequestHead, out: &mut [Finding]) {
        self.referral.judge(head, out);
    }

    /// Request-level checks that need the body, run once the body is complete: the encoding of
    /// a form body (or a NUL escaped in JSON), the part headers of a multipart form, a method override sent as a form field (`_method=DELETE`), and a
    /// session id planted through a form posted from another site (see `session`), which reads
    /// the findings [`AttackDetector::scan_fields`] made over the body's fields before this.
    /// `fields` are the body's fields as the field walk produced them.
    pub fn scan_body(&self, head: &RequestHead, body: &[u8], fields: &[Field<'_>], out: &mut Vec<Finding>) {
        if body.is_empty() {
            return;
        }
        let mut hits = Vec::new();
        if let Some(ct) = head.header("content-type") {
            target::check_body(ct, body, &mut hits);
            let multipart = ct.len() > 10 && ct.as_bytes()[..10].eq_ignore_ascii_case(b"multipart/");
            if let Some((_, b)) = multipart.then(|| headers::params(ct).find(|(k, _)| k.eq_ignore_ascii_case("boundary"))).flatten() {
                let b = b.trim_matches('"');
                if !b.is_empty() {
                    multipart::check(b, body, &mut hits);
                }
            }
        }
        for f in fields {
            if f.part == Part::Body && f.ty == ValueType::Text && f.name == method::OVERRIDE_FIELD {
                if let Some(hit) = method::judge_override(&head.method, &f.value, method::OverrideSource::Body) {
                    hits.push((hit, "body:_method".to_string(), f.value.to_string()));
                }
            }
        }
        for (hit, location, evidence) in hits {
            push_unique(out, hit, location, &evidence);
        }
        self.referral.judge_form(head, out);
    }

    /// Checks that compare the head with the content that came (`received` body bytes, inspected
    /// or not), run once the request has ended: see `content`.
    pub fn scan_content(&self, head: &RequestHead, received: u64, out: &mut Vec<Finding>) {
        let mut hits = Vec::new();
        content::check(head, received, &mut hits);
        for (hit, location, evidence) in hits {
            push_unique(out, hit, location, &evidence);
        }
    }

    /// Every family over every field (normalised at most once per field, prefiltered so clean
    /// input costs one byte scan and one automaton pass per value, without allocating).
    pub fn scan_fields(&self, fields: &[Field<'_>], out: &mut Vec<Finding>) {
        for field in fields {
            self.scan_field(field, out);
        }
    }

    /// Every family over one field; whether any of them reported it.
    pub fn scan_field(&self, field: &Field<'_>, out: &mut Vec<Finding>) -> bool {
        if matches!(field.ty, ValueType::Number | ValueType::Bool | ValueType::Null) || field.value.is_empty() {
            return false;
        }
        let raw: &str = &field.value;
        // Values that need no decoding are prefiltered as they are (case-insensitively);
        // only the woken ones are lower-cased, below.
        let text: Cow<'_, str> = if needs_decoding(raw) { for_matching(raw) } else { Cow::Borrowed(raw) };
        let (mut mask, hints) = self.families_for(text.as_bytes());
        // Control characters the matching form dropped (only a decoded value can have had any).
        let controls = match &text {
            Cow::Owned(_) if self.control_readers != 0 && hides_controls(raw) => Some(for_matching_keeping_controls(raw)),
            _ => None,
        };
        if let Some(kept) = &controls {
            mask |= self.families_for(kept.as_bytes()).0 & self.control_readers;
        }
        // PERF: only the wake tests that can say yes for this part and type, and whose hint
        // literal (if they have one) the prefilter saw; a clean JSON key or date asks two or three.
        let mut ask = self.wakers[place(field.part, field.ty)] & !mask & !(self.hinted & !hints);
        while ask != 0 {
            let i = ask.trailing_zeros() as usize;
            ask &= ask - 1;
            if self.checks.get(i).is_some_and(|c| c.wake(text.as_bytes(), field)) {
                mask |= 1 << i;
            }
        }
        if mask == 0 {
            return false;
        }
        let text = match text {
            Cow::Borrowed(t) if t.bytes().any(|c| c.is_ascii_uppercase()) => Cow::Owned(t.to_ascii_lowercase()),
            t => t,
        };
        let subject = Subject { text: &text, part: field.part, ty: field.ty, name: &field.name, raw: &field.value, controls: controls.as_deref() };
        let mut location: Option<String> = None;
        for (i, check) in self.checks.iter().enumerate() {
            if mask & (1 << i) == 0 || (field.ty == ValueType::Markup && !check.document_level()) {
                continue;
            }
            if let Some(hit) = check.check(&subject) {
                let loc = location.get_or_insert_with(|| field.location());
                push_unique(out, hit, loc.clone(), &text);
            }
        }
        location.is_some()
    }

    /// The checks whose (gated) triggers occur in `text`, and the checks whose wake hints occur
    /// in it, as bit masks. A gate runs only for a family not yet woken; stops early once every
    /// check is wanted (the hints no longer matter then).
    fn families_for(&self, text: &[u8]) -> (u64, u64) {
        let all = if self.checks.len() == 64 { u64::MAX } else { (1u64 << self.checks.len()) - 1 };
        let (mut mask, mut hints) = (0u64, 0u64);
        let _: Option<()> = self.prefilter.each(text, |p, start, end| {
            let (family, gate) = match self.owner.get(p) {
                Some(&Literal::Trigger(family, gate)) => (family, gate),
                Some(&Literal::Hint(check)) => {
                    hints |= 1 << check;
                    return ControlFlow::Continue(());
                }
                None => return ControlFlow::Continue(()),
            };
            let bit = 1u64 << family;
            if mask & bit != 0 || gate.is_some_and(|g| !g(text, start, end)) {
                return ControlFlow::Continue(());
            }
            mask |= bit;
            if mask == all {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        (mask, hints)
    }
}

/// Adds a finding unless one of the same family is already reported at that location; when one
/// is, the stronger of the two is kept.
fn push_unique(out: &mut Vec<Finding>, hit: Hit, location: String, text: &str) {
    let kind = hit.family.kind();
    if let Some(prev) = out.iter_mut().find(|f| f.kind == kind && f.location == location) {
        if prev.weight() >= hit.weight() {
            return;
        }
        *prev = finding(hit, location, text);
        return;
    }
    out.push(finding(hit, location, text));
}

fn finding(hit: Hit, location: String, text: &str) -> Finding {
    Finding::new(hit.family.kind(), hit.family.owasp(), hit.severity, hit.confidence, location, excerpt(text, hit.at))
        .with_detail(hit.detail)
}

/// Builds a regex from a built-in pattern, naming the culprit if it does not compile.
pub(crate) fn regex(pattern: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(pattern)
        .size_limit(4 << 20)
        .build()
        .map_err(|e| format!("built-in pattern {pattern:?}: {e}"))
}

/// One pattern rule of a family: a regex over the matching form and what a match means.
pub(crate) struct Rule {
    re: regex::bytes::Regex,
    severity: Severity,
    confidence: f64,
    detail: &'static str,
}

/// A family's pattern rules, compiled once. Families that are naturally a list of unambiguous
/// shapes (XSS tags, template delimiters, traversal sequences) use this instead of hand-written
/// scanning; the SQL and SSRF checks parse instead.
///
/// All rules are also compiled into one [`regex::RegexSet`], so a value costs one pass to learn
/// which rules match ("only ask for what you need"); only the strongest matching rule is then
/// run alone, to find where its evidence starts.
pub(crate) struct Rules {
    family: Family,
    set: regex::bytes::RegexSet,
    rules: Vec<Rule>,
}

impl Rules {
    /// `table`: (pattern, severity, confidence, detail).
    pub fn new(family: Family, table: &[(&str, Severity, f64, &'static str)]) -> Result<Rules, String> {
        // PERF: over bytes with ASCII `\w`, `\s`, `\b` and case folding, as the rules mean them:
        // Unicode classes made these automata megabytes larger per VM. A table that names a
        // non-ASCII character itself keeps Unicode mode (byte classes cannot hold one).
        let unicode = table.iter().any(|r| !r.0.is_ascii());
        let rules = table
            .iter()
            .map(|&(p, severity, confidence, detail)| {
                let re = regex::bytes::RegexBuilder::new(p).unicode(unicode).size_limit(4 << 20).build();
                Ok(Rule { re: re.map_err(|e| format!("built-in pattern {p:?}: {e}"))?, severity, confidence, detail })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let set = regex::bytes::RegexSetBuilder::new(table.iter().map(|r| r.0))
            .unicode(unicode)
            .size_limit(16 << 20)
            .dfa_size_limit(4 << 20)
            .build()
            .map_err(|e| format!("{family:?} rule set: {e}"))?;
        Ok(Rules { family, set, rules })
    }

    /// The strongest rule matching `text` (the first listed among equals).
    pub fn best(&self, text: &str) -> Option<Hit> {
        // PERF: `matches` allocates a flag per pattern; most text matches none, so ask first.
        let text = text.as_bytes();
        if !self.set.is_match(text) {
            return None;
        }
        let matched = self.set.matches(text);
        let mut best: Option<&Rule> = None;
        for i in matched.iter() {
            let r = &self.rules[i];
            if best.map_or(true, |b| r.severity.weight() * r.confidence > b.severity.weight() * b.confidence) {
                best = Some(r);
            }
        }
        let r = best?;
        let at = r.re.find(text).map_or(0, |m| m.start());
        Some(Hit::new(self.family, r.severity, r.confidence, at, r.detail))
    }

    /// The strongest rule over `text` and over `variant`, a deobfuscated form of it (shell quotes,
    /// script comments or CSS escapes undone by the family). Evidence found in the variant points
    /// into `text` as nearly as it can (offsets are clamped; the excerpt keeps char boundaries).
    pub fn best_either(&self, text: &str, variant: Option<&str>) -> Option<Hit> {
        let plain = self.best(text);
        match variant {
            Some(v) if v != text => stronger(
                plain,
                self.best(v).map(|mut h| {
                    h.at = h.at.min(text.len());
                    h
                }),
            ),
            _ => plain,
        }
    }
}

/// The stronger of two hits.
pub(crate) fn stronger(a: Option<Hit>, b: Option<Hit>) -> Option<Hit> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.weight() > a.weight() { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// Whether a field is an uploaded file's name (`X-Filename` header, a multipart `filename`).
pub(crate) fn is_file_name(name: &str) -> bool {
    // PERF: runs for every value (a wake test); four bytes compared as one word first.
    let n = name.as_bytes();
    let word = |w: &[u8]| w.get(..4).map_or(0, |w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]) | 0x2020_2020);
    let (name_word, file_word) = (u32::from_le_bytes(*b"name"), u32::from_le_bytes(*b"file"));
    n.len() >= 8 && word(&n[n.len() - 4..]) == name_word && n.windows(4).any(|w| word(w) == file_word)
}

/// True when the field came from somewhere a browser or HTTP client puts it, not a JSON/form value
/// the application parses: used by families whose signal differs by place (a raw CR in a header
/// value is an attack, a newline in a JSON text field is a paragraph).
pub(crate) fn is_head_part(part: Part) -> bool {
    matches!(part, Part::Path | Part::Query | Part::QueryName | Part::Header | Part::Cookie)
}

/// Whether a value is a text field of a JSON body: where an API carries prose, code samples,
/// Markdown and configuration snippets (a gist, a support ticket, a docs page), so code-like text
/// there is an attack only in an exploit's shape. URLs, headers and form fields stay strict.
pub(crate) fn is_json_text(s: &Subject<'_>) -> bool {
    s.part == Part::Body && s.ty == ValueType::Text && s.name.starts_with('$')
}

/// Whether offset `at` of `text` lies inside Markdown code (an inline `` `span` `` or a fenced
/// block) of a text that also has prose around its code: a docs page or ticket quoting a command
/// (`` Run `tail -f x | grep y` ``). A value that is nothing but code is not Markdown.
pub(crate) fn in_markdown_code(text: &str, at: usize) -> bool {
    let b = text.as_bytes();
    let ticks_before = b[..at.min(b.len())].iter().filter(|&&c| c == b'`').count();
    if ticks_before % 2 == 0 || b.iter().filter(|&&c| c == b'`').count() % 2 == 1 {
        return false;
    }
    // A word of two or more letters outside the code (a heading, a sentence).
    let (mut words, mut in_code, mut run) = (0, false, 0);
    for &c in b {
        if c == b'`' {
            in_code = !in_code;
        }
        if !in_code && c.is_ascii_alphabetic() {
            run += 1;
        } else {
            if run >= 2 {
                words += 1;
            }
            run = 0;
        }
    }
    words > 0 || run >= 2
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for the family tests: run one value through the whole detector at a given place.
    use super::*;
    use std::borrow::Cow;
    use std::sync::OnceLock;

    pub fn detector() -> &'static AttackDetector {
        static D: OnceLock<AttackDetector> = OnceLock::new();
        D.get_or_init(|| AttackDetector::new().expect("built-in patterns compile"))
    }

    /// The findings for `value` as a query parameter `q`.
    pub fn scan(value: &str) -> Vec<Finding> {
        scan_at(Part::Query, ValueType::Text, "q", value)
    }

    pub fn scan_at(part: Part, ty: ValueType, name: &str, value: &str) -> Vec<Finding> {
        let f = Field { part, name: Cow::Borrowed(name), value: Cow::Borrowed(value), ty };
        let mut out = Vec::new();
        detector().scan_fields(&[f], &mut out);
        out
    }

    /// Whether `value` (as query `q`) flags or blocks on its own with a finding of `kind`.
    pub fn flags(kind: &str, value: &str) -> bool {
        flags_at(kind, Part::Query, value)
    }

    pub fn flags_at(kind: &str, part: Part, value: &str) -> bool {
        let ty = ValueType::Text;
        let found = scan_at(part, ty, "q", value);
        let strong: Vec<Finding> = found.into_iter().filter(|f| f.kind == kind).collect();
        crate::verdict::decide(&strong, &crate::verdict::Thresholds::default(), 1.0, false).decision
            != crate::verdict::Decision::Allow
    }

    /// Whether `value` as a JSON body text field flags or blocks on its own with a finding of `kind`.
    pub fn flags_in_json(kind: &str, value: &str) -> bool {
        flags_in_json_at(kind, "$.description", value)
    }

    /// [`flags_in_json`] for the JSON field at path `name` (`$.owner.avatar_url`).
    pub fn flags_in_json_at(kind: &str, name: &str, value: &str) -> bool {
        let found: Vec<Finding> = scan_at(Part::Body, ValueType::Text, name, value).into_iter().filter(|f| f.kind == kind).collect();
        crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision
            != crate::verdict::Decision::Allow
    }

    /// Whether any attack finding at all would flag `value` as a JSON body text field.
    pub fn any_flag_in_json(value: &str) -> bool {
        let found = scan_at(Part::Body, ValueType::Text, "$.description", value);
        crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision
            != crate::verdict::Decision::Allow
    }

    /// Asserts each case flags with `kind` (as a query value) and each benign case flags nothing
    /// as a JSON text value.
    pub fn assert_family(kind: &str, attacks: &[&str], benign: &[&str]) {
        let missed: Vec<&&str> = attacks.iter().filter(|a| !flags(kind, a)).collect();
        assert!(missed.is_empty(), "{kind} missed: {missed:#?}");
        let noisy: Vec<(&&str, Vec<Finding>)> = benign
            .iter()
            .filter(|b| any_flag_in_json(b))
            .map(|b| (b, scan_at(Part::Body, ValueType::Text, "$.description", b)))
            .collect();
        assert!(noisy.is_empty(), "{kind} flagged benign: {noisy:#?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn builds() {
        assert!(AttackDetector::new().is_ok());
    }

    #[test]
    fn one_finding_per_family_and_location_with_owasp_and_redacted_evidence() {
        let f = scan("1' or '1'='1' union select password from users-- and 1' or 2=2--");
        let sqli: Vec<&Finding> = f.iter().filter(|f| f.kind == "attack.sqli").collect();
        assert_eq!(sqli.len(), 1, "{f:?}");
        assert_eq!(sqli[0].owasp, Owasp::Api8);
        assert_eq!(sqli[0].location, "query:q");
        assert!(sqli[0].evidence.chars().count() <= crate::redact::EXCERPT_CHARS + 2);
        let ssrf = scan("http://169.254.169.254/latest/meta-data/");
        assert!(ssrf.iter().any(|f| f.kind == "attack.ssrf" && f.owasp == Owasp::Api7), "{ssrf:?}");
    }

    #[test]
    fn every_place_has_its_own_slot_in_the_wake_table() {
        let mut seen = std::collections::HashSet::new();
        for part in PARTS {
            for ty in TYPES {
                let slot = place(part, ty);
                assert!(slot < PARTS.len() * TYPES.len() && seen.insert(slot), "{part:?} {ty:?}");
            }
        }
    }

    #[test]
    fn file_name_fields() {
        for n in ["X-Filename", "x-file-name", "$.attachment.fileName", "FILENAME", "upload_file#name", "$.profile_nAme", "$.a.b.c.d.e.f.g.h.FILE.name", "$.abcdefg.f.file_name"] {
            assert!(is_file_name(n), "{n}");
        }
        for n in ["$.name", "$.user.display_name", "file", "X-Namefile", "fil_name", "$.fi\u{e9}lename", "$.a.b.c.fil.name", "$.fi.le.name", "$.xxxxxxxfilxxname"] {
            assert!(!is_file_name(n), "{n}");
        }
    }

    #[test]
    fn clean_values_find_nothing() {
        for v in ["hello", "2024-05-01T10:00:00Z", "alice@example.com", "https://example.com/a?b=c", ""] {
            assert!(scan(v).is_empty(), "{v}");
        }
    }

    #[test]
    fn hostile_shapes_are_bounded() {
        let long = "' or 1=1 -- ".repeat(20_000) + &"<script>".repeat(10_000) + &"../".repeat(30_000);
        let f = scan(&long);
        assert!(f.len() <= 15);
        let nul = "\0".repeat(100_000);
        let _ = scan(&nul);
        let quotes = "'\"`".repeat(50_000);
        let _ = scan(&quotes);
    }

    proptest! {
        #[test]
        fn never_panics_on_arbitrary_text(s in ".{0,300}") {
            let _ = scan(&s);
            let _ = scan_at(Part::Body, ValueType::Key, "$", &s);
            let _ = scan_at(Part::Header, ValueType::Text, "user-agent", &s);
        }

        #[test]
        fn trigger_walk_wakes_what_the_overlapping_search_wakes(s in "([' \"`;#()=<>/*\\-&|$%{}.:@!\r\n]|or|OR|and|for|if|select|union|script|java|\\$\\{|jndi|\\.\\.|0x|sess|SID|cfid|[a-zA-Z0-9 ]){0,60}") {
            // The reference: every occurrence from the library's overlapping search, gated alike.
            let d = detector();
            let literals: Vec<&str> = d.checks.iter().flat_map(|c| c.triggers().iter().map(|t| t.lit).chain(c.wake_hints().iter().copied())).collect();
            let ac = aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(&literals).expect("builds");
            let text = s.as_bytes();
            let (mut want, mut hints) = (0u64, 0u64);
            for m in ac.find_overlapping_iter(text) {
                match d.owner[m.pattern().as_usize()] {
                    Literal::Trigger(family, gate) if gate.is_none_or(|g| g(text, m.start(), m.end())) => want |= 1 << family,
                    Literal::Trigger(..) => {}
                    Literal::Hint(check) => hints |= 1 << check,
                }
            }
            let (mask, seen) = d.families_for(text);
            prop_assert_eq!(mask, want);
            let all = (1u64 << d.checks.len()) - 1;
            prop_assert!(mask == all || seen == hints, "hints are complete unless every family woke");
        }

        #[test]
        fn file_names_as_a_window_search_finds_them(n in "([fF]|ile|ILE|name|NAME|[a-z._$]){0,40}") {
            let word = |w: &[u8]| w.to_ascii_lowercase();
            let b = n.as_bytes();
            let want = b.len() >= 8 && word(&b[b.len() - 4..]) == b"name" && b.windows(4).any(|w| word(w) == b"file");
            prop_assert_eq!(is_file_name(&n), want);
        }

        #[test]
        fn never_panics_on_attack_alphabet(s in "([' \"`;#()=<>/*\\-\\\\&|$%{}.:@!^,~+]|or|and|select|union|script|on|java|\\$\\{|jndi|\\.\\.|%2e|%c0%af|&#x|0x|if\\(|iif\\(|/\\*!|sys\\.|print|xp_|char\\(|group_concat|like|sleep|timeout /t|%comspec%|Function\\(|execSync|<\\?|php|\\{%|\\$\\(<|svg|foreignobject|\\[\\$ne\\]|filters|where|\\.oast\\.fun|\\r\\nbcc:|bcc:|::|having|\\)\\(&|[a-z0-9]){0,80}") {
            let _ = scan(&s);
            // The same bytes as a JSON key under a query document, a query name, a mail field, a body.
            let _ = scan_at(Part::Body, ValueType::Key, "$.filter.score", &s);
            let _ = scan_at(Part::QueryName, ValueType::Text, &s, &s);
            let _ = scan_at(Part::Body, ValueType::Text, "$.email", &s);
            let _ = scan_at(Part::Body, ValueType::Markup, "file", &s);
        }
    }
}
