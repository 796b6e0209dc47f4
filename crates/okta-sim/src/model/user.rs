//! Users: the stored record, Okta's status enum and the lifecycle state machine.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::clock::Millis;
use crate::error::ApiError;

/// Okta's user statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum UserStatus {
    /// Created with `activate=false`.
    Staged,
    /// Activated without credentials; waiting for the user.
    Provisioned,
    /// Can sign in.
    Active,
    /// Password reset in progress.
    Recovery,
    /// Must change password at next sign-in.
    PasswordExpired,
    /// Too many failed sign-ins.
    LockedOut,
    /// Suspended by an admin.
    Suspended,
    /// Deactivated.
    Deprovisioned,
}

impl UserStatus {
    /// The wire name, e.g. `PASSWORD_EXPIRED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Staged => "STAGED",
            Self::Provisioned => "PROVISIONED",
            Self::Active => "ACTIVE",
            Self::Recovery => "RECOVERY",
            Self::PasswordExpired => "PASSWORD_EXPIRED",
            Self::LockedOut => "LOCKED_OUT",
            Self::Suspended => "SUSPENDED",
            Self::Deprovisioned => "DEPROVISIONED",
        }
    }

    /// Every status, in lifecycle order.
    pub const ALL: [UserStatus; 8] = [
        Self::Staged,
        Self::Provisioned,
        Self::Active,
        Self::Recovery,
        Self::PasswordExpired,
        Self::LockedOut,
        Self::Suspended,
        Self::Deprovisioned,
    ];
}

/// Lifecycle operations of `POST /api/v1/users/{id}/lifecycle/{op}`, plus the
/// end-user and policy events Okta performs on its own (reachable in the simulator
/// through the control API).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    /// `activate`
    Activate,
    /// `reactivate`
    Reactivate,
    /// `deactivate`
    Deactivate,
    /// `suspend`
    Suspend,
    /// `unsuspend`
    Unsuspend,
    /// `unlock`
    Unlock,
    /// `reset_password`
    ResetPassword,
    /// `expire_password`
    ExpirePassword,
    /// `expire_password_with_temp_password`
    ExpirePasswordWithTemp,
    /// `reset_factors`
    ResetFactors,
    /// Simulated: failed sign-ins lock the account.
    LockOut,
    /// Simulated: the user completes activation / recovery / a password change.
    CompleteByUser,
}

impl Lifecycle {
    /// Parses the path segment of a lifecycle call.
    pub fn from_path(op: &str) -> Option<Self> {
        Some(match op {
            "activate" => Self::Activate,
            "reactivate" => Self::Reactivate,
            "deactivate" => Self::Deactivate,
            "suspend" => Self::Suspend,
            "unsuspend" => Self::Unsuspend,
            "unlock" => Self::Unlock,
            "reset_password" => Self::ResetPassword,
            "expire_password" => Self::ExpirePassword,
            "expire_password_with_temp_password" => Self::ExpirePasswordWithTemp,
            "reset_factors" => Self::ResetFactors,
            _ => return None,
        })
    }

