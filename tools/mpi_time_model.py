#!/usr/bin/env python3
"""Time of a paper-scale teacher run on N nodes under MPI data parallelism: a stated model, not a
measurement. Per update: compute = FLOPs per update / (N × node FLOP/s); all-reduce of the
gradient slab as a ring = 2 (N−1)/N × slab bytes / link bandwidth (not overlapped with the backward
pass). Prints a Markdown table; the recipes' EXPECTED.md quote it.

  python3 tools/mpi_time_model.py [--node-gflops 1600] [--link-gbytes 1.25] [--nodes 1,8,16,32,64]

Defaults: the `big` model (2.1e8 parameters, slab 969.2 MB as `mt-bench allreduce` reports),
120,000 updates of 16 × 4,096 target tokens (softmax.yaml), 6 FLOPs per parameter and token,
a node sustaining 1,600 GFLOP/s (32 cores at the ~50 GFLOP/s per core this toolkit sustains on
the 2-core development VM: ~100 GFLOP/s, EXPECTED.md), 10 GbE links (1.25 GB/s).
"""
import argparse

ap = argparse.ArgumentParser()
ap.add_argument("--params", type=float, default=2.1e8)
ap.add_argument("--slab-mb", type=float, default=969.2)
ap.add_argument("--updates", type=int, default=120_000)
ap.add_argument("--tokens-per-update", type=int, default=16 * 4096)
ap.add_argument("--node-gflops", type=float, default=1600)
ap.add_argument("--link-gbytes", type=float, default=1.25)
ap.add_argument("--nodes", default="1,8,16,32,64")
a = ap.parse_args()
flops = 6 * a.params * a.tokens_per_update
print(f"| nodes | compute s/update | all-reduce s/update | teacher run (days) |")
print(f"|---|---|---|---|")
for n in map(int, a.nodes.split(",")):
    compute = flops / (n * a.node_gflops * 1e9)
    allreduce = 0.0 if n == 1 else 2 * (n - 1) / n * a.slab_mb / 1000 / a.link_gbytes
    days = a.updates * (compute + allreduce) / 86400
    print(f"| {n} | {compute:.2f} | {allreduce:.2f} | {days:.1f} |")
