//! Path traversal and local file inclusion: climbing out of a directory, or naming a file that
//! only an attacker asks for.
//!
//! Matched on the decoded form, so `%2e%2e%2f`, `..%c0%af` and `..%252f` all read `../` (and
//! again as lenient decoders read invalid overlong forms: `%c0%2e%c0%2e%c0%af`, `..%c0%5c`), and
//! again with what a path resolver ignores undone (`/etc/./passwd`, `/etc//passwd`, look-alike
//! slashes such as `..∖..∖boot.ini` that best-fit code pages map to `\`). One
//! `../` is common in relative links and only Medium; a chain of them, a traversal reaching a
//! system path, or a well-known sensitive file (`/etc/passwd`, `win.ini`, `.env`, `.git/config`,
//! `id_rsa`, `/proc/self/environ`, the `locate` database, Windows' `unattend.xml` and `sysprep`
//! answer files that hold an administrator password) is High or Critical, and so are the forms
//! no relative link takes: `..\` and `..;` (Windows and servlet path parameters), Windows environment paths
//! (`%SYSTEMROOT%\win.ini`), administrative shares (`\\host\c$\`), and a parent directory in an
//! upload's file name. A path segment that *is* `..` (only possible when the client sent it
//! encoded) is a traversal by itself, and so are the Vite dev server's own path prefixes: `/@fs/`
//! serves any file by its absolute path, and `__x00__` is how Vite writes the NUL that starts a
//! virtual module id (`/@id/__x00__...`); neither belongs in a request to a deployed API.
//!
//! The field walk hands path segments over one at a time, so a system path spread over the
//! request path's own segments (`/download/proc/self/environ`, `/files/sys/class/net`) is judged
//! on the path as a whole by [`SystemPath`], once per request: only a path with a segment naming a
//! system directory (`etc`, `proc`, `sys`, `windows`, ...) costs more than one pass over it.

use super::gate::{gated, in_sorted, lit, starts_word, word_at, word_end};
use super::{is_file_name, is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};

/// Gate for `..`: a parent-directory step (`../`, `..\`, `..;`, a value or segment that is `..`),
/// not an ellipsis or a range (`wait...`, `1..10`).
fn dot_dot(b: &[u8], s: usize, e: usize) -> bool {
    let next_ok = matches!(b.get(e), None | Some(b'/' | b'\\' | b';'));
    let prev_ok = s == 0 || matches!(b[s - 1], b'/' | b'\\' | b'=' | b' ' | b'.' | b';' | b':' | b'\'' | b'"');
    next_ok && prev_ok && !(b.get(e).is_none() && s > 0 && b[s - 1] == b'.' && (s < 2 || b[s - 2] != b'/'))
}

/// Gate: the literal is the whole value (a path segment `@fs`, not a mention of it).
fn whole_value(b: &[u8], s: usize, e: usize) -> bool {
    s == 0 && e == b.len()
}

/// Gate: the literal ends a word (`.env` but not `.environment`).
fn ends_word(b: &[u8], _s: usize, e: usize) -> bool {
    word_end(b, e)
}

/// Windows environment variables that name system directories. Sorted.
const WINDOWS_DIRS: &[&str] = &[
    "allusersprofile", "appdata", "comspec", "homedrive", "localappdata", "programdata", "programfiles", "systemdrive",
    "systemroot", "temp", "tmp", "userprofile", "windir",
];

/// Gate for `%`: a Windows environment variable naming a system directory (`%windir%`).
fn windows_env(b: &[u8], _s: usize, e: usize) -> bool {
    let mut buf = [0u8; 24];
    let w = word_at(b, e, &mut buf);
    b.get(e + w.len()) == Some(&b'%') && in_sorted(WINDOWS_DIRS, w)
}

/// Gate for `$`: an administrative share, a drive letter or share name and `$` between
/// separators (`\\h\c$\`, `\\h\admin$`).
fn admin_share(b: &[u8], s: usize, e: usize) -> bool {
    let name = b[..s].iter().rev().take(9).take_while(|c| c.is_ascii_alphabetic()).count();
    (1..=8).contains(&name) && s > name && matches!(b[s - name - 1], b'/' | b'\\') && matches!(b.get(e), None | Some(b'/' | b'\\'))
}
use crate::fields::Part;
use crate::finding::Severity::{Critical, High, Medium};
use crate::normalize::{for_matching, hex};
use std::borrow::Cow;

pub(crate) struct Traversal {
    rules: Rules,
    /// System paths and file names inside text: an attack outside a JSON text field, where prose
    /// does not travel.
    strict_rules: Rules,
}

