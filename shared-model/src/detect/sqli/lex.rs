//! The SQL tokenizer: a value read as SQL in one injection context (bare, or inside the
//! application's quotes) under one dialect's lexical rules, and the vocabulary that classifies its
//! words (keywords, catalogs, known functions). Linear in the value and bounded by [`MAX_TOKENS`];
//! what the tokens mean is judged in the parent module and in [`super::grammar`].

use crate::detect::gate::{in_sorted, is_word, skip_space, skip_space_comments};

/// Tokens considered per context; payloads are short and real SQL structure shows early.
pub(super) const MAX_TOKENS: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kw {
    Union,
    Select,
    From,
    /// Starts a statement after `;`: insert, update, delete, drop, exec, declare, ...
    Stmt,
    /// Any other reserved word that only SQL uses in this position (where, having, limit, ...).
    Clause,
    /// Word operators: like, rlike, regexp, is, in, between, sounds, div, mod.
    WordOp,
    /// Literal words: null, true, false, and the value functions SQL calls without parentheses
    /// (`current_user`, `utc_date`, [`NILADIC`]).
    Literal,
    /// The system catalogs an attacker enumerates: information_schema, sysobjects, ...
    Catalog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum T {
    /// A string literal; `closed` is false when the value ends inside it; `blank` when it holds
    /// nothing but quotes and spaces.
    Str { closed: bool, blank: bool },
    Num,
    Kw(Kw),
    /// A known SQL function followed by `(`; `danger` for time delays, file access and XML error
    /// probes, which have no business in an API value.
    Func { danger: bool },
    /// A bare word (identifier or prose word); `call` when followed by `(`.
    Word { call: bool },
    /// `@x`, `@@version`.
    Var { system: bool },
    /// `?`: a bind-parameter placeholder.
    Param,
    /// Boolean connectives: and, or, xor, not, &&, ||, and Access's eqv and imp.
    Logic,
    /// Comparisons: = <> != < > <= >= <=>.
    Cmp,
    /// Arithmetic and bit operators.
    Op,
    /// `--`, `#`, `/* */`; `inline` when it sits between two non-space characters.
    Comment { inline: bool },
    Semi,
    LParen,
    RParen,
    Comma,
    Dot,
    Other,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Tok {
    pub(super) t: T,
    pub(super) at: usize,
    pub(super) end: usize,
}

/// Where the application pasted the value: bare (a number, a clause) or after an opening quote
/// (`'`, `"`, or MySQL's `` ` `` around an identifier).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Ctx {
    Raw,
    Quote(u8),
}

/// How the tokenizer reads a value: the lexical rules on which SQL dialects differ.
#[derive(Clone, Copy)]
pub(super) struct Lexing {
    /// A backslash escapes a quote inside the string the application opened (quote contexts).
    pub(super) escapes: bool,
    /// `--` starts a comment only before whitespace or the end, as in MySQL (`--1` is two
    /// minus signs there, a comment elsewhere).
    pub(super) mysql_dashes: bool,
}

impl Lexing {
    pub(super) const STANDARD: Lexing = Lexing { escapes: true, mysql_dashes: false };
}

/// The value's tokens in `ctx`, read with `lex`.
pub(super) fn tokenize(b: &[u8], ctx: Ctx, lex: Lexing) -> Vec<Tok> {
    let mut toks = Vec::new();
    let mut i = 0;
    // ODBC escapes `{x ..}` open: their `}` closes like `)`.
    let mut braces = 0u32;
    if let Ctx::Quote(q) = ctx {
        let (end, closed) = if lex.escapes { string_end(b, 0, q) } else { b.iter().position(|&c| c == q).map_or((b.len(), false), |p| (p + 1, true)) };
        toks.push(Tok { t: T::Str { closed, blank: false }, at: 0, end });
        i = end;
    }
    while i < b.len() && toks.len() < MAX_TOKENS {
        let c = b[i];
        let start = i;
        let t = match c {
            c if c.is_ascii_whitespace() || c.is_ascii_control() || c == 0xa0 => {
                i += 1;
                continue;
            }
            _ if wide_space(b, i) > 0 => {
                i += wide_space(b, i);
                continue;
            }
            // In the backtick context, the identifiers its quote opens and closes are the quoted
            // operands, as strings are in the other quote contexts.
            b'\'' | b'"' | b'`' if c != b'`' || ctx == Ctx::Quote(b'`') => {
                let (end, closed) = string_end(b, i + 1, c);
                let inner = &b[i + 1..if closed { end - 1 } else { end }];
                let blank = inner.iter().all(|&x| x == c || x == b' ');
                i = end;
                T::Str { closed, blank }
            }
            b'`' => {
                let (end, _) = string_end(b, i + 1, b'`');
                i = end;
                T::Word { call: next_is_paren(b, end) }
            }
            // `/*/` glued after a path segment (`bucket/*/logs`) is a path's wildcard, not a
            // comment: SQL comments open on their own or after a word (`union/**/select`).
            b'/' if b.get(i + 1) == Some(&b'*') && !path_wildcard(b, i) => {
                if b.get(i + 2) == Some(&b'!') {
                    // MySQL executable comment: its body is SQL. Skip the marker and version.
                    i += 3;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    continue;
                }
                let end = find(b, i + 2, b"*/").map_or(b.len(), |e| e + 2);
                let inline = start > 0 && !b[start - 1].is_ascii_whitespace() && b.get(end).is_some_and(|x| !x.is_ascii_whitespace());
                i = end;
                T::Comment { inline }
            }
            b'*' if b.get(i + 1) == Some(&b'/') => {
                i += 2;
                continue;
            }
            // `--` starts a comment when what follows could not continue an expression (MySQL
            // wants a space; other dialects do not, but `--'x` is a string after two minuses).
            b'-' if b.get(i + 1) == Some(&b'-')
                && !matches!(b.get(i + 2), Some(b'\'' | b'"'))
                && !(lex.mysql_dashes && b.get(i + 2).is_some_and(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())) =>
            {
                i = line_end(b, i);
                T::Comment { inline: false }
            }
            b'#' => {
                i = line_end(b, i);
                T::Comment { inline: false }
            }
            b'0'..=b'9' => {
                let start = i;
                i = number_end(b, i);
                // Digits then letters are one identifier (`1st`, `2fa`, ids), but a number with a
                // point or an exponent cannot begin one: SQL lexes `1.UNION` and `1e1AND` as a
                // number and a keyword, a known filter bypass.
                let hex = b[start] == b'0' && matches!(b.get(start + 1), Some(b'x' | b'b'));
                let float = !hex && b[start..i].iter().any(|&c| c == b'.' || c == b'e');
                if !float && i < b.len() && (b[i].is_ascii_alphabetic() || b[i] == b'_') {
                    if suffix_before_keyword(b, start, i) {
                        i += 1;
                        T::Num
                    } else if keyword_at(b, i) || clause_at(b, i) {
                        // `1and 1=1`, `0union select`, `1order by 1`: SQL Server (and PostgreSQL
                        // before 15) end a number at its last digit, so a keyword glued to it is
                        // read apart, a known filter bypass; `1st`, `2fa` stay words.
                        T::Num
                    } else {
                        i = word_end(b, i);
                        T::Word { call: false }
                    }
                } else {
                    T::Num
                }
            }
            b'.' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                i = number_end(b, i);
                T::Num
            }
            // `@@version` is a system variable; the `@@` around a unified diff's hunk range
            // (`@@ -1,3 +1,4 @@`) is not.
            b'@' if b.get(i + 1) == Some(&b'@') && diff_hunk_mark(b, i) => {
                i += 2;
                T::Other
            }
            // PostgreSQL's containment `@>`.
            b'@' if b.get(i + 1) == Some(&b'>') => {
                i += 2;
                T::Cmp
            }
            b'@' => {
                let system = b.get(i + 1) == Some(&b'@');
                let name = i + 1 + usize::from(system);
                // `@"x"`, `@'x'`, `` @`x` ``: MySQL user variables may have quoted names.
                i = match b.get(name) {
                    Some(&q @ (b'\'' | b'"' | b'`')) => string_end(b, name + 1, q).0,
                    _ => word_end(b, name),
                };
                // (A lone `@` or `@@` names nothing: a mark in text, `@@` in a handle.)
                if i > name {
                    T::Var { system }
                } else {
                    i = i.max(name);
                    T::Other
                }
            }
            // `\N`: MySQL's shorthand for NULL (matched lower-case).
            b'\\' if b.get(i + 1) == Some(&b'n') && (!b.get(i + 2).is_some_and(|&c| is_word(c)) || keyword_at(b, i + 2)) => {
                i += 2;
                T::Kw(Kw::Literal)
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c == b'$' || c >= 0x80 => {
                i = word_end(b, i);
                match classify(&b[start..i], next_is_paren(b, i)) {
                    // `or glob(1)`, `like(a, b)`: SQLite's pattern operators are also functions,
                    // called where an operand is due.
                    T::Kw(Kw::WordOp) if next_is_paren(b, i) && matches!(&b[start..i], b"glob" | b"like") && !toks.last().is_some_and(|t: &Tok| ends_operand(t.t)) => {
                        T::Func { danger: false }
                    }
                    t => t,
                }
            }
            // `=`, `==`, and `===`, which chained probes borrow from script (`||(x===`).
            b'=' => {
                i += 1;
                while i < b.len() && b[i] == b'=' && i - start < 3 {
                    i += 1;
                }
                T::Cmp
            }
            // PostgreSQL's containment `<@`.
            b'<' if b.get(i + 1) == Some(&b'@') => {
                i += 2;
                T::Cmp
            }
            // PostgreSQL's JSON access `->`, `->>`.
            b'-' if b.get(i + 1) == Some(&b'>') => {
                i += 2 + usize::from(b.get(i + 2) == Some(&b'>'));
                T::Op
            }
            // `::`, PostgreSQL's cast: an operator whose right side is a type name.
            b':' if b.get(i + 1) == Some(&b':') => {
                i += 2;
                T::Op
            }
            // `?`: a bind parameter, which a driver fills with a value.
            b'?' => {
                i += 1;
                T::Param
            }
            // `<<`, `>>`: bit shifts.
            b'<' | b'>' if b.get(i + 1) == Some(&c) => {
                i += 2;
                T::Op
            }
            // PostgreSQL's regular-expression match after an operand: `~`, `~*`, `!~`, `!~*`
            // (before an operand `~` is MySQL's bitwise not).
            b'~' | b'!' if (c == b'~' || b.get(i + 1) == Some(&b'~')) && toks.last().is_some_and(|t: &Tok| ends_operand(t.t)) => {
                i += if c == b'!' { 2 } else { 1 };
                i += usize::from(b.get(i) == Some(&b'*'));
                T::Cmp
            }
            b'<' | b'>' | b'!' => {
                i += 1;
                while i < b.len() && matches!(b[i], b'=' | b'>') && i - start < 3 {
                    i += 1;
                }
                if c == b'!' && i == start + 1 { T::Op } else { T::Cmp }
            }
            b'|' | b'&' if b.get(i + 1) == Some(&c) => {
                i += 2;
                T::Logic
            }
            b'+' | b'-' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'~' | b':' => {
                i += 1;
                T::Op
            }
            b';' => {
                i += 1;
                T::Semi
            }
            b'(' => {
                i += 1;
                T::LParen
            }
            // `{x expr}`: MySQL's ODBC escape, an expression in braces after an identifier.
            b'{' if odbc_escape(b, i) > 0 => {
                i = odbc_escape(b, i);
                braces += 1;
                T::LParen
            }
            b'}' if braces > 0 => {
                i += 1;
                braces -= 1;
                T::RParen
            }
            b')' => {
                i += 1;
                T::RParen
            }
            b',' => {
                i += 1;
                T::Comma
            }
            b'.' => {
                i += 1;
                T::Dot
            }
            // `[users]`, `[dbo]`: T-SQL's bracketed identifier.
            b'[' if bracketed_name(b, i) > 0 => {
                i = bracketed_name(b, i);
                T::Word { call: next_is_paren(b, i) }
            }
            _ => {
                i += 1;
                T::Other
            }
        };
        toks.push(Tok { t, at: start, end: i });
    }
    toks
}

/// Whether a token can end an operand, so that an operator may follow it.
fn ends_operand(t: T) -> bool {
    matches!(t, T::Num | T::Str { .. } | T::Var { .. } | T::Param | T::Kw(Kw::Literal) | T::Word { call: false } | T::RParen)
}

/// Whether the `/*` at `i` is a path's wildcard segment: `/*/` glued to a path (`s3://b/*/x`,
/// `/v1/items/*/tags`).
fn path_wildcard(b: &[u8], i: usize) -> bool {
    i > 0 && b.get(i + 2) == Some(&b'/') && (is_word(b[i - 1]) || matches!(b[i - 1], b'/' | b'.' | b'-'))
}

/// End of a string opened before `i` with delimiter `q`: (index after the closing quote, closed).
/// Both `\'` and `''` escape the delimiter.
fn string_end(b: &[u8], mut i: usize, q: u8) -> (usize, bool) {
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
        } else if b[i] == q {
            if b.get(i + 1) == Some(&q) {
                i += 2;
            } else {
                return (i + 1, true);
            }
        } else {
            i += 1;
        }
    }
    (b.len(), false)
}

