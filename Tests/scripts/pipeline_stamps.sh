#!/usr/bin/env bash
# The recipe pipeline's input stamps (recipes/common/stamps.sh) on small temp files, no training:
# a step runs once and is skipped the second time; it reruns when an input file's content
# changes (also through the hash cache, same size, same second) and when a flag variable
# changes, saying which input changed; an old empty stamp is accepted once with a warning and
# rewritten; a changed run is moved aside to <dir>.old-<n>; pipeline.sh's training step
# (stub mt-train) skips, resumes, or trains afresh in a fresh directory as its inputs say.
#
#   bash Tests/scripts/pipeline_stamps.sh        (BIN and MT_DATA_DIR are not needed)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=recipes/common/stamps.sh
source "$ROOT/recipes/common/stamps.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "pipeline_stamps: FAIL: $*" >&2; sed 's/^/  | /' "$T/log" >&2 2>/dev/null || true; exit 1; }
say() { echo "[stamps] $*" >> "$T/log"; }

# A toy step: "uppercase input.txt with a prefix of $FLAG" → out/result, stamped out/.done.
echo "hello" > "$T/input.txt"
FLAG=a
RUNS=0
inputs_toy() { stamp_file input.txt "$T/input.txt"; stamp_var FLAG; }
step_toy() {
  if stamp_skip toy "$T/out/.done" inputs_toy; then return; fi
  RUNS=$((RUNS + 1))
  mkdir -p "$T/out"
  { printf '%s:' "$FLAG"; tr '[:lower:]' '[:upper:]' < "$T/input.txt"; } > "$T/out/result"
  stamp_write "$T/out/.done"
}
# expect N PATTERN: after one more step_toy, RUNS is N and the log's last line matches PATTERN.
expect() {
  step_toy
  [ "$RUNS" = "$1" ] || fail "expected $1 runs, got $RUNS"
  tail -n 1 "$T/log" | grep -q -- "$2" || fail "expected the message '$2', got: $(tail -n 1 "$T/log")"
}

: > "$T/log"
step_toy
[ "$RUNS" = 1 ] || fail "the first run did not run the step"
[ "$(cat "$T/out/result")" = "a:HELLO" ] || fail "wrong output $(cat "$T/out/result")"
[ "$(wc -c < "$T/out/.done")" = 65 ] || fail "the stamp is not a sha256 line"
grep -q "^value	FLAG	a$" "$T/out/.done.inputs" || fail "the manifest does not list FLAG"
expect 1 "toy: done already"                       # skipped the second time

echo "world" > "$T/input.txt"                      # same size, new content
expect 2 "toy: inputs changed (input.txt), rerunning"
[ "$(cat "$T/out/result")" = "a:WORLD" ] || fail "the rerun did not use the new input"
expect 2 "toy: done already"

touch "$T/input.txt"                               # mtime alone is not a change
expect 2 "toy: done already"

FLAG=b
expect 3 "toy: inputs changed (FLAG), rerunning"
[ "$(cat "$T/out/result")" = "b:WORLD" ] || fail "the rerun did not use the new flag"
expect 3 "toy: done already"
FLAG="b c"                                         # values with blanks are told apart
expect 4 "toy: inputs changed (FLAG), rerunning"

FLAG=d; echo "again" > "$T/input.txt"
expect 5 "toy: inputs changed (input.txt, FLAG), rerunning"

# An old-style empty stamp: accepted once with a warning, rewritten, then a normal stamp.
rm "$T/out/.done.inputs"; : > "$T/out/.done"
expect 5 "toy: warning: done by an earlier version of the pipeline"
[ -s "$T/out/.done" ] || fail "the old empty stamp was not rewritten"
expect 5 "toy: done already"
FLAG=e
expect 6 "toy: inputs changed (FLAG), rerunning"

# --legacy: an output of an earlier version stands for the missing stamp.
echo x > "$T/marker"
stamp_check --legacy "$T/marker" "$T/other.done" inputs_toy
[ "$STAMP_STATE" = legacy ] || fail "--legacy: state $STAMP_STATE, expected legacy"
stamp_check "$T/other.done" inputs_toy
[ "$STAMP_STATE" = new ] || fail "no stamp: state $STAMP_STATE, expected new"

# A missing input file stops the run with an error (not a silent skip or rerun).
inputs_missing() { stamp_file gone "$T/gone"; }
if (stamp_skip missing "$T/m.done" inputs_missing) 2>> "$T/log"; then
  fail "a missing input did not fail"
fi
grep -q "input file $T/gone (gone) missing" "$T/log" || fail "no error message for a missing input"

# The hash cache (as for large corpora and checkpoints): a rewrite with the same size within
# the same second must still be seen.
STAMP_CACHE=$T/hash-cache STAMP_CACHE_MIN_BYTES=0
echo "one" > "$T/input.txt"
expect 7 "toy: inputs changed (input.txt), rerunning"
expect 7 "toy: done already"
[ "$(wc -l < "$T/hash-cache")" -ge 1 ] || fail "the hash cache is empty"
echo "two" > "$T/input.txt"
expect 8 "toy: inputs changed (input.txt), rerunning"
unset STAMP_CACHE

