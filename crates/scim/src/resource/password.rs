//! The cleartext password a client sends, kept out of resource JSON and out of logs.

use std::fmt;

use serde_json::Value;

use crate::Error;

/// A cleartext password from a request (`password` is writeOnly and `returned: never`).
/// `Debug` redacts it and there is no `Serialize`, so it cannot leak into logs or
/// responses; call [`Password::expose`] only to hash it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a cleartext password.
    pub fn new(cleartext: impl Into<String>) -> Self {
        Password(cleartext.into())
    }

    /// The cleartext, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Reads a request value: `null` means no password, a string is the password.
    pub(crate) fn from_value(value: Value) -> Result<Option<Password>, Error> {
        match value {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(Password(s))),
            _ => Err(Error::invalid_value("password must be a string")),
        }
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}
