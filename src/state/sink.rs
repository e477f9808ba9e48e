//! Where a journal's lines go besides the local file: an object store for remote state
//! ([`remote::mirror`](super::remote::mirror)). A sync that makes lines durable locally also hands
//! them to the sink, and counts as done only once the sink has them.

/// Why a sink could not take the journal's lines: the sink's own error, boxed, since the sink
/// is behind a trait object (remote state gives a
/// [`RemoteError`](super::remote::RemoteError)).
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Takes a journal's whole lines beyond this machine.
pub trait JournalSink: Send + Sync + std::fmt::Debug {
    /// Makes the journal's first `upto` bytes (whole lines) durable in the sink. Called after
    /// they are on the local disk; bytes already taken are not sent again.
    fn flush(&self, upto: u64) -> Result<(), SinkError>;
}
