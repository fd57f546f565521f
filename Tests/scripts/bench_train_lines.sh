#!/usr/bin/env bash
# mt-bench train end to end on a `tiny` model: the main line, --products (each shape in the step
# and alone, then the bound) and --ops print what the README's training tables are read from, and
# the numbers hang together: a positive ceiling and ratio, shares that add up, the largest product
# on a line of its own, operator markers that cover the step, and a bound not far below the step's
# own ratio (the bound leaves out everything but the top-level products, so a step cannot be far
# above it).
#
#   BIN=.build/release bash Tests/scripts/bench_train_lines.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
[ -x "$BIN/mt-bench" ] || { echo "bench_train_lines: $BIN/mt-bench missing" >&2; exit 1; }
T=$(mktemp -d)
trap 'rc=$?; rm -rf "$T"; exit $rc' EXIT

"$BIN/mt-bench" train --configs tiny --decoders softmax,t2r --tokens 800 --length 20 --steps 1 --threads 2 \
  --products --ops --ops-steps 3 > "$T/out.jsonl" 2> "$T/err.log" || { cat "$T/err.log" >&2; exit 1; }

python3 - "$T/out.jsonl" <<'PY'
import json, math, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def fail(msg):
    print("bench_train_lines: FAIL:", msg, file=sys.stderr)
    sys.exit(1)
def positive(r, *keys):
    for k in keys:
        v = r.get(k)
        if not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
            fail(f"{r.get('bench')} {r.get('decoder')} {r.get('product', '')}: {k} = {v!r}, expected a positive number")
for dec in ("softmax", "t2r"):
    main = [r for r in rows if r["bench"] == "train" and r["decoder"] == dec]
    prods = [r for r in rows if r["bench"] == "train_products" and r["decoder"] == dec]
    bound = [r for r in rows if r["bench"] == "train_products_bound" and r["decoder"] == dec]
    ops = [r for r in rows if r["bench"] == "train_ops" and r["decoder"] == dec]
    if len(main) != 1 or len(bound) != 1 or not prods or not ops:
        fail(f"{dec}: expected one train line, product lines, one bound line and op lines; got "
             f"{len(main)}, {len(prods)}, {len(bound)}, {len(ops)}")
    m, b = main[0], bound[0]
    positive(m, "tok_per_s", "model_gflop_per_step", "sgemm_gflops_largest", "ratio_to_sgemm",
             "top_level_products_share_of_step", "openblas_sgemm_gflops_largest")
    if m["arena_grows_in_timed_steps"] != 0:
        fail(f"{dec}: the arena grew in a timed step")
    for p in prods:
        positive(p, "calls", "gflops", "alone_gflops", "alone_ratio_to_sgemm")
    share = sum(p["share_of_products_time"] for p in prods)
    if abs(share - 1) > 1e-3:  # each share printed to 4 significant digits
        fail(f"{dec}: the product shapes' shares add up to {share}, expected 1")
    if m["largest_product"] not in {p["product"] for p in prods}:
        fail(f"{dec}: the largest product {m['largest_product']} has no line of its own")
    positive(b, "top_level_products_alone_seconds", "bound_ratio_to_sgemm")
    # The bound counts every FLOP of the step over the top-level products' time alone, so it is
    # above the whole step's ratio unless the machine's speed moved a lot between the two.
    if b["bound_ratio_to_sgemm"] < 0.5 * m["ratio_to_sgemm"]:
        fail(f"{dec}: bound {b['bound_ratio_to_sgemm']:.3f} far below the step's ratio {m['ratio_to_sgemm']:.3f}")
    unmarked = [o for o in ops if o["op"] == "(unmarked)"]
    if len(unmarked) != 1:
        fail(f"{dec}: no (unmarked) line")
    # The markers cover the step (the rest, the model's glue, was about 1 % here): a large rest
    # means operators went unmarked; a clearly negative one, time counted twice (nested operators'
    # own time is small here, so only a large double count shows).
    rest = unmarked[0]["share_of_step"]
    if not -0.02 < rest < 0.25:
        fail(f"{dec}: the unmarked rest is {rest:.3f} of the step, expected between -0.02 and 0.25")
    total = sum(o["share_of_step"] for o in ops)
    if abs(total - 1) > 1e-3:
        fail(f"{dec}: the operators' shares add up to {total}, expected 1")
print("bench_train_lines: ok")
PY
