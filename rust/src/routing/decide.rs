//! The decisions of the routing law: at each of the four moments, which deployments are due
//! for an actor, in which order they are tried, what each records, and the cascade.
//!
//! Every function takes `upto`, the number of commits the moment may see, so that a catch-up
//! step standing for commit `c` sees only the deployments committed up to `c`.

use super::actor::{Actor, HistoryEntry, Stranding};
use super::landing::land;
use super::registry::{LandingMode, MatchMode, Registry, VersionIx};
use crate::error::CoreError;
use crate::stepper::{initial, transition, StepOutput};
use crate::value::state_value;
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Migrated = 0,
    Stayed = 1,
    Stranded = 2,
    Superseded = 3,
    /// An operator's act, not a deployment's decision.
    Released = 4,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Migrated => "migrated",
            Kind::Stayed => "stayed",
            Kind::Stranded => "stranded",
            Kind::Superseded => "superseded",
            Kind::Released => "released",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    Matched,
    /// The first index at which the history and the path differ.
    Differs {
        index: u32,
    },
    /// Exact mode: the history starts with the path but goes on.
    LongerThanPath,
    /// Replay landing: the first event the new definition does not handle, and where.
    NonCompliant {
        index: u32,
        event: String,
        state: Value,
    },
    /// The landing is not a valid state of the new definition (or its replay failed).
    InvalidLanding {
        message: String,
    },
    SupersededBy {
        by: VersionIx,
    },
    Released,
}

impl Reason {
    /// The reason from its JSON form (the stored mark of a stranded actor).
    pub fn from_json(value: &Value, registry: &Registry) -> Result<Reason, String> {
        let index = || value["index"].as_u64().map(|i| i as u32).ok_or("a reason without its index");
        let text = |key: &str| value[key].as_str().map(str::to_string).ok_or(format!("a reason without its {key}"));
        Ok(match value["code"].as_str() {
            Some("matched") => Reason::Matched,
            Some("differs") => Reason::Differs { index: index()? },
            Some("longer_than_path") => Reason::LongerThanPath,
            Some("non_compliant") => Reason::NonCompliant { index: index()?, event: text("event")?, state: value["state"].clone() },
            Some("invalid_landing") => Reason::InvalidLanding { message: text("message")? },
            Some("superseded") => Reason::SupersededBy { by: registry.lookup(&text("by")?).map_err(|e| e.to_string())? },
            Some("released") => Reason::Released,
            other => return Err(format!("unknown reason code {other:?}")),
        })
    }

    pub fn to_json(&self, registry: &Registry) -> Value {
        match self {
            Reason::Matched => json!({"code": "matched"}),
            Reason::Differs { index } => json!({"code": "differs", "index": index}),
            Reason::LongerThanPath => json!({"code": "longer_than_path"}),
            Reason::NonCompliant { index, event, state } => {
                json!({"code": "non_compliant", "index": index, "event": event, "state": state})
            }
            Reason::InvalidLanding { message } => json!({"code": "invalid_landing", "message": message}),
            Reason::SupersededBy { by } => json!({"code": "superseded", "by": registry.version(*by).id}),
            Reason::Released => json!({"code": "released"}),
        }
    }
}

/// One audit record: what happened to an actor for one deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub kind: Kind,
    pub deployment: VersionIx,
    /// The actor's version at the decision.
    pub from: VersionIx,
    /// The deployment's version (for `released`, the actor's version).
    pub to: VersionIx,
    /// The fingerprint of the actor's whole history at the decision.
    pub actor_fp: u64,
    pub path_fp: u64,
    pub reason: Reason,
    /// The landing's state value, for a migration.
    pub landing: Option<Value>,
}

impl Decision {
    pub fn to_json(&self, registry: &Registry) -> Value {
        json!({
            "kind": self.kind.as_str(),
            "deployment": registry.version(self.deployment).id,
            "from": registry.version(self.from).id,
            "to": registry.version(self.to).id,
            "actor_fingerprint": self.actor_fp,
            "path_fingerprint": self.path_fp,
            "reason": self.reason.to_json(registry),
            "landing": self.landing,
        })
    }
}

/// How a history compares with a deployment's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    Yes,
    Differs(u32),
    LongerThanPath,
}