/// Files and directories nobody asks for by name except to read them through an inclusion bug.
const SENSITIVE: &str = r"(?:etc/(?:passwd|shadow|master\.passwd|group|hosts|issue|motd|sudoers|subuid|subgid|crontab|fstab|hostname|resolv\.conf|profile|bashrc|mysql/my\.cnf|httpd|apache2|nginx|ssh/)|proc/(?:self|\d+)/(?:environ|cmdline|fd|maps|status|mem|root|cwd)|proc/(?:version|cpuinfo|meminfo|interrupts|net/|sched_debug|mounts|cmdline|modules)|var/lib/(?:m|p)locate|system32[/\\]inetsrv[/\\]|system volume information[/\\]|var/log/|(?:var/)?run/secrets/|sys/(?:class|kernel|devices|block|firmware|power)|(?:boot|win|system)\.ini\b|windows[/\\](?:system32|win\.ini|repair)|winnt[/\\]|inetpub[/\\]|wp-config\.php|web-inf[/\\]|meta-inf[/\\]|\.ht(?:access|passwd)|\.git/(?:config|head|index|logs)|\.svn/|\.env\b|\.aws/credentials|\.ssh/|id_(?:rsa|dsa|ecdsa|ed25519)\b|\.docker/|\.kube/config|\.bash_history|\.history\b|\.npmrc|\.pgpass|\.netrc|\.mysql_history|usr/local/apps/|dev/(?:tcp|udp|shm)|apache2?/conf|(?:usr/local/)?(?:apache2?|httpd)/logs?/|httpd\.conf|php\.ini|debug\.log\b|error\.log\b|backup\.sql|dump\.sql|\.aiignore|\.cursorignore|@fs/|(?:[\w.-]+[/\\])*(?:(?:httpd|apache2|nginx|lighttpd)\.conf|sshd_config|user\.myd|machine-id|os-release|unattend(?:ed)?\.(?:xml|txt)|sysprep\.(?:inf|xml))\b)";

