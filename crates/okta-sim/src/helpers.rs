//! [`SimHandle`] helpers for end-to-end tests and demos: set up what an Okta admin
//! sets up (people, groups, SAML and OIDC apps, assignments, provisioning, Group
//! Push) and drive what end users do (sign in, IdP-initiated SSO), without HTTP.
//! Each helper goes through the same code as the matching API call, so System Log
//! events and provisioning pushes follow as they would in Okta.

use serde_json::{Value, json};

use crate::error::ApiError;
use crate::idp::{SamlPost, SsoError, keys};
use crate::org::{CreateUserOptions, Ctx};
use crate::provisioning::{ProvisioningConfig, ProvisioningError, TaskRecord};
use crate::{SimError, SimHandle, sso};

/// What a SAML service provider needs to trust an app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlApp {
    /// App id (`0oa…`).
    pub id: String,
    /// App name (the `{appName}` in the SSO URL).
    pub name: String,
    /// External key (`exk…`).
    pub external_key: String,
    /// IdP entity ID / `Issuer`: `http://www.okta.com/{externalKey}`.
    pub entity_id: String,
    /// The SSO URL (HTTP-Redirect and HTTP-POST).
    pub sso_url: String,
    /// The public metadata URL `/app/{externalKey}/sso/saml/metadata`.
    pub metadata_url: String,
    /// The active signing certificate (PEM).
    pub certificate_pem: String,
    /// The active signing key id (`credentials.signing.kid`).
    pub kid: String,
}

/// What an OIDC relying party needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcApp {
    /// App id, which is also the client id.
    pub client_id: String,
    /// The client secret (`client_secret_basic`).
    pub client_secret: String,
    /// Issuer of the org authorization server (the org URL).
    pub issuer: String,
    /// Issuer of the `default` custom authorization server.
    pub default_issuer: String,
}

fn api(e: ApiError) -> SimError {
    SimError::Api(e)
}

fn sso_err(e: SsoError) -> SimError {
    SimError::Sso(e)
}

fn prov(e: ProvisioningError) -> SimError {
    SimError::Provisioning(e)
}

impl SimHandle {
    fn ctx(&self) -> Ctx {
        self.sim().system_ctx()
    }

    /// Creates any app as `POST /api/v1/apps` does (a SAML app gets its signing key).
    pub async fn create_app(&self, body: &Value) -> Result<String, SimError> {
        sso::create_app(self.sim(), &self.ctx(), body, true)
            .await
            .map_err(api)
    }

    /// A SAML 2.0 app set up the way the seeds' SaaS vendors ask Okta admins to:
    /// Single sign-on URL = `acs_url` (also Recipient and Destination), Audience URI =
    /// `audience`, application username = Email, Name ID format EmailAddress, signed
    /// Response and Assertion (RSA-SHA256, SHA-256), attribute statements `email`,
    /// `firstName`, `lastName`, and a `groups` statement with every group (REGEX `.*`).
    pub async fn create_saml_app(
        &self,
        label: &str,
        acs_url: &str,
        audience: &str,
    ) -> Result<SamlApp, SimError> {
        let unspecified = "urn:oasis:names:tc:SAML:2.0:attrname-format:unspecified";
        let body = json!({
            "label": label,
            "signOnMode": "SAML_2_0",
            "credentials": { "userNameTemplate": { "template": "${source.email}", "type": "BUILT_IN" } },
            "settings": { "signOn": {
                "ssoAcsUrl": acs_url, "recipient": acs_url, "destination": acs_url,
                "audience": audience, "defaultRelayState": "",
                "subjectNameIdTemplate": "${user.userName}",
                "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                "responseSigned": true, "assertionSigned": true,
                "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
                "authnContextClassRef": "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
                "attributeStatements": [
                    { "type": "EXPRESSION", "name": "email", "namespace": unspecified, "values": ["user.email"] },
                    { "type": "EXPRESSION", "name": "firstName", "namespace": unspecified, "values": ["user.firstName"] },
                    { "type": "EXPRESSION", "name": "lastName", "namespace": unspecified, "values": ["user.lastName"] },
                    { "type": "GROUP", "name": "groups", "namespace": unspecified, "filterType": "REGEX", "filterValue": ".*" }
                ]
            } }
        });
        let id = self.create_app(&body).await?;
        self.saml_app(&id).await
    }

