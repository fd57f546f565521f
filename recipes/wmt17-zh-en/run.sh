#!/usr/bin/env bash
# WMT17 Zh→En at paper scale (Kasai et al. 2021, T2R + pretraining: 23.8 BLEU on newstest2017):
# News Commentary v12 (downloaded here) plus the UN Parallel Corpus v1.0 and CWMT, which their
# owners distribute only after registration: put them as plain text pairs in $EXTRA_CORPORA
# (files NAME.zh / NAME.en) and they are appended. Chinese is segmented with ICU's word break
# iterator; BPE codes are learned on both sides with separate vocabularies (32k merges); the
# `big` softmax teacher, then swap to T2R and finetune. Valid: newsdev2017; test: newstest2017.
#   recipes/wmt17-zh-en/run.sh            paper scale (see EXPECTED.md for the compute it needs)
#   recipes/wmt17-zh-en/run.sh --smoke    the whole pipeline on a slice of newsdev2017, in minutes
set -euo pipefail
NAME=wmt17-zh-en
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=zh; TGT=en; MERGES=${MERGES:-32000}
JOINT=0
TESTSETS="newstest2017"
SCORE_LANGS="zh-en"
SMOKE=0; [ "${1:-}" = "--smoke" ] && SMOKE=1

prepare_data() {
  local z=$1/zh-en
  if [ "$SMOKE" = 1 ]; then
    smoke_slice "$z/newsdev2017-zhen.zh" "$z/newsdev2017-zhen.en" "$z/newstest2017-zhen.zh" "$z/newstest2017-zhen.en"
    return
  fi
  fetch http://data.statmt.org/wmt17/translation-task/training-parallel-nc-v12.tgz
  extract training-parallel-nc-v12.tgz
  : > "$WORK/data/train.src"; : > "$WORK/data/train.tgt"
  append_pair "$WORK/download/training/news-commentary-v12.zh-en.zh" "$WORK/download/training/news-commentary-v12.zh-en.en"
  if [ -n "${EXTRA_CORPORA:-}" ]; then
    for zh in "$EXTRA_CORPORA"/*.zh; do append_pair "$zh" "${zh%.zh}.en"; done
  else
    say "warning: EXTRA_CORPORA not set: training on News Commentary alone (the paper also uses UN and CWMT)"
  fi
  cp "$z/newsdev2017-zhen.zh" "$WORK/data/valid.src"; cp "$z/newsdev2017-zhen.en" "$WORK/data/valid.tgt"
  cp "$z/newstest2017-zhen.zh" "$WORK/data/newstest2017.src"; cp "$z/newstest2017-zhen.en" "$WORK/data/newstest2017.tgt"
}

# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
# shellcheck source=recipes/common/wmt.sh
source "$RECIPE_DIR/../common/wmt.sh"
[ "$SMOKE" = 1 ] && smoke_settings
run_pipeline
