//! The routing law's classes: `Registry` (committed versions) and `Actor`, with the batch
//! entry points a scan and a preview use (bytes in, bytes out, the GIL released).

use super::convert::to_py;
use super::engine::{event_type, for_each_guard, PyMachine, Step};
use super::errors::history_needed;
use crate::error::CoreError;
use crate::routing::decide::{self, Decision, Sent};
use crate::routing::records::{self, BatchError, StoredRecord};
use crate::routing::scan::{self, Histories};
use crate::routing::{Actor, Definition, Deploy, HistoryEntry, LandingMode, MatchMode, Registry, StoredDefinition, INLINE_HISTORY};
use crate::value::state_value;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

fn invalid(message: impl Into<String>) -> PyErr {
    CoreError::Invalid(message.into()).into()
}

/// A history given from Python: `(event type, guard outcomes or None)` for each event.
type GivenHistory = Vec<(String, Option<HashMap<String, bool>>)>;

fn history_entries(given: GivenHistory) -> Vec<HistoryEntry> {
    given
        .into_iter()
        .map(|(event, guards)| {
            let mut guards: Vec<(String, bool)> = guards.unwrap_or_default().into_iter().collect();
            // Guard outcomes are kept in name order, as a send records them.
            guards.sort();
            HistoryEntry { event, guards }
        })
        .collect()
}

/// The committed versions. Every call works on a consistent view: a deploy publishes a new
/// registry, and calls already running keep the one they started with.
#[pyclass(module = "statekeep._core", name = "Registry", frozen, sequence)]
pub struct PyRegistry {
    current: Mutex<Arc<Registry>>,
}

impl PyRegistry {
    #[allow(clippy::too_many_arguments)]
    fn commit(
        &self,
        id: String,
        machine: Definition,
        parent: Option<String>,
        path: Option<Vec<String>>,
        r#match: &str,
        landing: &str,
        state_map: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u32> {
        let match_mode = match r#match {
            "prefix" => MatchMode::Prefix,
            "exact" => MatchMode::Exact,
            other => return Err(invalid(format!("match must be \"prefix\" or \"exact\", not {other:?}"))),
        };
        let landing = match landing {
            "replay" => LandingMode::Replay,
            "state" => LandingMode::State,
            other => return Err(invalid(format!("landing must be \"replay\" or \"state\", not {other:?}"))),
        };
        let mut mappings = Vec::new();
        if let Some(map) = state_map {
            for (old, new) in map.iter() {
                mappings.push((old.extract::<String>()?, new.extract::<String>()?));
            }
        }
        let deploy = Deploy { id, machine, parent, path: path.unwrap_or_default(), match_mode, landing, state_map: mappings };
        let mut current = self.current.lock().expect("registry lock");
        let mut next = Registry::clone(&current);
        let ix = next.commit(deploy).map_err(CoreError::from)?;
        *current = Arc::new(next);
        Ok(ix)
    }

    fn view(&self) -> Arc<Registry> {
        self.current.lock().expect("registry lock").clone()
    }

    fn decisions<'py>(py: Python<'py>, registry: &Registry, decisions: &[Decision]) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for d in decisions {
            list.append(to_py(py, &d.to_json(registry))?)?;
        }
        Ok(list)
    }

    fn actor(registry: &Arc<Registry>, actor: Actor) -> PyActor {
        PyActor { registry: registry.clone(), inner: actor }
    }

    /// A send's step, or why the actor refused the event.
    fn step_or_refusal(py: Python<'_>, registry: &Registry, sent: Sent) -> PyResult<(Option<Py<Step>>, Option<PyObject>)> {
        Ok(match sent {
            Sent::Stepped { step, on } => {
                let machine = registry.version(on).machine().clone();
                (Some(Py::new(py, Step::new(py, &machine, step)?)?), None)
            }
            Sent::Refused(stranding) => {
                let reason = stranding.reason.to_json(registry);
                let refusal = serde_json::json!({"deployment": registry.version(stranding.deployment).id, "reason": reason});
                (None, Some(to_py(py, &refusal)?))
            }
        })
    }
}

