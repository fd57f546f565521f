#!/usr/bin/env bash
# Regenerates the golden BPE fixtures of Tests/MTTextTests/Fixtures with subword-nmt 0.3.8.
#
#   bash tools/text/make_fixtures.sh          # from the package root
#
# Needs python3 and network access to PyPI once (subword-nmt is installed into .venv-bench/,
# which git ignores). Tests never run Python: they only read the files written here.
# Inputs: the first lines of Multi30k train (en, de) from $MT_DATA_DIR (default ../shared/data)
# plus the edge-case lines of tools/text/edge_lines.py. The fixture corpus itself is committed,
# so rerunning this script only rewrites the expected outputs unless CORPUS=1 is set.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA=${MT_DATA_DIR:-../shared/data}
FIX=Tests/MTTextTests/Fixtures
VENV=.venv-bench
if [ ! -x "$VENV/bin/subword-nmt" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q subword-nmt==0.3.8
fi
SN="$VENV/bin/subword-nmt"
"$VENV/bin/python" -c "import subword_nmt, importlib.metadata as m; assert m.version('subword-nmt') == '0.3.8'"
mkdir -p "$FIX"
# First N lines of a gzipped file (head closes the pipe early: ignore gzip's SIGPIPE).
firstlines() { gzip -dc "$1" | head -n "$2" || true; }

if [ "${CORPUS:-0}" = 1 ] || [ ! -f "$FIX/corpus.txt" ]; then
  {
    firstlines "$DATA/multi30k/train.en.gz" 1500
    python3 tools/text/edge_lines.py
    firstlines "$DATA/multi30k/train.de.gz" 1500
    python3 tools/text/edge_lines.py
  } > "$FIX/corpus.txt"
  # A held-out text to apply the codes to: other Multi30k lines plus the edge cases.
  {
    firstlines "$DATA/multi30k/val.en.gz" 300
    firstlines "$DATA/multi30k/val.de.gz" 300
    python3 tools/text/edge_lines.py
  } > "$FIX/heldout.txt"
  # Tie-breaking corpus: many pairs with equal counts.
  printf 'ab ba cd dc ab ba cd dc\nxy yx xy yx\nzz zz zz\nbca acb bca acb\n' > "$FIX/ties.txt"
fi
# Corpora where subword-nmt's regex merge over words holding a tab / NBSP differs from a
# naive symbol merge (found by fuzzing; see random_corpus.py).
if [ "${CORPUS:-0}" = 1 ] || [ ! -f "$FIX/quirk_tab.txt" ]; then
  python3 tools/text/random_corpus.py 3 > "$FIX/quirk_tab.txt"
  python3 tools/text/random_corpus.py 18 > "$FIX/quirk_nbsp.txt"
fi

# Learning (stderr is subword-nmt's progress bar; discard it).
"$SN" learn-bpe -s 1000 < "$FIX/corpus.txt" > "$FIX/corpus.codes" 2>/dev/null
"$SN" learn-bpe -s 300 --min-frequency 5 < "$FIX/corpus.txt" > "$FIX/corpus.min5.codes" 2>/dev/null
"$SN" learn-bpe -s 100000 < "$FIX/corpus.txt" > "$FIX/corpus.all.codes" 2>/dev/null
"$SN" learn-bpe -s 500 -t < "$FIX/corpus.txt" > "$FIX/corpus.total.codes" 2>/dev/null
"$SN" learn-bpe -s 50 --min-frequency 1 < "$FIX/ties.txt" > "$FIX/ties.codes" 2>/dev/null

"$SN" learn-bpe -s 211 --min-frequency 1 < "$FIX/quirk_tab.txt" > "$FIX/quirk_tab.codes" 2>/dev/null
"$SN" learn-bpe -s 766 --min-frequency 1 < "$FIX/quirk_nbsp.txt" > "$FIX/quirk_nbsp.codes" 2>/dev/null

# Applying.
"$SN" apply-bpe -c "$FIX/corpus.codes" < "$FIX/corpus.txt" > "$FIX/corpus.bpe"
"$SN" apply-bpe -c "$FIX/corpus.codes" < "$FIX/heldout.txt" > "$FIX/heldout.bpe"
"$SN" apply-bpe -c "$FIX/corpus.all.codes" < "$FIX/heldout.txt" > "$FIX/heldout.all.bpe"
"$SN" apply-bpe -c "$FIX/corpus.codes" --merges 200 < "$FIX/heldout.txt" > "$FIX/heldout.m200.bpe"
# get-vocab output of lines holding \x1c, \x85, U+2028... cannot be read back by
# subword-nmt itself (codecs splits them), so the vocabulary comes from the Multi30k lines only.
head -n 1500 "$FIX/corpus.bpe" | "$SN" get-vocab > "$FIX/corpus.bpe.vocab"
"$SN" get-vocab < "$FIX/corpus.bpe" > "$FIX/corpus.bpe.fullvocab"
"$SN" apply-bpe -c "$FIX/corpus.codes" --vocabulary "$FIX/corpus.bpe.vocab" --vocabulary-threshold 5 \
  < "$FIX/heldout.txt" > "$FIX/heldout.vocab5.bpe"
"$SN" apply-bpe -c "$FIX/corpus.codes" --glossaries "man" "wo[a-z]+" "[0-9]+" \
  < "$FIX/heldout.txt" > "$FIX/heldout.gloss.bpe"

"$SN" apply-bpe -c "$FIX/quirk_nbsp.codes" < "$FIX/quirk_nbsp.txt" > "$FIX/quirk_nbsp.bpe"

# Joint learning over two files, with per-file vocabularies. subword-nmt's joint verb rejects
# files holding a lone \r, so its inputs are the plain Multi30k parts of the corpus: lines
# 1-1500 (English) and 1532-3031 (German); the tests slice corpus.txt the same way.
TMP=$(mktemp -d)
sed -n '1,1500p' "$FIX/corpus.txt" > "$TMP/a.txt"
sed -n '1532,3031p' "$FIX/corpus.txt" > "$TMP/b.txt"
"$SN" learn-joint-bpe-and-vocab -i "$TMP/a.txt" "$TMP/b.txt" -s 500 -o "$FIX/joint.codes" \
  --write-vocabulary "$FIX/joint.a.vocab" "$FIX/joint.b.vocab" 2>/dev/null
rm -r "$TMP"
echo "fixtures written to $FIX"
