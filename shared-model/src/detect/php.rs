//! PHP code injection: code, serialized objects and script uploads aimed at a PHP back end.
//!
//! An API value becomes PHP code through `eval`, `assert`, `preg_replace /e`, `include` or
//! `unserialize`. What only an attacker sends: an opening tag (`<?php`, `<?=`), a call to a
//! function that runs commands or code (`system(`, `shell_exec(`, `eval(`, `assert(`, ...)
//! however the call is spaced or commented (`exec /*x*/ (`, `exec\t(`, `exec#\n(`), the
//! superglobals (`$_GET[`, `$_SERVER`), variable functions (`$f(`), serialized objects
//! (`O:8:"stdClass":1:{`), configuration directives (`allow_url_include=on`,
//! `auto_prepend_file=`), and a file name with a PHP extension in an upload field. A bare
//! function *name* (`eval`, `phpinfo` in prose) is not a call and stays clean.

use super::gate::{gated, in_sorted, lit, skip_space, word_before};
use super::{is_file_name, Check, Family, Hit, Rules, Subject, Trigger};
use crate::finding::Severity::{Critical, High, Medium};

pub(crate) struct Php {
    rules: Rules,
    upload: regex::Regex,
}

/// Functions whose call runs commands or code, or reads/writes files for an attacker. Sorted.
const CALLS: &[&str] = &[
    "array_map", "assert", "base64_decode", "call_user_func", "call_user_func_array", "create_function", "curl_exec",
    "escapeshellcmd", "eval", "exec", "file_get_contents", "file_put_contents", "fopen", "fsockopen", "fwrite",
    "gzinflate", "gzuncompress", "include", "include_once", "ini_set", "move_uploaded_file", "passthru", "pcntl_exec",
    "phpinfo", "popen", "posix_kill", "posix_setuid", "preg_replace", "proc_open", "readfile", "require",
    "require_once", "shell_exec", "show_source", "str_rot13", "system", "unlink", "unpack", "unserialize",
];

/// Gate for `(`: a PHP call to one of [`CALLS`]; spaces, a `/* */` comment or a line comment
/// may sit between the name and the parenthesis (`exec /*x*/ (`, `exec#\n(`).
fn php_call(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    let mut i = s;
    for _ in 0..2 {
        while i > 0 && b[i - 1] <= b' ' && b[i - 1] != b'\n' {
            i -= 1;
        }
        if i >= 2 && &b[i - 2..i] == b"*/" {
            match b[..i - 2].windows(2).rposition(|w| w == b"/*") {
                Some(p) => i = p,
                None => return false,
            }
        } else if i > 0 && b[i - 1] == b'\n' {
            // The `(` opens its line: the name ends the previous line, before any line comment.
            let line_start = b[..i - 1].iter().rposition(|&c| c == b'\n').map_or(0, |p| p + 1);
            let line = &b[line_start..i - 1];
            i = line_start + line.iter().position(|&c| c == b'#').or_else(|| line.windows(2).position(|w| w == b"//")).unwrap_or(line.len());
        } else {
            break;
        }
    }
    in_sorted(CALLS, word_before(b, i, &mut buf))
}

/// Gate for `$`: a superglobal or a variable called as a function (`$_GET`, `$f(`).
fn php_variable(b: &[u8], _s: usize, e: usize) -> bool {
    let rest = &b[e.min(b.len())..];
    if rest.first() == Some(&b'_') || rest.starts_with(b"GLOBALS") || rest.starts_with(b"globals") {
        return true;
    }
    let n = rest.iter().take(24).take_while(|c| c.is_ascii_alphanumeric() || **c == b'_').count();
    n > 0 && rest.get(skip_space(rest, n)) == Some(&b'(')
}

