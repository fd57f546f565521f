#!/usr/bin/env bash
# mt-translate answers each line as it arrives: with the writer still open and waiting, one line
# in must give its translation out within a few seconds (it used to wait for --buffer-lines
# lines or the end of input), and the answers must equal a batch run of the same lines.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/interactive_translate.sh
#
# Model: `tiny`, trained for 30 updates on the first 2,000 pairs of Multi30k En-De (as
# kill_resume.sh prepares them); its translations are poor, but deterministic.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-translate; do
  [ -x "$BIN/$b" ] || { echo "interactive_translate: $BIN/$b missing" >&2; exit 1; }
done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rc=$?; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
fail() { echo "interactive_translate: FAIL: $*" >&2; tail -n 5 "$T"/*.log >&2 || true; exit 1; }

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 20
"$BIN/mt-train" --train-source "$T/train.src" --train-target "$T/train.tgt" \
  --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes" \
  --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch tiny --threads 1 --seed 7 \
  --max-tokens 512 --lr 0.001 --warmup-updates 10 --max-updates 30 --save-interval 30 \
  --log-interval 10 --best-metric loss --save-dir "$T/model" > "$T/train.log" 2>&1 \
  || fail "training failed"

LINES=("A man is walking." "A dog runs in the park." "Two children are playing football.")
printf '%s\n' "${LINES[@]}" > "$T/input"
TRANSLATE=("$BIN/mt-translate" -m "$T/model" --threads 1 --beam 2)
"${TRANSLATE[@]}" < "$T/input" > "$T/batch.out" 2> "$T/batch.log" || fail "batch run failed"
[ "$(wc -l < "$T/batch.out")" = 3 ] || fail "batch run gave $(wc -l < "$T/batch.out") lines for 3"

# Interactive run: a coprocess whose stdin stays open between lines.
coproc MT { exec "${TRANSLATE[@]}" 2> "$T/interactive.log"; }
: > "$T/interactive.out"
for line in "${LINES[@]}"; do
  printf '%s\n' "$line" >&"${MT[1]}"
  answer=""
  IFS= read -r -t 10 answer <&"${MT[0]}" || fail "no answer within 10 s to '$line' (is mt-translate waiting for more input?)"
  printf '%s\n' "$answer" >> "$T/interactive.out"
done
exec {MT[1]}>&-
wait "$MT_PID" || fail "mt-translate exited with an error"
diff "$T/batch.out" "$T/interactive.out" > "$T/diff" || { cat "$T/diff" >&2; fail "interactive answers differ from the batch run"; }
# A reader that stops early (| head -1): mt-translate ends quietly with 141 (as SIGPIPE would).
for _ in $(seq 200); do printf '%s\n' "${LINES[@]}"; done > "$T/many"
set +o pipefail
"${TRANSLATE[@]}" < "$T/many" 2> "$T/pipe.log" | head -1 > "$T/first"
rc=${PIPESTATUS[0]}
set -o pipefail
[ "$rc" = 141 ] || fail "mt-translate | head -1 exited $rc, expected 141: $(head -3 "$T/pipe.log")"
if grep -q -i 'fatal\|crash' "$T/pipe.log"; then fail "mt-translate | head -1 crashed: $(head -3 "$T/pipe.log")"; fi
[ "$(cat "$T/first")" = "$(head -1 "$T/batch.out")" ] || fail "the first line through head differs from the batch run"
echo "interactive_translate: ok (3 lines answered one by one, each before the next was sent; same as the batch run; a closed pipe ends it quietly)" >&2
