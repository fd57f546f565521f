#!/usr/bin/env bash
# WMT14 En→Fr at paper scale (Kasai et al. 2021, T2R + pretraining: 42.1 BLEU on newstest2014):
# the standard WMT14 training data (Europarl v7, Common Crawl, UN, News Commentary v9, Gigaword
# Fr-En; about 36M pairs), length-ratio filtering, joint BPE with 40k merges, the `big` softmax teacher, then swap to T2R
# (feature size 32) and finetune. Valid: newstest2013; test: newstest2014.
#   recipes/wmt14-en-fr/run.sh            paper scale (see EXPECTED.md for the compute it needs)
#   recipes/wmt14-en-fr/run.sh --smoke    the whole pipeline on a slice of newstest2013, in minutes
set -euo pipefail
NAME=wmt14-en-fr
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=en; TGT=fr; MERGES=${MERGES:-40000}
TESTSETS="newstest2014"
SCORE_LANGS=en-fr
SMOKE=0; [ "${1:-}" = "--smoke" ] && SMOKE=1

prepare_data() {
  local w=$1/wmt14
  if [ "$SMOKE" = 1 ]; then
    smoke_slice "$w/newstest2013.en" "$w/newstest2013.fr" "$w/newstest2014-enfr.en" "$w/newstest2014-enfr.fr"
    return
  fi
  fetch http://statmt.org/wmt13/training-parallel-europarl-v7.tgz
  fetch http://statmt.org/wmt13/training-parallel-commoncrawl.tgz
  fetch http://statmt.org/wmt13/training-parallel-un.tgz
  fetch http://statmt.org/wmt14/training-parallel-nc-v9.tgz
  fetch http://statmt.org/wmt10/training-giga-fren.tar
  for a in training-parallel-europarl-v7.tgz training-parallel-commoncrawl.tgz training-parallel-un.tgz \
           training-parallel-nc-v9.tgz training-giga-fren.tar; do extract "$a"; done
  : > "$WORK/data/train.src"; : > "$WORK/data/train.tgt"
  local d=$WORK/download
  append_pair "$d/training/europarl-v7.fr-en.en" "$d/training/europarl-v7.fr-en.fr"
  append_pair "$d/commoncrawl.fr-en.en" "$d/commoncrawl.fr-en.fr"
  append_pair "$d/un/undoc.2000.fr-en.en" "$d/un/undoc.2000.fr-en.fr"
  append_pair "$d/training/news-commentary-v9.fr-en.en" "$d/training/news-commentary-v9.fr-en.fr"
  append_pair "$d/giga-fren.release2.fixed.en.gz" "$d/giga-fren.release2.fixed.fr.gz"
  cp "$w/newstest2013.en" "$WORK/data/valid.src"; cp "$w/newstest2013.fr" "$WORK/data/valid.tgt"
  cp "$w/newstest2014-enfr.en" "$WORK/data/newstest2014.src"; cp "$w/newstest2014-enfr.fr" "$WORK/data/newstest2014.tgt"
}

# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
# shellcheck source=recipes/common/wmt.sh
source "$RECIPE_DIR/../common/wmt.sh"
[ "$SMOKE" = 1 ] && smoke_settings
run_pipeline