impl Php {
    pub fn new() -> Result<Php, String> {
        let table = [
            (r"<\?(?:php\b|=\s*[$`a-z_(])", Critical, 0.9, "PHP opening tag"),
            (r#"(?:^|[;{}()\s'"=])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function|call_user_func(?:_array)?|include(?:_once)?|require(?:_once)?|file_put_contents|move_uploaded_file|fsockopen|preg_replace|array_map|show_source|readfile|file_get_contents|phpinfo|unserialize|base64_decode|gzinflate|str_rot13|unpack|ini_set|curl_exec)(?:\s*/\*.*?\*/\s*|\s*(?:#|//)[^\n]*\n\s*|[\t\n\r\x0b\x0c]\s*)\(|\b(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function|call_user_func(?:_array)?|include(?:_once)?|require(?:_once)?|file_put_contents|move_uploaded_file|fsockopen|preg_replace|array_map|show_source|readfile|file_get_contents|phpinfo|unserialize|base64_decode|gzinflate|str_rot13|unpack|ini_set|curl_exec)\s*\(\s*(?:[$'"`)]|\$_)"#, High, 0.8, "PHP function call"),
            (r#"(?:^|[;{}()\s'"=])(?:system|exec|shell_exec|passthru|popen|proc_open|pcntl_exec|eval|assert|create_function|call_user_func(?:_array)?|include(?:_once)?|require(?:_once)?|file_put_contents|move_uploaded_file|fsockopen|preg_replace|array_map|show_source|readfile|file_get_contents|phpinfo|unserialize|base64_decode|gzinflate|str_rot13|unpack|ini_set|curl_exec)\s*\("#, Medium, 0.6, "PHP function name called"),
            (r"\$_(?:get|post|request|cookie|server|files|env|session)\b|\$globals\b", High, 0.8, "PHP superglobal"),
            (r#"\$[a-z_][a-z0-9_]*\s*\(|\$_(?:get|post|request|cookie)\s*\[[^\]]*\]\s*\("#, High, 0.8, "PHP variable function"),
            (r#"(?:^|[;&\s"'=\[{(])[oc]:\d+:"[a-z_\\][a-z0-9_\\]*":\d+:\{"#, Critical, 0.9, "PHP serialized object"),
            (r#"(?:^|[;&\s"'=\[{(])a:\d+:\{(?:[is]:\d+(?::"[^"]*")?;)"#, High, 0.75, "PHP serialized array"),
            (r"(?:^|[\s;&])(?:allow_url_include|allow_url_fopen|auto_prepend_file|auto_append_file|disable_functions|open_basedir|safe_mode|register_globals|enable_dl|engine|suhosin\.[a-z.]+)\s*=\s*\S", High, 0.75, "PHP configuration directive"),
            (r"(?:^|[^a-z])(?:php://(?:input|filter|memory|temp|fd|stdin)|phar://|zlib://|glob://|expect://)", Critical, 0.9, "PHP stream wrapper"),
            (r"\bpreg_replace\s*\(\s*['\x22][/#~|!@%][^'\x22]*[/#~|!@%][a-z]*e[a-z]*['\x22]", Critical, 0.9, "preg_replace /e"),
            (r"(?:^|[\s;'\x22=(])(?:phpinfo|shell_exec|passthru|proc_open|pcntl_exec|create_function)\s*$", Medium, 0.6, "PHP function name"),
        ];
        Ok(Php {
            rules: Rules::new(super::Family::Php, &table)?,
            upload: super::regex(r"\.\s*(?:php\d?|phtml|pht|phar|phps|inc|jsp|jspx|jspf|asp|aspx|ashx|asmx|cer|cgi|shtml)[.\s]*$|(?:^|[/\\])(?:\.htaccess|\.htpasswd|\.htdigest|\.user\.ini|web\.config|wp-config\b[^/\\]*)[.\s]*$")?,
        })
    }
}

impl Check for Php {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            lit("<?php"),
            lit("<?="),
            gated("(", php_call),
            gated("$", php_variable),
            lit(":{"),
            lit("allow_url_"),
            lit("auto_prepend_file"),
            lit("auto_append_file"),
            lit("disable_functions"),
            lit("open_basedir"),
            lit("safe_mode"),
            lit("register_globals"),
            lit("enable_dl"),
            lit("suhosin."),
            lit("engine="),
            lit("engine ="),
            lit("php://"),
            lit("phar://"),
            lit("zlib://"),
            lit("glob://"),
            lit("expect://"),
            lit("phpinfo"),
            lit("shell_exec"),
            lit("passthru"),
            lit("proc_open"),
            lit("pcntl_exec"),
            lit("create_function"),
        ];
        T
    }

    fn has_wake(&self) -> bool {
        true
    }

    fn wake(&self, text: &[u8], field: &crate::fields::Field<'_>) -> bool {
        // An upload's file name: its extension is checked against the script list.
        text.len() < 256 && is_file_name(&field.name) && text.iter().rev().take(12).any(|&c| c == b'.')
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        if is_file_name(s.name) && self.upload.is_match(s.text) {
            return Some(Hit::new(Family::Php, High, 0.9, 0, "script or server configuration file name in an upload"));
        }
        self.rules.best(s.text)
    }
}


#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_php() {
        assert_family(
            "attack.php",
            &[
                "<?php system($_GET['c']); ?>",
                "<?= `id` ?>",
                "eVAl(\"echo 10000000000-245205634;\");",
                "exec /*comment*/ ()",
                "exec\t(blah)",
                "exec#\n (blah)",
                "system('id')",
                "$_SERVER['HTTP_HOST']",
                "O:8:\"stdClass\":1:{s:1:\"a\";i:2;}",
                "allow_url_include=On",
                "php://input",
                "$f($x)",
            ],
            &[
                "eval",
                "the files (yep)",
                "A loaded ghost gun (unserialized) was recovered",
                "Moreover, phpinfo can potentially leak details",
                "Price: $5 (approx)",
                "openlogfile(foo)",
                "See the system (docs) for details",
                "engine is ready",
            ],
        );
        let f = scan_at(Part::Header, ValueType::Text, "x-filename", "fda.php5...");
        assert!(f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
        for name in ["shell. php", ".htaccess", "wp-config.php.bak", "x/.user.ini"] {
            let f = scan_at(Part::Body, ValueType::Text, "upload.filename", name);
            assert!(f.iter().any(|f| f.kind == "attack.php"), "{name}: {f:?}");
        }
        for name in ["my.htaccess-notes.txt", "config.yml", "report.pdf"] {
            let f = scan_at(Part::Body, ValueType::Text, "upload.filename", name);
            assert!(!f.iter().any(|f| f.kind == "attack.php"), "{name}: {f:?}");
        }
        let f = scan_at(Part::Header, ValueType::Text, "x-filename", "fthi/sfewfda.phtml987...");
        assert!(!f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
        let f = scan_at(Part::Body, ValueType::Text, "file.filename", "safe.phpinfo");
        assert!(!f.iter().any(|f| f.kind == "attack.php"), "{f:?}");
    }
}