pub(super) fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    b.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

fn line_end(b: &[u8], i: usize) -> usize {
    b[i..].iter().position(|&c| c == b'\n').map_or(b.len(), |p| i + p + 1)
}

fn number_end(b: &[u8], mut i: usize) -> usize {
    if b[i] == b'0' && matches!(b.get(i + 1), Some(b'x' | b'b')) && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit) {
        i += 2;
        while i < b.len() && b[i].is_ascii_hexdigit() {
            i += 1;
        }
        return i;
    }
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    // `1.e(`: MySQL reads a point then an empty exponent as part of the number.
    if b[..i].ends_with(b".") && b.get(i) == Some(&b'e') && (matches!(b.get(i + 1), Some(b'(' | b')' | b',')) || member_after_exponent(b, i)) {
        return i + 1;
    }
    if i < b.len() && b[i] == b'e' {
        let mut j = i + 1;
        if j < b.len() && matches!(b[j], b'+' | b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = j;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        }
    }
    i
}

/// The end of an ODBC escape's opening `{x ` at `i` (a brace, an identifier, whitespace), or 0.
/// A backtick-quoted name opens one too (`` {`if`(1=1)} ``): the escape then ends at the brace,
/// and the name is the escape's first token.
fn odbc_escape(b: &[u8], i: usize) -> usize {
    let start = skip_space(b, i + 1);
    if b.get(start) == Some(&b'`') {
        return i + 1;
    }
    let end = word_end(b, start);
    let word = end > start && b.get(start).is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_');
    if word && b.get(end).is_some_and(u8::is_ascii_whitespace) { end + 1 } else { 0 }
}

