//! Prints a filter back in RFC 7644 syntax with the fewest parentheses that keep its
//! structure, so that `Filter::parse(&f.to_string()) == Ok(f)`.

use std::fmt;

use super::{CompValue, Filter};

/// Binding strength: a child printed where a stronger binding is required gets parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Strength {
    Or,
    And,
    Atom,
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_filter(f, self, Strength::Or)
    }
}

fn write_filter(f: &mut fmt::Formatter<'_>, filter: &Filter, required: Strength) -> fmt::Result {
    let own = match filter {
        Filter::Or(..) => Strength::Or,
        Filter::And(..) => Strength::And,
        _ => Strength::Atom,
    };
    let parens = own < required;
    if parens {
        f.write_str("(")?;
    }
    match filter {
        // Chains are left-associative: a right child of the same kind needs parentheses.
        Filter::Or(left, right) => {
            write_filter(f, left, Strength::Or)?;
            f.write_str(" or ")?;
            write_filter(f, right, Strength::And)?;
        }
        Filter::And(left, right) => {
            write_filter(f, left, Strength::And)?;
            f.write_str(" and ")?;
            write_filter(f, right, Strength::Atom)?;
        }
        Filter::Not(inner) => {
            f.write_str("not (")?;
            write_filter(f, inner, Strength::Or)?;
            f.write_str(")")?;
        }
        Filter::ValuePath { path, filter } => {
            write!(f, "{path}[")?;
            write_filter(f, filter, Strength::Or)?;
            f.write_str("]")?;
        }
        Filter::Compare { path, op, value } => write!(f, "{path} {} {value}", op.as_str())?,
        Filter::Present { path } => write!(f, "{path} pr")?,
    }
    if parens {
        f.write_str(")")?;
    }
    Ok(())
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => {
                let quoted = serde_json::to_string(s).map_err(|_| fmt::Error)?;
                f.write_str(&quoted)
            }
        }
    }
}
