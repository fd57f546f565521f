#!/usr/bin/env bash
# The recipe pipeline shared by every recipe: prepare → pretokenize → learn BPE → vocabulary →
# train softmax → average → swap and finetune T2R → average → translate the test sets → score.
# Averaging: each model's last 5 checkpoints are averaged, and whichever of the average and the
# best checkpoint scores higher on the validation set is used: the teacher's choice is what T2R
# is finetuned from, and each model's choice translates the test sets.
# Each step writes its outputs under $WORK and is skipped when they exist, so a stopped run
# picks up where it was (training itself resumes from its last checkpoint).
#
# A recipe's run.sh sets: NAME SRC TGT MERGES (joint BPE merges) RECIPE_DIR, the function
# prepare_data (writes $WORK/data/{train,valid}.{src,tgt} and $WORK/data/<testset>.{src,tgt}),
# TESTSETS (names), and optionally SRC_SEG/TGT_SEG (words|characters|none), JOINT (1: one
# vocabulary for both sides; 0: separate vocabularies; the BPE codes are learned on both sides).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
if [ "${SMOKE:-0}" = 1 ]; then WORK=${WORK:-$ROOT/work/smoke-$NAME}; fi
WORK=${WORK:-$ROOT/work/$NAME}
BEAM=${BEAM:-4}
THREADS=${THREADS:-2}
SOFTMAX_ARGS=${SOFTMAX_ARGS:-}
T2R_ARGS=${T2R_ARGS:-}
SRC_SEG=${SRC_SEG:-words}
TGT_SEG=${TGT_SEG:-words}
JOINT=${JOINT:-1}

say() { echo "[$NAME] $*" >&2; }
need() { [ -x "$BIN/$1" ] || { echo "[$NAME] error: $BIN/$1 missing; run 'make setup' first" >&2; exit 1; }; }
for b in mt-bpe mt-train mt-translate mt-bleu; do need $b; done

data_dir() {
  if [ -z "${MT_DATA_DIR:-}" ]; then MT_DATA_DIR=$(bash "$ROOT/data/fetch.sh"); fi
  echo "$MT_DATA_DIR"
}

