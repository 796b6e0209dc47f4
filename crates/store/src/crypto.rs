//! Secrets at rest and issued credentials.
//!
//! * [`MasterKey`] — the 32-byte `GATEHOUSE_MASTER_KEY`. Each stored secret gets its own random
//!   data key (AES-256-GCM); the data key is wrapped by the master key. Rotating the master key
//!   therefore means re-wrapping small data keys, never re-encrypting payloads. The master key's
//!   fingerprint is stored with each secret, so a wrong key is reported as such.
//! * [`IssuedSecret`] — random bearer credentials (admin tokens, SCIM tokens, client secrets):
//!   shown once, stored only as SHA-256, compared in constant time.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

const KEY_LEN: usize = 32;

/// The key that wraps every stored secret. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct MasterKey {
    bytes: Zeroizing<[u8; KEY_LEN]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", self.key_id())
    }
}

impl MasterKey {
    /// A new random key.
    pub fn generate() -> Result<Self> {
        let mut bytes = Zeroizing::new([0u8; KEY_LEN]);
        random_fill(bytes.as_mut())?;
        Ok(Self { bytes })
    }

    /// Parses the base64 form used by `GATEHOUSE_MASTER_KEY` (standard or URL-safe alphabet).
    pub fn from_base64(encoded: &str) -> Result<Self> {
        let trimmed = encoded.trim();
        let decoded = STANDARD
            .decode(trimmed)
            .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed.trim_end_matches('=')))
            .map_err(|_| StoreError::Secret("master key is not valid base64".into()))?;
        let decoded = Zeroizing::new(decoded);
        let bytes: [u8; KEY_LEN] = decoded.as_slice().try_into().map_err(|_| {
            StoreError::Secret(format!(
                "master key must be {KEY_LEN} bytes, got {}",
                decoded.len()
            ))
        })?;
        Ok(Self {
            bytes: Zeroizing::new(bytes),
        })
    }

    /// The base64 form, for writing the key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(STANDARD.encode(self.bytes.as_ref()))
    }

    /// Loads the key from `path`, or creates that file (mode 0600, never overwriting) with a new
    /// key. Returns the key and whether it was created, so the caller can warn.
    pub fn load_or_create_file(path: &Path) -> Result<(Self, bool)> {
        match std::fs::read_to_string(path) {
            Ok(text) => return Ok((Self::from_base64(&text)?, false)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
            Err(err) => {
                return Err(StoreError::Secret(format!(
                    "cannot read key file {}: {err}",
                    path.display()
                )));
            }
        }
        let key = Self::generate()?;
        let io_err =
            |err: std::io::Error| StoreError::Secret(format!("key file {}: {err}", path.display()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(io_err)?;
        file.write_all(key.to_base64().as_bytes()).map_err(io_err)?;
        file.write_all(b"\n").map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        Ok((key, true))
    }

    /// A short public fingerprint of the key, stored beside each secret.
    pub fn key_id(&self) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(b"gatehouse master key id v1\0");
        ctx.update(self.bytes.as_ref());
        let fingerprint = ctx.finish();
        hex::encode(fingerprint.as_ref().get(..8).unwrap_or_default())
    }

    /// Encrypts `plaintext` under a fresh data key; `context` is bound as associated data so a
    /// ciphertext copied to another row does not open.
    pub(crate) fn seal(&self, context: &str, plaintext: &[u8]) -> Result<SealedSecret> {
        let mut data_key = Zeroizing::new([0u8; KEY_LEN]);
        random_fill(data_key.as_mut())?;
        let ciphertext = aead_seal(data_key.as_ref(), context.as_bytes(), plaintext)?;
        let wrapped_key = aead_seal(
            self.bytes.as_ref(),
            wrap_context(context).as_bytes(),
            data_key.as_ref(),
        )?;
        Ok(SealedSecret {
            key_id: self.key_id(),
            wrapped_key,
            ciphertext,
        })
    }

    /// Decrypts what [`MasterKey::seal`] produced for the same `context`.
    pub(crate) fn open(&self, context: &str, sealed: &SealedSecret) -> Result<Zeroizing<Vec<u8>>> {
        if sealed.key_id != self.key_id() {
            return Err(StoreError::Secret(format!(
                "secret was sealed with master key {} but the configured key is {}",
                sealed.key_id,
                self.key_id()
            )));
        }
        let data_key = aead_open(
            self.bytes.as_ref(),
            wrap_context(context).as_bytes(),
            &sealed.wrapped_key,
        )?;
        aead_open(&data_key, context.as_bytes(), &sealed.ciphertext)
    }
}

fn wrap_context(context: &str) -> String {
    format!("gatehouse data key v1\0{context}")
}

/// A secret as stored: which master key wrapped it, the wrapped data key, the ciphertext.
#[derive(Clone, Debug)]
pub(crate) struct SealedSecret {
    pub(crate) key_id: String,
    pub(crate) wrapped_key: Vec<u8>,
    pub(crate) ciphertext: Vec<u8>,
}

fn aead_key(key: &[u8]) -> Result<LessSafeKey> {
    let unbound = UnboundKey::new(&AES_256_GCM, key)
        .map_err(|_| StoreError::Secret("invalid AES-256 key".into()))?;
    Ok(LessSafeKey::new(unbound))
}

/// `nonce || AES-256-GCM(key, nonce, aad, plaintext) || tag` with a random 96-bit nonce.
fn aead_seal(key: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
    let key = aead_key(key)?;
    let mut nonce = [0u8; NONCE_LEN];
    random_fill(&mut nonce)?;
    let mut out = Vec::with_capacity(NONCE_LEN + plaintext.len() + AES_256_GCM.tag_len());
    out.extend_from_slice(&nonce);
    let mut body = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut body,
    )
    .map_err(|_| StoreError::Secret("encryption failed".into()))?;
    out.extend_from_slice(&body);
    Ok(out)
}

