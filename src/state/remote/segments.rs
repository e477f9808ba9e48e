//! The journal in the store: `journal.jsonl` cut into segments, each a stretch of whole lines
//! named by the byte offset where it starts (`journal/<start>.jsonl`). A segment is created
//! only if its name is free, so it is never overwritten; read back in offset order, the
//! segments must follow one another exactly, or the journal is damaged.
//!
//! Compaction merges the segments into one object named by the range it covers
//! (`journal/<start>-<end>.jsonl`) and then deletes them; a reader that meets both (a
//! compaction cut short) takes the merged object and passes over the segments inside it.

use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{ObjectStore, PutMode};

use super::error::RemoteError;
use super::layout::SegmentName;
use super::{Inner, RemoteState};

/// What a compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compacted {
    /// Objects merged (and deleted) or left over from an earlier compaction (deleted).
    pub objects: usize,
    /// The journal's length: the merged object covers all of it.
    pub bytes: u64,
}

/// One object of the journal.
#[derive(Debug, Clone)]
struct Piece {
    name: SegmentName,
    key: Path,
    size: u64,
}

impl Piece {
    fn end(&self) -> u64 {
        self.name.end.unwrap_or(self.name.start.saturating_add(self.size))
    }
}

/// Segments fetched at once when reading the journal.
const PARALLEL_READS: usize = 4;

impl RemoteState {
    /// Uploads the stretch of the plan's journal that starts at byte `start` (whole lines).
    /// The segment is created only if no object has its name: uploading the same bytes again
    /// (a retry whose first answer was lost) is fine, different bytes are a conflict. An empty
    /// stretch uploads nothing.
    pub async fn upload_segment(&self, plan: &str, start: u64, bytes: Bytes) -> Result<(), RemoteError> {
        self.run(self.upload_segment_op(plan, start, bytes)?).await
    }

    pub(crate) fn upload_segment_op(
        &self,
        plan: &str,
        start: u64,
        bytes: Bytes,
    ) -> Result<impl Future<Output = Result<(), RemoteError>> + Send + 'static, RemoteError> {
        let key = self.inner.layout.journal(plan)?.join(SegmentName::plain(start).file_name());
        if !bytes.is_empty() && bytes.last() != Some(&b'\n') {
            return Err(RemoteError::Invalid(format!(
                "the journal stretch for {} does not end at a line end; upload whole lines only",
                key.as_ref()
            )));
        }
        let inner = self.inner.clone();
        Ok(async move {
            if bytes.is_empty() {
                return Ok(());
            }
            match inner.put_raw(&key, bytes.clone(), PutMode::Create).await {
                Ok(_) => Ok(()),
                Err(object_store::Error::AlreadyExists { .. }) => match inner.get(&key).await? {
                    Some(got) if got.bytes == bytes => Ok(()),
                    _ => Err(RemoteError::SegmentConflict { object: inner.cx.object(key.as_ref()) }),
                },
                Err(e) => Err(inner.cx.store_error("upload", key.as_ref(), e)),
            }
        })
    }

    /// The plan's whole journal: its segments in offset order, checked to follow one another
    /// with neither gap nor overlap. Empty when the plan has no journal in the store.
    pub async fn download_journal(&self, plan: &str) -> Result<Vec<u8>, RemoteError> {
        self.run(self.download_journal_op(plan)?).await
    }

    pub(crate) fn download_journal_op(
        &self,
        plan: &str,
    ) -> Result<impl Future<Output = Result<Vec<u8>, RemoteError>> + Send + 'static, RemoteError> {
        let dir = self.inner.layout.journal(plan)?;
        let inner = self.inner.clone();
        Ok(async move {
            let (pieces, _) = inner.journal_pieces(&dir).await?;
            inner.read_pieces(&pieces).await
        })
    }

    /// Merges the plan's journal segments into one object and deletes them. Call it only with
    /// the plan's lock held (no segment may arrive meanwhile). `None` when there was nothing
    /// to merge.
    pub async fn compact_journal(&self, plan: &str) -> Result<Option<Compacted>, RemoteError> {
        self.run(self.compact_journal_op(plan)?).await
    }

    pub(crate) fn compact_journal_op(
        &self,
        plan: &str,
    ) -> Result<impl Future<Output = Result<Option<Compacted>, RemoteError>> + Send + 'static, RemoteError>
    {
        let dir = self.inner.layout.journal(plan)?;
        let inner = self.inner.clone();
        Ok(async move { inner.compact(&dir).await })
    }
}

