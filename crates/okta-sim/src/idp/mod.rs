//! Okta as a SAML 2.0 identity provider: an app's settings ([`settings`]), its
//! signing key credentials ([`keys`]), and the Response a user gets ([`issue`]).
//!
//! Signing is `saml::idp`'s (exclusive c14n, enveloped signatures over the Response
//! and/or the Assertion, assertion encryption with the SP's certificate).
//! One honest gap: aws-lc-rs cannot create RSA-SHA1 signatures, so an app set to
//! `signatureAlgorithm: RSA_SHA1` is signed with RSA-SHA256 (the digest still follows
//! `digestAlgorithm`, SHA-1 included); [`settings::SamlSettings::sha1_signature_requested`]
//! records that the setting asked for SHA-1.

use saml::idp::{AssertionParams, Attribute, Encryption, SigningOptions, issue_response};
use serde_json::Value;
use time::OffsetDateTime;

use crate::clock::Millis;
use crate::expr::{self, Scope};
use crate::model::app::App;
use crate::model::user::{User, UserStatus};
use crate::org::Org;

pub mod keys;
pub mod settings;

use settings::{AttributeStatement, SamlSettings};

/// Why a SAML sign-in ends on Okta's error page rather than at the ACS.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoError {
    /// No SAML app has this URL.
    #[error("The app you are trying to reach does not exist.")]
    AppNotFound,
    /// The app is deactivated.
    #[error("{0} is not active. Contact your administrator.")]
    AppInactive(String),
    /// The user is not assigned to the app, directly or through a group.
    #[error(
        "Sorry, you can't access {0} because you are not assigned this app in Okta. If you're wondering why this is happening, please contact your administrator."
    )]
    NotAssigned(String),
    /// The user cannot sign in (not active).
    #[error("The user {0} cannot sign in: the account is {1}.")]
    UserCannotSignIn(String, &'static str),
    /// The user does not exist.
    #[error("No user {0} exists in this org.")]
    UnknownUser(String),
    /// The AuthnRequest could not be read or its signature failed.
    #[error("The SAML request is invalid: {0}")]
    InvalidRequest(String),
    /// The AuthnRequest names an ACS URL the app does not list.
    #[error(
        "The AssertionConsumerServiceURL {0} in the request is not a Single sign-on URL of this app."
    )]
    AcsMismatch(String),
    /// The AuthnRequest comes from another SP entity.
    #[error("The request Issuer {got} does not match the app's Audience URI {expected}.")]
    IssuerMismatch {
        /// The app's audience.
        expected: String,
        /// The request's issuer.
        got: String,
    },
    /// The requested Name ID format is not the app's.
    #[error("The NameIDPolicy format {0} in the request does not match the app's Name ID format.")]
    NameIdPolicy(String),
    /// The app's settings cannot produce a Response.
    #[error("The app is misconfigured: {0}")]
    Misconfigured(String),
}

impl SsoError {
    /// The HTTP status of the error page.
    pub fn status(&self) -> u16 {
        match self {
            Self::AppNotFound | Self::UnknownUser(_) => 404,
            Self::NotAssigned(_) | Self::UserCannotSignIn(..) | Self::AppInactive(_) => 403,
            Self::Misconfigured(_) => 500,
            _ => 400,
        }
    }

    /// A stable snake_case code for tests and JSON answers.
    pub fn code(&self) -> &'static str {
        match self {
            Self::AppNotFound => "app_not_found",
            Self::AppInactive(_) => "app_inactive",
            Self::NotAssigned(_) => "not_assigned",
            Self::UserCannotSignIn(..) => "user_cannot_sign_in",
            Self::UnknownUser(_) => "unknown_user",
            Self::InvalidRequest(_) => "invalid_request",
            Self::AcsMismatch(_) => "acs_mismatch",
            Self::IssuerMismatch { .. } => "issuer_mismatch",
            Self::NameIdPolicy(_) => "name_id_policy",
            Self::Misconfigured(_) => "misconfigured",
        }
    }

    /// Okta's System Log outcome reason for the failed sign-in.
    pub fn reason(&self) -> &'static str {
        match self {
            Self::NotAssigned(_) => "User is not assigned to the app",
            Self::UserCannotSignIn(..) => "User cannot sign in",
            Self::AppInactive(_) => "App is not active",
            _ => "Invalid SAML request",
        }
    }
}