/// Match an actor whose history is at least as long as the path. The fingerprint at the
/// path's depth is the filter; the event types themselves confirm, so a collision never
/// counts as a match (guarantee 4). Needs the first `|P|` events at hand.
pub fn matches(registry: &Registry, deployment: VersionIx, actor: &Actor) -> Result<Match, CoreError> {
    let rule = registry.version(deployment).rule.as_ref().expect("a deployment has a rule");
    let p = rule.path.len();
    debug_assert!(actor.len >= p, "only due deployments are matched");
    let (prefix, prefix_fp) = actor.prefix(p)?;
    let differs = || (0..p).find(|&i| prefix[i].event != rule.path[i]).map(|i| Match::Differs(i as u32));
    if prefix_fp != rule.path_fp {
        // Different fingerprints mean different events; the loop only finds where.
        return Ok(differs().unwrap_or(Match::Differs(p as u32)));
    }
    if let Some(found) = differs() {
        return Ok(found);
    }
    if rule.match_mode == MatchMode::Exact && actor.len > p {
        return Ok(Match::LongerThanPath);
    }
    Ok(Match::Yes)
}

/// Moment 1: the commit of `deployment`, for an actor on its parent. Not due (no record) while
/// the history is shorter than the path.
pub fn at_commit(registry: &Registry, deployment: VersionIx, actor: &mut Actor, out: &mut Vec<Decision>) -> Result<(), CoreError> {
    let rule = registry.version(deployment).rule.as_ref().expect("a deployment has a rule");
    if actor.version != rule.parent || actor.len < rule.path.len() {
        return Ok(());
    }
    decide(registry, deployment as usize + 1, vec![deployment], actor, out)
}

/// Catch an actor up on every commit it has not seen, one commit at a time in commit order,
/// each step seeing only the deployments committed up to it (the law's serial semantics).
pub fn catch_up(registry: &Registry, actor: &mut Actor, out: &mut Vec<Decision>) -> Result<(), CoreError> {
    for c in actor.watermark as usize..registry.len() {
        if registry.version(c as VersionIx).rule.as_ref().is_some_and(|r| r.parent == actor.version) {
            at_commit(registry, c as VersionIx, actor, out)?;
        }
    }
    actor.watermark = registry.len() as u64;
    Ok(())
}

/// Moment 2: after a handled event, the deployments whose path is exactly as long as the
/// history has become.
pub fn after_event(registry: &Registry, actor: &mut Actor, out: &mut Vec<Decision>) -> Result<(), CoreError> {
    let len = actor.len;
    let due = due_where(registry, registry.len(), actor.version, |p| p == len);
    decide(registry, registry.len(), due, actor, out)
}

/// Moment 4: arriving on a version by migration, its deployments whose path is no longer
/// than the history.
fn on_arrival(registry: &Registry, upto: usize, actor: &mut Actor, out: &mut Vec<Decision>) -> Result<(), CoreError> {
    let len = actor.len;
    let due = due_where(registry, upto, actor.version, |p| p <= len);
    decide(registry, upto, due, actor, out)
}

fn due_where(registry: &Registry, upto: usize, version: VersionIx, path_len: impl Fn(usize) -> bool) -> Vec<VersionIx> {
    registry
        .children(version)
        .iter()
        .copied()
        .filter(|&d| (d as usize) < upto && path_len(registry.version(d).rule.as_ref().expect("rule").path.len()))
        .collect()
}

