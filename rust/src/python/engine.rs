//! The engine's classes: `Machine`, `Snapshot`, `Step`, `Replay`, and the fingerprint functions.

use crate::fingerprint::{self as fp, fnv1a};
use crate::model::Machine;
use crate::snapshot::{Snapshot, Status};
use crate::stepper::{self, Effect, Placed, StepOutput};
use crate::{compile, compile_str, replay, value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyList, PyString};
use std::sync::Arc;

use super::convert::{optional_to_py, to_json, to_py, DEFINITION};
use super::errors::{snapshot_error, step_error, DefinitionError, SnapshotError};

/// A compiled machine definition.
#[pyclass(module = "statekeep._core", name = "Machine", frozen, subclass)]
pub struct PyMachine {
    pub(crate) inner: Arc<Machine>,
}

#[pymethods]
impl PyMachine {
    /// Compile a definition as `Machine(...)` does, and give its JSON text as the core reads it
    /// (compact, its key order kept): one form whatever the definition came as.
    #[staticmethod]
    #[pyo3(signature = (definition, guard_default = true))]
    fn compile_with_text(py: Python<'_>, definition: &Bound<'_, PyAny>, guard_default: bool) -> PyResult<(Self, String)> {
        let value = if let Ok(text) = definition.downcast::<PyString>() {
            let text = text.to_str()?;
            py.allow_threads(|| crate::compile::parse(text))
        } else if let Ok(bytes) = definition.downcast::<PyBytes>() {
            let bytes = bytes.as_bytes();
            py.allow_threads(|| match std::str::from_utf8(bytes) {
                Ok(text) => crate::compile::parse(text),
                Err(e) => Err(crate::DefinitionError::new("$", format!("the definition is not UTF-8: {e}"))),
            })
        } else {
            to_json(definition, DEFINITION).map_err(|e| crate::DefinitionError::new("$", e))
        };
        let value = value.map_err(|e| DefinitionError::new_err((e.to_string(), e.path.clone())))?;
        let compiled = py.allow_threads(move || {
            let compiled = crate::compile::compile_with_text(&value, guard_default);
            drop(value);
            compiled
        });
        let (machine, text) = compiled.map_err(|e| DefinitionError::new_err((e.to_string(), e.path.clone())))?;
        Ok((PyMachine { inner: Arc::new(machine) }, text))
    }

    #[new]
    #[pyo3(signature = (definition, guard_default = true))]
    fn new(py: Python<'_>, definition: &Bound<'_, PyAny>, guard_default: bool) -> PyResult<Self> {
        // Parsing and compiling run with the GIL released; a dict is first copied into owned
        // JSON while it is held. (A str or bytes object is immutable, so its buffer is read
        // in place.)
        let compiled = if let Ok(text) = definition.downcast::<PyString>() {
            let text = text.to_str()?;
            py.allow_threads(|| compile_str(text, guard_default))
        } else if let Ok(bytes) = definition.downcast::<PyBytes>() {
            let bytes = bytes.as_bytes();
            py.allow_threads(|| match std::str::from_utf8(bytes) {
                Ok(text) => compile_str(text, guard_default),
                Err(e) => Err(crate::DefinitionError::new("$", format!("the definition is not UTF-8: {e}"))),
            })
        } else {
            let value = to_json(definition, DEFINITION).map_err(|e| DefinitionError::new_err((format!("$: {e}"), "$")))?;
            py.allow_threads(move || {
                let compiled = compile(&value, guard_default);
                drop(value);
                compiled
            })
        };
        let machine = compiled.map_err(|e| DefinitionError::new_err((e.to_string(), e.path.clone())))?;
        Ok(PyMachine { inner: Arc::new(machine) })
    }

    /// The machine's id (`"(machine)"` when the definition gives none).
    #[getter]
    fn id(&self) -> &str {
        &self.inner.id
    }

    #[getter]
    fn guard_default(&self) -> bool {
        self.inner.guard_default
    }

    /// A 64-bit digest of the definition; a snapshot only loads into a machine with the same digest.
    #[getter]
    fn digest(&self) -> u64 {
        self.inner.digest
    }

