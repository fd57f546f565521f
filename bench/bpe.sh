#!/usr/bin/env bash
# BPE benchmark (make bench): learn 10,000 merges on Multi30k train (en+de, whitespace-split
# raw text, the same input for every tool) and apply them to the same text, timing whole
# processes. Compares mt-bpe with subword-nmt 0.3.8 and, if installable, Hugging Face
# tokenizers' BPE. Prints one JSON object per line, then ratio lines, then output checks.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash bench/bpe.sh
#
# subword-nmt and tokenizers are installed into .venv-bench/ (git-ignored) when missing.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.build/release}
DATA=${MT_DATA_DIR:-../shared/data}
MERGES=${MERGES:-10000}
REPEAT=${REPEAT:-3}
MTBPE="$BIN/mt-bpe"
VENV=.venv-bench
if [ ! -x "$MTBPE" ]; then echo "bench/bpe.sh: $MTBPE not found (build with: swift build -c release --product mt-bpe)" >&2; exit 1; fi
for f in "$DATA/multi30k/train.en.gz" "$DATA/multi30k/train.de.gz"; do
  if [ ! -f "$f" ]; then echo "bench/bpe.sh: missing $f (set MT_DATA_DIR)" >&2; exit 1; fi
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
gzip -dc "$DATA/multi30k/train.en.gz" "$DATA/multi30k/train.de.gz" > "$WORK/train.ende"
LINES=$(wc -l < "$WORK/train.ende")

now() { date +%s.%N; }
# seconds IN OUT CMD...: wall-clock seconds of one run of CMD with stdin IN and stdout OUT
# ("-" keeps the default); stderr is discarded. Prints "null" if the command fails.
seconds() {
  local in=$1 out=$2 s e rc; shift 2
  [ "$in" = - ] && in=/dev/null
  [ "$out" = - ] && out=/dev/null
  s=$(now); "$@" < "$in" > "$out" 2>/dev/null; rc=$?; e=$(now)
  if [ $rc -ne 0 ]; then echo null; return; fi
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}
# best SECONDS...: the minimum.
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
# ratio NAME OP A B [TARGET]: one ratio line A/B (null when a run failed).
ratio() {
  awk -v n="$1" -v op="$2" -v a="$3" -v b="$4" -v t="${5:-}" 'BEGIN {
    v = (a == "null" || b == "null" || b == 0) ? "null" : sprintf("%.1f", a / b)
    printf "{\"bench\":\"bpe\",\"ratio\":\"%s\",\"op\":\"%s\",\"value\":%s%s}\n", n, op, v, (t == "" ? "" : ",\"target\":" t)
  }'
}
emit() { printf '{"bench":"bpe","tool":"%s","op":"%s","merges":%d,"lines":%d,"seconds":%s%s}\n' "$1" "$2" "$MERGES" "$LINES" "$3" "${4:-}"; }

# --- mt-bpe ---------------------------------------------------------------------------------
runs=()
for _ in $(seq "$REPEAT"); do runs+=("$(seconds - - "$MTBPE" learn-bpe -s "$MERGES" -i "$WORK/train.ende" -o "$WORK/codes.mt")"); done
MT_LEARN=$(best "${runs[@]}")
emit mt-bpe learn "$MT_LEARN" ",\"runs\":$REPEAT"
runs=()
for _ in $(seq "$REPEAT"); do runs+=("$(seconds - - "$MTBPE" apply-bpe -c "$WORK/codes.mt" -i "$WORK/train.ende" -o "$WORK/out.mt")"); done
MT_APPLY=$(best "${runs[@]}")
emit mt-bpe apply "$MT_APPLY" ",\"runs\":$REPEAT,\"threads\":$(nproc)"
runs=()
for _ in $(seq "$REPEAT"); do runs+=("$(seconds - - "$MTBPE" apply-bpe --num-workers 1 -c "$WORK/codes.mt" -i "$WORK/train.ende" -o "$WORK/out1.mt")"); done
emit mt-bpe apply "$(best "${runs[@]}")" ",\"runs\":$REPEAT,\"threads\":1"

