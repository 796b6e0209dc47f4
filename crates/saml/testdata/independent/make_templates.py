"""Writes xmlsec1 signing templates from our unsigned Okta-shaped response.

Input: ../good/okta-both-signed/response.xml (signatures stripped, so IDs,
times and content equal the Rust fixtures). Output: template-*.xml with
empty ds:Signature templates that xmlsec1 fills in (see make.sh).
"""
import re

src = open("../good/okta-both-signed/response.xml", encoding="utf-8").read()
unsigned = re.sub(r"<ds:Signature .*?</ds:Signature>", "", src)
response_id = re.search(r'<saml2p:Response [^>]*? ID="([^"]+)"', unsigned).group(1)
assertion_id = re.search(r'<saml2:Assertion [^>]*? ID="([^"]+)"', unsigned).group(1)

def template(ref, sig, digest):
    return (
        '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo>'
        '<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
        f'<ds:SignatureMethod Algorithm="{sig}"/><ds:Reference URI="#{ref}"><ds:Transforms>'
        '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
        '<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#">'
        '<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="xs"/>'
        f'</ds:Transform></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/>'
        '</ds:Reference></ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>'
    )

ALG = {
    "rsa-sha1": "http://www.w3.org/2000/09/xmldsig#rsa-sha1",
    "rsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "rsa-sha512": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "ecdsa-sha256": "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
}
DIGEST = {
    "sha1": "http://www.w3.org/2000/09/xmldsig#sha1",
    "sha256": "http://www.w3.org/2001/04/xmlenc#sha256",
    "sha512": "http://www.w3.org/2001/04/xmlenc#sha512",
}

def build(name, sign_response, sign_assertion, sig, digest):
    doc = unsigned
    issuer_end = "</saml2:Issuer>"
    if sign_assertion:
        at = doc.index("<saml2:Assertion ")
        at = doc.index(issuer_end, at) + len(issuer_end)
        doc = doc[:at] + template(assertion_id, ALG[sig], DIGEST[digest]) + doc[at:]
    if sign_response:
        at = doc.index(issuer_end) + len(issuer_end)
        doc = doc[:at] + template(response_id, ALG[sig], DIGEST[digest]) + doc[at:]
    open(f"template-{name}.xml", "w", encoding="utf-8").write(doc)

build("rsa-sha256-both", True, True, "rsa-sha256", "sha256")
build("rsa-sha1-assertion", False, True, "rsa-sha1", "sha1")
build("rsa-sha512-response", True, False, "rsa-sha512", "sha512")
build("ecdsa-sha256-assertion", False, True, "ecdsa-sha256", "sha256")
build("rsa1024-sha256-assertion", False, True, "rsa-sha256", "sha256")

# Encryption template: the signed assertion from the xmlsec1 assertion-signed
# output is encrypted by xmlsec1 with the SP certificate (make.sh).
open("template-encrypted-data.xml", "w", encoding="utf-8").write(
    '<xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#" Type="http://www.w3.org/2001/04/xmlenc#Element">'
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes256-cbc"/>'
    '<ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><xenc:EncryptedKey>'
    '<xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#rsa-oaep-mgf1p">'
    '<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/></xenc:EncryptionMethod>'
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedKey></ds:KeyInfo>'
    '<xenc:CipherData><xenc:CipherValue/></xenc:CipherData></xenc:EncryptedData>'
)
print("templates written for", response_id, assertion_id)
