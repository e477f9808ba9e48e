//! A plan file's text with a line index, so byte spans become lines and columns.

use std::ops::Range;
use std::sync::Arc;

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// The text of one plan file and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: Arc<str>,
    text: Arc<str>,
    line_starts: Arc<[usize]>,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Self {
        let text: Arc<str> = text.into();
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Self { name: name.into(), text, line_starts }
    }

    /// The name shown to users: the path as given on the command line.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The line and column of a byte offset (clamped to the text, and to a char boundary).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        LineCol { line, column }
    }

    /// The line and column at which a span starts and where it ends (inclusive of its last char).
    pub fn range(&self, span: &Range<usize>) -> (LineCol, LineCol) {
        let start = self.line_col(span.start);
        let end = if span.end > span.start {
            let mut last = span.end - 1;
            while last > span.start && !self.text.is_char_boundary(last) {
                last -= 1;
            }
            self.line_col(last)
        } else {
            start
        };
        (start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_become_lines_and_character_columns() {
        let file = SourceFile::new("p.toml", "a = 1\nnamé = \"x\"\n");
        assert_eq!(file.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(file.line_col(6), LineCol { line: 2, column: 1 });
        // "namé = " is 7 characters but 8 bytes.
        assert_eq!(file.line_col(6 + 8), LineCol { line: 2, column: 8 });
        assert_eq!(file.line_col(1000), LineCol { line: 3, column: 1 });
        let (start, end) = file.range(&(6..11));
        assert_eq!((start.line, start.column, end.line, end.column), (2, 1, 2, 4));
    }
}
