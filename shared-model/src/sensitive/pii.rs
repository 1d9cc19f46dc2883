//! Personal data found by shape: digit runs (cards, SSN/ITIN, routing numbers, Aadhaar, phones,
//! IPv4), IPv6 addresses, emails, and the key-context-only values (dates of birth, names, postal
//! addresses).
//!
//! Digits are found by one hand-written lexer, started by the word walk ([`super::words`]) at
//! each run's first digit: a *run* is digits joined by single separators (`space - . / : ( )`),
//! not glued to letters, so `2024-03-15T10:00Z` and `v1.2.3-beta` are dismissed at the first
//! letter and UUIDs never form a run. Each run is then classified by its
//! digit count and grouping, and checked by the published validator ([`super::validate`]).
//! Shapes that are ambiguous without context (nine bare digits) are emitted as weak candidates.

use super::bytes;
use super::context::Ctx;
use super::validate;
use super::{Candidate, DataType};
use std::net::{Ipv4Addr, Ipv6Addr};

const MAX_DIGITS: usize = 24;

/// A digit run: where it is, its digits, and its groups (length, separator that follows).
struct Run<'a> {
    text: &'a [u8],
    start: usize,
    end: usize,
    digits: [u8; MAX_DIGITS],
    n: usize,
    groups: [(u8, u8, usize); 12],
    ng: usize,
    plus: bool,
}

impl Run<'_> {
    fn digits(&self) -> &[u8] {
        &self.digits[..self.n]
    }

    fn lens(&self) -> impl Iterator<Item = usize> + '_ {
        self.groups[..self.ng].iter().map(|g| usize::from(g.0))
    }

    /// The group lengths (first `ng` entries), without allocating.
    fn len_array(&self) -> [usize; 12] {
        let mut a = [0; 12];
        for (x, g) in a.iter_mut().zip(&self.groups[..self.ng]) {
            *x = usize::from(g.0);
        }
        a
    }

    /// Separators between groups (`0` after the last group).
    fn seps(&self) -> impl Iterator<Item = u8> + '_ {
        self.groups[..self.ng.saturating_sub(1)].iter().map(|g| g.1)
    }

    fn grouped(&self, want: &[usize]) -> bool {
        self.ng == want.len() && self.lens().eq(want.iter().copied())
    }

    /// All separators are the same byte, one of `allowed`.
    fn one_sep(&self, allowed: &[u8]) -> bool {
        let mut s = self.seps();
        match s.next() {
            None => true,
            Some(first) => allowed.contains(&first) && s.all(|c| c == first),
        }
    }

    fn bare(&self) -> bool {
        self.ng == 1 && !self.plus
    }
}

/// Where the next digit group would start after `j`: past one separator, or two when one of them
/// is a parenthesis (`(415) 555`, `+44 (20)`); `j` itself when there is none.
fn after_separators(v: &[u8], j: usize) -> usize {
    let mut k = j;
    if k < v.len() && is_sep(v[k]) {
        k += 1;
        if k < v.len() && is_sep(v[k]) && (v[k - 1] == b')' || v[k] == b'(') {
            k += 1;
        }
    }
    k
}

fn is_sep(c: u8) -> bool {
    matches!(c, b' ' | b'-' | b'.' | b'/' | b':' | b'(' | b')')
}

/// Whether the digit at `s` continues a run that starts before it: a digit group ends just
/// before the separators in front of it ([`after_separators`] would step from there to `s`).
/// The lexer reads such a run from its first digit, so `s` starts nothing.
pub(super) fn continues_run(v: &[u8], s: usize) -> bool {
    // NUL has no class, so it stands in for "before the value".
    let before = |back: usize| s.checked_sub(back).and_then(|k| v.get(k)).copied().unwrap_or(0);
    let (b1, b2) = (before(1), before(2));
    bytes::is(b1, bytes::SEP)
        && (bytes::is(b2, bytes::DIGIT) || (bytes::is(b2, bytes::SEP) && (b2 == b')' || b1 == b'(') && bytes::is(before(3), bytes::DIGIT)))
}

