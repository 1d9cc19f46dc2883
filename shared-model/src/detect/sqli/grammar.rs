//! The expression grammar: does the value, read in its context, continue the application's
//! query as a *valid* SQL expression, and how much SQL does that continuation carry?
//!
//! An injection must parse. Pasted after `WHERE id = ` (the raw, numeric context) or into
//! `'...'` / `"..."` (the quote contexts, where the value's first quote closes the application's
//! string and the application's own closing quote ends the value as a string), the whole value
//! has to read as operands joined by operators, up to its end or to a comment that cuts the rest
//! of the query. Prose fails early: `O'Reilly` closes the string and continues with a bare word
//! (two operands in a row), `1/4"-1/2" WIDE RIBBON` puts a string right after a number, and
//! `"PINK ROSES" -DRESS -CLOTHES` parses but carries nothing SQL-specific (words joined by minus
//! signs).
//!
//! The walk is a small state machine over the token classes (expecting an operand, or after
//! one), with a parenthesis depth: linear (sub-selects and `case` blocks are skipped whole, once)
//! and allocation-free. What it counts in the injected
//! part (comparisons with a literal side, boolean connectives, literals, identifiers, calls, a
//! cutting comment) decides the verdict and its confidence in [`judge`].

use super::{terminating_comment, word, Ctx, Kw, Tok, Verdict, T};

/// What the walk saw in the injected part of a value that parsed.
#[derive(Debug, Default)]
struct Walk {
    /// Comparisons (`=`, `<>`, `like`, `in`, ...) with a literal on at least one side.
    literal_cmp: u32,
    /// Comparisons between two identifiers or calls (`a=b`).
    other_cmp: u32,
    /// Boolean connectives joining operands (`and`, `or`, `xor`, `&&`, `||`).
    logic: u32,
    /// Arithmetic and bit operators between operands.
    arith: u32,
    /// Literal operands: numbers, strings, `null`/`true`/`false`, variables.
    literals: u32,
    /// Operators only SQL writes: `xor`, `eqv`, `imp`, `div`, `rlike`, `regexp`, `sounds like`,
    /// `<=>`.
    sql_ops: u32,
    /// Literal syntax only SQL writes: hexadecimal numbers, unary `!`, `~`, `not`
    /// before an operand, and connectives glued between parentheses (`(1)or(1)`).
    sql_syntax: u32,
    /// Numbers and the keyword literals (`true`, `null`) among the literals.
    numbers: u32,
    keyword_literals: u32,
    /// Bare identifiers used as operands.
    words: u32,
    /// Known SQL function calls.
    calls: u32,
    /// Calls of other names (`starts_with(x)`), also counted in [`Walk::words`].
    other_calls: u32,
    /// Parenthesised sub-selects.
    subselects: u32,
    /// `case .. when .. then .. end` expressions.
    cases: u32,
    /// Filtering clauses (`where`, `having`) opened after a value.
    clauses: u32,
    /// `from <table>` after a value: the value finishes the application's column list and names
    /// the table itself.
    tables: u32,
    /// Ordering and paging clauses (`order by`, `group by`, `limit`) after a value.
    lists: u32,
    /// `limit <offset>, <count>`: the paging pair only SQL writes.
    limit_pair: bool,
    /// `)` closing a parenthesis the application opened.
    closed_app_parens: u32,
    /// Ended by a comment that cuts the rest of the query.
    cut: bool,
    /// Ended by any comment, cutting or not (`#1 !`).
    commented: bool,
    /// The ending comment is `#` (also how people number things: `1# blah`).
    cut_by_hash: bool,
    /// `as <name>` aliases after a value (also counted in [`Walk::words`]).
    aliases: u32,
    /// PostgreSQL casts (`::int`) after an operand.
    casts: u32,
    /// Tokens walked.
    tokens: u32,
    /// The value ends where an operand is due (`and x=(`): valid only for appended conditions.
    open_end: bool,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// An operand must come next (start of an expression, after an operator, `(` or `,`).
    Operand,
    /// An operand just ended: an operator, `)`, `,`, a clause or the end may follow.
    After,
}

/// Whether a token is a literal operand.
fn literal(t: T) -> bool {
    matches!(t, T::Num | T::Str { .. } | T::Var { .. } | T::Param | T::Kw(Kw::Literal))
}

