//! The vocabulary of RFC 7643 §7 attribute definitions: types, mutability, `returned`,
//! uniqueness, and the [`Attribute`] and [`Schema`] descriptions built from them.

/// The data type of an attribute (RFC 7643 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttrType {
    /// A Unicode string; compared according to `caseExact`.
    String,
    /// `true` or `false`. Okta also sends `"True"`/`"False"` strings, which we coerce.
    Boolean,
    /// A real number.
    Decimal,
    /// A whole number.
    Integer,
    /// An RFC 3339 timestamp such as `2024-05-01T10:00:00Z`; compared chronologically.
    DateTime,
    /// Base64-encoded bytes.
    Binary,
    /// A URI pointing at another resource or an external location.
    Reference,
    /// A set of sub-attributes.
    Complex,
}

impl AttrType {
    /// The name used in `/Schemas` documents.
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Decimal => "decimal",
            AttrType::Integer => "integer",
            AttrType::DateTime => "dateTime",
            AttrType::Binary => "binary",
            AttrType::Reference => "reference",
            AttrType::Complex => "complex",
        }
    }
}

/// Whether and when a client may change an attribute (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mutability {
    /// Set by the server only; client values are ignored on POST/PUT and rejected on PATCH.
    ReadOnly,
    /// Freely writable.
    ReadWrite,
    /// Writable until it has a value, never changed afterwards.
    Immutable,
    /// Writable but never returned (for example `password`).
    WriteOnly,
}

impl Mutability {
    /// The name used in `/Schemas` documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

/// When an attribute appears in responses (RFC 7643 §7, RFC 7644 §3.4.2.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Returned {
    /// Always returned, even when `attributes` or `excludedAttributes` say otherwise.
    Always,
    /// Never returned.
    Never,
    /// Returned unless excluded, or unless `attributes` names other attributes only.
    Default,
    /// Returned only when named in `attributes`.
    Request,
}

impl Returned {
    /// The name used in `/Schemas` documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

/// How the server enforces uniqueness of an attribute's value (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Uniqueness {
    /// No uniqueness.
    None,
    /// Unique within the service provider (for Gatehouse: within one SCIM directory).
    Server,
    /// Globally unique.
    Global,
}

impl Uniqueness {
    /// The name used in `/Schemas` documents.
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute definition. The definitions are `static` data (see [`crate::schema::USER`]),
/// so looking attributes up never allocates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute {
    name: &'static str,
    kind: AttrType,
    multi_valued: bool,
    description: &'static str,
    required: bool,
    case_exact: bool,
    mutability: Mutability,
    returned: Returned,
    uniqueness: Uniqueness,
    canonical_values: &'static [&'static str],
    reference_types: &'static [&'static str],
    sub_attributes: &'static [Attribute],
}

impl Attribute {
    /// A single-valued, optional, case-insensitive, readWrite attribute returned by default.
    pub(crate) const fn new(name: &'static str, kind: AttrType, description: &'static str) -> Self {
        Attribute {
            name,
            kind,
            multi_valued: false,
            description,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            canonical_values: &[],
            reference_types: &[],
            sub_attributes: &[],
        }
    }

    pub(crate) const fn multi(self) -> Self {
        Attribute {
            multi_valued: true,
            ..self
        }
    }

    pub(crate) const fn needed(self) -> Self {
        Attribute {
            required: true,
            ..self
        }
    }

    pub(crate) const fn exact(self) -> Self {
        Attribute {
            case_exact: true,
            ..self
        }
    }

    pub(crate) const fn with_mutability(self, mutability: Mutability) -> Self {
        Attribute { mutability, ..self }
    }

    pub(crate) const fn with_returned(self, returned: Returned) -> Self {
        Attribute { returned, ..self }
    }

    pub(crate) const fn with_uniqueness(self, uniqueness: Uniqueness) -> Self {
        Attribute { uniqueness, ..self }
    }

    pub(crate) const fn canonical(self, canonical_values: &'static [&'static str]) -> Self {
        Attribute {
            canonical_values,
            ..self
        }
    }

    pub(crate) const fn references(self, reference_types: &'static [&'static str]) -> Self {
        Attribute {
            reference_types,
            ..self
        }
    }

    pub(crate) const fn sub(self, sub_attributes: &'static [Attribute]) -> Self {
        Attribute {
            sub_attributes,
            ..self
        }
    }

    /// The canonical (schema) spelling of the name, used when writing JSON keys.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The data type.
    pub fn kind(&self) -> AttrType {
        self.kind
    }

    /// Whether the attribute holds a JSON array of values.
    pub fn multi_valued(&self) -> bool {
        self.multi_valued
    }

    /// Human-readable description for `/Schemas`.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// Whether a resource must carry a value.
    pub fn required(&self) -> bool {
        self.required
    }

    /// Whether string comparisons (filters, sorting, uniqueness) respect case.
    pub fn case_exact(&self) -> bool {
        self.case_exact
    }

    /// Who may write the attribute, and when.
    pub fn mutability(&self) -> Mutability {
        self.mutability
    }

    /// When the attribute is returned.
    pub fn returned(&self) -> Returned {
        self.returned
    }

    /// Uniqueness the server enforces.
    pub fn uniqueness(&self) -> Uniqueness {
        self.uniqueness
    }

    /// Suggested values (for example `work`, `home`). Informational: other values are accepted.
    pub fn canonical_values(&self) -> &'static [&'static str] {
        self.canonical_values
    }

    /// For `reference` attributes, what they may point at.
    pub fn reference_types(&self) -> &'static [&'static str] {
        self.reference_types
    }

    /// Sub-attributes of a complex attribute (empty otherwise).
    pub fn sub_attributes(&self) -> &'static [Attribute] {
        self.sub_attributes
    }

    /// Finds a sub-attribute by name, case-insensitively (RFC 7643 §2.1).
    pub fn sub_attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(self.sub_attributes, name)
    }

    /// The sub-attribute a filter compares when it names a complex attribute directly,
    /// as in `emails co "@example.com"`: its `value` sub-attribute.
    pub fn default_sub_attribute(&self) -> Option<&'static Attribute> {
        self.sub_attribute("value")
    }
}

/// A schema: an URN and the attributes it defines (RFC 7643 §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schema {
    id: &'static str,
    name: &'static str,
    description: &'static str,
    attributes: &'static [Attribute],
}

impl Schema {
    pub(crate) const fn new(
        id: &'static str,
        name: &'static str,
        description: &'static str,
        attributes: &'static [Attribute],
    ) -> Self {
        Schema {
            id,
            name,
            description,
            attributes,
        }
    }

    /// The schema URN, e.g. `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub fn id(&self) -> &'static str {
        self.id
    }

    /// Short name, e.g. `User`.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Human-readable description.
    pub fn description(&self) -> &'static str {
        self.description
    }

    /// The attributes this schema defines (common attributes such as `id` are not listed,
    /// as in RFC 7643 §8.7.1).
    pub fn attributes(&self) -> &'static [Attribute] {
        self.attributes
    }

    /// Finds an attribute by name, case-insensitively.
    pub fn attribute(&self, name: &str) -> Option<&'static Attribute> {
        find(self.attributes, name)
    }
}

/// Case-insensitive lookup of an attribute in a static list.
pub(crate) fn find(list: &'static [Attribute], name: &str) -> Option<&'static Attribute> {
    list.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}