impl Inner {
    /// The journal's pieces in order, and the leftovers of an interrupted compaction.
    async fn journal_pieces(&self, dir: &Path) -> Result<(Vec<Piece>, Vec<Piece>), RemoteError> {
        let listed: Vec<_> = self
            .store
            .list(Some(dir))
            .try_collect()
            .await
            .map_err(|e| self.cx.store_error("list", dir.as_ref(), e))?;
        let mut pieces = Vec::with_capacity(listed.len());
        for meta in listed {
            let file = meta.location.filename().unwrap_or_default();
            let Some(name) = SegmentName::parse(file) else {
                return Err(self.cx.damaged(
                    dir.as_ref(),
                    format!("it holds {file:?}, which is not a journal segment's name"),
                ));
            };
            let piece = Piece { name, key: meta.location.clone(), size: meta.size };
            if piece.size == 0 || piece.end() - piece.name.start != piece.size {
                return Err(self.cx.damaged(
                    piece.key.as_ref(),
                    format!(
                        "it holds {} bytes, not the {} its name says",
                        piece.size,
                        piece.end() - piece.name.start
                    ),
                ));
            }
            pieces.push(piece);
        }
        arrange(pieces).map_err(|problem| self.cx.damaged(dir.as_ref(), problem))
    }

    /// Reads `pieces` and joins them, checking each is the length its place says and ends a line.
    async fn read_pieces(&self, pieces: &[Piece]) -> Result<Vec<u8>, RemoteError> {
        let total = pieces.last().map_or(0, Piece::end);
        let mut journal = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut reads = futures_util::stream::iter(pieces.iter().cloned())
            .map(|piece| async move {
                let got = self.get(&piece.key).await?;
                Ok::<_, RemoteError>((piece, got))
            })
            .buffered(PARALLEL_READS);
        while let Some(read) = reads.next().await {
            let (piece, got) = read?;
            let Some(got) = got else {
                return Err(self.cx.damaged(
                    piece.key.as_ref(),
                    "it was listed but is gone; if a compaction ran meanwhile, read the journal again",
                ));
            };
            if got.bytes.len() as u64 != piece.end() - piece.name.start || got.bytes.last() != Some(&b'\n') {
                return Err(self.cx.damaged(
                    piece.key.as_ref(),
                    "its content is not the whole lines its name and listing promise",
                ));
            }
            journal.extend_from_slice(&got.bytes);
        }
        Ok(journal)
    }

    async fn compact(&self, dir: &Path) -> Result<Option<Compacted>, RemoteError> {
        let (pieces, leftovers) = self.journal_pieces(dir).await?;
        let mut obsolete = leftovers;
        if pieces.len() > 1 {
            let journal = Bytes::from(self.read_pieces(&pieces).await?);
            let end = pieces.last().map_or(0, Piece::end);
            let key = dir.clone().join(SegmentName::compacted(0, end).file_name());
            match self.put_raw(&key, journal.clone(), PutMode::Create).await {
                Ok(_) => {}
                Err(object_store::Error::AlreadyExists { .. }) => match self.get(&key).await? {
                    Some(got) if got.bytes == journal => {}
                    _ => return Err(RemoteError::SegmentConflict { object: self.cx.object(key.as_ref()) }),
                },
                Err(e) => return Err(self.cx.store_error("write", key.as_ref(), e)),
            }
            obsolete.extend(pieces.into_iter().filter(|piece| piece.key != key));
        }
        if obsolete.is_empty() {
            return Ok(None);
        }
        let objects = obsolete.len();
        let keys = futures_util::stream::iter(obsolete.into_iter().map(|piece| Ok(piece.key))).boxed();
        let deleted: Vec<_> = self.store.delete_stream(keys).collect().await;
        for result in deleted {
            match result {
                Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.cx.store_error("delete", dir.as_ref(), e)),
            }
        }
        let (pieces, _) = self.journal_pieces(dir).await?;
        Ok(Some(Compacted { objects, bytes: pieces.last().map_or(0, Piece::end) }))
    }
}

