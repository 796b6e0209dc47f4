use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use url::Url;

use super::*;
use crate::secret::Secret;

fn key(name: &str) -> Secret {
    let path = format!("{}/testdata/{name}", env!("CARGO_MANIFEST_DIR"));
    Secret::new(std::fs::read_to_string(path).unwrap())
}

fn verify(token: &str, alg: Algorithm, public: &[u8], ec: bool) -> Value {
    let key = if ec {
        DecodingKey::from_ec_pem(public)
    } else {
        DecodingKey::from_rsa_pem(public)
    }
    .unwrap();
    let mut v = Validation::new(alg);
    v.set_audience(&["https://acme.okta.com/oauth2/v1/token"]);
    v.validate_exp = false;
    jsonwebtoken::decode::<Value>(token, &key, &v)
        .unwrap()
        .claims
}

#[test]
fn parses_every_pem_form() {
    for (file, alg) in [
        ("rsa_pkcs1.pem", Algorithm::RS256),
        ("rsa_pkcs8.pem", Algorithm::RS256),
        ("ec_sec1.pem", Algorithm::ES256),
        ("ec_pkcs8.pem", Algorithm::ES256),
    ] {
        let k = SigningKey::from_pem(&key(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(k.algorithm(), alg, "{file}");
    }
}

#[test]
fn accepts_keys_pasted_with_escaped_newlines() {
    let escaped = key("ec_pkcs8.pem").expose().replace('\n', "\\n");
    assert!(SigningKey::from_pem(&Secret::new(escaped)).is_ok());
}

#[test]
fn refuses_what_is_not_a_private_key() {
    assert_eq!(
        SigningKey::from_pem(&Secret::new("hello")).unwrap_err(),
        KeyError::NotPem
    );
    assert!(matches!(
        SigningKey::from_pem(&key("rsa_public.pem")),
        Err(KeyError::NotPrivate(_))
    ));
    let encrypted = Secret::new(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
    );
    assert_eq!(
        SigningKey::from_pem(&encrypted).unwrap_err(),
        KeyError::Encrypted
    );
    let garbage = Secret::new("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    assert!(matches!(
        SigningKey::from_pem(&garbage),
        Err(KeyError::Unsupported(_))
    ));
    let damaged = Secret::new("-----BEGIN PRIVATE KEY-----\n!!!\n-----END PRIVATE KEY-----\n");
    assert_eq!(
        SigningKey::from_pem(&damaged).unwrap_err(),
        KeyError::BadBase64
    );
}

#[test]
fn client_assertion_has_okta_claims_and_verifies() {
    let aud = "https://acme.okta.com/oauth2/v1/token";
    for (private, public, alg, ec) in [
        ("rsa_pkcs8.pem", "rsa_public.pem", Algorithm::RS256, false),
        ("rsa_pkcs1.pem", "rsa_public.pem", Algorithm::RS256, false),
        ("ec_sec1.pem", "ec_public.pem", Algorithm::ES256, true),
    ] {
        let k = SigningKey::from_pem(&key(private)).unwrap();
        let jwt =
            client_assertion("0oaClient", aud, &k, Some("kid-1"), 1_767_225_600, "jti-1").unwrap();
        let header = jsonwebtoken::decode_header(&jwt).unwrap();
        assert_eq!(header.kid.as_deref(), Some("kid-1"));
        assert_eq!(header.alg, alg);
        let public =
            std::fs::read(format!("{}/testdata/{public}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let claims = verify(&jwt, alg, &public, ec);
        assert_eq!(claims["iss"], "0oaClient");
        assert_eq!(claims["sub"], "0oaClient");
        assert_eq!(claims["aud"], aud);
        assert_eq!(claims["exp"], 1_767_225_600 + 300);
        assert_eq!(claims["jti"], "jti-1");
    }
}

#[test]
fn dpop_proof_carries_jwk_htu_and_ath() {
    let k = DpopKey::generate().unwrap();
    let url = Url::parse("https://acme.okta.com/api/v1/users?limit=200#x").unwrap();
    let proof = k
        .proof(
            "GET",
            &url,
            1_767_225_600,
            "jti-2",
            Some("access-token"),
            Some("n0nce"),
        )
        .unwrap();
    let header = jsonwebtoken::decode_header(&proof).unwrap();
    assert_eq!(header.typ.as_deref(), Some("dpop+jwt"));
    let jwk = header.jwk.expect("jwk in header");
    let mut v = Validation::new(Algorithm::ES256);
    v.required_spec_claims.clear();
    v.validate_exp = false;
    let claims = jsonwebtoken::decode::<Value>(&proof, &DecodingKey::from_jwk(&jwk).unwrap(), &v)
        .unwrap()
        .claims;
    assert_eq!(claims["htm"], "GET");
    assert_eq!(claims["htu"], "https://acme.okta.com/api/v1/users");
    assert_eq!(claims["nonce"], "n0nce");
    assert_eq!(claims["ath"], jwt::ath("access-token"));
    assert_eq!(claims["iat"], 1_767_225_600);
    // The token-endpoint proof has no ath.
    let proof = k.proof("POST", &url, 1, "j", None, None).unwrap();
    let payload = proof.split('.').nth(1).unwrap();
    use base64::Engine as _;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    assert!(claims.get("ath").is_none() && claims.get("nonce").is_none());
}

#[test]
fn debug_output_hides_secrets() {
    let app = ServiceApp {
        client_id: "0oaX".into(),
        private_key_pem: key("ec_pkcs8.pem"),
        key_id: None,
        scopes: None,
        dpop: DpopMode::Auto,
    };
    let text = format!(
        "{:?} {:?}",
        Credentials::ServiceApp(app),
        Credentials::ApiToken(Secret::new("00secret"))
    );
    assert!(
        !text.contains("PRIVATE KEY") && !text.contains("00secret"),
        "{text}"
    );
    let k = SigningKey::from_pem(&key("ec_pkcs8.pem")).unwrap();
    assert!(!format!("{k:?}").contains("MIG"));
}
