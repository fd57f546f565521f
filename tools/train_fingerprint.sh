#!/usr/bin/env bash
# Fingerprints of short training runs: the loss curve and the final weights of `tiny` and
# `small` models (softmax teacher, then swap-then-finetune to T2R), with dropout. Two builds
# that print the same fingerprints trained bit-identically; use it to show that a refactor
# changed no number:
#
#   BIN=/tmp/old-bin bash tools/train_fingerprint.sh > old.txt
#   BIN=.build/release bash tools/train_fingerprint.sh > new.txt && diff old.txt new.txt
#   EXTRA_ARGS="--clip-norm 0.5" BIN=… bash tools/train_fingerprint.sh   # with gradient clipping
#
# OpenBLAS picks kernels by CPU, so fingerprints are comparable only on one machine.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-translate; do [ -x "$BIN/$b" ] || { echo "train_fingerprint: $BIN/$b missing" >&2; exit 1; }; done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
UPDATES=${UPDATES:-30}
T=${KEEP_DIR:-$(mktemp -d)}
[ -n "${KEEP_DIR:-}" ] || trap 'rm -rf "$T"' EXIT

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 40

ARGS=(--train-source "$T/train.src" --train-target "$T/train.tgt"
      --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes"
      --source-vocab "$T/vocab" --target-vocab "$T/vocab" --threads 2 --seed 11
      --max-tokens 600 --lr 0.001 --warmup-updates 10 --max-updates "$UPDATES"
      --save-interval 10 --keep-last 2 --log-interval 1 --dropout 0.2 --attention-dropout 0.1
      --best-metric bleu --valid-bleu-sentences 20)
# EXTRA_ARGS: more mt-train flags for both builds, e.g. EXTRA_ARGS="--clip-norm 0.5" to cover clipping.
read -ra EXTRA <<< "${EXTRA_ARGS:-}"
ARGS+=("${EXTRA[@]}")
# Loss, gnorm and lr of every update (not the speed); tensor bytes after the safetensors header.
curve() { grep '"kind":"train"' "$1" | sed 's/"tok_per_s":[^,}]*,\{0,1\}//; s/"elapsed[^,}]*,\{0,1\}//' | sha256sum | cut -c1-16; }
valid() { grep '"kind":"valid"' "$1" | grep -o '"\(loss\|bleu\)":[^,}]*' | tr '\n' ' ' | sha256sum | cut -c1-16; }
payload() { local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1" | sha256sum | cut -c1-16; }

for arch in tiny small; do
  "$BIN/mt-train" "${ARGS[@]}" --arch "$arch" --save-dir "$T/$arch-softmax" > "$T/$arch-softmax.log" 2>&1 \
    || { tail -5 "$T/$arch-softmax.log" >&2; exit 1; }
  "$BIN/mt-train" "${ARGS[@]}" --arch "$arch" --decoder t2r --init-from "$T/$arch-softmax/checkpoint_last.safetensors" \
    --save-dir "$T/$arch-t2r" > "$T/$arch-t2r.log" 2>&1 || { tail -5 "$T/$arch-t2r.log" >&2; exit 1; }
  for d in softmax t2r; do
    m="$T/$arch-$d"
    out=$(head -20 "$T/valid.src" | "$BIN/mt-translate" -m "$m" --checkpoint "$m/checkpoint_last.safetensors" --beam 3 --nbest 2 2>/dev/null | sha256sum | cut -c1-16)
    echo "$arch $d curve $(curve "$m/metrics.jsonl") valid $(valid "$m/metrics.jsonl") weights $(payload "$m/checkpoint_last.safetensors") translate $out"
  done
done
