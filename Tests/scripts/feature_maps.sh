#!/usr/bin/env bash
# The ELU and RFA feature maps end to end (T2R.md §1): swap-then-finetune from a softmax
# teacher and training from random initialisation both run and decode; a resumed RFA run is
# bit-identical to an uninterrupted one (Ω is redrawn every update from the fixed bank as a
# function of (seed, update), so resuming needs no saved draw).
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/feature_maps.sh
#
# Data: the first 2,000 pairs of Multi30k En-De, a `tiny` model, one thread, dropout on.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-translate; do [ -x "$BIN/$b" ] || { echo "feature_maps: $BIN/$b missing" >&2; exit 1; }; done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rc=$?; rm -rf "$T"; exit $rc' EXIT
fail() { echo "feature_maps: FAIL: $*" >&2; tail -n 5 "$T"/*.log >&2 || true; exit 1; }

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 30

ARGS=(--train-source "$T/train.src" --train-target "$T/train.tgt"
      --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes"
      --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch tiny --threads 1 --seed 5
      --max-tokens 400 --lr 0.002 --warmup-updates 5 --save-interval 10 --keep-last 5 --log-interval 1
      --dropout 0.1 --attention-dropout 0.1 --best-metric loss)
train() { local dir=$1; shift; "$BIN/mt-train" "${ARGS[@]}" --save-dir "$dir" "$@" >> "$dir.log" 2>&1 || fail "$dir"; }

train "$T/softmax" --max-updates 10
TEACHER="$T/softmax/checkpoint_last.safetensors"
# Uninterrupted RFA finetune, and the same run stopped at update 15 then resumed to 30.
train "$T/rfa-a" --decoder t2r --feature-map rfa --init-from "$TEACHER" --max-updates 30
train "$T/rfa-b" --decoder t2r --feature-map rfa --init-from "$TEACHER" --max-updates 15
train "$T/rfa-b" --decoder t2r --feature-map rfa --init-from "$TEACHER" --max-updates 30
grep -q "resumed from .*update 15" "$T/rfa-b.log" || fail "rfa-b did not resume from update 15"
grep -q "copied .* tensors .*fresh φ: 0 tensors" "$T/rfa-a.log" || fail "the RFA swap should copy every tensor: $(grep swapped "$T/rfa-a.log")"

curve() { grep '"kind":"train"' "$1" | sed 's/"tok_per_s":[^,}]*,\{0,1\}//; s/"elapsed[^,}]*,\{0,1\}//' \
          | awk -F'"update":' '{ split($2, u, /[,}]/); line[u[1]] = $0 } END { for (k in line) print k "\t" line[k] }' | sort -n; }
curve "$T/rfa-a/metrics.jsonl" > "$T/a.curve"
curve "$T/rfa-b/metrics.jsonl" > "$T/b.curve"
[ "$(wc -l < "$T/a.curve")" -eq 30 ] || fail "the RFA run logged $(wc -l < "$T/a.curve") updates, expected 30"
diff "$T/a.curve" "$T/b.curve" > "$T/curve.diff" || { cat "$T/curve.diff" >&2; fail "RFA loss curves differ after resuming"; }
payload() { local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1"; }
cmp -s <(payload "$T/rfa-a/checkpoint_last.safetensors") <(payload "$T/rfa-b/checkpoint_last.safetensors") \
  || fail "RFA final weights differ after resuming"

# ELU from the teacher and ELU/RFA from random initialisation train and decode.
train "$T/elu" --decoder t2r --feature-map elu --init-from "$TEACHER" --max-updates 10
train "$T/elu-scratch" --decoder t2r --feature-map elu --max-updates 10
train "$T/rfa-scratch" --decoder t2r --feature-map rfa --max-updates 10
for m in rfa-a elu elu-scratch rfa-scratch; do
  grep -q '"kind":"done"' "$T/$m/metrics.jsonl" || fail "$m did not finish"
  grep '"kind":"train"' "$T/$m/metrics.jsonl" | grep -q '"loss":\(nan\|inf\)' && fail "$m: non-finite loss"
  n=$(head -5 "$T/valid.src" | "$BIN/mt-translate" -m "$T/$m" --checkpoint "$T/$m/checkpoint_last.safetensors" --beam 2 2>"$T/$m.translate.log" | wc -l)
  [ "$n" -eq 5 ] || fail "$m: translated $n of 5 lines"
done
echo "feature_maps: ok (RFA resumed at update 15 reproduces all 30 logged updates and the final weights; ELU/RFA finetune and from-scratch runs train and translate)" >&2
