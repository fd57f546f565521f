#!/usr/bin/env bash
# SIGKILL during training, then resume: the resumed run must restart from the last checkpoint
# written before the kill (losing only the updates after it) and continue the same loss curve
# to the same final weights as an uninterrupted run.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/kill_resume.sh
#
# Data: the first 2,000 pairs of Multi30k En-De (data/fetch.sh finds or downloads them), a
# `small` model (slow enough to kill between checkpoints), one thread, checkpoints every 10
# updates, 40 updates in all.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train; do [ -x "$BIN/$b" ] || { echo "kill_resume: $BIN/$b missing" >&2; exit 1; }; done
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rc=$?; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
fail() { echo "kill_resume: FAIL: $*" >&2; tail -n 5 "$T"/*.log >&2 || true; exit 1; }

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 50

ARGS=(--train-source "$T/train.src" --train-target "$T/train.tgt"
      --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes"
      --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch small --threads 1 --seed 7
      --max-tokens 512 --lr 0.001 --warmup-updates 10 --max-updates 40 --save-interval 10
      --keep-last 10 --log-interval 5 --best-metric loss)
train() { "$BIN/mt-train" "${ARGS[@]}" --save-dir "$1" >> "$1.log" 2>&1; }  # the same run every time

# Uninterrupted reference run.
train "$T/a"

# Interrupted run: SIGKILL once it has logged update 25 (after checkpoint_20, before 30).
"$BIN/mt-train" "${ARGS[@]}" --save-dir "$T/b" >> "$T/b.log" 2>&1 &
pid=$!
for _ in $(seq 600); do
  grep -q '"update":25[,}]' "$T/b/metrics.jsonl" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || fail "the run ended before update 25"
  sleep 0.1
done
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
[ -f "$T/b/checkpoint_30.safetensors" ] && fail "killed too late (checkpoint_30 exists)"
[ -f "$T/b/checkpoint_20.safetensors" ] || fail "no checkpoint_20 before the kill"
killed_at=$(grep -o '"kind":"train"[^}]*' "$T/b/metrics.jsonl" | grep -o '"update":[0-9]*' | tail -1 | cut -d: -f2)
[ -n "$killed_at" ] || killed_at=$(grep -o '"update":[0-9]*' "$T/b/metrics.jsonl" | tail -1 | cut -d: -f2)
echo "kill_resume: killed with SIGKILL after update $killed_at" >&2

# Resume: the same command.
train "$T/b"
grep -q "resumed from .*update 20" "$T/b.log" || fail "did not resume from update 20: $(grep resumed "$T/b.log")"

# Same curve: for every update, the last train line of b equals a's (loss, gnorm, lr).
curve() { grep '"kind":"train"' "$1" | sed 's/"tok_per_s":[^,}]*,\{0,1\}//' \
          | awk -F'"update":' '{ split($2, u, /[,}]/); line[u[1]] = $0 } END { for (k in line) print k "\t" line[k] }' | sort -n; }
curve "$T/a/metrics.jsonl" > "$T/a.curve"
curve "$T/b/metrics.jsonl" > "$T/b.curve"
[ "$(wc -l < "$T/a.curve")" -ge 8 ] || fail "reference run logged $(wc -l < "$T/a.curve") train lines, expected 8"
diff "$T/a.curve" "$T/b.curve" > "$T/curve.diff" || { cat "$T/curve.diff" >&2; fail "loss curves differ"; }
# Tensor bytes after the safetensors header (whose metadata names the save_dir, which differs).
payload() { local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1"; }
cmp -s <(payload "$T/a/checkpoint_last.safetensors") <(payload "$T/b/checkpoint_last.safetensors") \
  || fail "final weights differ"
echo "kill_resume: ok (resumed at update 20 after a SIGKILL at update $killed_at; $(wc -l < "$T/a.curve") logged updates and the final weights identical to an uninterrupted run)" >&2
