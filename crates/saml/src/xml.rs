//! The one way this crate reads XML: roxmltree with DTDs refused, a byte cap,
//! a node cap, a depth cap, and duplicate `ID` attributes rejected anywhere.
//!
//! Every document from outside (responses, decrypted assertions, canonical
//! bytes re-read after verification, metadata, AuthnRequests) goes through
//! [`parse`], so the verifier and the reader can never disagree about parser
//! options.

use std::collections::HashSet;

use roxmltree::{Document, Node, ParsingOptions};

/// Largest document accepted, measured after base64 decoding and inflating.
pub(crate) const MAX_DOCUMENT_BYTES: usize = 512 * 1024;
/// Largest number of nodes (elements, text, comments…) in one document.
const MAX_NODES: u32 = 50_000;
/// Deepest element nesting accepted. SAML responses nest about ten deep.
const MAX_DEPTH: usize = 64;

/// Why a document was refused before any SAML rule looked at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum XmlError {
    #[error("the document is {size} bytes, above the {limit}-byte limit")]
    TooLarge { size: usize, limit: usize },
    #[error("the document is not valid UTF-8")]
    NotUtf8,
    #[error("the document contains a DTD or entity declaration, which is never accepted")]
    Dtd,
    #[error("the document nests elements deeper than {MAX_DEPTH} levels")]
    TooDeep,
    #[error("the ID {0:?} appears on more than one element")]
    DuplicateId(String),
    #[error("the document is not well-formed XML: {0}")]
    Syntax(String),
}

/// Checks size and encoding, then returns the text to hand to [`parse`].
/// A UTF-8 byte-order mark is dropped; any other encoding is refused.
pub(crate) fn decode_utf8(bytes: &[u8], limit: usize) -> Result<&str, XmlError> {
    if bytes.len() > limit {
        return Err(XmlError::TooLarge {
            size: bytes.len(),
            limit,
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|_| XmlError::NotUtf8)
}

/// Parses `text` with the hardened options and the document-wide checks.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, XmlError> {
    // roxmltree refuses a DTD with an internal subset, but lets a bare
    // `<!DOCTYPE x>` through; SAML never needs either, so refuse the marker.
    if text.contains("<!DOCTYPE") || text.contains("<!ENTITY") {
        return Err(XmlError::Dtd);
    }
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => XmlError::Dtd,
        other => XmlError::Syntax(other.to_string()),
    })?;
    check_depth_and_ids(&doc)?;
    Ok(doc)
}

/// Names of the attributes treated as XML IDs: SAML's `ID`, XML-DSig's `Id`
/// and `xml:id`. Any value seen twice among them refuses the document, so a
/// reference by ID can never have two candidates.
fn is_id_attribute(attr: &roxmltree::Attribute<'_, '_>) -> bool {
    match attr.namespace() {
        None => matches!(attr.name(), "ID" | "Id"),
        Some(ns) => ns == "http://www.w3.org/XML/1998/namespace" && attr.name() == "id",
    }
}

fn check_depth_and_ids(doc: &Document<'_>) -> Result<(), XmlError> {
    let mut seen: HashSet<&str> = HashSet::new();
    for node in doc.descendants().filter(Node::is_element) {
        if node.ancestors().nth(MAX_DEPTH).is_some() {
            return Err(XmlError::TooDeep);
        }
        for attr in node.attributes().filter(is_id_attribute) {
            if !seen.insert(attr.value()) {
                return Err(XmlError::DuplicateId(attr.value().to_owned()));
            }
        }
    }
    Ok(())
}

/// True when `node` is an element named `{ns}local`.
pub(crate) fn is(node: Node<'_, '_>, ns: &str, local: &str) -> bool {
    node.is_element() && node.tag_name().name() == local && node.tag_name().namespace() == Some(ns)
}

/// Element children of `node` named `{ns}local`, in document order.
pub(crate) fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    ns: &'a str,
    local: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |c| is(*c, ns, local))
}

/// The single child `{ns}local` of `node`: `Ok(None)` when absent,
/// `Err(count)` when it occurs more than once.
pub(crate) fn at_most_one<'a, 'input>(
    node: Node<'a, 'input>,
    ns: &'a str,
    local: &'a str,
) -> Result<Option<Node<'a, 'input>>, usize> {
    let mut found = children(node, ns, local);
    let first = found.next();
    match found.count() {
        0 => Ok(first),
        more => Err(more + 1),
    }
}

/// Concatenation of every text node directly under `node`. Comments split
/// text into several nodes; reading only the first one is the classic
/// comment-truncation bug, so callers use this instead of `Node::text`.
pub(crate) fn text_of(node: Node<'_, '_>) -> String {
    node.children()
        .filter(Node::is_text)
        .filter_map(|t| t.text())
        .collect()
}

/// Whether `node` has element children (used to refuse mixed content where
/// SAML expects a simple string).
pub(crate) fn has_element_children(node: Node<'_, '_>) -> bool {
    node.children().any(|c| c.is_element())
}

/// The qualified name of an element exactly as written (`saml2:Assertion`),
/// read from the source text because roxmltree keeps only the namespace URI.
pub(crate) fn element_qname<'input>(node: Node<'_, 'input>) -> Option<&'input str> {
    let text = node.document().input_text();
    let rest = text.get(node.range().start.checked_add(1)?..)?;
    let end = rest.find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')?;
    rest.get(..end)
}

/// The prefix of a qualified name (`""` when there is none).
pub(crate) fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(prefix, _)| prefix)
}