/// Walks `all[from..]` starting in `state`. `None` when the tokens do not form an SQL expression
/// continuation; one that stops where an operand is due is marked [`Walk::open_end`].
fn walk(text: &[u8], all: &[Tok], from: usize, mut state: State) -> Option<Walk> {
    let mut w = Walk::default();
    let mut depth = 0u32;
    // The last operand token (for comparisons with a literal side) and the pending comparison.
    // (In a quote context the application's string is the operand before the value's first
    // token: `x' = 1`.)
    let mut last_operand: Option<T> = from.checked_sub(1).and_then(|p| all.get(p)).map(|t| t.t);
    let mut pending_cmp = false;
    let mut k = from;
    while let Some(tok) = all.get(k) {
        k += 1;
        let t = tok.t;
        if let T::Comment { inline } = t {
            if (inline || line_blank(text, tok)) && k < all.len() {
                continue; // `/**/`, `#x\n` as whitespace
            }
            // Any comment ends the query for the walk; only one that cuts cleanly (`--`, a `#`
            // at the very end) joins a value to the query on its own (`1#1 blah` is numbering).
            w.cut = terminating_comment(text, tok);
            w.commented = true;
            w.cut_by_hash = text.get(tok.at) == Some(&b'#');
            break;
        }
        w.tokens += 1;
        match (state, t) {
            (State::Operand, T::Op) if matches!(text.get(tok.at), Some(b'-' | b'+' | b'~' | b'!')) => {
                w.sql_syntax += u32::from(matches!(text.get(tok.at), Some(b'~' | b'!')));
            }
            (State::Operand, T::Logic) if word(text, tok) == b"not" || text.get(tok.at) == Some(&b'!') => w.sql_syntax += 1,
            (State::Operand, T::Num | T::Str { .. } | T::Var { .. } | T::Param | T::Kw(Kw::Literal)) => {
                w.literals += 1;
                w.numbers += u32::from(t == T::Num);
                w.sql_syntax += u32::from(t == T::Num && text.get(tok.at..tok.at + 2) == Some(b"0x"));
                w.keyword_literals += u32::from(t == T::Kw(Kw::Literal));
                operand_done(&mut w, &mut pending_cmp, last_operand, t);
                last_operand = Some(t);
                state = State::After;
            }
            // MySQL's full-text search, `match (a, b) against ('x' in boolean mode)`, walked whole.
            (State::Operand, T::Word { .. }) if word(text, tok) == b"match" => {
                k = match_end(text, all, k)?;
                w.calls += 1;
                operand_done(&mut w, &mut pending_cmp, last_operand, t);
                last_operand = Some(t);
                state = State::After;
            }
            (State::Operand, T::Word { call: false }) => {
                w.words += 1;
                operand_done(&mut w, &mut pending_cmp, last_operand, t);
                last_operand = Some(t);
                state = State::After;
            }
            (State::Operand, T::Func { .. } | T::Word { call: true }) => {
                // A call: its arguments are walked like a parenthesised group.
                if all.get(k).map(|x| x.t) != Some(T::LParen) {
                    return None;
                }
                if matches!(t, T::Func { .. }) {
                    w.calls += 1;
                } else {
                    w.words += 1;
                    w.other_calls += 1;
                }
                k += 1;
                depth += 1;
                if all.get(k).map(|x| x.t) == Some(T::RParen) {
                    k += 1; // `version()`
                    depth -= 1;
                    operand_done(&mut w, &mut pending_cmp, last_operand, t);
                    last_operand = Some(t);
                    state = State::After;
                }
            }
            // `binary x`, `binary binary (..)`: MySQL's cast prefix.
            (State::Operand, T::Kw(Kw::Clause)) if word(text, tok) == b"binary" => {}
            // `exists (select ..)`: a sub-select as a condition.
            (State::Operand, T::Kw(Kw::Clause))
                if word(text, tok) == b"exists" && all.get(k).map(|x| x.t) == Some(T::LParen) && all.get(k + 1).map(|x| x.t) == Some(T::Kw(Kw::Select)) =>
            {
                w.subselects += 1;
                w.sql_syntax += 1;
                k = group_end(all, k)?;
                operand_done(&mut w, &mut pending_cmp, last_operand, T::Kw(Kw::Select));
                last_operand = Some(T::Num);
                state = State::After;
            }
            // `case [x] when .. then .. [else ..] end`, walked whole: its keywords are SQL only.
            (State::Operand, T::Kw(Kw::Clause)) if word(text, tok) == b"case" => {
                k = case_end(text, all, k)?;
                w.cases += 1;
                operand_done(&mut w, &mut pending_cmp, last_operand, t);
                last_operand = Some(t);
                state = State::After;
            }
            // `count(*)`: the star that stands for every row, a call's only argument.
            (State::Operand, T::Op) if word(text, tok) == b"*" && k >= 2 && all[k - 2].t == T::LParen && all.get(k).is_some_and(|x| x.t == T::RParen) => {
                state = State::After;
            }
            (State::Operand, T::LParen) => {
                if matches!(all.get(k).map(|x| x.t), Some(T::Kw(Kw::Select))) {
                    w.subselects += 1;
                    k = group_end(all, k - 1)?;
                    operand_done(&mut w, &mut pending_cmp, last_operand, T::Kw(Kw::Select));
                    last_operand = Some(T::Num);
                    state = State::After;
                } else {
                    depth += 1;
                }
            }
            (State::After, T::Cmp | T::Kw(Kw::WordOp)) => {
                if word(text, tok) == b"sounds" && all.get(k).is_some_and(|x| word(text, x) == b"like") {
                    k += 1; // `sounds like`: one operator
                }
                w.sql_ops += u32::from(matches!(word(text, tok), b"div" | b"rlike" | b"regexp" | b"sounds" | b"<=>" | b"@>" | b"<@"));
                pending_cmp = true;
                state = State::Operand;
            }
            // `similar to`: PostgreSQL's regular-expression match.
            (State::After, T::Word { call: false }) if word(text, tok) == b"similar" && all.get(k).is_some_and(|x| word(text, x) == b"to") => {
                k += 1;
                w.sql_ops += 1;
                pending_cmp = true;
                state = State::Operand;
            }
            // `not like`, `not in`, `not between`
            (State::After, T::Logic) if word(text, tok) == b"not" && matches!(all.get(k).map(|x| x.t), Some(T::Kw(Kw::WordOp))) => {
                k += 1;
                pending_cmp = true;
                state = State::Operand;
            }
            (State::After, T::Logic) => {
                w.logic += 1;
                let glued = |c: Option<&u8>| matches!(c, Some(b')' | b'('));
                w.sql_syntax += u32::from(tok.at > 0 && glued(text.get(tok.at - 1)) && glued(text.get(tok.end)));
                // `1 && 1`, `0||1`: MySQL's symbolic connectives after a number (code joins
                // names and booleans with them: `a && b`, `true || x`).
                w.sql_syntax += u32::from(last_operand == Some(T::Num) && matches!(word(text, tok), b"&&" | b"||"));
                w.sql_ops += u32::from(matches!(word(text, tok), b"xor" | b"eqv" | b"imp"));
                state = State::Operand;
            }
            // `1::int`, `x::varchar(9)`, `y::double precision`: PostgreSQL's cast, a type name
            // after the operand.
            (State::After, T::Op) if word(text, tok) == b"::" => {
                k = cast_type_end(text, all, k)?;
                w.arith += 1;
                w.sql_syntax += 1;
                w.casts += 1;
            }
            (State::After, T::Op) => {
                w.arith += 1;
                state = State::Operand;
            }
            (State::After, T::RParen) => {
                if depth > 0 {
                    depth -= 1;
                } else {
                    w.closed_app_parens += 1;
                }
            }
            (State::After, T::Comma) if depth > 0 => state = State::Operand,
            // `limit 1,1`: the comma of the paging pair.
            (State::After, T::Comma) if depth == 0 && !w.limit_pair && k >= 3 && all.get(k - 3).is_some_and(|t| word(text, t) == b"limit") => {
                w.limit_pair = true;
                state = State::Operand;
            }
            // `;` ends the statement: the walk stops there (a stacked statement after it is the
            // statement rules' business); `;` then nothing or a comment cuts the query.
            (State::After, T::Semi) if depth == 0 => {
                w.cut = all[k..].iter().all(|x| matches!(x.t, T::Comment { .. }));
                w.commented = w.cut;
                break;
            }
            // `group by x`, `order by 1 desc`, `limit 1`: clauses that follow a condition.
            (State::After, T::Kw(Kw::Clause)) if depth == 0 && is_list_clause(text, all, k - 1) => {
                if matches!(word(text, tok), b"group" | b"order") {
                    k += 1; // `by`
                }
                w.lists += 1;
                state = State::Operand;
            }
            (State::After, T::Kw(Kw::Clause)) if matches!(word(text, tok), b"asc" | b"desc") => {}
            // `x' as name from ..`: an alias for the value in a column list.
            (State::After, T::Kw(Kw::Clause)) if depth == 0 && word(text, tok) == b"as" && matches!(all.get(k).map(|x| x.t), Some(T::Word { call: false })) => {
                k += 1;
                w.aliases += 1;
                w.words += 1;
            }
            // `1) from users where ..`: the value names the table the query reads; the table
            // name is one of its identifiers.
            (State::After, T::Kw(Kw::From)) if depth == 0 && matches!(all.get(k).map(|x| x.t), Some(T::Word { call: false })) => {
                k += 1;
                if all.get(k).map(|x| x.t) == Some(T::Dot) && matches!(all.get(k + 1).map(|x| x.t), Some(T::Word { call: false })) {
                    k += 2; // `schema.table`
                }
                w.tables += 1;
                w.words += 1;
            }
            // `1 having 1=1`, `x where 2>1`: a filtering clause after the value.
            (State::After, T::Kw(Kw::Clause)) if depth == 0 && is_filter_clause(text, tok) => {
                w.clauses += 1;
                state = State::Operand;
            }
            // Inside a call: `substring(x from 1 for 2)`, `cast(x as char)`.
            (State::After, T::Kw(Kw::From | Kw::Clause)) | (State::After, T::Word { call: false }) if depth > 0 && is_arg_keyword(text, tok) => {
                state = State::Operand;
            }
            (State::After, T::Dot) if matches!(all.get(k).map(|x| x.t), Some(T::Word { call: false })) => {
                k += 1; // `table.column`
            }
            _ => return None,
        }
    }
    // An open end: the value stops where an operand is due (`x=`, `x=(`).
    w.open_end = state == State::Operand;
    if w.open_end && pending_cmp {
        w.other_cmp += 1;
    }
    Some(w)
}