impl Traversal {
    pub fn new() -> Result<Traversal, String> {
        // A chain of `../` that starts the value or a path; inside a sentence (`paths like
        // ../../shared/x.js are resolved`) it is High only outside a JSON text field.
        let steps = r"(?:\.{2,}[/\\;]+(?:\.?[/\\;]+)*){2,}";
        // ... also as the target of a Markdown link or a quoted link attribute (`](../../x.md)`,
        // `href="../../"`): documentation linking a sibling page, not a climb out of a directory.
        let chain = format!(r#"(?:^\s*['"(]?|[^\s('"]|[^\]]\(|[^=\s]['"])(?:{steps})"#);
        let chain_in_text = format!(r#"(?:\s|\]\(|=\s*['"])(?:{steps})"#);
        let reach = format!(r"\.{{2,}}[/\\;]+(?:[^/\\]*[/\\]+)*?{SENSITIVE}");
        // A system path that is the value (also relative to the root: `./etc/passwd`), a
        // parameter's or a command's argument, or a file URL;
        // inside prose or a code snippet (`edit /etc/hosts`, `open('/etc/hosts')`) it is High only
        // outside a JSON text field (see `strict_rules`), Medium there.
        let anchored = format!(r"(?:^\s*(?:[a-z]:|\.)?|[=(>|;&]|file:/+)[/\\]+{SENSITIVE}");
        let mentioned = format!(r"(?:^|[\s=:'\x22(>|;,&]|file:/+|[a-z]:)[/\\]+{SENSITIVE}");
        let named_file = r"(?:\.env|\.git/config|\.htpasswd|\.aws/credentials|\.ssh/(?:id_\w+|authorized_keys)|id_rsa|wp-config\.php|web\.config|\.docker/\S*secrets?|backup\.sql(?:\.\w+)?|\.aiignore|\.cursorignore|\.history|debug\.log|errors?\.log)\b";
        // Files a sentence names too (`fix the .htaccess rule`): only as a value or path's own.
        let named = format!(r"(?:^|[/\\=])\.?(?:{named_file}|(?:\.htaccess|\.svn/(?:entries|wc\.db)|\.ds_store)\b)");
        let named_in_text = format!(r"(?:^|[/\\\s=])\.?{named_file}");
        let in_path = r"(?:^|[/\\=])(?:(?:php\.ini|my\.cnf|\.(?:bash|zsh|mysql|psql|python)_history|\.git-credentials|\.kube/config|\.docker/config\.json|\.pgpass|\.netrc|\.npmrc)\b|web-inf[/\\])";
        let table = [
            (reach.as_str(), Critical, 0.95, "traversal to a system file"),
            (chain.as_str(), High, 0.85, "repeated ../ traversal"),
            (chain_in_text.as_str(), Medium, 0.7, "relative path mentioned in text"),
            (r"(?:^|[/\\=])\.{3,}[/\\]", High, 0.8, "dot-dot-dot traversal"),
            (anchored.as_str(), High, 0.8, "absolute path to a system file"),
            (mentioned.as_str(), Medium, 0.7, "system file path mentioned in text"),
            (named.as_str(), High, 0.7, "sensitive file name"),
            (named_in_text.as_str(), Medium, 0.7, "sensitive file name mentioned in text"),
            (in_path, High, 0.75, "sensitive file in a path"),
            (r"%(?:windir|systemroot|systemdrive|homedrive|userprofile|allusersprofile|appdata|localappdata|programfiles|programdata|comspec|temp|tmp)%[/\\]", High, 0.8, "Windows environment path"),
            (r"(?:^|[\s=:'\x22])[/\\]{2}[a-z0-9._-]+[/\\][a-z]{1,8}\$(?:[/\\]|$)", High, 0.85, "administrative share"),
            (r"(?:^|[/\\=\s])\.\.(?:\\|;[/\\.])", High, 0.7, "..\\ or ..; traversal"),
            (r"(?:^|[/\\=\s])\.\.[/\\;]", Medium, 0.7, "single ../"),
        ];
        let head = [
            (mentioned.as_str(), High, 0.8, "absolute path to a system file"),
            (named_in_text.as_str(), High, 0.7, "sensitive file name"),
            (chain_in_text.as_str(), High, 0.85, "repeated ../ traversal"),
        ];
        Ok(Traversal { rules: Rules::new(Family::Traversal, &table)?, strict_rules: Rules::new(Family::Traversal, &head)? })
    }
}

impl Check for Traversal {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated("..", dot_dot),
            gated("etc/", starts_word),
            gated("proc/", starts_word),
            gated("sys/", starts_word),
            lit("boot.ini"),
            lit("win.ini"),
            lit("system.ini"),
            lit("windows/"),
            lit("windows\\"),
            lit("winnt"),
            lit("inetpub"),
            lit("wp-config"),
            lit("web-inf"),
            lit("meta-inf"),
            lit(".htaccess"),
            lit(".htpasswd"),
            lit(".git/"),
            lit(".svn/"),
            gated(".env", ends_word),
            lit(".aws/"),
            lit(".ssh/"),
            lit("id_rsa"),
            lit("id_dsa"),
            lit("id_ecdsa"),
            lit("id_ed25519"),
            lit(".docker/"),
            lit(".kube/"),
            lit("_history"),
            gated(".history", ends_word),
            lit(".npmrc"),
            lit(".pgpass"),
            lit(".netrc"),
            lit("usr/local/"),
            lit("/dev/"),
            lit("apache/"),
            lit("apache2/"),
            lit("httpd.conf"),
            lit("httpd/"),
            lit("php.ini"),
            lit("debug.log"),
            lit("error.log"),
            lit("errors.log"),
            lit("backup.sql"),
            lit("dump.sql"),
            lit(".aiignore"),
            lit(".cursorignore"),
            lit("@fs/"),
            gated("@fs", whole_value),
            lit("__x00__"),
            lit("web.config"),
            gated("var/log/", starts_word),
            lit("run/secrets/"),
            lit("my.cnf"),
            lit(".ds_store"),
            lit("sshd_config"),
            lit("user.myd"),
            lit("machine-id"),
            lit("os-release"),
            lit("nginx.conf"),
            lit("\u{2215}"),
            lit("\u{2216}"),
            lit(".git-credentials"),
            lit("mlocate"),
            lit("plocate"),
            lit("sysprep"),
            lit("unattend."),
            lit("unattended."),
            lit("inetsrv"),
            lit("system volume information"),
            gated("%", windows_env),
            gated("$", admin_share),
        ];
        T
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let json_text = is_json_text(s);
        // The rules over one matching form; JSON text fields skip the strict ones.
        let scan = |text: &str| {
            let folded = path_fold(text);
            let hit = self.rules.best_either(text, folded.as_deref());
            if json_text {
                hit
            } else {
                stronger(hit, self.strict_rules.best_either(text, folded.as_deref()))
            }
        };
        let mut rule = scan(s.text);
        if let Some(lenient) = lenient_overlong(s.raw) {
            let hit = scan(&for_matching(&lenient));
            rule = stronger(rule, hit.map(|h| Hit { at: h.at.min(s.text.len()), ..h }));
        }
        // A file's bare name in a JSON text field is data, sensitive only where a path puts it:
        // a dotfile as an item of a list (`"ignore": ["dist", ".env"]`, a build or ignore
        // setting), a key pair's or a log's name (`"KeyName": "id_rsa"`, `"log": "debug.log"`),
        // a web server's configuration file in a file listing (`"path": "app/web.config"`; a
        // climb or a root path to it keeps its rule).
        if json_text && ((s.name.ends_with(']') && is_bare_dotfile(s.text)) || is_key_or_log_name(s.text) || is_server_config_path(s.text)) {
            return rule.map(|h| h.at_most(Medium, 0.6));
        }
        if is_file_name(s.name) && (s.text.contains("../") || s.text.contains("..\\")) {
            // Browsers send an upload's base name only; a parent directory in it aims the write.
            return stronger(rule, Some(Hit::new(Family::Traversal, High, 0.85, 0, "parent directory in an upload's file name")));
        }
        if s.part == Part::Path && (s.text == "@fs" || s.text.starts_with("__x00__")) {
            return stronger(rule, Some(Hit::new(Family::Traversal, High, 0.8, 0, "Vite dev-server file path")));
        }
        if s.part == Part::Path && s.text.split(['/', '\\']).any(|seg| seg == ".." || seg == "...") {
            // An encoded `..` segment is a traversal by itself; a rule that saw where it leads may say more.
            let segment = Hit::new(Family::Traversal, High, 0.9, 0, "encoded .. path segment");
            return Some(match rule {
                Some(r) if r.severity.weight() * r.confidence > segment.severity.weight() * segment.confidence => r,
                _ => segment,
            });
        }
        rule
    }
}