/// Whether the word at `i` is a keyword that joins or starts SQL (`union`, `select`, `from`,
/// `and`, ...), which the lexer reads apart from a literal glued before it (`\Nunion`).
fn keyword_at(b: &[u8], i: usize) -> bool {
    matches!(classify(&b[i..word_end(b, i)], false), T::Kw(Kw::Union | Kw::Select | Kw::From) | T::Logic)
}

/// Whether the word at `i` is a clause that follows a value (`order`, `having`, `limit`, ...),
/// which a lexer that ends numbers at their last digit reads apart from one glued before it.
fn clause_at(b: &[u8], i: usize) -> bool {
    matches!(&b[i..word_end(b, i)], b"order" | b"group" | b"having" | b"limit" | b"where" | b"into" | b"procedure")
}

/// `1funion`, `0xunion`: digits `b[start..i]` then a one-letter literal suffix that ends the
/// number in some dialect (Oracle's `f`/`d` binary float and double, SQL Server's empty binary
/// `0x`), glued to a keyword. Those dialects read the number then the keyword; elsewhere it is
/// one identifier (`2fa`, `1day`).
fn suffix_before_keyword(b: &[u8], start: usize, i: usize) -> bool {
    let suffix = match b.get(i) {
        Some(b'f' | b'd') => true,
        Some(b'x') => &b[start..i] == b"0",
        _ => false,
    };
    suffix && keyword_at(b, i + 1)
}