/// `1#x\nand#y\n2=2`: a line comment glued to the token before it and ended by a newline, so
/// that the query goes on on the next line: a blank in disguise, as `/**/` is.
fn line_blank(text: &[u8], c: &Tok) -> bool {
    let glued = c.at > 0 && text.get(c.at - 1).is_some_and(|b| !b.is_ascii_whitespace());
    glued && c.end > c.at && text.get(c.end - 1) == Some(&b'\n')
}

/// Index after the type name of a `::` cast whose name starts at `all[k]`: a word, optionally
/// a second one (`double precision`) or a length (`varchar(9)`); `None` when no name follows.
fn cast_type_end(text: &[u8], all: &[Tok], k: usize) -> Option<usize> {
    let name = |i: usize| all.get(i).is_some_and(|t| matches!(t.t, T::Word { .. } | T::Kw(Kw::Clause)) && text.get(t.at).is_some_and(u8::is_ascii_alphabetic));
    if !name(k) {
        return None;
    }
    let t = |i: usize| all.get(i).map(|x| x.t);
    Some(match (t(k + 1), t(k + 2), t(k + 3)) {
        (Some(T::LParen), Some(T::Num), Some(T::RParen)) => k + 4,
        _ if all.get(k + 1).is_some_and(|x| word(text, x) == b"precision") => k + 2,
        _ => k + 1,
    })
}

/// Records a completed operand: a pending comparison is classified by its sides.
fn operand_done(w: &mut Walk, pending_cmp: &mut bool, left: Option<T>, right: T) {
    if std::mem::take(pending_cmp) {
        if left.is_some_and(literal) || literal(right) {
            w.literal_cmp += 1;
        } else {
            w.other_cmp += 1;
        }
    }
}

/// `group by`, `order by`, `limit`, `offset` at `all[i]`.
fn is_list_clause(text: &[u8], all: &[Tok], i: usize) -> bool {
    let next_by = all.get(i + 1).is_some_and(|t| word(text, t) == b"by");
    match all.get(i).map(|t| word(text, t)) {
        Some(b"group" | b"order") => next_by,
        Some(b"limit" | b"offset") => true,
        _ => false,
    }
}

/// `where`, `having`: the clauses that filter rows with a condition.
fn is_filter_clause(text: &[u8], tok: &Tok) -> bool {
    matches!(word(text, tok), b"where" | b"having")
}

/// Words that separate a call's arguments in SQL: `from`/`for` (substring), `as` (cast),
/// `using` (convert), `in` (position).
fn is_arg_keyword(text: &[u8], tok: &Tok) -> bool {
    matches!(word(text, tok), b"from" | b"for" | b"as" | b"using" | b"in")
}

/// Index after the `end` closing the `case` whose tokens start at `all[from]`, provided the
/// expression has `when` and `then`; `None` otherwise.
fn case_end(text: &[u8], all: &[Tok], from: usize) -> Option<usize> {
    let (mut when, mut then, mut nested) = (false, false, 0u32);
    for (i, t) in all.iter().enumerate().skip(from) {
        match word(text, t) {
            b"case" => nested += 1,
            b"when" => when = true,
            b"then" => then = true,
            b"end" if nested > 0 => nested -= 1,
            b"end" => return (when && then).then_some(i + 1),
            _ => {}
        }
    }
    None
}

/// Index after `match <columns> against (...)` whose column list starts at `all[from]`; `None`
/// when the tokens are not that expression.
fn match_end(text: &[u8], all: &[Tok], from: usize) -> Option<usize> {
    let mut i = from;
    while let Some(t) = all.get(i).filter(|_| i < from + 16) {
        match t.t {
            T::Word { .. } if word(text, t) == b"against" => {
                return (all.get(i + 1).map(|x| x.t) == Some(T::LParen)).then(|| group_end(all, i + 1)).flatten();
            }
            T::Word { .. } | T::Comma | T::Dot | T::LParen | T::RParen => i += 1,
            _ => return None,
        }
    }
    None
}

/// Whether the tokens hold what only SQL writes inside a sub-select: a call, a comparison, a
/// `case`.
pub(super) fn sql_inside(text: &[u8], toks: &[Tok]) -> bool {
    toks.iter().any(|t| matches!(t.t, T::Func { .. } | T::Word { call: true } | T::Cmp) || word(text, t) == b"case")
}

