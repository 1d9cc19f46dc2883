//! Multipart policy: part headers written to make two parsers read one form differently.
//!
//! Browsers and HTTP libraries write form parts one way: `Content-Disposition: form-data;
//! name="..."` (plus `filename` and `Content-Type` for files). Evasions bend that so the
//! inspecting parser and the application's parser disagree on a field's name, its file name or
//! its content: control characters or spaces in a part header name (`Content-\x0eDisposition`),
//! a second `Content-Disposition` in one part (which one wins?), quoting tricks in a field name
//! (`name="a\"b"`, `name="x;y"`), a `Content-Transfer-Encoding` of `base64` or
//! `quoted-printable` (RFC 7578 dropped it; the payload is encoded where inspection reads it raw),
//! and charsets that are not ASCII-compatible, per part or through the `_charset_` field. These
//! are High, and so is a body that never has the boundary its `Content-Type` declares (the
//! inspection finds no part where a parser that reads the boundary differently finds them), and
//! a file name cut by `;` after an extension (`shell.asp;.jpg`: IIS and
//! parsers that stop at the parameter separator store an `.asp`, the upload filter saw a `.jpg`).
//! A `Content-Transfer-Encoding` of `7bit`/`8bit`/`binary` (some Java clients add it to every
//! part) and any other `;` or `=` inside a file name (browsers send them as typed) are only
//! reported Low/Medium.

use super::headers::{charset, is_token, Charset};
use super::{Family, Hit};
use crate::fields::disposition_params;
use crate::finding::Severity::{High, Low, Medium};

/// Most parts looked at in one body (as the field walk).
const MAX_PARTS: usize = 1024;

/// Checks a `multipart/*` body with the given `boundary`; pushes (hit, location, evidence).
pub(crate) fn check(boundary: &str, body: &[u8], out: &mut Vec<(Hit, String, String)>) {
    let text = String::from_utf8_lossy(body);
    let delim = format!("--{boundary}");
    // Clients open the body with the first delimiter; a body that never has it holds no part for
    // the inspection, while a parser that reads the boundary another way finds its parts.
    if text.len() >= delim.len() + 4 && !text.contains(delim.as_str()) {
        let hit = Hit::new(Family::Multipart, High, 0.7, 0, "multipart body without its declared boundary");
        out.push((hit, "body".to_string(), text.chars().take(64).collect()));
        return;
    }
    for chunk in text.split(delim.as_str()).skip(1).take(MAX_PARTS) {
        if chunk.starts_with("--") {
            break;
        }
        let chunk = chunk.strip_prefix("\r\n").or_else(|| chunk.strip_prefix('\n')).unwrap_or(chunk);
        // A part without a blank line has no headers: content that parsers skip, not a trick.
        let Some((p, w)) = chunk.find("\r\n\r\n").map(|p| (p, 4)).or_else(|| chunk.find("\n\n").map(|p| (p, 2))) else {
            continue;
        };
        let (head, content) = (&chunk[..p], &chunk[p + w..]);
        if let Some(hit) = part(head, content) {
            out.push(hit);
        }
    }
}

