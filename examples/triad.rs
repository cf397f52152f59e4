//! Measurement helper for BENCHMARKS.md's roofline: the machine's sustainable memory bandwidth
//! by a STREAM-like triad `a[i] = b[i] + s·c[i]` over three f64 arrays far larger than the
//! caches, on the given number of threads (rayon, one contiguous slice per task), best of
//! several repetitions as STREAM reports it. Bytes counted per element: 24 (read b and c,
//! write a; the write-allocate read of `a` is not counted, as in STREAM). Usage:
//!
//! ```text
//! cargo run --release --example triad -- [THREADS] [MIB_PER_ARRAY]
//! ```

use std::time::Instant;

use rayon::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(2);
    let mib: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(256);
    let n = mib * (1 << 20) / 8;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let mut a = vec![0.0f64; n];
        let b: Vec<f64> = (0..n).into_par_iter().map(|i| i as f64).collect();
        let c: Vec<f64> = (0..n).into_par_iter().map(|i| (n - i) as f64).collect();
        let chunk = n.div_ceil(threads * 8);
        let s = 3.0;
        let mut best = f64::INFINITY;
        let mut times = Vec::new();
        for _ in 0..10 {
            let t = Instant::now();
            a.par_chunks_mut(chunk)
                .zip(b.par_chunks(chunk))
                .zip(c.par_chunks(chunk))
                .for_each(|((a, b), c)| {
                    for ((a, b), c) in a.iter_mut().zip(b).zip(c) {
                        *a = b + s * c;
                    }
                });
            let dt = t.elapsed().as_secs_f64();
            best = best.min(dt);
            times.push(dt);
        }
        // Keep the result alive (and check it) so the loop is not optimised away.
        assert_eq!(a[n / 2], (n / 2) as f64 + s * (n - n / 2) as f64);
        times.sort_by(f64::total_cmp);
        let gb = 24.0 * n as f64 / 1e9;
        println!(
            "triad: {threads} thread(s), 3 × {mib} MiB: best {:.2} GB/s, median {:.2} GB/s",
            gb / best,
            gb / times[times.len() / 2]
        );
    });
}
