//! Progress of a run: bars on a terminal (overall and per space), log lines elsewhere.

use std::io::IsTerminal;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::outcome::Outcome;
use crate::graph::{NodeKind, label};
use crate::snapshot::Snapshot;

pub struct Progress {
    overall: Option<ProgressBar>,
    spaces: Vec<ProgressBar>,
    _multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars when stderr is a terminal and `bars` is asked for; otherwise only logs.
    pub fn new(bars: bool, total: usize, per_space: &[(String, usize)]) -> Progress {
        if !bars || !std::io::stderr().is_terminal() {
            return Progress { overall: None, spaces: Vec::new(), _multi: None };
        }
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let style =
            ProgressStyle::with_template("{prefix:>12} [{bar:30}] {pos}/{len} {per_sec} eta {eta} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> ");
        let overall =
            multi.add(ProgressBar::new(total as u64).with_style(style.clone()).with_prefix("overall"));
        let spaces = per_space
            .iter()
            .map(|(key, n)| {
                multi.add(ProgressBar::new(*n as u64).with_style(style.clone()).with_prefix(key.clone()))
            })
            .collect();
        Progress { overall: Some(overall), spaces, _multi: Some(multi) }
    }

    pub fn node_done(&self, kind: &NodeKind, outcome: &Outcome, snapshot: &Snapshot) {
        // Names come from the source site: control characters are shown escaped, so a name
        // cannot start a forged log line or drive the terminal.
        let label = label(kind, snapshot);
        let item = printable(&label);
        match outcome {
            Outcome::Failed { reason } => tracing::warn!(%item, reason = %printable(reason), "failed"),
            Outcome::Blocked { reason } => tracing::info!(%item, reason = %printable(reason), "not copied"),
            other => tracing::debug!(%item, status = other.status(), "done"),
        }
        if let Some(bar) = &self.overall {
            bar.inc(1);
        }
        if let Some(bar) = kind.space().and_then(|s| self.spaces.get(s)) {
            bar.inc(1);
        }
    }

    pub fn finish(&self) {
        for bar in self.spaces.iter().chain(&self.overall) {
            bar.finish();
        }
    }
}

/// `text` with every control character escaped (`\n`, `\u{1b}`, ...); other text as it is.
fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return std::borrow::Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| if c.is_control() { c.escape_default().to_string() } else { c.to_string() })
        .collect::<String>()
        .into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(super::printable("attachment \"é.txt\""), "attachment \"é.txt\"");
        assert_eq!(super::printable("a\r\nb\u{1b}[31m\u{7}"), "a\\r\\nb\\u{1b}[31m\\u{7}");
    }
}
