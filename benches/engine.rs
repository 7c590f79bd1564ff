//! Engine benchmark: audit (index + every check) of synthetic accounts of 1k, 10k and 50k groups with ~10 rules
//! each and as many interfaces. `cargo bench --bench engine`; figures in docs/benchmarks.md.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};

#[allow(dead_code)]
mod synthetic;

/// The binary's allocator and its settings, so the figures are the binary's.
#[path = "../src/allocator.rs"]
mod allocator;

fn engine(c: &mut Criterion) {
    allocator::configure();
    let mut group = c.benchmark_group("audit");
    group.sample_size(10);
    for (flawed, name) in [(5, "typical"), (50, "dense")] {
        for n in [1_000usize, 10_000, 50_000] {
            let inv = synthetic::inventory_with(n, flawed);
            group.throughput(Throughput::Elements(inv.rules.len() as u64));
            group.bench_with_input(BenchmarkId::new(name, n), &inv, |b, inv| b.iter(|| sgaudit::audit::audit(inv)));
        }
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
