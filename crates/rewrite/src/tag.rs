//! Raw start tags: the element name and each attribute with the byte span of its value, so a
//! rewrite can replace one value and leave every other byte of the tag as written.

/// One attribute of a start tag. Offsets are absolute in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attribute<'a> {
    pub name: &'a str,
    /// The value as written, entities not decoded.
    pub raw_value: &'a str,
    /// Offset of the attribute name (start of the whole `name="value"`).
    pub start: usize,
    /// Offset of the first byte of the value (after the quote).
    pub value_start: usize,
    /// Offset just past the value (the closing quote).
    pub value_end: usize,
    /// `"` or `'`.
    pub quote: u8,
}

impl Attribute<'_> {
    /// Offset just past the closing quote.
    pub fn end(&self) -> usize {
        self.value_end + 1
    }
}

/// A start or empty-element tag as written: `<name attr="v" …>` or `<name … />`.
#[derive(Debug, Clone, Copy)]
pub struct StartTag<'a> {
    /// The whole tag text.
    pub text: &'a str,
    /// Absolute offset of `<`.
    pub start: usize,
    pub name: &'a str,
    attributes: &'a str,
    attributes_start: usize,
}

/// An attribute list that is not well-formed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagError(pub String);

impl<'a> StartTag<'a> {
    /// `text` is the tag from `<` to `>` inclusive, found at absolute offset `start`.
    pub fn new(text: &'a str, start: usize) -> Self {
        let inner = text.strip_prefix('<').unwrap_or(text);
        let inner = inner.strip_suffix('>').unwrap_or(inner);
        let inner = inner.strip_suffix('/').unwrap_or(inner);
        let name_len = inner.find(|c: char| c.is_ascii_whitespace() || c == '/').unwrap_or(inner.len());
        let name = &inner[..name_len];
        let attributes = &inner[name_len..];
        Self { text, start, name, attributes, attributes_start: start + 1 + name_len }
    }

    /// The end of the tag (absolute offset past `>`).
    pub fn end(&self) -> usize {
        self.start + self.text.len()
    }

    /// Iterates over the attributes in written order.
    pub fn attributes(&self) -> Attributes<'a> {
        Attributes { text: self.attributes, base: self.attributes_start, position: 0 }
    }

    /// The first attribute called `name`, or an error when the attribute list is malformed.
    pub fn attribute(&self, name: &str) -> Result<Option<Attribute<'a>>, TagError> {
        for attribute in self.attributes() {
            let attribute = attribute?;
            if attribute.name == name {
                return Ok(Some(attribute));
            }
        }
        Ok(None)
    }
}

/// Iterator over a tag's attributes.
#[derive(Debug, Clone)]
pub struct Attributes<'a> {
    text: &'a str,
    base: usize,
    position: usize,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<Attribute<'a>, TagError>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        let mut i = self.position;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            self.position = i;
            return None;
        }
        let fail = |this: &mut Self, why: &str| {
            this.position = bytes.len();
            Some(Err(TagError(why.to_owned())))
        };
        let name_start = i;
        while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'=' {
            i += 1;
        }
        let name_end = i;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] != b'=' {
            return fail(self, "attribute without a value");
        }
        i += 1;
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let Some(&quote) = bytes.get(i).filter(|&&q| q == b'"' || q == b'\'') else {
            return fail(self, "unquoted attribute value");
        };
        let value_start = i + 1;
        let Some(length) = memchr::memchr(quote, &bytes[value_start..]) else {
            return fail(self, "unterminated attribute value");
        };
        let value_end = value_start + length;
        self.position = value_end + 1;
        Some(Ok(Attribute {
            name: &self.text[name_start..name_end],
            raw_value: &self.text[value_start..value_end],
            start: self.base + name_start,
            value_start: self.base + value_start,
            value_end: self.base + value_end,
            quote,
        }))
    }
}
