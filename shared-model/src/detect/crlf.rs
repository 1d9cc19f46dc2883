//! CRLF / header injection and request-smuggling payloads inside values.
//!
//! A CR or LF that survives decoding in a header, cookie, path or query value ends up in a
//! response header or a log line; followed by `Name:` or a status/request line it splits the
//! response or smuggles a second request. In bodies, line breaks are ordinary text (a multi-line
//! comment), so there only the header-shaped and request-line-shaped continuations count, and a
//! blank line before markup does not (every HTML or Markdown document has one). In a JSON text a
//! header-shaped line after a bare line feed is Medium: JSON clients write line breaks as `\n`,
//! so that is a multi-line note (`Location: Room 5`) or a quoted HTTP message far more often
//! than a payload, and the header writers of current stacks (Node, PHP, Java, Go, .NET) refuse
//! a value with either byte; with a CR it stays Critical. A request line (`GET /x HTTP/1.1`)
//! inside a value is reported as `attack.smuggling`.
//!
//! E-mail header injection is judged by the field: a line break then `Bcc:`, `To:`, `Subject:`
//! (...) adds recipients or rewrites the message when the value lands in a mail header, so it is
//! an attack in a one-line field that goes there (an address, a subject, a name) or when it names
//! an address after a first line that is an address itself; in a ticket body that quotes an e-mail it is
//! Medium.