    /// The SP-facing facts of a SAML app (its first signing key is made if missing).
    pub async fn saml_app(&self, app_id: &str) -> Result<SamlApp, SimError> {
        sso::ensure_signing_key(self.sim(), app_id)
            .await
            .map_err(api)?;
        let org = self.org();
        let app = org
            .apps
            .get(app_id)
            .ok_or_else(|| api(ApiError::not_found(app_id, "AppInstance")))?;
        let settings = crate::idp::settings::SamlSettings::parse(app.sign_on())
            .map_err(|e| api(ApiError::validation(&e.field, e.reason)))?;
        let key = keys::active(app).ok_or(SimError::Crypto("the app has no signing key"))?;
        let base = self.base_url();
        Ok(SamlApp {
            id: app.id.clone(),
            name: app.name.clone(),
            external_key: app.external_key.clone(),
            entity_id: settings.issuer(&app.external_key),
            sso_url: format!("{base}/app/{}/{}/sso/saml", app.name, app.external_key),
            metadata_url: format!("{base}/app/{}/sso/saml/metadata", app.external_key),
            certificate_pem: keys::certificate(key)?.to_pem(),
            kid: key.kid.clone(),
        })
    }

    /// Rotates a SAML app's signing key as an admin does: generate a new key
    /// credential, then point `credentials.signing.kid` at it. Returns the new kid;
    /// the old key stays listed until retired.
    pub async fn rotate_saml_key(&self, app_id: &str) -> Result<String, SimError> {
        sso::ensure_signing_key(self.sim(), app_id)
            .await
            .map_err(api)?;
        let key = sso::new_key(self.sim(), 2).await.map_err(api)?;
        let kid = key.kid.clone();
        self.org_mut()
            .add_app_key(&self.ctx(), app_id, key, true)
            .map_err(api)?;
        Ok(kid)
    }

    /// An OIDC web app (authorization code + refresh token, `client_secret_basic`)
    /// with these redirect URIs and a `groups` claim with every group.
    pub async fn create_oidc_app(
        &self,
        label: &str,
        redirect_uris: &[&str],
    ) -> Result<OidcApp, SimError> {
        let body = json!({
            "label": label,
            "signOnMode": "OPENID_CONNECT",
            "credentials": { "oauthClient": { "token_endpoint_auth_method": "client_secret_basic" } },
            "settings": { "oauthClient": {
                "redirect_uris": redirect_uris, "post_logout_redirect_uris": redirect_uris,
                "response_types": ["code"], "grant_types": ["authorization_code", "refresh_token"],
                "application_type": "web"
            } }
        });
        let id = self.create_app(&body).await?;
        let mut org = self.org_mut();
        let app = org
            .apps
            .get_mut(&id)
            .ok_or_else(|| api(ApiError::not_found(&id, "AppInstance")))?;
        app.groups_claim = Some(
            json!({ "valueType": "GROUPS", "groupFilterType": "REGEX", "name": "groups", "value": ".*", "issuerMode": "ORG_URL" }),
        );
        let client_secret = app
            .oauth_credential("client_secret")
            .unwrap_or_default()
            .to_owned();
        let base = self.base_url();
        Ok(OidcApp {
            client_id: id,
            client_secret,
            issuer: base.to_owned(),
            default_issuer: format!("{base}/oauth2/default"),
        })
    }

    /// Creates an active user with a password (`login` is also the email).
    pub fn create_user(&self, login: &str, first: &str, last: &str) -> Result<String, SimError> {
        let body = json!({
            "profile": { "login": login, "email": login, "firstName": first, "lastName": last },
            "credentials": { "password": { "value": "Sim-Passw0rd!" } }
        });
        self.org_mut()
            .create_user(&self.ctx(), &body, CreateUserOptions::default())
            .map_err(api)
    }

