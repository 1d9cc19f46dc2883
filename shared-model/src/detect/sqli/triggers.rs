//! When the SQL check wakes: its trigger words and the gates that keep a trigger from waking it
//! on ordinary text (a quote that closes a string and goes on with SQL, `--` before a comment's
//! end, `or` between operands, a call of a known function). Each gate looks only around its
//! trigger, so the clean path stays one automaton pass.

use super::lex::{member_after_exponent, wide_space, DANGER_FUNCS, FUNCS, NILADIC};
use crate::detect::gate::{gated, in_sorted, is_word, lit, prev_non_space, skip_space, skip_space_comments, skip_space_comments_back, starts_word, whole_word, word_at, word_before, word_start};
use crate::detect::Trigger;

/// Words that can follow a value in SQL (an operator, a clause): what an injected quote or
/// number is followed by. Sorted (binary search).
pub(super) const AFTER_VALUE: &[&str] = &[
    "and", "as", "asc", "between", "binary", "case", "collate", "desc", "div", "else", "end", "eqv", "escape",
    "except", "exec", "execute", "for", "from", "glob", "group", "having", "imp", "in", "intersect", "into", "is",
    "like", "limit",
    "match", "minus", "mod", "not", "null", "offset", "or", "order", "procedure", "regexp", "rlike", "select",
    "sounds", "then", "union", "waitfor", "when", "where", "xor",
];

/// Statement keywords that start a stacked query after `;`. Sorted.
pub(super) const STATEMENTS: &[&str] = &[
    "alter", "begin", "call", "create", "declare", "delete", "desc", "do", "drop", "exec", "execute", "grant", "handler", "if",
    "insert", "kill", "load", "lock", "merge", "prepare", "print", "rename", "replace", "revoke", "select", "set", "show",
    "shutdown", "truncate", "union", "update", "use", "waitfor", "with",
];

/// Gate for a quote: what follows it (past spaces, comments and closing parentheses) is an SQL
/// operator, a terminator, a clause word or, past a blank, another quote (`3' '1`, adjacent
/// literals), as when an injected quote closes the application's string. `O'Brien`, `it's` and
/// `"quoted" text` stay asleep.
fn after_quote(b: &[u8], _s: usize, e: usize) -> bool {
    let mut i = skip_space_comments(b, e);
    while b.get(i) == Some(&b')') {
        i = skip_space_comments(b, i + 1);
    }
    match b.get(i) {
        None => false,
        Some(b'\'' | b'"' | b'`') => i > e,
        Some(b'-' | b'+' | b'*' | b'/' | b'%' | b'^' | b'|' | b'&' | b'=' | b'<' | b'>' | b'!' | b'~' | b';' | b'#' | b',' | b'(') => true,
        Some(c) if c.is_ascii_alphabetic() => {
            let mut buf = [0u8; 24];
            in_sorted(AFTER_VALUE, word_at(b, i, &mut buf))
        }
        _ => false,
    }
}

/// Gate for `--` and `#`: a comment that cuts the query after a value (`1--`, `admin'#`, `)--`,
/// `or utc_date--`), or a short one glued to a token and ended by a newline, a blank in disguise
/// (`1#x\nand#y\n2=2`).
fn before_comment(b: &[u8], s: usize, e: usize) -> bool {
    let glued = s > 0 && !b[s - 1].is_ascii_whitespace();
    if glued && b.get(e..).unwrap_or(&[]).iter().take(64).position(|&c| c == b'\n').is_some_and(|n| b.get(e + n + 1).is_some_and(|c| !c.is_ascii_whitespace())) {
        return true;
    }
    let next_ok = match b.get(e) {
        None => true,
        Some(&c) => c <= b' ' || c == b'-' || c == b'+' || (b[s] == b'-' && !c.is_ascii_alphanumeric()),
    };
    next_ok
        && prev_non_space(b, s).map_or(true, |p| {
            let mut buf = [0u8; 24];
            matches!(b[p], b'0'..=b'9' | b'\'' | b'"' | b'`' | b')' | b';' | b'/') || ends_variable(b, p + 1) || in_sorted(NILADIC, word_before(b, p + 1, &mut buf))
        })
}

/// Whether the word ending at `end` is a variable (`@version`, `@@datadir`).
fn ends_variable(b: &[u8], end: usize) -> bool {
    let mut i = end;
    while i > 0 && end - i < 32 && is_word(b[i - 1]) {
        i -= 1;
    }
    i < end && i > 0 && b[i - 1] == b'@'
}

