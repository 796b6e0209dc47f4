//! Property tests over hostile bytes: random edits of a signed response
//! never panic, and whatever is still accepted reads exactly the claims the
//! IdP signed.

use proptest::prelude::*;
use saml::idp::SigningOptions;
use saml::verify_response_xml;

use crate::common::*;

fn signed() -> (String, String) {
    let issued = issue(&params(), &SigningOptions::default());
    (issued.xml, issued.assertion_id)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn edited_responses_never_panic_nor_change_claims(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4)
    ) {
        let (xml, assertion_id) = signed();
        let mut bytes = xml.into_bytes();
        for (index, byte, op) in edits {
            let at = index.index(bytes.len());
            match op {
                0 => bytes[at] = byte,
                1 => bytes.insert(at, byte),
                _ => { bytes.remove(at); }
            }
        }
        if let Ok(verified) = verify_response_xml(&sp_config(), &bytes, NOW, Some(REQUEST_ID)) {
            prop_assert_eq!(verified.name_id(), "dana.ng@example.com");
            prop_assert_eq!(verified.assertion_id(), assertion_id.as_str());
            prop_assert_eq!(verified.attribute("groups"), ["Sales", "Everyone"]);
        }
    }

    #[test]
    fn arbitrary_input_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = verify_response_xml(&sp_config(), &bytes, NOW, Some(REQUEST_ID));
        let _ = saml::verify_response(&sp_config(), &String::from_utf8_lossy(&bytes), NOW, None);
    }
}
