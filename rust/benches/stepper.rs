//! Steps per second on the recorded XState corpus (the same cases and event sequences that
//! benches/xstate/bench.mjs gives XState), and compile time of a 10,000-state definition.
//! `benches/run.sh` runs these beside XState and prints the ratios.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use statekeep_core::{compile, compile_str, initial, transition, Machine, Snapshot};
use std::hint::black_box;
use std::path::PathBuf;

struct Case {
    machine: Machine,
    start: Snapshot,
    steps: Vec<(String, Vec<Option<bool>>)>,
}

fn table(machine: &Machine, guards: &Value) -> Vec<Option<bool>> {
    let pairs = guards.as_object().unwrap().iter().map(|(k, v)| (k.as_str(), v.as_bool().unwrap()));
    machine.guard_table(pairs)
}

fn corpus() -> Vec<Case> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/xstate-public.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let case: Value = serde_json::from_str(line).unwrap();
            let machine = compile(&case["machine"], true).unwrap();
            let start = initial(&machine, &table(&machine, &case["initial"]["guards"])).unwrap().snapshot;
            let steps = case["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| (s["event"]["type"].as_str().unwrap().to_string(), table(&machine, &s["guards"])))
                .collect();
            Case { machine, start, steps }
        })
        .collect()
}

/// One pass: every case from its initial snapshot through all of its recorded events.
fn pass(cases: &[Case]) -> usize {
    let mut active = 0;
    for case in cases {
        let mut snapshot = case.start.clone();
        for (event, guards) in &case.steps {
            snapshot = transition(&case.machine, &snapshot, event, guards).unwrap().snapshot;
        }
        active += snapshot.config.len();
    }
    active
}

/// A definition of 10,101 states: 100 compound groups of 100 atomic states, each with two
/// transitions (a sibling and the next group by id).
pub fn ten_thousand_states() -> String {
    let mut groups = serde_json::Map::new();
    for g in 0..100 {
        let mut states = serde_json::Map::new();
        for s in 0..100 {
            states.insert(
                format!("s{s}"),
                json!({"entry": format!("in:{g}.{s}"), "on": {"NEXT": format!("s{}", (s + 1) % 100), "JUMP": format!("#m.g{}.s{s}", (g + 1) % 100)}}),
            );
        }
        groups.insert(format!("g{g}"), json!({"initial": "s0", "states": states}));
    }
    json!({"id": "m", "initial": "g0", "states": groups}).to_string()
}

fn bench_corpus(c: &mut Criterion) {
    let cases = corpus();
    let steps: usize = cases.iter().map(|c| c.steps.len()).sum();
    let mut group = c.benchmark_group("corpus");
    group.throughput(Throughput::Elements(steps as u64));
    group.bench_function("transition", |b| b.iter(|| black_box(pass(&cases))));
    group.finish();

    let mut group = c.benchmark_group("start");
    group.throughput(Throughput::Elements(cases.len() as u64));
    group.bench_function("initial", |b| {
        b.iter(|| cases.iter().map(|c| initial(&c.machine, &[]).map(|s| s.actions.len()).unwrap_or(0)).sum::<usize>())
    });
    group.finish();
}

fn bench_compile(c: &mut Criterion) {
    let text = ten_thousand_states();
    let machine = compile_str(&text, true).unwrap();
    assert_eq!(machine.len(), 10_101);
    let mut group = c.benchmark_group("compile");
    group.sample_size(20);
    group.bench_function("10k_states", |b| b.iter(|| compile_str(black_box(&text), true).unwrap().len()));
    group.finish();
}

criterion_group!(benches, bench_corpus, bench_compile);
criterion_main!(benches);