/// Gate for `;`: a statement keyword follows (a stacked query).
fn stacked(b: &[u8], _s: usize, e: usize) -> bool {
    let i = skip_space_comments(b, e);
    let mut buf = [0u8; 24];
    in_sorted(STATEMENTS, word_at(b, i, &mut buf))
}

/// Whether what ends before `s` (past spaces, and the wide separators of [`wide_space`]) is a
/// value an attacker controls: a number, a quote, a closing parenthesis.
fn after_value(b: &[u8], s: usize) -> bool {
    let mut end = s;
    while let Some(w) = [2, 3].into_iter().find(|&w| end >= w && wide_space(b, end - w) == w) {
        end -= w;
    }
    prev_non_space(b, end).is_some_and(|p| matches!(b[p], b'0'..=b'9' | b'\'' | b'"' | b'`' | b')' | b'/'))
}

/// Gate for `from`: a whole word right after a value (`1) from users`), where the value ends
/// the application's column list.
fn from_after_value(b: &[u8], s: usize, e: usize) -> bool {
    whole_word(b, s, e) && (after_value(b, s) || after_alias(b, s))
}

/// Whether what ends before `s` is a value given an alias (`1 as x`, `'a' as name`): the
/// value, `as`, one name.
fn after_alias(b: &[u8], s: usize) -> bool {
    let name_end = skip_space_back(b, s);
    let name_start = (name_end.saturating_sub(32)..name_end).rev().find(|&p| !is_word(b[p])).map_or(name_end.saturating_sub(32), |p| p + 1);
    let as_end = skip_space_back(b, name_start);
    name_start < name_end
        && as_end < name_start
        && as_end >= 2
        && b[as_end - 2..as_end].eq_ignore_ascii_case(b"as")
        && (as_end == 2 || !is_word(b[as_end - 3]))
        && after_value(b, as_end - 2)
}

/// Gate for logic and comparison words: a whole word next to a value an attacker controls (a
/// number, a quote, a parenthesis, a variable) rather than between two prose words.
fn logic(b: &[u8], s: usize, e: usize) -> bool {
    if !whole_word(b, s, e) {
        return false;
    }
    let prev_value = after_value(b, s);
    let n = skip_space_comments(b, e);
    let next_value = match b.get(n) {
        Some(b'0'..=b'9' | b'\'' | b'"' | b'(' | b'-' | b'@' | b'!' | b'~' | b'=' | b'<' | b'>') => true,
        Some(c) if c.is_ascii_alphabetic() => {
            let mut buf = [0u8; 24];
            let w = word_at(b, n, &mut buf);
            matches!(w, b"true" | b"false" | b"null" | b"not" | b"select" | b"exists" | b"sleep" | b"benchmark" | b"ascii" | b"char" | b"substring" | b"current_user" | b"user" | b"version" | b"like" | b"rlike" | b"regexp")
        }
        _ => false,
    };
    prev_value || next_value
}

/// Gate for `and`, `or`, `xor`: as [`logic`], or starting the value (or the value of a
/// `name=value` it holds), where it appends a condition to the application's (`AND deleted = 0)`).
fn connective(b: &[u8], s: usize, e: usize) -> bool {
    logic(b, s, e) || (whole_word(b, s, e) && prev_non_space(b, s).is_none_or(|p| b[p] == b'=')) || glued_to_number(b, s) && crate::detect::gate::word_end(b, e)
}

/// Whether a whole number (digits only, starting a word) ends right at `s`: `1or`, `10and`,
/// where a lexer that ends numbers at their last digit reads a connective (see [`tokenize`]).
fn glued_to_number(b: &[u8], s: usize) -> bool {
    let digits = b[..s].iter().rev().take_while(|c| c.is_ascii_digit()).count();
    digits > 0 && word_start(b, s - digits)
}

/// Gate for `(`: the word before it is a function SQL injections call.
fn sql_call(b: &[u8], s: usize, _e: usize) -> bool {
    let mut buf = [0u8; 24];
    let w = word_before(b, skip_space_comments_back(b, s), &mut buf);
    !w.is_empty() && (in_sorted(FUNCS, w) || in_sorted(DANGER_FUNCS, w) || w.starts_with(b"pg_") || w.starts_with(b"xp_") || w.starts_with(b"sp_"))
}

/// Gate for `=`: one short operand compared with itself (`7=7`, `'a'<=>'a'`, `x,2=2`), as
/// [`tautology`] then checks on the tokens.
fn self_comparison(b: &[u8], s: usize, e: usize) -> bool {
    let mut op_s = s;
    while op_s > 0 && matches!(b[op_s - 1], b'<' | b'>' | b'!' | b'=') {
        op_s -= 1;
    }
    let mut op_e = e;
    while op_e < b.len() && matches!(b[op_e], b'>' | b'=') {
        op_e += 1;
    }
    same_operands(b, op_s, op_e)
}

