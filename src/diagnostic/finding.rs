//! One finding: code, severity, message, labelled spans and help.

use std::ops::Range;

use super::Code;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A span of the plan file with a short note. The first label is the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Range<usize>,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// Empty when the finding concerns no particular place of the plan file.
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Spans whose text must never be shown (a secret the plan should not hold).
    pub redact: Vec<Range<usize>>,
}

impl Diagnostic {
    /// A finding with the code's default severity.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Self {
            code,
            severity: code.info().severity,
            message: message.into(),
            labels: Vec::new(),
            help: None,
            redact: Vec::new(),
        }
    }

    pub fn label(mut self, span: Range<usize>, message: impl Into<String>) -> Self {
        self.labels.push(Label { span, message: message.into() });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn redact(mut self, span: Range<usize>) -> Self {
        self.redact.push(span);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Where the finding points first, for sorting and one-line renderings.
    pub fn primary_span(&self) -> Option<&Range<usize>> {
        self.labels.first().map(|label| &label.span)
    }
}
