//! Compile time by shape and size (issue 9): JSON text to a `Machine`, at 10,000, 100,000 and
//! 1,000,000 states, flat (one compound with N-1 children, each `on: {NEXT: <sibling>}`) and
//! deep (chains 256 states deep, the depth limit, side by side; each level a compound with the
//! chain's next state and a leaf sibling that targets it back). Beside each compile, serde_json's
//! parse of the same text alone: a reference that is linear by construction, so the two
//! per-state figures can be compared as the sizes grow (caches and memory, not the algorithm,
//! make the larger sizes dearer per state for both).
//!
//!     cargo bench -p statekeep-core --bench compile

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::{json, Map, Value};
use statekeep_core::compile::{compile_str, parse, MAX_STATE_DEPTH};
use std::hint::black_box;
use std::time::Duration;

fn flat(states: usize) -> String {
    let k = states - 1;
    let children: Map<String, Value> = (0..k).map(|i| (format!("s{i}"), json!({"on": {"NEXT": format!("s{}", (i + 1) % k)}}))).collect();
    json!({"id": "m", "initial": "s0", "states": children}).to_string()
}

fn chain(depth: usize, head: &str) -> Value {
    let mut node = json!({"on": {"RESET": format!("#{head}")}});
    for level in (1..depth).rev() {
        node = json!({"initial": "x", "states": {"x": node, "y": {"on": {"BACK": "x"}}}});
        if level == 1 {
            node["id"] = head.into();
        }
    }
    node
}

fn deep(states: usize) -> String {
    let per_chain = 2 * MAX_STATE_DEPTH - 1;
    let chains = ((states - 1) as f64 / per_chain as f64).round().max(1.0) as usize;
    let children: Map<String, Value> = (0..chains).map(|b| (format!("c{b}"), chain(MAX_STATE_DEPTH, &format!("c{b}")))).collect();
    json!({"id": "m", "initial": "c0", "states": children}).to_string()
}

fn bench_compile(c: &mut Criterion) {
    for (shape, make) in [("flat", flat as fn(usize) -> String), ("deep", deep)] {
        let mut group = c.benchmark_group(format!("compile_{shape}"));
        group.sample_size(10).warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(5));
        for size in [10_000, 100_000, 1_000_000] {
            let text = make(size);
            let states = compile_str(&text, true).unwrap().len();
            group.throughput(Throughput::Elements(states as u64));
            group.bench_with_input(BenchmarkId::new("compile_str", size), &text, |b, text| {
                b.iter(|| compile_str(black_box(text), true).unwrap().len())
            });
            group.bench_with_input(BenchmarkId::new("parse_only", size), &text, |b, text| b.iter(|| parse(black_box(text)).unwrap()));
        }
        group.finish();
    }
}

criterion_group!(benches, bench_compile);
criterion_main!(benches);