/// The length of a multi-byte separator at `i`, else 0: U+00A0 (no-break space) and U+FFFD
/// (what an undecodable byte became) separate tokens as a space does (`1%A0UNION`).
pub(super) fn wide_space(b: &[u8], i: usize) -> usize {
    match b.get(i..).unwrap_or(&[]) {
        [0xc2, 0xa0, ..] => 2,
        [0xef, 0xbf, 0xbd, ..] => 3,
        _ => 0,
    }
}

pub(super) fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'$') || b[i] >= 0x80 && wide_space(b, i) == 0) {
        i += 1;
    }
    i
}

/// The end of a T-SQL bracketed identifier opening at `i` (`[`, a name, `]`), or 0.
fn bracketed_name(b: &[u8], i: usize) -> usize {
    let starts = b.get(i + 1).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_');
    let body = b.get(i + 1..).unwrap_or(&[]).iter().take(64).position(|&c| !(is_word(c) || c == b' '));
    match body {
        Some(n) if starts && b.get(i + 1 + n) == Some(&b']') => i + n + 2,
        _ => 0,
    }
}

/// Whether `(` follows `i` past blanks and comments (`sleep/**/(5)`: SQL reads a comment as a
/// blank).
fn next_is_paren(b: &[u8], i: usize) -> bool {
    b.get(skip_space_comments(b, i)) == Some(&b'(')
}

