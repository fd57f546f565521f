#!/usr/bin/env bash
# Data-parallel training under Open MPI (README: MPI training), on one machine:
#  1. 2 ranks × update_freq 1 ≡ 1 process × update_freq 2: the same loss curve and bit-identical
#     weights after 20 updates, softmax and T2R decoders, with dropout;
#  2. 4 ranks × update_freq 1 vs 1 process × update_freq 4: within 1e-6 relative;
#  3. SIGKILL of rank 1 mid-run: the job ends with an error, checkpoint_20 is intact, and the
#     resumed 2-rank run ends with the weights and curve of the uninterrupted 1-process run;
#     SIGUSR1 to mpirun: every rank stops at the same update, rank 0 saves, resume ≡ the same;
#  4. refusals: ranks with different configs; a resume with another ranks × update_freq;
#  5. a plain mt-train does not link libmpi.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data bash Tests/scripts/mpi_train.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train; do [ -x "$BIN/$b" ] || { echo "mpi_train: $BIN/$b missing" >&2; exit 1; }; done
command -v mpirun >/dev/null || { echo "mpi_train: mpirun missing (make deps installs openmpi-bin)" >&2; exit 1; }
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
T=$(mktemp -d)
trap 'rc=$?; kill -9 $(jobs -p) 2>/dev/null || true; rm -rf "$T"; exit $rc' EXIT
fail() { echo "mpi_train: FAIL: $*" >&2; tail -n 8 "$T"/*.log >&2 || true; exit 1; }
MPIRUN=(mpirun --oversubscribe)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 20

ARGS=(--train-source "$T/train.src" --train-target "$T/train.tgt"
      --valid-source "$T/valid.src" --valid-target "$T/valid.tgt" --bpe-codes "$T/codes"
      --source-vocab "$T/vocab" --target-vocab "$T/vocab" --threads 1 --seed 7
      --max-tokens 400 --lr 0.002 --warmup-updates 5 --log-interval 1 --best-metric loss
      --dropout 0.2 --attention-dropout 0.1 --keep-last 10)
# Loss, gnorm and lr of every update (not the speed).
curve() { grep '"kind":"train"' "$1/metrics.jsonl" | sed 's/"tok_per_s":[^,}]*,\{0,1\}//'; }
# Tensor bytes after the safetensors header (whose metadata names the save_dir).
payload() { local n; n=$(od -An -t u8 -N8 "$1" | tr -d ' '); tail -c +$((9 + n)) "$1" | sha256sum | cut -c1-16; }
one() { local dir=$1; shift; "$BIN/mt-train" "${ARGS[@]}" "$@" --save-dir "$T/$dir" > "$T/$dir.log" 2>&1 \
          || fail "$dir: mt-train exited $?"; }
ranks() { local n=$1 dir=$2; shift 2; timeout 300 "${MPIRUN[@]}" -np "$n" "$BIN/mt-train" "${ARGS[@]}" "$@" \
          --save-dir "$T/$dir" > "$T/$dir.log" 2>&1 || fail "$dir: mpirun -np $n exited $?"; }

# 5. No libmpi in a plain binary (it is dlopen'ed under mpirun only).
if ldd "$BIN/mt-train" | grep -q libmpi; then fail "mt-train links libmpi"; fi

# 1. 2 ranks ≡ 1 process with update_freq 2, bit for bit.
for dec in softmax t2r; do
  one "$dec-1x2" --arch tiny --decoder "$dec" --update-freq 2 --max-updates 20 --save-interval 10
  ranks 2 "$dec-2x1" --arch tiny --decoder "$dec" --update-freq 1 --max-updates 20 --save-interval 10
  grep -q "data-parallel: 2 ranks" "$T/$dec-2x1.log" || fail "$dec: no data-parallel start line"
  [ "$(curve "$T/$dec-1x2" | wc -l)" = 20 ] || fail "$dec: expected 20 train lines, got $(curve "$T/$dec-1x2" | wc -l)"
  diff <(curve "$T/$dec-1x2") <(curve "$T/$dec-2x1") > "$T/$dec.diff" || { head "$T/$dec.diff" >&2; fail "$dec: loss curves differ"; }
  a=$(payload "$T/$dec-1x2/checkpoint_last.safetensors"); b=$(payload "$T/$dec-2x1/checkpoint_last.safetensors")
  [ "$a" = "$b" ] || fail "$dec: weights differ after 20 updates ($a vs $b)"
  [ "$(grep -c '^\[train\] ep ' "$T/$dec-2x1.log")" = 20 ] || fail "$dec: expected only rank 0 to log (20 progress lines)"
  echo "mpi_train: $dec 2 ranks ≡ 1 process × update_freq 2 (curve and weights $a)" >&2
done

# 2. 4 ranks vs 1 process × update_freq 4: the gradient slabs are summed in another order.
one softmax-1x4 --arch tiny --update-freq 4 --max-updates 20 --save-interval 10
ranks 4 softmax-4x1 --arch tiny --update-freq 1 --max-updates 20 --save-interval 10
python3 - "$T/softmax-1x4" "$T/softmax-4x1" <<'EOF' || fail "4 ranks differ from 1 process × update_freq 4 by more than 1e-6"
import json, struct, sys, array, math
def tensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]; head = json.loads(f.read(n)); body = f.read()
    out = {}
    for k, v in head.items():
        if k == "__metadata__": continue
        a = array.array("f"); a.frombytes(body[v["data_offsets"][0]:v["data_offsets"][1]]); out[k] = a
    return out
a, b = (tensors(d + "/checkpoint_last.safetensors") for d in sys.argv[1:3])
rel = {}
for k in a:
    num = math.sqrt(sum((x - y) ** 2 for x, y in zip(a[k], b[k]))); den = math.sqrt(sum(x * x for x in a[k])) or 1.0
    rel[k] = (num / den, num, den)
# Softmax attention is invariant to the key bias (it adds one constant to every score of a
# query), so k_proj.bias has gradient 0 in exact arithmetic: in float it is rounding noise, which
# Adam's m/√v turns into ±lr steps in both runs alike. Those tensors are compared loosely.
noise = [k for k in rel if k.endswith("k_proj.bias") and "attn" in k]
worst = max(v[0] for k, v in rel.items() if k not in noise)
kb = max(rel[k][1] for k in noise)
assert kb <= 0.01, f"key biases moved apart by {kb}"
curves = [[json.loads(l) for l in open(d + "/metrics.jsonl") if '"kind":"train"' in l] for d in sys.argv[1:3]]
assert len(curves[0]) == len(curves[1]) == 20, [len(c) for c in curves]
lw = max(abs(x["loss"] - y["loss"]) / abs(x["loss"]) for x, y in zip(*curves))
print(f"mpi_train: 4 ranks vs 1 process × update_freq 4: worst tensor relative difference {worst:.2e} (key biases, gradient 0 up to rounding: {kb:.1e} absolute), loss {lw:.2e}", file=sys.stderr)
sys.exit(0 if worst <= 1e-6 and lw <= 1e-6 else 1)
EOF

# 3. SIGKILL of rank 1 after update 25 (checkpoints every 10), then resume on 2 ranks.
KILLARGS=(--arch small --update-freq 1 --max-updates 40 --save-interval 10)
one small-1x2 --arch small --update-freq 2 --max-updates 40 --save-interval 10
"${MPIRUN[@]}" -np 2 "$BIN/mt-train" "${ARGS[@]}" "${KILLARGS[@]}" --save-dir "$T/kill" > "$T/kill.log" 2>&1 &
job=$!
for _ in $(seq 1200); do
  grep -q '"update":25[,}]' "$T/kill/metrics.jsonl" 2>/dev/null && break
  kill -0 "$job" 2>/dev/null || fail "the 2-rank run ended before update 25"
  sleep 0.05
done
victim=""
for p in $(pgrep -f "$BIN/mt-train .*--save-dir $T/kill" || true); do
  tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && victim=$p
done
[ -n "$victim" ] || fail "rank 1's process not found"
kill -9 "$victim"
rc=0; wait "$job" || rc=$?
[ "$rc" != 0 ] || fail "mpirun exited 0 after rank 1 was killed"
[ -f "$T/kill/checkpoint_30.safetensors" ] && fail "killed too late (checkpoint_30 exists)"
[ -f "$T/kill/checkpoint_20.safetensors" ] || fail "no checkpoint_20 before the kill"
grep -qi "rank 1" "$T/kill.log" || fail "mpirun did not name the dead rank: $(tail -3 "$T/kill.log")"
echo "mpi_train: SIGKILL of rank 1 ended the job (mpirun exit $rc)" >&2
mv "$T/kill.log" "$T/kill-1.log"
ranks 2 kill "${KILLARGS[@]}"
grep -q "resumed from .*update 20" "$T/kill.log" || fail "did not resume from update 20"
a=$(payload "$T/small-1x2/checkpoint_last.safetensors"); b=$(payload "$T/kill/checkpoint_last.safetensors")
[ "$a" = "$b" ] || fail "killed-and-resumed 2-rank weights differ from 1 process × update_freq 2"
last() { curve "$1" | awk -F'"update":' '{ split($2, u, /[,}]/); line[u[1]] = $0 } END { for (k in line) print k "\t" line[k] }' | sort -n; }
diff <(last "$T/small-1x2") <(last "$T/kill") > /dev/null || fail "killed-and-resumed loss curve differs"
echo "mpi_train: resumed after the SIGKILL ≡ uninterrupted (weights $a)" >&2

# 3b. SIGUSR1 to mpirun (forwarded to every rank): the ranks agree on one update, rank 0 saves,
# all exit 130; the resumed run again ends ≡ the uninterrupted one.
"${MPIRUN[@]}" -np 2 "$BIN/mt-train" "${ARGS[@]}" "${KILLARGS[@]}" --save-dir "$T/usr1" > "$T/usr1.log" 2>&1 &
job=$!
for _ in $(seq 1200); do
  grep -q '"update":15[,}]' "$T/usr1/metrics.jsonl" 2>/dev/null && break
  kill -0 "$job" 2>/dev/null || fail "the 2-rank run ended before update 15"
  sleep 0.05
done
kill -USR1 "$job"
rc=0; wait "$job" || rc=$?
[ "$rc" = 130 ] || fail "mpirun exited $rc after SIGUSR1, expected 130"
grep -q "SIGUSR1: saving and exiting" "$T/usr1.log" || fail "no clean stop on SIGUSR1"
stopped=$(grep -o '"kind":"done"[^}]*' "$T/usr1/metrics.jsonl" | grep -o '"update":[0-9]*' | cut -d: -f2)
[ -n "$stopped" ] && [ "$stopped" -lt 40 ] || fail "did not stop early (update $stopped)"
mv "$T/usr1.log" "$T/usr1-1.log"
ranks 2 usr1 "${KILLARGS[@]}"
grep -q "resumed from .*update $stopped" "$T/usr1.log" || fail "did not resume from update $stopped"
b2=$(payload "$T/usr1/checkpoint_last.safetensors")
[ "$a" = "$b2" ] || fail "stopped (SIGUSR1 at update $stopped) and resumed weights differ from uninterrupted"
echo "mpi_train: SIGUSR1 stopped both ranks at update $stopped; resumed ≡ uninterrupted" >&2

# 4a. Resuming with another ranks × update_freq is refused; the same product re-splits.
if "$BIN/mt-train" "${ARGS[@]}" "${KILLARGS[@]}" --max-updates 42 --save-dir "$T/kill" > "$T/resplit.log" 2>&1; then
  fail "a 1-process update_freq 1 resume of a 2-rank state was accepted"
fi
grep -q "batches per update" "$T/resplit.log" || fail "unclear refusal: $(tail -2 "$T/resplit.log")"
"$BIN/mt-train" "${ARGS[@]}" --arch small --update-freq 2 --max-updates 42 --save-interval 10 --save-dir "$T/kill" \
  > "$T/resplit2.log" 2>&1 || fail "1 process × update_freq 2 could not resume the 2-rank state"
grep -q "re-split" "$T/resplit2.log" || fail "no re-split line"

# 4b. Ranks with different configs are refused.
if timeout 120 "${MPIRUN[@]}" -np 1 "$BIN/mt-train" "${ARGS[@]}" --arch tiny --max-updates 2 --save-dir "$T/mm" \
     : -np 1 "$BIN/mt-train" "${ARGS[@]}" --arch tiny --max-updates 2 --lr 0.003 --save-dir "$T/mm" > "$T/mismatch.log" 2>&1; then
  fail "ranks with different configs were accepted"
fi
grep -q "rank 1 has another training config than rank 0" "$T/mismatch.log" || fail "unclear mismatch error: $(grep -m2 error "$T/mismatch.log")"
echo "mpi_train: ok" >&2
