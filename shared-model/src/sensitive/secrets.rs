//! Credentials: vendor tokens recognised by their published prefixes, formats and lengths, and
//! secrets recognised by where they sit (a value under `password`, `client_secret`, `api_key`).
//!
//! Vendor tokens are one table, [`TOKENS`]: each row is a literal anchor that one
//! Aho-Corasick pass finds, how far the token extends *before* the anchor (Telegram's bot id,
//! Mailchimp's 32 hex), the format as an anchored regex, and the characters that may not follow
//! the token (so a 51-character GitLab SCIM token is not reported as a 50-character one). The
//! regex runs only at an anchor, so the cost of the table grows with the hits, not with its
//! size. Context secrets need no anchor: the key says "this is a secret" and the value must then
//! look like one (not a placeholder such as `${TOKEN}` or `insert_key_here`).

use super::bytes;
use super::context::Ctx;
use super::validate;
use super::{Candidate, DataType};
use regex::bytes::Regex;

/// Which bytes a token is made of, for the boundary checks either side of it.
#[derive(Clone, Copy)]
pub(super) enum Chars {
    /// `[A-Za-z0-9]`
    Alnum,
    /// `[A-Za-z0-9_-]`
    Word,
    /// `[A-Za-z0-9+/=]`
    Base64,
    /// Anything: the format ends the token (PEM blocks, URLs).
    Any,
}

impl Chars {
    fn has(self, c: u8) -> bool {
        match self {
            Chars::Alnum => c.is_ascii_alphanumeric(),
            Chars::Word => c.is_ascii_alphanumeric() || c == b'_' || c == b'-',
            Chars::Base64 => c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='),
            Chars::Any => false,
        }
    }
}

/// One vendor token format.
pub(super) struct Token {
    pub ty: DataType,
    pub anchor: &'static str,
    /// Up to this many bytes of `back_chars` may precede the anchor as part of the token.
    pub back: usize,
    pub back_chars: fn(u8) -> bool,
    /// The format, matched from the token start (an implicit `^`). Group 1, when present, is the
    /// secret part and becomes the span.
    pub format: &'static str,
    pub chars: Chars,
    /// Longest token the vendor issues, in bytes (0: no limit). Checked after the match, so the
    /// format needs no large bounded repeat (those compile into huge automata).
    pub max_len: usize,
}

fn none(_: u8) -> bool {
    false
}

fn digit(c: u8) -> bool {
    c.is_ascii_digit()
}

fn lower_hex(c: u8) -> bool {
    c.is_ascii_digit() || (b'a'..=b'f').contains(&c)
}

const fn tok(ty: DataType, anchor: &'static str, format: &'static str, chars: Chars) -> Token {
    Token { ty, anchor, back: 0, back_chars: none, format, chars, max_len: 0 }
}

impl Token {
    const fn up_to(self, max_len: usize) -> Token {
        Token { max_len, ..self }
    }
}