/// The Response of one sign-in, ready to POST to the ACS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlPost {
    /// Where the browser posts it.
    pub acs_url: String,
    /// The `SAMLResponse` form value (base64).
    pub saml_response: String,
    /// The `RelayState` form value.
    pub relay_state: Option<String>,
    /// The Response XML.
    pub response_xml: String,
    /// The Response `ID`.
    pub response_id: String,
    /// The Assertion `ID`.
    pub assertion_id: String,
}

impl SamlPost {
    /// The auto-submitting HTML form of the HTTP-POST binding.
    pub fn form_html(&self) -> String {
        saml::post_form_html(
            &self.acs_url,
            "SAMLResponse",
            &self.saml_response,
            self.relay_state.as_deref(),
        )
    }
}

/// What the SP asked for (SP-initiated) or nothing (IdP-initiated).
#[derive(Debug, Clone, Default)]
pub struct SignInRequest {
    /// The AuthnRequest `ID` to answer.
    pub in_response_to: Option<String>,
    /// The ACS the request named (already checked against the app).
    pub acs_url: Option<String>,
    /// RelayState to return.
    pub relay_state: Option<String>,
    /// When the user authenticated (session start); `now` when absent.
    pub authn_instant: Option<Millis>,
}

/// Checks a received AuthnRequest against the app: the Issuer must be the app's
/// Audience URI, a named ACS must be one of the app's Single sign-on URLs, a
/// NameIDPolicy must agree with the app's Name ID format (either may be
/// unspecified), and with a Signature Certificate the request must be signed.
pub fn accept_request(
    settings: &SamlSettings,
    request: &saml::ReceivedAuthnRequest,
) -> Result<SignInRequest, SsoError> {
    if request.issuer != settings.audience {
        return Err(SsoError::IssuerMismatch {
            expected: settings.audience.clone(),
            got: request.issuer.clone(),
        });
    }
    if let Some(acs) = &request.acs_url
        && !settings.accepts_acs(acs)
    {
        return Err(SsoError::AcsMismatch(acs.clone()));
    }
    let unspecified = saml::ns::nameid_format::UNSPECIFIED;
    if let Some(format) = &request.name_id_format
        && format != unspecified
        && settings.name_id_format != unspecified
        && *format != settings.name_id_format
    {
        return Err(SsoError::NameIdPolicy(format.clone()));
    }
    if settings.sp_certificate.is_some() && !request.signature_verified {
        return Err(SsoError::InvalidRequest(
            "the app requires signed requests".into(),
        ));
    }
    Ok(SignInRequest {
        in_response_to: Some(request.id.clone()),
        acs_url: request.acs_url.clone(),
        relay_state: request.relay_state.clone(),
        authn_instant: None,
    })
}

/// Finds the active SAML app with this external key (the `exk…` in its URLs).
pub fn app_by_key<'a>(org: &'a Org, external_key: &str) -> Result<&'a App, SsoError> {
    let app = org
        .apps
        .values()
        .find(|a| a.external_key == external_key && a.sign_on_mode == "SAML_2_0")
        .ok_or(SsoError::AppNotFound)?;
    if !app.active {
        return Err(SsoError::AppInactive(app.label.clone()));
    }
    Ok(app)
}

/// Checks that a user may sign in to an app: an active user, assigned directly or
/// through a group.
pub fn check_access<'a>(org: &'a Org, app: &App, user_id: &str) -> Result<&'a User, SsoError> {
    let user = org
        .user(user_id)
        .ok_or_else(|| SsoError::UnknownUser(user_id.to_owned()))?;
    if !can_sign_in(user.status) {
        return Err(SsoError::UserCannotSignIn(
            user.login().to_owned(),
            user.status.as_str(),
        ));
    }
    if !org.apps_of(user_id).contains(app.id.as_str()) {
        return Err(SsoError::NotAssigned(app.label.clone()));
    }
    Ok(user)
}

/// Statuses that can hold an Okta session.
pub fn can_sign_in(status: UserStatus) -> bool {
    matches!(status, UserStatus::Active | UserStatus::PasswordExpired)
}

/// The names of a user's groups that pass `filter`, in id order.
pub fn group_names(org: &Org, user_id: &str, filter: &expr::GroupFilter) -> Vec<String> {
    org.groups_of(user_id)
        .map(|g| g.name().to_owned())
        .filter(|n| filter.matches(n))
        .collect()
}

