//! What the routing law needs to know of an actor, and its byte form.

use super::registry::VersionIx;
use crate::snapshot::Snapshot;

/// One handled event: its type and the guard outcomes used for it, so that a replay through
/// another version is deterministic. Payloads never enter the history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub event: String,
    pub guards: Vec<(String, bool)>,
}

/// Why an actor refuses events until it is moved or released.
#[derive(Debug, Clone, PartialEq)]
pub struct Stranding {
    pub deployment: VersionIx,
    pub reason: super::decide::Reason,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub version: VersionIx,
    pub history: Vec<HistoryEntry>,
    /// `chain[k]` is the fingerprint of the first `k` events: `history.len() + 1` values.
    pub chain: Vec<u64>,
    pub snapshot: Snapshot,
    pub needs_rescue: Option<Stranding>,
    /// Every commit below this sequence number has been applied to the actor.
    pub watermark: u64,
}

impl Actor {
    pub fn fingerprint(&self) -> u64 {
        *self.chain.last().expect("a chain has the empty history's fingerprint")
    }
}