/// Reads the digit run whose first digit is at `i` (one that [`continues_run`] says starts
/// here) and classifies it, unless it is glued to letters.
pub(super) fn run_at(v: &[u8], i: usize, out: &mut Vec<Candidate>) {
    let mut start = i;
    let mut plus = false;
    if start > 0 && v[start - 1] == b'(' {
        start -= 1;
    }
    if start > 0 && v[start - 1] == b'+' {
        start -= 1;
        plus = true;
    }
    let glued = start > 0 && bytes::is(v[start - 1], bytes::ALNUM | bytes::UNDERSCORE);
    if glued {
        return;
    }
    // PERF: most runs in API JSON (timestamps, UUIDs, versions, prices, ids inside words)
    // are glued to letters or too short to be anything; find that out without building them.
    // No shape [`classify`] knows has fewer than 4 digits; fewer than 9 only an IPv4 address
    // (4 groups or more, its own or in a part split off at a space) or a `+` phone (8).
    let (end, n, ng) = extent(v, i);
    let tail_glued = end < v.len() && bytes::is(v[end], bytes::ALNUM | bytes::UNDERSCORE);
    if tail_glued || n > MAX_DIGITS || ng > 12 || n < 4 || (ng < 4 && n < 8 + usize::from(!plus)) {
        return;
    }
    let mut run = Run { text: v, start, end: i, digits: [0; MAX_DIGITS], n: 0, groups: [(0, 0, 0); 12], ng: 0, plus };
    let mut j = i;
    loop {
        let g0 = j;
        while j < v.len() && v[j].is_ascii_digit() {
            if run.n < MAX_DIGITS {
                run.digits[run.n] = v[j];
                run.n += 1;
            }
            j += 1;
        }
        if run.ng < run.groups.len() {
            run.groups[run.ng] = ((j - g0).min(255) as u8, 0, g0);
            run.ng += 1;
        }
        run.end = j;
        let k = after_separators(v, j);
        if k > j && k < v.len() && v[k].is_ascii_digit() {
            if let Some(g) = run.groups[..run.ng].last_mut() {
                g.1 = v[j];
            }
            j = k;
        } else {
            break;
        }
    }
    if !classify(&run, out) && run.seps().any(|c| c == b' ') {
        // `911-701234 91170-1234`: two numbers a space apart read as one run; retry each.
        let mut from = 0;
        for g in 0..run.ng {
            if g + 1 == run.ng || run.groups[g].1 == b' ' {
                if from > 0 || g + 1 < run.ng {
                    classify(&run.sub(from, g + 1), out);
                }
                from = g + 1;
            }
        }
    }
}

/// Where the run whose first digit is at `i` ends, with its digit and group counts: the same
/// walk as [`run_at`] without recording.
fn extent(v: &[u8], i: usize) -> (usize, usize, usize) {
    let (mut j, mut n, mut ng) = (i, 0, 0);
    loop {
        let g0 = j;
        while j < v.len() && v[j].is_ascii_digit() {
            j += 1;
        }
        n += j - g0;
        ng += 1;
        let end = j;
        let k = after_separators(v, j);
        if k > j && k < v.len() && v[k].is_ascii_digit() {
            j = k;
        } else {
            return (end, n, ng);
        }
    }
}

impl<'a> Run<'a> {
    /// Groups `from..to` as a run of their own.
    fn sub(&self, from: usize, to: usize) -> Run<'a> {
        let mut r = Run { text: self.text, start: self.groups[from].2, end: 0, digits: [0; MAX_DIGITS], n: 0, groups: [(0, 0, 0); 12], ng: 0, plus: false };
        if from == 0 {
            r.start = self.start;
            r.plus = self.plus;
        }
        for (k, g) in self.groups[from..to].iter().enumerate() {
            let len = usize::from(g.0);
            r.groups[k] = (g.0, if k + 1 == to - from { 0 } else { g.1 }, g.2);
            for &c in &self.text[g.2..g.2 + len] {
                if r.n < MAX_DIGITS {
                    r.digits[r.n] = c;
                    r.n += 1;
                }
            }
            r.end = g.2 + len;
        }
        r.ng = to - from;
        r
    }
}

fn push(out: &mut Vec<Candidate>, ty: DataType, start: usize, end: usize, need: Ctx) {
    out.push(Candidate { ty, span: start..end, need });
}

