//! `statekeep._core`: the Python face of the core. Thin by design: conversion at the boundary,
//! every decision in the pure modules.

mod convert;
mod engine;
mod errors;
mod routing;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    use engine::*;
    m.add_class::<PyMachine>()?;
    m.add_class::<PySnapshot>()?;
    m.add_class::<Step>()?;
    m.add_class::<Replay>()?;
    m.add_class::<routing::PyRegistry>()?;
    m.add_class::<routing::PyActor>()?;
    m.add_class::<routing::Spawned>()?;
    m.add_class::<routing::SendOutcome>()?;
    m.add_class::<routing::CaughtUpOutcome>()?;
    m.add_class::<routing::Released>()?;
    m.add_class::<routing::ItemSent>()?;
    m.add_function(wrap_pyfunction!(fingerprint, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint_chain, m)?)?;
    m.add_function(wrap_pyfunction!(fingerprint_extend, m)?)?;
    m.add_function(wrap_pyfunction!(timers_after_landing, m)?)?;
    m.add("FINGERPRINT_OFFSET_BASIS", crate::fingerprint::OFFSET_BASIS)?;
    m.add("MICROSTEP_LIMIT", crate::stepper::MICROSTEP_LIMIT)?;
    m.add("MAX_STATE_DEPTH", crate::compile::MAX_STATE_DEPTH)?;
    m.add("MAX_JSON_DEPTH", crate::compile::MAX_JSON_DEPTH)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
