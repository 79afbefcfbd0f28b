//! What a store writes for the decisions the law takes: one form, built here once, for the
//! scan, a first touch, a spawn, a send and a release alike.

use super::actor::Actor;
use super::decide::{self, Decision, Kind};
use super::registry::{Registry, VersionIx};

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
pub fn catch_up(registry: &Registry, mut actor: Actor, at: f64) -> CaughtUp {
    let before = actor.version;
    let mut decisions = Vec::new();
    decide::catch_up(registry, &mut actor, &mut decisions);
    let records = stored_records(registry, &actor, &decisions, at);
    let moved_to = (actor.version != before).then_some(actor.version);
    CaughtUp { actor, moved_to, decisions, records }
}