    /// Creates an Okta group.
    pub fn create_group(&self, name: &str) -> Result<String, SimError> {
        self.org_mut()
            .create_group(&self.ctx(), &json!({ "profile": { "name": name } }))
            .map_err(api)
    }

    /// Adds a user (id or login) to a group.
    pub fn add_to_group(&self, group_id: &str, user: &str) -> Result<(), SimError> {
        let user_id = self.user_id(user)?;
        self.org_mut()
            .add_member(&self.ctx(), group_id, &user_id)
            .map_err(api)
    }

    /// Assigns a user (id or login) to an app directly.
    pub fn assign_user(&self, app_id: &str, user: &str) -> Result<(), SimError> {
        let user_id = self.user_id(user)?;
        self.org_mut()
            .assign_user(&self.ctx(), app_id, &json!({ "id": user_id }))
            .map(|_| ())
            .map_err(api)
    }

    /// Assigns a group to an app (its members can sign in and are provisioned).
    pub fn assign_group(&self, app_id: &str, group_id: &str) -> Result<(), SimError> {
        self.org_mut()
            .assign_group(&self.ctx(), app_id, group_id, &json!({}))
            .map_err(api)
    }

    fn user_id(&self, user: &str) -> Result<String, SimError> {
        self.org()
            .find_user(user)
            .map(|u| u.id.clone())
            .ok_or_else(|| api(ApiError::not_found(user, "User")))
    }

    /// Signs a user in as the login page would; returns the `Cookie` header value
    /// (`sid=…`) for the SAML SSO URL and the OIDC authorize endpoint.
    pub fn login_session(&self, login: &str) -> Result<String, SimError> {
        let sim = self.sim();
        let now = sim.clock.now();
        let user_id =
            crate::session::authenticate(&mut sim.write(), &self.ctx(), login).map_err(sso_err)?;
        Ok(sim.sessions.start(&user_id, now).cookie())
    }

    /// IdP-initiated SAML sign-in: the unsolicited Response for `login`.
    pub async fn idp_initiated(&self, app_id: &str, login: &str) -> Result<SamlPost, SimError> {
        sso::idp_initiated(self.sim(), app_id, login, None)
            .await
            .map_err(sso_err)
    }

    /// Configures provisioning for an app (see [`ProvisioningConfig::new`]).
    pub fn configure_provisioning(
        &self,
        app_id: &str,
        config: ProvisioningConfig,
    ) -> Result<(), SimError> {
        if !self.org().apps.contains_key(app_id) {
            return Err(api(ApiError::not_found(app_id, "AppInstance")));
        }
        self.sim()
            .provisioning
            .configure(app_id, config)
            .map_err(prov)
    }

    /// Pushes an Okta group to a provisioned app.
    pub fn push_group(&self, app_id: &str, group_id: &str) -> Result<(), SimError> {
        let name = self
            .org()
            .groups
            .get(group_id)
            .map(|g| g.name().to_owned())
            .ok_or_else(|| api(ApiError::not_found(group_id, "UserGroup")))?;
        self.sim()
            .provisioning
            .push_group(app_id, group_id, &name)
            .map_err(prov)
    }

    /// Stops pushing a group; `delete_in_app` also deletes it in the SCIM app.
    pub fn unpush_group(
        &self,
        app_id: &str,
        group_id: &str,
        delete_in_app: bool,
    ) -> Result<(), SimError> {
        self.sim()
            .provisioning
            .unpush_group(app_id, group_id, delete_in_app)
            .map_err(prov)
    }

    /// Waits until every change made so far has been pushed to the SCIM apps.
    pub async fn flush_provisioning(&self) {
        self.sim().provisioning.flush().await;
    }

    /// Every SCIM request sent for an app, with the answers.
    pub fn provisioning_tasks(&self, app_id: &str) -> Vec<TaskRecord> {
        self.sim().provisioning.tasks(app_id, 0)
    }
}
