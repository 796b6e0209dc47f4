//! SAML Web Browser SSO rules applied to a verified assertion view:
//! issuer, audience, bearer confirmation (recipient, InResponseTo, window),
//! conditions window, with the configured clock skew.

use time::OffsetDateTime;

use crate::Rejection;
use crate::assertion::{AssertionView, Confirmation, SignatureCoverage, VerifiedAssertion};
use crate::config::SpConfig;

/// Facts from outside the assertion that the rules need.
pub(crate) struct Context<'a> {
    pub(crate) config: &'a SpConfig,
    pub(crate) now: OffsetDateTime,
    pub(crate) expected_in_response_to: Option<&'a str>,
    /// `InResponseTo` of the Response, when the Response signature verified.
    pub(crate) verified_response_in_response_to: Option<&'a str>,
    pub(crate) coverage: SignatureCoverage,
    pub(crate) certificate_sha256: String,
}

/// Applies every rule; the first failure is returned.
pub(crate) fn check(view: AssertionView, cx: Context<'_>) -> Result<VerifiedAssertion, Rejection> {
    let config = cx.config;
    if view.issuer.as_deref() != Some(config.idp_entity_id.as_str()) {
        return Err(Rejection::IssuerMismatch {
            expected: config.idp_entity_id.clone(),
            got: view.issuer,
        });
    }

    // Every AudienceRestriction must name us (they are ANDed), and there
    // must be at least one (Web SSO profile, section 4.1.4.2).
    let all_audiences: Vec<String> = view
        .audience_restrictions
        .iter()
        .flatten()
        .cloned()
        .collect();
    if view.audience_restrictions.is_empty()
        || !view
            .audience_restrictions
            .iter()
            .all(|r| r.contains(&config.entity_id))
    {
        return Err(Rejection::AudienceMismatch {
            expected: config.entity_id.clone(),
            got: all_audiences,
        });
    }

    let confirmation = bearer_confirmation(&view.confirmations, &cx)?;

    let not_before = [view.not_before, confirmation.not_before]
        .into_iter()
        .flatten()
        .max();
    let not_on_or_after = [view.not_on_or_after, confirmation.not_on_or_after]
        .into_iter()
        .flatten()
        .min()
        .ok_or(Rejection::MissingElement {
            element: "saml:SubjectConfirmationData/@NotOnOrAfter",
        })?;
    check_window(not_before, not_on_or_after, &cx)?;

    Ok(VerifiedAssertion {
        assertion_id: view.id,
        issuer: config.idp_entity_id.clone(),
        name_id: view.name_id,
        name_id_format: view.name_id_format,
        session_index: view.session_index,
        authn_instant: view.authn_instant,
        authn_context_class: view.authn_context_class,
        attributes: view.attributes,
        not_on_or_after,
        in_response_to: cx.expected_in_response_to.map(str::to_owned),
        coverage: cx.coverage,
        certificate_sha256: cx.certificate_sha256,
    })
}

/// The first bearer confirmation that satisfies every rule; when none does,
/// the failure of the first bearer confirmation.
fn bearer_confirmation<'v>(
    confirmations: &'v [Confirmation],
    cx: &Context<'_>,
) -> Result<&'v Confirmation, Rejection> {
    let mut first_error = None;
    for confirmation in confirmations.iter().filter(|c| c.bearer) {
        match check_confirmation(confirmation, cx) {
            Ok(()) => return Ok(confirmation),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(Rejection::NoBearerConfirmation))
}

fn check_confirmation(confirmation: &Confirmation, cx: &Context<'_>) -> Result<(), Rejection> {
    let acs = &cx.config.acs_url;
    if confirmation.recipient.as_deref() != Some(acs.as_str()) {
        return Err(Rejection::RecipientMismatch {
            expected: acs.clone(),
            got: confirmation.recipient.clone(),
        });
    }
    let not_on_or_after = confirmation
        .not_on_or_after
        .ok_or(Rejection::MissingElement {
            element: "saml:SubjectConfirmationData/@NotOnOrAfter",
        })?;
    check_window(confirmation.not_before, not_on_or_after, cx)?;
    check_in_response_to(confirmation.in_response_to.as_deref(), cx)
}

fn check_in_response_to(assertion_value: Option<&str>, cx: &Context<'_>) -> Result<(), Rejection> {
    let mismatch = |got: Option<&str>| Rejection::InResponseToMismatch {
        expected: cx.expected_in_response_to.map(str::to_owned),
        got: got.map(str::to_owned),
    };
    match cx.expected_in_response_to {
        // IdP-initiated: nothing may claim to answer a request.
        None => match assertion_value.or(cx.verified_response_in_response_to) {
            None => Ok(()),
            Some(got) => Err(mismatch(Some(got))),
        },
        // SP-initiated: the signed value must be present and equal.
        Some(expected) => match assertion_value.or(cx.verified_response_in_response_to) {
            Some(got) if got == expected => Ok(()),
            got => Err(mismatch(got)),
        },
    }
}

fn check_window(
    not_before: Option<OffsetDateTime>,
    not_on_or_after: OffsetDateTime,
    cx: &Context<'_>,
) -> Result<(), Rejection> {
    // Saturating: an absurd configured skew must not panic.
    let latest = cx.now.checked_add(cx.config.clock_skew).unwrap_or(cx.now);
    let earliest = cx.now.checked_sub(cx.config.clock_skew).unwrap_or(cx.now);
    if let Some(not_before) = not_before
        && latest < not_before
    {
        return Err(Rejection::NotYetValid {
            not_before,
            now: cx.now,
        });
    }
    if earliest >= not_on_or_after {
        return Err(Rejection::Expired {
            not_on_or_after,
            now: cx.now,
        });
    }
    Ok(())
}
