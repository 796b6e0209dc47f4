//! Thin helpers over quick-xml for the documents this crate writes
//! (responses, AuthnRequests, metadata). quick-xml escapes text and
//! attribute values; callers never splice untrusted strings by hand.

use std::io::Write as _;

use quick_xml::Writer;
use quick_xml::events::BytesText;

use crate::Error;

/// An XML document being written into memory.
pub(crate) type XmlWriter = Writer<Vec<u8>>;

/// A fresh writer.
pub(crate) fn new() -> XmlWriter {
    Writer::new(Vec::new())
}

/// `<name attrs…>text</name>`.
pub(crate) fn text_element(
    w: &mut XmlWriter,
    name: &str,
    attributes: &[(&str, &str)],
    text: &str,
) -> std::io::Result<()> {
    w.create_element(name)
        .with_attributes(attributes.iter().copied())
        .write_text_content(BytesText::new(text))?;
    Ok(())
}

/// `<name attrs…/>`.
pub(crate) fn empty_element(
    w: &mut XmlWriter,
    name: &str,
    attributes: &[(&str, &str)],
) -> std::io::Result<()> {
    w.create_element(name)
        .with_attributes(attributes.iter().copied())
        .write_empty()?;
    Ok(())
}

/// Copies already-serialized XML (an element this crate produced) verbatim.
pub(crate) fn raw(w: &mut XmlWriter, xml: &str) -> std::io::Result<()> {
    w.get_mut().write_all(xml.as_bytes())
}

/// The finished document as a string.
pub(crate) fn finish(w: XmlWriter) -> Result<String, Error> {
    String::from_utf8(w.into_inner())
        .map_err(|_| Error::Xml("writer produced invalid UTF-8".into()))
}

/// Maps a writer failure (which cannot happen on a `Vec`) to [`Error::Xml`].
pub(crate) fn io(e: std::io::Error) -> Error {
    Error::Xml(e.to_string())
}
