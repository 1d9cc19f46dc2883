//! Alphanumeric identifiers: IBANs, national ids with published rules (UK NINO, Spanish
//! DNI/NIE, Italian codice fiscale, Indian PAN), passports (key context only) and the vendor
//! tokens that have no literal prefix long enough for the anchor pass (Twilio SIDs).
//!
//! One lexer walks *words* (maximal ASCII alphanumeric runs not glued to `_`); a word is
//! classified by its length and letter/digit layout, and grouped forms (`DE89 3704 0044 ...`,
//! `AB 12 34 56 C`, `12345678-Z`) are reassembled from the words that follow it.

use super::context::Ctx;
use super::validate;
use super::{Candidate, DataType};

fn word_at(v: &[u8], i: usize) -> usize {
    let mut j = i;
    while j < v.len() && v[j].is_ascii_alphanumeric() {
        j += 1;
    }
    j
}

/// Compact text (separators removed) of the words from `start` joined by single `seps`, up to
/// `max` characters; returns the compact bytes and the end of the span.
fn gather(v: &[u8], start: usize, seps: &[u8], max: usize, group_max: usize) -> (Vec<u8>, Vec<usize>) {
    let mut compact = Vec::new();
    let mut ends = Vec::new();
    let mut i = start;
    loop {
        let e = word_at(v, i);
        if e == i || (i > start && e - i > group_max) || compact.len() + (e - i) > max {
            break;
        }
        compact.extend_from_slice(&v[i..e]);
        ends.push(e);
        if e + 1 < v.len() && seps.contains(&v[e]) && v[e + 1].is_ascii_alphanumeric() {
            i = e + 1;
        } else {
            break;
        }
    }
    (compact, ends)
}

pub(super) fn words(v: &[u8], out: &mut Vec<Candidate>) {
    let mut i = 0;
    while i < v.len() {
        if !v[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let end = word_at(v, i);
        let glued = (i > 0 && v[i - 1] == b'_') || (end < v.len() && v[end] == b'_');
        if !glued {
            word(v, i, end, out);
        }
        i = end;
    }
}

fn push(out: &mut Vec<Candidate>, ty: DataType, start: usize, end: usize, need: Ctx) {
    out.push(Candidate { ty, span: start..end, need });
}

fn word(v: &[u8], s: usize, e: usize, out: &mut Vec<Candidate>) {
    let w = &v[s..e];
    // PERF: only these lengths, or an IBAN's `CC00` start, can be anything below.
    let iban_start = w.len() >= 4 && w[..2].iter().all(u8::is_ascii_uppercase) && w[2..4].iter().all(u8::is_ascii_digit);
    if !matches!(w.len(), 2 | 8 | 9 | 10 | 16 | 34) && !iban_start {
        return;
    }
    if w.len() == 34 && (w.starts_with(b"AC") || w.starts_with(b"SK")) && w[2..].iter().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()) {
        push(out, DataType::TwilioKey, s, e, Ctx::NONE);
        return;
    }
    let digits = w.iter().filter(|c| c.is_ascii_digit()).count();
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
                let mut joined = w.to_vec();
                joined.push(v[e + 1]);
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
    let (compact, ends) = if e - s == 4 { gather(v, s, b" -", len, 4) } else { (v[s..e].to_vec(), vec![e]) };
    if compact.len() == len && validate::iban(&compact) {
        if let Some(&end) = ends.last() {
            push(out, DataType::Iban, s, end, Ctx::NONE);
        }
    }
}

/// `AB 12 34 56 C`: a NINO written in the groups HMRC prints.
fn spaced_nino(v: &[u8], s: usize, out: &mut Vec<Candidate>) {
    let (compact, ends) = gather(v, s, b" ", 9, 2);
    if ends.len() == 5 && compact.len() == 9 && validate::uk_nino(&compact) {
        if let Some(&end) = ends.last() {
            push(out, DataType::UkNino, s, end, Ctx::NONE);
        }
    }
}
