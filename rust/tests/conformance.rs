//! Every case recorded from XState 5.33.3 (tests/conformance, and the differences found once
//! and kept in tests/regressions): the initial step and every event must give XState's value,
//! status and actions. No exceptions list.

use serde_json::Value;
use statekeep_core::{compile, initial, transition, Effect, Machine, StepOutput};
use std::path::PathBuf;

fn corpus(name: &str) -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("case is JSON")).collect()
}

fn guards(machine: &Machine, table: &Value) -> Vec<Option<bool>> {
    let pairs = table.as_object().map(|o| o.iter().map(|(k, v)| (k.as_str(), v.as_bool().expect("bool"))).collect::<Vec<_>>());
    machine.guard_table(pairs.unwrap_or_default())
}

fn action_names(machine: &Machine, step: &StepOutput) -> Vec<String> {
    step.actions.iter().map(|&a| machine.action(a).kind.clone()).collect()
}

fn check(step: &StepOutput, machine: &Machine, expected: &Value, what: &str) -> Result<(), String> {
    let value = statekeep_core::value::state_value(machine, &step.snapshot);
    if value != expected["value"] {
        return Err(format!("{what}: value {value} != expected {}", expected["value"]));
    }
    if step.snapshot.status.as_str() != expected["status"].as_str().unwrap() {
        return Err(format!("{what}: status {} != expected {}", step.snapshot.status.as_str(), expected["status"]));
    }
    let actions = action_names(machine, step);
    let want: Vec<String> = expected["actions"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect();
    if actions != want {
        return Err(format!("{what}: actions {actions:?} != expected {want:?}"));
    }
    Ok(())
}

fn run_case(case: &Value) -> Result<(), String> {
    let machine = compile(&case["machine"], true).map_err(|e| format!("compile: {e}"))?;
    let init = &case["initial"];
    let mut step = initial(&machine, &guards(&machine, &init["guards"])).map_err(|e| e.to_string())?;
    check(&step, &machine, init, "initial")?;
    for (i, expected) in case["steps"].as_array().unwrap().iter().enumerate() {
        let event = expected["event"]["type"].as_str().unwrap();
        step = transition(&machine, &step.snapshot, event, &guards(&machine, &expected["guards"])).map_err(|e| e.to_string())?;
        check(&step, &machine, expected, &format!("step {i} ({event})"))?;
    }
    Ok(())
}

fn run_file(name: &str) {
    let cases = corpus(name);
    assert!(!cases.is_empty());
    let failures: Vec<String> =
        cases.iter().filter_map(|case| run_case(case).err().map(|e| format!("{}: {e}", case["id"].as_str().unwrap()))).collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn handwritten_cases_match_xstate() {
    run_file("conformance/xstate-handwritten.jsonl");
}

#[test]
fn regression_cases_match_xstate() {
    run_file("regressions/xstate-regressions.jsonl");
}

#[test]
fn public_cases_match_xstate() {
    run_file("conformance/xstate-public.jsonl");
}

/// The effects of a step in the recorded form: `{type, event, delay}` for timers,
/// `{type, id, src, input}` for invocations, each with `at`, its place among the actions.
fn effects(machine: &Machine, step: &StepOutput) -> Vec<Value> {
    step.effects
        .iter()
        .map(|placed| {
            let mut e = serde_json::Map::new();
            match placed.effect {
                Effect::Schedule { node, delay } | Effect::Cancel { node, delay } => {
                    let d = &machine.node(node).delays[delay as usize];
                    let schedule = matches!(placed.effect, Effect::Schedule { .. });
                    e.insert("type".into(), Value::from(if schedule { "schedule" } else { "cancel" }));
                    e.insert("event".into(), Value::from(machine.event_name(d.event)));
                    if schedule {
                        e.insert("delay".into(), d.delay.clone());
                    }
                }
                Effect::Start { node, invoke } | Effect::Stop { node, invoke } => {
                    let inv = &machine.node(node).invokes[invoke as usize];
                    let start = matches!(placed.effect, Effect::Start { .. });
                    e.insert("type".into(), Value::from(if start { "start" } else { "stop" }));
                    e.insert("id".into(), Value::from(inv.id.as_str()));
                    if start {
                        e.insert("src".into(), Value::from(inv.src.as_str()));
                        if let Some(input) = &inv.input {
                            e.insert("input".into(), input.clone());
                        }
                    }
                }
            }
            e.insert("at".into(), Value::from(placed.at));
            Value::Object(e)
        })
        .collect()
}

fn actions_with_params(machine: &Machine, step: &StepOutput) -> Vec<Value> {
    step.actions
        .iter()
        .map(|&a| {
            let action = machine.action(a);
            let mut o = serde_json::Map::new();
            o.insert("type".into(), Value::from(action.kind.as_str()));
            if let Some(p) = &action.params {
                o.insert("params".into(), p.clone());
            }
            Value::Object(o)
        })
        .collect()
}

fn check_feature(step: &StepOutput, machine: &Machine, expected: &Value, what: &str) -> Result<(), String> {
    let value = statekeep_core::value::state_value(machine, &step.snapshot);
    let got = (value, step.snapshot.status.as_str(), actions_with_params(machine, step), effects(machine, step));
    let want = (
        expected["value"].clone(),
        expected["status"].as_str().unwrap(),
        expected["actions"].as_array().unwrap().clone(),
        expected["effects"].as_array().unwrap().clone(),
    );
    if got != want {
        return Err(format!("{what}: got {got:?}, expected {want:?}"));
    }
    if let Some(handled) = expected.get("handled") {
        if Some(step.handled) != handled.as_bool() {
            return Err(format!("{what}: handled {} != {handled}", step.handled));
        }
    }
    Ok(())
}

#[test]
fn recorded_feature_cases_match_xstate() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/features/xstate-features.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        count += 1;
        let case: Value = serde_json::from_str(line).unwrap();
        let run = || -> Result<(), String> {
            let machine = compile(&case["machine"], true).map_err(|e| e.to_string())?;
            let mut step = initial(&machine, &guards(&machine, &case["initial"]["guards"])).map_err(|e| e.to_string())?;
            check_feature(&step, &machine, &case["initial"], "initial")?;
            for (i, expected) in case["steps"].as_array().unwrap().iter().enumerate() {
                let event = expected["event"]["type"].as_str().unwrap();
                step = transition(&machine, &step.snapshot, event, &guards(&machine, &expected["guards"])).map_err(|e| e.to_string())?;
                check_feature(&step, &machine, expected, &format!("step {i} ({event})"))?;
            }
            Ok(())
        };
        if let Err(e) = run() {
            failures.push(format!("{}: {e}", case["id"]));
        }
    }
    assert_eq!(count, 44);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The departures from XState (tests/regressions/xstate-departures.jsonl), statekeep's side.
/// Each case records XState 5.33.3's result at step `xstateResult.at` (`node fuzz.mjs
/// --verify-departures` in tools/xstate-fuzz re-runs XState on it); statekeep must refuse the
/// definition with the recorded message, or give the recorded results (when they are pinned:
/// a case the fuzzer appended has none yet) with a legal configuration after every step, where
/// XState's recorded configuration is not one.
#[test]
fn departures_from_xstate_are_legal_where_xstate_is_not() {
    let cases = corpus("regressions/xstate-departures.jsonl");
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        if let Some(message) = case["statekeep"]["compileError"].as_str() {
            match compile(&case["machine"], true) {
                Ok(_) => failures.push(format!("{id}: compiles, expected the error {message}")),
                Err(e) if e.to_string() != message => failures.push(format!("{id}: error {e}, expected {message}")),
                Err(_) => {}
            }
            continue;
        }
        let run = || -> Result<(), String> {
            if case["initial"].get("value").is_some() {
                run_case(case)?;
            }
            let machine = compile(&case["machine"], true).map_err(|e| e.to_string())?;
            let mut step = initial(&machine, &guards(&machine, &case["initial"]["guards"])).map_err(|e| e.to_string())?;
            step.snapshot.validate(&machine).map_err(|e| format!("initial: {e}"))?;
            for (i, s) in case["steps"].as_array().unwrap().iter().enumerate() {
                let event = s["event"]["type"].as_str().unwrap();
                step = transition(&machine, &step.snapshot, event, &guards(&machine, &s["guards"])).map_err(|e| e.to_string())?;
                step.snapshot.validate(&machine).map_err(|e| format!("step {i}: {e}"))?;
            }
            let xstate = &case["xstateResult"];
            let ids: Vec<&str> = xstate["nodes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
            let config = ids
                .iter()
                .map(|id| machine.nodes.iter().position(|n| n.id == *id).map(|ix| ix as u32).ok_or(format!("no state {id}")))
                .collect::<Result<Vec<_>, _>>()?;
            let theirs =
                statekeep_core::Snapshot { config, history: vec![None; machine.history_slots as usize], status: step.snapshot.status };
            if theirs.validate(&machine).is_ok() {
                return Err(format!("XState's recorded configuration {ids:?} is a legal one"));
            }
            Ok(())
        };
        if let Err(e) = run() {
            failures.push(format!("{id}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