/// Vendor formats, from each vendor's documentation (and detect-secrets / gitleaks where the
/// vendor publishes only a prefix).
pub(super) const TOKENS: &[Token] = &[
    tok(DataType::AwsAccessKey, "AKIA", r"AKIA[A-Z2-7]{16}", Chars::Alnum),
    tok(DataType::AwsAccessKey, "ASIA", r"ASIA[A-Z2-7]{16}", Chars::Alnum),
    tok(DataType::AwsAccessKey, "ABIA", r"ABIA[A-Z2-7]{16}", Chars::Alnum),
    tok(DataType::AwsAccessKey, "ACCA", r"ACCA[A-Z2-7]{16}", Chars::Alnum),
    tok(DataType::AwsAccessKey, "A3T", r"A3T[A-Z0-9][A-Z2-7]{16}", Chars::Alnum),
    tok(DataType::GcpApiKey, "AIza", r"AIza[0-9A-Za-z_-]{35}", Chars::Word),
    tok(DataType::AzureStorageKey, "AccountKey=", r"AccountKey=([A-Za-z0-9+/]{86}==)", Chars::Base64),
    tok(DataType::GithubToken, "ghp_", r"ghp_[A-Za-z0-9]{36}", Chars::Word),
    tok(DataType::GithubToken, "gho_", r"gho_[A-Za-z0-9]{36}", Chars::Word),
    tok(DataType::GithubToken, "ghu_", r"ghu_[A-Za-z0-9]{36}", Chars::Word),
    tok(DataType::GithubToken, "ghs_", r"ghs_[A-Za-z0-9]{36}", Chars::Word),
    tok(DataType::GithubToken, "ghr_", r"ghr_[A-Za-z0-9]{36}", Chars::Word),
    tok(DataType::GithubToken, "github_pat_", r"github_pat_[A-Za-z0-9_]{82}", Chars::Word),
    tok(DataType::GitlabToken, "glpat-", r"glpat-[A-Za-z0-9_-]{20,}", Chars::Word),
    tok(DataType::GitlabToken, "gldt-", r"gldt-[A-Za-z0-9_-]{20,}", Chars::Word),
    tok(DataType::GitlabToken, "glrt-", r"glrt-[A-Za-z0-9_-]{20,}", Chars::Word),
    tok(DataType::GitlabToken, "glft-", r"glft-[A-Za-z0-9_-]{20,}", Chars::Word),
    tok(DataType::GitlabToken, "glcbt-", r"glcbt-[A-Za-z0-9_-]{20,50}", Chars::Word),
    tok(DataType::GitlabToken, "glsoat-", r"glsoat-[A-Za-z0-9_-]{20,50}", Chars::Word),
    tok(DataType::GitlabToken, "GR1348941", r"GR1348941[A-Za-z0-9_-]{20,50}", Chars::Word),
    tok(DataType::GitlabToken, "glimt-", r"glimt-[A-Za-z0-9_-]{25}", Chars::Word),
    tok(DataType::GitlabToken, "glptt-", r"glptt-[A-Za-z0-9_-]{40}", Chars::Word),
    tok(DataType::GitlabToken, "glagent-", r"glagent-[A-Za-z0-9_-]{50,}", Chars::Word).up_to(8 + 1024),
    tok(DataType::GitlabToken, "gloas-", r"gloas-[A-Za-z0-9_-]{64}", Chars::Word),
    tok(DataType::SlackToken, "xox", r"xox[abeoprs]-(?:[0-9]+-)*[0-9A-Za-z]{10,}", Chars::Word),
    tok(DataType::SlackToken, "https://hooks.slack.com/services/", r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]{6,}/B[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{20,}", Chars::Word),
    tok(DataType::StripeKey, "sk_live_", r"sk_live_[0-9A-Za-z]{24,99}", Chars::Word),
    tok(DataType::StripeKey, "rk_live_", r"rk_live_[0-9A-Za-z]{24,99}", Chars::Word),
    tok(DataType::SendgridKey, "SG.", r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}", Chars::Word),
    tok(DataType::OpenaiKey, "sk-", r"sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{80,}", Chars::Word),
    tok(DataType::NpmToken, "npm_", r"npm_[A-Za-z0-9]{36}", Chars::Alnum),
    tok(DataType::NpmToken, "/:_authToken=", r"/:_authToken=\s*([^\s$'{}]+)", Chars::Any),
    tok(DataType::PypiToken, "pypi-AgEIcHlwaS5vcmc", r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{70,}", Chars::Word),
    tok(DataType::PypiToken, "pypi-AgENdGVzdC5weXBpLm9yZw", r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9_-]{70,}", Chars::Word),
    tok(DataType::SquareToken, "sq0csp-", r"sq0csp-[0-9A-Za-z\\_-]{43}", Chars::Word),
    tok(DataType::SquareToken, "sq0atp-", r"sq0atp-[0-9A-Za-z_-]{22}", Chars::Word),
    tok(DataType::PrivateKey, "-----BEGIN ", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?s:.*?-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*)", Chars::Any),
    tok(DataType::Jwt, "eyJ", r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]+)?", Chars::Word),
    Token { ty: DataType::MailchimpKey, anchor: "-us", back: 32, back_chars: lower_hex, format: r"[0-9a-f]{32}-us[0-9]{1,2}", chars: Chars::Alnum, max_len: 0 },
    Token { ty: DataType::TelegramBotToken, anchor: ":AA", back: 10, back_chars: digit, format: r"[0-9]{8,10}:AA[0-9A-Za-z_-]{33}", chars: Chars::Word, max_len: 0 },
    Token { ty: DataType::BasicAuthUrl, anchor: "://", back: 16, back_chars: scheme_char, format: r#"[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'"<>]+:([^\s/@'"<>]+)@[A-Za-z0-9][A-Za-z0-9.-]*"#, chars: Chars::Any, max_len: 0 },
];

fn scheme_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'.' | b'-')
}

