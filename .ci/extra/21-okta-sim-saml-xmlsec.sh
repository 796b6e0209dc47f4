#!/usr/bin/env bash
# Independent check of okta-sim as SAML IdP: start `okta-sim serve`, create SAML apps
# through Okta's Apps API as an admin would, assign a user, fetch IdP-initiated
# Responses and the app's IdP metadata, and verify every signature with xmlsec1
# (libxmlsec1, OpenSSL backend) trusting only the metadata's certificate. A tampered
# copy must fail, and a certificate from another app must not verify.
set -euo pipefail

ROOT="${GATEHOUSE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
WORK="$(mktemp -d)"
SIM_PID=""
cleanup() {
  if [ -n "$SIM_PID" ]; then kill "$SIM_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

if ! command -v xmlsec1 >/dev/null 2>&1; then
  echo "installing xmlsec1 (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null
fi
xmlsec1 --version

echo "okta-sim saml-xmlsec: building okta-sim"
(cd "$ROOT" && CARGO_TARGET_DIR="$TARGET" cargo build --quiet -p okta-sim --bin okta-sim)
"$TARGET/debug/okta-sim" serve --users 10 --groups 2 --seed 3 >"$WORK/sim.json" 2>"$WORK/sim.log" &
SIM_PID=$!
for _ in $(seq 1 100); do
  if [ -s "$WORK/sim.json" ]; then break; fi
  sleep 0.1
done
if [ ! -s "$WORK/sim.json" ]; then
  echo "okta-sim did not print its credentials"; cat "$WORK/sim.log"; exit 1
fi

# The SP's encryption key pair, for the encrypted-assertion case.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sp.example.com" \
  -keyout "$WORK/sp-key.pem" -out "$WORK/sp-cert.pem" >/dev/null 2>&1

# Drive the Management API and the control API, and write the files to verify:
# <case>.xml (the Response), <case>.pem (the metadata certificate), and a manifest
# line "<case> <number of signatures>".
python3 - "$WORK" <<'PY'
import base64, json, sys, urllib.request
import xml.etree.ElementTree as ET

work = sys.argv[1]
creds = json.load(open(f"{work}/sim.json"))
base, token = creds["base_url"], creds["admin_token"]

def call(method, path, body=None, accept="application/json"):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"SSWS {token}")
    req.add_header("Accept", accept)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return r.read()

user = json.loads(call("POST", "/api/v1/users?activate=true", {
    "profile": {"firstName": "Dana", "lastName": "Ng", "email": "dana.ng@example.com", "login": "dana.ng@example.com"},
    "credentials": {"password": {"value": "Correct-h0rse-battery!"}}}))

def app(label, **sign_on):
    settings = {"ssoAcsUrl": "https://sp.example.com/saml/acs", "audience": "https://sp.example.com/saml/metadata",
                "recipient": "https://sp.example.com/saml/acs", "destination": "https://sp.example.com/saml/acs",
                "subjectNameIdTemplate": "${user.userName}",
                "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
                "responseSigned": True, "assertionSigned": True,
                "signatureAlgorithm": "RSA_SHA256", "digestAlgorithm": "SHA256",
                "attributeStatements": [
                    {"type": "EXPRESSION", "name": "email", "values": ["user.email"]},
                    {"type": "GROUP", "name": "groups", "filterType": "REGEX", "filterValue": ".*"}]}
    settings.update(sign_on)
    created = json.loads(call("POST", "/api/v1/apps", {
        "label": label, "signOnMode": "SAML_2_0",
        "credentials": {"userNameTemplate": {"template": "${source.email}", "type": "BUILT_IN"}},
        "settings": {"signOn": settings}}))
    call("POST", f"/api/v1/apps/{created['id']}/users", {"id": user["id"]})
    return created["id"]

