//! In-memory sorting by `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3).

use std::cmp::Ordering;

use serde_json::Value;

use crate::compare::Rules;
use crate::json::{container, get_ci};
use crate::path::AttrPath;
use crate::schema::{AttrType, ResourceType};

/// Direction of a sort.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Smallest first; resources without a value come last.
    #[default]
    Ascending,
    /// Largest first; resources without a value come first.
    Descending,
}

/// A `sortBy` attribute with its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sort {
    /// The attribute to sort by.
    pub by: AttrPath,
    /// The direction.
    pub order: SortOrder,
}

impl Sort {
    /// Sorts `resources` in place, stably.
    ///
    /// The sort key of a multi-valued attribute is its `primary` element, else its first;
    /// complex values sort by their `value` sub-attribute unless `by` names another one.
    /// Strings compare case-insensitively unless caseExact, dates chronologically. Missing
    /// values sort last when ascending and first when descending.
    pub fn apply(&self, resources: &mut [Value], rt: &ResourceType) {
        let resolved = rt.resolve(&self.by);
        let rules = Rules::of(resolved.map(|r| r.comparison_target()));
        resources.sort_by(|a, b| {
            let ka = sort_key(a, &self.by, rt);
            let kb = sort_key(b, &self.by, rt);
            let ascending = match (ka, kb) {
                (Some(x), Some(y)) => rules.order(x, y),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            match self.order {
                SortOrder::Ascending => ascending,
                SortOrder::Descending => ascending.reverse(),
            }
        });
    }
}

/// The single value a resource sorts by, if it has one.
fn sort_key<'a>(resource: &'a Value, path: &AttrPath, rt: &ResourceType) -> Option<&'a Value> {
    let root = resource.as_object()?;
    let resolved = rt.resolve(path);
    let value = get_ci(container(root, rt, path, resolved.as_ref())?, &path.name)?;
    let element = match value {
        Value::Array(items) => items
            .iter()
            .find(|item| {
                item.as_object()
                    .and_then(|m| get_ci(m, "primary"))
                    .and_then(Value::as_bool)
                    == Some(true)
            })
            .or_else(|| items.first())?,
        other => other,
    };
    let complex = resolved.map_or(element.is_object(), |r| {
        r.attribute.kind() == AttrType::Complex
    });
    let key = match (&path.sub_attribute, complex) {
        (Some(sub), _) => get_ci(element.as_object()?, sub)?,
        (None, true) => get_ci(element.as_object()?, "value")?,
        (None, false) => element,
    };
    (!key.is_null()).then_some(key)
}