step_prepare() {
  if [ -f "$WORK/data/.done" ]; then say "prepare: done already"; return; fi
  mkdir -p "$WORK/data"
  say "prepare: corpora from $(data_dir)"
  prepare_data "$(data_dir)"
  for f in "$WORK"/data/*.src; do
    local t=${f%.src}.tgt
    [ "$(wc -l < "$f")" = "$(wc -l < "$t")" ] || { say "error: $f and $t differ in line count"; exit 1; }
  done
  touch "$WORK/data/.done"
}

step_bpe() {
  local d=$WORK/bpe
  if [ -f "$d/.done" ]; then say "bpe: done already"; return; fi
  mkdir -p "$d"
  say "bpe: pretokenize"
  "$BIN/mt-bpe" pretokenize --segmentation "$SRC_SEG" -i "$WORK/data/train.src" -o "$d/train.tok.src"
  "$BIN/mt-bpe" pretokenize --segmentation "$TGT_SEG" -i "$WORK/data/train.tgt" -o "$d/train.tok.tgt"
  if [ "$JOINT" = 1 ]; then
    say "bpe: learn $MERGES joint merges"
    cat "$d/train.tok.src" "$d/train.tok.tgt" | "$BIN/mt-bpe" learn-bpe -s "$MERGES" -o "$d/bpe.codes"
    "$BIN/mt-bpe" apply-bpe -c "$d/bpe.codes" -i "$d/train.tok.src" -o "$d/train.bpe.src"
    "$BIN/mt-bpe" apply-bpe -c "$d/bpe.codes" -i "$d/train.tok.tgt" -o "$d/train.bpe.tgt"
    "$BIN/mt-bpe" build-vocab -i "$d/train.bpe.src" "$d/train.bpe.tgt" -o "$d/vocab.joint"
    cp "$d/vocab.joint" "$d/vocab.src"; cp "$d/vocab.joint" "$d/vocab.tgt"
  else
    say "bpe: learn $MERGES merges on both sides; separate source and target vocabularies"
    cat "$d/train.tok.src" "$d/train.tok.tgt" | "$BIN/mt-bpe" learn-bpe -s "$MERGES" -o "$d/bpe.codes"
    "$BIN/mt-bpe" apply-bpe -c "$d/bpe.codes" -i "$d/train.tok.src" -o "$d/train.bpe.src"
    "$BIN/mt-bpe" apply-bpe -c "$d/bpe.codes" -i "$d/train.tok.tgt" -o "$d/train.bpe.tgt"
    "$BIN/mt-bpe" build-vocab --separate -i "$d/train.bpe.src" "$d/train.bpe.tgt" -o "$d/vocab.src" "$d/vocab.tgt"
  fi
  say "bpe: vocabulary $(wc -l < "$d/vocab.src") source / $(wc -l < "$d/vocab.tgt") target entries"
  touch "$d/.done"
}

data_flags() {
  local b=$WORK/bpe
  echo --train-source "$WORK/data/train.src" --train-target "$WORK/data/train.tgt" \
       --valid-source "$WORK/data/valid.src" --valid-target "$WORK/data/valid.tgt" \
       --bpe-codes "$b/bpe.codes" --source-vocab "$b/vocab.src" --target-vocab "$b/vocab.tgt" \
       --source-segmentation "$SRC_SEG" --target-segmentation "$TGT_SEG" --threads "$THREADS"
}

step_train_softmax() {
  local dir=$WORK/softmax
  if [ -f "$dir/.done" ]; then say "train softmax: done already"; return; fi
  say "train softmax teacher → $dir"
  rm -f "$dir/selected" "$dir/checkpoint_avg.safetensors"  # new checkpoints: average again
  # shellcheck disable=SC2046
  "$BIN/mt-train" -c "$RECIPE_DIR/softmax.yaml" $(data_flags) --save-dir "$dir" $SOFTMAX_ARGS
  touch "$dir/.done"
}

step_train_t2r() {
  local dir=$WORK/t2r
  if [ -f "$dir/.done" ]; then say "swap + finetune T2R: done already"; return; fi
  say "swap the teacher's decoder to T2R and finetune → $dir"
  rm -f "$dir/selected" "$dir/checkpoint_avg.safetensors"
  # shellcheck disable=SC2046
  "$BIN/mt-train" -c "$RECIPE_DIR/t2r.yaml" $(data_flags) --save-dir "$dir" \
      --init-from "$WORK/softmax/$(selected_checkpoint softmax)" $T2R_ARGS | tee "$dir.swap-table.txt"
  touch "$dir/.done"
}

# bleu_of REF HYP: "score<TAB>signature" of mt-bleu (sacreBLEU 13a, cased; -l from SCORE_LANGS).
bleu_of() {
  local lang=""; [ -n "${SCORE_LANGS:-}" ] && lang="-l $SCORE_LANGS"
  local json
  # shellcheck disable=SC2086
  json=$("$BIN/mt-bleu" "$1" -i "$2" $lang -f json)
  printf "%s\t%s\n" "$(echo "$json" | grep -o '"score": *[0-9.]*' | grep -o '[0-9.]*$')" \
    "$(echo "$json" | grep -o '"signature": *"[^"]*"' | sed 's/.*: *"//; s/"$//')"
}

# translate MODEL CHECKPOINT IN OUT: beam search with one checkpoint; checks line counts.
translate() {
  "$BIN/mt-translate" -m "$WORK/$1" --checkpoint "$WORK/$1/$2" --beam "$BEAM" --threads "$THREADS" \
      < "$3" > "$4" 2> "$4.log"
  local nin nout; nin=$(wc -l < "$3"); nout=$(wc -l < "$4")
  [ "$nin" = "$nout" ] || { say "error: $4 has $nout lines for $nin input lines"; exit 1; }
}

# selected_checkpoint MODEL: the checkpoint averaging chose, or the best one (AVERAGE=0, or no
# averaging done).
selected_checkpoint() {
  cat "$WORK/$1/selected" 2>/dev/null || echo checkpoint_best.safetensors
}

# average_model MODEL: average the last 5 saved checkpoints; keep whichever of the average and
# the best checkpoint scores higher on the validation set (beam $BEAM) → $WORK/MODEL/selected.
average_model() {
  local model=$1 d=$WORK/$1
  if [ "${AVERAGE:-1}" = 0 ]; then return; fi
  if [ -f "$d/selected" ]; then say "average $model: done already ($(cat "$d/selected"))"; return; fi
  local n; n=$(find "$d" -maxdepth 1 -name 'checkpoint_[0-9]*.safetensors' | wc -l)
  if [ "$n" -lt 2 ]; then echo checkpoint_best.safetensors > "$d/selected"; return; fi
  "$BIN/mt-train" average --dir "$d" --last 5
  translate "$model" checkpoint_avg.safetensors "$WORK/data/valid.src" "$d/valid.avg.hyp"
  translate "$model" checkpoint_best.safetensors "$WORK/data/valid.src" "$d/valid.best.hyp"
  local avg best
  avg=$(bleu_of "$WORK/data/valid.tgt" "$d/valid.avg.hyp" | cut -f1)
  best=$(bleu_of "$WORK/data/valid.tgt" "$d/valid.best.hyp" | cut -f1)
  say "average $model: valid BLEU $avg (average of the last $(( n < 5 ? n : 5 ))) vs $best (best checkpoint)"
  if awk -v a="$avg" -v b="$best" 'BEGIN { exit !(a > b) }'; then
    echo checkpoint_avg.safetensors > "$d/selected"
  else
    echo checkpoint_best.safetensors > "$d/selected"
  fi
}

# train_seconds_of MODEL: the trainer's total training time over every resumed run (the last
# "train_seconds" of metrics.jsonl; older runs: the trainSeconds field of the saved state).
train_seconds_of() {
  local d=$WORK/$1 t
  t=$(grep -o '"train_seconds":[0-9.]*' "$d/metrics.jsonl" 2>/dev/null | tail -1 | cut -d: -f2 || true)
  [ -n "$t" ] || t=$(head -c 1000000 "$d/checkpoint_last.state.safetensors" 2>/dev/null \
                       | grep -a -o 'trainSeconds\\*":[0-9.]*' | head -1 | grep -o '[0-9.]*$' || true)
  LC_ALL=C printf "%.0f" "${t:-0}"
}

step_translate_and_score() {
  local results=$WORK/results.tsv
  printf "model\ttestset\tbleu\tsignature\ttok_per_s\tcheckpoint\ttrain_seconds\n" > "$results"
  for model in softmax t2r; do
    local ckpt; ckpt=$(selected_checkpoint "$model")
    local secs; secs=$(train_seconds_of "$model")
    for t in $TESTSETS; do
      local hyp=$WORK/$model/$t.hyp
      say "translate $t with the $model model ($ckpt, beam $BEAM)"
      translate "$model" "$ckpt" "$WORK/data/$t.src" "$hyp"
      local tps; tps=$(grep -o '[0-9.]* tok/s' "$hyp.log" | tail -1 | cut -d' ' -f1)
      local scored; scored=$(bleu_of "$WORK/data/$t.tgt" "$hyp")
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$model" "$t" "$(echo "$scored" | cut -f1)" \
        "$(echo "$scored" | cut -f2)" "$tps" "$ckpt" "$secs" >> "$results"
    done
  done
  say "results ($results):"
  column -t -s $'\t' "$results" >&2 || cat "$results" >&2
}

# RESCORE=1: re-score the committed outputs recipes/<name>/outputs/<model>.<testset>.hyp against
# freshly prepared references and compare with the BLEU rows of EXPECTED.md
# ("| model | testset | BLEU | ..."), within ±0.05 (EXPECTED.md shows one decimal).
rescore_outputs() {
  local out=$RECIPE_DIR/outputs expected=$RECIPE_DIR/EXPECTED.md checked=0 bad=0
  [ -d "$out" ] || { say "rescore: no committed outputs in $out"; exit 1; }
  for hyp in "$out"/*.hyp; do
    local base model t want got
    base=$(basename "$hyp" .hyp); model=${base%%.*}; t=${base#*.}
    want=$(awk -F'|' -v m="$model" -v t="$t" '{ gsub(/ /, "", $2); gsub(/ /, "", $3); gsub(/ /, "", $4) }
                                              $2 == m && $3 == t { print $4; exit }' "$expected")
    [ -n "$want" ] || { say "rescore: EXPECTED.md has no row for $model $t"; bad=$((bad + 1)); continue; }
    got=$(bleu_of "$WORK/data/$t.tgt" "$hyp" | cut -f1)
    if awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d <= 0.05 && d >= -0.05) }'; then
      say "rescore: $model $t BLEU $got (EXPECTED.md $want): ok"
    else
      say "rescore: $model $t BLEU $got but EXPECTED.md says $want"; bad=$((bad + 1))
    fi
    checked=$((checked + 1))
  done
  say "rescore: $checked outputs checked, $bad mismatches"
  [ "$checked" -gt 0 ] && [ "$bad" = 0 ]
}

run_pipeline() {
  if [ "${RESCORE:-0}" = 1 ]; then step_prepare; rescore_outputs; return; fi
  step_prepare
  step_bpe
  step_train_softmax
  average_model softmax
  step_train_t2r
  average_model t2r
  step_translate_and_score
}
