//! SCIM list queries: a validated [`scim::Filter`] translated to SQL by walking its AST, with
//! every literal bound (never spliced), and the semantics of the `scim::filter` module:
//! case-folded comparison on the folded columns (`user_name_key`, `display_name_key`),
//! code-point ordering, `ne` and `not` matching resources without the attribute, `pr`
//! meaning "has a non-empty value".
//!
//! Only attributes with a column of their own translate (`id`, `externalId`, `userName`,
//! `active`, `displayName`, `meta.created`, `meta.lastModified`, and group membership by
//! member id). Any other filter is evaluated in memory with [`scim::Filter::matches`], the
//! reference semantics, over the rows that its translatable conjuncts select; at most
//! [`MAX_IN_MEMORY`] rows are examined, beyond which the caller answers `tooMany`.

use std::collections::HashMap;

use scim::query::{Sort, SortOrder};
use scim::schema::{GROUP, ResourceType, USER};
use scim::{AttrPath, CompValue, CompareOp, Filter};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::Store;
use crate::clock::{from_ms, to_ms};
use crate::db::Backend;
use crate::directories::DirectoryScope;
use crate::error::{Result, StoreError};
use crate::sql::{Arg, query};

/// The most rows a filter that SQL cannot express is evaluated against in memory.
pub const MAX_IN_MEMORY: usize = 10_000;

/// A stored SCIM resource: its normalised JSON text (without `id`, `meta` or `password`)
/// and what `meta` is built from.
#[derive(Clone, Debug)]
pub struct ScimRecord {
    /// The SCIM `id`.
    pub id: String,
    /// The normalised resource as JSON text, `schemas` first.
    pub data: String,
    /// Incremented on every change; the ETag is `W/"<version>"`.
    pub version: i64,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it last changed.
    pub updated_at: OffsetDateTime,
}

/// One page of a SCIM list.
#[derive(Clone, Debug)]
pub struct ScimPage {
    /// Resources matching the filter, across all pages.
    pub total: u64,
    /// This page.
    pub records: Vec<ScimRecord>,
}

/// What a SCIM list asks for.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScimListSpec<'a> {
    /// The validated filter.
    pub filter: Option<&'a Filter>,
    /// The requested order; the default is creation order.
    pub sort: Option<&'a Sort>,
    /// Results to skip (`startIndex - 1`).
    pub offset: usize,
    /// Page size.
    pub count: usize,
    /// A hint for sequential paging (Okta's import walks `startIndex` 1, 101, 201…): the id
    /// of a resource at or before `offset` in the default order and how many rows after it
    /// the page starts, so the page is read with an index seek instead of skipping `offset`
    /// rows. Only used without a filter and sort; the caller must drop hints when
    /// resources are deleted.
    pub after_id: Option<(&'a str, usize)>,
}

/// Which resource table a query reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Table {
    Users,
    Groups,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Users => "scim_users",
            Table::Groups => "scim_groups",
        }
    }

    fn resource_type(self) -> &'static ResourceType {
        match self {
            Table::Users => &USER,
            Table::Groups => &GROUP,
        }
    }

    fn count_column(self) -> &'static str {
        match self {
            Table::Users => "user_count",
            Table::Groups => "group_count",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Text stored folded with `scim::fold_case` (not caseExact).
    Folded,
    /// Text compared exactly.
    Exact,
    Bool,
    /// Milliseconds since the epoch (`dateTime` attributes).
    Millis,
}

#[derive(Clone, Copy, Debug)]
struct Column {
    expr: &'static str,
    kind: Kind,
    /// Whether the column can be NULL (the attribute may be absent).
    nullable: bool,
}

impl Column {
    /// `test` as a never-NULL boolean, so `not` and `ne` also match resources without the
    /// attribute. Plain comparisons (no `COALESCE`) keep the column's index usable.
    fn guard(&self, test: String) -> String {
        if self.nullable {
            format!("({} IS NOT NULL AND {test})", self.expr)
        } else {
            format!("({test})")
        }
    }
}

fn column(table: Table, path: &AttrPath) -> Option<Column> {
    let resolved = table.resource_type().resolve(path)?;
    let keys = resolved.json_keys();
    let (expr, kind) = match (table, keys.as_slice()) {
        (_, ["id"]) => ("id", Kind::Exact),
        (_, ["externalId"]) => ("external_id", Kind::Exact),
        (_, ["meta", "created"]) => ("created_at", Kind::Millis),
        (_, ["meta", "lastModified"]) => ("updated_at", Kind::Millis),
        (Table::Users, ["userName"]) => ("user_name_key", Kind::Folded),
        (Table::Users, ["active"]) => ("active", Kind::Bool),
        (Table::Groups, ["displayName"]) => ("display_name_key", Kind::Folded),
        _ => return None,
    };
    Some(Column {
        expr,
        kind,
        nullable: expr == "external_id",
    })
}