/// Proposes the types a run can be; returns whether it proposed any.
fn classify(r: &Run<'_>, out: &mut Vec<Candidate>) -> bool {
    let before = out.len();
    let d = r.digits();
    let (s, e) = (r.start, r.end);
    ipv4(r, out);
    if r.plus {
        if (8..=15).contains(&d.len()) && d[0] != b'0' && r.one_sep_or_paren() {
            push(out, DataType::Phone, s, e, Ctx::NONE);
        }
        return out.len() > before;
    }
    if r.text[s] == b'(' {
        // Only a phone starts with a parenthesis: `(415) 555-0132`.
        if nanp(&d[d.len().saturating_sub(10)..]) && d.len() == 10 && r.grouped(&[3, 3, 4]) {
            push(out, DataType::Phone, s, e, Ctx::NONE);
        }
        return out.len() > before;
    }
    if (12..=19).contains(&d.len()) && validate::card(d) && (r.bare() || card_groups(r)) {
        push(out, DataType::CreditCard, s, e, Ctx::NONE);
        return true;
    }
    if d.len() == 9 {
        let formatted = r.grouped(&[3, 2, 4]) && r.one_sep(b"- ");
        if validate::ssn(d) && (formatted || r.bare()) {
            push(out, DataType::Ssn, s, e, if formatted { Ctx::NONE } else { Ctx::SSN });
        }
        if validate::itin(d) {
            push(out, DataType::Itin, s, e, if formatted { Ctx::NONE } else { Ctx::TAX });
        }
        if validate::aba(d) {
            push(out, DataType::AbaRouting, s, e, Ctx::ROUTING);
        }
    }
    if d.len() == 12 && validate::aadhaar(d) {
        let formatted = r.grouped(&[4, 4, 4]) && r.one_sep(b" -:");
        if formatted || r.bare() {
            push(out, DataType::InAadhaar, s, e, if formatted { Ctx::NONE } else { Ctx::AADHAAR });
        }
    }
    phone(r, out);
    out.len() > before
}

impl Run<'_> {
    fn one_sep_or_paren(&self) -> bool {
        self.seps().all(|c| matches!(c, b' ' | b'-' | b'.' | b'(' | b')'))
    }
}

/// Card groupings: fours with a shorter tail (`4111 1111 1111 1111`, 19-digit `4-4-4-4-3`),
/// Amex `4-6-5`, Diners `4-6-4`; one separator, space or dash.
fn card_groups(r: &Run<'_>) -> bool {
    if !r.one_sep(b" -") {
        return false;
    }
    let all = r.len_array();
    let lens = &all[..r.ng];
    let fours = lens.split_last().map_or(false, |(last, rest)| rest.iter().all(|&l| l == 4) && (1..=4).contains(last));
    fours || lens == [4, 6, 5] || lens == [4, 6, 4]
}

/// NANP: area code and exchange both start with 2-9.
fn nanp(d: &[u8]) -> bool {
    d.len() == 10 && d[0] >= b'2' && d[3] >= b'2'
}

/// National phone formats without a `+`: NANP `415-555-0132` / `1-800-555-0199` / `91-415-555-0132`,
/// and trunk-prefixed numbers `090-1234-5678`, `0 532 123 45 67` (leading 0, 10-12 digits, short
/// groups). Bare digit strings need phone context.
fn phone(r: &Run<'_>, out: &mut Vec<Candidate>) {
    let d = r.digits();
    let all = r.len_array();
    let lens = &all[..r.ng];
    let seps_ok = r.seps().all(|c| matches!(c, b' ' | b'-' | b'.'));
    if r.bare() {
        if (10..=15).contains(&d.len()) {
            push(out, DataType::Phone, r.start, r.end, Ctx::PHONE);
        }
        return;
    }
    if !seps_ok || !r.one_sep(b" -.") {
        return;
    }
    let n = lens.len();
    let nanp_tail = n >= 3 && lens[n - 3..] == [3, 3, 4] && nanp(&d[d.len() - 10..]);
    let nanp_ok = nanp_tail && (n == 3 || (n == 4 && lens[0] <= 3 && r.one_sep(b" -")));
    let trunk = d[0] == b'0' && (10..=12).contains(&d.len()) && n >= 3 && lens.iter().all(|&l| (1..=4).contains(&l)) && r.one_sep(b" -");
    if nanp_ok || trunk {
        push(out, DataType::Phone, r.start, r.end, Ctx::NONE);
    }
}