use super::gate::{gated, lit, skip_space};
use super::{is_head_part, is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::swar;
use crate::fields::{Field, Part, ValueType};

/// Gate for CR/LF in a body value: a header line (`Name:`), a status line or markup follows,
/// not the next paragraph of a comment.
fn header_follows(b: &[u8], _s: usize, e: usize) -> bool {
    let i = skip_space(b, e);
    let name = b[i.min(b.len())..].iter().take(41).take_while(|c| c.is_ascii_alphanumeric() || **c == b'-').count();
    let after = skip_space(b, i + name);
    (name > 0 && name <= 40 && b.get(after) == Some(&b':')) || b.get(i) == Some(&b'<')
}
use crate::finding::Severity::{High, Medium};

pub(crate) struct Crlf {
    /// A header or status line after a line break.
    headers: Rules,
    /// A blank line before markup: a response body, in a head value.
    markup: Rules,
    smuggled: Rules,
    /// A mail header after a line break: see [`Crlf::mail_header`].
    mail: Rules,
    /// An e-mail address as the first line, then one on the line a mail header opens.
    addressed: regex::Regex,
}

/// Words of a field name (`reply_to`, `customerEmail`, `$.order.subject`) whose value goes into
/// an e-mail header.
fn is_mail_field(name: &str) -> bool {
    const WORDS: &[&str] = &["bcc", "cc", "contact", "from", "mail", "name", "recipient", "recipients", "reply", "replyto", "sender", "subject", "to"];
    let last = name.rsplit(['.', '$']).find(|w| !w.is_empty() && !w.starts_with('[')).unwrap_or(name);
    let ends_with = |w: &str, end: &str| w.len() >= end.len() && w.as_bytes()[w.len() - end.len()..].eq_ignore_ascii_case(end.as_bytes());
    last.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .any(|w| WORDS.iter().any(|x| w.eq_ignore_ascii_case(x)) || ends_with(w, "email") || ends_with(w, "name"))
}

impl Crlf {
    pub fn new() -> Result<Crlf, String> {
        let table = [
            (r"[\r\n]\s*(?:content-(?:length|type|disposition)|set-cookie|location|transfer-encoding|host|refresh|x-[a-z-]+|access-control-[a-z-]+|cache-control|connection|cookie|user-agent)\s*:", crate::finding::Severity::Critical, 0.9, "header injected after CR/LF"),
            (r"[\r\n]\s*http/\d(?:\.\d)?\s+\d{3}", crate::finding::Severity::Critical, 0.9, "response splitting"),
        ];
        let markup = [(r"[\r\n]{2}\s*<", High, 0.8, "response body injected after CR/LF")];
        let smuggled = [(
            r"(?:^|[\r\n]|[^a-z])(?:get|post|put|head|delete|options|patch|connect|trace)\s+(?:/|https?://)\S*\s+http/\d(?:\.\d)?",
            High,
            0.85,
            "request line inside a value",
        )];
        let mail = [(r"[\r\n]\s*(?:bcc|cc|to|from|reply-to|sender|subject|content-type)\s*:", High, 0.85, "e-mail header injected after CR/LF")];
        Ok(Crlf {
            headers: Rules::new(Family::Crlf, &table)?,
            markup: Rules::new(Family::Crlf, &markup)?,
            smuggled: Rules::new(Family::Smuggling, &smuggled)?,
            mail: Rules::new(Family::Crlf, &mail)?,
            addressed: super::regex(r"^\s*[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+\s*[\r\n]\s*[a-z-]+\s*:[^\r\n]*?[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+")?,
        })
    }

    /// A mail header after a line break: High in a field whose value goes into a mail header, or
    /// an address before the break and one on the header's line (`a@b.example\nBcc: c@d.example`);
    /// otherwise Medium (a ticket quoting an e-mail).
    fn mail_header(&self, s: &Subject<'_>) -> Option<Hit> {
        let hit = self.mail.best(s.text)?;
        Some(if is_mail_field(s.name) || self.addressed.is_match(s.text) { hit } else { hit.at_most(Medium, 0.6) })
    }

    /// The header, status line, request line, markup or bare line break after a line break.
    fn line_break(&self, s: &Subject<'_>) -> Option<Hit> {
        if let Some(hit) = self.headers.best(s.text) {
            let bare_line_feeds = is_json_text(s) && !s.text.contains('\r');
            return Some(if bare_line_feeds { hit.at_most(Medium, 0.6) } else { hit });
        }
        if let Some(hit) = self.smuggled.best(s.text) {
            return Some(hit);
        }
        if is_head_part(s.part) {
            if let Some(hit) = self.markup.best(s.text) {
                return Some(hit);
            }
            if let Some(at) = s.text.find('\r') {
                return Some(Hit::new(Family::Crlf, High, 0.7, at, "CR in a header, path or query value"));
            }
            if let Some(at) = s.text.find('\n') {
                return Some(Hit::new(Family::Crlf, Medium, 0.7, at, "LF in a header, path or query value"));
            }
        }
        None
    }
}

impl Check for Crlf {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated("\r", header_follows),
            gated("\n", header_follows),
            lit("http/"),
        ];
        T
    }

    fn wakes_on(&self, part: Part, _ty: ValueType) -> bool {
        is_head_part(part)
    }

    fn wake(&self, text: &[u8], _field: &Field<'_>) -> bool {
        // PERF: word-at-a-time; runs on every head value.
        swar::any(text, |w| swar::eq(w, b'\r') | swar::eq(w, b'\n'))
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        stronger(self.line_break(s), self.mail_header(s))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::Part;

    #[test]
    fn catches_crlf() {
        assert_family(
            "attack.crlf",
            &["foo%0d%0aSet-Cookie:%20admin=1", "x\r\nLocation: http://evil", "en%0d%0a%0d%0aHTTP/1.1 200 OK", "a%0d%0ab"],
            &["line one\nline two", "Dear team,\n\nThanks!"],
        );
        assert!(flags_at("attack.smuggling", Part::Query, "GET http://www.foo.bar HTTP/1.1"));
        assert!(!flags_at("attack.crlf", Part::Body, "multi\nline"));
    }

    #[test]
    fn multi_line_text_in_bodies() {
        // JSON text values, as decoded.
        for v in ["/home\r\nSet-Cookie: admin=1", "en\r\n\r\nHTTP/1.1 200 OK"] {
            assert!(flags_in_json("attack.crlf", v), "{v:?}");
        }
        assert!(flags_at("attack.crlf", Part::Body, "x\r\nLocation: http://evil"));
        for v in [
            "Meeting\nLocation: Room 5\nTime: 10am", "curl -i https://api\nHTTP/1.1 200 OK\ncontent-type: application/json",
            "Hello team,\n\n<p>Release notes</p>", "Intro\r\n\r\n<img src=a.png>",
        ] {
            assert!(!flags_in_json("attack.crlf", v), "{v:?}");
        }
        assert!(!flags_at("attack.crlf", Part::Body, "Thanks!\r\n\r\n<b>Alice</b>"));
        assert!(flags_at("attack.crlf", Part::Query, "en\r\n\r\n<script>"));
    }

    #[test]
    fn mail_headers_in_one_line_fields() {
        use crate::fields::ValueType;
        let flagged = |name: &str, v: &str| {
            let found: Vec<_> = scan_at(Part::Body, ValueType::Text, name, v).into_iter().filter(|f| f.kind == "attack.crlf").collect();
            crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        for (name, v) in [
            ("$.email", "ann@shop.example\r\nBcc: list@evil.example"),
            ("$.contact.replyTo", "ann@shop.example\nCc: x@evil.example"),
            ("$.subject", "Order shipped\nBcc: x@evil.example"),
            ("$.customer_name", "Ann\r\nTo: x@evil.example"),
            ("$.sender", "Ann\nContent-Type: text/html"),
            ("$.note", "ann@shop.example\nBcc: list@evil.example"),
            ("$.items[0].recipient", "42\r\nReply-To: x@evil.example"),
            ("from", "a@b.example%0d%0abcc:c@evil.example"),
        ] {
            assert!(flagged(name, v), "{name} = {v:?}");
        }
        for (name, v) in [
            ("$.body", "Hi, this came in:\nFrom: Ann\nTo: Bob\nSubject: hi\n\nWhere is my order?"),
            ("$.description", "-----Original Message-----\nFrom: John Smith <john@shop.example>\nTo: support@shop.example\nSubject: refund"),
            ("$.comment", "Notes\nTo: do list\nFrom: the meeting"),
            ("$.message", "Forwarding:\r\nFrom: ann@shop.example\r\nSubject: invoice"),
            ("$.subject", "Order shipped"),
            ("$.name", "Ann\nBob"),
        ] {
            assert!(!flagged(name, v), "{name} = {v:?}");
        }
        for n in ["$.email", "reply_to", "$.user.fullName", "$.order.customer.subject", "$.to[1]", "customerEmail"] {
            assert!(super::is_mail_field(n), "{n}");
        }
        for n in ["$.body", "$.description", "$.total", "$.tokens", "$.history"] {
            assert!(!super::is_mail_field(n), "{n}");
        }
    }
}