/// Whether a value is a dotfile's name and nothing else (`.env`, `.htaccess`): no directory, no
/// parent step, no space.
fn is_bare_dotfile(text: &str) -> bool {
    text.strip_prefix('.').is_some_and(|name| {
        name.bytes().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
            && name.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
    })
}

/// Whether a value is a key pair's or a log's name and nothing else (`id_rsa`, `debug.log`): no
/// directory, no space.
fn is_key_or_log_name(text: &str) -> bool {
    let plain = !text.is_empty() && text.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    plain && (text.starts_with("id_") || text.ends_with(".log"))
}

/// Whether a value is a relative path of plain segments (no parent step, no root, no drive, no
/// space) to a web server's own configuration file (`web.config`, `.htaccess`), outside the
/// servlet directories whose files no client asks for (`WEB-INF/`, `META-INF/`).
fn is_server_config_path(text: &str) -> bool {
    let mut segments = text.split('/');
    let last = segments.next_back().unwrap_or("");
    let plain = |seg: &str| {
        seg.bytes().next().is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.'))
            && seg.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
            && seg != ".."
            && !seg.eq_ignore_ascii_case("web-inf")
            && !seg.eq_ignore_ascii_case("meta-inf")
    };
    matches!(last, "web.config" | ".htaccess") && segments.all(plain)
}

/// `raw` with the invalid overlong forms of `.`, `/` and `\` that lenient UTF-8 decoders accept
/// (old IIS and Java ones) spelled out, which [`for_matching`] leaves alone as they are no UTF-8
/// at all: a `C0`/`C1` lead byte before an ASCII `.`, `/` or `\`, which such decoders drop
/// (`%c0%2e`, `..%c0%5c`), and an `E0` lead whose two following bytes' low bits spell one
/// (`%e0%40%ae`); also such a lead byte already decoded into U+FFFD. `None` when there is none.
fn lenient_overlong(raw: &str) -> Option<String> {
    let b = raw.as_bytes();
    let esc = |i: usize| match b.get(i..i + 3) {
        Some([b'%', h, l]) => Some(hex(*h)? << 4 | hex(*l)?),
        _ => None,
    };
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while let Some(p) = b.get(i..).and_then(|rest| rest.iter().position(|&c| c == b'%')).map(|p| i + p) {
        let spelled = match esc(p) {
            Some(0xc0 | 0xc1) => esc(p + 3).map(|c| (c, 6)).or_else(|| b.get(p + 3).map(|&c| (c, 4))),
            Some(0xe0) => esc(p + 3).zip(esc(p + 6)).map(|(x, y)| ((x & 0x3f) << 6 | (y & 0x3f), 9)),
            _ => None,
        };
        match spelled.filter(|(c, _)| matches!(c, b'.' | b'/' | b'\\')) {
            Some((c, len)) => {
                let o = out.get_or_insert_with(String::new);
                o.push_str(raw.get(copied..p).unwrap_or(""));
                o.push(char::from(c));
                i = p + len;
                copied = i;
            }
            None => i = p + 1,
        }
    }
    let out = out.map(|mut o| {
        o.push_str(raw.get(copied..).unwrap_or(""));
        o
    });
    // The same lead byte already decoded (a query value arrives decoded once): the replacement
    // character it became, before the path character it hid.
    let text = out.as_deref().unwrap_or(raw);
    if text.contains('\u{fffd}') && (text.contains("\u{fffd}.") || text.contains("\u{fffd}/") || text.contains("\u{fffd}\\")) {
        return Some(text.replace("\u{fffd}.", ".").replace("\u{fffd}/", "/").replace("\u{fffd}\\", "\\"));
    }
    out
}

