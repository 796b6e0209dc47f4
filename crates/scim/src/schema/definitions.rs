//! The attribute definitions Gatehouse serves: core User (RFC 7643 §4.1), the enterprise
//! User extension (§4.3), Group (§4.2) and the common attributes of every resource (§3.1).
//!
//! Deliberate differences from the RFC's informative schema listing, each because a strict
//! reading would lose data Okta sends or break member matching:
//! - `members.value` is caseExact: it holds a resource `id`, which is caseExact (§3.1).
//! - `members.display` is defined (Okta sends it) and writable.
//! - `manager.displayName` is writable: Okta maps a manager's name into it and Gatehouse
//!   cannot compute it from a manager who may not be provisioned.

use super::model::{AttrType, Attribute, Mutability, Returned, Schema, Uniqueness};

/// URN of the core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// URN of the enterprise User extension.
pub const ENTERPRISE_USER_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// URN of the core Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

const fn string(name: &'static str, description: &'static str) -> Attribute {
    Attribute::new(name, AttrType::String, description)
}

const fn boolean(name: &'static str, description: &'static str) -> Attribute {
    Attribute::new(name, AttrType::Boolean, description)
}

const fn complex(
    name: &'static str,
    description: &'static str,
    sub: &'static [Attribute],
) -> Attribute {
    Attribute::new(name, AttrType::Complex, description).sub(sub)
}

const READ_ONLY: Mutability = Mutability::ReadOnly;

/// `id`, `externalId` and `meta`, shared by every resource type.
pub(crate) static COMMON_ATTRIBUTES: &[Attribute] = &[
    string(
        "id",
        "Server-assigned identifier of the resource; stable and never reused.",
    )
    .exact()
    .with_mutability(READ_ONLY)
    .with_returned(Returned::Always)
    .with_uniqueness(Uniqueness::Server),
    string(
        "externalId",
        "Identifier of the resource in the provisioning client.",
    )
    .exact(),
    complex(
        "meta",
        "Resource metadata maintained by the server.",
        &[
            string("resourceType", "Name of the resource type.")
                .exact()
                .with_mutability(READ_ONLY),
            Attribute::new(
                "created",
                AttrType::DateTime,
                "When the resource was created.",
            )
            .with_mutability(READ_ONLY),
            Attribute::new(
                "lastModified",
                AttrType::DateTime,
                "When the resource last changed.",
            )
            .with_mutability(READ_ONLY),
            Attribute::new("location", AttrType::Reference, "URI of the resource.")
                .exact()
                .references(&["uri"])
                .with_mutability(READ_ONLY),
            string("version", "Entity tag of the current version.")
                .exact()
                .with_mutability(READ_ONLY),
        ],
    )
    .with_mutability(READ_ONLY),
];

/// Sub-attributes `value`, `display`, `type` (with the given canonical types) and `primary`,
/// the shape RFC 7643 gives most multi-valued User attributes.
macro_rules! multi_valued_subs {
    ($value_kind:expr, [$($canonical:literal),*]) => {
        &[
            Attribute::new("value", $value_kind, "The value itself."),
            string("display", "Human-readable label for the value."),
            string("type", "Label saying what the value is used for.").canonical(&[$($canonical),*]),
            boolean("primary", "Whether this is the preferred value; at most one is true."),
        ]
    };
}

static NAME_SUBS: &[Attribute] = &[
    string("formatted", "The full name formatted for display."),
    string(
        "familyName",
        "Family name (last name in most Western languages).",
    ),
    string(
        "givenName",
        "Given name (first name in most Western languages).",
    ),
    string("middleName", "Middle name(s)."),
    string("honorificPrefix", "Title or prefix, such as Ms. or Dr."),
    string("honorificSuffix", "Suffix, such as III or Jr."),
];

static ADDRESS_SUBS: &[Attribute] = &[
    string("formatted", "The full address formatted for display."),
    string("streetAddress", "Street, house number and similar lines."),
    string("locality", "City or locality."),
    string("region", "State or region."),
    string("postalCode", "Postal or ZIP code."),
    string("country", "Country, as an ISO 3166-1 alpha-2 code."),
    string("type", "Label such as work or home.").canonical(&["work", "home", "other"]),
    boolean(
        "primary",
        "Whether this is the preferred address; at most one is true.",
    ),
];

static GROUPS_SUBS: &[Attribute] = &[
    string("value", "The id of the group.").with_mutability(READ_ONLY),
    Attribute::new("$ref", AttrType::Reference, "URI of the group.")
        .references(&["User", "Group"])
        .with_mutability(READ_ONLY),
    string("display", "Display name of the group.").with_mutability(READ_ONLY),
    string(
        "type",
        "Whether membership is direct or through another group.",
    )
    .canonical(&["direct", "indirect"])
    .with_mutability(READ_ONLY),
];