/// The strongest anomaly of one part: (hit, location, evidence).
fn part(head: &str, content: &str) -> Option<(Hit, String, String)> {
    let mut best: Option<(Hit, String)> = None;
    let mut keep = |hit: Option<Hit>, evidence: &str| {
        if let Some(h) = hit {
            if best.as_ref().is_none_or(|(b, _)| h.severity.weight() * h.confidence > b.severity.weight() * b.confidence) {
                best = Some((h, evidence.to_string()));
            }
        }
    };
    let mut dispositions = 0;
    let mut name = String::new();
    for line in head.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        if let Some(p) = line.find(|c: char| (c.is_control() && c != '\t') || c == '\u{7f}') {
            keep(Some(Hit::new(Family::Multipart, High, 0.8, p, "control character in a part header")), line);
            continue;
        }
        let Some((k, v)) = line.split_once(':') else {
            keep(Some(Hit::new(Family::Multipart, Medium, 0.6, 0, "part header line without a name")), line);
            continue;
        };
        if !is_token(k) {
            keep(Some(Hit::new(Family::Multipart, High, 0.8, 0, "invalid part header name")), line);
            continue;
        }
        if k.eq_ignore_ascii_case("content-disposition") {
            dispositions += 1;
            for p in disposition_params(v) {
                if p.key.eq_ignore_ascii_case("name") {
                    name = p.value.clone();
                    if p.odd_quoting || p.value.contains(['"', '\'', ';', '=', '\\']) {
                        keep(Some(Hit::new(Family::Multipart, High, 0.7, 0, "quoting characters in a form field name")), line);
                    }
                } else if p.key.eq_ignore_ascii_case("filename") && (p.odd_quoting || p.value.contains([';', '='])) {
                    let hit = if extension_cut(&p.value) {
                        Hit::new(Family::Multipart, High, 0.75, 0, "file name cut by ; after an extension")
                    } else {
                        Hit::new(Family::Multipart, Medium, 0.6, 0, "separator characters in a file name")
                    };
                    keep(Some(hit), line);
                }
            }
        } else if k.eq_ignore_ascii_case("content-transfer-encoding") {
            let v = v.trim();
            let hit = if ["7bit", "8bit", "binary"].iter().any(|e| e.eq_ignore_ascii_case(v)) {
                Hit::new(Family::Multipart, Low, 0.6, 0, "Content-Transfer-Encoding in a form part")
            } else {
                Hit::new(Family::Multipart, High, 0.75, 0, "encoded form part (Content-Transfer-Encoding)")
            };
            keep(Some(hit), line);
        } else if k.eq_ignore_ascii_case("content-type") {
            for (pk, pv) in super::headers::params(v) {
                if pk.eq_ignore_ascii_case("charset") {
                    keep(charset_hit(pv), line);
                }
            }
        }
    }
    if dispositions > 1 {
        keep(Some(Hit::new(Family::Multipart, High, 0.75, 0, "repeated Content-Disposition in a part")), head);
    }
    if name.eq_ignore_ascii_case("_charset_") {
        let value = content.trim_end_matches(['\r', '\n']).trim();
        keep(charset_hit(value), value);
    }
    let location = if name.is_empty() { "body".to_string() } else { format!("body:{name}") };
    best.map(|(hit, evidence)| (hit, location, evidence))
}

/// Whether a `;` in file name `v` follows an extension (`x.asp;.jpg`, `a.php;`): what a parser that
/// stops at the separator keeps is a different file type than the whole name says.
fn extension_cut(v: &str) -> bool {
    v.match_indices(';').any(|(i, _)| {
        let stem = &v[..i];
        let ext = stem.rsplit('.').next().unwrap_or("");
        // An extension starts with a letter: `v1.2; final` is a version, not a file type.
        stem.contains('.') && (1..=5).contains(&ext.len()) && ext.bytes().all(|c| c.is_ascii_alphanumeric())
            && ext.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
    })
}