/// Builds a WHERE fragment; placeholders continue after the query's fixed ones.
pub(crate) struct SqlFilter {
    backend: Backend,
    table: Table,
    first_placeholder: usize,
    pub(crate) args: Vec<Arg>,
}

impl SqlFilter {
    pub(crate) fn new(backend: Backend, table: Table, fixed_placeholders: usize) -> Self {
        Self {
            backend,
            table,
            first_placeholder: fixed_placeholders + 1,
            args: Vec::new(),
        }
    }

    fn bind(&mut self, arg: Arg) -> String {
        self.args.push(arg);
        format!("${}", self.first_placeholder + self.args.len() - 1)
    }

    /// The whole filter as SQL, or `None` (with no argument left behind) when some part has
    /// no column.
    pub(crate) fn translate(&mut self, filter: &Filter) -> Option<String> {
        let mark = self.args.len();
        let sql = self.walk(filter);
        if sql.is_none() {
            self.args.truncate(mark);
        }
        sql
    }

    /// The conjuncts of a top-level `and` chain that translate, joined with AND: a superset
    /// of the filter's matches, to narrow an in-memory evaluation.
    pub(crate) fn prefilter(&mut self, filter: &Filter) -> Option<String> {
        match filter {
            Filter::And(left, right) => match (self.prefilter(left), self.prefilter(right)) {
                (Some(l), Some(r)) => Some(format!("({l} AND {r})")),
                (l, r) => l.or(r),
            },
            other => self.translate(other),
        }
    }

    fn walk(&mut self, filter: &Filter) -> Option<String> {
        match filter {
            Filter::And(left, right) => {
                Some(format!("({} AND {})", self.walk(left)?, self.walk(right)?))
            }
            Filter::Or(left, right) => {
                Some(format!("({} OR {})", self.walk(left)?, self.walk(right)?))
            }
            Filter::Not(inner) => Some(format!("(NOT {})", self.walk(inner)?)),
            Filter::Present { path } => Some(present(column(self.table, path)?)),
            Filter::Compare { path, op, value } => {
                if let Some(id) = self.member_id(path, *op, value) {
                    return Some(self.has_member(id));
                }
                self.compare(column(self.table, path)?, *op, value)
            }
            Filter::ValuePath { path, filter } => match filter.as_ref() {
                Filter::Compare {
                    path: inner,
                    op,
                    value,
                } if inner.sub_attribute.is_none() && path.sub_attribute.is_none() => {
                    let whole = AttrPath {
                        schema: path.schema.clone(),
                        name: path.name.clone(),
                        sub_attribute: Some(inner.name.clone()),
                    };
                    let id = self.member_id(&whole, *op, value)?;
                    Some(self.has_member(id))
                }
                _ => None,
            },
        }
    }

