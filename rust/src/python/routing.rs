//! The routing law's classes: `Registry` (committed versions) and `Actor`, with the batch
//! entry points a scan and a preview use (bytes in, bytes out, the GIL released).

use super::convert::to_py;
use super::engine::{event_type, for_each_guard, PyMachine, Step};
use super::errors::{step_error, Conflict, NotFound};
use crate::routing::decide::{self, Decision, Sent};
use crate::routing::records::{self, StoredRecord};
use crate::routing::scan::{self, Histories};
use crate::routing::{Actor, Deploy, LandingMode, MatchMode, Registry, RegistryError};
use crate::value::state_value;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList};
use std::sync::{Arc, Mutex};

fn registry_error(e: RegistryError) -> PyErr {
    match e {
        RegistryError::DuplicateId(_) => Conflict::new_err(e.to_string()),
        RegistryError::UnknownVersion(_) => NotFound::new_err(e.to_string()),
        RegistryError::Invalid(_) => PyValueError::new_err(e.to_string()),
    }
}

/// The committed versions. Every call works on a consistent view: a deploy publishes a new
/// registry, and calls already running keep the one they started with.
#[pyclass(module = "statekeep._core", name = "Registry", frozen, sequence)]
pub struct PyRegistry {
    current: Mutex<Arc<Registry>>,
}