/// Builds and signs the Response `user_id` gets from `app`, after [`check_access`].
pub fn issue(
    org: &Org,
    app: &App,
    user_id: &str,
    request: &SignInRequest,
    now: Millis,
) -> Result<SamlPost, SsoError> {
    let user = check_access(org, app, user_id)?;
    let settings = SamlSettings::parse(app.sign_on())
        .map_err(|e| SsoError::Misconfigured(format!("{}: {}", e.field, e.reason)))?;
    let key = keys::active(app)
        .ok_or_else(|| SsoError::Misconfigured("the app has no active signing key".into()))?;
    let credential = keys::credential(key).map_err(|e| SsoError::Misconfigured(e.to_string()))?;
    let user_name = org.app_user_name(app, user);
    let app_profile = app.users.get(user_id).map(|a| &a.profile);
    let scope = Scope {
        user_id: &user.id,
        user_status: user.status.as_str(),
        profile: &user.profile,
        app_profile,
        user_name: Some(&user_name),
    };
    let misconfigured = |e: expr::ExprError| SsoError::Misconfigured(e.to_string());
    let name_id = expr::render(&settings.name_id_template, &scope).map_err(misconfigured)?;
    let acs = request
        .acs_url
        .clone()
        .unwrap_or_else(|| settings.acs_url.clone());
    // A requested alternative ACS is also where Destination and Recipient point.
    let (destination, recipient) = if acs == settings.acs_url {
        (settings.destination.clone(), settings.recipient.clone())
    } else {
        (acs.clone(), acs.clone())
    };
    let mut params = AssertionParams::new(
        settings.issuer(&app.external_key),
        destination,
        settings.audience.clone(),
        name_id,
        instant(now)?,
    );
    params.recipient = recipient;
    params.in_response_to = request.in_response_to.clone();
    params.name_id_format = settings.name_id_format.clone();
    params.authn_context_class = settings.authn_context_class.clone();
    params.authn_instant = instant(request.authn_instant.unwrap_or(now))?;
    params.attributes = attributes(org, &settings, &scope).map_err(misconfigured)?;
    let signing = SigningOptions {
        sign_response: settings.response_signed,
        sign_assertion: settings.assertion_signed,
        signature_algorithm: saml::SignatureAlgorithm::RsaSha256,
        digest_algorithm: settings.digest,
    };
    let encryption = settings.encryption.as_ref().map(|e| Encryption {
        certificate: &e.certificate,
        content: e.content,
    });
    let issued = issue_response(&params, &credential, &signing, encryption.as_ref())
        .map_err(|e| SsoError::Misconfigured(e.to_string()))?;
    Ok(SamlPost {
        acs_url: acs,
        saml_response: issued.to_base64(),
        relay_state: request.relay_state.clone(),
        response_xml: issued.xml,
        response_id: issued.response_id,
        assertion_id: issued.assertion_id,
    })
}

fn instant(ms: Millis) -> Result<OffsetDateTime, SsoError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .map_err(|_| SsoError::Misconfigured("clock out of range".into()))
}

/// The attribute statements for one user; attributes whose values are all empty are
/// left out, as Okta does.
fn attributes(
    org: &Org,
    settings: &SamlSettings,
    scope: &Scope<'_>,
) -> Result<Vec<Attribute>, expr::ExprError> {
    let mut out = Vec::new();
    for statement in &settings.attributes {
        let (name, name_format, values) = match statement {
            AttributeStatement::Expression {
                name,
                name_format,
                values,
            } => {
                let mut texts = Vec::new();
                for e in values {
                    match expr::eval(e, scope)? {
                        Value::Array(items) => texts.extend(items.iter().filter_map(expr::to_text)),
                        v => texts.extend(expr::to_text(&v)),
                    }
                }
                (name, name_format, texts)
            }
            AttributeStatement::Group {
                name,
                name_format,
                filter,
            } => (name, name_format, group_names(org, scope.user_id, filter)),
        };
        if values.is_empty() {
            continue;
        }
        let mut attribute = Attribute::new(name.clone(), values);
        attribute.name_format = name_format.clone();
        out.push(attribute);
    }
    Ok(out)
}