#[pymethods]
impl PyRegistry {
    /// `inline_history`: how many events of a history an actor's record keeps (the rest the
    /// caller keeps, and gives back when the law asks for it: `HistoryNeeded`).
    #[new]
    #[pyo3(signature = (inline_history = INLINE_HISTORY), text_signature = "(inline_history=16)")]
    fn new(inline_history: usize) -> Self {
        let mut registry = Registry::new();
        registry.inline_history = inline_history;
        PyRegistry { current: Mutex::new(Arc::new(registry)) }
    }

    /// Commit a version (a deployment when it names a parent); returns its commit sequence number.
    #[pyo3(
        signature = (id, machine, *, parent = None, path = None, r#match = "prefix", landing = "replay", state_map = None),
        text_signature = "(self, /, id, machine, *, parent=None, path=None, match='prefix', landing='replay', state_map=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn deploy(
        &self,
        id: String,
        machine: &Bound<'_, PyMachine>,
        parent: Option<String>,
        path: Option<Vec<String>>,
        r#match: &str,
        landing: &str,
        state_map: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u32> {
        self.commit(id, machine.get().inner.clone().into(), parent, path, r#match, landing, state_map)
    }

    /// Commit a version read back from a store: its definition as JSON text (key order is
    /// document order), compiled only when it is first needed.
    #[pyo3(
        signature = (id, definition, *, guard_default = true, parent = None, path = None, r#match = "prefix", landing = "replay", state_map = None),
        text_signature = "(self, /, id, definition, *, guard_default=True, parent=None, path=None, match='prefix', landing='replay', state_map=None)"
    )]
    #[allow(clippy::too_many_arguments)]
    fn deploy_stored(
        &self,
        id: String,
        definition: String,
        guard_default: bool,
        parent: Option<String>,
        path: Option<Vec<String>>,
        r#match: &str,
        landing: &str,
        state_map: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<u32> {
        let stored = Definition::Stored(StoredDefinition { text: definition, guard_default });
        self.commit(id, stored, parent, path, r#match, landing, state_map)
    }

    fn __len__(&self) -> usize {
        self.view().len()
    }

    /// An independent copy of the committed versions, cheap to make: a preview deploys the
    /// candidate into a fork and decides there by the same functions, leaving this one as it is.
    fn fork(&self) -> Self {
        PyRegistry { current: Mutex::new(self.view()) }
    }

    /// The version ids in commit order.
    fn versions(&self) -> Vec<String> {
        let registry = self.view();
        (0..registry.len() as u32).map(|v| registry.version(v).id.clone()).collect()
    }

    /// A version's definition, parent, path, path fingerprint, match and landing modes.
    fn version<'py>(&self, py: Python<'py>, id: &str) -> PyResult<Bound<'py, PyDict>> {
        let registry = self.view();
        let ix = registry.lookup(id).map_err(CoreError::from)?;
        let version = registry.version(ix);
        let dict = PyDict::new(py);
        dict.set_item("id", &version.id)?;
        dict.set_item("seq", ix)?;
        dict.set_item("machine", Py::new(py, PyMachine { inner: version.machine().clone() })?)?;
        match &version.rule {
            None => dict.set_item("parent", py.None())?,
            Some(rule) => {
                dict.set_item("parent", &registry.version(rule.parent).id)?;
                dict.set_item("path", &rule.path)?;
                dict.set_item("path_fingerprint", rule.path_fp)?;
                dict.set_item("match", if rule.match_mode == MatchMode::Exact { "exact" } else { "prefix" })?;
                dict.set_item("landing", if rule.landing == LandingMode::State { "state" } else { "replay" })?;
            }
        }
        Ok(dict)
    }

    /// Start an actor on a version: its first step, and the deployments it meets at once
    /// (`records` in their stored form, timed `at`).
    #[pyo3(signature = (version, at = 0.0))]
    fn spawn(&self, py: Python<'_>, version: &str, at: f64) -> PyResult<Spawned> {
        let registry = self.view();
        let v = registry.lookup(version).map_err(CoreError::from)?;
        let mut decisions = Vec::new();
        let (actor, step) = decide::spawn(&registry, v, &mut decisions)?;
        let machine = registry.version(v).machine().clone();
        Ok(Spawned {
            step: Py::new(py, Step::new(py, &machine, step)?)?,
            decisions: Self::decisions(py, &registry, &decisions)?.unbind(),
            records: stored(py, &records::stored_records(&registry, &actor, &decisions, at))?.unbind(),
            actor: Py::new(py, Self::actor(&registry, actor))?,
        })
    }

    /// Send an event: the actor is caught up first; an actor that needs rescue refuses it.
    /// `records` are the decisions in their stored form, timed `at`.
    #[pyo3(signature = (actor, event, guards = None, at = 0.0))]
    fn send(
        &self,
        py: Python<'_>,
        actor: &Bound<'_, PyActor>,
        event: &Bound<'_, PyAny>,
        guards: Option<&Bound<'_, PyDict>>,
        at: f64,
    ) -> PyResult<SendOutcome> {
        let registry = self.view();
        let mut state = actor.get().rebase(&registry)?;
        let event = event_type(event)?;
        let mut outcomes = Vec::new();
        for_each_guard(guards, |name, outcome| outcomes.push((name.to_owned(), outcome)))?;
        let mut decisions = Vec::new();
        let sent = decide::send(&registry, &mut state, &event, &outcomes, &mut decisions)?;
        let (step, refused) = Self::step_or_refusal(py, &registry, sent)?;
        Ok(SendOutcome {
            step,
            refused,
            decisions: Self::decisions(py, &registry, &decisions)?.unbind(),
            records: stored(py, &records::stored_records(&registry, &state, &decisions, at))?.unbind(),
            actor: Py::new(py, Self::actor(&registry, state))?,
        })
    }

    /// Send many events in one call, in order (an actor may have several): `actors` are the
    /// distinct actors the batch touches, `items` `(position in actors, event, guard outcomes
    /// or None)`. Returns an outcome per item, and the actors as the batch leaves them.
    #[pyo3(signature = (actors, items, at = 0.0))]
    #[allow(clippy::type_complexity)]
    fn send_many(
        &self,
        py: Python<'_>,
        actors: Vec<Bound<'_, PyActor>>,
        items: Vec<(usize, Bound<'_, PyAny>, Option<Bound<'_, PyDict>>)>,
        at: f64,
    ) -> PyResult<(Vec<ItemSent>, Vec<PyActor>)> {
        let registry = self.view();
        let mut states = actors.iter().map(|a| a.get().rebase(&registry)).collect::<PyResult<Vec<_>>>()?;
        let mut out = Vec::with_capacity(items.len());
        let mut decisions = Vec::new();
        let mut guards = Vec::new();
        for (position, event, table) in &items {
            let state =
                states.get_mut(*position).ok_or_else(|| invalid(format!("item names actor {position}, the batch has {}", actors.len())))?;
            let event = event_type(event)?;
            guards.clear();
            for_each_guard(table.as_ref(), |name, outcome| guards.push((name.to_owned(), outcome)))?;
            decisions.clear();
            let seq_before = state.len;
            let sent = match decide::send(&registry, state, &event, &guards, &mut decisions) {
                Err(CoreError::NeedHistory { upto }) => return Err(history_needed(vec![*position], upto)),
                other => other?,
            };
            let on = match &sent {
                Sent::Stepped { on, .. } => registry.version(*on).id.clone(),
                Sent::Refused(_) => registry.version(state.version).id.clone(),
            };
            let (step, refused) = Self::step_or_refusal(py, &registry, sent)?;
            out.push(ItemSent {
                on,
                step,
                refused,
                decisions: Self::decisions(py, &registry, &decisions)?.unbind(),
                records: stored(py, &records::stored_records(&registry, state, &decisions, at))?.unbind(),
                version: registry.version(state.version).id.clone(),
                value: to_py(py, &state_value(registry.version(state.version).machine(), &state.snapshot))?,
                status: state.snapshot.status.as_str(),
                seq_before,
                seq: state.len,
            });
        }
        Ok((out, states.into_iter().map(|state| Self::actor(&registry, state)).collect()))
    }

    /// Apply every commit the actor has not seen, one at a time in commit order.
    fn catch_up<'py>(&self, py: Python<'py>, actor: &Bound<'_, PyActor>) -> PyResult<(PyActor, Bound<'py, PyList>)> {
        let registry = self.view();
        let mut state = actor.get().rebase(&registry)?;
        let mut decisions = Vec::new();
        decide::catch_up(&registry, &mut state, &mut decisions)?;
        Ok((Self::actor(&registry, state), Self::decisions(py, &registry, &decisions)?))
    }

