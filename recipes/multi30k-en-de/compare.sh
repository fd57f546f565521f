#!/usr/bin/env bash
# The paper's comparison on Multi30k En→De (Kasai et al. 2021, T2R.md §1): one softmax teacher,
# then T2R, ELU and RFA decoders each swapped in and finetuned with the same time budget, T2R
# trained from random initialisation with the teacher's budget plus the finetune's (equal total
# compute), and ELU and RFA from random initialisation with a smaller budget ("where time
# allows"). Every model is scored on test_2016_flickr and test_2017_flickr and timed on short
# (the test sets) and long outputs (newstest2014 paragraphs, recipes/common/long_bench.sh).
#
#   recipes/multi30k-en-de/compare.sh          the comparison (about 2.5 h on the 2-core machine)
#   recipes/multi30k-en-de/compare.sh --smoke  every step on a tiny slice with a `tiny` model (minutes)
#
# Outputs in $WORK (default work/multi30k-en-de-compare, work/smoke-multi30k-en-de-compare):
#   compare.tsv   model, init, feature map, BLEU test2016/test2017 and signature, training
#                 seconds (own, and total with the teacher's), decode tok/s short (test2016,
#                 mt-translate, batched, beam $BEAM) and long (paragraphs, one at a time), recurrent
#                 state floats per decoder layer and row (softmax: its key/value cache at the
#                 paragraphs' mean final length)
#   compare.svg   validation BLEU against training seconds; finetuned curves start at the
#                 teacher's time (the compute they build on), scratch curves at 0
#   results.tsv, long.jsonl, speed.tsv, and each model's run in $WORK/<model>/
# Budgets, as shares of the teacher's recorded training time T (its metrics.jsonl, final
# validation included): finetunes FINETUNE_SHARE·T each (default 0.25), T2R from scratch
# (1 + FINETUNE_SHARE)·T, ELU and RFA from scratch SCRATCH_SHARE·T each (default 0.4; 0 skips
# them). The teacher trains for TEACHER_MINUTES (default 36: compare/softmax.yaml). With T = 36
# minutes that is 36 + 3·9 + 45 + 2·14.4 ≈ 137 minutes of training, plus translation and timing.
#
# Restartable like run.sh: every step is stamped (recipes/common/stamps.sh) and skipped when its
# inputs are unchanged; an interrupted training run resumes; the teacher in $WORK/softmax is
# reused whenever it is there. Variables: MT_DATA_DIR, WORK, BEAM, THREADS, FINETUNE_SHARE,
# SCRATCH_SHARE, TEACHER_MINUTES, LONG_PARAGRAPHS.
set -euo pipefail
NAME=multi30k-en-de-compare
RECIPE_DIR=$(cd "$(dirname "$0")/compare" && pwd)
SRC=en; TGT=de; MERGES=${MERGES:-8000}
TESTSETS="test2016 test2017"
SCORE_LANGS=en-de
SCRATCH_SHARE=${SCRATCH_SHARE:-0.4}
TEACHER_MINUTES=${TEACHER_MINUTES:-36}
SMALL_ARGS=""

prepare_data() {
  local m=$1/multi30k n=${SMOKE_LINES:-}
  cut_to() { if [ -n "$n" ]; then sed -n "1,${1}p"; else cat; fi; }  # sed reads on: no SIGPIPE
  zcat "$m/train.$SRC.gz" | cut_to 2000 > "$WORK/data/train.src"; zcat "$m/train.$TGT.gz" | cut_to 2000 > "$WORK/data/train.tgt"
  zcat "$m/val.$SRC.gz" | cut_to 40 > "$WORK/data/valid.src"; zcat "$m/val.$TGT.gz" | cut_to 40 > "$WORK/data/valid.tgt"
  zcat "$m/test_2016_flickr.$SRC.gz" | cut_to 40 > "$WORK/data/test2016.src"
  zcat "$m/test_2016_flickr.$TGT.gz" | cut_to 40 > "$WORK/data/test2016.tgt"
  zcat "$m/test_2017_flickr.$SRC.gz" | cut_to 40 > "$WORK/data/test2017.src"
  zcat "$m/test_2017_flickr.$TGT.gz" | cut_to 40 > "$WORK/data/test2017.tgt"
}

if [ "${1:-}" = "--smoke" ]; then
  # A tiny slice (2,000 training pairs, 40 lines of each other set), 500 merges, `tiny` models,
  # 40 teacher updates; the budgets follow the same shares of that teacher's time.
  SMOKE=1; SMOKE_LINES=1; MERGES=500; BEAM=${BEAM:-2}; LONG_PARAGRAPHS=${LONG_PARAGRAPHS:-1}
  SMALL_ARGS="--arch tiny --max-tokens 1000 --valid-beam 1"
  TEACHER_MINUTES=0
  SOFTMAX_ARGS="$SMALL_ARGS --max-updates 40 --warmup-updates 10 --save-interval 20"
