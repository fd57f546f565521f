#!/usr/bin/env bash
# Prints the result rows of a recipe's EXPECTED.md from its results.tsv, in the format that the
# regression check (RESCORE=1, Tests/scripts/recipe_outputs.sh) reads:
#   | model | testset | BLEU | decode tok/s | checkpoint | training s |
#   bash recipes/common/expected-rows.sh work/multi30k-en-de/results.tsv
set -euo pipefail
[ $# = 1 ] && [ -f "$1" ] || { echo "usage: $0 work/<name>/results.tsv" >&2; exit 2; }
echo "| model | testset | BLEU | decode tok/s | checkpoint | training s |"
echo "|---|---|---|---|---|---|"
LC_ALL=C awk -F'\t' '
  function thousands(x,   s, out) {
    s = sprintf("%.0f", x); out = ""
    while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) }
    return s out }
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  { ck = $col["checkpoint"]; sub(/\.safetensors$/, "", ck)
    ck = ck == "checkpoint_avg" ? "average of the last 5" : ck == "checkpoint_best" ? "best (valid)" : ck
    secs = ("train_seconds" in col) ? thousands($col["train_seconds"]) : "?"
    printf "| %s | %s | %s | %s | %s | %s |\n", $col["model"], $col["testset"], $col["bleu"],
           thousands($col["tok_per_s"]), ck, secs }' "$1"