/// A compiled [`Token`].
pub(super) struct Compiled {
    pub re: Regex,
}

/// Finds every occurrence of every [`TOKENS`] anchor, as an overlapping Aho-Corasick search
/// would, but without per-value setup: two 256-entry tables give the anchors whose first two
/// bytes match at a position (one bit per anchor), and only those are compared in full. Clean
/// JSON rarely passes the pair test (`ht` of `https`, `:/` of `://`), so the cost is a few
/// instructions per byte.
///
/// PERF: the tables also carry each byte's class ([`bytes`]): `second` in its top byte, where
/// every `first` entry has all bits set, so the pair test itself yields the class of the byte it
/// reads, and the scanner's one pass over a long value finds the anchors and the byte classes
/// with the same two loads per byte.
#[derive(Debug)]
pub(super) struct Anchors {
    first: [u64; 256],
    second: [u64; 256],
}

/// Where a byte's class sits in [`Anchors`]' tables; the anchors take the bits below.
const CLASS_SHIFT: u32 = 56;
const ANCHOR_BITS: u64 = (1 << CLASS_SHIFT) - 1;

impl Anchors {
    pub fn new() -> Result<Anchors, String> {
        if TOKENS.len() > CLASS_SHIFT as usize {
            return Err(format!("{} token anchors, at most {CLASS_SHIFT}", TOKENS.len()));
        }
        let mut a = Anchors { first: [!ANCHOR_BITS; 256], second: [0; 256] };
        for (c, s) in a.second.iter_mut().enumerate() {
            *s = u64::from(bytes::of(c as u8)) << CLASS_SHIFT;
        }
        for (k, t) in TOKENS.iter().enumerate() {
            let b = t.anchor.as_bytes();
            // Match order (by end) relies on no anchor ending another.
            let suffix = TOKENS.iter().any(|o| o.anchor != t.anchor && o.anchor.ends_with(t.anchor));
            if b.len() < 2 || suffix {
                return Err(format!("token anchor {:?}: shorter than 2 bytes or a suffix of another", t.anchor));
            }
            a.first[usize::from(b[0])] |= 1 << k;
            a.second[usize::from(b[1])] |= 1 << k;
        }
        Ok(a)
    }

    /// Appends `(end, token index, start)` for each anchor occurrence in `v`, ordered by end;
    /// returns the union of the byte classes of `v` (as [`bytes::union`]).
    pub fn find(&self, v: &[u8], hits: &mut Vec<(usize, usize, usize)>) -> u8 {
        let from = hits.len();
        // Before the value: no anchor has begun, every class may follow.
        let mut prev = !ANCHOR_BITS;
        let mut seen = 0u64;
        // PERF: eight bytes per turn with one test for a pair match among them; the rare chunk
        // that has one is read again byte by byte.
        let mut chunks = v.chunks_exact(8);
        let mut base = 0;
        for chunk in &mut chunks {
            let mut m = 0u64;
            for &c in chunk {
                m |= prev & self.second[usize::from(c)];
                prev = self.first[usize::from(c)];
            }
            seen |= m;
            if m & ANCHOR_BITS != 0 {
                self.confirm_from(v, base, base + 8, hits);
            }
            base += 8;
        }
        for (k, &c) in chunks.remainder().iter().enumerate() {
            let m = prev & self.second[usize::from(c)];
            prev = self.first[usize::from(c)];
            seen |= m;
            if m & ANCHOR_BITS != 0 {
                self.confirm(v, base + k - 1, m & ANCHOR_BITS, hits);
            }
        }
        if hits.len() > from + 1 {
            hits[from..].sort_by_key(|h| h.0);
        }
        (seen >> CLASS_SHIFT) as u8
    }