    /// The guard names the definition references, in order of first use.
    #[getter]
    fn guards(&self) -> Vec<String> {
        self.inner.guard_names.clone()
    }

    /// Whether any state has delayed transitions (`after`): a host keeps no timers otherwise.
    #[getter]
    fn has_timers(&self) -> bool {
        self.inner.nodes.iter().any(|node| !node.delays.is_empty())
    }

    /// The named delays of `after`, each with the JSON path of its entry: a host gives each a
    /// duration.
    #[getter]
    fn named_delays(&self) -> Vec<(String, String)> {
        self.inner.named_delays()
    }

    /// The root's `context`, or `None`.
    #[getter]
    fn context(&self, py: Python<'_>) -> PyResult<PyObject> {
        optional_to_py(py, self.inner.context.as_ref())
    }

    /// The number of state nodes, history states included.
    #[getter]
    fn size(&self) -> usize {
        self.inner.len()
    }

    /// Start the machine: the first step, with the initial configuration's entry actions.
    #[pyo3(signature = (guards = None))]
    fn initial(&self, py: Python<'_>, guards: Option<&Bound<'_, PyDict>>) -> PyResult<Step> {
        let table = guard_table(&self.inner, guards)?;
        let out = stepper::initial(&self.inner, &table).map_err(step_error)?;
        Step::new(py, &self.inner, out)
    }