/// Index after the `)` matching the `(` at `all[open]`; `None` when the group does not close.
pub(super) fn group_end(all: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, t) in all.iter().enumerate().skip(open) {
        match t.t {
            T::LParen => depth += 1,
            T::RParen => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

/// Confidence of a condition the grammar found: blocks on its own.
const CONDITION: f64 = 0.9;

/// The grammar's verdict on a value in `ctx`, from its full token stream (comments included).
pub(super) fn judge(text: &[u8], all: &[Tok], ctx: Ctx) -> Option<Verdict> {
    // `and 1=1'`: a stray quote after a raw value (an error probe) ends it.
    let all = match all.split_last() {
        Some((last, rest))
            if ctx == Ctx::Raw
                && last.t == (T::Str { closed: false, blank: true })
                && last.end == last.at + 1
                && rest.last().is_some_and(|p| literal(p.t) || matches!(p.t, T::RParen | T::Word { call: false })) =>
        {
            rest
        }
        _ => all,
    };
    let first = all.first()?;
    let (from, state) = match ctx {
        // The application's string must close inside the value.
        Ctx::Quote(_) if matches!(first.t, T::Str { closed: true, .. }) => (1, State::After),
        Ctx::Quote(_) => return None,
        Ctx::Raw if spreadsheet_formula(text, all) => return None,
        // A raw value either is an operand that continues (`1 or 1=1`) or continues an
        // operand the application wrote (`) or (1=1`, `or 1=1`).
        Ctx::Raw if matches!(first.t, T::RParen | T::Logic | T::Cmp) => (0, State::After),
        Ctx::Raw if first.t == T::Kw(Kw::Clause) && is_filter_clause(text, first) => (1, State::Operand),
        Ctx::Raw => (0, State::Operand),
    };
    if let Some(v) = opened_pattern(text, all, ctx) {
        return Some(v);
    }
    let Some(mut w) = walk(text, all, from, state) else {
        return list_item(text, all, ctx).or_else(|| adjacent_strings(text, all, ctx));
    };
    // A raw value that starts with a connective appends a condition to the application's:
    // `AND 1234=(`, `or x=` are conditions whose operand the rest of the query supplies; so
    // does one that closes the application's parenthesis and compares it (`) like (`).
    let appended = matches!(ctx, Ctx::Raw)
        && (first.t == T::Logic && word(text, first) != b"not"
            || first.t == T::RParen && matches!(all.get(1).map(|t| t.t), Some(T::Logic | T::Cmp | T::Kw(Kw::WordOp))));
    if w.open_end {
        let cmp = w.literal_cmp + w.other_cmp;
        // So does a literal that goes on to name a table and filter it (`1) from t where x=`).
        let filtered = w.tables >= 1 && w.clauses >= 1 && matches!(first.t, T::Num | T::Str { .. } | T::RParen);
        // A condition, then a connective a comment leaves hanging (`1='1' or-- -`): the query
        // goes on after the comment's line.
        let hanging = w.cut && w.literal_cmp >= 1 && all.iter().rev().find(|t| !matches!(t.t, T::Comment { .. })).is_some_and(|t| t.t == T::Logic);
        // A known function left open after a connective (`and ascii(`, `or sleep(`) is the head
        // of a blind condition the rest of the request completes.
        let open_call = appended && w.calls >= 1;
        return ((appended || filtered) && cmp >= 1 || hanging || open_call).then_some(Verdict { at: first.at, confidence: CONDITION, detail: "appended SQL condition" });
    }
    // `and '5'`, `or 'x'`: the whole value a connective and one quoted literal, a truthy
    // condition appended to the application's.
    if appended && all.len() == 2 && matches!(all[1].t, T::Str { closed: true, blank: false }) {
        return Some(Verdict { at: first.at, confidence: CONDITION, detail: "appended SQL condition" });
    }
    if from == 1 && matches!(ctx, Ctx::Raw) {
        w.clauses += 1;
    }
    let at = all.get(from).map_or(0, |t| t.at);
    let cmp = w.literal_cmp + w.other_cmp;
    let quoted = matches!(ctx, Ctx::Quote(_));
    // A condition: a comparison with a literal side, joined to the query by a boolean
    // connective or by a comment that cuts the query. (A lone comparison right after a closed
    // quote, `BROWNING "LIKE"`, is how people quote words.)
    if w.literal_cmp >= 1 && (w.logic >= 1 || w.cut) {
        return Some(Verdict { at, confidence: CONDITION, detail: "SQL condition" });
    }
    // A filtering clause over a condition: ` having count(id) > 5`, `1 where 5=5`,
    // `id having (1 or 1)`.
    if w.clauses >= 1 && (w.literal_cmp >= 1 || w.logic >= 1 && w.literals >= 2) {
        return Some(Verdict { at, confidence: CONDITION, detail: "SQL clause with a condition" });
    }
    // A closed string, a connective over literals, then a comment: `1"or!(false) #1`, or in
    // the raw context `'a' || 1# x`.
    let string_first = quoted || matches!(first.t, T::Str { closed: true, .. });
    if string_first && w.commented && w.logic >= 1 && w.literals >= 1 && w.words == 0 {
        return Some(Verdict { at, confidence: 0.85, detail: "SQL condition then comment" });
    }
    // Comparisons of identifiers or calls with a connective: `' or a=b or '`, `1 and x like y`.
    if cmp >= 1 && w.logic >= 1 && (quoted || w.cut || w.closed_app_parens > 0) {
        return Some(Verdict { at, confidence: CONDITION, detail: "SQL condition" });
    }
    // Sub-selects, known functions or `case` expressions joined to the query: `' and (select
    // ..)`, `1 or sleep(1)`, `database() like schema()`, `chr(1)||chr(2)`.
    let sql_terms = w.subselects + w.calls + w.cases;
    // (Appended to the application's condition, a sub-select needs no literal: `and
    // exists(select 1)`, `or (select count(*) from t)`.)
    let appended_subselect = appended && w.subselects >= 1 && (w.sql_syntax >= 1 || sql_inside(text, all));
    if sql_terms >= 1 && (w.logic + cmp + w.arith) >= 1 && (quoted || w.cut || w.literals >= 1 || sql_terms >= 2 || appended_subselect) {
        return Some(Verdict { at, confidence: CONDITION, detail: "SQL expression with a call or sub-select" });
    }
    // Literals joined by an operator only SQL has (`1 xor 1`, `2 div 0`), or a number joined
    // to a boolean literal (`1 or true`, `0 and null`): a value that is a bare SQL expression.
    // (`true or false`, `1950 or 1960` are prose.)
    // So does a connective over literals written as only SQL writes them: `1 or !0`, `2 and
    // 0x41`, `(1)or(1)`. (A user variable, `1 and @v`, is null unless the query set it.)
    let bool_expr = w.logic >= 1 && (w.numbers >= 1 && w.keyword_literals >= 1 || w.sql_syntax >= 1);
    if !quoted && w.words == 0 && w.literals >= 2 && (w.sql_ops >= 1 || bool_expr) {
        return Some(Verdict { at, confidence: 0.7, detail: "SQL operator over literals" });
    }
    // One known function over literals only SQL writes, and nothing else: `concat(0x41,0x42)`,
    // `unhex(0x7e)`, a string built from hexadecimal as extraction payloads build it.
    let whole_call = matches!(first.t, T::Func { .. }) && group_end(all, 1).is_some_and(|e| all[e..].iter().all(|t| matches!(t.t, T::Comment { .. })));
    if !quoted && whole_call && w.sql_syntax >= 1 && w.words == 0 {
        return Some(Verdict { at, confidence: 0.75, detail: "SQL function over SQL literals" });
    }
    // A value, then the paging pair: `1 limit 1,1`, a probe that walks the rows one by one.
    if !quoted && w.limit_pair && w.words == 0 && w.literals >= 3 {
        return Some(Verdict { at, confidence: 0.75, detail: "paging probe" });
    }
    // Ordering by a call or a sub-select: `1 order by if(1=1,1,(select 1))`, `x group by
    // ifnull(a,b)`, a probe that makes the row order answer a question.
    if w.lists >= 1 && sql_terms >= 1 && !quoted {
        return Some(Verdict { at, confidence: CONDITION, detail: "ordering by an SQL expression" });
    }
    // The whole value one sub-select that computes something: `(select if(1=1,1,0) limit 1)`.
    // (`(select one)` is a form's placeholder.)
    if !quoted && w.subselects == 1 && w.tokens == 1 && sql_inside(text, all) {
        return Some(Verdict { at, confidence: CONDITION, detail: "sub-select" });
    }
    // `1::int`, `'1'::text`, `x'::bigint--`: a literal cast to a type with PostgreSQL's `::`,
    // a probe for the dialect (and, on a value that fails the cast, for an error message).
    // Code's paths cast nothing (`std::string`, `Value::Bool`: a name before the `::`).
    let literal_first = matches!(first.t, T::Num | T::Str { closed: true, .. });
    if w.casts >= 1 && w.words == 0 && w.logic + cmp == 0 && !w.open_end && (quoted && w.cut || !quoted && literal_first) {
        return Some(Verdict { at, confidence: 0.7, detail: "PostgreSQL cast" });
    }
    if w.cases >= 1 && w.words == 0 {
        return Some(Verdict { at, confidence: 0.85, detail: "SQL case expression" });
    }
    // A literal expression then a comment that cuts the query: `1 or 1--`, `1)--`, `' or 1#`,
    // `1--`, `@version /*`. A lone number before `#` is how people number things.
    if w.cut && w.words == 0 && (w.literals + w.calls + w.subselects) >= 1 && (quoted || w.tokens >= 2 || !w.cut_by_hash || w.subselects >= 1) {
        return Some(Verdict { at, confidence: 0.85, detail: "SQL expression then comment" });
    }
    // Quote contexts: an expression of two operators or more right after the closed string, up
    // to an operand the application's own quote closes: `x' or col&&'1`, `a' / 1 < '3`. A single
    // operator between quotes (`' - '`, `A' LIKE 'B`, `x'or'y`) counts only when the whole
    // value is that probe, its quotes glued to single tokens (see [`operator_probe`]); quotes
    // set apart by spaces are how people quote words.
    // `1 as x from users--`, `0 from dual--`: a number ends the application's column list, then
    // the value names the table and cuts the query (prose says `1 as in one`, and cuts nothing).
    let number_first = first.t == T::Num || first.t == T::Op && all.get(1).is_some_and(|t| t.t == T::Num);
    if !quoted && number_first && w.tables >= 1 && w.aliases + w.tables == w.words && w.cut && !w.open_end {
        return Some(Verdict { at, confidence: 0.85, detail: "value then a table" });
    }
    if let Ctx::Quote(q) = ctx {
        // Identifiers are allowed where operators outnumber them (`x' or col&&'1`); a call's
        // name is syntax, not one of them (`x' and f(col) and '1`).
        let ops = w.logic + cmp + w.arith;
        if ops >= 2 && ops > w.words - w.other_calls && (ends_in_app_string(text, all, q) || ends_in_app_word(text, all, q)) && !quoted_word(text, all) {
            return Some(Verdict { at, confidence: CONDITION, detail: "closed string then an operator" });
        }
        if ops == 1 && w.words == 0 && w.tokens <= 4 && ends_in_app_string(text, all, q) && operator_probe(text, all) {
            return Some(Verdict { at, confidence: CONDITION, detail: "operator probe between quotes" });
        }
        // `') like ('`, `') = ('`: the string and the application's parenthesis closed, then a
        // comparison with a group the application's own `')` closes.
        if w.closed_app_parens >= 1 && cmp >= 1 && w.words == 0 && depth_opened(all) && ends_in_app_string(text, all, q) {
            return Some(Verdict { at, confidence: CONDITION, detail: "closed string and parenthesis then a comparison" });
        }
        // `x' as name from users`, `1' from accounts--`: the value ends the application's
        // column list and names the table itself.
        if w.tables >= 1 && w.aliases + w.tables == w.words && (w.aliases >= 1 || w.cut || w.clauses >= 1) && !w.open_end {
            return Some(Verdict { at, confidence: 0.85, detail: "closed string then a table" });
        }
        if ops == 1 && w.words == 0 && quoted_operator(text, all, q) {
            return Some(Verdict { at, confidence: 0.7, detail: "SQL operator between single quotes" });
        }
    }
    None
}

/// `rating >= 4 and price < 100`, `color = "red" and size = "M"`, `name like '%smith%'`,
/// `amount > 100 && currency == 'EUR'`, `labels.env = "prod" or not deleted`: a search filter
/// an API user writes (SQL-like, CEL, Google's AIP-160 and the rule languages of event
/// triggers look alike), each term a field name, or a dotted path, against a literal (or a
/// negated boolean field), joined by connectives and nothing else. Its quotes pair up as its own
/// literals. Pasted where a number is due it parses, but it breaks out of nothing (no quote, no
/// parenthesis, no comment) and compares no constant with a constant, as a tautology does
/// (`1 or 1=1`, `x=1 or 2>1`); injections open on a number, a quote or a connective.
pub(super) fn filter_expression(text: &[u8], all: &[Tok]) -> bool {
    // A constant at `all[i]`: a literal (`5`, `'open'`, `null`), or a date or range written bare
    // (`2024-01-01`); the index after it.
    let constant = |i: usize| -> Option<usize> {
        let v = all.get(i)?;
        if !matches!(v.t, T::Num | T::Str { closed: true, .. } | T::Kw(Kw::Literal)) || text.get(v.at..v.at + 2) == Some(b"0x") {
            return None;
        }
        let mut end = i + 1;
        while v.t == T::Num && all.get(end).is_some_and(|t| word(text, t) == b"-" && t.at == all[end - 1].end) && all.get(end + 1).is_some_and(|t| t.t == T::Num && t.at == all[end].end) {
            end += 2;
        }
        Some(end)
    };
    // A field at `all[i]`: a name, or a path of names glued by dots (`labels.env`,
    // `invoice.status`); the index after it.
    let field = |i: usize| -> Option<usize> {
        let name = T::Word { call: false };
        if all.get(i)?.t != name {
            return None;
        }
        let mut end = i + 1;
        while all.get(end).is_some_and(|t| t.t == T::Dot && t.at == all[end - 1].end) && all.get(end + 1).is_some_and(|t| t.t == name && t.at == all[end].end) {
            end += 2;
        }
        Some(end)
    };
    // `('open', 'closed')`: a parenthesised list of constants at `all[i]`; the index after it.
    let constants = |i: usize| -> Option<usize> {
        all.get(i).filter(|t| t.t == T::LParen)?;
        let mut end = constant(i + 1)?;
        while all.get(end).is_some_and(|t| t.t == T::Comma) {
            end = constant(end + 1)?;
        }
        all.get(end).filter(|t| t.t == T::RParen).map(|_| end + 1)
    };
    let mut k = 0;
    loop {
        // `not deleted`, `not name like 'a%'`: a negated term.
        let negated = all.get(k).is_some_and(|t| t.t == T::Logic && word(text, t) == b"not");
        let Some(name_end) = field(k + usize::from(negated)) else { return false };
        let end = match all.get(name_end).map(|op| (op.t, word(text, op))) {
            Some((T::Kw(Kw::WordOp), b"in")) if all.get(name_end + 1).is_some_and(|t| t.t == T::LParen) => constants(name_end + 1),
            Some((T::Cmp, _) | (T::Kw(Kw::WordOp), b"like" | b"in" | b"is")) => constant(name_end + 1),
            // `created_at between 2024-01-01 and 2024-02-01`
            Some((T::Kw(Kw::WordOp), b"between")) => constant(name_end + 1).filter(|&a| all.get(a).is_some_and(|t| word(text, t) == b"and")).and_then(|a| constant(a + 1)),
            // A negated boolean field stands alone as a term.
            None | Some((T::Logic, _)) if negated => Some(name_end),
            _ => None,
        };
        let Some(end) = end else { return false };
        match all.get(end) {
            None => return true,
            Some(t) if t.t == T::Logic && matches!(word(text, t), b"and" | b"or" | b"&&" | b"||") => k = end + 1,
            Some(_) => return false,
        }
    }
}

/// `title like '`, `name not like '%`: a column, a pattern operator, then a pattern the value
/// opens and leaves for the application's next quote to close: a probe that turns the rest of
/// the query into the pattern. The pattern holds at most wildcards (`'abc` is a word quoted).
///
/// In a quote context the column is the application's string, closed by the value's first
/// quote glued to at most one word (`' like '%`, `x' rlike '^`), and the pattern opens with
/// that quote.
fn opened_pattern(text: &[u8], all: &[Tok], ctx: Ctx) -> Option<Verdict> {
    let [col, ops @ .., pattern] = all else { return None };
    let (col_ok, q) = match ctx {
        Ctx::Raw => (col.t == T::Word { call: false }, b'\''),
        Ctx::Quote(q) => {
            let head = text.get(..col.end.saturating_sub(1)).unwrap_or(&[]);
            (matches!(col.t, T::Str { closed: true, .. }) && !head.iter().any(u8::is_ascii_whitespace), q)
        }
    };
    let op = match ops {
        [op] => op,
        [not, op] if word(text, not) == b"not" => op,
        _ => return None,
    };
    let body = text.get(pattern.at + 1..pattern.end).unwrap_or(&[]);
    let wildcards = body.iter().all(|c| matches!(c, b'%' | b'_' | b'*' | b'^' | b'$' | b'.'));
    let pattern_op = op.t == T::Kw(Kw::WordOp) && matches!(word(text, op), b"like" | b"rlike" | b"regexp" | b"glob");
    let opened = matches!(pattern.t, T::Str { closed: false, .. }) && text.get(pattern.at) == Some(&q);
    (col_ok && pattern_op && opened && wildcards).then_some(Verdict { at: op.at, confidence: 0.8, detail: "pattern left open" })
}

/// `=IF(A2>5,"yes","no")`, `=SUM(B1:B9)`: an `=` glued to a call opens the value, as a
/// spreadsheet formula opens. Pasted after the application's operand it would compare twice
/// (`id = =if(`), which no dialect parses.
fn spreadsheet_formula(text: &[u8], all: &[Tok]) -> bool {
    let [eq, call, ..] = all else { return false };
    text.first() == Some(&b'=') && eq.end == 1 && call.at == 1 && matches!(call.t, T::Func { .. } | T::Word { call: true })
}

/// `x,iif(1=2,x,1/0)`, `3,(select ..)`: one operand, a comma, then an expression: the value
/// extends a list the application writes (`order by <value>`, a column list) with an item that
/// computes a condition. The item must be a call, sub-select or `case` over a literal comparison,
/// which a list of words or numbers (`smith, john`, `1, 2, max(3)`) is not; a sub-select
/// followed by a comment that cuts the query (`x', (select 1)--`) is such an item too.
/// In the quote contexts the head is the application's closed string (and parentheses).
fn list_item(text: &[u8], all: &[Tok], ctx: Ctx) -> Option<Verdict> {
    let head = all.first()?;
    let mut comma = 1;
    let plain = match ctx {
        Ctx::Raw => matches!(head.t, T::Num | T::Str { closed: true, .. } | T::Word { call: false }),
        Ctx::Quote(_) => {
            while all.get(comma).is_some_and(|t| t.t == T::RParen) {
                comma += 1;
            }
            matches!(head.t, T::Str { closed: true, .. })
        }
    };
    if !plain || all.get(comma).map(|t| t.t) != Some(T::Comma) {
        return None;
    }
    let items = all.get(comma + 1..).unwrap_or(&[]);
    let w = walk(text, all, comma + 1, State::Operand)?;
    let terms = w.calls + w.subselects + w.cases;
    let computes = w.literal_cmp >= 1 || w.subselects >= 1 && (sql_inside(text, items) || w.cut);
    (!w.open_end && terms >= 1 && computes).then(|| Verdict { at: items.first().map_or(0, |t| t.at), confidence: CONDITION, detail: "SQL condition in a list item" })
}

/// Whether the value opens a parenthesis it does not close (`('`): a group the application's
/// own closing parenthesis ends.
fn depth_opened(all: &[Tok]) -> bool {
    all.iter().rposition(|t| t.t == T::LParen).is_some_and(|p| all[p..].iter().all(|t| t.t != T::RParen))
}

/// `3' ' 1`, `a" "b`: the closed quote, a blank, then a short quoted operand the application's
/// quote closes: adjacent literals, which SQL concatenates (`'3' ' 1'`), a probe for whether the
/// quote breaks out. Prose puts words between its quotes, and its quoted text has spaces.
fn adjacent_strings(text: &[u8], all: &[Tok], ctx: Ctx) -> Option<Verdict> {
    let (Ctx::Quote(q), [first, second]) = (ctx, all) else { return None };
    let head = text.get(..first.end.saturating_sub(1)).unwrap_or(&[]).trim_ascii();
    let tail = text.get(second.at + 1..).unwrap_or(&[]).trim_ascii();
    let short = |s: &[u8]| s.len() <= 12 && !s.iter().any(u8::is_ascii_whitespace);
    let adjacent = matches!(first.t, T::Str { closed: true, .. }) && second.at > first.end && ends_in_app_string(text, all, q);
    (adjacent && short(head) && short(tail) && !(head.is_empty() && tail.is_empty()))
        .then_some(Verdict { at: second.at, confidence: 0.7, detail: "adjacent quoted literals" })
}

/// Whether the value ends inside a short string opened with the context's quote, which the
/// application's closing quote completes (`'b`, `'0`, `'`). A long one is text, not an operand;
/// one holding escaped quotes (`''''`) is a run of quotes.
fn ends_in_app_string(text: &[u8], all: &[Tok], q: u8) -> bool {
    app_string_body(text, all, q).is_some_and(|body| body.iter().filter(|c| c.is_ascii_alphabetic()).count() <= 3)
}

/// The body of the string the value ends in, opened with the context's quote for the
/// application's closing quote to complete; `None` when the value ends otherwise or the body
/// holds escaped quotes (`''''`, a run of quotes).
fn app_string_body<'t>(text: &'t [u8], all: &[Tok], q: u8) -> Option<&'t [u8]> {
    let x = all.last()?;
    let body = text.get(x.at + 1..x.end).unwrap_or(&[]);
    (matches!(x.t, T::Str { closed: false, .. }) && text.get(x.at) == Some(&q) && !body.contains(&q)).then_some(body)
}

