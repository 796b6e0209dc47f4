//! The default user type's profile schema: Okta's base attributes plus custom ones an
//! admin adds (`POST /api/v1/meta/schemas/user/default`). Profile writes are checked
//! against it, so an un-schema'd property fails the way it does in Okta.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::ApiError;

/// Base attributes: name, title, required.
const BASE: &[(&str, &str, bool)] = &[
    ("login", "Username", true),
    ("firstName", "First name", true),
    ("lastName", "Last name", true),
    ("middleName", "Middle name", false),
    ("honorificPrefix", "Honorific prefix", false),
    ("honorificSuffix", "Honorific suffix", false),
    ("email", "Primary email", true),
    ("title", "Title", false),
    ("displayName", "Display name", false),
    ("nickName", "Nickname", false),
    ("profileUrl", "Profile Url", false),
    ("secondEmail", "Secondary email", false),
    ("mobilePhone", "Mobile phone", false),
    ("primaryPhone", "Primary phone", false),
    ("streetAddress", "Street address", false),
    ("city", "City", false),
    ("state", "State", false),
    ("zipCode", "Zip code", false),
    ("countryCode", "Country code", false),
    ("postalAddress", "Postal Address", false),
    ("preferredLanguage", "Preferred language", false),
    ("locale", "Locale", false),
    ("timezone", "Time zone", false),
    ("userType", "User type", false),
    ("employeeNumber", "Employee number", false),
    ("costCenter", "Cost center", false),
    ("organization", "Organization", false),
    ("division", "Division", false),
    ("department", "Department", false),
    ("managerId", "ManagerId", false),
    ("manager", "Manager", false),
];

const TYPES: &[&str] = &["string", "boolean", "integer", "number", "array"];

/// The user schema: its id and the custom property definitions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserSchema {
    /// `osc…`
    pub id: String,
    /// Custom properties by name, each an Okta property definition.
    pub custom: Map<String, Value>,
    /// Last change (ms).
    pub last_updated: i64,
}

impl UserSchema {
    /// Whether `name` is a base attribute.
    pub fn is_base(name: &str) -> bool {
        BASE.iter().any(|(n, _, _)| *n == name)
    }