    /// Apply every commit the actor has not seen, with what a store must write for it: the
    /// records in their stored form (timed `at`), and the version it moved to.
    #[pyo3(signature = (actor, at = 0.0))]
    fn catch_up_records(&self, py: Python<'_>, actor: &Bound<'_, PyActor>, at: f64) -> PyResult<CaughtUpOutcome> {
        let registry = self.view();
        let caught = records::catch_up(&registry, actor.get().rebase(&registry)?, at)?;
        Ok(CaughtUpOutcome {
            decisions: Self::decisions(py, &registry, &caught.decisions)?.unbind(),
            records: stored(py, &caught.records)?.unbind(),
            moved: caught.moved_to.is_some(),
            actor: Py::new(py, Self::actor(&registry, caught.actor))?,
        })
    }

    /// Clear a stranded actor's mark (after catching it up); the record names the deployment
    /// that stranded it, and `records` holds it in its stored form, timed `at`.
    #[pyo3(signature = (actor, at = 0.0))]
    fn release(&self, py: Python<'_>, actor: &Bound<'_, PyActor>, at: f64) -> PyResult<Released> {
        let registry = self.view();
        let mut state = actor.get().rebase(&registry)?;
        let mut caught = Vec::new();
        decide::catch_up(&registry, &mut state, &mut caught)?;
        let record = decide::release(&registry, &mut state)
            .ok_or_else(|| CoreError::Conflict("the actor is not stranded: there is nothing to release".into()))?;
        let stored_form = records::stored_records(&registry, &state, std::slice::from_ref(&record), at);
        Ok(Released {
            record: to_py(py, &record.to_json(&registry))?,
            records: stored(py, &stored_form)?.unbind(),
            actor: Py::new(py, Self::actor(&registry, state))?,
        })
    }

