//! The RFC 7644 §3.4.2.2 grammar, written with winnow:
//!
//! ```text
//! FILTER    = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"
//! valuePath = attrPath "[" valFilter "]"
//! attrExp   = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)
//! logExp    = FILTER SP ("and" / "or") SP FILTER
//! ```
//!
//! Keywords are case-insensitive, any run of whitespace counts as `SP`, `and` binds tighter
//! than `or`, and both are left-associative. Recursion only happens on `(`, `not (` and `[`,
//! and is cut off at [`MAX_NESTING`]; the number of comparisons is capped at
//! [`MAX_COMPARISONS`].

use serde_json::Number;
use winnow::ascii::{Caseless, digit1, multispace0, multispace1};
use winnow::combinator::opt;
use winnow::error::{AddContext, ErrMode, ModalResult, ParserError};
use winnow::prelude::*;
use winnow::stream::{Offset, Stream};
use winnow::token::{literal, one_of, take_while};

use super::{CompValue, CompareOp, Filter, MAX_COMPARISONS, MAX_NESTING};
use crate::Error;
use crate::path::{is_path_char, split_token};

/// Where parsing stopped and why. `remaining` is the length of the unparsed input, which
/// gives the position without carrying the input around.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    remaining: usize,
    message: &'static str,
}

impl<'i> ParserError<&'i str> for Failure {
    type Inner = Self;

    fn from_input(input: &&'i str) -> Self {
        Failure {
            remaining: input.len(),
            message: "",
        }
    }

    fn into_inner(self) -> Result<Self::Inner, Self> {
        Ok(self)
    }
}

impl<'i> AddContext<&'i str, &'static str> for Failure {
    fn add_context(
        self,
        input: &&'i str,
        token_start: &<&'i str as Stream>::Checkpoint,
        context: &'static str,
    ) -> Self {
        if self.message.is_empty() {
            Failure {
                remaining: input.len() + input.offset_from(token_start),
                message: context,
            }
        } else {
            self
        }
    }
}

type Input<'i> = &'i str;
type PResult<T> = ModalResult<T, Failure>;

/// Fails without backtracking at the current position.
fn fail<T>(input: &Input<'_>, message: &'static str) -> PResult<T> {
    Err(ErrMode::Cut(Failure {
        remaining: input.len(),
        message,
    }))
}

/// Parser state threaded through the recursion.
struct State {
    comparisons: usize,
}

/// Parses a complete filter.
pub(super) fn parse(text: &str) -> Result<Filter, Error> {
    let mut input = text;
    let mut state = State { comparisons: 0 };
    let parsed = or_expr(&mut input, &mut state, 0, false).and_then(|filter| {
        multispace0.parse_next(&mut input)?;
        if input.is_empty() {
            Ok(filter)
        } else {
            fail(&input, "`and`, `or` or the end of the filter")
        }
    });
    parsed.map_err(|e| to_error(text, e))
}

/// Parses the value filter of a PATCH path (`members[value eq "x"]`) starting just after
/// the `[`; `input` is advanced to the closing `]`, which is left for the caller. Positions
/// in errors are counted in `full`, the whole path.
pub(crate) fn parse_bracketed(full: &str, input: &mut &str) -> Result<Filter, Error> {
    let mut state = State { comparisons: 0 };
    or_expr(input, &mut state, 1, true)
        .and_then(|filter| {
            multispace0.parse_next(input)?;
            if input.starts_with(']') {
                Ok(filter)
            } else {
                fail(input, "`and`, `or` or `]` closing the value filter")
            }
        })
        .map_err(|e| to_error(full, e))
}

fn to_error(text: &str, err: ErrMode<Failure>) -> Error {
    let failure = match err {
        ErrMode::Backtrack(f) | ErrMode::Cut(f) => f,
        ErrMode::Incomplete(_) => Failure {
            remaining: 0,
            message: "more input",
        },
    };
    let offset = text.len().saturating_sub(failure.remaining);
    let position = text.get(..offset).map_or(0, |s| s.chars().count()) + 1;
    let rest = text.get(offset..).unwrap_or_default();
    let found = if rest.is_empty() {
        "the end of the filter".to_owned()
    } else {
        let snippet: String = rest.chars().take(20).collect();
        format!("{snippet:?}")
    };
    let message = if failure.message.is_empty() {
        "a valid filter expression"
    } else {
        failure.message
    };
    if let Some(limit) = message.strip_prefix('!') {
        Error::invalid_filter(format!("filter rejected at character {position}: {limit}"))
    } else {
        Error::invalid_filter(format!(
            "filter syntax error at character {position}: expected {message}, found {found}"
        ))
    }
}

