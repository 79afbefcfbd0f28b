//! What a store writes for the decisions the law takes: one form, built here once, for the
//! scan, a first touch, a spawn, a send and a release alike.

use super::actor::{Actor, HistoryEntry};
use super::decide::{self, Decision, Kind};
use super::registry::{Registry, VersionIx};
use crate::error::CoreError;
use std::collections::HashMap;

/// A decision record as a store keeps it: keyed by the actor's ordinal for it (counted by the
/// law, so appending needs no read), indexed by deployment, counted by kind.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecord {
    pub ordinal: u32,
    pub deployment: VersionIx,
    pub kind: Kind,
    /// The record as JSON, with its time (`at`, seconds since the epoch).
    pub json: String,
}

/// The stored form of `decisions`, the last ones the law produced for `actor` (so their
/// ordinals end just below `actor.decided`).
pub fn stored_records(registry: &Registry, actor: &Actor, decisions: &[Decision], at: f64) -> Vec<StoredRecord> {
    let first = actor.decided - decisions.len() as u32;
    decisions
        .iter()
        .enumerate()
        .map(|(n, d)| {
            let mut json = d.to_json(registry);
            json["at"] = serde_json::Value::from(at);
            StoredRecord { ordinal: first + n as u32, deployment: d.deployment, kind: d.kind, json: json.to_string() }
        })
        .collect()
}

/// What catching up one stored actor makes a store write, when it decided anything.
#[derive(Debug, Clone, PartialEq)]
pub struct CaughtUp {
    pub actor: Actor,
    /// The version it moved to, if it migrated.
    pub moved_to: Option<VersionIx>,
    pub decisions: Vec<Decision>,
    pub records: Vec<StoredRecord>,
}

/// Catch `actor` up on every commit it has not seen, with the records to store.
pub fn catch_up(registry: &Registry, mut actor: Actor, at: f64) -> Result<CaughtUp, CoreError> {
    let before = actor.version;
    let mut decisions = Vec::new();
    decide::catch_up(registry, &mut actor, &mut decisions)?;
    let records = stored_records(registry, &actor, &decisions, at);
    let moved_to = (actor.version != before).then_some(actor.version);
    Ok(CaughtUp { actor, moved_to, decisions, records })
}

/// What catching up one stored actor made a store write: its position in the batch, its new
/// bytes, the version it moved to, and its records.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredActor {
    pub position: usize,
    pub bytes: Vec<u8>,
    pub moved_to: Option<VersionIx>,
    pub records: Vec<StoredRecord>,
}

/// Why a batch could not be caught up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BatchError {
    /// The bytes at `position` are not an actor record.
    Record { position: usize, message: String },
    /// These actors need more of their histories (the longest, its first `upto` events).
    NeedHistory { positions: Vec<usize>, upto: usize },
}

/// Catch many stored actors up (a scan's batch), spread over threads; returns only the actors
/// that got a decision record (one whose watermark alone moved is left out: the next touch
/// agrees). `histories` gives the whole histories of the actors whose records keep a prefix,
/// by position, when an earlier call said they were needed.
pub fn catch_up_stored(
    registry: &Registry,
    stored: &[&[u8]],
    histories: &HashMap<usize, Vec<HistoryEntry>>,
    at: f64,
) -> Result<Vec<StoredActor>, BatchError> {
    let parts = crate::parallelism::map_chunks(stored, |offset, part| {
        let mut out = Vec::new();
        let mut needed = Vec::new();
        let mut upto = 0;
        for (k, data) in part.iter().enumerate() {
            let position = offset + k;
            let record = |message: String| BatchError::Record { position, message };
            let mut actor = Actor::from_bytes(registry, data).map_err(record)?;
            if let Some(history) = histories.get(&position) {
                actor.supply(history.clone(), registry.hasher.basis, registry.hasher.extend).map_err(record)?;
            }
            match catch_up(registry, actor, at) {
                Ok(caught) if !caught.records.is_empty() => out.push(StoredActor {
                    position,
                    bytes: caught.actor.to_bytes(registry),
                    moved_to: caught.moved_to,
                    records: caught.records,
                }),
                Ok(_) => {}
                Err(CoreError::NeedHistory { upto: n }) => {
                    needed.push(position);
                    upto = upto.max(n);
                }
                Err(other) => return Err(record(other.to_string())),
            }
        }
        Ok((out, needed, upto))
    });
    let (mut all, mut needed, mut upto) = (Vec::new(), Vec::new(), 0);
    for part in parts {
        let (out, more, n) = part?;
        all.extend(out);
        needed.extend(more);
        upto = upto.max(n);
    }
    if needed.is_empty() {
        Ok(all)
    } else {
        Err(BatchError::NeedHistory { positions: needed, upto })
    }
}
