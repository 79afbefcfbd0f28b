//! One deployment against many actors at once: the kernel of a deployment's scan and of a
//! preview. Histories come packed (event types interned to `u32` by the caller, one offsets
//! array, the chain's fingerprint at the path's depth per actor), outcomes go out packed; no
//! allocation per actor.

use super::registry::MatchMode;

/// The history is shorter than the path: the deployment is not due yet.
pub const PENDING: u8 = 0;
/// The history matches the path: the actor lands in the new version (or is stranded there).
pub const MATCHED: u8 = 1;
/// The history differs from the path at `index`.
pub const DIFFERS: u8 = 2;
/// Exact mode: the history starts with the path and goes on.
pub const LONGER_THAN_PATH: u8 = 3;

/// Packed histories of `n` actors: actor `i` handled `events[offsets[i]..offsets[i + 1]]`,
/// and `prefix_fps[i]` is its chain's fingerprint at the path's depth (ignored while pending).
pub struct Histories<'a> {
    pub offsets: &'a [u32],
    pub events: &'a [u32],
    pub prefix_fps: &'a [u64],
}

impl Histories<'_> {
    pub fn len(&self) -> usize {
        self.prefix_fps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.prefix_fps.is_empty()
    }

    /// Whether the arrays agree with each other and every offset is in bounds.
    pub fn check(&self) -> Result<(), String> {
        if self.offsets.len() != self.prefix_fps.len() + 1 {
            return Err(format!("{} offsets for {} actors; give one more offset than actors", self.offsets.len(), self.prefix_fps.len()));
        }
        if self.offsets.windows(2).any(|w| w[0] > w[1]) || self.offsets.last().is_some_and(|&o| o as usize > self.events.len()) {
            return Err("offsets must be non-decreasing and within the events".into());
        }
        Ok(())
    }
}

/// Match every actor against the path: `codes[i]` is one of the constants above and
/// `indices[i]` the first differing index for `DIFFERS`. A fingerprint mismatch is a cheap
/// rejection; every fingerprint match is confirmed by comparing the event types.
pub fn match_many(path: &[u32], path_fp: u64, mode: MatchMode, histories: &Histories, codes: &mut Vec<u8>, indices: &mut Vec<u32>) {
    let n = histories.len();
    codes.clear();
    indices.clear();
    codes.reserve(n);
    indices.reserve(n);
    let p = path.len();
    for i in 0..n {
        let start = histories.offsets[i] as usize;
        let history = &histories.events[start..histories.offsets[i + 1] as usize];
        let (code, index) = if history.len() < p {
            (PENDING, 0)
        } else {
            let first_difference = || history[..p].iter().zip(path).position(|(a, b)| a != b);
            if histories.prefix_fps[i] != path_fp {
                (DIFFERS, first_difference().unwrap_or(p) as u32)
            } else if let Some(at) = first_difference() {
                (DIFFERS, at as u32)
            } else if mode == MatchMode::Exact && history.len() > p {
                (LONGER_THAN_PATH, 0)
            } else {
                (MATCHED, 0)
            }
        };
        codes.push(code);
        indices.push(index);
    }
}
