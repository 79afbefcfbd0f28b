//! Values across the boundary: JSON to Python objects and back.

use crate::compile::{MAX_JSON_DEPTH, MAX_STATE_DEPTH};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::{Map, Value};

pub fn optional_to_py(py: Python<'_>, value: Option<&Value>) -> PyResult<PyObject> {
    match value {
        Some(v) => to_py(py, v),
        None => Ok(py.None()),
    }
}

/// JSON to Python: objects to dicts (key order kept), arrays to lists.
pub fn to_py(py: Python<'_>, value: &Value) -> PyResult<PyObject> {
    Ok(match value {
        Value::Null => py.None(),
        Value::Bool(b) => PyBool::new(py, *b).to_owned().into_any().unbind(),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                i.into_pyobject(py)?.into_any().unbind()
            } else if let Some(u) = n.as_u64() {
                u.into_pyobject(py)?.into_any().unbind()
            } else {
                n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any().unbind()
            }
        }
        Value::String(s) => PyString::new(py, s).into_any().unbind(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any().unbind()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any().unbind()
        }
    })
}

/// What `to_json` calls a definition in its messages.
pub const DEFINITION: &str = "the definition";

/// Python to JSON, for definitions given as dicts. Refuses what JSON cannot hold, and more than
/// [`MAX_JSON_DEPTH`] levels of nesting (`what` names the value in that message).
pub fn to_json(obj: &Bound<'_, PyAny>, what: &str) -> Result<Value, String> {
    to_json_at(obj, 1).map_err(|e| match e {
        Refusal::TooDeep => {
            let states = if what == DEFINITION { format!("; states may be nested at most {MAX_STATE_DEPTH} deep") } else { String::new() };
            format!("{what} is nested more than {MAX_JSON_DEPTH} levels deep{states}")
        }
        Refusal::Other(message) => message,
    })
}

enum Refusal {
    TooDeep,
    Other(String),
}

impl From<String> for Refusal {
    fn from(message: String) -> Self {
        Refusal::Other(message)
    }
}

/// `level` is the level an array or object here would be at (the root object is level 1).
fn to_json_at(obj: &Bound<'_, PyAny>, level: usize) -> Result<Value, Refusal> {
    // The common kinds first; bool before int (it is a subclass).
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(Value::String(s.to_str().map_err(|e| e.to_string())?.to_owned()));
    }
    if let Ok(d) = obj.downcast::<PyDict>() {
        if level > MAX_JSON_DEPTH {
            return Err(Refusal::TooDeep);
        }
        let mut map = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key = k.downcast::<PyString>().map_err(|_| "object keys must be strings".to_string())?;
            map.insert(key.to_str().map_err(|e| e.to_string())?.to_owned(), to_json_at(&v, level + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if let Ok(list) = obj.downcast::<PyList>() {
        if level > MAX_JSON_DEPTH {
            return Err(Refusal::TooDeep);
        }
        let mut items = Vec::with_capacity(list.len());
        for item in list.iter() {
            items.push(to_json_at(&item, level + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if let Ok(tuple) = obj.downcast::<PyTuple>() {
        if level > MAX_JSON_DEPTH {
            return Err(Refusal::TooDeep);
        }
        let mut items = Vec::with_capacity(tuple.len());
        for item in tuple.iter() {
            items.push(to_json_at(&item, level + 1)?);
        }
        return Ok(Value::Array(items));
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(b) = obj.downcast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if obj.is_instance_of::<PyInt>() {
        if let Ok(i) = obj.extract::<i64>() {
            return Ok(Value::from(i));
        }
        if let Ok(u) = obj.extract::<u64>() {
            return Ok(Value::from(u));
        }
        return Err("an integer does not fit in 64 bits".to_string().into());
    }
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| "NaN and infinity are not JSON".to_string().into());
    }
    let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(format!("a value of type {name} is not JSON").into())
}
