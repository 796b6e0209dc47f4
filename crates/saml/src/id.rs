//! Random identifiers for SAML messages (`ID` attributes must be NCNames,
//! so they start with a letter).

use crate::Error;

/// `id` followed by 32 random hex digits (128 bits).
pub(crate) fn new_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes)
        .map_err(|_| Error::Crypto("random number generator failed"))?;
    Ok(format!("id{}", crate::cert::hex_lower(&bytes)))
}