static USER_ATTRIBUTES: &[Attribute] = &[
    string(
        "userName",
        "Unique login name of the user, compared case-insensitively.",
    )
    .needed()
    .with_uniqueness(Uniqueness::Server),
    complex("name", "The components of the user's name.", NAME_SUBS),
    string("displayName", "Name to show for the user."),
    string("nickName", "Casual name of the user."),
    Attribute::new(
        "profileUrl",
        AttrType::Reference,
        "URL of the user's online profile.",
    )
    .references(&["external"]),
    string("title", "Job title."),
    string(
        "userType",
        "Relationship to the organisation, such as Employee or Contractor.",
    ),
    string(
        "preferredLanguage",
        "Preferred written or spoken language (RFC 7231 tag).",
    ),
    string(
        "locale",
        "Default location for localisation, such as en-US.",
    ),
    string(
        "timezone",
        "Time zone in IANA format, such as Europe/Paris.",
    ),
    boolean(
        "active",
        "Whether the user may sign in; false means deactivated.",
    ),
    string(
        "password",
        "Cleartext password on write; stored only as a hash, never returned.",
    )
    .with_mutability(Mutability::WriteOnly)
    .with_returned(Returned::Never),
    complex(
        "emails",
        "Email addresses.",
        multi_valued_subs!(AttrType::String, ["work", "home", "other"]),
    )
    .multi(),
    complex(
        "phoneNumbers",
        "Phone numbers.",
        multi_valued_subs!(
            AttrType::String,
            ["work", "home", "mobile", "fax", "pager", "other"]
        ),
    )
    .multi(),
    complex(
        "ims",
        "Instant messaging addresses.",
        multi_valued_subs!(
            AttrType::String,
            ["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]
        ),
    )
    .multi(),
    complex(
        "photos",
        "URLs of photos of the user.",
        multi_valued_subs!(AttrType::Reference, ["photo", "thumbnail"]),
    )
    .multi(),
    complex("addresses", "Physical mailing addresses.", ADDRESS_SUBS).multi(),
    complex(
        "groups",
        "Groups the user belongs to; maintained by the server.",
        GROUPS_SUBS,
    )
    .multi()
    .with_mutability(READ_ONLY),
    complex(
        "entitlements",
        "Entitlements of the user.",
        multi_valued_subs!(AttrType::String, []),
    )
    .multi(),
    complex(
        "roles",
        "Roles of the user.",
        multi_valued_subs!(AttrType::String, []),
    )
    .multi(),
    complex(
        "x509Certificates",
        "Certificates issued to the user.",
        multi_valued_subs!(AttrType::Binary, []),
    )
    .multi(),
];

static MANAGER_SUBS: &[Attribute] = &[
    string("value", "The id of the manager's User resource."),
    Attribute::new(
        "$ref",
        AttrType::Reference,
        "URI of the manager's User resource.",
    )
    .references(&["User"]),
    string("displayName", "Display name of the manager."),
];

static ENTERPRISE_ATTRIBUTES: &[Attribute] = &[
    string("employeeNumber", "Identifier assigned by the organisation."),
    string("costCenter", "Cost center."),
    string("organization", "Organisation name."),
    string("division", "Division name."),
    string("department", "Department name."),
    complex("manager", "The user's manager.", MANAGER_SUBS),
];

static MEMBER_SUBS: &[Attribute] = &[
    string("value", "The id of the member resource.")
        .exact()
        .with_mutability(Mutability::Immutable),
    Attribute::new("$ref", AttrType::Reference, "URI of the member resource.")
        .references(&["User", "Group"])
        .with_mutability(Mutability::Immutable),
    string("type", "Kind of member.")
        .canonical(&["User", "Group"])
        .with_mutability(Mutability::Immutable),
    string("display", "Display name of the member."),
];

static GROUP_ATTRIBUTES: &[Attribute] = &[
    string("displayName", "Name of the group.").needed(),
    complex(
        "members",
        "Users and groups that belong to the group.",
        MEMBER_SUBS,
    )
    .multi(),
];

/// The core User schema.
pub static USER_CORE: Schema = Schema::new(USER_SCHEMA, "User", "User Account", USER_ATTRIBUTES);

/// The enterprise User extension schema.
pub static ENTERPRISE_USER: Schema = Schema::new(
    ENTERPRISE_USER_SCHEMA,
    "EnterpriseUser",
    "Enterprise User",
    ENTERPRISE_ATTRIBUTES,
);

/// The core Group schema.
pub static GROUP_CORE: Schema = Schema::new(GROUP_SCHEMA, "Group", "Group", GROUP_ATTRIBUTES);
