#!/usr/bin/env bash
# WMT14 En→De at paper scale (Kasai et al. 2021, T2R + pretraining: 28.7 BLEU on newstest2014):
# the standard WMT14 training data (Europarl v7, Common Crawl, News Commentary v9; 4.5M pairs),
# length-ratio filtering, joint BPE with 32k merges, the `big` softmax teacher, then swap to T2R
# (feature size 32) and finetune. Valid: newstest2013; test: newstest2014.
#   recipes/wmt14-en-de/run.sh            paper scale (see EXPECTED.md for the compute it needs)
#   recipes/wmt14-en-de/run.sh --smoke    the whole pipeline on a slice of newstest2013, in minutes
set -euo pipefail
NAME=wmt14-en-de
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=en; TGT=de; MERGES=${MERGES:-32000}
TESTSETS="newstest2014"
SCORE_LANGS=en-de
SMOKE=0; [ "${1:-}" = "--smoke" ] && SMOKE=1

prepare_data() {
  local w=$1/wmt14
  if [ "$SMOKE" = 1 ]; then
    smoke_slice "$w/newstest2013.en" "$w/newstest2013.de" "$w/newstest2014-ende.en" "$w/newstest2014-ende.de"
    return
  fi
  fetch http://statmt.org/wmt13/training-parallel-europarl-v7.tgz
  fetch http://statmt.org/wmt13/training-parallel-commoncrawl.tgz
  fetch http://statmt.org/wmt14/training-parallel-nc-v9.tgz
  for a in training-parallel-europarl-v7.tgz training-parallel-commoncrawl.tgz training-parallel-nc-v9.tgz; do extract "$a"; done
  : > "$WORK/data/train.src"; : > "$WORK/data/train.tgt"
  local d=$WORK/download
  append_pair "$d/training/europarl-v7.de-en.en" "$d/training/europarl-v7.de-en.de"
  append_pair "$d/commoncrawl.de-en.en" "$d/commoncrawl.de-en.de"
  append_pair "$d/training/news-commentary-v9.de-en.en" "$d/training/news-commentary-v9.de-en.de"
  cp "$w/newstest2013.en" "$WORK/data/valid.src"; cp "$w/newstest2013.de" "$WORK/data/valid.tgt"
  cp "$w/newstest2014-ende.en" "$WORK/data/newstest2014.src"; cp "$w/newstest2014-ende.de" "$WORK/data/newstest2014.tgt"
}

# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
# shellcheck source=recipes/common/wmt.sh
source "$RECIPE_DIR/../common/wmt.sh"
[ "$SMOKE" = 1 ] && smoke_settings
run_pipeline
