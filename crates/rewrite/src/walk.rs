//! The streaming pass over one body. `quick-xml` reads the fragment event by event (no synthetic
//! root needed, namespaces matched by their `ac:`/`ri:` prefixes, entity references left as
//! written); each event's byte span is known, so the output is the input spliced by [`Edit`]s.
//! Open elements live on a heap stack, never on the call stack.

use std::sync::LazyLock;

use memchr::memmem;
use quick_xml::Reader;
use quick_xml::events::Event;

use super::context::Context;
use super::edit::{self, Edit};
use super::entity;
use super::inline_comment;
use super::macro_parameter::{self, Meaning};
use super::reference::{InlineMarker, Outcome, Reference, ReferenceKind, Rewritten};
use super::resolver::{AttachmentOwner, Resolution, Resolver};
use super::source_link;
use super::tag::{Attribute, StartTag, TagError};

static WIKI_PATH: LazyLock<memmem::Finder<'static>> = LazyLock::new(|| memmem::Finder::new(b"/wiki/"));
static MARKER: LazyLock<memmem::Finder<'static>> =
    LazyLock::new(|| memmem::Finder::new(b"ac:inline-comment-marker"));

const BOM: char = '\u{feff}';

/// Rewrites the references in `body` for the destination. See the module docs of [`super`].
pub fn rewrite(body: &str, ctx: &Context, resolver: &impl Resolver) -> Rewritten {
    // quick-xml skips a leading byte-order mark without counting it in its positions, which would
    // shift every span; walk the body after the marks and keep them as they were.
    let rest = body.trim_start_matches(BOM);
    if rest.len() < body.len() {
        let marks = &body[..body.len() - rest.len()];
        let mut out = rewrite(rest, ctx, resolver);
        out.body.insert_str(0, marks);
        for reference in &mut out.references {
            reference.offset += marks.len();
        }
        return out;
    }
    let mut walk = Walk::new(body, ctx, resolver);
    match walk.run() {
        Ok(()) => walk.finish(),
        Err(failure) => unparsed(body, failure),
    }
}

/// Why a body could not be parsed.
struct Failure {
    offset: usize,
    message: String,
}

impl From<TagError> for Failure {
    fn from(error: TagError) -> Self {
        Self { offset: 0, message: error.0 }
    }
}

fn unparsed(body: &str, failure: Failure) -> Rewritten {
    let mut offset = failure.offset.min(body.len());
    while !body.is_char_boundary(offset) {
        offset -= 1;
    }
    let mut end = (offset + 60).min(body.len());
    while !body.is_char_boundary(end) {
        end -= 1;
    }
    Rewritten {
        body: body.to_owned(),
        references: vec![Reference {
            kind: ReferenceKind::Body,
            original: body[offset..end].to_owned(),
            outcome: Outcome::Unresolved,
            replacement: None,
            reason: Some(format!(
                "storage format could not be parsed at byte {}: {}; body copied unchanged",
                failure.offset, failure.message
            )),
            offset: failure.offset,
        }],
        inline_markers: Vec::new(),
        changed: false,
    }
}

/// What an open element means to the walk.
enum Role<'a> {
    Other,
    Marker(usize),
    Attachment(usize),
    Macro(&'a str),
    Parameter(Option<ParameterState<'a>>),
}

struct Frame<'a> {
    name: &'a str,
    /// Offset of the start tag, for the report when the element is never closed.
    start: usize,
    role: Role<'a>,
}

struct ParameterState<'a> {
    meaning: Meaning,
    name: &'a str,
    content_start: usize,
    text_only: bool,
}

struct AttachmentState<'a> {
    tag: StartTag<'a>,
    owner: Option<OwnedOwner>,
}

enum OwnedOwner {
    Page { space_key: String, title: String },
    BlogPost { space_key: String, title: String, posting_day: String },
}

struct MarkerState {
    ref_id: String,
    plain_start: usize,
    plain_end: Option<usize>,
}

struct Walk<'a, 'r, R> {
    body: &'a str,
    ctx: &'r Context,
    resolver: &'r R,
    edits: Vec<Edit>,
    references: Vec<Reference>,
    stack: Vec<Frame<'a>>,
    attachments: Vec<AttachmentState<'a>>,
    markers: Vec<MarkerState>,
    /// The plain text so far; kept only when the body has inline comment markers.
    plain: Option<String>,
    parameter_depth: usize,
}