/// IPv4 dotted quads (no leading zeros), with an optional `/prefix` or `:port`.
fn ipv4(r: &Run<'_>, out: &mut Vec<Candidate>) {
    if r.plus || r.text[r.start] == b'(' || r.ng < 4 || r.ng > 5 {
        return;
    }
    let sep = |g: usize| r.groups.get(g).map_or(0, |g| g.1);
    if (0..3).any(|g| sep(g) != b'.') {
        return;
    }
    let text = &r.text[r.start..r.end];
    let mut parts = text.splitn(5, |&c| c == b'.' || c == b'/' || c == b':');
    let mut octets = [0u8; 4];
    for o in &mut octets {
        let p = parts.next().unwrap_or(b"");
        if p.is_empty() || p.len() > 3 || (p.len() > 1 && p[0] == b'0') {
            return;
        }
        match std::str::from_utf8(p).ok().and_then(|s| s.parse::<u8>().ok()) {
            Some(v) => *o = v,
            None => return,
        }
    }
    if r.start > 0 && r.text[r.start - 1] == b'.' {
        return;
    }
    // `Chrome/120.0.0.0`: a product version (a name, `/`, the version), as in a User-Agent.
    if r.start > 1 && r.text[r.start - 1] == b'/' && r.text[r.start - 2].is_ascii_alphabetic() {
        return;
    }
    let mut end = r.end;
    if r.ng == 5 {
        let suffix = parts.next().unwrap_or(b"");
        let ok = match sep(3) {
            b'/' => std::str::from_utf8(suffix).ok().and_then(|s| s.parse::<u8>().ok()).map_or(false, |p| p <= 32),
            b':' => suffix.len() <= 5,
            _ => false,
        };
        if !ok {
            if sep(3) == b'.' {
                return; // five dotted numbers: a version or an OID, not an address
            }
            end = r.end - suffix.len() - 1;
        }
    }
    let ty = if ipv4_public(Ipv4Addr::from(octets)) { DataType::IpAddress } else { DataType::InternalIp };
    push(out, ty, r.start, end, Ctx::NONE);
}

fn ipv4_public(a: Ipv4Addr) -> bool {
    let o = a.octets();
    !(a.is_private()
        || a.is_loopback()
        || a.is_link_local()
        || a.is_broadcast()
        || a.is_documentation()
        || a.is_unspecified()
        || a.is_multicast()
        || o[0] == 0
        || o[0] >= 240
        || (o[0] == 100 && (64..128).contains(&o[1])))
}

fn ipv6_public(a: Ipv6Addr) -> bool {
    if let Some(v4) = a.to_ipv4_mapped() {
        return ipv4_public(v4);
    }
    let s = a.segments();
    !(a.is_loopback()
        || a.is_unspecified()
        || a.is_multicast()
        || (s[0] & 0xffc0) == 0xfe80
        || (s[0] & 0xfe00) == 0xfc00
        || (s[0] == 0x2001 && s[1] == 0x0db8)
        || (s[0] == 0 && s[1] == 0 && s[2] == 0 && s[3] == 0 && s[4] == 0))
}

/// IPv6 addresses: a maximal run of hex digits, colons and dots holding at least two colons,
/// not glued to other letters, parsed by the standard library (zone ids and `/prefix` kept in
/// the span).
///
/// PERF: runs are found from their colons, so hex-looking words (`2024`, `face`) cost nothing.
pub(super) fn ipv6(v: &[u8], out: &mut Vec<Candidate>) {
    let v6 = |c: u8| c.is_ascii_hexdigit() || c == b':' || c == b'.';
    let mut i = 0;
    while let Some(p) = v.get(i..).and_then(|rest| rest.iter().position(|&c| c == b':')) {
        let colon = i + p;
        let mut start = colon;
        while start > i && v6(v[start - 1]) {
            start -= 1;
        }
        // A run starts at a hex digit or colon, never at a dot.
        while v[start] == b'.' {
            start += 1;
        }
        let mut j = colon;
        while j < v.len() && v6(v[j]) {
            j += 1;
        }
        i = j;
        let mut end = j;
        while end > start && v[end - 1] == b'.' {
            end -= 1;
        }
        let colons = v[start..end].iter().filter(|&&c| c == b':').count();
        let glued_before = start > 0 && (v[start - 1].is_ascii_alphanumeric() || v[start - 1] == b'_');
        // `a::b` parses, but prose and code (`Foo::bar`) are not addresses: ask for a digit.
        let digit = v[start..end].iter().any(u8::is_ascii_digit) || &v[start..end] == b"::";
        if colons < 2 || glued_before || !digit {
            continue;
        }
        let mut span_end = end;
        if end < v.len() && v[end] == b'%' {
            let z = v[end + 1..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
            span_end = end + 1 + z;
        } else if end < v.len() && v[end] == b'/' {
            let p = v[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
            let ok = std::str::from_utf8(&v[end + 1..end + 1 + p]).ok().and_then(|s| s.parse::<u8>().ok()).map_or(false, |p| p <= 128);
            if ok {
                span_end = end + 1 + p;
            }
        } else if end < v.len() && (v[end].is_ascii_alphanumeric() || v[end] == b'_') {
            continue;
        }
        let Some(addr) = std::str::from_utf8(&v[start..end]).ok().and_then(|s| s.parse::<Ipv6Addr>().ok()) else { continue };
        let ty = if ipv6_public(addr) { DataType::IpAddress } else { DataType::InternalIp };
        push(out, ty, start, span_end, Ctx::NONE);
    }
}

fn local_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'%' | b'+' | b'-' | b'\'')
}

