#!/usr/bin/env bash
# Regression check of the recipes' recorded results: for every recipe with committed outputs
# (recipes/<name>/outputs/<model>.<testset>.hyp), prepare its references from the corpora and
# re-score each output with mt-bleu; the BLEU must match the row of the recipe's EXPECTED.md
# ("| model | testset | BLEU | ...") within ±0.05. See rescore_outputs in recipes/common/pipeline.sh.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/recipe_outputs.sh
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export BIN=${BIN:-$ROOT/.build/release}
checked=0; failed=0
for out in "$ROOT"/recipes/*/outputs; do
  [ -d "$out" ] || continue
  recipe=$(basename "$(dirname "$out")")
  work=$(mktemp -d)
  if WORK=$work RESCORE=1 bash "$ROOT/recipes/$recipe/run.sh"; then
    echo "recipe_outputs: $recipe: outputs re-scored as EXPECTED.md says" >&2
  else
    echo "recipe_outputs: $recipe: FAILED" >&2; failed=$((failed + 1))
  fi
  rm -rf "$work"
  checked=$((checked + 1))
done
echo "recipe_outputs: $checked recipes checked, $failed failed" >&2
[ "$checked" -gt 0 ] && [ "$failed" = 0 ]
