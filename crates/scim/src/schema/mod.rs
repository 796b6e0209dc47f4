//! Attribute definitions for User (core + enterprise extension) and Group, path resolution
//! against them, and the discovery documents (`/Schemas`, `/ResourceTypes`,
//! `/ServiceProviderConfig`).
//!
//! Everything here is `static` data: resolving `userName` or
//! `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value` is a few
//! case-insensitive string comparisons and never allocates.

mod definitions;
mod discovery;
mod model;

pub use definitions::{
    ENTERPRISE_USER, ENTERPRISE_USER_SCHEMA, GROUP_CORE, GROUP_SCHEMA, USER_CORE, USER_SCHEMA,
};
pub use discovery::{
    ServiceProviderConfig, resource_type_document, resource_types_document, schema_document,
    schemas_document,
};
pub use model::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};

use crate::path::AttrPath;
use definitions::COMMON_ATTRIBUTES;

/// A SCIM resource type: its endpoint, core schema and schema extensions (RFC 7643 §6).
#[derive(Debug, PartialEq, Eq)]
pub struct ResourceType {
    name: &'static str,
    endpoint: &'static str,
    description: &'static str,
    schema: &'static Schema,
    extensions: &'static [&'static Schema],
}

/// The User resource type: core User schema plus the enterprise extension.
pub static USER: ResourceType = ResourceType {
    name: "User",
    endpoint: "/Users",
    description: "User Account",
    schema: &USER_CORE,
    extensions: &[&ENTERPRISE_USER],
};

/// The Group resource type.
pub static GROUP: ResourceType = ResourceType {
    name: "Group",
    endpoint: "/Groups",
    description: "Group",
    schema: &GROUP_CORE,
    extensions: &[],
};

/// Every resource type Gatehouse serves, in `/ResourceTypes` order.
pub static RESOURCE_TYPES: [&ResourceType; 2] = [&USER, &GROUP];

/// Where a top-level attribute lives in the resource JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// A key of the resource object itself (core and common attributes).
    Root,
    /// A key of the object stored under the extension's URN, e.g.
    /// `resource["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["department"]`.
    Extension(&'static Schema),
}

/// A path resolved against a resource type: the definitions it names and where the value
/// lives. Obtained from [`ResourceType::resolve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    /// Where the top-level attribute lives.
    pub location: Location,
    /// The top-level attribute.
    pub attribute: &'static Attribute,
    /// The sub-attribute, when the path names one.
    pub sub_attribute: Option<&'static Attribute>,
}

impl Resolved {
    /// The attribute whose value the path designates: the sub-attribute if any, else the
    /// attribute.
    pub fn target(&self) -> &'static Attribute {
        self.sub_attribute.unwrap_or(self.attribute)
    }

    /// The attribute a filter comparison applies to: like [`Resolved::target`], but a complex
    /// attribute named without sub-attribute (`emails co "x"`) compares its `value`.
    pub fn comparison_target(&self) -> &'static Attribute {
        match self.sub_attribute {
            Some(sub) => sub,
            None => self
                .attribute
                .default_sub_attribute()
                .unwrap_or(self.attribute),
        }
    }

    /// Canonical JSON keys from the resource root to the value, e.g.
    /// `["urn:…:enterprise:2.0:User", "manager", "value"]` or `["emails", "value"]` (for a
    /// multi-valued attribute the last key applies to each element).
    pub fn json_keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::with_capacity(3);
        if let Location::Extension(schema) = self.location {
            keys.push(schema.id());
        }
        keys.push(self.attribute.name());
        if let Some(sub) = self.sub_attribute {
            keys.push(sub.name());
        }
        keys
    }
}

impl ResourceType {
    /// The resource type name, e.g. `User`; also the `meta.resourceType` value.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The endpoint relative to the SCIM base URL, e.g. `/Users`.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// Human-readable description.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The core schema.
    pub fn schema(&self) -> &'static Schema {
        self.schema
    }

    /// The schema extensions (none are required).
    pub fn extensions(&self) -> &'static [&'static Schema] {
        self.extensions
    }

    /// Finds an extension by URN, case-insensitively.
    pub fn extension(&self, urn: &str) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .copied()
            .find(|s| s.id().eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` is this type's core schema URN (case-insensitive).
    pub fn is_core_schema(&self, urn: &str) -> bool {
        self.schema.id().eq_ignore_ascii_case(urn)
    }

    /// Finds a top-level attribute by name: common attributes, then the core schema, then
    /// the extensions (unqualified extension names are accepted leniently).
    pub fn attribute(&self, name: &str) -> Option<(Location, &'static Attribute)> {
        self.core_attribute(name)
            .map(|a| (Location::Root, a))
            .or_else(|| {
                self.extensions
                    .iter()
                    .find_map(|ext| ext.attribute(name).map(|a| (Location::Extension(ext), a)))
            })
    }

    /// Finds an attribute stored at the resource root: a common attribute (`id`,
    /// `externalId`, `meta`) or one of the core schema.
    pub fn core_attribute(&self, name: &str) -> Option<&'static Attribute> {
        model::find(COMMON_ATTRIBUTES, name).or_else(|| self.schema.attribute(name))
    }

    /// Resolves a path to its definitions, honouring a schema URN prefix. Returns `None`
    /// for attributes this type does not define; callers treat those as extra attributes
    /// kept verbatim in the resource JSON (case-insensitive, not caseExact).
    pub fn resolve(&self, path: &AttrPath) -> Option<Resolved> {
        let (location, attribute) = match &path.schema {
            None => self.attribute(&path.name)?,
            Some(urn) if self.is_core_schema(urn) => {
                (Location::Root, self.core_attribute(&path.name)?)
            }
            Some(urn) => {
                let ext = self.extension(urn)?;
                (Location::Extension(ext), ext.attribute(&path.name)?)
            }
        };
        let sub_attribute = match &path.sub_attribute {
            None => None,
            Some(sub) => Some(attribute.sub_attribute(sub)?),
        };
        Some(Resolved {
            location,
            attribute,
            sub_attribute,
        })
    }

    /// If `path` names a whole schema extension (`urn:…:enterprise:2.0:User` parses as
    /// schema `urn:…:2.0` plus name `User`), returns it.
    pub fn extension_named_by(&self, path: &AttrPath) -> Option<&'static Schema> {
        self.extensions
            .iter()
            .copied()
            .find(|ext| path.is_urn(ext.id()))
    }

    /// Every schema URN this type may list in `schemas`.
    pub fn schema_urns(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.schema.id()).chain(self.extensions.iter().map(|s| s.id()))
    }
}

/// Looks a resource type up by name (`User`, `Group`), case-insensitively.
pub fn resource_type(name: &str) -> Option<&'static ResourceType> {
    RESOURCE_TYPES
        .iter()
        .copied()
        .find(|rt| rt.name.eq_ignore_ascii_case(name))
}

/// Every schema served under `/Schemas`, in order.
pub fn all_schemas() -> [&'static Schema; 3] {
    [&USER_CORE, &ENTERPRISE_USER, &GROUP_CORE]
}

#[cfg(test)]
mod tests;