    /// Confirms the anchors whose second byte is in `v[from..to]`.
    #[cold]
    fn confirm_from(&self, v: &[u8], from: usize, to: usize, hits: &mut Vec<(usize, usize, usize)>) {
        for i in from.max(1)..to {
            let m = self.first[usize::from(v[i - 1])] & self.second[usize::from(v[i])] & ANCHOR_BITS;
            if m != 0 {
                self.confirm(v, i - 1, m, hits);
            }
        }
    }

    #[cold]
    fn confirm(&self, v: &[u8], at: usize, mut m: u64, hits: &mut Vec<(usize, usize, usize)>) {
        let rest = &v[at..];
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            m &= m - 1;
            if let Some(t) = TOKENS.get(k) {
                if rest.starts_with(t.anchor.as_bytes()) {
                    hits.push((at + t.anchor.len(), k, at));
                }
            }
        }
    }
}

pub(super) fn compile() -> Result<Vec<Compiled>, String> {
    TOKENS
        .iter()
        .map(|t| {
            Regex::new(&format!("^(?:{})", t.format))
                .map(|re| Compiled { re })
                .map_err(|e| format!("token format for {}: {e}", t.ty.as_str()))
        })
        .collect()
}

/// Verifies the token whose anchor was found at `at`.
pub(super) fn verify(t: &Token, c: &Compiled, v: &[u8], at: usize, out: &mut Vec<Candidate>) {
    // PERF: every URL has a `://`; the format needs `user:` right after it, so a URL whose
    // host is followed by anything but `:` is not worth a regex search.
    if t.ty == DataType::BasicAuthUrl && !userinfo_after(v, at + t.anchor.len()) {
        return;
    }
    let mut start = at;
    while start > 0 && at - start < t.back && (t.back_chars)(v[start - 1]) {
        start -= 1;
    }
    if start > 0 && (t.chars.has(v[start - 1]) || (t.back > 0 && (t.back_chars)(v[start - 1]))) {
        return;
    }
    let Some(caps) = c.re.captures(&v[start..]) else { return };
    let Some(whole) = caps.get(0) else { return };
    let end = start + whole.end();
    if (end < v.len() && t.chars.has(v[end])) || (t.max_len > 0 && end - start > t.max_len) {
        return;
    }
    let span = caps.get(1).map_or(start..end, |g| start + g.start()..start + g.end());
    if t.ty == DataType::Jwt && !jwt(&v[span.clone()]) {
        return;
    }
    if t.ty == DataType::NpmToken && t.anchor.starts_with('/') && !npmrc_host(v, at) {
        return;
    }
    if t.ty == DataType::BasicAuthUrl && std::str::from_utf8(&v[span.clone()]).map_or(true, placeholder) {
        return;
    }
    out.push(Candidate { ty: t.ty, span, need: Ctx::NONE });
}

/// Whether `v[from..]` starts with the `user:` of a URL's userinfo, as the BasicAuthUrl
/// format (`://[^\s:/@'"<>]+:`) requires: the first byte that may not appear in a user name
/// is the `:`, after at least one byte.
fn userinfo_after(v: &[u8], from: usize) -> bool {
    let rest = v.get(from..).unwrap_or_default();
    match rest.iter().position(|&c| c.is_ascii_whitespace() || matches!(c, b':' | b'/' | b'@' | b'\'' | b'"' | b'<' | b'>')) {
        Some(n) => n > 0 && rest[n] == b':',
        None => false,
    }
}

/// A JWT's header and payload decode (base64url) to JSON objects, the header naming `alg` or `typ`.
fn jwt(tok: &[u8]) -> bool {
    let mut parts = tok.split(|&c| c == b'.');
    let obj = |p: Option<&[u8]>| -> Option<serde_json::Map<String, serde_json::Value>> {
        let bytes = crate::normalize::base64url_decode(p?)?;
        match serde_json::from_slice(&bytes).ok()? {
            serde_json::Value::Object(m) => Some(m),
            _ => None,
        }
    };
    match (obj(parts.next()), obj(parts.next())) {
        (Some(h), Some(_)) => h.contains_key("alg") || h.contains_key("typ"),
        _ => false,
    }
}