    /// The actor marked terminated (it takes no more events; the keep refuses them). Nothing
    /// else changes and nothing is recorded: the keep catches it up first.
    fn terminate(&self, actor: &Bound<'_, PyActor>) -> PyResult<PyActor> {
        let registry = self.view();
        let mut state = actor.get().rebase(&registry)?;
        state.terminated = true;
        Ok(Self::actor(&registry, state))
    }

    /// An actor from the bytes of `ActorState.to_bytes()`; `history`, its whole history as
    /// `(event type, guard outcomes)`, when its record keeps only the first events and the law
    /// needs the rest (`HistoryNeeded`).
    #[pyo3(signature = (data, history = None))]
    fn load_actor(&self, data: &[u8], history: Option<GivenHistory>) -> PyResult<PyActor> {
        let registry = self.view();
        let mut actor = Actor::from_bytes(&registry, data).map_err(CoreError::Record)?;
        if let Some(given) = history {
            actor.supply(history_entries(given), registry.hasher.basis, registry.hasher.extend).map_err(CoreError::Invalid)?;
        }
        Ok(Self::actor(&registry, actor))
    }

    /// Catch up many stored actors in one call, the GIL released while deciding (over several
    /// threads for a big batch). Returns what a store must write, by position in `actors`:
    /// `(changed, moved, decisions)` with `changed` the `(i, new actor bytes)` of each actor
    /// that got a decision record (one whose watermark alone moved is left out: the next touch
    /// agrees), `moved` the `(i, version seq)` of each that migrated, and `decisions` the `(i,
    /// ordinal, deployment seq, kind, record as JSON bytes with "at": at)` of each record, the
    /// ordinal counting the actor's records. `histories` gives, by position, the whole history
    /// of an actor whose record keeps a prefix, when a call raised `HistoryNeeded` for it.
    #[pyo3(signature = (actors, at = 0.0, histories = None))]
    #[allow(clippy::type_complexity)]
    fn catch_up_many<'py>(
        &self,
        py: Python<'py>,
        actors: Vec<Bound<'py, PyBytes>>,
        at: f64,
        histories: Option<HashMap<usize, GivenHistory>>,
    ) -> PyResult<(Vec<(usize, Bound<'py, PyBytes>)>, Vec<(usize, u32)>, Vec<(usize, u32, u32, &'static str, Bound<'py, PyBytes>)>)> {
        let registry = self.view();
        let inputs: Vec<&[u8]> = actors.iter().map(|b| b.as_bytes()).collect();
        let histories: HashMap<usize, Vec<HistoryEntry>> =
            histories.unwrap_or_default().into_iter().map(|(i, given)| (i, history_entries(given))).collect();
        let decided = py.allow_threads(|| records::catch_up_stored(&registry, &inputs, &histories, at)).map_err(|e| match e {
            BatchError::Record { position, message } => CoreError::Record(format!("actor {position}: {message}")).into(),
            BatchError::NeedHistory { positions, upto } => history_needed(positions, upto),
        })?;
        let (mut changed, mut moved, mut records) = (Vec::new(), Vec::new(), Vec::new());
        for stored in decided {
            let i = stored.position;
            changed.push((i, PyBytes::new(py, &stored.bytes)));
            if let Some(version) = stored.moved_to {
                moved.push((i, version));
            }
            for r in stored.records {
                records.push((i, r.ordinal, r.deployment, r.kind.as_str(), PyBytes::new(py, r.json.as_bytes())));
            }
        }
        Ok((changed, moved, records))
    }

    /// Match one deployment's path against many packed histories (event types interned to
    /// `u32` by the caller): `path` and `events` are `u32` arrays, `offsets` has one more entry
    /// than there are actors, `prefix_fps` holds each actor's chain fingerprint at the path's
    /// depth as `u64`, all little-endian. Returns `(codes, indices)`: a `u8` per actor (0
    /// pending, 1 matched, 2 differs, 3 longer than path) and a `u32` first differing index.
    fn match_packed<'py>(
        &self,
        py: Python<'py>,
        deployment: &str,
        path: &[u8],
        offsets: &[u8],
        events: &[u8],
        prefix_fps: &[u8],
    ) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
        let registry = self.view();
        let d = registry.lookup(deployment).map_err(CoreError::from)?;
        let rule = registry.version(d).rule.clone().ok_or_else(|| invalid(format!("'{deployment}' is a root version: it has no path")))?;
        let words = |b: &[u8], what: &str| -> PyResult<Vec<u32>> {
            if b.len() % 4 != 0 {
                return Err(invalid(format!("{what} must be a whole number of u32 values")));
            }
            Ok(b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect())
        };
        let (path, offsets, events) = (words(path, "path")?, words(offsets, "offsets")?, words(events, "events")?);
        if path.len() != rule.path.len() {
            return Err(invalid(format!("the path has {} events, the deployment's has {}", path.len(), rule.path.len())));
        }
        if prefix_fps.len() % 8 != 0 {
            return Err(invalid("prefix_fps must be a whole number of u64 values"));
        }
        let fps: Vec<u64> = prefix_fps.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        let histories = Histories { offsets: &offsets, events: &events, prefix_fps: &fps };
        histories.check().map_err(invalid)?;
        let (codes, indices) = py.allow_threads(|| {
            let (mut codes, mut indices) = (Vec::new(), Vec::new());
            scan::match_many(&path, rule.path_fp, rule.match_mode, &histories, &mut codes, &mut indices);
            (codes, indices)
        });
        let index_bytes: Vec<u8> = indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        Ok((PyBytes::new(py, &codes), PyBytes::new(py, &index_bytes)))
    }
}