    /// Send `event` (a type, or a dict with a `type`) to the machine in state `snapshot`.
    #[pyo3(signature = (snapshot, event, guards = None))]
    fn transition(
        &self,
        py: Python<'_>,
        snapshot: &Bound<'_, PySnapshot>,
        event: &Bound<'_, PyAny>,
        guards: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<Step> {
        let snap = snapshot.get();
        self.check_owner(snap)?;
        let event_type = event_type(event)?;
        let table = guard_table(&self.inner, guards)?;
        let out = stepper::transition(&self.inner, &snap.inner, &event_type, &table).map_err(step_error)?;
        Step::new(py, &self.inner, out)
    }

    /// A snapshot from the bytes of `Snapshot.to_bytes()`; refuses bytes of another definition.
    fn load_snapshot(&self, data: &[u8]) -> PyResult<PySnapshot> {
        let snapshot = Snapshot::from_bytes(&self.inner, data).map_err(snapshot_error)?;
        Ok(PySnapshot { machine: self.inner.clone(), inner: snapshot })
    }

    /// The snapshot a state value denotes (XState's `resolveState`): unnamed children of
    /// compound states start in their initial state. Refuses names that do not exist and two
    /// children of one compound state.
    fn resolve_value(&self, value: &Bound<'_, PyAny>) -> PyResult<PySnapshot> {
        let value = to_json(value, "the state value").map_err(SnapshotError::new_err)?;
        let snapshot = value::snapshot_from_value(&self.inner, &value).map_err(snapshot_error)?;
        Ok(PySnapshot { machine: self.inner.clone(), inner: snapshot })
    }

    /// Replay many events in one call, with the GIL released: from `snapshot`, or from the
    /// initial state entered with `initial_guards`. `guards` is one table per event (or `None`).
    /// With `stop_at_unhandled`, the replay ends at the first event that is not handled.
    #[pyo3(signature = (events, guards = None, snapshot = None, initial_guards = None, stop_at_unhandled = false))]
    fn replay(
        &self,
        py: Python<'_>,
        events: &Bound<'_, PyAny>,
        guards: Option<&Bound<'_, PyAny>>,
        snapshot: Option<&Bound<'_, PySnapshot>>,
        initial_guards: Option<&Bound<'_, PyDict>>,
        stop_at_unhandled: bool,
    ) -> PyResult<Replay> {
        let types: Vec<String> = events.try_iter()?.map(|e| event_type(&e?)).collect::<PyResult<_>>()?;
        let tables: Vec<Vec<Option<bool>>> = match guards {
            None => vec![Vec::new(); types.len()],
            Some(list) => {
                let tables: Vec<Vec<Option<bool>>> = list
                    .try_iter()?
                    .map(|t| {
                        let t = t?;
                        if t.is_none() {
                            Ok(Vec::new())
                        } else {
                            guard_table(&self.inner, Some(t.downcast::<PyDict>()?))
                        }
                    })
                    .collect::<PyResult<_>>()?;
                if tables.len() != types.len() {
                    return Err(PyTypeError::new_err(format!(
                        "guards has {} tables for {} events; give one per event, or None",
                        tables.len(),
                        types.len()
                    )));
                }
                tables
            }
        };
        let start = match snapshot {
            Some(s) => {
                self.check_owner(s.get())?;
                Some(s.get().inner.clone())
            }
            None => None,
        };
        let initial_table = guard_table(&self.inner, initial_guards)?;
        let machine = self.inner.clone();
        let outcome = py
            .allow_threads(|| {
                let pairs = types.iter().map(String::as_str).zip(tables.iter().map(Vec::as_slice));
                replay::replay(&machine, start.as_ref(), &initial_table, pairs, stop_at_unhandled)
            })
            .map_err(step_error)?;
        Ok(Replay {
            snapshot: Py::new(py, PySnapshot { machine: self.inner.clone(), inner: outcome.snapshot })?,
            handled: outcome.handled,
            first_unhandled: outcome.first_unhandled,
            unhandled_in: match outcome.unhandled_in {
                Some(s) => Some(Py::new(py, PySnapshot { machine: self.inner.clone(), inner: s })?),
                None => None,
            },
        })
    }

    fn __repr__(&self) -> String {
        format!("Machine(id={:?}, states={})", self.inner.id, self.inner.len())
    }
}

impl PyMachine {
    fn check_owner(&self, snapshot: &PySnapshot) -> PyResult<()> {
        if snapshot.machine.digest != self.inner.digest {
            return Err(SnapshotError::new_err(format!(
                "this snapshot belongs to machine '{}' (digest {:016x}), not to '{}' (digest {:016x})",
                snapshot.machine.id, snapshot.machine.digest, self.inner.id, self.inner.digest
            )));
        }
        Ok(())
    }
}

/// An opaque machine state. `to_bytes()` gives its durable form; `Machine.load_snapshot` reads it.
#[pyclass(module = "statekeep._core", name = "Snapshot", frozen)]
pub struct PySnapshot {
    pub(crate) machine: Arc<Machine>,
    pub(crate) inner: Snapshot,
}

#[pymethods]
impl PySnapshot {
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes(&self.machine))
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        self.to_bytes(py)
    }

    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<PyObject> {
        to_py(py, &value::state_value(&self.machine, &self.inner))
    }

    /// The delayed transitions this configuration has running, as `(event, delay)`.
    #[getter]
    fn timers(&self, py: Python<'_>) -> PyResult<Vec<(String, PyObject)>> {
        self.machine.timers(&self.inner.config).into_iter().map(|(event, delay)| Ok((event.to_string(), to_py(py, delay)?))).collect()
    }

    #[getter]
    fn status(&self) -> &'static str {
        self.inner.status.as_str()
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.downcast::<PySnapshot>() {
            Ok(o) => o.get().machine.digest == self.machine.digest && o.get().inner == self.inner,
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> u64 {
        fnv1a(&self.inner.to_bytes(&self.machine))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value(py)?;
        Ok(format!("Snapshot(value={}, status='{}')", value.bind(py).repr()?, self.status()))
    }
}

/// The result of one step: the new snapshot, its value and status, the actions to run, the
/// effects (timers, invocations) to carry out, and whether the event was handled.
#[pyclass(module = "statekeep._core", name = "Step", frozen)]
pub struct Step {
    machine: Arc<Machine>,
    #[pyo3(get)]
    snapshot: Py<PySnapshot>,
    #[pyo3(get)]
    handled: bool,
    actions: Vec<u32>,
    effects: Vec<Placed>,
}

impl Step {
    pub(crate) fn new(py: Python<'_>, machine: &Arc<Machine>, out: StepOutput) -> PyResult<Step> {
        Ok(Step {
            machine: machine.clone(),
            snapshot: Py::new(py, PySnapshot { machine: machine.clone(), inner: out.snapshot })?,
            handled: out.handled,
            actions: out.actions,
            effects: out.effects,
        })
    }
}