fn charset_hit(name: &str) -> Option<Hit> {
    match charset(name) {
        Charset::Fine => None,
        Charset::Evasive => Some(Hit::new(Family::Multipart, High, 0.8, 0, "form part in a charset that is not ASCII-compatible")),
        Charset::Bogus => Some(Hit::new(Family::Multipart, High, 0.7, 0, "form part in a charset that does not exist")),
        Charset::Unknown => Some(Hit::new(Family::Multipart, Medium, 0.6, 0, "form part in an unknown charset")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::detector;
    use crate::facts::RequestHead;
    use crate::fields::body_fields;
    use crate::finding::Finding;
    use crate::verdict::{decide, Decision, Thresholds};

    fn findings(body: &str) -> Vec<Finding> {
        let ct = "multipart/form-data; boundary=XyZ";
        let head = RequestHead { method: "POST".into(), path: "/upload".into(), headers: vec![("content-type".into(), ct.into())], ..Default::default() };
        let mut names = String::new();
        let mut fields = Vec::new();
        body_fields(crate::fields::Part::Body, Some(ct), body.as_bytes(), &mut names, &mut fields);
        let mut out = Vec::new();
        detector().scan_body(&head, body.as_bytes(), &fields, &mut out);
        out.into_iter().filter(|f| f.kind == "attack.multipart").collect()
    }

    fn flagged(body: &str) -> bool {
        decide(&findings(body), &Thresholds::default(), 1.0, false).decision != Decision::Allow
    }

    fn form(part_head: &str, content: &str) -> String {
        format!("--XyZ\r\n{part_head}\r\n\r\n{content}\r\n--XyZ--\r\n")
    }

    #[test]
    fn evasive_part_headers() {
        for (h, c) in [
            ("\x0eContent-Disposition: form-data; name=\"file\"", "x"),
            ("Content-Disposition\x0e: form-data; name=\"file\"", "x"),
            ("Content- Disposition: form-data; name=\"file\"", "x"),
            ("Content\x7f-Disposition: form-data; name=\"file\"", "x"),
            ("Content-Disposition: form-data; name=\"a\"\r\nContent-Disposition: form-data; name=\"b\"", "x"),
            ("Content-Disposition: form-data; name=\"cv.p\\d\\f\"; filename=\"cv.pdf\"", "x"),
            ("Content-Disposition: form-data; name=\"a;b\"", "x"),
            ("Content-Disposition: form-data; name=\"q\"\r\nContent-Transfer-Encoding: base64", "JyBPUiAxPTEtLQ=="),
            ("Content-Disposition: form-data; name=\"q\"\r\nContent-Type: text/plain; charset=utf-7", "+ADw-script+AD4-"),
            ("Content-Disposition: form-data; name=\"_charset_\"", "IBM037"),
            ("Content-Disposition: form-data; name=\"up\"; filename=\"shell.asp;.jpg\"", "x"),
            ("Content-Disposition: form-data; name=\"up\"; filename=\"report.PHP5;\"", "x"),
        ] {
            assert!(flagged(&form(h, c)), "{h:?}");
        }
    }

    #[test]
    fn body_without_its_boundary() {
        assert!(flagged("--Other\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n' OR 1=1--\r\n--Other--\r\n"));
        assert!(flagged("q=%27+OR+1%3D1--&x=1"));
        // A preamble before the first delimiter is allowed (RFC 2046), and so is an empty form.
        assert!(findings("This is a multi-part message.\r\n--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nb\r\n--XyZ--\r\n").is_empty());
        assert!(findings("--XyZ--\r\n").is_empty());
        assert!(findings("x").is_empty());
    }

    #[test]
    fn ordinary_forms() {
        for (h, c) in [
            ("Content-Disposition: form-data; name=\"avatar\"; filename=\"O'Brien photo.png\"\r\nContent-Type: image/png", "PNG"),
            ("Content-Disposition: form-data; name=\"doc\"; filename=\"C:\\Users\\me\\cv.pdf\"\r\nContent-Type: application/pdf", "%PDF"),
            ("Content-Disposition: form-data; name=\"bio\"\r\nContent-Type: text/plain; charset=UTF-8", "It's me; hi = hello"),
            ("Content-Disposition: form-data; name=\"_charset_\"", "utf-8"),
            ("content-disposition: form-data; name=\"user[address][city]\"", "Paris"),
            ("Content~Disposition: form-data; name=\"x\"", "y"),
        ] {
            assert!(findings(&form(h, c)).is_empty(), "{h:?}: {:?}", findings(&form(h, c)));
        }
        // Java clients in strict mode: reported, not flagged.
        let f = form("Content-Disposition: form-data; name=\"f\"\r\nContent-Transfer-Encoding: 8bit", "x");
        assert!(!findings(&f).is_empty() && !flagged(&f));
        for name in ["te;st.txt", "notes; draft 2.docx", "a=b.csv", "v1.2; final"] {
            let f = form(&format!("Content-Disposition: form-data; name=\"f\"; filename=\"{name}\""), "x");
            assert!(!findings(&f).is_empty() && !flagged(&f), "{name}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_parts(s in "(--XyZ|\r\n|\n|:|;|=|\"|\\\\|name|filename|Content-Disposition|Content-Transfer-Encoding|charset|_charset_|\\PC){0,60}") {
            let _ = findings(&s);
            let _ = crate::fields::disposition_params(&s);
        }
    }
}