/// `or`-level: `and_expr *( SP "or" SP and_expr )`.
fn or_expr(i: &mut Input<'_>, st: &mut State, depth: usize, in_value: bool) -> PResult<Filter> {
    let mut left = and_expr(i, st, depth, in_value)?;
    while keyword(i, "or")? {
        let right = and_expr(i, st, depth, in_value)?;
        left = Filter::Or(Box::new(left), Box::new(right));
    }
    Ok(left)
}

/// `and`-level: `atom *( SP "and" SP atom )`.
fn and_expr(i: &mut Input<'_>, st: &mut State, depth: usize, in_value: bool) -> PResult<Filter> {
    let mut left = atom(i, st, depth, in_value)?;
    while keyword(i, "and")? {
        let right = atom(i, st, depth, in_value)?;
        left = Filter::And(Box::new(left), Box::new(right));
    }
    Ok(left)
}

/// Consumes whitespace, `word` and a word boundary if they come next; otherwise consumes
/// nothing. A boundary is whitespace, `(` or the end of input, so `a eq 1 and` fails
/// later with "expected an attribute path" rather than as trailing garbage.
fn keyword(i: &mut Input<'_>, word: &'static str) -> PResult<bool> {
    let start = i.checkpoint();
    let matched = multispace1::<_, Failure>.parse_next(i).is_ok()
        && tag_ci(i, word)
        && i.chars()
            .next()
            .is_none_or(|c| c.is_whitespace() || c == '(');
    if !matched {
        i.reset(&start);
    }
    Ok(matched)
}

/// A grouped filter, a `not (…)`, a value path or a comparison.
fn atom(i: &mut Input<'_>, st: &mut State, depth: usize, in_value: bool) -> PResult<Filter> {
    multispace0.parse_next(i)?;
    if i.starts_with('(') {
        return enclosed(i, st, depth, in_value, GROUP);
    }
    if not_prefix(i) {
        let inner = enclosed(i, st, depth, in_value, GROUP)?;
        return Ok(Filter::Not(Box::new(inner)));
    }
    let path_start = *i;
    let token: &str = take_while(0.., is_path_char).parse_next(i)?;
    if token.is_empty() {
        return fail(i, "an attribute path, `(` or `not (`");
    }
    let path = match split_token(token) {
        Ok(path) => path,
        Err(_) => {
            return fail(
                &path_start,
                "a valid attribute path (name, name.sub or urn:…:name)",
            );
        }
    };
    if i.starts_with('[') {
        if in_value {
            return fail(
                i,
                "!value filters cannot be nested inside another value filter",
            );
        }
        if path.sub_attribute.is_some() {
            return fail(
                &path_start,
                "an attribute without sub-attribute before `[` (write `emails[type eq \"work\"]`)",
            );
        }
        let inner = enclosed(i, st, depth, true, VALUE_FILTER)?;
        return Ok(Filter::ValuePath {
            path,
            filter: Box::new(inner),
        });
    }
    st.comparisons += 1;
    if st.comparisons > MAX_COMPARISONS {
        return fail(&path_start, "!too many comparisons (at most 200)");
    }
    if multispace1::<_, Failure>.parse_next(i).is_err() {
        return fail(
            i,
            "a space and a comparison operator after the attribute path",
        );
    }
    let op_start = *i;
    let word: &str = take_while(0.., |c: char| c.is_ascii_alphabetic()).parse_next(i)?;
    if word.eq_ignore_ascii_case("pr") {
        return Ok(Filter::Present { path });
    }
    let Some(op) = CompareOp::from_keyword(word) else {
        return fail(
            &op_start,
            "a comparison operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr)",
        );
    };
    if multispace1::<_, Failure>.parse_next(i).is_err() {
        return fail(i, "a space and a value after the operator");
    }
    let value = comp_value(i)?;
    Ok(Filter::Compare { path, op, value })
}

/// Consumes `word` (ignoring ASCII case) if it comes next.
fn tag_ci(i: &mut Input<'_>, word: &'static str) -> bool {
    literal::<_, _, Failure>(Caseless(word))
        .parse_next(i)
        .is_ok()
}

/// Opening and closing characters of a nested filter, and what to say when the closing
/// one is missing.
struct Brackets {
    open: char,
    close: char,
    missing: &'static str,
}

