//! Alphanumeric identifiers: IBANs, national ids with published rules (UK NINO, Spanish
//! DNI/NIE, Italian codice fiscale, Indian PAN), passports (key context only) and the vendor
//! tokens that have no literal prefix long enough for the anchor pass (Twilio SIDs).
//!
//! The word walk ([`super::words`]) hands over each *word* (maximal ASCII alphanumeric run, here
//! not glued to `_`); a word is classified by its length and letter/digit layout, and grouped
//! forms (`DE89 3704 0044 ...`, `AB 12 34 56 C`, `12345678-Z`) are reassembled, without
//! allocating, from the words that follow it.

use super::bytes;
use super::context::Ctx;
use super::validate;
use super::{Candidate, DataType};

fn word_at(v: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < v.len() && bytes::is(v[j], bytes::ALNUM) {
        j += 1;
    }
    j
}

/// The longest grouped form reassembled ([`gather`]): an IBAN.
const MAX_COMPACT: usize = 34;

/// Words joined by single separators, with the separators removed.
struct Compact {
    bytes: [u8; MAX_COMPACT],
    len: usize,
    /// How many words went in.
    groups: usize,
    /// Where the last word ends.
    end: usize,
}

impl Compact {
    fn as_slice(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

/// The words from `start` joined by single `seps`, each (after the first) at most `group_max`
/// long, while they fit in `max` characters.
fn gather(v: &[u8], start: usize, seps: &[u8], max: usize, group_max: usize) -> Compact {
    let mut c = Compact { bytes: [0; MAX_COMPACT], len: 0, groups: 0, end: start };
    let max = max.min(MAX_COMPACT);
    let mut i = start;
    loop {
        let e = word_at(v, i);
        if e == i || (i > start && e - i > group_max) || c.len + (e - i) > max {
            break;
        }
        c.bytes[c.len..c.len + (e - i)].copy_from_slice(&v[i..e]);
        c.len += e - i;
        c.groups += 1;
        c.end = e;
        if e + 1 < v.len() && seps.contains(&v[e]) && bytes::is(v[e + 1], bytes::ALNUM) {
            i = e + 1;
        } else {
            break;
        }
    }
    c
}

/// Word lengths an identifier can start with: a spaced NINO's prefix (2), an IBAN's first group
/// (4), DNI/NIE and passports (8, 9), PAN (10), IBANs written whole (15-34, codice fiscale 16,
/// Twilio SIDs 34).
const LENGTHS: u64 = 1 << 2 | 1 << 4 | 1 << 8 | 1 << 9 | 1 << 10 | (((1 << 35) - 1) & !((1 << 15) - 1));

/// Classifies the word `v[s..e]`, which the word walk found.
#[inline]
pub(super) fn word(v: &[u8], s: usize, e: usize, out: &mut Vec<Candidate>) {
    let len = e - s;
    // The short lengths are common words; theirs start with a capital (`AB 12 ..`, `DE89 ..`).
    if len < 64 && (LENGTHS >> len) & 1 != 0 && (len > 4 || bytes::is(v[s], bytes::UPPER)) {
        classify(v, s, e, out);
    }
}

fn push(out: &mut Vec<Candidate>, ty: DataType, start: usize, end: usize, need: Ctx) {
    out.push(Candidate { ty, span: start..end, need });
}

fn classify(v: &[u8], s: usize, e: usize, out: &mut Vec<Candidate>) {
    let w = &v[s..e];
    let iban_start = w.len() >= 4 && w[..2].iter().all(u8::is_ascii_uppercase) && w[2..4].iter().all(u8::is_ascii_digit);
    if !matches!(w.len(), 2 | 8 | 9 | 10 | 16 | 34) && !iban_start {
        return;
    }
    // Words glued by `_` are parts of a name (`cus_a1b2c3`), not identifiers.
    if (s > 0 && v[s - 1] == b'_') || (e < v.len() && v[e] == b'_') {
        return;
    }
    let digits = w.iter().filter(|&&c| bytes::is(c, bytes::DIGIT)).count();
    if w.len() == 34 && (w.starts_with(b"AC") || w.starts_with(b"SK")) && w[2..].iter().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) {
        push(out, DataType::TwilioKey, s, e, Ctx::NONE);
        return;
    }
    if digits == 0 {
        if w.len() == 2 && w.iter().all(u8::is_ascii_uppercase) {
            spaced_nino(v, s, out);
        }
        return;
    }
    if w.len() >= 4 && w[..2].iter().all(u8::is_ascii_uppercase) && w[2..4].iter().all(u8::is_ascii_digit) {
        iban(v, s, e, out);
    }
    match w.len() {
        8 | 9 => {
            if w.len() == 9 && validate::uk_nino(w) {
                push(out, DataType::UkNino, s, e, Ctx::NONE);
            }
            if w.len() == 9 && validate::es_dni(w) {
                push(out, DataType::EsDni, s, e, Ctx::NONE);
            }
            // `12345678-Z`, `Y8063915 Z`.
            if w.len() == 8 && e + 2 <= v.len() && matches!(v[e], b'-' | b' ') && v.get(e + 1).map_or(false, u8::is_ascii_alphabetic) && word_at(v, e + 1) == e + 2 {
                let mut joined = [0u8; 9];
                joined[..8].copy_from_slice(w);
                joined[8] = v[e + 1];
                if validate::es_dni(&joined) {
                    push(out, DataType::EsDni, s, e + 2, Ctx::NONE);
                }
            }
            if digits >= 5 && w.iter().all(|c| c.is_ascii_digit() || c.is_ascii_alphabetic()) {
                push(out, DataType::Passport, s, e, Ctx::PASSPORT);
            }
        }
        10 if validate::in_pan(w) => push(out, DataType::InPan, s, e, Ctx::PAN),
        16 => match validate::it_fiscal_code(w) {
            Some(true) => push(out, DataType::ItFiscalCode, s, e, Ctx::NONE),
            Some(false) => push(out, DataType::ItFiscalCode, s, e, Ctx::FISCAL),
            None => {}
        },
        _ => {}
    }
}

/// `DE89370400440532013000` or grouped by spaces or dashes in fours, cut at the country's length.
fn iban(v: &[u8], s: usize, e: usize, out: &mut Vec<Candidate>) {
    let Some(len) = validate::iban_length(&v[s..s + 2]) else { return };
    let (valid, end) = if e - s == 4 {
        let c = gather(v, s, b" -", len, 4);
        (c.len == len && validate::iban(c.as_slice()), c.end)
    } else {
        (e - s == len && validate::iban(&v[s..e]), e)
    };
    if valid {
        push(out, DataType::Iban, s, end, Ctx::NONE);
    }
}

/// `AB 12 34 56 C`: a NINO written in the groups HMRC prints.
fn spaced_nino(v: &[u8], s: usize, out: &mut Vec<Candidate>) {
    let c = gather(v, s, b" ", 9, 2);
    if c.groups == 5 && c.len == 9 && validate::uk_nino(c.as_slice()) {
        push(out, DataType::UkNino, s, c.end, Ctx::NONE);
    }
}