    /// `members.value eq "id"` on groups.
    fn member_id<'a>(
        &self,
        path: &AttrPath,
        op: CompareOp,
        value: &'a CompValue,
    ) -> Option<&'a str> {
        let is_member_value = self.table == Table::Groups
            && path.name.eq_ignore_ascii_case("members")
            && path
                .sub_attribute
                .as_deref()
                .is_some_and(|s| s.eq_ignore_ascii_case("value"))
            && path
                .schema
                .as_deref()
                .is_none_or(|s| GROUP.is_core_schema(s));
        match (is_member_value, op, value) {
            (true, CompareOp::Eq, CompValue::String(id)) => Some(id),
            _ => None,
        }
    }

    fn has_member(&mut self, id: &str) -> String {
        let p = self.bind(Arg::from(id));
        format!(
            "EXISTS (SELECT 1 FROM scim_group_members m WHERE m.group_id = scim_groups.id \
             AND m.user_id = {p})"
        )
    }

    fn compare(&mut self, col: Column, op: CompareOp, value: &CompValue) -> Option<String> {
        let e = col.expr;
        match (op, value) {
            (CompareOp::Eq, CompValue::Null) => return Some(format!("(NOT {})", present(col))),
            (CompareOp::Ne, CompValue::Null) => return Some(present(col)),
            (_, CompValue::Null) => return None,
            (CompareOp::Ne, _) => {
                return Some(format!(
                    "(NOT {})",
                    self.compare(col, CompareOp::Eq, value)?
                ));
            }
            _ => {}
        }
        match col.kind {
            Kind::Bool => {
                let b = match value {
                    CompValue::Bool(b) => *b,
                    CompValue::String(s) if s.eq_ignore_ascii_case("true") => true,
                    CompValue::String(s) if s.eq_ignore_ascii_case("false") => false,
                    _ => return None,
                };
                (op == CompareOp::Eq).then(|| {
                    let p = self.bind(Arg::from(b));
                    col.guard(format!("{e} = {p}"))
                })
            }
            Kind::Millis => {
                let CompValue::String(text) = value else {
                    return None;
                };
                let at = OffsetDateTime::parse(text, &Rfc3339).ok()?;
                let sym = ordering_symbol(op)?;
                let p = self.bind(Arg::from(to_ms(at)));
                Some(col.guard(format!("{e} {sym} {p}")))
            }
            Kind::Folded | Kind::Exact => {
                let CompValue::String(text) = value else {
                    return None;
                };
                let literal = if col.kind == Kind::Folded {
                    scim::fold_case(text).into_owned()
                } else {
                    text.clone()
                };
                if op.is_substring() && literal.is_empty() {
                    return Some(format!("({e} IS NOT NULL)"));
                }
                let p = self.bind(Arg::from(literal));
                let pg = self.backend == Backend::Postgres;
                let test = match op {
                    CompareOp::Co if pg => format!("strpos({e}, {p}) > 0"),
                    CompareOp::Co => format!("instr({e}, {p}) > 0"),
                    CompareOp::Sw => format!("substr({e}, 1, length({p})) = {p}"),
                    CompareOp::Ew if pg => format!("right({e}, length({p})) = {p}"),
                    CompareOp::Ew => format!("substr({e}, -length({p})) = {p}"),
                    other => {
                        let sym = ordering_symbol(other)?;
                        let collate = if pg { " COLLATE \"C\"" } else { "" };
                        format!("{e}{collate} {sym} {p}")
                    }
                };
                Some(col.guard(test))
            }
        }
    }
}

fn present(col: Column) -> String {
    match col.kind {
        Kind::Folded | Kind::Exact => {
            format!("({e} IS NOT NULL AND {e} <> '')", e = col.expr)
        }
        Kind::Bool | Kind::Millis => format!("({} IS NOT NULL)", col.expr),
    }
}

fn ordering_symbol(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => return None,
    })
}

/// `ORDER BY` for a sort on a column, missing values last when ascending (as
/// [`scim::query::Sort::apply`] orders them), ties broken by id.
fn order_by(backend: Backend, table: Table, sort: Option<&Sort>) -> Option<String> {
    let Some(sort) = sort else {
        return Some("id".to_owned());
    };
    let col = column(table, &sort.by)?;
    let collate = if backend == Backend::Postgres && matches!(col.kind, Kind::Folded | Kind::Exact)
    {
        " COLLATE \"C\""
    } else {
        ""
    };
    let e = col.expr;
    Some(match sort.order {
        SortOrder::Ascending => format!("({e} IS NULL), {e}{collate}, id"),
        SortOrder::Descending => format!("({e} IS NULL) DESC, {e}{collate} DESC, id"),
    })
}

/// `id, data, version, created_at, updated_at` as read back.
type RecordRow = (String, String, i64, i64, i64);