impl<'a, 'r, R: Resolver> Walk<'a, 'r, R> {
    fn new(body: &'a str, ctx: &'r Context, resolver: &'r R) -> Self {
        let plain = MARKER.find(body.as_bytes()).map(|_| String::with_capacity(body.len() / 2));
        Self {
            body,
            ctx,
            resolver,
            edits: Vec::new(),
            references: Vec::new(),
            stack: Vec::new(),
            attachments: Vec::new(),
            markers: Vec::new(),
            plain,
            parameter_depth: 0,
        }
    }

    fn run(&mut self) -> Result<(), Failure> {
        let mut reader = Reader::from_str(self.body);
        let config = reader.config_mut();
        config.allow_dangling_amp = true;
        config.check_end_names = true;
        config.expand_empty_elements = false;
        loop {
            let start = reader.buffer_position() as usize;
            let event = reader.read_event().map_err(|error| Failure {
                offset: reader.error_position() as usize,
                message: error.to_string(),
            })?;
            let end = reader.buffer_position() as usize;
            let result = match event {
                Event::Start(_) => self.start(StartTag::new(&self.body[start..end], start), false),
                Event::Empty(_) => self.start(StartTag::new(&self.body[start..end], start), true),
                Event::End(_) => self.end(start, end),
                Event::Text(_) => {
                    self.plain_text(&self.body[start..end]);
                    Ok(())
                }
                Event::GeneralRef(_) => {
                    self.plain_text(&self.body[start..end]);
                    Ok(())
                }
                Event::CData(_) => {
                    self.child_in_parameter();
                    Ok(())
                }
                Event::Eof => break,
                _ => Ok(()),
            };
            result.map_err(|failure| Failure { offset: start, ..failure })?;
        }
        if let Some(open) = self.stack.last() {
            return Err(Failure {
                offset: open.start,
                message: format!(
                    "element <{}> opened at byte {} is never closed ({} elements open at the end)",
                    open.name,
                    open.start,
                    self.stack.len()
                ),
            });
        }
        Ok(())
    }

    fn finish(mut self) -> Rewritten {
        let changed = !self.edits.is_empty();
        let body = if changed { edit::apply(self.body, &mut self.edits) } else { self.body.to_owned() };
        let plain = self.plain.unwrap_or_default();
        let inline_markers = self
            .markers
            .into_iter()
            .map(|marker| {
                let end = marker.plain_end.unwrap_or(plain.len());
                let text = plain[marker.plain_start..end].to_owned();
                let (match_count, match_index) = inline_comment::selection(&plain, &text, marker.plain_start);
                InlineMarker { ref_id: marker.ref_id, text, match_count, match_index }
            })
            .collect();
        Rewritten { body, references: self.references, inline_markers, changed }
    }

    fn plain_text(&mut self, raw: &str) {
        if self.parameter_depth == 0
            && let Some(plain) = &mut self.plain
        {
            plain.push_str(&entity::decode(raw));
        }
    }

    /// A child inside a parameter makes its value more than plain text.
    fn child_in_parameter(&mut self) {
        if let Some(Frame { role: Role::Parameter(Some(state)), .. }) = self.stack.last_mut() {
            state.text_only = false;
        }
    }

    fn start(&mut self, tag: StartTag<'a>, empty: bool) -> Result<(), Failure> {
        self.child_in_parameter();
        let role = match tag.name {
            "ac:inline-comment-marker" => self.marker(&tag, empty)?,
            "ri:page" | "ri:blog-post" => {
                self.page_like(&tag)?;
                Role::Other
            }
            "ri:attachment" => {
                if empty {
                    self.attachment(AttachmentState { tag, owner: None })?;
                    Role::Other
                } else {
                    self.attachments.push(AttachmentState { tag, owner: None });
                    Role::Attachment(self.attachments.len() - 1)
                }
            }
            "ri:user" => {
                self.user(&tag)?;
                Role::Other
            }
            "ri:space" => {
                self.by_attribute(&tag, ReferenceKind::Space, "ri:space-key", |r, v| {
                    // `@self` is the space holding the body, wherever it is copied to.
                    if is_current_space(v) { Resolution::Unchanged } else { r.space_key(v) }
                })?;
                Role::Other
            }
            "ri:content-entity" => {
                self.by_attribute(&tag, ReferenceKind::ContentEntity, "ri:content-id", |r, v| {
                    r.content_id(v)
                })?;
                Role::Other
            }
            "ac:structured-macro" | "ac:macro" => {
                Role::Macro(tag.attribute("ac:name")?.map_or("", |a| a.raw_value))
            }
            "ac:parameter" => {
                self.parameter_depth += 1;
                let state = match self.stack.last() {
                    Some(Frame { role: Role::Macro(macro_name), .. }) if !empty => {
                        let name = tag.attribute("ac:name")?.map_or("", |a| a.raw_value);
                        macro_parameter::meaning(macro_name, name).map(|meaning| ParameterState {
                            meaning,
                            name,
                            content_start: tag.end(),
                            text_only: true,
                        })
                    }
                    _ => None,
                };
                if empty {
                    self.parameter_depth -= 1;
                }
                Role::Parameter(state)
            }
            _ => Role::Other,
        };
        if WIKI_PATH.find(tag.text.as_bytes()).is_some() {
            self.links(&tag)?;
        }
        if !empty {
            self.stack.push(Frame { name: tag.name, start: tag.start, role });
        }
        Ok(())
    }

