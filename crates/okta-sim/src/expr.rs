//! The subset of the Okta Expression Language that app settings use: SAML attribute
//! statement values (`user.email`, `user.firstName + " " + user.lastName`), the
//! application username template (`${source.login}`, `${source.email}`,
//! `${fn:substringBefore(source.login, "@")}`), the Name ID template
//! (`${user.userName}`), provisioning attribute mappings, and the group filters of
//! group attribute statements and groups claims.
//!
//! Grammar: `expr := term ('+' term)*`; a term is a string literal (`"…"` or `'…'`),
//! a path (`user.x`, `source.x`, `appuser.x`), or a call (`String.toLowerCase(e)`,
//! `String.toUpperCase(e)`, `String.substringBefore(e, e)`, `String.substringAfter(e, e)`,
//! `String.join(sep, e, …)`, `user.getInternalProperty("id"|"status")`, and the `fn:`
//! forms of the string functions used in username templates). `+` concatenates;
//! a missing attribute is `null`, which makes a whole concatenation `null` only when
//! every part is.

use regex::Regex;
use serde_json::{Map, Value};

/// What an expression can read.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The Okta user id (`user.getInternalProperty("id")`).
    pub user_id: &'a str,
    /// The Okta user status (`user.getInternalProperty("status")`).
    pub user_status: &'a str,
    /// The Okta user profile (`user.*`, `source.*`).
    pub profile: &'a Map<String, Value>,
    /// The app user profile (`appuser.*`), when there is one.
    pub app_profile: Option<&'a Value>,
    /// The application username (`user.userName`, `appuser.userName`), once known.
    pub user_name: Option<&'a str>,
}

/// Why an expression could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid expression {expr:?}: {reason}")]
pub struct ExprError {
    /// The expression.
    pub expr: String,
    /// What is wrong with it.
    pub reason: String,
}

/// Evaluates an expression; `Null` when it refers only to missing attributes.
pub fn eval(expr: &str, scope: &Scope<'_>) -> Result<Value, ExprError> {
    let fail = |reason: String| ExprError {
        expr: expr.to_owned(),
        reason,
    };
    let mut p = Parser {
        src: expr.as_bytes(),
        pos: 0,
        scope,
    };
    let v = p.expr().map_err(fail)?;
    p.skip_ws();
    if p.pos < p.src.len() {
        return Err(fail(format!("unexpected text at offset {}", p.pos)));
    }
    Ok(v)
}

/// Evaluates an expression to text (numbers and booleans printed, `None` for null).
pub fn eval_string(expr: &str, scope: &Scope<'_>) -> Result<Option<String>, ExprError> {
    Ok(to_text(&eval(expr, scope)?))
}

/// Checks an expression's syntax without a user (for validating app settings).
pub fn check(expr: &str) -> Result<(), ExprError> {
    let profile = Map::new();
    let scope = Scope {
        user_id: "",
        user_status: "",
        profile: &profile,
        app_profile: None,
        user_name: None,
    };
    eval(expr, &scope).map(|_| ())
}

/// Renders a template with `${expr}` placeholders (username and Name ID templates).
pub fn render(template: &str, scope: &Scope<'_>) -> Result<String, ExprError> {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        let (head, tail) = rest.split_at(start);
        out.push_str(head);
        let body = tail.get(2..).unwrap_or_default();
        let end = body.find('}').ok_or_else(|| ExprError {
            expr: template.to_owned(),
            reason: "unterminated ${".to_owned(),
        })?;
        let inner = body.get(..end).unwrap_or_default();
        out.push_str(&eval_string(inner, scope)?.unwrap_or_default());
        rest = body.get(end + 1..).unwrap_or_default();
    }
    out.push_str(rest);
    Ok(out)
}

/// Text of a value: strings as they are, numbers and booleans printed, `None` for
/// null, arrays and objects.
pub fn to_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

struct Parser<'a, 's> {
    src: &'a [u8],
    pos: usize,
    scope: &'a Scope<'s>,
}

impl Parser<'_, '_> {
    fn skip_ws(&mut self) {
        while self.src.get(self.pos).is_some_and(u8::is_ascii_whitespace) {
            self.pos += 1;
        }
    }

