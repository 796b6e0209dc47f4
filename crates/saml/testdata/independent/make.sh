#!/usr/bin/env bash
# Regenerates the independently signed fixtures good/xmlsec1-* and
# bad/xmlsec1-* with Debian's xmlsec1 (1.2.37, OpenSSL backend).
# Used once; the outputs are committed. Needs: xmlsec1, python3.
#   cd crates/saml/testdata/independent && ./make.sh
set -euo pipefail
cd "$(dirname "$0")"
python3 make_templates.py
K=../keys
IDS=(--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion)
SIG="(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# sign TEMPLATE KEY CERT OUT: signs every signature template, innermost
# (assertion) first, so the Response signature covers the signed assertion.
sign() {
  local template=$1 key=$2 cert=$3 out=$4 n
  n=$(grep -o '<ds:Signature ' "$template" | wc -l)
  cp "$template" "$tmp/doc.xml"
  for ((i = n; i >= 1; i--)); do
    xmlsec1 --sign "${IDS[@]}" --privkey-pem "$key,$cert" --node-xpath "$SIG[$i]" \
      --output "$tmp/next.xml" "$tmp/doc.xml" >/dev/null
    mv "$tmp/next.xml" "$tmp/doc.xml"
  done
  mkdir -p "$(dirname "$out")"
  cp "$tmp/doc.xml" "$out"
}

sign template-rsa-sha256-both.xml $K/idp.key $K/idp.pem ../good/xmlsec1-rsa-sha256-both/response.xml
sign template-rsa-sha1-assertion.xml $K/idp.key $K/idp.pem ../good/xmlsec1-rsa-sha1-assertion/response.xml
sign template-rsa-sha512-response.xml $K/idp.key $K/idp.pem ../good/xmlsec1-rsa-sha512-response/response.xml
sign template-ecdsa-sha256-assertion.xml $K/idp-ec.key $K/idp-ec.pem ../good/xmlsec1-ecdsa-sha256-assertion/response.xml
sign template-rsa1024-sha256-assertion.xml $K/idp-1024.key $K/idp-1024.pem ../good/xmlsec1-rsa1024-legacy/response.xml
mkdir -p ../bad/xmlsec1-rsa1024-not-allowed ../bad/xmlsec1-rsa-sha1-not-allowed
cp ../good/xmlsec1-rsa1024-legacy/response.xml ../bad/xmlsec1-rsa1024-not-allowed/response.xml
cp ../good/xmlsec1-rsa-sha1-assertion/response.xml ../bad/xmlsec1-rsa-sha1-not-allowed/response.xml

# Encryption by xmlsec1: the xmlsec1-signed assertion, encrypted for the SP
# certificate with RSA-OAEP-MGF1P + AES-256-CBC, wrapped in EncryptedAssertion.
xmlsec1 --encrypt --pubkey-cert-pem $K/sp.pem --session-key aes-256 \
  --node-xpath "//*[local-name()='Assertion']" \
  --xml-data ../good/xmlsec1-rsa-sha1-assertion/response.xml \
  --output "$tmp/encrypted.xml" template-encrypted-data.xml >/dev/null
mkdir -p ../good/xmlsec1-encrypted-aes256-cbc
python3 - "$tmp/encrypted.xml" ../good/xmlsec1-encrypted-aes256-cbc/response.xml <<'PY'
import re, sys
doc = open(sys.argv[1], encoding="utf-8").read()
doc = re.sub(r"^<\?xml[^>]*\?>\s*", "", doc)
doc = re.sub(r"(<xenc:EncryptedData .*?</xenc:EncryptedData>)",
             r'<saml2:EncryptedAssertion xmlns:saml2="urn:oasis:names:tc:SAML:2.0:assertion">\1</saml2:EncryptedAssertion>',
             doc, flags=re.S)
open(sys.argv[2], "w", encoding="utf-8").write(doc)
PY

python3 - <<'PY'
import json
base = {
    "now": "2026-03-01T10:00:00.1Z",
    "in_response_to": "id8b1f0c2d3e4f",
    "name_id": "dana.ng@example.com",
}
sp = {
    "entity_id": "https://sp.example.com/saml/metadata",
    "acs_url": "https://sp.example.com/saml/acs",
    "idp_entity_id": "http://www.okta.com/exk1a2b3c4D5e6F7g8h9",
    "idp_certificates": ["keys/idp.pem"],
    "decryption_keys": [],
    "allow_sha1": False,
    "allow_idp_initiated": False,
    "require_signed_assertion": False,
}
cases = {
    "good/xmlsec1-rsa-sha256-both": ("signed by xmlsec1 (independent signer): Response and Assertion, RSA-SHA256/SHA-256", {}, "accepted", None),
    "good/xmlsec1-rsa-sha1-assertion": ("signed by xmlsec1: Assertion only, RSA-SHA1/SHA-1, on a connection that allows SHA-1", {"allow_sha1": True}, "accepted", None),
    "good/xmlsec1-rsa-sha512-response": ("signed by xmlsec1: Response only, RSA-SHA512/SHA-512", {}, "accepted", None),
    "good/xmlsec1-ecdsa-sha256-assertion": ("signed by xmlsec1: Assertion only, ECDSA-SHA256 with a P-256 key", {"idp_certificates": ["keys/idp-ec.pem"]}, "accepted", None),
    "good/xmlsec1-rsa1024-legacy": ("signed by xmlsec1 with a 1024-bit RSA key; accepted only because the connection opted in to legacy algorithms", {"idp_certificates": ["keys/idp-1024.pem"], "allow_sha1": True}, "accepted", None),
    "good/xmlsec1-encrypted-aes256-cbc": ("the xmlsec1-signed RSA-SHA1 assertion encrypted by xmlsec1 (RSA-OAEP-MGF1P + AES-256-CBC, xmlsec's own padding) for the SP certificate", {"allow_sha1": True, "decryption_keys": ["keys/sp.key"]}, "accepted", None),
    "bad/xmlsec1-rsa1024-not-allowed": ("the 1024-bit signature without the legacy opt-in", {"idp_certificates": ["keys/idp-1024.pem"]}, "weak_key", "good/xmlsec1-rsa1024-legacy"),
    "bad/xmlsec1-rsa-sha1-not-allowed": ("the RSA-SHA1 signature without the SHA-1 opt-in", {}, "sha1_not_allowed", "good/xmlsec1-rsa-sha1-assertion"),
}
for path, (why, overrides, expect, of) in cases.items():
    params = dict(base, why=why, sp=dict(sp, **overrides), expect=expect, mutation_of=of)
    if expect != "accepted":
        params["name_id"] = None
    with open(f"../{path}/params.json", "w") as f:
        json.dump(params, f, indent=2)
        f.write("\n")
PY
echo "independent fixtures written"