#[pymethods]
impl Step {
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<PyObject> {
        self.snapshot.get().value(py)
    }

    #[getter]
    fn status(&self) -> &'static str {
        self.snapshot.get().inner.status.as_str()
    }

    /// The machine's `output` once it is done, else `None`.
    #[getter]
    fn output(&self, py: Python<'_>) -> PyResult<PyObject> {
        match self.snapshot.get().inner.status {
            Status::Done => optional_to_py(py, self.machine.output.as_ref()),
            _ => Ok(py.None()),
        }
    }

    /// Each action as `{"type": ..., "params": ...}` (`params` only where the definition gives it).
    #[getter]
    fn actions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for &a in &self.actions {
            let action = self.machine.action(a);
            let dict = PyDict::new(py);
            dict.set_item("type", &action.kind)?;
            if let Some(params) = &action.params {
                dict.set_item("params", to_py(py, params)?)?;
            }
            list.append(dict)?;
        }
        Ok(list)
    }

    /// Timers and invocations to carry out, in order: `schedule`/`cancel` with the delayed
    /// `event` (and its `delay`), `start`/`stop` with the invocation's `id` (and `src`, `input`);
    /// each names the `state` it belongs to and its place `at` among the actions (how many ran
    /// before it).
    #[getter]
    fn effects<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for effect in &self.effects {
            list.append(effect_dict(py, &self.machine, effect)?)?;
        }
        Ok(list)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = self.value(py)?;
        Ok(format!(
            "Step(value={}, status='{}', handled={}, actions={})",
            value.bind(py).repr()?,
            self.status(),
            if self.handled { "True" } else { "False" },
            self.actions.len()
        ))
    }
}

/// The outcome of `Machine.replay`.
#[pyclass(module = "statekeep._core", name = "Replay", frozen)]
pub struct Replay {
    #[pyo3(get)]
    snapshot: Py<PySnapshot>,
    #[pyo3(get)]
    handled: Vec<bool>,
    /// The index of the first event not handled, or `None` when every event was.
    #[pyo3(get)]
    first_unhandled: Option<usize>,
    /// The state in which that event was not handled.
    #[pyo3(get)]
    unhandled_in: Option<Py<PySnapshot>>,
}

#[pymethods]
impl Replay {
    #[getter]
    fn value(&self, py: Python<'_>) -> PyResult<PyObject> {
        self.snapshot.get().value(py)
    }

    #[getter]
    fn status(&self) -> &'static str {
        self.snapshot.get().inner.status.as_str()
    }

    /// Whether every event was handled (the routing law's compliance).
    #[getter]
    fn compliant(&self) -> bool {
        self.first_unhandled.is_none()
    }
}

fn effect_dict<'py>(py: Python<'py>, machine: &Machine, placed: &Placed) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    let effect = &placed.effect;
    match *effect {
        Effect::Schedule { node, delay } | Effect::Cancel { node, delay } => {
            let d = &machine.node(node).delays[delay as usize];
            let event = machine.event_name(d.event);
            let scheduling = matches!(effect, Effect::Schedule { .. });
            dict.set_item("type", if scheduling { "schedule" } else { "cancel" })?;
            dict.set_item("event", event)?;
            if scheduling {
                dict.set_item("delay", to_py(py, &d.delay)?)?;
            }
        }
        Effect::Start { node, invoke } | Effect::Stop { node, invoke } => {
            let inv = &machine.node(node).invokes[invoke as usize];
            let starting = matches!(effect, Effect::Start { .. });
            dict.set_item("type", if starting { "start" } else { "stop" })?;
            dict.set_item("id", &inv.id)?;
            if starting {
                dict.set_item("src", &inv.src)?;
                if let Some(input) = &inv.input {
                    dict.set_item("input", to_py(py, input)?)?;
                }
            }
        }
    }
    dict.set_item("state", machine.node(node_of(effect)).id.as_str())?;
    dict.set_item("at", placed.at)?;
    Ok(dict)
}

