#!/usr/bin/env bash
# Swap-then-finetune from an imported Hugging Face Marian model (issue 15, item 4): mt-import
# marian on the committed fixtures (tiny Marian models trained briefly on the first 4,000
# Multi30k pairs), then `mt-train --init-from MODEL_DIR --decoder t2r` on raw text (Multi30k
# pairs 4,001–6,000: no vocabulary, BPE or pretokenising; the directory's SentencePiece models
# and vocab.json are the text side, its checkpoint the architecture and special ids).
#
# Checks: the run uses the imported text side and architecture and swaps every tensor; the
# training loss falls; the before/after table prints with numbers; the save_dir translates on
# its own (mt-translate -m SAVE_DIR, SentencePiece files copied); a vocabulary given beside an
# imported directory is refused with the reason; a stopped run resumes; the untied model (other
# vocabularies per side, gelu) finetunes too, and softmax → softmax continued training works.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/marian_finetune.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-import mt-train mt-translate; do [ -x "$BIN/$b" ] || { echo "marian_finetune: $BIN/$b missing" >&2; exit 1; }; done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
F=$ROOT/Tests/MTImportTests/Fixtures
T=$(mktemp -d)
trap 'rc=$?; rm -rf "$T"; exit $rc' EXIT
fail() { echo "marian_finetune: FAIL: $*" >&2; tail -n 8 "$T"/*.log >&2 || true; exit 1; }

slice() {  # slice LANG FROM TO FILE: raw Multi30k lines FROM..TO
  gzip -dc "$DATA/multi30k/$1" | sed -n "$2,$3p" > "$4"
}
for tgt in de fr; do
  slice train.en.gz 4001 6000 "$T/train.en-$tgt.en"; slice "train.$tgt.gz" 4001 6000 "$T/train.en-$tgt.$tgt"
  slice val.en.gz 1 60 "$T/valid.en-$tgt.en"; slice "val.$tgt.gz" 1 60 "$T/valid.en-$tgt.$tgt"
done

"$BIN/mt-import" marian "$F/tied/hf" -o "$T/tied" 2> "$T/import-tied.log" || fail "import of tied"
"$BIN/mt-import" marian "$F/untied/hf" -o "$T/untied" 2> "$T/import-untied.log" || fail "import of untied"

args() {  # args TGT: the run's data and settings (one thread, dropout on, validation every 10 updates)
  echo --train-source "$T/train.en-$1.en" --train-target "$T/train.en-$1.$1" \
       --valid-source "$T/valid.en-$1.en" --valid-target "$T/valid.en-$1.$1" --source-lang en --target-lang "$1" \
       --threads 1 --seed 3 --max-tokens 800 --lr 0.003 --warmup-updates 5 --save-interval 10 \
       --log-interval 1 --dropout 0.1 --valid-beam 1 --best-metric loss
}
train() {  # train DIR TGT ARGS...: mt-train into DIR, log to DIR.log
  local dir=$1 tgt=$2; shift 2
  # shellcheck disable=SC2046
  "$BIN/mt-train" $(args "$tgt") --save-dir "$dir" "$@" >> "$dir.log" 2>&1
}

# 1. Tied model → T2R, 40 updates.
train "$T/ft" de --init-from "$T/tied" --decoder t2r --feature-size-self 8 --feature-size-cross 8 --max-updates 40 \
  || fail "finetune from the imported directory"
L=$T/ft.log
grep -q "text from the imported directory $T/tied (source.spm, target.spm, vocab.json)" "$L" || fail "the run did not take the directory's text side"
grep -q "init_from $T/tied: $T/tied/checkpoint_best.safetensors" "$L" || fail "the directory was not resolved to its checkpoint"
grep -q "swapped softmax → T2R: copied .* fresh φ: 8 tensors" "$L" || fail "swap report: $(grep swapped "$L")"
grep -q "architecture from $T/tied/checkpoint_best.safetensors: d_model 16, ffn .* swish, .*layers 2+2, vocabulary 515/515" "$L" \
  || fail "architecture not from the checkpoint: $(grep 'architecture from' "$L")"
first=$(grep -m1 -o '^\[train\] ep [0-9]* up 1 loss [0-9.]*' "$L" | awk '{print $NF}')
last=$(grep -o '^\[train\] ep [0-9]* up 40 loss [0-9.]*' "$L" | tail -1 | awk '{print $NF}')
[ -n "$first" ] && [ -n "$last" ] || fail "no loss at updates 1 and 40"
awk -v a="$first" -v b="$last" 'BEGIN { exit !(b < a) }' || fail "training loss did not fall ($first at update 1, $last at update 40)"
grep -q "teacher (softmax)   after finetune (t2r)" "$L" || fail "no before/after table"
row() { grep "$1" "$L" | tail -1 | awk '{print $(NF-1), $NF}'; }
read -r tb ab <<< "$(row 'valid BLEU')"
read -r tl al <<< "$(row 'valid loss (bits)')"
for v in "$tb" "$ab" "$tl" "$al"; do [[ "$v" =~ ^[0-9]+\.[0-9]+$ ]] || fail "table value '$v' is not a number"; done
echo "marian_finetune: tied → T2R: train loss $first → $last; valid BLEU $tb (softmax) → $ab (t2r), loss $tl → $al bits"

# 2. The save_dir translates on its own, recurrently; the teacher still translates.
for f in source.spm target.spm vocab.json search.json; do [ -f "$T/ft/$f" ] || fail "save_dir lacks $f"; done
"$BIN/mt-translate" -m "$T/ft" --beam 2 < "$T/valid.en-de.en" > "$T/ft.out" 2> "$T/translate.log" || fail "mt-translate -m save_dir"
[ "$(wc -l < "$T/ft.out")" = 60 ] || fail "mt-translate wrote $(wc -l < "$T/ft.out") lines for 60"
grep -q . "$T/ft.out" || fail "every translation is empty"

# 3. A vocabulary beside an imported directory is refused, with the reason.
if train "$T/bad" de --init-from "$T/tied" --decoder t2r --source-vocab "$T/train.en-de.en" --target-vocab "$T/train.en-de.en" --max-updates 1; then
  fail "a vocabulary beside an imported directory was accepted"
fi
grep -q "brings its own SentencePiece models and vocabulary; leave source_vocab, target_vocab empty" "$T/bad.log" \
  || fail "refusal without the reason: $(tail -2 "$T/bad.log")"

# 4. Resume: the same command with a higher limit continues from update 40.
train "$T/ft" de --init-from "$T/tied" --decoder t2r --feature-size-self 8 --feature-size-cross 8 --max-updates 50 \
  || fail "resumed finetune"
grep -q "resumed from .*update 40" "$L" || fail "the second run did not resume from update 40"

# 5. Untied (gelu, separate vocabularies and embeddings) → T2R; softmax → softmax continued training.
train "$T/ft-untied" fr --init-from "$T/untied/checkpoint_best.safetensors" --decoder t2r --max-updates 20 \
  || fail "finetune of the untied model"
grep -q "text from the imported directory $T/untied (source.spm, target.spm, vocab.json, target_vocab.json)" "$T/ft-untied.log" \
  || fail "untied: text side $(grep 'imported directory' "$T/ft-untied.log")"
grep -q "after finetune (t2r)" "$T/ft-untied.log" || fail "untied: no before/after table"
"$BIN/mt-translate" -m "$T/ft-untied" < "$T/valid.en-fr.en" > "$T/untied.out" 2>> "$T/translate.log" || fail "untied: mt-translate"
train "$T/sm" de --init-from "$T/tied" --decoder softmax --max-updates 10 || fail "softmax continued training"
grep -q "initialised from $T/tied/checkpoint_best.safetensors (same architecture)" "$T/sm.log" || fail "softmax: $(grep initialised "$T/sm.log")"
echo "marian_finetune: OK (untied → T2R and softmax → softmax run; save_dirs translate; resume; refusal names the reason)"
