#!/usr/bin/env bash
# Sourced after recipes/common/pipeline.sh: the long-output benchmark (mt-bench paragraphs) of
# trained models on newstest2014 paragraphs, and the table that puts it beside the sentence-level
# speed of the test sets.
#
#   long_bench OUT.jsonl MODEL...   consecutive newstest2014 English lines joined to 150–400
#                                   source tokens (LONG_PARAGRAPHS of them, default 4), each
#                                   translated as one input and line by line, beam $BEAM
#   long_table OUT.jsonl            model | test-set tok/s (results.tsv) | sentences / paragraphs
#                                   tok/s | ms per token at t = 25 and 200 | peak MB | state floats
# Re-measured on every run (a timing, not a result): other jobs on the machine change it.

long_bench() {
  local out=$1; shift
  need mt-bench
  local src; src=$(data_dir)/wmt14/newstest2014-ende.en
  [ -s "$src" ] || { say "long bench: $src missing (data/fetch.sh fetches wmt14)"; return 1; }
  local dirs="" m
  for m in "$@"; do dirs+=${dirs:+,}$WORK/$m; done
  say "long bench: ${LONG_PARAGRAPHS:-4} newstest2014 paragraphs of 150–400 source tokens, beam $BEAM, models $*"
  "$BIN/mt-bench" paragraphs --models "$dirs" --input "$src" --paragraphs "${LONG_PARAGRAPHS:-4}" \
    --min-tokens 150 --max-tokens 400 --beam "$BEAM" --threads "$THREADS" > "$out.tmp"
  mv "$out.tmp" "$out"
}

# jfield KEY: the value of "KEY" in the JSON line on stdin ("" when absent; strings unquoted).
jfield() { grep -o "\"$1\":[^,}]*" | head -1 | cut -d: -f2- | tr -d '"'; }

# fmt0 / fmt2 VALUE: a number rounded to 0 / 2 decimals, "-" when empty or null.
fmtn() { if [ -z "$2" ] || [ "$2" = null ]; then echo -; else LC_ALL=C printf "%.${1}f" "$2"; fi; }

long_table() {
  local out=$1 table=$WORK/speed.tsv m
  {
    printf "model\tdecoder\ttestset_tok_per_s\tnews_sentences_tok_per_s\tnews_paragraphs_tok_per_s\tparagraph_out_tokens\tms_per_token_t25\tms_per_token_t200\tpeak_rss_mb\tstate_floats_per_layer\n"
    for m in $(jfield_all model < "$out"); do
      local s p dec sent
      s=$(grep "\"model\":\"$m\"" "$out" | grep '"mode":"sentences"' || true)
      p=$(grep "\"model\":\"$m\"" "$out" | grep '"mode":"paragraphs"' || true)
      dec=$(echo "$p" | jfield decoder)
      [ "$dec" = softmax ] || dec="$dec/$(echo "$p" | jfield feature_map)"
      sent=$(awk -F'\t' -v m="$m" '$1 == m { print $5; exit }' "$WORK/results.tsv" 2>/dev/null || true)
      printf "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n" "$m" "$dec" "${sent:--}" \
        "$(fmtn 0 "$(echo "$s" | jfield tok_per_s)")" "$(fmtn 0 "$(echo "$p" | jfield tok_per_s)")" \
        "$(fmtn 0 "$(echo "$p" | jfield mean_out_tokens)")" "$(fmtn 2 "$(echo "$p" | jfield step_ms_t25)")" \
        "$(fmtn 2 "$(echo "$p" | jfield step_ms_t200)")" "$(fmtn 0 "$(echo "$p" | jfield peak_rss_mb)")" \
        "$(fmtn 0 "$(echo "$p" | jfield state_floats_per_layer)")"
    done
  } > "$table"
  say "speed, sentences against paragraphs ($table):"
  column -t -s $'\t' "$table" >&2 || cat "$table" >&2
}

# jfield_all KEY: every distinct value of "KEY" in the JSON lines on stdin, in first-seen order.
jfield_all() { grep -o "\"$1\":\"[^\"]*\"" | cut -d: -f2- | tr -d '"' | awk '!seen[$0]++'; }
