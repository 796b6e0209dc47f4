//! The store's one error type. The server maps each variant to an HTTP status.

/// Everything a store call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The record does not exist, or exists in an org the caller cannot see (the two are
    /// deliberately indistinguishable).
    #[error("{kind} not found")]
    NotFound {
        /// What was looked for, e.g. `"org"`.
        kind: &'static str,
    },
    /// A uniqueness or foreign-key rule of the schema refused the write.
    #[error("conflict: {constraint}")]
    Conflict {
        /// The schema rule that was violated, e.g. `"scim_users.user_name"`.
        constraint: String,
    },
    /// The caller's role does not allow this change (e.g. a viewer token writing).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// Input that the store itself refuses (the server validates first; this is the backstop).
    #[error("invalid: {0}")]
    Invalid(String),
    /// A pagination cursor that this list did not hand out.
    #[error("invalid cursor")]
    InvalidCursor,
    /// A secret could not be sealed or opened (wrong master key, corrupted ciphertext).
    #[error("secret: {0}")]
    Secret(String),
    /// The database said no for a reason that is not the caller's fault.
    #[error("database: {0}")]
    Database(#[source] sqlx::Error),
    /// SQLite, reached directly (the SCIM hot paths), said no for a reason that is not the
    /// caller's fault; the text is SQLite's message.
    #[error("database: {0}")]
    Sqlite(String),
    /// Migrations failed to apply at start.
    #[error("migration: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
}

impl From<sqlx::Error> for StoreError {
    fn from(err: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &err {
            use sqlx::error::ErrorKind;
            if matches!(
                db.kind(),
                ErrorKind::UniqueViolation | ErrorKind::ForeignKeyViolation
            ) {
                return StoreError::Conflict {
                    constraint: db
                        .constraint()
                        .map(str::to_owned)
                        .unwrap_or_else(|| db.message().to_owned()),
                };
            }
        }
        StoreError::Database(err)
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        use rusqlite::ffi;
        if let rusqlite::Error::SqliteFailure(code, message) = &err
            && matches!(
                code.extended_code,
                ffi::SQLITE_CONSTRAINT_UNIQUE
                    | ffi::SQLITE_CONSTRAINT_PRIMARYKEY
                    | ffi::SQLITE_CONSTRAINT_FOREIGNKEY
            )
        {
            return StoreError::Conflict {
                constraint: message.clone().unwrap_or_else(|| err.to_string()),
            };
        }
        StoreError::Sqlite(err.to_string())
    }
}

/// Shorthand used throughout the crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