/// Records in their stored form, for Python: `(ordinal, deployment seq, kind, JSON bytes)`.
fn stored<'py>(py: Python<'py>, records: &[StoredRecord]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for r in records {
        list.append((r.ordinal, r.deployment, r.kind.as_str(), PyBytes::new(py, r.json.as_bytes())))?;
    }
    Ok(list)
}

/// An actor as the routing law sees it: version, history, chain, state and mark. (Not called
/// `Actor`: that is the keep's result, with the context.)
#[pyclass(module = "statekeep._core", name = "ActorState", frozen)]
pub struct PyActor {
    registry: Arc<Registry>,
    inner: Actor,
}

impl PyActor {
    fn whole(&self) -> PyResult<&[HistoryEntry]> {
        if self.inner.is_whole() {
            Ok(&self.inner.history)
        } else {
            Err(history_needed(vec![0], self.inner.len))
        }
    }

    /// The actor in a newer view of the registry (versions are never removed, so it fits).
    fn rebase(&self, registry: &Arc<Registry>) -> PyResult<Actor> {
        if (self.inner.version as usize) < registry.len()
            && registry.version(self.inner.version).id == self.registry.version(self.inner.version).id
        {
            Ok(self.inner.clone())
        } else {
            Err(invalid("this actor belongs to another registry"))
        }
    }
}

