//! What the routing law needs to know of an actor, and its byte form.

use super::decide::Reason;
use super::registry::{Registry, VersionIx};
use crate::codec::Reader;
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
    pub reason: Reason,
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
    /// How many decision records the law has produced for the actor: the next one's ordinal,
    /// so a store can key an actor's records without reading them.
    pub decided: u32,
}

impl Actor {
    pub fn fingerprint(&self) -> u64 {
        *self.chain.last().expect("a chain has the empty history's fingerprint")
    }
}

const MAGIC: &[u8; 4] = b"SKA2";

impl Actor {
    /// The actor's durable form. The snapshot inside is bound to its version's definition.
    pub fn to_bytes(&self, registry: &Registry) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + 24 * self.history.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.watermark.to_le_bytes());
        out.extend_from_slice(&self.decided.to_le_bytes());
        out.extend_from_slice(&(self.history.len() as u32).to_le_bytes());
        for entry in &self.history {
            put_str(&mut out, &entry.event);
            out.extend_from_slice(&(entry.guards.len() as u32).to_le_bytes());
            for (name, outcome) in &entry.guards {
                put_str(&mut out, name);
                out.push(u8::from(*outcome));
            }
        }
        for fp in &self.chain {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        let snapshot = self.snapshot.to_bytes(&registry.version(self.version).machine);
        out.extend_from_slice(&(snapshot.len() as u32).to_le_bytes());
        out.extend_from_slice(&snapshot);
        match &self.needs_rescue {
            None => out.push(0),
            Some(stranding) => {
                out.push(1);
                out.extend_from_slice(&stranding.deployment.to_le_bytes());
                put_str(&mut out, &stranding.reason.to_json(registry).to_string());
            }
        }
        out
    }

    pub fn from_bytes(registry: &Registry, data: &[u8]) -> Result<Actor, String> {
        let mut r = Reader::new(data, "actor record");
        if r.take(4)? != MAGIC {
            return Err("not a statekeep actor record (bad magic bytes)".into());
        }
        let version = r.u32()?;
        if version as usize >= registry.len() {
            return Err(format!("the actor is on version #{version}, which this registry does not have"));
        }
        let watermark = r.u64()?;
        let decided = r.u32()?;
        let count = r.u32()? as usize;
        let mut history = Vec::with_capacity(count.min(data.len()));
        for _ in 0..count {
            let event = r.string()?;
            let guard_count = r.u32()? as usize;
            let mut guards = Vec::with_capacity(guard_count.min(data.len()));
            for _ in 0..guard_count {
                let name = r.string()?;
                guards.push((name, r.take(1)?[0] != 0));
            }
            history.push(HistoryEntry { event, guards });
        }
        let chain = (0..=count).map(|_| r.u64()).collect::<Result<Vec<_>, _>>()?;
        let snapshot_len = r.u32()? as usize;
        let snapshot = Snapshot::from_bytes(&registry.version(version).machine, r.take(snapshot_len)?).map_err(|e| e.to_string())?;
        let needs_rescue = match r.take(1)?[0] {
            0 => None,
            1 => {
                let deployment = r.u32()?;
                if deployment as usize >= registry.len() {
                    return Err(format!("the actor was stranded by version #{deployment}, which this registry does not have"));
                }
                let text = r.string()?;
                let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
                Some(Stranding { deployment, reason: Reason::from_json(&json, registry)? })
            }
            other => return Err(format!("unknown rescue flag {other}")),
        };
        if r.remaining() != 0 {
            return Err(format!("{} trailing bytes", r.remaining()));
        }
        if watermark as usize > registry.len() {
            return Err(format!("the actor has seen {watermark} commits, this registry has {}", registry.len()));
        }
        Ok(Actor { version, history, chain, snapshot, needs_rescue, watermark, decided })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}