fi
SOFTMAX_ARGS=${SOFTMAX_ARGS:-"--max-minutes $TEACHER_MINUTES"}
# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../../common/pipeline.sh"
# shellcheck source=recipes/common/long_bench.sh
source "$RECIPE_DIR/../../common/long_bench.sh"
USER_T2R_ARGS=$T2R_ARGS

# minutes SHARE: SHARE × the teacher's recorded seconds, in minutes (4 decimals).
minutes() { awk -v s="$1" -v t="$TEACHER_SECONDS" 'BEGIN { printf "%.4f", s * t / 60 }'; }

# train_variant MODEL LABEL SHARE [ARGS...]: MODEL.yaml with --max-minutes SHARE·T (stamped
# through T2R_ARGS, so a new share or teacher retrains it), then the averaging choice.
train_variant() {
  local model=$1 label=$2 share=$3; shift 3
  local smoke=(); [ "${SMOKE:-0}" != 1 ] || smoke=(--max-updates 20 --warmup-updates 5 --save-interval 10)
  T2R_ARGS="$USER_T2R_ARGS $SMALL_ARGS ${smoke[*]} --max-minutes $(minutes "$share")"
  local args; read -r -a args <<< "$T2R_ARGS"
  say "$label: budget $share × ${TEACHER_SECONDS} s = $(minutes "$share") min"
  train_model "$model" "$label" "$@" "${args[@]}"
  average_model "$model"
}

step_prepare
step_bpe
step_train_softmax
average_model softmax
# The teacher's recorded training time in seconds, unrounded (a smoke teacher takes under one).
TEACHER_SECONDS=$(train_seconds_exact softmax)
awk -v t="${TEACHER_SECONDS:-0}" 'BEGIN { exit !(t > 0) }' || { say "error: the teacher recorded no training time"; exit 1; }
TEACHER=$WORK/softmax/$(selected_checkpoint softmax)
MODELS="softmax"
for fm in t2r elu rfa; do
  train_variant "$fm" "swap + finetune ($fm feature map)" "$FINETUNE_SHARE" --init-from "$TEACHER"
  MODELS+=" $fm"
done
train_variant t2r-scratch "T2R from random initialisation (equal total compute)" \
  "$(awk -v s="$FINETUNE_SHARE" 'BEGIN { print 1 + s }')"
MODELS+=" t2r-scratch"
if awk -v s="$SCRATCH_SHARE" 'BEGIN { exit !(s > 0) }'; then
  for fm in elu rfa; do
    train_variant "$fm-scratch" "$fm from random initialisation" "$SCRATCH_SHARE"
    MODELS+=" $fm-scratch"
  done
fi
T2R_ARGS=$USER_T2R_ARGS
export MODELS
step_translate_and_score
# shellcheck disable=SC2086
long_bench "$WORK/long.jsonl" $MODELS
long_table "$WORK/long.jsonl"

# compare.tsv: one row per model.
row_of() { awk -F'\t' -v m="$1" -v t="$2" -v c="$3" '$1 == m && $2 == t { print $c; exit }' "$WORK/results.tsv"; }
{
  printf "model\tinit\tfeature_map\tbleu_test2016\tbleu_test2017\tsignature\ttrain_seconds\ttotal_seconds\ttok_per_s_short\ttok_per_s_long\tstate_floats_per_layer\n"
  for m in $MODELS; do
    init=random; fmap=${m%-scratch}; own=$(train_seconds_of "$m"); total=$own
    case "$m" in
      softmax) init=-; fmap=-;;
      *-scratch) ;;
      *) init=teacher; total=$(awk -v a="$own" -v t="$TEACHER_SECONDS" 'BEGIN { printf "%.0f", a + t }');;
    esac
    p=$(grep "\"model\":\"$m\"" "$WORK/long.jsonl" | grep '"mode":"paragraphs"' || true)
    printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$m" "$init" "$fmap" "$(row_of "$m" test2016 3)" \
      "$(row_of "$m" test2017 3)" "$(row_of "$m" test2016 4)" "$own" "$total" "$(row_of "$m" test2016 5)" \
      "$(fmtn 0 "$(echo "$p" | jfield tok_per_s)")" "$(fmtn 0 "$(echo "$p" | jfield state_floats_per_layer)")"
  done
} > "$WORK/compare.tsv"
say "comparison ($WORK/compare.tsv):"
column -t -s $'\t' "$WORK/compare.tsv" >&2 || cat "$WORK/compare.tsv" >&2

plot=()
for m in $MODELS; do
  case "$m" in
    softmax|*-scratch) plot+=(--run "$m=$WORK/$m") ;;
    *) plot+=(--run "$m + pretrain=$WORK/$m@$TEACHER_SECONDS") ;;
  esac
done
"$BIN/mt-train" plot "${plot[@]}" -o "$WORK/compare.svg"
say "figure: $WORK/compare.svg"