    /// Names of the required base attributes.
    pub fn required() -> impl Iterator<Item = &'static str> {
        BASE.iter().filter(|(_, _, r)| *r).map(|(n, _, _)| *n)
    }

    /// Checks one profile attribute's value against the schema.
    pub fn check_value(&self, name: &str, value: &Value) -> Result<(), ApiError> {
        if Self::is_base(name) {
            return match value {
                Value::Null | Value::String(_) => Ok(()),
                _ => Err(ApiError::validation(
                    name,
                    format!("{name}: Value must be a string"),
                )),
            };
        }
        let Some(def) = self.custom.get(name) else {
            return Err(ApiError::validation(
                "profile",
                format!("Property name '{name}' is not defined in profile"),
            ));
        };
        if value.is_null() {
            return Ok(());
        }
        let ty = def.get("type").and_then(Value::as_str).unwrap_or("string");
        let ok = match ty {
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            _ => value.is_string(),
        };
        if !ok {
            return Err(ApiError::validation(
                name,
                format!("{name}: Value must be of type {ty}"),
            ));
        }
        if let Some(options) = def.get("enum").and_then(Value::as_array)
            && !options.contains(value)
        {
            return Err(ApiError::validation(
                name,
                format!("{name}: Does not match one of the enumerated values"),
            ));
        }
        if let Some(s) = value.as_str() {
            let len = s.chars().count() as u64;
            let min = def.get("minLength").and_then(Value::as_u64).unwrap_or(0);
            let max = def
                .get("maxLength")
                .and_then(Value::as_u64)
                .unwrap_or(u64::MAX);
            if len < min || len > max {
                return Err(ApiError::validation(
                    name,
                    format!("{name}: Length out of bounds"),
                ));
            }
        }
        Ok(())
    }

    /// Applies a schema `POST` body: adds, changes or (with `null`) removes custom
    /// properties. Returns the names added, changed and removed.
    pub fn apply(&mut self, body: &Value) -> Result<Vec<(String, &'static str)>, ApiError> {
        let Some(props) = body
            .get("definitions")
            .and_then(|d| d.get("custom"))
            .and_then(|c| c.get("properties"))
            .and_then(Value::as_object)
        else {
            return Ok(Vec::new());
        };
        let mut changes = Vec::new();
        for (name, def) in props {
            if def.is_null() {
                if self.custom.shift_remove(name).is_some() {
                    changes.push((name.clone(), "delete"));
                }
                continue;
            }
            if Self::is_base(name) {
                return Err(ApiError::validation(
                    name,
                    format!("{name}: Property already defined in base schema"),
                ));
            }
            let Some(obj) = def.as_object() else {
                return Err(ApiError::validation(
                    name,
                    "Property definition must be an object",
                ));
            };
            let existing = self.custom.get(name).cloned();
            let mut merged = existing
                .as_ref()
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (k, v) in obj {
                merged.insert(k.clone(), v.clone());
            }
            let ty = merged
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if !TYPES.contains(&ty) {
                return Err(ApiError::validation(
                    name,
                    format!("{name}: Invalid type '{ty}'"),
                ));
            }
            if merged
                .get("title")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty)
            {
                return Err(ApiError::validation(
                    name,
                    format!("{name}: The field title cannot be left blank"),
                ));
            }
            merged.entry("mutability").or_insert(json!("READ_WRITE"));
            merged.entry("scope").or_insert(json!("NONE"));
            merged
                .entry("permissions")
                .or_insert(json!([{ "principal": "SELF", "action": "READ_ONLY" }]));
            merged
                .entry("master")
                .or_insert(json!({ "type": "PROFILE_MASTER" }));
            changes.push((
                name.clone(),
                if existing.is_some() { "update" } else { "add" },
            ));
            self.custom.insert(name.clone(), Value::Object(merged));
        }
        Ok(changes)
    }

    /// The schema as Okta returns it.
    pub fn to_json(&self, base_url: &str, type_id: &str, created: &str, updated: &str) -> Value {
        let mut base = Map::new();
        for (name, title, required) in BASE {
            let mut def = json!({
                "title": title, "type": "string", "mutability": "READ_WRITE", "scope": "NONE",
                "permissions": [{ "principal": "SELF", "action": "READ_WRITE" }],
                "master": { "type": "PROFILE_MASTER" }
            });
            if *required {
                def["required"] = json!(true);
            }
            match *name {
                "login" => {
                    def["unique"] = json!(true);
                    def["minLength"] = json!(5);
                    def["maxLength"] = json!(100);
                    def["pattern"] = json!(".+");
                }
                "email" | "secondEmail" => def["format"] = json!("email"),
                "firstName" | "lastName" => {
                    def["minLength"] = json!(1);
                    def["maxLength"] = json!(50);
                }
                _ => {}
            }
            base.insert((*name).to_owned(), def);
        }
        let required: Vec<&str> = Self::required().collect();
        json!({
            "id": format!("{base_url}/meta/schemas/user/{}", self.id),
            "$schema": "http://json-schema.org/draft-04/schema#",
            "name": "user",
            "title": "User",
            "description": "Okta user profile template with default permission settings",
            "lastUpdated": updated,
            "created": created,
            "definitions": {
                "custom": { "id": "#custom", "type": "object", "properties": self.custom, "required": [] },
                "base": { "id": "#base", "type": "object", "properties": base, "required": required }
            },
            "type": "object",
            "properties": { "profile": { "allOf": [
                { "$ref": "#/definitions/custom" }, { "$ref": "#/definitions/base" } ] } },
            "_links": {
                "self": { "href": format!("{base_url}/api/v1/meta/schemas/user/{}", self.id), "method": "GET", "rel": "self" },
                "type": { "href": format!("{base_url}/api/v1/meta/types/user/{type_id}"), "method": "GET" }
            }
        })
    }
}