/// System catalogs and tables that list a database's schema: only schema enumeration names
/// them in a request value. Sorted.
pub(super) const CATALOGS: &[&str] = &[
    "all_tab_columns", "all_tables", "information_schema", "msdb", "msysaccessobjects", "msysaccessstorage",
    "msysaccessxml", "msysaces", "msysmodules", "msysmodules2", "msysobjects", "msysqueries", "msysrelationships",
    "pg_catalog", "pg_shadow", "pg_tables", "pg_toast", "sqlite_master", "sqlite_schema", "sqlite_temp_master",
    "sysaux", "syscolumns", "sysdatabases", "sysibm", "sysobjects", "tempdb", "user_tab_columns", "user_tables",
];

/// Value functions that SQL calls without parentheses (standard SQL, MySQL, Oracle, SQL
/// Server): a value in an expression, as a number is. Sorted.
pub(super) const NILADIC: &[&str] = &[
    "current_catalog", "current_date", "current_role", "current_schema", "current_time", "current_timestamp",
    "current_user", "localtime", "localtimestamp", "session_user", "sysdate", "system_user", "systimestamp",
    "utc_date", "utc_time", "utc_timestamp",
];

/// SQL Server's catalog views, named `sys.<view>`: its databases, tables, logins. Sorted.
pub(super) const SYS_VIEWS: &[&str] = &[
    "all_columns", "all_objects", "columns", "databases", "objects", "procedures", "schemas", "sql_logins",
    "syscolumns", "syslogins", "sysobjects", "sysprocesses", "tables", "views",
];

/// Whether `w` names one of SQL Server's catalog views after `sys.`: a listed one, or one of
/// the per-database and per-server families (`database_files`, `server_role_members`).
pub(super) fn catalog_view(w: &[u8]) -> bool {
    in_sorted(SYS_VIEWS, w) || [&b"database_"[..], b"server_"].iter().any(|p| w.len() > p.len() && w.starts_with(p))
}

/// SQL Server's procedures that run operating-system commands, SQL text or COM objects, or
/// read the registry and file system: an API value has no reason to name them. Sorted.
pub(super) const SYSTEM_PROCEDURES: &[&str] = &[
    "sp_addextendedproc", "sp_configure", "sp_executesql", "sp_makewebtask", "sp_oacreate", "sp_oamethod",
    "xp_cmdshell", "xp_dirtree", "xp_fileexist", "xp_regread", "xp_regwrite", "xp_servicecontrol", "xp_subdirs",
];

/// Calls that build one string from many rows or values (MySQL's aggregate and set functions),
/// how extraction payloads fit a whole column into one result. Sorted.
pub(super) const STRING_BUILDERS: &[&str] = &["concat_ws", "export_set", "group_concat", "make_set"];

/// MySQL's grant tables, named `mysql.<table>`: where its users, hosts and password hashes live.
/// Sorted.
pub(super) const MYSQL_GRANT_TABLES: &[&str] = &["columns_priv", "db", "procs_priv", "tables_priv", "user"];

