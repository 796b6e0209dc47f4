//! Exclusive XML Canonicalization 1.0, without comments, over one element
//! subtree (W3C `http://www.w3.org/2001/10/xml-exc-c14n#`).
//!
//! This is the only canonicalization the verifier accepts. It renders an
//! element subtree, optionally without one descendant element (the
//! enveloped-signature transform), with an `InclusiveNamespaces PrefixList`.
//!
//! Rules implemented, from the exc-c14n and C14N 1.0 recommendations:
//! - a namespace declaration is emitted on an element when its prefix is
//!   visibly used there (element or attribute prefix) or listed in the
//!   PrefixList, and the nearest rendered ancestor did not already render
//!   the same binding; `xmlns=""` appears only to undo a rendered default;
//! - declarations sorted by prefix (default first), then attributes sorted by
//!   namespace URI and local name (unqualified first);
//! - `xml:*` attributes are not inherited (that is inclusive c14n only);
//! - comments dropped, processing instructions kept, empty elements written
//!   as start/end pairs, text and attribute values escaped as specified.
//!
//! The traversal is iterative, so nesting depth cannot exhaust the stack, and
//! output is capped so a short input cannot expand without bound through
//! repeated namespace declarations.

use roxmltree::{Node, NodeId, NodeType};

use crate::xml::{element_qname, prefix_of};

/// What to canonicalize besides the apex element itself.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options<'a> {
    /// Prefixes from `InclusiveNamespaces/@PrefixList`; `#default` stands for
    /// the default namespace.
    pub(crate) inclusive_prefixes: &'a [&'a str],
    /// An element left out with its subtree (the enveloped `ds:Signature`).
    pub(crate) exclude: Option<NodeId>,
}

/// Canonicalization cannot proceed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum C14nError {
    #[error("canonical form exceeds {0} bytes")]
    TooLarge(usize),
    #[error("element or attribute name could not be read from the source")]
    BadName,
}

/// Upper bound on canonical output: a generous multiple of the input cap.
const MAX_OUTPUT: usize = 4 * crate::xml::MAX_DOCUMENT_BYTES;

/// Canonicalizes the subtree rooted at `apex` (which must be an element).
pub(crate) fn canonicalize<'w, 'input: 'w>(
    apex: Node<'w, 'input>,
    options: &Options<'w>,
) -> Result<Vec<u8>, C14nError> {
    let mut writer = Writer {
        out: Vec::with_capacity(apex.range().len()),
        rendered: Vec::new(),
    };
    let inclusive_default = options.inclusive_prefixes.contains(&"#default");

    struct Frame<'w, 'input> {
        next: Option<Node<'w, 'input>>,
        qname: &'w str,
        rendered_mark: usize,
    }

    let mut stack: Vec<Frame<'w, 'input>> = Vec::new();
    let mark = writer.rendered.len();
    let qname = writer.open(apex, options, inclusive_default)?;
    stack.push(Frame {
        next: apex.first_child(),
        qname,
        rendered_mark: mark,
    });

    while let Some(frame) = stack.last_mut() {
        let Some(child) = frame.next else {
            let (qname, mark) = (frame.qname, frame.rendered_mark);
            stack.pop();
            writer.close(qname);
            writer.rendered.truncate(mark);
            writer.check_size()?;
            continue;
        };
        frame.next = child.next_sibling();
        match child.node_type() {
            NodeType::Element if Some(child.id()) == options.exclude => {}
            NodeType::Element => {
                let mark = writer.rendered.len();
                let qname = writer.open(child, options, inclusive_default)?;
                stack.push(Frame {
                    next: child.first_child(),
                    qname,
                    rendered_mark: mark,
                });
            }
            NodeType::Text => writer.text(child.text().unwrap_or_default()),
            NodeType::PI => {
                if let Some(pi) = child.pi() {
                    writer.pi(pi.target, pi.value);
                }
            }
            NodeType::Comment | NodeType::Root => {}
        }
        writer.check_size()?;
    }
    Ok(writer.out)
}

struct Writer<'w> {
    out: Vec<u8>,
    /// Namespace bindings rendered by open ancestors: (prefix, URI), with
    /// `""` as the default namespace's prefix. The latest entry wins.
    rendered: Vec<(&'w str, &'w str)>,
}

impl<'w> Writer<'w> {
    fn check_size(&self) -> Result<(), C14nError> {
        if self.out.len() > MAX_OUTPUT {
            return Err(C14nError::TooLarge(MAX_OUTPUT));
        }
        Ok(())
    }