const GROUP: Brackets = Brackets {
    open: '(',
    close: ')',
    missing: "`and`, `or` or `)` closing the group",
};

const VALUE_FILTER: Brackets = Brackets {
    open: '[',
    close: ']',
    missing: "`and`, `or` or `]` closing the value filter",
};

/// `"(" FILTER ")"` or `"[" valFilter "]"`, with the depth guard.
fn enclosed(
    i: &mut Input<'_>,
    st: &mut State,
    depth: usize,
    in_value: bool,
    mut brackets: Brackets,
) -> PResult<Filter> {
    check_depth(i, depth)?;
    brackets.open.parse_next(i)?;
    let inner = or_expr(i, st, depth + 1, in_value)?;
    multispace0.parse_next(i)?;
    if !i.starts_with(brackets.close) {
        return fail(i, brackets.missing);
    }
    brackets.close.parse_next(i)?;
    Ok(inner)
}

fn check_depth(i: &Input<'_>, depth: usize) -> PResult<()> {
    if depth >= MAX_NESTING {
        fail(
            i,
            "!nesting is too deep (at most 32 levels of parentheses and brackets)",
        )
    } else {
        Ok(())
    }
}

/// Consumes `not` and any whitespace when a `(` follows; an attribute named `not` is
/// left alone.
fn not_prefix(i: &mut Input<'_>) -> bool {
    let start = i.checkpoint();
    let matched =
        tag_ci(i, "not") && multispace0::<_, Failure>.parse_next(i).is_ok() && i.starts_with('(');
    if !matched {
        i.reset(&start);
    }
    matched
}

/// `compValue = false / null / true / number / string`.
fn comp_value(i: &mut Input<'_>) -> PResult<CompValue> {
    match i.chars().next() {
        Some('"') => string(i).map(CompValue::String),
        Some(c) if c == '-' || c.is_ascii_digit() => number(i).map(CompValue::Number),
        Some(c) if c.is_ascii_alphabetic() => {
            let start = *i;
            let word: &str = take_while(1.., |c: char| c.is_ascii_alphanumeric()).parse_next(i)?;
            match word.to_ascii_lowercase().as_str() {
                "true" => Ok(CompValue::Bool(true)),
                "false" => Ok(CompValue::Bool(false)),
                "null" => Ok(CompValue::Null),
                _ => fail(
                    &start,
                    "a value: a \"quoted string\", a number, true, false or null",
                ),
            }
        }
        _ => fail(
            i,
            "a value: a \"quoted string\", a number, true, false or null",
        ),
    }
}

/// A JSON string. The closing quote is found first (skipping escaped characters), then
/// serde_json decodes the escapes, so the accepted syntax is exactly JSON's.
fn string(i: &mut Input<'_>) -> PResult<String> {
    let start = *i;
    let mut escaped = false;
    let mut end = None;
    for (index, c) in start.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' => {
                end = Some(index);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return fail(
            &start,
            "a string closed by `\"` (this quote is never closed)",
        );
    };
    let literal = start.get(..=end).unwrap_or_default();
    match serde_json::from_str::<String>(literal) {
        Ok(decoded) => {
            *i = start.get(end + 1..).unwrap_or_default();
            Ok(decoded)
        }
        Err(_) => fail(
            &start,
            "a valid JSON string (check escapes and control characters)",
        ),
    }
}

/// A JSON number: `-? digits (. digits)? ([eE] [+-]? digits)?`.
fn number(i: &mut Input<'_>) -> PResult<Number> {
    let start = *i;
    let literal: &str = (
        opt('-'),
        digit1,
        opt(('.', digit1)),
        opt((one_of(['e', 'E']), opt(one_of(['+', '-'])), digit1)),
    )
        .take()
        .context("a number")
        .parse_next(i)
        .map_err(ErrMode::cut)?;
    let digits = literal.trim_start_matches('-');
    let leading_zero = digits.len() > 1
        && digits.starts_with('0')
        && digits.as_bytes().get(1).is_some_and(u8::is_ascii_digit);
    // std's float parsing is correctly rounded, so printed numbers parse back exactly.
    let number = literal
        .parse::<i64>()
        .map(Number::from)
        .or_else(|_| literal.parse::<u64>().map(Number::from))
        .ok()
        .or_else(|| literal.parse::<f64>().ok().and_then(Number::from_f64));
    match number {
        Some(number) if !leading_zero => Ok(number),
        _ => fail(
            &start,
            "a JSON number (no leading zeros, within the range of a 64-bit float)",
        ),
    }
}
