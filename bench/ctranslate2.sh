#!/usr/bin/env bash
# Our decoders against CTranslate2 (PyPI, in the ignored .venv-bench) in the same run: random
# weights, beam 4, 25-token sources, outputs forced to the length, 2 threads; batch 1 (one
# request, ms per sentence) and 32 (a file), lengths 25 and 100 for `small` and `base`, and 400 for
# `small`; CTranslate2 in float32 and int8 (best of 3 runs for lengths ≤ 100: its timings vary;
# ours: best of 5 runs of each case, `mt-bench decode --repeats 5`).
# Prints every result line, then one table row per case with the ratios
# ours_tok_per_s / ctranslate2_tok_per_s (> 1: ours is faster), float32 against float32 and int8
# (mt-bench decode --compute-type int8) against int8.
#
#   BIN=.build/release bash bench/ctranslate2.sh          # CONFIGS=small to skip base
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
CONFIGS=${CONFIGS:-small,base}
VENV=.venv-bench
if [ ! -x "$VENV/bin/python" ]; then python3 -m venv "$VENV" || { echo '{"bench":"decode","tool":"ctranslate2","skipped":"no python venv"}'; exit 0; }; fi
if ! "$VENV/bin/python" -c "import ctranslate2, numpy" 2>/dev/null; then
  "$VENV/bin/pip" install -q ctranslate2 numpy >/dev/null 2>&1 || { echo '{"bench":"decode","tool":"ctranslate2","skipped":"pip install ctranslate2 failed"}'; exit 0; }
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for c in ${CONFIGS//,/ }; do
  lens=25,100; [ "$c" = small ] && lens=25,100,400
  for ct in float32 int8; do
    "$BIN/mt-bench" decode --configs "$c" --beams 4 --batches 1,32 --lens 25,100 --compute-type "$ct" --repeats 5 | grep '^{' | tee -a "$out"
  done
  "$VENV/bin/python" bench/ctranslate2_decode.py --configs "$c" --batches 1,32 --lens 25,100 \
    --compute float32,int8 --repeats 3 | tee -a "$out"
  if [ "$lens" = 25,100,400 ]; then
    for ct in float32 int8; do
      "$BIN/mt-bench" decode --configs "$c" --beams 4 --batches 32 --lens 400 --compute-type "$ct" | grep '^{' | tee -a "$out"
    done
    "$VENV/bin/python" bench/ctranslate2_decode.py --configs "$c" --batches 32 --lens 400 \
      --compute float32,int8 --repeats 1 | tee -a "$out"
  fi
done
python3 - "$out" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
ours = {(r["config"], r["decoder"], r.get("compute_type", "float32"), r["batch"], r["len"]): r
        for r in rows if r.get("tool") != "ctranslate2" and "tok_per_s" in r}
ct2 = {(r["config"], r["compute"], r["batch"], r["len"]): r for r in rows if r.get("tool") == "ctranslate2"}
for (config, compute, batch, n), c in sorted(ct2.items()):
    if compute != "float32":
        continue
    row = {"bench": "decode", "table": "ours_vs_ctranslate2", "config": config, "batch": batch, "len": n,
           "ct2_float32_tok_per_s": c["tok_per_s"], "ct2_int8_tok_per_s": ct2.get((config, "int8", batch, n), {}).get("tok_per_s"),
           "ct2_float32_ms_per_sentence": c["ms_per_sentence"]}
    for dec in ("t2r", "softmax"):
        for ct in ("float32", "int8"):
            o = ours.get((config, dec, ct, batch, n))
            theirs = row["ct2_float32_tok_per_s"] if ct == "float32" else row["ct2_int8_tok_per_s"]
            if o:
                row[f"{dec}_{ct}_tok_per_s"] = o["tok_per_s"]
                row[f"{dec}_{ct}_ms_per_sentence"] = round(1000 * o["seconds"] / batch, 2)
                if theirs:
                    row[f"{dec}_{ct}/ct2_{ct}"] = round(o["tok_per_s"] / theirs, 2)
    print(json.dumps(row))
PY