/// Why the journal's segments do not make one run of bytes.
#[derive(Debug, thiserror::Error)]
enum Misfit {
    #[error("bytes {from}..{to} are missing (no segment starts at {from})")]
    Gap { from: u64, to: u64 },
    #[error("the segment at {start}..{end} overlaps bytes already covered up to {covered}")]
    Overlap { start: u64, end: u64, covered: u64 },
}

/// Orders the pieces from offset 0, each starting where the one before ended; pieces that lie
/// inside a compacted piece already taken are set aside as leftovers. A gap or an overlap is
/// an error naming the bytes.
fn arrange(mut pieces: Vec<Piece>) -> Result<(Vec<Piece>, Vec<Piece>), Misfit> {
    // By start, and at one start the longest first (a compacted piece before what it merged).
    pieces.sort_by(|a, b| a.name.start.cmp(&b.name.start).then(b.end().cmp(&a.end())));
    let mut taken: Vec<Piece> = Vec::new();
    let mut leftovers = Vec::new();
    let mut cursor = 0u64;
    for piece in pieces {
        let (start, end) = (piece.name.start, piece.end());
        if start == cursor {
            cursor = end;
            taken.push(piece);
        } else if start > cursor {
            return Err(Misfit::Gap { from: cursor, to: start });
        } else if end <= cursor
            && taken.iter().any(|t| t.name.end.is_some() && t.name.start <= start && end <= t.end())
        {
            leftovers.push(piece);
        } else {
            return Err(Misfit::Overlap { start, end, covered: cursor });
        }
    }
    Ok((taken, leftovers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn piece(start: u64, size: u64, compacted: bool) -> Piece {
        let name =
            if compacted { SegmentName::compacted(start, start + size) } else { SegmentName::plain(start) };
        Piece { name, key: Path::from(name.file_name()), size }
    }

    fn starts(pieces: &[Piece]) -> Vec<(u64, u64)> {
        pieces.iter().map(|p| (p.name.start, p.end())).collect()
    }

    #[test]
    fn pieces_follow_one_another() {
        let (taken, leftovers) = arrange(vec![piece(10, 5, false), piece(0, 10, false)]).unwrap();
        assert_eq!(starts(&taken), [(0, 10), (10, 15)]);
        assert!(leftovers.is_empty());
        assert!(arrange(Vec::new()).unwrap().0.is_empty());
    }

    #[test]
    fn gaps_and_overlaps_are_damage() {
        let gap = arrange(vec![piece(0, 10, false), piece(12, 5, false)]).unwrap_err().to_string();
        assert!(gap.contains("bytes 10..12 are missing"), "{gap}");
        let late_start = arrange(vec![piece(5, 10, false)]).unwrap_err().to_string();
        assert!(late_start.contains("bytes 0..5"), "{late_start}");
        let overlap = arrange(vec![piece(0, 10, false), piece(8, 5, false)]).unwrap_err().to_string();
        assert!(overlap.contains("overlaps"), "{overlap}");
    }

    #[test]
    fn a_compacted_piece_supersedes_what_it_merged() {
        let (taken, leftovers) =
            arrange(vec![piece(0, 10, false), piece(10, 5, false), piece(0, 15, true), piece(15, 3, false)])
                .unwrap();
        assert_eq!(starts(&taken), [(0, 15), (15, 18)]);
        assert_eq!(starts(&leftovers), [(0, 10), (10, 15)]);
    }
}