# Moving a changed run aside keeps it: <dir>.old-1, then .old-2.
mkdir -p "$T/run"; echo 1 > "$T/run/ckpt"
[ "$(stamp_move_aside "$T/run")" = "$T/run.old-1" ] || fail "not moved to run.old-1"
mkdir -p "$T/run"; echo 2 > "$T/run/ckpt"
[ "$(stamp_move_aside "$T/run")" = "$T/run.old-2" ] || fail "not moved to run.old-2"
[ "$(cat "$T/run.old-1/ckpt")$(cat "$T/run.old-2/ckpt")" = 12 ] || fail "moved runs lost their files"
[ ! -e "$T/run" ] || fail "the run was not moved"

# The training step of pipeline.sh with a stub mt-train (writes a checkpoint, logs its calls):
# done → skipped; a run in progress with the same inputs resumes; a changed config moves the
# finished run (or the run in progress) aside and trains afresh; an old empty .done is accepted.
mkdir -p "$T/bin" "$T/recipe" "$T/work/data" "$T/work/bpe"
for b in mt-bpe mt-translate mt-bleu; do printf '#!/bin/sh\nexit 1\n' > "$T/bin/$b"; done
cat > "$T/bin/mt-train" << 'STUB'
#!/usr/bin/env bash
while [ $# -gt 0 ]; do [ "$1" = --save-dir ] && dir=$2; shift; done
mkdir -p "$dir"; echo "train $dir" >> "$(dirname "$dir")/train-calls"
[ -e "$dir/checkpoint_last.safetensors" ] && echo resumed >> "$(dirname "$dir")/train-calls"
[ -n "${STUB_FAIL:-}" ] && exit 1
echo w > "$dir/checkpoint_1.safetensors"; cp "$dir/checkpoint_1.safetensors" "$dir/checkpoint_best.safetensors"
cp "$dir/checkpoint_1.safetensors" "$dir/checkpoint_last.safetensors"
STUB
chmod +x "$T/bin/"*
for f in train.src train.tgt valid.src valid.tgt; do echo "$f" > "$T/work/data/$f"; done
for f in bpe.codes vocab.src vocab.tgt; do echo "$f" > "$T/work/bpe/$f"; done
echo "dropout: 0.3" > "$T/recipe/softmax.yaml"
calls() { grep -c "^train" "$T/work/train-calls" 2>/dev/null || true; }
(
  NAME=stub BIN=$T/bin WORK=$T/work RECIPE_DIR=$T/recipe MT_DATA_DIR=$T
  # shellcheck source=recipes/common/pipeline.sh
  source "$ROOT/recipes/common/pipeline.sh"
  say() { echo "[stub] $*" >> "$T/log"; }
  train_model softmax "train softmax" --max-updates 6
  [ "$(calls)" = 1 ] || fail "train: not run once"
  train_model softmax "train softmax" --max-updates 6
  [ "$(calls)" = 1 ] && tail -n 1 "$T/log" | grep -q "train softmax: done already" || fail "train: not skipped"
  SOFTMAX_ARGS="--max-updates 7"
  train_model softmax "train softmax"
  grep -q "inputs changed (SOFTMAX_ARGS): training from scratch in a fresh softmax/ (the old run is kept in softmax.old-1/)" "$T/log" \
    || fail "train: a changed flag did not move the run aside"
  [ "$(calls)" = 2 ] && [ -f "$T/work/softmax.old-1/.done" ] || fail "train: not retrained, or the old run lost"
  # A run in progress (no .done) with the same inputs resumes...
  rm "$T/work/softmax/.done"
  train_model softmax "train softmax"
  tail -n 2 "$T/log" | grep -q "resuming the run in progress (same inputs)" || fail "train: did not resume"
  [ "$(tail -n 1 "$T/work/train-calls")" = resumed ] || fail "train: the resumed run started afresh"
  # ... but not with a changed config: it is moved aside.
  rm "$T/work/softmax/.done"; echo "dropout: 0.1" > "$T/recipe/softmax.yaml"
  train_model softmax "train softmax"
  grep -q "inputs changed (softmax.yaml) since the run in progress started: training from scratch in a fresh softmax/ (the unfinished run is kept in softmax.old-2/)" "$T/log" \
    || fail "train: a run in progress with a changed config was resumed"
  [ "$(tail -n 1 "$T/work/train-calls")" != resumed ] || fail "train: resumed the old run"
  # An empty .done of an earlier version: accepted, not retrained.
  : > "$T/work/softmax/.done"; echo "dropout: 0.0" > "$T/recipe/softmax.yaml"; n=$(calls)
  train_model softmax "train softmax"
  [ "$(calls)" = "$n" ] && tail -n 1 "$T/log" | grep -q "warning: done by an earlier version" || fail "train: old empty .done not accepted"
  train_model softmax "train softmax"
  tail -n 1 "$T/log" | grep -q "train softmax: done already" || fail "train: the rewritten stamp is not current"
  # A failed training leaves no .done.
  SOFTMAX_ARGS="--max-updates 8"
  if (export STUB_FAIL=1; train_model softmax "train softmax") 2>> "$T/log"; then fail "train: a failure passed"; fi
  [ ! -e "$T/work/softmax/.done" ] || fail "train: a failed run was stamped done"
) || exit 1

echo "pipeline_stamps: ok (run once, skipped, reran on a changed file, a changed flag and through the hash cache; empty stamp accepted with a warning; runs moved aside; training step skipped, resumed, moved aside)" >&2