fn aead_open(key: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let corrupt = || StoreError::Secret("secret is corrupted or bound to another record".into());
    let (nonce, body) = sealed.split_at_checked(NONCE_LEN).ok_or_else(corrupt)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| corrupt())?;
    let key = aead_key(key)?;
    let mut body = Zeroizing::new(body.to_vec());
    let plain_len = key
        .open_in_place(nonce, Aad::from(aad), body.as_mut_slice())
        .map_err(|_| corrupt())?
        .len();
    body.truncate(plain_len);
    Ok(body)
}

fn random_fill(buf: &mut [u8]) -> Result<()> {
    aws_lc_rs::rand::fill(buf).map_err(|_| StoreError::Secret("system RNG failed".into()))
}

/// A freshly minted bearer secret: 32 random bytes, URL-safe base64. Shown once; only its
/// SHA-256 is stored.
pub struct IssuedSecret(Zeroizing<String>);

impl fmt::Debug for IssuedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("IssuedSecret(<redacted>)")
    }
}

impl IssuedSecret {
    /// Mints a new random secret.
    pub fn generate() -> Result<Self> {
        Self::generate_with_prefix("")
    }

    /// Mints a new random secret that starts with `prefix` (a scanner-friendly marker and,
    /// for tokens, the public id). The hash covers the whole text.
    pub fn generate_with_prefix(prefix: &str) -> Result<Self> {
        let mut raw = Zeroizing::new([0u8; 32]);
        random_fill(raw.as_mut())?;
        let mut text = Zeroizing::new(String::with_capacity(prefix.len() + 43));
        text.push_str(prefix);
        URL_SAFE_NO_PAD.encode_string(raw.as_ref(), &mut text);
        Ok(Self(text))
    }

    /// The secret text, for the one response that shows it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What the database keeps.
    pub fn hash(&self) -> Vec<u8> {
        secret_hash(self.expose())
    }
}

/// SHA-256 of a presented secret, for storage and lookup.
pub fn secret_hash(presented: &str) -> Vec<u8> {
    digest::digest(&digest::SHA256, presented.as_bytes())
        .as_ref()
        .to_vec()
}

/// Compares a presented secret with a stored hash in constant time.
pub fn secret_matches(presented: &str, stored_hash: &[u8]) -> bool {
    secret_hash(presented).ct_eq(stored_hash).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_secret_opens_with_the_same_key_and_context() {
        let key = MasterKey::generate().unwrap();
        let sealed = key.seal("org_1/okta_token", b"00abc-secret").unwrap();
        assert_ne!(sealed.ciphertext, b"00abc-secret");
        let opened = key.open("org_1/okta_token", &sealed).unwrap();
        assert_eq!(opened.as_slice(), b"00abc-secret");
    }

    #[test]
    fn a_secret_copied_to_another_row_does_not_open() {
        let key = MasterKey::generate().unwrap();
        let sealed = key.seal("org_1/a", b"x").unwrap();
        assert!(matches!(
            key.open("org_2/a", &sealed),
            Err(StoreError::Secret(_))
        ));
    }

    #[test]
    fn a_wrong_master_key_is_named_not_misread() {
        let sealed = MasterKey::generate().unwrap().seal("c", b"x").unwrap();
        let other = MasterKey::generate().unwrap();
        let err = other.open("c", &sealed).unwrap_err().to_string();
        assert!(err.contains("sealed with master key"), "{err}");
    }

    #[test]
    fn tampered_ciphertext_is_refused() {
        let key = MasterKey::generate().unwrap();
        let mut sealed = key.seal("c", b"hello").unwrap();
        let last = sealed.ciphertext.len() - 1;
        sealed.ciphertext[last] ^= 1;
        assert!(key.open("c", &sealed).is_err());
        sealed.ciphertext.truncate(3);
        assert!(key.open("c", &sealed).is_err());
    }

    #[test]
    fn master_key_parses_only_32_bytes_of_base64() {
        let key = MasterKey::generate().unwrap();
        let again = MasterKey::from_base64(&key.to_base64()).unwrap();
        assert_eq!(key.key_id(), again.key_id());
        assert!(MasterKey::from_base64("not base64!").is_err());
        assert!(MasterKey::from_base64(&STANDARD.encode([1u8; 16])).is_err());
        assert!(!format!("{key:?}").contains(key.to_base64().as_str()));
    }

    #[test]
    fn key_file_is_created_once_with_mode_0600_and_reloaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let (first, created) = MasterKey::load_or_create_file(&path).unwrap();
        assert!(created);
        let (second, created_again) = MasterKey::load_or_create_file(&path).unwrap();
        assert!(!created_again);
        assert_eq!(first.key_id(), second.key_id());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn issued_secrets_verify_by_hash_only() {
        let secret = IssuedSecret::generate().unwrap();
        let stored = secret.hash();
        assert!(secret_matches(secret.expose(), &stored));
        assert!(!secret_matches("guess", &stored));
        assert!(!format!("{secret:?}").contains(secret.expose()));
        assert_ne!(IssuedSecret::generate().unwrap().expose(), secret.expose());
    }
}
