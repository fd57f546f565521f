#!/usr/bin/env bash
# What int8 decoding costs in quality and gains in speed on a trained model: mt-translate with
# --compute-type float32 and int8 on the same test set (batched file translation, beam 4), BLEU of
# each (mt-bleu, sacreBLEU 13a), wall seconds (load included), and how many lines differ. One JSON
# line per model and compute type, then one comparison line per model.
#
#   MODELS="work/multi30k-en-de-compare/softmax work/multi30k-en-de-compare/t2r" \
#   SRC=work/multi30k-en-de-compare/data/test2016.src REF=work/multi30k-en-de-compare/data/test2016.tgt \
#   BIN=.build/release bash bench/int8_quality.sh
#
# Each model is decoded from the checkpoint its recipe scored (results.tsv next to it), else from
# checkpoint_best. Defaults: the models and test2016 (test_2016_flickr) of
# recipes/multi30k-en-de/compare.sh, else of run.sh, else of `make demo` (work/demo: the same pair
# and test set, models trained for minutes), whichever is there first; otherwise it prints a
# "skipped" line (make bench on a machine without trained models).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
THREADS=${THREADS:-2}
if [ -z "${MODELS:-}" ]; then
  for w in work/multi30k-en-de-compare work/multi30k-en-de work/demo; do
    if [ -f "$w/t2r/checkpoint_best.safetensors" ] && [ -f "$w/softmax/checkpoint_best.safetensors" ]; then
      MODELS="$w/softmax $w/t2r"; SRC=${SRC:-$w/data/test2016.src}; REF=${REF:-$w/data/test2016.tgt}; break
    fi
  done
fi
if [ -z "${MODELS:-}" ] || [ ! -f "${SRC:-}" ] || [ ! -f "${REF:-}" ]; then
  echo '{"bench":"int8_quality","skipped":"no trained models (run recipes/multi30k-en-de/compare.sh or set MODELS, SRC, REF)"}'
  exit 0
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# The checkpoint a recipe scored for this model (results.tsv beside the model directory: the
# averaged one where the recipe chose it), else mt-translate's default (checkpoint_best).
checkpoint_for() {
  local tsv name
  tsv=$(dirname "$1")/results.tsv name=$(basename "$1")
  [ -f "$tsv" ] || return 0
  awk -F'\t' -v n="$name" 'NR > 1 && $1 == n { print $6; exit }' "$tsv"
}
for m in $MODELS; do
  name=$(basename "$m")
  ck=$(checkpoint_for "$m")
  ckflag=()
  [ -n "$ck" ] && [ -f "$m/$ck" ] && ckflag=(--checkpoint "$m/$ck")
  for ct in float32 int8; do
    start=$(date +%s.%N)
    "$BIN/mt-translate" -m "$m" "${ckflag[@]}" --compute-type "$ct" --threads "$THREADS" < "$SRC" > "$T/$name.$ct" 2> /dev/null
    end=$(date +%s.%N)
    bleu=$("$BIN/mt-bleu" "$REF" -i "$T/$name.$ct" 2> /dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['score'])")
    printf '{"bench":"int8_quality","model":"%s","checkpoint":"%s","compute_type":"%s","bleu":%s,"seconds":%.3f,"lines":%d,"threads":%d}\n' \
      "$m" "${ck:-default}" "$ct" "$bleu" "$(echo "$end - $start" | bc)" "$(wc -l < "$SRC")" "$THREADS" | tee -a "$T/rows"
  done
  differ=$(paste -d '\t' "$T/$name.float32" "$T/$name.int8" | awk -F'\t' '$1 != $2' | wc -l)
  python3 - "$T/rows" "$m" "$differ" <<'PY'
import json, sys
rows = {r["compute_type"]: r for r in map(json.loads, open(sys.argv[1])) if r["model"] == sys.argv[2]}
f, q = rows["float32"], rows["int8"]
print(json.dumps({"bench": "int8_quality", "table": "int8_vs_float32", "model": sys.argv[2],
                  "bleu_float32": f["bleu"], "bleu_int8": q["bleu"], "bleu_delta": round(q["bleu"] - f["bleu"], 2),
                  "speedup_int8": round(f["seconds"] / q["seconds"], 2), "lines_differing": int(sys.argv[3]),
                  "lines": f["lines"]}))
PY
done