/// Functions that report the server's identity, user or schema, called without arguments by
/// schema-enumeration payloads. Sorted.
pub(super) const INFO_FUNCS: &[&str] = &[
    "connection_id", "current_database", "current_schema", "current_setting", "current_user", "database", "db_name",
    "found_rows", "getpgusername", "host_name", "is_srvrolemember", "last_insert_id", "pg_client_encoding", "row_count",
    "schema", "schema_name", "session_user", "sqlite_source_id", "sqlite_version", "suser_name", "suser_sname",
    "sys_context", "system_user", "user", "user_name", "version",
];

/// Functions that delay, read or write files, load code or raise errors that carry data: no
/// business in an API value. Sorted.
pub(super) const DANGER_FUNCS: &[&str] = &[
    "benchmark", "database_to_xml", "dbms_java", "dbms_lock", "dbms_pipe", "exp", "extractvalue", "geometrycollection",
    "get_lock", "json_keys", "linestring", "lo_export", "lo_get", "lo_import", "load_extension", "load_file",
    "master_pos_wait", "multipoint", "name_const", "opendatasource", "openrowset", "pg_ls_dir", "pg_read_binary_file",
    "pg_read_file", "pg_sleep", "pg_stat_file", "polygon", "query_to_xml", "randomblob", "sleep", "sys_eval",
    "sys_exec", "updatexml", "utl_file", "utl_http", "utl_inaddr", "utl_smtp", "utl_tcp", "xp_cmdshell",
];

/// Functions of the SQL dialects (MySQL, PostgreSQL, SQL Server, Oracle, SQLite) that
/// injections call to read, convert and compare what they extract. Sorted.
pub(super) const FUNCS: &[&str] = &[
    "abs", "adddate", "addtime", "aes_decrypt", "aes_encrypt", "ascii", "avg", "bin", "bit_and", "bit_count",
    "bit_length", "bit_or", "bit_xor", "cast", "ceil", "char", "char_", "char_length", "character_length", "chr",
    "coalesce", "coercibility", "collation", "compress", "concat", "concat_ws", "connection_id", "conv", "convert",
    "convert_tz", "cos", "count", "crc32", "curdate", "current_database", "current_schema", "current_setting",
    "current_user", "curtime", "database", "date_add", "date_format", "date_sub", "datediff", "dayofmonth", "dayofweek",
    "dayofyear", "db_name", "dbms_xmlgen", "decode", "des_decrypt", "des_encrypt", "elt", "encode", "exists",
    "export_set", "field", "find_in_set", "floor", "found_rows", "from_base64", "from_days", "from_unixtime",
    "get_format", "getpgusername", "glob", "greatest", "group_concat", "gtid_subset", "has_dbaccess", "hex", "hextoraw",
    "host_name", "if", "ifnull", "iif", "inet6_aton", "inet6_ntoa", "inet_aton", "inet_ntoa", "inet_server_addr",
    "instr", "instrb", "is_free_lock", "is_ipv4", "is_ipv6", "is_srvrolemember", "is_superuser", "is_used_lock",
    "isnull", "json_array", "json_extract", "json_object", "json_search", "json_type", "json_unquote", "json_valid",
    "julianday", "last_insert_id", "last_insert_rowid", "lcase", "least", "left", "len", "length", "locate", "lower",
    "lpad", "ltrim", "make_set", "makedate", "maketime", "max", "md5", "mid", "min", "monthname", "nchar", "now",
    "nullif", "nvl", "object_id", "oct", "octet_length", "old_password", "ord", "period_add", "period_diff",
    "pg_read_file", "position", "quote", "rand", "rawtohex", "release_lock", "repeat", "replace", "reverse", "right",
    "round", "row", "row_count", "row_to_json", "rownum", "rpad", "rtrim", "schema", "schema_name", "sec_to_time",
    "session_user", "sha1", "sha2", "sin", "soundex", "space", "sqlite_compileoption_get", "sqlite_compileoption_used",
    "sqlite_source_id", "sqlite_version", "str_to_date", "strcmp", "subdate", "substr", "substring", "substring_index",
    "subtime", "sum", "suser_name", "suser_sname", "sys_context", "sysdate", "system_user", "time_format",
    "time_to_sec", "timediff", "timestampadd", "timestampdiff", "to_base64", "to_char", "to_days", "to_number",
    "to_seconds", "total_changes", "trim", "typeof", "ucase", "uncompress", "uncompressed_length", "unhex", "unicode",
    "unix_timestamp", "upper", "user", "user_name", "utc_date", "utc_time", "utc_timestamp", "utl_raw", "uuid",
    "uuid_short", "values", "varchar", "version", "weekday", "weekofyear", "weight_string", "xmltype", "yearweek",
    "zeroblob",
];

