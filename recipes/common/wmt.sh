#!/usr/bin/env bash
# Shared pieces of the paper-scale WMT recipes: downloading and extracting the training corpora
# (skipped when already there; sizes printed), and the --smoke slice that runs the whole
# pipeline in minutes on the dev/test sets from the data directory.

# fetch URL DEST: download once into $WORK/download (resumable with curl -C -).
fetch() {
  local url=$1 dest
  dest=$WORK/download/$(basename "$1")
  mkdir -p "$WORK/download"
  if [ -f "$dest.ok" ]; then return; fi
  say "download $url"
  curl -fL --retry 5 -C - -o "$dest" "$url" || { say "error: could not download $url (network?). Place the file at $dest and rerun."; exit 1; }
  touch "$dest.ok"
}

# extract ARCHIVE: unpack into $WORK/download once.
extract() {
  local a
  a=$WORK/download/$(basename "$1")
  if [ -f "$a.extracted" ]; then return; fi
  case "$a" in *.tgz|*.tar.gz) tar -xzf "$a" -C "$WORK/download" ;; *.tar) tar -xf "$a" -C "$WORK/download" ;; esac
  touch "$a.extracted"
}

# read_corpus FILE: its text (gunzipped when it ends in .gz).
read_corpus() { case "$1" in *.gz) zcat -- "$1" ;; *) cat -- "$1" ;; esac; }

# append_pair SRCFILE TGTFILE: add a corpus to train.{src,tgt}, checking line counts.
append_pair() {
  local s=$1 t=$2
  local ns nt; ns=$(read_corpus "$s" | wc -l); nt=$(read_corpus "$t" | wc -l)
  [ "$ns" = "$nt" ] || { say "error: $s has $ns lines, $t has $nt"; exit 1; }
  read_corpus "$s" >> "$WORK/data/train.src"; read_corpus "$t" >> "$WORK/data/train.tgt"
  say "  + $(basename "$s") ($ns pairs)"
}

# smoke_slice DEV_SRC DEV_TGT TEST_SRC TEST_TGT: a tiny train/valid/test from local dev/test sets.
smoke_slice() {
  head -n 1500 "$1" > "$WORK/data/train.src"; head -n 1500 "$2" > "$WORK/data/train.tgt"
  tail -n 100 "$1" > "$WORK/data/valid.src"; tail -n 100 "$2" > "$WORK/data/valid.tgt"
  head -n 50 "$3" > "$WORK/data/test.src"; head -n 50 "$4" > "$WORK/data/test.tgt"
}

# Settings of every --smoke run: the tiny model, a few updates, small BPE, beam 2 (or BEAM when
# given in the environment). The variables are read by pipeline.sh.
# shellcheck disable=SC2034
smoke_settings() {
  MERGES=300
  BEAM=${BEAM_FROM_ENV:-2}
  TESTSETS="test"
  local common="--arch tiny --max-updates 6 --max-epochs 0 --max-minutes 0 --warmup-updates 2 --max-tokens 1024 --valid-bleu-sentences 20 --log-interval 2 --patience 0 --feature-size-self 4 --feature-size-cross 4"
  SOFTMAX_ARGS="$common"
  T2R_ARGS="$common --max-updates 3"
}