/// Try the due deployments most specific first (longer path, then more recent): those before
/// the first match stay, the first match decides (migrated or stranded), the rest are
/// superseded by it. A migration is an arrival: the cascade continues on the new version.
fn decide(registry: &Registry, upto: usize, mut due: Vec<VersionIx>, actor: &mut Actor, out: &mut Vec<Decision>) -> Result<(), CoreError> {
    if due.is_empty() {
        return Ok(());
    }
    due.sort_by_key(|&d| std::cmp::Reverse((registry.version(d).rule.as_ref().expect("rule").path.len(), d)));
    let from = actor.version;
    // The history does not change while deciding, so neither does its fingerprint.
    let actor_fp = actor.fingerprint();
    let mut decided_by: Option<VersionIx> = None;
    let mut migrated = false;
    for d in due {
        let rule = registry.version(d).rule.as_ref().expect("rule");
        let record =
            |kind, reason, landing| Decision { kind, deployment: d, from, to: d, actor_fp, path_fp: rule.path_fp, reason, landing };
        actor.decided += 1;
        if let Some(by) = decided_by {
            out.push(record(Kind::Superseded, Reason::SupersededBy { by }, None));
            continue;
        }
        let decision = match matches(registry, d, actor)? {
            Match::Differs(index) => record(Kind::Stayed, Reason::Differs { index }, None),
            Match::LongerThanPath => record(Kind::Stayed, Reason::LongerThanPath, None),
            Match::Yes => {
                decided_by = Some(d);
                if rule.landing == LandingMode::Replay && !actor.is_whole() {
                    return Err(CoreError::NeedHistory { upto: actor.len });
                }
                match land(registry, d, actor) {
                    Ok(snapshot) => {
                        let value = state_value(registry.version(d).machine(), &snapshot);
                        let decision = record(Kind::Migrated, Reason::Matched, Some(value));
                        actor.version = d;
                        actor.snapshot = snapshot;
                        actor.needs_rescue = None;
                        migrated = true;
                        decision
                    }
                    Err(reason) => {
                        actor.needs_rescue = Some(Stranding { deployment: d, reason: reason.clone() });
                        record(Kind::Stranded, reason, None)
                    }
                }
            }
        };
        out.push(decision);
    }
    if migrated {
        on_arrival(registry, upto, actor, out)?;
    }
    Ok(())
}

/// A new actor on `version`: its initial step, then moment 3 (the deployments with an empty
/// path) and any cascade.
pub fn spawn(registry: &Registry, version: VersionIx, out: &mut Vec<Decision>) -> Result<(Actor, StepOutput), CoreError> {
    let step = initial(registry.version(version).machine(), &[])?;
    let mut actor = Actor::new(version, step.snapshot.clone(), registry.len() as u64, registry.hasher.basis);
    let due = due_where(registry, registry.len(), version, |p| p == 0);
    decide(registry, registry.len(), due, &mut actor, out)?;
    Ok((actor, step))
}

/// The outcome of sending an event to an actor.
#[derive(Debug, Clone, PartialEq)]
pub enum Sent {
    /// The event was stepped on version `on` (the actor's, once caught up); decisions it
    /// caused may have moved the actor on since.
    Stepped { step: StepOutput, on: VersionIx },
    /// The actor needs rescue: the event was not applied.
    Refused(Stranding),
}

/// Send an event: catch the actor up, refuse it if it needs rescue, else step it on its
/// version; a handled event enters the history and may make deployments due (moment 2).
pub fn send(
    registry: &Registry,
    actor: &mut Actor,
    event: &str,
    guards: &[(String, bool)],
    out: &mut Vec<Decision>,
) -> Result<Sent, CoreError> {
    catch_up(registry, actor, out)?;
    if let Some(stranding) = &actor.needs_rescue {
        return Ok(Sent::Refused(stranding.clone()));
    }
    let on = actor.version;
    let machine = &registry.version(on).machine();
    let table = machine.guard_table(guards.iter().map(|(n, o)| (n.as_str(), *o)));
    let step = transition(machine, &actor.snapshot, event, &table)?;
    actor.snapshot = step.snapshot.clone();
    if step.handled {
        actor.push(HistoryEntry { event: event.to_string(), guards: guards.to_vec() }, registry.hasher.extend);
        after_event(registry, actor, out)?;
    }
    Ok(Sent::Stepped { step, on })
}

/// An operator releases a stranded actor: the mark is cleared and recorded. `None` when the
/// actor is not stranded (a conflict for the caller).
pub fn release(registry: &Registry, actor: &mut Actor) -> Option<Decision> {
    let stranding = actor.needs_rescue.take()?;
    actor.decided += 1;
    let path_fp = registry.version(stranding.deployment).rule.as_ref().map(|r| r.path_fp).unwrap_or(registry.hasher.basis);
    Some(Decision {
        kind: Kind::Released,
        deployment: stranding.deployment,
        from: actor.version,
        to: actor.version,
        actor_fp: actor.fingerprint(),
        path_fp,
        reason: Reason::Released,
        landing: None,
    })
}
