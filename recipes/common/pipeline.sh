#!/usr/bin/env bash
# The recipe pipeline shared by every recipe: prepare → pretokenize → learn BPE → vocabulary →
# train softmax → average → swap and finetune T2R → average → translate the test sets → score.
# Averaging: each model's last 5 checkpoints are averaged, and whichever of the average and the
# best checkpoint scores higher on the validation set is used: the teacher's choice is what T2R
# is finetuned from, and each model's choice translates the test sets.
#
# Stamps (recipes/common/stamps.sh): each step writes its outputs under $WORK and, when it has
# succeeded, a stamp holding the sha256 of a manifest of its inputs (kept beside it as
# <stamp>.inputs). A rerun skips a step whose stamp matches its current inputs and reruns it
# when they changed, saying which ("bpe: inputs changed (MERGES, train.src), rerunning"):
#   step              stamp                      inputs
#   prepare           data/.done                 the code of prepare_data (and smoke_slice,
#                                                append_pair), SRC TGT SMOKE EXTRA_CORPORA,
#                                                data/manifest.tsv
#   bpe + vocabulary  bpe/.done                  data/train.{src,tgt}, MERGES SRC_SEG TGT_SEG JOINT
#   train softmax     softmax/.done              softmax.yaml, data/{train,valid}.{src,tgt},
#                                                bpe.codes, vocab.{src,tgt}, SRC_SEG TGT_SEG,
#                                                SOFTMAX_ARGS
#   train T2R         t2r/.done                  the same with t2r.yaml, T2R_ARGS and FINETUNE_SHARE, and the
#                                                teacher checkpoint it starts from
#   average           <model>/selected.done      the model's checkpoints, data/valid.{src,tgt},
#                                                SCORE_LANGS
#   translate+score   <model>/<testset>.done     the checkpoint used, the model's config.yaml,
#                                                vocabularies and BPE codes, data/<testset>.{src,tgt},
#                                                BEAM, SCORE_LANGS (the scored row: <testset>.row)
# Files are stamped by content (large ones through a stat-keyed cache, $WORK/.stamp-hashes).
# Cheap steps rerun from scratch. A training step whose inputs changed is not resumed: the old
# run is moved aside to <model>.old-<n>/ (nothing is deleted) and training starts afresh; the
# same holds for a run in progress, whose inputs are stamped when it starts (<model>/.started),
# while a run in progress with the same inputs resumes from its last checkpoint.
# Not inputs: THREADS (speed only), BEAM for the averaging choice (the choice made stays; a new
# beam re-translates the test sets; rm <model>/selected.done to choose again), the binaries (a
# rebuild would otherwise discard every trained model; rm the stamps to redo steps with new ones).
# An empty stamp (written before stamps had content) is accepted once as done with a warning and
# rewritten, and so are an averaging choice and a run in progress from before .started stamps.
#
# A recipe's run.sh sets: NAME SRC TGT MERGES (joint BPE merges) RECIPE_DIR, the function
# prepare_data (writes $WORK/data/{train,valid}.{src,tgt} and $WORK/data/<testset>.{src,tgt}),
# TESTSETS (names), and optionally SRC_SEG/TGT_SEG (words|characters|none), JOINT (1: one
# vocabulary for both sides; 0: separate vocabularies; the BPE codes are learned on both sides).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=recipes/common/stamps.sh
source "$ROOT/recipes/common/stamps.sh"
BIN=${BIN:-$ROOT/.build/release}
if [ "${SMOKE:-0}" = 1 ]; then WORK=${WORK:-$ROOT/work/smoke-$NAME}; fi
WORK=${WORK:-$ROOT/work/$NAME}
STAMP_CACHE=${STAMP_CACHE:-$WORK/.stamp-hashes}
# shellcheck disable=SC2034
BEAM_FROM_ENV=${BEAM:-}  # kept by the --smoke settings (wmt.sh)
BEAM=${BEAM:-4}
THREADS=${THREADS:-2}
SOFTMAX_ARGS=${SOFTMAX_ARGS:-}
T2R_ARGS=${T2R_ARGS:-}
# The finetune's time budget as a share of the teacher's recorded training time (0: none).
FINETUNE_SHARE=${FINETUNE_SHARE:-0.25}
SRC_SEG=${SRC_SEG:-words}
TGT_SEG=${TGT_SEG:-words}
JOINT=${JOINT:-1}

