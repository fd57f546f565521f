#!/usr/bin/env bash
# Multi30k En→Fr with the `small` model on a 2-core CPU: softmax teacher, then swap-then-finetune
# to T2R, tested on test_2016_flickr and test_2017_flickr.
#   recipes/multi30k-en-fr/run.sh            full run (about 2 h of teacher training)
# Variables: MT_DATA_DIR (corpora), WORK (outputs), BEAM, THREADS.
set -euo pipefail
NAME=multi30k-en-fr
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=en; TGT=fr; MERGES=${MERGES:-8000}
TESTSETS="test2016 test2017"
SCORE_LANGS=en-fr

prepare_data() {
  local m=$1/multi30k
  zcat "$m/train.$SRC.gz" > "$WORK/data/train.src"; zcat "$m/train.$TGT.gz" > "$WORK/data/train.tgt"
  zcat "$m/val.$SRC.gz" > "$WORK/data/valid.src"; zcat "$m/val.$TGT.gz" > "$WORK/data/valid.tgt"
  zcat "$m/test_2016_flickr.$SRC.gz" > "$WORK/data/test2016.src"; zcat "$m/test_2016_flickr.$TGT.gz" > "$WORK/data/test2016.tgt"
  zcat "$m/test_2017_flickr.$SRC.gz" > "$WORK/data/test2017.src"; zcat "$m/test_2017_flickr.$TGT.gz" > "$WORK/data/test2017.tgt"
}

# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
run_pipeline