    fn end(&mut self, start: usize, end: usize) -> Result<(), Failure> {
        let Some(frame) = self.stack.pop() else {
            return Err(Failure { offset: start, message: "closing tag without an opening tag".to_owned() });
        };
        match frame.role {
            Role::Marker(index) => {
                self.edits.push(Edit { start, end, text: String::new() });
                self.markers[index].plain_end = Some(self.plain.as_ref().map_or(0, String::len));
            }
            Role::Attachment(index) => {
                let state = self.attachments.swap_remove(index);
                self.attachment(state)?;
            }
            Role::Parameter(state) => {
                self.parameter_depth -= 1;
                if let Some(state) = state.filter(|s| s.text_only) {
                    let raw = &self.body[state.content_start..start];
                    if let Some(new) = macro_parameter::rewrite(
                        state.meaning,
                        state.name,
                        raw,
                        state.content_start,
                        self.ctx,
                        self.resolver,
                        &mut self.references,
                    ) {
                        self.edits.push(Edit { start: state.content_start, end: start, text: new });
                    }
                }
            }
            Role::Other | Role::Macro(_) => {}
        }
        Ok(())
    }

    /// An inline comment marker: lifted out of the body when its thread is to be re-created
    /// (the caller anchors the new thread on the same text), pointed at the copy's marker when
    /// the thread was re-created already, and kept as written when no thread stands behind it.
    fn marker(&mut self, tag: &StartTag<'a>, empty: bool) -> Result<Role<'a>, Failure> {
        let attribute = tag.attribute("ac:ref")?;
        let ref_id = attribute.as_ref().map(decode).unwrap_or_default();
        match self.resolver.inline_marker(&ref_id) {
            Resolution::Pending(_) => {
                self.edits.push(Edit { start: tag.start, end: tag.end(), text: String::new() });
                let plain_start = self.plain.as_ref().map_or(0, String::len);
                self.markers.push(MarkerState {
                    ref_id,
                    plain_start,
                    plain_end: empty.then_some(plain_start),
                });
                Ok(Role::Marker(self.markers.len() - 1))
            }
            Resolution::Rewritten(new) if new != ref_id => {
                if let Some(attribute) = &attribute {
                    self.edits.push(value_edit(attribute, &new));
                }
                Ok(Role::Other)
            }
            Resolution::Unresolved(reason) => {
                self.record(ReferenceKind::InlineMarker, tag, Outcome::Unresolved, Vec::new(), Some(reason));
                Ok(Role::Other)
            }
            Resolution::Rewritten(_) | Resolution::Unchanged | Resolution::External => Ok(Role::Other),
        }
    }

    /// `ri:page` and `ri:blog-post`, alone or naming an attachment's container.
    fn page_like(&mut self, tag: &StartTag<'a>) -> Result<(), Failure> {
        let blog = tag.name == "ri:blog-post";
        let kind = if blog { ReferenceKind::BlogPost } else { ReferenceKind::Page };
        let space_attribute = tag.attribute("ri:space-key")?;
        let title_attribute = tag.attribute("ri:content-title")?;
        let space_key = space_attribute
            .map(|a| decode(&a))
            .filter(|key| !is_current_space(key))
            .unwrap_or_else(|| self.ctx.space_key.clone());
        let Some(title_attribute) = title_attribute else {
            self.record(kind, tag, Outcome::Unresolved, Vec::new(), Some("no ri:content-title".to_owned()));
            return Ok(());
        };
        let title = decode(&title_attribute);
        let posting_day = if blog { tag.attribute("ri:posting-day")?.map(|a| decode(&a)) } else { None };
        let resolution = match &posting_day {
            Some(day) => self.resolver.blog_post(&space_key, &title, day),
            None if blog => self.resolver.blog_post(&space_key, &title, ""),
            None => self.resolver.page(&space_key, &title),
        };
        if let Some(Frame { role: Role::Attachment(index), .. }) = self.stack.last()
            && self.attachments[*index].owner.is_none()
        {
            self.attachments[*index].owner = Some(match &posting_day {
                Some(day) => OwnedOwner::BlogPost {
                    space_key: space_key.clone(),
                    title: title.clone(),
                    posting_day: day.clone(),
                },
                None => OwnedOwner::Page { space_key: space_key.clone(), title: title.clone() },
            });
        }
        let mut edits = Vec::new();
        let new_title = match resolution {
            Resolution::Rewritten(new) => Some(new),
            Resolution::Unchanged => None,
            other => {
                self.record_unmapped(kind, tag, other);
                return Ok(());
            }
        };
        if let Some(new) = new_title.filter(|new| *new != title) {
            edits.push(value_edit(&title_attribute, &new));
        }
        if let Some(attribute) = space_attribute
            && !is_current_space(&decode(&attribute))
            && let Resolution::Rewritten(new) = self.resolver.space_key(&space_key)
            && new != space_key
        {
            edits.push(value_edit(&attribute, &new));
        }
        self.record_edits(kind, tag, edits);
        Ok(())
    }

    fn attachment(&mut self, state: AttachmentState<'a>) -> Result<(), Failure> {
        let tag = state.tag;
        let Some(filename_attribute) = tag.attribute("ri:filename")? else {
            self.record(
                ReferenceKind::Attachment,
                &tag,
                Outcome::Unresolved,
                Vec::new(),
                Some("no ri:filename".to_owned()),
            );
            return Ok(());
        };
        let filename = decode(&filename_attribute);
        let owner = match &state.owner {
            None => AttachmentOwner::ContainingContent,
            Some(OwnedOwner::Page { space_key, title }) => AttachmentOwner::Page { space_key, title },
            Some(OwnedOwner::BlogPost { space_key, title, posting_day }) => {
                AttachmentOwner::BlogPost { space_key, title, posting_day }
            }
        };
        match self.resolver.attachment(&owner, &filename) {
            Resolution::Rewritten(new) if new != filename => {
                let edits = vec![value_edit(&filename_attribute, &new)];
                self.record_edits(ReferenceKind::Attachment, &tag, edits);
            }
            Resolution::Rewritten(_) | Resolution::Unchanged => {
                self.record_edits(ReferenceKind::Attachment, &tag, Vec::new())
            }
            other => self.record_unmapped(ReferenceKind::Attachment, &tag, other),
        }
        Ok(())
    }

    fn user(&mut self, tag: &StartTag<'a>) -> Result<(), Failure> {
        if let Some(attribute) = tag.attribute("ri:account-id")? {
            let account = decode(&attribute);
            match self.resolver.account_id(&account) {
                Resolution::Rewritten(new) if new != account => {
                    let edits = vec![value_edit(&attribute, &new)];
                    self.record_edits(ReferenceKind::User, tag, edits);
                }
                Resolution::Rewritten(_) | Resolution::Unchanged => {
                    self.record_edits(ReferenceKind::User, tag, Vec::new())
                }
                other => self.record_unmapped(ReferenceKind::User, tag, other),
            }
        } else if let Some(attribute) = tag.attribute("ri:userkey")? {
            match self.resolver.user_key(&decode(&attribute)) {
                Resolution::Rewritten(account) => {
                    let text = format!("ri:account-id=\"{}\"", entity::escape_attribute(&account, b'"'));
                    let edits = vec![Edit { start: attribute.start, end: attribute.end(), text }];
                    self.record_edits(ReferenceKind::User, tag, edits);
                }
                Resolution::Unchanged => self.record_edits(ReferenceKind::User, tag, Vec::new()),
                other => self.record_unmapped(ReferenceKind::User, tag, other),
            }
        } else {
            self.record(
                ReferenceKind::User,
                tag,
                Outcome::Unresolved,
                Vec::new(),
                Some("mention without ri:account-id".to_owned()),
            );
        }
        Ok(())
    }

    /// Elements that hold one mapped value in one attribute (`ri:space`, `ri:content-entity`).
    fn by_attribute(
        &mut self,
        tag: &StartTag<'a>,
        kind: ReferenceKind,
        name: &str,
        ask: impl Fn(&R, &str) -> Resolution,
    ) -> Result<(), Failure> {
        let Some(attribute) = tag.attribute(name)? else {
            self.record(kind, tag, Outcome::Unresolved, Vec::new(), Some(format!("no {name}")));
            return Ok(());
        };
        let value = decode(&attribute);
        match ask(self.resolver, &value) {
            Resolution::Rewritten(new) if new != value => {
                let edits = vec![value_edit(&attribute, &new)];
                self.record_edits(kind, tag, edits);
            }
            Resolution::Rewritten(_) | Resolution::Unchanged => self.record_edits(kind, tag, Vec::new()),
            other => self.record_unmapped(kind, tag, other),
        }
        Ok(())
    }

    /// `href`, `src` and `ri:url`'s `ri:value` linking to the source site.
    fn links(&mut self, tag: &StartTag<'a>) -> Result<(), Failure> {
        let is_url = tag.name == "ri:url";
        for attribute in tag.attributes() {
            let attribute = attribute?;
            let is_link = match attribute.name {
                "href" | "src" => true,
                "ri:value" => is_url,
                _ => false,
            };
            if !is_link {
                continue;
            }
            let Some(link) = source_link::rewrite_link(attribute.raw_value, self.ctx, self.resolver) else {
                continue;
            };
            if let Some(replacement) = &link.replacement {
                self.edits.push(Edit {
                    start: attribute.value_start,
                    end: attribute.value_end,
                    text: replacement.clone(),
                });
            }
            self.references.push(Reference {
                kind: ReferenceKind::Link,
                original: entity::decode(attribute.raw_value).into_owned(),
                outcome: link.outcome,
                replacement: link.replacement.map(|r| entity::decode(&r).into_owned()),
                reason: link.reason,
                offset: attribute.value_start,
            });
        }
        Ok(())
    }

    fn record_unmapped(&mut self, kind: ReferenceKind, tag: &StartTag<'a>, resolution: Resolution) {
        let (outcome, reason) = match resolution {
            Resolution::External => (Outcome::KeptExternal, "outside the plan".to_owned()),
            Resolution::Unresolved(reason) => (Outcome::Unresolved, reason),
            Resolution::Pending(reason) => (Outcome::Pending, reason),
            Resolution::Rewritten(_) | Resolution::Unchanged => (Outcome::Unchanged, String::new()),
        };
        let reason = (!reason.is_empty()).then_some(reason);
        self.record(kind, tag, outcome, Vec::new(), reason);
    }

    fn record_edits(&mut self, kind: ReferenceKind, tag: &StartTag<'a>, edits: Vec<Edit>) {
        let outcome = if edits.is_empty() { Outcome::Unchanged } else { Outcome::Rewritten };
        self.record(kind, tag, outcome, edits, None);
    }

    fn record(
        &mut self,
        kind: ReferenceKind,
        tag: &StartTag<'a>,
        outcome: Outcome,
        edits: Vec<Edit>,
        reason: Option<String>,
    ) {
        let replacement = (!edits.is_empty()).then(|| {
            let mut local: Vec<Edit> = edits
                .iter()
                .map(|e| Edit { start: e.start - tag.start, end: e.end - tag.start, text: e.text.clone() })
                .collect();
            edit::apply(tag.text, &mut local)
        });
        self.edits.extend(edits);
        self.references.push(Reference {
            kind,
            original: tag.text.to_owned(),
            outcome,
            replacement,
            reason,
            offset: tag.start,
        });
    }
}

/// `@self`: the space holding the body (Confluence's own keyword, not a space key).
pub fn is_current_space(key: &str) -> bool {
    key.eq_ignore_ascii_case("@self")
}

fn decode(attribute: &Attribute<'_>) -> String {
    entity::decode(attribute.raw_value).into_owned()
}

fn value_edit(attribute: &Attribute<'_>, value: &str) -> Edit {
    Edit {
        start: attribute.value_start,
        end: attribute.value_end,
        text: entity::escape_attribute(value, attribute.quote).into_owned(),
    }
}