/// Look-alike slashes that servers with "best fit" code page mapping (IIS) read as `/` and `\`.
const LOOKALIKE_SLASHES: [(char, char); 4] = [('\u{2215}', '/'), ('\u{2216}', '\\'), ('\u{ff0f}', '/'), ('\u{ff3c}', '\\')];

/// Undoes what a path resolver ignores: `.` segments and repeated separators (`/etc/./passwd`,
/// `/etc//passwd`; a URL's `://` stays), and look-alike slashes read as separators
/// (`..∖..∖boot.ini`). `None` when there is none of these.
fn path_fold(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let sep = |c: u8| c == b'/' || c == b'\\';
    let dotted = b.windows(3).any(|w| sep(w[0]) && w[1] == b'.' && sep(w[2]));
    let doubled = b.windows(2).enumerate().any(|(i, w)| sep(w[0]) && sep(w[1]) && (i == 0 || b[i - 1] != b':'));
    let lookalike = !text.is_ascii() && text.chars().any(|c| LOOKALIKE_SLASHES.iter().any(|(l, _)| *l == c));
    if !(dotted || doubled || lookalike) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().map(|c| LOOKALIKE_SLASHES.iter().find(|(l, _)| *l == c).map_or(c, |(_, r)| *r)).peekable();
    while let Some(c) = chars.next() {
        let after_sep = out.ends_with(['/', '\\']);
        if after_sep && (c == '/' || c == '\\') && !out[..out.len() - 1].ends_with(':') {
            continue; // a repeated separator
        }
        if after_sep && c == '.' && matches!(chars.peek(), Some('/' | '\\')) {
            chars.next(); // a `./` segment
            continue;
        }
        out.push(c);
    }
    Some(out)
}

/// The first directories of the system paths in [`SENSITIVE`] (lower-case, sorted), as a
/// request path names them in a segment of their own.
const SYSTEM_ROOTS: &[&str] = &[
    ".aws", ".docker", ".git", ".kube", ".ssh", ".svn", "apache", "apache2", "dev", "etc", "inetpub", "meta-inf", "proc", "run",
    "sys", "usr", "var", "web-inf", "windows", "winnt",
];

/// For each ASCII byte, the lengths (as bits) of the [`SYSTEM_ROOTS`] that start with it in either
/// case: a segment whose first byte and length match no root is passed over at one lookup.
const ROOT_SHAPES: [u16; 128] = {
    let mut t = [0u16; 128];
    let mut i = 0;
    while i < SYSTEM_ROOTS.len() {
        let r = SYSTEM_ROOTS[i].as_bytes();
        t[r[0].to_ascii_lowercase() as usize] |= 1 << r.len();
        t[r[0].to_ascii_uppercase() as usize] |= 1 << r.len();
        i += 1;
    }
    t
};

/// A system path in the request path itself, across its segments (see the module docs).
pub(crate) struct SystemPath {
    rule: Rules,
}

impl SystemPath {
    pub fn new() -> Result<SystemPath, String> {
        let reach = format!(r"^[/\\]+{SENSITIVE}");
        Ok(SystemPath { rule: Rules::new(Family::Traversal, &[(reach.as_str(), High, 0.8, "system file in the request path")])? })
    }

    /// The hit for the first system directory segment of `path` (without its query) that starts
    /// a sensitive path, with the path from that segment on as evidence.
    pub fn check(&self, path: &str) -> Option<(Hit, String)> {
        // PERF: one pass over the bytes; a segment is looked up (lower-cased into a small buffer,
        // then a binary search) only when its first byte and length fit a root name
        // ([`ROOT_SHAPES`]); only a path with an escape (`%65tc`) is decoded, once.
        if path.contains('%') {
            return self.scan(&for_matching(path), true);
        }
        self.scan(path, false)
    }

