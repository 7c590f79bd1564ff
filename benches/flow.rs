//! Flow benchmark: every internet path to every database of synthetic accounts of 1k, 10k and 50k groups
//! (`cargo bench --bench flow`; figures in docs/benchmarks.md). `index` builds the flow model alone; `paths`
//! builds it and searches every path from the internet to every database and cache.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sgaudit::flow::Network;

#[allow(dead_code)]
mod synthetic;

/// The binary's allocator and its settings, so the figures are the binary's.
#[path = "../src/allocator.rs"]
mod allocator;

fn flow(c: &mut Criterion) {
    allocator::configure();
    let mut group = c.benchmark_group("flow");
    // The check's table: every compute host is a destination on the database ports its groups admit.
    let ports: Vec<(u16, u16)> = sgaudit::checks::DATABASE_PORTS.iter().map(|p| (p.from, p.to)).collect();
    group.sample_size(10);
    for n in [1_000usize, 10_000, 50_000] {
        let inv = synthetic::inventory_with(n, 5);
        group.throughput(Throughput::Elements(inv.rules.len() as u64));
        group.bench_with_input(BenchmarkId::new("index", n), &inv, |b, inv| {
            b.iter(|| Network::new(inv).classes().len())
        });
        group.bench_with_input(BenchmarkId::new("paths", n), &inv, |b, inv| {
            b.iter(|| {
                Network::new(inv).internet_paths(&ports, |first, hops| (first.traffic, std::cmp::Reverse(hops))).len()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, flow);
criterion_main!(benches);