/// An email around the `@` at `at`: RFC 5321 dot-atom local part (at most 64 bytes) and a
/// domain of at least two labels whose last is alphabetic (or an IDN `xn--` label).
pub(super) fn email(v: &[u8], at: usize, out: &mut Vec<Candidate>) {
    let mut s = at;
    while s > 0 && at - s < 64 && local_char(v[s - 1]) {
        s -= 1;
    }
    while s < at && matches!(v[s], b'.' | b'\'') {
        s += 1;
    }
    if s == at || v[at - 1] == b'.' {
        return;
    }
    let mut e = at + 1;
    while e < v.len() && (v[e].is_ascii_alphanumeric() || v[e] == b'-' || v[e] == b'.') {
        e += 1;
    }
    while e > at + 1 && matches!(v[e - 1], b'.' | b'-') {
        e -= 1;
    }
    let domain = &v[at + 1..e];
    let labels: Vec<&[u8]> = domain.split(|&c| c == b'.').collect();
    let Some(tld) = labels.last() else { return };
    let tld_ok = (tld.len() >= 2 && tld.iter().all(u8::is_ascii_alphabetic)) || (tld.starts_with(b"xn--") && tld.len() > 4);
    let labels_ok = labels.iter().all(|l| !l.is_empty() && l.len() <= 63 && l[0] != b'-' && l[l.len() - 1] != b'-');
    if labels.len() >= 2 && tld_ok && labels_ok {
        push(out, DataType::Email, s, e, Ctx::NONE);
    }
}

/// A date at the start of `v` (`1990-05-12`, `12/05/1990`, `12.05.1990`, `1990/05/12`, with any
/// time after it): the span of the date, if it is a real calendar date.
pub(super) fn leading_date(v: &str) -> Option<usize> {
    let b = v.as_bytes();
    let head: Vec<&str> = v.get(..10.min(v.len()))?.split(['-', '/', '.']).collect();
    if head.len() != 3 {
        return None;
    }
    let n = |s: &str| if !s.is_empty() && s.len() <= 4 && s.bytes().all(|c| c.is_ascii_digit()) { s.parse::<u32>().ok() } else { None };
    let (a, m, c) = (n(head[0])?, n(head[1])?, n(head[2])?);
    let ok = if head[0].len() == 4 {
        validate::date(a, m, c)
    } else {
        head[2].len() == 4 && (validate::date(c, m, a) || validate::date(c, a, m))
    };
    let len = head.iter().map(|s| s.len()).sum::<usize>() + 2;
    (ok && (len == b.len() || !b[len].is_ascii_digit())).then_some(len)
}

/// A person's name: 1-6 words of letters (any script), apostrophes, hyphens and dots.
pub(super) fn looks_like_name(v: &str) -> bool {
    let words = v.split_whitespace().count();
    (1..=6).contains(&words)
        && (2..=80).contains(&v.len())
        && v.chars().any(char::is_alphabetic)
        && v.chars().all(|c| c.is_alphabetic() || matches!(c, ' ' | '\'' | '-' | '.' | ','))
}

/// A postal address line: letters, and a digit or at least two words.
pub(super) fn looks_like_address(v: &str) -> bool {
    (5..=200).contains(&v.len())
        && v.chars().any(char::is_alphabetic)
        && (v.chars().any(|c| c.is_ascii_digit()) || v.split_whitespace().count() >= 2)
        && !v.contains("://")
        && !v.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_follows_the_lexer() {
        let starts = |v: &str| (0..v.len()).filter(|&i| v.as_bytes()[i].is_ascii_digit() && (i == 0 || !v.as_bytes()[i - 1].is_ascii_alphanumeric())).filter(|&i| !continues_run(v.as_bytes(), i)).collect::<Vec<_>>();
        assert_eq!(starts("415-555-0132"), vec![0]);
        assert_eq!(starts("(415) 555-0132"), vec![1]);
        assert_eq!(starts("+44 (20) 7123"), vec![1]);
        assert_eq!(starts("12 - 34"), vec![0, 5], "two separators without a parenthesis end a run");
        assert_eq!(starts("a1-2 x 3"), vec![7]);
    }
}