/// Whether the value ends in one short word the application's quote closes (`'true`,
/// `'admin`): the operand a chain of conditions ends on.
fn ends_in_app_word(text: &[u8], all: &[Tok], q: u8) -> bool {
    app_string_body(text, all, q).is_some_and(|body| body.len() <= 6 && body.iter().all(u8::is_ascii_alphanumeric))
}

/// `x'or'y`, `'='`, `ab' - 'c`, `\\'or'1`: the whole value is one operator between the quote
/// that closes the application's string and the quote that opens the rest of its own string,
/// each glued to a single token (or to nothing) as an input value is. Quotes set apart by
/// spaces (`Browning "LIKE"`, `"LIKE" stamp`, `say 'or' here`) are how people quote words.
/// A word operator alone between quotes (`'or'`, `"and"`, `'like'`) is a quoted word unless
/// values are glued on both sides (`a'or'b`).
fn operator_probe(text: &[u8], all: &[Tok]) -> bool {
    let (Some(first), Some(last)) = (all.first(), all.last()) else { return false };
    // Spaces that open or end the whole value separate nothing.
    let prefix = text.get(..first.end.saturating_sub(1)).unwrap_or(&[]).trim_ascii_start();
    let suffix = text.get(last.at + 1..).unwrap_or(&[]).trim_ascii_end();
    let worded = all.iter().any(|t| text.get(t.at).is_some_and(u8::is_ascii_alphabetic) && !matches!(t.t, T::Str { .. }));
    // `'or'1`, `' OR '1`, `"and"1`: the value opens on the closing quote, then the word
    // operator, then a number glued to the quote the application closes, a truthy string
    // (`'1'`): the classic bypass. A quoted word has nothing, or a word, after it (`'or'
    // maybe`, `'or'a`, where `'a'` is false in SQL anyway).
    let bypass = prefix.is_empty() && (1..=2).contains(&suffix.len()) && suffix.iter().all(u8::is_ascii_digit) && suffix.first() != Some(&b'0');
    !prefix.iter().any(u8::is_ascii_whitespace)
        && !suffix.iter().any(u8::is_ascii_whitespace)
        && (!worded || !prefix.is_empty() && !suffix.is_empty() || bypass)
}