    fn peek(&mut self) -> Option<u8> {
        self.skip_ws();
        self.src.get(self.pos).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn expr(&mut self) -> Result<Value, String> {
        let mut parts = vec![self.term()?];
        while self.eat(b'+') {
            parts.push(self.term()?);
        }
        if parts.len() == 1 {
            return Ok(parts.pop().unwrap_or(Value::Null));
        }
        if parts.iter().all(Value::is_null) {
            return Ok(Value::Null);
        }
        Ok(Value::String(
            parts.iter().filter_map(to_text).collect::<String>(),
        ))
    }

    fn term(&mut self) -> Result<Value, String> {
        match self.peek() {
            Some(q @ (b'"' | b'\'')) => self.literal(q),
            Some(b'(') => {
                self.pos += 1;
                let v = self.expr()?;
                if !self.eat(b')') {
                    return Err("missing )".to_owned());
                }
                Ok(v)
            }
            Some(c) if c.is_ascii_alphabetic() => {
                let name = self.name();
                if self.eat(b'(') {
                    let args = self.args()?;
                    call(&name, &args, self.scope)
                } else {
                    Ok(lookup(&name, self.scope))
                }
            }
            Some(c) => Err(format!("unexpected {:?}", char::from(c))),
            None => Err("unexpected end".to_owned()),
        }
    }

    fn literal(&mut self, quote: u8) -> Result<Value, String> {
        self.pos += 1;
        let mut out = Vec::new();
        while let Some(&c) = self.src.get(self.pos) {
            self.pos += 1;
            match c {
                b'\\' => {
                    if let Some(&e) = self.src.get(self.pos) {
                        out.push(e);
                        self.pos += 1;
                    }
                }
                c if c == quote => {
                    return String::from_utf8(out)
                        .map(Value::String)
                        .map_err(|_| "literal is not UTF-8".to_owned());
                }
                c => out.push(c),
            }
        }
        Err("unterminated string literal".to_owned())
    }

    /// A dotted name, `fn:`-prefixed names included.
    fn name(&mut self) -> String {
        let start = self.pos;
        while self
            .src
            .get(self.pos)
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b':' | b'$'))
        {
            self.pos += 1;
        }
        String::from_utf8_lossy(self.src.get(start..self.pos).unwrap_or_default()).into_owned()
    }

    fn args(&mut self) -> Result<Vec<Value>, String> {
        let mut args = Vec::new();
        if self.eat(b')') {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat(b')') {
                return Ok(args);
            }
            if !self.eat(b',') {
                return Err("expected , or )".to_owned());
            }
        }
    }
}

fn lookup(path: &str, scope: &Scope<'_>) -> Value {
    let (root, attr) = path.split_once('.').unwrap_or((path, ""));
    match (root, attr) {
        ("user" | "appuser", "userName") => scope
            .user_name
            .map_or(Value::Null, |u| Value::String(u.to_owned())),
        ("user" | "source", a) => {
            let a = a.strip_prefix("profile.").unwrap_or(a);
            scope.profile.get(a).cloned().unwrap_or(Value::Null)
        }
        ("appuser", a) => scope
            .app_profile
            .and_then(|p| p.get(a))
            .cloned()
            .unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn call(name: &str, args: &[Value], scope: &Scope<'_>) -> Result<Value, String> {
    let text = |i: usize| args.get(i).and_then(to_text);
    let arity = |n: usize| {
        if args.len() == n {
            Ok(())
        } else {
            Err(format!("{name} takes {n} argument(s)"))
        }
    };
    let map = |f: &dyn Fn(String) -> String| text(0).map_or(Value::Null, |s| Value::String(f(s)));
    match name {
        "String.toLowerCase" | "fn:toLowerCase" => {
            arity(1)?;
            Ok(map(&|s| s.to_lowercase()))
        }
        "String.toUpperCase" | "fn:toUpperCase" => {
            arity(1)?;
            Ok(map(&|s| s.to_uppercase()))
        }
        "String.substringBefore" | "fn:substringBefore" => {
            arity(2)?;
            let sep = text(1).unwrap_or_default();
            Ok(map(&|s| match s.find(&sep) {
                Some(i) => s.get(..i).unwrap_or_default().to_owned(),
                None => s,
            }))
        }
        "String.substringAfter" | "fn:substringAfter" => {
            arity(2)?;
            let sep = text(1).unwrap_or_default();
            Ok(map(&|s| match s.find(&sep) {
                Some(i) => s.get(i + sep.len()..).unwrap_or_default().to_owned(),
                None => String::new(),
            }))
        }
        "String.join" => {
            let sep = text(0).unwrap_or_default();
            let parts: Vec<String> = args.iter().skip(1).filter_map(to_text).collect();
            Ok(Value::String(parts.join(&sep)))
        }
        "user.getInternalProperty" => {
            arity(1)?;
            Ok(match text(0).as_deref() {
                Some("id") => Value::String(scope.user_id.to_owned()),
                Some("status") => Value::String(scope.user_status.to_owned()),
                _ => Value::Null,
            })
        }
        _ => Err(format!("unknown function {name}")),
    }
}

/// How a group filter compares group names (Okta's `filterType` / `groupFilterType`).
#[derive(Debug, Clone)]
pub enum GroupFilter {
    /// `STARTS_WITH`
    StartsWith(String),
    /// `EQUALS`
    Equals(String),
    /// `CONTAINS`
    Contains(String),
    /// `REGEX`: the whole name must match (Java `matches` semantics).
    Regex(Regex),
}

impl GroupFilter {
    /// Parses Okta's filter type and value.
    pub fn parse(filter_type: &str, value: &str) -> Result<Self, String> {
        match filter_type {
            "STARTS_WITH" => Ok(Self::StartsWith(value.to_owned())),
            "EQUALS" => Ok(Self::Equals(value.to_owned())),
            "CONTAINS" => Ok(Self::Contains(value.to_owned())),
            "REGEX" => Regex::new(&format!("^(?:{value})$"))
                .map(Self::Regex)
                .map_err(|_| format!("invalid regular expression {value:?}")),
            other => Err(format!(
                "filterType must be STARTS_WITH, EQUALS, CONTAINS or REGEX, not {other:?}"
            )),
        }
    }

    /// Whether a group name passes the filter.
    pub fn matches(&self, name: &str) -> bool {
        match self {
            Self::StartsWith(p) => name.starts_with(p.as_str()),
            Self::Equals(p) => name == p,
            Self::Contains(p) => name.contains(p.as_str()),
            Self::Regex(r) => r.is_match(name),
        }
    }
}

#[cfg(test)]
#[path = "expr_tests.rs"]
mod tests;
