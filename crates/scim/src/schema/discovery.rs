//! The discovery documents of RFC 7644 §4: `/ServiceProviderConfig`, `/ResourceTypes` and
//! `/Schemas`, rendered from the static definitions for a given SCIM base URL.

use serde_json::{Map, Value, json};

use super::model::{Attribute, Schema};
use super::{RESOURCE_TYPES, ResourceType, all_schemas};
use crate::query::ListResponse;

const SERVICE_PROVIDER_CONFIG_SCHEMA: &str =
    "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

/// What the server advertises in `/ServiceProviderConfig`. Features Gatehouse always has
/// (PATCH, filter, sort, ETags, password change) and lacks (bulk) are fixed; the numbers are
/// configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderConfig {
    /// `filter.maxResults`: the largest page the server returns. Keep it equal to
    /// [`crate::query::ListLimits::max_count`].
    pub max_results: usize,
    /// Optional link to human documentation.
    pub documentation_uri: Option<String>,
}

impl ServiceProviderConfig {
    /// Renders the document; `base_url` is the SCIM base (e.g. `https://h/scim/v2/dir_1`).
    pub fn to_json(&self, base_url: &str) -> Value {
        let base = base_url.trim_end_matches('/');
        let mut doc = json!({
            "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
            "patch": { "supported": true },
            "bulk": { "supported": false, "maxOperations": 0, "maxPayloadSize": 0 },
            "filter": { "supported": true, "maxResults": self.max_results },
            "changePassword": { "supported": true },
            "sort": { "supported": true },
            "etag": { "supported": true },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "A directory token sent as `Authorization: Bearer <token>`.",
                "specUri": "https://www.rfc-editor.org/info/rfc6750",
                "primary": true
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base}/ServiceProviderConfig")
            }
        });
        if let (Some(uri), Some(map)) = (&self.documentation_uri, doc.as_object_mut()) {
            map.insert("documentationUri".into(), Value::from(uri.as_str()));
        }
        doc
    }
}

/// `GET /Schemas`: a ListResponse of every schema.
pub fn schemas_document(base_url: &str) -> Value {
    let resources: Vec<Value> = all_schemas()
        .iter()
        .map(|s| render_schema(s, base_url))
        .collect();
    ListResponse::complete(resources).into_json()
}

/// `GET /Schemas/{urn}`: one schema, or `None` for an unknown URN (answer 404).
pub fn schema_document(urn: &str, base_url: &str) -> Option<Value> {
    all_schemas()
        .iter()
        .find(|s| s.id().eq_ignore_ascii_case(urn))
        .map(|s| render_schema(s, base_url))
}

/// `GET /ResourceTypes`: a ListResponse of User and Group.
pub fn resource_types_document(base_url: &str) -> Value {
    let resources: Vec<Value> = RESOURCE_TYPES
        .iter()
        .map(|rt| render_resource_type(rt, base_url))
        .collect();
    ListResponse::complete(resources).into_json()
}

/// `GET /ResourceTypes/{name}`: one resource type, or `None` if unknown (answer 404).
pub fn resource_type_document(name: &str, base_url: &str) -> Option<Value> {
    super::resource_type(name).map(|rt| render_resource_type(rt, base_url))
}

fn render_resource_type(rt: &ResourceType, base_url: &str) -> Value {
    let base = base_url.trim_end_matches('/');
    let extensions: Vec<Value> = rt
        .extensions()
        .iter()
        .map(|ext| json!({ "schema": ext.id(), "required": false }))
        .collect();
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": rt.name(),
        "name": rt.name(),
        "endpoint": rt.endpoint(),
        "description": rt.description(),
        "schema": rt.schema().id(),
        "schemaExtensions": extensions,
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/ResourceTypes/{}", rt.name())
        }
    })
}

fn render_schema(schema: &Schema, base_url: &str) -> Value {
    let base = base_url.trim_end_matches('/');
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": schema.id(),
        "name": schema.name(),
        "description": schema.description(),
        "attributes": schema.attributes().iter().map(render_attribute).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base}/Schemas/{}", schema.id())
        }
    })
}

fn render_attribute(attribute: &Attribute) -> Value {
    let mut out = Map::new();
    out.insert("name".into(), Value::from(attribute.name()));
    out.insert("type".into(), Value::from(attribute.kind().as_str()));
    out.insert("multiValued".into(), Value::from(attribute.multi_valued()));
    out.insert("description".into(), Value::from(attribute.description()));
    out.insert("required".into(), Value::from(attribute.required()));
    out.insert("caseExact".into(), Value::from(attribute.case_exact()));
    out.insert(
        "mutability".into(),
        Value::from(attribute.mutability().as_str()),
    );
    out.insert(
        "returned".into(),
        Value::from(attribute.returned().as_str()),
    );
    out.insert(
        "uniqueness".into(),
        Value::from(attribute.uniqueness().as_str()),
    );
    if !attribute.canonical_values().is_empty() {
        out.insert(
            "canonicalValues".into(),
            Value::from(attribute.canonical_values().to_vec()),
        );
    }
    if !attribute.reference_types().is_empty() {
        out.insert(
            "referenceTypes".into(),
            Value::from(attribute.reference_types().to_vec()),
        );
    }
    if !attribute.sub_attributes().is_empty() {
        let subs: Vec<Value> = attribute
            .sub_attributes()
            .iter()
            .map(render_attribute)
            .collect();
        out.insert("subAttributes".into(), Value::from(subs));
    }
    Value::Object(out)
}