/// Gate for the pattern operators (`like`, `rlike`, `regexp`, `glob`): a whole word next to a
/// value ([`logic`]) or between one operand and itself (`x like x`, `1 glob 1`).
fn pattern_operator(b: &[u8], s: usize, e: usize) -> bool {
    logic(b, s, e) || whole_word(b, s, e) && same_operands(b, s, e)
}

/// Whether the operator at `op_s..op_e` has the same short operand on both sides: a quoted
/// literal or a run of word characters, read at most 32 bytes back. The right operand may be
/// the left one's literal left open at the end of the value (`'a'='a`), for the application's
/// quote to close.
fn same_operands(b: &[u8], op_s: usize, op_e: usize) -> bool {
    let l_end = skip_space_back(b, op_s);
    let r_start = skip_space(b, op_e);
    let left = b.get(operand_start(b, l_end)..l_end).unwrap_or(&[]);
    let right = b.get(r_start..).unwrap_or(&[]);
    let open_quote = left.len() >= 2 && matches!(left.last(), Some(b'\'' | b'"')) && right.len() == left.len() - 1;
    let left = if open_quote { &left[..left.len() - 1] } else { left };
    !left.is_empty() && right.len() >= left.len() && right[..left.len()].eq_ignore_ascii_case(left) && right.get(left.len()).is_none_or(|&c| !is_word(c))
}

/// The index just past the last non-blank byte before `i`.
fn skip_space_back(b: &[u8], mut i: usize) -> usize {
    while i > 0 && b[i - 1] <= b' ' {
        i -= 1;
    }
    i
}

/// Where the operand ending at `end` starts: a quoted literal or a run of word characters, up
/// to 32 bytes back.
fn operand_start(b: &[u8], end: usize) -> usize {
    let floor = end.saturating_sub(32);
    match end.checked_sub(1).map(|p| b[p]) {
        Some(q @ (b'\'' | b'"')) => (floor..end - 1).rev().find(|&p| b[p] == q).unwrap_or(end),
        _ => (floor..end).rev().find(|&p| !is_word(b[p])).map_or(floor, |p| p + 1),
    }
}

/// Gate for `set`: a whole word followed by a user variable (`set @x`).
fn before_variable(b: &[u8], s: usize, e: usize) -> bool {
    whole_word(b, s, e) && b.get(skip_space_comments(b, e)) == Some(&b'@')
}

/// Gate for `:=`: an assignment to a user variable (`@x:=`).
fn after_variable(b: &[u8], s: usize, _e: usize) -> bool {
    ends_variable(b, s)
}

/// Gate for a numeric edge probe: the whole value is shaped as a number.
fn whole_number(b: &[u8], _s: usize, _e: usize) -> bool {
    super::overflow::number_shaped(b)
}

/// PostgreSQL's type names that a `::` cast names, as probes write them. Sorted.
pub(super) const CAST_TYPES: &[&str] = &[
    "bigint", "bool", "boolean", "bytea", "char", "date", "double", "float", "float8", "int", "int2", "int4", "int8",
    "integer", "json", "jsonb", "numeric", "oid", "real", "regclass", "smallint", "text", "varchar",
];

/// Gate for `::`: a cast of a literal or a group (`1::`, `'x'::`, `)::`) to a type name.
fn cast_to_type(b: &[u8], s: usize, e: usize) -> bool {
    let mut buf = [0u8; 24];
    let value = s > 0 && matches!(b[s - 1], b'0'..=b'9' | b'\'' | b'"' | b')');
    value && in_sorted(CAST_TYPES, word_at(b, e, &mut buf))
}

/// Gate for words that SQL follows with `(`: a whole word, then `(` past blanks.
fn before_paren(b: &[u8], s: usize, e: usize) -> bool {
    whole_word(b, s, e) && b.get(skip_space_comments(b, e)) == Some(&b'(')
}

/// Gate for `0x`: a hexadecimal literal (`0x7e`), not part of a word.
fn hex_literal(b: &[u8], s: usize, e: usize) -> bool {
    word_start(b, s) && b.get(e).is_some_and(u8::is_ascii_hexdigit) && b.get(e + 1).is_some_and(u8::is_ascii_hexdigit)
}

/// Gate for `.e.`: a number's empty exponent then a name (`1.e.x`), not `i.e.` in prose.
fn exponent_member(b: &[u8], s: usize, _e: usize) -> bool {
    s > 0 && b[s - 1].is_ascii_digit() && member_after_exponent(b, s + 1)
}