/// `.npmrc` lines name a registry: `//host/:_authToken=` with a non-empty host.
fn npmrc_host(v: &[u8], at: usize) -> bool {
    let before = &v[..at];
    match before.windows(2).rposition(|w| w == b"//") {
        Some(i) => {
            let host = &before[i + 2..];
            !host.is_empty() && !host.contains(&b'/') && !host.iter().any(u8::is_ascii_whitespace)
        }
        None => false,
    }
}

/// Values that stand for a secret without being one.
fn placeholder(v: &str) -> bool {
    let l = v.to_ascii_lowercase();
    v.contains("${")
        || v.contains("{{")
        || v.starts_with('<')
        || v.starts_with('$')
        || v.starts_with('%')
        || v.bytes().all(|c| c == b'*' || c == b'x' || c == b'X' || c == b'.' || c == b'#')
        || ["insert", "your_", "your-", "changeme", "redacted", "placeholder", "example.com", "none", "null", "undefined", "todo", "secret_here", "_here"]
            .iter()
            .any(|p| l.contains(p))
}

/// A value that looks machine-generated: long enough, no spaces, varied characters.
pub(super) fn looks_random(v: &str) -> bool {
    let b = v.as_bytes();
    let classes = [b.iter().any(u8::is_ascii_lowercase), b.iter().any(u8::is_ascii_uppercase), b.iter().any(u8::is_ascii_digit)]
        .iter()
        .filter(|&&x| x)
        .count();
    (16..=4096).contains(&b.len())
        && !b.iter().any(|c| c.is_ascii_whitespace())
        && !v.contains("://")
        && classes >= 2
        && validate::entropy(b) >= 3.0
        && !placeholder(v)
}

/// Secrets told by their key: passwords (any real value), AWS secret keys (40 base64
/// characters under an `aws` key), and high-entropy values under secret-like keys.
pub(super) fn by_key(ctx: Ctx, v: &str, base: usize, out: &mut Vec<Candidate>) {
    let t = v.trim_matches(|c: char| c == '"' || c == '\'' || c.is_whitespace());
    let off = base + v.find(t).unwrap_or(0);
    let span = off..off + t.len();
    let b = t.as_bytes();
    // The key's own word as its value (`"password": "password"`) is a schema example.
    if matches!(t.to_ascii_lowercase().as_str(), "password" | "passwd" | "secret" | "token" | "apikey" | "api_key" | "string") {
        return;
    }
    if ctx.has(Ctx::AWS) && b.len() == 40 && b.iter().all(|&c| Chars::Base64.has(c) && c != b'=') && looks_random(t) {
        out.push(Candidate { ty: DataType::AwsSecretKey, span, need: Ctx::NONE });
    } else if ctx.has(Ctx::PASSWORD) && (4..=256).contains(&b.len()) && !placeholder(t) && !t.contains(' ') {
        out.push(Candidate { ty: DataType::Password, span, need: Ctx::NONE });
    } else if ctx.has(Ctx::SECRET) && looks_random(t) {
        out.push(Candidate { ty: DataType::GenericSecret, span, need: Ctx::NONE });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors_in(v: &[u8]) -> Vec<(usize, &'static str)> {
        let a = Anchors::new().unwrap();
        let mut hits = Vec::new();
        a.find(v, &mut hits);
        hits.iter().map(|&(_, k, start)| (start, TOKENS[k].anchor)).collect()
    }

    #[test]
    fn anchors_are_found_at_every_offset() {
        // Every position relative to the eight-byte chunks, including a pair split across two.
        for pad in 0..17 {
            let v = format!("{}AKIA ghp_", ".".repeat(pad));
            assert_eq!(anchors_in(v.as_bytes()), vec![(pad, "AKIA"), (pad + 5, "ghp_")], "{v}");
        }
        assert!(anchors_in(b"nothing to see here at all").is_empty());
    }

    #[test]
    fn find_returns_the_byte_classes() {
        let a = Anchors::new().unwrap();
        for v in [&b"plain words only"[..], b"a@b.c:1=2_X", b"", b"\xff\xfe"] {
            assert_eq!(a.find(v, &mut Vec::new()), bytes::union(v), "{v:?}");
        }
    }
}
