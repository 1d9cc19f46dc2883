//! SQL injection: a tokenizer and a small grammar, after libinjection's idea.
//!
//! A value is dangerous when, pasted into a query, it changes the query's *structure*. So the
//! value is tokenized as SQL (strings with both escape styles, numbers including `0x..`, words,
//! keywords, known functions, operators, comments incl. MySQL `/*! */`, variables) in each
//! context it can be in, as libinjection does: as-is (a numeric context), and, when it contains a
//! quote, as if it started inside a `'...'` or `"..."` literal or a `` `...` `` identifier (the
//! quote then *closes* the application's string or name).
//! Rules then look at the token stream, not at words: `O'Reilly` closes a string and continues
//! with a bare word, which is prose; `' OR 1=1--` closes a string and continues with a boolean
//! tautology and a comment, which is SQL. `select a size` is a keyword followed by prose, while
//! `select password from users` and `union select` are statements.
//!
//! [`triggers`] decides when a value is worth tokenizing at all; [`lex`] tokenizes it.
//!
//! Besides these rules for statements, unions and known functions, [`grammar`] walks the token
//! stream as an SQL expression and reports values that parse whole and carry conditions, calls
//! or operator probes.
//!
//! A value that is itself `name=payload` (a form body whose `=` was percent-encoded, which an
//! application may decode and split) is judged once more from its payload.
//!
//! Whitespace, control characters and comments separate tokens, so `UNION/**/SELECT` and
//! `union%0bselect` tokenize like `union select`; a value whose empty comment splits a word
//! (`SEL/**/ECT`) is judged joined too, as a filter that deletes comments passes it on.
//! Tokenizing ([`lex`]) is linear and bounded by [`lex::MAX_TOKENS`].

use super::gate::{in_sorted, is_word, skip_space};
use super::{stronger, Check, Family, Hit, Subject, Trigger};
use crate::finding::Severity;
use crate::normalize::dropped_control;

mod breaker;
mod grammar;
mod lex;
mod overflow;
mod triggers;

use lex::{catalog_view, find, tokenize, Ctx, Kw, Lexing, Tok, DANGER_FUNCS, INFO_FUNCS, MYSQL_GRANT_TABLES, STRING_BUILDERS, SYSTEM_PROCEDURES, T};

pub(crate) struct Sqli;

impl Sqli {
    pub fn new() -> Sqli {
        Sqli
    }
}

impl Check for Sqli {
    fn triggers(&self) -> &'static [Trigger] {
        triggers::TRIGGERS
    }

    fn check(&self, s: &Subject<'_>) -> Option<Hit> {
        let best = judge_field(s.text);
        // `union%01select`, `1%00or%002=2`: SQL Server reads control characters as blanks
        // (sqlmap's MSSQL blank tamper uses 0x01-0x0F; libinjection skips all of 0x00-0x1F),
        // Oracle NUL, while MySQL's character table has only 0x09-0x0D. The matching form drops
        // them, gluing `unionselect`; the form that keeps them is judged too (the tokenizer
        // skips them as whitespace).
        match s.controls {
            Some(kept) if best.as_ref().is_none_or(|h| h.confidence < 0.9) => {
                let at_in_text = |at: usize| at - kept.as_bytes().get(..at).unwrap_or(&[]).iter().filter(|&&c| dropped_control(c)).count();
                stronger(best, judge_field(kept).map(|h| Hit { at: at_in_text(h.at), ..h }))
            }
            _ => best,
        }
    }

    fn reads_controls(&self) -> bool {
        true
    }
}

/// The strongest verdict on a field's matching form.
fn judge_field(text: &str) -> Option<Hit> {
    if overflow::edge_number(text.as_bytes()) {
        return Some(Hit::new(Family::Sqli, Severity::Critical, 0.6, 0, "number at a numeric type's edge"));
    }
    if breaker::syntax_breaker(text.as_bytes()) {
        return Some(Hit::new(Family::Sqli, Severity::Critical, 0.6, 0, "syntax-breaking quote probe"));
    }
    let best = judge_value(text);
    // `pay=AND 1=1`: a form body whose `=` was percent-encoded arrives as one value
    // `name=payload`; an application that decodes and splits it reads the payload as the
    // parameter's value, so the payload is judged on its own too.
    // (A search filter is one value: `region='us-east-1' and type='db'` assigns nothing.)
    let filter = || grammar::filter_expression(text.as_bytes(), &tokenize(text.as_bytes(), Ctx::Raw, Lexing::STANDARD));
    match assigned(text) {
        Some(at) if best.as_ref().is_none_or(|h| h.confidence < 0.9) && !filter() => {
            let inner = judge_value(text.get(at..).unwrap_or("")).map(|h| Hit { at: h.at + at, ..h });
            stronger(best, inner)
        }
        _ => best,
    }
}

/// Where the value of `name=value` starts, when the whole text is one such assignment (a
/// parameter name, `=`, then the value).
fn assigned(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    let eq = b.iter().position(|&c| c == b'=')?;
    let name = &b[..eq];
    let is_name = !name.is_empty() && name.len() <= 64 && name[0].is_ascii_alphabetic() && name.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.' | b'[' | b']'));
    (is_name && b.get(eq + 1).is_some_and(|&c| c != b'=')).then_some(eq + 1)
}

/// The strongest verdict on one value over its injection contexts and lexings.
fn judge_value(s_text: &str) -> Option<Hit> {
    let text = s_text.as_bytes();
    let mut best = judge_contexts(text, Lexing::STANDARD);
    // `--1 union select`, `1' == --1 or 1`: where MySQL reads two minus signs, other dialects
    // read a comment; a value with `--` glued to what follows is read both ways.
    if best.as_ref().is_none_or(|h| h.confidence < 0.9) && text.windows(3).any(|w| w[0] == b'-' && w[1] == b'-' && !w[2].is_ascii_whitespace()) {
        best = stronger(best, judge_contexts(text, Lexing { mysql_dashes: true, ..Lexing::STANDARD }));
    }
    // `DR/**/OP TABLE`, `SEL/**/ECT`: a keyword split by an empty comment, which a filter or
    // sanitizer that deletes comments joins again; the joined value is judged too.
    if best.as_ref().is_none_or(|h| h.confidence < 0.9) {
        if let Some((joined, at)) = join_split_words(text) {
            best = stronger(best, judge_contexts(&joined, Lexing::STANDARD).map(|h| Hit { at, ..h }));
        }
    }
    // `’ OR ’1’=’1`: typographic single quotes, which "best fit" charset conversions in
    // drivers and databases turn into `'`, read as that quote.
    if best.as_ref().is_none_or(|h| h.confidence < 0.9) && s_text.contains(['\u{2018}', '\u{2019}']) {
        let folded = s_text.replace(['\u{2018}', '\u{2019}'], "'");
        let f = folded.as_bytes();
        for ctx in [Ctx::Raw, Ctx::Quote(b'\'')] {
            best = stronger(best, judge(f, &tokenize(f, ctx, Lexing::STANDARD), ctx));
        }
    }
    best
}

/// The value with each empty comment glued between two word characters (`DR/**/OP`) deleted,
/// and where the first one was; `None` when there is none. A comment with a body stays a blank
/// (`DR/**/OP/*x*/t` joins to `DROP/*x*/t`), as the database reads it.
fn join_split_words(b: &[u8]) -> Option<(Vec<u8>, usize)> {
    let mut first = None;
    let mut out = Vec::new();
    let mut copied = 0;
    let mut i = 1;
    while let Some(p) = find(b, i, b"/*") {
        let Some(close) = find(b, p + 2, b"*/") else { break };
        let end = close + 2;
        if close == p + 2 && is_word(b[p - 1]) && b.get(end).is_some_and(|&c| is_word(c)) {
            first.get_or_insert(p);
            out.extend_from_slice(&b[copied..p]);
            copied = end;
        }
        i = end;
    }
    let at = first?;
    out.extend_from_slice(&b[copied..]);
    Some((out, at))
}

/// The strongest verdict on one value read with `lex` in each injection context it can be in.
fn judge_contexts(text: &[u8], lex: Lexing) -> Option<Hit> {
    let raw = tokenize(text, Ctx::Raw, lex);
    // A search filter whose quotes pair up as its own literals (`name like '%smith%'`) is read
    // as that in every context: its first quote opens a literal after an operator, where a
    // breakout's closes a value (`smith'`).
    if grammar::filter_expression(text, &raw) {
        return None;
    }
    let mut best = judge(text, &raw, Ctx::Raw);
    for q in [b'\'', b'"', b'`'] {
        // A context is tokenized only when the value has that quote and no earlier context
        // already decided with a blocking confidence.
        if best.as_ref().is_some_and(|h| h.confidence >= 0.9) || !text.contains(&q) {
            continue;
        }
        // An identifier the application quotes with backticks is a name (`order by `<value>``):
        // text with blanks before the first backtick is prose that quotes code (``use `ls` ``).
        if q == b'`' && text.iter().take_while(|&&c| c != b'`').any(u8::is_ascii_whitespace) {
            continue;
        }
        // A backtick-quoted identifier knows no backslash escapes.
        let lex_q = if q == b'`' { Lexing { escapes: false, ..lex } } else { lex };
        best = stronger(best, judge(text, &tokenize(text, Ctx::Quote(q), lex_q), Ctx::Quote(q)));
        // `\'`: where the application escapes quotes with a backslash but leaves backslashes
        // alone, the value's own backslash escapes the escape and its quote closes the string.
        if q != b'`' && best.as_ref().is_none_or(|h| h.confidence < 0.9) && text.windows(2).any(|w| w == [b'\\', q]) {
            let raw_backslash = Lexing { escapes: false, ..lex };
            best = stronger(best, judge(text, &tokenize(text, Ctx::Quote(q), raw_backslash), Ctx::Quote(q)));
        }
    }
    best
}

/// How sure a rule is and how it is reported.
struct Verdict {
    at: usize,
    confidence: f64,
    detail: &'static str,
}