/// `'OR'`, `' XOR '`, `a 'NOT RLIKE' b`, `x '||' y`: a binary SQL operator alone between two
/// single quotes, SQL's string delimiter, with at most one short token outside each quote. In
/// the single-quote context the value closes the application's string, applies the operator and
/// opens a string the application's quote closes: the shape of a probe for an implicit string
/// comparison. The quotes hug the operator (`'or'`) or the whole value (`' and '`), and the
/// outside is symmetric (empty on both sides or one short token on both), so a quoted word
/// opening or inside a phrase (`'like' it`, `use 'or' between terms`, `say 'or' now`) and
/// double-quoted words
/// (`"NOT" stuffer`, which is how prose quotes) stay prose. Less certain than a condition: it
/// flags, it does not block on its own.
fn quoted_operator(text: &[u8], all: &[Tok], q: u8) -> bool {
    let (Some(first), Some(last)) = (all.first(), all.last()) else { return false };
    let ops = all.get(1..all.len() - 1).unwrap_or(&[]);
    let (Some(op1), Some(op2)) = (ops.first(), ops.last()) else { return false };
    let binary = match ops {
        [one] => one.t == T::Logic && word(text, one) != b"not" || one.t == T::Kw(Kw::WordOp) && !matches!(word(text, one), b"is" | b"in" | b"between" | b"collate" | b"escape"),
        [a, b] => matches!(word(text, a), b"not" | b"sounds") && matches!(word(text, b), b"like" | b"rlike" | b"regexp" | b"glob"),
        _ => false,
    };
    let prefix = text.get(..first.end.saturating_sub(1)).unwrap_or(&[]).trim_ascii();
    let suffix = text.get(last.at + 1..).unwrap_or(&[]).trim_ascii();
    let tight = op1.at == first.end && op2.end == last.at;
    // One operand a side, as probes write (`A 'OR' B`, `1 'xor' 2`); prose words are longer
    // (`use 'or' to`, `the 'or' key`).
    let short = |s: &[u8]| s.len() <= 2 && s.iter().all(u8::is_ascii_alphanumeric);
    // `' glob 'a`, `'like'x`: the value opens on the closing quote and matches the empty string
    // against a pattern glued to the quote the application closes; a quoted word is followed by
    // a blank (`'like' it`).
    let pattern = matches!(word(text, op2), b"like" | b"rlike" | b"regexp" | b"glob");
    let open_pattern = pattern && prefix.is_empty() && text.get(last.at + 1).is_some_and(|c| !c.is_ascii_whitespace());
    q == b'\''
        && matches!(last.t, T::Str { closed: false, .. })
        && text.get(last.at) == Some(&q)
        && binary
        && (tight || prefix.is_empty() && (suffix.is_empty() || open_pattern))
        && (prefix.is_empty() == suffix.is_empty() || open_pattern)
        && short(prefix)
        && (short(suffix) || open_pattern && suffix.len() <= 2)
}

