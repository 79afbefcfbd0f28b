//! statekeep's side of the differential fuzzer in tools/xstate-fuzz.
//!
//! Reads one case per line on stdin, `{"machine", "initialGuards", "steps": [{"event", "guards"}]}`,
//! and writes one line per case, in the same order, with what statekeep did:
//! `{"initial": R, "steps": [R, ...]}` where R is `{"value", "status", "actions", "legal"}`, or
//! `{"error": "..."}` for the step that failed (the steps after it are not run), or
//! `{"compileError": "..."}` when the definition is refused. `legal` is false when statekeep's
//! own configuration fails its snapshot validation, which should never happen.
//!
//! Output is flushed after every line whose case ends a batch: an empty input line asks for a
//! flush, so the driver can stream batches through one process.

use serde_json::{json, Map, Value};
use statekeep_core::{compile, initial, transition, Machine, StepOutput};
use std::io::{BufRead, BufWriter, Write};

fn guard_table(machine: &Machine, table: &Value) -> Vec<Option<bool>> {
    let pairs = table.as_object().map(|o| o.iter().filter_map(|(k, v)| v.as_bool().map(|b| (k.as_str(), b))).collect::<Vec<_>>());
    machine.guard_table(pairs.unwrap_or_default())
}

fn report(machine: &Machine, step: &StepOutput) -> Value {
    let actions: Vec<Value> = step.actions.iter().map(|&a| Value::from(machine.action(a).kind.as_str())).collect();
    let mut out = Map::new();
    out.insert("value".into(), statekeep_core::value::state_value(machine, &step.snapshot));
    out.insert("status".into(), Value::from(step.snapshot.status.as_str()));
    out.insert("actions".into(), Value::Array(actions));
    out.insert("legal".into(), Value::from(step.snapshot.validate(machine).is_ok()));
    Value::Object(out)
}

fn event_type(step: &Value) -> Option<&str> {
    match &step["event"] {
        Value::String(s) => Some(s),
        other => other["type"].as_str(),
    }
}

fn run(case: &Value) -> Value {
    let machine = match compile(&case["machine"], true) {
        Ok(m) => m,
        Err(e) => return json!({ "compileError": e.to_string() }),
    };
    let mut step = match initial(&machine, &guard_table(&machine, &case["initialGuards"])) {
        Ok(s) => s,
        Err(e) => return json!({ "initial": { "error": e.to_string() }, "steps": [] }),
    };
    let first = report(&machine, &step);
    let mut steps = Vec::new();
    for input in case["steps"].as_array().map(Vec::as_slice).unwrap_or_default() {
        let Some(event) = event_type(input) else {
            steps.push(json!({ "error": "the step has no event type" }));
            break;
        };
        match transition(&machine, &step.snapshot, event, &guard_table(&machine, &input["guards"])) {
            Ok(next) => {
                steps.push(report(&machine, &next));
                step = next;
            }
            Err(e) => {
                steps.push(json!({ "error": e.to_string() }));
                break;
            }
        }
    }
    json!({ "initial": first, "steps": steps })
}

fn main() {
    let stdin = std::io::stdin();
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line.expect("stdin is readable");
        if line.trim().is_empty() {
            out.flush().expect("stdout is writable");
            continue;
        }
        let result = match serde_json::from_str::<Value>(&line) {
            Ok(case) => run(&case),
            Err(e) => json!({ "inputError": e.to_string() }),
        };
        serde_json::to_writer(&mut out, &result).expect("stdout is writable");
        out.write_all(b"\n").expect("stdout is writable");
    }
    out.flush().expect("stdout is writable");
}