/// A word's token kind; `call` when it is followed by `(`.
fn classify(w: &[u8], call: bool) -> T {
    let Ok(w) = std::str::from_utf8(w) else { return T::Word { call } };
    if call && (w == "char" || w == "database" || w == "elt") {
        return T::Func { danger: false };
    }
    match w {
        // The set operators: `except` and `intersect` (standard SQL) and `minus` (Oracle) join
        // a second select as `union` does.
        "union" | "except" | "intersect" | "minus" => T::Kw(Kw::Union),
        "select" => T::Kw(Kw::Select),
        "from" => T::Kw(Kw::From),
        // `eqv`, `imp`: the logical equivalence and implication of Access (Jet) SQL.
        "and" | "or" | "xor" | "not" | "eqv" | "imp" => T::Logic,
        "null" | "true" | "false" => T::Kw(Kw::Literal),
        _ if in_sorted(CATALOGS, w.as_bytes()) => T::Kw(Kw::Catalog),
        _ if !call && in_sorted(NILADIC, w.as_bytes()) => T::Kw(Kw::Literal),
        "like" | "rlike" | "regexp" | "glob" | "is" | "in" | "between" | "sounds" | "div" | "mod" | "collate" | "escape" => {
            T::Kw(Kw::WordOp)
        }
        "insert" | "update" | "delete" | "drop" | "exec" | "execute" | "declare" | "create" | "alter" | "truncate"
        | "shutdown" | "call" | "grant" | "revoke" | "rename" | "handler" | "load" | "waitfor" | "begin"
        | "merge" | "prepare" | "deallocate" | "lock" | "use" | "show" | "describe" => T::Kw(Kw::Stmt),
        "where" | "having" | "limit" | "offset" | "order" | "group" | "by" | "into" | "outfile" | "dumpfile"
        | "procedure" | "distinct" | "distinctrow" | "all" | "case" | "when" | "then" | "else" | "end" | "join" | "values"
        | "table" | "top" | "delay" | "analyse" | "asc" | "desc" | "set" | "database" | "as" | "on"
        | "exists" | "using" | "natural" | "binary" | "char" | "varchar"
        | "nvarchar" | "int" | "integer" | "elt" => T::Kw(Kw::Clause),
        _ if call && in_sorted(DANGER_FUNCS, w.as_bytes()) => T::Func { danger: true },
        _ if call && (in_sorted(FUNCS, w.as_bytes()) || w.starts_with("pg_") || w.starts_with("sp_") || w.starts_with("xp_")) => {
            T::Func { danger: false }
        }
        _ => T::Word { call },
    }
}

/// Whether the `@@` at `i` opens (`@@ -12,`) or closes (`,7 @@`) a unified diff's hunk header.
fn diff_hunk_mark(b: &[u8], i: usize) -> bool {
    let opens = b.get(i + 2..i + 5).is_some_and(|w| w[0] == b' ' && w[1] == b'-' && w[2].is_ascii_digit());
    let closes = i >= 2 && b[i - 1] == b' ' && b[i - 2].is_ascii_digit() && b.get(i + 2).is_none_or(|c| c.is_ascii_whitespace());
    opens || closes
}

/// Whether the empty exponent `e` at `i` is followed by `.` and a name (`1.e.table_name`):
/// MySQL reads `1.e` as a number and the name as the next token.
pub(super) fn member_after_exponent(b: &[u8], i: usize) -> bool {
    b.get(i + 1) == Some(&b'.') && b.get(i + 2).is_some_and(|&c| c.is_ascii_alphabetic() || c == b'_' || c == b'$')
}
