//! GitHub Actions workflow commands: each finding becomes an annotation on the plan's lines.

use super::FileReport;
use crate::diagnostic::Severity;

pub fn github(reports: &[FileReport]) -> String {
    let mut out = String::new();
    for report in reports {
        for d in &report.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut properties = vec![format!("file={}", escape_property(report.file.name()))];
            if let Some(span) = d.primary_span() {
                let (start, end) = report.file.range(span);
                properties.push(format!("line={}", start.line));
                properties.push(format!("col={}", start.column));
                properties.push(format!("endLine={}", end.line));
                properties.push(format!("endColumn={}", end.column));
            }
            properties.push(format!("title={}", escape_property(d.code.as_str())));
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&format!("::{command} {}::{}\n", properties.join(","), escape_data(&message)));
        }
    }
    out
}

/// Workflow-command data escaping: the runner decodes these three.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Property values also escape the separators of the property list.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_and_newlines_are_escaped() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