#[pymethods]
impl PyActor {
    #[getter]
    fn version(&self) -> &str {
        &self.registry.version(self.inner.version).id
    }

    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py(py, &state_value(self.registry.version(self.inner.version).machine(), &self.inner.snapshot))
    }

    #[getter]
    fn status(&self) -> &'static str {
        self.inner.snapshot.status.as_str()
    }

    /// The handled event types, oldest first (`HistoryNeeded` if the actor was loaded from a
    /// record that keeps only the first events).
    #[getter]
    fn history(&self) -> PyResult<Vec<String>> {
        Ok(self.whole()?.iter().map(|e| e.event.clone()).collect())
    }

    /// The guard outcomes recorded with each handled event.
    #[getter]
    fn guards<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for entry in self.whole()? {
            let dict = PyDict::new(py);
            for (name, outcome) in &entry.guards {
                dict.set_item(name, *outcome)?;
            }
            list.append(dict)?;
        }
        Ok(list)
    }

    /// The fingerprint of each prefix of the history, from the empty one.
    #[getter]
    fn chain(&self) -> PyResult<Vec<u64>> {
        self.whole()?;
        Ok(self.inner.chain.clone())
    }

    /// The delayed transitions its configuration has running, as `(event, delay)` (a delay is
    /// milliseconds, or the name of a delay): the timers a host keeps for it.
    #[getter]
    fn timers(&self, py: Python<'_>) -> PyResult<Vec<(String, PyObject)>> {
        let machine = self.registry.version(self.inner.version).machine();
        machine.timers(&self.inner.snapshot.config).into_iter().map(|(event, delay)| Ok((event.to_string(), to_py(py, delay)?))).collect()
    }

    /// Whether the whole history is at hand (not only the first events its record keeps).
    #[getter]
    fn whole_history(&self) -> bool {
        self.inner.is_whole()
    }

    #[getter]
    fn fingerprint(&self) -> u64 {
        self.inner.fingerprint()
    }

    /// `{"deployment": ..., "reason": {...}}` while the actor is stranded, else `None`.
    #[getter]
    fn needs_rescue(&self, py: Python<'_>) -> PyResult<PyObject> {
        match &self.inner.needs_rescue {
            None => Ok(py.None()),
            Some(s) => to_py(
                py,
                &serde_json::json!({"deployment": self.registry.version(s.deployment).id, "reason": s.reason.to_json(&self.registry)}),
            ),
        }
    }

    /// Whether an operator terminated it (`Registry.terminate`).
    #[getter]
    fn terminated(&self) -> bool {
        self.inner.terminated
    }

    /// How many commits the actor has seen.
    #[getter]
    fn watermark(&self) -> u64 {
        self.inner.watermark
    }

    /// How many events it has handled.
    #[getter]
    fn history_length(&self) -> usize {
        self.inner.len
    }

    /// How many decision records the law has produced for it; record `k` has ordinal `k`.
    #[getter]
    fn decided(&self) -> u32 {
        self.inner.decided
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes(&self.registry))
    }

    fn __repr__(&self) -> String {
        format!("ActorState(version={:?}, history_length={})", self.version(), self.inner.len)
    }
}