fn to_record((id, data, version, created_at, updated_at): RecordRow) -> ScimRecord {
    ScimRecord {
        id,
        data,
        version,
        created_at: from_ms(created_at),
        updated_at: from_ms(updated_at),
    }
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Store {
    /// Reads one page of `table` in the scope's directory. `Ok(None)` means the filter needs
    /// an in-memory evaluation over more than [`MAX_IN_MEMORY`] rows (answer `tooMany`).
    pub(crate) async fn scim_list(
        &self,
        scope: &DirectoryScope,
        table: Table,
        spec: &ScimListSpec<'_>,
    ) -> Result<Option<ScimPage>> {
        let mut where_sql = SqlFilter::new(self.backend, table, 1);
        let translated = match spec.filter {
            None => Some(String::new()),
            Some(filter) => where_sql.translate(filter).map(|sql| format!(" AND {sql}")),
        };
        let order = order_by(self.backend, table, spec.sort);
        match (translated, order) {
            (Some(condition), Some(order)) => self
                .scim_list_in_sql(scope, table, spec, &condition, &order, &where_sql.args)
                .await
                .map(Some),
            _ => self.scim_list_in_memory(scope, table, spec).await,
        }
    }

    async fn scim_list_in_sql(
        &self,
        scope: &DirectoryScope,
        table: Table,
        spec: &ScimListSpec<'_>,
        condition: &str,
        order: &str,
        args: &[Arg],
    ) -> Result<ScimPage> {
        let n = args.len();
        let seek = match spec.after_id {
            Some(after) if condition.is_empty() && spec.sort.is_none() => Some(after),
            _ => None,
        };
        let (seek_sql, offset) = match seek {
            Some((_, skip)) => (format!(" AND id > ${}", n + 4), skip),
            None => (String::new(), spec.offset),
        };
        let sql = format!(
            "SELECT id, data, version, created_at, updated_at FROM {} WHERE directory_id = $1 \
             AND deleted_at IS NULL{condition}{seek_sql} ORDER BY {order} LIMIT ${} OFFSET ${}",
            table.name(),
            n + 2,
            n + 3
        );
        let rows: Vec<RecordRow> = if spec.count == 0 {
            Vec::new()
        } else {
            let q = query(sql)
                .bind(scope.id.as_str())
                .bind_all(args.iter().cloned())
                .bind(to_i64(spec.count))
                .bind(to_i64(offset));
            self.read_all(match seek {
                Some((after, _)) => q.bind(after),
                None => q,
            })
            .await?
        };
        // The total: the directory's counter when unfiltered; the page itself when it is
        // the first and not full (the common `userName eq` lookup); else a COUNT.
        let total = if condition.is_empty() {
            let sql = format!(
                "SELECT {} FROM directories WHERE id = $1",
                table.count_column()
            );
            let count: Option<(i64,)> = self
                .read_optional(query(sql).bind(scope.id.as_str()))
                .await?;
            u64::try_from(count.map_or(0, |(n,)| n)).unwrap_or(0)
        } else if spec.offset == 0 && rows.len() < spec.count {
            rows.len() as u64
        } else {
            let sql = format!(
                "SELECT COUNT(*) FROM {} WHERE directory_id = $1 AND deleted_at IS NULL{condition}",
                table.name()
            );
            let count: Option<(i64,)> = self
                .read_optional(
                    query(sql)
                        .bind(scope.id.as_str())
                        .bind_all(args.iter().cloned()),
                )
                .await?;
            u64::try_from(count.map_or(0, |(n,)| n)).unwrap_or(0)
        };
        Ok(ScimPage {
            total,
            records: rows.into_iter().map(to_record).collect(),
        })
    }

    async fn scim_list_in_memory(
        &self,
        scope: &DirectoryScope,
        table: Table,
        spec: &ScimListSpec<'_>,
    ) -> Result<Option<ScimPage>> {
        let rt = table.resource_type();
        let mut narrow = SqlFilter::new(self.backend, table, 2);
        let condition = spec
            .filter
            .and_then(|f| narrow.prefilter(f))
            .map(|sql| format!(" AND {sql}"))
            .unwrap_or_default();
        let sql = format!(
            "SELECT id, data, version, created_at, updated_at FROM {} WHERE directory_id = $1 \
             AND deleted_at IS NULL{condition} ORDER BY id LIMIT $2",
            table.name()
        );
        let rows: Vec<RecordRow> = self
            .read_all(
                query(sql)
                    .bind(scope.id.as_str())
                    .bind(to_i64(MAX_IN_MEMORY + 1))
                    .bind_all(narrow.args),
            )
            .await?;
        if rows.len() > MAX_IN_MEMORY {
            return Ok(None);
        }
        let mut records: HashMap<String, ScimRecord> = HashMap::with_capacity(rows.len());
        let mut docs = Vec::with_capacity(rows.len());
        for row in rows {
            let record = to_record(row);
            let doc = evaluation_view(&record, rt)?;
            if spec.filter.is_none_or(|f| f.matches(&doc, rt)) {
                docs.push(doc);
                records.insert(record.id.clone(), record);
            }
        }
        if let Some(sort) = spec.sort {
            sort.apply(&mut docs, rt);
        }
        let total = docs.len() as u64;
        let page = docs
            .iter()
            .skip(spec.offset)
            .take(spec.count)
            .filter_map(|doc| doc.get("id").and_then(Value::as_str))
            .filter_map(|id| records.remove(id))
            .collect();
        Ok(Some(ScimPage {
            total,
            records: page,
        }))
    }
}

/// The resource as a filter sees it: the stored JSON with `id` and `meta` (the location is
/// left empty: no filter can usefully test it).
pub(crate) fn evaluation_view(record: &ScimRecord, rt: &ResourceType) -> Result<Value> {
    let data: Value = serde_json::from_str(&record.data)
        .map_err(|err| StoreError::Invalid(format!("stored resource is not JSON: {err}")))?;
    let meta = scim::resource::Meta {
        created: record.created_at,
        last_modified: record.updated_at,
        version: record.version.to_string(),
    };
    Ok(scim::resource::render(data, rt, &record.id, "", &meta))
}

#[cfg(test)]
mod tests;
