#!/usr/bin/env bash
# Two builds side by side in one run: `mt-bench train` and `mt-bench decode` of OLD and NEW,
# alternated ROUNDS times so machine noise hits both alike; prints one JSON line per case with
# the best tok/s of each build and their ratio (new / old), and for training each build's median
# ratio_to_sgemm. Run it on a quiet machine (no build).
#
#   OLD=/tmp/old-bin NEW=.build/release bash tools/compare_builds.sh
#
# TRAIN_ARGS and DECODE_ARGS override the cases (defaults: small and base training steps;
# small decoding at batch 1 and 32, outputs of 25 and 100 tokens, beam 4).
set -euo pipefail
OLD=${OLD:?set OLD to the directory of the old binaries}
NEW=${NEW:?set NEW to the directory of the new binaries}
ROUNDS=${ROUNDS:-2}
read -ra TRAIN <<< "${TRAIN_ARGS:---configs small,base --steps 3}"
read -ra DECODE <<< "${DECODE_ARGS:---configs small --batches 1,32 --lens 25,100 --in-process}"
for b in "$OLD" "$NEW"; do [ -x "$b/mt-bench" ] || { echo "compare_builds: $b/mt-bench missing" >&2; exit 1; }; done
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

for r in $(seq "$ROUNDS"); do
  for side in old new; do
    bin=$OLD; [ "$side" = new ] && bin=$NEW
    echo "[compare] round $r: $side train" >&2
    "$bin/mt-bench" train "${TRAIN[@]}" | sed "s/^{/{\"build\":\"$side\",/" >> "$T/results.jsonl"
    echo "[compare] round $r: $side decode" >&2
    "$bin/mt-bench" decode "${DECODE[@]}" | sed "s/^{/{\"build\":\"$side\",/" >> "$T/results.jsonl"
  done
done

python3 - "$T/results.jsonl" <<'EOF'
import json, sys
best = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    keys = ("bench", "config", "decoder", "beam", "batch", "len") if r["bench"] == "decode" else ("bench", "config", "decoder")
    case = tuple((k, r.get(k)) for k in keys)
    best.setdefault(case, {}).setdefault(r["build"], []).append(r)
med = lambda xs: sorted(xs)[len(xs) // 2]
for case, by in best.items():
    old, new = max(x["tok_per_s"] for x in by["old"]), max(x["tok_per_s"] for x in by["new"])
    out = dict(case)
    out.update({"old_tok_per_s": round(old, 1), "new_tok_per_s": round(new, 1), "ratio_new_old": round(new / old, 3),
                "runs_each": len(by["old"])})
    if "ratio_to_sgemm" in by["old"][0]:  # training: each build's median ratio to its own runs' GEMM ceiling
        out.update({"old_ratio_to_sgemm": med([x["ratio_to_sgemm"] for x in by["old"]]),
                    "new_ratio_to_sgemm": med([x["ratio_to_sgemm"] for x in by["new"]])})
    print(json.dumps(out))
EOF