/// Gate for `order by` / `group by`: a column number follows (a column-count probe).
fn then_number(b: &[u8], _s: usize, e: usize) -> bool {
    b.get(skip_space(b, e)).is_some_and(u8::is_ascii_digit)
}

/// Gate for a quote glued to a parenthesis or to the other quote: the whole value is a
/// syntax-breaking probe ([`breaker`]).
fn whole_breaker(b: &[u8], _s: usize, _e: usize) -> bool {
    super::breaker::syntax_breaker(b)
}

/// Gate for statement keywords: a whole word at the start of the value (past spaces and
/// parentheses), where the value *is* a statement.
fn statement_start(b: &[u8], s: usize, e: usize) -> bool {
    whole_word(b, s, e) && b[..s].iter().all(|&c| c <= b' ' || c == b'(' || c == b'\'' || c == b'"' || c == b')')
}

/// The trigger words, each with the gate that decides whether it wakes the check.
pub(super) const TRIGGERS: &[Trigger] = &[
        gated("'", after_quote),
        gated("\"", after_quote),
        gated("`", after_quote),
        gated("\u{2018}", after_quote),
        gated("\u{2019}", after_quote),
        gated("--", before_comment),
        gated("#", before_comment),
        lit("/*"),
        gated(";", stacked),
        gated("or", connective),
        gated("and", connective),
        gated("xor", connective),
        gated("not", logic),
        gated("div", logic),
        gated("like", pattern_operator),
        gated("rlike", pattern_operator),
        gated("regexp", pattern_operator),
        gated("glob", pattern_operator),
        gated("between", logic),
        gated("is", logic),
        gated("limit", logic),
        gated("collate", logic),
        lit("||"),
        lit("@>"),
        lit("&&"),
        gated("union", whole_word),
        gated("select", whole_word),
        gated("having", whole_word),
        gated("where", logic),
        gated("from", from_after_value),
        gated("waitfor", whole_word),
        gated("(", sql_call),
        gated("0x", hex_literal),
        gated("=", self_comparison),
        lit("@@"),
        lit("information_schema"),
        lit("sysobjects"),
        gated("msdb", whole_word),
        gated("sys.", starts_word),
        gated("tempdb", whole_word),
        lit("sysdatabases"),
        gated("sysibm", whole_word),
        gated("sysaux", whole_word),
        gated("msys", starts_word),
        gated("pg_toast", whole_word),
        lit("sqlite_temp_master"),
        lit("pg_shadow"),
        gated("mysql.", starts_word),
        lit(".e("),
        lit(".e)"),
        lit(".e,"),
        gated(".e.", exponent_member),
        lit("pg_catalog"),
        lit("sqlite_master"),
        lit("sqlite_schema"),
        lit("syscolumns"),
        lit("all_tab"),
        lit("user_tab"),
        lit("pg_tables"),
        lit("outfile"),
        lit("dumpfile"),
        lit("load_file"),
        lit("procedure analyse"),
        gated("order by", then_number),
        gated("group by", then_number),
        gated("xp_", starts_word),
        gated("dbms_", starts_word),
        gated("utl_", starts_word),
        gated("ctxsys", whole_word),
        gated("sp_", starts_word),
        gated("exec", statement_start),
        gated("execute", statement_start),
        gated("drop", statement_start),
        gated("insert", statement_start),
        gated("delete", statement_start),
        gated("merge", statement_start),
        gated("update", statement_start),
        gated("create", statement_start),
        gated("alter", statement_start),
        gated("truncate", statement_start),
        gated("shutdown", statement_start),
        gated("declare", statement_start),
        gated("case", whole_word),
        gated("set", before_variable),
        gated(":=", after_variable),
        gated("::", cast_to_type),
        gated("against", before_paren),
        // A whole value that is a number at a numeric type's edge ([`overflow`]): the
        // integers one past 32- and 64-bit ranges, and exponents beyond a double's.
        // A whole value of quotes and parentheses after at most one token ([`breaker`]).
        gated("')", whole_breaker),
        gated("\")", whole_breaker),
        gated("'\"", whole_breaker),
        gated("\"'", whole_breaker),
        gated("2147483648", whole_number),
        gated("2147483649", whole_number),
        gated("4294967296", whole_number),
        gated("9223372036854775808", whole_number),
        gated("9223372036854775809", whole_number),
        gated("18446744073709551616", whole_number),
        gated("e3", whole_number),
        gated("e+3", whole_number),
        gated("e-3", whole_number),
        gated("e4", whole_number),
        gated("e+4", whole_number),
    ];