    /// The System Log event type the operation writes.
    pub fn event_type(self) -> &'static str {
        match self {
            Self::Activate => "user.lifecycle.activate",
            Self::Reactivate => "user.lifecycle.reactivate",
            Self::Deactivate => "user.lifecycle.deactivate",
            Self::Suspend => "user.lifecycle.suspend",
            Self::Unsuspend => "user.lifecycle.unsuspend",
            Self::Unlock => "user.account.unlock_by_admin",
            Self::ResetPassword => "user.account.reset_password",
            Self::ExpirePassword | Self::ExpirePasswordWithTemp => "user.account.expire_password",
            Self::ResetFactors => "user.mfa.factor.reset_all",
            Self::LockOut => "user.account.lock",
            Self::CompleteByUser => "user.account.update_password",
        }
    }

    /// The status after the operation from `from`, or Okta's error for an illegal
    /// transition. `has_password` decides where activation lands.
    pub fn next_status(self, from: UserStatus, has_password: bool) -> Result<UserStatus, ApiError> {
        use UserStatus::*;
        match self {
            Self::Activate => match from {
                Staged | Deprovisioned => Ok(if has_password { Active } else { Provisioned }),
                _ => Err(ApiError::already_active()),
            },
            Self::Reactivate => match from {
                Provisioned | Recovery => Ok(from),
                _ => Err(ApiError::wrong_status()),
            },
            Self::Deactivate => match from {
                Deprovisioned => Err(ApiError::wrong_status()),
                _ => Ok(Deprovisioned),
            },
            Self::Suspend => match from {
                Active => Ok(Suspended),
                _ => Err(ApiError::validation(
                    "status",
                    "Cannot suspend a user that is not active",
                )),
            },
            Self::Unsuspend => match from {
                Suspended => Ok(Active),
                _ => Err(ApiError::validation(
                    "status",
                    "Cannot unsuspend a user that is not suspended",
                )),
            },
            Self::Unlock => match from {
                LockedOut => Ok(Active),
                _ => Err(ApiError::new(
                    axum::http::StatusCode::FORBIDDEN,
                    "E0000032",
                    "Unlock is not allowed for this user.",
                )
                .with_cause("The user is not locked out.")),
            },
            Self::ResetPassword => match from {
                Active | PasswordExpired | Recovery | LockedOut => Ok(Recovery),
                Provisioned => Ok(Provisioned),
                _ => Err(ApiError::wrong_status()),
            },
            Self::ExpirePassword | Self::ExpirePasswordWithTemp => match from {
                Active | PasswordExpired | Recovery | LockedOut => Ok(PasswordExpired),
                _ => Err(ApiError::wrong_status()),
            },
            Self::ResetFactors => match from {
                Staged | Deprovisioned => Err(ApiError::wrong_status()),
                _ => Ok(from),
            },
            Self::LockOut => match from {
                Active | PasswordExpired | Recovery => Ok(LockedOut),
                _ => Err(ApiError::wrong_status()),
            },
            Self::CompleteByUser => match from {
                Provisioned | Recovery | PasswordExpired => Ok(Active),
                _ => Err(ApiError::wrong_status()),
            },
        }
    }
}

/// A stored user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// `00u…`
    pub id: String,
    /// Current status.
    pub status: UserStatus,
    /// Creation time.
    pub created: Millis,
    /// First activation time.
    pub activated: Option<Millis>,
    /// Last status change.
    pub status_changed: Option<Millis>,
    /// Last sign-in.
    pub last_login: Option<Millis>,
    /// Last profile, credential or status change.
    pub last_updated: Millis,
    /// Last password change.
    pub password_changed: Option<Millis>,
    /// The profile, with base and custom attributes in insertion order.
    pub profile: Map<String, Value>,
    /// The password, kept so a simulated SCIM push can sync it.
    pub password: Option<String>,
    /// Recovery question, if set.
    pub recovery_question: Option<String>,
    /// Credential provider type (`OKTA`, `FEDERATION`, …).
    pub provider: String,
    /// User type id (`oty…`).
    pub type_id: String,
}

impl User {
    /// The profile's `login`.
    pub fn login(&self) -> &str {
        self.profile
            .get("login")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// `firstName lastName` for System Log display names.
    pub fn display_name(&self) -> String {
        let first = self
            .profile
            .get("firstName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let last = self
            .profile
            .get("lastName")
            .and_then(Value::as_str)
            .unwrap_or_default();
        format!("{first} {last}").trim().to_owned()
    }
}

/// Folds a login for uniqueness: Okta ignores case and diacritics.
pub fn fold_login(login: &str) -> String {
    login
        .chars()
        .flat_map(char::to_lowercase)
        .map(strip_diacritic)
        .collect()
}

fn strip_diacritic(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' | 'đ' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' | 'ħ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' | 'ŧ' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_folding_ignores_case_and_diacritics() {
        assert_eq!(fold_login("Isaac.Brock@x"), fold_login("isáàc.bröck@x"));
        assert_ne!(fold_login("isaac@x"), fold_login("isaak@x"));
    }
}
