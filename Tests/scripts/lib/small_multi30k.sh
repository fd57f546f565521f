# Sourced by the end-to-end scripts (Tests/scripts/*.sh, tools/train_fingerprint.sh): a small
# Multi30k En-De slice with joint BPE, ready for a quick mt-train run.
#
#   small_multi30k DIR VALID_LINES [MERGES]   (needs BIN and DATA set)
#
# Writes DIR/train.{src,tgt} (the first 2,000 pairs), DIR/valid.{src,tgt} (the first
# VALID_LINES validation pairs), DIR/codes (MERGES merges, default 500) and DIR/vocab (joint
# vocabulary).
small_multi30k() {
  local dir=$1 valid=$2 merges=${3:-500}
  gzip -dc "$DATA/multi30k/train.en.gz" | sed -n 1,2000p > "$dir/train.src"
  gzip -dc "$DATA/multi30k/train.de.gz" | sed -n 1,2000p > "$dir/train.tgt"
  gzip -dc "$DATA/multi30k/val.en.gz" | sed -n "1,${valid}p" > "$dir/valid.src"
  gzip -dc "$DATA/multi30k/val.de.gz" | sed -n "1,${valid}p" > "$dir/valid.tgt"
  cat "$dir/train.src" "$dir/train.tgt" | "$BIN/mt-bpe" pretokenize > "$dir/tok"
  "$BIN/mt-bpe" learn-bpe -s "$merges" -i "$dir/tok" -o "$dir/codes"
  "$BIN/mt-bpe" apply-bpe -c "$dir/codes" -i "$dir/tok" -o "$dir/tok.bpe"
  "$BIN/mt-bpe" build-vocab -i "$dir/tok.bpe" -o "$dir/vocab"
}
