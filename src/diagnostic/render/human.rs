//! Annotated snippets of the plan file, rendered by miette.

use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

use super::FileReport;
use crate::diagnostic::{Diagnostic, Severity};

/// Renders every diagnostic of every report; colour only when asked.
pub fn human(reports: &[FileReport], color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100).with_links(false);
    let mut out = String::new();
    for report in reports {
        let text = redacted_text(report);
        for diagnostic in &report.diagnostics {
            let view = View { diagnostic, source: NamedSource::new(report.file.name(), text.clone()) };
            if handler.render_report(&mut out, &view).is_err() {
                // Rendering into a String cannot fail for I/O reasons; fall back to one line.
                out.push_str(&format!("{}: {}\n", diagnostic.code, diagnostic.message));
            }
            out.push('\n');
        }
    }
    out
}

/// The file's text with every span that holds a secret masked, keeping byte offsets.
fn redacted_text(report: &FileReport) -> String {
    let mut bytes = report.file.text().as_bytes().to_vec();
    for span in report.diagnostics.iter().flat_map(|d| d.redact.iter()) {
        let end = span.end.min(bytes.len());
        for byte in &mut bytes[span.start.min(end)..end] {
            *byte = b'*';
        }
    }
    // Masking whole characters byte by byte keeps the text valid UTF-8 only when spans fall
    // on character boundaries, which parser spans do; fall back to lossless replacement anyway.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

struct View<'a> {
    diagnostic: &'a Diagnostic,
    source: NamedSource<String>,
}

impl fmt::Debug for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl fmt::Display for View<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for View<'_> {}

impl miette::Diagnostic for View<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.diagnostic.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.diagnostic.help.as_ref().map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        if self.diagnostic.labels.is_empty() { None } else { Some(&self.source) }
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.diagnostic.labels.is_empty() {
            return None;
        }
        let len = self.source.inner().len();
        Some(Box::new(self.diagnostic.labels.iter().enumerate().map(move |(i, label)| {
            let start = label.span.start.min(len);
            let end = label.span.end.clamp(start, len);
            let text = (!label.message.is_empty()).then(|| label.message.clone());
            if i == 0 {
                LabeledSpan::new_primary_with_span(text, start..end)
            } else {
                LabeledSpan::new_with_span(text, start..end)
            }
        })))
    }
}