    fn rendered_uri(&self, prefix: &str) -> Option<&'w str> {
        let found = self
            .rendered
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix)
            .map(|(_, uri)| *uri);
        // Before anything is rendered the default namespace is empty.
        found.or(if prefix.is_empty() { Some("") } else { None })
    }

    fn open<'input: 'w>(
        &mut self,
        node: Node<'w, 'input>,
        options: &Options<'w>,
        inclusive_default: bool,
    ) -> Result<&'w str, C14nError> {
        let qname: &'w str = element_qname(node).ok_or(C14nError::BadName)?;
        let text: &'w str = node.document().input_text();

        let mut attributes = Vec::new();
        let mut used_prefixes: Vec<&'w str> = vec![prefix_of(qname)];
        for attr in node.attributes() {
            let attr_qname = text.get(attr.range_qname()).ok_or(C14nError::BadName)?;
            let prefix = prefix_of(attr_qname);
            if !prefix.is_empty() && prefix != "xml" {
                used_prefixes.push(prefix);
            }
            attributes.push((
                attr.namespace().unwrap_or(""),
                attr.name(),
                attr_qname,
                attr.value(),
            ));
        }
        for prefix in options.inclusive_prefixes {
            if *prefix != "#default" {
                used_prefixes.push(prefix);
            }
        }
        if inclusive_default {
            used_prefixes.push("");
        }
        used_prefixes.sort_unstable();
        used_prefixes.dedup();

        let mut declarations: Vec<(&'w str, &'w str)> = Vec::new();
        for prefix in used_prefixes {
            let in_scope = node
                .namespaces()
                .find(|ns| ns.name().unwrap_or("") == prefix)
                .map(|ns| ns.uri());
            let uri = match (prefix.is_empty(), in_scope) {
                (_, Some(uri)) => uri,
                // No default namespace in scope means the empty one.
                (true, None) => "",
                // A listed prefix that is not in scope renders nothing.
                (false, None) => continue,
            };
            if uri.is_empty() && !prefix.is_empty() {
                continue;
            }
            if self.rendered_uri(prefix) != Some(uri) {
                declarations.push((prefix, uri));
            }
        }

        self.out.push(b'<');
        self.out.extend_from_slice(qname.as_bytes());
        for (prefix, uri) in &declarations {
            self.out.extend_from_slice(b" xmlns");
            if !prefix.is_empty() {
                self.out.push(b':');
                self.out.extend_from_slice(prefix.as_bytes());
            }
            self.out.extend_from_slice(b"=\"");
            escape_attribute(&mut self.out, uri);
            self.out.push(b'"');
        }
        attributes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        for (_, _, attr_qname, value) in &attributes {
            self.out.push(b' ');
            self.out.extend_from_slice(attr_qname.as_bytes());
            self.out.extend_from_slice(b"=\"");
            escape_attribute(&mut self.out, value);
            self.out.push(b'"');
        }
        self.out.push(b'>');

        self.rendered.extend(declarations);
        Ok(qname)
    }

    fn close(&mut self, qname: &str) {
        self.out.extend_from_slice(b"</");
        self.out.extend_from_slice(qname.as_bytes());
        self.out.push(b'>');
    }

    fn text(&mut self, text: &str) {
        for b in text.bytes() {
            match b {
                b'&' => self.out.extend_from_slice(b"&amp;"),
                b'<' => self.out.extend_from_slice(b"&lt;"),
                b'>' => self.out.extend_from_slice(b"&gt;"),
                b'\r' => self.out.extend_from_slice(b"&#xD;"),
                other => self.out.push(other),
            }
        }
    }

    fn pi(&mut self, target: &str, value: Option<&str>) {
        self.out.extend_from_slice(b"<?");
        self.out.extend_from_slice(target.as_bytes());
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            self.out.push(b' ');
            self.out.extend_from_slice(value.as_bytes());
        }
        self.out.extend_from_slice(b"?>");
    }
}

fn escape_attribute(out: &mut Vec<u8>, value: &str) {
    for b in value.bytes() {
        match b {
            b'&' => out.extend_from_slice(b"&amp;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'"' => out.extend_from_slice(b"&quot;"),
            b'\t' => out.extend_from_slice(b"&#x9;"),
            b'\n' => out.extend_from_slice(b"&#xA;"),
            b'\r' => out.extend_from_slice(b"&#xD;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests;
