#!/usr/bin/env bash
# Tatoeba Zh→En with the `small` model on a 2-core CPU, also scored on WMT17 newstest2017 zh-en
# (news: a large domain gap from Tatoeba's short everyday sentences, so expect low BLEU there).
#
# The split is fixed and documented: the 28,447 pairs of cmn-eng.tatoeba.txt.gz in file order,
# line k (1-based) goes to test when k mod 20 = 1, to dev when k mod 20 = 2, and to train
# otherwise (the file is ordered roughly by length, so every part covers all lengths).
# Chinese is segmented with ICU's word break iterator; BPE codes are learned on both sides with
# separate vocabularies; BLEU on English output uses 13a.
set -euo pipefail
NAME=tatoeba-zh-en
RECIPE_DIR=$(cd "$(dirname "$0")" && pwd)
SRC=zh; TGT=en; MERGES=${MERGES:-8000}
JOINT=0
TESTSETS="test newstest2017"
SCORE_LANGS="zh-en"

prepare_data() {
  local z=$1/zh-en
  zcat "$z/cmn-eng.tatoeba.txt.gz" | awk -F'\t' -v d="$WORK/data" '{
      part = (NR % 20 == 1) ? "test" : (NR % 20 == 2) ? "valid" : "train";
      print $2 > (d "/" part ".src"); print $1 > (d "/" part ".tgt") }'
  cp "$z/newstest2017-zhen.zh" "$WORK/data/newstest2017.src"
  cp "$z/newstest2017-zhen.en" "$WORK/data/newstest2017.tgt"
}

# shellcheck source=recipes/common/pipeline.sh
source "$RECIPE_DIR/../common/pipeline.sh"
run_pipeline
