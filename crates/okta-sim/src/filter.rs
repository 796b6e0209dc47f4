//! The SCIM-style expression language behind Okta's `filter` and `search`
//! parameters: `profile.login eq "a@b.c" and (status eq "ACTIVE" or lastUpdated gt "…")`.
//!
//! [`Expr::parse`] builds a tree, [`Expr::check`] enforces an endpoint's rules (which
//! properties and operators it allows), and [`Expr::matches`] evaluates it against
//! anything implementing [`Record`].

use serde_json::Value;

use crate::clock::{Millis, parse_ms};

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// equal
    Eq,
    /// not equal
    Ne,
    /// contains
    Co,
    /// starts with
    Sw,
    /// ends with
    Ew,
    /// present (not null)
    Pr,
    /// greater than
    Gt,
    /// greater or equal
    Ge,
    /// less than
    Lt,
    /// less or equal
    Le,
}

impl Op {
    fn parse(word: &str) -> Option<Self> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => Self::Eq,
            "ne" => Self::Ne,
            "co" => Self::Co,
            "sw" => Self::Sw,
            "ew" => Self::Ew,
            "pr" => Self::Pr,
            "gt" => Self::Gt,
            "ge" => Self::Ge,
            "lt" => Self::Lt,
            "le" => Self::Le,
            _ => return None,
        })
    }

    /// Whether this is one of `gt`, `ge`, `lt`, `le`.
    pub fn is_ordering(self) -> bool {
        matches!(self, Self::Gt | Self::Ge | Self::Lt | Self::Le)
    }
}

/// A literal on the right of an operator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `"text"`
    Str(String),
    /// `42`, `1.5`
    Num(f64),
    /// `true` / `false`
    Bool(bool),
    /// `null`
    Null,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// `a and b`
    And(Box<Expr>, Box<Expr>),
    /// `a or b`
    Or(Box<Expr>, Box<Expr>),
    /// `not (a)`
    Not(Box<Expr>),
    /// `attr op literal` (for `pr` the literal is `Null` and ignored).
    Cmp {
        /// Attribute path such as `profile.login`.
        attr: String,
        /// Operator.
        op: Op,
        /// Right-hand side.
        value: Literal,
    },
}

/// What a record exposes for an attribute path.
#[derive(Debug)]
pub enum Field<'a> {
    /// Absent or null.
    Missing,
    /// A timestamp (compared chronologically).
    Time(Millis),
    /// A string.
    Str(&'a str),
    /// Any JSON value (strings, numbers, booleans, arrays).
    Json(&'a Value),
    /// Several values (a path that went through an array); matches if any does.
    Many(Vec<&'a Value>),
}

/// Something an expression can be evaluated against.
pub trait Record {
    /// The value at `path`.
    fn field(&self, path: &str) -> Field<'_>;
}

/// How an endpoint restricts expressions.
pub struct Rules<'a> {
    /// Whether `attr op` is allowed; the `Err` text becomes the error cause.
    pub allow: &'a dyn Fn(&str, Op) -> Result<(), String>,
    /// Whether `not` may be used.
    pub allow_not: bool,
}

impl Expr {
    /// Parses an expression; the error is a human-readable reason.
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut parser = Parser { tokens, pos: 0 };
        let expr = parser.or()?;
        if parser.pos != parser.tokens.len() {
            return Err(format!("Unexpected token in filter: {text}"));
        }
        Ok(expr)
    }

    /// Checks the expression against an endpoint's rules.
    pub fn check(&self, rules: &Rules<'_>) -> Result<(), String> {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                a.check(rules)?;
                b.check(rules)
            }
            Self::Not(a) if rules.allow_not => a.check(rules),
            Self::Not(_) => Err("The 'not' operator is not supported".to_owned()),
            Self::Cmp { attr, op, .. } => (rules.allow)(attr, *op),
        }
    }

    /// Evaluates the expression; string comparisons ignore case when `fold_case`.
    pub fn matches(&self, record: &dyn Record, fold_case: bool) -> bool {
        match self {
            Self::And(a, b) => a.matches(record, fold_case) && b.matches(record, fold_case),
            Self::Or(a, b) => a.matches(record, fold_case) || b.matches(record, fold_case),
            Self::Not(a) => !a.matches(record, fold_case),
            Self::Cmp { attr, op, value } => compare(&record.field(attr), *op, value, fold_case),
        }
    }

    /// Every attribute path used, for callers that need to know (e.g. sorting hints).
    pub fn attributes(&self) -> Vec<&str> {
        match self {
            Self::And(a, b) | Self::Or(a, b) => {
                let mut v = a.attributes();
                v.extend(b.attributes());
                v
            }
            Self::Not(a) => a.attributes(),
            Self::Cmp { attr, .. } => vec![attr.as_str()],
        }
    }
}

fn compare(field: &Field<'_>, op: Op, lit: &Literal, fold: bool) -> bool {
    match field {
        Field::Missing => match op {
            Op::Pr => false,
            Op::Eq => *lit == Literal::Null,
            Op::Ne => *lit != Literal::Null,
            _ => false,
        },
        Field::Time(ms) => {
            if op == Op::Pr {
                return true;
            }
            let Literal::Str(s) = lit else { return false };
            let Some(other) = parse_ms(s) else {
                return false;
            };
            ordered(ms.cmp(&other), op)
        }
        Field::Str(s) => compare_str(s, op, lit, fold),
        Field::Json(v) => compare_json(v, op, lit, fold),
        Field::Many(values) => values.iter().any(|v| compare_json(v, op, lit, fold)),
    }
}