# --- subword-nmt 0.3.8 ----------------------------------------------------------------------
if [ ! -x "$VENV/bin/subword-nmt" ]; then
  { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q subword-nmt==0.3.8; } >/dev/null 2>&1
fi
if [ -x "$VENV/bin/subword-nmt" ]; then
  SN_LEARN=$(seconds "$WORK/train.ende" "$WORK/codes.sn" "$VENV/bin/subword-nmt" learn-bpe -s "$MERGES")
  emit subword-nmt learn "$SN_LEARN" ',"runs":1'
  SN_APPLY=$(seconds "$WORK/train.ende" "$WORK/out.sn" "$VENV/bin/subword-nmt" apply-bpe -c "$WORK/codes.sn")
  emit subword-nmt apply "$SN_APPLY" ',"runs":1'
  ratio subword-nmt/mt-bpe learn "$SN_LEARN" "$MT_LEARN" 10
  ratio subword-nmt/mt-bpe apply "$SN_APPLY" "$MT_APPLY" 20
  same() { cmp -s "$1" "$2" && echo true || echo false; }
  printf '{"bench":"bpe","check":"codes identical to subword-nmt","value":%s}\n' "$(same "$WORK/codes.mt" "$WORK/codes.sn")"
  printf '{"bench":"bpe","check":"segmentation identical to subword-nmt","value":%s}\n' "$(same "$WORK/out.mt" "$WORK/out.sn")"
else
  echo '{"bench":"bpe","tool":"subword-nmt","skipped":"could not install subword-nmt==0.3.8 into .venv-bench"}'
fi

# --- Hugging Face tokenizers (BPE model, whitespace-split, "</w>" suffix) -------------------
if [ -x "$VENV/bin/python" ] && ! "$VENV/bin/python" -c "import tokenizers" 2>/dev/null; then
  "$VENV/bin/pip" install -q tokenizers >/dev/null 2>&1
fi
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import tokenizers" 2>/dev/null; then
  cat > "$WORK/hf_learn.py" <<'PY'
import sys
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
inp, out, merges = sys.argv[1], sys.argv[2], int(sys.argv[3])
tok = Tokenizer(models.BPE(end_of_word_suffix="</w>"))
tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
# tokenizers trains to a vocabulary size: alphabet (+ word-final forms) + merges.
alphabet = set()
with open(inp, encoding="utf-8") as f:
    for line in f:
        for w in line.split():
            alphabet.update(w[:-1]); alphabet.add(w[-1] + "</w>")
trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + merges, min_frequency=2, show_progress=False,
                              end_of_word_suffix="</w>")
tok.train([inp], trainer)
tok.save(out)
PY
  cat > "$WORK/hf_apply.py" <<'PY'
import sys
from tokenizers import Tokenizer
tok = Tokenizer.from_file(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as f:
    lines = f.read().split("\n")
with open(sys.argv[3], "w", encoding="utf-8") as o:
    for enc in tok.encode_batch(lines):
        o.write(" ".join(enc.tokens) + "\n")
PY
  HF_LEARN=$(seconds - - "$VENV/bin/python" "$WORK/hf_learn.py" "$WORK/train.ende" "$WORK/hf.json" "$MERGES")
  emit hf-tokenizers learn "$HF_LEARN" ',"runs":1,"note":"vocab_size = alphabet + merges; whole process incl. Python start"'
  HF_APPLY=$(seconds - - "$VENV/bin/python" "$WORK/hf_apply.py" "$WORK/hf.json" "$WORK/train.ende" "$WORK/out.hf")
  emit hf-tokenizers apply "$HF_APPLY" ',"runs":1'
  ratio hf-tokenizers/mt-bpe learn "$HF_LEARN" "$MT_LEARN"
  ratio hf-tokenizers/mt-bpe apply "$HF_APPLY" "$MT_APPLY"
else
  echo '{"bench":"bpe","tool":"hf-tokenizers","skipped":"tokenizers not installable"}'
fi
