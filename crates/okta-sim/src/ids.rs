//! Okta-shaped identifiers drawn from a seeded RNG, so a seed reproduces an org.
//!
//! Okta ids are 20 case-sensitive characters with a type prefix (`00u` user, `00g`
//! group, `0oa` app, …); the rest is base62 here.

use rand::RngExt;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Type prefixes of the ids this simulator hands out.
pub mod prefix {
    /// Users.
    pub const USER: &str = "00u";
    /// Groups.
    pub const GROUP: &str = "00g";
    /// Applications (also OAuth clients).
    pub const APP: &str = "0oa";
    /// The org itself.
    pub const ORG: &str = "00o";
    /// API tokens.
    pub const API_TOKEN: &str = "00T";
    /// User types.
    pub const USER_TYPE: &str = "oty";
    /// User schemas.
    pub const SCHEMA: &str = "osc";
    /// App-user assignments (System Log `AppUser` targets).
    pub const APP_USER: &str = "0ua";
    /// SAML app external keys.
    pub const EXTERNAL_KEY: &str = "exk";
}

/// A 20-character id: `prefix` followed by random base62 characters.
pub fn new_id<R: RngExt + ?Sized>(rng: &mut R, prefix: &str) -> String {
    random_string(rng, prefix, 20)
}

/// `prefix` followed by random base62 characters up to `len` characters in total.
pub fn random_string<R: RngExt + ?Sized>(rng: &mut R, prefix: &str, len: usize) -> String {
    let mut out = String::with_capacity(len);
    out.push_str(prefix);
    while out.len() < len {
        let i = rng.random_range(0..BASE62.len());
        out.push(char::from(BASE62.get(i).copied().unwrap_or(b'0')));
    }
    out
}

/// A random RFC 4122 version-4 UUID string (System Log `uuid`, `jti`).
pub fn uuid<R: RngExt + ?Sized>(rng: &mut R) -> String {
    let mut b: [u8; 16] = rng.random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn ids_have_okta_shape_and_are_reproducible() {
        let mut a = ChaCha8Rng::seed_from_u64(7);
        let mut b = ChaCha8Rng::seed_from_u64(7);
        let id = new_id(&mut a, prefix::USER);
        assert_eq!(id.len(), 20);
        assert!(id.starts_with("00u"));
        assert_eq!(id, new_id(&mut b, prefix::USER));
        assert_eq!(uuid(&mut a).len(), 36);
    }
}