fn compare_json(v: &Value, op: Op, lit: &Literal, fold: bool) -> bool {
    match v {
        Value::Null => compare(&Field::Missing, op, lit, fold),
        Value::String(s) => compare_str(s, op, lit, fold),
        Value::Array(items) => items.iter().any(|i| compare_json(i, op, lit, fold)),
        Value::Bool(b) => match (op, lit) {
            (Op::Pr, _) => true,
            (Op::Eq, Literal::Bool(x)) => b == x,
            (Op::Ne, Literal::Bool(x)) => b != x,
            (Op::Eq, Literal::Str(x)) => x.eq_ignore_ascii_case(&b.to_string()),
            _ => false,
        },
        Value::Number(n) => {
            if op == Op::Pr {
                return true;
            }
            let Some(a) = n.as_f64() else { return false };
            let b = match lit {
                Literal::Num(x) => *x,
                Literal::Str(s) => match s.parse::<f64>() {
                    Ok(x) => x,
                    Err(_) => return false,
                },
                _ => return false,
            };
            a.partial_cmp(&b).is_some_and(|o| ordered(o, op))
        }
        Value::Object(_) => op == Op::Pr,
    }
}

fn compare_str(s: &str, op: Op, lit: &Literal, fold: bool) -> bool {
    if op == Op::Pr {
        return true;
    }
    let other = match lit {
        Literal::Str(x) => x.clone(),
        Literal::Num(x) => x.to_string(),
        Literal::Bool(x) => x.to_string(),
        Literal::Null => return op == Op::Ne,
    };
    let (a, b) = if fold {
        (s.to_lowercase(), other.to_lowercase())
    } else {
        (s.to_owned(), other)
    };
    match op {
        Op::Eq => a == b,
        Op::Ne => a != b,
        Op::Co => a.contains(&b),
        Op::Sw => a.starts_with(&b),
        Op::Ew => a.ends_with(&b),
        _ => ordered(a.cmp(&b), op),
    }
}

fn ordered(o: std::cmp::Ordering, op: Op) -> bool {
    use std::cmp::Ordering::*;
    match op {
        Op::Eq => o == Equal,
        Op::Ne => o != Equal,
        Op::Gt => o == Greater,
        Op::Ge => o != Less,
        Op::Lt => o == Less,
        Op::Le => o != Greater,
        _ => false,
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Open,
    Close,
    Word(String),
    Str(String),
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            c if c.is_whitespace() => {
                chars.next();
            }
            '(' => {
                chars.next();
                tokens.push(Token::Open);
            }
            ')' => {
                chars.next();
                tokens.push(Token::Close);
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None => return Err("Unterminated string in filter".to_owned()),
                        Some('\\') => match chars.next() {
                            Some(e) => s.push(e),
                            None => return Err("Unterminated string in filter".to_owned()),
                        },
                        Some('"') => break,
                        Some(x) => s.push(x),
                    }
                }
                tokens.push(Token::Str(s));
            }
            _ => {
                let mut w = String::new();
                while let Some(&x) = chars.peek() {
                    if x.is_whitespace() || x == '(' || x == ')' || x == '"' {
                        break;
                    }
                    w.push(x);
                    chars.next();
                }
                tokens.push(Token::Word(w));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    pos: usize,
}

impl Parser {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w.eq_ignore_ascii_case(word))
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        while self.peek_word("and") {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, String> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Expr::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let e = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(e),
                    _ => Err("Missing closing parenthesis in filter".to_owned()),
                }
            }
            Some(Token::Word(attr)) => self.comparison(attr),
            _ => Err("Expected an attribute in filter".to_owned()),
        }
    }

    fn comparison(&mut self, attr: String) -> Result<Expr, String> {
        let op = match self.next() {
            Some(Token::Word(w)) => Op::parse(&w).ok_or_else(|| format!("Unknown operator {w}"))?,
            _ => return Err(format!("Expected an operator after {attr}")),
        };
        if op == Op::Pr {
            return Ok(Expr::Cmp {
                attr,
                op,
                value: Literal::Null,
            });
        }
        let value = match self.next() {
            Some(Token::Str(s)) => Literal::Str(s),
            Some(Token::Word(w)) => match w.as_str() {
                "true" => Literal::Bool(true),
                "false" => Literal::Bool(false),
                "null" => Literal::Null,
                _ => w
                    .parse::<f64>()
                    .map(Literal::Num)
                    .map_err(|_| format!("Invalid value {w}"))?,
            },
            _ => return Err(format!("Expected a value after {attr}")),
        };
        Ok(Expr::Cmp { attr, op, value })
    }
}

/// Looks up a dotted path in a JSON value, descending into arrays.
pub fn json_path<'a>(root: &'a Value, path: &str) -> Field<'a> {
    let mut current: Vec<&'a Value> = vec![root];
    for part in path.split('.') {
        let mut next = Vec::new();
        for v in current {
            match v {
                Value::Object(map) => {
                    if let Some(x) = map.get(part) {
                        next.push(x);
                    }
                }
                Value::Array(items) => {
                    for item in items {
                        if let Some(x) = item.get(part) {
                            next.push(x);
                        }
                    }
                }
                _ => {}
            }
        }
        current = next;
    }
    match current.len() {
        0 => Field::Missing,
        1 => current.pop().map_or(Field::Missing, Field::Json),
        _ => Field::Many(current),
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
