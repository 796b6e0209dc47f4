//! Runs every applicable vector of `shared/testdata/c14n` through
//! [`canonicalize`]. Inapplicable vectors (DTD, entities, XPath node-sets,
//! inclusive or WithComments algorithms) are counted as skipped; the test
//! prints the tally so the figure can be quoted.

use std::path::Path;

use roxmltree::{Document, Node, ParsingOptions};
use serde_json::Value;

use super::{Options, canonicalize};
use crate::ns;
use crate::testing::shared_testdata;

fn read_input(path: &Path, requires: &[String]) -> String {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if requires.iter().any(|r| r == "input-encoding-ISO-8859-1") {
        // Latin-1 maps byte for byte onto the first 256 code points; the
        // production parser accepts UTF-8 only, so transcode here.
        bytes.iter().map(|b| char::from(*b)).collect()
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

fn find_apex<'a, 'i>(doc: &'a Document<'i>, subset: &Value) -> Node<'a, 'i> {
    let apex = &subset["apex"];
    if apex["document_element"].as_bool() == Some(true) {
        return doc.root_element();
    }
    if let Some(attr) = apex["id_attribute"].as_str() {
        let value = apex["id_value"].as_str().unwrap();
        return doc
            .descendants()
            .find(|n| n.attribute(attr) == Some(value))
            .expect("apex by id");
    }
    if let Some(local) = apex["local_name"].as_str() {
        let ns_uri = apex["namespace_uri"].as_str();
        let nth = apex["occurrence"].as_u64().unwrap() as usize;
        return doc
            .descendants()
            .filter(|n| {
                n.is_element() && n.tag_name().name() == local && n.tag_name().namespace() == ns_uri
            })
            .nth(nth)
            .expect("apex by name");
    }
    if let Some(index) = apex["signedinfo_of_signature_index"].as_u64() {
        let signature = nth_signature(doc, index as usize);
        return signature
            .children()
            .find(|c| crate::xml::is(*c, ns::DS, "SignedInfo"))
            .expect("SignedInfo");
    }
    panic!("unknown apex {apex}");
}

fn nth_signature<'a, 'i>(doc: &'a Document<'i>, index: usize) -> Node<'a, 'i> {
    doc.descendants()
        .filter(|n| crate::xml::is(*n, ns::DS, "Signature"))
        .nth(index)
        .expect("signature index")
}

/// Document-level c14n: the root element plus processing instructions
/// outside it, each separated by a newline as C14N 1.0 section 2.1 says.
fn canonicalize_document(doc: &Document<'_>, options: &Options<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut seen_root = false;
    for child in doc.root().children() {
        if child.is_element() {
            out.extend(canonicalize(child, options).unwrap());
            seen_root = true;
        } else if let Some(pi) = child.pi() {
            if seen_root {
                out.push(b'\n');
            }
            out.extend_from_slice(b"<?");
            out.extend_from_slice(pi.target.as_bytes());
            if let Some(value) = pi.value.filter(|v| !v.is_empty()) {
                out.push(b' ');
                out.extend_from_slice(value.as_bytes());
            }
            out.extend_from_slice(b"?>");
            if !seen_root {
                out.push(b'\n');
            }
        }
    }
    out
}

const SKIPPED_FEATURES: &[&str] = &[
    "dtd-processing",
    "dtd-attribute-defaults-or-types",
    "entity-expansion",
    "external-entity-or-dtd-file",
    "xpath-node-set",
];

#[test]
fn every_applicable_c14n_vector_matches() {
    let root = shared_testdata().join("c14n");
    let mut passed = 0;
    let mut skipped = 0;
    let mut failures = Vec::new();
    for suite in [
        "libxml2",
        "santuario-java",
        "ssoready",
        "saml-signed-info-and-references",
    ] {
        let dir = root.join(suite);
        let manifest: Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        for case in manifest["cases"].as_array().unwrap() {
            let id = case["id"].as_str().unwrap();
            let requires: Vec<String> = case["requires"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            let applicable = case["algorithm"].as_str() == Some(ns::EXC_C14N)
                && !requires
                    .iter()
                    .any(|r| SKIPPED_FEATURES.contains(&r.as_str()));
            if !applicable {
                skipped += 1;
                continue;
            }
            let input = read_input(&dir.join(case["input"].as_str().unwrap()), &requires);
            let doc = Document::parse_with_options(
                &input,
                ParsingOptions {
                    allow_dtd: false,
                    ..ParsingOptions::default()
                },
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
            let prefixes: Vec<&str> = case["inclusive_prefixes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            let subset = &case["subset"];
            let mut options = Options {
                inclusive_prefixes: &prefixes,
                exclude: None,
            };
            let got = match subset["kind"].as_str().unwrap() {
                "document" => canonicalize_document(&doc, &options),
                "subtree" => canonicalize(find_apex(&doc, subset), &options).unwrap(),
                "subtree-minus-signature" => {
                    let index = subset["excluded_signature_index"].as_u64().unwrap() as usize;
                    options.exclude = Some(nth_signature(&doc, index).id());
                    canonicalize(find_apex(&doc, subset), &options).unwrap()
                }
                other => panic!("{id}: unexpected subset kind {other}"),
            };
            let expected = std::fs::read(dir.join(case["expected"].as_str().unwrap())).unwrap();
            if got == expected {
                passed += 1;
            } else {
                failures.push(format!(
                    "{id}\n  expected: {}\n  got:      {}",
                    String::from_utf8_lossy(&expected),
                    String::from_utf8_lossy(&got)
                ));
            }
        }
    }
    println!(
        "c14n vectors: {passed} passed, {} failed, {skipped} skipped as inapplicable",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} c14n vectors differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(passed >= 130, "only {passed} vectors ran");
}
