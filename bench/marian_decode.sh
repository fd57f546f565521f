#!/usr/bin/env bash
# Decoding speed of an imported OPUS-MT (Hugging Face Marian) model's layout against ours at
# the same shape: `mt-bench decode --layout marian` (swish FFN, Marian positions, output bias,
# Marian's special ids, one shared embedding) vs `--layout fairseq` (ReLU, our ids), random
# weights, forced lengths, softmax and T2R decoders. Prints the JSON lines, then one ratio line
# per case: marian tok/s ÷ fairseq tok/s (≥ 1: the imported layout is at least as fast), by wall
# time and by process CPU time, each the best of REPEAT interleaved runs (other jobs on a shared
# machine only ever slow a run down, by up to 2.5× here, so the best run is the steadiest estimate).
#
#   BIN=.build/release bash bench/marian_decode.sh        (CONFIGS=small BEAMS=4 BATCHES=16 LENS=50)
#
# Take `flock /tmp/bench.lock` around it on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
CONFIGS=${CONFIGS:-small} BEAMS=${BEAMS:-4} BATCHES=${BATCHES:-16} LENS=${LENS:-50} REPEAT=${REPEAT:-5}
[ -x "$BIN/mt-bench" ] || { echo "bench/marian_decode.sh: $BIN/mt-bench not found (swift build -c release --product mt-bench)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# Interleaved repeats, so drifting load affects both layouts alike.
for r in $(seq "$REPEAT"); do
  for layout in fairseq marian; do
    "$BIN/mt-bench" decode --configs "$CONFIGS" --decoders softmax,t2r --beams "$BEAMS" --batches "$BATCHES" \
      --lens "$LENS" --layout "$layout" | tee -a "$out"
  done
done
python3 - "$out" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
key = lambda r: (r["config"], r["decoder"], r["beam"], r["batch"], r["len"])
for k in sorted({key(r) for r in rows}):
    sel = lambda lay: [r for r in rows if key(r) == k and r["layout"] == lay]
    tps = {lay: max(r["tok_per_s"] for r in sel(lay)) for lay in ("fairseq", "marian")}
    cpu = {lay: max(r["batch"] * r["len"] / r["cpu_seconds"] for r in sel(lay)) for lay in ("fairseq", "marian")}
    print(json.dumps({"bench": "marian_decode_ratio", "config": k[0], "decoder": k[1], "beam": k[2], "batch": k[3], "len": k[4],
                      "fairseq_tok_per_s": round(tps["fairseq"], 1), "marian_tok_per_s": round(tps["marian"], 1),
                      "marian_over_fairseq": round(tps["marian"] / tps["fairseq"], 3),
                      "fairseq_tok_per_cpu_s": round(cpu["fairseq"], 1), "marian_tok_per_cpu_s": round(cpu["marian"], 1),
                      "marian_over_fairseq_cpu": round(cpu["marian"] / cpu["fairseq"], 3),
                      "load_avg_1m": max(r["load_avg_1m"] for r in sel("fairseq") + sel("marian"))}))
PY
