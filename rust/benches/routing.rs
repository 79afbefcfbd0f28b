//! The routing law's hot paths: one deployment's match against a million actors in memory
//! (fingerprint filter plus exact confirmation; paths of 3 to 10 events, one actor in ten
//! matching), and a replay landing of a 10-event history.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use serde_json::json;
use statekeep_core::compile;
use statekeep_core::fingerprint;
use statekeep_core::routing::decide;
use statekeep_core::routing::landing::land;
use statekeep_core::routing::registry::MatchMode;
use statekeep_core::routing::scan::{self, Histories};
use statekeep_core::routing::{Deploy, LandingMode, Registry};
use std::hint::black_box;
use std::sync::Arc;

const ACTORS: usize = 1_000_000;

/// Deterministic pseudo-random numbers (xorshift), so every run measures the same data.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn bench_scan(c: &mut Criterion) {
    let mut group = c.benchmark_group("scan");
    group.throughput(Throughput::Elements(ACTORS as u64));
    group.sample_size(20);
    for path_len in [3usize, 10] {
        let path: Vec<u32> = (0..path_len as u32).map(|i| i % 7).collect();
        let names = |ids: &[u32]| ids.iter().map(|i| format!("EVENT_{i}")).collect::<Vec<_>>();
        let path_fp = fingerprint::fingerprint(names(&path));
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let (mut offsets, mut events, mut fps) = (vec![0u32], Vec::new(), Vec::with_capacity(ACTORS));
        for _ in 0..ACTORS {
            let len = path_len + (rng.next() % 4) as usize;
            let history: Vec<u32> = if rng.next() % 10 == 0 {
                path.iter().copied().chain((path_len..len).map(|_| (rng.next() % 7) as u32)).collect()
            } else {
                (0..len).map(|_| (rng.next() % 7) as u32).collect()
            };
            fps.push(fingerprint::fingerprint(names(&history[..path_len])));
            events.extend_from_slice(&history);
            offsets.push(events.len() as u32);
        }
        let histories = Histories { offsets: &offsets, events: &events, prefix_fps: &fps };
        let (mut codes, mut indices) = (Vec::new(), Vec::new());
        scan::match_many(&path, path_fp, MatchMode::Prefix, &histories, &mut codes, &mut indices);
        let matched = codes.iter().filter(|&&c| c == scan::MATCHED).count();
        assert!((80_000..120_000).contains(&matched), "about one in ten match: {matched}");
        group.bench_with_input(BenchmarkId::new("match_1m_actors", path_len), &path_len, |b, _| {
            b.iter(|| {
                scan::match_many(&path, path_fp, MatchMode::Prefix, &histories, &mut codes, &mut indices);
                black_box(codes.len())
            })
        });
    }
    group.finish();
}

fn bench_replay_landing(c: &mut Criterion) {
    let linear = |extra: bool| {
        let mut states = serde_json::Map::new();
        for i in 0..10 {
            let mut on = json!({format!("E{i}"): format!("s{}", i + 1)});
            if extra && i == 4 {
                on["AUDIT"] = json!("s5");
            }
            states.insert(format!("s{i}"), json!({"entry": format!("enter{i}"), "on": on}));
        }
        states.insert("s10".into(), json!({"type": "final"}));
        Arc::new(compile(&json!({"id": "flow", "initial": "s0", "states": states}), true).unwrap())
    };
    let mut registry = Registry::new();
    let deploy = |id: &str, parent: Option<&str>, extra| Deploy {
        id: id.into(),
        machine: linear(extra).into(),
        parent: parent.map(str::to_string),
        path: Vec::new(),
        match_mode: MatchMode::Prefix,
        landing: LandingMode::Replay,
        state_map: Vec::new(),
    };
    registry.commit(deploy("v1", None, false)).unwrap();
    let mut out = Vec::new();
    let (mut actor, _) = decide::spawn(&registry, 0, &mut out).unwrap();
    for i in 0..10 {
        decide::send(&registry, &mut actor, &format!("E{i}"), &[], &mut out).unwrap();
    }
    assert_eq!(actor.history.len(), 10);
    let v2 = registry.commit(deploy("v2", Some("v1"), true)).unwrap();
    c.bench_function("landing/replay_10_events", |b| b.iter(|| land(&registry, v2, black_box(&actor)).unwrap()));
}

criterion_group!(benches, bench_scan, bench_replay_landing);
criterion_main!(benches);