fn judge(text: &[u8], all: &[Tok], ctx: Ctx) -> Option<Hit> {
    // A search filter read where a number is due (`price < 50 and stock > 0`) is no injection:
    // see [`grammar::filter_expression`]. (Its quote contexts are judged on their own.)
    if ctx == Ctx::Raw && grammar::filter_expression(text, all) {
        return None;
    }
    // Most rules read the stream without comments; comments matter as terminators, kept apart.
    let toks: Vec<Tok> = all.iter().copied().filter(|t| !matches!(t.t, T::Comment { .. })).collect();
    let ends_in_comment = |idx: usize| -> bool {
        // Whether the token after `toks[idx]` in the full stream is a comment (or nothing).
        let at = toks.get(idx).map_or(0, |t| t.at);
        match all.iter().position(|t| t.at > at) {
            Some(p) => matches!(all[p].t, T::Comment { .. }),
            None => true,
        }
    };
    let quoted = matches!(ctx, Ctx::Quote(_));
    let mut found: Option<Verdict> = None;
    let mut keep = |v: Verdict| {
        if found.as_ref().map_or(true, |f| f.confidence < v.confidence) {
            found = Some(v);
        }
    };

    let mut select_seen = false;
    for (i, tok) in toks.iter().enumerate() {
        let next = |k: usize| toks.get(i + k).map(|t| t.t);
        match tok.t {
            // union [all|distinct] [(] select
            T::Kw(Kw::Union) => {
                let mut j = i + 1;
                while matches!(toks.get(j).map(|t| t.t), Some(T::Kw(Kw::Clause) | T::LParen)) {
                    j += 1;
                }
                // `except`, `intersect` and `minus` are English words too: their select must
                // select a value or be a statement (`except select members` is prose).
                let select = matches!(toks.get(j).map(|t| t.t), Some(T::Kw(Kw::Select)));
                let selects_sql = word(text, tok) == b"union"
                    || matches!(toks.get(j + 1).map(|t| t.t), Some(T::Num | T::Str { closed: true, .. } | T::Func { .. } | T::Var { .. } | T::Kw(Kw::Literal) | T::LParen))
                    || toks.get(j + 1).is_some_and(|t| word(text, t) == b"*")
                    || select && select_statement(text, &toks, j, &ends_in_comment).is_some();
                if select && selects_sql {
                    keep(Verdict { at: tok.at, confidence: 0.95, detail: "union select" });
                }
            }
            // ; followed by a statement that has SQL after its keyword
            T::Semi => {
                // The `;` ends a value the application's statement holds: a number, its
                // string, its parenthesis (`1;`, `';`, `);`).
                let after_value = i > 0 && matches!(toks[i - 1].t, T::Num | T::Str { closed: true, .. } | T::RParen);
                // What follows the statement keyword: one name, and the value ends there.
                let one_name = matches!(next(2), Some(T::Word { call: false })) && toks.len() == i + 3;
                let stacked = match (next(1), toks.get(i + 1).map(|t| word(text, t))) {
                    (Some(T::Kw(Kw::Stmt)), _) if i > 0 || quoted => statement(text, &toks, i + 1, &ends_in_comment),
                    // `; desc users--`: MySQL's short `describe`, one name, then the statement ends
                    // or a comment cuts it (`notes; desc [long]` ends as a note does).
                    (_, Some(b"desc")) if i > 0 || quoted => {
                        let after = toks.get(i + 2).map_or(text.len(), |t| skip_space(text, t.end));
                        let cut = [&b"--"[..], b"#", b"/*"].iter().any(|c| text.get(after..).is_some_and(|r| r.starts_with(c)));
                        described_table(&toks, i + 1, &ends_in_comment) && (cut || next(3) == Some(T::Semi) || after_value)
                    }

                    // `x";select 1`, `5; select @@version`: a stacked query of values, its first
                    // one ending the statement or followed by another (`select 2 options` is
                    // prose).
                    // (Not after a bare word, as in `drop it off; select 'pickup'; or ..`, nor
                    // with a list that reads as prose: `pick one; select 'home', then pay`.)
                    (Some(T::Kw(Kw::Select)), _) if (quoted || i == 0 || toks[i - 1].t != T::Word { call: false }) && !reads_as_prose(text, toks.get(i + 2..statement_end(&toks, i + 1)).unwrap_or(&[])) => {
                        let value = matches!(next(2), Some(T::Num | T::Func { .. } | T::Var { .. } | T::Str { .. } | T::Kw(Kw::Literal)))
                            || toks.get(i + 2).is_some_and(|t| word(text, t) == b"*");
                        value && (ends_in_comment(i + 2) || matches!(next(3), Some(T::Comma | T::Semi | T::Kw(Kw::From))))
                            // `1;select username`: one column, stacked after the value that is
                            // the whole of what precedes (`pick 2; select one` is prose).
                            || i == 1 && after_value && one_name && !quoted
                            // `';select username--`: the same, cut by a comment.
                            || (after_value || quoted && i == 1)
                                && matches!(next(2), Some(T::Word { call: false }))
                                && toks.len() == i + 3
                                && all.last().is_some_and(|c| matches!(c.t, T::Comment { .. }) && terminating_comment(text, c))
                            // `;select username`: a value opened by `;` (see below).
                            || i == 0 && !quoted && (value || matches!(next(2), Some(T::Word { .. } | T::LParen)))
                    }
                    // Control flow around a statement: `; if 1=1 drop ..`, `; while 1=1 shutdown`.
                    (_, Some(b"if" | b"while")) => {
                        let rest = &toks[i + 2..];
                        sqlish(rest) >= 3 && rest.iter().any(|t| matches!(t.t, T::Kw(Kw::Stmt | Kw::Select))) || existence_test(text, rest)
                    }
                    // T-SQL's `print <expr>`: one operand, then the statement or the query ends
                    // (`';print @@version--`, `x';print'`); `notes; print two copies` goes on in prose.
                    (_, Some(b"print")) if i > 0 || quoted => {
                        let value = matches!(next(2), Some(T::Num | T::Str { .. } | T::Var { .. } | T::Func { .. } | T::Kw(Kw::Literal)));
                        let end = operand(&toks, i + 2);
                        value && end.is_some_and(|e| e >= toks.len() || ends_in_comment(e - 1) || toks[e].t == T::Semi)
                    }
                    // MySQL's `do <expr>`: evaluates an expression (a delay, a comparison).
                    (_, Some(b"do")) if i > 0 || quoted => {
                        let rest = &toks[i + 2..];
                        sqlish(rest) >= 3 && rest.iter().any(|t| matches!(t.t, T::Cmp | T::Func { .. }))
                    }
                    // `;rename table a to b`: a value that begins by ending the application's
                    // statement, then a statement with what its keyword needs.
                    (Some(T::Kw(Kw::Stmt)), _) if statement(text, &toks, i + 1, &ends_in_comment) => true,
                    // A value that begins by ending the application's statement: `;drop`,
                    // `; set @x`, `;update t`.
                    (_, Some(b"drop" | b"delete" | b"insert" | b"update" | b"truncate" | b"alter" | b"create" | b"exec" | b"execute" | b"declare" | b"shutdown" | b"set"))
                        if i == 0 && !quoted =>
                    {
                        true
                    }
                    // `;desc sales`, `;rename t`: the same with a statement that takes one name
                    // (nothing opens a value with `;` in prose).
                    (_, Some(b"desc" | b"describe" | b"rename" | b"load" | b"handler" | b"replace")) if i == 0 && !quoted => {
                        matches!(next(2), Some(T::Word { .. } | T::Num | T::Var { .. } | T::Func { .. } | T::LParen))
                            || toks.get(i + 2).is_some_and(|t| word(text, t) == b"*")
                    }
                    _ => false,
                };
                if stacked {
                    keep(Verdict { at: tok.at, confidence: 0.9, detail: "stacked statement" });
                }
            }
            T::Kw(Kw::Select) => {
                if let Some(v) = select_statement(text, &toks, i, &ends_in_comment) {
                    keep(v);
                }
                // `' select 1 --`, `x' select @@version--`: T-SQL needs no `;` between
                // statements, so a select of one value right after the closed string, cut by a
                // comment, is a second statement.
                let cut = all.last().is_some_and(|c| matches!(c.t, T::Comment { .. }) && terminating_comment(text, c));
                if quoted && i == 1 && cut && operand(&toks, i + 1) == Some(toks.len())
                    && matches!(next(1), Some(T::Num | T::Str { closed: true, .. } | T::Var { .. } | T::Func { .. } | T::Kw(Kw::Literal)))
                {
                    keep(Verdict { at: tok.at, confidence: 0.85, detail: "statement after the closed string" });
                }
                // `=(select`, `@x:= ( select pass`, `) like (select`: a comparison or assignment
                // to a sub-select the value opens and leaves to the rest of the query.
                let compared = i >= 2 && toks[i - 1].t == T::LParen && matches!(toks[i - 2].t, T::Cmp | T::Kw(Kw::WordOp));
                if compared && grammar::group_end(&toks, i - 1).is_none() {
                    keep(Verdict { at: tok.at, confidence: 0.8, detail: "sub-select left open" });
                }
                // `select x group by y having count(id) >= 9`: the filter clause holds a condition.
                // (Asked for the first `select` only, so the search stays linear.)
                if !select_seen {
                    select_seen = true;
                    let clause = all.iter().position(|t| t.at > tok.at && t.t == T::Kw(Kw::Clause) && matches!(word(text, t), b"where" | b"having"));
                    // (`select a having b >`: a `having` whose comparison the rest of the query
                    // completes.)
                    let having = toks[i..].iter().position(|t| t.t == T::Kw(Kw::Clause) && word(text, t) == b"having").map(|p| i + p);
                    let compared = having.and_then(|h| operand(&toks, h + 1)).is_some_and(|e| toks.get(e).is_some_and(|t| t.t == T::Cmp));
                    if compared || clause.is_some_and(|c| grammar::judge(text, &all[c..], Ctx::Raw).is_some()) {
                        keep(Verdict { at: tok.at, confidence: 0.9, detail: "select with a condition" });
                    }
                }
            }
            // `waitfor delay '0:0:5'` is a T-SQL statement wherever it appears.
            T::Kw(Kw::Stmt) if word(text, tok) == b"waitfor" && matches!(toks.get(i + 1).map(|t| word(text, t)), Some(b"delay" | b"time")) && matches!(next(2), Some(T::Str { .. })) => {
                keep(Verdict { at: tok.at, confidence: 0.9, detail: "time delay" });
            }
            // `... exec xp_cmdshell 'dir'`: T-SQL needs no `;` between statements, and only an
            // attack runs a system procedure from a request value.
            T::Kw(Kw::Stmt) if matches!(word(text, tok), b"exec" | b"execute") && toks.get(i + 1).is_some_and(|t| system_procedure(word(text, t))) => {
                keep(Verdict { at: tok.at, confidence: 0.9, detail: "system procedure call" });
            }
            T::Kw(Kw::Stmt) if (i == 0 || quoted && i == 1) && statement(text, &toks, i, &ends_in_comment) => {
                keep(Verdict { at: tok.at, confidence: 0.85, detail: "statement" });
            }
            T::Kw(Kw::Clause) if word(text, tok) == b"set" && variable_assignment(text, &toks, i, &ends_in_comment) => {
                keep(Verdict { at: tok.at, confidence: 0.85, detail: "variable assignment" })
            }
            T::Kw(Kw::Clause) if word(text, tok) == b"case" && conditional_case(text, &toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "SQL case expression" })
            }
            T::Word { .. } if word(text, tok) == b"match" && full_text_search(text, &toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "full-text search expression" })
            }
            T::Func { danger: true } if sql_arguments(&toks, i) => keep(Verdict { at: tok.at, confidence: 0.9, detail: "time delay or file/XML probe function" }),
            T::Var { system: true } => keep(Verdict { at: tok.at, confidence: 0.8, detail: "system variable" }),
            // `@x:=1`, `(@v:=(select ..`: MySQL's assignment to a user variable inside an
            // expression.
            T::Var { system: false } if text.get(tok.end..).is_some_and(|r| r.starts_with(b":=")) => {
                keep(Verdict { at: tok.at, confidence: 0.85, detail: "variable assignment" })
            }
            T::Kw(Kw::Catalog) => keep(Verdict { at: tok.at, confidence: 0.8, detail: "database catalog name" }),
            // `sys.databases`, `sys.sql_logins`: SQL Server's catalog views.
            T::Word { call: false } if word(text, tok) == b"sys" && next(1) == Some(T::Dot) && toks.get(i + 2).is_some_and(|t| t.at == toks[i + 1].end && catalog_view(word(text, t))) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "database catalog name" })
            }
            // `xp_cmdshell`, `sp_executesql`: SQL Server procedures that run commands or SQL text.
            T::Word { .. } if in_sorted(SYSTEM_PROCEDURES, word(text, tok)) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "system procedure name" })
            }
            // `if(1=1,sleep(5),0)`, `iif(ascii(x)>64,1,0)`, `if(7=`: SQL's conditional function
            // over a comparison, how blind injections ask their yes/no questions.
            T::Func { .. } if matches!(word(text, tok), b"if" | b"iif") && conditional_call(&toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.85, detail: "conditional SQL function" })
            }
            // `group_concat(table_name)`, `char(97,98)`: calls that build one string out of many
            // rows or character codes, how extraction payloads assemble what they read.
            T::Func { .. } if string_builder(text, &toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.75, detail: "SQL string-building call" })
            }
            // `dbms_pipe.receive_message(`, `utl_http.request(`: Oracle's delay and network packages.
            T::Word { call: false } if next(1) == Some(T::Dot) && oracle_package(word(text, tok)) => {
                keep(Verdict { at: tok.at, confidence: 0.9, detail: "time delay or file/XML probe function" })
            }
            // `dbms_xmlgen.getxml(`, `dbms_utility.sqlid_to_sqlhash(`, `ctxsys.drithsx.sn(`: a
            // call into another Oracle package, how error-based payloads run a query or leak a
            // value through an error message.
            T::Word { call: false } if next(1) == Some(T::Dot) && oracle_package_call(text, &toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.85, detail: "Oracle package call" })
            }
            T::Word { call: false } if word(text, tok) == b"mysql" && next(1) == Some(T::Dot) && toks.get(i + 2).is_some_and(|t| in_sorted(MYSQL_GRANT_TABLES, word(text, t))) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "database catalog name" })
            }
            // `1.e(ascii`, `1.e)`, `1.e.x`: a number with an empty exponent glued to a
            // parenthesis, a comma or a qualified name, which MySQL reads as the number and then
            // the SQL after it, while a filter sees one word `e(`.
            T::Num if text.get(tok.end - 1) == Some(&b'e') && toks.get(i + 1).is_some_and(|n| n.at == tok.end && matches!(n.t, T::LParen | T::RParen | T::Comma | T::Dot)) => {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "scientific-notation obfuscation" })
            }
            // `database()`, `db_name(`, `db_name(0)`: asking the server who and where it is.
            T::Func { .. }
                if in_sorted(INFO_FUNCS, word(text, tok))
                    && next(1) == Some(T::LParen)
                    && (matches!(next(2), None | Some(T::RParen)) || literal_call(&toks, i)) =>
            {
                keep(Verdict { at: tok.at, confidence: 0.8, detail: "database information function" })
            }
            T::Logic => {
                if let Some(v) = boolean(text, &toks, i, quoted, &ends_in_comment) {
                    keep(v);
                }
            }
            T::Func { danger: false } if nested_call(&toks, i) => {
                keep(Verdict { at: tok.at, confidence: 0.75, detail: "nested SQL functions" })
            }
            _ => {}
        }
        if let T::Kw(Kw::Clause) = tok.t {
            if let Some(v) = clause_probe(text, &toks, i) {
                keep(v);
            }
        }
    }

    if let Ctx::Quote(q) = ctx {
        if let Some(v) = breakout(text, q, all, &toks) {
            keep(v);
        }
    }
    // (Over SQL: a keyword, call, parenthesis, comparison, connective or literal string, not
    // only the operators and dots of a path pattern's `**` segment, `src/**/*.test.ts`.)
    let sql_word = toks.iter().any(|t| matches!(t.t, T::Kw(_) | T::Func { .. } | T::LParen | T::Cmp | T::Logic | T::Str { .. } | T::Var { .. }));
    if sql_word && all.iter().filter(|t| matches!(t.t, T::Comment { inline: true })).count() >= 1 && sqlish(&toks) >= 3 {
        let at = all.iter().find(|t| matches!(t.t, T::Comment { inline: true })).map_or(0, |t| t.at);
        keep(Verdict { at, confidence: 0.75, detail: "comment-obfuscated SQL" });
    }
    if let Some(at) = executable_comment(text, all) {
        keep(Verdict { at, confidence: 0.85, detail: "MySQL executable comment" });
    }
    if let Some(at) = comment_for_blank(all) {
        keep(Verdict { at, confidence: 0.8, detail: "comment in place of a blank" });
    }
    if let Some(v) = grammar::judge(text, all, ctx) {
        keep(v);
    }
    if let Some(v) = tautology(text, &toks, ctx) {
        keep(v);
    }
    if let Some(v) = shape(text, all, &toks, ctx) {
        keep(v);
    }
    found.map(|v| Hit::new(Family::Sqli, Severity::Critical, v.confidence, v.at, v.detail))
}

/// Where a MySQL executable comment (`/*!`, `/*!50000`) opens on SQL: a keyword, a connective,
/// a known function. MySQL runs its body while other parsers and filters skip it as a comment;
/// a script's banner (`/*! lib v1.2 | MIT */`) opens on a name.
fn executable_comment(text: &[u8], all: &[Tok]) -> Option<usize> {
    let mut from = 0;
    // Bounded: the first few markers decide.
    for _ in 0..4 {
        let at = find(text, from, b"/*!")?;
        let mut body = at + 3;
        while text.get(body).is_some_and(u8::is_ascii_digit) {
            body += 1;
        }
        let body = skip_space(text, body);
        let opens_sql = all.iter().find(|t| t.at >= body).is_some_and(|t| {
            t.at == body && matches!(t.t, T::Kw(Kw::Union | Kw::Select | Kw::From | Kw::Stmt | Kw::WordOp) | T::Logic | T::Func { .. })
        });
        if opens_sql {
            return Some(at);
        }
        from = at + 3;
    }
    None
}

