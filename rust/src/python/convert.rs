//! Values across the boundary: JSON to Python objects and back.

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

/// Python to JSON, for definitions given as dicts. Refuses what JSON cannot hold.
pub fn to_json(obj: &Bound<'_, PyAny>) -> Result<Value, String> {
    to_json_at(obj, 0)
}

fn to_json_at(obj: &Bound<'_, PyAny>, depth: usize) -> Result<Value, String> {
    // Far deeper than any real definition, far shallower than the native stack.
    if depth > 256 {
        return Err("the definition is nested more than 256 levels deep".into());
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
        return Err("an integer does not fit in 64 bits".into());
    }
    if let Ok(f) = obj.downcast::<PyFloat>() {
        return serde_json::Number::from_f64(f.value()).map(Value::Number).ok_or_else(|| "NaN and infinity are not JSON".into());
    }
    if let Ok(s) = obj.downcast::<PyString>() {
        return Ok(Value::String(s.to_str().map_err(|e| e.to_string())?.to_owned()));
    }
    if let Ok(d) = obj.downcast::<PyDict>() {
        let mut map = Map::new();
        for (k, v) in d.iter() {
            let key = k.downcast::<PyString>().map_err(|_| "object keys must be strings".to_string())?;
            map.insert(key.to_str().map_err(|e| e.to_string())?.to_owned(), to_json_at(&v, depth + 1)?);
        }
        return Ok(Value::Object(map));
    }
    if obj.downcast::<PyList>().is_ok() || obj.downcast::<PyTuple>().is_ok() {
        let mut items = Vec::new();
        for item in obj.try_iter().map_err(|e| e.to_string())? {
            items.push(to_json_at(&item.map_err(|e| e.to_string())?, depth + 1)?);
        }
        return Ok(Value::Array(items));
    }
    let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(format!("a value of type {name} is not JSON"))
}
