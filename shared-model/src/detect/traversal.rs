//! Path traversal and local file inclusion: climbing out of a directory, or naming a file that
//! only an attacker asks for.
//!
//! Matched on the decoded form, so `%2e%2e%2f`, `..%c0%af` and `..%252f` all read `../`. One
//! `../` is common in relative links and only Medium; a chain of them, a traversal reaching a
//! system path, or a well-known sensitive file (`/etc/passwd`, `win.ini`, `.env`, `.git/config`,
//! `id_rsa`, `/proc/self/environ`) is High or Critical. A path segment that *is* `..` (only
//! possible when the client sent it encoded) is a traversal by itself.

use super::{Check, Family, Hit, Rules, Subject};
use crate::fields::Part;
use crate::finding::Severity::{Critical, High, Medium};

pub(crate) struct Traversal {
    rules: Rules,
}

/// Files and directories nobody asks for by name except to read them through an inclusion bug.
const SENSITIVE: &str = r"(?:etc/(?:passwd|shadow|master\.passwd|group|hosts|issue|sudoers|subuid|subgid|crontab|fstab|hostname|resolv\.conf|profile|bashrc|mysql/my\.cnf|httpd|apache2|nginx|ssh/)|proc/(?:self|\d+)/(?:environ|cmdline|fd|maps|status|mem|root|cwd)|proc/(?:version|cpuinfo|meminfo|interrupts|net/)|sys/(?:class|kernel|devices|block|firmware|power)|(?:boot|win|system)\.ini\b|windows[/\\](?:system32|win\.ini|repair)|winnt[/\\]|inetpub[/\\]|wp-config\.php|web-inf[/\\]|meta-inf[/\\]|\.ht(?:access|passwd)|\.git/(?:config|head|index|logs)|\.svn/|\.env\b|\.aws/credentials|\.ssh/|id_(?:rsa|dsa|ecdsa|ed25519)\b|\.docker/|\.kube/config|\.bash_history|\.history\b|\.npmrc|\.pgpass|\.netrc|\.mysql_history|usr/local/apps/|dev/(?:tcp|udp|shm)|apache2?/conf|httpd\.conf|php\.ini|debug\.log\b|error\.log\b|backup\.sql|dump\.sql|\.aiignore|\.cursorignore|@fs/)";

impl Traversal {
    pub fn new() -> Result<Traversal, String> {
        let chain = r"(?:\.{2,}[/\\;]+(?:\.?[/\\;]+)*){2,}";
        let reach = format!(r"\.{{2,}}[/\\;]+(?:[^/\\]*[/\\]+)*?{SENSITIVE}");
        let anchored = format!(r"(?:^|[\s=:'\x22(>|;,&]|file:/+|[a-z]:)[/\\]+{SENSITIVE}");
        let named = format!(r"(?:^|[/\\\s=])\.?{}", r"(?:\.env|\.git/config|\.htpasswd|\.aws/credentials|\.ssh/(?:id_\w+|authorized_keys)|id_rsa|wp-config\.php|web\.config|\.docker/\S*secret|backup\.sql(?:\.\w+)?|\.aiignore|\.cursorignore|\.history|debug\.log|errors?\.log)\b");
        let table = [
            (reach.as_str(), Critical, 0.95, "traversal to a system file"),
            (chain, High, 0.85, "repeated ../ traversal"),
            (r"(?:^|[/\\=])\.{3,}[/\\]", High, 0.8, "dot-dot-dot traversal"),
            (anchored.as_str(), High, 0.8, "absolute path to a system file"),
            (named.as_str(), High, 0.7, "sensitive file name"),
            (r"(?:^|[/\\=\s])\.\.[/\\;]", Medium, 0.7, "single ../"),
        ];
        Ok(Traversal { rules: Rules::new(Family::Traversal, &table)? })
    }
}

impl Check for Traversal {
    fn triggers(&self) -> &'static [&'static str] {
        &[
            "..", "etc/", "proc/", "sys/", ".ini", "windows", "winnt", "inetpub", "wp-config", "web-inf", "meta-inf",
            ".ht", ".git", ".svn", ".env", ".aws", ".ssh", "id_", ".docker", ".kube", "history", ".npmrc", ".pgpass",
            ".netrc", "usr/local", "dev/", "apache", "httpd", "php.ini", ".log", "backup.sql",
            "dump.sql", "ignore", "@fs", "web.config",
        ]
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let rule = self.rules.best(s.text);
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

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::fields::Part;

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
            ],
        );
        assert!(flags_at("attack.traversal", Part::Path, ".."));
    }
}