/// Where a comment stands glued between a statement keyword, `select`, `union`, `from` or a
/// connective and the next token (`drop/*x*/accounts`, `or/**/1`): a comment in place of the
/// blank, how a filter that looks for `drop ` is evaded. Prose and code put blanks there.
fn comment_for_blank(all: &[Tok]) -> Option<usize> {
    all.windows(3).find_map(|w| {
        let [kw, c, next] = w else { return None };
        let keyword = matches!(kw.t, T::Kw(Kw::Stmt | Kw::Select | Kw::Union | Kw::From) | T::Logic);
        let operand = matches!(next.t, T::Word { .. } | T::Num | T::Str { .. } | T::Var { .. } | T::Kw(_) | T::Func { .. });
        (keyword && operand && matches!(c.t, T::Comment { inline: true }) && kw.end == c.at && c.end == next.at).then_some(c.at)
    })
}

/// Confidence of a shape verdict: evidence that adds to other findings, never a flag on its own.
/// These loose token shapes (an operator after a closed quote, a number cut by a comment) also
/// match search strings (`"LIKE" STAMP`, `1/4"-1/2"`); what is certain among them is reported by
/// the expression grammar ([`grammar`]), which demands that the whole value parse.
const SHAPE_CONFIDENCE: f64 = 0.45;

/// The token-shape grammar, after libinjection's fingerprints: each token becomes a class
/// (value, operator, logic, comment, ...) and the value is SQL when, in its context, the class
/// sequence is an expression that only makes sense inside a query:
/// - quoted context: the closed string is followed (past `)`) by an operator or logic word and
///   an operand (`' - '`, `A' DIV 'B`, `'XOR'`, `' <=> '`, `1'*null is null - '`);
/// - raw context: a number or parenthesis starts the value and a comment cuts it after a value
///   (`1--`, `( 'a' * 1 ) --`, `1 /*!x*/`), or a logic word joins comparisons of literals
///   (`HOPE AND -8=3`, `1 = '1' OR 1`).
/// Prose fails these: after `O'`, `Rock 'n'`, `"Hello" - she said` comes a bare word, and
/// `1-2 days` ends in one.
fn shape(text: &[u8], all: &[Tok], toks: &[Tok], ctx: Ctx) -> Option<Verdict> {
    let t = |k: usize| toks.get(k).map(|x| x.t);
    let is_operand = |x: Option<T>| matches!(x, Some(T::Num | T::Str { .. } | T::Var { .. } | T::Func { .. } | T::LParen | T::Kw(Kw::Literal)));
    // A bare word is an operand only when a comparison follows it (`' or x=`): a bare word
    // after an operator is how prose reads (`20" -pattern -baby`).
    let operand_at = |k: usize| {
        is_operand(t(k))
            || matches!(t(k), Some(T::Op)) && is_operand(t(k + 1))
            || matches!(t(k), Some(T::Word { .. })) && matches!(t(k + 1), Some(T::Cmp))
    };
    let is_oper = |x: Option<T>| matches!(x, Some(T::Op | T::Cmp | T::Logic | T::Kw(Kw::WordOp)));
    if let Ctx::Quote(_) = ctx {
        if !matches!(t(0), Some(T::Str { closed: true, .. })) {
            return None;
        }
        let mut j = 1;
        while matches!(t(j), Some(T::RParen)) {
            j += 1;
        }
        let at = toks.get(j).map_or(0, |x| x.at);
        if is_oper(t(j)) {
            let mut k = j + 1;
            while is_oper(t(k)) && k < j + 3 {
                k += 1; // `<=>`, `not like`, `is not`
            }
            // The operand ends the value (the application's quote then closes an open string),
            // or an operator chain continues.
            let last = k + 1 == toks.len() || matches!(t(k), Some(T::Op)) && k + 2 == toks.len();
            let quote = match ctx {
                Ctx::Quote(q) => q,
                Ctx::Raw => 0,
            };
            let short_open = toks.last().is_some_and(|x| match x.t {
                // `'b`, `'0`, `' '`: the string the application will close (same quote as the
                // context); prose (` stamp`) is no operand.
                T::Str { closed: false, .. } if text.get(x.at) == Some(&quote) => {
                    let body = text.get(x.at + 1..x.end).unwrap_or(&[]);
                    body.iter().filter(|c| c.is_ascii_alphabetic()).count() <= 3
                }
                _ => false,
            });
            if operand_at(k) && (last && short_open || is_oper(t(k + 1))) {
                return Some(Verdict { at, confidence: SHAPE_CONFIDENCE, detail: "closed string then an expression" });
            }
        }
        if matches!(t(j), Some(T::Kw(Kw::Union | Kw::Select))) && matches!(t(j + 1), Some(T::Kw(_) | T::Num | T::LParen | T::Op) | None) {
            return Some(Verdict { at, confidence: SHAPE_CONFIDENCE, detail: "closed string then union/select" });
        }
        return None;
    }
    let first = t(0);
    let starts_value = matches!(first, Some(T::Num | T::LParen | T::Var { .. })) || matches!(first, Some(T::Op)) && matches!(t(1), Some(T::Num));
    // `1--`, `1 /*!x*/`, `( 'a' * 1 ) --`: a value-shaped expression cut by a comment.
    let cut = all.last().is_some_and(|c| matches!(c.t, T::Comment { .. }) && terminating_comment(text, c));
    if starts_value && cut && toks.len() <= 24 {
        let values = toks.iter().filter(|x| matches!(x.t, T::Num | T::Str { .. } | T::Var { .. } | T::RParen)).count();
        let words = toks.iter().filter(|x| matches!(x.t, T::Word { .. })).count();
        let commas = toks.iter().any(|x| x.t == T::Comma);
        if values >= 1 && words <= 1 && !commas {
            return Some(Verdict { at: 0, confidence: SHAPE_CONFIDENCE, detail: "expression then comment" });
        }
    }
    // `/*!...*/` executable comments and inline comments between values.
    if starts_value && all.iter().any(|x| matches!(x.t, T::Comment { .. })) && toks.len() <= 3 && toks.iter().all(|x| matches!(x.t, T::Num | T::Op)) {
        return Some(Verdict { at: 0, confidence: SHAPE_CONFIDENCE, detail: "comment between values" });
    }
    for (i, tok) in toks.iter().enumerate() {
        match tok.t {
            // `x AND -8=3`, `1 = '1' OR 1`: logic joining literal comparisons.
            T::Logic if i > 0 => {
                let mut k = i + 1;
                while matches!(t(k), Some(T::Op | T::LParen)) && k < i + 3 {
                    k += 1;
                }
                let lit = |x: Option<T>| matches!(x, Some(T::Num | T::Str { .. } | T::Kw(Kw::Literal)));
                let rhs_cmp = lit(t(k)) && matches!(t(k + 1), Some(T::Cmp | T::Kw(Kw::WordOp))) && (lit(t(k + 2)) || matches!(t(k + 2), Some(T::Op)) && lit(t(k + 3)));
                let lhs_cmp = i >= 3 && lit(t(i - 1)) && matches!(t(i - 2), Some(T::Cmp)) && lit(t(i - 3));
                let rhs_value = lit(t(k)) && k + 1 >= toks.len();
                if rhs_cmp && (k + 3 >= toks.len() || starts_value) || lhs_cmp && rhs_value {
                    return Some(Verdict { at: tok.at, confidence: SHAPE_CONFIDENCE, detail: "logic over literal comparisons" });
                }
            }
            _ => {}
        }
    }
    None
}

fn word<'t>(text: &'t [u8], tok: &Tok) -> &'t [u8] {
    text.get(tok.at..tok.end).unwrap_or(&[])
}