    /// [`SystemPath::check`] over `path`, already in its matching form (decoded, lower-case)
    /// when `matching`.
    fn scan(&self, path: &str, matching: bool) -> Option<(Hit, String)> {
        let b = path.as_bytes();
        let mut start = 0;
        while start < b.len() {
            let end = b[start..].iter().position(|&c| c == b'/').map_or(b.len(), |p| start + p);
            let seg = &b[start..end];
            let shape = seg.first().and_then(|&c| ROOT_SHAPES.get(usize::from(c))).map_or(0, |&m| m >> seg.len().min(15) & 1);
            let mut buf = [0u8; 8];
            if let Some(lower) = buf.get_mut(..seg.len()).filter(|_| shape == 1) {
                for (d, c) in lower.iter_mut().zip(seg) {
                    *d = c.to_ascii_lowercase();
                }
                if in_sorted(SYSTEM_ROOTS, lower) {
                    let rest = path.get(start.saturating_sub(1)..).unwrap_or("");
                    let text = if matching { Cow::Borrowed(rest) } else { Cow::Owned(rest.to_ascii_lowercase()) };
                    if let Some(hit) = self.rule.best(&text) {
                        return Some((hit, text.into_owned()));
                    }
                }
            }
            start = end + 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::{Part, ValueType};

    #[test]
    fn catches_traversal() {
        assert_family(
            "attack.traversal",
            &[
                "../../../etc/passwd",
                "..%2f..%2f..%2fetc%2fpasswd",
                "..%c0%af..%c0%af..%c0%afwindows/win.ini",
                "....//....//etc/hosts",
                "..\\..\\..\\boot.ini",
                "/etc/shadow",
                "file:///etc/passwd",
                "../../../../proc/self/environ",
                "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
                ".../.../WINDOWS/win.ini",
                "/var/www/html/.env",
                "../.git/config",
                "%SystemRoot%\\repair\\sam",
                "\\\\10.1.2.3\\admin$\\x",
                "\\\\fileserver\\d$\\backup",
                "/var/log/nginx/error_log",
                "/run/secrets/db_password",
                "C:/xampp/php/php.ini",
                "~/.zsh_history",
                "..\\web.config.bak",
                "..;/manager/html",
            ],
            &[
                "../images/logo.png",
                "See chapter 2 .. 5",
                "Loading...",
                "wait... what?",
                "https://example.com/docs/etc/guide",
                "The /etc directory holds config",
                "a/b/c/d",
                "environment variables",
                "1..10",
                "100% done; %temp is a word",
                "Costs $5, or \\$6 with tax",
                "Put the key in php.ini-development first",
                "Well..; fine",
                "\\\\server\\share\\docs",
            ],
        );
        let upload = |name: &str| scan_at(Part::Body, ValueType::Text, "file.filename", name).iter().any(|f| f.kind == "attack.traversal");
        assert!(upload("../../avatar.png"));
        assert!(upload("..\\a.png"));
        assert!(!upload("my..photo.png"));
        assert!(!upload("photo.png"));
        assert!(flags_at("attack.traversal", Part::Path, ".."));
        for seg in ["@fs", "__x00__virtual:entry", "__x00__"] {
            assert!(flags_at("attack.traversal", Part::Path, seg), "{seg}");
        }
        for seg in ["@fsociety", "fs", "@me", "x00", "__init__"] {
            assert!(!flags_at("attack.traversal", Part::Path, seg), "{seg}");
        }
        assert!(!flags("attack.traversal", "mount it at @fs"), "a mention in a query");
    }

    #[test]
    fn invalid_overlong_forms_as_lenient_decoders_read_them() {
        assert_eq!(super::lenient_overlong("%c0%2e%C0%2E%c0%afx").as_deref(), Some("..%c0%afx"));
        assert_eq!(super::lenient_overlong("..%c1\\x").as_deref(), Some("..\\x"));
        assert_eq!(super::lenient_overlong("%e0%40%ae").as_deref(), Some("."));
        assert_eq!(super::lenient_overlong("%c0%41%e0%41%41"), None, "not a separator or dot");
        assert_eq!(super::lenient_overlong("100%"), None);
        assert_eq!(super::lenient_overlong("%c0"), None);
        assert_eq!(super::lenient_overlong("caf%C3%A9"), None);
        assert_eq!(super::lenient_overlong("..\u{fffd}\\..\u{fffd}/x").as_deref(), Some("..\\../x"));
        assert_eq!(super::lenient_overlong("caf\u{fffd} menu"), None);
        for v in ["%c0%2e%c0%2e%c0%af%c0%2e%c0%2e%c0%afetc/shadow", "..%c0%5c..%c0%5c..%c0%5cwindows/win.ini", "%e0%40%ae%e0%40%ae/%e0%40%ae%e0%40%ae/etc/hosts"] {
            assert!(flags("attack.traversal", v), "{v}");
            assert!(flags_in_json("attack.traversal", v), "{v} in a JSON text field");
        }
        for v in ["report%c0%2epdf", "%c0%2e", "caf%C3%A9/menu"] {
            assert!(!flags("attack.traversal", v), "{v}");
        }
    }

    #[test]
    fn answer_files_locate_databases_and_root_relative_paths() {
        for v in [
            "/proc/mounts",
            "/proc/1/cmdline",
            "/var/lib/mlocate/mlocate.db",
            "/var/lib/plocate.db",
            "/etc/motd",
            "/usr/local/apache2/logs/access_log",
            "c:/unattended.xml",
            "C:\\Windows\\Panther\\Unattend.xml",
            "d:/sysprep/sysprep.inf",
            "c:/windows/system32/inetsrv/config/applicationHost.config",
            "c:/system volume information/tracking.log",
            "./etc/shadow",
            ".\\windows\\win.ini",
        ] {
            assert!(flags("attack.traversal", v), "{v}");
        }
        for v in [
            "The unattended install finished",
            "Run sysprep before imaging the VM",
            "./src/main.rs",
            "./etc-notes.txt",
            "mounts and cmdline options",
            "/var/lib/postgresql/data",
        ] {
            assert!(!flags("attack.traversal", v), "{v}");
        }
        assert!(!any_flag_in_json("Windows setup reads unattend.xml from the USB stick"), "a mention in prose");
    }

    #[test]
    fn dot_segments_doubled_and_look_alike_slashes() {
        assert_eq!(super::path_fold("/etc/./passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(super::path_fold("/./etc//passwd").as_deref(), Some("/etc/passwd"));
        assert_eq!(super::path_fold("http://a.example/x").as_deref(), None, "a URL's // stays");
        assert_eq!(super::path_fold("..\u{2216}..\u{2216}boot.ini").as_deref(), Some("..\\..\\boot.ini"));
        assert_eq!(super::path_fold("/docs/getting-started"), None);
        for v in [
            "/etc/./passwd",
            "/etc//shadow",
            "..\u{2216}..\u{2216}..\u{2216}windows\u{2216}win.ini",
            "..\u{2215}..\u{2215}etc\u{2215}passwd",
            ".htaccess",
            "/.DS_Store",
            ".svn/entries",
            "/usr/local/apache2/conf/httpd.conf",
            "/opt/nginx/conf/nginx.conf",
            "/var/lib/mysql/mysql/user.MYD",
            "/etc/machine-id",
            "c:\\xampp\\apache\\conf\\httpd.conf",
        ] {
            assert!(flags("attack.traversal", v), "{v}");
        }
        for v in ["https://example.com//path", "a/./b.txt", "docs//guide", "Fix the .htaccess redirect rule please", "nginx.conf tips", "\u{2215} is a division slash"] {
            assert!(!flags("attack.traversal", v), "{v}");
        }
    }

    #[test]
    fn system_paths_across_the_request_path() {
        use super::super::protocol::tests::{findings, head};
        assert!(super::SYSTEM_ROOTS.windows(2).all(|w| w[0] < w[1]), "sorted for the binary search");
        let at = |path: &str| {
            let mut h = head("GET", &[]);
            h.path = path.into();
            findings(&h).into_iter().filter(|f| f.kind == "attack.traversal").collect::<Vec<_>>()
        };
        for p in ["/download/proc/self/environ", "/files/SYS/Class/net", "/a/proc/cpuinfo?x=1", "/static/etc/shadow", "/x/Windows/win.ini", "/v1/var/log/auth.log", "/repo/.git/config", "/app/%65tc/passwd", "/app/etc%2Fpasswd"] {
            let f = at(p);
            assert!(f.iter().any(|f| f.location == "path" && f.severity >= crate::finding::Severity::High), "{p}: {f:?}");
        }
        for p in ["/v2/etc/settings", "/api/sys/health", "/runs/42/dev", "/proc/jobs/7", "/var/items?path=/etc/passwd", "/users/usr/local", "/sys", "/etc"] {
            assert!(at(p).iter().all(|f| f.location != "path"), "{p}: {:?}", at(p));
        }
    }

    #[test]
    fn a_dotfile_as_a_list_item_is_configuration() {
        use crate::fields::ValueType;
        let flagged = |name: &str, v: &str| {
            let found: Vec<_> = scan_at(Part::Body, ValueType::Text, name, v).into_iter().filter(|f| f.kind == "attack.traversal").collect();
            crate::verdict::decide(&found, &crate::verdict::Thresholds::default(), 1.0, false).decision != crate::verdict::Decision::Allow
        };
        for (name, v) in [("$.ignore[2]", ".env"), ("$.exclude[0]", ".htaccess"), ("$.build.watch_ignore[4]", ".env.local"), ("$.files[1]", ".DS_Store"), ("$[3]", ".history")] {
            assert!(!flagged(name, v), "{name} = {v}");
        }
        for (name, v) in [
            ("$.ignore[2]", "../.env"),
            ("$.paths[0]", "/../.env"),
            ("$.paths[0]", ".git/config"),
            ("$.files[0]", "app/.env"),
            ("$.file", ".env"),
            ("$.template", "../../.env"),
        ] {
            assert!(flagged(name, v), "{name} = {v}");
        }
        for v in ["/../.env", "../../.env", "/.env", ".git/config", ".env"] {
            assert!(flags("attack.traversal", v), "{v} in a query");
            assert!(flags_at("attack.traversal", Part::Body, v), "{v} in a form");
        }
    }

    /// A web server's configuration file by its relative path in a JSON text field (a
    /// repository's file listing, a deploy setting) is a name; a climb or a root path to it, a
    /// servlet directory, and the same names in a query or form stay flagged.
    #[test]
    fn a_server_config_file_in_a_json_listing_is_a_name() {
        let flagged = |name: &str, v: &str| flags_in_json_at("attack.traversal", name, v);
        for (name, v) in [("$.path", "site/web.config"), ("$.tree[3].path", "public/.htaccess"), ("$.name", ".htaccess"), ("$.files[0].filename", "web.config")] {
            assert!(!flagged(name, v), "{name} = {v}");
        }
        for (name, v) in [("$.path", "../web.config"), ("$.path", "../../site/.htaccess"), ("$.path", "/web.config"), ("$.path", "c:\\inetpub\\wwwroot\\web.config"), ("$.path", "app/WEB-INF/web.xml"), ("$.path", ".env")] {
            assert!(flagged(name, v), "{name} = {v}");
        }
        for v in ["web.config", "app/.htaccess"] {
            assert!(flags("attack.traversal", v), "{v} in a query");
        }
    }

    #[test]
    fn a_key_pair_or_log_named_in_a_json_field_is_a_name() {
        let flagged = |name: &str, v: &str| flags_in_json_at("attack.traversal", name, v);
        for (name, v) in [("$.instance.key_name", "id_rsa"), ("$.ssh.keyPair", "id_ed25519"), ("$.logging.file", "debug.log"), ("$.sink.target", "error.log")] {
            assert!(!flagged(name, v), "{name} = {v}");
        }
        // Where the key or log lives is still a file read, and a query or form value stays strict.
        for (name, v) in [("$.file", "~/.ssh/id_rsa"), ("$.file", ".ssh/id_rsa"), ("$.path", "../../id_rsa"), ("$.log", "/var/log/debug.log")] {
            assert!(flagged(name, v), "{name} = {v}");
        }
        assert!(flags("attack.traversal", "id_rsa"), "a query value naming a key file");
    }

    #[test]
    fn system_paths_in_prose_or_snippets_in_a_body_stay_below_flag() {
        for text in [
            "Check your /etc/hosts file and make sure localhost resolves to 127.0.0.1",
            "Edit /etc/passwd only with vipw; see the shadow file permissions too",
            "import os\nprint(open('/etc/hosts').read())",
            "Windows: C:\\Windows\\System32\\drivers\\etc\\hosts",
            "Copy .env.example to .env and fill in the keys",
            "paths like ../../shared/utils.js are resolved relative to the file",
            "## Contributing\n\nSee [the guide](../../CONTRIBUTING.md) first.",
            "<p>Read <a href=\"../../docs/intro.html\">the intro</a>.</p>",
        ] {
            assert!(!any_flag_in_json(text), "{text}");
        }
        for v in [
            "/etc/passwd",
            "file:///etc/shadow",
            "C:\\Windows\\win.ini",
            "x=/proc/self/environ",
            "../../etc/hosts",
            ".env",
            "[x](../../../../etc/passwd)",
            "(../../../x",
            "'../../../x",
        ] {
            assert!(flags_in_json("attack.traversal", v), "{v} in a JSON body");
        }
        assert!(flags("attack.traversal", "see /etc/passwd"), "in a URL");
        assert!(flags("attack.traversal", "[x](../../../x)"), "a link target in a URL");
        assert!(
            flags_at("attack.traversal", Part::Body, "see /etc/passwd"),
            "in a form field"
        );
    }
}