/// `... BROWNING "LIKE"`, `A 'OR' B`: a word, a space, then a lone word operator quoted tight on
/// both sides, as people quote words; an injection's quote follows its value (`a'or'a`) or
/// spaces its operator (`a' or 'b`).
fn quoted_word(text: &[u8], all: &[Tok]) -> bool {
    let (Some(first), Some(op)) = (all.first(), all.get(1)) else { return false };
    let tight = op.at == first.end && text.get(op.end).is_some_and(|&c| c == b'\'' || c == b'"');
    let spaced = first.end >= 2 && text.get(first.end - 2).is_some_and(u8::is_ascii_whitespace);
    spaced && tight && text.get(op.at).is_some_and(u8::is_ascii_alphabetic) && all.len() == 3
}

#[cfg(test)]
mod tests {
    use super::super::{tokenize, Ctx, Lexing};
    use super::judge;

    fn sql(s: &str, ctx: Ctx) -> bool {
        let b = s.as_bytes();
        judge(b, &tokenize(b, ctx, Lexing::STANDARD), ctx).is_some()
    }

    #[test]
    fn conditions_in_each_context() {
        for s in ["1 or 1=1", "1) and (2=2", "-1 or 3>2", "1 and 1 not like 0", "or 1=1", "5 and x is not null--"] {
            assert!(sql(s, Ctx::Raw), "{s}");
        }
        assert!(sql("k' and has_role(me) and '1", Ctx::Quote(b'\'')));
        assert!(!sql("k' and has role (me) and 'then some", Ctx::Quote(b'\'')));
        for s in ["x' or 'a'='a", "' or 1=1--", "') or ('1'='1", "abc' and length(user())>1 and '", "' or x like '%"] {
            assert!(sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        assert!(sql("\" or \"\"=\"", Ctx::Quote(b'"')));
    }

    #[test]
    fn calls_cases_clauses_and_appended_conditions() {
        for s in [
            "database() like schema()",
            "chr(1)||chr(2)",
            "case when 1=1 then 1 else 0 end",
            "id having (1 or 1)",
            " having count(id) > 5",
            "and 12=(",
            "or total !=",
            "( binary ( select 1) ) --",
            "5 or substring(x from 1 for 2)='a'",
        ] {
            assert!(sql(s, Ctx::Raw), "{s}");
        }
        for s in ["x' and y is null; --", "' group by a having 1=1--", "1' and 1=1 order by 1 desc --"] {
            assert!(sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        // An open end is a condition only when the value appends one; `case` needs its keywords.
        assert!(sql("and 4=4'", Ctx::Raw));
        assert!(sql("id,iif(3=4,id,1/0)", Ctx::Raw));
        assert!(sql("7,(select 1 where 2>1)", Ctx::Raw));
        for s in ["smith, john", "1, 2, max(3)", "a, b = c", "x, count(y)", "x, (select one)"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
        for s in ["12=(", "x = (", "case closed", "the case when it rains", "1 having", "4=4'", "5 or 6'"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
    }

    #[test]
    fn operator_probes_glued_to_their_quotes() {
        for s in ["x'or'y", "'='", "' - '", "ab' like 'c", "'<<'", "q' not regexp 'z"] {
            assert!(sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        // Quotes set apart from the words around them, or prose on either side.
        for s in ["'like' it", "the '-' sign", "it's a - 'b", "x'or'yes please", "use 'or' between terms", "rock 'n' roll"] {
            assert!(!sql(s, Ctx::Quote(b'\'')), "{s}");
        }
    }

    #[test]
    fn binary_operators_alone_between_single_quotes() {
        for s in ["'or'", "'and'", "' xor '", "'not regexp'", "' sounds like '", "a 'mod' b", "x '||' y", "q 'not rlike' z", "1 'or' 22"] {
            assert!(sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        assert!(sql("a' sounds like 'b", Ctx::Quote(b'\'')));
        // Double quotes are how prose quotes a word; a lone `not`, `is` or `in` is no binary
        // operator; one side only, or longer text outside, is a phrase.
        for s in ["christmas stocking \"not\" stuffer", "\"or\"", "say \"or\" now", "small \"&\" sign"] {
            assert!(!sql(s, Ctx::Quote(b'"')), "{s}");
        }
        for s in ["'not'", "a 'is' b", "'in'", "'or' maybe", "the 'and' operator", "ab 'or' cdef", "say 'or' now", "the 'or' key"] {
            assert!(!sql(s, Ctx::Quote(b'\'')), "{s}");
        }
    }

    #[test]
    fn a_pattern_glued_to_the_applications_quote() {
        for s in ["' glob 'a", "'like'x", "' rlike '1", "' not like 'ab", "' regexp '^a"] {
            assert!(sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        // A quoted word then a blank, a value that opens on text, a pattern of prose.
        for s in ["'like' it", "'like' x", "' like 'abcdef", "' or 'a"] {
            assert!(!sql(s, Ctx::Quote(b'\'')), "{s}");
        }
    }

    #[test]
    fn connectives_over_sql_literals() {
        for s in ["1 or !0", "2 and ~0", "1 or not 0", "3 or 0x41", "(1)or(1)", "0 or true"] {
            assert!(sql(s, Ctx::Raw), "{s}");
        }
        for s in ["1 or 2", "1 or -1", "(1) or (2)", "1 or 2 (see 0x41)", "true or false", "version 2 or 3", "1 and @v"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
    }

    #[test]
    fn hanging_connectives_quoted_appends_and_open_patterns() {
        for s in ["2=2 or-- x", "'b'='b' and #", "and 'q'", "or \"1\"", "col like '", "k rlike '%_", "w not like '"] {
            assert!(sql(s, Ctx::Raw), "{s}");
        }
        // A connective with nothing compared, a pattern holding a word, a word operator in prose.
        for s in ["2 or-- x", "and 'q' more", "col like 'abc", "i like it", "col like"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
        assert!(sql("x' or has(y) or 'maybe", Ctx::Quote(b'\'')));
        assert!(!sql("x' or has(y) or 'maybe not", Ctx::Quote(b'\'')));
    }

    #[test]
    fn line_comments_ended_by_a_newline_are_blanks() {
        for s in ["3#aa\nor#bb\n4=4", "7--x\nand--y\n5>2"] {
            assert!(sql(s, Ctx::Raw), "{s}");
        }
        // A comment set apart (a note, a heading) still ends the expression.
        for s in ["3 #aa\nor 4=4", "# notes\n1 or 2=2"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
    }

    #[test]
    fn spreadsheet_formulas_are_not_conditions() {
        for s in ["=if(a2>=5,\"y\",\"n\")", "=max(b1:b9)>3 or 1", "=iif(c1=2,1,0)"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
        // `=` set apart from the call, or no call after it, is read as SQL.
        assert!(sql("= if(1=1,1,0) or 1=1", Ctx::Raw));
        assert!(sql("=1 or 1=1", Ctx::Raw));
    }

    #[test]
    fn prose_does_not_parse_or_carries_no_sql() {
        for s in ["1950 or 1960", "2 or 4 metal buttons", "x = y * 2", "do or not do", "1611-iioxxig1ti--", "3 to 6 months"] {
            assert!(!sql(s, Ctx::Raw), "{s}");
        }
        for s in ["o'reilly", "it's 5 o'clock", "rock 'n' roll", "bob's or alice's", "o'hara's list = long"] {
            assert!(!sql(s, Ctx::Quote(b'\'')), "{s}");
        }
        for s in ["1/4\"-1/2\" wide ribbon", "\"pink roses\" -dress -coat", "browning \"like\"", "x\">link</a"] {
            assert!(!sql(s, Ctx::Quote(b'"')), "{s}");
        }
    }
}