def cert_of(app_id):
    md = ET.fromstring(call("GET", f"/api/v1/apps/{app_id}/sso/saml/metadata", accept="application/xml"))
    ns = {"ds": "http://www.w3.org/2000/09/xmldsig#"}
    b64 = "".join(md.find(".//ds:X509Certificate", ns).text.split())
    lines = [b64[i:i + 64] for i in range(0, len(b64), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"

sp_cert = "".join(l for l in open(f"{work}/sp-cert.pem").read().splitlines() if "CERTIFICATE" not in l)
encrypted = app("Encrypted", responseSigned=False, assertionEncryption={
    "enabled": True, "encryptionAlgorithm": "AES256_CBC", "keyTransportAlgorithm": "RSA_OAEP", "x5c": [sp_cert]})
post = json.loads(call("GET", f"/sim/v1/apps/{encrypted}/idp-initiated?user=dana.ng@example.com"))
assert "EncryptedAssertion" in post["response_xml"] and "dana.ng@example.com" not in post["response_xml"]
open(f"{work}/encrypted.xml", "w").write(post["response_xml"])
open(f"{work}/encrypted.pem", "w").write(cert_of(encrypted))

cases = [
    ("both", app("Both signed"), 2),
    ("assertion-sha1", app("Assertion only, SHA-1 digest", responseSigned=False, digestAlgorithm="SHA1"), 1),
    ("response-only", app("Response only", assertionSigned=False), 1),
]
with open(f"{work}/manifest.txt", "w") as manifest:
    for name, app_id, signatures in cases:
        post = json.loads(call("GET", f"/sim/v1/apps/{app_id}/idp-initiated?user=dana.ng@example.com"))
        xml = base64.b64decode(post["saml_response"]).decode()
        assert xml == post["response_xml"]
        assert xml.count("<ds:Signature ") == signatures, (name, xml.count("<ds:Signature "))
        open(f"{work}/{name}.xml", "w").write(xml)
        open(f"{work}/{name}.pem", "w").write(cert_of(app_id))
        manifest.write(f"{name} {signatures}\n")
PY

ids=(--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion)
sig="(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])"
passed=0
failed=0
verify() { # file cert index
  xmlsec1 --verify "${ids[@]}" --pubkey-cert-pem "$2" --enabled-key-data key-name \
    --node-xpath "$sig[$3]" "$1" >"$WORK/log" 2>&1
}
expect_ok() {
  if verify "$@"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $1 signature $3 does not verify"; cat "$WORK/log"; fi
}
expect_fail() {
  if verify "$@"; then failed=$((failed + 1)); echo "FAIL: $1 signature $3 verifies but must not"; else
    passed=$((passed + 1)); fi
}
while read -r name count; do
  for ((i = 1; i <= count; i++)); do
    expect_ok "$WORK/$name.xml" "$WORK/$name.pem" "$i"
  done
  sed 's/dana.ng@example.com</mallory@example.com</' "$WORK/$name.xml" >"$WORK/tampered.xml"
  expect_fail "$WORK/tampered.xml" "$WORK/$name.pem" 1
done <"$WORK/manifest.txt"
# Encrypted assertion: xmlsec1 decrypts it with the SP's key, then the assertion's
# signature (made before encryption) verifies with the app's certificate.
if xmlsec1 --decrypt --privkey-pem "$WORK/sp-key.pem" --output "$WORK/decrypted.xml" \
    "$WORK/encrypted.xml" >"$WORK/log" 2>&1 && grep -q "dana.ng@example.com" "$WORK/decrypted.xml"; then
  passed=$((passed + 1))
  expect_ok "$WORK/decrypted.xml" "$WORK/encrypted.pem" 1
else
  failed=$((failed + 1)); echo "FAIL: xmlsec1 cannot decrypt the assertion"; cat "$WORK/log"
fi
# Each app signs with its own key: another app's certificate must not verify.
expect_fail "$WORK/both.xml" "$WORK/response-only.pem" 1

echo "okta-sim saml-xmlsec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