/// Whether the statement keyword at `toks[i]` is followed by what that statement needs:
/// `drop table`, `insert into`, `delete from`, `update x set`, `exec xp_..`, `declare @v`.
/// `drop by anytime` and `update the docs` are prose.
fn statement(text: &[u8], toks: &[Tok], i: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> bool {
    let kw = word(text, &toks[i]);
    let next = toks.get(i + 1);
    let next_word = next.map_or(&[][..], |t| word(text, t));
    let next_t = next.map(|t| t.t);
    // `1;truncate logs`, `'; delete users--`: a statement stacked right after a value (a number,
    // the application's string, a closing parenthesis) that names one table and ends. MySQL's
    // `truncate` and T-SQL's `delete` need nothing more; prose after a `;` goes on in words.
    let after_value = i >= 2 && toks[i - 1].t == T::Semi && matches!(toks[i - 2].t, T::Num | T::Str { closed: true, .. } | T::RParen);
    if after_value && matches!(kw, b"truncate" | b"delete") && matches!(next_t, Some(T::Word { call: false })) && described_table(toks, i, ends_in_comment) {
        return true;
    }
    match kw {
        b"drop" | b"truncate" | b"alter" | b"create" | b"rename" => {
            matches!(
                next_word,
                b"table" | b"database" | b"view" | b"index" | b"procedure" | b"function" | b"user" | b"schema" | b"trigger" | b"login"
            )
            // `drop logs;--`: a name, then the statement ends and a comment cuts the query.
            || matches!(next_t, Some(T::Word { call: false })) && ended_and_cut(text, toks, i + 2, ends_in_comment)
        }
        // `insert into`, and `insert t values (..)`, `merge t using (select ..)`, where MySQL and
        // T-SQL leave `into` out.
        b"insert" | b"replace" | b"merge" => {
            let w = |k: usize| toks.get(k).map_or(&[][..], |t| word(text, t));
            let t = |k: usize| toks.get(k).map(|t| t.t);
            let named = matches!(next_t, Some(T::Word { call: false }));
            // (`merge [into] t using ..`: the target's `into` is optional.)
            let target = if kw == b"merge" && next_word == b"into" { i + 1 } else { i };
            let source = match kw {
                b"merge" => w(target + 2) == b"using" && (t(target + 3) == Some(T::LParen) && t(target + 4) == Some(T::Kw(Kw::Select)) || w(target + 4) == b"on"),
                _ => w(i + 2) == b"values" && t(i + 3) == Some(T::LParen),
            };
            // `insert into t (..)`, `insert into t values`, `insert into db.t select ..`: a
            // table, then its columns or rows (`insert into the slot` goes on in prose).
            let name = |k: usize| matches!(t(k), Some(T::Word { .. }));
            let after = if name(i + 2) && t(i + 3) == Some(T::Dot) && name(i + 4) { i + 5 } else { i + 3 };
            // (Or the statement ends there: after a `;`, or cut by a comment.)
            let cut = toks.get(after - 1).is_some_and(|n| {
                let rest = text.get(skip_space(text, n.end)..).unwrap_or(&[]);
                [&b"--"[..], b"#", b"/*"].iter().any(|c| rest.starts_with(c))
            });
            let rows = matches!(t(after), Some(T::LParen | T::Semi | T::Kw(Kw::Select)))
                || t(after).is_none() && i > 0
                || matches!(w(after), b"values" | b"value" | b"set" | b"default")
                || cut;
            next_word == b"into" && name(i + 2) && rows || (named || target > i && name(target + 1)) && source
        }
        // `delete from`, `delete quick|ignore|low_priority from`, and T-SQL's `delete logs;--`.
        b"delete" => {
            let from = toks[i + 1..].iter().take(2).position(|t| t.t == T::Kw(Kw::From)).map(|p| i + 2 + p);
            from.is_some_and(|f| table_then_end(text, toks, f, ends_in_comment))
                || matches!(next_t, Some(T::Word { call: false })) && ended_and_cut(text, toks, i + 2, ends_in_comment)
        }
        b"update" => toks.get(i + 2).is_some_and(|t| word(text, t) == b"set"),
        // `exec xp_cmdshell`, `exec('..')`, `call proc(1)`, `; exec proc`. At the start of a value
        // `Call Bob`, `Call (555) 123-4567`, `Exec summary; draft` are prose: a procedure
        // name must then be followed by its arguments.
        b"exec" | b"execute" | b"call" => {
            let stacked = i > 0;
            let after_name = toks.get(i + 2).map(|t| t.t);
            matches!(next_t, Some(T::Func { .. } | T::Var { .. }))
                || kw != b"call" && matches!(next_t, Some(T::LParen))
                || stacked && matches!(next_t, Some(T::Str { .. }))
                || next_word == b"immediate"
                || system_procedure(next_word)
                || matches!(next_t, Some(T::Word { .. }))
                    && (matches!(after_name, Some(T::LParen | T::Var { .. } | T::Dot)) || stacked && matches!(after_name, None | Some(T::Semi)))
        }
        b"declare" => matches!(next_t, Some(T::Var { .. })),
        b"shutdown" => next_word == b"with" || (i > 0 && (next.is_none() || ends_in_comment(i) || matches!(next_t, Some(T::Semi)))),
        // `waitfor delay '0:0:5'`, `waitfor time @t`: the keyword pair takes a time.
        b"waitfor" => matches!(next_word, b"delay" | b"time") && matches!(toks.get(i + 2).map(|t| t.t), Some(T::Str { .. } | T::Var { .. })),
        b"load" => next_word == b"data" || next_word == b"xml",
        b"grant" | b"revoke" => sqlish(&toks[i + 1..]) >= 1 && toks[i + 1..].iter().any(|t| word(text, t) == b"to" || word(text, t) == b"on"),
        // `begin shutdown end`, `begin drop table ..`: a block around statements.
        b"begin" => matches!(next_t, Some(T::Kw(Kw::Stmt | Kw::Select))),
        b"use" | b"describe" => described_table(toks, i, ends_in_comment),
        _ => sqlish(&toks[i + 1..]) >= 3,
    }
}

/// Whether a table name starts at `toks[k]` (`users`, `db.users`) and the statement goes on as
/// SQL after it: the end, `;`, a cutting comment, a clause (`where`, `limit`), a `)`. Prose goes
/// on in words (`delete from my account please`).
fn table_then_end(text: &[u8], toks: &[Tok], k: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> bool {
    let name = |i: usize| toks.get(i).is_some_and(|t| matches!(t.t, T::Word { .. } | T::Kw(Kw::Catalog)));
    if !name(k) {
        return false;
    }
    let last = if toks.get(k + 1).is_some_and(|t| t.t == T::Dot) && name(k + 2) { k + 2 } else { k };
    ends_in_comment(last)
        || match toks.get(last + 1) {
            None => true,
            Some(t) => matches!(t.t, T::Semi | T::RParen) || t.t == T::Kw(Kw::Clause) && matches!(word(text, t), b"where" | b"limit" | b"order" | b"using" | b"as"),
        }
}

/// Whether `toks[semi]` is the value's last token, a `;` glued to the statement before it, with
/// a comment glued after it that cuts the rest of the query (`drop logs;--`, `select 1;#`): how
/// a payload ends its statement. A note goes on after its `;` (`drop it; -- later`).
fn ended_and_cut(text: &[u8], toks: &[Tok], semi: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> bool {
    let glued = |s: &Tok| semi > 0 && toks[semi - 1].end == s.at && text.get(s.end..).is_some_and(|r| r.starts_with(b"--") || r.starts_with(b"#"));
    toks.get(semi).is_some_and(|s| s.t == T::Semi && glued(s)) && semi + 1 == toks.len() && ends_in_comment(semi)
}

/// `set @x = 1`, `;set @a:=(select ..)`, `>SET @OLD_MODE`: MySQL's user-variable assignment
/// at `toks[i]`, opening the value or after a statement end or an operator. A variable then
/// the end of the statement counts only after such a boundary: `set @home` alone is a status;
/// `please set @bob as owner` goes on in prose.
fn variable_assignment(text: &[u8], toks: &[Tok], i: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> bool {
    let boundary = match i.checked_sub(1).map(|p| toks[p].t) {
        None => false,
        Some(T::Semi | T::Op | T::Cmp | T::LParen) => true,
        Some(_) => return false,
    };
    let t = |k: usize| toks.get(k).map(|t| t.t);
    let assigned = t(i + 2) == Some(T::Cmp) && word(text, &toks[i + 2]) == b"="
        || t(i + 2) == Some(T::Op) && word(text, &toks[i + 2]) == b":" && t(i + 3) == Some(T::Cmp);
    let ended = matches!(t(i + 2), None | Some(T::Semi | T::Comma)) || ends_in_comment(i + 1);
    matches!(t(i + 1), Some(T::Var { system: false })) && (assigned || boundary && ended)
}

/// `use master;`, `describe users--`, `desc t`: the keyword at `toks[i]` takes one name (not a
/// string: `use 'or'` is prose) and the statement is over. Prose goes on (`Use of the database, as this crate does, ...`); so does
/// code (`use std::io;`).
fn described_table(toks: &[Tok], i: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> bool {
    matches!(toks.get(i + 1).map(|t| t.t), Some(T::Word { call: false }))
        && (matches!(toks.get(i + 2).map(|t| t.t), None | Some(T::Semi)) || ends_in_comment(i + 1))
}

/// `case when 1=1 then`, `(case when (a>2) then`: a `case` at `toks[i]` whose `when` holds a
/// comparison with a literal side, even one the value leaves open. Prose says `in case when
/// you arrive then call` with words between, and compares nothing.
/// The simple form compares one operand with literals: `case 1 when 1 then`, `case x when 'a' then`.
fn conditional_case(text: &[u8], toks: &[Tok], i: usize) -> bool {
    let w = |k: usize| toks.get(i + k).map_or(&b""[..], |t| word(text, t));
    let simple = toks.get(i + 1).is_some_and(|t| matches!(t.t, T::Num | T::Str { closed: true, .. } | T::Word { call: false } | T::Var { .. }))
        && w(2) == b"when"
        && toks.get(i + 3).is_some_and(|t| matches!(t.t, T::Num | T::Str { closed: true, .. }))
        && w(4) == b"then";
    if simple {
        return true;
    }
    if w(1) != b"when" {
        return false;
    }
    let cond = toks.get(i + 2..).unwrap_or(&[]);
    let Some(then) = cond.iter().take(16).position(|t| word(text, t) == b"then") else { return false };
    let cond = &cond[..then];
    let literal = |t: &Tok| matches!(t.t, T::Num | T::Str { .. } | T::Kw(Kw::Literal));
    // `case when 1 then`: a lone literal is a condition too (MySQL's truthy number), where
    // prose puts words between `when` and `then`.
    cond.windows(3).any(|w| matches!(w[1].t, T::Cmp | T::Kw(Kw::WordOp)) && (literal(&w[0]) || literal(&w[2])))
        || matches!(cond, [one] if literal(one))
}

/// `match (title, body) against ('x' in boolean mode)`, `match(a) against(`: MySQL's full-text
/// search at `toks[i]`, its search text a string, a placeholder or left open. A match against
/// a named rival (`the match (final) against (Brazil)`) is prose.
fn full_text_search(text: &[u8], toks: &[Tok], i: usize) -> bool {
    if toks.get(i + 1).map(|t| t.t) != Some(T::LParen) {
        return false;
    }
    let Some(g) = grammar::group_end(toks, i + 1) else { return false };
    let against = toks.get(g).is_some_and(|t| word(text, t) == b"against") && toks.get(g + 1).map(|t| t.t) == Some(T::LParen);
    against && matches!(toks.get(g + 2).map(|t| t.t), None | Some(T::Str { .. } | T::Param))
}

/// `db_name(0)`, `user_name(1)`, `current_setting('is_superuser')`, `sys_context('userenv',
/// 'ip_address')`: the call at `toks[i]` glued to its parenthesis, over literals only (an id, a
/// setting's or role's name), as SQL writes it; prose sets a number in parentheses apart
/// (`version (2)`).
fn literal_call(toks: &[Tok], i: usize) -> bool {
    let glued = toks.get(i + 1).is_some_and(|p| p.at == toks[i].end);
    let literal = |k: usize| toks.get(k).is_some_and(|n| matches!(n.t, T::Num | T::Str { closed: true, blank: false }));
    let mut k = i + 2;
    // Up to four literals, separated by commas.
    for _ in 0..4 {
        if !literal(k) {
            return false;
        }
        match toks.get(k + 1).map(|t| t.t) {
            Some(T::Comma) => k += 2,
            None | Some(T::RParen) => return glued,
            _ => return false,
        }
    }
    false
}

/// A name only SQL gives a function or procedure (`pg_sleep`, `load_file`, `xp_cmdshell`):
/// a compound name, never an English word.
fn sql_only_name(w: &[u8]) -> bool {
    in_sorted(SYSTEM_PROCEDURES, w) || w.contains(&b'_') && in_sorted(DANGER_FUNCS, w)
}

/// Whether the arguments of the call at `toks[i]` read as SQL, as far as the value goes: no
/// operand runs into a bare word (`sleep(8 hours)`, `benchmark(q3 results)` are prose), nor
/// does a name set apart from its parenthesis run into one after it (`Benchmark (2023) results`).
fn sql_arguments(toks: &[Tok], i: usize) -> bool {
    // `sleep(soon)`: one bare word is how prose parenthesises; a delay or probe takes a number,
    // a string or an expression.
    let t = |k: usize| toks.get(i + k).map(|x| x.t);
    if t(1) == Some(T::LParen) && t(2) == Some(T::Word { call: false }) && t(3) == Some(T::RParen) {
        return false;
    }
    let spaced = toks.get(i + 1).is_some_and(|p| p.at > toks[i].end);
    let mut depth = 0usize;
    for w in toks.get(i + 1..).unwrap_or(&[]).windows(2).take(64) {
        match w[0].t {
            T::LParen => depth += 1,
            T::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    // `Benchmark (2023) results`: a name set apart from its parenthesis, then
                    // prose after it, is a title with a year or a note in parentheses.
                    return !(spaced && w[1].t == T::Word { call: false });
                }
            }
            T::Num | T::Str { .. } | T::Word { call: false } | T::Kw(Kw::Literal) if w[1].t == T::Word { call: false } => return false,
            _ => {}
        }
    }
    true
}

/// `if(1=1,`, `iif(ascii(x)>64,`, `if(7=`: the conditional call at `toks[i]` opens with a
/// comparison whose left side is a literal, a variable, a call or a group (not a bare name, as
/// code's `if (x > 1)` and a spreadsheet's `IF(A1>5,..)` have), followed by the next argument or
/// left open. A formula (`=IF(..)`) opens with `=`.
fn conditional_call(toks: &[Tok], i: usize) -> bool {
    let t = |k: usize| toks.get(k).map(|x| x.t);
    if t(i + 1) != Some(T::LParen) || i == 1 && toks[i].at == 1 && t(0) == Some(T::Cmp) {
        return false;
    }
    let lhs = i + 2;
    let left_ok = matches!(t(lhs), Some(T::Num | T::Str { .. } | T::Var { .. } | T::Kw(Kw::Literal) | T::Func { .. } | T::LParen));
    let Some(after) = operand(toks, lhs) else { return false };
    if !left_ok || !matches!(t(after), Some(T::Cmp | T::Kw(Kw::WordOp))) {
        return false;
    }
    match operand(toks, after + 1) {
        None => after + 1 >= toks.len(),
        Some(end) => end >= toks.len() || t(end) == Some(T::Comma),
    }
}

/// `group_concat(name)`, `char(97,98)`, `chr(0x41)`: the call at `toks[i]` is a
/// [`STRING_BUILDERS`] function with an argument, or builds characters from codes only (two or
/// more numbers, or a hexadecimal one): a column type (`char(10)`) has one decimal length.
fn string_builder(text: &[u8], toks: &[Tok], i: usize) -> bool {
    let name = word(text, &toks[i]);
    if toks.get(i + 1).map(|t| t.t) != Some(T::LParen) || toks.get(i + 2).is_none_or(|t| t.t == T::RParen) {
        return false;
    }
    if in_sorted(STRING_BUILDERS, name) {
        return true;
    }
    if !matches!(name, b"char" | b"chr" | b"nchar") {
        return false;
    }
    let args = toks[i + 2..].iter().take_while(|t| t.t != T::RParen).take(64);
    let (mut numbers, mut hex) = (0, false);
    for a in args {
        match a.t {
            T::Num => {
                numbers += 1;
                hex |= text.get(a.at..a.at + 2) == Some(b"0x");
            }
            T::Comma => {}
            _ => return false,
        }
    }
    numbers >= 2 || hex
}

/// `dbms_pipe`, `utl_http`: Oracle packages that delay or reach the network.
fn oracle_package(w: &[u8]) -> bool {
    (w.starts_with(b"dbms_") || w.starts_with(b"utl_")) && in_sorted(DANGER_FUNCS, w)
}

/// Whether `toks[i]` names an Oracle package (`dbms_*`, `utl_*`) or Oracle Text's schema
/// (`ctxsys`) and a dotted name after it is called: `dbms_xmlgen.getxml(`,
/// `ctxsys.drithsx.sn(`. (`dbms_output.put_line(` prints: PL/SQL samples use it.)
fn oracle_package_call(text: &[u8], toks: &[Tok], i: usize) -> bool {
    let w = word(text, &toks[i]);
    let owner = (w.starts_with(b"dbms_") || w.starts_with(b"utl_")) && w != b"dbms_output" || w == b"ctxsys";
    let mut k = i;
    // The dotted name, at most three parts deep.
    for _ in 0..3 {
        if toks.get(k + 1).map(|t| t.t) != Some(T::Dot) {
            break;
        }
        match toks.get(k + 2).map(|t| t.t) {
            Some(T::Word { call: true } | T::Func { .. }) => return owner,
            Some(T::Word { call: false }) => k += 2,
            _ => break,
        }
    }
    false
}

/// `xp_cmdshell`, `sp_configure`, `master..xp_dirtree`: SQL Server's system procedures.
fn system_procedure(w: &[u8]) -> bool {
    w.starts_with(b"xp_") || w.starts_with(b"sp_") || w.starts_with(b"master")
}

/// Tokens that only SQL (not prose) puts in these places.
fn sqlish(toks: &[Tok]) -> usize {
    toks.iter()
        .filter(|t| {
            matches!(
                t.t,
                T::Num | T::Str { .. } | T::Var { .. } | T::Func { .. } | T::Cmp | T::Kw(_) | T::LParen | T::Comma | T::Dot
            ) || (t.t == T::Op)
        })
        .count()
}

/// Words the tokenizer leaves bare that join tables or end a select in SQL, between names:
/// `t1 left outer join t2`, `users for xml path('')`. Sorted.
const JOINERS: &[&str] = &["cross", "for", "full", "inner", "lateral", "left", "outer", "right", "straight_join"];

/// Whether tokens that should be a select list or a table name read as prose instead. Outside
/// parentheses, SQL puts operators, commas or keywords between its operands; English does not:
/// - a sentence ends (a `.` or `:` followed by a blank or the end: `come by. I`, `apply: late`,
///   where SQL glues its qualified names and casts: `t.c`, `x::int`);
/// - three bare words follow each other (an operand has at most an alias: `select name n`,
///   never `several items in your wishlist`);
/// - a comma is followed by what cannot start a list item (`'yearly', then press`,
///   `stores, from June`, `'Export', and download`).
fn reads_as_prose(text: &[u8], toks: &[Tok]) -> bool {
    let mut depth = 0u32;
    let mut words = 0u32;
    for (k, t) in toks.iter().enumerate() {
        match t.t {
            T::LParen => depth += 1,
            T::RParen => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 0 {
            words = 0;
            continue;
        }
        words = if matches!(t.t, T::Word { call: false }) && !in_sorted(JOINERS, word(text, t)) { words + 1 } else { 0 };
        let sentence_end = (t.t == T::Dot || t.t == T::Op && word(text, t) == b":") && text.get(t.end).is_none_or(u8::is_ascii_whitespace);
        let bad_item = t.t == T::Comma && toks.get(k + 1).is_some_and(|n| cannot_start_item(text, n));
        if words >= 3 || sentence_end || bad_item {
            return true;
        }
    }
    false
}

/// Whether a token cannot begin an item of a select list: a connective (but `not`), a
/// comparison, a clause word that only follows an operand, `from`, a closing mark.
fn cannot_start_item(text: &[u8], t: &Tok) -> bool {
    match t.t {
        T::Logic => word(text, t) != b"not",
        T::Cmp | T::Kw(Kw::From | Kw::WordOp | Kw::Union) | T::Comma | T::Semi | T::RParen => true,
        T::Kw(Kw::Clause) => !matches!(word(text, t), b"case" | b"exists" | b"binary" | b"char" | b"varchar" | b"nvarchar" | b"int" | b"integer" | b"database" | b"values" | b"elt"),
        _ => false,
    }
}

/// The table reference after `from` at `toks[f]`: its names and the dots between them, and the
/// token that follows (where a sentence may end: `from the list.`).
fn table_reference(toks: &[Tok], f: usize) -> &[Tok] {
    let run = toks.get(f + 1..).unwrap_or(&[]).iter().take_while(|t| matches!(t.t, T::Word { call: false } | T::Dot)).count();
    toks.get(f + 1..(f + 2 + run).min(toks.len())).unwrap_or(&[])
}

/// Index of the `;` that ends the statement starting at `toks[i]`, or the end.
fn statement_end(toks: &[Tok], i: usize) -> usize {
    toks.get(i..).and_then(|r| r.iter().position(|t| t.t == T::Semi)).map_or(toks.len(), |p| i + p)
}

/// `select <list> from <table>` with a list or tail that only SQL writes.
fn select_statement(text: &[u8], toks: &[Tok], i: usize, ends_in_comment: &dyn Fn(usize) -> bool) -> Option<Verdict> {
    let at = toks[i].at;
    let next = toks.get(i + 1).map(|t| t.t);
    // `select(.price > 10)`: jq's filter, whose argument starts with a path; no SQL operand
    // starts with a point glued to a name.
    let path = |k: usize| toks.get(k).is_some_and(|t| t.t == T::Dot && text.get(t.end).is_some_and(u8::is_ascii_alphabetic));
    if next == Some(T::LParen) && text.get(toks[i + 1].at) == Some(&b'(') && path(i + 2) {
        return None;
    }
    // select followed directly by a value: select 1, select char(..), select @@version, select *,
    // select -1 (a sign before an operand: `select-all` is one hyphenated word), select pg_sleep
    // (a name only SQL knows, its parenthesis in another parameter or cut off).
    let operand_after_op = |k: usize| toks.get(k).is_some_and(|t| matches!(t.t, T::Num | T::Func { .. } | T::Var { .. } | T::Str { .. } | T::LParen | T::Kw(Kw::Literal)));
    let direct = match next {
        Some(T::Num | T::Func { .. } | T::Var { .. } | T::Str { .. } | T::LParen | T::Kw(Kw::Literal | Kw::Clause)) => true,
        Some(T::Op) => word(text, &toks[i + 1]) == b"*" || operand_after_op(i + 2),
        Some(T::Word { call: false }) => sql_only_name(word(text, &toks[i + 1])),
        _ => false,
    };
    let stmt_end = statement_end(toks, i + 1);
    let from = toks[i + 1..stmt_end].iter().position(|t| t.t == T::Kw(Kw::From)).map(|p| i + 1 + p);
    // `select 'pickup' and a courier will come by`: English goes on after the verb. (The list
    // is read with its `from`, which no item starts with: `stores, from June`.)
    if reads_as_prose(text, &toks[i + 1..from.map_or(stmt_end, |f| f + 1)]) || from.is_some_and(|f| reads_as_prose(text, table_reference(toks, f))) {
        return None;
    }
    match from {
        Some(f) => {
            let list = &toks[i + 1..f];
            let list_sql = list.iter().any(|t| matches!(t.t, T::Op | T::Num | T::Func { .. } | T::Var { .. } | T::Comma | T::Dot | T::Str { .. }));
            let after = toks.get(f + 2).map(|t| t.t);
            // After the table: the end, a clause that goes on as SQL does (`where`, `group by`,
            // `limit`, `union`), a schema-qualified name; prose goes on with words
            // (`select their reps from the group`, `from the top`).
            let clause_after = toks.get(f + 2).is_some_and(|t| match t.t {
                T::Kw(Kw::Clause) => match word(text, t) {
                    b"group" | b"order" => toks.get(f + 3).is_some_and(|b| word(text, b) == b"by"),
                    w => matches!(w, b"where" | b"having" | b"limit" | b"offset" | b"into" | b"join" | b"procedure" | b"as"),
                },
                T::Kw(Kw::Union | Kw::Select | Kw::Stmt) => true,
                _ => false,
            });
            let tail_sql = toks.get(f + 1).is_some_and(|t| matches!(t.t, T::Word { .. } | T::Kw(Kw::Clause)))
                && (clause_after || matches!(after, None | Some(T::Semi | T::RParen | T::Dot | T::Comma)) || ends_in_comment(f + 1));
            (list_sql || tail_sql || direct).then_some(Verdict { at, confidence: 0.9, detail: "select statement" })
        }
        // `select 1;--`, `select @@version;#`: one value, then the statement ends and a comment
        // cuts the query.
        None if direct && !matches!(next, Some(T::Word { .. })) && ended_and_cut(text, toks, i + 2, ends_in_comment) => {
            Some(Verdict { at, confidence: 0.85, detail: "select statement" })
        }
        // `select pg_sleep`: the name alone is SQL's.
        None if matches!(next, Some(T::Word { .. })) && direct => Some(Verdict { at, confidence: 0.85, detail: "select of an SQL-only function" }),
        None if direct && i + 2 < stmt_end => {
            // `select 1,2,3`, `select char(0x66)`: enough SQL after the keyword. (A string the
            // value leaves open is the application's own, as in `'select all' button`; a
            // statement keyword is no item of a list, as in `use 'select' or 'insert'`.)
            let list = &toks[i + 1..stmt_end];
            let list = match list.split_last() {
                Some((last, rest)) if matches!(last.t, T::Str { closed: false, .. }) => rest,
                _ => list,
            };
            (sqlish(list) >= 2 && !list.iter().any(|t| t.t == T::Kw(Kw::Stmt))).then_some(Verdict { at, confidence: 0.8, detail: "select expression" })
        }
        None => None,
    }
}

/// An operand: literal, identifier, variable, or a parenthesised group / call (skipped whole).
/// Returns the index after it.
fn operand(toks: &[Tok], mut j: usize) -> Option<usize> {
    while matches!(toks.get(j).map(|t| t.t), Some(T::Op)) {
        j += 1; // unary - ! ~
    }
    match toks.get(j)?.t {
        T::Num | T::Str { .. } | T::Var { .. } | T::Kw(Kw::Literal) => Some(j + 1),
        T::Word { call: false } => Some(j + 1),
        T::Func { .. } | T::Word { call: true } | T::LParen => {
            let mut k = if toks[j].t == T::LParen { j } else { j + 1 };
            let mut depth = 0usize;
            while let Some(t) = toks.get(k) {
                match t.t {
                    T::LParen => depth += 1,
                    T::RParen => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return Some(k + 1);
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            Some(k)
        }
        _ => None,
    }
}

fn is_literal(t: T) -> bool {
    matches!(t, T::Num | T::Str { .. } | T::Kw(Kw::Literal))
}

/// `or 1=1`, `and 'a'='a'`, `or x like y`, `|| 1#`: a boolean tautology or probe.
fn boolean(text: &[u8], toks: &[Tok], i: usize, quoted: bool, ends_in_comment: &dyn Fn(usize) -> bool) -> Option<Verdict> {
    let at = toks[i].at;
    let prev = if i == 0 { None } else { Some(toks[i - 1].t) };
    // What precedes the connective must be able to end an SQL expression.
    let after_value = matches!(prev, None | Some(T::Num | T::Str { .. } | T::RParen | T::Kw(Kw::Literal) | T::Var { .. }))
        || quoted && matches!(prev, Some(T::Word { .. }));
    if !after_value {
        return None;
    }
    let mut j = i + 1;
    while matches!(toks.get(j).map(|t| t.t), Some(T::Logic | T::LParen)) {
        j += 1;
    }
    let lhs = j;
    // `1 and (select count(*) from ..`, `x' or (select ascii(..`: a sub-select that computes
    // something, even one the value leaves open for the application's query to close; a
    // sub-select left open is such a fragment whatever it holds (`or (select 1`), as prose
    // closes what it opens.
    if toks.get(lhs).is_some_and(|t| t.t == T::Kw(Kw::Select)) && toks[lhs - 1].t == T::LParen {
        let group = operand(toks, lhs - 1).unwrap_or(toks.len());
        let open = grammar::group_end(toks, lhs - 1).is_none();
        return (open || grammar::sql_inside(text, &toks[lhs + 1..group])).then_some(Verdict { at, confidence: 0.85, detail: "boolean over a sub-select" });
    }
    let after_lhs = operand(toks, lhs)?;
    let cmp = toks.get(after_lhs).map(|t| t.t);
    if matches!(cmp, Some(T::Cmp | T::Kw(Kw::WordOp))) {
        let mut r = after_lhs + 1;
        while matches!(toks.get(r).map(|t| t.t), Some(T::Kw(Kw::WordOp | Kw::Literal)) | Some(T::Logic)) && r < after_lhs + 3 {
            r += 1; // `is not null`, `not like`, `sounds like`
        }
        let rhs_end = operand(toks, r).or_else(|| (r >= toks.len()).then_some(r))?;
        let l = toks[lhs].t;
        let constant = is_literal(l) || toks.get(r).is_some_and(|t| is_literal(t.t)) && matches!(l, T::Word { call: false } | T::Func { .. })
            || matches!(l, T::Func { .. });
        let closes = rhs_end >= toks.len() || ends_in_comment(rhs_end - 1) || matches!(toks.get(rhs_end).map(|t| t.t), Some(T::Logic | T::RParen | T::Semi | T::Kw(_)));
        if quoted || (constant && closes) {
            return Some(Verdict { at, confidence: if quoted { 0.9 } else { 0.85 }, detail: "boolean condition" });
        }
        return None;
    }
    // `' or 1--`, `' || true#`, `' and sleep(..)`: a truthy operand, then the end of the query.
    let truthy = is_literal(toks[lhs].t) && !matches!(toks[lhs].t, T::Str { .. }) || matches!(toks[lhs].t, T::Func { .. });
    // The connective must follow the breakout: `it's 5 or 6` closes the string in `it'` and
    // goes on in prose words before its `or`.
    let prose_before = toks[..i].iter().any(|t| matches!(t.t, T::Word { .. }));
    if quoted && truthy && !prose_before && after_lhs >= toks.len() && ends_in_comment(lhs) {
        return Some(Verdict { at, confidence: 0.85, detail: "boolean condition then end of query" });
    }
    None
}

/// `exists (`, `not exists (`: T-SQL's test for a row, the condition of a stacked `if`.
fn existence_test(text: &[u8], rest: &[Tok]) -> bool {
    let skip = usize::from(rest.first().is_some_and(|t| word(text, t) == b"not"));
    rest.get(skip).is_some_and(|t| word(text, t) == b"exists") && rest.get(skip + 1).is_some_and(|t| t.t == T::LParen)
}

/// A known function whose arguments contain another known function: `conv(hex(substr(..)))`.
fn nested_call(toks: &[Tok], i: usize) -> bool {
    let mut depth = 0usize;
    for t in toks.iter().skip(i + 1).take(64) {
        match t.t {
            T::LParen => depth += 1,
            T::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return false;
                }
            }
            T::Func { .. } | T::Kw(Kw::Select) if depth >= 1 => return true,
            _ => {}
        }
    }
    false
}

/// Clause keywords used as probes after a value: `order by 3--`, `group by 1`,
/// `into outfile '..'`, `waitfor delay '0:0:5'`, `procedure analyse(`.
fn clause_probe(text: &[u8], toks: &[Tok], i: usize) -> Option<Verdict> {
    let w = |k: usize| toks.get(k).map_or(&[][..], |t| word(text, t));
    let t = |k: usize| toks.get(k).map(|t| t.t);
    let at = toks[i].at;
    // MySQL-only phrases, whole wherever they stand: `into outfile '/tmp/x'`, `procedure
    // analyse(`.
    match (w(i), w(i + 1)) {
        (b"into", b"outfile" | b"dumpfile") if matches!(t(i + 2), Some(T::Str { .. })) => return Some(Verdict { at, confidence: 0.9, detail: "file write" }),
        (b"procedure", b"analyse") if t(i + 2) == Some(T::LParen) => return Some(Verdict { at, confidence: 0.85, detail: "procedure analyse" }),
        _ => {}
    }
    let prev_value = i > 0 && matches!(toks[i - 1].t, T::Num | T::Str { .. } | T::RParen | T::Word { .. } | T::Var { .. });
    if !prev_value {
        return None;
    }
    match (w(i), w(i + 1)) {
        (b"order" | b"group", b"by") if matches!(t(i + 2), Some(T::Num)) => {
            Some(Verdict { at, confidence: 0.8, detail: "order/group by probe" })
        }
        (b"into", b"outfile" | b"dumpfile") => Some(Verdict { at, confidence: 0.9, detail: "file write" }),
        (b"procedure", b"analyse") => Some(Verdict { at, confidence: 0.85, detail: "procedure analyse" }),
        _ => None,
    }
}

/// A comment that cuts the rest of the query: `--`, `-- x`, `/**/`, `#` at the very end. A `#`
/// followed by text (`7" #2 needle`) or a long `--word` is how people write, not how SQL ends,
/// unless it names `sp_password`: SQL Server leaves any statement holding that word out of its
/// traces, so `--sp_password` hides an injection from the audit log.
fn terminating_comment(text: &[u8], c: &Tok) -> bool {
    let body = text.get(c.at..c.end).unwrap_or(&[]);
    if body.starts_with(b"--") && find(body, 2, b"sp_password").is_some() {
        return true;
    }
    let rest = if body.starts_with(b"#") { &body[1..] } else { body.get(2..).unwrap_or(&[]) };
    let visible = rest.iter().filter(|c| !c.is_ascii_whitespace()).count();
    if body.starts_with(b"#") {
        return visible == 0;
    }
    body.starts_with(b"/*") || rest.first().map_or(true, |c| c.is_ascii_whitespace() || *c == b'+' || *c == b'-') || visible <= 4
}

/// Whether the quote ending at `end` stands apart after several words (`soap 1 '#`, a foot
/// or inch mark in prose) rather than closing a value (`admin'#`, `' --`, `1 '--`).
fn apart_after_prose(text: &[u8], end: usize) -> bool {
    let before = text.get(..end.saturating_sub(1)).unwrap_or(&[]);
    let spaced = before.last().is_some_and(u8::is_ascii_whitespace);
    let words = before.split(|c| c.is_ascii_whitespace()).filter(|w| !w.is_empty()).count();
    spaced && words >= 2
}

/// The whole value compares a literal with itself (`1=1`, `7<=>7`, `'a' like 'a'`, `1 glob 1`):
/// a condition that is always true, which only a probe for an injectable parameter sends.
/// Dates, versions and sums (`1=2-1`, `x=1`) compare different things.
///
/// The comparison may also stand as one item of a list or group (`x,1=1`, `(2=2)`) or be
/// appended by a connective, where it may compare a column with itself (`or id=id`): it is set
/// apart from what surrounds it by a comma, a parenthesis, a connective or the ends of the value,
/// while prose runs words into it (`where is the 5=5 rule`). A column matched against itself is
/// also the whole value (`id like id`), and the right literal may be left open at the end
/// for the application's quote to close (`'a'='a`, the tail of `' or 'a'='a`).
fn tautology(text: &[u8], toks: &[Tok], ctx: Ctx) -> Option<Verdict> {
    if ctx != Ctx::Raw {
        return None;
    }
    toks.windows(3).enumerate().find_map(|(k, w)| {
        let [l, op, r] = w else { return None };
        let before = k.checked_sub(1).map(|p| toks[p].t);
        let after = toks.get(k + 3).map(|t| t.t);
        let apart = matches!(before, None | Some(T::Comma | T::LParen | T::Logic)) && matches!(after, None | Some(T::Comma | T::RParen | T::Logic | T::Semi));
        // (`x=x` alone reads as a parameter given its own name, `sort=sort`; a pattern
        // operator assigns nothing.)
        let pattern = matches!(word(text, op), b"like" | b"rlike" | b"regexp" | b"glob");
        let column = l.t == T::Word { call: false } && (before == Some(T::Logic) || pattern && toks.len() == 3);
        let literal = matches!(l.t, T::Num | T::Str { closed: true, .. }) || column;
        let (lw, rw) = (word(text, l), word(text, r));
        let same = lw.eq_ignore_ascii_case(rw) && l.t == r.t;
        // `'a'='a`: the right literal is the left one without its closing quote, and ends the value.
        let left_open = matches!(l.t, T::Str { closed: true, blank: false }) && r.t == (T::Str { closed: false, blank: false }) && after.is_none() && lw.get(..lw.len() - 1) == Some(rw);
        let cmp = op.t == T::Cmp && word(text, op) != b"<>" && word(text, op) != b"!=" || pattern;
        ((same || left_open) && literal && cmp && apart).then_some(Verdict { at: l.at, confidence: 0.9, detail: "tautology" })
    })
}

/// Quote contexts: the value closes the application's string and continues as SQL.
fn breakout(text: &[u8], quote: u8, all: &[Tok], toks: &[Tok]) -> Option<Verdict> {
    // toks[0] is the string the application opened; it must close for a breakout.
    if !matches!(toks.first()?.t, T::Str { closed: true, .. }) {
        return None;
    }
    let mut j = 1;
    while matches!(toks.get(j).map(|t| t.t), Some(T::RParen)) {
        j += 1;
    }
    let at = toks.get(1).map_or(0, |t| t.at);
    // `';#`, `'; --`: the string closed, the statement ended, the rest of the query cut;
    // `admin';` after a single token (a user name, an e-mail) ends the query there.
    if matches!(all.get(j).map(|t| t.t), Some(T::Semi)) && j + 1 == toks.len() {
        if j + 1 == all.len() && !text[..toks[0].end].iter().any(u8::is_ascii_whitespace) {
            return Some(Verdict { at, confidence: 0.85, detail: "string closed then statement end" });
        }
        j += 1;
    }
    // `' or`, `\' and`, `") or '`: the value opens on the quote that closes the application's
    // string, then appends a connective and leaves its operand to the rest of the query (or to
    // the application's quote); prose does not open on a closing quote and a bare `or`.
    let opens_closed = matches!(text.get(..toks[0].end).map(<[u8]>::trim_ascii_start), Some([c]) | Some([b'\\', c]) if *c == quote);
    if opens_closed && toks.get(j).is_some_and(|t| t.t == T::Logic && word(text, t) != b"not") {
        let dangling = match toks.get(j + 1..) {
            Some([]) => true,
            Some([last]) => last.t == (T::Str { closed: false, blank: true }),
            _ => false,
        };
        if dangling {
            return Some(Verdict { at, confidence: 0.8, detail: "string closed then a dangling connective" });
        }
    }
    if let Some(c) = all.get(j).filter(|t| matches!(t.t, T::Comment { .. })) {
        if terminating_comment(text, c) && !apart_after_prose(text, toks[0].end) {
            return Some(Verdict { at, confidence: 0.85, detail: "string closed then comment" });
        }
    }
    // `x' * 'y`, `x' - 'y' - 0 = '1`: an expression that ends where the application's quote does.
    let mut k = j;
    let mut ops = 0;
    loop {
        match toks.get(k).map(|t| t.t) {
            Some(T::Op | T::Cmp) => {
                ops += 1;
                k += 1;
            }
            _ => break,
        }
        match toks.get(k).map(|t| t.t) {
            Some(T::Str { closed: false, blank: false }) if k + 1 == toks.len() && text.get(toks[k].at) == Some(&quote) => {
                return (ops > 0).then_some(Verdict { at, confidence: 0.8, detail: "expression after closed string" });
            }
            Some(T::Num | T::Str { closed: true, blank: false } | T::Var { .. } | T::Kw(Kw::Literal)) => k += 1,
            _ => return None,
        }
        if k == toks.len() {
            return (ops > 0 && all.last().is_some_and(|t| matches!(t.t, T::Comment { .. })))
                .then_some(Verdict { at, confidence: 0.8, detail: "expression after closed string" });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::lex::{CATALOGS, FUNCS, NILADIC, SYS_VIEWS};
    use super::triggers::{AFTER_VALUE, CAST_TYPES, STATEMENTS};
    use super::{DANGER_FUNCS, INFO_FUNCS, JOINERS, MYSQL_GRANT_TABLES, STRING_BUILDERS, SYSTEM_PROCEDURES};

    #[test]
    fn path_patterns_with_a_double_star_are_no_comments() {
        // Globs of build, CI and ignore settings: `**` is every directory, not `/**/`.
        for v in ["!src/**/*.test.ts", "test/**/*.spec.js", "lib/**/*.min.js", "docs/**/*.md", "app/**/*.rb"] {
            assert!(!flags("attack.sqli", v), "{v}");
            assert!(!any_flag_in_json(v), "{v} in JSON");
        }
        // Comments between SQL words still hide them.
        for v in ["1/**/or/**/1=1", "-1/**/union/**/select/**/1,2", "x'/**/and/**/sleep(5)/**/and'1", "a'/**/||/**/'b"] {
            assert!(flags("attack.sqli", v), "{v}");
        }
    }

    #[test]
    fn word_lists_are_sorted_for_binary_search() {
        for list in [AFTER_VALUE, STATEMENTS, CAST_TYPES, FUNCS, DANGER_FUNCS, CATALOGS, INFO_FUNCS, JOINERS, MYSQL_GRANT_TABLES, NILADIC, SYS_VIEWS, SYSTEM_PROCEDURES, STRING_BUILDERS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        }
    }

    /// Classes from the CRS SQL rules: tautologies by pattern operators and with the right literal
    /// left open (942130), a value that opens on the closing quote and appends a dangling
    /// connective (942521, 942522), the scientific-notation name trick (942560), SQL Server's
    /// catalog view families (942140) and the simple `case` form (942230, 942310).
    #[test]
    fn catches_crs_classes() {
        assert_family(
            "attack.sqli",
            &[
                "'a'='a",
                "\"1\"=\"1",
                "1 glob 1",
                "abc rlike abc",
                "id like id",
                "' or",
                "' and",
                "\\' or",
                "\\\" and",
                "') or",
                "' or '",
                "' OR--",
                "1.e.user",
                "1.e.table_name from t",
                "sys.database_files",
                "select name from sys.server_role_members",
                "case 1 when 1 then 1 end",
                "(case x when 'a' then sleep(1) end)",
            ],
            &[
                "x=x",
                "'a'='b",
                "\"1\"=\"12",
                "I like like",
                "foo glob bar",
                "it is your parents' and yours",
                "' for",
                "''or",
                "'oreo",
                "x' or",
                "' or maybe not",
                "i.e. the user",
                "version 1.e",
                "sys.database",
                "sys.database_",
                "in case it rains when we go then stay",
                "case study when then",
            ],
        );
    }

    /// Server-information calls over literals (942151's names that read settings, roles and
    /// versions), PostgreSQL's directory, file-status and query-to-XML functions and calls into
    /// Oracle packages (942480).
    #[test]
    fn catches_server_settings_files_and_xml_dumps() {
        assert_family(
            "attack.sqli",
            &[
                "current_setting('is_superuser')",
                "is_srvrolemember('sysadmin')",
                "getpgusername()",
                "found_rows()",
                "pg_client_encoding()",
                "pg_ls_dir('.')",
                "1 and pg_stat_file('/etc/passwd') is not null",
                "query_to_xml('select 1',true,true,'')",
                "database_to_xml(true,true,'')",
                "sys_context('userenv','ip_address')",
                "dbms_xmlgen.getxml('select 1')",
                "1 and dbms_utility.sqlid_to_sqlhash(1)=1",
                "1 and ctxsys.drithsx.sn(1,user)=1",
            ],
            &[
                "row count (approx)",
                "found rows: 5",
                "user ('bob')",
                "current setting is on",
                "pg_ls_dir is a function",
                "dbms_output.put_line('hi')",
                "see dbms_xmlgen docs",
                "version(2, beta)",
            ],
        );
    }

    /// Prose that quotes code in backticks, or sets a year in parentheses after a function's
    /// name, stays prose; the injections it resembles do not.
    #[test]
    fn quoted_code_and_titles_in_prose() {
        assert_family(
            "attack.sqli",
            &["x` union select 1,2--", "` or 1=1--", "benchmark (1000000,md5(1))", "sleep (5) and 1"],
            &["Use `SELECT * FROM users` to list users", "run `drop table` with care", "Benchmark (2023) results", "Sleep (deep) mode"],
        );
    }

    #[test]
    fn catches_injection() {
        assert_family(
            "attack.sqli",
            &[
                "' OR 1=1--",
                "1' or '1'='1",
                "admin'--",
                "admin')#",
                "1 union select null,null--",
                "-1 UNION/**/SELECT password FROM users",
                "1;DROP TABLE users",
                "1 AND SLEEP(5)",
                "' AND extractvalue(1,concat(0x7e,version()))--",
                "1) or (1=1",
                "\" or \"\"=\"",
                "x' * 'y",
                "999999))) or 1=1 or (((1",
                "1%27%20or%20%271%27%3D%271",
                "'; WAITFOR DELAY '0:0:5'--",
                "1 order by 3--",
                "SELECT * FROM users WHERE id = 1",
                "@@version",
                "1' and 1=2 union/*!50000select*/1,2--",
                "conv(hex(substr(version() FROM 1 FOR 2)),16,10)",
                "' || 1#",
                "1.UNION SELECT 2",
                "1e1AND-0.0UNION SELECT 2",
                // grammar: conditions in each context, calls, case, operator probes, comments
                "1 or 1=1",
                "5) and (7=7",
                "abc' AND 3>2 AND 'x'='x",
                "\\' or 1=1 --",
                "zz\\\" or \"a\"=\"a",
                "ab' or x like '%",
                "1 and 1 not like 0",
                "DATABASE() LIKE SCHEMA()",
                "chr(65)||chr(66)||char(67)",
                "case when 1=1 then 1 else 0 end",
                "q' / current_date xor '1",
                "john' - 1 or '0",
                "ab' or 'x' like '",
                "( binary ( select 'x') ) --",
                "7--",
                "@@datadir /*",
                "9; if 1=1 drop database x--",
                "1; while 1=1 waitfor delay '0:0:1'--",
                "2; delete low_priority from logs",
                "select name from information_schema.columns",
                "pg_catalog",
                "1'; begin shutdown end--",
                "x'; execute immediate 'drop table t'--",
                "abc' or 2=2 #comment",
                "1\u{a0}union\u{a0}select 2--",
                " having count(id) > 5",
                "1 where 5=5",
                "database()",
                "x db_name(",
                "x' AND userid IS NULL; --",
                "aaa'=0;-- -",
                "' group by password having 1=1--",
                "1' and 1=1 order by 1 --",
                "id having (1 or 1)",
                "2\"or!(true) #x",
                "5 || lpad(user(),3,1)",
                "AND 1234=(",
                "or 77=78=",
                "AND removed = 0)",
                "OR total != ",
                "x\u{2019} or \u{2019}1\u{2019}=\u{2019}1",
                "SELECT a GROUP BY b HAVING COUNT(c) >= 2",
                "https://example.com/?q=x-1 waitfor delay '0:0:9' --",
                // one operator between the quotes, each glued to a single token
                "q'or'q",
                "'<>'",
                "zz' xor 'y",
                "'/'",
                "\\'or'2",
                "me' not rlike 'x",
                // `name=payload` whose `=` was encoded
                "name=AND 42=(",
                "k=or 8=9=",
                "filter=AND active = 1)",
                "sel=1 union select pass from users",
                // stacked procedure calls
                "1; exec purge_all",
                "x'; call wipe(1)--",
                // tautologies, a closed statement cut by a comment, a closed parenthesis compared
                "7=7",
                "'ab'='ab'",
                "3 <=> 3",
                "x';#",
                "bob@example.org';",
                "me'/* x */;",
                ";truncate logs",
                "; set @a=1",
                "'; -- ",
                ") rlike (",
                ") or (2=",
                // `use`/`describe` take one name and end
                "1; use master;",
                "x'; describe users-- ",
                // MySQL dashes, comments naming sp_password, variables before a comment
                "--5 union select name from t",
                "7' == --7 or 7",
                "abc'--sp_password",
                "4--9 sp_password",
                "@ver --",
                // system databases and grant tables, dialect number suffixes, empty exponents
                "tempdb",
                "select * from msdb..backupset",
                "mysql.user",
                "9.e(concat(user))",
                "0xunion select 1",
                "3dunion select 4",
                "x 'xor' y",
                "' rlike '",
                // `\N`, quoted variable names, trailing spaces, full-text search, ordering probes
                "5'*@v is \\N or '5",
                "1\"or@\"x\" is null #note",
                "ab\" =+ - \"1 ",
                "zz'^!'zz ",
                "x' or match (a,b) against ('z*' in boolean mode); --",
                "3 order by ifnull(null,name)",
                "'a' || binary(2)# x",
                "x'and 2 exec xp_dirtree 'c:",
                "2;do (3=3)",
                "4; if not exists ( /* x */",
                "(select if(2=2,1,0) limit 1)",
                // glued NULL shorthand, SQL-only operators over literals, exists, Oracle packages
                "\\Nunion select 3",
                "7 union distinctrow select 8",
                "4 xor 5",
                "9 div 0",
                "0 or true",
                "2 and exists(select 3)",
                "5 or 7=dbms_lock.sleep(3)",
                "a' glob 'b",
                // PostgreSQL operators, bind placeholders, statements ended and cut
                "2 or '{\"b\":1}' @> '{\"b\":1}'",
                "5 and '[2]'::jsonb is not null",
                "x' or data->>'k' = 'v' or '",
                "bob'or?--",
                "me'and x is not?--",
                "merge into t using u on (1=1) when matched then delete",
                "drop logs;--",
                "msysqueries",
                "select{x 5}",
                "user()",
                "version(",
                "q\";select 7",
                "5; select @@datadir",
                // control characters SQL Server and Oracle read as blanks
                "5 union\u{1}select 2,3",
                "x' union\u{1c}select pass\u{1c}from users--",
                "-2\u{0}union\u{0}select\u{0}name\u{0}from\u{0}t",
                // the backtick context: the value closes the application's identifier
                "x` or 1=1 -- ",
                "name` = 1 or `a`=`a",
                "x`or`1",
                // adjacent literals, which SQL concatenates
                "zz' ' 9",
                "ab\" \"c",
                // one known function over hexadecimal literals
                "concat(0x41, 0x42)",
                "unhex(0x7e7e)--",
                // Access's logical operators
                "q' imp 2=2 imp 'q",
                "x' eqv 'y",
                // value functions called without parentheses, the table named after a value,
                // a sub-select left open
                ".5or-current_date--",
                "3 and current_user=bob",
                "1) from members where name='zed')",
                "2) FROM ACCOUNTS WHERE LOGIN=",
                "1 and (select count(last(id))",
                "x' or (select ascii(substr(pw,1,1)) from t",
                // MySQL's latin1 no-break space between words, the paging pair
                "7%A0and%A03>2",
                "2#qq\nAND#zz\n6=6",
                "4 limit 2,1",
                // SQLite's pattern operators called as functions
                "z' or glob(7)-- ",
                "1 and like('a%',name)",
                // chained probes that append a condition with script's `===`, or a quoted literal
                "&&(id===",
                "||(n===",
                "and 'x9'",
                // a condition, then a connective a comment leaves hanging
                "4='4' or-- x",
                "x' and 2>1 and-- -",
                // comments that split a keyword, which a comment-stripping filter joins
                "UNI/**/ON SEL/**/ECT 5,6",
                "TRUN/**/CATE TABLE logs",
                "DEL/**/ETE/*x*/FROM/**/sessions",
                "DROP/*old*/archive",
                "x'/**/or/**/2",
                "DEL/**/ETE FROM sessions",
                // comments between a function and its parenthesis
                "benchmark/**/(9,1)",
                "user/*x*/()",
                // user-variable assignment
                "SET @k=9",
                "7;set @v:=(select 2)",
                "<SET @SAVED_MODE",
                // a pattern opened for the application's quote to close
                "username LIKE '",
                "sku not like '%",
                // a comparison to a sub-select left open
                "=( SELECT name",
                "@v:=(select",
                // a chain of conditions ending on a short quoted word
                "9' and has(secret) and 'yes",
                // stacked describe and rename, DB2 and Oracle catalogs
                "5; desc accounts;",
                ";rename table logs to old",
                "sysibm.systables",
                "sysaux",
                "lo_export(16401, '/tmp/x')",
                // variables assigned inside an expression, full-text search, `into` left out
                "@n:=5",
                "x case when 2=2 then",
                "(case when (id>0) then",
                "user_name(1)",
                "2) rlike (select name",
                "2 and (@c:=(select 1))",
                "match (body) against ('admin*' in boolean mode)",
                "match(title) against(",
                "9; insert logs values (1)",
                "x'; merge t using (select 1) s on",
                "4;update[accounts]set role=1",
                "2;desc[users]--",
                // a name only SQL has after `select`; conditional calls over a literal comparison
                "select get_lock",
                "IIF(5>",
                "if(ascii(x)>64,1,0)",
                // self-comparisons set apart as a list item, a group or an appended condition
                "x,7=7",
                "(4=4)",
                "or uid=uid",
                // a known function left open after a connective
                "and ord(",
                "or hex(",
                // the string and the application's parenthesis closed, then a comparison
                "') = ('",
                // an alias and a table named after the closed string; a sub-select as a list item
                "x' as pw from accounts",
                "`, (select 2)--",
                "'), (select name from t)--",
                // MySQL executable comments opening on SQL
                "/*!40000union*/",
                "1 /*!and*/ 2",
                // catalog views and system procedures named bare
                "sys.sql_logins",
                "sp_oacreate",
                // file writes and procedure analyse wherever they stand
                "into dumpfile '/var/x'",
                "procedure analyse(1,1)",
                // strings built from rows or character codes
                "group_concat(name)",
                "char(104,105)",
                "chr(0x41)",
                // a stacked select opening the value, patterns after the closed string, PostgreSQL
                // containment between literals, an appended existence test
                ";select 9",
                "' like '%_",
                "x' rlike '^",
                "'[1]' @> '[1]'",
                "and exists(select 2)",
                // T-SQL's print stacked after the closed string or a value
                "x';print 2--",
                "5;print @@servername",
                // a sub-select a connective opens and leaves open
                "or (select 7",
                "and (select",
            ],
            &[
                "Use of the character database, as this crate does, is (mostly) fine: 1, 2, 3",
                "Use <b>bold</b> for emphasis, and <i>italics</i> for titles.",
                "use std::error::Error; use std::io::{self, Read};",
                "Describe the issue (steps, version, logs) in 3 lines or less",
                "--- a/app.js\n+++ b/app.js\n@@ -1,3 +1,3 @@\n-const x = 1;\n+const x = 2;",
                "O'Reilly",
                "O\\'Reilly",
                "Browning \"LIKE\"",
                "books by \"AND\" press",
                "\"pink roses\" -dress -coat",
                "1/4\"-1/2\" ribbon",
                "x = y * 2 and z",
                "3 or 4 = 7 things",
                "Do or do not; there is no try",
                "The case for when then else",
                "1# first item",
                "User(foo),junk",
                "{\"name\": \"O'Neil\", \"age\": 42}",
                "if (x > 1) { return a && b; }",
                "WHERE IS GEORGE",
                "best pizza or pasta near me",
                "5' 11\" tall",
                "rates: 1=low, 5=high",
                "1=11",
                "where is the 5=5 rule",
                "I like having 2 cats",
                "schema(s) and database (see docs)",
                "And then there were none",
                "or best offer",
                "and/or",
                "It\u{2019}s Tim\u{2019}s \u{2018}best\u{2019} or worst day",
                "select the size where it fits",
                "please wait for delay 'til 5",
                "make; if [ -f out.txt ]; then cat out.txt; fi",
                "version 1.2e3 is out",
                "1st and 2nd place, 3.5kg",
                "Tim O'Brien and the 'Select' committee",
                "select a size",
                "Please select pair #1",
                "1950 or 1960",
                "2 OR 4 METAL BUTTONS",
                "Rock 'n' roll -- the best",
                "foo--",
                "Don't forget: order by Friday; update the docs",
                "SELECT your plan from the list below",
                "It's 5 o'clock; drop by anytime",
                "a-b-c",
                "He said \"hello\" and left",
                "10% off; limited time",
                "from 9am to 5pm",
                "C# and F# developers",
                "C#\nF#\nRust",
                "x = y * 2",
                "#hashtag #another",
                "Use `SELECT` statements carefully",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi",
                "My mother's maiden name is O'Hara; I'm from Cork",
                "Call Bob",
                "Call (555) 123-4567 after 5",
                "Exec summary; draft two",
                "Execute 'the plan' now",
                "quote 'or' here",
                "\"LIKE\" stamp",
                "Browning \"NOT\"",
                "TEAK BENCH 2 '#",
                "it's '-' or '+'",
                "a=b",
                "x=1&y=2",
                "redirect=https://example.com/?a=1",
                "q=best pizza or pasta",
                "1=2",
                "x=x",
                "2=2.0",
                "12 = 12 inches",
                "(see above) and so on",
                "Fix it; #2",
                "He said 'no';",
                "; then the rest",
                "a;b;c",
                "2fa enabled",
                "1day or 2days",
                "mysql.conf backup",
                "version 1.e5 and 1.2e3",
                "use --verbose for details",
                "c--b",
                "Christmas stocking \"NOT\" stuffer",
                "the 'or' keyword",
                "(select one)",
                "Fix; do (a) and (b)",
                "tennis match against (the champion)",
                "sorted: 1 order by name",
                "C:\\new\\Names and \\N files",
                "\"foo\" or \"bar\"",
                "true or false",
                "Go to sleep. Then eat",
                "a glob of paint",
                "What? --",
                "Really?! Or not?",
                "x->y and a::b",
                "drop it; -- later",
                "merge branch into main",
                "{\"select\": 1}",
                "select {name} and {size}",
                "the user(s) and version (2)",
                "Fix; select one",
                "Note; select 2 options",
                "O'Reilly\u{1}",
                "select\u{1}a size",
                "run `npm install` and `npm test`",
                "`a`-`b`",
                "use the `--force` flag",
                "'hello' 'world'",
                "5' 6\"",
                "the \"a\" \"b\" list",
                "say ' ' twice",
                "max(x, 0x10)",
                "an imp and a goblin",
                "it's ' okay",
                "\"quoted\" \"twice\"",
                "use 'or' here",
                "sizes 2 and (select one)",
                "current_user = get_user()",
                "2) from the list where needed",
                "Items from store where available",
                "localtime is 5pm",
                "today is current_date or so",
                "limit 1, 2 per customer",
                "buy 1 limit 2, 3 colors",
                "5\u{a0}or\u{a0}more",
                // path wildcards, spreadsheet formulas, jq filters
                "gs://media/*/thumbs/*/small.png",
                "/api/v2/teams/*/members?limit=20",
                "=IF(C4<=10,\"low\",\"high\")",
                "=SUM(B2:B40)",
                ".orders[] | select(.total >= 100)",
                "map(select(.kind == \"node\"))",
                // prose that mentions a variable, a pattern word or a sub-select placeholder
                "please set @carol as owner",
                "Set @home",
                "people like 'em",
                "choose=(select one)",
                "we like 'jazz'",
                "a comment/*like this*/ here",
                "sort=price; desc",
                "globe (small)",
                "use 'or' to combine",
                "use 'or'",
                "the 'or' key",
                "x := y + 1",
                "filter[status]=open and filter[owner]=me",
                "[Draft] notes; desc [long]",
                "just in case when it rains then stay in",
                "in case when x then y",
                "the match (final) against (Brazil)",
                "insert coins; replace tires values",
                // prose around select/from, hyphenated words, code's conditions
                "union members select their delegates from the group",
                "select a name from the top",
                "select-all",
                "if(x>1){y()}",
                // a column type, a script banner, Python's sys module, quoted words and likes
                "char(10)",
                "varchar(255)",
                "/*! lib v2 | MIT */",
                "sys.path",
                "the kids' like 'em",
                "a=b, c=d",
                "x=x, y=y",
                // delay-function names over prose, print in prose
                "sleep(8 hours)",
                "benchmark(q3 results)",
                "notes; print two copies",
                "sizes and (select one) or two",
            ],
        );
    }

    /// Rule class "SQL function names" (CRS 942150/942151/942410): functions of each dialect,
    /// called in a condition; the same names in prose stay quiet.
    #[test]
    fn catches_function_calls_of_each_dialect() {
        assert_family(
            "attack.sqli",
            &[
                "1 and utc_time()",
                "1 and is_superuser()",
                "1 and crc32(user())>0",
                "x' and str_to_date(1,1) and '1",
                "1 and weekofyear(now())=1--",
                "1 or substring_index(user(),'@',1)='root'",
                "' or last_insert_rowid()>0--",
                "' and load_extension('x')--",
                "1 AND INET_ATON('1.1.1.1')",
                "1; insert into users (name) values ('x')--",
                "x'; insert into db.users select * from t--",
                "insert into logs values (1)",
                "1 or sleep(5)#",
                "1 and found_rows()",
            ],
            &["I need to sleep(soon)", "benchmark(results) soon", "insert into the slot", "Insert into cart", "weekday (monday)", "the crc32 of the file", "Row count (approx)", "to days (2)", "uuid short form", "found rows (3)"],
        );
    }

    /// Rule class "integer overflow" (CRS 942220): a whole value one past a numeric type's
    /// range; limits and sizes inside the range stay quiet.
    #[test]
    fn catches_numbers_at_a_types_edge() {
        assert_family(
            "attack.sqli",
            &["2147483648", "-2147483649", "4294967296", "9223372036854775808", "18446744073709551616", "1e309", "-1E400", "2.2250738585072011e-308"],
            &["2147483647", "-2147483648", "4294967295", "1e10", "3.14", "20240101", "1e308", "12345678901", "version 2147483648", "e309"],
        );
    }

    /// PostgreSQL's `::` cast inside an injected expression (CRS 942320); C++ and Rust paths and
    /// times stay quiet.
    #[test]
    fn reads_postgres_casts() {
        assert_family(
            "attack.sqli",
            &["1::int", "'1'::text", "7::bigint", "x'::int--", "' or 1::bool--", "x'::text || '", "1 and (select 1)::text='1'", "' or 1::int=1--", "1 and version()::int=1", "' and '1'::varchar(9)='1'--"],
            &["std::string", "Foo::bar()", "time 10::20", "a::b::c", "use crate::detect::sqli;", "Value::Bool(true)", "x::int", "fe80::1", "::1"],
        );
    }

    /// T-SQL runs a second statement without `;` (CRS 942190's class): a select of one value
    /// after the closed string, cut by a comment.
    #[test]
    fn catches_a_statement_after_the_closed_string() {
        assert_family(
            "attack.sqli",
            &["' select 1 --", "x' select @@version--", "1' select 0x41--", "' SELECT user_name()--"],
            &["'select all' button", "it' select one", "'Select' the option below", "Use 'select' or 'insert' keywords", "waitfor delay", "WAITFOR DELAY tomorrow"],
        );
    }

    /// A connective after the breakout is a condition; one after prose words is prose, whatever
    /// quote came before (`I'd say 1 or 2`).
    #[test]
    fn a_connective_after_prose_is_prose() {
        assert_family(
            "attack.sqli",
            &["x' or 1--", "1' and 2", "') or 1#", "' || 1#", "\" or 1-- -"],
            &["I'd say 1 or 2", "it's 5 or 6 or 7", "we'd need 3 or 4", "Tom's size: 9 or 10", "\"Top\" pick 1 or 2"],
        );
    }

    /// The set operators other than `union` (CRS 942340's `except select`): each joins a second
    /// select; the words in prose stay quiet.
    #[test]
    fn catches_every_set_operator() {
        assert_family(
            "attack.sqli",
            &["' except select 1--", "1 except select null--", "' intersect select 1--", "1 minus select password from users", "x') INTERSECT (SELECT 1)--"],
            &["everyone except select members", "intersect the lines", "5 minus 3", "in (select cases) only", "except when raining"],
        );
    }

    /// Grammar pieces of conditions: `count(*)`, PostgreSQL's `similar to`, and Oracle's code,
    /// file and network packages (CRS 942470's names).
    #[test]
    fn reads_count_star_similar_to_regex_matches_and_oracle_packages() {
        assert_family(
            "attack.sqli",
            &[
                "' group by x having count(*)>1--",
                "1 and (select count(*) from t)>0",
                "x' and 1 similar to 1--",
                "' or 'a' similar to 'a' or '",
                "1 and dbms_java.runjava('x')=1",
                "' || utl_file.fopen('/tmp','x','r')--",
                "1 or 'a' ~ 'a'",
                "x' and version() ~* 'postgres' and '1",
                "1 and 'a' !~ 'b'--",
            ],
            &["count(*) of rows", "similar to mine", "a similar to b", "utl_file docs", "the dbms_java package", "name ~ 'smith'", "approx ~ 5 days"],
        );
    }

    /// CRS 942510's class: a backtick-quoted name called inside an ODBC escape brace; and a
    /// number that ends a column list, names a table and cuts the query (942360's `as .. from`).
    #[test]
    fn catches_backtick_calls_and_a_number_then_a_table() {
        assert_family(
            "attack.sqli",
            &["9999 or {`if`(2=(select 2 from t))}", "1 or {`x`(1=1)}", "1 as x from users--", "0 as a from dual--", "-1 from users#"],
            &["run `make` (twice)", "{`code`} block", "1 as in one", "2 from the top", "1 as x from the list", "use `git log` for history"],
        );
    }

    /// A keyword glued to a whole number (`1and`, `0union`): SQL Server ends the number at its
    /// last digit. Digits glued to other letters stay one word (ids, `2fa`, `1st`).
    #[test]
    fn reads_a_keyword_glued_to_a_number() {
        assert_family(
            "attack.sqli",
            &["1and 1=1", "7or 2>1", "10AND 3=3--", "0union select 1,2", "5or(select 1)=1", "1order by 1--", "1having 1=1", "0x1union select 1"],
            &["1st and 2nd", "2fa or sms", "4x4 or 6x6", "1or2", "24or7", "v2and3", "3andmore", "1990s or 2000s", "1orderly queue", "2groupies", "1order"],
        );
    }

    /// `'or'1`, `"and"1`: the closing quote, a word operator hugged by quotes, then a truthy
    /// number the application's quote closes. Quoted words stay prose.
    #[test]
    fn catches_the_quoted_operator_bypass() {
        assert_family(
            "attack.sqli",
            &["'or'1", "'OR'1", "\"or\"1", "'and'7", "'xor'12", "' OR '1", "\" or \"1"],
            &["'or' maybe", "'or'a", "'or' 1", "' or '1 more", "choose 'or' 1", "'and'0", "''or", "\"or\" two"],
        );
    }

    /// Stacked statements that name one table and end (CRS 942350's class): after a value's
    /// `;` (`1;truncate logs`), at a value that opens with `;` (`;desc users`), or glued to `;`
    /// and cut by a comment (`delete logs;--`, `select 1;#`). Notes after a `;` go on in words.
    #[test]
    fn catches_short_stacked_statements() {
        assert_family(
            "attack.sqli",
            &[
                "1;truncate logs",
                "'; delete users--",
                "5);delete accounts",
                "1 ;desc sales",
                ";desc users",
                ";select username",
                ";rename t",
                "2;select password",
                "';select name--",
                "delete logs;--",
                "SELECT 1;--",
                "select @@version;#",
            ],
            &[
                "notes; delete later",
                "done; truncate nothing",
                "pick 2; select one",
                "sizes; select yours",
                "1; select a size, then pay",
                "delete it; -- later",
                "select 1; then 2",
                "sort=price; desc",
                ";)",
                "; select all that apply",
            ],
        );
    }

    /// SQL Server's functions that name the schema, the host and the login.
    #[test]
    fn catches_server_information_functions() {
        assert_family(
            "attack.sqli",
            &["schema_name()", "' + host_name() + '", "suser_sname()", "1 and schema_name(1)=1"],
            &["schema_name", "host name (primary)", "the suser_sname docs"],
        );
    }

    /// CRS 942230's and 942250's classes: a `case when` over a literal, a `select` whose
    /// `having` compares, `merge into .. using`. Prose between `when` and `then` stays prose.
    #[test]
    fn catches_conditions_in_case_having_and_merge() {
        assert_family(
            "attack.sqli",
            &["x case when 1 then", "(case when 'a' then 1 end)", "select a having b >", "select id from t group by id having count(*) >", "merge into t using (select 1) on (1=1)", "';merge into users using dual on (1=1)--"],
            &["in case when it rains then stay", "case when ready then go", "select a team having fun", "merge into traffic using the left lane", "select having more"],
        );
    }

    /// A search filter an API user writes (field, comparison, literal, joined by `and`/`or`),
    /// and a `delete from` in prose, stay quiet; tautologies, breakouts and comments do not.
    #[test]
    fn search_filters_are_not_injection() {
        assert_family(
            "attack.sqli",
            &["x or 1=1", "id = 1 or 1=1", "x=1 or 2>1", "name = 'a' or 'a'='a'", "price < 5 and 1=1--", "x' or name like '%", "a = 'x' or b = 'y", "name = '' or ''='", "delete from users", "1;delete from users where 1=1", "delete from db.users;--"],
            &[
                "rating >= 4 and price < 100",
                "color = \"red\" and size = \"M\"",
                "status = 'open' or status = 'pending'",
                "age > 21 and name like 'A%'",
                "delete from my account please",
                "delete from the list",
                "name like '%smith%'",
                "region='us-east-1' and type='db'",
                "created_at between 2024-01-01 and 2024-02-01",
                "status = 'open'",
            ],
        );
    }

    /// The filter languages APIs take as a value (CEL and event-trigger rules with `&&`, `==`;
    /// Google's AIP-160 with dotted fields and `not`; `in` lists): a whole well-formed filter
    /// stays quiet. The same shapes with a tautology, a breakout, a cutting comment, a stacked
    /// statement, a sub-select or a time delay stay caught.
    #[test]
    fn filter_languages_are_not_injection() {
        assert_family(
            "attack.sqli",
            &[
                "price > 10 && 1 == 1",
                "kind == 'book' || 'a' == 'a'",
                "x' && owner == 'me",
                "team.name = \"core\" or \"x\"=\"x\"",
                "not archived or 1=1--",
                "level in ('a', 'b') or 2>1",
                "level in (select name from roles)",
                "order.total > 5 && sleep(5)",
                "state == 'open'; drop table tickets",
                "size = 'L' and 1=(select 1)",
                "owner.id = 4 and '1'='1'",
                "x' and state == 'open' --",
            ],
            &[
                "price > 10 && kind == 'book'",
                "kind == 'book' || stock >= 3",
                "updated_at > \"2023-05-06T07:08:09Z\" AND team.name = \"core\"",
                "team.name = \"core\" OR NOT archived",
                "NOT archived",
                "eventtype == 'create' && order.state == 'paid' && order.state_prev != 'paid' && order.total > 250",
                "level in ('gold', 'silver') and region = 'eu'",
                "owner.id = 4 and size in (1, 2, 3)",
            ],
        );
    }

    /// MySQL's symbolic connectives between numbers (`1 && 1`, `0||1`); code's between names and
    /// booleans stay quiet.
    #[test]
    fn symbolic_connectives_after_a_number() {
        assert_family("attack.sqli", &["1 && 1", "0||1", "5 || 0"], &["a && b", "true || false", "x || y", "ready && done"]);
    }

    /// `select` as an English verb (CRS-free prose in chat messages, tickets, CMS pages): SQL
    /// needs SQL between its keywords, so a list that ends a sentence, runs three words together
    /// or continues a comma with `then`/`and`/`from`, or a table followed by more prose, is no
    /// statement. Statements, unions and stacked selects stay caught.
    #[test]
    fn select_as_an_english_verb_is_prose() {
        assert_family(
            "attack.sqli",
            &[
                "'; select password from users--",
                "1; select username from users",
                "' union select name, pass from users--",
                "select * from users where id = 1",
                "1;select 1,2,3",
                "5; select 'a', 'b'",
                "select name n from users",
                "select u.name from users u where 1=1",
                "select x::text from t limit 1",
                "select top 1 name from sysobjects",
                "1 union select group_concat(table_name separator 0x3a) from information_schema.tables",
                "select 1, 2 from dual",
                "2;select password",
                "x\"; select 7, 8",
                "' union select a.name from t1 a left outer join t2 b on a.id = b.id--",
                "1 and 1=(select name from sysobjects for xml path(''))",
                "select name from users u cross join roles r where 1=1",
            ],
            &[
                "Select all that apply: parcel was late; box was crushed; wrong colour.",
                "Select all that apply: late; crushed; wrong colour",
                "Leave it with a neighbour, or select 'collect' and we will pick it up.",
                "Choose a plan: select 'basic' or 'pro', then press next.",
                "Please select 'work' or 'home', and the driver will ring. From May we deliver on Sundays.",
                "Pick one; select 'collect', 'post' or 'locker'.",
                "Pick one; select 'post', then click confirm.",
                "Pick one; select 'post', then pay",
                "Returns: post it back; select 'collect'; or keep it.",
                "- Select a few dishes in your list and move them to the basket at once.",
                "- Select the rows, then press Archive. Items from the archive stay 30 days.",
                "* select a shade, e.g. blue, from the palette",
                "Select 3 colours from the chart.",
                "Select * fields marked with a star are mandatory.",
                "We list every farm on our site. Select growers also publish the location of their fields.",
                "Sold at select branches, from 3 March; which one is closest to Leeds?",
                "Select 'Download', pick PDF, and save the file from the reports page.",
                "Step 1. Select 'Profile'. Step 2. Pick 'Alerts' from the list.",
                "To unsubscribe: select 'Mail', then 'Stop', from the settings page.",
                "Hint: select \"Add to list\" from the product menu.",
                "Select 1, 2 or 3 from the choices below.",
                "Select a day: 03.07. from the planner.",
                "You may select up to 4 seats from the map. Each seat is booked separately.",
                "Select: a) card, b) cash. From June, c) voucher.",
                "Select from the menu.",
                "Select from the dropdown on the right, then hit Apply.",
            ],
        );
    }
}