fn node_of(effect: &Effect) -> u32 {
    match *effect {
        Effect::Schedule { node, .. } | Effect::Cancel { node, .. } | Effect::Start { node, .. } | Effect::Stop { node, .. } => node,
    }
}

pub(crate) fn event_type(event: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = event.downcast::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    if let Ok(d) = event.downcast::<PyDict>() {
        return match d.get_item("type")? {
            Some(t) => match t.downcast::<PyString>() {
                Ok(s) => Ok(s.to_str()?.to_owned()),
                Err(_) => Err(PyTypeError::new_err("an event's `type` must be a string")),
            },
            None => Err(PyTypeError::new_err("an event dict needs a `type`")),
        };
    }
    Err(PyTypeError::new_err(format!("an event is a type string or a dict with a `type`, not {}", event.get_type().name()?)))
}

/// Visit each `(name, outcome)` of a guard dict, refusing anything but strings and booleans.
pub(crate) fn for_each_guard(guards: Option<&Bound<'_, PyDict>>, mut visit: impl FnMut(&str, bool)) -> PyResult<()> {
    if let Some(guards) = guards {
        for (name, outcome) in guards.iter() {
            let name = name.downcast::<PyString>().map_err(|_| PyTypeError::new_err("guard names must be strings"))?;
            let outcome = outcome
                .downcast::<PyBool>()
                .map_err(|_| PyTypeError::new_err(format!("the outcome of guard '{}' must be True or False", name.to_string_lossy())))?;
            visit(name.to_str()?, outcome.is_true());
        }
    }
    Ok(())
}

pub(crate) fn guard_table(machine: &Machine, guards: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<Option<bool>>> {
    let mut table = vec![None; machine.guard_names.len()];
    for_each_guard(guards, |name, outcome| {
        if let Some(&ix) = machine.guard_index.get(name) {
            table[ix as usize] = Some(outcome);
        }
    })?;
    Ok(table)
}

/// `fingerprint(event_types) -> int`: the routing law's FNV-1a fingerprint of a history.
#[pyfunction]
pub(crate) fn fingerprint(event_types: &Bound<'_, PyAny>) -> PyResult<u64> {
    let mut fp = fp::OFFSET_BASIS;
    for t in event_types.try_iter()? {
        let t = t?;
        fp = fp::extend(fp, t.downcast::<PyString>()?.to_str()?);
    }
    Ok(fp)
}

/// `fingerprint_chain(event_types) -> list[int]`: the fingerprint at every depth, `n + 1` values.
#[pyfunction]
pub(crate) fn fingerprint_chain(event_types: &Bound<'_, PyAny>) -> PyResult<Vec<u64>> {
    let mut fp = fp::OFFSET_BASIS;
    let mut out = vec![fp];
    for t in event_types.try_iter()? {
        let t = t?;
        fp = fp::extend(fp, t.downcast::<PyString>()?.to_str()?);
        out.push(fp);
    }
    Ok(out)
}

/// `fingerprint_extend(fingerprint, event_type) -> int`: one more event on a known fingerprint.
#[pyfunction]
pub(crate) fn fingerprint_extend(fingerprint: u64, event_type: &str) -> u64 {
    fp::extend(fingerprint, event_type)
}

/// The timers an actor has after landing on a version: for each `(event, duration ms)` of the
/// landing configuration, its due time (ms) as the deployment's `policy` (`"keep"` or
/// `"restart"`) says, given the `(event, due ms)` timers it had.
#[pyfunction]
pub(crate) fn timers_after_landing(
    before: Vec<(String, u64)>,
    landing: Vec<(String, u64)>,
    policy: &str,
    now: u64,
) -> PyResult<Vec<(String, u64)>> {
    let policy = match policy {
        "keep" => crate::routing::timers::TimerPolicy::Keep,
        "restart" => crate::routing::timers::TimerPolicy::Restart,
        other => return Err(crate::error::CoreError::Invalid(format!("timers must be \"keep\" or \"restart\", not {other:?}")).into()),
    };
    Ok(crate::routing::timers::after_landing(&before, &landing, policy, now))
}
