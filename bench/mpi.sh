#!/usr/bin/env bash
# Data-parallel (MPI) benchmark (make bench), one JSON object per line:
#  1. training speed on this machine: 1 process × 2 threads × update_freq 2 against
#     mpirun -np 2 × 1 thread × update_freq 1 — the same batches per update, so the same work;
#     target tokens/s averaged over the logged windows after the first (warm-up), and the ratio;
#  2. the all-reduce cost per update of the small, base and big gradient slabs on 2 ranks
#     (`mt-bench allreduce`).
# On a 2-core machine (1) measures the overhead of data parallelism (all-reduce, the duplicated
# non-GEMM work) against OpenBLAS's own threading.
#
#   BIN=.build/release MT_DATA_DIR=../shared/data flock /tmp/bench.lock bash bench/mpi.sh
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$ROOT/.build/release}
for b in mt-bpe mt-train mt-bench; do [ -x "$BIN/$b" ] || { echo "bench/mpi.sh: $BIN/$b missing" >&2; exit 1; }; done
command -v mpirun >/dev/null || { echo "bench/mpi.sh: mpirun missing (make deps installs openmpi-bin)" >&2; exit 1; }
DATA=${MT_DATA_DIR:-$(bash "$ROOT/data/fetch.sh")}
ARCH=${ARCH:-small}
UPDATES=${UPDATES:-40}
MAXTOK=${MAXTOK:-2000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
MPIRUN=(mpirun --oversubscribe --bind-to none)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)

# shellcheck source=Tests/scripts/lib/small_multi30k.sh
source "$ROOT/Tests/scripts/lib/small_multi30k.sh"
small_multi30k "$T" 10 >/dev/null

ARGS=(--train-source "$T/train.src" --train-target "$T/train.tgt" --bpe-codes "$T/codes"
      --source-vocab "$T/vocab" --target-vocab "$T/vocab" --arch "$ARCH" --seed 3 --max-tokens "$MAXTOK"
      --lr 0.0005 --warmup-updates 10 --max-updates "$UPDATES" --save-interval 0 --log-interval 10 --dropout 0.1)
# Mean tok/s of the train lines after the first.
tps() { grep '"kind":"train"' "$1/metrics.jsonl" | grep -o '"tok_per_s":[0-9.e+-]*' | cut -d: -f2 | tail -n +2 \
        | awk '{ s += $1; n++ } END { printf "%.1f", n ? s / n : 0 }'; }

OPENBLAS_NUM_THREADS=2 "$BIN/mt-train" "${ARGS[@]}" --threads 2 --update-freq 2 --save-dir "$T/p1" > "$T/p1.log" 2>&1 \
  || { tail -5 "$T/p1.log" >&2; exit 1; }
"${MPIRUN[@]}" -np 2 -x OPENBLAS_NUM_THREADS=1 "$BIN/mt-train" "${ARGS[@]}" --threads 1 --update-freq 1 --save-dir "$T/p2" \
  > "$T/p2.log" 2>&1 || { tail -5 "$T/p2.log" >&2; exit 1; }
a=$(tps "$T/p1"); b=$(tps "$T/p2")
echo "{\"bench\":\"mpi_train\",\"arch\":\"$ARCH\",\"updates\":$UPDATES,\"max_tokens\":$MAXTOK,\"procs\":1,\"threads\":2,\"update_freq\":2,\"tok_per_s\":$a}"
echo "{\"bench\":\"mpi_train\",\"arch\":\"$ARCH\",\"updates\":$UPDATES,\"max_tokens\":$MAXTOK,\"procs\":2,\"threads\":1,\"update_freq\":1,\"tok_per_s\":$b}"
awk -v a="$a" -v b="$b" -v arch="$ARCH" 'BEGIN { printf "{\"bench\":\"mpi_train_ratio\",\"arch\":\"%s\",\"ratio_2x1_over_1x2\":%.3f}\n", arch, b / a }'

"${MPIRUN[@]}" -np 2 "$BIN/mt-bench" allreduce --configs small,base,big
