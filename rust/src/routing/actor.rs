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

/// The law needs more of an actor's history than it was given: its first `upto` events. The
/// actor's record keeps only a prefix (see [`Actor::to_bytes`]); the store holds every event,
/// and the caller supplies them ([`Actor::supply`]) and asks again. Nothing was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedHistory {
    pub upto: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub version: VersionIx,
    /// The first events of the history: every one, unless the actor was loaded from a record
    /// that keeps only a prefix. `len` says how many it has handled in all.
    pub history: Vec<HistoryEntry>,
    /// How many events the actor has handled.
    pub len: usize,
    /// `chain[k]` is the fingerprint of the first `k` events, for `k` up to `history.len()`.
    pub chain: Vec<u64>,
    /// The fingerprint of the whole history.
    pub fp: u64,
    pub snapshot: Snapshot,
    pub needs_rescue: Option<Stranding>,
    /// Every commit below this sequence number has been applied to the actor.
    pub watermark: u64,
    /// How many decision records the law has produced for the actor: the next one's ordinal,
    /// so a store can key an actor's records without reading them.
    pub decided: u32,
    /// An operator terminated the actor: it takes no more events. Nothing else changes: its
    /// history and decision records stay, and deployments decide it as any other actor.
    pub terminated: bool,
}

impl Actor {
    /// A new actor on `version` with an empty history.
    pub fn new(version: VersionIx, snapshot: Snapshot, watermark: u64, basis: u64) -> Actor {
        Actor {
            version,
            history: Vec::new(),
            len: 0,
            chain: vec![basis],
            fp: basis,
            snapshot,
            needs_rescue: None,
            watermark,
            decided: 0,
            terminated: false,
        }
    }

    /// An actor whose whole history is `history` (for tests and tools that build one).
    pub fn with_history(
        version: VersionIx,
        snapshot: Snapshot,
        history: Vec<HistoryEntry>,
        basis: u64,
        extend: fn(u64, &str) -> u64,
    ) -> Actor {
        let mut actor = Actor::new(version, snapshot, 0, basis);
        for entry in history {
            actor.push(entry, extend);
        }
        actor
    }

    pub fn fingerprint(&self) -> u64 {
        self.fp
    }

    /// Whether every event of the history is at hand.
    pub fn is_whole(&self) -> bool {
        self.history.len() == self.len
    }

    /// The first `upto` events and the fingerprint after them, if they are at hand.
    pub fn prefix(&self, upto: usize) -> Result<(&[HistoryEntry], u64), NeedHistory> {
        if upto > self.history.len() {
            return Err(NeedHistory { upto });
        }
        Ok((&self.history[..upto], self.chain[upto]))
    }

    /// The actor handled one more event.
    pub fn push(&mut self, entry: HistoryEntry, extend: fn(u64, &str) -> u64) {
        self.fp = extend(self.fp, &entry.event);
        if self.is_whole() {
            self.chain.push(self.fp);
            self.history.push(entry);
        }
        self.len += 1;
    }

    /// Give the actor its whole history (it was loaded with a prefix only). The history must be
    /// the one the actor's length and fingerprint describe.
    pub fn supply(&mut self, history: Vec<HistoryEntry>, basis: u64, extend: fn(u64, &str) -> u64) -> Result<(), String> {
        if history.len() != self.len {
            return Err(format!("the actor has handled {} events; {} were given", self.len, history.len()));
        }
        let mut chain = Vec::with_capacity(history.len() + 1);
        chain.push(basis);
        for entry in &history {
            chain.push(extend(*chain.last().expect("a basis"), &entry.event));
        }
        if chain.last() != Some(&self.fp) || chain[..self.chain.len()] != self.chain[..] {
            return Err("the history given is not the actor's: its fingerprint differs".into());
        }
        self.history = history;
        self.chain = chain;
        Ok(())
    }
}

const MAGIC: &[u8; 4] = b"SKA3";
/// The byte form before the history left the record: the whole history inline.
const MAGIC_WHOLE: &[u8; 4] = b"SKA2";
/// The byte a terminated actor's record ends with (after the rescue mark).
const TERMINATED: u8 = 1;

impl Actor {
    /// The actor's durable form, which keeps the first `inline` events of its history (with
    /// their fingerprints) and the whole history's length and fingerprint: a send rewrites a
    /// record of bounded size whatever the actor's age, and the law finds the paths of most
    /// deployments in it. The snapshot inside is bound to its version's definition.
    pub fn to_bytes(&self, registry: &Registry) -> Vec<u8> {
        let kept = self.history.len().min(registry.inline_history);
        let mut out = Vec::with_capacity(96 + 32 * kept);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&self.watermark.to_le_bytes());
        out.extend_from_slice(&self.decided.to_le_bytes());
        out.extend_from_slice(&(self.len as u32).to_le_bytes());
        out.extend_from_slice(&self.fp.to_le_bytes());
        out.extend_from_slice(&(kept as u32).to_le_bytes());
        for entry in &self.history[..kept] {
            put_str(&mut out, &entry.event);
            out.extend_from_slice(&(entry.guards.len() as u32).to_le_bytes());
            for (name, outcome) in &entry.guards {
                put_str(&mut out, name);
                out.push(u8::from(*outcome));
            }
        }
        for fp in &self.chain[..=kept] {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        let snapshot = self.snapshot.to_bytes(registry.version(self.version).machine());
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
        // Only a terminated actor's record has the flag: every other record stays as it was.
        if self.terminated {
            out.push(TERMINATED);
        }
        out
    }

    /// An actor from its durable form (this one, or the older one with the whole history).
    pub fn from_bytes(registry: &Registry, data: &[u8]) -> Result<Actor, String> {
        let mut r = Reader::new(data, "actor record");
        let whole = match r.take(4)? {
            m if m == MAGIC => false,
            m if m == MAGIC_WHOLE => true,
            _ => return Err("not a statekeep actor record (bad magic bytes)".into()),
        };
        let version = r.u32()?;
        if version as usize >= registry.len() {
            return Err(format!("the actor is on version #{version}, which this registry does not have"));
        }
        let watermark = r.u64()?;
        let decided = r.u32()?;
        let (len, fp) = if whole { (0, 0) } else { (r.u32()? as usize, r.u64()?) };
        let count = r.u32()? as usize;
        if !whole && count > len {
            return Err(format!("the record keeps {count} events of a history of {len}"));
        }
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
        let (len, fp) = if whole { (count, *chain.last().expect("count + 1 values")) } else { (len, fp) };
        if len == count && chain.last() != Some(&fp) {
            return Err("the record's fingerprint is not its history's".into());
        }
        let snapshot_len = r.u32()? as usize;
        let snapshot = Snapshot::from_bytes(registry.version(version).machine(), r.take(snapshot_len)?).map_err(|e| e.to_string())?;
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
        let terminated = match r.remaining() {
            0 => false,
            _ => match r.take(1)?[0] {
                TERMINATED => true,
                other => return Err(format!("unknown termination flag {other}")),
            },
        };
        if r.remaining() != 0 {
            return Err(format!("{} trailing bytes", r.remaining()));
        }
        if watermark as usize > registry.len() {
            return Err(format!("the actor has seen {watermark} commits, this registry has {}", registry.len()));
        }
        Ok(Actor { version, history, len, chain, fp, snapshot, needs_rescue, watermark, decided, terminated })
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}
