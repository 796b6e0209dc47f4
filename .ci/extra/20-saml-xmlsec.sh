#!/usr/bin/env bash
# Independent check of the saml crate's XML-DSig signer: responses signed by
# our code (examples/sign_fixture.rs) must verify with xmlsec1 (libxmlsec1,
# OpenSSL backend), trusting only the given certificate, and a tampered copy
# must fail. The opposite direction (xmlsec1-signed fixtures verified by our
# code) is part of `cargo test -p saml`.
set -euo pipefail
root="${GATEHOUSE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$root"

if ! command -v xmlsec1 >/dev/null 2>&1; then
  echo "installing xmlsec1 (Debian package)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq xmlsec1 >/dev/null
fi
xmlsec1 --version

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo run -q -p saml --example sign_fixture -- "$out"

ids=(--id-attr:ID urn:oasis:names:tc:SAML:2.0:protocol:Response --id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion)
sig="(//*[local-name()='Signature' and namespace-uri()='http://www.w3.org/2000/09/xmldsig#'])"
passed=0
failed=0
verify() { # file cert index
  xmlsec1 --verify "${ids[@]}" --pubkey-cert-pem "$2" --enabled-key-data key-name \
    --node-xpath "$sig[$3]" "$1" >"$out/log" 2>&1
}
while read -r file cert count; do
  for ((i = 1; i <= count; i++)); do
    if verify "$out/$file" "$out/$cert" "$i"; then
      passed=$((passed + 1))
    else
      failed=$((failed + 1)); echo "FAIL: $file signature $i"; cat "$out/log"
    fi
  done
  # A changed NameID must break every signature that covers it.
  sed 's/dana.ng@example.com</mallory@example.com</' "$out/$file" >"$out/tampered.xml"
  if ! grep -q EncryptedAssertion "$out/$file"; then
    if verify "$out/tampered.xml" "$out/$cert" 1; then
      failed=$((failed + 1)); echo "FAIL: tampered $file still verifies"
    else
      passed=$((passed + 1))
    fi
  fi
done <"$out/manifest.txt"

echo "saml-xmlsec: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