/// The result of `Registry.spawn`.
#[pyclass(module = "statekeep._core", name = "Spawned", frozen)]
pub struct Spawned {
    #[pyo3(get)]
    actor: Py<PyActor>,
    #[pyo3(get)]
    step: Py<Step>,
    #[pyo3(get)]
    decisions: Py<PyList>,
    #[pyo3(get)]
    records: Py<PyList>,
}

/// The result of `Registry.send`: `step` is `None` and `refused` says why when the actor needs rescue.
#[pyclass(module = "statekeep._core", name = "Sent", frozen)]
pub struct SendOutcome {
    #[pyo3(get)]
    actor: Py<PyActor>,
    #[pyo3(get)]
    step: Option<Py<Step>>,
    #[pyo3(get)]
    refused: Option<PyObject>,
    #[pyo3(get)]
    decisions: Py<PyList>,
    #[pyo3(get)]
    records: Py<PyList>,
}

/// What one event of `Registry.send_many` did: its step (or why it was refused), the
/// decisions taken at that moment with their stored records, and the actor after it (its
/// version, state value, status and history length; a deployment the event made due may have
/// moved it off the version it stepped on). `seq_before` is the history length before it.
#[pyclass(module = "statekeep._core", name = "ItemSent", frozen)]
pub struct ItemSent {
    /// The version the event was stepped on (the actor's once caught up).
    #[pyo3(get)]
    on: String,
    #[pyo3(get)]
    step: Option<Py<Step>>,
    #[pyo3(get)]
    refused: Option<PyObject>,
    #[pyo3(get)]
    decisions: Py<PyList>,
    #[pyo3(get)]
    records: Py<PyList>,
    #[pyo3(get)]
    version: String,
    #[pyo3(get)]
    value: PyObject,
    #[pyo3(get)]
    status: &'static str,
    #[pyo3(get)]
    seq_before: usize,
    #[pyo3(get)]
    seq: usize,
}

/// The result of `Registry.catch_up_records`.
#[pyclass(module = "statekeep._core", name = "CaughtUp", frozen)]
pub struct CaughtUpOutcome {
    #[pyo3(get)]
    actor: Py<PyActor>,
    #[pyo3(get)]
    decisions: Py<PyList>,
    #[pyo3(get)]
    records: Py<PyList>,
    /// Whether the actor moved to another version.
    #[pyo3(get)]
    moved: bool,
}

/// The result of `Registry.release`.
#[pyclass(module = "statekeep._core", name = "Released", frozen)]
pub struct Released {
    #[pyo3(get)]
    actor: Py<PyActor>,
    #[pyo3(get)]
    record: PyObject,
    #[pyo3(get)]
    records: Py<PyList>,
}