say() { echo "[$NAME] $*" >&2; }
need() { [ -x "$BIN/$1" ] || { echo "[$NAME] error: $BIN/$1 missing; run 'make setup' first" >&2; exit 1; }; }
for b in mt-bpe mt-train mt-translate mt-bleu; do need "$b"; done

data_dir() {
  if [ -z "${MT_DATA_DIR:-}" ]; then MT_DATA_DIR=$(bash "$ROOT/data/fetch.sh"); fi
  echo "$MT_DATA_DIR"
}

inputs_prepare() {
  stamp_text prepare_data "$(declare -f prepare_data smoke_slice append_pair 2> /dev/null || true)"
  stamp_value SRC "$SRC"; stamp_value TGT "$TGT"; stamp_var SMOKE EXTRA_CORPORA
  stamp_file data/manifest.tsv "$ROOT/data/manifest.tsv"
}

step_prepare() {
  if stamp_skip prepare "$WORK/data/.done" inputs_prepare; then return; fi
  rm -rf "$WORK/data"; mkdir -p "$WORK/data"
  say "prepare: corpora from $(data_dir)"
  prepare_data "$(data_dir)"
  for f in "$WORK"/data/*.src; do
    local t=${f%.src}.tgt
    [ "$(wc -l < "$f")" = "$(wc -l < "$t")" ] || { say "error: $f and $t differ in line count"; exit 1; }
  done
  stamp_write "$WORK/data/.done"
}

inputs_bpe() {
  stamp_file train.src "$WORK/data/train.src"; stamp_file train.tgt "$WORK/data/train.tgt"
  stamp_var MERGES SRC_SEG TGT_SEG JOINT
}

step_bpe() {
  local d=$WORK/bpe
  if stamp_skip bpe "$d/.done" inputs_bpe; then return; fi
  rm -rf "$d"; mkdir -p "$d"
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
  stamp_write "$d/.done"
}

# data_flags: the data options of mt-train → the array DATA_FLAGS.
data_flags() {
  local b=$WORK/bpe
  DATA_FLAGS=(--train-source "$WORK/data/train.src" --train-target "$WORK/data/train.tgt"
              --valid-source "$WORK/data/valid.src" --valid-target "$WORK/data/valid.tgt"
              --bpe-codes "$b/bpe.codes" --source-vocab "$b/vocab.src" --target-vocab "$b/vocab.tgt"
              --source-segmentation "$SRC_SEG" --target-segmentation "$TGT_SEG" --threads "$THREADS")
}

# inputs_train MODEL (softmax|t2r)
inputs_train() {
  stamp_file "$1.yaml" "$RECIPE_DIR/$1.yaml"
  local f
  for f in train.src train.tgt valid.src valid.tgt; do stamp_file "$f" "$WORK/data/$f"; done
  for f in bpe.codes vocab.src vocab.tgt; do stamp_file "$f" "$WORK/bpe/$f"; done
  stamp_var SRC_SEG TGT_SEG
  if [ "$1" = softmax ]; then
    stamp_var SOFTMAX_ARGS
  else
    stamp_var T2R_ARGS FINETUNE_SHARE
    stamp_file "init checkpoint" "$WORK/softmax/$(selected_checkpoint softmax)"
  fi
}

# move_run_aside MODEL: $WORK/MODEL (and its swap table) → $WORK/MODEL.old-<n>; prints that path.
move_run_aside() {
  local dir=$WORK/$1 aside
  aside=$(stamp_move_aside "$dir") || return 1
  [ ! -e "$dir.swap-table.txt" ] || mv "$dir.swap-table.txt" "$aside.swap-table.txt"
  echo "$aside"
}

# train_model MODEL LABEL ARGS...: mt-train with MODEL's yaml and ARGS into $WORK/MODEL, unless
# done with the same inputs; a finished run or a run in progress with other inputs is moved aside.
train_model() {
  local model=$1 label=$2 dir=$WORK/$1 aside; shift 2
  stamp_check "$dir/.done" inputs_train "$model"
  case "$STAMP_STATE" in
    done) say "$label: done already"; return ;;
    legacy) stamp_legacy "$label" "$dir/.done"; return ;;
    changed)
      aside=$(move_run_aside "$model")
      say "$label: $STAMP_WHY: training from scratch in a fresh $model/ (the old run is kept in $(basename "$aside")/)" ;;
    new)
      if [ -d "$dir" ]; then  # a run in progress?
        stamp_compare --legacy "$dir/checkpoint_last.safetensors" "$dir/.started"
        case "$STAMP_STATE" in
          done) say "$label: resuming the run in progress (same inputs)" ;;
          legacy) say "$label: warning: resuming a run in progress started by an earlier version of the pipeline (inputs unknown); its inputs are stamped now" ;;
          changed)
            aside=$(move_run_aside "$model")
            say "$label: $STAMP_WHY since the run in progress started: training from scratch in a fresh $model/ (the unfinished run is kept in $(basename "$aside")/)" ;;
        esac
      fi ;;
  esac
  say "$label → $dir"
  mkdir -p "$dir"
  stamp_write "$dir/.started"
  rm -f "$dir/selected" "$dir/selected.done" "$dir/checkpoint_avg.safetensors"  # new checkpoints: average again
  data_flags
  # TRAIN_LAUNCHER: e.g. "mpirun -np 2" for data-parallel training (README: MPI training).
  ${TRAIN_LAUNCHER:-} "$BIN/mt-train" -c "$RECIPE_DIR/$model.yaml" "${DATA_FLAGS[@]}" --save-dir "$dir" "$@" \
    || { say "$label: error: mt-train failed (rerun to resume)"; return 1; }
  stamp_write "$dir/.done"
}

step_train_softmax() {
  local args; read -r -a args <<< "$SOFTMAX_ARGS"  # split on blanks, as given
  train_model softmax "train softmax teacher" "${args[@]}"
}

# finetune_budget_flags TEACHER: --max-minutes FINETUNE_SHARE × the teacher's recorded training
# time (its metrics.jsonl, final validation included) → the array BUDGET_FLAGS; empty when
# FINETUNE_SHARE is 0. mt-train's max_minutes counts the final validation too: it stops early
# enough to fit one more validation as long as its last one took (Trainer.limitReached).
finetune_budget_flags() {
  BUDGET_FLAGS=()
  awk -v s="$FINETUNE_SHARE" 'BEGIN { exit !(s > 0) }' || return 0
  local secs; secs=$(train_seconds_exact "$1")
  awk -v t="$secs" 'BEGIN { exit !(t > 0) }' || { say "error: no recorded training time for $1 (FINETUNE_SHARE needs it)"; exit 1; }
  BUDGET_FLAGS=(--max-minutes "$(awk -v s="$FINETUNE_SHARE" -v t="$secs" 'BEGIN { printf "%.4f", s * t / 60 }')")
  say "finetune budget: $FINETUNE_SHARE × $1's ${secs} s = ${BUDGET_FLAGS[1]} min"
}

step_train_t2r() {
  local args; read -r -a args <<< "$T2R_ARGS"
  finetune_budget_flags softmax
  # mt-train prints the swap table on stdout: keep it beside the run (t2r.swap-table.txt).
  # T2R_ARGS come last, so an explicit --max-minutes there wins over the budget share.
  train_model t2r "swap + finetune T2R" --init-from "$WORK/softmax/$(selected_checkpoint softmax)" \
    "${BUDGET_FLAGS[@]}" "${args[@]}" \
    | tee "$WORK/t2r.swap-table.new"
  if [ -s "$WORK/t2r.swap-table.new" ]; then mv "$WORK/t2r.swap-table.new" "$WORK/t2r.swap-table.txt"
  else rm -f "$WORK/t2r.swap-table.new"; fi
}

# bleu_of REF HYP: "score<TAB>signature" of mt-bleu (sacreBLEU 13a, cased; -l from SCORE_LANGS).
bleu_of() {
  local lang=(); [ -z "${SCORE_LANGS:-}" ] || lang=(-l "$SCORE_LANGS")
  local json
  json=$("$BIN/mt-bleu" "$1" -i "$2" "${lang[@]}" -f json)
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

# inputs_average MODEL: the saved checkpoints (not the average: an output) and the valid set.
inputs_average() {
  local d=$WORK/$1 f
  for f in "$d"/checkpoint_[0-9]*.safetensors "$d/checkpoint_best.safetensors"; do
    [ -e "$f" ] && stamp_file "$(basename "$f")" "$f"
  done
  stamp_file valid.src "$WORK/data/valid.src"; stamp_file valid.tgt "$WORK/data/valid.tgt"
  stamp_var SCORE_LANGS
}

# average_model MODEL: average the last 5 saved checkpoints; keep whichever of the average and
# the best checkpoint scores higher on the validation set (beam $BEAM) → $WORK/MODEL/selected.
average_model() {
  local model=$1 d=$WORK/$1
  if [ "${AVERAGE:-1}" = 0 ]; then return; fi
  stamp_check --legacy "$d/selected" "$d/selected.done" inputs_average "$model"
  case "$STAMP_STATE" in
    done) say "average $model: done already ($(cat "$d/selected"))"; return ;;
    legacy) stamp_legacy "average $model" "$d/selected.done"; return ;;
    changed) say "average $model: $STAMP_WHY, choosing again"
             rm -f "$d/selected" "$d/checkpoint_avg.safetensors" ;;
  esac
  local n; n=$(find "$d" -maxdepth 1 -name 'checkpoint_[0-9]*.safetensors' | wc -l)
  if [ "$n" -lt 2 ]; then
    echo checkpoint_best.safetensors > "$d/selected"; stamp_write "$d/selected.done"; return
  fi
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
  stamp_write "$d/selected.done"
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

# train_seconds_exact MODEL: train_seconds_of unrounded (a smoke run takes under a second).
train_seconds_exact() {
  local d=$WORK/$1 t
  t=$(grep -o '"train_seconds":[0-9.]*' "$d/metrics.jsonl" 2>/dev/null | tail -1 | cut -d: -f2 || true)
  [ -n "$t" ] || t=$(head -c 1000000 "$d/checkpoint_last.state.safetensors" 2>/dev/null \
                       | grep -a -o 'trainSeconds\\*":[0-9.]*' | head -1 | grep -o '[0-9.]*$' || true)
  echo "${t:-0}"
}

# inputs_translate MODEL CHECKPOINT TESTSET: what a test set's hypothesis and score depend on.
inputs_translate() {
  local d=$WORK/$1 f
  stamp_value checkpoint "$2"
  stamp_file "$2" "$d/$2"
  for f in config.yaml vocab.src vocab.tgt bpe.codes; do [ ! -e "$d/$f" ] || stamp_file "$f" "$d/$f"; done
  stamp_file "$3.src" "$WORK/data/$3.src"; stamp_file "$3.tgt" "$WORK/data/$3.tgt"
  stamp_var BEAM SCORE_LANGS
}

# Each model × test set: translate and score unless done with the same inputs (stamp
# <model>/<testset>.done, its results row <model>/<testset>.row); results.tsv collects the rows.
step_translate_and_score() {
  local results=$WORK/results.tsv rows="" model t sets
  read -r -a sets <<< "$TESTSETS"
  for model in ${MODELS:-softmax t2r}; do  # MODELS: compare.sh's longer list
    local ckpt; ckpt=$(selected_checkpoint "$model")
    for t in "${sets[@]}"; do
      local hyp=$WORK/$model/$t.hyp stamp=$WORK/$model/$t.done
      if ! stamp_skip "translate $t with the $model model" "$stamp" inputs_translate "$model" "$ckpt" "$t" \
         || [ ! -s "$WORK/$model/$t.row" ]; then
        rm -f "$stamp" "$hyp" "$hyp.log" "$WORK/$model/$t.row"
        say "translate $t with the $model model ($ckpt, beam $BEAM)"
        translate "$model" "$ckpt" "$WORK/data/$t.src" "$hyp"
        local tps; tps=$(grep -o '[0-9.]* tok/s' "$hyp.log" | tail -1 | cut -d' ' -f1)
        local scored; scored=$(bleu_of "$WORK/data/$t.tgt" "$hyp")
        printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$model" "$t" "$(echo "$scored" | cut -f1)" \
          "$(echo "$scored" | cut -f2)" "$tps" "$ckpt" "$(train_seconds_of "$model")" > "$WORK/$model/$t.row"
        stamp_write "$stamp"
      fi
      rows+=$(cat "$WORK/$model/$t.row")$'\n'
    done
  done
  { printf "model\ttestset\tbleu\tsignature\ttok_per_s\tcheckpoint\ttrain_seconds\n"; printf '%s' "$rows"; } \
    > "$results.tmp" && mv "$results.tmp" "$results"
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