impl PyRegistry {
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
                let machine = registry.version(on).machine.clone();
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
    #[new]
    fn new() -> Self {
        PyRegistry { current: Mutex::new(Arc::new(Registry::new())) }
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
        let match_mode = match r#match {
            "prefix" => MatchMode::Prefix,
            "exact" => MatchMode::Exact,
            other => return Err(PyValueError::new_err(format!("match must be \"prefix\" or \"exact\", not {other:?}"))),
        };
        let landing = match landing {
            "replay" => LandingMode::Replay,
            "state" => LandingMode::State,
            other => return Err(PyValueError::new_err(format!("landing must be \"replay\" or \"state\", not {other:?}"))),
        };
        let mut mappings = Vec::new();
        if let Some(map) = state_map {
            for (old, new) in map.iter() {
                mappings.push((old.extract::<String>()?, new.extract::<String>()?));
            }
        }
        let deploy = Deploy {
            id,
            machine: machine.get().inner.clone(),
            parent,
            path: path.unwrap_or_default(),
            match_mode,
            landing,
            state_map: mappings,
        };
        let mut current = self.current.lock().expect("registry lock");
        let mut next = Registry::clone(&current);
        let ix = next.commit(deploy).map_err(registry_error)?;
        *current = Arc::new(next);
        Ok(ix)
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
        let ix = registry.lookup(id).map_err(registry_error)?;
        let version = registry.version(ix);
        let dict = PyDict::new(py);
        dict.set_item("id", &version.id)?;
        dict.set_item("seq", ix)?;
        dict.set_item("machine", Py::new(py, PyMachine { inner: version.machine.clone() })?)?;
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
        let v = registry.lookup(version).map_err(registry_error)?;
        let mut decisions = Vec::new();
        let (actor, step) = decide::spawn(&registry, v, &mut decisions).map_err(step_error)?;
        let machine = registry.version(v).machine.clone();
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
        let sent = decide::send(&registry, &mut state, &event, &outcomes, &mut decisions).map_err(step_error)?;
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
            let state = states
                .get_mut(*position)
                .ok_or_else(|| PyValueError::new_err(format!("item names actor {position}, the batch has {}", actors.len())))?;
            let event = event_type(event)?;
            guards.clear();
            for_each_guard(table.as_ref(), |name, outcome| guards.push((name.to_owned(), outcome)))?;
            decisions.clear();
            let seq_before = state.history.len();
            let sent = decide::send(&registry, state, &event, &guards, &mut decisions).map_err(step_error)?;
            let (step, refused) = Self::step_or_refusal(py, &registry, sent)?;
            out.push(ItemSent {
                step,
                refused,
                decisions: Self::decisions(py, &registry, &decisions)?.unbind(),
                records: stored(py, &records::stored_records(&registry, state, &decisions, at))?.unbind(),
                version: registry.version(state.version).id.clone(),
                value: to_py(py, &state_value(&registry.version(state.version).machine, &state.snapshot))?,
                status: state.snapshot.status.as_str(),
                seq_before,
                seq: state.history.len(),
            });
        }
        Ok((out, states.into_iter().map(|state| Self::actor(&registry, state)).collect()))
    }

    /// Apply every commit the actor has not seen, one at a time in commit order.
    fn catch_up<'py>(&self, py: Python<'py>, actor: &Bound<'_, PyActor>) -> PyResult<(PyActor, Bound<'py, PyList>)> {
        let registry = self.view();
        let mut state = actor.get().rebase(&registry)?;
        let mut decisions = Vec::new();
        decide::catch_up(&registry, &mut state, &mut decisions);
        Ok((Self::actor(&registry, state), Self::decisions(py, &registry, &decisions)?))
    }

    /// Apply every commit the actor has not seen, with what a store must write for it: the
    /// records in their stored form (timed `at`), and the version it moved to.
    #[pyo3(signature = (actor, at = 0.0))]
    fn catch_up_records(&self, py: Python<'_>, actor: &Bound<'_, PyActor>, at: f64) -> PyResult<CaughtUpOutcome> {
        let registry = self.view();
        let caught = records::catch_up(&registry, actor.get().rebase(&registry)?, at);
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
        decide::catch_up(&registry, &mut state, &mut caught);
        let record = decide::release(&registry, &mut state)
            .ok_or_else(|| Conflict::new_err("the actor is not stranded: there is nothing to release"))?;
        let stored_form = records::stored_records(&registry, &state, std::slice::from_ref(&record), at);
        Ok(Released {
            record: to_py(py, &record.to_json(&registry))?,
            records: stored(py, &stored_form)?.unbind(),
            actor: Py::new(py, Self::actor(&registry, state))?,
        })
    }

    /// An actor from the bytes of `Actor.to_bytes()`.
    fn load_actor(&self, data: &[u8]) -> PyResult<PyActor> {
        let registry = self.view();
        let actor = Actor::from_bytes(&registry, data).map_err(PyValueError::new_err)?;
        Ok(Self::actor(&registry, actor))
    }

    /// Catch up many stored actors in one call, the GIL released while deciding. Returns what
    /// a store must write, by position in `actors`: `(changed, moved, decisions)` with
    /// `changed` the `(i, new actor bytes)` of each actor that got a decision record (one whose
    /// watermark alone moved is left out: the next touch agrees), `moved` the `(i, version seq)`
    /// of each that migrated, and `decisions` the `(i, ordinal, deployment seq, kind, record
    /// as JSON bytes with "at": at)` of each record, the ordinal counting the actor's records.
    #[pyo3(signature = (actors, at = 0.0))]
    #[allow(clippy::type_complexity)]
    fn catch_up_many<'py>(
        &self,
        py: Python<'py>,
        actors: Vec<Bound<'py, PyBytes>>,
        at: f64,
    ) -> PyResult<(Vec<(usize, Bound<'py, PyBytes>)>, Vec<(usize, u32)>, Vec<(usize, u32, u32, &'static str, Bound<'py, PyBytes>)>)> {
        let registry = self.view();
        let inputs: Vec<&[u8]> = actors.iter().map(|b| b.as_bytes()).collect();
        // A big batch is split across the machine's cores: each actor is decided on its own.
        let threads = if inputs.len() < PARALLEL_FROM { 1 } else { std::thread::available_parallelism().map_or(1, |n| n.get().min(4)) };
        let chunk = inputs.len().div_ceil(threads).max(1);
        let decided = py
            .allow_threads(|| {
                std::thread::scope(|scope| {
                    let workers: Vec<_> = inputs
                        .chunks(chunk)
                        .enumerate()
                        .map(|(n, part)| {
                            let registry = &registry;
                            scope.spawn(move || catch_up_part(registry, part, n * chunk, at))
                        })
                        .collect();
                    let mut all = Vec::with_capacity(inputs.len());
                    for worker in workers {
                        all.extend(worker.join().expect("a catch-up worker panicked")?);
                    }
                    Ok::<_, String>(all)
                })
            })
            .map_err(PyValueError::new_err)?;
        let (mut changed, mut moved, mut records) = (Vec::new(), Vec::new(), Vec::new());
        for (i, bytes, to, stored) in decided {
            changed.push((i, PyBytes::new(py, &bytes)));
            if let Some(version) = to {
                moved.push((i, version));
            }
            for r in stored {
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
        let d = registry.lookup(deployment).map_err(registry_error)?;
        let rule = registry
            .version(d)
            .rule
            .clone()
            .ok_or_else(|| PyValueError::new_err(format!("'{deployment}' is a root version: it has no path")))?;
        let words = |b: &[u8], what: &str| -> PyResult<Vec<u32>> {
            if b.len() % 4 != 0 {
                return Err(PyValueError::new_err(format!("{what} must be a whole number of u32 values")));
            }
            Ok(b.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect())
        };
        let (path, offsets, events) = (words(path, "path")?, words(offsets, "offsets")?, words(events, "events")?);
        if path.len() != rule.path.len() {
            return Err(PyValueError::new_err(format!("the path has {} events, the deployment's has {}", path.len(), rule.path.len())));
        }
        if prefix_fps.len() % 8 != 0 {
            return Err(PyValueError::new_err("prefix_fps must be a whole number of u64 values"));
        }
        let fps: Vec<u64> = prefix_fps.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes"))).collect();
        let histories = Histories { offsets: &offsets, events: &events, prefix_fps: &fps };
        histories.check().map_err(PyValueError::new_err)?;
        let (codes, indices) = py.allow_threads(|| {
            let (mut codes, mut indices) = (Vec::new(), Vec::new());
            scan::match_many(&path, rule.path_fp, rule.match_mode, &histories, &mut codes, &mut indices);
            (codes, indices)
        });
        let index_bytes: Vec<u8> = indices.iter().flat_map(|i| i.to_le_bytes()).collect();
        Ok((PyBytes::new(py, &codes), PyBytes::new(py, &index_bytes)))
    }
}

/// Batches at least this big are decided on several threads.
const PARALLEL_FROM: usize = 512;

/// What catching up one stored actor produced: its position, its new bytes, the version it
/// moved to, and its records in their stored form.
type CaughtUpAt = (usize, Vec<u8>, Option<u32>, Vec<StoredRecord>);

/// Catch up `part` (positions from `offset`), keeping only the actors that got records.
fn catch_up_part(registry: &Registry, part: &[&[u8]], offset: usize, at: f64) -> Result<Vec<CaughtUpAt>, String> {
    let mut outcomes = Vec::new();
    for (k, data) in part.iter().enumerate() {
        let i = offset + k;
        let actor = Actor::from_bytes(registry, data).map_err(|e| format!("actor {i}: {e}"))?;
        let caught = records::catch_up(registry, actor, at);
        if !caught.records.is_empty() {
            outcomes.push((i, caught.actor.to_bytes(registry), caught.moved_to, caught.records));
        }
    }
    Ok(outcomes)
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
    /// The actor in a newer view of the registry (versions are never removed, so it fits).
    fn rebase(&self, registry: &Arc<Registry>) -> PyResult<Actor> {
        if (self.inner.version as usize) < registry.len()
            && registry.version(self.inner.version).id == self.registry.version(self.inner.version).id
        {
            Ok(self.inner.clone())
        } else {
            Err(PyValueError::new_err("this actor belongs to another registry"))
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
        to_py(py, &state_value(&self.registry.version(self.inner.version).machine, &self.inner.snapshot))
    }

    #[getter]
    fn status(&self) -> &'static str {
        self.inner.snapshot.status.as_str()
    }

    /// The handled event types, oldest first.
    #[getter]
    fn history(&self) -> Vec<String> {
        self.inner.history.iter().map(|e| e.event.clone()).collect()
    }

    /// The guard outcomes recorded with each handled event.
    #[getter]
    fn guards<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for entry in &self.inner.history {
            let dict = PyDict::new(py);
            for (name, outcome) in &entry.guards {
                dict.set_item(name, *outcome)?;
            }
            list.append(dict)?;
        }
        Ok(list)
    }

    #[getter]
    fn chain(&self) -> Vec<u64> {
        self.inner.chain.clone()
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

    /// How many commits the actor has seen.
    #[getter]
    fn watermark(&self) -> u64 {
        self.inner.watermark
    }

    /// How many events it has handled.
    #[getter]
    fn history_length(&self) -> usize {
        self.inner.history.len()
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
        format!("ActorState(version={:?}, history={:?})", self.version(), self.history())
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
