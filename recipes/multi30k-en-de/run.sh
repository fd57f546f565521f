#!/usr/bin/env bash
# Multi30k En→De with the `small` model on a 2-core CPU: softmax teacher, then swap-then-finetune
# to T2R, tested on test_2016_flickr and test_2017_flickr.
#   recipes/multi30k-en-de/run.sh            full run (about 2 h of teacher training)
#   recipes/multi30k-en-de/run.sh --demo     the `make demo` schedule (minutes), ending with the
#                                            long-output table (recipes/common/long_bench.sh)
# Variables: MT_DATA_DIR (corpora), WORK (outputs), BEAM, THREADS.
set -euo pipefail
NAME=multi30k-en-de
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=en; TGT=de; MERGES=${MERGES:-8000}
TESTSETS="test2016 test2017"
SCORE_LANGS=en-de

prepare_data() {
  local m=$1/multi30k
  zcat "$m/train.$SRC.gz" > "$WORK/data/train.src"; zcat "$m/train.$TGT.gz" > "$WORK/data/train.tgt"
  zcat "$m/val.$SRC.gz" > "$WORK/data/valid.src"; zcat "$m/val.$TGT.gz" > "$WORK/data/valid.tgt"
  zcat "$m/test_2016_flickr.$SRC.gz" > "$WORK/data/test2016.src"; zcat "$m/test_2016_flickr.$TGT.gz" > "$WORK/data/test2016.tgt"
  zcat "$m/test_2017_flickr.$SRC.gz" > "$WORK/data/test2017.src"; zcat "$m/test_2017_flickr.$TGT.gz" > "$WORK/data/test2017.tgt"
}

if [ "${1:-}" = "--demo" ]; then
  ROOT=$(cd "$RECIPE_DIR/../.." && pwd)
  WORK=${WORK:-$ROOT/work/demo}
  SOFTMAX_ARGS="--max-minutes ${DEMO_SOFTMAX_MINUTES:-7} --warmup-updates 100 --dropout 0.1 --patience 0"
  # T2R: the recipe's linear decay, compressed to 60 updates (about 2 minutes here).
  T2R_ARGS="--max-minutes ${DEMO_T2R_MINUTES:-2} --max-updates ${DEMO_T2R_UPDATES:-60} --warmup-updates 20 --dropout 0.1"
  TESTSETS="test2016"; AVERAGE=0
fi
# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
run_pipeline
if [ "${1:-}" = "--demo" ]; then
  # Where T2R pays off: long outputs (newstest2014 paragraphs) beside the sentence-level speed.
  # shellcheck source=recipes/common/long_bench.sh
  source "$RECIPE_DIR/../common/long_bench.sh"
  long_bench "$WORK/long.jsonl" softmax t2r
  long_table "$WORK/long.jsonl"
fi
